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

# family → (size, channels) → run values; "quick" / "standard" are step counts
PRESETS: dict[str, dict[tuple[int, int], dict]] = {
    "gan": {
        (28, 1): dict(width=32, batch_size=64, lr=2e-4, quick=600, standard=4000),
        (32, 3): dict(width=32, batch_size=64, lr=2e-4, quick=500, standard=3000),
        (64, 3): dict(width=24, batch_size=32, lr=2e-4, quick=300, standard=2000),
    },
    "vae": {
        (28, 1): dict(width=32, batch_size=64, lr=2e-3, quick=300, standard=2000),
        (32, 3): dict(width=16, batch_size=64, lr=2e-3, quick=300, standard=2000),
        (64, 3): dict(width=16, batch_size=32, lr=2e-3, quick=200, standard=1200),
    },
    "diffusion": {
        (28, 1): dict(width=32, batch_size=64, lr=1e-3, quick=300, standard=2000),
        (32, 3): dict(width=16, batch_size=64, lr=1e-3, quick=300, standard=2000),
        (64, 3): dict(width=16, batch_size=32, lr=1e-3, quick=150, standard=1000),
    },
}


def preset(family: str, size: int, channels: int, kind: str = "quick") -> dict:
    """The run values of a preset: width, batch_size, lr, precision and steps (kind: quick or standard).
    A shape without its own preset takes the nearest larger one's (64 px gray: 64 px colour)."""
    table = PRESETS[family]
    key = (size, channels) if (size, channels) in table else min((k for k in table if k[0] >= size),
                                                                  key=lambda k: k[0])
    p = table[key]
    return {"width": p["width"], "batch_size": p["batch_size"], "lr": p["lr"], "precision": "fp32",
            "steps": p[kind]}
