"""Classic painting filters: photo in, painting-like picture of the same size out.

Every style is a plain function ``fn(rgb, s, rng, **params) -> float image`` registered in
``STYLES`` with a title, a one-line description and one or two ``Param``s that a UI can turn
into sliders. ``apply_style`` is the one entry point: it validates names, clamps values,
handles ``strength`` (0 = the input unchanged, 1 = the full effect) and converts back to uint8.

Conventions (shared with the image operations in ``imageops.py`` that the styles are built from)
    rgb      (H, W, 3) uint8, RGB order
    x        (H, W, 3) float32 in [0, 1]
    k        max(H, W) / 512: every length below is given "at 512 px" and multiplied by k,
             so a style looks the same on a thumbnail and on a 4k photo
    s        strength in (0, 1]; each style scales its own knobs (brush size, abstraction, ...)
             with s and fades the effect in over the photo with opacity √s
    rng      np.random.Generator from a fixed seed: dot placement, paper grain, hatching

Everything is OpenCV / numpy on the CPU: each style takes well under a second at 1024 px
(``python -m genart bench``), so none of it needs a GPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from genart.styles.imageops import (
    blur,
    f32,
    fade,
    flow_blur,
    fractal_noise,
    grad_mag,
    gray,
    kmeans,
    mix,
    nearest,
    norm01,
    paper_noise,
    resize_by,
    resize_to,
    saturate,
    scale,
    sketch_lines,
    streaks,
    tangent_angle,
    u8,
    xdog,
)

# ----------------------------------------------------------------------------- registry types


@dataclass(frozen=True)
class Param:
    """One numeric knob of a style (a slider in the UI)."""

    name: str
    label: str
    minimum: float
    maximum: float
    default: float
    step: float

    def clamp(self, value: float) -> float:
        return float(min(max(float(value), self.minimum), self.maximum))

    def as_dict(self) -> dict:
        return {"name": self.name, "label": self.label, "minimum": self.minimum,
                "maximum": self.maximum, "default": self.default, "step": self.step}


@dataclass(frozen=True)
class FilterStyle:
    """A named filter: ``fn(rgb, s, rng, **params)`` returns a float image in [0, 1]."""

    name: str
    title: str
    description: str
    fn: Callable[..., np.ndarray]
    params: tuple[Param, ...]


# ----------------------------------------------------------------------------- the styles


def _oil(rgb: np.ndarray, s: float, rng: np.random.Generator, brush: float, relief: float) -> np.ndarray:
    """Kuwahara-like histogram filter for the strokes, then bristle relief lit from top-left."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    r = max(1.0, brush * k * (0.25 + 0.75 * s))  # stroke radius at full size (px)
    # xphoto.oilPainting cost grows with the radius: run it where the radius is ≤ 3.5 px
    f = min(1.0, 3.5 / r)
    small = resize_by(rgb, f)  # (h', w', 3)
    size = max(1, int(round(r * f)))
    paint = f32(cv2.xphoto.oilPainting(small, size, 1, cv2.COLOR_RGB2GRAY))  # (h', w', 3)

    # strokes: drag the paint along the flow (edge tangent) so daubs become brush strokes
    g_small = gray(paint)
    ang = tangent_angle(blur(g_small, 1.0), 3.0 * size)  # (h', w') radians
    paint = flow_blur(paint, 4.0 * size + 1, ang)
    # bristle texture: noise smeared along the same flow = height of the paint ridges
    bristle = streaks(rng.random(g_small.shape, dtype=np.float32), 4.0 * size + 1, ang)  # std 1
    height = 0.08 * bristle + 0.5 * blur(gray(paint), 0.5 * size)

    paint = resize_to(paint, w, h)  # (H, W, 3)
    height = resize_to(height, w, h)  # (H, W)
    # bump-map lit from the top-left: shading = -(dH/dx + dH/dy), in units of the small image
    hx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    hy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    shade = np.clip(-(hx + hy) / 8.0 * f * 2.5 * relief * s, -0.2, 0.2)  # Sobel gain 8
    out = paint * (1.0 + shade[..., None]) + 0.25 * np.clip(shade, 0, None)[..., None]
    out = saturate(np.clip(out, 0, 1), 1.1)
    return mix(f32(rgb), out, fade(s))


