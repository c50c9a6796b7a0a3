"""The desk's API through gradio_client against the real studio: /read_sketch and /design."""

import json

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from sketches import save_all

from genart.core import records

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sketch_files(tmp_path_factory):
    return save_all(tmp_path_factory.mktemp("desk-sketches"))


def test_read_sketch_names_the_drawing_and_checks_it_is_a_garment(client, sketch_files):
    out = client.predict(handle_file(sketch_files["Dress"]), api_name="/read_sketch")
    assert out["label"] == "Dress" and abs(sum(out["probs"].values()) - 1) < 0.01
    assert set(out["garment"]) == {"score", "threshold", "is_garment", "message"}


def test_read_sketch_accepts_a_sketchpad_value(client, sketch_files):
    value = {"background": handle_file(sketch_files["Trouser"]), "layers": [],
             "composite": handle_file(sketch_files["Trouser"])}
    assert client.predict(value, api_name="/read_sketch")["label"] == "Trouser"


def test_design_gives_n_times_colours_pngs_with_their_records(client, sketch_files):
    images, params = client.predict(handle_file(sketch_files["Dress"]), 2, 5, 1.0, 1.0, "navy, #c0392b", None, 256,
                                    api_name="/design")
    items = images["value"] if isinstance(images, dict) else images
    assert len(items) == 4 and len(params) == 4
    assert [p["seed"] for p in params] == [5, 5, 6, 6] and [p["colour"] for p in params] == ["#000080", "#c0392b"] * 2
    first = Image.open(items[0]["image"])
    assert first.size == (256, 256) and first.format == "PNG"
    rec = records.read(items[0]["image"])
    assert rec["action"] == "design" and rec["model"] == "sketch_diffusion/fashion" and rec["params"]["seed"] == 5
    assert json.loads(items[0]["caption"])["colour"] == "#000080"
    rgb = np.asarray(first.convert("RGB")).astype(int)
    assert (rgb[:8, :8] == 255).all()                                                # paper around the garment
    navy = (rgb[..., 2] > rgb[..., 0] + 30).mean()
    assert navy > 0.1                                                                 # a navy garment


def test_design_is_reproducible_and_refuses_bad_input(client, sketch_files):
    a = client.predict(handle_file(sketch_files["Bag"]), 1, 3, 1.0, 1.0, "", None, 128, api_name="/design")
    b = client.predict(handle_file(sketch_files["Bag"]), 1, 3, 1.0, 1.0, "", None, 128, api_name="/design")
    ia = (a[0]["value"] if isinstance(a[0], dict) else a[0])[0]["image"]
    ib = (b[0]["value"] if isinstance(b[0], dict) else b[0])[0]["image"]
    assert np.array_equal(np.asarray(Image.open(ia)), np.asarray(Image.open(ib)))
    with pytest.raises(AppError, match="not a colour"):
        client.predict(handle_file(sketch_files["Bag"]), 1, 0, 1.0, 1.0, "plaid", None, 128, api_name="/design")
    with pytest.raises(AppError, match="n must be"):
        client.predict(handle_file(sketch_files["Bag"]), 99, 0, 1.0, 1.0, "", None, 128, api_name="/design")
