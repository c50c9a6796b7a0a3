"""Painting Styles tab: a photo becomes an oil painting, a watercolor, ...; or takes a reference's style.

Handlers first (plain functions, testable without a browser), then `build()` lays out and wires.
Public API: /styles, /stylize (image, style, strength),
/neural_style (content, style_image, steps, size, seed, style, strength).
"""

from __future__ import annotations

import os
import time

import gradio as gr
import numpy as np

from genart.core import records
from genart.core.images import preview_file
from genart.core.registry import Registry
from genart.serve.refusals import QUICK, SLOW, user_errors
from genart.studio import paint as core
from genart.studio.inputs import number
from genart.studio.paint import (
    IMAGE,
    MAX_SIDE,
    MODES,
    NEURAL_ABOUT,
    OPTIMISE,
    PREVIEW_SIDE,
    WELCOME,
    _param_values,
    _record_of,
    _served,
    _welcome_painting,
    builtin_gallery,
    slider_range,
    smooth_garment,
    styles_api,
    stylize,
)
from genart.studio.uploads import uploaded_image
from genart.styles import STYLES, apply_style
from genart.styles import feedforward as ff
from genart.ui.widgets import bind, out_of_date, ui_action


def stylize_ui(image, style: str, strength: float, p1: float, p2: float, preview: bool = False):
    """The tab's Paint button: before/after pair + a downloadable PNG carrying its record (and the record of
    the photo, when the photo is a studio image: the chain across tabs). With `preview`, a quick look at
    PREVIEW_SIDE px while the controls move; Paint renders the full size. Nothing is encoded twice: the
    "before" half is the uploaded file itself, the "after" half the downloadable PNG (a JPEG for a preview)."""
    if style not in STYLES:
        raise ValueError(f"Unknown style {str(style)[:40]!r}")
    strength = number(strength, "strength", 0.0, 1.0)
    rgb = np.asarray(uploaded_image(image, "a photo", max_side=PREVIEW_SIDE if preview else MAX_SIDE))
    rgb, garment = smooth_garment(rgb, PREVIEW_SIDE if preview else 1024)
    params = _param_values(style, p1, p2)
    t0 = time.perf_counter()
    out = apply_style(rgb, style, strength, **params)
    seconds = time.perf_counter() - t0
    size = f"{rgb.shape[1]}×{rgb.shape[0]} px in {seconds:.2f} s"
    before = rgb if garment else _served(image, rgb)
    if preview:
        return (before, preview_file(out)), gr.skip(), f"Preview ({size}); Paint renders the full size."
    source = _record_of(image)
    record = records.make("stylize", {"style": style, "strength": strength, **params}, chain=[source] if source else [])
    painted = records.as_download(records.stamp(out, record))
    return (before, painted), painted, f"{STYLES[style].title}: {size}"


def stylize_preview(image, style: str, strength: float, p1: float, p2: float):
    if not image:
        return gr.skip(), gr.skip(), gr.skip()
    return stylize_ui(image, style, strength, p1, p2, preview=True)


def style_controls(style: str, p1: float | None = None, p2: float | None = None, sliders_for: str | None = None):
    """Relabel the two parameter sliders for the chosen style (hidden where a style has fewer). Values go to the
    style's defaults when the style changed; they stay where they are when the sliders already belong to this
    style (`sliders_for`: settings restored together with their style). → (p1, p2, description, sliders_for)."""
    params = STYLES[style].params if style in STYLES else ()
    updates = []
    for i, current in enumerate((p1, p2)):
        if i < len(params):
            p = params[i]
            fits = sliders_for == style and isinstance(current, (int, float)) and p.minimum <= current <= p.maximum
            updates.append(gr.Slider(minimum=p.minimum, maximum=p.maximum, value=current if fits else p.default,
                                     step=p.step, label=p.label, visible=True))
        else:
            updates.append(gr.Slider(visible=False, value=None))
    return (*updates, STYLES[style].description if style in STYLES else "", style)


