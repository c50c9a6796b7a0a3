"""DPM-Solver++(2M) SDE (Lu et al. 2022, "DPM-Solver++": the second-order multistep solver of the
diffusion SDE in data-prediction form, as in its released code and diffusers' "sde-dpmsolver++"): over
λ_t = log(α_t / σ_t), with h_i = λ_{t_i} − λ_{t_{i−1}},

    x_{t_i} = (σ_{t_i} / σ_{t_{i−1}}) e^{−h_i} x_{t_{i−1}} + α_{t_i} (1 − e^{−2h_i}) D_i
              + σ_{t_i} √(1 − e^{−2h_i}) z,                                z ~ N(0, I)

with the same D_i as the ODE solver (dpm_solver.py): D_i = x̂_0(t_{i−1}) on the first step and the
final step to clean, D_i = (1 + 1/(2r_i)) x̂_0(t_{i−1}) − 1/(2r_i) x̂_0(t_{i−2}), r_i = h_{i−1} / h_i,
otherwise (the "midpoint" form). The ODE's e^{−h} − 1 becomes e^{−2h} − 1 and fresh noise refills the
variance it removed: each step is exact for a point-mass data distribution, like DDIM with η = 1.
"""

from __future__ import annotations

import math

import torch

from genart.diffusion.dpm_solver import History, _alpha_sigma_lambda
from genart.diffusion.schedules import Schedule


def dpmpp_2m_sde_step(schedule: Schedule, x_t: torch.Tensor, t: int, s: int, x0: torch.Tensor,
                      history: History | None, noise: torch.Tensor | None) -> tuple[torch.Tensor, History | None]:
    """One step t → s (s = −1: clean, no noise). Returns x_s and the history for the next step."""
    _, sigma_t, lam_t = _alpha_sigma_lambda(schedule, t)
    alpha_s, sigma_s, lam_s = _alpha_sigma_lambda(schedule, s)
    if sigma_s == 0:                                     # final step to clean data: first order gives x̂_0
        return x0, None
    if noise is None:
        raise ValueError("a DPM-Solver++(2M) SDE step needs noise")
    h = lam_s - lam_t
    if history is None:
        d = x0
    else:
        r = history.h_prev / h
        d = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * history.x0_prev
    x_s = ((sigma_s / sigma_t) * math.exp(-h) * x_t - alpha_s * math.expm1(-2 * h) * d
           + sigma_s * math.sqrt(-math.expm1(-2 * h)) * noise)
    return x_s, History(x0, h)
