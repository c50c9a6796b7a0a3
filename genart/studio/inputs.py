"""Reading what a request sends, without Gradio: numbers, whole numbers and seeds with a sentence for bad ones,
the label a model knows, an image's display scale and smooth enlargement, a blank canvas and its paper."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps

from genart.core.checkpoints import CheckpointError
from genart.core.images import upscale_nearest
from genart.core.paper import BLACK, WHITE, ink_for
from genart.data.datasets import garment_from_image, square
from genart.data.datasets import to_uint8 as pixels  # noqa: F401  (N, C, S, S) → (N, S, S) gray or (N, S, S, 3): the studio's name for it
from genart.studio.uploads import uploaded_image

SEED_LIMIT = 2 ** 53          # the browser's numbers are exact integers up to 2**53
GARMENT_SIDE = 1024           # a garment becomes 28 px: larger uploads are brought down to this first
BLANK_SIDE = 280


def blank_canvas(paper=WHITE) -> dict:
    """A Sketchpad value with a plain background of colour `paper`: with it the brush is active at once."""
    return {"background": np.full((BLANK_SIDE, BLANK_SIDE, 3), paper, np.uint8), "layers": [], "composite": None}


def paper_of(registry, name: str | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(paper, ink) of the canvas for model `name` (`genart.core.paper`): the 28-px grayscale kind (Fashion-MNIST's)
    is drawn dark on white and read inverted (`garment_of`); any other model gets the paper its card records
    (its training images' background) and the ink that stands out from it. White paper, black ink for a card
    without one (published before papers were recorded) and for a model the registry does not know."""
    try:
        card = registry.card(name) if name else {}
    except (CheckpointError, KeyError):              # an unknown model: its handlers say so
        card = {}
    if not card or image_shape(registry, name) == (1, 28) or not card.get("paper"):
        return WHITE, BLACK
    paper = tuple(int(c) for c in card["paper"][:3])
    return paper, ink_for(paper)


def is_blank(value) -> bool:
    """A Sketchpad value (preprocessed: file paths) with nothing drawn: no composite yet, or one colour."""
    path = (value or {}).get("composite") if isinstance(value, dict) else None
    if not path:
        return True
    try:
        with Image.open(path) as im:
            lo, hi = zip(*im.convert("RGB").getextrema())
    except OSError:                                   # unreadable: treat it as a drawing, and leave it alone
        return False
    return lo == hi


def _as_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        x = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number, got {str(value)[:40]!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return x


def number(value: Any, name: str, lo: float, hi: float) -> float:
    """A request's number in [lo, hi], or a sentence that says what is allowed."""
    x = _as_number(value, name)
    if not lo <= x <= hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {x:g}")
    return x


def whole(value: Any, name: str, lo: int, hi: int) -> int:
    """A request's whole number in [lo, hi] (an int, an integral float or a numeric string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    else:
        x = _as_number(value, name)
        if x != int(x):
            raise ValueError(f"{name} must be a whole number, got {x:g}")
        n = int(x)
    if not lo <= n <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {n}")
    return n


def seed_of(value: Any, name: str = "seed") -> int:
    return whole(value, name, -SEED_LIMIT, SEED_LIMIT)


def kept_label(registry, name: str, label: str | None) -> str:
    """`label` where model `name` has that class, else "any"."""
    return label if label in registry.classes(name) else "any"


def scale_for(size: int, target: int) -> int:
    """A whole enlargement that shows a `size`-px image at about `target` px (28 → 336 is ×12; 64 → ×5)."""
    return max(1, round(target / size))


def enlarge(image: np.ndarray, target: int) -> np.ndarray:
    """A model's (S, S[, 3]) image enlarged, crisp, to about `target` px (`scale_for`)."""
    return upscale_nearest(image, scale_for(image.shape[0], target))


def image_shape(registry, name: str) -> tuple[int, int]:
    """(channels, side) of a model's images, from its card's config (the shipped cards: 1, 28)."""
    config = registry.card(name).get("config") or {}
    return int(config.get("image_channels", 1)), int(config.get("image_size", 28))


def as_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, S, S) gray or (N, S, S, 3) colour → float (N, C, S, S) in [-1, 1]."""
    x = torch.from_numpy(np.array(images)).float().div(127.5).sub(1.0)
    return x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)


def drawing_on_canvas(file, paper=WHITE) -> dict:
    """An uploaded drawing (a scan or a photo of lines on paper) → the canvas's value: the drawing fitted
    into the square of colour `paper` as its background, to draw over."""
    im = ImageOps.contain(uploaded_image(file, "a drawing"), (BLANK_SIDE, BLANK_SIDE))
    canvas = Image.new("RGB", (BLANK_SIDE, BLANK_SIDE), tuple(paper))
    canvas.paste(im, ((BLANK_SIDE - im.width) // 2, (BLANK_SIDE - im.height) // 2))
    return {"background": np.asarray(canvas), "layers": [], "composite": None}


def drawing_hint(paper, upload: bool = True) -> str:
    """How to draw on a canvas of this paper (`upload`: the canvas has an upload button)."""
    hint = ("Draw dark lines on white" if ink_for(paper) == BLACK else
            "Draw light lines on this model's dark paper (the background of its training images)")
    return hint + (", or upload a drawing." if upload else ".")


def drawing_on_model_paper(registry, file, name: str) -> dict:
    return drawing_on_canvas(file, paper_of(registry, name)[0])


def sketch_or_image(value):
    """A request's Sketchpad value or upload payload → RGB PIL image (only files in the upload cache)."""
    return uploaded_image(value, "an image or a sketch", max_side=GARMENT_SIDE)


def garment_of(value):
    """A sketch, upload or path → the (28, 28) uint8 garment the models see; a blank canvas is an error,
    not an empty garment that a model would quietly read as something."""
    garment = garment_from_image(sketch_or_image(value))
    if not garment.any():
        raise ValueError("The picture is blank: draw some dark lines on the white canvas, or upload an image.")
    return garment


def model_input(registry, name: str, value) -> np.ndarray:
    """A request's image or sketch → what model `name` sees, uint8: a 28-px grayscale model (Fashion-MNIST's
    kind) gets the garment (`garment_of`, (28, 28)); any other the picture's centre square at its size,
    (S, S) gray or (S, S, 3) colour."""

    channels, size = image_shape(registry, name)
    if (channels, size) == (1, 28):
        return garment_of(value)
    rgb = square(sketch_or_image(value), size)                                     # (S, S, 3)
    return rgb if channels == 3 else np.asarray(Image.fromarray(rgb).convert("L"))
