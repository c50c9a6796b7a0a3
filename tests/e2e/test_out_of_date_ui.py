"""Every tab opens with something rendered; a result whose controls the user changed says it is out of date."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_neural_style_opens_painted_and_says_when_it_is_out_of_date(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Neural style").click()
    expect(page.locator("#neural-out img")).to_be_visible(timeout=60_000)          # the example, already painted
    expect(page.locator("#neural-info textarea")).to_have_value(re.compile(r"^An example"))
    label = page.locator("#neural-out [data-testid=block-label]")
    expect(label).to_have_text("Result")
    page.locator("#neural-keep").click()                                           # the user changes a control
    expect(label).to_contain_text("out of date", timeout=10_000)
    page.locator("#neural-go").click()
    expect(label).to_have_text("Result", timeout=10_000)
    expect(page.locator("#neural-info textarea")).to_have_value(re.compile(r"style image: 451×300 px"), timeout=60_000)


def test_the_seed_arrows_step_in_the_browser_and_the_garment_follows(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 0 · "), timeout=20_000)
    page.locator("#gan-next").click()
    page.locator("#gan-next").click()
    expect(page.locator("#gan-seed input")).to_have_value("2")
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 2 · "), timeout=20_000)
    page.locator("#gan-prev").click()
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 1 · "), timeout=20_000)


def test_a_diffusion_result_says_when_its_controls_changed(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    label = page.locator("#diff-out [data-testid=block-label]")
    expect(page.locator("#diff-out img")).to_be_visible(timeout=60_000)            # the opening run
    expect(label).to_have_text("x_t")
    page.locator("#diff-seed input").fill("5")
    page.locator("#diff-seed input").press("Enter")
    expect(label).to_contain_text("out of date", timeout=10_000)
    page.locator("#diff-go").click()
    expect(label).to_have_text("x_t", timeout=10_000)


def test_a_second_seed_arrow_click_while_the_first_garment_is_coming_is_not_dropped(app_url):
    """Clicking ▶ twice while the server is busy: the box said seed 6 and the garment stayed seed 5 in 4 of 8
    tries (Gradio's default trigger mode, "once", drops a trigger while the event is pending). The garment
    event after each arrow runs again for the last click."""
    import httpx
    config = httpx.get(f"{app_url}config").json()
    arrows = {d["id"] for d in config["dependencies"] if d.get("js") and "Math.round(Number(s)" in d["js"]}
    follow = [d for d in config["dependencies"] if d.get("trigger_after") in arrows]
    assert len(arrows) == 2 and len(follow) == 2
    assert all(d["trigger_mode"] == "always_last" for d in follow)
