"""Datasets: Fashion-MNIST from Debian's `dataset-fashion-mnist` package, or any folder of images.

Images are handed around as uint8 arrays (N, 28, 28) — light garment on a black background, as
Fashion-MNIST draws them — and become model tensors in [-1, 1] with `to_tensor`. A user's
picture or sketch (dark strokes on white, any size) is brought to that convention by
`garment_from_image`, so every model sees what it was trained on.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from genart.core.classes import FASHION_MNIST
from genart.core.images import ImageError, load_image

CLASSES = FASHION_MNIST
DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class DatasetMissing(FileNotFoundError):
    """The dataset is not installed where we look."""


def fashion_mnist_dir() -> Path:
    return Path(os.environ.get("GENART_DATA") or DEFAULT_DIR)


def _read_idx(path: Path, header: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header).copy()


def load_fashion_mnist(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) int64 of the `train` (60k) or `test` (10k) split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    root = fashion_mnist_dir()
    prefix = "train" if split == "train" else "t10k"
    images_path = root / f"{prefix}-images-idx3-ubyte.gz"
    labels_path = root / f"{prefix}-labels-idx1-ubyte.gz"
    if not images_path.is_file() or not labels_path.is_file():
        raise DatasetMissing(
            f"Fashion-MNIST not found in {root}: install it with "
            "`sudo apt-get install dataset-fashion-mnist`, or set GENART_DATA to a folder "
            "holding the four *-ubyte.gz files")
    images = _read_idx(images_path, 16).reshape(-1, 28, 28)
    labels = _read_idx(labels_path, 8).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{root}: {len(images)} images but {len(labels)} labels")
    return images, labels


def load_image_folder(root: Path | str, size: int = 28) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every image under `root` as (N, size, size) uint8 garments; labels from sub-folder names.

    Images directly in `root` get label 0 and class name "images".
    """

    root = Path(root)
    if not root.is_dir():
        raise DatasetMissing(f"{root} is not a folder of images")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DatasetMissing(f"{root} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    names = sorted({p.parent.relative_to(root).as_posix() or "images" for p in files})
    images, labels = [], []
    for p in files:
        images.append(garment_from_image(load_image(p), size))
        labels.append(names.index(p.parent.relative_to(root).as_posix() or "images"))
    return np.stack(images), np.asarray(labels, dtype=np.int64), names

def centre_box(w: int, h: int) -> tuple[int, int, int, int]:
    """The centre square of a w × h picture, as a PIL box (left, upper, right, lower)."""
    s = min(w, h)
    return (w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s


def square(image: Image.Image, size: int) -> np.ndarray:
    """Centre crop to a square, then Lanczos to size × size: (size, size, 3) uint8."""
    return np.asarray(image.convert("RGB").resize((size, size), Image.Resampling.LANCZOS,
                                                  box=centre_box(*image.size)))


def _square_file(path: Path, size: int, channels: int) -> np.ndarray:
    """One image file → (C, size, size) uint8: centre crop to a square, Lanczos to size (colour kept).

    JPEGs are decoded at a reduced scale (DCT scaling) when the picture is much larger than `size`."""
    try:
        image = load_image(path, max_side=max(4 * size, 128))
    except ImageError as e:
        raise ImageError(f"{path.name}: {e}") from None
    rgb = square(image, size)                                                  # (S, S, 3) uint8
    if channels == 1:
        return np.asarray(Image.fromarray(rgb).convert("L"))[None]             # (1, S, S)
    return rgb.transpose(2, 0, 1)                                              # (3, S, S)


def load_image_dataset(root: Path | str, size: int = 32, channels: int = 3,
                       workers: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every image under `root` → images uint8 (N, C, S, S), labels int64 (N,), class names.

    Sub-folders are classes (their paths relative to `root`, sorted); images directly in `root` are the
    class "images". Each picture is centre-cropped to a square and resized (Lanczos) to size × size;
    channels 3 keeps its colour, 1 converts it to luminance ("L"). Files are decoded on a thread pool
    (PIL releases the GIL while decoding and resizing)."""
    from concurrent.futures import ThreadPoolExecutor

    root = Path(root)
    if not root.is_dir():
        raise DatasetMissing(f"{root} is not a folder of images")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not files:
        raise DatasetMissing(f"{root} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    class_of = [p.parent.relative_to(root).as_posix() if p.parent != root else "images" for p in files]
    classes = sorted(set(class_of))
    workers = workers or min(8, (os.cpu_count() or 1) + 2)
    with ThreadPoolExecutor(workers) as pool:
        images = list(pool.map(lambda p: _square_file(p, size, channels), files))
    labels = np.asarray([classes.index(c) for c in class_of], dtype=np.int64)
    return np.stack(images), labels, classes


def training_set(data: str = "fashion-mnist", size: int = 28, channels: int = 1, classes: list[str] | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """What a trainer learns from: images float (N, C, S, S) in [-1, 1], labels int64 (N,) in 0..K−1 and the
    K class names. `data` is "fashion-mnist" (train split; resized with antialiasing when S ≠ 28, the gray
    repeated when C = 3) or a folder (`load_image_dataset`). `classes` keeps only those classes, in the
    order given, their labels renumbered 0..k−1."""
    if data == "fashion-mnist":
        raw, labels = load_fashion_mnist("train")
        names = list(CLASSES)
        for c in classes or []:
            if c not in names:
                raise ValueError(f"{c!r} is not a Fashion-MNIST class; choose from {', '.join(names)}")
        keep = np.isin(labels, [names.index(c) for c in classes]) if classes else slice(None)
        x, labels = to_tensor(raw[keep]), labels[keep]                             # (N, 1, 28, 28)
        if size != 28:
            x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", antialias=True,
                                                align_corners=False).clamp(-1, 1)
        x = x.repeat(1, channels, 1, 1) if channels != 1 else x
    else:
        raw, labels, names = load_image_dataset(data, size, channels)
        x = images_to_tensor(raw)
        for c in classes or []:
            if c not in names:
                raise ValueError(f"{c!r} is not a class of {Path(data).name}; its classes: {', '.join(names)}")
        if classes:
            keep = np.isin(labels, [names.index(c) for c in classes])
            x, labels = x[torch.from_numpy(keep)], labels[keep]
    if classes:
        remap = np.full(len(names), -1, dtype=np.int64)
        remap[[names.index(c) for c in classes]] = np.arange(len(classes))
        labels = remap[labels]
        names = list(classes)
    return x.contiguous(), torch.from_numpy(np.asarray(labels, dtype=np.int64)), names


def load_dataset(data: str = "fashion-mnist", split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """`fashion-mnist` (either split) or a folder of images (the same images for both splits)."""
    if data == "fashion-mnist":
        return load_fashion_mnist(split)
    images, labels, _ = load_image_folder(data)
    return images, labels


def face_left(crop: np.ndarray, threshold: float = 0.42) -> np.ndarray:
    """Mirror a cropped garment (H, W) whose upper half leans left, so shoes face left as in Fashion-MNIST.

    In the dataset a boot's shaft or a sneaker's heel is on the right: the mass centroid of the upper
    half sits at 0.66–0.72 of the width for shoes and at 0.50 for symmetric garments (test set means);
    at most 1.6 % of any clothing class and 4.5 % of sandals fall below 0.42, and mirroring those
    changes nothing a model cares about."""
    h, w = crop.shape
    column_mass = crop[:max(1, h // 2)].sum(0)                                       # (W,)
    centroid = float((column_mass * np.arange(w)).sum() / max(float(column_mass.sum()), 1e-6)) / max(w - 1, 1)
    return crop[:, ::-1] if centroid < threshold else crop


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) in [0, 255] → float (N, 1, 28, 28) in [-1, 1]."""
    return torch.from_numpy(np.array(images)).float().div(127.5).sub(1.0).unsqueeze(1)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float (N, 1, H, W) in [-1, 1] → uint8 (N, H, W); float (N, 3, H, W) → uint8 (N, H, W, 3)."""
    u = x.detach().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8).cpu()
    return u.squeeze(1).numpy() if u.shape[1] == 1 else u.permute(0, 2, 3, 1).numpy()


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, C, S, S) → float (N, C, S, S) in [-1, 1] (`to_tensor` for load_image_dataset's arrays)."""
    return torch.from_numpy(np.ascontiguousarray(images)).float().div(127.5).sub(1.0)


def garment_from_image(image: Image.Image, size: int = 28) -> np.ndarray:
    """Any picture → (size, size) uint8 garment, light on black, centred like Fashion-MNIST.

    A sketch (dark strokes on a light background) is inverted; the drawn content is cropped to
    its bounding box, mirrored if needed to face left like the dataset's shoes (`face_left`), its
    longer side scaled to `size`, and centred on black.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32)                     # (H, W)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    is_sketch = np.median(border) > 127                                           # light background
    if is_sketch:
        gray = 255.0 - gray
        border = 255.0 - border
    gray = np.clip(gray - np.median(border), 0, 255)
    if is_sketch:
        gray = _fill_outline(gray)
    mask = gray > 0.1 * max(float(gray.max()), 1.0)
    if not mask.any():
        return np.zeros((size, size), dtype=np.uint8)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    crop = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    crop = face_left(crop * (255.0 / max(float(crop.max()), 1.0)))               # full contrast, like the dataset
    h, w = crop.shape
    scale = size / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    resized = Image.fromarray(crop.astype(np.uint8)).resize((new_w, new_h), Image.Resampling.LANCZOS)
    out = np.zeros((size, size), dtype=np.uint8)
    top, left = (size - new_h) // 2, (size - new_w) // 2
    out[top:top + new_h, left:left + new_w] = np.asarray(resized)
    return out


def _fill_outline(strokes: np.ndarray) -> np.ndarray:
    """Light strokes on black (H, W) → the same with the regions they enclose filled in mid-gray.

    Fashion-MNIST garments are filled silhouettes; a designer draws outlines. Whatever the
    background flood fill cannot reach from the border lies inside the garment.
    """
    import cv2

    h, w = strokes.shape
    ink = (strokes > 0.25 * max(float(strokes.max()), 1.0)).astype(np.uint8)
    k = max(3, (max(h, w) // 100) | 1)                                            # close small gaps in the outline
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    outside = np.pad(1 - closed, 1, constant_values=1)                           # (H+2, W+2) free space
    mask = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(outside, mask, (0, 0), 2)
    inside = (outside[1:-1, 1:-1] == 1)
    return np.maximum(strokes, inside * 150.0)
