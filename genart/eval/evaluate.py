"""`python -m genart eval ...`: measure a model the same way for every family.

Features come from a feature classifier that every function takes explicitly (the CLI passes the
registry's `classifier/fashion` from --checkpoints, the trainer the one in --ckpt-dir). A generative
model is judged on N samples against N real test images; `floor_fd` is what two real sets of
the same size score (train vs test), so every FD reads against its floor.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from genart.data.datasets import load_dataset, to_tensor, to_uint8
from genart.diffusion.inversion import invert
from genart.diffusion.repaint import JUMP, RESAMPLE, repaint
from genart.diffusion.sampling import guided, predictor, sample
from genart.diffusion.schedules import schedule_for, spaced_timesteps
from genart.eval.metrics import class_accuracy, frechet_distance, sample_metrics


@torch.no_grad()
def features_and_logits(classifier: nn.Module, images: np.ndarray | torch.Tensor,
                        batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, 28, 28) or float (N, 1, 28, 28) in [-1, 1] → features (N, D), logits (N, 10), float64."""
    classifier.eval()
    device = next(classifier.parameters()).device
    x_all = to_tensor(images) if isinstance(images, np.ndarray) else images
    feats, logits = [], []
    for x in x_all.split(batch_size):
        f = classifier.features(x.to(device))
        feats.append(f.double().cpu())
        logits.append(classifier.head(f).double().cpu())
    return torch.cat(feats).numpy(), torch.cat(logits).numpy()


def classifier_accuracy(classifier: nn.Module, data: str = "fashion-mnist") -> dict:
    images, labels = load_dataset(data, "test")
    _, logits = features_and_logits(classifier, images)
    return {"accuracy": round(class_accuracy(logits, labels), 4), "test_samples": int(len(labels))}


def real_sets(n: int, seed: int = 0, data: str = "fashion-mnist") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n real test images with labels, and n real train images (the floor's second set)."""
    rng = np.random.default_rng(seed)
    test_x, test_y = load_dataset(data, "test")
    train_x, _ = load_dataset(data, "train")
    ti = rng.choice(len(test_x), min(n, len(test_x)), replace=False)
    tr = rng.choice(len(train_x), min(n, len(train_x)), replace=False)
    return test_x[ti], test_y[ti], train_x[tr]


def floor_fd(classifier: nn.Module, n: int, seed: int = 0) -> float:
    test_x, _, train_x = real_sets(n, seed)
    return frechet_distance(features_and_logits(classifier, test_x)[0], features_and_logits(classifier, train_x)[0])


def judge_samples(classifier: nn.Module, fake: np.ndarray | torch.Tensor, fake_labels: np.ndarray | None,
                  seed: int = 0) -> dict:
    """All sample metrics of generated images against as many real test images (+ the floor)."""
    n = len(fake)
    test_x, _, train_x = real_sets(n, seed)
    real_f, _ = features_and_logits(classifier, test_x)
    floor_f, _ = features_and_logits(classifier, train_x)
    fake_f, fake_logits = features_and_logits(classifier, fake)
    out = sample_metrics(real_f, fake_f, floor_fake=floor_f, fake_logits=fake_logits, fake_labels=fake_labels)
    return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in out.items()}


def eval_classifier(registry, samples: int = 10000, seed: int = 0) -> dict:
    model = registry.get("classifier/fashion")
    out = classifier_accuracy(model)
    out["floor_fd"] = round(floor_fd(model, min(samples, 10000), seed), 5)
    out["samples"] = min(samples, 10000)
    out["checkpoint_sha256"] = registry.card("classifier/fashion")["sha256"]
    return out