def _watercolor(rgb: np.ndarray, s: float, rng: np.random.Generator, wash: float, paper: float) -> np.ndarray:
    """Watercolour after Bousseau et al. 2006: flat washes (mean-shift segmentation) with
    wobbly, bleeding edges, darkened by pigment density C' = C - (C - C²)(d - 1) (their eq. 1),
    where d rises at wash edges, with low-frequency turbulence and with paper granulation."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    x = f32(rgb)
    # 1. washes: mean shift on a small copy merges each region into one flat colour
    f = min(1.0, (480.0 - 200.0 * wash * s) / max(h, w))
    small = resize_by(rgb, f)
    small = cv2.pyrMeanShiftFiltering(small, 3 + 6 * wash * s, 10 + 20 * wash * s)
    if min(small.shape[:2]) >= 5:
        small = cv2.medianBlur(small, 5)
    sm = saturate(f32(small), 1.2)  # (h', w', 3)
    # 2. wet-in-wet: where the turbulence field is high the wash runs over its edges
    hs, ws = sm.shape[:2]
    bleed = np.clip(0.5 + 0.6 * fractal_noise(hs, ws, rng, (max(hs, ws) / 5, max(hs, ws) / 14)), 0, 1)
    sm = mix(sm, blur(sm, 2.5), bleed * (0.3 + 0.7 * wash) * s)
    # 3. back to full size with hand-made, wobbly wash boundaries (low-frequency displacement)
    wc = resize_to(sm, w, h)  # (H, W, 3)
    amp = 1.6 * k * s
    dx = fractal_noise(h, w, rng, (30 * k + 1, 10 * k + 1)) * amp
    dy = fractal_noise(h, w, rng, (30 * k + 1, 10 * k + 1)) * amp
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    wc = cv2.remap(wc, gx + dx, gy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    wc = 1.0 - (1.0 - wc) * 0.82  # thinned pigment: lighter than the photo
    # 4. pigment density d: edge darkening + turbulence + granulation
    gb = blur(gray(wc), 1.0 * k)
    edge = norm01(grad_mag(gb), 60, 99.5)
    turb = fractal_noise(h, w, rng, (60 * k + 1, 20 * k + 1))
    grain = fractal_noise(h, w, rng, (2.5 * k + 0.5, 6.0 * k + 1))
    d = 1.0 + s * (1.0 * edge + 0.15 * turb + 0.3 * paper * grain)
    out = wc - (wc - wc * wc) * (d[..., None] - 1.0)
    # 5. cold-press paper: warm white with a faint tooth
    tooth = fractal_noise(h, w, rng, (1.0 * k + 0.5,))
    out = out * np.array([1.0, 0.985, 0.955], np.float32) * (1.0 + 0.025 * paper * s * tooth[..., None])
    return mix(x, np.clip(out, 0, 1), fade(s))


def _pencil(rgb: np.ndarray, s: float, rng: np.random.Generator, darkness: float, shading: float) -> np.ndarray:
    """Graphite: Lu et al. 2012 stroke map for contours plus diagonal hatching for tone."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    g = gray(f32(rgb))  # (H, W)
    lines = sketch_lines(g, k, 10 * k + 3)  # (H, W) darkness of contour strokes
    # colour-dodge sketch adds fine graphite detail: g / (1 - blur(1 - g))
    dodge = np.clip(g / np.maximum(1.0 - blur(1.0 - g, 4.0 * k), 1e-3), 0, 1)
    stroke = np.clip(1.0 - (0.75 * lines + 0.6 * (1.0 - dodge)) * (0.3 + 1.1 * darkness) * (0.5 + 0.5 * s), 0, 1)

    # tone: darkness of the blurred photo rendered as hatching (two diagonal layers)
    tone = np.clip(1.0 - blur(g, 2.0 * k), 0, 1) ** 1.3  # (H, W) 0 = white
    hatch1 = streaks(paper_noise(h, w, rng, k), 16 * k + 3, np.deg2rad(-35.0))
    hatch2 = streaks(paper_noise(h, w, rng, k), 16 * k + 3, np.deg2rad(-65.0))
    # a pixel is graphite where its hatch texture falls below the local tone
    layer1 = 1.0 / (1.0 + np.exp(-(tone * 2.6 - 1.0 + 0.45 * hatch1) * 6.0))
    layer2 = 1.0 / (1.0 + np.exp(-(tone * 2.6 - 1.9 + 0.45 * hatch2) * 6.0))
    hatching = 1.0 - shading * 0.55 * s * np.clip(layer1 + layer2, 0, 1.3)
    out = stroke * hatching
    grain = fractal_noise(h, w, rng, (1.0 * k + 0.5,))
    out = out * (1.0 - 0.03 * grain)
    out = np.repeat(np.clip(out, 0, 1)[..., None], 3, axis=2)
    return mix(f32(rgb), out, fade(s))


