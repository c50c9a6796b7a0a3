"""GAN seed explorer: a garden of seeds — generate, grid, variations, interpolation, breeding.

Every image is a pure function of (seed, class, ψ) — or of a recorded latent — so the same inputs
give the same bytes, and every PNG carries the record that makes it again (`genart.core.records`).
Core functions first (`fn(registry, ...)`, shared by the API and the browser), then the browser's
handlers, then `build()`, which only lays out and wires. Public API: /gan_generate, /gan_grid,
/gan_interpolate; each takes an optional last `model` (a registry name, default gan/fashion): every GAN of the
registry works here, at its own size and colour, with its own class names.
"""

from __future__ import annotations

from functools import partial

import gradio as gr
import torch

from genart.core.registry import Registry
from genart.models.gan import crossover, slerp, variation
from genart.serve.batching import BATCH, batched
from genart.serve.refusals import QUICK, user_errors
from genart.studio.gan import (
    FAMILY,
    LABELS,
    NAME,
    TILE,
    _check_psi,
    _same,
    checked,
    current_from_seed,
    favourites_from,
    gallery,
    generate,
    grid,
    images,
    interpolate,
    interpolate_api,
    parse_label,
    seed_latents,
    show,
)
from genart.studio.inputs import enlarge, kept_label, number, seed_of, whole
from genart.ui.widgets import bind, label_choices, model_choices, model_picker, out_of_date, ui_action

# ---- browser handlers: the current image is {"z", "y", "name", "model"} in session state


def ui_generate(registry: Registry, seed, label, truncation, model=NAME):
    cur = current_from_seed(registry, seed, label, truncation, model)
    return (cur, *show(registry, cur))


def ui_model(registry: Registry, model, seed, label, truncation):
    """Another model picked: the class dropdown offers its classes (the label kept where it has it), and the
    current image is made again by it."""
    model = checked(registry, model)
    return (label_choices(registry, model, label),
            *ui_generate(registry, seed, kept_label(registry, model, label), truncation, model))


def ui_grid(registry: Registry, seed, label, truncation, rows, cols, model=NAME):
    model = checked(registry, model)
    rows, cols = whole(rows, "rows", 1, 16), whole(cols, "cols", 1, 16)
    seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label, registry.classes(model))
    seeds = list(range(seed, seed + rows * cols))
    tiles = images(registry, *seed_latents(registry, seeds, lab, psi, model), model)
    return gr.Gallery(value=[(enlarge(t, TILE), f"seed {s}") for t, s in zip(tiles, seeds)],
                      columns=cols), {"seeds": seeds, "model": model}


def ui_pick_cell(registry: Registry, grid_of, label, truncation, evt: gr.SelectData):
    seeds, model = (grid_of["seeds"], grid_of["model"]) if isinstance(grid_of, dict) else (grid_of, NAME)
    seed = seeds[evt.index]
    cur = current_from_seed(registry, seed, label, truncation, model)
    return (seed, cur, *show(registry, cur))


def ui_variations(registry: Registry, current, seed, strength):
    if not current:
        raise ValueError("Generate an image first.")
    z = torch.tensor(current["z"])
    seed, strength = seed_of(seed), number(strength, "strength", 0.0, 1.0)
    kids = [{"z": variation(z, seed, k, strength).tolist(), "y": current["y"], "model": current.get("model", NAME),
             "name": f"{current['name']} ~ var {k + 1} @ {strength:.2f}"} for k in range(8)]
    return kids, gallery(registry, kids)


def ui_pick(registry: Registry, items, evt: gr.SelectData):
    cur = items[evt.index]
    return (cur, *show(registry, cur))


def parent_choices(favourites):
    names = [f["name"] for f in favourites]
    a = names[-2] if len(names) >= 2 else (names[0] if names else None)
    b = names[-1] if names else None
    return gr.Dropdown(choices=names, value=a), gr.Dropdown(choices=names, value=b)


def ui_keep(registry: Registry, current, favourites):
    if not current:
        raise ValueError("Generate an image first.")
    renamed = {**current, "name": f"{current['name']} ({current.get('model', NAME)})"}   # another model's namesake
    if any(_same(f, current) or _same(f, renamed) for f in favourites):
        gr.Info("Already a favourite.")
    else:                                                                 # parents are picked by name
        favourites = [*favourites, renamed if any(f["name"] == current["name"] for f in favourites) else current]
    return favourites, gallery(registry, favourites), *parent_choices(favourites)


def ui_favourites(registry: Registry, kept: list[dict | None]):
    """Page load (and a history change): the Breed tab's favourites from this browser's history."""
    favourites = favourites_from(registry, kept)
    return favourites, gallery(registry, favourites), *parent_choices(favourites)


