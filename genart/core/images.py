"""The one place that decodes images a user hands us, and writes the PNGs and GIFs we hand back.

`load_image` accepts a path, bytes, a PIL image or an array (request payloads go through
`genart.studio.uploads`, which admits only files in Gradio's upload cache), and returns
an RGB PIL image — or raises `ImageError` with a sentence a user understands: not an image,
truncated, too small, or so large it would exhaust memory (checked from the header, before any
pixel is decoded). It applies EXIF rotation, takes the first frame of animations, flattens
transparency onto white and brings every mode (L, P, RGBA, CMYK, 16-bit, float) to 8-bit RGB.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

MAX_PIXELS = 50_000_000     # a 50-megapixel photo is fine; a 40000×40000 "bomb" is refused from its header
MIN_SIDE = 8
MAX_FILE_BYTES = 64 << 20


class ImageError(ValueError):
    """An upload we cannot use; the message is meant for the user."""


def _open(source: Any) -> Image.Image:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"Image file {path.name} was not found.")
        size = path.stat().st_size
        if size == 0:
            raise ImageError("The uploaded file is empty.")
        if size > MAX_FILE_BYTES:
            raise ImageError(f"The file is {size >> 20} MB; the limit is {MAX_FILE_BYTES >> 20} MB.")
        source = path.read_bytes()
    if isinstance(source, (bytes, bytearray)):
        if not source:
            raise ImageError("The uploaded file is empty.")
        try:
            return Image.open(io.BytesIO(source))
        except Image.DecompressionBombError as e:
            raise ImageError(f"The image is far too large to process safely ({e}).") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ImageError("This file is not an image we can read (PNG, JPEG, WebP, GIF, BMP, TIFF).") from None
    if isinstance(source, np.ndarray):
        return _from_array(source)
    if isinstance(source, Image.Image):
        return source
    raise ImageError(f"Expected an image, got {type(source).__name__}.")


def _from_array(a: np.ndarray) -> Image.Image:
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (1, 3, 4)):
        raise ImageError(f"An image array must be (H, W), (H, W, 3) or (H, W, 4), not {a.shape}.")
    if a.dtype != np.uint8:
        a = _to_uint8(a.astype(np.float64))
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    return Image.fromarray(a)


def _to_uint8(a: np.ndarray) -> np.ndarray:
    """Rescale any numeric range (16-bit, float) to 0..255."""
    hi = float(np.nanmax(a)) if a.size else 0.0
    scale = 1.0 if hi <= 1.0 else (255.0 if hi <= 255 else 65535.0)
    return np.clip(np.nan_to_num(a) / scale * 255.0, 0, 255).round().astype(np.uint8)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        im = Image.fromarray(_to_uint8(np.asarray(im, dtype=np.float64)))
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA"):                  # flatten onto white without a second RGBA copy
        im = im.convert("RGBA") if im.mode != "RGBA" else im
        flat = Image.new("RGB", im.size, (255, 255, 255))
        flat.paste(im, mask=im.getchannel("A"))
        return flat
    return im if im.mode == "RGB" else im.convert("RGB")


class PixelBudget:
    """Decoded pixels in flight, across all requests: a decode waits (up to `wait_s`) until its pixels
    fit, so that several large uploads at once cannot take the server's memory (a 1 MB PNG can decode
    to 200 MB). Four bytes a pixel: the default 150 MP is about 600 MB of pixels at once."""

    def __init__(self, pixels: int, wait_s: float = 30.0):
        self.pixels, self.wait_s, self.used = pixels, wait_s, 0
        self._cv = threading.Condition()

    @contextlib.contextmanager
    def hold(self, n: int):
        n = min(n, self.pixels)
        with self._cv:
            if not self._cv.wait_for(lambda: self.used + n <= self.pixels, timeout=self.wait_s):
                raise ImageError("The studio is busy decoding other large images; try again in a moment "
                                 "or send a smaller one.")
            self.used += n
        try:
            yield
        finally:
            with self._cv:
                self.used -= n
                self._cv.notify_all()


DECODING = PixelBudget(150_000_000)


def load_image(source: Any, max_pixels: int = MAX_PIXELS, min_side: int = MIN_SIDE,
               max_side: int | None = None) -> Image.Image:
    """Decode an upload to an RGB PIL image, or raise ImageError with a clear message.

    The pixel count is checked from the header before anything is decoded, and decoding waits for
    room in the `DECODING` budget. With `max_side` the image is brought down to that long side right
    after decoding (JPEGs are even decoded at a reduced scale). At most one converted copy exists at
    a time: a 7000×7000 RGBA PNG peaks at about 340 MB (it was 750 MB)."""
    im = _open(source)
    w, h = im.size
    if w * h > max_pixels:
        raise ImageError(f"The image is {w}×{h} px ({w * h / 1e6:.0f} MP); the limit is {max_pixels / 1e6:.0f} MP.")
    if min(w, h) < min_side:
        raise ImageError(f"The image is only {w}×{h} px; it needs at least {min_side} px on each side.")
    try:
        with DECODING.hold(w * h):
            if getattr(im, "is_animated", False):
                im.seek(0)                                # first frame of a GIF / APNG / WebP animation
            if max_side and im.format == "JPEG":
                im.draft(im.mode, (max_side, max_side))   # DCT scaling: decode at 1/2, 1/4 or 1/8 size
            im.load()
            ImageOps.exif_transpose(im, in_place=True)   # (a copy otherwise, even with no rotation)
            im = _to_rgb(im)
            return fit_within(im, max_side) if max_side else im
    except (OSError, SyntaxError, ValueError) as e:
        if isinstance(e, ImageError):
            raise
        raise ImageError(f"The image file is damaged or truncated ({e}).") from None


def fit_within(image: Image.Image, max_side: int) -> Image.Image:
    """Downscale (never upscale) so that the longer side is at most `max_side`."""
    w, h = image.size
    if max(w, h) <= max_side:
        return image
    s = max_side / max(w, h)
    return image.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.LANCZOS)


# zlib level of every PNG the studio writes: level 1 encodes a 1482×1000 painting in 104 ms of CPU instead of
# 484 ms at Pillow's default 6, for a file 24 % larger (1.41 vs 1.14 MB; measured) — time the user waits for
PNG_LEVEL = 1


def png_bytes(image: Image.Image) -> bytes:
    """`image` as a PNG, with its text entries (a record, parameters) as text chunks, encoded fast: OpenCV's
    libpng with the Sub filter and Huffman-only zlib at level 1. A 1482×1000 painting takes 68 ms instead of
    Pillow's 100 ms at level 1 (its adaptive filters), for a slightly smaller file (1.38 vs 1.41 MB; measured
    by `python -m genart bench --only png`). Modes OpenCV does not write (P, 1, LA, I;16, F, …) go through Pillow."""
    if image.mode not in ("L", "RGB", "RGBA"):
        with io.BytesIO() as out:
            image.save(out, format="PNG", pnginfo=png_info(image), compress_level=PNG_LEVEL)
            return out.getvalue()
    import cv2

    a = np.asarray(image)
    if image.mode != "L":
        a = cv2.cvtColor(a, cv2.COLOR_RGB2BGR if image.mode == "RGB" else cv2.COLOR_RGBA2BGRA)
    ok, buf = cv2.imencode(".png", a, [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL,
                                       cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_HUFFMAN_ONLY,
                                       cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_SUB])
    if not ok:
        raise ImageError("The image could not be encoded as PNG.")
    return with_text_chunks(buf.tobytes(), text_of(image))


def text_of(image: Image.Image) -> dict[str, str]:
    """An image's text entries (what its PNG carries: a genart record, parameters, Software)."""
    return {k: v for k, v in image.info.items() if isinstance(k, str) and isinstance(v, str)}


