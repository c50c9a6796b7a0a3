"""Training on any data: a folder of coloured images at 32 px, a subset of Fashion-MNIST's classes, the live
status a watcher reads, and publishing a stopped run with --resume."""

import json
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from genart.__main__ import _parser, main, run_args
from genart.data.datasets import load_image_dataset, to_uint8, training_set
from genart.train.common import grid_labels, recipe_command, write_grid

ROOT = Path(__file__).resolve().parent.parent


def make_shapes(root: Path, n: int = 24, size: tuple[int, int] = (48, 40)) -> Path:
    """n coloured images in two classes: red discs and blue squares on black, every other one a JPEG."""
    for i in range(n):
        cls = ("discs", "squares")[i % 2]
        (root / cls).mkdir(parents=True, exist_ok=True)
        im = Image.new("RGB", size, (0, 0, 0))
        d = ImageDraw.Draw(im)
        box = (10 + i % 5, 6, 34 + i % 5, 30)
        if cls == "discs":
            d.ellipse(box, fill=(230, 40, 40))
        else:
            d.rectangle(box, fill=(40, 60, 230))
        im.save(root / cls / f"{i:03d}.{'jpg' if i % 2 else 'png'}")
    return root


def test_load_image_dataset_keeps_colour_and_classes(tmp_path):
    root = make_shapes(tmp_path / "shapes", n=6)
    Image.new("RGB", (20, 30), (0, 255, 0)).save(root / "top.png")               # at the top: class "images"
    x, y, classes = load_image_dataset(root, 32, 3)
    assert x.shape == (7, 3, 32, 32) and x.dtype == np.uint8 and y.dtype == np.int64
    assert classes == ["discs", "images", "squares"] and y.tolist() == [0, 0, 0, 2, 2, 2, 1]
    disc = x[0].astype(int)                                                      # red disc: R high at its centre
    assert disc[0, 16, 14] > 200 and disc[1, 16, 14] < 80 and disc[2, 16, 14] < 80
    green = x[-1]                                                                # centre-cropped, still green
    assert (green[1] == 255).all() and (green[0] == 0).all()
    gray, _, _ = load_image_dataset(root, 28, 1)
    assert gray.shape == (7, 1, 28, 28)


def test_to_uint8_gray_and_colour():
    x = torch.linspace(-1, 1, 2 * 3 * 4 * 4).view(2, 3, 4, 4)
    rgb = to_uint8(x)
    assert rgb.shape == (2, 4, 4, 3) and rgb[0, 0, 0].tolist() == [0, 43, 86] and rgb[1, 3, 3, 2] == 255
    assert to_uint8(x[:, :1]).shape == (2, 4, 4)


def test_fashion_subset_is_relabelled():
    x, y, classes = training_set("fashion-mnist", 32, 3, ["Dress", "Coat"])
    assert classes == ["Dress", "Coat"] and x.shape == (12000, 3, 32, 32)
    assert sorted(set(y.tolist())) == [0, 1] and int((y == 0).sum()) == 6000
    assert torch.equal(x[:, 0], x[:, 2]) and x.min() >= -1 and x.max() <= 1
    with pytest.raises(ValueError, match="not a Fashion-MNIST class"):
        training_set("fashion-mnist", 28, 1, ["Hat"])


def test_grid_labels_give_each_class_its_columns():
    y, cols = grid_labels(10, 6)
    assert cols == 10 and y.view(6, 10)[3].tolist() == list(range(10))
    y, cols = grid_labels(3, 2)
    assert cols == 9 and y[:9].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2] and len(y) == 18
    y, cols = grid_labels(25, 1)
    assert cols == 10 and y.tolist() == list(range(10))


def test_write_grid_in_colour(tmp_path):
    samples = -torch.ones(2, 3, 32, 32)
    samples[:, 0] = 1.0                                                          # pure red
    write_grid(samples, tmp_path / "g.png", nrow=2)
    im = np.asarray(Image.open(tmp_path / "g.png"))
    assert im.shape == ((32 + 4) * 3, (2 * 34 + 2) * 3, 3)
    assert im[10, 10].tolist() == [255, 0, 0] and im[0, 0].tolist() == [0, 0, 0]


def test_the_command_spells_out_shape_classes_width_and_name():
    a = _parser().parse_args(["train", "gan", "--data", "fashion-mnist", "--classes", "Dress, Coat", "--size", "32",
                              "--channels", "3", "--width", "48", "--name", "dc", "--steps", "7"])
    args = run_args(a)
    assert (args.size, args.channels, args.width, args.classes) == (32, 3, 48, ("Dress", "Coat"))
    command = recipe_command(args)
    assert "--size 32 --channels 3 --classes Dress,Coat --width 48 --name dc" in command
    again = run_args(_parser().parse_args(shlex.split(command)[3:]))
    fields = ("data", "steps", "batch_size", "lr", "seed", "precision", "size", "channels", "width", "classes", "name")
    assert [getattr(again, f) for f in fields] == [getattr(args, f) for f in fields]
    folder = run_args(_parser().parse_args(["train", "gan", "--data", "/x/sprites"]))
    assert (folder.size, folder.channels, folder.default_stem()) == (32, 3, "sprites")