def ui_breed(registry: Registry, favourites, name_a, name_b, blend, seed):
    by_name = {f["name"]: f for f in favourites}
    if name_a not in by_name or name_b not in by_name:
        raise ValueError("Keep at least two favourites and pick the two parents.")
    a, b = by_name[name_a], by_name[name_b]
    model = a.get("model", NAME)
    if b.get("model", NAME) != model:
        raise ValueError(f"Breed two favourites of one model: {name_a} is by {model}, {name_b} by "
                         f"{b.get('model', NAME)}.")
    za, zb = torch.tensor(a["z"]), torch.tensor(b["z"])
    seed, blend = seed_of(seed), number(blend, "blend", 0.0, 1.0)
    kids = [{"z": crossover(za, zb, seed * 31 + k).tolist(), "y": (a, b)[k % 2]["y"], "model": model,
             "name": f"({a['name']} × {b['name']}) cross {k + 1}"} for k in range(3)]
    kids += [{"z": slerp(za, zb, t).tolist(), "y": (a, b)[int(t >= 0.5)]["y"], "model": model,
              "name": f"({a['name']} × {b['name']}) blend {t:.2f}"} for t in (0.5 * blend, blend, 0.5 + 0.5 * blend)]
    return kids, gallery(registry, kids)


# ◀ seed ▶ are done in the browser: no round trip to add one (the new seed then regenerates the garment)
SEED_STEP_JS = "(s) => Math.max(-(2 ** 53), Math.min(2 ** 53, Math.round(Number(s) || 0) + ({step})))"


