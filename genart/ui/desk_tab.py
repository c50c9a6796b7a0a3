"""The fashion designer's desk: a hand sketch → variations that follow its lines → a board → colour,
colourways and fabric → a line sheet (PNG and PDF).

Core functions first (`fn(registry, ...)`, shared by the API and the browser; the work itself is in
genart/studio/desk/), then the browser's handlers, then `build()`, which only lays out and wires.
Public API: /read_sketch, /design.
"""

from __future__ import annotations

import json

import gradio as gr
import numpy as np

from genart.core import records
from genart.core.images import output_folder, png_info
from genart.core.registry import Registry
from genart.serve.refusals import QUICK, SLOW, user_errors
from genart.studio.desk import design as desk
from genart.studio.desk.actions import (
    MAX_N,
    VIEW,
    caption,
    check,
    colours_of,
    design,
    drawing_of,
    fabric_of,
    gallery,
    index_of,
    paint,
    read_sketch,
    variations,
)
from genart.studio.desk.sheet import SheetRow, line_sheet, save_sheet
from genart.ui.widgets import bind, sketchpad, ui_action

# ---- browser handlers: variations and the board live in session state


def ui_vary(registry: Registry, sketch, n, seed, strength, follow):
    n, seed, strength, follow, _ = check(n, seed, strength, follow, VIEW)
    drawing = drawing_of(sketch)
    reading = desk.read_sketch(registry, drawing)
    if not reading["garment"]["is_garment"]:
        gr.Warning(reading["garment"]["message"])
    items = variations(registry, drawing, n, seed, strength, follow)
    top = sorted(reading["probs"].items(), key=lambda kv: -kv[1])[:2]
    text = (f"The sketch reads as **{top[0][0]}** ({top[0][1]:.0%}); next {top[1][0]} ({top[1][1]:.0%}). "
            f"{n} variations, seeds {seed}–{seed + n - 1}. Click one, then *Keep*.")
    return items, gallery(items), text, None, sketch


def ui_select(evt: gr.SelectData):
    return evt.index


def ui_keep(variants, picked, board):
    if not variants:
        raise ValueError("Make variations first.")
    if picked is None:
        raise ValueError("Click a variation first, then keep it.")
    board = [*board, variants[int(picked)]]
    return board, gallery(board), *choices(board)


def choices(board):
    """The board's names for the refine, compare-A and compare-B menus: the newest to refine, the last two to
    compare."""
    names = [f"{i + 1}: {caption(it['params'])}" for i, it in enumerate(board)]
    last = names[-1] if names else None
    a = names[-2] if len(names) >= 2 else last
    return (gr.Dropdown(choices=names, value=last), gr.Dropdown(choices=names, value=a),
            gr.Dropdown(choices=names, value=last))


def ui_refine(registry: Registry, sketch, board, which, strength, n, seed, follow):
    """New variations starting from a board garment (SDEdit at `strength`), following the last sketch."""
    n, seed, strength, follow, _ = check(n, seed, strength, follow, VIEW)
    it = board[index_of(which, board)]
    drawing = drawing_of(sketch)
    items = variations(registry, drawing, n, seed, strength, follow, guide=np.asarray(it["garment"], np.uint8),
                       extra={"refined_from": it["params"]["seed"]})
    return items, gallery(items), f"{n} refinements of board garment {which} at strength {strength:g}.", None, sketch


def ui_compare(board, a, b):
    ia, ib = index_of(a, board), index_of(b, board)
    left, right = paint(board[ia], 384), paint(board[ib], 384)
    gap = np.full((384, 16, 3), 255, np.uint8)
    return np.hstack([left, gap, right])


def ui_apply(board, colours_text, fabric):
    colours = colours_of(colours_text)
    swatch = fabric_of(fabric)
    return gallery(board, colours[0], swatch)


def ui_export(registry: Registry, board, colours_text, fabric):
    if not board:
        raise ValueError("The board is empty: keep some variations first.")
    colours = colours_of(colours_text)
    swatch = fabric_of(fabric)
    paints = [(c, None) for c in colours] + ([(None, swatch)] if swatch is not None else [])
    rows = []
    for i, it in enumerate(board):
        cells = [paint(it, 512, c, f) for c, f in paints]
        caps = ["fabric swatch" if f is not None else ("#{:02x}{:02x}{:02x}".format(*c) if c else "grey")
                for c, f in paints]
        p = it["params"]
        rows.append(SheetRow(cells, caps, f"{i + 1}. {p['label']} · seed {p['seed']} · strength {p['strength']:g}"
                                          f" · follow {p['follow']:g}" + (f" · refined from seed {p['refined_from']}"
                                                                         if "refined_from" in p else "")))
    sheet = line_sheet(rows, f"genart line sheet · {len(board)} garments x {len(paints)} colourways")
    rec = records.of_model(registry, "line_sheet", desk.MODEL, {"garments": [it["params"] for it in board],
                                                               "colourways": caps})
    stamped = records.stamp(sheet, rec)
    folder = output_folder() / "line-sheets"
    png, pdf = save_sheet(stamped, folder, f"line-sheet-{abs(hash(json.dumps(rec, default=str))) % 10**10}",
                          pnginfo=png_info(stamped))
    return str(png), [str(png), str(pdf)]


