"""Request payloads: only files in Gradio's upload cache (or our examples) are opened; a URL is never a path."""

import os

import pytest
from PIL import Image

from genart.core.images import ImageError
from genart.core.registry import ASSETS
from genart.studio.uploads import REFUSED, uploaded_image, uploaded_path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "gradio-cache"
    (folder / "abc123").mkdir(parents=True)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    Image.new("RGB", (16, 12), "blue").save(folder / "abc123" / "up.png")
    return folder


@pytest.fixture
def secret(tmp_path):
    p = tmp_path / "secret.png"
    Image.new("RGB", (16, 16), "red").save(p)
    return p


def test_an_uploaded_file_is_read(cache):
    up = str(cache / "abc123" / "up.png")
    assert uploaded_image({"path": up, "url": None, "meta": {"_type": "gradio.FileData"}}).size == (16, 12)
    assert uploaded_image(up).size == (16, 12)
    assert uploaded_image(str(ASSETS / "examples" / "cat.jpg")).mode == "RGB"


@pytest.mark.parametrize("make", [
    lambda s, c: {"path": None, "url": str(s)},                                  # the reported hole
    lambda s, c: {"path": None, "url": f"file://{s}"},
    lambda s, c: {"path": str(s), "meta": {"_type": "gradio.FileData"}},
    lambda s, c: str(s),
    lambda s, c: str(c / "abc123" / ".." / ".." / s.name),                          # .. out of the cache
    lambda s, c: {"path": str(c / "link.png")},                                      # symlink out of the cache
    lambda s, c: {"path": "http://127.0.0.1:7860/gradio_api/file=/etc/hosts"},
    lambda s, c: {"background": {"path": None, "url": str(s)}, "layers": [], "composite": {"path": str(s)}},
])
def test_files_outside_the_cache_are_refused(cache, secret, make):
    (cache / "link.png").symlink_to(secret)
    with pytest.raises(ImageError) as e:
        uploaded_image(make(secret, cache))
    assert str(e.value) == REFUSED


def test_the_refusal_does_not_reveal_whether_a_path_exists(cache, secret, tmp_path):
    messages = set()
    for p in (secret, tmp_path / "missing.png", tmp_path, "/etc/hostname", "/nonexistent/x.jpg"):
        with pytest.raises(ImageError) as e:
            uploaded_path({"path": None, "url": str(p)})
        messages.add(str(e.value))
        with pytest.raises(ImageError) as e:
            uploaded_path(str(p))
        messages.add(str(e.value))
    assert messages == {REFUSED}


def test_a_sketchpad_value_is_an_image(cache):
    up = {"path": str(cache / "abc123" / "up.png"), "meta": {"_type": "gradio.FileData"}}
    assert uploaded_image({"background": None, "layers": [], "composite": up}).size == (16, 12)
    assert uploaded_image({"background": up, "layers": [], "composite": None}).size == (16, 12)
    with pytest.raises(ImageError, match="Draw something first"):
        uploaded_image({"background": None, "layers": [], "composite": None})
    with pytest.raises(ImageError, match="provide"):
        uploaded_image(None)
    with pytest.raises(ImageError, match="Expected an uploaded image"):
        uploaded_image(42)
    assert os.environ["GRADIO_TEMP_DIR"] == str(cache)


def test_an_uploaded_drawing_is_fitted_into_the_white_canvas(cache, secret):
    from genart.studio.inputs import BLANK_SIDE, drawing_on_canvas

    value = drawing_on_canvas(str(cache / "abc123" / "up.png"))                  # 16 × 12 blue → 280 × 210
    bg = value["background"]
    assert bg.shape == (BLANK_SIDE, BLANK_SIDE, 3) and value["layers"] == []
    assert (bg[0, 0] == 255).all() and (bg[BLANK_SIDE // 2, BLANK_SIDE // 2] == (0, 0, 255)).all()
    assert (bg[:30] == 255).all() and (bg[-30:] == 255).all()                     # white above and below
    (cache / "abc123" / "text.png").write_text("not an image")
    with pytest.raises(ImageError, match="not an image we can read"):
        drawing_on_canvas(str(cache / "abc123" / "text.png"))
    with pytest.raises(ImageError, match="Only images uploaded"):
        drawing_on_canvas(str(secret))                                            # outside the upload cache
