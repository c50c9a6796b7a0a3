"""The registry finds every checkpoint (shipped and the user's), live; the generative tabs' core functions work
with any model of their family (tiny untrained user models here: only the wiring is under test)."""

import json
import threading

import numpy as np
import pytest
import torch
from PIL import Image
from standins import tiny_checkpoint, user_checkpoint

from genart.core import records
from genart.core.registry import Registry
from genart.studio import diffusion as studio_diffusion
from genart.studio import inputs as studio_inputs
from genart.studio.inputs import as_tensor, model_input, pixels
from genart.studio.replay import replay
from genart.ui import diffusion_tab, gan_tab, vae_tab

SHAPES = ["circle", "square", "star"]


@pytest.fixture
def roots(tmp_path):
    shipped, user = tmp_path / "checkpoints", tmp_path / "user_models"
    for family in ("gan", "vae", "diffusion"):
        tiny_checkpoint(shipped, family)                           # stand-ins for the shipped <family>/fashion
    return shipped, user


def test_user_models_are_found_kept_apart_and_listed_after_the_shipped(roots):
    shipped, user = roots
    user_checkpoint(user, "gan", "shapes", SHAPES)
    user_checkpoint(user, "gan", "boots", ["images"])
    reg = Registry(shipped, device=torch.device("cpu"), user_root=user)
    assert reg.names("gan") == ["gan/fashion", "gan/boots", "gan/shapes"]
    assert reg.names("vae") == ["vae/fashion"] and reg.names("ood") == []
    assert reg.classes("gan/shapes") == SHAPES and reg.classes("gan/boots") == ["images"]
    assert reg.classes("gan/fashion")[:2] == ["T-shirt/top", "Trouser"]               # a card without "classes"
    rows = {r["name"]: r for r in reg.info()}
    assert rows["gan/shapes"]["source"] == "user" and rows["gan/fashion"]["source"] == "shipped"
    assert rows["gan/shapes"]["status"] == "ready" and rows["gan/shapes"]["classes"] == SHAPES
    assert rows["gan/shapes"]["checkpoint"] == "gan/shapes-v1.safetensors"
    assert rows["classifier/fashion"]["source"] == "shipped"                           # the fixed table stays
    assert reg.get("gan/shapes").config.num_classes == 3


def test_a_shipped_checkpoint_of_a_new_stem_is_found_too(roots):
    shipped, user = roots
    user_checkpoint(shipped, "vae", "sprites", ["hero", "tree"])
    reg = Registry(shipped, user_root=user)
    assert reg.names("vae") == ["vae/fashion", "vae/sprites"] and reg.spec("vae/sprites").source == "shipped"


def test_a_model_published_while_the_studio_runs_is_found_by_the_next_call(roots):
    shipped, user = roots
    reg = Registry(shipped, user_root=user)
    assert reg.names("gan") == ["gan/fashion"]
    with pytest.raises(ValueError, match=r"Unknown gan model 'gan/shapes'; the studio's gan models: gan/fashion$"):
        reg.model_name("gan", "gan/shapes")
    user_checkpoint(user, "gan", "shapes", SHAPES)
    assert reg.model_name("gan", "gan/shapes") == "gan/shapes"
    assert reg.names("gan") == ["gan/fashion", "gan/shapes"]
    fresh = Registry(shipped, user_root=user)
    user_checkpoint(user, "diffusion", "shapes", SHAPES)
    assert fresh.spec("diffusion/shapes").family == "diffusion"                       # a spec() miss looks again
    with pytest.raises(ValueError, match="Unknown vae model"):
        reg.model_name("vae", "gan/shapes")                                           # another family's name


def test_a_user_model_never_shadows_a_shipped_name(roots):
    shipped, user = roots
    user_checkpoint(user, "gan", "fashion", SHAPES)
    reg = Registry(shipped, user_root=user)
    assert reg.names("gan") == ["gan/fashion"] and reg.spec("gan/fashion").source == "shipped"
    assert reg.get("gan/fashion").config.num_classes == 10                            # the shipped one answers
    assert reg.card("gan/fashion")["training"]["command"].endswith("untrained stand-in")


