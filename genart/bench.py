"""`python -m genart bench`: speed targets are measured here, never in timed tests.

Each section returns a dict with its measured figures, its target and `ok`. `--quick` runs tiny
sizes so that a test can check the benchmark itself still works.
"""

from __future__ import annotations

import platform
import time
from typing import Callable

import torch


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def bench_classifier(quick: bool = False) -> dict:
    from genart.registry import Registry
    model = Registry().get("classifier/fashion")
    x = torch.zeros(1, 1, 28, 28, device=next(model.parameters()).device)
    with torch.no_grad():
        s = median_seconds(lambda: model(x), 5 if quick else 50)
    return {"classify_one_ms": round(s * 1000, 2), "target_ms": 10, "ok": s < 0.010}


def _sections() -> dict[str, Callable[[bool], dict]]:
    from genart.bench_styles import bench_filters, bench_neural
    return {"filters": bench_filters, "neural": bench_neural, "classifier": bench_classifier}


def run_benchmarks(quick: bool = False, only: list[str] | None = None) -> dict:
    sections = _sections()
    unknown = set(only or []) - set(sections)
    if unknown:
        raise ValueError(f"unknown bench sections {sorted(unknown)}; choose from {sorted(sections)}")
    out: dict = {"machine": {"cpu_threads": torch.get_num_threads(), "python": platform.python_version(),
                             "torch": torch.__version__, "quick": quick}}
    for name, fn in sections.items():
        if not only or name in only:
            out[name] = fn(quick)
    return out
