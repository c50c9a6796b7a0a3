"""Side-by-side samples for issue #13: the old optimiser beside the pretrained style networks.

    python docs/samples/neural_style_samples.py [--out docs/samples] [--photos DIR]

Three photo/style pairs, none from assets/examples:
  - photos: `china.jpg` and `flower.jpg` from scikit-learn's wheel (sklearn/datasets/images; CC BY 2.0,
    danielbuechele and vultilion on Flickr), and a landscape drawn here (procedural, no licence needed);
  - styles: drawn here — stained glass (Voronoi cells with lead lines), swirling brush strokes (noise
    smeared along a vortex field), and ink waves (Hokusai-like bands) — so every pixel's origin is known.
--photos names the folder with china.jpg and flower.jpg (e.g. the wheel unpacked: `pip download
scikit-learn --no-deps` and unzip sklearn/datasets/images). Each output PNG is one row:
photo | style | old optimiser (200 iterations, 256 px) | style image network | a built-in style.
Also neural-style-builtins.png: the 26 built-in styles' thumbnails with their names.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont


# ----------------------------------------------------------------------------- procedural pictures
def stained_glass(size: int = 512, cells: int = 90, seed: int = 1) -> np.ndarray:
    """Voronoi cells in jewel colours, separated by dark lead lines, with a little glass mottling."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, size, (cells, 2)).astype(np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    d = (xx[..., None] - pts[:, 0]) ** 2 + (yy[..., None] - pts[:, 1]) ** 2       # (S, S, cells)
    order = np.argsort(d, axis=-1)
    nearest, second = order[..., 0], order[..., 1]
    d1 = np.take_along_axis(d, nearest[..., None], -1)[..., 0] ** 0.5
    d2 = np.take_along_axis(d, second[..., None], -1)[..., 0] ** 0.5
    palette = np.array([[178, 34, 52], [30, 80, 170], [250, 190, 40], [30, 140, 80], [120, 50, 150],
                        [240, 120, 30], [90, 170, 220], [200, 60, 120]], np.float32)
    img = palette[rng.integers(0, len(palette), cells)][nearest]                    # (S, S, 3)
    mottle = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 6)
    img = img * (1 + 0.12 * mottle / mottle.std())[..., None]
    lead = np.clip((d2 - d1 - 2.0) / 2.0, 0, 1)[..., None]                         # 0 on the borders
    return np.clip(img * lead + 25 * (1 - lead), 0, 255).astype(np.uint8)


