"""The desk's pure pieces: drawing a garment as a person would, reading a drawing, silhouette IoU,
the sketch-conditioned U-Net's zero-initialised channels and the two-condition guidance."""

import numpy as np
import pytest
import torch
from sketches import sketch

from genart.data.sketch import (
    CANVAS,
    crop_resize,
    filled_region,
    garment_mask,
    ink_of,
    render_sketch,
    silhouette,
    silhouette_iou,
    sketch_condition,
)


def _garment() -> np.ndarray:
    """A 28-px T-shirt-like garment: light on black, a dark print inside."""
    g = np.zeros((28, 28), np.uint8)
    g[2:26, 8:20] = 200                    # body
    g[2:9, 2:26] = 200                     # sleeves
    g[12:15, 12:16] = 30                   # a dark print, not a hole
    return g


def test_silhouette_is_smooth_filled_and_keeps_the_shape():
    m = silhouette(_garment())
    assert m.shape == (CANVAS, CANVAS) and set(np.unique(m)) <= {0, 255}
    assert m[CANVAS // 2, CANVAS // 2] == 255                                # the print is filled, not a hole
    assert m[0].max() == 0 and m[:, 0].max() == 0                            # a margin around it
    assert silhouette_iou(m, np.kron(_garment() > 0, np.ones((4, 4)))) > 0.9


def test_render_sketch_draws_dark_lines_on_white_and_is_seeded():
    g = _garment()
    a, b = render_sketch(g, np.random.default_rng(3)), render_sketch(g, np.random.default_rng(3))
    assert a.shape == (CANVAS, CANVAS) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])) == 255       # paper
    assert (a < 100).mean() > 0.02                                                   # ink
    draws = {render_sketch(g, np.random.default_rng(s)).tobytes() for s in range(6)}
    assert len(draws) == 6                                                           # hands differ


def test_a_careful_tracing_has_the_garments_silhouette():
    g = _garment()
    ious = [silhouette_iou(filled_region(ink_of(render_sketch(g, np.random.default_rng(s), 0.0))), silhouette(g))
            for s in range(8)]
    assert np.median(ious) > 0.85, ious                     # gaps may leave an outline unfilled now and then


def test_sketch_condition_crops_fills_and_mirrors():
    dress = np.asarray(sketch("Dress").convert("L"))
    c = sketch_condition(dress)
    assert c.lines.shape == c.fill.shape == (28, 28) and not c.empty
    assert c.fill.max() == pytest.approx(1.0) and c.fill[14, 14] > 0.9               # the inside is filled
    rows = np.flatnonzero((c.fill > 0.5).any(1))
    assert rows[-1] - rows[0] + 1 >= 27                                              # longer side spans 28 px
    top, left, bottom, right = c.box
    assert (top, bottom) == pytest.approx((37, 254), abs=3) and (left, right) == pytest.approx((62, 219), abs=3)
    t = c.tensor()
    assert t.shape == (3, 28, 28) and torch.all(t[2] == 1)
    sneaker = sketch_condition(np.asarray(sketch("Sneaker").convert("L")))
    assert sneaker.flipped                                   # drawn toe-right; the dataset's shoes face left
    assert not sketch_condition(np.asarray(sketch("Sneaker").convert("L"))[:, ::-1].copy()).flipped


def test_blank_drawing_reads_as_empty():
    c = sketch_condition(np.full((50, 50), 255, np.uint8))
    assert c.empty and c.lines.max() == 0 and torch.all(c.tensor() == 0)


def test_silhouette_iou_ignores_placement_not_shape():
    square = np.zeros((100, 100), np.uint8)
    square[10:40, 10:40] = 1
    moved = np.zeros((100, 100), np.uint8)
    moved[50:95, 40:85] = 1                                  # the same shape, moved and larger
    tri = np.tril(np.ones((60, 60), np.uint8))
    assert silhouette_iou(square, moved) == 1.0
    assert silhouette_iou(square, tri) == pytest.approx(0.5, abs=0.03)
    assert silhouette_iou(square, np.zeros_like(square)) == 0.0
    assert crop_resize(tri, 8).sum() == pytest.approx(36, abs=4)


def test_garment_mask_has_no_margin():
    m = garment_mask(np.roll(_garment(), -2, axis=0))          # the garment touches the top edge
    assert m.shape == (CANVAS, CANVAS) and m[1].max() == 255
    assert silhouette(np.roll(_garment(), -2, axis=0))[1].max() == 0


def test_sketch_unet_starts_as_the_unconditioned_unet():
    from genart.models.sketch_unet import SketchUNet, SketchUNetConfig
    from genart.models.unet import UNet, UNetConfig
    torch.manual_seed(0)
    base = UNet(UNetConfig(channels=16))
    for p in base.parameters():                              # zero-initialised layers made non-zero: a real test
        torch.nn.init.normal_(p, std=0.05)
    model = SketchUNet(SketchUNetConfig(channels=16))
    model.init_from(base.state_dict())
    x, t, y = torch.randn(2, 1, 28, 28), torch.tensor([3, 700]), torch.tensor([1, 10])
    c = torch.rand(2, 3, 28, 28)
    assert torch.allclose(model(x, t, y, c), base(x, t, y), atol=1e-5)


def test_sketch_guided_combines_the_three_predictions():
    from genart.diffusion.sketch_guidance import sketch_guided, sketch_scale
    calls = []

    def model(x, t, y, c):                                   # a linear stand-in: v = x + y + mean(c)
        calls.append(len(x))
        return x + y.view(-1, 1, 1, 1).float() + c.mean((1, 2, 3)).view(-1, 1, 1, 1)
    x, t = torch.zeros(1, 1, 2, 2), torch.tensor([5])
    cond, y = torch.full((1, 3, 2, 2), 0.6), torch.tensor([2])
    # v00 = 10, vc0 = 10.6, vcy = 2.6:  10 + 2·0.6 + 3·(2.6 − 10.6) = −12.8
    out = sketch_guided(model, cond, y, 2.0, 3.0, 10)(x, t)
    assert torch.allclose(out, torch.full_like(out, -12.8)) and calls == [3]
    free = sketch_guided(model, cond, y, 0.0, 1.0, 10)(x, t)                 # w_c = 0: the sketch is not seen
    assert torch.allclose(free, torch.full_like(free, 2.0))
    assert sketch_scale(0.0) == 0.0 and sketch_scale(1.0) == 2.0


def test_the_hand_drawn_set_has_three_drawings_per_class():
    """tests/drawings: what the Sketchpad produced under the mouse (tests/drawings/draw.py), ≥ 3 per class."""
    from pathlib import Path

    from PIL import Image

    from genart.data.datasets import CLASSES
    files = sorted((Path(__file__).parent / "drawings").glob("*.png"))
    stems = [f.stem.rsplit("_", 1)[0] for f in files]
    for c in CLASSES:
        assert stems.count(c.replace("/", "_").replace(" ", "_")) >= 3, c
    for f in files:
        c = sketch_condition(np.asarray(Image.open(f).convert("L")))
        assert not c.empty and c.fill.mean() > 0.15, f.name                 # closed outlines: a filled region
