"""A class-conditional diffusion model is a classifier (Li et al. 2023, "Your Diffusion Model is Secretly
a Zero-Shot Classifier"): by Bayes, log p(y | x) ≈ −E_{t,ε} ‖ε − ε̂_θ(x_t, t, y)‖² + const, so the class whose
condition denoises x best is the class x reads as. Every class is scored on the same (t, ε) draws (a paired
comparison: the noise's own difficulty cancels), drawn from a seeded generator (the same image, the same
answer). It lets Sketch, Invert and Repaint read what a drawing shows for any model a person trained, where
no separate classifier exists.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from genart.diffusion.schedules import Schedule, q_sample, split

DRAWS = 16                     # (t, ε) pairs per image; t evenly spread over [0.1 T, 0.9 T]
CHUNK = 64                     # network batch


@torch.no_grad()
def class_errors(model: Callable, schedule: Schedule, x0: torch.Tensor, num_classes: int,
                 generator: torch.Generator, draws: int = DRAWS) -> torch.Tensor:
    """x0 (1, C, H, W) in [-1, 1] → (num_classes,) mean ‖ε − ε̂(x_t, t, y)‖² over `draws` shared (t, ε)."""
    t = torch.linspace(0.1 * schedule.T, 0.9 * schedule.T, draws).round().long()                    # (D,)
    eps = torch.randn((draws, *x0.shape[1:]), generator=generator)                                  # (D, C, H, W)
    x_t = q_sample(schedule, x0.cpu().expand(draws, *x0.shape[1:]), t, eps).to(x0.device)          # (D, C, H, W)
    xs, ts = x_t.repeat(num_classes, 1, 1, 1), t.to(x0.device).repeat(num_classes)                 # (K·D, ...)
    ys = torch.arange(num_classes, device=x0.device).repeat_interleave(draws)                      # (K·D,)
    eps_hat = torch.cat([split(schedule, xs[i:i + CHUNK], ts[i:i + CHUNK],
                               model(xs[i:i + CHUNK], ts[i:i + CHUNK], ys[i:i + CHUNK]))[1]
                         for i in range(0, len(xs), CHUNK)])                                        # (K·D, C, H, W)
    err = (eps_hat.cpu() - eps.repeat(num_classes, 1, 1, 1)).pow(2).flatten(1).mean(1)              # (K·D,)
    return err.view(num_classes, draws).mean(1)


def read_class(model: Callable, schedule: Schedule, x0: torch.Tensor, num_classes: int, seed: int = 0) -> int:
    """The class x0 (1, C, H, W) reads as: the condition with the smallest denoising error."""
    return int(class_errors(model, schedule, x0, num_classes, torch.Generator().manual_seed(seed)).argmin())