def _ink(rgb: np.ndarray, s: float, rng: np.random.Generator, line_weight: float, fill: float) -> np.ndarray:
    """Black ink line art on white paper from the XDoG operator."""
    k = scale(rgb)
    g = gray(f32(rgb))
    g = cv2.bilateralFilter(g, 5, 0.1, 3.0 * k)  # drop fine texture, keep contours
    sigma = (0.5 + 0.6 * line_weight) * k * (0.5 + 0.5 * s)
    # ε: flat areas darker than ε turn solid black; pick it so that ≈ 30·fill % of them do
    eps = max(0.03, float(np.percentile(g, 30.0 * fill * s)))
    ink = xdog(g, sigma, p=22.0, eps=eps, phi=25.0)
    ink = np.repeat(ink[..., None], 3, axis=2)
    return mix(f32(rgb), ink, fade(s))


def _colored_pencil(rgb: np.ndarray, s: float, rng: np.random.Generator, pressure: float,
                    outline: float) -> np.ndarray:
    """Coloured pencil on white paper: hatching strokes carry the colour, paper shows between."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    x = f32(rgb)
    f = min(1.0, 384.0 / max(h, w))
    small = resize_by(rgb, f)
    small = cv2.bilateralFilter(cv2.bilateralFilter(small, 7, 40, 5), 7, 40, 5)
    c = saturate(resize_to(f32(small), w, h), 1.3)  # (H, W, 3) simplified colour
    g = gray(x)
    # strokes follow a gently rotating direction field (one layer) + a fixed cross layer
    length = (8 + 10 * s) * k + 3
    ang = np.deg2rad(-40.0) + 0.5 * fractal_noise(h, w, rng, (120 * k,))
    strokes1 = streaks(paper_noise(h, w, rng, k), length, ang)
    strokes2 = streaks(paper_noise(h, w, rng, k), length, np.deg2rad(25.0))
    need = np.clip((1.0 - gray(c)) * 1.3 + 0.1, 0, 1)  # darker colour → more pigment
    m1 = 1.0 / (1.0 + np.exp(-(need * 1.6 - 0.55 + 0.45 * strokes1) * 8.0))
    m2 = 1.0 / (1.0 + np.exp(-(need * 1.6 - 1.2 + 0.45 * strokes2) * 8.0))
    m = np.clip((0.35 + 0.6 * pressure) * np.maximum(m1, 0.85 * m2), 0, 1)  # (H, W) pigment coverage
    paper = np.array([0.99, 0.98, 0.955], np.float32)
    out = paper - (paper - c) * m[..., None]
    # outlines in a darker version of the local colour
    lines = sketch_lines(g, k, 8 * k + 3)
    out = mix(out, c * 0.35, np.clip(lines * outline * 1.2, 0, 1))
    out = out * (1.0 - 0.04 * (paper_noise(h, w, rng, k)[..., None] - 0.5))  # paper tooth
    return mix(x, np.clip(out, 0, 1), fade(s))


def _pointillism(rgb: np.ndarray, s: float, rng: np.random.Generator, dot_size: float, density: float) -> np.ndarray:
    """Seurat: round dots of saturated, slightly jittered colour on a light canvas."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    x = f32(rgb)
    r = max(1.5, dot_size * k * (0.4 + 0.6 * s))  # dot radius (px)
    src = saturate(blur(x, 0.3 * r), 1.45)  # (H, W, 3)
    canvas = np.empty((h, w, 3), np.float32)
    canvas[:] = np.array([0.965, 0.945, 0.9], np.float32)
    canvas *= 1.0 + 0.02 * fractal_noise(h, w, rng, (2.0 * k + 0.5,))[..., None]
    # layer 1: uniform random (Poisson) centres, count set by the wanted coverage
    # (dark areas get more dots, so the light canvas mostly shows in the light areas)
    n = int(min(1_000_000, (0.5 + 1.5 * density) * h * w / (math.pi * r * r)))
    cy, cx = rng.uniform(0, h, 2 * n), rng.uniform(0, w, 2 * n)
    lum = gray(src)[cy.astype(int).clip(0, h - 1), cx.astype(int).clip(0, w - 1)]
    keep = rng.random(2 * n) < np.clip(0.3 + 0.7 * (1.0 - lum), 0, 1)
    cy, cx = cy[keep], cx[keep]
    radii = r * rng.uniform(0.75, 1.15, cy.size)
    # layer 2: smaller dots on top where there is detail (eyes, contours stay readable)
    g = blur(gray(x), 0.5 * r)
    detail = norm01(blur(grad_mag(g), r), 40, 99)
    y2, x2 = rng.uniform(0, h, n), rng.uniform(0, w, n)
    keep = rng.random(n) < detail[y2.astype(int).clip(0, h - 1), x2.astype(int).clip(0, w - 1)]
    cy, cx = np.concatenate([cy, y2[keep]]), np.concatenate([cx, x2[keep]])
    radii = np.maximum(0.7, np.concatenate([radii, 0.55 * r * rng.uniform(0.8, 1.1, int(keep.sum()))]))
    colour = src[cy.astype(int).clip(0, h - 1), cx.astype(int).clip(0, w - 1)]  # (N, 3)
    colour = colour * rng.uniform(0.9, 1.1, (cy.size, 1)) + rng.normal(0, 0.035, colour.shape)
    colour = np.clip(colour, 0, 1)
    # draw 2× supersampled so that small dots come out round, then shrink
    ss = 2 if max(h, w) <= 2048 else 1
    out = u8(resize_to(canvas, w * ss, h * ss))  # (ss H, ss W, 3)
    fix = 16 * ss  # cv2 fixed point: shift=4 → coordinates × 16
    centres = zip((cx * fix).astype(int).tolist(), (cy * fix).astype(int).tolist())
    for (xx, yy), rr, col in zip(centres, (radii * fix).astype(int).tolist(), u8(colour).tolist()):
        cv2.circle(out, (xx, yy), rr, col, -1, cv2.LINE_AA, 4)
    out = resize_to(out, w, h)
    return mix(x, f32(out), fade(s))