@torch.no_grad()
def eval_vae_model(vae: nn.Module, classifier: nn.Module, samples: int = 2000, seed: int = 0) -> dict:
    """On `samples` test images: −ELBO (nats, 1-sample estimate, Bernoulli decoder), reconstruction MSE
    (pixels in [0, 1]), the class accuracy of reconstructions, and sample metrics of prior draws."""
    device = next(vae.parameters()).device
    test_x, test_y, _ = real_sets(samples, seed)
    x = to_tensor(test_x).to(device)
    g = torch.Generator(device=device).manual_seed(seed)
    nelbo, mse, recons = [], [], []
    for xb in x.split(500):
        nelbo.append(vae.neg_elbo(xb, g))                                    # (B,) y summed out, z 1-sample
        r = vae.decode(vae.encode(xb)[0])                                    # (B, 1, 28, 28) mean image
        recons.append(r)
        mse.append(((r - xb) / 2).pow(2).flatten(1).mean(1))
    recons_t = torch.cat(recons)
    _, logits_r = features_and_logits(classifier, recons_t)
    z = vae.sample_prior(len(x), torch.Generator().manual_seed(seed + 1)).to(device)
    prior = torch.cat([vae.decode(zb) for zb in z.split(500)])
    sample_quality = judge_samples(classifier, prior, None, seed)
    return {"neg_elbo_nats": round(float(torch.cat(nelbo).mean()), 2),
            "recon_mse": round(float(torch.cat(mse).mean()), 5),
            "recon_class_accuracy": round(class_accuracy(logits_r, test_y), 4),
            **{k: sample_quality[k] for k in ("fd", "kid", "precision", "recall", "floor_fd")},
            "samples": int(len(x))}


@torch.no_grad()
def eval_gan_model(G: nn.Module, classifier: nn.Module, samples: int = 5000, seed: int = 0,
                   truncation: float = 1.0) -> dict:
    """Class-conditional samples (labels balanced over the classes) judged against real test images."""
    device = next(G.parameters()).device
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(samples) % G.config.num_classes
    z = torch.randn(samples, G.config.z_dim, generator=g) * truncation
    fake = torch.cat([G.eval()(zb.to(device), yb.to(device)) for zb, yb in zip(z.split(500), labels.split(500))])
    out = judge_samples(classifier, fake, labels.numpy(), seed)
    return {**out, "truncation": truncation}


@torch.no_grad()
def eval_diffusion_model(unet: nn.Module, classifier: nn.Module, samples: int = 500, steps: int = 25, seed: int = 0,
                         sampler: str = "ddim", guidance: float = 2.0, batch_size: int = 250,
                         spacing: str = "uniform") -> dict:
    """Class-conditional samples with `sampler`-`steps` and guidance, judged against real test images."""

    device = next(unet.parameters()).device
    schedule = schedule_for(unet.config)
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(samples) % unet.config.num_classes
    out = []
    for yb in labels.split(batch_size):
        x_T = torch.randn(len(yb), 1, 28, 28, generator=g).to(device)
        fn = guided(unet.eval(), yb.to(device), guidance, unet.config.num_classes)
        out.append(sample(fn, schedule, sampler, x_T, steps, g, spacing=spacing).cpu())
    result = judge_samples(classifier, torch.cat(out), labels.numpy(), seed)
    extra = {} if spacing == "uniform" else {"spacing": spacing}
    return {**result, "sampler": sampler, "steps": steps, "guidance": guidance, **extra}


SWEEP_SAMPLERS = ("ddpm", "ddim", "dpm++2m", "euler", "euler_a", "heun", "dpm++2m_sde", "unipc")
SWEEP_STEPS = (10, 25, 50, 100)


