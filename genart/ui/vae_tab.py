"""VAE latent lab: encode a garment or a sketch, move along latent directions, interpolate.

Sliders: the first principal directions of the encoded training set (in units of their standard
deviation, GANSpace-style) and named class directions ("more Dress" = mean z of dresses − mean z;
with the class latent y this mostly moves the class weights at the front of z).
Moving a slider only decodes (≈ms on a CPU), outside the queue, so the image follows the hand.
Public API: /vae_encode, /vae_decode, /vae_random, /vae_interpolate.
"""

from __future__ import annotations

import json
import math

import gradio as gr
import numpy as np
import torch

from genart import records
from genart.data import CLASSES, to_tensor, to_uint8
from genart.images import upscale_nearest, write_gif
from genart.registry import Registry
from genart.ui.uploads import uploaded_path
from genart.ui.widgets import (QUICK, bind, garment_of, out_of_date, seed_of, sketchpad, ui_action, user_errors,
                               warn_if_not_a_garment, whole)

N_PCA = 8
SCALE = 12                    # 28 px → 336 px, nearest: crisp pixels, no mush
NAME = "vae/fashion"


def _view(registry: Registry, x: torch.Tensor, action: str, params: dict, chain=()):
    """(1, 1, 28, 28) in [-1, 1] → a large crisp PNG-ready image carrying the record that makes it."""
    return records.stamp(upscale_nearest(to_uint8(x)[0], SCALE), records.of_model(registry, action, NAME, params, chain))


def compose(vae, z0: torch.Tensor, pca: list[float], named: list[float]) -> torch.Tensor:
    """z = z₀ + Σ_k a_k σ_k v_k + Σ_c b_c (m_c − m̄);   z₀ (1, d) → (1, d)."""
    a = torch.tensor(pca, dtype=z0.dtype, device=z0.device)                   # (K,)
    b = torch.tensor(named, dtype=z0.dtype, device=z0.device)                 # (C,)
    k = len(pca)
    z = z0 + (a * vae.pca_std[:k]) @ vae.pca_components[:k]
    return z + b @ (vae.class_means - vae.class_means.mean(0, keepdim=True))


def latent_of(z, d: int) -> list[float]:
    """A request's latent: a list (or its JSON text) of d finite numbers, else a sentence saying so."""
    wanted = f"z must be a list of {d} finite numbers (as /vae_encode or /vae_random return it)"
    if isinstance(z, str):
        try:
            z = json.loads(z)
        except json.JSONDecodeError:
            raise ValueError(wanted) from None
    if (not isinstance(z, list) or len(z) != d
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in z)):
        raise ValueError(wanted)
    return [float(v) for v in z]


def reading(vae, x: torch.Tensor) -> str:
    """What the VAE's q(y|x) makes of x (1, 1, 28, 28): its two likeliest classes, as a sentence."""
    if not getattr(vae, "y_dim", 0):
        return ""
    p = vae.class_logits(x).softmax(1)[0]                                       # (K,)
    top = p.topk(2)
    (a, b), (pa, pb) = top.indices.tolist(), top.values.tolist()
    return f"The VAE reads this as **{CLASSES[a]}** ({pa:.0%}); next {CLASSES[b]} ({pb:.0%})."


# ---- core: shared by the API, the browser and /replay

@torch.no_grad()
def encode_garment(registry: Registry, image) -> tuple[torch.Tensor, np.ndarray]:
    """Image or sketch → posterior mean μ (1, d) and the (28, 28) uint8 garment the VAE saw."""
    garment = garment_of(image)
    return registry.get(NAME).encode(to_tensor(garment[None]).to(registry.device))[0], garment


@torch.no_grad()
def decode(registry: Registry, z, chain=()):
    """/vae_decode: latent z (list of floats) → image (its record: vae_decode of this z)."""
    z = latent_of(z, registry.get(NAME).z_dim)
    zt = torch.tensor([z], dtype=torch.float32, device=registry.device)
    return _view(registry, registry.get(NAME).decode(zt), "vae_decode", {"z": z}, chain)


def decode_api(registry: Registry, z):
    """/vae_decode: latent z (list of floats) → image."""
    return decode(registry, z)


@torch.no_grad()
def encode(registry: Registry, image):
    """/vae_encode: image → its reconstruction and its latent z (posterior mean μ)."""
    z = encode_garment(registry, image)[0][0].tolist()
    return decode(registry, z, [records.make("vae_encode", {"image": "uploaded"}, NAME)]), z


@torch.no_grad()
def prior_sample(registry: Registry, seed: int = 0):
    """/vae_random: seed → a sample from the prior (a class y, then z₁ ~ N(0, I)), and its z."""
    seed = seed_of(seed)
    z = registry.get(NAME).sample_prior(1, torch.Generator().manual_seed(seed)).to(registry.device)
    return _view(registry, registry.get(NAME).decode(z), "vae_random", {"seed": seed}), z[0].tolist()


@torch.no_grad()
def interpolate(registry: Registry, image_a, image_b, frames: int = 12):
    """Two images or sketches → (GIF path, frames) walking between their latents."""
    frames = whole(frames, "frames", 2, 64)
    za, zb = encode_garment(registry, image_a)[0], encode_garment(registry, image_b)[0]
    t = torch.linspace(0, 1, frames, device=za.device)[:, None]                           # (F, 1)
    xs = registry.get(NAME).decode((1 - t) * za + t * zb)                                 # (F, 1, 28, 28)
    strip = [upscale_nearest(im, 8) for im in to_uint8(xs)]
    return str(write_gif(strip, duration_ms=90, boomerang=True)), strip


