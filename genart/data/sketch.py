"""Sketches: how people draw a garment, and what a drawing says to the models.

Two pure functions, used by both the sketch reader and the sketch-conditioned diffusion model, in
training and in the studio alike:

    render_sketch(garment, rng)  Fashion-MNIST garment (28, 28) light on black
                                 → a drawing (S, S) uint8, dark lines on white, as the Sketchpad makes
                                   them: outline only or filled, random stroke width, wobble, gaps,
                                   detail lines, blur and a small affine change of the hand.
    sketch_condition(drawing)    a drawing (any size, either polarity)
                                 → SketchCondition: lines (28, 28) and the filled region they enclose
                                   (28, 28), both in [0, 1], cropped to the ink and scaled so the longer
                                   side spans 28 px (as Fashion-MNIST frames a garment), mirrored to face
                                   left like the dataset's shoes; `box` says where it was in the drawing.

The condition a model sees is always `sketch_condition` of a drawing — a rendered one in training,
the designer's in the studio — so both see the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from genart.data.datasets import face_left

SIZE = 28
CANVAS = 112                 # the rendered drawing's side: a 28-px garment drawn at 4×


# ----------------------------------------------------------------------------- garment → silhouette
def silhouette(garment: np.ndarray, size: int = CANVAS, pad: int = 8, level: float = 24.0) -> np.ndarray:
    """A garment (28, 28) uint8 → its filled silhouette (size, size) uint8 {0, 255} with a smooth contour.

    Bicubic upsampling, a Gaussian blur of about one source pixel, then a threshold: the contour
    follows the garment's shape, not its pixel grid. Holes bigger than 1 % of the garment (a bag's
    handle) stay open; specks of dark print inside the garment are filled."""
    inner = size - 2 * pad
    up = cv2.resize(garment.astype(np.float32), (inner, inner), interpolation=cv2.INTER_CUBIC)
    up = cv2.GaussianBlur(up, (0, 0), inner / SIZE * 0.6)
    mask = np.zeros((size, size), np.uint8)
    mask[pad:pad + inner, pad:pad + inner] = (up > level).astype(np.uint8) * 255
    return fill_small_holes(mask, 0.01)


HAND = 0.3             # render_sketch's `amount` for the sketch model's conditions: a careful hand


def fill_small_holes(mask: np.ndarray, fraction: float) -> np.ndarray:
    """Fill the holes of a {0, 255} mask whose area is below `fraction` of the largest outer region."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return mask
    outer = max((cv2.contourArea(c) for c, h in zip(contours, hierarchy[0]) if h[3] < 0), default=0.0)
    out = mask.copy()
    for c, h in zip(contours, hierarchy[0]):
        if h[3] >= 0 and cv2.contourArea(c) < fraction * outer:
            cv2.drawContours(out, [c], -1, 255, cv2.FILLED)
    return out


