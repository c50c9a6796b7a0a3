"""Painting without Gradio: the filters (/stylize, with a smooth preview) and neural style — the pretrained
networks with a style image or the built-in styles, and the slow optimiser — on a photo or a garment."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from genart.core import records
from genart.core.images import with_params
from genart.core.registry import Registry
from genart.studio.inputs import number, seed_of, whole
from genart.studio.uploads import upload_folder, uploaded_image, uploaded_path
from genart.styles import STYLES, apply_style, style_list, transfer
from genart.styles import feedforward as ff

OPTIMISE, IMAGE = "optimise", "image"
EXAMPLES = Path(__file__).resolve().parent.parent.parent / "assets" / "examples"


PREVIEW_SIDE = 512        # the live preview while the Filters' controls move


STREAM_S = 0.5           # a streaming handler yields at least this often (cancel latency)


NEURAL_BUDGET = 800       # iterations at 256 px (≈ 2 min on 2 CPU cores); scales with the pixel count


MAX_SIDE = 2048           # filters run on at most 2048 px (long side); larger photos are scaled down first


GARMENT_SIDE = 64         # a content image this small (a 28-px garment) is enlarged smoothly before painting


MODES = [("Style image (any picture)", IMAGE), ("Built-in styles", "builtin"),
         ("Optimise from scratch (slow, texture statistics only)", OPTIMISE)]


NEURAL_ABOUT = (
    "Pretrained networks paint your photo in one pass, at its own resolution: with **any style image** "
    "(Ghiasi et al. 2017) or with **26 built-in styles** (Dumoulin et al. 2017), which you can blend. "
    "Strength moves the painting towards the photo's own style; *keep the photo's colours* transfers "
    "brushwork and tones only. A tiny image (a 28-px garment from the GAN, VAE or diffusion tabs) is "
    "enlarged smoothly first. **Optimise from scratch** is the older, slow mode with no pretrained "
    "network: it matches statistics of random convolutional features, so it carries palette and texture, "
    "not brushwork or subject matter.")


def styles() -> list[dict]:
    """Every style the studio paints with: the filters, then the neural styles of /neural_style — "image"
    (any style image), the 26 built-in network styles (by name or index), and "optimise"."""
    neural = [{"name": IMAGE, "title": "Style image", "kind": "neural", "network": ff.TRANSFORM,
               "description": "Paints the photo like any picture you give (Ghiasi et al. 2017): its palette, "
                              "brushwork and texture, via a 100-d style vector."}]
    neural += [{"name": n, "title": n.capitalize(), "kind": "neural", "index": i, "network": ff.MULTISTYLE,
                "description": f"Built-in style {i} of 26 (Dumoulin et al. 2017); blend with others as "
                               f"\"{i}:0.5, 12:0.5\"."} for i, n in enumerate(ff.BUILTIN_NAMES)]
    neural.append({"name": OPTIMISE, "title": "Optimise from scratch", "kind": "neural",
                   "description": "The slow mode without a pretrained network: optimises the pixels so that "
                                  "random-feature statistics match the style image (palette and texture, no "
                                  "semantic style); uses steps and seed."})
    return style_list() + neural


def _photo(image) -> np.ndarray:
    return np.asarray(uploaded_image(image, "a photo", max_side=MAX_SIDE))


def native_garment(rgb: np.ndarray, side: int = 28) -> np.ndarray | None:
    """A garment the studio showed enlarged with square pixels (a GAN, VAE or diffusion result, 28 px × k)
    → its (side, side) source pixels; None for any other picture. Exact: every k×k block is one colour."""
    h, w = rgb.shape[:2]
    if h != w or h % side or h == side:
        return None
    k = h // side
    small = rgb[::k, ::k]                                                     # (side, side[, 3])
    return small if np.array_equal(np.repeat(np.repeat(small, k, 0), k, 1), rgb) else None


def smooth_garment(rgb: np.ndarray, size: int = 512) -> tuple[np.ndarray, bool]:
    """A blocky enlarged garment → the same garment enlarged smoothly (painting pixel blocks paints blocks);
    any other picture unchanged. → (image, whether it was a garment)."""
    small = native_garment(rgb)
    return (rgb, False) if small is None else (ff.garment_rgb(np.ascontiguousarray(small), size), True)


def _param_values(style: str, p1: float | None, p2: float | None) -> dict:
    params = STYLES[style].params
    return {p.name: v for p, v in zip(params, (p1, p2)) if v is not None}


def stylize(image, style: str, strength: float = 1.0) -> Image.Image:
    """Paint `image` in `style` (a name from /styles) at `strength` in [0, 1]; PNG with parameters."""
    if style not in STYLES:
        raise ValueError(f"Unknown style {str(style)[:40]!r}; choose one of {', '.join(STYLES)}")
    strength = number(strength, "strength", 0.0, 1.0)
    rgb = _photo(image)
    out = apply_style(rgb, style, strength)
    return with_params(out, style=style, strength=strength)


def _served(image, rgb: np.ndarray):
    """The uploaded photo's own file where Gradio already serves it (no new encoding), else the array."""
    try:
        path = uploaded_path(image)
    except (OSError, ValueError):
        return rgb
    return str(path) if path.is_relative_to(upload_folder()) else rgb


