"""The one sampling loop: every sampler, the UI's live view, the CLI and the evaluator use it.

`denoise` is a generator: it yields a `Step` after each sampler step (x_t, x̂_0, ε̂ and the next x),
so a caller can stream, record a timeline, or stop at once by closing it. Most samplers evaluate the
network once per step; Heun evaluates it a second time at the Euler point (x_s', s) before the step
ends: its Step still shows the first evaluation's x̂_0 / ε̂ at x_t, and `Step.nfe` says 2. UniPC's
corrector needs no extra evaluation; its Step's x_t is the point the network saw (see unipc.py). `sample` runs it
to the end with an optional `progress(i, n)` callable. Start mid-way (`start=k, x=x_k`) to rewind
and branch, or from a noised sketch (SDEdit) via `sdedit_start`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from genart.diffusion.ddim import ddim_step
from genart.diffusion.ddpm import ddpm_step
from genart.diffusion.dpm_solver import dpmpp_2m_step
from genart.diffusion.dpm_solver_sde import dpmpp_2m_sde_step
from genart.diffusion.karras import euler_ancestral_step, euler_step, heun_step
from genart.diffusion.schedules import Schedule, q_sample, split
from genart.diffusion.spacing import timesteps_for
from genart.diffusion.unipc import unipc_step

SAMPLERS = ("ddpm", "ddim", "dpm++2m", "euler", "euler_a", "heun", "dpm++2m_sde", "unipc")
STOCHASTIC = ("ddpm", "euler_a", "dpm++2m_sde")              # and ddim with η > 0: the seed changes the path
ModelFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]     # (x_t (B,C,H,W), t (B,)) → v̂ or ε̂


@dataclass
class Step:
    index: int                   # 0-based position in `timesteps`
    t: int                       # the timestep just evaluated
    x_t: torch.Tensor            # (B, C, H, W) input of this step
    x0: torch.Tensor             # predicted clean image x̂_0
    eps: torch.Tensor            # predicted noise ε̂
    x_next: torch.Tensor         # the sampler's output (at the next timestep, or clean after the last)
    nfe: int = 1                 # network evaluations this step took (Heun: 2 except on the step to clean)


def guided(model: Callable, labels: torch.Tensor, scale: float, null_label: int, rescale: float = 0.0) -> ModelFn:
    """Classifier-free guidance (Ho & Salimans 2022): v̂ = v̂_∅ + w (v̂_y − v̂_∅); w = 1: conditional only.
    `rescale` = φ of guidance rescale (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps
    are Flawed", §3.4): v̂_rescaled = v̂ · std(v̂_y) / std(v̂), per sample; v̂ ← φ v̂_rescaled + (1 − φ) v̂."""
    null = torch.full_like(labels, null_label)

    def fn(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if scale == 1.0 or bool((labels == null_label).all()):
            return model(x, t, labels)
        both = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([labels, null]))
        cond, uncond = both.chunk(2)
        out = uncond + scale * (cond - uncond)
        if rescale > 0:
            dims = list(range(1, out.dim()))
            rescaled = out * (cond.std(dim=dims, keepdim=True) / out.std(dim=dims, keepdim=True))
            out = rescale * rescaled + (1 - rescale) * out
        return out
    return fn


def predictor(model_fn: ModelFn, schedule: Schedule, clip: bool = True):
    """(x, t) → (x̂_0, ε̂) as the loop reads the network (for inversion.py and other walks of the process)."""
    return lambda x, t: _predict(model_fn, schedule, clip, x, t)


def _predict(model_fn: ModelFn, schedule: Schedule, clip: bool, x: torch.Tensor, t: int):
    """The network at (x, t) → (x̂_0, ε̂); clip: x̂_0 kept in the data range and ε̂ re-derived from it."""
    t_batch = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
    x0, eps = split(schedule, x, t_batch, model_fn(x, t_batch))
    if clip:
        x0 = x0.clamp(-1, 1)
        a, sg = schedule.alpha(t_batch).float(), schedule.sigma(t_batch).float()
        eps = (x - a.view(-1, 1, 1, 1).to(x.device) * x0) / sg.view(-1, 1, 1, 1).to(x.device)
    return x0, eps


def _noise(shape, generator: torch.Generator, device) -> torch.Tensor:
    return torch.randn(shape, generator=generator).to(device)       # drawn on the CPU: same bytes everywhere


def denoise(model_fn: ModelFn, schedule: Schedule, sampler: str, x: torch.Tensor, timesteps: list[int],
            generator: torch.Generator, eta: float = 0.0, start: int = 0,
            clip: bool = True) -> Iterator[Step]:
    """Run `sampler` over timesteps[start:] from x (= x at timesteps[start]); yield a Step per evaluation."""
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, not {sampler!r}")
    history = None                                        # a multistep solver's memory (dpm++2m*, unipc)

    def predict(x_s: torch.Tensor, s: int):
        return _predict(model_fn, schedule, clip, x_s, s)

    for i in range(start, len(timesteps)):
        t, s = timesteps[i], (timesteps[i + 1] if i + 1 < len(timesteps) else -1)
        nfe = 1
        # no_grad only around the computation: grad mode is per thread, and a streaming caller may
        # resume this generator in another thread, so never yield inside the context.
        with torch.no_grad():
            x0, eps = predict(x, t)
            if sampler == "ddpm":
                x_next = ddpm_step(schedule, x, t, s, x0, _noise(x.shape, generator, x.device))
            elif sampler == "ddim":
                noise = _noise(x.shape, generator, x.device) if eta > 0 else None
                x_next = ddim_step(schedule, x, t, s, x0, eps, eta, noise)
            elif sampler == "dpm++2m":
                x_next, history = dpmpp_2m_step(schedule, x, t, s, x0, history)
            elif sampler == "euler":
                x_next = euler_step(schedule, x, t, s, eps)
            elif sampler == "euler_a":
                x_next = euler_ancestral_step(schedule, x, t, s, eps,
                                              _noise(x.shape, generator, x.device) if s >= 0 else None)
            elif sampler == "heun":
                x_next, nfe = heun_step(schedule, x, t, s, eps, predict), (2 if s >= 0 else 1)
            elif sampler == "dpm++2m_sde":
                x_next, history = dpmpp_2m_sde_step(schedule, x, t, s, x0, history,
                                                    _noise(x.shape, generator, x.device) if s >= 0 else None)
            else:
                x_next, history = unipc_step(schedule, x, t, s, x0, history)
        yield Step(i, t, x, x0, eps, x_next, nfe)
        x = x_next


def sample(model_fn: ModelFn, schedule: Schedule, sampler: str, x_T: torch.Tensor, steps: int,
           generator: torch.Generator, eta: float = 0.0,
           progress: Callable[[int, int], None] | None = None, clip: bool = True,
           spacing: str = "uniform") -> torch.Tensor:
    """Denoise x_T over `steps` sampler steps spaced by `spacing` (spacing.py); return the clean sample."""
    timesteps = timesteps_for(schedule, steps, spacing)
    x = x_T
    for step in denoise(model_fn, schedule, sampler, x_T, timesteps, generator, eta, clip=clip):
        x = step.x_next
        if progress is not None:
            progress(step.index + 1, len(timesteps))
    return x


def sdedit_start(schedule: Schedule, x0: torch.Tensor, strength: float, steps: int,
                 generator: torch.Generator, spacing: str = "uniform") -> tuple[torch.Tensor, list[int]]:
    """SDEdit (Meng et al. 2022): noise a guide image to t₀ = strength · T and return (x_t₀, timesteps from t₀)."""
    if not 0.0 < strength <= 1.0:
        raise ValueError("strength must be in (0, 1]")
    t0 = max(0, min(schedule.T - 1, round(strength * schedule.T) - 1))
    timesteps = timesteps_for(schedule, max(1, min(steps, t0 + 1)), spacing, start=t0)
    t_batch = torch.full((x0.shape[0],), t0, dtype=torch.long)
    noise = _noise(x0.shape, generator, x0.device)
    return q_sample(schedule, x0, t_batch.to(x0.device), noise), timesteps


@torch.no_grad()
def project(model: Callable, schedule: Schedule, x0: torch.Tensor, t: int, k: int, null_label: int,
            generator: torch.Generator) -> torch.Tensor:
    """The model's unconditional reading of a guide image: noise x0 (1, C, H, W) to t with k draws and
    predict the clean image x̂_0 (k, C, H, W) with the null label — a sketch pulled onto the data manifold."""
    xs = x0.expand(k, *x0.shape[1:])
    tt = torch.full((k,), t, dtype=torch.long, device=x0.device)
    x_t = q_sample(schedule, xs, tt, _noise(xs.shape, generator, x0.device))
    out = model(x_t, tt, torch.full((k,), null_label, dtype=torch.long, device=x0.device))
    return split(schedule, x_t, tt, out)[0].clamp(-1, 1)