# ----------------------------------------------------------------------------- the hand
def _wobble(points: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """A closed polyline (N, 2) moved by a smooth random displacement of about `amplitude` px."""
    n = len(points)
    if n < 8 or amplitude <= 0:
        return points
    noise = rng.normal(0.0, 1.0, (n, 2))
    width = max(3, n // 12)                                                   # a few bumps per outline
    kernel = np.hanning(2 * width + 1)
    kernel /= kernel.sum()
    smooth = np.stack([np.convolve(np.concatenate([noise[-width:, k], noise[:, k], noise[:width, k]]),
                                   kernel, mode="valid") for k in range(2)], 1)     # (N, 2), cyclic
    smooth *= amplitude / max(float(smooth.std()), 1e-6)
    return points + smooth


def _resample(contour: np.ndarray, step: float = 2.0) -> np.ndarray:
    """Points every `step` px along a closed contour (N, 2)."""
    closed = np.concatenate([contour, contour[:1]]).astype(np.float64)
    seg = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    if arc[-1] < step * 4:
        return contour.astype(np.float64)
    s = np.arange(0.0, arc[-1], step)
    return np.stack([np.interp(s, arc, closed[:, 0]), np.interp(s, arc, closed[:, 1])], 1)


def _strokes(points: np.ndarray, gaps: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A closed polyline → open strokes with `gaps` short pieces (2–6 % of its length each) left out."""
    n = len(points)
    ring = np.concatenate([points, points[:1]])
    if gaps == 0 or n < 20:
        return [ring]
    keep = np.ones(n + 1, bool)
    for _ in range(gaps):
        length = max(1, int(n * rng.uniform(0.02, 0.06)))
        start = int(rng.integers(0, n + 1 - length))
        keep[start:start + length] = False
    strokes, current = [], []
    for p, k in zip(ring, keep):
        if k:
            current.append(p)
        elif current:
            strokes.append(np.array(current))
            current = []
    if current:
        strokes.append(np.array(current))
    return [s for s in strokes if len(s) >= 2]


def _affine(rng: np.random.Generator, amount: float, size: int) -> np.ndarray:
    """A small random change of the hand (2, 3): rotation ±8°, scale ±8 % per axis, shear ±0.1, × amount."""
    angle = np.deg2rad(rng.uniform(-8, 8) * amount)
    sx, sy = 1 + rng.uniform(-0.08, 0.08, 2) * amount
    shear = rng.uniform(-0.1, 0.1) * amount
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    m = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    c = np.array([size / 2, size / 2])
    return np.concatenate([m, (c - m @ c)[:, None]], 1)


def render_sketch(garment: np.ndarray, rng: np.random.Generator, amount: float = 1.0,
                  size: int = CANVAS) -> np.ndarray:
    """A Fashion-MNIST garment (28, 28) uint8 → how a person might draw it: (size, size) uint8, dark on white.

    `amount` scales how far the hand strays from the garment (affine change, wobble); 0 traces it."""
    mask = silhouette(garment, size)
    a = _affine(rng, amount, size)
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return np.full((size, size), 255, np.uint8)
    biggest = max(cv2.contourArea(c) for c in contours)
    scale = size / CANVAS
    width = int(rng.choice([2, 2, 3, 3, 4, 5]) * scale + 0.5)                # the brush
    wobble = rng.uniform(0.0, 1.5) * amount * scale
    gaps = int(rng.choice([0, 0, 0, 1, 1, 2]))
    ink = int(rng.integers(0, 70))
    paper = np.full((size, size), 255, np.uint8)
    lines = []
    for c, h in zip(contours, hierarchy[0]):
        if cv2.contourArea(c) < 0.01 * biggest:
            continue
        p = _resample(c[:, 0, :].astype(np.float64), 2.0 * scale) @ a[:, :2].T + a[:, 2]
        lines.append((_wobble(p, wobble, rng), h[3] >= 0))
    if rng.random() < 0.3:                                                    # filled: shaded with the pencil
        shade = int(rng.integers(ink, 200))
        outer = [np.round(p).astype(np.int32) for p, hole in lines if not hole]
        holes = [np.round(p).astype(np.int32) for p, hole in lines if hole]
        cv2.fillPoly(paper, outer, shade, cv2.LINE_AA)
        cv2.fillPoly(paper, holes, 255, cv2.LINE_AA)
    for p, _ in lines:
        for stroke in _strokes(p, gaps, rng):
            cv2.polylines(paper, [np.round(stroke * 4).astype(np.int32)], False, ink, width, cv2.LINE_AA, 2)
    if rng.random() < 0.4:                                                    # detail lines: seams, collars
        up = cv2.resize(garment, (size - 16 * size // CANVAS,) * 2, interpolation=cv2.INTER_CUBIC)
        edges = np.zeros((size, size), np.uint8)
        o = 8 * size // CANVAS
        edges[o:o + up.shape[0], o:o + up.shape[1]] = cv2.Canny(cv2.GaussianBlur(up, (0, 0), 1.5), 60, 140)
        inside = cv2.erode(mask, np.ones((5, 5), np.uint8), iterations=2) > 0
        edges = cv2.warpAffine(np.where(inside, edges, 0).astype(np.uint8), a, (size, size))
        paper[edges > 0] = np.minimum(paper[edges > 0], ink + 40)
    blur = rng.uniform(0.0, 1.0) * scale
    if blur > 0.3:
        paper = cv2.GaussianBlur(paper, (0, 0), blur)
    return paper


# ----------------------------------------------------------------------------- drawing → condition
@dataclass
class SketchCondition:
    lines: np.ndarray             # (28, 28) float32 in [0, 1]: the strokes
    fill: np.ndarray              # (28, 28) float32 in [0, 1]: the region they enclose, strokes included
    flipped: bool                 # mirrored to face left like the dataset; mirror results back
    box: tuple[int, int, int, int]  # (top, left, bottom, right) of the ink in the drawing, bottom/right exclusive
    empty: bool = False

    def tensor(self) -> torch.Tensor:
        """(3, 28, 28): lines, fill, and a plane of ones saying "a sketch is given" (zeros: dropped)."""
        present = np.zeros_like(self.lines) if self.empty else np.ones_like(self.lines)
        return torch.from_numpy(np.stack([self.lines, self.fill, present])).float()


NULL_CONDITION = torch.zeros(3, SIZE, SIZE)         # the dropped condition: no sketch


def ink_of(drawing: np.ndarray) -> np.ndarray:
    """A drawing (H, W) uint8 of either polarity → ink (H, W) float32 in [0, 1] (1: the darkest stroke).

    Polarity from the border, as `garment_from_image` decides it: a light border means dark strokes."""
    gray = drawing.astype(np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 127:
        gray, border = 255.0 - gray, 255.0 - border
    ink = np.clip(gray - np.median(border), 0, None)
    return ink / max(float(ink.max()), 1.0)


def filled_region(ink: np.ndarray) -> np.ndarray:
    """Ink (H, W) in [0, 1] → {0, 1} float mask of the strokes and everything they enclose.

    Small gaps in an outline are closed first (a closing of about 1 % of the drawing's side); what a
    flood fill from the border cannot reach is inside the garment."""
    h, w = ink.shape
    strokes = (ink > 0.25).astype(np.uint8)
    k = max(3, (max(h, w) // 100) | 1)
    closed = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    outside = np.pad(1 - closed, 1, constant_values=1)
    flood = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(outside, flood, (0, 0), 2)
    return ((outside[1:-1, 1:-1] != 2) | (strokes > 0)).astype(np.float32)


def _fit(plane: np.ndarray, size: int) -> np.ndarray:
    """A cropped plane (h, w) → (size, size): longer side scaled to `size` (area-averaged), centred."""
    h, w = plane.shape
    s = size / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    resized = cv2.resize(plane, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    out = np.zeros((size, size), np.float32)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = resized
    return out


def sketch_condition(drawing: np.ndarray, size: int = SIZE, mirror: bool = True) -> SketchCondition:
    """A drawing (H, W) uint8 (or (H, W, 3)) → what the models read of it (see the module docstring)."""
    if drawing.ndim == 3:
        drawing = cv2.cvtColor(np.ascontiguousarray(drawing[..., :3]), cv2.COLOR_RGB2GRAY)
    ink = ink_of(drawing)
    fill = filled_region(ink)
    present = fill > 0
    if not present.any():
        z = np.zeros((size, size), np.float32)
        return SketchCondition(z, z, False, (0, 0, drawing.shape[0], drawing.shape[1]), empty=True)
    rows, cols = np.flatnonzero(present.any(1)), np.flatnonzero(present.any(0))
    box = (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
    lines, fill = ink[box[0]:box[2], box[1]:box[3]], fill[box[0]:box[2], box[1]:box[3]]
    flipped = bool(mirror) and face_left(fill) is not fill
    if flipped:
        lines, fill = lines[:, ::-1], fill[:, ::-1]
    return SketchCondition(np.clip(_fit(np.ascontiguousarray(lines), size), 0, 1),
                           np.clip(_fit(np.ascontiguousarray(fill), size), 0, 1), flipped, box)


def conditions(garments: np.ndarray, rng: np.random.Generator, amount: float) -> tuple[torch.Tensor, np.ndarray]:
    """A batch of garments (B, 28, 28) uint8 → rendered sketches' conditions (B, 3, 28, 28) and which
    were mirrored (B,) bool (the training target is mirrored with them)."""
    out = [sketch_condition(render_sketch(g, rng, amount)) for g in garments]
    return torch.stack([c.tensor() for c in out]), np.array([c.flipped for c in out])


# ----------------------------------------------------------------------------- fidelity
def crop_resize(mask: np.ndarray, size: int = 64) -> np.ndarray:
    """A mask (H, W) → its bounding box stretched to (size, size) bool, so shape counts, not placement."""
    m = mask > 0
    if not m.any():
        return np.zeros((size, size), bool)
    rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
    crop = m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32)
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR) >= 0.5


def silhouette_iou(a: np.ndarray, b: np.ndarray, size: int = 64) -> float:
    """IoU of two masks, each cropped to its bounding box and resized to (size, size)."""
    ma, mb = crop_resize(a, size), crop_resize(b, size)
    union = np.logical_or(ma, mb).sum()
    return float(np.logical_and(ma, mb).sum() / union) if union else 0.0


def garment_mask(garment: np.ndarray, size: int = CANVAS) -> np.ndarray:
    """A generated garment (28, 28) uint8 → its smooth silhouette (size, size) {0, 255}, no margin."""
    return silhouette(garment, size, pad=0)
