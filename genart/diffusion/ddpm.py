"""DDPM ancestral step (Ho et al. 2020), generalised to a jump from timestep t to an earlier s.

    q(x_s | x_t, x_0) = N(μ̃, β̃ I)                                   (Ho et al. eq. 6–7, with t−1 → s)
    μ̃ = √ᾱ_s β_{t|s} / (1 − ᾱ_t) · x_0 + √α_{t|s} (1 − ᾱ_s) / (1 − ᾱ_t) · x_t
    β̃ = (1 − ᾱ_s) / (1 − ᾱ_t) · β_{t|s},   α_{t|s} = ᾱ_t / ᾱ_s,   β_{t|s} = 1 − α_{t|s}
The sampler plugs in the network's x̂_0. s = −1 means "clean" (ᾱ_s = 1): the step returns x̂_0.
"""

from __future__ import annotations

import torch

from genart.diffusion.schedules import Schedule


def abar(schedule: Schedule, t: int) -> float:
    return 1.0 if t < 0 else float(schedule.alphas_cumprod[t])


def posterior(schedule: Schedule, t: int, s: int) -> tuple[float, float, float]:
    """Coefficients (c_x0, c_xt, variance) of q(x_s | x_t, x_0) = N(c_x0 x_0 + c_xt x_t, variance)."""
    a_t, a_s = abar(schedule, t), abar(schedule, s)
    alpha_ts = a_t / a_s
    beta_ts = 1 - alpha_ts
    c_x0 = a_s ** 0.5 * beta_ts / (1 - a_t)
    c_xt = alpha_ts ** 0.5 * (1 - a_s) / (1 - a_t)
    return c_x0, c_xt, (1 - a_s) / (1 - a_t) * beta_ts


def ddpm_step(schedule: Schedule, x_t: torch.Tensor, t: int, s: int, x0: torch.Tensor,
              noise: torch.Tensor) -> torch.Tensor:
    """x_s ~ q(x_s | x_t, x̂_0): posterior mean plus √β̃ · noise."""
    c_x0, c_xt, var = posterior(schedule, t, s)
    return c_x0 * x0 + c_xt * x_t + var ** 0.5 * noise
