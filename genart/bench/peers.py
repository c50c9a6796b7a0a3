"""Peers, measured in the same run as ours: are we still ahead of the well-kept libraries?

- Our U-Net (genart/models/unet.py) against a diffusers `UNet2DModel` of about the same parameter count
  (the same levels 28 → 14 → 7, attention at 7×7, class embedding): forward at batch 1 and 64, and a
  training step (forward, v-loss, backward, AdamW) at batch 128 in images per second.
- Each painting filter against the nearest OpenCV function: oil ↔ `cv2.xphoto.oilPainting`, pencil ↔
  `cv2.pencilSketch`, watercolor ↔ `cv2.stylization`, on the same 1024×1024 photo.

Ratios are ours / theirs for times (below 1: we are faster) and ours / theirs for throughput (above 1: we
are faster). diffusers is a test-only dependency (requirements-dev.txt): without it that part is skipped.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from genart.bench.common import load_example, median_seconds, sync
from genart.styles.filters import apply_style

FORWARD_TARGET = 0.8          # our forward time ≤ 0.8 × diffusers'
TRAIN_TARGET = 1.25           # our training throughput ≥ 1.25 × diffusers'


def param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def diffusers_unet(target_params: int, num_classes: int = 10):
    """The diffusers UNet2DModel of our shape (1 channel, 28 px, three levels, attention at the lowest)
    whose base width brings its parameter count closest to `target_params`."""
    from diffusers import UNet2DModel

    def make(c: int, layers: int):
        return UNet2DModel(sample_size=28, in_channels=1, out_channels=1, layers_per_block=layers,
                           block_out_channels=(c, 2 * c, 4 * c), norm_num_groups=8,
                           down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
                           up_block_types=("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
                           num_class_embeds=num_classes + 1)

    best = min(((c, layers) for c in range(16, 49, 8) for layers in (1, 2)),
               key=lambda cl: abs(param_count(make(*cl)) - target_params))
    return make(*best).eval()


def _time(fn, min_time: float) -> float:
    return median_seconds(fn, min_time)[0]


def bench_unet_peers(registry, quick: bool = False) -> dict:
    try:
        import diffusers  # noqa: F401  (only whether it is installed: the peer is optional)
    except ImportError:
        return {"skipped": "diffusers is not installed (pip install -r requirements-dev.txt)", "ok": True}
    device = registry.device
    ours = registry.get("diffusion/fashion")
    ours = type(ours)(ours.config).eval().to(device)         # a fresh copy: training must not touch the registry's
    theirs = diffusers_unet(param_count(ours), ours.config.num_classes).to(device)
    t_min = 0.05 if quick else 1.0
    out: dict = {"params": {"ours": param_count(ours), "diffusers": param_count(theirs)}, "device": str(device)}
    for batch in ((1,) if quick else (1, 64)):
        x = torch.randn(batch, 1, 28, 28, device=device)
        t = torch.randint(0, 1000, (batch,), device=device)
        y = torch.randint(0, 10, (batch,), device=device)
        with torch.no_grad():
            a = _time(lambda: ours(x, t, y), t_min)
            b = _time(lambda: theirs(x, t, class_labels=y).sample, t_min)
        out[f"forward_b{batch}_ms"] = {"ours": round(a * 1000, 2), "diffusers": round(b * 1000, 2),
                                       "ratio": round(a / b, 3)}
    batch = 4 if quick else 128
    steps = 1 if quick else 8
    rates = {}
    for name, model, call in (("ours", ours, lambda m, x, t, y: m(x, t, y)),
                              ("diffusers", theirs, lambda m, x, t, y: m(x, t, class_labels=y).sample)):
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        x, t, y = (torch.randn(batch, 1, 28, 28, device=device), torch.randint(0, 1000, (batch,), device=device),
                   torch.randint(0, 10, (batch,), device=device))

        def step():
            opt.zero_grad(set_to_none=True)
            loss = (call(model, x, t, y) - x).pow(2).mean()
            loss.backward()
            opt.step()

        step()                                                           # warm-up
        sync()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        rates[name] = batch * steps / (time.perf_counter() - t0)
        model.eval()
    out["train_img_per_s"] = {k: round(v, 1) for k, v in rates.items()}
    out["train_img_per_s"]["ratio"] = round(rates["ours"] / rates["diffusers"], 3)
    out["target"] = {"forward_ratio_max": FORWARD_TARGET, "train_ratio_min": TRAIN_TARGET}
    out["ok"] = (all(v["ratio"] <= FORWARD_TARGET for k, v in out.items() if k.startswith("forward_"))
                 and out["train_img_per_s"]["ratio"] >= TRAIN_TARGET)
    return out


def opencv_peers() -> dict:
    """Our filter name → the nearest OpenCV function on a (H, W, 3) uint8 RGB image."""
    import cv2

    def bgr(fn):
        return lambda rgb: fn(np.ascontiguousarray(rgb[..., ::-1]))

    return {"oil": bgr(lambda im: cv2.xphoto.oilPainting(im, 7, 1)),
            "pencil": bgr(lambda im: cv2.pencilSketch(im, sigma_s=60, sigma_r=0.07, shade_factor=0.05)),
            "watercolor": bgr(lambda im: cv2.stylization(im, sigma_s=60, sigma_r=0.45))}


def bench_filter_peers(quick: bool = False) -> dict:

    side, t_min = (256, 0.0) if quick else (1024, 1.0)
    img = load_example("coffee.jpg", (side, side))
    out = {}
    for name, theirs in opencv_peers().items():
        a = _time(lambda: apply_style(img, name), t_min)
        b = _time(lambda: theirs(img), t_min)
        out[name] = {"ours_s": round(a, 4), "opencv_s": round(b, 4), "ratio": round(a / b, 3)}
    return {"filters_vs_opencv": out, "image_px": side, "ok": True}
