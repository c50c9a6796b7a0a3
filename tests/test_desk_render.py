"""The desk's rendering at a designer's size and its line sheet: pure functions, measured."""

import numpy as np
import pytest

from genart.studio.desk.render import colourways, garment_alpha, parse_colours, render, smooth_alpha
from genart.studio.desk.sheet import SheetRow, line_sheet, save_sheet


def _garment() -> np.ndarray:
    g = np.zeros((28, 28), np.uint8)
    g[1:27, 7:21] = 180
    g[1:8, 1:27] = 220
    return g


def test_parse_colours_reads_names_hex_and_lists():
    assert parse_colours("navy") == [(0, 0, 128)]
    assert parse_colours("#c0392b, white; #010203") == [(192, 57, 43), (255, 255, 255), (1, 2, 3)]
    with pytest.raises(ValueError, match="not a colour"):
        parse_colours("navy, plaid")
    with pytest.raises(ValueError, match="colour name"):
        parse_colours(" , ")


def test_render_is_white_around_and_the_colour_inside():
    out = render(_garment(), 512, colour=(200, 40, 40))
    assert out.shape == (512, 512, 3) and out.dtype == np.uint8
    assert (out[:20, :20] == 255).all() and (out[-20:, -20:] == 255).all()        # the margin is paper
    inside = out[300, 256].astype(int)
    assert inside[0] > 2 * inside[1] and inside[0] > 2 * inside[2]                  # red, shaded


def test_the_contour_is_smooth_not_blocky():
    """A 28-px mask upscaled by nearest neighbour has edges made of 18-px steps; the render's alpha has
    anti-aliased (partial) values along a contour that follows the shape."""
    g = np.zeros((28, 28), np.uint8)
    yy, xx = np.mgrid[:28, :28]
    g[(yy - 13.5) ** 2 + (xx - 13.5) ** 2 < 11 ** 2] = 200                         # a disc, drawn in pixels
    a = garment_alpha(g, 512)
    partial = ((a > 0.05) & (a < 0.95)).sum()
    assert 0.5 * 2 * np.pi * 200 < partial < 4 * 2 * np.pi * 200                    # ~1–2 px band along the contour
    rows = (a > 0.5).sum(1)
    widths = rows[rows > 0]
    steps = np.abs(np.diff(widths))
    assert steps.max() < 40                                                          # no 18-px staircase jumps
    r = np.sqrt((a > 0.5).sum() / np.pi)
    assert 200 < r < 280                                                             # radius of ~11/28 of 512 px


def test_smooth_alpha_of_a_full_mask_is_one():
    assert smooth_alpha(np.ones((10, 10)), 64, 0.0).min() == pytest.approx(1.0)


def test_fabric_is_tiled_inside_the_garment():
    swatch = np.zeros((20, 20, 3), np.uint8)
    swatch[:, :10] = (250, 250, 0)                                                   # yellow | blue stripes
    swatch[:, 10:] = (0, 0, 250)
    out = render(_garment(), 256, fabric=swatch)
    body = out[100:200, 110:146].reshape(-1, 3).astype(int)
    yellow = ((body[:, 0] > 100) & (body[:, 2] < 60)).mean()
    blue = ((body[:, 2] > 100) & (body[:, 0] < 60)).mean()
    assert yellow > 0.2 and blue > 0.2


def test_colourways_share_one_silhouette():
    outs = colourways(_garment(), [(200, 0, 0), (0, 200, 0), (0, 0, 200)], 256)
    assert len(outs) == 3
    paper = [(o == 255).all(2) for o in outs]
    assert np.array_equal(paper[0], paper[1]) and np.array_equal(paper[1], paper[2])
    assert outs[0][150, 128, 0] > outs[0][150, 128, 1] and outs[2][150, 128, 2] > outs[2][150, 128, 0]


def test_line_sheet_lays_out_rows_and_writes_png_and_pdf(tmp_path):
    cells = [np.full((64, 64, 3), c, np.uint8) for c in (50, 120, 200)]
    sheet = line_sheet([SheetRow(cells, ["a", "b", "c"], "1. Dress · seed 0"),
                        SheetRow(cells[:2], ["a", "b"], "2. Coat · seed 3")], "test sheet", cell=100)
    assert sheet.size == (16 + 3 * 116, 48 + 2 * (100 + 22 + 26 + 16) + 16)
    assert np.asarray(sheet)[48 + 50, 16 + 50].tolist() == [50, 50, 50]              # row 1, cell 1
    png, pdf = save_sheet(sheet, tmp_path, "s")
    assert png.read_bytes()[:4] == b"\x89PNG" and pdf.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ValueError, match="board is empty"):
        line_sheet([])
