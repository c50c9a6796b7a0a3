"""How well a garment follows its sketch: silhouette IoU and class kept.

    IoU = |S ∩ G| / |S ∪ G|,  S = the filled sketch, G = the garment's silhouette, each cropped to its
    bounding box and resized to 64 × 64 (genart/data/sketch.py `silhouette_iou`): shape counts, not placement.
Class kept: the metric classifier (classifier/fashion, the FD yardstick) names the result as the
sketch's class.
"""

from __future__ import annotations

import numpy as np
import torch

from genart.data.datasets import load_fashion_mnist, to_tensor, to_uint8
from genart.data.sketch import (
    HAND,
    filled_region,
    garment_mask,
    ink_of,
    render_sketch,
    silhouette_iou,
    sketch_condition,
)
from genart.diffusion.sampling import sample
from genart.diffusion.schedules import schedule_for
from genart.diffusion.sketch_guidance import sketch_guided


def sketch_iou(drawing: np.ndarray, garment: np.ndarray, flipped: bool) -> float:
    """IoU of a drawing's filled region and a 28-px garment (uint8, in model space; mirrored back if the
    reading of the sketch mirrored it)."""
    g = garment[:, ::-1] if flipped else garment
    return silhouette_iou(filled_region(ink_of(drawing)), garment_mask(np.ascontiguousarray(g)))


@torch.no_grad()
def classify(classifier, garments: np.ndarray) -> np.ndarray:
    """Garments (N, 28, 28) uint8 → the metric classifier's labels (N,)."""
    device = next(classifier.parameters()).device
    return classifier.eval()(to_tensor(garments).to(device)).argmax(1).cpu().numpy()


@torch.no_grad()
def follow_rendered(model, classifier, samples: int = 200, seed: int = 0, steps: int = 25,
                    w_sketch: float = 1.0, w_label: float = 4.0) -> dict:
    """The sketch model on rendered sketches of test garments (label-balanced): mean IoU, class kept."""

    images, labels = load_fashion_mnist("test")
    idx = np.concatenate([np.flatnonzero(labels == k)[:max(1, samples // 10)] for k in range(10)])
    rng = np.random.default_rng(seed)
    drawings = [render_sketch(images[i], rng, HAND) for i in idx]
    conds = [sketch_condition(d) for d in drawings]
    c = torch.stack([k.tensor() for k in conds])
    y = torch.from_numpy(labels[idx]).long()
    g = torch.Generator().manual_seed(seed)
    fn = sketch_guided(model.eval(), c, y, w_sketch, w_label, model.config.num_classes)
    x = to_uint8(sample(fn, schedule_for(model.config), "ddim", torch.randn(len(y), 1, 28, 28, generator=g), steps, g))
    ious = [sketch_iou(d, xi, k.flipped) for d, xi, k in zip(drawings, x, conds)]
    result = {"sketch_iou": round(float(np.mean(ious)), 4), "samples": len(idx), "steps": steps,
              "sketch_guidance": w_sketch, "guidance": w_label, "sketches": "rendered test garments (hand 0.3)"}
    if classifier is not None:
        result["class_kept"] = round(float((classify(classifier, x) == labels[idx]).mean()), 4)
    return result


# ----------------------------------------------------------------------------- the hand-drawn test set
STRENGTHS = (0.5, 0.7, 0.9, 1.0)
