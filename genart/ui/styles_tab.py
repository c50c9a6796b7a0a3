"""Painting Styles tab: a photo becomes an oil painting, a watercolor, ...; or takes a reference's style.

Handlers first (plain functions, testable without a browser), then `build()` lays out and wires.
Public API: /styles, /stylize (image, style, strength), /neural_style (content, style_image, steps, size, seed).
"""

from __future__ import annotations

import os
import time

import gradio as gr
import numpy as np
from PIL import Image

from genart.images import save_png, temp_path, with_params
from genart.styles import NEURAL_STYLE, STYLES, apply_style, style_list, transfer
from genart.ui.uploads import uploaded_image
from genart.ui.widgets import SLOW, number, seed_of, user_errors, whole

STREAM_S = 0.5           # a streaming handler yields at least this often (cancel latency)
NEURAL_BUDGET = 800       # iterations at 256 px (≈ 2 min on 2 CPU cores); scales with the pixel count
MAX_SIDE = 2048           # filters run on at most 2048 px (long side); larger photos are scaled down first
NEURAL_HONESTY = (
    "**What neural style transfers, honestly:** with no pretrained network available, the image is "
    "optimised so that the statistics of random convolutional features at several scales match your "
    "style image. That carries its **palette, brushwork and texture** — not its subject matter or "
    "semantic 'artist style', nor large regular structure (bricks come out as mortar-like strokes). The content "
    "weight keeps your photo's layout recognisable.")


def styles() -> list[dict]:
    """Every style the studio paints with: the filters, then neural style transfer."""
    return style_list() + [NEURAL_STYLE]


def _photo(image) -> np.ndarray:
    return np.asarray(uploaded_image(image, "a photo", max_side=MAX_SIDE))


def _param_values(style: str, p1: float | None, p2: float | None) -> dict:
    params = STYLES[style].params
    return {p.name: v for p, v in zip(params, (p1, p2)) if v is not None}


@user_errors
def stylize(image, style: str, strength: float = 1.0) -> Image.Image:
    """Paint `image` in `style` (a name from /styles) at `strength` in [0, 1]; PNG with parameters."""
    if style not in STYLES:
        raise ValueError(f"Unknown style {str(style)[:40]!r}; choose one of {', '.join(STYLES)}")
    strength = number(strength, "strength", 0.0, 1.0)
    rgb = _photo(image)
    out = apply_style(rgb, style, strength)
    return with_params(out, style=style, strength=strength)


@user_errors
def stylize_ui(image, style: str, strength: float, p1: float, p2: float):
    """The tab's Paint button: before/after pair + a downloadable PNG that records the parameters."""
    if style not in STYLES:
        raise gr.Error(f"Unknown style {style!r}")
    rgb = _photo(image)
    params = _param_values(style, p1, p2)
    t0 = time.perf_counter()
    out = apply_style(rgb, style, float(strength), **params)
    seconds = time.perf_counter() - t0
    path = str(save_png(out, temp_path(".png", f"genart_{style}"), style=style, strength=float(strength), **params))
    info = f"{STYLES[style].title}: {rgb.shape[1]}×{rgb.shape[0]} px in {seconds:.2f} s"
    return (rgb, out), path, info


def style_controls(style: str):
    """Relabel the two parameter sliders for the chosen style (hidden where a style has fewer)."""
    params = STYLES[style].params if style in STYLES else ()
    updates = []
    for i in range(2):
        if i < len(params):
            p = params[i]
            updates.append(gr.Slider(minimum=p.minimum, maximum=p.maximum, value=p.default, step=p.step,
                                     label=p.label, visible=True))
        else:
            updates.append(gr.Slider(visible=False, value=None))
    return (*updates, STYLES[style].description if style in STYLES else "")


def neural_budget(steps, size) -> int:
    """Iterations, bounded so that one request's work stays within NEURAL_BUDGET iterations at 256 px."""
    size = whole(size, "size", 64, 768)
    most = min(1000, int(NEURAL_BUDGET * (256 / size) ** 2))
    steps = whole(steps, "steps", 1, 1000)
    if steps > most:
        raise ValueError(f"At {size} px at most {most} iterations fit in one request; "
                         "lower the iterations or the size.")
    return steps


