"""RePaint (Lugmayr et al. 2022, "RePaint: Inpainting using Denoising Diffusion Probabilistic Models"):
repaint the masked part of an image with an unconditionally trained model, consistent with the rest.

At every denoising step t → s (Alg. 1, lines 4–8) the known pixels are the image itself, noised to s,
and the unknown ones the sampler's step:

    x_s^known = α_s x_0 + σ_s ε,   x_s^unknown = sampler(x_t),   x_s = m ⊙ x_s^known + (1 − m) ⊙ x_s^unknown

(m = 1 where the image is kept). Resampling lets the two halves agree: after reaching level i the
schedule jumps back j levels, x_{t_{i−j}} ~ q(x_{t_{i−j}} | x_{t_i}) = N(√(ᾱ_{i−j}/ᾱ_i) x, (1 − ᾱ_{i−j}/ᾱ_i) I),
and denoises again; each jump point is revisited r − 1 times ("jump length" j, "resamplings" r; the paper
uses j = 10, r = 10 on 250 steps). Each denoising move is one step of the one loop (`denoise` over
[t, s]), so any sampler works, its multistep memory reset at every move; DDPM is the paper's.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from genart.diffusion.ddpm import abar
from genart.diffusion.sampling import ModelFn, Step, _noise, denoise
from genart.diffusion.schedules import Schedule

JUMP, RESAMPLE = 5, 5          # the studio's: on 50 steps, 230 denoising moves (the paper: 10, 10 on 250 steps)


def jump_schedule(n: int, jump: int, resample: int) -> list[tuple[int, int]]:
    """Moves between levels 0 … n (level i = timesteps[i], level n = clean) as (from, to) pairs: to = from + 1
    denoises, to < from jumps back. After the paper's `get_schedule_jump` (jump points every j levels,
    each revisited r − 1 times), counted in t = n − level, with no jump from clean data."""
    left = dict.fromkeys(range(0, n - jump, jump), resample - 1)        # jump points, counted in t = n − level
    moves, t = [], n
    while t >= 1:
        moves.append((n - t, n - t + 1))
        t -= 1
        if left.get(t, 0) > 0 and t > 0:
            left[t] -= 1
            moves.append((n - t, n - t - jump))
            t += jump
    return moves


def repaint(model_fn: ModelFn, schedule: Schedule, sampler: str, x0: torch.Tensor, keep: torch.Tensor,
            timesteps: list[int], generator: torch.Generator, jump: int = JUMP, resample: int = RESAMPLE
            ) -> Iterator[Step]:
    """x0 (B, C, H, W) in [-1, 1]; keep (B or 1, 1, H, W), 1 = keep the image's pixel; yields a Step per
    denoising move (its index counts moves) and ends on clean data, equal to x0 wherever keep = 1."""
    levels = [*timesteps, -1]
    n = len(timesteps)
    x = _noise(x0.shape, generator, x0.device)                                     # x_T (the start: pure noise)
    x = keep * (abar(schedule, levels[0]) ** 0.5 * x0 + (1 - abar(schedule, levels[0])) ** 0.5 * x) + (1 - keep) * x
    k = 0                                                                          # denoising moves so far
    for i, j in jump_schedule(n, jump, resample):
        if j < i:                                                                  # resample: back to level j
            a = abar(schedule, levels[j]) / abar(schedule, levels[i])
            x = a ** 0.5 * x + (1 - a) ** 0.5 * _noise(x.shape, generator, x.device)
            continue
        step = next(denoise(model_fn, schedule, sampler, x, levels[i:j + 1] if j < n else [levels[i]], generator))
        s = levels[j]
        known = x0 if s < 0 else abar(schedule, s) ** 0.5 * x0 + (1 - abar(schedule, s)) ** 0.5 * _noise(
            x0.shape, generator, x0.device)
        x = keep * known + (1 - keep) * step.x_next
        yield Step(k, step.t, step.x_t, step.x0, step.eps, x, step.nfe)
        k += 1
