"""VAE latent lab: encode a garment or a sketch, move along latent directions, interpolate.

Sliders: the first principal directions of the encoded training set (in units of their standard
deviation, GANSpace-style) and named class directions ("more Dress" = mean z of dresses − mean z;
with the class latent y this mostly moves the class weights at the front of z).
Moving a slider only decodes (≈ms on a CPU), outside the queue, so the image follows the hand.
Public API: /vae_encode, /vae_decode, /vae_random, /vae_interpolate; each takes an optional last `model` (a
registry name, default vae/fashion): every VAE of the registry works here, its sliders from its own buffers.
"""

from __future__ import annotations

from functools import partial

import gradio as gr
import numpy as np
import torch

from genart.core import records
from genart.core.paper import WHITE
from genart.core.registry import Registry
from genart.data.datasets import CLASSES
from genart.serve.batching import BATCH, batched
from genart.serve.refusals import QUICK, user_errors
from genart.studio.inputs import (
    as_tensor,
    drawing_hint,
    enlarge,
    garment_of,
    image_shape,
    seed_of,
)
from genart.studio.uploads import uploaded_path
from genart.studio.vae import (
    FAMILY,
    N_NAMED,
    N_PCA,
    NAME,
    SCALE,
    ZEROS,
    checked,
    compose,
    decode,
    decode_api,
    direction_names,
    encode,
    encode_garment,
    interpolate,
    interpolate_api,
    prior_sample,
    reading,
    start_random,
)
from genart.ui.widgets import (
    bind,
    model_choices,
    model_picker,
    out_of_date,
    sketchpad,
    ui_action,
    warn_if_not_a_garment,
)

# ---- browser handlers: the start latent z₀ lives in session state; sliders only decode

def slider_labels(registry: Registry, model=NAME):
    """The sliders of a model: its principal directions, named; one "more <class>" slider per class (the first
    N_NAMED)."""
    model = checked(registry, model)
    classes = registry.classes(model)
    names = direction_names(registry.get(model), classes)
    pca = [gr.Slider(label=f"{k + 1}: {names[k]} (σ)" if k < len(names) else f"Direction {k + 1} (σ)",
                     visible=k < len(names)) for k in range(N_PCA)]
    named = [gr.Slider(label=f"more {classes[i]}" if i < len(classes) else f"more {i}", visible=i < len(classes))
             for i in range(N_NAMED)]
    return *pca, *named


def ui_model(registry: Registry, seed, model):
    """Another model picked: its sliders, and a sample of it to play with."""
    return (*slider_labels(registry, model), *start_random(registry, seed, model))


def ui_restored(registry: Registry, seed, model):
    """Settings restored (the page loaded, a history item or a PNG's record): the model's sliders and a sample;
    a restored model that is gone leaves the tab as it is (the next action says which models there are)."""
    try:
        checked(registry, model)
    except ValueError:
        return (gr.skip(),) * (2 * len(ZEROS) + 4)
    return ui_model(registry, seed, model)


@torch.no_grad()
def start_from(registry: Registry, image, model=NAME):
    model = checked(registry, model)
    z, seen = encode_garment(registry, image, model)
    if image_shape(registry, model) == (1, 28):
        warn_if_not_a_garment(registry, seen)
    recon = decode(registry, z[0].tolist(), [records.make("vae_encode", {"image": "uploaded"}, model)], model)
    text = reading(registry.get(model), as_tensor(seen[None]).to(registry.device), registry.classes(model))
    return (z[0].tolist(), records.as_download(recon), enlarge(seen, SCALE), text, *ZEROS)


@torch.no_grad()
def slide(registry: Registry, z0, model, *values):
    model = checked(registry, model)
    vae = registry.get(model)
    if not z0 or len(z0) != vae.z_dim:                   # no start yet, or the start of another model
        return gr.skip()
    z = compose(vae, torch.tensor([z0], device=registry.device), list(values[:N_PCA]), list(values[N_PCA:]))
    return records.as_download(decode(registry, z[0].tolist(), model=model))


def shown_again(registry: Registry, out, z0, model, *values):
    """The tab opened: where the page holds a start latent but no result image, decode it again. Gradio 6.31's
    page sometimes drops the page-load sample while applying the rest of that answer (about one fresh page in 70
    under load, docs/metrics/pageload); a page still waiting for its sample has no latent yet and is left alone."""
    if out or not z0:
        return gr.skip()
    return slide(registry, z0, model, *values)


