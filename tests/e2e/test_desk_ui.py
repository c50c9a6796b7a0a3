"""The designer's desk as a designer uses it, in Debian's chromium with the mouse: draw a dress, make
variations, keep two on the board, compare them, apply a colourway and export the line sheet (PNG + PDF)."""

import re

import pytest
from helpers import draw, shot
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# a dress with a fitted waist, in fractions of the canvas box (the 280-px image sits in its middle)
DRESS = [[(0.46, 0.2), (0.54, 0.2), (0.55, 0.38), (0.53, 0.46), (0.6, 0.8), (0.4, 0.8), (0.47, 0.46),
          (0.45, 0.38), (0.46, 0.2)]]


def _selected(k: int):
    """Matches the answer to a click on variation k: the gallery's select event (queue=False: one POST), which
    tells the server the variation Keep keeps."""
    def answer(response) -> bool:
        if "/gradio_api/run/predict" not in response.url:
            return False
        event = (response.request.post_data_json or {}).get("event_data") or {}
        return isinstance(event, dict) and event.get("index") == k
    return answer


def test_sketch_to_variations_to_board_to_line_sheet(page: Page, app_url):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(app_url)
    page.get_by_role("tab", name="Designer's Desk").click()
    draw(page, "#desk-sketch canvas", DRESS)
    page.locator("#desk-vary").click()
    expect(page.locator("#desk-reading")).to_contain_text("The sketch reads as", timeout=60_000)
    variations = page.locator("#desk-variations .thumbnail-item")
    expect(variations).to_have_count(4, timeout=30_000)
    for k in (0, 2):                                                    # keep two of the four
        with page.expect_response(_selected(k)):                      # the server knows which one is picked
            variations.nth(k).click()
        page.locator("#desk-keep").click()
        expect(page.locator("#desk-board .thumbnail-item")).to_have_count(k // 2 + 1, timeout=20_000)
    page.locator("#desk-compare-go").click()
    expect(page.locator("#desk-compare img")).to_have_attribute("src", re.compile("gradio_api/file="), timeout=20_000)
    page.locator("#desk-colours textarea").fill("navy, #c0392b, #e8c547")
    page.locator("#desk-apply").click()
    page.locator("#desk-export").click()
    expect(page.locator("#desk-sheet img")).to_have_attribute("src", re.compile("gradio_api/file="), timeout=30_000)
    links = page.locator("#desk-sheet-files a")
    expect(links).to_have_count(2, timeout=10_000)
    names = sorted(links.evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    assert names[0].endswith(".pdf") and names[1].endswith(".png"), names
    page.screenshot(path=str(shot("desk-line-sheet")), full_page=True)
    # the sheet itself, as exported
    src = page.locator("#desk-sheet img").get_attribute("src")
    body = page.request.get(src if src.startswith("http") else app_url.rstrip("/") + src).body()
    assert body[:4] == b"\x89PNG"
    shot("desk-line-sheet-file").write_bytes(body)