def _pop_art(rgb: np.ndarray, s: float, rng: np.random.Generator, levels: float, halftone: float) -> np.ndarray:
    """Posterize to ``levels`` flat, saturated values per channel + Ben-Day halftone dots."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    n = int(round(levels + (1.0 - s) * 12))  # weaker strength → finer posterization
    x = f32(cv2.bilateralFilter(rgb, 7, 50, 5 * k))
    x = saturate(np.clip((x - 0.5) * (1.0 + 0.4 * s) + 0.5, 0, 1), 1.0 + 0.8 * s)
    v = x * (n - 1)  # (H, W, 3) in level units
    q = np.floor(v + 0.5)
    if halftone > 0 and n > 1:
        # halftone: between two levels, show the lower one as dots whose area ∝ the remainder
        period = max(3.0, 6.0 * k * (0.5 + halftone))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a = np.deg2rad(45.0)
        u, t = (xx * math.cos(a) + yy * math.sin(a)) / period, (-xx * math.sin(a) + yy * math.cos(a)) / period
        dist = np.hypot(u - np.round(u), t - np.round(t))  # (H, W) distance to nearest dot centre
        frac = v - np.floor(v)  # how far above the lower level
        dark_area = np.clip((1.0 - frac) * halftone * 1.4, 0, 1)
        in_dot = dist[..., None] < np.sqrt(dark_area / np.pi)
        mid = np.abs(frac - 0.5) < 0.5 * halftone  # only in the transition bands
        q = np.where(mid, np.where(in_dot, np.floor(v), np.floor(v) + 1), q)
    q = np.clip(q, 0, n - 1) / max(n - 1, 1)
    # thin black outlines (black is one of the levels, so the level count is kept)
    edges = xdog(gray(x), 1.0 * k, p=20, eps=0.04, phi=20) < 0.5
    q[edges] = 0.0
    return mix(f32(rgb), q, fade(s))


def _cartoon(rgb: np.ndarray, s: float, rng: np.random.Generator, edge_width: float, levels: float) -> np.ndarray:
    """Flat colour regions (bilateral smoothing + k-means palette in Lab) and dark outlines."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    n_colours = int(round(levels + (1.0 - s) * 24))
    f = min(1.0, 384.0 / max(h, w))
    small = resize_by(rgb, f)
    for _ in range(1 + int(round(3 * s))):
        small = cv2.bilateralFilter(small, 7, 30, 5)
    smooth = resize_to(small, w, h)
    lab = cv2.cvtColor(smooth, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)  # (H*W, 3)
    lab_small = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    centres = kmeans(lab_small, n_colours, rng)
    centres[:, 0] = np.clip(centres[:, 0] * 1.05 + 5, 0, 255)  # a touch brighter
    centres[:, 1:] = np.clip((centres[:, 1:] - 128) * 1.25 + 128, 0, 255)  # and more colourful
    label = nearest(lab, centres).reshape(h, w)
    flat = cv2.cvtColor(centres.astype(np.uint8)[None], cv2.COLOR_LAB2RGB)[0][label]  # (H, W, 3)
    if min(h, w) >= 5:
        flat = cv2.medianBlur(flat, 5)  # remove single-pixel speckles between regions
    # outlines: XDoG of the smoothed gray, thickened
    g = gray(f32(smooth))
    line = xdog(g, (0.6 + 0.5 * edge_width) * k, p=25, eps=0.04, phi=25) < 0.5
    if edge_width > 0:
        rad = max(0, int(round(0.6 * edge_width * k * s - 0.4)))
        if rad > 0:
            disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rad + 1,) * 2)
            line = cv2.dilate(line.astype(np.uint8), disk) > 0
        flat[line] = (25, 20, 20)
    return mix(f32(rgb), f32(flat), fade(s))


