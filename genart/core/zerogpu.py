"""ZeroGPU on Hugging Face Spaces: `spaces.GPU` around the work of a request, a no-op elsewhere.

On a ZeroGPU Space (`SPACES_ZERO_GPU=true`) a GPU is attached only while a function decorated with
`spaces.GPU` runs, and `spaces` must be imported before torch initialises CUDA — so `app.py`
imports this module first. Everywhere else (a CPU Space, a local GPU, CI) `gpu(fn)` returns `fn`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

ZERO_GPU = os.environ.get("SPACES_ZERO_GPU", "").lower() == "true"

try:                                  # preinstalled on Spaces; absent locally
    import spaces as _spaces
except ImportError:
    _spaces = None


def gpu(fn: Callable, duration: int = 120) -> Callable:
    """`fn` running with a ZeroGPU allocation of up to `duration` s (generators too); else `fn` itself."""
    if ZERO_GPU and _spaces is not None:
        return _spaces.GPU(duration=duration)(fn)
    return fn
