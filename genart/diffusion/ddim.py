"""DDIM step (Song et al. 2020, eq. 12), from timestep t to an earlier s (s = −1: clean).

    x_s = √ᾱ_s x̂_0 + √(1 − ᾱ_s − σ²) ε̂ + σ z
    σ = η · √((1 − ᾱ_s) / (1 − ᾱ_t)) · √(1 − ᾱ_t / ᾱ_s)                         (eq. 16)
η = 0 is the deterministic DDIM; η = 1 recovers the DDPM posterior variance.
"""

from __future__ import annotations

import torch

from genart.diffusion.ddpm import abar
from genart.diffusion.schedules import Schedule


def ddim_sigma(schedule: Schedule, t: int, s: int, eta: float) -> float:
    a_t, a_s = abar(schedule, t), abar(schedule, s)
    return eta * ((1 - a_s) / (1 - a_t)) ** 0.5 * (1 - a_t / a_s) ** 0.5


def ddim_step(schedule: Schedule, x_t: torch.Tensor, t: int, s: int, x0: torch.Tensor, eps: torch.Tensor,
              eta: float = 0.0, noise: torch.Tensor | None = None) -> torch.Tensor:
    a_s = abar(schedule, s)
    sigma = ddim_sigma(schedule, t, s, eta)
    x_s = a_s ** 0.5 * x0 + max(0.0, 1 - a_s - sigma ** 2) ** 0.5 * eps
    if sigma > 0:
        if noise is None:
            raise ValueError("a stochastic DDIM step (η > 0) needs noise")
        x_s = x_s + sigma * noise
    return x_s