def _stained_glass(rgb: np.ndarray, s: float, rng: np.random.Generator, cell_size: float,
                   lead_width: float) -> np.ndarray:
    """Superpixel panes (SLIC) of one mean colour each, separated by dark lead cames."""
    h, w = rgb.shape[:2]
    k = scale(rgb)
    f = min(1.0, 512.0 / max(h, w))
    small = resize_by(rgb, f)
    region = max(4, int(round(cell_size * (0.3 + 0.7 * s) * k * f)))
    slic = cv2.ximgproc.createSuperpixelSLIC(cv2.cvtColor(small, cv2.COLOR_RGB2LAB), cv2.ximgproc.SLICO, region, 10.0)
    slic.iterate(4)
    slic.enforceLabelConnectivity(25)
    labels = cv2.resize(slic.getLabels().astype(np.int32), (w, h), interpolation=cv2.INTER_NEAREST)  # (H, W)
    n = int(labels.max()) + 1
    x = f32(rgb)
    counts = np.maximum(np.bincount(labels.ravel(), minlength=n), 1).astype(np.float32)
    mean = np.stack([np.bincount(labels.ravel(), x[..., c].ravel(), n) for c in range(3)], 1) / counts[:, None]
    mean = saturate(mean[None], 1.35)[0]  # (n, 3) glass is vivid
    glass = mean[labels]  # (H, W, 3)
    # came (lead) along label boundaries; the glass glows brighter towards each pane's centre
    edge = np.zeros((h, w), np.uint8)
    edge[:, 1:] |= (labels[:, 1:] != labels[:, :-1]).astype(np.uint8)
    edge[1:, :] |= (labels[1:, :] != labels[:-1, :]).astype(np.uint8)
    dist = cv2.distanceTransform(1 - edge, cv2.DIST_L2, 3)  # (H, W) px to nearest came
    glow = 1.0 - np.exp(-dist / (3.0 * k + 1.0))
    glass = glass * (0.8 + 0.35 * glow[..., None])
    glass *= 1.0 + 0.04 * fractal_noise(h, w, rng, (6.0 * k + 1, 20.0 * k + 1))[..., None]  # hammered glass
    lead = np.clip((0.5 + lead_width * k * 0.9 * s - dist) / 1.0, 0, 1)  # anti-aliased came width
    out = mix(glass, np.full_like(glass, 0.08), lead)
    return mix(x, np.clip(out, 0, 1), fade(s))


# ----------------------------------------------------------------------------- the registry


