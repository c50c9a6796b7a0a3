"""The Train tab as a person uses it, in chromium: upload a zip of coloured shapes made here, train a GAN on it,
watch the loss plot and the sample grid change, reload the page (the tab finds the job again), publish, and
generate from the new model on the GAN tab."""

import io
import re
import zipfile

import numpy as np
import pytest
from helpers import output_image, shot, wait_until
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from genart.core import records

pytestmark = pytest.mark.e2e

COLOURS = {"circles": (220, 40, 40), "squares": (40, 90, 220), "triangles": (40, 170, 60)}


def shape(kind: str, i: int) -> bytes:
    """A coloured shape on white, its place and size varying with i, as PNG bytes (48×40: not square)."""
    rng = np.random.default_rng(i)
    im = Image.new("RGB", (48, 40), "white")
    d = ImageDraw.Draw(im)
    x, y, r = rng.integers(14, 34), rng.integers(12, 28), rng.integers(7, 12)
    if kind == "circles":
        d.ellipse((x - r, y - r, x + r, y + r), fill=COLOURS[kind])
    elif kind == "squares":
        d.rectangle((x - r, y - r, x + r, y + r), fill=COLOURS[kind])
    else:
        d.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=COLOURS[kind])
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def shapes_zip(path, n: int = 30):
    with zipfile.ZipFile(path, "w") as zf:
        for kind in COLOURS:
            for i in range(n):
                zf.writestr(f"shapes/{kind}/{i}.png", shape(kind, i))
    return path


def _grid_src(page: Page) -> str | None:
    return (page.locator("#train-grid img").first.get_attribute("src") if page.locator("#train-grid img").count()
            else None)


def test_train_a_gan_on_uploaded_shapes_watch_it_publish_and_play_it(page: Page, app_url, tmp_path):
    archive = shapes_zip(tmp_path / "shapes.zip")
    page.goto(app_url)
    page.get_by_role("tab", name="Train").click()
    # ---- the user's images become a dataset
    page.locator("#train-upload-box").get_by_text("Your images").click()
    page.locator("#train-files input[type=file]").set_input_files(str(archive))
    page.locator("#train-ds-name input, #train-ds-name textarea").first.fill("shapes")
    page.locator("#train-add").click()
    expect(page.locator("#train-data-info")).to_contain_text("90 images in 3 classes", timeout=30_000)
    expect(page.locator("#train-dataset input")).to_have_value(re.compile("shapes"))
    expect(page.locator("#train-size input[value='32']")).to_be_checked()
    # ---- train a GAN for a short run
    steps = page.locator("#train-steps input")
    steps.fill("40")
    steps.press("Tab")
    page.locator("#train-name input, #train-name textarea").first.fill("shapes")
    page.locator("#train-start").click()
    expect(page.locator("#train-status")).to_contain_text("running", timeout=60_000)
    expect(page.locator("#train-grid img")).to_have_count(1, timeout=60_000)
    grids = {_grid_src(page)}
    page.reload()                                                    # the tab finds the running job again
    page.get_by_role("tab", name="Train").click()
    expect(page.locator("#train-status")).to_contain_text(re.compile("running|finished"), timeout=20_000)
    expect(page.locator("#train-name input, #train-name textarea").first).to_have_value("shapes")   # the job's form
    expect(page.locator("#train-size input[value='32']")).to_be_checked()

    def finished() -> bool:                                          # the grid refreshes while it learns
        src = _grid_src(page)
        if src:
            grids.add(src)
        return "finished" in page.locator("#train-status").inner_text()

    wait_until(finished, 240, "the training run to finish (every grid it showed meanwhile noted)")
    expect(page.locator("#train-status")).to_contain_text("finished", timeout=60_000)
    expect(page.locator("#train-status")).to_contain_text("step 40 / 40")
    grids.add(_grid_src(page))
    assert len(grids - {None}) >= 3, grids                           # at least three different grids were shown
    assert page.locator("#train-plot svg path, #train-plot canvas").count() > 0    # the loss plot drew
    page.screenshot(path=str(shot("train-finished")))
    # ---- another person opens the studio: they watch the job, but only its starter may publish it
    other = page.context.browser.new_context(viewport=page.viewport_size)
    try:
        watcher = other.new_page()
        watcher.goto(app_url)
        watcher.get_by_role("tab", name="Train").click()
        expect(watcher.locator("#train-status")).to_contain_text("step 40 / 40", timeout=20_000)
        expect(watcher.locator("#train-status")).to_contain_text("you are watching it")
        expect(watcher.locator("#train-publish")).to_be_disabled()
        expect(watcher.locator("#train-start")).to_be_enabled()                  # nothing runs: they may train
        watcher.screenshot(path=str(shot("train-watcher")))
    finally:
        other.close()
    expect(page.locator("#train-status")).not_to_contain_text("watching")       # the starter, after a reload
    expect(page.locator("#train-publish")).to_be_enabled()
    # ---- publish, then play the new model on the GAN tab
    page.locator("#train-publish").click()
    expect(page.locator("#train-status")).to_contain_text("Published gan/shapes", timeout=120_000)
    page.screenshot(path=str(shot("train-published")))
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    picker = page.locator("#gan-model input")
    picker.click()
    page.get_by_role("option", name="gan/shapes").click()
    expect(page.locator("#gan-label input")).to_have_value("any")
    expect(page.locator("#gan-name textarea")).to_have_value(
        re.compile(r"^seed \d+ · (circles|squares|triangles) · gan/shapes$"), timeout=20_000)
    wait_until(lambda: (records.read(output_image(page, "gan-out")) or {}).get("model") == "gan/shapes", 20,
               "the GAN tab to show a garment of gan/shapes")
    image = output_image(page, "gan-out").convert("RGB")
    rgb = np.asarray(image, dtype=np.float32)
    assert image.width == image.height and image.width % 32 == 0, image.size        # 32 px, enlarged whole
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() > 3, "the new model's garment should be in colour"
    page.screenshot(path=str(shot("train-gan-tab-new-model")))
