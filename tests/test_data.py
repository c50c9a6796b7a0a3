"""The Fashion-MNIST reader, image folders, and the sketch → garment convention."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from genart.data import datasets as data


def test_reads_the_debian_package():
    x, y = data.load_fashion_mnist("test")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and set(np.unique(y)) == set(range(10))
    assert np.bincount(y).tolist() == [1000] * 10
    assert 60 < x.mean() < 80                               # light garments on black
    assert x[:, 0, 0].mean() < 5


def test_missing_dataset_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("GENART_DATA", str(tmp_path))
    with pytest.raises(data.DatasetMissing, match="apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist("train")
    with pytest.raises(ValueError):
        data.load_fashion_mnist("validation")


def test_tensor_round_trip():
    x, _ = data.load_fashion_mnist("test")
    t = data.to_tensor(x[:5])
    assert t.shape == (5, 1, 28, 28) and float(t.min()) == -1.0 and float(t.max()) <= 1.0
    assert np.array_equal(data.to_uint8(t), x[:5])


def test_image_folder(tmp_path):
    for cls, shade in (("coats", 200), ("bags", 90)):
        (tmp_path / cls).mkdir()
        for i in range(2):
            im = Image.new("RGB", (40, 60), "black")
            ImageDraw.Draw(im).rectangle((8, 10, 30, 50), fill=(shade,) * 3)
            im.save(tmp_path / cls / f"{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    x, y, names = data.load_image_folder(tmp_path)
    assert names == ["bags", "coats"] and x.shape == (4, 28, 28) and y.tolist() == [0, 0, 1, 1]
    with pytest.raises(data.DatasetMissing):
        data.load_image_folder(tmp_path / "nope")


def test_sketch_becomes_a_filled_light_garment_on_black():
    im = Image.new("RGB", (400, 400), "white")
    ImageDraw.Draw(im).rectangle((120, 60, 280, 340), outline="black", width=8)   # a dark outline on white
    g = data.garment_from_image(im)
    assert g.shape == (28, 28) and g.dtype == np.uint8
    assert g[:, :4].max() == 0 and g[:, -4:].max() == 0                            # background black
    assert g[14, 14] > 100                                                          # inside is filled
    assert g.max() > 220                                                            # full contrast
    ys, xs = np.nonzero(g)
    assert ys.min() == 0 and ys.max() == 27                                         # longer side fills the frame


def test_a_boot_drawn_facing_right_is_mirrored_to_face_left_like_the_dataset():
    boot = Image.new("RGB", (280, 280), "white")                                     # shaft left, toe right
    ImageDraw.Draw(boot).line([(90, 40), (160, 40), (165, 170), (240, 200), (245, 240), (85, 240), (90, 40)],
                              fill="black", width=7)
    g = data.garment_from_image(boot).astype(float)
    assert g[:10, 14:].sum() > 3 * g[:10, :14].sum()                                  # shaft now on the right
    mirrored = data.garment_from_image(boot.transpose(Image.Transpose.FLIP_LEFT_RIGHT)).astype(float)
    assert np.abs(g - mirrored).mean() < 2                                            # either way: the same garment
    x, y = data.load_fashion_mnist("test")
    for i in np.flatnonzero(y == 9)[:20]:                                             # dataset boots are not flipped
        g = data.garment_from_image(Image.fromarray(x[i])).ravel().astype(float)
        same, flipped = (np.corrcoef(g, ref.ravel().astype(float))[0, 1] for ref in (x[i], x[i][:, ::-1]))
        assert same > flipped


def test_dataset_image_is_unchanged_in_polarity():
    x, _ = data.load_fashion_mnist("test")
    g = data.garment_from_image(Image.fromarray(x[0]))
    assert np.corrcoef(g.ravel().astype(float), x[0].ravel().astype(float))[0, 1] > 0.8


def test_blank_canvas_is_empty():
    assert data.garment_from_image(Image.new("RGB", (100, 100), "white")).max() == 0
