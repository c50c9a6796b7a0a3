"""Scheduler math against closed forms, the samplers on Gaussian data, a tiny training run."""

import itertools
import json
import math

import numpy as np
import pytest
import torch

from genart.diffusion.ddim import ddim_sigma
from genart.diffusion.ddpm import posterior
from genart.diffusion.sampling import denoise, guided, sample, sdedit_start
from genart.diffusion.schedules import cosine_schedule, linear_schedule, q_sample, spaced_timesteps, split_v, v_target
from genart.studio import diffusion as studio_diffusion

S = cosine_schedule(1000)


def test_cosine_schedule_shape():
    a = S.alphas_cumprod
    assert a.shape == (1000,) and (a[1:] < a[:-1]).all()
    assert a[0] > 0.999 and a[-1] < 1e-4
    assert (S.betas <= 0.999).all() and (S.betas > 0).all()


def test_q_sample_moments():
    t = torch.full((200_000,), 400)
    x0 = torch.full((200_000, 1, 1, 1), 0.7)
    x_t = q_sample(S, x0, t, torch.randn(x0.shape, generator=torch.Generator().manual_seed(0)))
    assert x_t.mean().item() == pytest.approx(0.7 * S.alpha(torch.tensor(400)).item(), abs=5e-3)
    assert x_t.var().item() == pytest.approx(1 - S.alphas_cumprod[400].item(), rel=1e-2)


def test_v_round_trip():
    x0, eps = torch.randn(4, 1, 28, 28), torch.randn(4, 1, 28, 28)
    t = torch.tensor([0, 10, 500, 999])
    x_t = q_sample(S, x0, t, eps)
    x0_hat, eps_hat = split_v(S, x_t, t, v_target(S, x0, t, eps))
    assert torch.allclose(x0_hat, x0, atol=1e-4) and torch.allclose(eps_hat, eps, atol=1e-4)


def test_ddpm_posterior_variance_is_beta_tilde():
    lin = linear_schedule(1000)
    for t in (1, 10, 500, 999):
        _, _, var = posterior(lin, t, t - 1)
        a_t, a_prev = lin.alphas_cumprod[t].item(), lin.alphas_cumprod[t - 1].item()
        beta_tilde = (1 - a_prev) / (1 - a_t) * lin.betas[t].item()            # Ho et al. eq. 7
        assert var == pytest.approx(beta_tilde, rel=1e-9)
        assert ddim_sigma(lin, t, t - 1, 1.0) ** 2 == pytest.approx(beta_tilde, rel=1e-9)   # η = 1 ≡ DDPM
    c_x0, c_xt, var0 = posterior(lin, 0, -1)
    assert (c_x0, c_xt, var0) == (pytest.approx(1.0), pytest.approx(0.0), pytest.approx(0.0))


def test_ddim_eta0_is_deterministic_and_exact_on_a_point_mass():
    """If the data is one point x*, the ideal x̂_0 is x*; DDIM η=0 then follows x_t = α_t x* + σ_t ε exactly."""
    x_star = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    x_T = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    T = torch.tensor([999])
    eps = (x_T - S.alpha(T).float() * x_star) / S.sigma(T).float()

    def oracle(x, t):                                            # v̂ of the ideal denoiser
        return v_target(S, x_star, t, (x - S.alpha(t).float().view(-1, 1, 1, 1) * x_star)
                        / S.sigma(t).float().view(-1, 1, 1, 1))

    ts = spaced_timesteps(1000, 10)
    runs = [[s.x_next for s in denoise(oracle, S, "ddim", x_T, ts, torch.Generator().manual_seed(k), clip=False)]
            for k in (0, 1)]
    assert all(torch.equal(a, b) for a, b in zip(*runs))        # no randomness at η = 0
    for x_next, s in zip(runs[0], ts[1:] + [-1]):
        expect = x_star if s < 0 else S.alpha(torch.tensor(s)).float() * x_star + S.sigma(torch.tensor(s)).float() * eps
        assert torch.allclose(x_next, expect, atol=1e-4)


def _gaussian_oracle(mu: float, s: float):
    """Ideal v̂ for data N(μ, s²): x̂_0 = μ + α s² / (α² s² + σ²) · (x_t − α μ)."""
    def fn(x, t):
        a = S.alpha(t).float().view(-1, 1, 1, 1)
        sg = S.sigma(t).float().view(-1, 1, 1, 1)
        x0 = mu + a * s ** 2 / (a ** 2 * s ** 2 + sg ** 2) * (x - a * mu)
        eps = (x - a * x0) / sg
        return a * eps - sg * x0
    return fn


