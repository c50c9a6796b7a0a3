"""Training presets for the Train tab and `python -m genart bench --only train`: per family and image shape,
the width, batch, learning rate and precision, and how many steps a "quick" (≈ 2 min) and a "standard"
(≈ 10–15 min) run take on 2 CPU cores (figures below); a GPU runs the same steps faster. Precision is
"auto": fp32 on a CPU (without AVX512-BF16, bf16 autocast is ~10× slower: the VAE at 32 px took 19.5
against 1.9 s a step, measured here; the VAE and diffusion recipes say bf16), bf16 on a GPU.
"""

from __future__ import annotations

SHAPES = ((28, 1), (32, 3), (64, 3))          # Fashion-MNIST as shipped; a folder at 32 px; a folder at 64 px

# family → (size, channels) → run values; "quick" / "standard" are step counts, sized from single-thread
# img/s at 1.4× for 2 cores, i.e. conservatively: `OMP_NUM_THREADS=2 python -m genart bench --only train`
# on the development machine (nearly idle, load 1.8) measured img/s on 2 threads
#   gan 28/1 423 · 32/3 336 · 64/3 152;  vae 28/1 210 · 32/3 417 · 64/3 186;
#   diffusion 28/1 118 · 32/3 236 · 64/3 46
# so quick takes 1.1–2.1 min and standard 7.6–12.8 min there; under other jobs' load (three engineers on 2
# cores) a run got a third of that (the 32-px GAN: 105–127 img/s).
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
    out = {"width": p["width"], "batch_size": p["batch_size"], "lr": p["lr"], "precision": "auto", "steps": p[kind]}
    return {**out, "beta1": p["beta1"]} if "beta1" in p else out
