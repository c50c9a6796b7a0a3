"""Every output is a record: the PNG carries what made it, /replay makes it again and compares."""

import json

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from genart.core import records

pytestmark = pytest.mark.slow


def test_a_record_survives_a_png_round_trip(tmp_path):
    rec = records.make("gan_generate", {"seed": 7, "label": "Dress", "truncation": 0.8}, "gan/fashion", "ab" * 32,
                       [records.make("sketch", {})])
    im = records.stamp(np.zeros((8, 8), np.uint8), rec)
    im.save(tmp_path / "a.png", pnginfo=_pnginfo(im))
    back = records.read(tmp_path / "a.png")
    assert back == rec and json.loads(Image.open(tmp_path / "a.png").info["parameters"])["seed"] == 7
    assert records.describe(back) == "gan_generate · seed 7 · label Dress · truncation 0.8"
    Image.new("L", (8, 8)).save(tmp_path / "plain.png")
    assert records.read(tmp_path / "plain.png") is None


def _pnginfo(im):
    from PIL import PngImagePlugin
    meta = PngImagePlugin.PngInfo()
    for k, v in im.info.items():
        meta.add_text(k, v)
    return meta


@pytest.mark.parametrize("api, args", [("/gan_generate", (11, "Coat", 0.7)), ("/gan_grid", (3, "any", 0.9, 2, 3)),
                                       ("/vae_random", (5,)), ("/diffusion_sample", (4, "Bag", "dpm++2m", 8, 2.0)),
                                       ("/diffusion_sample", (4, "Bag", "ddim", 6, 2.0, "logsnr", 0.6, 0.5)),
                                       ("/diffusion_sample", (2, "Coat", "dpm++2m_sde", 6, 3.0, "karras"))])
def test_replay_of_an_api_png_is_identical(client, api, args):
    out = client.predict(*args, api_name=api)
    png = out[0] if isinstance(out, (list, tuple)) else out
    rec = records.read(png)
    assert rec["action"] == api.strip("/") and len(rec["sha256"]) == 64 and rec["model"]
    again, report = client.predict(handle_file(png), api_name="/replay")
    assert report["identical"] is True and report["max_abs_diff"] == 0 and report["same_checkpoint"] is True
    assert np.array_equal(np.asarray(Image.open(again).convert("RGB")), np.asarray(Image.open(png).convert("RGB")))


def test_replay_says_where_pixels_differ(client, tmp_path):
    png = client.predict(2, "Sneaker", 0.8, api_name="/gan_generate")
    im = Image.open(png)
    a = np.asarray(im.convert("RGB")).copy()
    a[10:20, 10:20] = 255 - a[10:20, 10:20]                                       # tamper with 100 pixels
    tampered = Image.fromarray(a)
    tampered.save(tmp_path / "t.png", pnginfo=_pnginfo(im))
    again, report = client.predict(handle_file(str(tmp_path / "t.png")), api_name="/replay")
    assert report["identical"] is False and report["differing_pixels"] == 100 and report["max_abs_diff"] > 0
    w, h = im.size
    assert Image.open(again).size == (2 * w, h)                                   # made again | difference map


def test_replay_refuses_what_it_cannot_replay(client, tmp_path):
    from gradio_client.exceptions import AppError
    Image.new("RGB", (32, 32), "white").save(tmp_path / "plain.png")
    with pytest.raises(AppError, match="no genart record"):
        client.predict(handle_file(str(tmp_path / "plain.png")), api_name="/replay")
    with pytest.raises(AppError, match="Only images uploaded"):
        client.predict({"path": None, "url": str(tmp_path / "plain.png")}, api_name="/replay")
