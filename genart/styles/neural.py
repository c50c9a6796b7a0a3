"""Neural style transfer without a pretrained network.

What it transfers, honestly: the style image's *palette* and its *texture statistics* —
grain, speckle, stroke and blob sizes, local contrast — at four scales (1, 1/2, 1/4, 1/8 of
the output). It does not know what objects are, so it does not transfer semantic style (how
an artist draws an eye), nor long-range regular structure (a brick wall comes out as
brick-coloured mortar-like strokes, not as rows of bricks). The content keeps its layout
because a content loss pins a low-passed copy of the photo.

How: the output pixels are optimised with Adam (coarse to fine: half size, then full size) for

    L = style_weight · mean_l SW(F_l(x), F_l(style)) / σ_l²  +  content_weight · 25 ‖↓4 x - ↓4 c‖²

F_l are the responses of a small *random-weight* conv net applied to each level of an image
pyramid, plus the pixels themselves (random filters suffice to describe natural textures:
Ustyuzhaninov et al. 2017, "What does it take to generate natural textures?"; He, Wang &
Hopcroft 2016). SW is the sliced Wasserstein distance between the two sets of feature vectors
(Heitz et al. 2021): project both on random directions, sort, compare quantiles; unlike Gram
matrices it matches whole distributions, so the palette comes out right too. c is the photo
re-coloured into the style's palette (a linear optimal-transport colour map), or the photo
itself with ``keep_colors``. Everything random — filter weights, projection directions,
pyramid phase, starting noise — comes from one ``torch.Generator`` seeded with ``seed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

NEURAL_STYLE = {
    "name": "neural",
    "title": "Neural style transfer",
    "kind": "neural",
    "description": "Repaints the photo with another image's palette and texture statistics "
                   "(random-weight conv features, sliced Wasserstein loss); no semantic style.",
}


@dataclass(frozen=True)
class NetConfig:
    """The random feature net (one small conv stack per pyramid level) and its optimiser."""

    levels: int = 4  # pyramid scales 1, 1/2, 1/4, 1/8
    widths: tuple[int, ...] = (16, 32, 48, 64)  # random filters per conv, per level
    kernel: int = 3  # first conv at full scale (5 at the coarser levels); the second is 3×3
    max_samples: int = 1 << 17  # feature vectors per layer in the SW loss (a random subset beyond)
    max_dirs: int = 32  # random projection directions per layer and step
    content_down: int = 4  # content loss compares the images low-passed to 1/content_down
    stages: tuple[float, ...] = (0.5,)  # coarse-to-fine scales optimised before the full size
    lr: float = 0.15  # Adam step in whitened colour units (ColorBasis), cosine-decayed to 10 %
    init_noise: float = 0.03  # std of the noise added to the starting image


class RandomFeatures(torch.nn.Module):
    """Random-weight conv features on an image pyramid. Frozen; built from a Generator.

    forward(x (B, 3, H, W) in [0, 1]) -> list of (B, C_i, H_i, W_i): per level the pixels
    themselves (palette), conv1 and conv2 responses (texture).
    """

    def __init__(self, cfg: NetConfig, gen: torch.Generator):
        super().__init__()
        self.cfg = cfg
        self.convs = torch.nn.ParameterList()
        for lvl in range(cfg.levels):
            c = cfg.widths[min(lvl, len(cfg.widths) - 1)]
            k1 = cfg.kernel if lvl == 0 else max(cfg.kernel, 5)
            w1 = torch.randn(c, 3, k1, k1, generator=gen) / (3 * k1 * k1) ** 0.5  # (C, 3, k, k)
            w2 = torch.randn(c, c, 3, 3, generator=gen) * (2.0 / (c * 9)) ** 0.5  # He init
            self.convs.append(torch.nn.Parameter(w1, requires_grad=False))
            self.convs.append(torch.nn.Parameter(w2, requires_grad=False))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        g = x
        for lvl in range(self.cfg.levels):
            if lvl:
                g = _down(g)  # (B, 3, H/2^l, W/2^l)
            z = g - 0.5  # centre so the random filters see contrast, not brightness
            w1, w2 = self.convs[2 * lvl], self.convs[2 * lvl + 1]
            p = w1.shape[-1] // 2
            mode = "reflect" if min(g.shape[-2:]) > p else "replicate"  # tiny images: replicate
            f1 = F.relu(F.conv2d(F.pad(z, (p,) * 4, mode=mode), w1))  # (B, C, h, w)
            f2 = F.relu(F.conv2d(F.pad(f1, (1,) * 4, mode=mode), w2))  # (B, C, h, w)
            feats += [g, f1, f2]
        return feats


def sliced_wasserstein(fx: torch.Tensor, fy: torch.Tensor, dirs: torch.Tensor) -> torch.Tensor:
    """Sliced Wasserstein-2 distance (Heitz et al. 2021, eq. 6) between two feature sets.

    fx: (C, N) output features, fy: (C, M) target features (feature vectors are columns),
    dirs: (K, C) unit directions.  SW = mean_k mean_n (sort(d_k·fx)_n - sort(d_k·fy)_n)²,
    with the target's sorted projections resampled to N quantiles when M ≠ N.
    """
    px = _sort_rows(dirs @ fx)  # (K, N)
    return (px - _quantiles(fy, dirs, px.shape[1])).square().mean()


def _sort_rows(p: torch.Tensor) -> torch.Tensor:
    """Sort each row, differentiably. torch.sort on the CPU is ~5x slower than numpy's
    argsort, so on the CPU the permutation comes from numpy and the gather stays in torch."""
    if p.device.type != "cpu":
        return torch.sort(p, dim=1).values
    idx = torch.from_numpy(np.argsort(p.detach().numpy(), axis=1, kind="quicksort"))
    return p.gather(1, idx)


def _quantiles(fy: torch.Tensor, dirs: torch.Tensor, n: int) -> torch.Tensor:
    """Sorted projections of target features fy (C, M) on dirs (K, C), resampled to n. (K, n)"""
    py = dirs @ fy  # (K, M)
    py = torch.sort(py, dim=1).values if py.device.type != "cpu" else torch.from_numpy(np.sort(py.numpy(), axis=1))
    m = py.shape[1]
    if m == n:
        return py
    pos = torch.linspace(0, m - 1, n, device=py.device)
    lo = pos.floor().long().clamp(max=m - 1)
    hi = (lo + 1).clamp(max=m - 1)
    t = (pos - lo).to(py.dtype)
    return py[:, lo] * (1 - t) + py[:, hi] * t


def _flat(f: torch.Tensor) -> torch.Tensor:
    return f[0].flatten(1)  # (1, C, h, w) -> (C, h*w)


class StyleLoss:
    """L_style(x) = mean over feature layers l of SW(F_l(x), F_l(style)) / σ_l².

    σ_l is the std of the style's layer-l features, so every layer weighs the same.
    ``__call__(x, seed)`` draws the projection directions and the pyramid phase from ``seed``:
    the same seed gives the same loss; a fresh seed per step gives an unbiased stochastic
    estimate of the full SW distance. x, style: (1, 3, H, W) in [0, 1].
    """

    def __init__(self, net: RandomFeatures, style: torch.Tensor):
        self.net = net
        with torch.no_grad():
            self.targets = [_flat(f).contiguous() for f in net(style)]  # list of (C_l, M_l)
        self.scale = [1.0 / max(float(t.std()), 1e-4) ** 2 for t in self.targets]

    def __call__(self, x: torch.Tensor, seed: int) -> torch.Tensor:
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        cfg = self.net.cfg
        # random pyramid phase: the strided levels would otherwise favour patterns aligned
        # with their 2^l sampling grid and print a lattice into the image
        p = 2 ** (cfg.levels - 1)
        if min(x.shape[-2:]) > 4 * p:
            dy, dx = torch.randint(0, p, (2,), generator=gen).tolist()
            x = x[..., dy:x.shape[-2] - (p - 1 - dy), dx:x.shape[-1] - (p - 1 - dx)]
        loss = x.new_zeros(())
        for f, fy, sc in zip(self.net(x), self.targets, self.scale):
            fx = _flat(f)  # (C, N)
            c = fx.shape[0]
            dirs = torch.randn(min(c, cfg.max_dirs), c, generator=gen).to(x.device)  # (K, C)
            dirs = dirs / dirs.norm(dim=1, keepdim=True)
            if fx.shape[1] > cfg.max_samples:  # a random subset of positions: same distribution
                fx = fx[:, torch.randperm(fx.shape[1], generator=gen)[:cfg.max_samples].to(x.device)]
            loss = loss + sc * sliced_wasserstein(fx, fy, dirs)
        return loss / len(self.targets)


def content_loss(x: torch.Tensor, content: torch.Tensor, down: int = 4) -> torch.Tensor:
    """25 · mean squared difference of the two images low-passed and subsampled by ``down``
    (a power of two) with the binomial pyramid. x, content: (1, 3, H, W).

    All three channels: a luminance-only loss has gradient ∝ (0.299, 0.587, 0.114), which
    is not gray, and the optimiser turns that small chroma component into a green / purple drift."""
    while down > 1 and min(x.shape[-2:]) > 4:
        x, content, down = _down(x), _down(content), down // 2  # (1, 3, H/2, W/2)
    return (x - content).square().mean() * 25.0


def _down(x: torch.Tensor) -> torch.Tensor:
    """Binomial [1 4 6 4 1]/16 blur, then stride 2 (a Gaussian pyramid step). (B, C, H, W) ->
    (B, C, ⌈H/2⌉, ⌈W/2⌉). Unlike 2×2 average pooling its gradient is smooth, so coarse-scale
    losses do not print blocks into the image."""
    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], device=x.device, dtype=x.dtype) / 16.0
    c = x.shape[1]
    x = F.pad(x, (2, 2, 2, 2), mode="reflect" if min(x.shape[-2:]) > 2 else "replicate")  # (B, C, H+4, W+4)
    x = F.conv2d(x, k.view(1, 1, 1, 5).expand(c, 1, 1, 5), groups=c, stride=(1, 2))
    return F.conv2d(x, k.view(1, 1, 5, 1).expand(c, 1, 5, 1), groups=c, stride=(2, 1))


# ----------------------------------------------------------------------------- colour helpers


def _sqrtm(c: torch.Tensor, inv: bool = False) -> torch.Tensor:
    e, v = torch.linalg.eigh(c)
    e = e.clamp(min=1e-8)
    return v @ torch.diag(e.rsqrt() if inv else e.sqrt()) @ v.T


def match_colors(src: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Move src's colour distribution onto ref's (linear Monge–Kantorovich map, Pitié 2007):
    A = Σs^-½ (Σs^½ Σr Σs^½)^½ Σs^-½, x ↦ A (x - μs) + μr.  src, ref (1, 3, H, W) -> like src."""
    s, r = src[0].flatten(1), ref[0].flatten(1)  # (3, N), (3, M)
    mu_s, mu_r = s.mean(1, keepdim=True), r.mean(1, keepdim=True)
    eye = 1e-4 * torch.eye(3, dtype=s.dtype, device=s.device)
    cs, cr = torch.cov(s) + eye, torch.cov(r) + eye
    cs_h, cs_ih = _sqrtm(cs), _sqrtm(cs, inv=True)
    A = cs_ih @ _sqrtm(cs_h @ cr @ cs_h) @ cs_ih
    return (A @ (s - mu_s) + mu_r).view_as(src).clamp(0, 1)


