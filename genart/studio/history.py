"""Each browser's history of results, on disk, so that nothing is lost on a reload or a server restart.

    <root>/<browser id>/<ns time>-<hex>.png  one result; its PNG carries its record (genart.core.records)

`root` is `GENART_OUTPUT_DIR/history` (default `~/.cache/genart/studio/history.py`). A browser id is 32 hex
digits that the browser keeps (random, made on its first visit); nothing else is ever a folder name,
so one browser cannot reach another's items. Each browser keeps at most `max_items` results and
`max_bytes` of them; the oldest go first.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

from genart.core import records
from genart.core.images import png_bytes

BROWSER_ID = re.compile(r"^[0-9a-f]{32}$")
ITEM_ID = re.compile(r"^[0-9]{19}-[0-9a-f]{6}$")


def output_root() -> Path:
    return Path(os.environ.get("GENART_OUTPUT_DIR") or Path.home() / ".cache" / "genart")


def new_browser_id() -> str:
    return secrets.token_hex(16)


class History:
    def __init__(self, root: Path | str | None = None, max_items: int = 200, max_bytes: int = 64 << 20):
        self.root = Path(root) if root is not None else output_root() / "history"
        self.max_items, self.max_bytes = max_items, max_bytes
        self._lock = threading.Lock()
        self._last = 0

    def folder(self, browser: str) -> Path:
        if not isinstance(browser, str) or not BROWSER_ID.match(browser):
            raise ValueError("This browser's history id is not valid; reload the page.")
        return self.root / browser

    def add(self, browser: str, image: Image.Image) -> str:
        """Keep `image` (its record, if any, goes with it); → the item's id. Older items beyond the limits go."""
        folder = self.folder(browser)
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:                                    # ids sort by time, strictly increasing
            self._last = max(time.time_ns(), self._last + 1)
            item = f"{self._last:019d}-{secrets.token_hex(3)}"
        fd, staging = tempfile.mkstemp(dir=folder, prefix=".", suffix=".png")
        os.close(fd)
        Path(staging).write_bytes(png_bytes(image))
        os.replace(staging, folder / f"{item}.png")          # a reader never sees half an item
        self._prune(folder)
        return item

    def items(self, browser: str) -> list[tuple[str, Path, dict | None]]:
        """(item id, path, record) for each kept result, newest first."""
        folder = self.folder(browser)
        if not folder.is_dir():
            return []
        found = sorted((p for p in folder.glob("*.png") if ITEM_ID.match(p.stem)), reverse=True)
        return [(p.stem, p, records.read(p)) for p in found]

    def path(self, browser: str, item: str) -> Path:
        if not isinstance(item, str) or not ITEM_ID.match(item):
            raise ValueError("No such item in your history.")
        path = self.folder(browser) / f"{item}.png"
        if not path.is_file():
            raise ValueError("No such item in your history (it may have been deleted).")
        return path

    def delete(self, browser: str, item: str) -> None:
        self.path(browser, item).unlink(missing_ok=True)

    def _prune(self, folder: Path) -> None:
        with self._lock:
            found = sorted((p for p in folder.glob("*.png") if ITEM_ID.match(p.stem)), reverse=True)
            total = 0
            for i, p in enumerate(found):
                total += p.stat().st_size
                if i > 0 and (i >= self.max_items or total > self.max_bytes):     # the newest always stays
                    p.unlink(missing_ok=True)


def browser_secret() -> str:
    """The key that encrypts each browser's saved settings: GENART_BROWSER_SECRET, else one made once and
    kept beside the history (so saved settings survive a server restart)."""
    if os.environ.get("GENART_BROWSER_SECRET"):
        return os.environ["GENART_BROWSER_SECRET"]
    path = output_root() / "browser-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        except FileExistsError:                         # another process made it first
            pass
    return path.read_text().strip()
