"""The public API through gradio_client against the real studio served in-process."""

import json
import re

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from genart.core.registry import ASSETS

EXAMPLES = ASSETS / "examples"

pytestmark = pytest.mark.slow


def _readme_api_table() -> dict[str, list[str]]:
    """The API table (docs/api.md), `| `/name` | `a, b` | output |` rows → {"/name": ["a", "b"]} ("–": none)."""
    readme = (ASSETS.parent / "docs" / "api.md").read_text()
    rows = re.findall(r"^\| `(/\w+)` \| ([^|]*) \|", readme, flags=re.M)
    return {name: [p.strip() for p in params.strip().strip("`").split(",")] if "`" in params else []
            for name, params in rows}


def test_endpoints_are_exactly_the_documented_ones(client):
    """Every public endpoint is in the API table (docs/api.md) with exactly its parameter names, in order, and
    every row of the table is an endpoint."""
    documented = _readme_api_table()
    assert len(documented) >= 14 and documented["/stylize"] == ["image", "style", "strength"]
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    served = {name: [p["parameter_name"] for p in e["parameters"]] for name, e in api.items()}
    assert served == documented


def test_every_endpoint_keeps_its_name_parameters_and_defaults(client):
    """/gradio_api/info against the contract recorded before the house moved (tests/api_contract.json): a new
    parameter may only be added at the end, with a default, by changing the contract in the same commit."""
    contract = json.loads((ASSETS.parent / "tests" / "api_contract.json").read_text())
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    served = {name: [[p["parameter_name"], p["parameter_has_default"], p.get("parameter_default")]
                     for p in e["parameters"]] for name, e in api.items()}
    assert len(contract) == 25 and contract["/gan_generate"][0] == ["seed", True, 0]
    assert served == contract


def test_models_lists_every_model(client):
    rows = {r["name"]: r for r in client.predict(api_name="/models")}
    shipped = {name for name, r in rows.items() if r["source"] == "shipped"}       # user models: test_api_user_models
    assert shipped == {"classifier/fashion", "vae/fashion", "gan/fashion", "diffusion/fashion",
                       "style/multistyle26", "style/arbitrary_predict", "style/arbitrary_transform",
                       "sketch_reader/fashion", "sketch_diffusion/fashion"}
    style = rows["style/arbitrary_transform"]
    assert style["status"] == "ready" and style["family"] == "style" and len(style["sha256"]) == 64
    assert "Ghiasi" in style["paper"] and "Apache-2.0" in style["licence"]
    clf = rows["classifier/fashion"]
    assert clf["status"] == "ready" and clf["family"] == "classifier" and clf["device"] == "cpu"
    assert len(clf["sha256"]) == 64 and clf["params"] > 10_000 and clf["metrics"]["accuracy"] >= 0.92


def test_styles_lists_filters_and_neural(client):
    styles = client.predict(api_name="/styles")
    kinds = {s["name"]: s["kind"] for s in styles}
    assert sum(k == "filter" for k in kinds.values()) >= 8
    assert kinds["image"] == kinds["optimise"] == kinds["starry swirls"] == "neural"
    assert sorted(s["index"] for s in styles if "index" in s) == list(range(26))
    assert all(s["description"] for s in styles)


def test_stylize_keeps_aspect_and_records_parameters(client):
    src = Image.open(EXAMPLES / "rocket.jpg")
    out = client.predict(handle_file(str(EXAMPLES / "rocket.jpg")), "oil", 0.8, api_name="/stylize")
    im = Image.open(out)
    assert im.format == "PNG" and im.size == src.size
    assert json.loads(im.info["parameters"]) == {"strength": 0.8, "style": "oil"}
    assert np.abs(np.asarray(im, float) - np.asarray(src.convert("RGB"), float)).mean() > 3


@pytest.mark.parametrize("name, payload, message", [
    ("empty.png", b"", "empty"),
    ("text.png", b"this is not a picture\n" * 20, "not an image"),
])
def test_stylize_bad_uploads_get_a_clear_message(client, tmp_path, name, payload, message):
    p = tmp_path / name
    p.write_bytes(payload)
    with pytest.raises(AppError, match=message):
        client.predict(handle_file(str(p)), "oil", 1.0, api_name="/stylize")


def test_stylize_unknown_style(client):
    with pytest.raises(AppError, match="Unknown style"):
        client.predict(handle_file(str(EXAMPLES / "cat.jpg")), "cubism", 1.0, api_name="/stylize")


def test_neural_style_paints_with_a_style_image_at_the_photos_size(client):
    """The old call (content, style_image, steps, size, seed) now paints with the style image's network;
    size 0 keeps the photo's own size; a large result streams a preview first, the final image last."""
    cat, hubble = handle_file(str(EXAMPLES / "cat.jpg")), handle_file(str(EXAMPLES / "style_hubble.jpg"))
    job = client.submit(cat, hubble, 200, 0, 0, api_name="/neural_style")
    final = job.result(timeout=60)
    im = Image.open(final)
    assert im.size == Image.open(EXAMPLES / "cat.jpg").size and im.format == "PNG"
    params = json.loads(im.info["parameters"])
    assert params["style"] == "image" and params["strength"] == 1.0
    big = client.submit(cat, hubble, 200, 1024, 0, "image", 0.5, api_name="/neural_style")
    assert Image.open(big.result(timeout=60)).size == (1024, 681) and len(big.outputs()) == 2
    preview = Image.open(big.outputs()[0])
    assert max(preview.size) == 512 and json.loads(preview.info["parameters"])["preview"] is True


