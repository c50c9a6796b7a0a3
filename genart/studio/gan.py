"""The GAN seed explorer without Gradio: a seed (and class, ψ) → a garment, grids of seeds, a latent → its image,
interpolations, favourites. Every image carries the record that makes it again (genart/core/records.py)."""

from __future__ import annotations

import numpy as np
import torch

from genart.core import records
from genart.core.checkpoints import CheckpointError
from genart.core.images import upscale_nearest, write_gif
from genart.core.registry import Registry
from genart.data.datasets import CLASSES
from genart.models.gan import class_for, latent, render, slerp, truncate
from genart.studio.inputs import enlarge, number, pixels, scale_for, seed_of, whole

NAME = "gan/fashion"          # the default model; any model of the family (`model`, a registry name) works
FAMILY = "gan"
LABELS = ["any", *CLASSES]
SCALE = 336                   # the current image's side in px, about (28 px × 12)
TILE = 112                    # a grid tile's (28 × 4) and a frame's
FRAME = 224


def parse_label(label: str, classes=CLASSES) -> int | None:
    if label in (None, "", "any"):
        return None
    if label not in classes:
        raise ValueError(f"Unknown label {str(label)[:40]!r}; use 'any' or one of {', '.join(classes)}")
    return list(classes).index(label)


def _check_psi(truncation: float) -> float:
    psi = number(truncation, "truncation ψ", 0.0, 2.0)
    if psi == 0.0:
        raise ValueError("truncation ψ must be above 0 (0 would give every seed the same garment)")
    return psi


def grid_image(tiles: np.ndarray, rows: int, cols: int, pad: int = 2) -> np.ndarray:
    """tiles (rows·cols, h, w[, 3]) uint8 → one (rows·(h+pad)+pad, cols·(w+pad)+pad[, 3]) image on a gray frame."""
    h, w = tiles.shape[1:3]
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, *tiles.shape[3:]), 64, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = t
    return out


def checked(registry: Registry, model) -> str:
    """A request's model: one of the studio's GANs (default: the Fashion-MNIST one)."""
    return NAME if model in (None, "") else registry.model_name(FAMILY, model)


def seed_latents(registry: Registry, seeds: list[int], label: int | None, psi: float, model: str = NAME):
    """Seeds → truncated latents z (B, z_dim) and classes y (B,)."""
    config = registry.get(model).config
    z = torch.stack([truncate(latent(s, config.z_dim), psi) for s in seeds])              # (B, z_dim)
    y = torch.tensor([class_for(s, label, config.num_classes) for s in seeds])             # (B,)
    return z, y


def images(registry: Registry, z: torch.Tensor, y: torch.Tensor, model: str = NAME) -> np.ndarray:
    """→ uint8 (B, S, S) gray or (B, S, S, 3) colour, the model's own size S."""
    return pixels(render(registry.get(model), z, y))


def generate(registry: Registry, seed: int = 0, label: str = "any", truncation: float = 1.0, model: str = NAME):
    """/gan_generate: (seed, label, ψ) → one image of `model`, large and crisp, carrying its record."""
    model = checked(registry, model)
    classes = registry.classes(model)
    seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label, classes)
    z, y = seed_latents(registry, [seed], lab, psi, model)
    params = {"seed": seed, "label": label or "any", "truncation": psi, "cls": classes[int(y[0])]}
    return records.stamp(enlarge(images(registry, z, y, model)[0], SCALE),
                         records.of_model(registry, "gan_generate", model, params))


def grid(registry: Registry, seed: int = 0, label: str = "any", truncation: float = 1.0, rows: int = 4,
         cols: int = 4, model: str = NAME):
    """/gan_grid: rows × cols neighbouring seeds (seed, seed+1, …) as one image."""
    model = checked(registry, model)
    rows, cols = whole(rows, "rows", 1, 16), whole(cols, "cols", 1, 16)
    seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label, registry.classes(model))
    z, y = seed_latents(registry, list(range(seed, seed + rows * cols)), lab, psi, model)
    tiles = images(registry, z, y, model)
    big = upscale_nearest(grid_image(tiles, rows, cols), scale_for(tiles.shape[1], TILE))
    params = {"seed": seed, "label": label or "any", "truncation": psi, "rows": rows, "cols": cols}
    return records.stamp(big, records.of_model(registry, "gan_grid", model, params))


