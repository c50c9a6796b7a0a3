"""A person's path through the Neural style tab in Debian's chromium: paint with a style image, then pick two
built-in styles from the thumbnails and blend them."""

import re

import pytest
from playwright.sync_api import Page, expect

from genart.core.registry import ASSETS

EXAMPLES = ASSETS / "examples"

pytestmark = pytest.mark.e2e


def test_style_image_then_a_blend_of_built_in_styles(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Neural style").click()
    page.locator("#neural-content input[type=file]").set_input_files(str(EXAMPLES / "coffee.jpg"))
    page.locator("#neural-style input[type=file]").set_input_files(str(EXAMPLES / "style_hubble.jpg"))
    # the tab opens on an example photo: wait for ours, or Paint would paint the example
    expect(page.locator("#neural-content img")).to_have_attribute("src", re.compile(r"coffee"), timeout=15_000)
    page.locator("#neural-go").click()
    info = page.locator("#neural-info textarea")
    expect(info).to_have_value(re.compile(r"^style image: 512×341 px in [\d.]+ s on cpu$"), timeout=60_000)
    expect(page.locator("#neural-out img").first).to_have_attribute("src", re.compile(r"gradio_api/file="))
    first = page.locator("#neural-out img").first.get_attribute("src")

    page.locator("#neural-mode").get_by_text("Built-in styles").click()
    cells = page.locator("#neural-gallery .thumbnail-item")
    expect(cells).to_have_count(26, timeout=10_000)
    cells.nth(5).click()                                   # replaces the selection: fauve flames alone
    expect(page.locator("#neural-builtin")).not_to_contain_text("starry swirls", timeout=5_000)
    page.locator("#neural-add input").check()
    cells.nth(19).click()                                  # added to the blend
    expect(page.locator("#neural-builtin")).to_contain_text("fauve flames", timeout=5_000)
    expect(page.locator("#neural-builtin")).to_contain_text("starry swirls")
    page.locator("#neural-go").click()
    expect(info).to_have_value(re.compile(r"^built-in fauve flames, starry swirls: 512×341 px"), timeout=60_000)
    expect(page.locator("#neural-out img").first).not_to_have_attribute("src", first or "", timeout=10_000)