def test_neural_style_built_in_styles_and_blends(client):
    cat = handle_file(str(EXAMPLES / "cat.jpg"))
    one = Image.open(client.predict(cat, None, 200, 256, 0, "starry swirls", 1.0, api_name="/neural_style"))
    blend = Image.open(client.predict(cat, None, 200, 256, 0, "19:0.5, 3:0.5", 1.0, api_name="/neural_style"))
    assert one.size == blend.size == (256, 170)
    assert np.abs(np.asarray(one, float) - np.asarray(blend, float)).mean() > 5
    with pytest.raises(AppError, match="Unknown style 'cubism'"):
        client.predict(cat, None, 200, 256, 0, "cubism", 1.0, api_name="/neural_style")


def test_neural_style_optimise_streams_and_ends_with_the_final_image(client):
    job = client.submit(handle_file(str(EXAMPLES / "cat.jpg")), handle_file(str(EXAMPLES / "style_hubble.jpg")),
                        10, 64, 0, "optimise", api_name="/neural_style")
    final = job.result(timeout=120)
    outputs = job.outputs()
    assert len(outputs) >= 2 and outputs[-1] == final
    im = Image.open(final)
    assert max(im.size) == 64 and json.loads(im.info["parameters"])["step"] == 10


def test_neural_style_a_flat_style_image_gets_a_clear_message(client, tmp_path):
    p = tmp_path / "grey.png"
    Image.new("RGB", (200, 200), (128, 128, 128)).save(p)
    with pytest.raises(AppError, match="single flat colour"):
        client.predict(handle_file(str(EXAMPLES / "cat.jpg")), handle_file(str(p)), 200, 0, 0,
                       api_name="/neural_style")


def test_classify_dataset_image_and_sketch(client, tmp_path):
    from genart.data.datasets import CLASSES, load_fashion_mnist
    x, y = load_fashion_mnist("test")
    hits = 0
    for i in range(10):
        p = tmp_path / f"g{i}.png"
        Image.fromarray(x[i]).save(p)
        result = client.predict(handle_file(str(p)), api_name="/classify")
        assert set(result["probs"]) == set(CLASSES) and abs(sum(result["probs"].values()) - 1) < 1e-3
        hits += result["label"] == CLASSES[y[i]]
    assert hits >= 8


def test_classify_reads_a_designers_sketch(client, tmp_path):
    """Dark outlines on white are inverted, filled and centred like the dataset before classifying."""
    from sketches import sketch
    for label in ("Trouser", "T-shirt/top", "Bag"):
        path = tmp_path / f"{label.replace('/', '_')}.png"
        sketch(label).save(path)
        result = client.predict(handle_file(str(path)), api_name="/classify")
        assert result["label"] == label, result


@pytest.mark.parametrize("case, message", [
    ("bomb", "too large|limit"), ("truncated", "damaged or truncated"), ("tiny", "1×1 px")])
def test_more_bad_uploads_get_a_clear_message(client, tmp_path, case, message):
    import io

    from test_images import _bomb_png
    p = tmp_path / f"{case}.png"
    if case == "bomb":
        p.write_bytes(_bomb_png(40000, 40000))
    elif case == "truncated":
        buf = io.BytesIO()
        Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
        p.write_bytes(buf.getvalue()[:2000])
    else:
        Image.new("RGB", (1, 1)).save(p)
    with pytest.raises(AppError, match=message):
        client.predict(handle_file(str(p)), "cartoon", 1.0, api_name="/stylize")


@pytest.mark.parametrize("mode", ["I;16", "CMYK", "P", "RGBA"])
def test_odd_modes_are_painted(client, tmp_path, mode):
    base = Image.open(EXAMPLES / "cat.jpg").convert("RGB").resize((90, 60))
    im = Image.fromarray(np.asarray(base.convert("L"), np.uint16) * 257) if mode == "I;16" else base.convert(mode)
    p = tmp_path / f"odd.{'jpg' if mode == 'CMYK' else 'png'}"
    im.save(p)
    out = Image.open(client.predict(handle_file(str(p)), "pop_art", 1.0, api_name="/stylize"))
    assert out.size == (90, 60) and out.mode == "RGB"


@pytest.mark.parametrize("api, args", [("/classify", ()), ("/vae_encode", ()),
                                       ("/diffusion_img2img", (0.6, 0, "any", "ddim", 5, 2.0))])
def test_a_blank_canvas_is_refused_not_read_as_a_garment(client, tmp_path, api, args):
    p = tmp_path / "blank.png"
    Image.new("RGB", (280, 280), "white").save(p)
    with pytest.raises(AppError, match="blank"):
        client.predict(handle_file(str(p)), *args, api_name=api)


def test_classify_says_whether_it_looks_like_a_garment(client, tmp_path):
    from sketches import sketch
    cat = client.predict(handle_file(str(EXAMPLES / "cat.jpg")), api_name="/classify")
    assert cat["garment"]["is_garment"] is False and "does not look like a garment" in cat["garment"]["message"]
    path = tmp_path / "bag.png"
    sketch("Bag").save(path)
    bag = client.predict(handle_file(str(path)), api_name="/classify")
    assert bag["garment"]["is_garment"] is True and bag["garment"]["message"] == ""
    assert bag["garment"]["score"] <= bag["garment"]["threshold"] < cat["garment"]["score"]
