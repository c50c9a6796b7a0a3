"""DDIM inversion (Song et al. 2020; Dhariwal & Nichol 2021): run the deterministic DDIM ODE backwards,
from a clean image x_0 to the x_T that DDIM (η = 0) would turn into it.

The DDIM step t → s (s < t) is  x_s = α_s x̂_0 + σ_s ε̂  with (x̂_0, ε̂) read at (x_t, t). Given x_s, the x_t
it came from satisfies (x̂_0 = (x_s − σ_s ε̂) / α_s):

    x_t = (α_t / α_s) (x_s − σ_s ε̂(x_t, t)) + σ_t ε̂(x_t, t)                      (exact inverse)

ε̂(x_t, t) needs the unknown x_t. Plain DDIM inversion reads it at the point we have, ε̂(x_s, s) (the step
from clean, s = −1, reads the clean image at t); `refine` > 0 then iterates the fixed point above that
many times, one more network evaluation each (Pan et al. 2023, "Effective Real Image Editing with
Accelerated Iterative Diffusion Inversion"), so that DDIM retraces the path more exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from genart.diffusion.ddpm import abar

Predict = Callable[[torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]     # (x, t) → (x̂_0, ε̂)


def invert_step(schedule, x_s: torch.Tensor, s: int, t: int, predict: Predict, refine: int = 0) -> torch.Tensor:
    """x_t from x_s (s < t; s = −1: x_s is the clean image)."""
    a_s, a_t = abar(schedule, s), abar(schedule, t)
    alpha_s, sigma_s, alpha_t, sigma_t = a_s ** 0.5, (1 - a_s) ** 0.5, a_t ** 0.5, (1 - a_t) ** 0.5
    _, eps = predict(x_s, s if s >= 0 else t)                     # plain DDIM inversion's reading
    x_t = (alpha_t / alpha_s) * (x_s - sigma_s * eps) + sigma_t * eps
    for _ in range(refine):
        _, eps = predict(x_t, t)                                  # fixed point of the exact inverse
        x_t = (alpha_t / alpha_s) * (x_s - sigma_s * eps) + sigma_t * eps
    return x_t


def invert(predict: Predict, schedule, x0: torch.Tensor, timesteps: list[int], refine: int = 0
           ) -> Iterator[tuple[int, torch.Tensor]]:
    """Walk the sampler's `timesteps` (decreasing, as `denoise` takes them) upwards from x0 (B, C, H, W);
    yield (t, x_t) at each, the last being x at timesteps[0] (x_T for a full run)."""
    x, s = x0, -1
    for t in reversed(timesteps):
        with torch.no_grad():
            x = invert_step(schedule, x, s, t, predict, refine)
        yield t, x
        s = t
