"""What a request may hand the studio as an image: only a file that Gradio accepted into its upload
cache (or one of the studio's own example images) — never a path or URL that a payload names.

Our endpoints run with `preprocess=False` (one input takes both a plain image and a Sketchpad
value), so Gradio's own upload check does not see every payload; this module is that check. A
refusal is one sentence, the same whether the named file exists or not, so that it reveals nothing
about the server's disk.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from genart.core.images import MAX_PIXELS, ImageError, load_image
from genart.core.registry import ASSETS

REFUSED = ("Only images uploaded to the studio can be read: send the file itself "
           "(in gradio_client: handle_file(path)), not a path or a URL.")
NO_IMAGE = "No image was uploaded."
SKETCH_KEYS = ("composite", "background")


def upload_folder() -> Path:
    """Where Gradio keeps uploads: GRADIO_TEMP_DIR, else <tmp>/gradio — `gradio.utils.get_upload_folder`'s rule,
    written here so that the studio core needs no Gradio (a canary in tests/gradio_canaries.py compares them)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio").resolve()


def allowed_roots() -> tuple[Path, ...]:
    """Gradio's upload cache (GRADIO_TEMP_DIR) and our example images."""
    return upload_folder(), (ASSETS / "examples").resolve()


def uploaded_path(value: Any) -> Path:
    """A Gradio file payload (or its path) → the file's resolved path inside an allowed root.

    The payload's `url` is never read: a URL is not a path. Symlinks and `..` are resolved first,
    so neither leads out of the cache."""
    if isinstance(value, dict):
        path = value.get("path")
        if not path:
            raise ImageError(REFUSED if value.get("url") else NO_IMAGE)
    elif isinstance(value, (str, Path)):
        path = value
    else:
        raise ImageError(f"Expected an uploaded image, got {type(value).__name__}.")
    text = str(path)
    if not text or "\x00" in text or "://" in text:
        raise ImageError(REFUSED)
    resolved = Path(text).resolve()
    if not any(resolved.is_relative_to(root) for root in allowed_roots()):
        raise ImageError(REFUSED)
    return resolved


def is_sketch(value: Any) -> bool:
    return isinstance(value, dict) and any(k in value for k in (*SKETCH_KEYS, "layers"))


def uploaded_image(value: Any, what: str = "an image", max_side: int | None = None) -> Image.Image:
    """A request's image — an upload payload or a Sketchpad value {background, layers, composite} —
    as an RGB PIL image, decoded once and brought down to `max_side` (bounded by `load_image`'s limits)."""
    if value is None or value == "" or value == []:
        raise ImageError(f"Please provide {what} first.")
    if is_sketch(value):
        source = next((value[k] for k in SKETCH_KEYS if value.get(k)), None)
        if source is None:
            raise ImageError("Draw something first.")
        value = source
    return load_image(uploaded_path(value), max_side=max_side)


def uploaded_png(value: Any) -> Image.Image:
    """A request's image file as it is — mode and text chunks kept (a PNG's record is in them) — after
    the same checks: only the upload cache, a readable image, not over MAX_PIXELS."""
    if value is None or value == "":
        raise ImageError("Please provide a PNG made by the studio first.")
    path = uploaded_path(value)
    try:
        im = Image.open(path)
        if im.size[0] * im.size[1] > MAX_PIXELS:
            raise ImageError("The image is too large to be a studio output.")
        im.load()
    except ImageError:
        raise
    except Exception:
        raise ImageError("This file is not an image we can read (PNG, JPEG, WebP, GIF, BMP, TIFF).") from None
    return im
