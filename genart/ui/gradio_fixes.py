"""Two changes to Gradio 6.31's image cache, applied when the studio's UI is imported.

`gradio.processing_utils.save_pil_to_cache` writes an output image straight to its final path, named
by the hash of its bytes. Two users who get the same image at once (the same seed: the GAN tab opens
on seed 0) write the same file while a browser is reading it, and the reader gets a truncated file
("Too little data for declared Content-Length"; seen twice in 1157 calls of the 32-client load test).
Gradio's own `save_file_to_cache` already writes under a temporary name and renames it into place;
this does the same for images. Remove it once Gradio's function does so itself.

And a PNG is encoded by `genart.images.png_bytes` (OpenCV, Sub filter, Huffman-only zlib at level 1), not by
Pillow at its default level 6: a 1482×1000 painting then costs 59 ms of CPU instead of 482 ms, for a file
about 20 % larger (measured) — most of /stylize's overhead over its compute was this encoding.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gradio import processing_utils

from genart.images import png_bytes

_original = processing_utils.save_pil_to_cache


def encode(img, format: str) -> bytes:
    """Gradio's encoding (text chunks kept: a PNG's record is in them), PNG by the studio's fast encoder."""
    if format.lower() != "png":
        return processing_utils.encode_pil_to_bytes(img, format)
    return png_bytes(img)


def save_pil_to_cache(img, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    data = encode(img, format)
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    final = (folder / f"{name}.{format}").resolve()
    if final.exists() and final.stat().st_size == len(data):      # same hash, same bytes: already there
        os.utime(final)                                            # (delete_cache ages files by ctime)
        return str(final)
    fd, staging = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(staging, final)                                 # readers see the old file or the new one
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return str(final)


def apply() -> None:
    processing_utils.save_pil_to_cache = save_pil_to_cache