def _rgb_to_yuv(x: torch.Tensor) -> torch.Tensor:
    m = torch.tensor([[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]],
                     device=x.device)
    return torch.einsum("ij,bjhw->bihw", m, x)


def _yuv_to_rgb(x: torch.Tensor) -> torch.Tensor:
    m = torch.tensor([[1.0, 0.0, 1.13983], [1.0, -0.39465, -0.58060], [1.0, 2.03211, 0.0]], device=x.device)
    return torch.einsum("ij,bjhw->bihw", m, x)


# ----------------------------------------------------------------------------- image helpers


class ColorBasis:
    """Pixels as x = μ + M z with M = U (Λ + λ₀)^½ from the style's colour covariance
    Σ = U Λ Uᵀ (λ₀ = floor²). The optimiser works on z: in these whitened units it explores the
    style's own palette and barely drifts along colour axes the style does not use (no chroma
    noise on a gray texture), and the problem is better conditioned."""

    def __init__(self, ref: torch.Tensor, floor: float = 0.03):
        px = ref[0].flatten(1)  # (3, N)
        self.mu = px.mean(1).view(1, 3, 1, 1)
        e, u = torch.linalg.eigh(torch.cov(px))
        self.M = u @ torch.diag((e.clamp(min=0) + floor ** 2).sqrt())  # (3, 3)
        self.M_inv = torch.linalg.inv(self.M)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ij,bjhw->bihw", self.M_inv, x - self.mu)  # (B, 3, H, W)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.einsum("ij,bjhw->bihw", self.M, z) + self.mu


