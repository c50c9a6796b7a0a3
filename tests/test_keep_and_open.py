"""Nothing is lost, everything opens (without a browser): a garment shown with square pixels is recognised and
painted smoothly; a neural painting is a record naming what it painted; a record's settings map onto the
tabs' controls; a PNG opened anywhere goes to its tab (or to Records); GAN favourites come back from the
history."""

import gradio as gr
import numpy as np
import pytest
from gradio.utils import get_upload_folder
from gradio_client import handle_file
from PIL import Image

from genart.core import records
from genart.core.images import png_info
from genart.core.registry import Registry


@pytest.fixture(scope="module")
def registry(checkpoint_root):
    return Registry(checkpoint_root)


def test_a_garment_with_square_pixels_is_recognised_exactly():
    from genart.studio.paint import native_garment, smooth_garment

    rng = np.random.default_rng(0)
    g = rng.integers(0, 256, (28, 28, 3), dtype=np.uint8)
    big = np.repeat(np.repeat(g, 12, 0), 12, 1)                                   # (336, 336, 3) as the tabs show it
    assert np.array_equal(native_garment(big), g)
    assert native_garment(g) is None                                              # already small: nothing to undo
    photo = rng.integers(0, 256, (336, 336, 3), dtype=np.uint8)
    assert native_garment(photo) is None
    big[5, 7] ^= 1                                                                # one pixel off: not a garment grid
    assert native_garment(big) is None
    assert native_garment(np.repeat(np.repeat(g, 12, 0), 10, 1)) is None          # not square
    smooth, was = smooth_garment(np.repeat(np.repeat(g, 12, 0), 12, 1), 512)
    assert was and smooth.shape == (512, 512, 3)
    assert len(np.unique(smooth[200:260, 200:260].reshape(-1, 3), axis=0)) > 100  # smooth, not 12-px blocks
    same, was = smooth_garment(photo)
    assert not was and same is photo


@pytest.mark.slow
def test_a_neural_painting_of_a_garment_is_a_record_of_what_it_painted(client):
    garment = client.predict(9, "Ankle boot", 0.8, api_name="/gan_generate")       # 336 px, square pixels
    out = client.predict(handle_file(garment), None, 200, 0, 0, "starry swirls", 1.0, api_name="/neural_style")
    im = Image.open(out)
    record = records.read(im)
    assert record["action"] == "neural_style" and record["model"] == "style/multistyle26"
    assert len(record["sha256"]) == 64
    assert record["params"]["garment"] is True and record["params"]["style"] == "starry swirls"
    assert [r["action"] for r in record["chain"]] == ["gan_generate"] and record["chain"][0]["params"]["seed"] == 9
    assert im.size == (512, 512)                                                  # enlarged smoothly, then painted
    a = np.asarray(im.convert("RGB"))
    assert not np.array_equal(a[::12, ::12].repeat(12, 0).repeat(12, 1)[:512, :512], a)


def test_a_records_settings_map_onto_the_tabs_controls():
    from genart.ui.records_tab import settings_of

    stylize = records.make("stylize", {"style": "stained_glass", "strength": 0.5, "cell_size": 40, "lead_width": 2})
    s = settings_of(stylize)
    assert (s["styles.style"], s["styles.strength"], s["styles.p1"], s["styles.p2"], s["styles.sliders_for"]) == \
        ("stained_glass", 0.5, 40, 2, "stained_glass")
    neural = records.make("neural_style", {"style": "starry swirls, pastel daubs", "strength": 0.7,
                                           "keep_colors": True, "size": 768})
    n = settings_of(neural)
    assert n["neural.mode"] == "builtin" and n["neural.strength"] == 0.7 and n["neural.keep_colors"] is True
    assert n["neural.size"] == 768 and n["neural.work"] == 0
    assert n["neural.builtin"] == ["starry swirls", "pastel daubs"]
    assert settings_of(records.make("neural_style", {"style": "image", "strength": 1.0}))["neural.mode"] == "image"
    gan = settings_of(records.make("gan_generate", {"seed": 4, "label": "Bag", "truncation": 0.6}))
    assert (gan["gan.seed"], gan["gan.label"], gan["gan.psi"]) == (4, "Bag", 0.6)
    sketch = settings_of(records.make("diffusion_img2img", {"seed": 5, "label": "Dress", "strength": 0.7,
                                                            "sampler": "ddim", "steps": 25, "guidance": 2.0}))
    assert (sketch["diffusion.sketch_seed"], sketch["diffusion.sketch_label"], sketch["diffusion.strength"]) == \
        (5, "Dress", 0.7)                                              # the Sketch part's, not the Sample part's
    assert "diffusion.seed" not in sketch and "diffusion.label" not in sketch and sketch["diffusion.steps"] == 25


def _uploaded(tmp_path, record, name="x.png"):
    """A PNG carrying `record`, placed where Gradio keeps uploads (the only place a request may open)."""
    folder = tmp_path.__class__(get_upload_folder()) / "test-open"
    folder.mkdir(parents=True, exist_ok=True)
    im = records.stamp(np.zeros((28, 28), np.uint8), record) if record else Image.new("L", (28, 28))
    path = folder / name
    im.save(path, format="PNG", pnginfo=png_info(im))
    return str(path)


def test_a_png_opened_anywhere_goes_to_the_tab_that_made_it(tmp_path):
    from genart.ui.history_panel import open_png

    keys = ["gan.seed", "gan.label", "gan.psi", "styles.style"]
    out = open_png(_uploaded(tmp_path, records.make("gan_generate", {"seed": 7, "label": "Coat",
                                                                     "truncation": 0.7})), keys=keys)
    assert out[0].selected == "gan" and out[1:4] == (7, "Coat", 0.7)
    assert out[-1] == gr.skip()                                                   # the Records tab is left alone
    out = open_png(_uploaded(tmp_path, records.make("neural_style", {"style": "image"}), "n.png"), keys=keys)
    assert out[0].selected == "styles"
    made_from_upload = _uploaded(tmp_path, records.make("vae_encode", {"image": "uploaded"}), "v.png")
    out = open_png(made_from_upload, keys=keys)
    assert out[0].selected == "records" and out[-1].endswith("v.png")           # there: read or replay it
    with pytest.raises(ValueError, match="no genart record"):
        open_png(_uploaded(tmp_path, None, "plain.png"), keys=keys)
    from genart.core.images import ImageError
    with pytest.raises(ImageError, match="Only images uploaded"):
        open_png({"path": "/etc/passwd", "url": None}, keys=keys)


def test_gan_favourites_come_back_from_the_history(registry, tmp_path):
    from genart.studio import gan
    from genart.studio.history import History, new_browser_id

    history, browser = History(tmp_path), new_browser_id()
    z = [0.1] * registry.get(gan.NAME).config.z_dim
    kept = [gan.generate(registry, 3, "Dress", 0.8), gan.from_latent(registry, z, 4, "child 1"),
            gan.generate(registry, 5, "any", 0.9), gan.generate(registry, 3, "Dress", 0.8)]
    for im in kept:
        history.add(browser, im)
    history.add(browser, records.stamp(np.zeros((8, 8), np.uint8), records.make("stylize", {"style": "oil"})))
    favourites = gan.favourites_from(registry, [r for _, _, r in history.items(browser)])
    assert [f["name"] for f in favourites] == ["seed 3", "child 1", "seed 5"]      # oldest first, once each
    assert favourites[1]["z"] == z and favourites[1]["y"] == 4
    again = gan.show(registry, favourites[0])[0]
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(kept[0]))    # the same garment, made again
    assert gan.favourites_from(registry, []) == []
