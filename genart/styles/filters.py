"""Classic painting filters: photo in, painting-like picture of the same size out.

Every style is a plain function ``fn(rgb, s, rng, **params) -> float image`` registered in
``STYLES`` with a title, a one-line description and one or two ``Param``s that a UI can turn
into sliders. ``apply_style`` is the one entry point: it validates names, clamps values,
handles ``strength`` (0 = the input unchanged, 1 = the full effect) and converts back to uint8.

Conventions inside this module
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
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

_LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R BT.601 weights for RGB


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


# ----------------------------------------------------------------------------- small helpers


def _f32(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) * (1.0 / 255.0)  # (H, W, 3) float32 in [0, 1]


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def _scale(img: np.ndarray) -> float:
    return max(img.shape[:2]) / 512.0


def _gray(x: np.ndarray) -> np.ndarray:
    return x @ _LUMA  # (H, W, 3) -> (H, W)


def _resize_to(img: np.ndarray, w: int, h: int) -> np.ndarray:
    if img.shape[1] == w and img.shape[0] == h:
        return img
    shrink = w < img.shape[1] or h < img.shape[0]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def _resize_by(img: np.ndarray, f: float) -> np.ndarray:
    h, w = img.shape[:2]
    return _resize_to(img, max(1, round(w * f)), max(1, round(h * f)))


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), max(float(sigma), 1e-3)) if sigma > 0.05 else img


def _mix(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """(1 - t) a + t b; t a scalar or an (H, W) / (H, W, 1) map."""
    if isinstance(t, np.ndarray) and t.ndim == 2 and a.ndim == 3:
        t = t[..., None]
    return a + (b - a) * t


def _fade(s: float) -> float:
    """Opacity of the effect over the photo: √s, so most of the look is there by s ≈ 0.5 and
    the rest of the range still changes the picture (together with each style's own knobs)."""
    return min(1.0, math.sqrt(s))


def _grad_mag(g: np.ndarray) -> np.ndarray:
    """|∇g| from 3×3 Sobel, (H, W) float32. numpy's sqrt, not cv2.magnitude: OpenCV's SIMD
    path differs in the last bit with buffer alignment, which broke bit-exact determinism."""
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    return np.sqrt(gx * gx + gy * gy)


def _norm01(a: np.ndarray, lo: float = 1.0, hi: float = 99.0) -> np.ndarray:
    """Robustly stretch to [0, 1] between two percentiles."""
    p0, p1 = np.percentile(a, [lo, hi])
    return np.clip((a - p0) / max(p1 - p0, 1e-6), 0.0, 1.0).astype(np.float32)


def _saturate(x: np.ndarray, amount: float) -> np.ndarray:
    """Push colours away from their gray value by ``amount`` (1 = unchanged)."""
    g = _gray(x)[..., None]
    return np.clip(g + (x - g) * amount, 0.0, 1.0)


def _line_kernel(length: float, angle: float) -> np.ndarray:
    """(L, L) float32 anti-aliased line through the centre at ``angle`` radians, sums to 1."""
    L = max(3, int(round(length)) | 1)
    c = (L - 1) / 2.0
    k = np.zeros((L, L), np.float32)
    dx, dy = math.cos(angle) * c, math.sin(angle) * c
    p0 = (int(round((c - dx) * 16)), int(round((c - dy) * 16)))
    p1 = (int(round((c + dx) * 16)), int(round((c + dy) * 16)))
    cv2.line(k, p0, p1, 1.0, 1, cv2.LINE_AA, shift=4)
    return k / max(float(k.sum()), 1e-6)


def _tangent_angle(g: np.ndarray, sigma: float) -> np.ndarray:
    """Angle (radians) of the local edge *tangent* from the smoothed structure tensor. (H, W)"""
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = _blur(gx * gx, sigma), _blur(gy * gy, sigma), _blur(gx * gy, sigma)
    # dominant gradient direction 0.5 atan2(2 Jxy, Jxx - Jyy); the tangent is 90° from it
    return 0.5 * np.arctan2(2.0 * jxy, jxx - jyy) + np.pi / 2


def _streaks(noise: np.ndarray, length: float, angle: np.ndarray | float, n_dir: int = 8) -> np.ndarray:
    """Smear 2-D noise along ``angle`` (a scalar or an (H, W) field): brush bristles, hatching.

    The field version filters with ``n_dir`` line kernels and blends the two nearest
    directions per pixel. Returns (H, W) float32 with zero mean and unit std.
    """
    if np.isscalar(angle):
        out = cv2.filter2D(noise, -1, _line_kernel(length, float(angle)))
    else:
        pos = (np.mod(angle, np.pi) / np.pi) * n_dir  # (H, W) in [0, n_dir)
        i0 = np.floor(pos).astype(np.int32) % n_dir
        frac = (pos - np.floor(pos)).astype(np.float32)
        out = np.zeros_like(noise)
        for i in range(n_dir):
            sel0, sel1 = i0 == i, (i0 + 1) % n_dir == i
            if not (sel0.any() or sel1.any()):
                continue
            r = cv2.filter2D(noise, -1, _line_kernel(length, i * np.pi / n_dir))
            out += np.where(sel0, r * (1 - frac), 0) + np.where(sel1, r * frac, 0)
    out = out - out.mean()
    return (out / max(float(out.std()), 1e-6)).astype(np.float32)


def _flow_blur(x: np.ndarray, length: float, angle: np.ndarray, n_dir: int = 8) -> np.ndarray:
    """Blur a colour image (H, W, 3) along a per-pixel direction field (H, W), 8 bins."""
    pos = (np.mod(angle, np.pi) / np.pi) * n_dir
    i0 = np.floor(pos).astype(np.int32) % n_dir
    frac = (pos - np.floor(pos)).astype(np.float32)[..., None]
    out = np.zeros_like(x)
    for i in range(n_dir):
        sel0, sel1 = (i0 == i)[..., None], ((i0 + 1) % n_dir == i)[..., None]
        if not (sel0.any() or sel1.any()):
            continue
        r = cv2.filter2D(x, -1, _line_kernel(length, i * np.pi / n_dir))
        out += np.where(sel0, r * (1 - frac), 0) + np.where(sel1, r * frac, 0)
    return out


def _fractal_noise(h: int, w: int, rng: np.random.Generator, scales: tuple[float, ...]) -> np.ndarray:
    """Sum of smooth noise octaves of the given feature sizes (px). (H, W) float32, std 1."""
    out = np.zeros((h, w), np.float32)
    for sz in scales:
        gh, gw = max(2, int(h / sz) + 2), max(2, int(w / sz) + 2)
        octave = rng.standard_normal((gh, gw)).astype(np.float32)
        out += cv2.resize(octave, (w, h), interpolation=cv2.INTER_CUBIC) * (sz ** 0.5)
    out -= out.mean()
    return out / max(float(out.std()), 1e-6)


def _xdog(g: np.ndarray, sigma: float, p: float = 20.0, eps: float = 0.8, phi: float = 12.0) -> np.ndarray:
    """eXtended Difference of Gaussians (Winnemöller et al. 2012), g (H, W) in [0, 1].

    S = (1 + p) G_σ * g - p G_{1.6σ} * g;  T = 1 if S ≥ ε else 1 + tanh(φ (S - ε)).
    Returns (H, W) float32 in [0, 1]: 1 = paper, 0 = ink.
    """
    S = (1 + p) * _blur(g, sigma) - p * _blur(g, 1.6 * sigma)
    return np.where(S >= eps, 1.0, 1.0 + np.tanh(phi * (S - eps))).clip(0, 1).astype(np.float32)


def _sketch_lines(g: np.ndarray, k: float, length: float) -> np.ndarray:
    """Pencil stroke map after Lu, Xu & Jia 2012 ("Combining sketch and tone", eq. 2-4).

    Gradient magnitude G is classified to the best of 8 line directions, each class is
    convolved with its line kernel, so strokes overshoot corners like a hand would.
    g: (H, W) in [0, 1]. Returns (H, W) float32 darkness in [0, 1].
    """
    gb = _blur(g, 0.7 * k)
    G = _grad_mag(gb)
    kernels = [_line_kernel(length, i * np.pi / 8) for i in range(8)]
    resp = np.stack([cv2.filter2D(G, -1, kk) for kk in kernels])  # (8, H, W)
    best = resp.argmax(0)
    S = np.zeros_like(G)
    for i, kk in enumerate(kernels):  # eq. (4): S' = Σ_i L_i ⊗ C_i
        S += cv2.filter2D(np.where(best == i, G, 0).astype(np.float32), -1, kk)
    return _norm01(S, 50.0, 99.7)


def _paper_noise(h: int, w: int, rng: np.random.Generator, k: float) -> np.ndarray:
    """Uniform noise with ~1 px grains at 512 px (≈k px at full size), (H, W) float32."""
    n = rng.random((max(1, round(h / max(k, 1.0))), max(1, round(w / max(k, 1.0)))), dtype=np.float32)
    return _resize_to(n, w, h)


def _kmeans(data: np.ndarray, n: int, rng: np.random.Generator, iters: int = 12,
            max_samples: int = 6000) -> np.ndarray:
    """k-means (cv2.kmeans, k-means++ seeding) on at most ``max_samples`` rows drawn by ``rng``.
    data (N, D) -> centres (n, D) float32. OpenCV seeds from its own per-thread RNG, so that is set
    from ``rng`` first: the same seed gives the same palette."""
    if data.shape[0] > max_samples:
        data = data[rng.choice(data.shape[0], max_samples, replace=False)]
    n = max(1, min(n, data.shape[0]))
    cv2.setRNGSeed(int(rng.integers(2 ** 31)))
    criteria = (cv2.TERM_CRITERIA_MAX_ITER | cv2.TERM_CRITERIA_EPS, iters, 1e-3)
    _, _, centres = cv2.kmeans(np.ascontiguousarray(data, np.float32), n, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    return centres


def _nearest(data: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each row. data (N, D), centres (n, D) -> (N,) int."""
    d = (data * data).sum(1, keepdims=True) - 2.0 * data @ centres.T + (centres * centres).sum(1)[None]
    return d.argmin(1)


# ----------------------------------------------------------------------------- the styles


def _oil(rgb: np.ndarray, s: float, rng: np.random.Generator, brush: float, relief: float) -> np.ndarray:
    """Kuwahara-like histogram filter for the strokes, then bristle relief lit from top-left."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    r = max(1.0, brush * k * (0.25 + 0.75 * s))  # stroke radius at full size (px)
    # xphoto.oilPainting cost grows with the radius: run it where the radius is ≤ 3.5 px
    f = min(1.0, 3.5 / r)
    small = _resize_by(rgb, f)  # (h', w', 3)
    size = max(1, int(round(r * f)))
    paint = _f32(cv2.xphoto.oilPainting(small, size, 1, cv2.COLOR_RGB2GRAY))  # (h', w', 3)

    # strokes: drag the paint along the flow (edge tangent) so daubs become brush strokes
    g_small = _gray(paint)
    ang = _tangent_angle(_blur(g_small, 1.0), 3.0 * size)  # (h', w') radians
    paint = _flow_blur(paint, 4.0 * size + 1, ang)
    # bristle texture: noise smeared along the same flow = height of the paint ridges
    bristle = _streaks(rng.random(g_small.shape, dtype=np.float32), 4.0 * size + 1, ang)  # std 1
    height = 0.08 * bristle + 0.5 * _blur(_gray(paint), 0.5 * size)

    paint = _resize_to(paint, w, h)  # (H, W, 3)
    height = _resize_to(height, w, h)  # (H, W)
    # bump-map lit from the top-left: shading = -(dH/dx + dH/dy), in units of the small image
    hx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    hy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    shade = np.clip(-(hx + hy) / 8.0 * f * 2.5 * relief * s, -0.2, 0.2)  # Sobel gain 8
    out = paint * (1.0 + shade[..., None]) + 0.25 * np.clip(shade, 0, None)[..., None]
    out = _saturate(np.clip(out, 0, 1), 1.1)
    return _mix(_f32(rgb), out, _fade(s))


def _watercolor(rgb: np.ndarray, s: float, rng: np.random.Generator, wash: float, paper: float) -> np.ndarray:
    """Watercolour after Bousseau et al. 2006: flat washes (mean-shift segmentation) with
    wobbly, bleeding edges, darkened by pigment density C' = C - (C - C²)(d - 1) (their eq. 1),
    where d rises at wash edges, with low-frequency turbulence and with paper granulation."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    x = _f32(rgb)
    # 1. washes: mean shift on a small copy merges each region into one flat colour
    f = min(1.0, (480.0 - 200.0 * wash * s) / max(h, w))
    small = _resize_by(rgb, f)
    small = cv2.pyrMeanShiftFiltering(small, 3 + 6 * wash * s, 10 + 20 * wash * s)
    if min(small.shape[:2]) >= 5:
        small = cv2.medianBlur(small, 5)
    sm = _saturate(_f32(small), 1.2)  # (h', w', 3)
    # 2. wet-in-wet: where the turbulence field is high the wash runs over its edges
    hs, ws = sm.shape[:2]
    bleed = np.clip(0.5 + 0.6 * _fractal_noise(hs, ws, rng, (max(hs, ws) / 5, max(hs, ws) / 14)), 0, 1)
    sm = _mix(sm, _blur(sm, 2.5), bleed * (0.3 + 0.7 * wash) * s)
    # 3. back to full size with hand-made, wobbly wash boundaries (low-frequency displacement)
    wc = _resize_to(sm, w, h)  # (H, W, 3)
    amp = 1.6 * k * s
    dx = _fractal_noise(h, w, rng, (30 * k + 1, 10 * k + 1)) * amp
    dy = _fractal_noise(h, w, rng, (30 * k + 1, 10 * k + 1)) * amp
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    wc = cv2.remap(wc, gx + dx, gy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    wc = 1.0 - (1.0 - wc) * 0.82  # thinned pigment: lighter than the photo
    # 4. pigment density d: edge darkening + turbulence + granulation
    gb = _blur(_gray(wc), 1.0 * k)
    edge = _norm01(_grad_mag(gb), 60, 99.5)
    turb = _fractal_noise(h, w, rng, (60 * k + 1, 20 * k + 1))
    grain = _fractal_noise(h, w, rng, (2.5 * k + 0.5, 6.0 * k + 1))
    d = 1.0 + s * (1.0 * edge + 0.15 * turb + 0.3 * paper * grain)
    out = wc - (wc - wc * wc) * (d[..., None] - 1.0)
    # 5. cold-press paper: warm white with a faint tooth
    tooth = _fractal_noise(h, w, rng, (1.0 * k + 0.5,))
    out = out * np.array([1.0, 0.985, 0.955], np.float32) * (1.0 + 0.025 * paper * s * tooth[..., None])
    return _mix(x, np.clip(out, 0, 1), _fade(s))


def _pencil(rgb: np.ndarray, s: float, rng: np.random.Generator, darkness: float, shading: float) -> np.ndarray:
    """Graphite: Lu et al. 2012 stroke map for contours plus diagonal hatching for tone."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    g = _gray(_f32(rgb))  # (H, W)
    lines = _sketch_lines(g, k, 10 * k + 3)  # (H, W) darkness of contour strokes
    # colour-dodge sketch adds fine graphite detail: g / (1 - blur(1 - g))
    dodge = np.clip(g / np.maximum(1.0 - _blur(1.0 - g, 4.0 * k), 1e-3), 0, 1)
    stroke = np.clip(1.0 - (0.75 * lines + 0.6 * (1.0 - dodge)) * (0.3 + 1.1 * darkness) * (0.5 + 0.5 * s), 0, 1)

    # tone: darkness of the blurred photo rendered as hatching (two diagonal layers)
    tone = np.clip(1.0 - _blur(g, 2.0 * k), 0, 1) ** 1.3  # (H, W) 0 = white
    hatch1 = _streaks(_paper_noise(h, w, rng, k), 16 * k + 3, np.deg2rad(-35.0))
    hatch2 = _streaks(_paper_noise(h, w, rng, k), 16 * k + 3, np.deg2rad(-65.0))
    # a pixel is graphite where its hatch texture falls below the local tone
    layer1 = 1.0 / (1.0 + np.exp(-(tone * 2.6 - 1.0 + 0.45 * hatch1) * 6.0))
    layer2 = 1.0 / (1.0 + np.exp(-(tone * 2.6 - 1.9 + 0.45 * hatch2) * 6.0))
    hatching = 1.0 - shading * 0.55 * s * np.clip(layer1 + layer2, 0, 1.3)
    out = stroke * hatching
    grain = _fractal_noise(h, w, rng, (1.0 * k + 0.5,))
    out = out * (1.0 - 0.03 * grain)
    out = np.repeat(np.clip(out, 0, 1)[..., None], 3, axis=2)
    return _mix(_f32(rgb), out, _fade(s))


def _ink(rgb: np.ndarray, s: float, rng: np.random.Generator, line_weight: float, fill: float) -> np.ndarray:
    """Black ink line art on white paper from the XDoG operator."""
    k = _scale(rgb)
    g = _gray(_f32(rgb))
    g = cv2.bilateralFilter(g, 5, 0.1, 3.0 * k)  # drop fine texture, keep contours
    sigma = (0.5 + 0.6 * line_weight) * k * (0.5 + 0.5 * s)
    # ε: flat areas darker than ε turn solid black; pick it so that ≈ 30·fill % of them do
    eps = max(0.03, float(np.percentile(g, 30.0 * fill * s)))
    ink = _xdog(g, sigma, p=22.0, eps=eps, phi=25.0)
    ink = np.repeat(ink[..., None], 3, axis=2)
    return _mix(_f32(rgb), ink, _fade(s))


def _colored_pencil(rgb: np.ndarray, s: float, rng: np.random.Generator, pressure: float,
                    outline: float) -> np.ndarray:
    """Coloured pencil on white paper: hatching strokes carry the colour, paper shows between."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    x = _f32(rgb)
    f = min(1.0, 384.0 / max(h, w))
    small = _resize_by(rgb, f)
    small = cv2.bilateralFilter(cv2.bilateralFilter(small, 7, 40, 5), 7, 40, 5)
    c = _saturate(_resize_to(_f32(small), w, h), 1.3)  # (H, W, 3) simplified colour
    g = _gray(x)
    # strokes follow a gently rotating direction field (one layer) + a fixed cross layer
    length = (8 + 10 * s) * k + 3
    ang = np.deg2rad(-40.0) + 0.5 * _fractal_noise(h, w, rng, (120 * k,))
    strokes1 = _streaks(_paper_noise(h, w, rng, k), length, ang)
    strokes2 = _streaks(_paper_noise(h, w, rng, k), length, np.deg2rad(25.0))
    need = np.clip((1.0 - _gray(c)) * 1.3 + 0.1, 0, 1)  # darker colour → more pigment
    m1 = 1.0 / (1.0 + np.exp(-(need * 1.6 - 0.55 + 0.45 * strokes1) * 8.0))
    m2 = 1.0 / (1.0 + np.exp(-(need * 1.6 - 1.2 + 0.45 * strokes2) * 8.0))
    m = np.clip((0.35 + 0.6 * pressure) * np.maximum(m1, 0.85 * m2), 0, 1)  # (H, W) pigment coverage
    paper = np.array([0.99, 0.98, 0.955], np.float32)
    out = paper - (paper - c) * m[..., None]
    # outlines in a darker version of the local colour
    lines = _sketch_lines(g, k, 8 * k + 3)
    out = _mix(out, c * 0.35, np.clip(lines * outline * 1.2, 0, 1))
    out = out * (1.0 - 0.04 * (_paper_noise(h, w, rng, k)[..., None] - 0.5))  # paper tooth
    return _mix(x, np.clip(out, 0, 1), _fade(s))


def _pointillism(rgb: np.ndarray, s: float, rng: np.random.Generator, dot_size: float, density: float) -> np.ndarray:
    """Seurat: round dots of saturated, slightly jittered colour on a light canvas."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    x = _f32(rgb)
    r = max(1.5, dot_size * k * (0.4 + 0.6 * s))  # dot radius (px)
    src = _saturate(_blur(x, 0.3 * r), 1.45)  # (H, W, 3)
    canvas = np.empty((h, w, 3), np.float32)
    canvas[:] = np.array([0.965, 0.945, 0.9], np.float32)
    canvas *= 1.0 + 0.02 * _fractal_noise(h, w, rng, (2.0 * k + 0.5,))[..., None]
    # layer 1: uniform random (Poisson) centres, count set by the wanted coverage
    # (dark areas get more dots, so the light canvas mostly shows in the light areas)
    n = int(min(1_000_000, (0.5 + 1.5 * density) * h * w / (math.pi * r * r)))
    cy, cx = rng.uniform(0, h, 2 * n), rng.uniform(0, w, 2 * n)
    lum = _gray(src)[cy.astype(int).clip(0, h - 1), cx.astype(int).clip(0, w - 1)]
    keep = rng.random(2 * n) < np.clip(0.3 + 0.7 * (1.0 - lum), 0, 1)
    cy, cx = cy[keep], cx[keep]
    radii = r * rng.uniform(0.75, 1.15, cy.size)
    # layer 2: smaller dots on top where there is detail (eyes, contours stay readable)
    g = _blur(_gray(x), 0.5 * r)
    detail = _norm01(_blur(_grad_mag(g), r), 40, 99)
    y2, x2 = rng.uniform(0, h, n), rng.uniform(0, w, n)
    keep = rng.random(n) < detail[y2.astype(int).clip(0, h - 1), x2.astype(int).clip(0, w - 1)]
    cy, cx = np.concatenate([cy, y2[keep]]), np.concatenate([cx, x2[keep]])
    radii = np.maximum(0.7, np.concatenate([radii, 0.55 * r * rng.uniform(0.8, 1.1, int(keep.sum()))]))
    colour = src[cy.astype(int).clip(0, h - 1), cx.astype(int).clip(0, w - 1)]  # (N, 3)
    colour = colour * rng.uniform(0.9, 1.1, (cy.size, 1)) + rng.normal(0, 0.035, colour.shape)
    colour = np.clip(colour, 0, 1)
    # draw 2× supersampled so that small dots come out round, then shrink
    ss = 2 if max(h, w) <= 2048 else 1
    out = _u8(_resize_to(canvas, w * ss, h * ss))  # (ss H, ss W, 3)
    fix = 16 * ss  # cv2 fixed point: shift=4 → coordinates × 16
    centres = zip((cx * fix).astype(int).tolist(), (cy * fix).astype(int).tolist())
    for (xx, yy), rr, col in zip(centres, (radii * fix).astype(int).tolist(), _u8(colour).tolist()):
        cv2.circle(out, (xx, yy), rr, col, -1, cv2.LINE_AA, 4)
    out = _resize_to(out, w, h)
    return _mix(x, _f32(out), _fade(s))


def _pop_art(rgb: np.ndarray, s: float, rng: np.random.Generator, levels: float, halftone: float) -> np.ndarray:
    """Posterize to ``levels`` flat, saturated values per channel + Ben-Day halftone dots."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    n = int(round(levels + (1.0 - s) * 12))  # weaker strength → finer posterization
    x = _f32(cv2.bilateralFilter(rgb, 7, 50, 5 * k))
    x = _saturate(np.clip((x - 0.5) * (1.0 + 0.4 * s) + 0.5, 0, 1), 1.0 + 0.8 * s)
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
    edges = _xdog(_gray(x), 1.0 * k, p=20, eps=0.04, phi=20) < 0.5
    q[edges] = 0.0
    return _mix(_f32(rgb), q, _fade(s))


def _cartoon(rgb: np.ndarray, s: float, rng: np.random.Generator, edge_width: float, levels: float) -> np.ndarray:
    """Flat colour regions (bilateral smoothing + k-means palette in Lab) and dark outlines."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    n_colours = int(round(levels + (1.0 - s) * 24))
    f = min(1.0, 384.0 / max(h, w))
    small = _resize_by(rgb, f)
    for _ in range(1 + int(round(3 * s))):
        small = cv2.bilateralFilter(small, 7, 30, 5)
    smooth = _resize_to(small, w, h)
    lab = cv2.cvtColor(smooth, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)  # (H*W, 3)
    lab_small = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
    centres = _kmeans(lab_small, n_colours, rng)
    centres[:, 0] = np.clip(centres[:, 0] * 1.05 + 5, 0, 255)  # a touch brighter
    centres[:, 1:] = np.clip((centres[:, 1:] - 128) * 1.25 + 128, 0, 255)  # and more colourful
    label = _nearest(lab, centres).reshape(h, w)
    flat = cv2.cvtColor(centres.astype(np.uint8)[None], cv2.COLOR_LAB2RGB)[0][label]  # (H, W, 3)
    if min(h, w) >= 5:
        flat = cv2.medianBlur(flat, 5)  # remove single-pixel speckles between regions
    # outlines: XDoG of the smoothed gray, thickened
    g = _gray(_f32(smooth))
    line = _xdog(g, (0.6 + 0.5 * edge_width) * k, p=25, eps=0.04, phi=25) < 0.5
    if edge_width > 0:
        rad = max(0, int(round(0.6 * edge_width * k * s - 0.4)))
        if rad > 0:
            disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rad + 1,) * 2)
            line = cv2.dilate(line.astype(np.uint8), disk) > 0
        flat[line] = (25, 20, 20)
    return _mix(_f32(rgb), _f32(flat), _fade(s))


def _stained_glass(rgb: np.ndarray, s: float, rng: np.random.Generator, cell_size: float,
                   lead_width: float) -> np.ndarray:
    """Superpixel panes (SLIC) of one mean colour each, separated by dark lead cames."""
    h, w = rgb.shape[:2]
    k = _scale(rgb)
    f = min(1.0, 512.0 / max(h, w))
    small = _resize_by(rgb, f)
    region = max(4, int(round(cell_size * (0.3 + 0.7 * s) * k * f)))
    slic = cv2.ximgproc.createSuperpixelSLIC(cv2.cvtColor(small, cv2.COLOR_RGB2LAB), cv2.ximgproc.SLICO, region, 10.0)
    slic.iterate(4)
    slic.enforceLabelConnectivity(25)
    labels = cv2.resize(slic.getLabels().astype(np.int32), (w, h), interpolation=cv2.INTER_NEAREST)  # (H, W)
    n = int(labels.max()) + 1
    x = _f32(rgb)
    counts = np.maximum(np.bincount(labels.ravel(), minlength=n), 1).astype(np.float32)
    mean = np.stack([np.bincount(labels.ravel(), x[..., c].ravel(), n) for c in range(3)], 1) / counts[:, None]
    mean = _saturate(mean[None], 1.35)[0]  # (n, 3) glass is vivid
    glass = mean[labels]  # (H, W, 3)
    # came (lead) along label boundaries; the glass glows brighter towards each pane's centre
    edge = np.zeros((h, w), np.uint8)
    edge[:, 1:] |= (labels[:, 1:] != labels[:, :-1]).astype(np.uint8)
    edge[1:, :] |= (labels[1:, :] != labels[:-1, :]).astype(np.uint8)
    dist = cv2.distanceTransform(1 - edge, cv2.DIST_L2, 3)  # (H, W) px to nearest came
    glow = 1.0 - np.exp(-dist / (3.0 * k + 1.0))
    glass = glass * (0.8 + 0.35 * glow[..., None])
    glass *= 1.0 + 0.04 * _fractal_noise(h, w, rng, (6.0 * k + 1, 20.0 * k + 1))[..., None]  # hammered glass
    lead = np.clip((0.5 + lead_width * k * 0.9 * s - dist) / 1.0, 0, 1)  # anti-aliased came width
    out = _mix(glass, np.full_like(glass, 0.08), lead)
    return _mix(x, np.clip(out, 0, 1), _fade(s))


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
    return _u8(out)  # (H, W, 3) uint8


def style_list() -> list[dict]:
    """JSON-ready description of every filter for the ``/styles`` API and the UI."""
    return [{"name": st.name, "title": st.title, "kind": "filter", "description": st.description,
             "params": [p.as_dict() for p in st.params]} for st in STYLES.values()]