STYLES: dict[str, FilterStyle] = {
    st.name: st
    for st in (
        FilterStyle("oil", "Oil painting", "Thick directional brush strokes with lit impasto relief.", _oil,
                    (Param("brush", "Brush size", 1, 10, 4, 0.5),
                     Param("relief", "Impasto relief", 0, 1, 0.6, 0.05))),
        FilterStyle("watercolor", "Watercolor",
                    "Soft washes that bleed, darker pigment at wash edges, paper grain.", _watercolor,
                    (Param("wash", "Wash / bleed", 0, 1, 0.6, 0.05),
                     Param("paper", "Paper texture", 0, 1, 0.5, 0.05))),
        FilterStyle("pencil", "Pencil sketch",
                    "Graphite contour strokes and diagonal hatching on white paper.", _pencil,
                    (Param("darkness", "Stroke darkness", 0, 1, 0.5, 0.05),
                     Param("shading", "Hatched shading", 0, 1, 0.6, 0.05))),
        FilterStyle("ink", "Ink drawing", "Black ink lines and solid shadows on white (XDoG line art).", _ink,
                    (Param("line_weight", "Line weight", 0, 1, 0.4, 0.05),
                     Param("fill", "Shadow fill", 0, 1, 0.4, 0.05))),
        FilterStyle("colored_pencil", "Coloured pencil",
                    "Coloured hatching on white paper with darker outlines.", _colored_pencil,
                    (Param("pressure", "Pencil pressure", 0, 1, 0.6, 0.05),
                     Param("outline", "Outline", 0, 1, 0.5, 0.05))),
        FilterStyle("pointillism", "Pointillism",
                    "Dots of pure, jittered colour on a light canvas (Seurat).", _pointillism,
                    (Param("dot_size", "Dot size", 1, 8, 3, 0.5),
                     Param("density", "Dot density", 0, 1, 0.7, 0.05))),
        FilterStyle("pop_art", "Pop art", "Posterized flat bold colours with Ben-Day halftone dots.", _pop_art,
                    (Param("levels", "Colour levels", 2, 6, 3, 1),
                     Param("halftone", "Halftone dots", 0, 1, 0.5, 0.05))),
        FilterStyle("cartoon", "Cartoon", "Flat colour regions with dark outlines.", _cartoon,
                    (Param("edge_width", "Edge thickness", 0, 4, 1.5, 0.5),
                     Param("levels", "Colours", 3, 24, 8, 1))),
        FilterStyle("stained_glass", "Stained glass",
                    "Vivid glass panes that follow the picture, joined by lead.", _stained_glass,
                    (Param("cell_size", "Pane size", 8, 60, 16, 1),
                     Param("lead_width", "Lead width", 0, 4, 1.5, 0.25))),
    )
}


def _lookup(style: str) -> FilterStyle:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; valid styles: {', '.join(STYLES)}")
    return STYLES[style]


def apply_style(rgb: np.ndarray, style: str, strength: float = 1.0, *, seed: int = 0, **params) -> np.ndarray:
    """Paint ``rgb`` (H, W, 3) uint8 in ``style``; returns (H, W, 3) uint8 of the same size.

    ``strength`` in [0, 1] (clamped): 0 returns a copy of the input, 1 the full effect.
    ``params`` are the style's ``Param`` names (clamped to their range; missing ones take
    their default). ``seed`` fixes the randomness (dots, paper, hatching).
    """
    spec = _lookup(style)
    valid = {p.name: p for p in spec.params}
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for style {style!r}; "
                         f"valid: {', '.join(valid) or '(none)'}")
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or min(rgb.shape[:2]) < 1:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got shape {rgb.shape} dtype {rgb.dtype}; "
                         "convert with np.asarray(PIL.Image.open(p).convert('RGB'))")
    s = float(np.clip(float(strength), 0.0, 1.0))
    if s == 0.0:
        return rgb.copy()
    values = {name: p.clamp(params.get(name, p.default)) for name, p in valid.items()}
    rgb = np.ascontiguousarray(rgb)
    out = spec.fn(rgb, s, np.random.default_rng(seed), **values)
    return u8(out)  # (H, W, 3) uint8


def style_list() -> list[dict]:
    """JSON-ready description of every filter for the ``/styles`` API and the UI."""
    return [{"name": st.name, "title": st.title, "kind": "filter", "description": st.description,
             "params": [p.as_dict() for p in st.params]} for st in STYLES.values()]
