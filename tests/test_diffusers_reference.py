"""Our samplers against Hugging Face diffusers' schedulers, a test-only reference (requirements-dev.txt).

Identical inputs: the betas of our cosine schedule (`trained_betas`), v-prediction, the same timesteps,
the same x_T, the same fixed "network" and, for the stochastic samplers, the same noise draws. diffusers
keeps ᾱ_t in float32 where we keep float64 (relative difference up to 1.3e-5), so the paths agree to
float32 precision, not bit for bit.
"""

import pytest
import torch

from genart.diffusion.sampling import denoise
from genart.diffusion.schedules import cosine_schedule, spaced_timesteps

diffusers = pytest.importorskip("diffusers")

S = cosine_schedule(1000)
TOLERANCE = 1e-4                  # max |Δ| measured with diffusers 0.42.1: see each test's docstring


def network(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """A fixed smooth stand-in for v̂(x_t, t): nonlinear in x, varying with t, x̂_0 sometimes outside [−1, 1]."""
    return 0.8 * torch.tanh(1.5 * x) * torch.cos(t.float() / 300).view(-1, 1, 1, 1) + 0.1 * x.mean()


def scheduler(cls, **config):
    return cls(num_train_timesteps=1000, trained_betas=S.betas.numpy(), prediction_type="v_prediction", **config)


def x_T() -> torch.Tensor:
    return torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def ours(sampler: str, timesteps: list[int], clip: bool, eta: float = 0.0) -> torch.Tensor:
    x = x_T()
    for step in denoise(network, S, sampler, x, timesteps, torch.Generator().manual_seed(1), eta=eta, clip=clip):
        x = step.x_next
    return x


def theirs(sched, timesteps, noise_for_step=None, **step_kw) -> torch.Tensor:
    x, g = x_T(), torch.Generator().manual_seed(1)
    for t in timesteps:
        out = network(x, torch.full((x.shape[0],), int(t)))
        kw = dict(step_kw)
        if noise_for_step == "variance_noise":
            kw["variance_noise"] = torch.randn(x.shape, generator=g)          # DDIM takes the noise as an argument
        elif noise_for_step == "generator":
            kw["generator"] = g                                              # DDPM draws it: randn(shape, g)
        x = sched.step(out, int(t), x, **kw).prev_sample
    return x


@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_ddim_matches_diffusers_ddim_scheduler(eta):
    """DDIMScheduler (trailing spacing, x̂_0 clipped, ε̂ re-derived from it). Measured max |Δ|: 5.4e-7 at
    η = 0, 1.8e-5 at η = 1. diffusers' DDIM steps t → t − T/n, so both run its timesteps (999, 959, …, 39);
    ours spaces round(linspace(999, 0, n + 1)) (…, 480, …, 80, 40): 1 step apart at 12 of 25 steps."""
    sched = scheduler(diffusers.DDIMScheduler, timestep_spacing="trailing", clip_sample=True, set_alpha_to_one=True)
    sched.set_timesteps(25)
    ts = sched.timesteps.tolist()
    assert ts[:2] == [999, 959] and ts[-1] == 39 and len(ts) == 25
    ref = theirs(sched, ts, "variance_noise" if eta > 0 else None, eta=eta, use_clipped_model_output=True)
    assert (ours("ddim", ts, clip=True, eta=eta) - ref).abs().max().item() < TOLERANCE


def test_dpm_solver_2m_matches_diffusers_multistep_scheduler():
    """DPMSolverMultistepScheduler (dpmsolver++, order 2, midpoint, the last step first order to σ = 0) on
    our own timesteps (no clipping: diffusers' DPM-Solver has none). Measured max |Δ|: 2.4e-6."""
    sched = scheduler(diffusers.DPMSolverMultistepScheduler, algorithm_type="dpmsolver++", solver_order=2,
                      solver_type="midpoint", final_sigmas_type="zero", lower_order_final=True)
    ts = spaced_timesteps(1000, 25)                 # ≥ 15 steps: diffusers keeps second order up to the last step
    sched.set_timesteps(timesteps=ts)
    ref = theirs(sched, ts)
    assert (ours("dpm++2m", ts, clip=False) - ref).abs().max().item() < TOLERANCE


def test_ddpm_matches_diffusers_ddpm_scheduler():
    """DDPMScheduler (posterior variance β̃, x̂_0 clipped) on our own timesteps, the same noise draws.
    Measured max |Δ|: 1.5e-6."""
    sched = scheduler(diffusers.DDPMScheduler, variance_type="fixed_small", clip_sample=True)
    ts = spaced_timesteps(1000, 25)
    sched.set_timesteps(timesteps=ts)
    ref = theirs(sched, ts, "generator")
    assert (ours("ddpm", ts, clip=True) - ref).abs().max().item() < TOLERANCE


def test_the_reference_tells_samplers_apart():
    """The comparison can fail: our DDIM is far from diffusers' DPM-Solver++(2M) on the same timesteps, and
    our DDPM from diffusers' DDPM with other noise."""
    ts = spaced_timesteps(1000, 25)
    dpm = scheduler(diffusers.DPMSolverMultistepScheduler, algorithm_type="dpmsolver++", solver_order=2,
                    final_sigmas_type="zero")
    dpm.set_timesteps(timesteps=ts)
    assert (ours("ddim", ts, clip=False) - theirs(dpm, ts)).abs().max().item() > 100 * TOLERANCE
    ddpm = scheduler(diffusers.DDPMScheduler, variance_type="fixed_small", clip_sample=True)
    ddpm.set_timesteps(timesteps=ts)
    x, g = x_T(), torch.Generator().manual_seed(2)
    for t in ts:
        x = ddpm.step(network(x, torch.full((4,), t)), t, x, generator=g).prev_sample
    assert (ours("ddpm", ts, clip=True) - x).abs().max().item() > 100 * TOLERANCE