@pytest.mark.parametrize("sampler", ["ddim", "dpm++2m"])
def test_ode_samplers_reach_the_exact_flow_map_on_gaussian_data(sampler):
    """For N(μ, s²) data the probability-flow ODE maps x_T to μ + s·z, z = (x_T − α_T μ) / √(α_T² s² + σ_T²)."""
    mu, s = 0.3, 0.5
    x_T = torch.randn(64, 1, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64).float()
    aT, sT = S.alpha(torch.tensor(999)).item(), S.sigma(torch.tensor(999)).item()
    exact = mu + s * (x_T - aT * mu) / math.sqrt(aT ** 2 * s ** 2 + sT ** 2)
    errors = {}
    for n in (10, 25, 50):
        out = sample(_gaussian_oracle(mu, s), S, sampler, x_T, n, torch.Generator(), eta=0.0, clip=False)
        errors[n] = (out - exact).abs().max().item()
    assert errors[25] < errors[10]                                                # converges as steps grow
    if sampler == "ddim":
        assert errors[50] < 0.6 * errors[25] and errors[25] < 0.1                 # first order
    else:
        assert max(errors[25], errors[50]) < 0.005                                 # second order: float32 floor


def test_dpm_solver_is_higher_order_than_ddim():
    mu, s = 0.3, 0.5
    x_T = torch.randn(64, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    aT, sT = S.alpha(torch.tensor(999)).item(), S.sigma(torch.tensor(999)).item()
    exact = mu + s * (x_T - aT * mu) / math.sqrt(aT ** 2 * s ** 2 + sT ** 2)
    err = {k: (sample(_gaussian_oracle(mu, s), S, k, x_T, 15, torch.Generator(), clip=False) - exact).abs().max().item()
           for k in ("ddim", "dpm++2m")}
    assert err["dpm++2m"] < 0.5 * err["ddim"]


def test_ddpm_sampler_matches_the_data_distribution():
    mu, s = 0.3, 0.5
    x_T = torch.randn(20_000, 1, 1, 1, generator=torch.Generator().manual_seed(3))
    out = sample(_gaussian_oracle(mu, s), S, "ddpm", x_T, 200, torch.Generator().manual_seed(4), clip=False)
    assert out.mean().item() == pytest.approx(mu, abs=0.01)
    assert out.std().item() == pytest.approx(s, abs=0.015)


def test_sdedit_starts_at_strength_and_guidance_mixes():
    x0 = torch.zeros(2, 1, 28, 28)
    x, ts = sdedit_start(S, x0, 0.5, 10, torch.Generator().manual_seed(0))
    assert ts[0] == 499 and len(ts) == 10 and ts == sorted(ts, reverse=True)
    assert x.std().item() == pytest.approx(S.sigma(torch.tensor(499)).item(), rel=0.1)
    model = lambda x, t, y: y.float().view(-1, 1, 1, 1).expand_as(x)
    fn = guided(model, torch.tensor([2, 2]), 3.0, null_label=10)
    out = fn(torch.zeros(2, 1, 2, 2), torch.tensor([5, 5]))
    assert torch.allclose(out, torch.full_like(out, 10 + 3.0 * (2 - 10)))   # v_∅ + w (v_y − v_∅)



def test_projection_reads_a_guide_through_the_unconditional_model():
    """`project` noises the guide to t and returns the null-label x̂_0: the point itself for point-mass data,
    the posterior mean (shrunk toward μ) for Gaussian data; labels passed to the model are the null class."""
    from genart.diffusion.sampling import project
    x_star = torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(3))
    seen = []

    def point_mass(x, t, y):
        seen.append(y)
        a, sg = S.alpha(t).float().view(-1, 1, 1, 1), S.sigma(t).float().view(-1, 1, 1, 1)
        return v_target(S, x_star, t, (x - a * x_star) / sg)

    out = project(point_mass, S, x_star, 300, 5, 10, torch.Generator().manual_seed(0))
    assert out.shape == (5, 1, 8, 8) and torch.allclose(out, x_star.clamp(-1, 1).expand(5, -1, -1, -1), atol=1e-4)
    assert torch.equal(seen[0], torch.full((5,), 10))
    gauss = _gaussian_oracle(0.0, 0.5)
    guide = torch.full((1, 1, 8, 8), 0.8)
    reads = project(lambda x, t, y: gauss(x, t), S, guide, 300, 64, 10, torch.Generator().manual_seed(0))
    a, sg = float(S.alpha(torch.tensor(300))), float(S.sigma(torch.tensor(300)))
    shrink = a * a * 0.25 / (a * a * 0.25 + sg * sg)                 # E[x̂_0] = shrink · guide for μ = 0
    assert abs(reads.mean().item() - shrink * 0.8) < 0.02 and reads.std().item() > 0.01
    again = project(lambda x, t, y: gauss(x, t), S, guide, 300, 64, 10, torch.Generator().manual_seed(0))
    assert torch.equal(reads, again)

@pytest.mark.slow
def test_tiny_training_run_loss_decreases():
    from genart.data.datasets import load_fashion_mnist, to_tensor
    from genart.models.unet import UNetConfig
    from genart.train.common import Dist, RunArgs
    from genart.train.diffusion import DiffusionTask

    torch.manual_seed(0)
    x, y = load_fashion_mnist("train")
    x, y = to_tensor(x[:64]), torch.from_numpy(y[:64])
    task = DiffusionTask(RunArgs(family="diffusion", steps=40, lr=2e-3, batch_size=32), Dist(), UNetConfig(channels=8))
    g = torch.Generator().manual_seed(0)
    before = sum(task.loss(x, y, torch.Generator().manual_seed(k)).item() for k in range(4))
    for i in range(40):
        task.train_step(x[i % 2 * 32:(i % 2 + 1) * 32], y[i % 2 * 32:(i % 2 + 1) * 32], i)
    after = sum(task.loss(x, y, torch.Generator().manual_seed(k)).item() for k in range(4))
    assert after < 0.8 * before
    grid = task.sample_grid(g)
    assert grid.shape == (20, 1, 28, 28) and grid.abs().max() <= 1.0 + 1e-5


