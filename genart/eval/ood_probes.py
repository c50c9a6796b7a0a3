"""Offline probes for the garment-likeness score (genart/eval/ood.py): things that are not garments, \
and sketches that are.

Every probe is a PIL image brought to the (28, 28) uint8 the models see by `garment_from_image`, as the
studio does with an upload (JPEGs first brought down to the studio's 1024 px, `GARMENT_SIDE` in
genart/ui/widgets.py). Randomness comes from an explicit `numpy.random.Generator`.

  photos         the example photos (assets/examples/*.jpg), whole
  photo crops    random crops of them, 8 %–60 % of the short side, aspect 1:2 to 2:1
  uniform noise  RGB noise, every pixel independent
  smooth noise   7×7 gray noise upscaled bicubically: soft blobs
  digits         MNIST-like digits 0–9 from jittered strokes, white on black (an MNIST upload)
  drawn digits   the same strokes dark on white, as a user draws on the sketchpad (outlines get filled)
  sketches       the six garment outlines of genart/data/designer_sketches.py: these ARE garments and should pass
  jittered sketches  each of them redrawn 20 times a little differently (`jitter_sketch`)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from genart.core.images import load_image
from genart.data.datasets import garment_from_image
from genart.data.designer_sketches import OUTLINES, sketch

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
STUDIO_SIDE = 1024                      # genart/ui/widgets.py GARMENT_SIDE: uploads are brought to this first
CANVAS = 280                            # drawings are made at the sketchpad's size


def garments(images: list[Image.Image]) -> np.ndarray:
    """PIL images → (N, 28, 28) uint8, exactly as the studio reads an upload or a sketch."""
    return np.stack([garment_from_image(im) for im in images])


def example_photos() -> dict[str, Image.Image]:
    """assets/examples/*.jpg as the studio decodes an upload: RGB, long side at most 1024 px."""
    return {p.stem: load_image(p, max_side=STUDIO_SIDE) for p in sorted(EXAMPLES.glob("*.jpg"))}


def photo_crops(photos: list[Image.Image], n: int, rng: np.random.Generator) -> list[Image.Image]:
    """n random crops, spread over the photos in turn: side 8–60 % of the photo's short side, aspect 1:2–2:1."""
    crops = []
    for i in range(n):
        im = photos[i % len(photos)]
        w, h = im.size
        side = rng.uniform(0.08, 0.6) * min(w, h)
        aspect = math.exp(rng.uniform(-math.log(2), math.log(2)))
        cw, ch = max(16, min(w, round(side * math.sqrt(aspect)))), max(16, min(h, round(side / math.sqrt(aspect))))
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        crops.append(im.crop((x, y, x + cw, y + ch)))
    return crops


def uniform_noise(n: int, rng: np.random.Generator, side: int = CANVAS) -> list[Image.Image]:
    return [Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)) for _ in range(n)]


def smooth_noise(n: int, rng: np.random.Generator, side: int = CANVAS, cells: int = 7) -> list[Image.Image]:
    return [Image.fromarray(rng.integers(0, 256, (cells, cells), dtype=np.uint8)).resize(
        (side, side), Image.Resampling.BICUBIC).convert("RGB") for _ in range(n)]


# ----------------------------------------------------------------------------- digits from strokes
def _ellipse(cx: float, cy: float, rx: float, ry: float, start: float = 0.0, end: float = 360.0,
             steps: int = 24) -> list[tuple[float, float]]:
    """Points of an elliptic arc in the unit square (y down), angles in degrees."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in np.linspace(start, end, steps)]


# Each digit: polylines in the unit square (x right, y down), roughly as a hand writes it.
DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_ellipse(0.5, 0.5, 0.28, 0.44)],
    "1": [[(0.38, 0.2), (0.52, 0.05), (0.52, 0.95)]],
    "2": [_ellipse(0.5, 0.3, 0.28, 0.24, 180, 380, 12) + [(0.2, 0.93), (0.84, 0.93)]],
    "3": [_ellipse(0.48, 0.28, 0.27, 0.22, 200, 450, 14), _ellipse(0.48, 0.72, 0.3, 0.23, 270, 520, 14)],
    "4": [[(0.62, 0.95), (0.62, 0.05), (0.15, 0.65), (0.86, 0.65)]],
    "5": [[(0.8, 0.06), (0.28, 0.06), (0.24, 0.45)] + _ellipse(0.5, 0.67, 0.3, 0.26, 235, 500, 16)],
    "6": [[(0.7, 0.05), (0.38, 0.35)] + _ellipse(0.5, 0.7, 0.27, 0.24, 200, 560, 20)],
    "7": [[(0.15, 0.07), (0.85, 0.07), (0.42, 0.95)]],
    "8": [_ellipse(0.5, 0.28, 0.23, 0.22), _ellipse(0.5, 0.72, 0.28, 0.23)],
    "9": [_ellipse(0.5, 0.3, 0.26, 0.23), [(0.76, 0.3), (0.7, 0.95)]],
}


def _affine(rng: np.random.Generator, rotate: float, shear: float, scale: tuple[float, float]) -> np.ndarray:
    """A random 2×2 linear map: rotation ±`rotate`°, shear ±`shear`, x-scale in `scale`."""
    a = math.radians(rng.uniform(-rotate, rotate))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return rot @ np.array([[rng.uniform(*scale), rng.uniform(-shear, shear)], [0.0, 1.0]])


def digit(name: str, rng: np.random.Generator, ink: str = "white", paper: str = "black") -> Image.Image:
    """One jittered handwritten-like digit on a CANVAS-px square: ink strokes 6–12 % of the height on paper."""
    m = _affine(rng, 12.0, 0.25, (0.7, 1.1))
    im = Image.new("RGB", (CANVAS, CANVAS), paper)
    draw = ImageDraw.Draw(im)
    width = round(rng.uniform(0.06, 0.12) * CANVAS * 0.7)
    for stroke in DIGITS[name]:
        pts = np.asarray(stroke) + rng.normal(0, 0.015, (len(stroke), 2))              # (P, 2) hand wobble
        pts = (pts - 0.5) @ m.T * 0.7 + 0.5                                            # (P, 2) slant, squash
        draw.line([(float(x) * CANVAS, float(y) * CANVAS) for x, y in pts], fill=ink, width=width, joint="curve")
    return im


def digits(n: int, rng: np.random.Generator, drawn: bool = False) -> list[Image.Image]:
    """n digits cycling 0–9: white on black (MNIST), or with `drawn` dark on white (the sketchpad)."""
    colours = {"ink": "black", "paper": "white"} if drawn else {}
    return [digit(str(i % 10), rng, **colours) for i in range(n)]


# ----------------------------------------------------------------------------- garment sketches, jittered
def jitter_sketch(sketch: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A dark-on-white sketch redrawn a little differently: rotation ±8°, shear ±0.15, x-scale 0.85–1.15,
    shifted up to 20 px, strokes thinned or thickened by one 3×3 filter pass."""
    from PIL import ImageFilter

    w, h = sketch.size
    m = _affine(rng, 8.0, 0.15, (0.85, 1.15))
    inv = np.linalg.inv(m)                                                     # PIL maps output → input
    shift = rng.uniform(-20, 20, 2)
    centre = np.array([w / 2, h / 2])
    offset = centre - inv @ (centre + shift)
    out = sketch.transform((w, h), Image.Transform.AFFINE,
                           (inv[0, 0], inv[0, 1], offset[0], inv[1, 0], inv[1, 1], offset[1]),
                           resample=Image.Resampling.BILINEAR, fillcolor="white")
    thickness = int(rng.integers(-1, 2))
    if thickness:
        out = out.filter(ImageFilter.MinFilter(3) if thickness > 0 else ImageFilter.MaxFilter(3))
    return out


def jittered_sketches(sketches: list[Image.Image], per_sketch: int, rng: np.random.Generator) -> list[Image.Image]:
    return [jitter_sketch(s, rng) for s in sketches for _ in range(per_sketch)]


def probe_sets(sketches: list[Image.Image], rng: np.random.Generator, n: int = 200,
               sketch_variants: int = 20) -> dict[str, tuple[np.ndarray, bool]]:
    """Every probe set as {name: ((N, 28, 28) uint8, is_garment)}; `sketches` are dark-on-white garment outlines."""
    photos = example_photos()
    sets: dict[str, Callable[[], list[Image.Image]]] = {
        "photos": lambda: list(photos.values()),
        "photo crops": lambda: photo_crops(list(photos.values()), n, rng),
        "uniform noise": lambda: uniform_noise(n, rng),
        "smooth noise": lambda: smooth_noise(n, rng),
        "digits": lambda: digits(n, rng),
        "drawn digits": lambda: digits(n, rng, drawn=True),
        "sketches": lambda: list(sketches),
        "jittered sketches": lambda: jittered_sketches(sketches, sketch_variants, rng),
    }
    return {name: (garments(make()), name.endswith("sketches")) for name, make in sets.items()}


def test_sketches() -> list[Image.Image]:
    """The six designer sketches (genart/data/designer_sketches.py; the tests draw them too)."""
    return [sketch(name) for name in OUTLINES]
