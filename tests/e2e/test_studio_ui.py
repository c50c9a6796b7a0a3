"""The studio as a person uses it, in Debian's chromium with the mouse: draw, clear, draw again and encode;
a user error is one toast, not red badges over the work; the GAN follows its controls; a downloaded PNG
goes back in and replays identical; its settings come back in their tab; the diffusion steps stay
visible while they run."""

import re

import pytest
from helpers import (
    BAG,
    TROUSER,
    canvas_pixels,
    download,
    draw,
    history_items,
    img_src,
    keep_gan,
    saved,
    shot,
    wait_saved,
    wait_until,
    watch_network,
)
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_draw_clear_draw_again_and_encode(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.get_by_role("tab", name="Sketch").first.click()
    canvas = "#vae-sketch canvas"

    def ink() -> float:
        return float((canvas_pixels(page, canvas, "L") < 100).mean())

    blank = ink()
    draw(page, canvas, TROUSER)
    wait_until(lambda: ink() > blank + 0.01, 10, "the trouser drawn to show on the canvas")
    page.locator("#vae-sketch button[aria-label='Clear canvas']").click()
    wait_until(lambda: ink() <= blank + 0.002, 10, "the cleared canvas to be blank again")
    draw(page, canvas, BAG)                                        # the brush still draws after a clear
    page.locator("#vae-encode-sketch").click()
    expect(page.locator("#vae-reading")).to_contain_text("The VAE reads this as", timeout=20_000)
    expect(page.locator("#vae-out img").first).to_have_attribute("src", re.compile("gradio_api/file="))
    page.screenshot(path=str(shot("vae-sketch-encoded")))


def test_a_user_error_is_one_toast_and_no_error_badges(page: Page, app_url):
    network = watch_network(page)
    page.goto(app_url)
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.locator("#vae-random").click()
    expect(page.locator("#vae-out img").first).to_have_attribute("src", re.compile("gradio_api/file="),
                                                                  timeout=20_000)
    network.wait_idle()                                              # the page-load sample and ours both landed
    before = img_src(page, "#vae-out")
    page.get_by_role("tab", name="Sketch").first.click()
    page.locator("#vae-encode-sketch").click()                     # nothing drawn
    expect(page.get_by_text("The picture is blank")).to_be_visible(timeout=10_000)
    # what could still put error badges up or change the result: the encode's own answer (the toast came with
    # it) and anything else the page had pending, so wait for the page's requests to be done, then look
    network.wait_idle()
    assert page.locator(".error").count() == 0 and page.get_by_text(re.compile(r"^Error$")).count() == 0
    assert page.locator("#vae-out img").first.get_attribute("src") == before      # the work is untouched


def test_the_gan_follows_its_class_without_a_button(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 0 · "), timeout=20_000)
    page.locator("#gan-label input").fill("Trouser")
    page.locator("#gan-label input").press("Enter")
    expect(page.locator("#gan-name textarea")).to_have_value("seed 0 · Trouser", timeout=10_000)


def test_a_downloaded_png_replays_identical_and_restores_its_settings(page: Page, app_url, tmp_path):
    page.goto(app_url)
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    page.locator("#gan-seed input").fill("11")
    page.locator("#gan-seed input").press("Enter")
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 11 · "), timeout=20_000)
    png = tmp_path / "downloaded.png"
    download(page, "#gan-out", png)
    page.get_by_role("tab", name="Records").click()
    page.locator("#records-png input[type=file]").set_input_files(str(png))
    expect(page.locator("#records-what")).to_contain_text("gan_generate · seed 11", timeout=20_000)
    page.locator("#records-replay").click()
    expect(page.locator("#records-verdict")).to_contain_text("Identical", timeout=20_000)
    page.screenshot(path=str(shot("records-identical")))
    page.locator("#records-restore").click()
    expect(page.locator("#gan-seed input")).to_have_value("11", timeout=10_000)
    expect(page.locator("#gan-seed input")).to_be_visible()         # the GAN tab is open again


def test_diffusion_steps_stay_visible_while_they_run(page: Page, app_url):
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    steps = page.locator("#diff-steps input[type=number]")
    steps.fill("120")
    steps.press("Tab")
    page.locator("#diff-go").click()
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"step \d+/120"), timeout=30_000)
    # while it runs: the images being watched carry no progress overlay
    for sel in ("#diff-out", "#diff-inside", "#diff-plot", "#diff-timeline"):
        assert page.locator(f"{sel} .progress-text, {sel} .eta-bar").count() == 0, sel
    page.screenshot(path=str(shot("diffusion-running")))
    expect(page.locator("#diff-info textarea")).to_have_value(re.compile(r"step 120/120 .* done"), timeout=60_000)


