"""Neural style in one pass: the registry's pretrained style networks paint a photo (genart/models/style.py).

    paint(registry, photo, "ochre swirls")                          # one of the 26 built-in styles
    paint(registry, photo, {"ochre swirls": 0.6, 3: 0.4})           # a blend (Dumoulin et al. eq. 5)
    paint(registry, photo, "image", style_image=painting, strength=0.7)   # any picture (Ghiasi et al.)
    paint_garment(registry, garment_28x28, "image", style_image=painting)

Images are (H, W, 3) uint8 RGB in and out; the output has the photo's aspect and the requested size.

Strength. With a style image it interpolates style vectors, S = α P(style) + (1 - α) P(photo) (Ghiasi et
al. §4.3), so a low α keeps the photo's palette and texture instead of fading the painting out. The photo
painted in its own style is not the photo itself (a softer, painterly copy: 30/255 mean difference on
china.jpg), so below α = FADE the result is also mixed with the photo, by α / FADE: α = 0 gives the photo.
The 26 built-in styles have no vector for the photo, so there strength mixes the pixels,
(1 - α) photo + α painting.

Resolution. Both painting networks are fully convolutional and run at any size, but their brush strokes
have a fixed size in pixels: on a 2000-px photo they become a fine grain. So each network runs at a
working size — `BUILTIN_WORK` / `IMAGE_WORK` on the long side by default, `work` overrides — and the result
is brought to the output size with Lanczos; above the working size, the photo's own fine luminance detail
(what the upscale cannot invent) is added back, scaled by `detail`. The style image is centre-cropped to
a square and seen at 256 px, as the predictor was trained.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
import torch

THUMBNAILS = Path(__file__).resolve().parents[2] / "assets" / "style_thumbnails"
MULTISTYLE, PREDICT, TRANSFORM = "style/multistyle26", "style/arbitrary_predict", "style/arbitrary_transform"
STYLE_NETWORKS = (MULTISTYLE, PREDICT, TRANSFORM)
BUILTIN_WORK = 1024      # built-in styles: strokes sized for ~500–1000 px (the package's advice)
IMAGE_WORK = 768         # style image: works at any size; 768 px keeps strokes visible at 1–2 k px
MAX_SIDE = 2048          # output long side at most
MIN_SIDE = 32            # smaller photos are refused (the networks downsample by 4 and pad 9×9)
PREDICT_SIDE = 256
FADE = 0.2               # style image: below this strength the photo is mixed in (α / FADE of the painting)

# Names for the 26 styles of multistyle26, in index order. The network came without names (the TensorFlow
# stylize demo it is from showed thumbnails only); these say what each one paints, judged here from renders
# on photos (docs/samples/neural-style-builtins.png). Index i is always the same network row.
BUILTIN_NAMES: tuple[str, ...] = (
    "pastel daubs", "bold ink outlines", "charcoal wash", "electric ribbons", "crimson and gold",
    "fauve flames", "indigo honeycomb", "primary blocks", "pink crayon", "teal mosaic",
    "sepia oils", "ochre etching", "hazy impressionist", "verdant brushwork", "blue watercolour",
    "stained glass", "cobalt drizzle", "red lattice", "sepia reeds", "starry swirls",
    "scarlet wash", "cut-paper pop", "black and red woodcut", "dusk photograph", "blue engraving",
    "tapestry weave")


class StyleError(ValueError):
    """A style that is not one we have, or a style image we cannot use; the message says what is allowed."""


# ----------------------------------------------------------------------------- which style
def builtin_index(name: str | int) -> int:
    """A built-in style by name ("ochre swirls"), index (7, "7") → its index 0–25."""
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        i = int(name)
    elif isinstance(name, str) and name.strip().isdigit():
        i = int(name.strip())
    elif isinstance(name, str) and name.strip().lower() in _BY_NAME:
        return _BY_NAME[name.strip().lower()]
    else:
        raise StyleError(f"Unknown style {str(name)[:40]!r}: use a built-in style's name or index 0–25 "
                         f"(see /styles), \"image\" for a style image, or \"optimise\"")
    if not 0 <= i < len(BUILTIN_NAMES):
        raise StyleError(f"Built-in style index must be 0–{len(BUILTIN_NAMES) - 1}, got {i}")
    return i


_BY_NAME = {n.lower(): i for i, n in enumerate(BUILTIN_NAMES)}


def style_weights(style) -> np.ndarray:
    """Built-in style(s) → blend weights w (26,), w ≥ 0, Σ w = 1.

    `style` is a name or index; a mapping {name or index: weight}; a list of names (equal weights); or a
    string "a:0.6, b:0.4" / "a + b" (weights optional, default 1)."""
    if isinstance(style, str) and re.search(r"[,+:]", style):
        parts = [p.strip() for p in re.split(r"[,+]", style) if p.strip()]
        pairs = []
        for p in parts:
            name, _, weight = p.rpartition(":") if ":" in p else (p, "", "1")
            try:
                pairs.append((name.strip(), float(weight)))
            except ValueError:
                raise StyleError(f"Bad blend weight in {p[:40]!r}: write e.g. \"3:0.6, 12:0.4\"") from None
        style = pairs
    elif isinstance(style, Mapping):
        style = list(style.items())
    elif isinstance(style, (list, tuple)):
        style = [(s, 1.0) for s in style]
    else:
        style = [(style, 1.0)]
    w = np.zeros(len(BUILTIN_NAMES), np.float32)
    for name, weight in style:
        if not (np.isfinite(weight) and weight >= 0):
            raise StyleError(f"Blend weights must be finite and ≥ 0, got {weight!r}")
        w[builtin_index(name)] += weight
    if w.sum() <= 0:
        raise StyleError("Pick at least one built-in style with a weight above 0")
    return w / w.sum()


# ----------------------------------------------------------------------------- image plumbing
def _check_rgb(img: np.ndarray, what: str) -> np.ndarray:
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise StyleError(f"{what} must be an (H, W, 3) uint8 RGB image, got shape {img.shape} dtype {img.dtype}")
    if min(img.shape[:2]) < MIN_SIDE:
        raise StyleError(f"{what} is only {img.shape[1]}×{img.shape[0]} px; it needs at least {MIN_SIDE} px "
                         "on each side")
    return img


def resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """Area when shrinking, Lanczos when enlarging. (H, W, C) uint8 or float32."""
    if img.shape[1] == w and img.shape[0] == h:
        return img
    shrink = w < img.shape[1]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LANCZOS4)


def fit(h: int, w: int, long_side: int) -> tuple[int, int]:
    s = long_side / max(h, w)
    return max(1, round(h * s)), max(1, round(w * s))


def _tensor(img: np.ndarray, device) -> torch.Tensor:
    """(H, W, 3) uint8 → (1, 3, H, W) float in [0, 1], channels-last in memory like the networks."""
    x = torch.from_numpy(np.require(img, requirements=["C", "W"])).to(device)[None].float().div_(255.0)  # (1, H, W, 3)
    return x.permute(0, 3, 1, 2)                                                                   # NHWC strides


def _uint8(x: torch.Tensor) -> np.ndarray:
    return (x[0].clamp(0, 1).permute(1, 2, 0) * 255.0 + 0.5).to(torch.uint8).cpu().numpy()   # (H, W, 3)


def keep_photo_colours(painted: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Luminance from the painting, chroma from the photo (Gatys et al. 2016, "Preserving color in neural
    artistic style transfer", luminance-only transfer): Y of one, Cr Cb of the other. The painting's Y is
    first moved to the photo's mean and spread (their eq. 1 luminance matching), so that a dark style does
    not darken the photo until its colours clip."""
    p = cv2.cvtColor(painted, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    c = cv2.cvtColor(photo, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    y = (p[..., 0] - p[..., 0].mean()) * (c[..., 0].std() / max(float(p[..., 0].std()), 1e-3)) + c[..., 0].mean()
    out = np.dstack([np.clip(y, 0, 255), c[..., 1:]]).round().astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_YCrCb2RGB)


def add_detail(upscaled: np.ndarray, photo: np.ndarray, work_long: int, amount: float) -> np.ndarray:
    """Add the photo's luminance detail finer than the working resolution to an upscaled painting:
    Y += amount · (Y_photo - blur(Y_photo)), blur σ ≈ one working-size pixel."""
    if amount <= 0 or max(photo.shape[:2]) <= work_long:
        return upscaled
    sigma = 0.5 * max(photo.shape[:2]) / work_long
    g = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY).astype(np.float32)
    hp = g - cv2.GaussianBlur(g, (0, 0), sigma)                                   # (H, W) high-pass
    out = upscaled.astype(np.float32) + amount * hp[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- the networks
@torch.no_grad()
def style_vector(registry, style_image: np.ndarray) -> torch.Tensor:
    """P(style image) → S (1, 100): the centre square at 256 px, on the registry's device."""
    img = _check_rgb(style_image, "The style image")
    h, w = img.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = resize(img[top:top + side, left:left + side], PREDICT_SIDE, PREDICT_SIDE)
    if float(square.astype(np.float32).std()) < 1.0:
        raise StyleError("The style image is a single flat colour; it has no brushwork or texture to "
                         "transfer. Use a painting, a texture or a photo with some structure.")
    net = registry.get(PREDICT)
    return net(_tensor(square, _device(net)))                                       # (1, 100)


def _device(net: torch.nn.Module) -> torch.device:
    return next(net.parameters()).device


@torch.no_grad()
def run_builtin(registry, photo: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """multistyle26 on the photo as it is (its size). (H, W, 3) uint8 → same."""
    net = registry.get(MULTISTYLE)
    dev = _device(net)
    return _uint8(net(_tensor(photo, dev), torch.from_numpy(weights).to(dev)))


@torch.no_grad()
def run_image(registry, photo: np.ndarray, s: torch.Tensor) -> np.ndarray:
    """The arbitrary-style transfer network T(photo, S) at the photo's size. (H, W, 3) uint8 → same."""
    net = registry.get(TRANSFORM)
    return _uint8(net(_tensor(photo, _device(net)), s))


# ----------------------------------------------------------------------------- painting
def paint(registry, photo: np.ndarray, style="image", *, style_image: np.ndarray | None = None,
          strength: float = 1.0, keep_colors: bool = False, size: int | None = None, work: int | None = None,
          detail: float = 0.5) -> np.ndarray:
    """Paint `photo` (H, W, 3) uint8 in `style`; returns (h, w, 3) uint8 with the photo's aspect and long side
    `size` (default: the photo's own, at most MAX_SIDE).

    style: "image" (paint like `style_image`, any picture) or built-in style(s) — see `style_weights`.
    strength α ∈ [0, 1]; keep_colors: keep the photo's colours (luminance-only transfer); work: the long side
    the network paints at (its brush scale); detail: how much of the photo's fine detail returns above it."""
    photo = _check_rgb(photo, "The photo")
    if not (isinstance(strength, (int, float)) and 0.0 <= strength <= 1.0):
        raise StyleError(f"strength must be between 0 and 1, got {strength!r}")
    h0, w0 = photo.shape[:2]
    long_out = min(int(size) if size else max(h0, w0), MAX_SIDE)
    if long_out < MIN_SIDE:
        raise StyleError(f"size must be at least {MIN_SIDE} px, got {long_out}")
    h, w = fit(h0, w0, long_out)
    by_image = isinstance(style, str) and style.strip().lower() == "image"
    long_work = min(long_out, int(work) if work else (IMAGE_WORK if by_image else BUILTIN_WORK))
    hw, ww = fit(h0, w0, max(long_work, MIN_SIDE))
    small = resize(photo, ww, hw)                                                   # what the network sees

    if by_image:
        if style_image is None:
            raise StyleError("Style \"image\" needs a style image: upload a painting, texture or photo")
        s = style_vector(registry, style_image)
        if strength < 1.0:          # Ghiasi et al. §4.3: S = α S_style + (1 - α) S_photo
            s = strength * s + (1.0 - strength) * style_vector(registry, photo)
        painted = _mix(small, run_image(registry, small, s), min(1.0, strength / FADE))
    else:                           # no photo vector here: mix the pixels
        painted = _mix(small, run_builtin(registry, small, style_weights(style)), strength)

    out_photo = resize(photo, w, h)
    out = resize(painted, w, h)
    out = add_detail(out, out_photo, max(hw, ww), detail * strength)
    if keep_colors:
        out = keep_photo_colours(out, out_photo)
    return out


def _mix(photo: np.ndarray, painted: np.ndarray, t: float) -> np.ndarray:
    """(1 - t) photo + t painting, uint8."""
    if t >= 1.0:
        return painted
    out = photo.astype(np.float32) + t * (painted.astype(np.float32) - photo.astype(np.float32))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def garment_rgb(garment: np.ndarray, size: int = 512) -> np.ndarray:
    """A (28, 28) uint8 garment (or any (H, W) / (H, W, 3) image) → a smooth (size, size·w/h, 3) RGB image:
    Lanczos enlargement, then a blur of about one source pixel, so no pixel grid or ringing is left for the
    style network to paint as texture."""
    g = np.asarray(garment)
    if g.dtype != np.uint8 or g.ndim not in (2, 3) or (g.ndim == 3 and g.shape[2] not in (1, 3)):
        raise StyleError(f"A garment must be an (H, W) or (H, W, 3) uint8 image, got {g.shape} {g.dtype}")
    if g.ndim == 3 and g.shape[2] == 1:
        g = g[..., 0]
    h, w = g.shape[:2]
    H, W = fit(h, w, size)
    big = cv2.resize(g, (W, H), interpolation=cv2.INTER_LANCZOS4)
    if H > 2 * h:
        big = cv2.GaussianBlur(big, (0, 0), 0.5 * H / h)
    return np.dstack([big] * 3) if big.ndim == 2 else big


def paint_garment(registry, garment: np.ndarray, style="image", strength: float = 1.0, size: int = 512, *,
                  style_image: np.ndarray | None = None, keep_colors: bool = False) -> np.ndarray:
    """A garment from the GAN, VAE or diffusion tabs ((28, 28) uint8, or a larger image), painted in
    `style`: smoothly enlarged to `size` px first (≥ 256), then painted at that size."""
    if not MIN_SIDE * 8 <= int(size) <= MAX_SIDE:
        raise StyleError(f"size must be between {MIN_SIDE * 8} and {MAX_SIDE} px, got {size}")
    rgb = garment_rgb(garment, int(size))
    return paint(registry, rgb, style, style_image=style_image, strength=strength, keep_colors=keep_colors,
                 size=int(size), work=int(size))


def thumbnail_path(i: int) -> Path:
    return THUMBNAILS / f"{i:02d}.jpg"


def render_thumbnails(registry, out_dir: Path = THUMBNAILS, width: int = 192) -> list[Path]:
    """One small JPEG per built-in style: assets/examples/cat.jpg (CC0) painted at 384 px, shown at `width`."""
    from PIL import Image

    cat = np.asarray(Image.open(Path(__file__).resolve().parents[2] / "assets" / "examples" / "cat.jpg")
                     .convert("RGB"))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(len(BUILTIN_NAMES)):
        img = Image.fromarray(paint(registry, cat, i, size=384))
        img = img.resize((width, round(width * img.height / img.width)), Image.LANCZOS)
        path = out_dir / f"{i:02d}.jpg"
        img.save(path, quality=88, optimize=True)
        paths.append(path)
    return paths
