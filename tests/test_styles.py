"""Painting filters: shapes, strength 0, the expected look in numbers, errors, determinism."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from genart.styles import STYLES, apply_style, style_list

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """cat.jpg at 160×106: a real photo, small enough to keep the tests fast. (106, 160, 3)"""
    return np.asarray(Image.open(EXAMPLES / "cat.jpg").convert("RGB").resize((160, 106), Image.LANCZOS))


@pytest.fixture(scope="module")
def noisy(photo) -> np.ndarray:
    """The photo plus strong per-pixel noise: lots of high-frequency detail to remove."""
    rng = np.random.default_rng(0)
    return np.clip(photo + rng.normal(0, 20, photo.shape), 0, 255).astype(np.uint8)


def _luma(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])  # (H, W)


def _n_colours(img: np.ndarray) -> int:
    return len(np.unique(img.reshape(-1, 3), axis=0))


def _detail(img: np.ndarray) -> float:
    """Variance of the Laplacian of the gray image: high-frequency energy."""
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(cv2.Laplacian(g, cv2.CV_32F).var())


def _spread(img: np.ndarray) -> int:
    """Largest difference between two channels of one pixel: 0 for a pure gray image."""
    return int(img.astype(int).max(2).__sub__(img.astype(int).min(2)).max())


# ----------------------------------------------------------------------------- every style


@pytest.mark.parametrize("style", list(STYLES))
def test_shape_dtype_and_aspect_are_kept(style):
    rgb = np.random.default_rng(1).integers(0, 256, (61, 97, 3), dtype=np.uint8)
    out = apply_style(rgb, style)
    assert out.shape == (61, 97, 3) and out.dtype == np.uint8
    tiny = apply_style(rgb[:5, :3], style)  # degenerate sizes must not crash either
    assert tiny.shape == (5, 3, 3)


@pytest.mark.parametrize("style", list(STYLES))
def test_strength_zero_returns_the_input(style, photo):
    out = apply_style(photo, style, strength=0.0)
    assert np.array_equal(out, photo) and out is not photo
    assert np.array_equal(apply_style(photo, style, strength=-3), photo)  # clamped to 0


@pytest.mark.parametrize("style", list(STYLES))
def test_strength_controls_how_far_from_the_photo(style, photo):
    diff = [np.abs(apply_style(photo, style, strength=s).astype(float) - photo).mean() for s in (0.1, 0.25, 1.0)]
    assert 0 < diff[0] < diff[1] < diff[2], diff
    assert diff[2] > 10  # the full effect is a visible change, not a tweak


@pytest.mark.parametrize("style", list(STYLES))
def test_deterministic_with_seed(style, photo):
    assert np.array_equal(apply_style(photo, style, seed=3), apply_style(photo, style, seed=3))


def test_seed_changes_random_placement(photo):
    assert not np.array_equal(apply_style(photo, "pointillism", seed=0), apply_style(photo, "pointillism", seed=1))


# ----------------------------------------------------------------------------- the look, in numbers


@pytest.mark.parametrize("style", ["pencil", "ink"])
def test_pencil_and_ink_are_gray(style, photo):
    out = apply_style(photo, style)
    assert _spread(photo) > 100 and _spread(out) == 0


def test_ink_is_mostly_paper_and_ink(photo):
    lum = _luma(apply_style(photo, "ink"))
    assert np.mean((lum > 200) | (lum < 55)) > 0.85  # near-binary: white paper, black ink
    assert 0.02 < np.mean(lum < 55) < 0.5  # some ink, but not a black picture


def test_pencil_is_light_paper_with_dark_strokes(photo):
    lum = _luma(apply_style(photo, "pencil"))
    assert lum.mean() > _luma(photo).mean() + 30  # white paper dominates
    assert np.percentile(lum, 2) < 120  # graphite strokes


@pytest.mark.parametrize("levels", [2, 3, 4, 6])
def test_pop_art_has_at_most_n_levels_per_channel(levels, photo):
    out = apply_style(photo, "pop_art", levels=levels)
    allowed = {round(i * 255 / (levels - 1)) for i in range(levels)}
    for c in range(3):
        assert set(np.unique(out[..., c]).tolist()) <= allowed


@pytest.mark.parametrize("style,limit", [("pop_art", 6 ** 3), ("cartoon", 40)])
def test_flat_styles_reduce_the_number_of_colours(style, limit, photo):
    assert _n_colours(photo) > 5000
    assert _n_colours(apply_style(photo, style)) <= limit


def test_cartoon_colour_count_follows_levels(photo):
    few, many = (_n_colours(apply_style(photo, "cartoon", levels=n, edge_width=0)) for n in (3, 16))
    assert few < many


def test_cartoon_draws_dark_outlines(photo):
    with_edges = np.mean(_luma(apply_style(photo, "cartoon", edge_width=3)) < 40)
    without = np.mean(_luma(apply_style(photo, "cartoon", edge_width=0)) < 40)
    assert with_edges > without + 0.02


def test_pointillism_shows_light_canvas_between_dots():
    gray = np.full((106, 160, 3), 110, np.uint8)
    out = apply_style(gray, "pointillism")
    lum = _luma(out)
    assert np.mean(lum > 150) > 0.03  # gaps: canvas much lighter than the photo
    assert lum.max() > 220  # and the canvas is near white
    assert abs(out.mean() - 110) < 25  # the dots themselves keep the photo's tone


@pytest.mark.parametrize("style", ["oil", "watercolor"])
def test_painting_removes_fine_detail_but_keeps_colour(style, noisy):
    out = apply_style(noisy, style)
    assert _detail(out) < 0.4 * _detail(noisy)
    assert np.abs(out.reshape(-1, 3).mean(0) - noisy.reshape(-1, 3).mean(0)).max() < 25


def test_oil_brush_size_abstracts_more(noisy):
    small, big = (_detail(apply_style(noisy, "oil", brush=b, relief=0)) for b in (1, 10))
    assert big < small


def test_watercolor_is_lighter_than_the_photo(photo):
    assert _luma(apply_style(photo, "watercolor")).mean() > _luma(photo).mean() + 5


def test_colored_pencil_keeps_hue_on_lighter_paper(photo):
    out = apply_style(photo, "colored_pencil")
    assert _luma(out).mean() > _luma(photo).mean() + 10  # paper shows between strokes
    assert _spread(out) > 50  # still in colour
    r_minus_b = lambda im: float((im[..., 0].astype(float) - im[..., 2]).mean())
    assert r_minus_b(out) > 0.5 * r_minus_b(photo)  # the orange cat stays warm


def test_stained_glass_has_dark_lead_lines_on_a_light_picture():
    yy, xx = np.mgrid[0:106, 0:160]
    smooth = np.stack([100 + xx, 120 + yy, np.full_like(xx, 200)], 2).clip(0, 255).astype(np.uint8)
    out = apply_style(smooth, "stained_glass")
    assert np.mean(_luma(out) < 50) > 0.05  # dark lead cames
    assert np.mean(_luma(smooth) < 50) == 0


# ----------------------------------------------------------------------------- errors and the API


def test_unknown_style_lists_the_valid_ones(photo):
    with pytest.raises(ValueError, match="oil.*watercolor"):
        apply_style(photo, "van_gogh")


def test_unknown_param_lists_the_valid_ones(photo):
    with pytest.raises(ValueError, match="brush.*relief"):
        apply_style(photo, "oil", brsh=3)


def test_out_of_range_params_are_clamped(photo):
    assert np.array_equal(apply_style(photo, "pop_art", levels=100), apply_style(photo, "pop_art", levels=6))
    assert np.array_equal(apply_style(photo, "oil", strength=7), apply_style(photo, "oil", strength=1))


@pytest.mark.parametrize("bad", [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8),
                                 np.zeros((8, 8, 3), np.float32)])
def test_bad_images_are_rejected(bad):
    with pytest.raises(ValueError, match="uint8"):
        apply_style(bad, "oil")


def test_style_list_describes_every_filter():
    items = style_list()
    json.dumps(items)  # JSON-ready for the /styles API
    assert [it["name"] for it in items] == list(STYLES) and len(items) >= 8
    for it in items:
        assert it["kind"] == "filter" and it["title"] and it["description"]
        assert 1 <= len(it["params"]) <= 2
        for p in it["params"]:
            assert p["minimum"] <= p["default"] <= p["maximum"] and p["step"] > 0


def test_no_page_load_answer_writes_over_an_image_the_visitor_gives():
    """A visitor can upload a photo before the page-load answers arrive (seconds on a busy host: CI caught the
    Neural style tab's example replacing an uploaded photo). So the example photos are built into the page, and no
    page-load event writes to an image the visitor can upload or draw into."""
    import gradio as gr

    from genart.ui import build_demo

    demo = build_demo()
    given = (gr.Image, gr.ImageEditor, gr.Sketchpad, gr.File)
    on_load = [f for f in demo.fns.values() if any(event == "load" for _, event in f.targets)]
    assert on_load                                                 # the page load does restore and paint things
    written = [(f.name, o.elem_id) for f in on_load for o in f.outputs
               if isinstance(o, given) and o.interactive is not False]
    assert written == []
    by_id = {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None)}
    for elem_id in ("styles-photo", "neural-content", "neural-style"):
        assert by_id[elem_id].value and by_id[elem_id].value["path"], elem_id