def from_latent(registry: Registry, z: list[float], y: int, name: str | None = None, model: str = NAME):
    """A recorded latent (a variation or a child of two favourites) → its image, carrying its record
    (and its name in the studio, e.g. "seed 3 ~ var 2 @ 0.30", where it has one)."""
    model = checked(registry, model)
    zt, yt = torch.tensor([z], dtype=torch.float32), torch.tensor([int(y)])
    params = {"z": [float(v) for v in z], "y": int(y), **({"name": name} if name else {})}
    return records.stamp(enlarge(images(registry, zt, yt, model)[0], SCALE),
                         records.of_model(registry, "gan_latent", model, params))


def interpolate(registry: Registry, seed_a: int = 0, seed_b: int = 1, label: str = "any",
                truncation: float = 1.0, frames: int = 16, model: str = NAME):
    """Spherical interpolation between two seeds' latents → (GIF path, frames)."""
    model = checked(registry, model)
    frames = whole(frames, "frames", 2, 120)
    psi, lab = _check_psi(truncation), parse_label(label, registry.classes(model))
    za, ya = seed_latents(registry, [seed_of(seed_a, "seed_a")], lab, psi, model)
    zb, _ = seed_latents(registry, [seed_of(seed_b, "seed_b")], lab, psi, model)
    t = torch.linspace(0, 1, frames)[:, None]                                             # (F, 1)
    z = slerp(za.expand(frames, -1), zb.expand(frames, -1), t)                             # (F, z_dim)
    strip = [enlarge(im, FRAME) for im in images(registry, z, ya.expand(frames), model)]
    return str(write_gif(strip, duration_ms=70, boomerang=True)), strip


def interpolate_api(registry: Registry, seed_a: int = 0, seed_b: int = 1, label: str = "any",
                    truncation: float = 1.0, frames: int = 16, model: str = NAME):
    """/gan_interpolate: animated GIF file."""
    return interpolate(registry, seed_a, seed_b, label, truncation, frames, model)[0]


def current_from_seed(registry: Registry, seed, label, truncation, model=NAME) -> dict:
    model = checked(registry, model)
    seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label, registry.classes(model))
    z, y = seed_latents(registry, [seed], lab, psi, model)
    return {"z": z[0].tolist(), "y": int(y[0]), "name": f"seed {seed}", "model": model,
            "api": {"seed": seed, "label": label or "any", "truncation": psi, "model": model}}


def show(registry: Registry, current: dict):
    """The current image (with the record that makes it again) and its caption."""
    model = current.get("model", NAME)
    img = (generate(registry, **current["api"]) if current.get("api")
           else from_latent(registry, current["z"], current["y"], current.get("name"), model))
    mark = "" if model == NAME else f" · {model}"
    return records.as_download(img), f"{current['name']} · {registry.classes(model)[current['y']]}{mark}"


def gallery(registry: Registry, items: list[dict]):
    """Items (each with its latent and model) → gallery thumbnails, in order; each model renders its own."""
    if not items:
        return []
    thumbs: list = [None] * len(items)
    for model in dict.fromkeys(it.get("model", NAME) for it in items):
        mine = [i for i, it in enumerate(items) if it.get("model", NAME) == model]
        z = torch.tensor([items[i]["z"] for i in mine])
        y = torch.tensor([items[i]["y"] for i in mine])
        for i, t in zip(mine, images(registry, z, y, model)):
            thumbs[i] = (enlarge(t, TILE), items[i]["name"])
    return thumbs


def _same(a: dict, b: dict) -> bool:
    return a["name"] == b["name"] and a.get("model", NAME) == b.get("model", NAME)


def favourites_from(registry: Registry, kept: list[dict | None]) -> list[dict]:
    """The favourites in a browser's history (its records, newest first) → favourites, oldest first: each
    GAN image kept, made again from its seed or its latent by the model that made it (while the studio has it)."""
    favourites: list[dict] = []
    gans = registry.names(FAMILY)
    for record in reversed(kept):
        if not record or record.get("model") not in gans:
            continue
        model, p = record["model"], record["params"]
        try:
            if record["action"] == "gan_generate":
                fav = current_from_seed(registry, p["seed"], p["label"], p["truncation"], model)
            elif record["action"] == "gan_latent":
                fav = {"z": [float(v) for v in p["z"]], "y": int(p["y"]), "model": model,
                       "name": str(p.get("name") or f"kept garment {len(favourites) + 1}")}
            else:
                continue
        except (KeyError, TypeError, ValueError, CheckpointError):   # not a record this studio can make again
            continue
        if any(f["name"] == fav["name"] and not _same(f, fav) for f in favourites):   # another model's namesake
            fav["name"] = f"{fav['name']} ({model})"
        if all(not _same(f, fav) for f in favourites):
            favourites.append(fav)
    return favourites
