"""Our samplers against Hugging Face diffusers' schedulers, a test-only reference (requirements-dev.txt).

Identical inputs: the betas of our cosine schedule (`trained_betas`), v-prediction, the same timesteps,
the same x_T, the same fixed "network" and, for the stochastic samplers, the same noise draws. diffusers
keeps ᾱ_t in float32 where we keep float64 (relative difference up to 1.3e-5), so the paths agree to
float32 precision, not bit for bit.
"""

import diffusers  # requirements-dev.txt: a broken install fails here, it is not skipped
import pytest
import torch

from genart.diffusion.sampling import denoise
from genart.diffusion.schedules import cosine_schedule, spaced_timesteps

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


# ---- the samplers people know from other tools (σ-space Euler family, the SDE solver, UniPC) -----------

def theirs_in_sigma_space(sched, timesteps, noise: bool = False) -> torch.Tensor:
    """k-diffusion style schedulers keep x̃ = x_t / α_t and want the model input scaled back to x_t
    (`scale_model_input`); starting from x̃ = x_T / α_t, the final x̃ at σ̃ = 0 is the clean sample."""
    x, g = x_T() / S.alpha(torch.tensor(int(timesteps[0]))).item(), torch.Generator().manual_seed(1)
    for t in timesteps:
        inp = sched.scale_model_input(x, t)
        out = network(inp, torch.full((x.shape[0],), int(t)))
        x = sched.step(out, t, x, **({"generator": g} if noise else {})).prev_sample
    return x


# The σ-space family starts at t = 959 (σ̃ = 16): at t = 999 our cosine schedule has σ̃ = σ/α ≈ 2·10⁴,
# and float32 x̃ there carries ~10⁻³ of rounding, in diffusers as in any σ-space code. Measured from
# t = 999 at 25 steps: Euler |ours − diffusers| 3.8e-4, each within 3.7e-4 of a float64 run; Heun's
# trapezoid multiplies the slope difference by α_s σ̃_999 ≈ 1300 on the first step, so with this
# arbitrary (not denoising) network the two float32 runs drift 0.26 apart (the float64 run: 0.18 from ours).
SIGMA_TS = spaced_timesteps(1000, 24, start=959)


def test_euler_matches_diffusers_euler_discrete_scheduler():
    """EulerDiscreteScheduler (σ-space Euler, final σ = 0) on our own timesteps. Measured max |Δ|: 9.5e-7."""
    sched = scheduler(diffusers.EulerDiscreteScheduler, final_sigmas_type="zero")
    sched.set_timesteps(timesteps=SIGMA_TS)
    ref = theirs_in_sigma_space(sched, sched.timesteps)
    assert (ours("euler", SIGMA_TS, clip=False) - ref).abs().max().item() < TOLERANCE


def test_euler_ancestral_matches_diffusers_with_the_same_noise():
    """EulerAncestralDiscreteScheduler (trailing: 999, 959, …, 39; begun at its second timestep, 959), noise
    drawn from the same generator in the same order. Measured max |Δ|: 1.5e-6."""
    sched = scheduler(diffusers.EulerAncestralDiscreteScheduler, timestep_spacing="trailing")
    sched.set_timesteps(25)
    sched.set_begin_index(1)
    ts = [int(t) for t in sched.timesteps[1:]]
    assert ts[:2] == [959, 919] and ts[-1] == 39
    ref = theirs_in_sigma_space(sched, sched.timesteps[1:], noise=True)
    assert (ours("euler_a", ts, clip=False) - ref).abs().max().item() < TOLERANCE


def test_heun_matches_diffusers_heun_discrete_scheduler():
    """HeunDiscreteScheduler (Karras Alg. 1: 2 evaluations per step, the step to σ = 0 first order, 2n − 1 in
    all) on our own timesteps. Measured max |Δ|: 1.2e-6. Our loop yields one Step per step with nfe = 2."""
    sched = scheduler(diffusers.HeunDiscreteScheduler)
    sched.set_timesteps(timesteps=SIGMA_TS)
    n = len(SIGMA_TS)
    assert len(sched.timesteps) == 2 * n - 1
    ref = theirs_in_sigma_space(sched, sched.timesteps)
    x, nfe = x_T(), 0
    for step in denoise(network, S, "heun", x, SIGMA_TS, torch.Generator(), clip=False):
        x, nfe = step.x_next, nfe + step.nfe
    assert nfe == 2 * n - 1 and (x - ref).abs().max().item() < TOLERANCE


def test_dpm_solver_2m_sde_matches_diffusers_with_the_same_noise():
    """DPMSolverMultistepScheduler(algorithm_type="sde-dpmsolver++", order 2, midpoint, final σ = 0) on our own
    timesteps, noise from the same generator. Measured max |Δ|: 2.3e-6."""
    sched = scheduler(diffusers.DPMSolverMultistepScheduler, algorithm_type="sde-dpmsolver++", solver_order=2,
                      solver_type="midpoint", final_sigmas_type="zero", lower_order_final=True)
    ts = spaced_timesteps(1000, 25)
    sched.set_timesteps(timesteps=ts)
    ref = theirs(sched, ts, "generator")
    assert (ours("dpm++2m_sde", ts, clip=False) - ref).abs().max().item() < TOLERANCE


@pytest.mark.parametrize("steps", [25, 8])
def test_unipc_matches_diffusers_unipc_multistep_scheduler(steps):
    """UniPCMultistepScheduler (UniP-2 + UniC, bh2, data prediction, first order on the first and final steps,
    final σ = 0; trailing timesteps). Measured max |Δ|: 1.3e-6 at 25 steps, 1.4e-6 at 8 (where our
    UniPC and our DPM-Solver++(2M) differ by 0.11: the comparison tells them apart)."""
    sched = scheduler(diffusers.UniPCMultistepScheduler, solver_order=2, solver_type="bh2", predict_x0=True,
                      lower_order_final=True, final_sigmas_type="zero", timestep_spacing="trailing")
    sched.set_timesteps(steps)
    ts = [int(t) for t in sched.timesteps]
    ref = theirs(sched, ts)
    assert (ours("unipc", ts, clip=False) - ref).abs().max().item() < TOLERANCE


def test_guidance_rescale_matches_diffusers_rescale_noise_cfg():
    """`guided(..., rescale=φ)` against diffusers' rescale_noise_cfg (Lin et al. §3.4) on the same v̂_y, v̂_∅."""
    from diffusers.guiders.guider_utils import rescale_noise_cfg

    from genart.diffusion.sampling import guided

    def model(x, t, y):                                    # v̂_y depends on the label; y = 10 is the null label
        return torch.tanh(x * (1 + y.float().view(-1, 1, 1, 1) / 5)) + 0.1 * y.float().view(-1, 1, 1, 1)

    x, t, y = x_T(), torch.full((4,), 500), torch.tensor([0, 3, 5, 9])
    cond, uncond = model(x, t, y), model(x, t, torch.full((4,), 10))
    for phi in (0.0, 0.7, 1.0):
        ref = rescale_noise_cfg(uncond + 3.0 * (cond - uncond), cond, guidance_rescale=phi)
        assert (guided(model, y, 3.0, 10, rescale=phi)(x, t) - ref).abs().max().item() < 1e-6
