"""The model pickers in Debian's chromium: a model published while the page is open is listed (the tab opened,
or ↻), picking it offers its classes and shows its images at its size and in colour; every part of the
Diffusion tab (Sample, Sketch, Repaint, Invert, the race) works with a colour user model."""

import io
import re

import numpy as np
import pytest
from helpers import (
    canvas_pixels,
    output_image,
    pick,
    pick_own,
    saved,
    set_number,
    shot,
    stroke,
    wait_saved,
    wait_until,
    watch_network,
)
from PIL import Image
from playwright.sync_api import Page, expect
from standins import user_checkpoint

from genart.core import records

pytestmark = pytest.mark.e2e


def test_pick_a_published_colour_gan_in_the_gan_tab(page: Page, app_url, user_models):
    page.goto(app_url)
    expect(page.get_by_role("tab", name="GAN Seed Explorer")).to_be_visible(timeout=20_000)
    # published after the page loaded: opening the tab lists it
    user_checkpoint(user_models, "gan", "e2e_sprites", ["red", "blue"], image_size=32, image_channels=3)
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 0 · "), timeout=20_000)
    fashion = output_image(page, "gan-out")
    pick(page, "gan-model", "gan/e2e_sprites")
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 0 · (red|blue) · gan/e2e_sprites$"),
                                                             timeout=20_000)
    im = output_image(page, "gan-out")
    assert fashion.size == (336, 336) and im.size == (320, 320) and im.mode == "RGB"   # 32 px × 10
    a = np.asarray(im).astype(int)
    assert np.abs(a[..., 0] - a[..., 1]).max() > 0                                     # colour
    pick(page, "gan-label", "blue")                                                  # its own classes
    expect(page.locator("#gan-name textarea")).to_have_value("seed 0 · blue · gan/e2e_sprites", timeout=20_000)
    page.screenshot(path=str(shot("gan-model-picker-colour")), full_page=True)
    # the grid was drawn again by the picked model: its cells are 32 px × 4, in colour
    cells = page.locator("#gan-grid button.thumbnail-item img, #gan-grid .thumbnail-item img")
    expect(cells).to_have_count(16, timeout=20_000)

    def sixth_cell() -> Image.Image:
        return Image.open(io.BytesIO(page.request.get(cells.nth(5).get_attribute("src")).body()))

    wait_until(lambda: sixth_cell().size == (128, 128), 20,               # (the Fashion grid may still be shown)
               "the grid drawn again by the picked model (128-px cells)")
    cell = sixth_cell()
    assert cell.size == (128, 128) and cell.mode == "RGB"
    before = saved(page)
    cells.nth(5).click()                                                  # the seed, the last setting changed
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 5 · (red|blue) · gan/e2e_sprites$"),
                                                             timeout=10_000)
    # one published while the tab is open: ↻ lists it
    user_checkpoint(user_models, "gan", "e2e_later", ["one"])
    page.locator("#gan-model-refresh").click()
    page.locator("#gan-model input").click()
    expect(page.get_by_role("option", name="gan/e2e_later", exact=True)).to_be_visible(timeout=10_000)
    page.keyboard.press("Escape")
    page.screenshot(path=str(shot("gan-model-picker-grid")), full_page=True)
    # the Models tab lists them apart from the shipped ones
    page.get_by_role("tab", name="Models").click()
    row = page.locator("#models-table [role=row]", has_text="gan/e2e_sprites")
    expect(row).to_contain_text("user", timeout=10_000)
    expect(page.locator("#models-table [role=row]", has_text="gan/fashion")).to_contain_text("shipped")
    page.screenshot(path=str(shot("models-tab-user-models")), full_page=True)
    # a reload brings the picked model back with its class and image (the browser keeps the tab's settings)
    wait_saved(page, before)                                             # the settings' save
    page.reload()
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    expect(page.locator("#gan-model input")).to_have_value("gan/e2e_sprites", timeout=20_000)
    expect(page.locator("#gan-name textarea")).to_have_value("seed 5 · blue · gan/e2e_sprites", timeout=20_000)
    assert output_image(page, "gan-out").size == (320, 320)


