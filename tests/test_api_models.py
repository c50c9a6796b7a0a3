"""VAE, GAN and diffusion endpoints through gradio_client: shapes, streaming, exact reproducibility."""

import hashlib
import json

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

pytestmark = pytest.mark.slow


def _bytes(path) -> str:
    return hashlib.sha256(np.asarray(Image.open(path)).tobytes()).hexdigest()


@pytest.fixture(scope="module")
def dress_sketch(tmp_path_factory):
    from sketches import sketch
    p = tmp_path_factory.mktemp("sketch") / "dress.png"
    sketch("Dress").save(p)
    return str(p)


def test_vae_random_decode_agree_and_reproduce(client):
    img, z = client.predict(3, api_name="/vae_random")
    img2, z2 = client.predict(3, api_name="/vae_random")
    assert z == z2 and _bytes(img) == _bytes(img2)
    assert Image.open(img).size == (336, 336)
    decoded = client.predict(z, api_name="/vae_decode")
    assert _bytes(decoded) == _bytes(img)
    with pytest.raises(AppError, match="list of"):
        client.predict([1.0, 2.0], api_name="/vae_decode")


def test_vae_encode_and_interpolate(client, dress_sketch, tmp_path):
    from genart.data.datasets import load_fashion_mnist
    x, _ = load_fashion_mnist("test")
    p = tmp_path / "coat.png"
    Image.fromarray(x[1]).save(p)
    recon, z = client.predict(handle_file(str(p)), api_name="/vae_encode")
    assert Image.open(recon).size == (336, 336) and all(isinstance(v, float) for v in z)
    gif = client.predict(handle_file(str(p)), handle_file(dress_sketch), 6, api_name="/vae_interpolate")
    im = Image.open(gif)
    assert im.format == "GIF" and im.n_frames == 10                                  # 6 there, 4 back


def test_gan_generate_is_reproducible_to_the_byte(client):
    a = client.predict(11, "Dress", 0.7, api_name="/gan_generate")
    b = client.predict(11, "Dress", 0.7, api_name="/gan_generate")
    c = client.predict(12, "Dress", 0.7, api_name="/gan_generate")
    assert open(a, "rb").read() == open(b, "rb").read()
    assert _bytes(a) != _bytes(c)
    assert json.loads(Image.open(a).info["parameters"])["cls"] == "Dress"
    with pytest.raises(AppError, match="Unknown label"):
        client.predict(1, "Hat", 0.7, api_name="/gan_generate")


def test_gan_grid_and_interpolate(client):
    grid = Image.open(client.predict(0, "any", 1.0, 3, 5, api_name="/gan_grid"))
    assert grid.size == ((5 * 30 + 2) * 4, (3 * 30 + 2) * 4)
    gif = Image.open(client.predict(0, 9, "Sneaker", 0.8, 5, api_name="/gan_interpolate"))
    assert gif.format == "GIF" and gif.n_frames == 8


def test_diffusion_sample_streams_previews_then_the_final_image(client):
    job = client.submit(5, "Trouser", "ddim", 6, 2.0, api_name="/diffusion_sample")
    final = job.result(timeout=120)
    outs = job.outputs()
    steps = [int(o[1].split(" · ")[0].split()[1].split("/")[0]) for o in outs]
    assert steps[0] == 1 and steps[-1] == 6 and steps == sorted(set(steps))     # the first, then at most 4/s
    assert all(Image.open(o[0]).size == (28, 28) for o in outs[:-1])            # previews: the model's own size
    assert outs[-1] == final and Image.open(final[0]).size == (336, 336)
    again = client.submit(5, "Trouser", "ddim", 6, 2.0, api_name="/diffusion_sample").result(timeout=120)
    assert _bytes(again[0]) == _bytes(final[0])


@pytest.mark.parametrize("sampler", ["ddpm", "dpm++2m"])
def test_diffusion_other_samplers(client, sampler):
    job = client.submit(1, "any", sampler, 4, 1.0, api_name="/diffusion_sample")
    final = job.result(timeout=120)
    assert 1 <= len(job.outputs()) <= 4 and final[1].startswith("step 4/4") and f"· {sampler} ·" in final[1]


def test_diffusion_bad_arguments(client):
    with pytest.raises(AppError, match="sampler must be"):
        client.predict(1, "any", "plms", 4, 1.0, api_name="/diffusion_sample")
    with pytest.raises(AppError, match="steps must be"):
        client.predict(1, "any", "ddim", 0, 1.0, api_name="/diffusion_sample")
    with pytest.raises(AppError, match="spacing must be one of uniform, logsnr, karras"):
        client.predict(1, "any", "ddim", 4, 1.0, "cosine", api_name="/diffusion_sample")
    with pytest.raises(AppError, match="eta"):
        client.predict(1, "any", "ddim", 4, 1.0, "uniform", 1.5, api_name="/diffusion_sample")


