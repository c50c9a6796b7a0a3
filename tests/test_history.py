"""Each browser's history on disk: newest first, bounded, deletable, and no way into another browser's folder."""

import numpy as np
import pytest
from PIL import Image

from genart.core import records
from genart.studio.history import History, browser_secret, new_browser_id


def _img(k: int) -> Image.Image:
    return records.stamp(np.full((8, 8), k, np.uint8), records.make("gan_generate", {"seed": k}))


def test_items_come_back_newest_first_with_their_records(tmp_path):
    h, me = History(tmp_path), new_browser_id()
    ids = [h.add(me, _img(k)) for k in range(3)]
    items = h.items(me)
    assert [i for i, _, _ in items] == ids[::-1]
    assert [r["params"]["seed"] for _, _, r in items] == [2, 1, 0]
    h.delete(me, ids[1])
    assert [i for i, _, _ in h.items(me)] == [ids[2], ids[0]]


def test_history_is_bounded_in_count_and_bytes(tmp_path):
    h, me = History(tmp_path, max_items=3), new_browser_id()
    for k in range(5):
        h.add(me, _img(k))
    assert [r["params"]["seed"] for _, _, r in h.items(me)] == [4, 3, 2]
    small = History(tmp_path / "b", max_bytes=1)                   # only the newest survives a 1-byte budget
    for k in range(3):
        small.add(me, _img(k))
    assert [r["params"]["seed"] for _, _, r in small.items(me)] == [2]


@pytest.mark.parametrize("browser", ["../etc", "a" * 31, "A" * 32, "", None, "0" * 31 + "/"])
def test_only_a_browser_id_is_a_folder(tmp_path, browser):
    with pytest.raises(ValueError, match="not valid"):
        History(tmp_path).items(browser)


def test_one_browser_cannot_name_anothers_item(tmp_path):
    h, me, other = History(tmp_path), new_browser_id(), new_browser_id()
    item = h.add(other, _img(1))
    with pytest.raises(ValueError, match="No such item"):
        h.path(me, item)
    with pytest.raises(ValueError, match="No such item"):
        h.path(me, f"../{other}/{item}")
    assert h.items(me) == []


def test_the_browser_secret_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("GENART_BROWSER_SECRET", raising=False)
    monkeypatch.setenv("GENART_OUTPUT_DIR", str(tmp_path))
    first = browser_secret()
    assert len(first) == 64 and browser_secret() == first
    assert (tmp_path / "browser-secret").stat().st_mode & 0o077 == 0
