"""The generation endpoints' optional `model` through gradio_client: a user model published into the running
studio's GENART_MODEL_DIR answers at once; an unknown name is refused with the family's models."""

import hashlib

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image, ImageDraw
from standins import user_checkpoint

from genart.core import records

pytestmark = pytest.mark.slow

SHAPES = ["circle", "square", "star"]


def _bytes(path) -> str:
    return hashlib.sha256(np.asarray(Image.open(path)).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def shapes(user_models):
    """gan/, vae/ and diffusion/apitest: tiny untrained 28-px models with three classes, published while the
    studio runs."""
    for family in ("gan", "vae", "diffusion"):
        user_checkpoint(user_models, family, "apitest", SHAPES)
    return {family: f"{family}/apitest" for family in ("gan", "vae", "diffusion")}


def test_models_lists_a_user_model_apart(client, shapes):
    rows = {r["name"]: r for r in client.predict(api_name="/models")}
    row = rows["gan/apitest"]
    assert row["source"] == "user" and row["status"] == "ready" and row["classes"] == SHAPES
    assert rows["gan/fashion"]["source"] == "shipped" and rows["gan/fashion"]["classes"][0] == "T-shirt/top"


def test_gan_endpoints_take_a_model(client, shapes):
    a = client.predict(7, "star", 0.8, shapes["gan"], api_name="/gan_generate")
    b = client.predict(7, "star", 0.8, shapes["gan"], api_name="/gan_generate")
    fashion = client.predict(7, "any", 0.8, api_name="/gan_generate")             # scripts without `model`
    assert open(a, "rb").read() == open(b, "rb").read() and _bytes(a) != _bytes(fashion)
    record = records.read(a)
    assert record["model"] == "gan/apitest" and record["params"]["cls"] == "star"
    assert records.read(fashion)["model"] == "gan/fashion"
    assert Image.open(client.predict(0, "any", 1.0, 2, 3, shapes["gan"], api_name="/gan_grid")).size == (368, 248)
    gif = Image.open(client.predict(0, 1, "circle", 0.8, 4, shapes["gan"], api_name="/gan_interpolate"))
    assert gif.format == "GIF" and gif.n_frames == 6
    again, report = client.predict(handle_file(a), api_name="/replay")
    assert report["identical"] and report["record"]["model"] == "gan/apitest"
    with pytest.raises(AppError, match="Unknown label 'Dress'; use 'any' or one of circle, square, star"):
        client.predict(7, "Dress", 0.8, shapes["gan"], api_name="/gan_generate")


def test_an_unknown_model_is_refused_with_the_familys_models(client, shapes):
    with pytest.raises(AppError, match=r"Unknown gan model 'gan/nope'; the studio's gan models: gan/fashion, "
                                      r".*gan/apitest"):
        client.predict(7, "any", 0.8, "gan/nope", api_name="/gan_generate")
    with pytest.raises(AppError, match="Unknown vae model 'gan/apitest'"):
        client.predict(1, "gan/apitest", api_name="/vae_random")


def test_vae_endpoints_take_a_model(client, shapes, tmp_path):
    img, z = client.predict(3, shapes["vae"], api_name="/vae_random")
    assert records.read(img)["model"] == "vae/apitest" and Image.open(img).size == (336, 336)
    assert _bytes(client.predict(z, shapes["vae"], api_name="/vae_decode")) == _bytes(img)
    with pytest.raises(AppError, match="list of"):
        client.predict(z, api_name="/vae_decode")                                  # the Fashion VAE's z is longer
    p = tmp_path / "circle.png"
    im = Image.new("RGB", (40, 30), "white")
    ImageDraw.Draw(im).ellipse((10, 5, 30, 25), fill=(200, 30, 30), outline="black")
    im.save(p)
    recon, z2 = client.predict(handle_file(str(p)), shapes["vae"], api_name="/vae_encode")
    assert len(z2) == len(z) and records.read(recon)["model"] == "vae/apitest"
    q = tmp_path / "bar.png"
    im = Image.new("RGB", (30, 40), "white")
    ImageDraw.Draw(im).rectangle((12, 2, 18, 38), fill="black")
    im.save(q)
    gif = Image.open(client.predict(handle_file(str(p)), handle_file(str(q)), 3, shapes["vae"],
                                    api_name="/vae_interpolate"))
    assert gif.format == "GIF" and gif.size == (224, 224) and gif.n_frames > 1


def test_diffusion_sample_takes_a_model(client, shapes):
    final = client.submit(2, "square", "ddim", 3, 2.0, "uniform", 0.0, 0.0, shapes["diffusion"],
                          api_name="/diffusion_sample").result(timeout=120)
    assert Image.open(final[0]).size == (336, 336) and " · square · " in final[1]
    assert records.read(final[0])["model"] == "diffusion/apitest"
    again = client.submit(2, "square", "ddim", 3, 2.0, "uniform", 0.0, 0.0, shapes["diffusion"],
                          api_name="/diffusion_sample").result(timeout=120)
    assert _bytes(again[0]) == _bytes(final[0])


def test_diffusion_sketch_invert_and_repaint_take_a_model(client, shapes, tmp_path):
    p, mask = tmp_path / "star.png", tmp_path / "mask.png"
    im = Image.new("RGB", (40, 40), "white")
    ImageDraw.Draw(im).polygon([(20, 4), (25, 16), (37, 16), (27, 24), (31, 36), (20, 28), (9, 36), (13, 24),
                                (3, 16), (15, 16)], outline="black", width=2)
    im.save(p)
    m = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(m).rectangle((0, 0, 19, 19), fill=255)
    m.save(mask)
    dream = client.submit(handle_file(str(p)), 0.5, 1, "any", "ddim", 3, 2.0, "uniform", 0.0, 0.0, shapes["diffusion"],
                          api_name="/diffusion_img2img").result(timeout=120)
    rec = records.read(dream[0])
    assert rec["model"] == "diffusion/apitest" and rec["params"]["label"] in SHAPES    # "any": as the model reads it
    x_T, recon = client.predict(handle_file(str(p)), "square", 5, shapes["diffusion"], api_name="/diffusion_invert")
    assert len(x_T) == 28 * 28 and records.read(recon)["model"] == "diffusion/apitest"
    repainted = client.submit(handle_file(str(p)), handle_file(str(mask)), 0, "star", "ddpm", 5, 2.0,
                              shapes["diffusion"], api_name="/diffusion_inpaint").result(timeout=120)
    assert " · star · " in repainted[1] and records.read(repainted[0])["model"] == "diffusion/apitest"
    with pytest.raises(AppError, match="Unknown label 'Coat'; use 'any' or one of circle, square, star"):
        client.predict(handle_file(str(p)), "Coat", 5, shapes["diffusion"], api_name="/diffusion_invert")
    with pytest.raises(AppError, match="Unknown diffusion model 'diffusion/nope'"):
        client.predict(handle_file(str(p)), "any", 5, "diffusion/nope", api_name="/diffusion_invert")
