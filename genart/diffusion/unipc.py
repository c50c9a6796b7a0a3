"""UniPC (Zhao et al. 2023, "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of
Diffusion Models"): UniP-2 predictor + UniC corrector, data prediction, B(h) = e^{−h} − 1 ("bh2"), over
λ_t = log(α_t / σ_t). Steps t_{i−1} → t_i, h_i = λ_{t_i} − λ_{t_{i−1}}, m_i = x̂_0(x_{t_i}, t_i):

    predictor (UniP-p, in data-prediction form):
        x_{t_i} = (σ_{t_i} / σ_{t_{i−1}}) x^c_{t_{i−1}} − α_{t_i} (e^{−h_i} − 1) m_{i−1}
                  − α_{t_i} B(h_i) Σ_{k<p} ρ^p_k D_k,     D_1 = (m_{i−2} − m_{i−1}) / r_1,
                  r_1 = (λ_{t_{i−2}} − λ_{t_{i−1}}) / h_i,  ρ^p = (1/2) for p = 2
    corrector (UniC-p): once m_i is known, replace x_{t_i} by
        x^c_{t_i} = (σ_{t_i} / σ_{t_{i−1}}) x^c_{t_{i−1}} − α_{t_i} (e^{−h_i} − 1) m_{i−1}
                    − α_{t_i} B(h_i) (Σ_{k<p} ρ^c_k D_k + ρ^c_p (m_i − m_{i−1})),
        ρ^c = R_p^{−1} g_p,  R_p = [r_k^{j−1}] (r_p = 1), g_p from the φ-functions of −h_i over B(h_i)
        (`_g`, as in the paper's B(h) variant and diffusers); ρ^c = (1/2) for p = 1

The corrector costs no extra evaluation: it reuses m_i, which the next predictor needs anyway. The
first step and the final step to clean are first order (p = 1; the final one gives m_{i−1}).
In the one loop, a Step's x_t is the point the network saw (the predictor's output); the corrected
x^c_{t_i} that the next predictor starts from stays inside the solver state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from genart.diffusion.dpm_solver import _alpha_sigma_lambda
from genart.diffusion.schedules import Schedule


@dataclass
class UniPCState:
    x: torch.Tensor                 # x^c at the last timestep (corrected), where the predictor started
    t: int                          # that timestep
    m: torch.Tensor                 # x̂_0 there
    m_prev: torch.Tensor | None     # x̂_0 one timestep earlier (None after the first step)
    t_prev: int | None
    order: int                      # the predictor order p used from (x, t)


def _g(h: float, p: int) -> list[float]:
    """g_j = j! · hφ_{j+1}(hh) / B(h) for j = 1..p, hh = −h, with hφ_1 = e^{hh} − 1 (diffusers' b)."""
    hh = -h
    b_h = math.expm1(hh)
    phi, fact, out = math.expm1(hh) / hh - 1, 1, []
    for j in range(1, p + 1):
        out.append(phi * fact / b_h)
        fact *= j + 1
        phi = phi / hh - 1 / fact
    return out


def _update(schedule: Schedule, state: UniPCState, s: int, p: int, residual) -> torch.Tensor:
    """(σ_s / σ_t) x − α_s (e^{−h} − 1) m − α_s B(h) · residual(h, r_1, D_1)."""
    _, sigma_t, lam_t = _alpha_sigma_lambda(schedule, state.t)
    alpha_s, sigma_s, lam_s = _alpha_sigma_lambda(schedule, s)
    h = lam_s - lam_t
    x = (sigma_s / sigma_t) * state.x - alpha_s * math.expm1(-h) * state.m
    if p == 2:
        r1 = (_alpha_sigma_lambda(schedule, state.t_prev)[2] - lam_t) / h
        d1 = (state.m_prev - state.m) / r1
    else:
        r1, d1 = None, None
    return x - alpha_s * math.expm1(-h) * residual(h, r1, d1)


def corrector(schedule: Schedule, state: UniPCState, s: int, m_s: torch.Tensor) -> torch.Tensor:
    """UniC-p: the corrected x^c_s from the previous state and the new x̂_0 (m_s) at s."""
    def residual(h, r1, d1):
        if state.order == 1:
            return 0.5 * (m_s - state.m)
        g1, g2 = _g(h, 2)
        det = 1 - r1                                             # R = [[1, 1], [r_1, 1]]
        rho = ((g1 - g2) / det, (g2 - r1 * g1) / det)           # R⁻¹ g
        return rho[0] * d1 + rho[1] * (m_s - state.m)
    return _update(schedule, state, s, state.order, residual)


def unipc_step(schedule: Schedule, x_t: torch.Tensor, t: int, s: int, x0: torch.Tensor,
               state: UniPCState | None) -> tuple[torch.Tensor, UniPCState | None]:
    """One evaluation's worth of UniPC at t (x0 = m_t at x_t): correct x_t, then predict x_s.
    Returns x_s and the state for the next step (None after the final step to clean)."""
    if s < 0:                                                    # to clean: first order gives m_t itself
        return x0, None
    x_c = x_t if state is None else corrector(schedule, state, t, x0)
    order = 1 if state is None else 2
    new = UniPCState(x_c, t, x0, None if state is None else state.m, None if state is None else state.t, order)
    x_s = _update(schedule, new, s, order, lambda h, r1, d1: 0.5 * d1 if order == 2 else 0.0)
    return x_s, new
