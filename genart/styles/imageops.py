"""Image operations the painting filters (``filters.py``) are built from: conversions, resizing, blurs,
gradients and edge tangents, strokes smeared along a direction field, fractal and paper noise, XDoG
lines, pencil strokes and a k-means palette. Plain numpy / OpenCV functions on the CPU.

Conventions
    rgb      (H, W, 3) uint8, RGB order
    x        (H, W, 3) float32 in [0, 1];  g  (H, W) float32 gray in [0, 1]
    k        max(H, W) / 512: lengths are given "at 512 px" and multiplied by k
    rng      np.random.Generator from a fixed seed
"""

from __future__ import annotations

import math

import cv2
import numpy as np

LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R BT.601 weights for RGB


def f32(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) * (1.0 / 255.0)  # (H, W, 3) float32 in [0, 1]


def u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)


def scale(img: np.ndarray) -> float:
    return max(img.shape[:2]) / 512.0


def gray(x: np.ndarray) -> np.ndarray:
    return x @ LUMA  # (H, W, 3) -> (H, W)


def resize_to(img: np.ndarray, w: int, h: int) -> np.ndarray:
    if img.shape[1] == w and img.shape[0] == h:
        return img
    shrink = w < img.shape[1] or h < img.shape[0]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def resize_by(img: np.ndarray, f: float) -> np.ndarray:
    h, w = img.shape[:2]
    return resize_to(img, max(1, round(w * f)), max(1, round(h * f)))


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), max(float(sigma), 1e-3)) if sigma > 0.05 else img


