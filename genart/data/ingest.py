"""A user's own images become a dataset: a zip archive or several files → a folder of square PNGs.

    <root>/<name>/<class>/<NNNNN>.png      size × size RGB (colour kept), one folder per class

Sub-folders of the archive are the classes (one folder wrapping everything is looked through); images at
the top are the class "images". Any size or aspect is centre-cropped to a square and resized (Lanczos).

Nothing a file names is trusted: the archive is read member by member without extracting it, every
name is only used to pick a class (our own file names are written), and a bad archive is refused with a
sentence — not a zip, too many members, a member or the whole larger than the limits when unpacked
(zip bomb: sizes are checked while reading, not taken from the header), paths that leave the folder
(absolute, `..`, drive letters) or links, no images, too few images. The finished folder appears at once
(written under a temporary name, then renamed), so a half-written dataset is never seen.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from genart.core.images import ImageError, load_image
from genart.data.datasets import IMAGE_SUFFIXES, square

SIZES = (32, 64)
MAX_MEMBERS = 20_000            # entries in an archive
MAX_MEMBER_BYTES = 64 << 20     # one unpacked member
MAX_TOTAL_BYTES = 512 << 20     # all unpacked members together
MAX_RATIO = 200                 # unpacked / packed size of one member (real images compress < 10×)
MIN_IMAGES = 16
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class DatasetError(ValueError):
    """A user's archive or files that cannot become a dataset; the message says why."""


@dataclass(frozen=True)
class Dataset:
    path: Path
    classes: tuple[str, ...]
    counts: tuple[int, ...]
    size: int

    @property
    def total(self) -> int:
        return sum(self.counts)


def member_parts(name: str) -> tuple[str, ...]:
    """An archive member's path as safe parts, or a DatasetError if it would leave the folder."""
    text = name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text) or "\x00" in text:
        raise DatasetError(f"The archive holds a path outside its folder ({name[:60]!r}); it was refused.")
    parts = tuple(p for p in PurePosixPath(text).parts if p not in ("", "."))
    if ".." in parts:
        raise DatasetError(f"The archive holds a path outside its folder ({name[:60]!r}); it was refused.")
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _wanted(parts: tuple[str, ...]) -> bool:
    """An image file, not a hidden file or macOS resource fork."""
    return (bool(parts) and not any(p.startswith(".") or p == "__MACOSX" for p in parts)
            and PurePosixPath(parts[-1]).suffix.lower() in IMAGE_SUFFIXES)


def class_of(parts: tuple[str, ...], wrapper: str | None) -> str:
    """The class an image belongs to: its first folder (below a wrapping folder), else "images"."""
    if wrapper is not None:
        parts = parts[1:]
    return clean(parts[0]) if len(parts) > 1 else "images"


def clean(name: str) -> str:
    """A class name as a folder name of ours: letters, digits, space, _ and - (at most 40)."""
    text = re.sub(r"[^A-Za-z0-9 _-]+", "_", name).strip(" _") or "class"
    return text[:40]


def read_zip(archive: Path | str) -> list[tuple[str, bytes]]:
    """The images of a zip archive as (class, bytes), after every check on the archive."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise DatasetError("This file is not a zip archive: pack your images with zip (sub-folders = classes), "
                           "or upload the image files themselves.") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DatasetError(f"The archive has {len(infos)} entries; at most {MAX_MEMBERS} are read.")
        entries = []
        for info in infos:
            parts = member_parts(info.filename)
            if _is_link(info):
                raise DatasetError(f"The archive holds a link ({info.filename[:60]!r}); links are refused.")
            if not info.is_dir() and _wanted(parts):
                entries.append((parts, info))
        tops = {parts[0] for parts, _ in entries if len(parts) > 1}
        wrapped = (len(tops) == 1 and all(len(p) > 1 for p, _ in entries)       # one folder around everything,
                   and any(len(p) > 2 for p, _ in entries))                       # with class folders inside it
        wrapper = tops.pop() if wrapped else None
        total, out = 0, []
        for parts, info in entries:
            if info.file_size > MAX_MEMBER_BYTES or info.file_size > MAX_RATIO * max(1, info.compress_size):
                raise DatasetError(f"{info.filename[:60]!r} unpacks to {info.file_size / 1e6:.0f} MB from "
                                   f"{info.compress_size / 1e6:.1f} MB: refused (a zip bomb, or not an image).")
            with zf.open(info) as f:
                data = f.read(min(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES - total) + 1)   # the header may lie
            total += len(data)
            if len(data) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                raise DatasetError(f"The archive unpacks to more than {MAX_TOTAL_BYTES >> 20} MB; refused.")
            out.append((class_of(parts, wrapper), data))
    return out


def ingest(sources: list[Path | str] | Path | str, root: Path | str, name: str, size: int = 32) -> Dataset:
    """A zip archive, or image files (class "images"), → the dataset folder <root>/<name>."""
    if size not in SIZES:
        raise DatasetError(f"size must be one of {', '.join(map(str, SIZES))} px, got {size}")
    if not isinstance(name, str) or not NAME.match(name):
        raise DatasetError("A dataset name is 1–40 lowercase letters, digits, - or _, starting with a letter or "
                           "digit.")
    sources = [sources] if isinstance(sources, (str, Path)) else list(sources)
    if not sources:
        raise DatasetError("Upload a zip archive of images, or several image files.")
    items: list[tuple[str, bytes]] = []
    for src in sources:
        src = Path(src)
        if src.suffix.lower() == ".zip" or zipfile.is_zipfile(src):
            items += read_zip(src)
        elif src.suffix.lower() in IMAGE_SUFFIXES:
            if src.stat().st_size > MAX_MEMBER_BYTES:
                raise DatasetError(f"{src.name[:60]} is larger than {MAX_MEMBER_BYTES >> 20} MB.")
            items.append(("images", src.read_bytes()))
        else:
            raise DatasetError(f"{src.name[:60]} is neither a zip archive nor an image "
                               f"({', '.join(sorted(IMAGE_SUFFIXES))}).")
    squares: dict[str, list[np.ndarray]] = {}
    skipped = 0
    for cls, data in items:
        try:
            squares.setdefault(cls, []).append(square(load_image(data, min_side=8, max_side=4 * size), size))
        except ImageError:
            skipped += 1                                       # one unreadable file does not sink the rest
    found = sum(len(v) for v in squares.values())
    if found == 0:
        raise DatasetError("No images found" + (f" ({skipped} files could not be read)" if skipped else "")
                           + f": the archive needs image files ({', '.join(sorted(IMAGE_SUFFIXES))}).")
    if found < MIN_IMAGES:
        raise DatasetError(f"Only {found} images; a model needs at least {MIN_IMAGES} to learn anything.")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}-"))
    try:
        classes = sorted(squares)
        for cls in classes:
            folder = staging / cls
            folder.mkdir()
            for i, arr in enumerate(squares[cls]):
                Image.fromarray(arr).save(folder / f"{i:05d}.png", compress_level=1)
        final = root / name
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Dataset(final, tuple(classes), tuple(len(squares[c]) for c in classes), size)
