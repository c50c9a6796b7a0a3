"""A person's path through the Painting Styles tab, in Debian's chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from genart.core.registry import ASSETS

EXAMPLES = ASSETS / "examples"

pytestmark = pytest.mark.e2e


def _opened(page: Page, app_url):
    """The tab has opened on its example photo and painted its preview (the page load is done)."""
    page.goto(app_url)
    expect(page.locator("#styles-info textarea")).to_have_value(re.compile(r"^Preview"), timeout=30_000)


def test_upload_pick_a_style_see_the_result(page: Page, app_url):
    _opened(page, app_url)
    page.locator("#styles-photo input[type=file]").set_input_files(str(EXAMPLES / "coffee.jpg"))
    expect(page.locator("#styles-photo img")).to_have_attribute("src", re.compile(r"coffee"), timeout=15_000)
    page.locator("#styles-style input").click()
    page.get_by_role("option", name="Watercolor").click()
    expect(page.locator("#styles-p1 label").first).not_to_have_text("", timeout=5_000)
    page.locator("#styles-paint").click()
    expect(page.locator("#styles-info textarea")).to_have_value(re.compile(r"Watercolor: 512×341 px"),
                                                                timeout=30_000)
    expect(page.locator("#styles-result img").first).to_have_attribute("src", re.compile(r"gradio_api/file="))
    expect(page.locator("#styles-download a, #styles-download")).to_be_visible()


def test_bad_upload_shows_a_message_not_a_traceback(page: Page, app_url, tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_bytes(b"plain text, not a png\n" * 30)
    _opened(page, app_url)
    page.locator("#styles-photo input[type=file]").set_input_files(str(fake))
    page.locator("#styles-paint").click()
    expect(page.get_by_text(re.compile("not an image we can read")).first).to_be_visible(timeout=20_000)
