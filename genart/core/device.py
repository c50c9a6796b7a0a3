"""The one place that asks which accelerator exists: cuda > mps > cpu, chosen once.

`GENART_DEVICE` (e.g. "cpu", "cuda") overrides the choice. Everything else in the studio
receives the device from here (through the Registry) and never names one itself.
"""

from __future__ import annotations

import functools
import os

import torch

from genart.core.settings import env_whole


def _detect() -> torch.device:
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve(name: str | None) -> torch.device:
    """The device for `name` ("cpu", "cuda", "mps" or None/"" for auto), with a clear error if it is absent."""
    if not name or name == "auto":
        return _detect()
    try:
        device = torch.device(name)
    except RuntimeError as e:
        raise ValueError(f"GENART_DEVICE={name!r} is not a device name; use cpu, cuda or mps") from e
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("GENART_DEVICE asks for cuda, but torch sees no CUDA GPU; unset it or use cpu")
    if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ValueError("GENART_DEVICE asks for mps, but it is not available here; unset it or use cpu")
    return device


@functools.cache
def get_device() -> torch.device:
    """The studio's device, decided once per process (and made reproducible: `reproducible`)."""
    device = resolve(os.environ.get("GENART_DEVICE"))
    reproducible(device)
    return device


def reproducible(device: torch.device) -> None:
    """Same inputs, same bytes on a GPU too (the promise of /replay): cuDNN and cuBLAS restricted to
    deterministic kernels (cuBLAS through its workspace setting, read when CUDA starts). On an H200 without
    this, one DDIM sample asked for twice came back with different bytes, and /replay of three diffusion
    records failed (tests/test_records.py, run there with GENART_DEVICE=cuda); with it, a one-image call took
    1.4–1.8× as long (docs/benchmarks.md, the H200 section). A no-op on the CPU; `GENART_REPRODUCIBLE=0`
    turns it off."""
    if device.type != "cuda" or os.environ.get("GENART_REPRODUCIBLE", "1") == "0":
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


def serving_threads() -> int:
    """Compute threads for the studio's server: all cores but one (at least one), so that a painting or
    a diffusion run leaves a core for the web server and the quick lane. `GENART_THREADS` overrides.
    Applies to torch's intra-op pool and OpenCV's; training and benchmarks keep their own settings."""
    n = env_whole("GENART_THREADS", max(1, (os.cpu_count() or 1) - 1), 1, 1024, "the compute threads")
    torch.set_num_threads(n)
    import cv2
    cv2.setNumThreads(n)
    return n