@user_errors
def neural_style(content, style_image, steps: int = 200, size: int = 256, seed: int = 0,
                 content_weight: float = 1.0, style_weight: float = 1.0, keep_colors: bool = False,
                 progress=gr.Progress()):
    """Stream the optimisation: every few steps an intermediate image; the last one is final."""
    c = _photo(content)
    s = np.asarray(uploaded_image(style_image, "a style image", max_side=1024))
    steps, size, seed = neural_budget(steps, size), whole(size, "size", 64, 768), seed_of(seed)
    progress(0, desc="Neural style")
    every, shown = max(1, steps // 20), time.monotonic()
    for step, img in transfer(c, s, steps=steps, size=size, seed=seed, content_weight=float(content_weight),
                              style_weight=float(style_weight), keep_colors=bool(keep_colors), every=1):
        # stream every `every` steps, and at least every STREAM_S seconds: Stop (or a closed connection)
        # takes effect at a yield, so a yield at least twice a second bounds how long a cancelled job runs
        if step % every and step != steps and time.monotonic() - shown < STREAM_S:
            continue
        shown = time.monotonic()
        progress((step, steps), desc="Neural style")
        yield with_params(img, style="neural", step=step, steps=steps, size=size, seed=seed,
                          content_weight=float(content_weight), style_weight=float(style_weight),
                          keep_colors=bool(keep_colors))


def build() -> None:
    """Lay out the tab inside the current Blocks and wire its events."""
    names = list(STYLES)
    first = STYLES[names[0]]
    examples_dir = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "examples")
    ex = lambda name: os.path.normpath(os.path.join(examples_dir, name))  # noqa: E731
    with gr.Tab("Painting Styles", id="styles"):
        with gr.Tabs():
            with gr.Tab("Filters", id="filters"):
                with gr.Row():
                    with gr.Column(scale=1):
                        photo = gr.Image(label="Photo", type="filepath", sources=["upload", "clipboard", "webcam"],
                                         elem_id="styles-photo", height=320)
                        gr.Examples([[ex("cat.jpg")], [ex("coffee.jpg")], [ex("astronaut.jpg")], [ex("rocket.jpg")]],
                                    inputs=[photo], cache_examples=False, label="Example photos")
                        style = gr.Dropdown([(s.title, s.name) for s in STYLES.values()], value=first.name,
                                            label="Style", elem_id="styles-style")
                        about = gr.Markdown(first.description, elem_id="styles-about")
                        strength = gr.Slider(0, 1, value=1.0, step=0.05, label="Strength", elem_id="styles-strength")
                        sliders = []
                        for i in range(2):
                            p = first.params[i] if i < len(first.params) else None
                            sliders.append(gr.Slider(p.minimum if p else 0, p.maximum if p else 1,
                                                     value=p.default if p else None, step=p.step if p else 0.1,
                                                     label=p.label if p else "", visible=p is not None,
                                                     elem_id=f"styles-p{i + 1}"))
                        paint = gr.Button("Paint", variant="primary", elem_id="styles-paint")
                    with gr.Column(scale=2):
                        result = gr.ImageSlider(label="Before / after (drag the handle)", format="png",
                                                elem_id="styles-result", buttons=["fullscreen"], max_height=640)
                        with gr.Row():
                            download = gr.DownloadButton("Download PNG", elem_id="styles-download")
                            info = gr.Textbox(label="Info", interactive=False, elem_id="styles-info", scale=3)
                style.change(style_controls, [style], [*sliders, about], api_visibility="private",
                             show_progress="hidden", queue=False)
                paint.click(stylize_ui, [photo, style, strength, *sliders], [result, download, info],
                            preprocess=False, api_visibility="private", **SLOW)

            with gr.Tab("Neural style", id="neural"):
                gr.Markdown(NEURAL_HONESTY)
                with gr.Row():
                    with gr.Column(scale=1):
                        with gr.Row():
                            content = gr.Image(label="Content photo", type="filepath", elem_id="neural-content",
                                               height=220)
                            style_image = gr.Image(label="Style image", type="filepath", elem_id="neural-style",
                                                   height=220)
                        gr.Examples([[ex("cat.jpg"), ex("style_hubble.jpg")], [ex("coffee.jpg"), ex("style_gravel.jpg")],
                                     [ex("astronaut.jpg"), ex("style_brick.jpg")]],
                                    inputs=[content, style_image], cache_examples=False, label="Examples")
                        steps = gr.Slider(10, 1000, value=200, step=10, label="Iterations")
                        size = gr.Slider(64, 768, value=256, step=32, label="Output size (long side, px)")
                        seed = gr.Number(0, label="Seed", precision=0)
                        cw = gr.Slider(0, 10, value=1.0, step=0.1, label="Content weight")
                        sw = gr.Slider(0, 10, value=1.0, step=0.1, label="Style weight")
                        keep = gr.Checkbox(False, label="Keep the photo's original colours")
                        with gr.Row():
                            go = gr.Button("Transfer style", variant="primary", elem_id="neural-go")
                            stop = gr.Button("Stop", variant="stop", elem_id="neural-stop")
                    with gr.Column(scale=2):
                        neural_out = gr.Image(label="Result (updates while it optimises)", type="pil", format="png",
                                              elem_id="neural-out", buttons=["download", "fullscreen"])
                run = go.click(neural_style, [content, style_image, steps, size, seed, cw, sw, keep], [neural_out],
                               preprocess=False, api_visibility="private", api_name="ui_neural_style",
                               show_progress="minimal", **SLOW)
                stop.click(None, None, None, cancels=[run])

        # API-only endpoints with exactly the documented parameter names (DESIGN.md §3).
        with gr.Column(visible=False):
            api_image = gr.Image(type="filepath", format="png")
            api_style_image = gr.Image(type="filepath", format="png")
            api_style = gr.Textbox()
            api_strength = gr.Number(1.0)
            api_steps, api_size, api_seed = gr.Number(200, precision=0), gr.Number(256, precision=0), gr.Number(0, precision=0)
            api_out = gr.Image(type="pil", format="png")
            api_btn, api_btn2 = gr.Button(), gr.Button()
        api_btn.click(stylize, [api_image, api_style, api_strength], [api_out], api_name="stylize",
                      preprocess=False, **SLOW)
        api_btn2.click(neural_style_api, [api_image, api_style_image, api_steps, api_size, api_seed], [api_out],
                       api_name="neural_style", preprocess=False, **SLOW)
        gr.api(styles_api, api_name="styles")


def neural_style_api(content, style_image, steps: int = 200, size: int = 256, seed: int = 0):
    """/neural_style: stream intermediate images; the last one is the result."""
    yield from neural_style(content, style_image, steps, size, seed)


def styles_api() -> list[dict]:
    """/styles: name, kind (filter/neural), description (and each filter's parameters)."""
    return styles()