def randomise(registry: Registry, z0, seed, model=NAME):
    rng = np.random.default_rng(seed_of(seed) + 1)
    values = np.clip(rng.standard_normal(N_PCA), -2.5, 2.5).round(2).tolist()
    return (*values, *[0.0] * N_NAMED, slide(registry, z0, model, *values, *[0.0] * N_NAMED))


def reset(registry: Registry, z0, model=NAME):
    return (*ZEROS, slide(registry, z0, model, *ZEROS))


def take_result(image):
    """An end of the interpolation ← the decoded result now shown (its file in the upload cache)."""
    if not image:
        raise ValueError("There is no result yet: sample, encode or move a slider first.")
    return str(uploaded_path(image))


def take_sketch(value):
    """An end of the interpolation ← the sketch on the canvas (its composite), unless the canvas is blank."""
    garment_of(value)                                     # "The picture is blank: …" for an empty canvas
    path = next(value[k] for k in ("composite", "background") if value.get(k))
    return str(uploaded_path(path))


def build(registry: Registry) -> tuple[dict, dict]:
    """Lay out the tab inside the current Blocks and wire its events; → (its settings by key, hooks for the
    history: events whose result image to keep, where a garment sent here goes)."""
    available = registry.available(NAME)
    with gr.Tab("VAE Latent Lab", id="vae") as tab:
        gr.Markdown("Start from a random sample, a drawing or an upload; then move the sliders — the garment "
                    "follows your hand. Each direction is named by the classes its two ends lean to."
                    if available else "**The VAE is not trained yet.** Train it with `python -m genart train vae`.")
        z_state = gr.State([])
        with gr.Row():
            with gr.Column(scale=1):
                model = model_picker(registry, FAMILY, NAME, "vae-model")
                with gr.Tabs() as sources:
                    with gr.Tab("Random", id="random"):
                        seed = gr.Number(0, precision=0, label="Seed", elem_id="vae-seed")
                        go_random = gr.Button("Sample", variant="primary", elem_id="vae-random")
                    with gr.Tab("Sketch", id="sketch"):
                        hint = gr.Markdown(drawing_hint(WHITE, upload=False), elem_id="vae-sketch-hint")
                        sketch = sketchpad("Sketch", "vae-sketch", registry=registry, model=model, hint=hint)
                        go_sketch = gr.Button("Encode sketch", variant="primary", elem_id="vae-encode-sketch")
                    with gr.Tab("Upload", id="upload"):
                        upload = gr.Image(type="filepath", label="Garment image", elem_id="vae-upload")
                        go_upload = gr.Button("Encode image", variant="primary", elem_id="vae-encode-upload")
                seen = gr.Image(label="Input as the VAE sees it", height=200, elem_classes=["pixelated"],
                                interactive=False)
                said = gr.Markdown(elem_id="vae-reading")
            with gr.Column(scale=1):
                out = gr.Image(label="Decoded (reconstruction, then your edits)", type="pil", format="png",
                               height=360, elem_id="vae-out", elem_classes=["pixelated"],
                               buttons=["download", "fullscreen"], interactive=False)
                with gr.Row():
                    reset_btn = gr.Button("Reset sliders", elem_id="vae-reset")
                    random_btn = gr.Button("Randomise sliders", elem_id="vae-randomise")
                keep = gr.Button("♥ Keep in my history", elem_id="vae-keep")
            with gr.Column(scale=1):
                pca = [gr.Slider(-3, 3, 0, step=0.05, label=f"Direction {k + 1} (σ)", elem_id=f"vae-pc{k + 1}")
                       for k in range(N_PCA)]
                with gr.Accordion("Named directions: more of a class", open=False):
                    named = [gr.Slider(-1.5, 1.5, 0, step=0.05, label=f"more {c}", elem_id=f"vae-more-{i}")
                             for i, c in enumerate(CLASSES[:N_NAMED])]
        with gr.Accordion("Interpolate between any two garments: uploads, your sketch, the current result, "
                          "history items", open=False) as interp_box:
            with gr.Row():
                ends = []
                for end, key in (("From", "a"), ("To", "b")):
                    with gr.Column():
                        ends.append(gr.Image(type="filepath", format="png", label=end, height=180,
                                             elem_id=f"vae-interp-{key}"))
                        with gr.Row():
                            ends.append(gr.Button("← current result", size="sm", elem_id=f"vae-{key}-result"))
                            ends.append(gr.Button("← my sketch", size="sm", elem_id=f"vae-{key}-sketch"))
                ia, a_result, a_sketch, ib, b_result, b_sketch = ends
                with gr.Column():
                    n_frames = gr.Slider(2, 64, 12, step=1, label="Frames")
                    go_interp = gr.Button("Interpolate", elem_id="vae-interpolate")
            gif = gr.Image(label="Animation (GIF)", type="filepath", height=240)
            strip = gr.Gallery(label="Frames", columns=12, height="auto", format="png", object_fit="contain",
                               elem_id="vae-frames")

        sliders = [*pca, *named]
        started = [z_state, out, seen, said, *sliders]
        common = dict(api_visibility="private", show_progress="hidden", **QUICK)
        # on page load a sample of the restored model is there to play with, with its named directions (the
        # "restored" hook below: it runs once the browser's settings are back, so a model kept from the last
        # visit is the one shown); a seed the user changes makes a new sample
        seed.input(ui_action(bind(start_random, registry)), [seed, model], started, trigger_mode="always_last",
                   **common)
        # another model: its sliders, and a sample of it
        model.input(ui_action(bind(ui_model, registry)), [seed, model], [*sliders, *started],
                    trigger_mode="always_last", **common)
        tab.select(ui_action(partial(model_choices, registry, FAMILY)), None, [model], queue=False,
                   api_visibility="private", show_progress="hidden")     # models published since appear
        tab.select(ui_action(bind(shown_again, registry)), [out, z_state, model, *sliders], [out], queue=False,
                   preprocess=False, api_visibility="private", show_progress="hidden")
        go_random.click(ui_action(bind(start_random, registry)), [seed, model], started, **common)
        go_sketch.click(ui_action(bind(start_from, registry)), [sketch, model], started, preprocess=False, **common)
        gr.on([go_upload.click, upload.change], ui_action(bind(start_from, registry)), [upload, model], started,
              preprocess=False, **common)                  # an image that arrives (upload or "send to") is encoded
        gr.on([s.input for s in sliders], ui_action(bind(slide, registry)), [z_state, model, *sliders], [out],
              queue=False, show_progress="hidden", trigger_mode="always_last", api_visibility="private")
        reset_btn.click(ui_action(bind(reset, registry)), [z_state, model], [*sliders, out], queue=False,
                        api_visibility="private")
        random_btn.click(ui_action(bind(randomise, registry)), [z_state, seed, model], [*sliders, out], queue=False,
                         api_visibility="private")
        go_interp.click(ui_action(bind(interpolate, registry)), [ia, ib, n_frames, model], [gif, strip],
                        preprocess=False, **common)
        out_of_date(gif, "Animation (GIF)", [ia, ib, n_frames, model], [go_interp])
        for end, from_result, from_sketch in ((ia, a_result, a_sketch), (ib, b_result, b_sketch)):
            from_result.click(ui_action(take_result), [out], [end], preprocess=False, queue=False,
                              api_visibility="private", show_progress="hidden")
            from_sketch.click(ui_action(take_sketch), [sketch], [end], preprocess=False, queue=False,
                              api_visibility="private", show_progress="hidden")

        with gr.Column(visible=False):
            api_a, api_b = gr.JSON(), gr.JSON()    # a plain image or a Sketchpad value each
            api_img = gr.Image(type="pil", format="png")
            api_z = gr.JSON()
            api_seed, api_frames = gr.Number(0, precision=0), gr.Number(12, precision=0)
            api_model = gr.Textbox(NAME)
            api_gif = gr.File()
            b1, b2, b3, b4 = gr.Button(), gr.Button(), gr.Button(), gr.Button()
        api = dict(preprocess=False, **QUICK)
        b1.click(user_errors(bind(encode, registry)), [api_a, api_model], [api_img, api_z], api_name="vae_encode",
                 **api)
        b2.click(batched(bind(decode_api, registry)), [api_z, api_model], [api_img], api_name="vae_decode", **api,
                 **BATCH)
        b3.click(user_errors(bind(prior_sample, registry)), [api_seed, api_model], [api_img, api_z],
                 api_name="vae_random", **api)
        b4.click(user_errors(bind(interpolate_api, registry)), [api_a, api_b, api_frames, api_model], [api_gif],
                 api_name="vae_interpolate", **api)
    kept = keep.click(None, None, None)
    return {"vae.seed": seed, "vae.model": model}, {
        "model": model, "keep": [(kept, out)], "inbox": upload, "tabs": sources,
        "restored": [(bind(ui_restored, registry), [seed, model], [*sliders, *started])],
        "inbox_tab": "upload", "out": out, "ends": (interp_box, ia, ib)}
