"""What every benchmark shares: the GPU's clock, significant figures, a median over timed blocks, the example
photos."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"


def sync() -> None:
    """Wait for the GPU's queued work, so that a host clock read after it counts it (no-op on the CPU)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def significant(x: float, digits: int = 4) -> float:
    """x to `digits` significant figures: a CPU's 0.0163 TFLOP/s keeps its precision as an H200's 31.8 does."""
    return float(f"{x:.{digits}g}")


def median_seconds(fn: Callable[[], object], min_run_time: float) -> tuple[float, int]:
    """Median seconds per call of fn() over at least `min_run_time` seconds of timed blocks (after the
    warm-up that sizes them), with torch's current thread count; and how many calls were timed."""
    from torch.utils import benchmark
    timer = benchmark.Timer(stmt="fn()", globals={"fn": fn}, num_threads=torch.get_num_threads())
    m = timer.blocked_autorange(min_run_time=min_run_time)
    return m.median, len(m.raw_times) * m.number_per_run


def load_example(name: str, size: tuple[int, int] | None = None) -> np.ndarray:
    """An example photo as (H, W, 3) uint8, optionally resized to size = (w, h)."""
    path = EXAMPLES / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; the benchmarks need the example images in assets/examples/")
    img = Image.open(path).convert("RGB")
    if size is not None:
        img = img.resize(size, Image.LANCZOS)
    return np.asarray(img)