@pytest.mark.slow
def test_eval_sweep_gives_one_row_per_sampler_and_step_count(standin_checkpoints, capsys):
    import json

    from genart.__main__ import main
    from genart.eval.evaluate import SWEEP_SAMPLERS, SWEEP_STEPS, sweep_markdown

    root = standin_checkpoints("diffusion")                             # the sweep's wiring, not the model
    samplers = ("ddpm", "unipc")                                        # two of SWEEP_SAMPLERS: every one costs
    assert set(samplers) <= set(SWEEP_SAMPLERS)                         # 4 runs (all eight took 84 s here)
    assert main(["eval", "diffusion", "--sweep", "--samples", "8", "--json", "--checkpoints", str(root),
                 "--samplers", *samplers]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["sampler"], r["steps"]) for r in rows] == [(s, n) for s in samplers for n in SWEEP_STEPS]
    assert all(r["fd"] > 0 and r["samples"] == 8 for r in rows)
    assert all(r["class_accuracy"] * 8 == round(r["class_accuracy"] * 8) for r in rows)    # k of 8 samples
    table = sweep_markdown(rows).splitlines()
    assert len(table) == 2 + len(samplers) and table[2].startswith("| ddpm |")
    assert table[2].count("|") == len(SWEEP_STEPS) + 3


def test_schedule_for_reads_the_models_config():
    from genart.diffusion.schedules import schedule_for
    from genart.models.unet import UNetConfig
    shipped = schedule_for(UNetConfig())
    assert torch.equal(shipped.alphas_cumprod, cosine_schedule(1000).alphas_cumprod) and shipped.prediction == "v"
    other = schedule_for({"channels": 8, "schedule": "linear", "T": 400, "prediction": "eps"})   # a card's dict
    assert torch.equal(other.alphas_cumprod, linear_schedule(400).alphas_cumprod) and other.prediction == "eps"
    with pytest.raises(ValueError, match="unknown noise schedule 'sigmoid'.*cosine, linear"):
        schedule_for(UNetConfig(schedule="sigmoid"))
    with pytest.raises(ValueError, match="unknown prediction 'x0'.*v, eps"):
        schedule_for(UNetConfig(prediction="x0"))


@pytest.mark.parametrize("sampler", ["ddpm", "ddim", "dpm++2m"])
def test_an_eps_network_and_a_v_network_of_the_same_denoiser_sample_the_same(sampler):
    """`prediction` is obeyed: the ideal denoiser of Gaussian data, written as ε̂ or as v̂, gives one path."""
    from dataclasses import replace
    v_fn = _gaussian_oracle(0.3, 0.5)

    def eps_fn(x, t):                                             # ε̂ = σ_t x_t + α_t v̂
        a, sg = S.alpha(t).float().view(-1, 1, 1, 1), S.sigma(t).float().view(-1, 1, 1, 1)
        return sg * x + a * v_fn(x, t)

    x_T = torch.randn(16, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    out_v = sample(v_fn, S, sampler, x_T, 20, torch.Generator().manual_seed(1))
    out_eps = sample(eps_fn, replace(S, prediction="eps"), sampler, x_T, 20, torch.Generator().manual_seed(1))
    assert (out_v - out_eps).abs().max().item() < 1e-4
    wrong = sample(eps_fn, S, sampler, x_T, 20, torch.Generator().manual_seed(1))  # ε̂ read as v̂
    assert (wrong - out_v).abs().max().item() > 0.1


@pytest.mark.slow
def test_a_card_with_another_schedule_samples_with_that_schedule(standin_checkpoints, monkeypatch):
    """A diffusion card that says linear / T = 400 / ε: the evaluator, the benchmark, the tab's API and the
    trainer all denoise with exactly that process (every `denoise` call is recorded)."""
    import genart.diffusion.sampling as sampling
    from genart.bench.benchmarks import bench_diffusion
    from genart.core.registry import Registry
    from genart.eval.evaluate import eval_diffusion_model
    from genart.models.unet import UNetConfig
    from genart.train.common import Dist, RunArgs
    from genart.train.diffusion import DiffusionTask
    from genart.ui import build_demo

    registry = Registry(standin_checkpoints("diffusion", schedule="linear", T=400, prediction="eps"))
    unet = registry.get("diffusion/fashion")
    seen = []

    def recording(model_fn, schedule, *args, **kw):
        seen.append(schedule)
        return original(model_fn, schedule, *args, **kw)

    original = sampling.denoise
    monkeypatch.setattr(sampling, "denoise", recording)
    monkeypatch.setattr(studio_diffusion, "denoise", recording)
    api = {f.api_name: f.fn for f in build_demo(registry).fns.values()}
    config = UNetConfig(**registry.card("diffusion/fashion")["config"])
    consumers = {
        "evaluator": lambda: eval_diffusion_model(unet, registry.get("classifier/fashion"), samples=10,
                                                  steps=3),
        "benchmark": lambda: bench_diffusion(registry, quick=True),
        "tab's /diffusion_sample": lambda: list(api["diffusion_sample"](0, "Dress", "ddim", 3, 2.0)),
        "trainer's sample grid": lambda: DiffusionTask(RunArgs(family="diffusion", steps=1), Dist(),
                                                       config).sample_grid(torch.Generator().manual_seed(0)),
    }
    linear = linear_schedule(400).alphas_cumprod
    for name, use in consumers.items():
        seen.clear()
        use()
        assert seen and all(torch.equal(s.alphas_cumprod, linear) and s.prediction == "eps" for s in seen), name
    *_, (image, info) = api["diffusion_sample"](0, "Dress", "ddim", 3, 2.0)
    assert info.startswith("step 3/3 · t = 133")                     # spaced over T = 400, not 1000


@pytest.mark.parametrize("prediction", ["v", "eps"])
def test_the_trainer_regresses_what_the_config_predicts(prediction):
    """On one-image data the ideal ε̂ (or v̂) is known in closed form: the loss of that network is 0 under the
    config's prediction and clearly not 0 when the other target is learned."""
    from genart.models.unet import UNetConfig
    from genart.train.common import Dist, RunArgs
    from genart.train.diffusion import DiffusionTask

    task = DiffusionTask(RunArgs(family="diffusion", steps=1), Dist(),
                         UNetConfig(channels=8, schedule="linear", prediction=prediction))
    x0 = torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(0)).expand(8, -1, -1, -1) * 2 - 1
    sched = task.schedule

    def ideal(kind):
        def net(x_t, t, y):
            a, sg = sched.alpha(t).float().view(-1, 1, 1, 1), sched.sigma(t).float().view(-1, 1, 1, 1)
            eps = (x_t - a * x0) / sg
            return eps if kind == "eps" else a * eps - sg * x0
        return net

    task.net = ideal(prediction)
    assert task.loss(x0, torch.zeros(8, dtype=torch.long), torch.Generator().manual_seed(1)).item() < 1e-8
    task.net = ideal("v" if prediction == "eps" else "eps")
    assert task.loss(x0, torch.zeros(8, dtype=torch.long), torch.Generator().manual_seed(1)).item() > 1e-2


