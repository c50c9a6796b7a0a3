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

from genart.data import CLASSES, to_tensor, to_uint8
from genart.images import upscale_nearest, with_params, write_gif
from genart.registry import Registry
from genart.ui.widgets import QUICK, garment_of, seed_of, user_errors, whole

N_PCA = 8
SCALE = 12                    # 28 px → 336 px, nearest: crisp pixels, no mush
NAME = "vae/fashion"


def _view(x: torch.Tensor, **params):
    """(1, 1, 28, 28) in [-1, 1] → a large crisp PNG-ready image carrying its parameters."""
    return with_params(upscale_nearest(to_uint8(x)[0], SCALE), **params)


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


def build(registry: Registry) -> None:
    def vae():
        return registry.get(NAME)

    @torch.no_grad()
    def encode_garment(image) -> tuple[torch.Tensor, np.ndarray]:
        """Image or sketch → posterior mean μ (1, d) and the (28, 28) uint8 garment the VAE saw."""
        garment = garment_of(image)
        return vae().encode(to_tensor(garment[None]).to(registry.device))[0], garment

    def encode_image(image) -> torch.Tensor:
        return encode_garment(image)[0]

    @user_errors
    @torch.no_grad()
    def vae_encode(image):
        """/vae_encode: image → its reconstruction and its latent z (posterior mean μ)."""
        z = encode_image(image)
        return _view(vae().decode(z), z=z[0].tolist()), z[0].tolist()

    @user_errors
    @torch.no_grad()
    def vae_decode(z):
        """/vae_decode: latent z (list of floats) → image."""
        d = vae().z_dim
        z = latent_of(z, d)
        zt = torch.tensor([z], dtype=torch.float32, device=registry.device)
        return _view(vae().decode(zt), z=z)

    @user_errors
    @torch.no_grad()
    def vae_random(seed: int = 0):
        """/vae_random: seed → a sample from the prior (a class y, then z₁ ~ N(0, I)), and its z."""
        seed = seed_of(seed)
        g = torch.Generator().manual_seed(seed)
        z = vae().sample_prior(1, g).to(registry.device)
        return _view(vae().decode(z), seed=seed, z=z[0].tolist()), z[0].tolist()

    @user_errors
    @torch.no_grad()
    def vae_interpolate(image_a, image_b, frames: int = 12):
        """/vae_interpolate: two images or sketches → an animated GIF walking between their latents."""
        frames = whole(frames, "frames", 2, 64)
        za, zb = encode_image(image_a), encode_image(image_b)
        t = torch.linspace(0, 1, frames, device=za.device)[:, None]                       # (F, 1)
        xs = vae().decode((1 - t) * za + t * zb)                                          # (F, 1, 28, 28)
        strip = [upscale_nearest(im, 8) for im in to_uint8(xs)]
        return str(write_gif(strip, duration_ms=90, boomerang=True)), strip

    def vae_interpolate_api(image_a, image_b, frames: int = 12):
        """/vae_interpolate: animated GIF file."""
        return vae_interpolate(image_a, image_b, frames)[0]

    # ---- UI-only handlers (they also return slider resets and state)
    @user_errors
    @torch.no_grad()
    def start_random(seed):
        img, z = vae_random(seed)
        return z, img, None, "", *[0.0] * (N_PCA + len(CLASSES))

    @user_errors
    @torch.no_grad()
    def start_from(image):
        z, garment = encode_garment(image)
        recon = _view(vae().decode(z), z=z[0].tolist())
        text = reading(vae(), to_tensor(garment[None]).to(registry.device))
        return (z[0].tolist(), recon, upscale_nearest(garment, SCALE), text, *[0.0] * (N_PCA + len(CLASSES)))

    @torch.no_grad()
    def slide(z0, *values):
        if not z0:
            return None
        m = vae()
        z = compose(m, torch.tensor([z0], device=registry.device), list(values[:N_PCA]), list(values[N_PCA:]))
        return _view(m.decode(z), z=z[0].tolist(), pca=list(values[:N_PCA]), named=list(values[N_PCA:]))

    def randomise(z0, seed):
        rng = np.random.default_rng(int(seed) + 1)
        values = np.clip(rng.standard_normal(N_PCA), -2.5, 2.5).round(2).tolist()
        return (*values, *[0.0] * len(CLASSES), slide(z0, *values, *[0.0] * len(CLASSES)))

    def reset(z0):
        zeros = [0.0] * (N_PCA + len(CLASSES))
        return (*zeros, slide(z0, *zeros))

    available = registry.available(NAME)
    with gr.Tab("VAE Latent Lab", id="vae"):
        if not available:
            gr.Markdown("**The VAE is not trained yet.** Train it with `python -m genart train vae`.")
        z_state = gr.State([])
        with gr.Row():
            with gr.Column(scale=1):
                with gr.Tabs():
                    with gr.Tab("Random"):
                        seed = gr.Number(0, precision=0, label="Seed", elem_id="vae-seed")
                        go_random = gr.Button("Sample", variant="primary", elem_id="vae-random")
                    with gr.Tab("Sketch"):
                        sketch = gr.Sketchpad(value={"background": np.full((280, 280, 3), 255, np.uint8),
                                                     "layers": [], "composite": None},
                                              type="filepath", image_mode="RGB", canvas_size=(280, 280),
                                              brush=gr.Brush(default_size=8, colors=["#000000"], color_mode="fixed"),
                                              layers=False, transforms=(), label="Draw a garment (dark on white)",
                                              elem_id="vae-sketch")
                        go_sketch = gr.Button("Encode sketch", variant="primary", elem_id="vae-encode-sketch")
                    with gr.Tab("Upload"):
                        upload = gr.Image(type="filepath", label="Garment image", elem_id="vae-upload")
                        go_upload = gr.Button("Encode image", variant="primary", elem_id="vae-encode-upload")
                seen = gr.Image(label="Input as the VAE sees it", height=200, elem_classes=["pixelated"],
                                interactive=False)
                said = gr.Markdown(elem_id="vae-reading")
            with gr.Column(scale=1):
                out = gr.Image(label="Decoded (reconstruction, then your edits)", type="pil", format="png",
                               height=360, elem_id="vae-out", elem_classes=["pixelated"],
                               buttons=["download", "fullscreen"])
                with gr.Row():
                    reset_btn = gr.Button("Reset sliders", elem_id="vae-reset")
                    random_btn = gr.Button("Randomise sliders", elem_id="vae-randomise")
            with gr.Column(scale=1):
                pca = [gr.Slider(-3, 3, 0, step=0.05, label=f"Direction {k + 1} (σ)", elem_id=f"vae-pc{k + 1}")
                       for k in range(N_PCA)]
                with gr.Accordion("Named directions: more of a class", open=False):
                    named = [gr.Slider(-1.5, 1.5, 0, step=0.05, label=f"more {c}", elem_id=f"vae-more-{i}")
                             for i, c in enumerate(CLASSES)]
        with gr.Accordion("Interpolate between two images or sketches", open=False):
            with gr.Row():
                ia = gr.Image(type="filepath", label="From", height=180)
                ib = gr.Image(type="filepath", label="To", height=180)
                with gr.Column():
                    n_frames = gr.Slider(2, 64, 12, step=1, label="Frames")
                    go_interp = gr.Button("Interpolate", elem_id="vae-interpolate")
            gif = gr.Image(label="Animation (GIF)", type="filepath", height=240)
            strip = gr.Gallery(label="Frames", columns=12, height=140, format="png")

        sliders = [*pca, *named]
        go_random.click(start_random, [seed], [z_state, out, seen, said, *sliders], api_visibility="private",
                        **QUICK)
        go_sketch.click(start_from, [sketch], [z_state, out, seen, said, *sliders], preprocess=False,
                        api_visibility="private", **QUICK)
        go_upload.click(start_from, [upload], [z_state, out, seen, said, *sliders], preprocess=False,
                        api_visibility="private", **QUICK)
        gr.on([s.input for s in sliders], slide, [z_state, *sliders], [out], queue=False,
              show_progress="hidden", trigger_mode="always_last", api_visibility="private")
        reset_btn.click(reset, [z_state], [*sliders, out], queue=False, api_visibility="private")
        random_btn.click(randomise, [z_state, seed], [*sliders, out], queue=False, api_visibility="private")
        go_interp.click(vae_interpolate, [ia, ib, n_frames], [gif, strip], preprocess=False,
                        api_visibility="private", api_name="ui_vae_interpolate", **QUICK)

        with gr.Column(visible=False):
            api_a, api_b = gr.JSON(), gr.JSON()    # a plain image or a Sketchpad value each
            api_img = gr.Image(type="pil", format="png")
            api_z = gr.JSON()
            api_seed, api_frames = gr.Number(0, precision=0), gr.Number(12, precision=0)
            api_gif = gr.File()
            b1, b2, b3, b4 = gr.Button(), gr.Button(), gr.Button(), gr.Button()
        b1.click(vae_encode, [api_a], [api_img, api_z], api_name="vae_encode", preprocess=False, **QUICK)
        b2.click(vae_decode, [api_z], [api_img], api_name="vae_decode", preprocess=False, **QUICK)
        b3.click(vae_random, [api_seed], [api_img, api_z], api_name="vae_random", preprocess=False, **QUICK)
        b4.click(vae_interpolate_api, [api_a, api_b, api_frames], [api_gif], api_name="vae_interpolate",
                 preprocess=False, **QUICK)