def with_text_chunks(png: bytes, text: dict[str, str]) -> bytes:
    """A PNG's bytes with text chunks inserted after its header (IHDR): tEXt where the text is Latin-1, else
    iTXt (UTF-8), as Pillow writes them (PNG spec §11.3.4)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    chunks = []
    for key, value in text.items():
        k = key.encode("latin-1", "replace")[:79]
        try:
            chunks.append(chunk(b"tEXt", k + b"\0" + value.encode("latin-1")))
        except UnicodeEncodeError:
            chunks.append(chunk(b"iTXt", k + b"\0\0\0\0\0" + value.encode("utf-8")))
    end = 8 + 8 + struct.unpack(">I", png[8:12])[0] + 4                 # signature, then IHDR (length, type, CRC)
    return png[:end] + b"".join(chunks) + png[end:]


def with_params(image: Image.Image | np.ndarray, **params) -> Image.Image:
    """A PIL image whose PNG encoding carries `params` as a JSON `parameters` text chunk."""
    im = Image.fromarray(image) if isinstance(image, np.ndarray) else image.copy()
    im.info["parameters"] = json.dumps(params, sort_keys=True, default=str)
    im.info["Software"] = "genart"
    return im


def png_info(image: Image.Image) -> PngImagePlugin.PngInfo:
    """The image's text entries (parameters, a genart record) as PNG text chunks."""
    meta = PngImagePlugin.PngInfo()
    for key, value in image.info.items():
        if isinstance(value, str):
            meta.add_text(key, value)
    return meta