def mix(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """(1 - t) a + t b; t a scalar or an (H, W) / (H, W, 1) map."""
    if isinstance(t, np.ndarray) and t.ndim == 2 and a.ndim == 3:
        t = t[..., None]
    return a + (b - a) * t


def fade(s: float) -> float:
    """Opacity of the effect over the photo: √s, so most of the look is there by s ≈ 0.5 and
    the rest of the range still changes the picture (together with each style's own knobs)."""
    return min(1.0, math.sqrt(s))


def grad_mag(g: np.ndarray) -> np.ndarray:
    """|∇g| from 3×3 Sobel, (H, W) float32. numpy's sqrt, not cv2.magnitude: OpenCV's SIMD
    path differs in the last bit with buffer alignment, which broke bit-exact determinism."""
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    return np.sqrt(gx * gx + gy * gy)


def norm01(a: np.ndarray, lo: float = 1.0, hi: float = 99.0) -> np.ndarray:
    """Robustly stretch to [0, 1] between two percentiles."""
    p0, p1 = np.percentile(a, [lo, hi])
    return np.clip((a - p0) / max(p1 - p0, 1e-6), 0.0, 1.0).astype(np.float32)


def saturate(x: np.ndarray, amount: float) -> np.ndarray:
    """Push colours away from their gray value by ``amount`` (1 = unchanged)."""
    g = gray(x)[..., None]
    return np.clip(g + (x - g) * amount, 0.0, 1.0)


def line_kernel(length: float, angle: float) -> np.ndarray:
    """(L, L) float32 anti-aliased line through the centre at ``angle`` radians, sums to 1."""
    L = max(3, int(round(length)) | 1)
    c = (L - 1) / 2.0
    k = np.zeros((L, L), np.float32)
    dx, dy = math.cos(angle) * c, math.sin(angle) * c
    p0 = (int(round((c - dx) * 16)), int(round((c - dy) * 16)))
    p1 = (int(round((c + dx) * 16)), int(round((c + dy) * 16)))
    cv2.line(k, p0, p1, 1.0, 1, cv2.LINE_AA, shift=4)
    return k / max(float(k.sum()), 1e-6)


def tangent_angle(g: np.ndarray, sigma: float) -> np.ndarray:
    """Angle (radians) of the local edge *tangent* from the smoothed structure tensor. (H, W)"""
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = blur(gx * gx, sigma), blur(gy * gy, sigma), blur(gx * gy, sigma)
    # dominant gradient direction 0.5 atan2(2 Jxy, Jxx - Jyy); the tangent is 90° from it
    return 0.5 * np.arctan2(2.0 * jxy, jxx - jyy) + np.pi / 2


def streaks(noise: np.ndarray, length: float, angle: np.ndarray | float, n_dir: int = 8) -> np.ndarray:
    """Smear 2-D noise along ``angle`` (a scalar or an (H, W) field): brush bristles, hatching.

    The field version filters with ``n_dir`` line kernels and blends the two nearest
    directions per pixel. Returns (H, W) float32 with zero mean and unit std.
    """
    if np.isscalar(angle):
        out = cv2.filter2D(noise, -1, line_kernel(length, float(angle)))
    else:
        pos = (np.mod(angle, np.pi) / np.pi) * n_dir  # (H, W) in [0, n_dir)
        i0 = np.floor(pos).astype(np.int32) % n_dir
        frac = (pos - np.floor(pos)).astype(np.float32)
        out = np.zeros_like(noise)
        for i in range(n_dir):
            sel0, sel1 = i0 == i, (i0 + 1) % n_dir == i
            if not (sel0.any() or sel1.any()):
                continue
            r = cv2.filter2D(noise, -1, line_kernel(length, i * np.pi / n_dir))
            out += np.where(sel0, r * (1 - frac), 0) + np.where(sel1, r * frac, 0)
    out = out - out.mean()
    return (out / max(float(out.std()), 1e-6)).astype(np.float32)


def flow_blur(x: np.ndarray, length: float, angle: np.ndarray, n_dir: int = 8) -> np.ndarray:
    """Blur a colour image (H, W, 3) along a per-pixel direction field (H, W), 8 bins."""
    pos = (np.mod(angle, np.pi) / np.pi) * n_dir
    i0 = np.floor(pos).astype(np.int32) % n_dir
    frac = (pos - np.floor(pos)).astype(np.float32)[..., None]
    out = np.zeros_like(x)
    for i in range(n_dir):
        sel0, sel1 = (i0 == i)[..., None], ((i0 + 1) % n_dir == i)[..., None]
        if not (sel0.any() or sel1.any()):
            continue
        r = cv2.filter2D(x, -1, line_kernel(length, i * np.pi / n_dir))
        out += np.where(sel0, r * (1 - frac), 0) + np.where(sel1, r * frac, 0)
    return out


def fractal_noise(h: int, w: int, rng: np.random.Generator, scales: tuple[float, ...]) -> np.ndarray:
    """Sum of smooth noise octaves of the given feature sizes (px). (H, W) float32, std 1."""
    out = np.zeros((h, w), np.float32)
    for sz in scales:
        gh, gw = max(2, int(h / sz) + 2), max(2, int(w / sz) + 2)
        octave = rng.standard_normal((gh, gw)).astype(np.float32)
        out += cv2.resize(octave, (w, h), interpolation=cv2.INTER_CUBIC) * (sz ** 0.5)
    out -= out.mean()
    return out / max(float(out.std()), 1e-6)


def xdog(g: np.ndarray, sigma: float, p: float = 20.0, eps: float = 0.8, phi: float = 12.0) -> np.ndarray:
    """eXtended Difference of Gaussians (Winnemöller et al. 2012), g (H, W) in [0, 1].

    S = (1 + p) G_σ * g - p G_{1.6σ} * g;  T = 1 if S ≥ ε else 1 + tanh(φ (S - ε)).
    Returns (H, W) float32 in [0, 1]: 1 = paper, 0 = ink.
    """
    S = (1 + p) * blur(g, sigma) - p * blur(g, 1.6 * sigma)
    return np.where(S >= eps, 1.0, 1.0 + np.tanh(phi * (S - eps))).clip(0, 1).astype(np.float32)


def sketch_lines(g: np.ndarray, k: float, length: float) -> np.ndarray:
    """Pencil stroke map after Lu, Xu & Jia 2012 ("Combining sketch and tone", eq. 2-4).

    Gradient magnitude G is classified to the best of 8 line directions, each class is
    convolved with its line kernel, so strokes overshoot corners like a hand would.
    g: (H, W) in [0, 1]. Returns (H, W) float32 darkness in [0, 1].
    """
    gb = blur(g, 0.7 * k)
    G = grad_mag(gb)
    kernels = [line_kernel(length, i * np.pi / 8) for i in range(8)]
    resp = np.stack([cv2.filter2D(G, -1, kk) for kk in kernels])  # (8, H, W)
    best = resp.argmax(0)
    S = np.zeros_like(G)
    for i, kk in enumerate(kernels):  # eq. (4): S' = Σ_i L_i ⊗ C_i
        S += cv2.filter2D(np.where(best == i, G, 0).astype(np.float32), -1, kk)
    return norm01(S, 50.0, 99.7)


def paper_noise(h: int, w: int, rng: np.random.Generator, k: float) -> np.ndarray:
    """Uniform noise with ~1 px grains at 512 px (≈k px at full size), (H, W) float32."""
    n = rng.random((max(1, round(h / max(k, 1.0))), max(1, round(w / max(k, 1.0)))), dtype=np.float32)
    return resize_to(n, w, h)


def kmeans(data: np.ndarray, n: int, rng: np.random.Generator, iters: int = 12,
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


def nearest(data: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each row. data (N, D), centres (n, D) -> (N,) int."""
    d = (data * data).sum(1, keepdims=True) - 2.0 * data @ centres.T + (centres * centres).sum(1)[None]
    return d.argmin(1)
