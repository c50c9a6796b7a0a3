"""Benchmarks of the painting styles, used by ``python -m genart bench``.

A benchmark measures (wall-clock seconds, median of repeats); the tests check correctness.
Targets: every filter under 1 s on a 1024×1024 photo, neural transfer at 256 px / 200 steps
under 60 s — both on a 2-core CPU.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
FILTER_TARGET_S = 1.0
NEURAL_TARGET_S = 60.0


def _load(name: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """An example photo as (H, W, 3) uint8, optionally resized to size = (w, h)."""
    path = EXAMPLES / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; the benchmarks need the example images in assets/examples/")
    img = Image.open(path).convert("RGB")
    if size is not None:
        img = img.resize(size, Image.LANCZOS)
    return np.asarray(img)


def bench_filters(quick: bool = False) -> dict:
    """Median seconds per filter style on coffee.jpg resized to 1024×1024 (quick: 256 px, 1 repeat)."""
    from genart.styles.filters import STYLES, apply_style

    side, repeats = (256, 1) if quick else (1024, 5)
    img = _load("coffee.jpg", (side, side))  # (side, side, 3) uint8
    medians = {}
    for name in STYLES:
        apply_style(img[:64, :64], name)  # warm-up: first-call costs (allocators, OpenCV init)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            apply_style(img, name)
            times.append(time.perf_counter() - t0)
        medians[name] = round(float(np.median(times)), 4)
    return {"filters_1024px_median_s": medians, "target_s": FILTER_TARGET_S,
            "ok": all(t < FILTER_TARGET_S for t in medians.values()),
            "image_px": side, "repeats": repeats}


def bench_neural(quick: bool = False, device=None) -> dict:
    """Seconds for one neural transfer (cat.jpg in the style of style_gravel.jpg) at 256 px and
    200 steps (quick: 64 px, 10 steps), on ``device`` (default: CPU), with torch's current
    intra-op thread count (reported). Measure on an otherwise idle machine: with more busy
    threads than cores, OpenMP barriers stall and a 2-thread run can be 10-20x slower."""
    import torch

    from genart.styles.neural import transfer

    size, steps = (64, 10) if quick else (256, 200)
    content, style = _load("cat.jpg"), _load("style_gravel.jpg")
    t0 = time.perf_counter()
    for _ in transfer(content, style, steps=steps, size=size, every=steps, device=device):
        pass
    seconds = round(time.perf_counter() - t0, 3)
    return {"neural_256px_200it_s": seconds, "target_s": NEURAL_TARGET_S, "ok": seconds < NEURAL_TARGET_S,
            "size": size, "steps": steps, "torch_threads": torch.get_num_threads()}