def _card(ckpt: Path, family: str, stem: str, version: int = 1) -> dict:
    return json.loads((ckpt / family / f"{stem}-v{version}.json").read_text())


@pytest.mark.slow
def test_gan_trains_on_a_colour_folder_with_live_status_and_publishes_after_a_stop(tmp_path):
    data = make_shapes(tmp_path / "shapes")
    common = ["train", "gan", "--data", str(data), "--size", "32", "--channels", "3", "--width", "8",
              "--batch-size", "8", "--name", "shapes", "--ckpt-dir", str(tmp_path / "ckpt"),
              "--out", str(tmp_path / "runs"), "--status-dir", str(tmp_path / "status"), "--sample-every", "0"]
    assert main([*common, "--steps", "3"]) == 0
    status = json.loads((tmp_path / "status" / "status.json").read_text())
    assert (status["state"], status["step"], status["steps"], status["grid_step"]) == ("finished", 3, 3, 3)
    assert len(status["losses"]["loss_d"]) == 3
    grid = Image.open(tmp_path / "status" / "grid.png")
    assert grid.mode == "RGB" and grid.size == ((10 * 34 + 2) * 2, (6 * 34 + 2) * 2)   # 6 rows of 10, ×2
    card = _card(tmp_path / "ckpt", "gan", "shapes")
    assert card["name"] == "gan/shapes" and card["classes"] == ["discs", "squares"]
    assert card["config"]["image_size"] == 32 and card["config"]["image_channels"] == 3
    assert card["config"]["num_classes"] == 2 and card["config"]["g_channels"] == 8
    assert card["paper"] == [0, 0, 0]                                  # the shapes' black background
    m = card["metrics"]
    assert m["samples"] == 12 and m["fd_pixels8"] > 0 and m["fd_pixels8_floor"] > 0 and "loss_d" in m["final_losses"]
    command = shlex.split(card["training"]["command"])
    again = run_args(_parser().parse_args(command[3:]))
    assert (again.size, again.channels, again.width, again.name, again.steps, again.batch_size) == (32, 3, 8, "shapes",
                                                                                                   3, 8)

    # stop a longer run with SIGINT as the Train tab does, then publish it at the step it reached
    env = {"PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "GENART_DEVICE": "cpu", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "genart", *common, "--steps", "100000"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    import time
    deadline = time.time() + 120
    while time.time() < deadline:
        s = json.loads((tmp_path / "status" / "status.json").read_text())
        if s["state"] == "running" and s["step"] >= 5:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out[-2000:]
    status = json.loads((tmp_path / "status" / "status.json").read_text())
    state = torch.load(tmp_path / "runs" / "gan" / "state.pt", weights_only=True)
    assert status["state"] == "stopped" and state["step"] >= 5
    reached = state["step"]
    assert main([*common, "--steps", str(reached), "--resume", str(tmp_path / "runs" / "gan" / "state.pt")]) == 0
    card = _card(tmp_path / "ckpt", "gan", "shapes", 2)
    assert card["training"]["steps"] == reached and card["classes"] == ["discs", "squares"]
    stopped = card["training"]["resumed_from"]                      # the stopped run's command and its losses
    assert [h["until_step"] for h in stopped] == [reached] and "--steps 100000" in stopped[0]["command"]
    assert card["metrics"]["final_losses"] == stopped[0]["final_losses"] and "loss_g" in stopped[0]["final_losses"]
    status = json.loads((tmp_path / "status" / "status.json").read_text())
    assert (status["state"], status["step"], status["grid_step"]) == ("finished", reached, reached)


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3), (64, 1)])
def test_gan_builds_at_every_size_and_colour(size, channels):
    from genart.models.gan import Discriminator, GANConfig, Generator
    config = GANConfig(g_channels=8, d_channels=8, num_classes=3, image_size=size, image_channels=channels)
    G, D = Generator(config), Discriminator(config)
    x = G(torch.randn(2, 128), torch.tensor([0, 2]))
    assert x.shape == (2, channels, size, size) and x.abs().max() <= 1
    assert D(x, torch.tensor([0, 2])).shape == (2,)


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3), (64, 1)])
def test_vae_builds_at_every_size_and_colour(size, channels):
    from genart.models.vae import VAE, VAEConfig
    vae = VAE(VAEConfig(channels=8, num_classes=3, image_size=size, image_channels=channels))
    x = torch.rand(2, channels, size, size) * 2 - 1
    z, logvar = vae.encode(x)
    b = 7 if size == 28 else 8
    assert z.shape == (2, 3 + 32 + 8 * b * b) and vae.decode(z).shape == (2, channels, size, size)
    assert vae.decode(z).abs().max() <= 1 and vae.neg_elbo(x).shape == (2,)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["gan", "vae", "diffusion"])