def sweep_diffusion(unet: nn.Module, classifier: nn.Module, samples: int = 500, seed: int = 0,
                    guidance: float = 2.0, samplers=SWEEP_SAMPLERS, steps=SWEEP_STEPS, progress=None,
                    spacing: str = "uniform") -> list[dict]:
    """FD (and the other sample metrics) against sampler steps, for each sampler: the same seed, so the
    same x_T and labels in every cell. `progress(i, n, cell)` is called after each cell."""
    import time
    cells = [(s, n) for s in samplers for n in steps]
    rows = []
    for i, (sampler, n) in enumerate(cells):
        t0 = time.perf_counter()
        row = eval_diffusion_model(unet, classifier, samples, n, seed, sampler, guidance, spacing=spacing)
        row["seconds"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        if progress:
            progress(i + 1, len(cells), row)
    return rows


def sweep_markdown(rows: list[dict]) -> str:
    """Rows of `sweep_diffusion` → a Markdown table: one line per sampler, FD per step count."""
    def name(r):
        return r["sampler"] + (f" ({r['spacing']} spacing)" if "spacing" in r else "")
    steps = sorted({r["steps"] for r in rows})
    samplers = list(dict.fromkeys(name(r) for r in rows))
    cell = {(name(r), r["steps"]): r for r in rows}
    head = "| sampler | " + " | ".join(f"FD @ {n}" for n in steps) + " | class acc @ " + \
        " / ".join(str(n) for n in steps) + " |"
    lines = [head, "|" + " --- |" * (len(steps) + 2)]
    for s in samplers:
        fds = " | ".join(f"{cell[s, n]['fd']:.2f}" for n in steps)
        accs = " / ".join(f"{cell[s, n]['class_accuracy']:.2f}" for n in steps)
        lines.append(f"| {s} | {fds} | {accs} |")
    return "\n".join(lines)


@torch.no_grad()
def eval_inversion(unet: nn.Module, n: int = 100, steps: int = 50, seed: int = 0, refine: int = 0,
                   conditional: bool = True, batch_size: int = 100) -> dict:
    """DDIM inversion round trip on n test images: x_0 → x_T (inversion.py) → x̂_0 (DDIM, η = 0, the same
    timesteps), with the images' own labels (guidance 1: the conditional model; or the null label).
    Mean absolute error on the [-1, 1] scale, per image and over all pixels, and the x_T's moments."""

    device = next(unet.parameters()).device
    schedule = schedule_for(unet.config)
    test_x, test_y, _ = real_sets(n, seed)
    ts = spaced_timesteps(schedule.T, steps)
    errors, xTs = [], []
    for xb, yb in zip(to_tensor(test_x).split(batch_size), torch.from_numpy(test_y).long().split(batch_size)):
        labels = yb if conditional else torch.full_like(yb, unet.config.num_classes)
        fn = guided(unet.eval(), labels.to(device), 1.0, unet.config.num_classes)
        *_, (_, x_T) = invert(predictor(fn, schedule), schedule, xb.to(device), ts, refine)
        recon = sample(fn, schedule, "ddim", x_T, steps, torch.Generator())
        errors.append((recon - xb.to(device)).abs().flatten(1).mean(1).cpu())
        xTs.append(x_T.cpu())
    per_image = torch.cat(errors)
    x_T = torch.cat(xTs)
    return {"mae": round(float(per_image.mean()), 5), "mae_max_image": round(float(per_image.max()), 5),
            "images_over_0.05": int((per_image > 0.05).sum()), "x_T_mean": round(float(x_T.mean()), 4),
            "x_T_std": round(float(x_T.std()), 4), "steps": steps, "refine": refine,
            "evaluations": steps * (1 + refine) + steps, "conditional": conditional, "samples": len(per_image)}


SLEEVE = (slice(6, 22), slice(2, 9))          # rows 6–21, columns 2–8: a left sleeve of a top (112 px, 14 %)


@torch.no_grad()
def eval_inpainting(unet: nn.Module, classifier: nn.Module, n: int = 100, steps: int = 50, seed: int = 0,
                    sampler: str = "ddpm", guidance: float = 2.0, batch_size: int = 100, figure=None) -> dict:
    """RePaint (repaint.py, the studio's jump length and resamplings) on n test garments with a sleeve-sized
    mask, guided toward the class the classifier reads in the original (the API's label "any"): are the
    pixels outside the mask unchanged (8-bit), is the class kept (the classifier on the result), and how
    far the repainted part moved (mean absolute difference inside the mask, [-1, 1] scale). `figure`: a PNG
    path for the first 10 (rows: original, masked, repainted)."""

    device = next(unet.parameters()).device
    schedule = schedule_for(unet.config)
    test_x, test_y, _ = real_sets(n, seed)
    keep = torch.ones(1, 1, 28, 28)
    keep[0, 0, SLEEVE[0], SLEEVE[1]] = 0
    ts = spaced_timesteps(schedule.T, steps)
    g = torch.Generator().manual_seed(seed)
    outs = []
    _, logits_before = features_and_logits(classifier, test_x)
    read = torch.from_numpy(logits_before.argmax(1)).long()
    for xb, yb in zip(to_tensor(test_x).split(batch_size), read.split(batch_size)):
        fn = guided(unet.eval(), yb.to(device), guidance, unet.config.num_classes)
        *_, last = repaint(fn, schedule, sampler, xb.to(device), keep.to(device), ts, g)
        outs.append(last.x_next.cpu())
    result = torch.cat(outs)
    out_u8 = to_uint8(result)                                                            # (n, 28, 28) uint8
    outside = keep[0, 0].bool().numpy()
    unchanged = [(o[outside] == x[outside]).all() for o, x in zip(out_u8, test_x)]
    _, logits_after = features_and_logits(classifier, out_u8)
    after = logits_after.argmax(1)
    inside = (result - to_tensor(test_x))[:, 0, ~outside].abs().mean(1)
    if figure is not None:
        from PIL import Image
        masked = test_x[:10].copy()
        masked[:, ~outside] = 128
        rows = [np.hstack(list(a)) for a in (test_x[:10], masked, out_u8[:10])]
        Image.fromarray(np.vstack(rows)).resize((280 * 3, 84 * 3), Image.Resampling.NEAREST).save(figure)
    return {"outside_unchanged": round(float(np.mean(unchanged)), 4),
            "class_kept": round(float((after == read.numpy()).mean()), 4),
            "class_kept_vs_true_label": round(float((after == test_y).mean()), 4),
            "original_read_right": round(float((read.numpy() == test_y).mean()), 4),
            "inside_mean_abs_change": round(float(inside.mean()), 4), "mask_pixels": int((~outside).sum()),
            "samples": len(result), "steps": steps, "sampler": sampler, "guidance": guidance,
            "jump": JUMP, "resample": RESAMPLE}


# ----------------------------------------------------------------------------- any dataset
# The Fashion classifier judges only 28-px gray Fashion-MNIST. For any other data (a folder, a subset of
# the classes, another size or colour) a model is measured in a fixed feature space that needs no network:
# each image area-averaged to 8×8 pixels (C·64 numbers in [0, 1]; 192 for colour). FD there ("fd_pixels8")
# compares colour layout and coarse shape only, not texture or detail; read it against "fd_pixels8_floor",
# the FD between two disjoint sets of training images of the same size.

def pixel_features(x: torch.Tensor) -> np.ndarray:
    """float (N, C, S, S) in [-1, 1] → (N, C·64) float64: the 8×8 area averages, in [0, 1]."""
    return torch.nn.functional.adaptive_avg_pool2d((x.float() + 1) / 2, 8).flatten(1).double().cpu().numpy()


@torch.no_grad()
def eval_generic(task, model: nn.Module, images: torch.Tensor, seed: int = 0, samples: int | None = None) -> dict:
    """FD in 8×8-pixel features between `samples` generated images (the task's `generate`) and as many training
    images (at most half the set), its floor, and what the family adds (`task.extra_metrics`, e.g. the VAE's
    −ELBO in bits/dim)."""
    n = min(samples or getattr(task, "eval_generic_samples", 500), max(2, len(images) // 2))   # leave a floor set
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed + 31))
    real = pixel_features(images[order[:n]])
    fake = pixel_features(task.generate(model, n, torch.Generator().manual_seed(seed + 4_242)))
    out = {"fd_pixels8": round(frechet_distance(real, fake), 5), "samples": int(n),
           "features": "8x8 area-averaged pixels in [0, 1] (C*64 dims); not Inception, not comparable with FID"}
    if len(images) >= 2 * n:
        out["fd_pixels8_floor"] = round(frechet_distance(real, pixel_features(images[order[n:2 * n]])), 5)
    if hasattr(task, "extra_metrics"):
        out.update(task.extra_metrics(model, images[order[:n]]))
    return out
