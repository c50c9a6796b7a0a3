"""The VAE lab without Gradio: a latent z → its image, the prior's samples, the named directions of the sliders."""

from __future__ import annotations

import json
import math

import numpy as np
import torch

from genart.core import records
from genart.core.images import write_gif
from genart.core.registry import Registry
from genart.data.datasets import CLASSES
from genart.studio.inputs import (
    as_tensor,
    enlarge,
    model_input,
    pixels,
    seed_of,
    whole,
)

N_PCA = 8
SCALE = 336                   # the shown image's side, about: 28 px × 12, nearest: crisp pixels, no mush
NAME = "vae/fashion"          # the default model; any VAE of the registry works (`model`, a registry name)
FAMILY = "vae"
N_NAMED = len(CLASSES)        # named-direction sliders: a model's first N_NAMED classes


def checked(registry: Registry, model) -> str:
    """A request's model: one of the studio's VAEs (default: the Fashion-MNIST one)."""
    return NAME if model in (None, "") else registry.model_name(FAMILY, model)


def _view(registry: Registry, x: torch.Tensor, action: str, params: dict, chain=(), model: str = NAME):
    """(1, C, S, S) in [-1, 1] → a large crisp PNG-ready image carrying the record that makes it."""
    return records.stamp(enlarge(pixels(x)[0], SCALE), records.of_model(registry, action, model, params, chain))


def compose(vae, z0: torch.Tensor, pca: list[float], named: list[float]) -> torch.Tensor:
    """z = z₀ + Σ_k a_k σ_k v_k + Σ_c b_c (m_c − m̄);   z₀ (1, d) → (1, d). `pca` and `named` give the first
    a_k and b_c (beyond the model's own directions and classes they are ignored; missing ones are 0)."""
    k, C = min(len(pca), vae.pca_std.shape[0]), vae.class_means.shape[0]      # the model's directions and classes
    a = torch.tensor(pca[:k], dtype=z0.dtype, device=z0.device)               # (K,)
    b = torch.zeros(C, dtype=z0.dtype, device=z0.device)                      # (C,)
    b[:min(C, len(named))] = torch.tensor(named[:C], dtype=z0.dtype, device=z0.device)
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


def reading(vae, x: torch.Tensor, classes=CLASSES) -> str:
    """What the VAE's q(y|x) makes of x (1, C, S, S): its two likeliest classes, as a sentence."""
    if not getattr(vae, "y_dim", 0):
        return ""
    p = vae.class_logits(x).softmax(1)[0]                                       # (K,)
    if len(p) < 2:
        return ""
    top = p.topk(2)
    (a, b), (pa, pb) = top.indices.tolist(), top.values.tolist()
    return f"The VAE reads this as **{classes[a]}** ({pa:.0%}); next {classes[b]} ({pb:.0%})."


@torch.no_grad()
def decode(registry: Registry, z, chain=(), model: str = NAME):
    """/vae_decode: latent z (list of floats) → image (its record: vae_decode of this z)."""
    model = checked(registry, model)
    z = latent_of(z, registry.get(model).z_dim)
    zt = torch.tensor([z], dtype=torch.float32, device=registry.device)
    return _view(registry, registry.get(model).decode(zt), "vae_decode", {"z": z}, chain, model)


def decode_api(registry: Registry, z, model: str = NAME):
    """/vae_decode: latent z (list of floats) → image."""
    return decode(registry, z, model=model)


@torch.no_grad()
def prior_sample(registry: Registry, seed: int = 0, model: str = NAME):
    """/vae_random: seed → a sample from the prior (a class y, then z₁ ~ N(0, I)), and its z."""
    model = checked(registry, model)
    seed = seed_of(seed)
    z = registry.get(model).sample_prior(1, torch.Generator().manual_seed(seed)).to(registry.device)
    return _view(registry, registry.get(model).decode(z), "vae_random", {"seed": seed}, model=model), z[0].tolist()


def direction_names(vae, classes=CLASSES) -> list[str]:
    """Each principal direction named by the classes its two ends lean to: the class means (C, d)
    projected on direction k, lowest and highest ("Trouser ↔ Bag")."""
    n = min(N_PCA, vae.pca_components.shape[0])
    proj = (vae.class_means - vae.class_means.mean(0, keepdim=True)) @ vae.pca_components[:n].T   # (C, K)
    return [f"{classes[int(proj[:, k].argmin())]} ↔ {classes[int(proj[:, k].argmax())]}" for k in range(n)]


ZEROS = [0.0] * (N_PCA + N_NAMED)


@torch.no_grad()
def encode_garment(registry: Registry, image, model: str = NAME) -> tuple[torch.Tensor, np.ndarray]:
    """Image or sketch → posterior mean μ (1, d) and the uint8 image the VAE saw ((28, 28) garment for the
    Fashion-MNIST kind, else the centre square at the model's size and colour)."""
    seen = model_input(registry, model, image)
    return registry.get(model).encode(as_tensor(seen[None]).to(registry.device))[0], seen


@torch.no_grad()
def encode(registry: Registry, image, model: str = NAME):
    """/vae_encode: image → its reconstruction and its latent z (posterior mean μ)."""
    model = checked(registry, model)
    z = encode_garment(registry, image, model)[0][0].tolist()
    return decode(registry, z, [records.make("vae_encode", {"image": "uploaded"}, model)], model), z


@torch.no_grad()
def interpolate(registry: Registry, image_a, image_b, frames: int = 12, model: str = NAME):
    """Two images or sketches → (GIF path, frames) walking between their latents."""
    model = checked(registry, model)
    frames = whole(frames, "frames", 2, 64)
    za, zb = encode_garment(registry, image_a, model)[0], encode_garment(registry, image_b, model)[0]
    t = torch.linspace(0, 1, frames, device=za.device)[:, None]                           # (F, 1)
    xs = registry.get(model).decode((1 - t) * za + t * zb)                                # (F, C, S, S)
    strip = [enlarge(im, 224) for im in pixels(xs)]
    return str(write_gif(strip, duration_ms=90, boomerang=True)), strip


def interpolate_api(registry: Registry, image_a, image_b, frames: int = 12, model: str = NAME):
    """/vae_interpolate: animated GIF file."""
    return interpolate(registry, image_a, image_b, frames, model)[0]


def start_random(registry: Registry, seed, model=NAME):
    img, z = prior_sample(registry, seed, model)
    return z, records.as_download(img), None, "", *ZEROS