def swirls(size: int = 512, seed: int = 2) -> np.ndarray:
    """Brush strokes: coloured noise smeared along a field of vortices (genart's `streaks`), in a
    night-sky palette of deep blue, sky blue and gold."""
    from genart.styles.imageops import streaks

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    vx, vy = np.zeros_like(xx), np.zeros_like(yy)
    for cx, cy, s in rng.uniform([0, 0, -1], [1, 1, 1], (6, 3)):
        dx, dy = xx - cx, yy - cy
        r2 = dx * dx + dy * dy + 0.02
        vx += np.sign(s) * -dy / r2
        vy += np.sign(s) * dx / r2
    grain = cv2.resize(rng.normal(0, 1, (size // 3, size // 3)).astype(np.float32), (size, size),
                       interpolation=cv2.INTER_NEAREST)
    strokes = streaks(grain, 0.06 * size, np.arctan2(vy, vx), n_dir=12)             # (S, S), std 1
    base = cv2.GaussianBlur(rng.uniform(0, 1, (size, size)).astype(np.float32), (0, 0), size / 10)
    base = (base - base.min()) / (np.ptp(base) + 1e-6)
    t = np.clip(0.15 + 0.7 * base + 0.18 * strokes, 0, 1)[..., None]
    deep, sky, gold = (np.array(c, np.float32) for c in ([20, 40, 120], [90, 150, 220], [250, 210, 70]))
    img = np.where(t < 0.5, deep + (sky - deep) * (t / 0.5), sky + (gold - sky) * ((t - 0.5) / 0.5))
    return np.clip(img, 0, 255).astype(np.uint8)


def ink_waves(size: int = 512, seed: int = 3) -> np.ndarray:
    """Bands of curling waves in Prussian blue on cream paper, outlined in dark ink."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    phase = 2 * math.pi * (yy / 38 + 0.6 * np.sin(xx / 55 + yy / 90) + 0.3 * np.sin(xx / 17))
    band = 0.5 + 0.5 * np.sin(phase)                                               # (S, S)
    paper = np.array([238, 226, 196], np.float32) * (1 - 0.04 * rng.random((size, size, 1), np.float32))
    blue, foam = np.array([22, 52, 110], np.float32), np.array([250, 248, 240], np.float32)
    img = paper + (blue - paper) * np.clip(band * 1.6 - 0.3, 0, 1)[..., None]
    crest = np.clip(1 - np.abs(band - 0.93) * 18, 0, 1)[..., None]
    img = img + (foam - img) * crest
    edges = np.clip(1 - np.abs(band - 0.55) * 30, 0, 1)[..., None]
    return np.clip(img * (1 - 0.8 * edges), 0, 255).astype(np.uint8)


def landscape(w: int = 640, h: int = 427, seed: int = 4) -> np.ndarray:
    """A 'photo' drawn here: sky gradient, sun, two hill ranges, a lake, a red house, trees, soft noise."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    for y in range(h):                                                             # sky
        t = y / h
        d.line([(0, y), (w, y)], fill=(int(110 + 120 * t), int(160 + 70 * t), int(235 - 20 * t)))
    d.ellipse([w * 0.72, h * 0.10, w * 0.72 + 60, h * 0.10 + 60], fill=(255, 236, 170))
    for k, (base, col) in enumerate([(0.55, (96, 120, 150)), (0.68, (60, 120, 70))]):
        xs = np.arange(0, w + 8, 8)
        ys = h * base - 40 * np.sin(xs / (90 + 40 * k) + k) - 25 * np.sin(xs / 37 + 2 * k)
        d.polygon([(0, h)] + list(zip(xs.tolist(), ys.tolist())) + [(w, h)], fill=col)
    d.rectangle([0, h * 0.80, w, h], fill=(70, 130, 180))                          # lake
    d.rectangle([w * 0.18, h * 0.60, w * 0.30, h * 0.76], fill=(190, 50, 40))      # house
    d.polygon([(w * 0.16, h * 0.61), (w * 0.24, h * 0.50), (w * 0.32, h * 0.61)], fill=(90, 40, 30))
    d.rectangle([w * 0.225, h * 0.68, w * 0.25, h * 0.76], fill=(60, 35, 20))
    for x in rng.uniform(0.4, 0.95, 9) * w:                                       # trees
        y = h * rng.uniform(0.62, 0.72)
        d.rectangle([x - 3, y, x + 3, y + 28], fill=(80, 50, 30))
        d.ellipse([x - 18, y - 40, x + 18, y + 6], fill=(30, int(rng.uniform(90, 140)), 50))
    a = np.asarray(img).astype(np.float32)
    a = cv2.GaussianBlur(a, (0, 0), 0.8) + rng.normal(0, 4, a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- the comparison
def row(panels: list[tuple[str, np.ndarray]], height: int = 224) -> Image.Image:
    """Panels side by side at one height with a caption strip above each; palette PNG-ready."""
    ims = []
    for _, a in panels:
        im = Image.fromarray(a)
        ims.append(im.resize((round(im.width * height / im.height), height), Image.LANCZOS))
    cap = 16
    out = Image.new("RGB", (sum(i.width for i in ims) + 4 * (len(ims) + 1), height + cap + 8), "white")
    d, x = ImageDraw.Draw(out), 4
    font = ImageFont.load_default()
    for (title, _), im in zip(panels, ims):
        d.text((x + 2, 4), title, fill="black", font=font)
        out.paste(im, (x, cap + 4))
        x += im.width + 4
    return out


def builtins_sheet(out: Path) -> None:
    """The 26 built-in styles' thumbnails (assets/style_thumbnails) with their index and name, 7 per row."""
    from genart.styles.feedforward import BUILTIN_NAMES, thumbnail_path

    ims = [Image.open(thumbnail_path(i)) for i in range(len(BUILTIN_NAMES))]
    ims = [im.resize((150, round(150 * im.height / im.width)), Image.LANCZOS) for im in ims]
    w, h, cap, cols = ims[0].width, ims[0].height, 16, 7
    rows = -(-len(ims) // cols)
    sheet = Image.new("RGB", (cols * (w + 4) + 4, rows * (h + cap + 4) + 4), "white")
    d = ImageDraw.Draw(sheet)
    for i, im in enumerate(ims):
        r, c = divmod(i, cols)
        x, y = 4 + c * (w + 4), 4 + r * (h + cap + 4)
        d.text((x + 2, y + 2), f"{i} · {BUILTIN_NAMES[i]}", fill="black", font=ImageFont.load_default())
        sheet.paste(im, (x, y + cap))
    sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, optimize=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("docs/samples"))
    p.add_argument("--photos", type=Path, required=True, help="folder with scikit-learn's china.jpg, flower.jpg")
    p.add_argument("--steps", type=int, default=200)
    a = p.parse_args(argv)

    from genart.core.registry import Registry
    from genart.styles.feedforward import BUILTIN_NAMES, paint
    from genart.styles.neural import transfer

    registry = Registry()
    builtins_sheet(a.out / "neural-style-builtins.png")
    warm = landscape(96, 64)
    paint(registry, warm, "image", style_image=warm)               # load the networks before timing
    paint(registry, warm, 0)
    load = lambda name: np.asarray(Image.open(a.photos / name).convert("RGB"))
    pairs = [("china", load("china.jpg"), "stained glass", stained_glass(), 15),
             ("flower", load("flower.jpg"), "swirls", swirls(), 19),
             ("landscape", landscape(), "ink waves", ink_waves(), 24)]
    for name, photo, style_name, style, builtin in pairs:
        t0 = time.perf_counter()
        old = [img for _, img in transfer(photo, style, steps=a.steps, size=256, seed=0, every=a.steps)][-1]
        t_old = time.perf_counter() - t0
        t0 = time.perf_counter()
        new = paint(registry, photo, "image", style_image=style)
        t_new = time.perf_counter() - t0
        t0 = time.perf_counter()
        built = paint(registry, photo, builtin)
        t_built = time.perf_counter() - t0
        im = row([("photo", photo), (f"style: {style_name}", style),
                  (f"old optimiser, {a.steps} it, 256 px ({t_old:.0f} s on 2 CPU cores)", old),
                  (f"new: style image, {photo.shape[1]} px ({t_new:.2f} s)", new),
                  (f"new: built-in '{BUILTIN_NAMES[builtin]}' ({t_built:.2f} s)", built)])
        path = a.out / f"neural-style-{name}.png"
        im.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
        print(f"{path}: {path.stat().st_size // 1024} KB; old {t_old:.1f} s, new {t_new:.2f} s, builtin {t_built:.2f} s")


if __name__ == "__main__":
    main()
