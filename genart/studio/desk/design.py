"""The desk's actions, shared by the API, the browser and the evaluator.

    read_sketch   drawing → the sketch reader's label and probabilities, and the garment check
    generate      drawing (+ seeds, strength, follow, class) → garments (N, 28, 28) that follow its lines:
                  SDEdit from the drawing (strength < 1) or from noise (strength 1), denoised by the
                  sketch-conditioned U-Net with compositional guidance (genart/diffusion/sketch_guidance.py)
    paint         garments → renders at ≥ 512 px in a colour, a colourway or a fabric (genart/studio/desk/render.py)
A drawing is read once (`Drawing`): its grey image, the condition the models see, the 28-px garment
today's models see (`garment_from_image`), the class the reader sees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from genart.data.datasets import CLASSES, garment_from_image, to_tensor, to_uint8
from genart.data.sketch import SketchCondition, filled_region, ink_of, sketch_condition
from genart.diffusion.sampling import denoise, sdedit_start
from genart.diffusion.schedules import schedule_for
from genart.diffusion.sketch_guidance import sketch_guided, sketch_scale
from genart.eval.ood import garment_check
from genart.models.classifier import predict

READER = "sketch_reader/fashion"
MODEL = "sketch_diffusion/fashion"
STEPS = 25
GUIDANCE = 4.0                 # the class's guidance scale w_y (with w_c ≤ 1: the sketch's lines and the class
                               # both held)


@dataclass
class Drawing:
    gray: np.ndarray                  # (H, W) uint8, as drawn (dark on white)
    condition: SketchCondition        # what the sketch model reads
    garment: np.ndarray               # (28, 28) uint8: what today's models (and the reader) see
    sha256: str

    @property
    def outline(self) -> np.ndarray:
        """The designer's filled outline in the model's frame (the box's longer side spans it), (S, S) in [0, 1]."""
        c = self.condition
        top, left, bottom, right = c.box
        fill = filled_region(ink_of(self.gray))[top:bottom, left:right]
        h, w = fill.shape
        side = max(h, w)
        out = np.zeros((side, side), np.float32)
        out[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = fill
        return out[:, ::-1].copy() if c.flipped else out


def read_drawing(image: Image.Image) -> Drawing:
    """A PIL image (a sketch, or a garment picture) → a Drawing; a blank one is an error that says so."""
    gray = np.asarray(image.convert("L"))
    condition = sketch_condition(gray)
    if condition.empty:
        raise ValueError("The sketch is blank: draw some dark lines on the white canvas, or upload an image.")
    return Drawing(gray, condition, garment_from_image(image), hashlib.sha256(gray.tobytes()).hexdigest()[:16])


@torch.no_grad()
def read_sketch(registry, drawing: Drawing) -> dict:
    """/read_sketch: {"label", "probs": {class: p}, "garment": the garment check of genart/eval/ood.py}."""
    result = predict(registry.get(READER), to_tensor(drawing.garment[None]))[0]
    return {**result, "garment": garment_check(registry, drawing.garment)}


def label_of(registry, drawing: Drawing, label: str | None) -> int:
    """A class name → its index; "any"/"auto"/None → the class the reader sees in the drawing."""
    if label in (None, "", "any", "auto"):
        return CLASSES.index(read_sketch_label(registry, drawing))
    if label not in CLASSES:
        raise ValueError(f"label must be one of {', '.join(CLASSES)} or 'any', not {label!r}")
    return CLASSES.index(label)


@torch.no_grad()
def read_sketch_label(registry, drawing: Drawing) -> str:
    return predict(registry.get(READER), to_tensor(drawing.garment[None]))[0]["label"]


@torch.no_grad()
def generate(registry, drawing: Drawing, seeds: list[int], strength: float, follow: float, label: int,
             guide: np.ndarray | None = None, steps: int = STEPS, guidance: float = GUIDANCE) -> np.ndarray:
    """Garments (N, 28, 28) uint8 in the model's frame (mirrored like the condition), one per seed.

    strength ∈ (0, 1]: SDEdit's t₀ = strength · T from `guide` (default: the drawing as today's models
    see it; to refine: a kept garment); 1 starts from noise. follow ∈ [0, 1]: the sketch's guidance."""

    model = registry.get(MODEL)
    device = next(model.parameters()).device
    schedule = schedule_for(model.config)
    g0 = guide if guide is not None else drawing.garment
    x0 = to_tensor(g0[None]).to(device)                                                  # (1, 1, 28, 28)
    starts, ts = [], None
    for s in seeds:
        x, ts = sdedit_start(schedule, x0, strength, steps, torch.Generator().manual_seed(int(s)))
        starts.append(x)
    x = torch.cat(starts)                                                                 # (N, 1, 28, 28)
    n = len(seeds)
    cond = drawing.condition.tensor()[None].expand(n, -1, -1, -1).to(device)
    labels = torch.full((n,), int(label), dtype=torch.long, device=device)
    fn = sketch_guided(model, cond, labels, sketch_scale(follow), guidance, model.config.num_classes)
    for step in denoise(fn, schedule, "ddim", x, ts, torch.Generator().manual_seed(0)):
        x = step.x_next
    return to_uint8(x)


def as_drawn(garment: np.ndarray, drawing: Drawing) -> np.ndarray:
    """A garment in the model's frame → as the designer drew it (mirrored back where reading mirrored)."""
    return np.ascontiguousarray(garment[:, ::-1]) if drawing.condition.flipped else garment