def build(registry: Registry) -> tuple[dict, dict]:
    """Lay out the tab inside the current Blocks and wire its events; → (its settings by key, hooks for the
    history: events whose result image to keep, the output to send elsewhere, what to show once settings are
    restored — on page load too)."""
    on = bind                                        # on(handler, registry): the handler bound to this studio

    with gr.Tab("GAN Seed Explorer", id="gan") as tab:
        gr.Markdown("Every seed is a garment. Change the seed, class or ψ and the garment follows; "
                    "click a grid cell to make it current; keep favourites and breed them."
                    if registry.available(NAME) else
                    "**The GAN is not trained yet.** Train it with `python -m genart train gan`.")
        current = gr.State({})
        grid_seeds = gr.State({})                       # {"seeds": [...], "model": name} of the grid shown
        variants = gr.State([])
        children = gr.State([])
        favourites = gr.State([])
        with gr.Row():
            with gr.Column(scale=1):
                model = model_picker(registry, FAMILY, NAME, "gan-model")
                seed = gr.Number(0, precision=0, label="Seed", elem_id="gan-seed")
                label = gr.Dropdown(LABELS, value="any", label="Class", elem_id="gan-label", allow_custom_value=True)
                psi = gr.Slider(0.1, 1.0, 0.8, step=0.05, label="Truncation ψ (lower: safer, less varied)",
                                elem_id="gan-psi")
                with gr.Row():
                    prev_b = gr.Button("◀ seed", elem_id="gan-prev")
                    go = gr.Button("Generate", variant="primary", elem_id="gan-go")
                    next_b = gr.Button("seed ▶", elem_id="gan-next")
                out = gr.Image(label="Current", type="pil", format="png", height=336, elem_id="gan-out",
                               elem_classes=["pixelated"], buttons=["download", "fullscreen"], interactive=False)
                name = gr.Textbox(label="Current", interactive=False, elem_id="gan-name")
                keep = gr.Button("♥ Keep as favourite", elem_id="gan-keep")
            with gr.Column(scale=2):
                with gr.Tabs():
                    with gr.Tab("Seed grid"):
                        with gr.Row():
                            rows = gr.Slider(1, 8, 4, step=1, label="Rows")
                            cols = gr.Slider(1, 8, 4, step=1, label="Columns")
                            grid_go = gr.Button("Grid from seed", elem_id="gan-grid-go")
                        grid_view = gr.Gallery(label="Click a cell to make it the current seed", columns=4,
                                               height=900, format="png", elem_id="gan-grid",
                                               allow_preview=False, object_fit="contain")
                    with gr.Tab("Variations"):
                        with gr.Row():
                            strength = gr.Slider(0.05, 1.0, 0.3, step=0.05, label="Strength")
                            var_go = gr.Button("Variations of current", elem_id="gan-var-go")
                        var_gallery = gr.Gallery(label="Click one to make it current", columns=4, height="auto",
                                                 format="png", allow_preview=False, object_fit="contain")
                    with gr.Tab("Interpolate"):
                        with gr.Row():
                            seed_a = gr.Number(0, precision=0, label="Seed A")
                            seed_b = gr.Number(1, precision=0, label="Seed B")
                            n_frames = gr.Slider(2, 60, 16, step=1, label="Frames")
                            interp_go = gr.Button("Interpolate", elem_id="gan-interp-go")
                        gif = gr.Image(label="Animation (GIF)", type="filepath", height=240)
                        strip = gr.Gallery(label="Frames", columns=8, height="auto", format="png",
                                           object_fit="contain")
                    with gr.Tab("Breed"):
                        fav_gallery = gr.Gallery(label="Favourites (kept in your history)", columns=6, height="auto",
                                                 format="png", allow_preview=False, object_fit="contain",
                                                 elem_id="gan-favourites", elem_classes=["shelf"])
                        with gr.Row():
                            parent_a = gr.Dropdown([], label="Parent A")
                            parent_b = gr.Dropdown([], label="Parent B")
                            blend = gr.Slider(0, 1, 0.5, step=0.05, label="Blend")
                            breed_go = gr.Button("Breed", elem_id="gan-breed-go")
                        kids_gallery = gr.Gallery(label="Children: click one to make it current", columns=6,
                                                  height="auto", format="png", allow_preview=False,
                                                  object_fit="contain", elem_id="gan-children",
                                                  elem_classes=["shelf"])

        common = dict(api_visibility="private", show_progress="hidden", **QUICK)
        shown = [current, out, name]
        # live: whenever the user changes seed, class or ψ, the garment follows (milliseconds). Only the user's
        # edits (.input): a restore sets all three at once, and three change events raced, one of them reading
        # the class before it arrived (seed 23 · Dress restored, seed 23 · any shown); a restore (and the page
        # load) runs the garment once after it, through the "restored" hook
        settings = [seed, label, psi, model]
        gr.on([seed.input, label.input, psi.input], ui_action(on(ui_generate, registry)), settings, shown,
              trigger_mode="always_last", **common)
        # another model: its classes in the class dropdown, and the image and the grid made again by it
        model.input(ui_action(on(ui_model, registry)), [model, seed, label, psi], [label, *shown],
                    trigger_mode="always_last", **common).success(
            ui_action(on(ui_grid, registry)), [seed, label, psi, rows, cols, model], [grid_view, grid_seeds], **common)
        tab.select(ui_action(partial(model_choices, registry, FAMILY)), None, [model], queue=False,
                   api_visibility="private", show_progress="hidden")     # models published since appear
        go.click(ui_action(on(ui_generate, registry)), settings, shown, **common)
        for button, step in ((prev_b, -1), (next_b, 1)):
            # always_last: a second click while the first one's garment is still coming steps the seed again,
            # and its garment must follow (Gradio's default, "once", dropped it: the box said 6, the garment 5)
            button.click(None, [seed], [seed], js=SEED_STEP_JS.format(step=step), api_visibility="private").then(
                ui_action(on(ui_generate, registry)), settings, shown, trigger_mode="always_last", **common)
        grid_go.click(ui_action(on(ui_grid, registry)), [seed, label, psi, rows, cols, model], [grid_view, grid_seeds],
                      **common)
        grid_view.select(ui_action(on(ui_pick_cell, registry)), [grid_seeds, label, psi], [seed, *shown], **common)
        var_go.click(ui_action(on(ui_variations, registry)), [current, seed, strength], [variants, var_gallery],
                     **common)
        var_gallery.select(ui_action(on(ui_pick, registry)), [variants], shown, **common)
        interp_go.click(ui_action(on(interpolate, registry)), [seed_a, seed_b, label, psi, n_frames, model],
                        [gif, strip], **common)
        out_of_date(gif, "Animation (GIF)", [seed_a, seed_b, label, psi, n_frames, model], [interp_go])
        kept = keep.click(ui_action(on(ui_keep, registry)), [current, favourites],
                   [favourites, fav_gallery, parent_a, parent_b], **common)
        breed_go.click(ui_action(on(ui_breed, registry)), [favourites, parent_a, parent_b, blend, seed],
                       [children, kids_gallery], **common)
        kids_gallery.select(ui_action(on(ui_pick, registry)), [children], shown, **common)
        fav_gallery.select(ui_action(on(ui_pick, registry)), [favourites], shown, **common)

        with gr.Column(visible=False):
            a_seed, a_seed2 = gr.Number(0, precision=0), gr.Number(1, precision=0)
            a_label, a_psi, a_model = gr.Textbox("any"), gr.Number(1.0), gr.Textbox(NAME)
            a_rows, a_cols, a_frames = gr.Number(4, precision=0), gr.Number(4, precision=0), gr.Number(16, precision=0)
            a_img, a_file = gr.Image(type="pil", format="png"), gr.File()
            b1, b2, b3 = gr.Button(), gr.Button(), gr.Button()
        api = dict(preprocess=False, **QUICK)
        b1.click(batched(on(generate, registry)), [a_seed, a_label, a_psi, a_model], [a_img],
                 api_name="gan_generate", **api, **BATCH)
        b2.click(user_errors(on(grid, registry)), [a_seed, a_label, a_psi, a_rows, a_cols, a_model], [a_img],
                 api_name="gan_grid", **api)
        b3.click(user_errors(on(interpolate_api, registry)), [a_seed, a_seed2, a_label, a_psi, a_frames, a_model],
                 [a_file], api_name="gan_interpolate", **api)
    return {"gan.seed": seed, "gan.label": label, "gan.psi": psi, "gan.model": model}, {
        "keep": [(kept, out)], "out": out, "model": model,
        "history": (bind(ui_favourites, registry), [favourites, fav_gallery, parent_a, parent_b]),
        "restored": [(bind(ui_model, registry), [model, seed, label, psi], [label, *shown]),
                     (bind(ui_grid, registry), [seed, label, psi, rows, cols, model], [grid_view, grid_seeds])]}
