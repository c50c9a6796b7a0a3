"""The diffusion tab's "Run it backwards" in Debian's chromium: an uploaded coat → its x_T → the same x_T
regenerated as a dress; and the Advanced knobs reach the run."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import TROUSER, canvas_pixels, draw, output_image, pick, set_number, shot, wait_until
from PIL import Image
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def coat_png(tmp_path) -> Path:
    from genart.data.datasets import load_dataset
    x, y = load_dataset("fashion-mnist", "test")
    p = tmp_path / "coat.png"
    Image.fromarray(x[np.flatnonzero(y == 4)[0]]).resize((112, 112), Image.NEAREST).save(p)
    return p


def test_an_uploaded_coat_runs_backwards_and_comes_back_as_a_dress(page: Page, app_url, coat_png, checkpoint_root):
    from genart.core.registry import Registry
    from genart.data.datasets import CLASSES, to_tensor

    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    page.get_by_role("tab", name="Invert", exact=True).click()
    page.locator("#diff-inv-image input[type=file]").set_input_files(str(coat_png))
    expect(page.locator("#diff-inv-image img").first).to_have_attribute("src", re.compile("gradio_api/file="),
                                                                       timeout=20_000)
    pick(page, "diff-inv-label", "Coat")
    set_number(page, "diff-inv-steps", "25")
    page.locator("#diff-go-invert").click()
    summary = page.locator("#diff-inv-summary")
    expect(summary).to_contain_text("mean absolute error", timeout=90_000)
    mae = float(re.search(r"error (\d\.\d+)", summary.inner_text()).group(1))
    assert mae < 0.05
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"step 25/25 .* done · round-trip"))
    page.screenshot(path=str(shot("diffusion-coat-inverted")), full_page=True)

    pick(page, "diff-regen-label", "Dress")
    set_number(page, "diff-regen-guidance", "3")
    page.locator("#diff-go-regen").click()
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"Dress .* done · differs from the original"),
                                                              timeout=90_000)
    page.screenshot(path=str(shot("diffusion-coat-as-a-dress")), full_page=True)
    dress = output_image(page, "diff-out").convert("L").resize((28, 28), Image.NEAREST)
    classifier = Registry(checkpoint_root).get("classifier/fashion").eval()
    with torch.no_grad():
        read = CLASSES[int(classifier(to_tensor(np.asarray(dress)[None])).argmax())]
    assert read == "Dress"


def test_repaint_a_sleeve_drawn_over_an_uploaded_coat(page: Page, app_url, coat_png):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    page.get_by_role("tab", name="Repaint", exact=True).click()
    with page.expect_file_chooser() as chooser:
        page.locator("#diff-inpaint-editor button[aria-label='Upload']").first.click()
    chooser.value.set_files(str(coat_png))
    # the coat (light on black) is on the editor's canvas before we paint over it
    wait_until(lambda: (canvas_pixels(page, "#diff-inpaint-editor canvas", "L") < 100).mean() > 0.2, 20,
               "the uploaded coat to show in the Repaint editor")
    canvas = page.locator("#diff-inpaint-editor canvas").first
    box = canvas.bounding_box()
    side = min(box["width"], box["height"])                       # the coat fills a centred square
    x0, y0 = box["x"] + (box["width"] - side) / 2, box["y"] + (box["height"] - side) / 2
    page.mouse.move(x0 + side * 0.15, y0 + side * 0.3)
    page.mouse.down()
    for k in range(12):                                           # a zigzag over the left sleeve
        page.mouse.move(x0 + side * (0.08 + 0.2 * (k % 2)), y0 + side * (0.3 + 0.04 * k), steps=4)
    page.mouse.up()
    page.screenshot(path=str(shot("diffusion-repaint-painted")), full_page=True)
    set_number(page, "diff-steps", "20")
    page.locator("#diff-go-inpaint").click()
    info = page.locator("#diff-info textarea")
    expect(info).to_have_value(re.compile(r"move 60/60 .* px repainted · done"), timeout=120_000)
    page.screenshot(path=str(shot("diffusion-repainted")), full_page=True)
    repainted = int(re.search(r"(\d+) px repainted", info.input_value()).group(1))
    assert 10 < repainted < 300


def test_the_advanced_knobs_reach_the_run(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    page.locator("#diff-advanced").click()
    pick(page, "diff-spacing", "karras")
    pick(page, "diff-sampler", "unipc")
    set_number(page, "diff-steps", "6")
    set_number(page, "diff-rescale", "0.5")
    page.locator("#diff-go").click()
    expect(page.locator("#diff-info textarea")).to_have_value(
        re.compile(r"step 6/6 .* unipc .* spacing karras · guidance rescale 0.5 · done"), timeout=60_000)
    page.screenshot(path=str(shot("diffusion-advanced")), full_page=True)


def test_the_sampler_race_shows_every_sampler_against_the_reference(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    page.locator("#diff-race").click()
    set_number(page, "diff-race-steps", "5")
    page.locator("#diff-go-race").click()
    table = page.locator("#diff-race-table")
    for name in ("ddim", "dpm++2m", "unipc", "euler_a"):
        expect(table).to_contain_text(name, timeout=90_000)
    expect(page.locator("#diff-race-view img").first).to_have_attribute("src", re.compile("gradio_api/file="))
    expect(table.locator("tbody tr").first).to_contain_text("5", timeout=90_000)
    page.locator("#diff-race").scroll_into_view_if_needed()
    page.screenshot(path=str(shot("diffusion-race")), full_page=True)


def test_a_generated_garment_runs_backwards_too(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"A finished run"), timeout=30_000)
    page.get_by_role("tab", name="Invert", exact=True).click()
    page.locator("#diff-inv-use").click()                                  # the welcome run's garment
    expect(page.locator("#diff-inv-image img").first).to_have_attribute("src", re.compile("gradio_api/file="),
                                                                       timeout=20_000)
    set_number(page, "diff-inv-steps", "10")
    page.locator("#diff-go-invert").click()
    expect(page.locator("#diff-inv-summary")).to_contain_text("mean absolute error", timeout=90_000)
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"step 10/10 .* round-trip error"))


def test_an_uploaded_drawing_lands_on_the_canvas_and_the_noised_preview_follows(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    page.get_by_role("tab", name="Sketch").first.click()
    with page.expect_file_chooser() as chooser:
        page.locator("#diff-sketch-upload").click()
    chooser.value.set_files(str(Path(__file__).parents[1] / "drawings" / "Ankle_boot_0.png"))
    noised = page.locator("#diff-noised img")
    expect(noised).to_have_count(1, timeout=20_000)                # the upload's preview
    ink = canvas_pixels(page, "#diff-sketch canvas", "L") < 100
    assert ink.mean() > 0.02, "the uploaded drawing is not on the canvas"
    upload_src = noised.get_attribute("src")

    draw(page, "#diff-sketch canvas", TROUSER)                      # drawn over the upload: a new preview
    expect(noised).not_to_have_attribute("src", upload_src, timeout=20_000)
    drawn_src = noised.get_attribute("src")
    track = page.locator("#diff-strength input[type=range]")       # a click on the slider's track
    box = track.bounding_box()
    track.click(position={"x": 0.3 * box["width"], "y": box["height"] / 2})
    expect(page.locator("#diff-strength input[type=number]")).not_to_have_value("0.6")
    expect(noised).not_to_have_attribute("src", drawn_src, timeout=20_000)

    page.locator("#diff-sketch button[aria-label='Clear canvas']").click()
    expect(noised).to_have_count(0, timeout=20_000)                 # nothing drawn: nothing to noise
    page.screenshot(path=str(shot("diffusion-sketch-upload-cleared")), full_page=True)

