"""Which timesteps a sampler visits: `steps` integer timesteps from `start` (default T − 1) down.

    uniform:  evenly spaced in t, trailing (t = start … ≈ start/steps; today's `spaced_timesteps`)
    logsnr:   evenly spaced in λ_t = log(α_t / σ_t) from λ_start to λ_0 (Lu et al. 2022, DPM-Solver's
              "logSNR" time steps)
    karras:   σ̃_i = (σ̃_max^{1/ρ} + i/(n−1) (σ̃_min^{1/ρ} − σ̃_max^{1/ρ}))^ρ, ρ = 7, σ̃ = σ/α, from σ̃_start to
              σ̃_0 (Karras et al. 2022, eq. 5)

The network was trained on integer timesteps, so logsnr and karras points are mapped to the nearest
integer timestep (in λ; λ = −log σ̃) and nudged to stay strictly decreasing: exactly `steps` distinct
timesteps whenever steps ≤ start + 1. Both end at t = 0 (σ̃_min, as in the papers), then the sampler's
last step goes to clean data; uniform ends at round(start/steps) as before.

Our cosine schedule ends at ᾱ_999 = 2.4·10⁻⁹ (σ̃_999 ≈ 2·10⁴, λ_999 = −9.9, λ_998 = −6.4), so both
spend their first few points on t = 999, 998, 997, …: with 10 steps, Karras' σ̃ puts 5 of them in
t ∈ [995, 999] (diffusers' fractional timesteps do the same), logsnr 3. Uniform-in-t is the better
default for this model; the others are here to see that, and for Heun (see karras.py).
"""

from __future__ import annotations

import torch

from genart.diffusion.schedules import Schedule, spaced_timesteps

SPACINGS = ("uniform", "logsnr", "karras")
RHO = 7.0


def log_snr(schedule: Schedule) -> torch.Tensor:
    """λ_t = log(α_t / σ_t) = ½ log SNR_t for every t, (T,) float64, decreasing."""
    a = schedule.alphas_cumprod
    return 0.5 * (a.log() - (1 - a).log())


def _nearest(lam: torch.Tensor, targets: torch.Tensor, start: int) -> list[int]:
    """Nearest integer timesteps (in λ) to target λs (increasing λ = decreasing t), strictly decreasing."""
    ts = [int((lam[: start + 1] - v).abs().argmin()) for v in targets.tolist()]
    n = len(ts)
    for i in range(1, n):                                        # strictly decreasing …
        ts[i] = min(ts[i], ts[i - 1] - 1)
    ts[-1] = max(ts[-1], 0)
    for i in range(n - 2, -1, -1):                               # … and never below 0
        ts[i] = max(ts[i], ts[i + 1] + 1)
    return ts


def karras_sigmas(schedule: Schedule, steps: int, start: int) -> torch.Tensor:
    """Karras et al. eq. 5: `steps` σ̃ from σ̃_start down to σ̃_0, ρ = 7; (steps,) float64."""
    lam = log_snr(schedule)
    s_max, s_min = (-lam[start]).exp(), (-lam[0]).exp()                  # σ̃ = σ / α = e^{−λ}
    ramp = torch.linspace(0, 1, steps, dtype=torch.float64)
    return (s_max ** (1 / RHO) + ramp * (s_min ** (1 / RHO) - s_max ** (1 / RHO))) ** RHO


def timesteps_for(schedule: Schedule, steps: int, spacing: str = "uniform", start: int | None = None) -> list[int]:
    """`steps` timesteps of `spacing` from `start` (default T − 1), decreasing."""
    if spacing not in SPACINGS:
        raise ValueError(f"spacing must be one of {', '.join(SPACINGS)}, not {str(spacing)[:40]!r}")
    if spacing == "uniform":
        return spaced_timesteps(schedule.T, steps, start)
    start = schedule.T - 1 if start is None else int(start)
    if not 1 <= steps <= start + 1:
        raise ValueError(f"steps must be between 1 and {start + 1}")
    if steps == 1:
        return [start]
    lam = log_snr(schedule)
    if spacing == "logsnr":
        targets = lam[start] + torch.linspace(0, 1, steps, dtype=torch.float64) * (lam[0] - lam[start])
    else:
        targets = -karras_sigmas(schedule, steps, start).log()
    return _nearest(lam, targets, start)