def _record_of(image) -> dict | None:
    """The record of a photo that is itself a studio PNG: a painting's record then names what it painted."""
    try:
        return records.read(uploaded_path(image))
    except (OSError, ValueError):
        return None


def slider_range(i: int) -> tuple[float, float]:
    """The range of the i-th parameter slider over every style."""
    params = [s.params[i] for s in STYLES.values() if len(s.params) > i]
    return min(p.minimum for p in params), max(p.maximum for p in params)


def slider_names(style: str) -> tuple[str, ...]:
    """The names of the style's parameters behind the p1 / p2 sliders (records hold them by name)."""
    return tuple(p.name for p in STYLES[style].params[:2]) if style in STYLES else ()


def neural_settings(p: dict) -> dict:
    """A neural painting's recorded parameters → the Neural style tab's settings ("neural.mode", ...)."""
    style = p.get("style", IMAGE)
    if style in (IMAGE, OPTIMISE):
        values = {"neural.mode": style}
    else:                                                     # built-in: a name, or a blend "a, b"
        names = [n.strip() for n in str(style).split(",") if n.strip() in ff.BUILTIN_NAMES]
        values = {"neural.mode": "builtin", **({"neural.builtin": names} if names else {})}
    for key in ("strength", "keep_colors", "size", "work", "steps", "seed"):
        if key in p:
            values[f"neural.{key}"] = p[key]
    values.setdefault("neural.work", 0)
    return values


def neural_budget(steps, size) -> int:
    """Iterations, bounded so that one request's work stays within NEURAL_BUDGET iterations at 256 px."""
    size = whole(size, "size", 64, 768)
    most = min(1000, int(NEURAL_BUDGET * (256 / size) ** 2))
    steps = whole(steps, "steps", 1, 1000)
    if steps > most:
        raise ValueError(f"At {size} px at most {most} iterations fit in one request; "
                         "lower the iterations or the size.")
    return steps


def _style_choice(style) -> str:
    """The request's `style`: "image", "optimise", or built-in style(s) checked now (a sentence if unknown)."""
    if style is None or (isinstance(style, str) and style.strip().lower() in ("", IMAGE)):
        return IMAGE
    if isinstance(style, str) and style.strip().lower() in (OPTIMISE, "optimize"):
        return OPTIMISE
    if isinstance(style, (list, tuple)):
        style = ", ".join(str(x) for x in style)
    if isinstance(style, float) and style.is_integer():
        style = int(style)
    ff.style_weights(style)                                   # raises StyleError with the allowed names
    return str(style)


def no_progress(*args, **kwargs) -> None:
    """A progress callable that shows nothing (the CLI, replay, tests)."""