def interpolate_api(registry: Registry, image_a, image_b, frames: int = 12):
    """/vae_interpolate: animated GIF file."""
    return interpolate(registry, image_a, image_b, frames)[0]


def direction_names(vae) -> list[str]:
    """Each principal direction named by the classes its two ends lean to: the class means (C, d)
    projected on direction k, lowest and highest ("Trouser ↔ Bag")."""
    proj = (vae.class_means - vae.class_means.mean(0, keepdim=True)) @ vae.pca_components[:N_PCA].T   # (C, K)
    return [f"{CLASSES[int(proj[:, k].argmin())]} ↔ {CLASSES[int(proj[:, k].argmax())]}" for k in range(N_PCA)]


# ---- browser handlers: the start latent z₀ lives in session state; sliders only decode

def slider_labels(registry: Registry):
    return [gr.Slider(label=f"{k + 1}: {name} (σ)") for k, name in enumerate(direction_names(registry.get(NAME)))]


ZEROS = [0.0] * (N_PCA + len(CLASSES))


def start_random(registry: Registry, seed):
    img, z = prior_sample(registry, seed)
    return z, records.as_download(img), None, "", *ZEROS


@torch.no_grad()
def start_from(registry: Registry, image):
    z, garment = encode_garment(registry, image)
    warn_if_not_a_garment(registry, garment)
    recon = decode(registry, z[0].tolist(), [records.make("vae_encode", {"image": "uploaded"}, NAME)])
    text = reading(registry.get(NAME), to_tensor(garment[None]).to(registry.device))
    return (z[0].tolist(), records.as_download(recon), upscale_nearest(garment, SCALE), text, *ZEROS)


@torch.no_grad()
def slide(registry: Registry, z0, *values):
    if not z0:
        return gr.skip()
    z = compose(registry.get(NAME), torch.tensor([z0], device=registry.device), list(values[:N_PCA]),
                list(values[N_PCA:]))
    return records.as_download(decode(registry, z[0].tolist()))


def randomise(registry: Registry, z0, seed):
    rng = np.random.default_rng(seed_of(seed) + 1)
    values = np.clip(rng.standard_normal(N_PCA), -2.5, 2.5).round(2).tolist()
    return (*values, *[0.0] * len(CLASSES), slide(registry, z0, *values, *[0.0] * len(CLASSES)))


def reset(registry: Registry, z0):
    return (*ZEROS, slide(registry, z0, *ZEROS))


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
    with gr.Tab("VAE Latent Lab", id="vae"):
        gr.Markdown("Start from a random sample, a drawing or an upload; then move the sliders — the garment "
                    "follows your hand. Each direction is named by the classes its two ends lean to."
                    if available else "**The VAE is not trained yet.** Train it with `python -m genart train vae`.")
        z_state = gr.State([])
        with gr.Row():
            with gr.Column(scale=1):
                with gr.Tabs() as sources:
                    with gr.Tab("Random", id="random"):
                        seed = gr.Number(0, precision=0, label="Seed", elem_id="vae-seed")
                        go_random = gr.Button("Sample", variant="primary", elem_id="vae-random")
                    with gr.Tab("Sketch", id="sketch"):
                        gr.Markdown("Draw a garment: dark lines on white.")
                        sketch = sketchpad("Sketch", "vae-sketch")
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
                             for i, c in enumerate(CLASSES)]
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
        # named directions on page load (the VAE is loaded then, not when the UI is built)
        gr.context.Context.root_block.load(ui_action(bind(slider_labels, registry)), None, pca, **common)
        # on page load (and when the seed changes) a sample is there to play with
        gr.on(None, ui_action(bind(start_random, registry)), [seed], started, trigger_mode="always_last", **common)
        go_random.click(ui_action(bind(start_random, registry)), [seed], started, **common)
        go_sketch.click(ui_action(bind(start_from, registry)), [sketch], started, preprocess=False, **common)
        gr.on([go_upload.click, upload.change], ui_action(bind(start_from, registry)), [upload], started,
              preprocess=False, **common)                  # an image that arrives (upload or "send to") is encoded
        gr.on([s.input for s in sliders], ui_action(bind(slide, registry)), [z_state, *sliders], [out], queue=False,
              show_progress="hidden", trigger_mode="always_last", api_visibility="private")
        reset_btn.click(ui_action(bind(reset, registry)), [z_state], [*sliders, out], queue=False,
                        api_visibility="private")
        random_btn.click(ui_action(bind(randomise, registry)), [z_state, seed], [*sliders, out], queue=False,
                         api_visibility="private")
        go_interp.click(ui_action(bind(interpolate, registry)), [ia, ib, n_frames], [gif, strip], preprocess=False,
                        **common)
        out_of_date(gif, "Animation (GIF)", [ia, ib, n_frames], [go_interp])
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
            api_gif = gr.File()
            b1, b2, b3, b4 = gr.Button(), gr.Button(), gr.Button(), gr.Button()
        api = dict(preprocess=False, **QUICK)
        b1.click(user_errors(bind(encode, registry)), [api_a], [api_img, api_z], api_name="vae_encode", **api)
        b2.click(user_errors(bind(decode_api, registry)), [api_z], [api_img], api_name="vae_decode", **api)
        b3.click(user_errors(bind(prior_sample, registry)), [api_seed], [api_img, api_z], api_name="vae_random", **api)
        b4.click(user_errors(bind(interpolate_api, registry)), [api_a, api_b, api_frames], [api_gif],
                 api_name="vae_interpolate", **api)
    kept = keep.click(None, None, None)
    return {"vae.seed": seed}, {"keep": [(kept, out)], "inbox": upload, "tabs": sources, "inbox_tab": "upload",
                                "out": out, "ends": (interp_box, ia, ib)}
