"""Discrete noise schedules and the forward process q(x_t | x_0).

    q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I),   ᾱ_t = Π_{s≤t} (1 − β_s)          (Ho et al. 2020, eq. 4)
    cosine:  ᾱ_t = f(t) / f(0),  f(t) = cos²(((t/T + s) / (1 + s)) · π/2)       (Nichol & Dhariwal 2021, eq. 17)

We write α_t = √ᾱ_t and σ_t = √(1 − ᾱ_t) (the "signal" and "noise" scales), SNR_t = α_t² / σ_t²,
λ_t = log(α_t / σ_t). The network predicts v = α_t ε − σ_t x_0 (Salimans & Ho 2022) or ε (Ho et al.
2020), as its config's `prediction` says; every sampler works from the x̂_0 and ε̂ that `split`
derives from the prediction. `schedule_for(config)` is the one way from a model's config (saved in
its model card) to its noise process: every sampler, trainer, evaluator and benchmark goes through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch


def _cpu(t):
    return t.cpu() if isinstance(t, torch.Tensor) else t


PREDICTIONS = ("v", "eps")


@dataclass(frozen=True)
class Schedule:
    alphas_cumprod: torch.Tensor          # ᾱ_t, (T,), float64, decreasing from ≈1 toward 0
    prediction: str = "v"                 # what the network outputs: "v" or "eps" (see `split`)

    @property
    def T(self) -> int:
        return len(self.alphas_cumprod)

    def alpha(self, t: torch.Tensor) -> torch.Tensor:
        """α_t = √ᾱ_t for integer timesteps t (any shape)."""
        return self.alphas_cumprod[_cpu(t)].sqrt()

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        """σ_t = √(1 − ᾱ_t)."""
        return (1 - self.alphas_cumprod[_cpu(t)]).sqrt()

    def snr(self, t: torch.Tensor) -> torch.Tensor:
        a = self.alphas_cumprod[_cpu(t)]
        return a / (1 - a)

    @property
    def betas(self) -> torch.Tensor:
        prev = torch.cat([torch.ones(1, dtype=self.alphas_cumprod.dtype), self.alphas_cumprod[:-1]])
        return 1 - self.alphas_cumprod / prev


def cosine_schedule(T: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> Schedule:
    t = torch.arange(T + 1, dtype=torch.float64)
    f = torch.cos(((t / T) + s) / (1 + s) * math.pi / 2) ** 2
    betas = (1 - f[1:] / f[:-1]).clamp(max=max_beta)
    return Schedule(torch.cumprod(1 - betas, 0))


def linear_schedule(T: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02) -> Schedule:
    betas = torch.linspace(beta_1, beta_T, T, dtype=torch.float64)
    return Schedule(torch.cumprod(1 - betas, 0))


SCHEDULES = {"cosine": cosine_schedule, "linear": linear_schedule}


def schedule_for(config) -> Schedule:
    """The noise process a model was trained with, from its config (`UNetConfig` or the model card's
    dict): `schedule` names the ᾱ_t curve, `T` its length, `prediction` what the network outputs."""
    get = config.get if isinstance(config, dict) else lambda k: getattr(config, k)
    name, T, prediction = get("schedule"), int(get("T")), get("prediction")
    if name not in SCHEDULES:
        raise ValueError(f"unknown noise schedule {name!r} in the model's config; known: {', '.join(SCHEDULES)}")
    if prediction not in PREDICTIONS:
        raise ValueError(f"unknown prediction {prediction!r} in the model's config; known: {', '.join(PREDICTIONS)}")
    return replace(SCHEDULES[name](T), prediction=prediction)


def _bcast(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v.to(like.dtype).to(like.device).view(-1, *([1] * (like.dim() - 1)))


def q_sample(schedule: Schedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t = α_t x_0 + σ_t ε;  x0, noise (B, C, H, W), t (B,) integer."""
    return _bcast(schedule.alpha(t), x0) * x0 + _bcast(schedule.sigma(t), x0) * noise


def v_target(schedule: Schedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """v = α_t ε − σ_t x_0."""
    return _bcast(schedule.alpha(t), x0) * noise - _bcast(schedule.sigma(t), x0) * x0


def split_v(schedule: Schedule, x_t: torch.Tensor, t: torch.Tensor, v: torch.Tensor):
    """From v̂ back to x̂_0 = α_t x_t − σ_t v̂ and ε̂ = σ_t x_t + α_t v̂ (α² + σ² = 1)."""
    a, s = _bcast(schedule.alpha(t), x_t), _bcast(schedule.sigma(t), x_t)
    return a * x_t - s * v, s * x_t + a * v


def target(schedule: Schedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """What the network learns to output: v (`v_target`) or ε itself, per `schedule.prediction`."""
    return v_target(schedule, x0, t, noise) if schedule.prediction == "v" else noise


def split(schedule: Schedule, x_t: torch.Tensor, t: torch.Tensor, out: torch.Tensor):
    """The network's output → (x̂_0, ε̂): `split_v` for v; for ε, x̂_0 = (x_t − σ_t ε̂) / α_t (Ho et al. eq. 15)."""
    if schedule.prediction == "v":
        return split_v(schedule, x_t, t, out)
    a, s = _bcast(schedule.alpha(t), x_t), _bcast(schedule.sigma(t), x_t)
    return (x_t - s * out) / a, out


def spaced_timesteps(T: int, steps: int, start: int | None = None) -> list[int]:
    """`steps` integer timesteps from `start` (default T − 1) down to 0, evenly spaced ("trailing")."""
    start = T - 1 if start is None else int(start)
    if not 1 <= steps <= start + 1:
        raise ValueError(f"steps must be between 1 and {start + 1}")
    ts = torch.linspace(start, 0, steps + 1)[:-1].round().long().tolist()
    return list(dict.fromkeys(ts))                    # strictly decreasing, duplicates removed