# ---- the samplers people know: closed forms ------------------------------------------------------------

def _exact_flow(mu, s, x_T, t_start=999):
    a, sg = S.alpha(torch.tensor(t_start)).item(), S.sigma(torch.tensor(t_start)).item()
    return mu + s * (x_T - a * mu) / math.sqrt(a ** 2 * s ** 2 + sg ** 2)


@pytest.mark.parametrize("sampler, spacing, order", [("euler", "uniform", 1), ("unipc", "uniform", 2),
                                                      ("heun", "logsnr", 2)])
def test_new_ode_samplers_reach_the_exact_flow_map_on_gaussian_data(sampler, spacing, order):
    """Same closed form as for DDIM / DPM-Solver: N(μ, s²) data, the probability-flow ODE's exact endpoint.
    Heun runs on logsnr spacing: see the next test for why not uniform."""
    mu, s = 0.3, 0.5
    x_T = torch.randn(64, 1, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64).float()
    exact = _exact_flow(mu, s, x_T)
    err = {n: (sample(_gaussian_oracle(mu, s), S, sampler, x_T, n, torch.Generator(), clip=False, spacing=spacing)
               - exact).abs().max().item() for n in (10, 25, 50)}
    assert err[25] < err[10]
    if order == 1:
        assert err[50] < 0.6 * err[25] and err[25] < 0.1, err
    elif sampler == "heun":
        assert err[50] < 0.3 * err[25] and err[50] < 0.03, err                    # measured 0.090 → 0.020
    else:
        assert max(err[25], err[50]) < 0.005, err


def test_heun_on_uniform_steps_is_unstable_on_this_schedule_and_logsnr_steps_fix_it():
    """Our cosine schedule reaches σ̃ = σ/α ≈ 2·10⁴ at t = 999; a uniform first step jumps to σ̃ ≈ 6 (10 steps),
    and Heun's trapezoid over that interval averages two slopes that differ by O(s²/σ̃_s²): off by ~15 at
    10 steps (diffusers' HeunDiscreteScheduler, identical per step, does the same). logsnr steps keep it
    second order. Measured max error at 10 / 25 steps: uniform 15.6 / 1.0, logsnr 0.84 / 0.090."""
    mu, s = 0.3, 0.5
    x_T = torch.randn(64, 1, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64).float()
    exact = _exact_flow(mu, s, x_T)

    def err(spacing, n):
        out = sample(_gaussian_oracle(mu, s), S, "heun", x_T, n, torch.Generator(), clip=False, spacing=spacing)
        return (out - exact).abs().max().item()
    assert err("uniform", 10) > 5 and err("logsnr", 10) < 1 and err("logsnr", 25) < 0.1


