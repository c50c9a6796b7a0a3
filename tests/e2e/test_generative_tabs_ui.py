"""The generative tabs in Debian's chromium: VAE slider, GAN grid click, diffusion steps and timeline (the Models
tab itself is not driven here)."""

import re

import pytest
from helpers import img_src
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_vae_slider_changes_the_image(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.locator("#vae-random").click()
    expect(page.locator("#vae-out img").first).to_have_attribute("src", re.compile("gradio_api/file="),
                                                                  timeout=20_000)
    before = img_src(page, "#vae-out")
    page.locator("#vae-pc1 input[type=range]").fill("2.5")
    expect(page.locator("#vae-out img").first).not_to_have_attribute("src", before, timeout=10_000)
    after = img_src(page, "#vae-out")
    page.locator("#vae-reset").click()
    expect(page.locator("#vae-pc1 input[type=number]")).to_have_value("0", timeout=10_000)
    expect(page.locator("#vae-out img").first).not_to_have_attribute("src", after, timeout=10_000)


def test_gan_grid_cell_click_sets_the_seed(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    page.locator("#gan-seed input").fill("40")
    page.locator("#gan-grid-go").click()
    cells = page.locator("#gan-grid button.thumbnail-item, #gan-grid .thumbnail-item")
    expect(cells).to_have_count(16, timeout=20_000)
    cells.nth(5).click()
    expect(page.locator("#gan-seed input")).to_have_value("45", timeout=10_000)
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 45 · "), timeout=10_000)
    expect(page.locator("#gan-out img").first).to_have_attribute("src", re.compile("gradio_api/file="))


def test_diffusion_runs_steps_and_scrubs_the_timeline(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    steps = page.locator("#diff-steps input[type=number]")
    steps.fill("5")
    steps.press("Tab")
    page.locator("#diff-go").click()
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"step 5/5 .* done"), timeout=30_000)
    final = img_src(page, "#diff-out")
    timeline = page.locator("#diff-timeline input[type=number]")
    expect(timeline).to_have_value("5")
    timeline.fill("2")
    timeline.press("Tab")                                                      # blur → release
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"showing step 2/5"), timeout=10_000)
    expect(page.locator("#diff-out img").first).not_to_have_attribute("src", final)
