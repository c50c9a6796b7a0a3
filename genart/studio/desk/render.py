"""A garment at a size a designer can use: a crisp silhouette, smooth shading, a colour or a fabric.

    alpha  = a smooth contour: the designer's filled outline (where it drives the result) or the
             garment's own (genart/data/sketch.py `garment_mask`), blurred a little, upsampled bicubically
             and thresholded with a ramp one output pixel wide (anti-aliased: never blocky pixels)
    light  = the model's 28-px shading, upsampled bicubically, normalised inside the silhouette
             to [0, 1] (inside a designer's outline where the model left background: 0.85 × the
             garment's median tone):  L = 0.45 + 0.55 · shade
    out    = white · (1 − alpha) + alpha · L · paint,   paint = a colour, or a fabric swatch tiled
The garment in model space (28 × 28, the sketch's longer side spanning it) maps to the whole square
output, so a designer's outline read by `sketch_condition` lines up with it exactly.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageColor

from genart.data.sketch import garment_mask

SOURCE = 28


def parse_colours(text: str) -> list[tuple[int, int, int]]:
    """ "navy, #c0392b, 200 120 40" → RGB triples; one colour or a colourway (comma or semicolon separated)."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("colour: give a colour name or #rrggbb, or several separated by commas")
    out = []
    for p in parts:
        try:
            out.append(ImageColor.getrgb(p)[:3])
        except ValueError:
            raise ValueError(f"colour: {p!r} is not a colour (try a name like 'navy' or '#c0392b')") from None
    if len(out) > 12:
        raise ValueError("colour: at most 12 colours in a colourway")
    return out


def smooth_alpha(mask: np.ndarray, size: int, blur_source_px: float = 0.6) -> np.ndarray:
    """A mask (h, w) in [0, 1] covering the square frame → alpha (size, size) float32 in [0, 1].

    Blurred by `blur_source_px` of its own pixels, upsampled bicubically, then thresholded at 0.5 with a
    ramp one output pixel wide (from the local gradient): a smooth, anti-aliased contour at any size."""
    m = mask.astype(np.float32)
    if blur_source_px > 0.1:
        m = cv2.GaussianBlur(m, (0, 0), blur_source_px)
    up = cv2.resize(m, (size, size), interpolation=cv2.INTER_CUBIC)
    gx, gy = cv2.Sobel(up, cv2.CV_32F, 1, 0, ksize=1), cv2.Sobel(up, cv2.CV_32F, 0, 1, ksize=1)
    grad = cv2.magnitude(gx, gy) * 0.5 + 1e-6                                     # central differences
    return np.clip(0.5 + (up - 0.5) / grad, 0.0, 1.0)


def shading(garment: np.ndarray, size: int, alpha: np.ndarray) -> np.ndarray:
    """The garment's grey (28, 28) uint8 → light L (size, size) in [0.45, 1], normalised inside alpha."""
    up = cv2.resize(garment.astype(np.float32) / 255.0, (size, size), interpolation=cv2.INTER_CUBIC)
    inside = up[alpha > 0.5]
    top = float(np.percentile(inside, 97)) if inside.size else 1.0
    shade = np.clip(up / max(top, 0.05), 0.0, 1.0)
    cloth = shade[(alpha > 0.5) & (shade > 0.2)]
    if cloth.size:                              # inside the designer's outline where the model left background:
        shade = np.maximum(shade, 0.85 * float(np.median(cloth)) * (alpha > 0.5))      # the garment's own tone
    return 0.45 + 0.55 * shade


def tile_fabric(swatch: np.ndarray, size: int, repeats: float = 4.0) -> np.ndarray:
    """An RGB swatch (h, w, 3) uint8 → (size, size, 3) float32 in [0, 1]: scaled so `repeats` tiles span the
    output, then tiled."""
    h, w = swatch.shape[:2]
    side = max(8, int(round(size / repeats)))
    scale = side / min(h, w)
    tile = cv2.resize(swatch[..., :3], (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    reps = (size // tile.shape[0] + 1, size // tile.shape[1] + 1, 1)
    return np.tile(tile, reps)[:size, :size].astype(np.float32) / 255.0


def render(garment: np.ndarray, size: int = 512, colour: tuple[int, int, int] | None = None,
           fabric: np.ndarray | None = None, outline: np.ndarray | None = None,
           alpha: np.ndarray | None = None, margin: float = 0.06) -> np.ndarray:
    """A 28-px garment (uint8, light on black, in the frame the sketch was read into) → (size, size, 3) uint8.

    `outline`: the designer's filled outline in the same frame (any resolution, [0, 1]) to use as the
    silhouette; else the garment's own contour. `colour` (RGB) or `fabric` (RGB swatch) paints it; with
    neither, the garment's own grey. A precomputed `alpha` skips the contour (colourways share one).
    `margin`: white paper around the garment, a fraction of `size` on each side."""
    pad = int(round(size * margin))
    if pad:
        inner = render(garment, size - 2 * pad, colour, fabric, outline, alpha, margin=0.0)
        return cv2.copyMakeBorder(inner, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(255, 255, 255))
    if alpha is None:
        alpha = garment_alpha(garment, size, outline)
    light = shading(garment, size, alpha)[..., None]                                 # (S, S, 1)
    if fabric is not None:
        paint = tile_fabric(fabric, size)
    elif colour is not None:
        paint = np.asarray(colour, np.float32).reshape(1, 1, 3) / 255.0
    else:
        paint = np.full((1, 1, 3), 0.85, np.float32)
    a = alpha[..., None]
    out = (1.0 - a) + a * light * paint                                               # white paper
    return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)


def garment_alpha(garment: np.ndarray, size: int, outline: np.ndarray | None = None) -> np.ndarray:
    """The silhouette (size, size) in [0, 1]: the designer's filled outline if given, else the garment's
    smooth contour (genart/data/sketch.py `garment_mask`, the one fidelity is measured on: holes of dark
    print filled)."""
    if outline is not None and outline.max() > 0:
        return smooth_alpha(np.clip(outline, 0, 1), size, blur_source_px=max(1.0, max(outline.shape) / 112.0))
    return smooth_alpha(garment_mask(garment, 112) / 255.0, size, blur_source_px=1.0)


def colourways(garment: np.ndarray, colours: list[tuple[int, int, int]], size: int = 512,
               outline: np.ndarray | None = None) -> list[np.ndarray]:
    """One garment in N colours (one silhouette, N paints)."""
    inner = size - 2 * int(round(size * 0.06))
    alpha = garment_alpha(garment, inner, outline)
    return [render(garment, size, colour=c, alpha=alpha) for c in colours]


def as_image(rgb: np.ndarray) -> Image.Image:
    return Image.fromarray(rgb, "RGB")
