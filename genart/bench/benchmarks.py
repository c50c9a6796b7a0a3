"""`python -m genart bench`: speed targets are measured here, never in timed tests.

Each section returns a dict with its measured figures, its target and `ok`. `--quick` runs tiny
sizes so that a test can check the benchmark itself still works. Repeated calls are timed with
torch.utils.benchmark (a warm-up that sizes the timed blocks, CUDA synchronised, the median per
call); the one long neural transfer is timed once with a wall clock.

Targets, on a 2-core CPU: every filter under 1 s on a 1024×1024 photo, neural transfer at 256 px /
200 steps under 60 s, a 1024-px photo painted by the pretrained style networks with a style image
under 1.5 s and with a built-in style under 1 s, one classification / VAE decode / GAN image under 10 ms, a 4×4 GAN grid
under 50 ms, a guided DDIM-25 diffusion sample under 1.5 s, a desk render at 512 px with a colour or a fabric
under 0.3 s; training (section `train`): the 32-px colour GAN's standard preset within 15 min, every
family's first status sample grid within 60 s.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable

import numpy as np
import torch
from PIL import Image

# Each section imports what it measures inside its own function, on purpose: `--only png` loads no model.
from genart.bench.common import load_example, median_seconds, significant, sync

FILTER_TARGET_S = 1.0
NEURAL_TARGET_S = 60.0
STYLE_IMAGE_TARGET_S = 1.5
STYLE_BUILTIN_TARGET_S = 1.0


# ----------------------------------------------------------------------------- painting styles


def bench_filters(quick: bool = False) -> dict:
    """Median seconds per filter style on coffee.jpg resized to 1024×1024 (quick: 256 px, one timed call)."""
    from genart.styles.filters import STYLES, apply_style

    side, min_run_time = (256, 0.0) if quick else (1024, 1.0)
    img = load_example("coffee.jpg", (side, side))  # (side, side, 3) uint8
    medians, calls = {}, {}
    for name in STYLES:
        s, calls[name] = median_seconds(lambda: apply_style(img, name), min_run_time)
        medians[name] = round(s, 4)
    return {"filters_1024px_median_s": medians, "target_s": FILTER_TARGET_S,
            "ok": all(t < FILTER_TARGET_S for t in medians.values()),
            "image_px": side, "timed_calls": calls}


def bench_neural(quick: bool = False, device=None) -> dict:
    """Seconds for one neural transfer (cat.jpg in the style of style_gravel.jpg) at 256 px and
    200 steps (quick: 64 px, 10 steps), on ``device`` (default: CPU), with torch's current
    intra-op thread count (reported). Measure on an otherwise idle machine: with more busy
    threads than cores, OpenMP barriers stall and a 2-thread run can be 10-20x slower."""
    from genart.styles.neural import transfer

    size, steps = (64, 10) if quick else (256, 200)
    content, style = load_example("cat.jpg"), load_example("style_gravel.jpg")
    t0 = time.perf_counter()
    for _ in transfer(content, style, steps=steps, size=size, every=steps, device=device):
        pass
    seconds = round(time.perf_counter() - t0, 3)
    return {f"neural_{size}px_{steps}it_s": seconds, "target_s": NEURAL_TARGET_S, "ok": seconds < NEURAL_TARGET_S,
            "size": size, "steps": steps, "torch_threads": torch.get_num_threads()}


def bench_style(registry, quick: bool = False) -> dict:
    """Median seconds to paint a 1024-px photo (coffee.jpg, 1024×683) end to end as the tab does — decoded
    array in, painted array out at the photo's size — with a style image (style_hubble.jpg: the predictor
    on the style image, the transfer network at its working size, the upscale) and with a built-in style
    (multistyle26 at full size). Quick: a 256-px photo, one timed call. The networks are loaded first."""
    from genart.styles.feedforward import STYLE_NETWORKS, paint

    side, min_run_time = (256, 0.0) if quick else (1024, 2.0)
    img = Image.fromarray(load_example("coffee.jpg"))
    photo = np.asarray(img.resize((side, round(side * img.height / img.width)), Image.LANCZOS))  # (683, 1024, 3)
    style = load_example("style_hubble.jpg")
    for name in STYLE_NETWORKS:
        registry.get(name)
    device = next(registry.get(STYLE_NETWORKS[0]).parameters()).device
    (by_image, n_image) = median_seconds(lambda: paint(registry, photo, "image", style_image=style), min_run_time)
    (builtin, n_builtin) = median_seconds(lambda: paint(registry, photo, 7), min_run_time)
    return {"style_image_1024px_median_s": round(by_image, 3), "builtin_1024px_median_s": round(builtin, 3),
            "target_s": {"style_image": STYLE_IMAGE_TARGET_S, "builtin": STYLE_BUILTIN_TARGET_S},
            "ok": by_image < STYLE_IMAGE_TARGET_S and builtin < STYLE_BUILTIN_TARGET_S,
            "photo_px": list(photo.shape[1::-1]), "timed_calls": {"style_image": n_image, "builtin": n_builtin},
            "device": str(device), "torch_threads": torch.get_num_threads()}


# ----------------------------------------------------------------------------- the studio's models
def bench_classifier(registry, quick: bool = False) -> dict:
    model = registry.get("classifier/fashion")
    x = torch.zeros(1, 1, 28, 28, device=next(model.parameters()).device)
    with torch.no_grad():
        s, _ = median_seconds(lambda: model(x), 0.05 if quick else 1.0)
    return {"classify_one_ms": round(s * 1000, 2), "target_ms": 10, "ok": s < 0.010}


def bench_vae(registry, quick: bool = False) -> dict:
    """Decoding one latent: what a slider move costs."""
    vae = registry.get("vae/fashion")
    z = vae.sample_prior(1, torch.Generator().manual_seed(0)).to(vae.pca_mean.device)
    with torch.no_grad():
        s, _ = median_seconds(lambda: vae.decode(z), 0.05 if quick else 1.0)
    return {"decode_one_ms": round(s * 1000, 2), "target_ms": 10, "ok": s < 0.010}


def bench_gan(registry, quick: bool = False) -> dict:
    """One image and a 4×4 grid, from seeds (latents + generator), as the tab makes them."""
    from genart.models.gan import class_for, latent, render
    G = registry.get("gan/fashion")

    def make(seeds):
        z = torch.stack([latent(s, G.config.z_dim) for s in seeds])
        return render(G, z, torch.tensor([class_for(s, None) for s in seeds]))

    t = 0.05 if quick else 1.0
    (one, _), (grid, _) = median_seconds(lambda: make([0]), t), median_seconds(lambda: make(range(16)), t)
    return {"one_image_ms": round(one * 1000, 2), "grid_4x4_ms": round(grid * 1000, 2),
            "target_ms": {"one": 10, "grid": 50}, "ok": one < 0.010 and grid < 0.050}


def bench_diffusion(registry, quick: bool = False) -> dict:
    """A DDIM-25 guided sample of one image, streamed step by step as the tab does."""
    from genart.diffusion.sampling import denoise, guided
    from genart.diffusion.schedules import schedule_for, spaced_timesteps
    unet = registry.get("diffusion/fashion")
    sched = schedule_for(unet.config)
    steps = 5 if quick else 25

    def run():
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 1, 28, 28, generator=g).to(next(unet.parameters()).device)
        fn = guided(unet, torch.tensor([3], device=x.device), 2.0, unet.config.num_classes)
        with torch.no_grad():
            for _ in denoise(fn, sched, "ddim", x, spaced_timesteps(sched.T, steps), g):
                pass

    s, _ = median_seconds(run, 0.0 if quick else 2.0)
    return {f"ddim{steps}_guided_one_image_s": round(s, 3), "target_s": 1.5, "ok": s < 1.5}


def bench_desk(quick: bool = False) -> dict:
    """The designer's desk: one garment rendered at 512 px (quick: 128 px) with a colour, and with a fabric
    swatch tiled and shaded (genart/studio/desk/render.py); a garment of the test split, a photo as the swatch."""
    from genart.data.datasets import load_fashion_mnist
    from genart.studio.desk.render import render
    side = 128 if quick else 512
    garment = load_fashion_mnist("test")[0][1]                                  # (28, 28) uint8, a pullover
    swatch = load_example("coffee.jpg", (160, 160))
    colour_s, _ = median_seconds(lambda: render(garment, side, colour=(30, 60, 160)), 0.0 if quick else 1.0)
    fabric_s, _ = median_seconds(lambda: render(garment, side, fabric=swatch), 0.0 if quick else 1.0)
    return {f"render_{side}px_colour_s": round(colour_s, 4), f"render_{side}px_fabric_s": round(fabric_s, 4),
            "target_s": 0.3, "ok": max(colour_s, fabric_s) < 0.3}


def bench_train(quick: bool = False) -> dict:
    """Training speed of each family at each preset shape (genart/train/presets.py): img/s over a few
    optimisation steps on random images after one warm-up step (and the process CPU seconds per step: on a
    shared machine wall time is what is left to us, CPU time what the step costs), the seconds one status
    sample grid takes, and the minutes the quick and standard presets' steps take at the measured speed.
    Quick: batch 4, one timed step.

    Targets (issue #16, 2 CPU cores): the 32-px colour GAN's standard preset trains within 15 min, and
    every family's first status grid (one step + one grid) comes within 60 s of the start."""
    from dataclasses import replace

    from genart.core.device import get_device
    from genart.train import task_class
    from genart.train.common import Dist, RunArgs
    from genart.train.presets import PRESETS, SHAPES, preset
    device = get_device()
    seconds = 8.0 if device.type == "cpu" else 2.0            # timed steps per shape (at least 3)
    rows: dict[str, dict] = {}
    ok = True
    for family in PRESETS:
        for size, channels in SHAPES:
            p = preset(family, size, channels)
            batch = 4 if quick else p["batch_size"]
            args = RunArgs(family=family, steps=1000, batch_size=batch, lr=p["lr"], precision=p["precision"],
                           size=size, channels=channels, width=p["width"], num_classes=2, beta1=p.get("beta1"))
            torch.manual_seed(0)
            task = task_class(family)(replace(args), Dist(device=device))
            g = torch.Generator().manual_seed(0)
            x = (torch.rand(batch, channels, size, size, generator=g) * 2 - 1).to(device)
            y = torch.randint(0, 2, (batch,), generator=g).to(device)
            t = time.perf_counter()
            task.train_step(x, y, 0)                                   # warm-up (and the first step's cost)
            sync()
            first_step = time.perf_counter() - t
            n, t, cpu = 0, time.perf_counter(), time.process_time()
            while n < 1 or (not quick and (n < 3 or time.perf_counter() - t < seconds)):
                task.train_step(x, y, n + 1)
                n += 1
                sync()
            step_s, cpu_s = (time.perf_counter() - t) / n, (time.process_time() - cpu) / n
            t = time.perf_counter()
            task.sample_grid(torch.Generator().manual_seed(0))
            sync()
            grid_s = time.perf_counter() - t
            standard = preset(family, size, channels, "standard")["steps"]
            rows[f"{family}_{size}px_{channels}ch"] = {
                "width": p["width"], "batch_size": batch, "lr": p["lr"], "img_per_s": round(batch / step_s, 1),
                "step_s": round(step_s, 4), "cpu_s_per_step": round(cpu_s, 4), "grid_s": round(grid_s, 3),
                "first_grid_s": round(first_step + grid_s, 2),
                "quick_steps": p["steps"], "quick_min": round(p["steps"] * step_s / 60, 1),
                "standard_steps": standard, "standard_min": round(standard * step_s / 60, 1)}
            ok = ok and first_step + grid_s < 60
    gan32 = rows["gan_32px_3ch"]
    ok = ok and (quick or gan32["standard_min"] <= 15)
    return {"presets": rows, "target": "gan 32px colour standard <= 15 min; first grid < 60 s", "ok": ok,
            "device": str(device)}


def bench_png(quick: bool = False) -> dict:
    """Encoding the PNG every result travels as: the studio's encoder (`images.png_bytes`: OpenCV, Sub filter,
    Huffman-only zlib at level 1) against Pillow at level 1 and at its default 6, on an oil painting of
    coffee.jpg at 1482×1000 (quick: 256×173); median ms and the file's MB. Target: the studio's encoder
    takes at most 0.7× Pillow level 1's time for a file no larger."""
    import io

    from genart.core.images import PNG_LEVEL, png_bytes
    from genart.styles.filters import apply_style

    size = (256, 173) if quick else (1482, 1000)
    image = Image.fromarray(apply_style(load_example("coffee.jpg", size), "oil", 1.0))

    def pillow(level: int) -> bytes:
        with io.BytesIO() as out:
            image.save(out, format="PNG", compress_level=level)
            return out.getvalue()
    rows = {}
    for name, fn in (("studio", lambda: png_bytes(image)), (f"pillow_level{PNG_LEVEL}", lambda: pillow(PNG_LEVEL)),
                     ("pillow_level6", lambda: pillow(6))):
        s, _ = median_seconds(fn, 0.0 if quick else 1.0)
        rows[name] = {"ms": round(1000 * s, 1), "mb": round(len(fn()) / 1e6, 3)}
    fast, ref = rows["studio"], rows[f"pillow_level{PNG_LEVEL}"]
    return {"image_px": list(size), "encoders": rows, "target": "studio <= 0.7x pillow level 1 time, no larger",
            "ok": fast["ms"] <= 0.7 * ref["ms"] and fast["mb"] <= ref["mb"]}


def bench_batching(registry, quick: bool = False) -> dict:
    """Would batching quick requests across users pay? For a GAN image, a VAE decode and a classification:
    milliseconds a row alone and in batches of 4 and 16 (the median of the batch's time / B), and how rows
    computed in a batch differ from the same rows computed alone (largest |Δ| of the float output, and for
    images the uint8 pixels that change, over 64 random rows). Informs a decision; no target."""
    from genart.data.datasets import to_uint8
    from genart.models.gan import latent, render

    G, vae, clf = registry.get("gan/fashion"), registry.get("vae/fashion"), registry.get("classifier/fashion")
    g = torch.Generator().manual_seed(0)
    n = 16 if quick else 64
    inputs = {"gan_image": torch.stack([latent(s, G.config.z_dim) for s in range(n)]),           # (n, z_dim)
              "vae_decode": vae.sample_prior(n, g),                                              # (n, z_dim)
              "classify": torch.rand(n, 1, 28, 28, generator=g) * 2 - 1}                          # (n, 1, 28, 28)
    inputs = {k: v.to(registry.device) for k, v in inputs.items()}
    labels = torch.arange(n) % 10
    models = {"gan_image": lambda x, i: render(G, x, labels[i]), "vae_decode": lambda x, i: vae.decode(x),
              "classify": lambda x, i: clf(x)}
    out = {}
    with torch.no_grad():
        for name, f in models.items():
            x = inputs[name]
            per_row = {}
            for b in (1, 4, 16):
                s, _ = median_seconds(lambda: f(x[:b], slice(0, b)), 0.05 if quick else 0.5)
                per_row[f"batch{b}"] = round(1000 * s / b, 3)
            alone = torch.cat([f(x[i:i + 1], slice(i, i + 1)) for i in range(n)])
            batched = torch.cat([f(x[i:i + 16], slice(i, i + 16)) for i in range(0, n, 16)])
            row = {"ms_per_row": per_row, "max_abs_diff": float((alone - batched).abs().max())}
            if name != "classify":
                row["uint8_pixels_changed"] = int((to_uint8(alone) != to_uint8(batched)).sum())
                row["uint8_pixels"] = int(to_uint8(alone).size)
            out[name] = row
    return {**out, "rows_compared": n, "torch_threads": torch.get_num_threads(), "device": str(registry.device)}


# ----------------------------------------------------------------------------- achieved against peak
def matmul_rate(device: torch.device, dtype: torch.dtype, n: int, min_run_time: float) -> float:
    """FLOP/s of an n×n @ n×n product in `dtype` on `device` (2n³ FLOPs, random operands, median): the
    ceiling that achieved rates are held against, measured in the same run (fp32 with TF32 off)."""
    g = torch.Generator().manual_seed(0)
    a, b = (torch.randn(n, n, generator=g).to(device, dtype) for _ in range(2))
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        s, _ = median_seconds(lambda: a @ b, min_run_time)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
    return 2 * n ** 3 / s


def bench_flops(registry, quick: bool = False) -> dict:
    """A large-batch sampling run: guided DDIM-25 over B images at once (B = 4096 on a GPU, 64 on the CPU;
    quick: 8 images, 3 steps). FLOPs per step are counted by torch's FlopCounterMode on one guided network
    evaluation (convolutions, matrix products, attention; elementwise work uncounted), achieved FLOP/s =
    steps × FLOPs per step / seconds, and achieved / peak against `matmul_rate` of the same dtype on the
    same device. On a GPU the run is also made under bf16 autocast. Reported, no target."""
    from torch.utils.flop_counter import FlopCounterMode

    from genart.diffusion.sampling import denoise, guided
    from genart.diffusion.schedules import schedule_for, spaced_timesteps
    unet, device = registry.get("diffusion/fashion"), registry.device
    cuda = device.type == "cuda"
    batch, steps = (8, 3) if quick else ((4096 if cuda else 64), 25)
    sched = schedule_for(unet.config)
    x = torch.randn(batch, 1, 28, 28, generator=torch.Generator().manual_seed(0)).to(device)   # (B, 1, 28, 28)
    labels = (torch.arange(batch) % unet.config.num_classes).to(device)                        # (B,)
    fn = guided(unet, labels, 2.0, unet.config.num_classes)                   # one evaluation: the net on 2B
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        fn(x, torch.full((batch,), sched.T // 2, device=device))
    step_flops = counter.get_total_flops()

    def run():
        for _ in denoise(fn, sched, "ddim", x, spaced_timesteps(sched.T, steps), torch.Generator().manual_seed(0)):
            pass
    t = 0.0 if quick else 2.0
    n = 1024 if quick else (8192 if cuda else 2048)
    out: dict = {"batch": batch, "steps": steps, "network_evaluations_per_step": 2 * batch,
                 "gflop_per_step": round(step_flops / 1e9, 2), "device": str(device),
                 "matmul_n": n}
    modes = {"fp32": (torch.float32, None)}
    if cuda:
        modes["bf16_autocast"] = (torch.bfloat16, torch.bfloat16)
    for name, (dtype, autocast) in modes.items():
        peak = matmul_rate(device, dtype, n, t)
        if autocast is None:
            s, _ = median_seconds(run, t)
        else:
            with torch.autocast(device.type, dtype=autocast):
                s, _ = median_seconds(run, t)
        achieved = steps * step_flops / s
        out[name] = {"seconds": round(s, 4), "images_per_s": round(batch / s, 1),
                     "achieved_tflops": significant(achieved / 1e12), "matmul_peak_tflops": significant(peak / 1e12),
                     "achieved_over_peak": round(achieved / peak, 4)}
    out["ok"] = True
    return out


# ----------------------------------------------------------------------------- all of it
SECTIONS = ("filters", "neural", "style", "classifier", "vae", "gan", "diffusion", "desk", "unet_peers",
            "filter_peers", "roundtrip", "train", "png", "batching", "flops")


def machine(device: torch.device) -> dict:
    """What the figures were measured on: threads, versions and, on a GPU, its name."""
    out = {"cpu_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(), "python": platform.python_version(),
           "torch": torch.__version__, "device": str(device)}
    if device.type == "cuda":
        out["gpu"] = torch.cuda.get_device_name(device)
    return out


def run_benchmarks(quick: bool = False, only: list[str] | None = None, registry=None, keep_going: bool = False,
                   progress: Callable[[dict], None] | None = None) -> dict:
    """Every section (or `only` those, in the order given); the models come from `registry` (default: the
    shipped checkpoints), on its device. `keep_going`: a section that fails is recorded with its error and the
    rest still run (for a lent machine, whose packages differ). `progress(out)` after each section."""
    from genart.core.checkpoints import CheckpointError
    from genart.core.registry import Registry

    unknown = set(only or []) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown bench sections {sorted(unknown)}; choose from {sorted(SECTIONS)}")
    from genart.bench.peers import bench_filter_peers, bench_unet_peers
    from genart.bench.roundtrip import bench_roundtrip

    registry = registry or Registry()
    sections: dict[str, Callable[[], dict]] = {
        "filters": lambda: bench_filters(quick), "neural": lambda: bench_neural(quick, registry.device),
        "style": lambda: bench_style(registry, quick),
        "classifier": lambda: bench_classifier(registry, quick), "vae": lambda: bench_vae(registry, quick),
        "gan": lambda: bench_gan(registry, quick), "diffusion": lambda: bench_diffusion(registry, quick),
        "desk": lambda: bench_desk(quick),
        "unet_peers": lambda: bench_unet_peers(registry, quick), "filter_peers": lambda: bench_filter_peers(quick),
        "roundtrip": lambda: bench_roundtrip(registry, quick), "train": lambda: bench_train(quick),
        "png": lambda: bench_png(quick), "batching": lambda: bench_batching(registry, quick),
        "flops": lambda: bench_flops(registry, quick)}
    out: dict = {"machine": {**machine(registry.device), "quick": quick}}
    for name in only or SECTIONS:
        t = time.perf_counter()
        try:
            out[name] = sections[name]()
        except CheckpointError as e:                 # a family not trained yet: say so, don't fail the rest
            out[name] = {"skipped": str(e), "ok": False}
        except Exception as e:
            if not keep_going:
                raise
            out[name] = {"error": f"{type(e).__name__}: {e}", "ok": False}
        out[name]["section_s"] = round(time.perf_counter() - t, 1)
        if progress:
            progress(out)
    return out