def test_a_reload_keeps_settings_and_history(page: Page, app_url):
    page.goto(app_url)
    keep_gan(page, "23", "Dress")
    expect(history_items(page)).to_have_count(1, timeout=20_000)
    page.get_by_role("tab", name="Diffusion").click()
    before = saved(page)
    page.locator("#diff-steps input[type=number]").fill("7")
    page.locator("#diff-steps input[type=number]").press("Tab")
    wait_saved(page, before)
    page.reload()
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    expect(page.locator("#gan-seed input")).to_have_value("23", timeout=20_000)
    expect(page.locator("#gan-label input")).to_have_value("Dress")
    expect(page.locator("#gan-name textarea")).to_have_value("seed 23 · Dress", timeout=20_000)
    expect(history_items(page)).to_have_count(1, timeout=20_000)
    page.get_by_role("tab", name="Diffusion").click()
    expect(page.locator("#diff-steps input[type=number]")).to_have_value("7")
    page.screenshot(path=str(shot("after-reload")), full_page=True)


def test_two_browsers_do_not_see_each_others_history(browser, app_url):
    one, two = browser.new_context(), browser.new_context()
    try:
        a, b = one.new_page(), two.new_page()
        a.goto(app_url)
        keep_gan(a, "31", "Bag")
        expect(history_items(a)).to_have_count(1, timeout=20_000)
        b.goto(app_url)
        b.get_by_role("tab", name="GAN Seed Explorer").click()
        expect(b.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed 0 · "), timeout=20_000)
        assert history_items(b).count() == 0
        expect(b.locator("#gan-seed input")).to_have_value("0")
    finally:
        one.close()
        two.close()


def test_send_a_gan_garment_to_the_vae_lab(page: Page, app_url):
    page.goto(app_url)
    keep_gan(page, "5", "Trouser")
    expect(history_items(page)).to_have_count(1, timeout=20_000)
    history_items(page).first.click()
    expect(page.locator("#history-about")).to_contain_text("gan_generate · seed 5", timeout=10_000)
    page.locator("#history-to-vae").click()
    expect(page.locator("#vae-reading")).to_contain_text("Trouser", timeout=20_000)
    page.screenshot(path=str(shot("sent-to-vae")), full_page=True)


def test_send_a_gan_garment_to_painting_styles(page: Page, app_url):
    page.goto(app_url)
    keep_gan(page, "8", "Pullover")
    expect(history_items(page)).to_have_count(1, timeout=20_000)
    history_items(page).first.click()
    page.locator("#history-to-photo").click()
    expect(page.locator("#styles-photo img")).to_have_attribute("src", re.compile(r"/h-"), timeout=20_000)
    # the 336-px garment (28 px with square pixels) is enlarged smoothly: 512 px for the preview, 1024 to paint
    expect(page.locator("#styles-info textarea")).to_have_value(re.compile(r"^Preview \(512×512 px"), timeout=20_000)
    page.locator("#styles-paint").click()
    expect(page.locator("#styles-info textarea")).to_have_value(re.compile(r"1024×1024 px in"), timeout=30_000)
    page.screenshot(path=str(shot("sent-to-styles")), full_page=True)


def test_painting_styles_settings_survive_a_reload(page: Page, app_url):
    page.goto(app_url)
    expect(page.locator("#styles-info textarea")).to_have_value(re.compile(r"^Preview"), timeout=20_000)
    before = saved(page)
    page.locator("#styles-style input").click()
    page.get_by_role("option", name="Watercolor").click()
    expect(page.locator("#styles-info textarea")).to_have_value(re.compile(r"^Preview"), timeout=20_000)
    wait_saved(page, before)
    page.reload()
    expect(page.locator("#styles-style input")).to_have_value("Watercolor", timeout=20_000)
