"""DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2): a second-order multistep solver of the
diffusion ODE in data-prediction form, over λ_t = log(α_t / σ_t).

    h_i = λ_{t_i} − λ_{t_{i−1}}
    first step (and the final step to clean):  D_i = x̂_0(t_{i−1})
    later steps:  r_i = h_{i−1} / h_i,   D_i = (1 + 1/(2 r_i)) x̂_0(t_{i−1}) − 1/(2 r_i) x̂_0(t_{i−2})
    x_{t_i} = (σ_{t_i} / σ_{t_{i−1}}) x_{t_{i−1}} − α_{t_i} (e^{−h_i} − 1) D_i
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from genart.diffusion.ddpm import abar
from genart.diffusion.schedules import Schedule


@dataclass
class History:
    x0_prev: torch.Tensor          # x̂_0 at the previous evaluation
    h_prev: float                  # the previous step size in λ


def _alpha_sigma_lambda(schedule: Schedule, t: int) -> tuple[float, float, float]:
    a = abar(schedule, t)
    alpha, sigma = a ** 0.5, (1 - a) ** 0.5
    return alpha, sigma, (math.log(alpha / sigma) if sigma > 0 else math.inf)


def dpmpp_2m_step(schedule: Schedule, x_t: torch.Tensor, t: int, s: int, x0: torch.Tensor,
                  history: History | None) -> tuple[torch.Tensor, History | None]:
    """One step t → s (s = −1: clean). Returns x_s and the history for the next step."""
    _, sigma_t, lam_t = _alpha_sigma_lambda(schedule, t)
    alpha_s, sigma_s, lam_s = _alpha_sigma_lambda(schedule, s)
    if sigma_s == 0:                                     # final step to clean data: first order gives x̂_0
        return x0, None
    h = lam_s - lam_t
    if history is None:
        d = x0
    else:
        r = history.h_prev / h
        d = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * history.x0_prev
    x_s = (sigma_s / sigma_t) * x_t - alpha_s * math.expm1(-h) * d
    return x_s, History(x0, h)
