"""Replay & verify: run a PNG's record again and compare the pixels.

`replay(registry, png)` reads the record (`genart.core.records`), calls the same core function that made
the image with the same parameters, and reports whether the pixels are identical — and, where they
are not, how far apart they are with a difference map. A record made by another checkpoint is
replayed with the studio's own and says so (`same_checkpoint: false`). The record's `model` (any model of
the family, e.g. a user's GAN) makes it again; a record without one is by the family's Fashion-MNIST model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from genart.core import records
from genart.core.registry import Registry
from genart.studio import diffusion, gan, vae
from genart.studio.uploads import uploaded_png


def _last(stream):
    """The final item of a streaming core function."""
    item = None
    for each in stream:
        item = each
    return item


def replayers() -> dict[str, Callable[..., Image.Image]]:
    """action → fn(registry, params, model) giving the image again, by the model the record names."""
    return {
        "gan_generate": lambda reg, p, m: gan.generate(reg, p["seed"], p["label"], p["truncation"], m),
        "gan_grid": lambda reg, p, m: gan.grid(reg, p["seed"], p["label"], p["truncation"], p["rows"], p["cols"],
                                                   m),
        "gan_latent": lambda reg, p, m: gan.from_latent(reg, p["z"], p["y"], None, m),
        "vae_random": lambda reg, p, m: vae.prior_sample(reg, p["seed"], m)[0],
        "vae_decode": lambda reg, p, m: vae.decode(reg, p["z"], model=m),
        "diffusion_sample": lambda reg, p, m: _last(diffusion.sample(
            reg, p["seed"], p["label"], p["sampler"], p["steps"], p["guidance"], p.get("spacing", "uniform"),
            p.get("eta", 0.0), p.get("guidance_rescale", 0.0), m, progress=None))[0],
    }


def difference_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a − b| (H, W[, C]) uint8 → (H, W, 3): black where equal, red scaled so the largest difference is full."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    d = d.max(-1) if d.ndim == 3 else d                                                  # (H, W)
    scale = 255.0 / max(1, int(d.max()))
    out = np.zeros((*d.shape, 3), np.uint8)
    out[..., 0] = np.clip(d * scale, 0, 255).astype(np.uint8)
    return out


def replay(registry, source: Any) -> tuple[Image.Image, dict]:
    """A PNG (path or PIL image) with a genart record → (the image made again, report).

    report: {"action", "identical", "max_abs_diff", "differing_pixels", "same_checkpoint", "record"}, and
    the image is the replayed one where identical, else the difference map beside it."""
    original = source if isinstance(source, Image.Image) else Image.open(source)
    record = records.read(original)
    if record is None:
        raise ValueError("This PNG carries no genart record: only images the studio made (PNG, with their "
                         "parameters) can be replayed.")
    run = replayers().get(record["action"])
    if run is None:
        raise ValueError(f"A {record['action']!r} image cannot be replayed from its PNG alone (it was made from "
                         f"an input image that the record does not hold); replayable: {', '.join(replayers())}.")
    try:
        again = run(registry, record["params"], record.get("model") or None)
    except KeyError as e:
        raise ValueError(f"The record lacks the parameter {e.args[0]!r}; it was not written by this studio.") from None
    a = np.asarray(original.convert("RGB"))
    b = np.asarray(again.convert("RGB"))
    same_size = a.shape == b.shape
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)) if same_size else None
    sha = registry.card(record["model"]).get("sha256") if record.get("model") else None
    report = {"action": record["action"], "identical": bool(same_size and not diff.any()),
              "max_abs_diff": int(diff.max()) if same_size else None,
              "differing_pixels": int((diff.max(-1) > 0).sum()) if same_size else None,
              "same_checkpoint": record.get("sha256") == sha, "record": record}
    if report["identical"] or not same_size:
        return again, report
    return Image.fromarray(np.hstack([b, difference_map(a, b)])), report


def replay_api(registry: Registry, image):
    """/replay: a PNG made by the studio → (the image made again, report: identical, max_abs_diff, ...)."""
    again, report = replay(registry, uploaded_png(image))
    return again, report


def verdict(report: dict) -> str:
    same = "" if report["same_checkpoint"] else " (with another checkpoint than the one that made it)"
    if report["identical"]:
        return f"**Identical**: {report['action']} made the same pixels again{same}."
    if report["max_abs_diff"] is None:
        return f"**Different size**: the replayed image does not have the original's size{same}."
    return (f"**Different**: {report['differing_pixels']} pixels differ, by at most {report['max_abs_diff']} of 255"
            f"{same}. Left: made again; right: where they differ (red).")