def save_png(image: Image.Image | np.ndarray, path: Path | str, **params) -> Path:
    Path(path).write_bytes(png_bytes(with_params(image, **params)))
    return Path(path)


def upscale_nearest(image: np.ndarray, factor: int) -> np.ndarray:
    """Crisp pixel-art enlargement of an (H, W) or (H, W, C) array."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


OUTPUT_TTL_S = 3600      # files we hand out (GIFs, PNG downloads) live an hour, like Gradio's own cache


def output_folder() -> Path:
    """Where the studio writes files it hands out: a folder inside Gradio's cache (GRADIO_TEMP_DIR, else
    <tmp>/gradio), so that nothing is left loose in the system temp folder."""
    base = os.environ.get("GRADIO_TEMP_DIR") or os.path.join(tempfile.gettempdir(), "gradio")
    folder = Path(base) / "genart-out"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def preview_file(image: np.ndarray | Image.Image, quality: int = 90) -> str:
    """An image that is only looked at (a live preview) as a JPEG file in the output folder: 5 ms to encode a
    1482×1000 painting, where a PNG takes 104 ms at level 1 and 484 ms at level 6 (measured)."""
    folder = output_folder() / "previews"
    folder.mkdir(exist_ok=True)
    prune(folder)
    im = Image.fromarray(image) if isinstance(image, np.ndarray) else image
    fd, path = tempfile.mkstemp(dir=folder, suffix=".jpg")
    with os.fdopen(fd, "wb") as f:
        im.convert("RGB").save(f, format="JPEG", quality=quality)
    return path


def prune(folder: Path, ttl_s: float = OUTPUT_TTL_S) -> int:
    """Delete the files (and folders) in `folder` older than `ttl_s` seconds; returns how many went."""
    cutoff, gone = time.time() - ttl_s, 0
    for p in folder.iterdir():
        try:
            if p.stat().st_mtime >= cutoff:
                continue
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink()
            gone += 1
        except FileNotFoundError:          # another request pruned it first
            pass
    return gone


def temp_path(suffix: str, prefix: str = "genart") -> Path:
    """A fresh file in the studio's output folder (old ones are pruned on the way)."""
    folder = output_folder()
    prune(folder)
    fd, name = tempfile.mkstemp(suffix=suffix, prefix=prefix + "_", dir=folder)
    os.close(fd)
    return Path(name)


def write_gif(frames: list[np.ndarray | Image.Image], path: Path | str | None = None,
              duration_ms: int = 80, loop: int = 0, boomerang: bool = False) -> Path:
    """Write an animated GIF; returns its path (a fresh temp file when `path` is None)."""
    if not frames:
        raise ValueError("an animation needs at least one frame")
    ims = [Image.fromarray(f) if isinstance(f, np.ndarray) else f for f in frames]
    if boomerang and len(ims) > 2:
        ims = ims + ims[-2:0:-1]
    path = temp_path(".gif") if path is None else path
    ims[0].save(path, format="GIF", save_all=True, append_images=ims[1:], duration=duration_ms, loop=loop,
                disposal=2)
    return Path(path)