def build(registry: Registry) -> None:
    """Lay out the tab inside the current Blocks and wire its events."""
    with gr.Tab("Designer's Desk", id="desk"):
        gr.Markdown("Draw a garment (or upload a drawing): the desk reads it, makes variations that follow your "
                    "lines, keeps the ones you like on a board, refines and compares them, paints them in colours "
                    "or a fabric, and exports a line sheet.")
        variants, board, picked, source = gr.State([]), gr.State([]), gr.State(None), gr.State(None)
        with gr.Row():
            with gr.Column(scale=1):
                with gr.Tabs():
                    with gr.Tab("Draw"):
                        sketch = sketchpad("Sketch", "desk-sketch")
                    with gr.Tab("Upload"):
                        upload = gr.Image(type="filepath", label="Drawing", elem_id="desk-upload")
                with gr.Row():
                    n = gr.Slider(1, MAX_N, 4, step=1, label="Variations", elem_id="desk-n")
                    seed = gr.Number(0, precision=0, label="Seed", elem_id="desk-seed")
                strength = gr.Slider(0.05, 1.0, 1.0, step=0.05, label="Strength (1: from noise; lower: from the "
                                     "drawing itself)", elem_id="desk-strength")
                follow = gr.Slider(0.0, 1.0, 1.0, step=0.05, label="Follow my lines ↔ free", elem_id="desk-follow")
                vary = gr.Button("Variations", variant="primary", elem_id="desk-vary")
                reading = gr.Markdown(elem_id="desk-reading")
            with gr.Column(scale=2):
                var_gallery = gr.Gallery(label="Variations: click one, then Keep", columns=4, height="auto",
                                         format="png", allow_preview=False, object_fit="contain",
                                         elem_id="desk-variations")
                keep = gr.Button("Keep on the board", elem_id="desk-keep")
                board_gallery = gr.Gallery(label="Board", columns=4, height="auto", format="png",
                                           allow_preview=False, object_fit="contain", elem_id="desk-board")
        with gr.Row():
            with gr.Column():
                gr.Markdown("**Refine** a board garment: new variations starting from it (lower strength: closer).")
                which = gr.Dropdown([], label="Board garment", elem_id="desk-which")
                refine_strength = gr.Slider(0.05, 1.0, 0.5, step=0.05, label="Refine strength",
                                            elem_id="desk-refine-strength")
                refine = gr.Button("Refine", elem_id="desk-refine")
            with gr.Column():
                gr.Markdown("**Compare** two board garments side by side.")
                with gr.Row():
                    cmp_a = gr.Dropdown([], label="A", elem_id="desk-compare-a")
                    cmp_b = gr.Dropdown([], label="B", elem_id="desk-compare-b")
                compare = gr.Button("Compare", elem_id="desk-compare-go")
                compared = gr.Image(label="A | B", format="png", elem_id="desk-compare", height=260)
        with gr.Row():
            with gr.Column():
                colours = gr.Textbox("navy, #c0392b, #e8c547", label="Colour or colourway (names or #rrggbb, "
                                     "comma-separated)", elem_id="desk-colours")
                fabric = gr.Image(type="filepath", label="Fabric swatch (optional)", elem_id="desk-fabric",
                                  height=160)
                with gr.Row():
                    apply = gr.Button("Apply to the board", elem_id="desk-apply")
                    export = gr.Button("Export line sheet", variant="primary", elem_id="desk-export")
            with gr.Column(scale=2):
                sheet = gr.Image(label="Line sheet", type="filepath", elem_id="desk-sheet", height=420)
                files = gr.File(label="Line sheet: PNG and PDF", file_count="multiple", elem_id="desk-sheet-files")

        common = dict(api_visibility="private", show_progress="minimal")
        vary.click(ui_action(bind(ui_vary, registry)), [sketch, n, seed, strength, follow],
                   [variants, var_gallery, reading, picked, source], **common, **SLOW)
        upload.upload(ui_action(bind(ui_vary, registry)), [upload, n, seed, strength, follow],
                      [variants, var_gallery, reading, picked, source], **common, **SLOW)
        var_gallery.select(ui_select, None, [picked], queue=False, api_visibility="private")
        keep.click(ui_action(ui_keep), [variants, picked, board], [board, board_gallery, which, cmp_a, cmp_b],
                   **common, **QUICK)
        refine.click(ui_action(bind(ui_refine, registry)), [source, board, which, refine_strength, n, seed, follow],
                     [variants, var_gallery, reading, picked, source], **common, **SLOW)
        compare.click(ui_action(ui_compare), [board, cmp_a, cmp_b], [compared], **common, **QUICK)
        apply.click(ui_action(ui_apply), [board, colours, fabric], [board_gallery], **common, **QUICK)
        export.click(ui_action(bind(ui_export, registry)), [board, colours, fabric], [sheet, files], **common, **QUICK)

        with gr.Column(visible=False):
            api_sketch, api_fabric = gr.JSON(), gr.JSON()
            api_n, api_seed, api_strength, api_follow = gr.Number(4), gr.Number(0), gr.Number(1.0), gr.Number(1.0)
            api_colour, api_size = gr.Textbox(""), gr.Number(512)
            api_read, api_params = gr.JSON(), gr.JSON()
            api_images = gr.Gallery(format="png")
            read_btn, design_btn = gr.Button(), gr.Button()
        read_btn.click(user_errors(bind(read_sketch, registry)), [api_sketch], [api_read], api_name="read_sketch",
                       preprocess=False, **QUICK)
        design_btn.click(user_errors(bind(design, registry)),
                         [api_sketch, api_n, api_seed, api_strength, api_follow, api_colour, api_fabric, api_size],
                         [api_images, api_params], api_name="design", preprocess=False, **SLOW)