def _to_tensor(img: np.ndarray, long_side: int, device: torch.device) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, h, w) float in [0, 1] with max(h, w) = long_side (area resize)."""
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got shape {img.shape} dtype {img.dtype}")
    t = torch.from_numpy(np.array(img, copy=True)).permute(2, 0, 1)[None].float() / 255.0
    h, w = img.shape[:2]
    f = long_side / max(h, w)
    size = (max(1, round(h * f)), max(1, round(w * f)))
    mode = "area" if f < 1 else "bicubic"
    t = F.interpolate(t, size=size, mode=mode, **({} if mode == "area" else {"align_corners": False}))
    return t.clamp(0, 1).to(device)


def _to_uint8(x: torch.Tensor) -> np.ndarray:
    return (x[0].detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255.0 + 0.5).astype(np.uint8)


# ----------------------------------------------------------------------------- the optimisation


def transfer(content: np.ndarray, style: np.ndarray, *, steps: int = 200, size: int = 256, seed: int = 0,
             content_weight: float = 1.0, style_weight: float = 1.0, keep_colors: bool = False,
             every: int = 10, device: torch.device | None = None,
             config: NetConfig | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Paint ``content`` (H, W, 3) uint8 with the palette and texture of ``style`` (any size).

    Yields ``(step, image)`` every ``every`` steps and always the final image last with
    ``step == steps``; images are (h, w, 3) uint8 with max(h, w) = ``size`` and the content's
    aspect ratio. One step is one Adam update. ``keep_colors`` keeps the content's
    colours (the style is first re-coloured like the content, and the result keeps the
    content's chroma in YUV). ``device`` defaults to the CPU; pass the studio's device to run
    on an accelerator. The style image is scaled so that its long side is also ``size``.
    ``config`` overrides the feature net / optimiser settings (``NetConfig``).
    """
    if isinstance(steps, bool) or int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be an integer ≥ 1, got {steps!r}")
    if isinstance(size, bool) or int(size) != size or not 32 <= size <= 1024:
        raise ValueError(f"size must be an integer in [32, 1024], got {size!r}")
    if int(every) != every or every < 1:
        raise ValueError(f"every must be an integer ≥ 1, got {every!r}")
    if not (content_weight >= 0 and style_weight >= 0):
        raise ValueError(f"content_weight and style_weight must be ≥ 0, got {content_weight}, {style_weight}")
    steps, size, every = int(steps), int(size), int(every)
    device = torch.device("cpu") if device is None else torch.device(device)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    cfg = NetConfig() if config is None else config

    c_full = _to_tensor(content, size, device)  # (1, 3, h, w)
    s_full = _to_tensor(style, size, device)  # (1, 3, h_s, w_s)
    if keep_colors:
        s_full = match_colors(s_full, c_full)  # Gatys et al. 2016, colour-preserving variant
        target_full = c_full
    else:
        target_full = match_colors(c_full, s_full)  # the photo already in the style's palette
    net = RandomFeatures(cfg, gen).to(device)
    basis = ColorBasis(s_full)
    h, w = c_full.shape[-2:]

    def finish(x: torch.Tensor) -> np.ndarray:
        x = _resize(x.detach(), (h, w)).clamp(0, 1)  # coarse stages are shown at full size
        if keep_colors:  # luminance from the result, chroma from the photo
            yuv_x, yuv_c = _rgb_to_yuv(x), _rgb_to_yuv(c_full)
            x = _yuv_to_rgb(torch.cat([yuv_x[:, :1], yuv_c[:, 1:]], 1)).clamp(0, 1)
        return _to_uint8(x)

    # coarse to fine: the large-scale arrangement settles cheaply at half size
    stages = [f for f in cfg.stages if min(h, w) * f >= 24] + [1.0]
    n_steps = [int(steps * 0.45 / len(stages[:-1]))] * (len(stages) - 1) if len(stages) > 1 else []
    n_steps.append(steps - sum(n_steps))  # the full size always gets the rest (≥ 1 step)

    x, step = None, 0
    for f, n in zip(stages, n_steps):
        if n <= 0:
            continue
        hs, ws = max(8, round(h * f)), max(8, round(w * f))
        target = _resize(target_full, (hs, ws))  # (1, 3, hs, ws)
        sty = _resize(s_full, (max(8, round(s_full.shape[-2] * f)), max(8, round(s_full.shape[-1] * f))))
        style_loss = StyleLoss(net, sty)
        if x is None:  # start: the photo in the style's palette plus a little noise
            x = target + cfg.init_noise * torch.randn(target.shape, generator=gen).to(device)
        z = basis.encode(_resize(x, (hs, ws))).clone().requires_grad_(True)  # (1, 3, hs, ws)
        opt = torch.optim.Adam([z], lr=cfg.lr)
        down = min(cfg.content_down, max(1, min(hs, ws) // 8))
        for i in range(n):
            for group in opt.param_groups:  # cosine decay to 10 %: a crisp, low-noise end
                group["lr"] = cfg.lr * (0.1 + 0.45 * (1.0 + np.cos(np.pi * i / n)))
            # Grad mode is per thread, and a streaming caller (Gradio) may resume this generator in
            # a worker thread where another handler left it off: switch it on for the step itself,
            # and never yield inside a grad-mode context.
            with torch.enable_grad():
                opt.zero_grad(set_to_none=True)
                x = basis.decode(z)  # (1, 3, hs, ws)
                xc = x.clamp(0, 1)
                loss = (style_weight * style_loss(xc, int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
                        + content_weight * content_loss(xc, target, down)
                        + 10.0 * (x - xc).square().mean())  # keep pixels inside [0, 1]
                loss.backward()
                opt.step()
            step += 1
            if step % every == 0 or step == steps:
                with torch.no_grad():
                    preview = finish(basis.decode(z))
                yield step, preview
        x = basis.decode(z).detach()


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear (antialiased when shrinking) resize of (B, C, H, W) to ``size`` = (h, w)."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False, antialias=True)