def _optimise(c, s, steps, size, seed, content_weight, style_weight, keep_colors, progress=None, chain=()):
    """The old optimiser, streamed: every few steps an intermediate image; the last one is final."""
    steps, seed = neural_budget(steps, size), seed_of(seed)
    progress = progress or no_progress
    progress(0, desc="Optimising")
    every, shown = max(1, steps // 20), time.monotonic()
    for step, img in transfer(c, s, steps=steps, size=size, seed=seed, content_weight=float(content_weight),
                              style_weight=float(style_weight), keep_colors=bool(keep_colors), every=1):
        # stream every `every` steps, and at least every STREAM_S seconds: Stop (or a closed connection)
        # takes effect at a yield, so a yield at least twice a second bounds how long a cancelled job runs
        if step % every and step != steps and time.monotonic() - shown < STREAM_S:
            continue
        shown = time.monotonic()
        progress((step, steps), desc="Optimising")
        params = dict(style=OPTIMISE, step=step, steps=steps, size=size, seed=seed,
                      content_weight=float(content_weight), style_weight=float(style_weight),
                      keep_colors=bool(keep_colors))
        yield records.stamp(img, records.make("neural_style", params, chain=chain))


def neural_paint(registry: Registry, content, style_image, size: int = 0, style="image", strength: float = 1.0,
                 keep_colors: bool = False, work: int = 0):
    """The pretrained networks (genart.styles.feedforward): yields a quick preview when the result is large,
    then the final image, each with its info line. A tiny content image (≤ 64 px, a garment) is enlarged
    smoothly to `size` (default 512) first."""
    choice = _style_choice(style)
    strength = number(strength, "strength", 0.0, 1.0)
    size, work = whole(size, "size", 0, ff.MAX_SIDE), whole(work, "work", 0, ff.MAX_SIDE)
    if 0 < size < ff.MIN_SIDE:
        raise ValueError(f"size must be 0 (the photo's own) or from {ff.MIN_SIDE} to {ff.MAX_SIDE} px, got {size}")
    photo = np.asarray(uploaded_image(content, "a content photo", max_side=ff.MAX_SIDE))
    look = np.asarray(uploaded_image(style_image, "a style image", max_side=1024)) if choice == IMAGE else None
    small = native_garment(photo)                             # a garment the studio showed with square pixels
    photo = photo if small is None else np.ascontiguousarray(small)
    garment = max(photo.shape[:2]) <= GARMENT_SIDE
    if garment:
        size = size or 512
        photo = ff.garment_rgb(photo, max(size, 256))
    out_long = min(size or max(photo.shape[:2]), ff.MAX_SIDE)
    kw = dict(style_image=look, strength=strength, keep_colors=bool(keep_colors))
    params = dict(style=choice, strength=strength, keep_colors=bool(keep_colors), size=out_long,
                  work=work or None, garment=garment or None)
    params = {k: v for k, v in params.items() if v is not None}
    network = ff.TRANSFORM if choice == IMAGE else ff.MULTISTYLE
    chain = [r for r in (_record_of(content), _record_of(style_image) if choice == IMAGE else None) if r]
    if out_long > 640:              # a 512-px preview at once, then the full size
        t0 = time.perf_counter()
        preview = ff.paint(registry, photo, choice, size=512, work=min(work or 384, 384), **kw)
        yield with_params(preview, preview=True, **params), f"preview {preview.shape[1]}×{preview.shape[0]} px " \
            f"in {time.perf_counter() - t0:.2f} s; painting at full size…"
    t0 = time.perf_counter()
    out = ff.paint(registry, photo, choice, size=out_long, work=work or None, **kw)
    seconds = time.perf_counter() - t0
    what = "style image" if choice == IMAGE else f"built-in {choice}"
    record = records.of_model(registry, "neural_style", network, params, chain)
    yield records.stamp(out, record), (f"{what}: {out.shape[1]}×{out.shape[0]} px in {seconds:.2f} s on "
                                       f"{registry.device.type}" + (" (garment enlarged first)" if garment else ""))


def json_param(img: Image.Image, key: str):
    """One of the parameters recorded in an image (`records.stamp` or `with_params`)."""
    return json.loads(img.info["parameters"]).get(key)


WELCOME = ("cat.jpg", "style_hubble.jpg")             # the example the Neural style tab opens with


@functools.lru_cache(maxsize=4)
def _welcome_painting(registry: Registry) -> Image.Image:
    content, look = (str(EXAMPLES / name) for name in WELCOME)
    return list(neural_paint(registry, content, look, 512))[-1][0]


def builtin_gallery() -> list[tuple[str, str]]:
    """(thumbnail path, "index · name") for the built-in styles' gallery (assets/style_thumbnails)."""
    return [(str(ff.thumbnail_path(i)), f"{i} · {n}") for i, n in enumerate(ff.BUILTIN_NAMES)]


def styles_api() -> list[dict]:
    """/styles: name, kind (filter/neural), description (and each filter's parameters)."""
    return styles()


def neural_style(registry: Registry, content, style_image, steps: int = 200, size: int = 0, seed: int = 0,
                 style="image", strength: float = 1.0, keep_colors: bool = False, work: int = 0,
                 content_weight: float = 1.0, style_weight: float = 1.0, progress=None):
    """Stream (image, info) pairs, the last one final: the pretrained networks for "image" and built-in styles,
    the optimiser (which uses steps and seed) for "optimise"."""
    steps = whole(steps, "steps", 1, 1000)
    seed = seed_of(seed)
    if _style_choice(style) == OPTIMISE:
        size = whole(size or 256, "size", 64, 768)
        c = _photo(content)
        s = np.asarray(uploaded_image(style_image, "a style image", max_side=1024))
        chain = [r for r in (_record_of(content), _record_of(style_image)) if r]
        for img in _optimise(c, s, steps, size, seed, content_weight, style_weight, keep_colors, progress, chain):
            yield img, f"optimising: step {json_param(img, 'step')}/{steps}"
        return
    (progress or no_progress)(0, desc="Painting")
    yield from neural_paint(registry, content, style_image, size, style, strength, keep_colors, work)


def neural_style_api(registry: Registry, content, style_image, steps: int = 200, size: int = 0, seed: int = 0,
                     style: str = "image", strength: float = 1.0, progress=None):
    """/neural_style: stream images, the last one final. style: "image" (paint like style_image), a
    built-in style's name or index, a blend "3:0.6, 12:0.4", or "optimise" (the slow optimiser, which
    uses steps and seed); size: the output's long side (0: the photo's own)."""
    for img, _ in neural_style(registry, content, style_image, steps, size, seed, style, strength,
                               progress=progress):
        yield img