@pytest.mark.parametrize("sampler", ["euler", "euler_a", "heun", "dpm++2m_sde", "unipc"])
def test_diffusion_new_samplers_stream_to_the_last_step(client, sampler):
    job = client.submit(1, "Coat", sampler, 4, 2.0, "logsnr", api_name="/diffusion_sample")
    final = job.result(timeout=120)
    assert job.outputs()[0][1].startswith("step 1/4") and final[1].startswith("step 4/4")
    assert f"· {sampler} ·" in final[1] and final[1].endswith("· spacing logsnr")


def test_diffusion_knobs_are_optional_and_recorded(client):
    """Today's five arguments give the same bytes as the eight with their defaults; set knobs land in the info
    line and the record (which /replay uses, tests/test_records.py)."""
    five = client.predict(3, "Dress", "ddim", 5, 2.0, api_name="/diffusion_sample")
    eight = client.predict(3, "Dress", "ddim", 5, 2.0, "uniform", 0.0, 0.0, api_name="/diffusion_sample")
    assert _bytes(five[0]) == _bytes(eight[0]) and five[1] == eight[1]
    assert set(json.loads(Image.open(five[0]).info["parameters"])) == {"seed", "label", "sampler", "steps", "guidance"}
    knobbed = client.predict(3, "Dress", "ddim", 5, 2.0, "karras", 0.5, 0.7, api_name="/diffusion_sample")
    params = json.loads(Image.open(knobbed[0]).info["parameters"])
    assert params["spacing"] == "karras" and params["eta"] == 0.5 and params["guidance_rescale"] == 0.7
    assert knobbed[1].endswith("· spacing karras · eta 0.5 · guidance rescale 0.7")
    assert _bytes(knobbed[0]) != _bytes(five[0])


def test_diffusion_img2img_from_a_sketch(client, dress_sketch):
    job = client.submit(handle_file(dress_sketch), 0.5, 2, "any", "ddim", 10, 2.0, api_name="/diffusion_img2img")
    final = job.result(timeout=120)
    outs = job.outputs()
    assert 1 <= len(outs) <= 10 and outs[-1] == final
    assert "strength 0.5" in final[1]
    params = json.loads(Image.open(final[0]).info["parameters"])
    assert params["strength"] == 0.5 and params["label"] in __import__("genart.data.datasets").data.datasets.CLASSES


@pytest.fixture(scope="module")
def coat_png(tmp_path_factory):
    """A Fashion-MNIST test coat, enlarged 4× (what a user would upload)."""
    from genart.data.datasets import load_dataset
    x, y = load_dataset("fashion-mnist", "test")
    coat = x[np.flatnonzero(y == 4)[0]]
    p = tmp_path_factory.mktemp("coat") / "coat.png"
    Image.fromarray(coat).resize((112, 112), Image.NEAREST).save(p)
    return str(p)


def test_diffusion_invert_gives_x_T_and_a_close_reconstruction(client, coat_png):
    x_T, recon = client.predict(handle_file(coat_png), "Coat", 20, api_name="/diffusion_invert")
    assert len(x_T) == 28 * 28 and 0.5 < float(np.std(x_T)) < 1.5
    rec = json.loads(Image.open(recon).info["genart"])
    assert rec["action"] == "diffusion_invert" and rec["params"]["label"] == "Coat" and rec["params"]["steps"] == 20
    assert rec["params"]["round_trip_mae"] < 0.05
    again, _ = client.predict(handle_file(coat_png), "Coat", 20, api_name="/diffusion_invert")
    assert again == x_T                                                              # deterministic
    with pytest.raises(AppError, match="steps must be"):
        client.predict(handle_file(coat_png), "Coat", 0, api_name="/diffusion_invert")


def test_diffusion_inpaint_streams_and_keeps_everything_outside_the_mask(client, coat_png, tmp_path):
    from genart.data.datasets import load_dataset
    x, y = load_dataset("fashion-mnist", "test")
    coat = x[np.flatnonzero(y == 4)[0]]
    mask = np.zeros((28, 28), np.uint8)
    mask[6:22, 2:9] = 255                                                          # the left sleeve
    p = tmp_path / "mask.png"
    Image.fromarray(mask).resize((112, 112), Image.NEAREST).save(p)
    job = client.submit(handle_file(coat_png), handle_file(str(p)), 3, "Coat", "ddpm", 20, 2.0,
                        api_name="/diffusion_inpaint")
    final = job.result(timeout=180)
    outs = job.outputs()
    assert 1 <= len(outs) <= 60 and outs[-1] == final and final[1].startswith("move 60/60 ")  # 20 + 2 jumps × 4 × 5
    out = np.asarray(Image.open(final[0]).convert("L"))[::12, ::12]
    keep = mask == 0
    assert np.array_equal(out[keep], coat[keep]) and not np.array_equal(out[~keep], coat[~keep])
    rec = json.loads(Image.open(final[0]).info["genart"])
    assert rec["action"] == "diffusion_inpaint" and rec["params"]["mask_pixels"] == 112 and "move" not in rec["params"]
    with pytest.raises(AppError, match="mask is empty"):
        empty = tmp_path / "empty.png"
        Image.new("L", (112, 112), 0).save(empty)
        client.predict(handle_file(coat_png), handle_file(str(empty)), 3, "Coat", "ddpm", 20, 2.0,
                       api_name="/diffusion_inpaint")