def test_publishing_a_user_model_again_replaces_the_loaded_one_at_its_next_use(roots):
    shipped, user = roots
    user_checkpoint(user, "gan", "shapes", SHAPES, seed=0)
    reg = Registry(shipped, user_root=user)
    first = gan_tab.generate(reg, 3, "star", 0.8, "gan/shapes")
    assert records.read(first)["sha256"] == reg.card("gan/shapes")["sha256"]
    user_checkpoint(user, "gan", "shapes", SHAPES, seed=1)                           # v2
    second = gan_tab.generate(reg, 3, "star", 0.8, "gan/shapes")
    assert reg.card("gan/shapes")["version"] == 2
    assert records.read(second)["sha256"] == reg.card("gan/shapes")["sha256"] != records.read(first)["sha256"]
    assert not np.array_equal(np.asarray(first), np.asarray(second))


def test_new_names_get_their_own_lock_and_load_once(roots, monkeypatch):
    shipped, user = roots
    reg = Registry(shipped, user_root=user)
    user_checkpoint(user, "gan", "shapes", SHAPES)
    calls, results = [], []
    original = reg._load
    monkeypatch.setattr(reg, "_load", lambda spec: calls.append(1) or original(spec))
    threads = [threading.Thread(target=lambda: results.append(reg.get("gan/shapes"))) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(calls) == 1 and len(results) == 6 and all(r is results[0] for r in results)


def test_gan_core_functions_with_a_user_model(roots):
    shipped, user = roots
    user_checkpoint(user, "gan", "shapes", SHAPES)
    reg = Registry(shipped, user_root=user)
    im = gan_tab.generate(reg, 5, "square", 0.7, "gan/shapes")
    record = records.read(im)
    assert im.size == (336, 336) and record["model"] == "gan/shapes" and record["params"]["cls"] == "square"
    assert np.array_equal(np.asarray(im), np.asarray(gan_tab.generate(reg, 5, "square", 0.7, "gan/shapes")))
    with pytest.raises(ValueError, match="use 'any' or one of circle, square, star"):
        gan_tab.generate(reg, 5, "Dress", 0.7, "gan/shapes")
    assert gan_tab.grid(reg, 0, "any", 1.0, 2, 3, "gan/shapes").size == ((3 * 30 + 2) * 4, (2 * 30 + 2) * 4)
    gif, frames = gan_tab.interpolate(reg, 0, 1, "circle", 1.0, 4, "gan/shapes")
    assert Image.open(gif).n_frames == 6 and frames[0].shape == (224, 224)
    again, report = replay(reg, im)
    assert report["identical"] and report["same_checkpoint"]
    # the browser's current image carries its model; variations and favourites render with it
    cur, _, caption = gan_tab.ui_generate(reg, 5, "any", 0.7, "gan/shapes")
    assert cur["model"] == "gan/shapes" and caption.endswith(" · gan/shapes") and cur["y"] < 3
    kids, thumbs = gan_tab.ui_variations(reg, cur, 1, 0.3)
    assert all(k["model"] == "gan/shapes" for k in kids) and thumbs[0][0].shape == (112, 112)
    fashion, _, _ = gan_tab.ui_generate(reg, 5, "any", 0.7)
    favourites = gan_tab.ui_keep(reg, fashion, gan_tab.ui_keep(reg, cur, [])[0])[0]
    assert len(gan_tab.gallery(reg, favourites)) == 2
    with pytest.raises(ValueError, match="Breed two favourites of one model"):
        gan_tab.ui_breed(reg, favourites, favourites[0]["name"], favourites[1]["name"], 0.5, 0)
    labels, cur2, _, _ = gan_tab.ui_model(reg, "gan/shapes", 5, "Dress", 0.7)
    assert labels.choices == [("any", "any"), *[(c, c) for c in SHAPES]]
    assert labels.constructor_args["value"] == "any"                 # the model lacks Dress: the class changes
    assert cur2["model"] == "gan/shapes"
    # a class the model has is not sent back: one picked while this answer travelled stays (page-load race)
    labels, cur3, _, caption = gan_tab.ui_model(reg, "gan/shapes", 5, SHAPES[1], 0.7)
    assert "value" not in labels.constructor_args and caption.endswith(f"{SHAPES[1]} · gan/shapes")
    kept = [records.read(im)]
    assert gan_tab.favourites_from(reg, kept)[0]["model"] == "gan/shapes"
    from genart.ui.records_tab import settings_of
    assert settings_of(records.read(im))["gan.model"] == "gan/shapes"            # a restore picks the model too


def test_vae_core_functions_with_a_user_model(roots):
    shipped, user = roots
    user_checkpoint(user, "vae", "shapes", SHAPES, pca_directions=4)          # fewer directions than sliders
    reg = Registry(shipped, user_root=user)
    img, z = vae_tab.prior_sample(reg, 2, "vae/shapes")
    assert img.size == (336, 336) and records.read(img)["model"] == "vae/shapes"
    assert len(z) == reg.get("vae/shapes").z_dim
    assert np.array_equal(np.asarray(vae_tab.decode(reg, z, model="vae/shapes")), np.asarray(img))
    with pytest.raises(ValueError, match=f"list of {len(z)} finite"):
        vae_tab.decode(reg, z[:-1], model="vae/shapes")
    labels = vae_tab.slider_labels(reg, "vae/shapes")
    assert [s.visible for s in labels[:vae_tab.N_PCA]] == [True] * 4 + [False] * (vae_tab.N_PCA - 4)
    named = labels[vae_tab.N_PCA:]
    assert [s.label for s in named[:3]] == ["more circle", "more square", "more star"]
    assert [s.visible for s in named] == [True] * 3 + [False] * (vae_tab.N_NAMED - 3)
    assert vae_tab.slide(reg, z, "vae/shapes", *([1.0] * (vae_tab.N_PCA + vae_tab.N_NAMED)))
    assert vae_tab.slide(reg, z, "vae/fashion", *vae_tab.ZEROS) is not None                 # another model's z: skip
    again, report = replay(reg, img)
    assert report["identical"]


def test_diffusion_sample_and_branch_with_a_user_model(roots):
    shipped, user = roots
    user_checkpoint(user, "diffusion", "shapes", SHAPES)
    reg = Registry(shipped, user_root=user)
    outs = list(diffusion_tab.sample(reg, 4, "star", "ddim", 3, 2.0, model="diffusion/shapes", progress=None))
    final, line = outs[-1]
    assert final.size == (336, 336) and records.read(final)["model"] == "diffusion/shapes"
    assert line.startswith("step 3/3") and " · star · " in line
    again, report = replay(reg, final)
    assert report["identical"]
    *_, last = diffusion_tab.ui_sample(reg, 4, "any", "ddim", 3, 2.0, model="diffusion/shapes", progress=None)
    trace = last[4]
    assert trace["model"] == "diffusion/shapes" and np.asarray(trace["xs"][0]).shape == (1, 28, 28)
    *_, branched = diffusion_tab.ui_branch(reg, trace, 2, 4, "circle", 2.0, progress=None)
    assert records.read(Image.open(branched[0]))["model"] == "diffusion/shapes"


@pytest.fixture
def sprite(tmp_path, monkeypatch):
    """A 40×40 colour picture (red left, blue right) and a mask (white top-left quarter) in the upload cache."""
    from genart.studio import uploads

    monkeypatch.setattr(uploads, "allowed_roots", lambda: (tmp_path.resolve(),))
    a = np.zeros((40, 40, 3), np.uint8)
    a[:, :20], a[:, 20:] = (220, 40, 40), (40, 60, 210)
    m = np.zeros((40, 40), np.uint8)
    m[:20, :20] = 255
    Image.fromarray(a).save(tmp_path / "sprite.png")
    Image.fromarray(m).save(tmp_path / "mask.png")
    return {"path": str(tmp_path / "sprite.png")}, {"path": str(tmp_path / "mask.png")}


def test_every_part_of_the_diffusion_tab_works_with_a_colour_user_model(roots, sprite):
    """Sketch, Invert (and regenerate), Repaint, the race and the noised preview with a 32-px colour model:
    the picture's centre square in colour, "any" read by the model itself, records that replay."""
    from genart.diffusion.zero_shot import class_errors

    shipped, user = roots
    user_checkpoint(user, "diffusion", "sprites", ["hero", "tree"], image_size=32, image_channels=3)
    reg, m = Registry(shipped, user_root=user), "diffusion/sprites"
    picture, mask = sprite
    seen = diffusion_tab.picture(reg, m, picture)                                    # (1, 3, 32, 32)
    assert seen.shape == (1, 3, 32, 32) and float(seen[0, 0, :, :8].mean()) > 0.6     # red on the left, in colour
    errors = class_errors(reg.get(m), diffusion_tab.schedule_of(reg, m), seen, 2, torch.Generator().manual_seed(0))
    read = ["hero", "tree"][int(errors.argmin())]
    assert studio_diffusion.read_as(reg, m, seen) == int(errors.argmin())

    final, line = list(diffusion_tab.img2img(reg, picture, 0.5, 1, "any", "ddim", 4, 2.0, model=m, progress=None))[-1]
    rec = records.read(final)
    assert final.size == (320, 320) and final.mode == "RGB" and line.startswith("step")
    assert rec["model"] == m and rec["params"]["label"] == read                      # "any": as the model reads it

    x_T, recon = diffusion_tab.invert_garment(reg, picture, "tree", 5, model=m)
    assert len(x_T) == 3 * 32 * 32 and records.read(recon)["model"] == m
    assert recon.size == (320, 320) and records.read(recon)["params"]["round_trip_mae"] > 0
    *_, last = diffusion_tab.ui_invert(reg, picture, "hero", 5, m, progress=None)
    inverted = last[-1]
    assert np.asarray(inverted["x_T"]).shape == (3, 32, 32) and inverted["model"] == m and "as hero" in last[-2]
    *_, regen = diffusion_tab.ui_regenerate(reg, inverted, "tree", 2.0, "diffusion/fashion", progress=None)
    assert records.read(Image.open(regen[0]))["model"] == m and " · tree · " in regen[3]   # the x_T's own model

    outs = list(diffusion_tab.inpaint(reg, picture, mask, 3, "hero", "ddpm", 5, 2.0, model=m, progress=None))
    final, line = outs[-1]
    x0, cells = studio_diffusion.picture_and_mask(reg, m, picture, mask)
    assert cells.shape == (32, 32) and cells[:14, :14].all() and not cells[18:].any() and not cells[:, 18:].any()
    got = np.asarray(final)[::10, ::10].astype(int)                                   # back to 32 px
    assert records.read(final)["model"] == m and " · hero · " in line
    assert np.abs(got[~cells] - pixels(x0)[0][~cells].astype(int)).max() <= 1        # outside the mask: kept
    editor = {"background": picture, "layers": [mask], "composite": picture}
    *_, shown = diffusion_tab.ui_inpaint(reg, editor, 3, "hero", "ddpm", 5, 2.0, m, progress=None)
    assert np.array_equal(np.asarray(Image.open(shown[0])), np.asarray(final))      # the browser's is the API's

    frames = list(diffusion_tab.ui_race(reg, 0, "tree", 3, 2.0, ["ddim", "dpm++2m"], m, progress=None))
    strip, rows = frames[-1]
    assert len(frames) == 3 and strip.mode == "RGB" and [r[0] for r in rows] == ["ddim", "dpm++2m"]
    assert diffusion_tab.ui_preview_noised(reg, picture, 0.5, 0, m).shape == (224, 224, 3)
    lists = diffusion_tab.ui_labels(reg, m, "Dress", "tree", "any", "Coat", "hero")
    # a value is sent only where the model lacks the class: a class picked while this answer travels stays
    assert [d.constructor_args.get("value") for d in lists] == ["any", None, None, "same", None]
    assert lists[3].choices[:3] == [("same", "same"), ("any", "any"), ("hero", "hero")]
    with pytest.raises(ValueError, match="Unknown label 'Dress'; use 'any' or one of hero, tree"):
        list(diffusion_tab.img2img(reg, picture, 0.5, 1, "Dress", model=m, progress=None))


def test_pixels_and_model_inputs_at_any_size_and_colour(roots, monkeypatch):
    x = torch.linspace(-1, 1, 2 * 3 * 4 * 4).view(2, 3, 4, 4)
    assert pixels(x).shape == (2, 4, 4, 3) and pixels(x[:, :1]).shape == (2, 4, 4)
    assert torch.allclose(as_tensor(pixels(x)), x, atol=1 / 127.5)
    shipped, user = roots
    for stem, size, channels in (("sprites", 32, 3), ("icons", 64, 1)):
        user_checkpoint(user, "vae", stem, ["a", "b"])
        card = user / "vae" / f"{stem}-v1.json"
        data = json.loads(card.read_text())
        data["config"].update(image_size=size, image_channels=channels)   # what model_input reads (never loaded)
        card.write_text(json.dumps(data))
    reg = Registry(shipped, user_root=user)
    photo = np.zeros((60, 90, 3), np.uint8)
    photo[:, 15:75] = (200, 30, 30)                                      # the centre square is red, the sides black
    monkeypatch.setattr(studio_inputs, "sketch_or_image", lambda value: Image.fromarray(photo))
    seen = model_input(reg, "vae/sprites", "an upload")
    assert seen.shape == (32, 32, 3) and seen[..., 0].min() > 180               # the red square, no black sides
    assert np.abs(seen[2:-2, 2:-2].astype(int) - (200, 30, 30)).max() <= 2       # (Lanczos rings at the edge)
    assert model_input(reg, "vae/icons", "an upload").shape == (64, 64)
    garment = model_input(reg, "vae/fashion", "an upload")                # 28-px gray: Fashion-MNIST's garment
    assert garment.shape == (28, 28)


def test_a_32_px_colour_gan(roots):
    shipped, user = roots
    user_checkpoint(user, "gan", "sprites", ["hero", "tree"], image_size=32, image_channels=3)
    reg = Registry(shipped, user_root=user)
    im = gan_tab.generate(reg, 1, "tree", 1.0, "gan/sprites")
    assert im.mode == "RGB" and im.size == (320, 320)                        # 32 px × 10: about 336
    a = np.asarray(im)
    assert (a[..., 0] != a[..., 1]).any()                                    # colour, not gray in RGB
    assert gan_tab.grid(reg, 0, "any", 1.0, 2, 2, "gan/sprites").size == ((2 * 34 + 2) * 4,) * 2
    _, thumbs = gan_tab.ui_variations(reg, gan_tab.current_from_seed(reg, 1, "hero", 1.0, "gan/sprites"), 0, 0.5)
    assert thumbs[0][0].shape == (128, 128, 3)
    assert replay(reg, im)[1]["identical"]


def test_a_32_px_colour_vae_and_a_64_px_gray_one(roots, monkeypatch):
    shipped, user = roots
    user_checkpoint(user, "vae", "sprites", ["hero", "tree"], image_size=32, image_channels=3)
    user_checkpoint(user, "vae", "icons", ["one"], image_size=64, image_channels=1)
    reg = Registry(shipped, user_root=user)
    img, z = vae_tab.prior_sample(reg, 0, "vae/sprites")
    assert img.mode == "RGB" and img.size == (320, 320)
    gray, _ = vae_tab.prior_sample(reg, 0, "vae/icons")
    assert gray.mode == "L" and gray.size == (320, 320)                      # 64 px × 5
    photo = np.zeros((50, 70, 3), np.uint8)
    photo[:, 10:60] = (30, 160, 220)
    monkeypatch.setattr(studio_inputs, "sketch_or_image", lambda value: Image.fromarray(photo))
    z2, recon, seen, _, *zeros = vae_tab.start_from(reg, "an upload", "vae/sprites")
    assert len(z2) == len(z) and seen.shape == (320, 320, 3) and Image.open(recon).size == (320, 320)
    assert Image.open(vae_tab.slide(reg, z2, "vae/sprites", *([0.5] * len(zeros)))).mode == "RGB"
    gif, frames = vae_tab.interpolate(reg, "a", "b", 3, "vae/sprites")
    assert frames[0].shape == (224, 224, 3)                                  # 32 px × 7


def test_a_32_px_colour_diffusion_model(roots):
    shipped, user = roots
    user_checkpoint(user, "diffusion", "sprites", ["hero", "tree"], image_size=32, image_channels=3)
    reg = Registry(shipped, user_root=user)
    outs = list(diffusion_tab.sample(reg, 1, "tree", "ddim", 3, 2.0, model="diffusion/sprites", progress=None))
    assert outs[0][0].size == (32, 32) and outs[-1][0].size == (320, 320) and outs[-1][0].mode == "RGB"
    *_, last = diffusion_tab.ui_sample(reg, 1, "any", "ddim", 3, 2.0, model="diffusion/sprites", progress=None)
    trace = last[4]
    assert np.asarray(trace["xs"][0]).shape == (3, 32, 32) and trace["frames"][0][0].shape == (32, 32, 3)
    big, strip, plot = diffusion_tab.views(reg, trace, 1)
    assert big.shape == (320, 320, 3) and strip.shape == (224, 3 * 224 + 2 * 8, 3)
    *_, branched = diffusion_tab.ui_branch(reg, trace, 2, 5, "hero", 2.0, progress=None)
    assert Image.open(branched[0]).size == (320, 320)
    assert Image.open(diffusion_tab.ui_gif(trace)).n_frames > 1