def test_higher_order_samplers_beat_euler_at_few_steps():
    mu, s = 0.3, 0.5
    x_T = torch.randn(64, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    exact = _exact_flow(mu, s, x_T)
    err = {(k, sp): (sample(_gaussian_oracle(mu, s), S, k, x_T, 25, torch.Generator(), clip=False, spacing=sp)
                     - exact).abs().max().item()
           for k, sp in (("euler", "uniform"), ("unipc", "uniform"), ("euler", "logsnr"), ("heun", "logsnr"))}
    assert err["unipc", "uniform"] < 0.1 * err["euler", "uniform"], err
    assert err["heun", "logsnr"] < 0.5 * err["euler", "logsnr"], err


def test_euler_is_ddim_and_euler_ancestral_is_ddim_eta_1():
    """Karras et al. §3: the σ̃-ODE's Euler step is DDIM (η = 0); the ancestral step with σ_↑ is DDIM with η = 1
    (the DDPM posterior). Same inputs, same noise draws → the same path up to float32 rounding."""
    x_T = torch.randn(8, 1, 4, 4, generator=torch.Generator().manual_seed(5))
    ts = spaced_timesteps(1000, 20, start=959)
    fn = _gaussian_oracle(0.3, 0.5)

    def run(sampler, eta=0.0):
        return [st.x_next for st in denoise(fn, S, sampler, x_T, ts, torch.Generator().manual_seed(9), eta=eta)]

    for a, b in zip(run("euler"), run("ddim")):
        assert (a - b).abs().max().item() < 1e-4
    for a, b in zip(run("euler_a"), run("ddim", eta=1.0)):
        assert (a - b).abs().max().item() < 1e-4
    assert (run("euler_a")[-1] - run("euler")[-1]).abs().max().item() > 0.1      # the noise does something


@pytest.mark.parametrize("sampler, steps", [("euler_a", 200), ("dpm++2m_sde", 50)])
def test_stochastic_samplers_match_the_data_distribution(sampler, steps):
    """Like DDPM (which Euler ancestral is: it plugs in the posterior mean x̂_0, so big steps lose variance: std
    0.464 at 50 steps), the SDE solvers sample N(μ, s²)."""
    mu, s = 0.3, 0.5
    x_T = torch.randn(20_000, 1, 1, 1, generator=torch.Generator().manual_seed(3))
    out = sample(_gaussian_oracle(mu, s), S, sampler, x_T, steps, torch.Generator().manual_seed(4), clip=False)
    assert out.mean().item() == pytest.approx(mu, abs=0.01)
    assert out.std().item() == pytest.approx(s, abs=0.015)


def test_dpm_solver_sde_step_is_exact_in_distribution_for_a_point_mass():
    """With x̂_0 = x* exactly, one SDE step from x_t = α_t x* + σ_t ε lands on N(α_s x*, σ_s²)."""
    from genart.diffusion.dpm_solver_sde import dpmpp_2m_sde_step
    x_star, t, s_ = 0.4, 700, 500
    eps = torch.randn(100_000, generator=torch.Generator().manual_seed(0))
    a_t, sg_t = S.alpha(torch.tensor(t)).item(), S.sigma(torch.tensor(t)).item()
    a_s, sg_s = S.alpha(torch.tensor(s_)).item(), S.sigma(torch.tensor(s_)).item()
    z = torch.randn(100_000, generator=torch.Generator().manual_seed(1))
    x_s, _ = dpmpp_2m_sde_step(S, a_t * x_star + sg_t * eps, t, s_, torch.full_like(eps, x_star), None, z)
    assert x_s.mean().item() == pytest.approx(a_s * x_star, abs=0.01)
    assert x_s.std().item() == pytest.approx(sg_s, rel=0.01)


def test_heun_reports_two_evaluations_per_step_and_the_loop_stays_one_step_per_yield():
    calls = []
    fn = _gaussian_oracle(0.0, 0.5)

    def counting(x, t):
        calls.append(int(t[0]))
        return fn(x, t)

    ts = spaced_timesteps(1000, 6)
    steps = list(denoise(counting, S, "heun", torch.randn(2, 1, 4, 4), ts, torch.Generator()))
    assert [st.t for st in steps] == ts and [st.nfe for st in steps] == [2] * 5 + [1]
    assert calls == [ts[0]] + [t for t in ts[1:] for _ in (0, 1)]                 # t, then s twice: Euler point, next
    assert all(torch.equal(a.x_next, b.x_t) for a, b in itertools.pairwise(steps))


@pytest.mark.parametrize("sampler", ["euler", "euler_a", "heun", "dpm++2m_sde", "unipc"])
def test_new_samplers_obey_the_prediction_type(sampler):
    from dataclasses import replace
    v_fn = _gaussian_oracle(0.3, 0.5)

    def eps_fn(x, t):
        a, sg = S.alpha(t).float().view(-1, 1, 1, 1), S.sigma(t).float().view(-1, 1, 1, 1)
        return sg * x + a * v_fn(x, t)

    x_T = torch.randn(16, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    sp = "logsnr" if sampler == "heun" else "uniform"               # Heun on uniform steps amplifies rounding
    out_v = sample(v_fn, S, sampler, x_T, 20, torch.Generator().manual_seed(1), spacing=sp)
    out_eps = sample(eps_fn, replace(S, prediction="eps"), sampler, x_T, 20, torch.Generator().manual_seed(1),
                     spacing=sp)
    assert (out_v - out_eps).abs().max().item() < 1e-4
    wrong = sample(eps_fn, S, sampler, x_T, 20, torch.Generator().manual_seed(1), spacing=sp)   # ε̂ read as v̂
    assert (wrong - out_v).abs().max().item() > 0.1


# ---- spacings and guidance rescale ----------------------------------------------------------------------

def test_uniform_spacing_is_todays_and_the_others_have_exactly_steps_timesteps():
    from genart.diffusion.spacing import SPACINGS, log_snr, timesteps_for
    for n in (1, 2, 10, 25, 50, 100, 250):
        assert timesteps_for(S, n, "uniform") == spaced_timesteps(1000, n)
        for spacing in SPACINGS[1:]:
            ts = timesteps_for(S, n, spacing)
            assert len(ts) == n and ts[0] == 999 and all(a > b for a, b in itertools.pairwise(ts)) and ts[-1] >= 0
    for start in (0, 3, 499):
        for spacing in SPACINGS:
            ts = timesteps_for(S, min(4, start + 1), spacing, start=start)
            assert ts[0] == start and all(a > b for a, b in itertools.pairwise(ts)) and ts[-1] >= 0
    lam = log_snr(S)
    ts = timesteps_for(S, 10, "logsnr")
    gaps = (lam[ts[1:]] - lam[ts[:-1]])[3:]      # λ_999 = −9.9, λ_998 = −6.4: the top steps can't be even
    assert ts[:3] == [999, 998, 997] and ts[-1] == 0
    assert (gaps.max() - gaps.min()).item() < 0.1 * gaps.mean().item()                     # even in λ
    with pytest.raises(ValueError, match="spacing must be one of uniform, logsnr, karras"):
        timesteps_for(S, 10, "cosine")


def test_karras_spacing_is_diffusers_karras_sigmas_on_integer_timesteps():
    """diffusers' EulerDiscreteScheduler(use_karras_sigmas=True) places the same n Karras σ̃ (ρ = 7) between
    σ̃(999) and σ̃(0), at fractional timesteps; ours are the nearest integer timesteps in λ, nudged apart
    where several σ̃ fall between two integers (at the top of this schedule, see spacing.py)."""
    import diffusers  # requirements-dev.txt: a broken install fails here

    from genart.diffusion.spacing import karras_sigmas, log_snr, timesteps_for
    lam = log_snr(S)
    for n in (10, 25):
        sched = diffusers.EulerDiscreteScheduler(num_train_timesteps=1000, trained_betas=S.betas.numpy(),
                                                 prediction_type="v_prediction", use_karras_sigmas=True)
        sched.set_timesteps(n)
        # diffusers keeps ᾱ in float32: 1 − ᾱ_0 = 4.1e-5 loses 3 digits, σ̃_0 differs by 2.6e-4 relative
        assert torch.allclose(karras_sigmas(S, n, 999), sched.sigmas[:-1].double(), rtol=1e-3)
        theirs = sched.timesteps.double()
        ours = torch.tensor(timesteps_for(S, n, "karras"), dtype=torch.float64)
        spread = theirs < 990                                            # where integer timesteps can follow
        assert spread.sum() >= 3 and (ours[spread] - theirs[spread]).abs().max().item() <= 1.0
        for t, target in zip(ours[spread].long().tolist(), (-karras_sigmas(S, n, 999).log())[spread].tolist()):
            neighbours = [lam[u] for u in (t - 1, t + 1) if 0 <= u < 1000]              # t is the nearest in λ
            assert all(abs(lam[t] - target) <= abs(v - target) for v in neighbours)


def test_guidance_rescale_zero_is_todays_guidance_bit_for_bit():
    from genart.diffusion.sampling import guided

    def model(x, t, y):
        return torch.tanh(x * (1 + y.float().view(-1, 1, 1, 1))) * 3
    x, t, y = (torch.randn(3, 1, 4, 4, generator=torch.Generator().manual_seed(0)), torch.full((3,), 400),
               torch.tensor([1, 2, 3]))
    assert torch.equal(guided(model, y, 2.5, 10)(x, t), guided(model, y, 2.5, 10, rescale=0.0)(x, t))
    out = guided(model, y, 2.5, 10, rescale=1.0)(x, t)
    cond = model(x, t, y)
    assert torch.allclose(out.flatten(1).std(1), cond.flatten(1).std(1), rtol=1e-5)      # φ = 1: std of v̂_y


@pytest.mark.slow
def test_the_tabs_default_call_is_todays_computation(checkpoint_root):
    """/diffusion_sample without the new knobs: the same pixels as the loop run by hand the way it was before
    they existed (uniform `spaced_timesteps`, plain guidance, η = 0), the same record and info line; and
    the knobs at their defaults make the same PNG bytes."""
    import io

    from genart.core.images import png_info, upscale_nearest
    from genart.core.registry import Registry
    from genart.data.datasets import to_uint8
    from genart.ui import diffusion_tab as tab

    reg = Registry(checkpoint_root)
    model = reg.get("diffusion/fashion")
    fn = guided(model, torch.tensor([8]), 2.0, 10)
    x = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(4))
    for st in denoise(fn, S, "dpm++2m", x, spaced_timesteps(1000, 8), torch.Generator().manual_seed(4)):
        x = st.x_next
    *_, (im, info) = tab.sample(reg, 4, "Bag", "dpm++2m", 8, 2.0, progress=None)
    assert np.array_equal(np.asarray(im), upscale_nearest(to_uint8(x)[0], 12))
    assert info == "step 8/8 · t = 125 · dpm++2m · seed 4 · Bag · guidance 2"
    rec = json.loads(im.info["genart"])
    assert rec["params"] == {"seed": 4, "label": "Bag", "sampler": "dpm++2m", "steps": 8, "guidance": 2.0}
    *_, (im2, info2) = tab.sample(reg, 4, "Bag", "dpm++2m", 8, 2.0, "uniform", 0.0, 0.0, progress=None)

    def png(i):
        b = io.BytesIO()
        i.save(b, format="PNG", pnginfo=png_info(i))
        return b.getvalue()
    assert png(im) == png(im2) and info == info2


# ---- DDIM inversion ---------------------------------------------------------------------------------

def test_ddim_inversion_of_gaussian_data_is_the_inverse_flow_map_and_refining_retraces_ddim():
    """For N(μ, s²) data the ODE's inverse flow map is known: x_T = α_T μ + √(α_T² s² + σ_T²) (x_0 − μ) / s.
    Plain DDIM inversion approaches it as steps grow; the fixed-point refinement makes DDIM's own path
    retrace itself: invert then sample (the same timesteps) gives x_0 back."""
    from genart.diffusion.inversion import invert
    from genart.diffusion.sampling import predictor
    mu, s = 0.3, 0.5
    x0 = mu + s * torch.randn(64, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    fn = _gaussian_oracle(mu, s)
    a, sg = S.alpha(torch.tensor(999)).item(), S.sigma(torch.tensor(999)).item()
    exact_T = a * mu + math.sqrt(a * a * s * s + sg * sg) * (x0 - mu) / s
    err, trip = {}, {}
    for n, refine in ((10, 0), (50, 0), (50, 3)):
        ts = spaced_timesteps(1000, n)
        *_, (t_last, x_T) = invert(predictor(fn, S, clip=False), S, x0, ts, refine)
        assert t_last == 999
        err[n, refine] = (x_T - exact_T).abs().max().item()
        back = sample(fn, S, "ddim", x_T, n, torch.Generator(), clip=False)
        trip[n, refine] = (back - x0).abs().max().item()
    assert err[50, 0] < 0.5 * err[10, 0] and err[50, 0] < 0.1, err
    assert trip[50, 3] < 0.05 * trip[50, 0] and trip[50, 3] < 2e-3, trip          # measured 0.11 → 6.0e-4


# ---- RePaint ----------------------------------------------------------------------------------------

def test_repaint_schedule_denoises_n_times_plus_every_jump():
    from genart.diffusion.repaint import jump_schedule
    moves = jump_schedule(10, 2, 3)
    down = [(i, j) for i, j in moves if j == i + 1]
    back = [(i, j) for i, j in moves if j < i]
    assert moves[0] == (0, 1) and moves[-1] == (9, 10)
    assert len(back) == 3 * 2 and all(i - j == 2 for i, j in back)           # jump points t = 2, 4, 6, twice each
    assert len(down) == 10 + 2 * len(back)
    assert all(b[0] == a[1] for a, b in itertools.pairwise(moves))                 # a connected walk
    assert jump_schedule(10, 2, 1) == [(i, i + 1) for i in range(10)]          # r = 1: plain sampling


def _two_point_oracle(c: float):
    """Ideal v̂ for data ±c·1 (every pixel the same sign, equal odds): x̂_0 = c tanh(α c Σx / σ²) · 1."""
    def fn(x, t):
        a = S.alpha(t).float().view(-1, 1, 1, 1)
        sg = S.sigma(t).float().view(-1, 1, 1, 1)
        x0 = c * torch.tanh(a * c * x.sum(dim=(1, 2, 3), keepdim=True) / sg ** 2).expand_as(x)
        eps = (x - a * x0) / sg
        return a * eps - sg * x0
    return fn


def test_repaint_keeps_the_known_pixels_and_fills_the_rest_consistently():
    """Data ±c·1: with the left half known to be +c, the repainted right half must become +c too (the
    sign is shared by every pixel); plain sampling picks ± at random. Known pixels come back exactly."""
    from genart.diffusion.repaint import repaint
    c, n = 0.8, 64
    x0 = torch.full((n, 1, 4, 4), c)
    keep = torch.zeros(1, 1, 4, 4)
    keep[..., :2] = 1
    ts = spaced_timesteps(1000, 20)
    for sampler in ("ddpm", "ddim"):
        steps = list(repaint(_two_point_oracle(c), S, sampler, x0, keep, ts, torch.Generator().manual_seed(0),
                             jump=2, resample=3))
        out = steps[-1].x_next
        assert torch.equal(out[..., :2], x0[..., :2])
        assert (out[..., 2:].mean(dim=(1, 2, 3)) > 0.7).float().mean().item() >= 0.95, sampler
        assert [st.index for st in steps] == list(range(len(steps))) and len(steps) > 20
    free = sample(_two_point_oracle(c), S, "ddpm", torch.randn(n, 1, 4, 4, generator=torch.Generator().manual_seed(1)),
                  20, torch.Generator().manual_seed(2))
    assert 0.2 < (free.mean(dim=(1, 2, 3)) > 0).float().mean().item() < 0.8


@pytest.mark.slow
def test_the_sampler_race_runs_each_sampler_as_sample_does_and_measures_against_the_reference(checkpoint_root):
    from genart.core.registry import Registry
    from genart.ui import diffusion_tab as tab

    reg = Registry(checkpoint_root)
    frames = list(tab.race(reg, 3, "Sneaker", 6, 2.0, ["ddim", "dpm++2m", "heun"]))
    assert len(frames) == 6
    strip, rows = frames[-1]
    assert [r[0] for r in rows] == ["ddim", "dpm++2m", "heun"] and [r[1] for r in rows] == [6] * 3
    assert [r[2] for r in rows] == [6, 6, 11]                                          # Heun: 2 per step but the last
    assert strip.size[0] == 4 * (28 * studio_diffusion.RACE_TILE + 12)                              # reference + 3
    model = reg.get("diffusion/fashion")
    fn = guided(model, torch.tensor([7]), 2.0, 10)
    x_T = tab.start_noise(3)
    ref = sample(fn, S, "dpm++2m", x_T, 100, torch.Generator())
    ddim = sample(fn, S, "ddim", x_T, 6, torch.Generator())
    assert rows[0][3] == pytest.approx(float(((ddim - ref) ** 2).mean().sqrt()), abs=1e-4)
    assert rows[1][3] < rows[0][3]                                                     # 2nd order is closer at 6 steps


@pytest.mark.slow
def test_an_inverted_run_regenerates_and_branches_like_any_run(checkpoint_root, tmp_path, monkeypatch):
    """ui_invert streams DDIM back from the found x_T (round trip < 0.05); regenerating as another class and
    rewinding & branching the inverted run both work from its trace."""
    from PIL import Image

    from genart.core.registry import Registry
    from genart.data.datasets import load_dataset
    from genart.studio import uploads
    from genart.ui import diffusion_tab as tab

    monkeypatch.setattr(uploads, "allowed_roots", lambda: (tmp_path.resolve(),))
    x, y = load_dataset("fashion-mnist", "test")
    path = tmp_path / "coat.png"
    Image.fromarray(x[np.flatnonzero(y == 4)[0]]).save(path)
    reg = Registry(checkpoint_root)
    *_, last = tab.ui_invert(reg, {"path": str(path)}, "Coat", 20, progress=None)
    _, _, _, info, trace, _, _, summary, inverted = last
    mae = float(summary.split("mean absolute error ")[1].split(" ")[0])
    assert mae < 0.05 and info.endswith(f"round-trip error {mae:.4f}") and \
        np.asarray(inverted["x_T"]).shape == (1, 28, 28)
    *_, regen = tab.ui_regenerate(reg, inverted, "Dress", 3.0, progress=None)
    assert "Dress" in regen[3] and "differs from the original by" in regen[3]
    *_, branched = tab.ui_branch(reg, trace, 10, 0, "Dress", 3.0, progress=None)
    assert branched[3].startswith("step 20/20") and branched[4]["params"]["branched_at"] == 10
    assert len(branched[4]["frames"]) == 20


@pytest.mark.slow
def test_eval_invert_and_inpaint_commands_print_their_measures(standin_checkpoints, capsys):
    from genart.__main__ import main
    root = standin_checkpoints("diffusion")                              # the commands' wiring, not the model
    assert main(["eval", "invert", "--n", "4", "--steps", "3", "--json", "--checkpoints", str(root)]) == 0
    inv = json.loads(capsys.readouterr().out)
    assert inv["samples"] == 4 and inv["refine"] == 1 and inv["evaluations"] == 3 * 2 + 3 and 0 < inv["mae"] < 1
    assert main(["eval", "inpaint", "--n", "4", "--steps", "6", "--json", "--checkpoints", str(root)]) == 0
    inp = json.loads(capsys.readouterr().out)
    assert inp["outside_unchanged"] == 1.0 and inp["mask_pixels"] == 112 and inp["sampler"] == "ddpm"
    assert 0 <= inp["class_kept"] <= 1 and len(inp["checkpoint_sha256"]) == 64


def test_an_api_stream_sends_the_first_item_then_at_most_one_per_interval_and_always_the_last():
    import time

    from genart.studio.diffusion import shown

    def slow(n, dt):
        for i in range(n):
            time.sleep(dt)
            yield i

    sent = list(shown(slow(12, 0.02), lambda i: i == 11, every_s=0.1))
    kept = [i for i, _ in sent]
    assert kept[0] == 0 and kept[-1] == 11 and [last for _, last in sent] == [False] * (len(sent) - 1) + [True]
    assert 3 <= len(kept) <= 5                                                  # 0.24 s of items, one per 0.1 s
    assert list(shown(iter(range(3)), lambda i: i == 2, every_s=0.0)) == [(0, False), (1, False), (2, True)]