def neural_style(registry: Registry, content, style_image, steps: int = 200, size: int = 0, seed: int = 0,
                 style="image", strength: float = 1.0, keep_colors: bool = False, work: int = 0,
                 content_weight: float = 1.0, style_weight: float = 1.0, progress=gr.Progress()):
    """Stream: genart/studio/paint.py `neural_style`, with Gradio's progress bar."""
    yield from core.neural_style(registry, content, style_image, steps, size, seed, style, strength, keep_colors, work,
                                  content_weight, style_weight, progress)


def neural_style_api(registry: Registry, content, style_image, steps: int = 200, size: int = 0, seed: int = 0,
                     style: str = "image", strength: float = 1.0, progress=gr.Progress()):
    """/neural_style: genart/studio/paint.py `neural_style_api`, with Gradio's progress bar."""
    yield from core.neural_style_api(registry, content, style_image, steps, size, seed, style, strength, progress)


def neural_ui(registry: Registry, mode, content, style_image, builtin, steps, size, seed, strength, keep, work,
              cw, sw, progress=gr.Progress()):
    """The Neural style tab's Paint: the mode picks the style; the final painting comes as a PNG file named
    after its record (so the download says what it is)."""
    if mode == "builtin" and not builtin:
        raise ValueError("Pick at least one built-in style (click a thumbnail).")
    style = OPTIMISE if mode == OPTIMISE else (builtin or None) if mode == "builtin" else IMAGE
    last = None
    for item in neural_style(registry, content, style_image, steps, size, seed, style, strength, keep, work,
                             cw, sw, progress=progress):
        if last is not None:
            yield last
        last = item
    if last is not None:                                      # the final one: a named PNG, encoded once
        yield records.as_download(last[0]), last[1]


def neural_welcome(registry: Registry, shown):
    """What the Neural style tab shows when it opens: the example cat painted like the Hubble photo at 512 px,
    painted once per studio (same inputs, same bytes). The visitor's own upload or Paint cancels it."""
    if shown:
        return gr.skip(), gr.skip()
    return (records.as_download(_welcome_painting(registry)),
            "An example: the cat painted like the Hubble photo (512 px). Pick your own photo and style image, or a "
            "built-in style, and press Paint.")


def pick_builtin(selected: list | None, add: bool, evt: gr.SelectData):
    """A click on a thumbnail: that style alone, or added to the blend when "add to the blend" is ticked."""
    name = ff.BUILTIN_NAMES[evt.index]
    current = [x for x in (selected or []) if x in ff.BUILTIN_NAMES]
    if add:
        return current if name in current else (current + [name])[-4:]
    return [name]


def mode_controls(mode: str):
    """Show the controls a mode uses: the style image for image/optimise, the gallery for built-in styles,
    steps and seed for optimise."""
    return (gr.update(visible=mode == "builtin"), gr.update(visible=mode == OPTIMISE),
            gr.update(visible=mode != "builtin"))


