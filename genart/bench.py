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


def bench_classifier(registry, quick: bool = False) -> dict:
    model = registry.get("classifier/fashion")
    x = torch.zeros(1, 1, 28, 28, device=next(model.parameters()).device)
    with torch.no_grad():
        s = median_seconds(lambda: model(x), 5 if quick else 50)
    return {"classify_one_ms": round(s * 1000, 2), "target_ms": 10, "ok": s < 0.010}


def bench_vae(registry, quick: bool = False) -> dict:
    """Decoding one latent: what a slider move costs."""
    vae = registry.get("vae/fashion")
    z = vae.sample_prior(1, torch.Generator().manual_seed(0)).to(vae.pca_mean.device)
    with torch.no_grad():
        s = median_seconds(lambda: vae.decode(z), 5 if quick else 100, warmup=3)
    return {"decode_one_ms": round(s * 1000, 2), "target_ms": 10, "ok": s < 0.010}


def bench_gan(registry, quick: bool = False) -> dict:
    """One image and a 4×4 grid, from seeds (latents + generator), as the tab makes them."""
    from genart.models.gan import class_for, latent, render
    G = registry.get("gan/fashion")

    def make(seeds):
        z = torch.stack([latent(s, G.config.z_dim) for s in seeds])
        return render(G, z, torch.tensor([class_for(s, None) for s in seeds]))

    reps = 5 if quick else 50
    one, grid = median_seconds(lambda: make([0]), reps, 3), median_seconds(lambda: make(range(16)), reps, 3)
    return {"one_image_ms": round(one * 1000, 2), "grid_4x4_ms": round(grid * 1000, 2),
            "target_ms": {"one": 10, "grid": 50}, "ok": one < 0.010 and grid < 0.050}


def bench_diffusion(registry, quick: bool = False) -> dict:
    """A DDIM-25 guided sample of one image, streamed step by step as the tab does."""
    from genart.diffusion.sampling import denoise, guided
    from genart.diffusion.schedules import schedule_for, spaced_timesteps
    unet = registry.get("diffusion/fashion")
    sched = schedule_for(unet.config)
    steps = 5 if quick else 25

    def run():
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 1, 28, 28, generator=g).to(next(unet.parameters()).device)
        fn = guided(unet, torch.tensor([3], device=x.device), 2.0, unet.config.num_classes)
        with torch.no_grad():
            for _ in denoise(fn, sched, "ddim", x, spaced_timesteps(sched.T, steps), g):
                pass

    s = median_seconds(run, 2 if quick else 5)
    return {f"ddim{steps}_guided_one_image_s": round(s, 3), "target_s": 1.5, "ok": s < 1.5}


def _sections(registry) -> dict[str, Callable[[bool], dict]]:
    from genart.bench_styles import bench_filters, bench_neural
    models = {"classifier": bench_classifier, "vae": bench_vae, "gan": bench_gan, "diffusion": bench_diffusion}
    return {"filters": bench_filters, "neural": bench_neural,
            **{name: (lambda quick, fn=fn: fn(registry, quick)) for name, fn in models.items()}}


def run_benchmarks(quick: bool = False, only: list[str] | None = None, registry=None) -> dict:
    """Every section (or `only` those), the models from `registry` (default: the shipped checkpoints)."""
    from genart.registry import Registry
    sections = _sections(registry or Registry())
    unknown = set(only or []) - set(sections)
    if unknown:
        raise ValueError(f"unknown bench sections {sorted(unknown)}; choose from {sorted(sections)}")
    out: dict = {"machine": {"cpu_threads": torch.get_num_threads(), "python": platform.python_version(),
                             "torch": torch.__version__, "quick": quick}}
    from genart.checkpoints import CheckpointError
    for name, fn in sections.items():
        if not only or name in only:
            try:
                out[name] = fn(quick)
            except CheckpointError as e:                 # a family not trained yet: say so, don't fail the rest
                out[name] = {"skipped": str(e), "ok": False}
    return out
