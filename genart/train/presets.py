"""Training presets for the Train tab and `python -m genart bench --only train`: per family and image shape,
the width, batch, learning rate and precision, and how many steps a "quick" (≈ 2 min) and a "standard"
(≈ 10–15 min) run take on 2 CPU cores.

Widths and step counts were sized from the img/s that `python -m genart bench --only train` measured
on the 2-core development machine (figures in the report of issue #16); a GPU runs the same steps
faster. Precision is fp32: on CPUs without AVX512-BF16, bf16 autocast is ~10× slower (VAE at 32 px:
19.5 against 1.9 s a step, measured), and on a GPU "auto" is bf16 anyway.
"""

from __future__ import annotations

SHAPES = ((28, 1), (32, 3), (64, 3))          # Fashion-MNIST as shipped; a folder at 32 px; a folder at 64 px

# family → (size, channels) → run values; "quick" / "standard" are step counts. Single-thread img/s measured
# on the development machine (train_step on random images; `python -m genart bench --only train` with
# OMP_NUM_THREADS=1), and the steps that take ≈ 2 min / ≈ 12 min at 1.4× that on 2 cores (1.45× measured
# for the 32-px GAN: 141 img/s on one thread, 204 on two):
#   gan 28/1 w32 206 · 32/3 w32 141 · 64/3 w24 86;  vae 28/1 w32 145 · 32/3 w16 344 · 64/3 w16 114;
#   diffusion 28/1 w32 62 · 32/3 w16 129 · 64/3 w16 37
PRESETS: dict[str, dict[tuple[int, int], dict]] = {
    "gan": {                                   # Adam β₁ = 0.5, lr 1e-3: see train/gan.py
        (28, 1): dict(width=32, batch_size=64, lr=1e-3, beta1=0.5, quick=500, standard=3000),
        (32, 3): dict(width=32, batch_size=64, lr=1e-3, beta1=0.5, quick=350, standard=2500),
        (64, 3): dict(width=24, batch_size=32, lr=1e-3, beta1=0.5, quick=450, standard=2500),
    },
    "vae": {
        (28, 1): dict(width=32, batch_size=64, lr=2e-3, quick=350, standard=2000),
        (32, 3): dict(width=16, batch_size=64, lr=2e-3, quick=800, standard=5000),
        (64, 3): dict(width=16, batch_size=32, lr=2e-3, quick=550, standard=3500),
    },
    "diffusion": {
        (28, 1): dict(width=32, batch_size=64, lr=1e-3, quick=150, standard=900),
        (32, 3): dict(width=16, batch_size=64, lr=1e-3, quick=300, standard=1800),
        (64, 3): dict(width=16, batch_size=32, lr=1e-3, quick=180, standard=1100),
    },
}


def preset(family: str, size: int, channels: int, kind: str = "quick") -> dict:
    """The run values of a preset: width, batch_size, lr, precision, steps (kind: quick or standard), and for the
    GAN Adam's beta1.
    A shape without its own preset takes the nearest larger one's (64 px gray: 64 px colour)."""
    table = PRESETS[family]
    key = (size, channels) if (size, channels) in table else min((k for k in table if k[0] >= size),
                                                                  key=lambda k: k[0])
    p = table[key]
    out = {"width": p["width"], "batch_size": p["batch_size"], "lr": p["lr"], "precision": "fp32", "steps": p[kind]}
    return {**out, "beta1": p["beta1"]} if "beta1" in p else out