def build(registry: Registry | None = None) -> tuple[dict, dict]:
    """Lay out the tab inside the current Blocks and wire its events; the style networks come from `registry`
    (the studio's one Registry; a fresh one over the same checkpoints when none is passed).
    → (settings by key: none yet, hooks for the history: kept results, where sent images go)."""
    registry = registry or Registry()
    names = list(STYLES)
    first = STYLES[names[0]]
    examples_dir = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "examples")
    ex = lambda name: os.path.normpath(os.path.join(examples_dir, name))
    with gr.Tab("Painting Styles", id="styles"):
        with gr.Tabs() as sub_tabs:
            with gr.Tab("Filters", id="filters"):
                with gr.Row():
                    with gr.Column(scale=1):
                        # the tab opens on an example photo, built into the page: a page-load answer that set it
                        # replaced a photo the visitor had already uploaded
                        photo = gr.Image(ex("cat.jpg"), label="Photo", type="filepath",
                                         sources=["upload", "clipboard", "webcam"], elem_id="styles-photo", height=320)
                        gr.Examples([[ex("cat.jpg")], [ex("coffee.jpg")], [ex("astronaut.jpg")], [ex("rocket.jpg")]],
                                    inputs=[photo], cache_examples=False, label="Example photos")
                        style = gr.Dropdown([(s.title, s.name) for s in STYLES.values()], value=first.name,
                                            label="Style", elem_id="styles-style")
                        about = gr.Markdown(first.description, elem_id="styles-about")
                        strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength", elem_id="styles-strength")
                        sliders = []
                        for i in range(2):
                            # the server checks a slider's value against the range it was made with: make it
                            # wide enough for every style; the page load narrows it to the style shown
                            lo, hi = slider_range(i)
                            p = first.params[i] if i < len(first.params) else None
                            sliders.append(gr.Slider(lo, hi, value=p.default if p else None, step=p.step if p else 0.1,
                                                     label=p.label if p else "", visible=p is not None,
                                                     elem_id=f"styles-p{i + 1}"))
                        paint = gr.Button("Paint", variant="primary", elem_id="styles-paint")
                        sliders_for = gr.State(first.name)          # the style the sliders' values belong to
                        settings = {"styles.style": style, "styles.strength": strength,      # kept across reloads
                                    "styles.p1": sliders[0], "styles.p2": sliders[1],
                                    "styles.sliders_for": sliders_for}
                    with gr.Column(scale=2):
                        result = gr.ImageSlider(label="Before / after (drag the handle)", format="png",
                                                elem_id="styles-result", buttons=["fullscreen"], max_height=640)
                        with gr.Row():
                            download = gr.DownloadButton("Download PNG", elem_id="styles-download")
                            info = gr.Textbox(label="Info", interactive=False, elem_id="styles-info", scale=3)
                # another style: its sliders at their defaults (a style restored with its values keeps them)
                gr.on([style.change, gr.context.Context.root_block.load], style_controls,
                      [style, *sliders, sliders_for], [*sliders, about, sliders_for], preprocess=False,
                      api_visibility="private", show_progress="hidden", queue=False)
                # live where it is cheap: a small preview follows the photo and every control, and is painted
                # when the page opens
                preview = gr.on([gr.context.Context.root_block.load, photo.change, style.change, strength.release,
                                 *[p.release for p in sliders]],
                                ui_action(stylize_preview), [photo, style, strength, *sliders],
                                [result, download, info], preprocess=False, api_visibility="private",
                                show_progress="hidden", trigger_mode="always_last", **QUICK)
                # Paint drops a preview still on its way, so a late preview never covers the full painting
                paint.click(ui_action(stylize_ui), [photo, style, strength, *sliders], [result, download, info],
                            preprocess=False, api_visibility="private", cancels=[preview], **SLOW)

            with gr.Tab("Neural style", id="neural"):
                gr.Markdown(NEURAL_ABOUT)
                mode = gr.Radio(MODES, value=IMAGE, label="Paint with", elem_id="neural-mode")
                with gr.Column(visible=False) as builtin_box:
                    gallery = gr.Gallery(builtin_gallery(), columns=9, height=440, allow_preview=False,
                                         label="The 26 built-in styles, each shown on a photo of a cat: click one",
                                         elem_id="neural-gallery", object_fit="cover")
                    with gr.Row():
                        builtin = gr.Dropdown(list(ff.BUILTIN_NAMES), value=["starry swirls"], multiselect=True,
                                              max_choices=4, label="Built-in styles (two or more blend equally)",
                                              elem_id="neural-builtin", scale=3)
                        add = gr.Checkbox(False, label="Clicking a thumbnail adds it to the blend",
                                          elem_id="neural-add", scale=1)
                with gr.Row():
                    with gr.Column(scale=1):
                        with gr.Row():
                            # the example pair is built into the page (see the Filters photo)
                            content = gr.Image(ex(WELCOME[0]), label="Content photo (or a garment)",
                                               type="filepath", elem_id="neural-content", height=220)
                            style_image = gr.Image(ex(WELCOME[1]), label="Style image", type="filepath",
                                                   elem_id="neural-style", height=220)
                        gr.Examples([[ex("cat.jpg"), ex("style_hubble.jpg")],
                                     [ex("coffee.jpg"), ex("style_gravel.jpg")],
                                     [ex("astronaut.jpg"), ex("style_brick.jpg")]],
                                    inputs=[content, style_image], cache_examples=False, label="Examples")
                        strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength", elem_id="neural-strength")
                        keep = gr.Checkbox(False, label="Keep the photo's colours", elem_id="neural-keep")
                        size = gr.Slider(0, ff.MAX_SIDE, value=0, step=64, elem_id="neural-size",
                                         label="Output size, long side (0: the photo's own, up to 2048 px)")
                        with gr.Column(visible=False) as optimise_box:
                            steps = gr.Slider(10, 1000, value=200, step=10, label="Iterations")
                            seed = gr.Number(0, label="Seed", precision=0)
                            cw = gr.Slider(0, 10, value=1.0, step=0.1, label="Content weight")
                            sw = gr.Slider(0, 10, value=1.0, step=0.1, label="Style weight")
                        with gr.Accordion("Brush scale", open=False):
                            work = gr.Slider(0, ff.MAX_SIDE, value=0, step=64, elem_id="neural-work",
                                             label="Paint at this long side, then enlarge (0: automatic — "
                                                   f"{ff.IMAGE_WORK} px for a style image, {ff.BUILTIN_WORK} px "
                                                   "for built-in styles). Smaller: bigger strokes.")
                        with gr.Row():
                            go = gr.Button("Paint", variant="primary", elem_id="neural-go")
                            stop = gr.Button("Stop", variant="stop", elem_id="neural-stop")
                    with gr.Column(scale=2):
                        neural_out = gr.Image(label="Result", type="pil", format="png", interactive=False,
                                              elem_id="neural-out", buttons=["download", "fullscreen"])
                        neural_info = gr.Textbox(label="Info", interactive=False, elem_id="neural-info")

                settings.update({"neural.mode": mode, "neural.builtin": builtin, "neural.strength": strength,
                                 "neural.keep_colors": keep, "neural.size": size, "neural.work": work,
                                 "neural.steps": steps, "neural.seed": seed})
                mode.change(mode_controls, [mode], [builtin_box, optimise_box, style_image],
                            api_visibility="private", queue=False, show_progress="hidden")
                gallery.select(pick_builtin, [builtin, add], [builtin], api_visibility="private", queue=False,
                               show_progress="hidden")
                run = go.click(ui_action(bind(neural_ui, registry)),
                               [mode, content, style_image, builtin, steps, size, seed, strength, keep, work, cw, sw],
                               [neural_out, neural_info],
                               preprocess=False, api_visibility="private", api_name="ui_neural_style",
                               show_progress="minimal", **SLOW)
                stop.click(None, None, None, cancels=[run])
                root = gr.context.Context.root_block
                welcome = root.load(ui_action(bind(neural_welcome, registry)), [neural_out], [neural_out, neural_info],
                                    preprocess=False, api_visibility="private", show_progress="hidden", **SLOW)
                gr.on([content.upload, style_image.upload, go.click], None, None, None, cancels=[welcome])
                out_of_date(neural_out, "Result", [mode, content, style_image, builtin, steps, size, seed, strength,
                                                   keep, work, cw, sw], [go])

        # API-only endpoints with exactly the documented parameter names (DESIGN.md §3).
        with gr.Column(visible=False):
            api_image = gr.Image(type="filepath", format="png")
            api_style_image = gr.Image(type="filepath", format="png")
            api_style = gr.Textbox()
            api_strength = gr.Number(1.0)
            api_steps, api_size, api_seed = (gr.Number(200, precision=0), gr.Number(0, precision=0),
                                             gr.Number(0, precision=0))
            api_neural_style, api_neural_strength = gr.Textbox("image"), gr.Number(1.0)
            api_out = gr.Image(type="pil", format="png")
            api_btn, api_btn2 = gr.Button(), gr.Button()

        api_btn.click(user_errors(stylize), [api_image, api_style, api_strength], [api_out], api_name="stylize",
                      preprocess=False, **SLOW)
        api_btn2.click(user_errors(bind(neural_style_api, registry)),
                       [api_image, api_style_image, api_steps, api_size, api_seed, api_neural_style,
                        api_neural_strength], [api_out], api_name="neural_style", preprocess=False, **SLOW)
        gr.api(styles_api, api_name="styles")
    return settings, {"keep": [(run, neural_out)], "tabs": sub_tabs,
                "inboxes": {"photo": ("filters", photo), "content": ("neural", content),
                            "style_image": ("neural", style_image)}}