def test_the_shipped_models_load_strictly_with_the_default_shape(family):
    """The registry rebuilds each shipped model from its card (no image_size / image_channels in it: the defaults
    28 px, 1 channel) and loads its weights strictly: today's parameter names and shapes."""
    from genart.core.registry import Registry
    model = Registry().get(f"{family}/fashion")
    assert (model.config.image_size, model.config.image_channels) == (28, 1)


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3)])
def test_unet_builds_at_every_size_and_colour(size, channels):
    from genart.models.unet import UNet, UNetConfig
    unet = UNet(UNetConfig(channels=8, num_classes=3, image_size=size, image_channels=channels))
    x = torch.randn(2, channels, size, size)
    assert unet(x, torch.tensor([5, 900]), torch.tensor([0, 3])).shape == (2, channels, size, size)


@pytest.mark.slow
@pytest.mark.parametrize("family,loss", [("vae", "rec"), ("diffusion", "loss")])
def test_vae_and_diffusion_train_on_a_colour_folder_with_live_status(tmp_path, family, loss):
    data = make_shapes(tmp_path / "shapes")
    assert main(["train", family, "--data", str(data), "--width", "8", "--batch-size", "8", "--steps", "3",
                 "--precision", "fp32", "--ckpt-dir", str(tmp_path / "ckpt"), "--out", str(tmp_path / "runs"),
                 "--status-dir", str(tmp_path / "status"), "--sample-every", "0"]) == 0
    status = json.loads((tmp_path / "status" / "status.json").read_text())
    assert (status["state"], status["step"], status["grid_step"]) == ("finished", 3, 3)
    assert len(status["losses"][loss]) == 3
    rows = 4 if family == "vae" else 2
    grid = Image.open(tmp_path / "status" / "grid.png")
    assert grid.mode == "RGB" and grid.size == ((10 * 34 + 2) * 2, (rows * 34 + 2) * 2)
    card = _card(tmp_path / "ckpt", family, "shapes")
    assert card["classes"] == ["discs", "squares"] and card["config"]["num_classes"] == 2 and card["paper"] == [0, 0, 0]
    assert (card["config"]["image_size"], card["config"]["image_channels"], card["config"]["channels"]) == (32, 3, 8)
    assert card["metrics"]["samples"] == 12 and card["metrics"]["fd_pixels8"] > 0
    if family == "vae":
        assert card["metrics"]["neg_elbo_bits_per_dim"] > 0
    from genart.core.checkpoints import load_weights
    from genart.models.unet import build as build_unet
    from genart.models.vae import build as build_vae
    weights, _ = load_weights(tmp_path / "ckpt" / family / "shapes-v1.json")
    model = (build_vae if family == "vae" else build_unet)(card["config"])
    model.load_state_dict(weights, strict=True)


def test_a_preset_fills_the_flags_not_given_and_the_command_spells_them_out():
    from genart.train.presets import preset
    args = run_args(_parser().parse_args(["train", "gan", "--data", "/x/sprites", "--preset", "standard"]))
    p = preset("gan", 32, 3, "standard")
    assert (args.width, args.batch_size, args.lr, args.steps, args.precision) == (p["width"], p["batch_size"],
                                                                                  p["lr"], p["steps"], "auto")
    command = recipe_command(args)
    assert "--preset" not in command and f"--width {p['width']}" in command and f"--steps {p['steps']}" in command
    assert args.beta1 == 0.5 and "--beta1 0.5" in command
    assert run_args(_parser().parse_args(shlex.split(command)[3:])).beta1 == 0.5
    mine = run_args(_parser().parse_args(["train", "vae", "--data", "/x/s", "--preset", "quick", "--steps", "9",
                                          "--width", "24"]))
    assert (mine.steps, mine.width, mine.batch_size) == (9, 24, preset("vae", 32, 3)["batch_size"])
    with pytest.raises(ValueError, match="multiple of 8"):
        run_args(_parser().parse_args(["train", "vae", "--width", "12"]))


@pytest.mark.slow
def test_a_gan_on_two_fashion_classes(tmp_path):
    """--classes: only those images, labels 0..k−1, the card's classes are the picked names, its own stem."""
    assert main(["train", "gan", "--classes", "Dress,Coat", "--width", "8", "--batch-size", "8", "--steps", "2",
                 "--ckpt-dir", str(tmp_path / "ckpt"), "--out", str(tmp_path / "runs"), "--sample-every", "0"]) == 0
    card = _card(tmp_path / "ckpt", "gan", "fashion-dress-coat")
    assert card["name"] == "gan/fashion-dress-coat" and card["classes"] == ["Dress", "Coat"]
    assert card["config"]["num_classes"] == 2 and card["config"]["image_size"] == 28
    assert "--classes Dress,Coat" in card["training"]["command"] and "fd_pixels8" in card["metrics"]