def test_pick_a_user_vae_model(page: Page, app_url, user_models):
    user_checkpoint(user_models, "vae", "e2e_shapes", ["circle", "square", "star"])
    page.goto(app_url)
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.locator("#vae-random").click()              # a Fashion sample of our own (the reload below checks the load's)
    expect(page.locator("#vae-out img").first).to_have_attribute("src", re.compile("gradio_api/file="),
                                                                  timeout=20_000)
    before = page.locator("#vae-out img").first.get_attribute("src")
    settings = saved(page)
    pick(page, "vae-model", "vae/e2e_shapes")
    expect(page.locator("#vae-out img").first).not_to_have_attribute("src", before, timeout=20_000)
    page.get_by_text("Named directions: more of a class").click()
    expect(page.locator("#vae-more-2")).to_contain_text("more star", timeout=10_000)
    expect(page.locator("#vae-more-3")).to_be_hidden()                      # three classes: three sliders
    shown = page.locator("#vae-out img").first.get_attribute("src")
    page.locator("#vae-pc1 input[type=range]").fill("2.5")                  # the sliders move this model's z
    expect(page.locator("#vae-out img").first).not_to_have_attribute("src", shown, timeout=10_000)
    page.screenshot(path=str(shot("vae-model-picker")), full_page=True)
    # a reload brings the picked model back, with its sliders and a sample of it (the browser keeps the setting)
    wait_saved(page, settings)                                           # the settings' save
    page.reload()
    page.get_by_role("tab", name="VAE Latent Lab").click()
    expect(page.locator("#vae-model input")).to_have_value("vae/e2e_shapes", timeout=20_000)
    page.get_by_text("Named directions: more of a class").click()
    expect(page.locator("#vae-more-2")).to_contain_text("more star", timeout=10_000)
    expect(page.locator("#vae-more-3")).to_be_hidden()
    wait_until(lambda: records.read(output_image(page, "vae-out"))["model"] == "vae/e2e_shapes", 20,
               "a sample of the restored model (the load's first sample may be Fashion's)")
    assert records.read(output_image(page, "vae-out"))["model"] == "vae/e2e_shapes"


def _done(page: Page, pattern: str, timeout: int = 60_000):
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(pattern), timeout=timeout)


def test_a_diffusion_model_and_class_picked_at_once_stay_and_come_back_after_a_reload(page: Page, app_url,
                                                                                        user_models):
    """A person who picks a model and one of its classes as soon as the page shows keeps them (nothing the page
    load started puts the first model's classes back), and a reload brings both back with the model's classes
    in every class list, and every part's own controls as they were set: Sketch's strength, seed and class,
    Invert's class and steps, regenerate's class and guidance, Repaint's seed and class."""
    user_checkpoint(user_models, "diffusion", "e2e_picks", ["circle", "square", "star"], image_size=32,
                    image_channels=3)
    network = watch_network(page)
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    pick(page, "diff-model", "diffusion/e2e_picks")
    pick(page, "diff-label", "star")
    # what could put the first model's classes back is something the page load started (or the picks' own
    # answers): wait until the page has no request left in flight, then look
    network.wait_idle()
    expect(page.locator("#diff-label input")).to_have_value("star")
    page.locator("#diff-label input").click()
    expect(page.get_by_role("option", name="circle", exact=True)).to_be_visible()
    expect(page.get_by_role("option", name="Dress", exact=True)).to_have_count(0)
    page.keyboard.press("Escape")
    before = saved(page)
    page.get_by_role("tab", name="Sketch").click()
    set_number(page, "diff-strength", "0.8")
    set_number(page, "diff-sketch-seed", "7", "input")
    pick_own(page, "diff-sketch-label", "square")
    page.get_by_role("tab", name="Invert", exact=True).click()
    pick_own(page, "diff-inv-label", "circle")
    set_number(page, "diff-inv-steps", "20")
    pick_own(page, "diff-regen-label", "star")
    set_number(page, "diff-regen-guidance", "3")
    page.get_by_role("tab", name="Repaint", exact=True).click()
    set_number(page, "diff-inpaint-seed", "3", "input")
    pick_own(page, "diff-inpaint-label", "square")
    wait_saved(page, before)                                             # the settings' save
    page.reload()
    page.get_by_role("tab", name="Diffusion").click()
    expect(page.locator("#diff-model input")).to_have_value("diffusion/e2e_picks", timeout=20_000)
    expect(page.locator("#diff-label input")).to_have_value("star")
    page.get_by_role("tab", name="Sketch").click()
    expect(page.locator("#diff-strength input[type=number]")).to_have_value("0.8")
    expect(page.locator("#diff-sketch-seed input")).to_have_value("7")
    expect(page.locator("#diff-sketch-label input")).to_have_value("square")
    page.get_by_role("tab", name="Invert", exact=True).click()
    expect(page.locator("#diff-inv-label input")).to_have_value("circle")
    expect(page.locator("#diff-inv-steps input[type=number]")).to_have_value("20")
    expect(page.locator("#diff-regen-label input")).to_have_value("star")
    expect(page.locator("#diff-regen-guidance input[type=number]")).to_have_value("3")
    page.get_by_role("tab", name="Repaint", exact=True).click()
    expect(page.locator("#diff-inpaint-seed input")).to_have_value("3")
    expect(page.locator("#diff-inpaint-label input")).to_have_value("square")
    page.locator("#diff-inpaint-label input").click()
    expect(page.get_by_role("option", name="star", exact=True)).to_be_visible(timeout=10_000)
    expect(page.get_by_role("option", name="Dress", exact=True)).to_have_count(0)
    page.screenshot(path=str(shot("diffusion-parts-after-reload")), full_page=True)


