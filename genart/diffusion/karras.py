"""The σ-space Euler family (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based
Generative Models", Algorithm 1; k-diffusion's ancestral sampler): Euler, Euler ancestral and Heun.

Our process is variance-preserving: x_t = α_t x_0 + σ_t ε. Divided by α_t it becomes the
variance-exploding x̃ = x_t / α_t = x_0 + σ̃ ε with σ̃_t = σ_t / α_t = e^{−λ_t}, whose probability-flow
ODE is (Karras eq. 4, with σ(t) = t):

    dx̃/dσ̃ = (x̃ − D(x̃; σ̃)) / σ̃ = ε̂,      D = x̂_0 (the denoiser)

Every step maps x_t to x̃, takes the step in σ̃ and maps back, x_s = α_s x̃_s, as one affine map whose
coefficients are computed in float64: x̃ itself would reach σ̃_999 ≈ 2·10⁴ on our cosine schedule, where
float32 keeps only ~10⁻³ of absolute precision.

    Euler:           x̃_s = x̃_t + (σ̃_s − σ̃_t) d,   d = ε̂(x_t, t)
    Heun (2nd order): x̃' = Euler;  x̃_s = x̃_t + (σ̃_s − σ̃_t) (d + d') / 2,   d' = ε̂(α_s x̃', s);
                      the step to clean (σ̃_s = 0) is a plain Euler step (Karras Alg. 1, line 8)
    Euler ancestral: σ_↑ = √(σ̃_s² (σ̃_t² − σ̃_s²) / σ̃_t²),  σ_↓ = √(σ̃_s² − σ_↑²),
                      x̃_s = x̃_t + (σ_↓ − σ̃_t) d + σ_↑ z

In exact arithmetic Euler is DDIM (η = 0) and Euler ancestral is DDIM with η = 1, i.e. the DDPM
posterior (tests/test_diffusion.py checks both); they are here under the names people know.

Heun on uniform steps is unstable on our cosine schedule: σ̃_999 ≈ 2·10⁴, and its trapezoid over the first
step (to σ̃ ≈ 6 at 10 steps) averages two slopes that differ by O(s²/σ̃_s²), times a σ̃-interval of 2·10⁴.
diffusers' HeunDiscreteScheduler does exactly the same; logsnr spacing (spacing.py) keeps it second order.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from genart.diffusion.ddpm import abar

Predict = Callable[[torch.Tensor, int], tuple[torch.Tensor, torch.Tensor]]     # (x_s, s) → (x̂_0, ε̂)


def alpha_sigma_tilde(schedule, t: int) -> tuple[float, float]:
    """(α_t, σ̃_t = σ_t / α_t); t = −1 is clean: (1, 0)."""
    a = abar(schedule, t)
    return a ** 0.5, ((1 - a) / a) ** 0.5


def euler_step(schedule, x_t: torch.Tensor, t: int, s: int, eps: torch.Tensor) -> torch.Tensor:
    """One Euler step of the σ̃-ODE from t to s (s = −1: clean); d = ε̂.
    x_s = α_s (x_t / α_t + (σ̃_s − σ̃_t) ε̂)."""
    a_t, sg_t = alpha_sigma_tilde(schedule, t)
    a_s, sg_s = alpha_sigma_tilde(schedule, s)
    return (a_s / a_t) * x_t + (a_s * (sg_s - sg_t)) * eps


def euler_ancestral_step(schedule, x_t: torch.Tensor, t: int, s: int, eps: torch.Tensor,
                         noise: torch.Tensor | None) -> torch.Tensor:
    """Euler to σ_↓, then fresh noise of size σ_↑ (no noise on the step to clean).
    x_s = α_s (x_t / α_t + (σ_↓ − σ̃_t) ε̂ + σ_↑ z)."""
    a_t, sg_t = alpha_sigma_tilde(schedule, t)
    a_s, sg_s = alpha_sigma_tilde(schedule, s)
    sigma_up = (sg_s ** 2 * (sg_t ** 2 - sg_s ** 2) / sg_t ** 2) ** 0.5
    sigma_down = (sg_s ** 2 - sigma_up ** 2) ** 0.5
    x_s = (a_s / a_t) * x_t + (a_s * (sigma_down - sg_t)) * eps
    if sigma_up > 0:
        if noise is None:
            raise ValueError("an Euler ancestral step needs noise")
        x_s = x_s + (a_s * sigma_up) * noise
    return x_s


def heun_step(schedule, x_t: torch.Tensor, t: int, s: int, eps: torch.Tensor, predict: Predict) -> torch.Tensor:
    """Heun's method (Karras Alg. 1): an Euler step, then the average of the slopes at both ends.
    Calls `predict` once more (at x_s', s) unless s is clean.
    x_s = α_s (x_t / α_t + (σ̃_s − σ̃_t) (ε̂ + ε̂') / 2),  ε̂' = ε̂(x_s', s),  x_s' = Euler."""
    a_t, sg_t = alpha_sigma_tilde(schedule, t)
    a_s, sg_s = alpha_sigma_tilde(schedule, s)
    x_euler = (a_s / a_t) * x_t + (a_s * (sg_s - sg_t)) * eps
    if sg_s == 0:
        return x_euler
    _, eps_s = predict(x_euler, s)                                   # d' = ε̂(x_s', s)
    return (a_s / a_t) * x_t + (a_s * (sg_s - sg_t) / 2) * (eps + eps_s)