def test_every_diffusion_part_with_a_colour_user_model(page: Page, app_url, user_models):
    """Sample, Sketch (drawn with the mouse), Repaint (painted over the result), Invert and regenerate, all with
    a 32-px colour model a person trained: its classes in every class list, colour images (the race with it:
    tests/test_user_models.py)."""
    user_checkpoint(user_models, "diffusion", "e2e_sprites", ["circle", "square", "star"], image_size=32,
                    image_channels=3)
    m = "diffusion/e2e_sprites"
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    pick(page, "diff-model", m)
    pick(page, "diff-label", "star")
    page.locator("#diff-steps input[type=number]").fill("4")
    page.locator("#diff-steps input[type=number]").press("Tab")
    page.locator("#diff-go").click()
    _done(page, r"step 4/4 .* star .* done")
    sampled = output_image(page, "diff-out")
    assert sampled.size == (320, 320) and sampled.mode == "RGB"                       # 32 px × 10, colour
    page.screenshot(path=str(shot("diffusion-user-model-sample")), full_page=True)

    page.get_by_role("tab", name="Sketch").click()
    stroke(page, "diff-sketch", [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7), (0.3, 0.3)])
    expect(page.locator("#diff-noised img").first).to_have_attribute("src", re.compile("gradio_api/file="),
                                                                    timeout=20_000)
    noised = output_image(page, "diff-noised")
    assert noised.size == (224, 224) and noised.mode == "RGB"                        # as the 32-px model sees it
    pick(page, "diff-sketch-label", "square")                                       # its own classes
    page.locator("#diff-go-sketch").click()
    _done(page, r"step 4/4 .* square .* done")
    assert output_image(page, "diff-out").size == (320, 320)
    page.screenshot(path=str(shot("diffusion-user-model-sketch")), full_page=True)

    page.get_by_role("tab", name="Repaint", exact=True).click()
    editor = "#diff-inpaint-editor canvas"

    def white() -> float:                                                            # the editor's empty share
        return float((canvas_pixels(page, editor).min(axis=2) > 250).mean())

    empty = white()
    page.locator("#diff-inpaint-use").click()                                         # the dream just made
    wait_until(lambda: white() < empty - 0.2, 20, "the dream to show in the Repaint editor")
    stroke(page, "diff-inpaint-editor", [(0.45, 0.2), (0.55, 0.3), (0.45, 0.4), (0.55, 0.5), (0.45, 0.6)])
    pick(page, "diff-inpaint-label", "circle")
    page.locator("#diff-go-inpaint").click()
    _done(page, r"move \d+/\d+ .* circle .* px repainted · done", 120_000)
    page.screenshot(path=str(shot("diffusion-user-model-repaint")), full_page=True)
    assert output_image(page, "diff-out").size == (320, 320)

    page.get_by_role("tab", name="Invert", exact=True).click()
    page.locator("#diff-inv-use").click()
    expect(page.locator("#diff-inv-image img").first).to_have_attribute("src", re.compile("gradio_api/file="),
                                                                       timeout=20_000)
    page.locator("#diff-inv-steps input[type=number]").fill("10")
    page.locator("#diff-inv-steps input[type=number]").press("Tab")
    page.locator("#diff-go-invert").click()
    expect(page.locator("#diff-inv-summary")).to_contain_text("mean absolute error", timeout=90_000)
    expect(page.locator("#diff-inv-summary")).to_contain_text(re.compile(r"as (circle|square|star)\)"))
    assert output_image(page, "diff-inv-noise").mode == "RGB"                              # its x_T, in colour
    pick(page, "diff-regen-label", "star")
    page.locator("#diff-go-regen").click()
    _done(page, r"star .* done · differs from the original")
    page.screenshot(path=str(shot("diffusion-user-model-invert")), full_page=True)

