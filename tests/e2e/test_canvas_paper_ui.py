"""A sketch canvas takes the paper of the model picked (`genart.core.paper`): a colour model trained on dark
backgrounds gets a canvas of its paper with light ink, in Diffusion's Sketch part and in the VAE lab, and a
reload keeps it. In Debian's chromium, drawn with the mouse."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from standins import user_checkpoint
from test_model_picker_ui import _pick, _shot, _stroke
from test_studio_ui import saved, wait_saved

pytestmark = pytest.mark.e2e


def _canvas_colours(page: Page, elem_id: str) -> tuple[np.ndarray, float]:
    """What a person sees of a canvas's middle (inside the paper, around the strokes of these tests): (its centre
    pixel's RGB, the share of its pixels brighter than 200)."""
    canvas = page.locator(f"#{elem_id} canvas").first
    shot = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"))
    h, w, _ = shot.shape
    middle = shot[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    return shot[h // 2, w // 2].astype(int), float((middle.min(axis=2) > 200).mean())


def test_the_sketch_canvas_takes_a_dark_models_paper_and_light_ink(page: Page, app_url, user_models):
    """A colour model trained on dark backgrounds: picking it turns the empty Sketch canvas to its paper, with
    light ink, and the hint says so; a stroke drawn with the mouse is light on it; a clear keeps its paper; the
    Fashion-MNIST model brings white paper and black ink back."""
    user_checkpoint(user_models, "diffusion", "e2e_night", ["circle", "square"], paper=[20, 24, 60], image_size=32,
                    image_channels=3)
    page.goto(app_url)
    page.get_by_role("tab", name="Diffusion").click()
    page.get_by_role("tab", name="Sketch").click()
    expect(page.locator("#diff-sketch-hint")).to_contain_text("dark lines on white")
    _pick(page, "diff-model", "diffusion/e2e_night")
    expect(page.locator("#diff-sketch-hint")).to_contain_text("light lines", timeout=20_000)
    page.locator("#diff-sketch canvas").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    centre, light = _canvas_colours(page, "diff-sketch")
    assert np.abs(centre - [20, 24, 60]).max() <= 6 and light < 0.01                 # the model's paper, empty
    _stroke(page, "diff-sketch", [(0.3, 0.5), (0.4, 0.5), (0.5, 0.5), (0.6, 0.5), (0.7, 0.5)])
    page.wait_for_timeout(500)
    assert _canvas_colours(page, "diff-sketch")[1] > 0.002                            # light ink on it
    page.screenshot(path=str(_shot("diffusion-sketch-dark-paper")), full_page=True)
    page.locator("#diff-sketch button[aria-label='Clear canvas']").click()
    page.wait_for_timeout(1000)
    centre, light = _canvas_colours(page, "diff-sketch")
    assert np.abs(centre - [20, 24, 60]).max() <= 6 and light < 0.01                 # cleared: still its paper
    _pick(page, "diff-model", "diffusion/fashion")
    expect(page.locator("#diff-sketch-hint")).to_contain_text("dark lines on white", timeout=20_000)
    page.wait_for_timeout(500)
    centre, light = _canvas_colours(page, "diff-sketch")
    assert (centre >= 250).all() and light > 0.9                                      # white paper again
    _stroke(page, "diff-sketch", [(0.3, 0.5), (0.5, 0.5), (0.7, 0.5)])
    page.wait_for_timeout(500)
    shot = np.asarray(Image.open(io.BytesIO(page.locator("#diff-sketch canvas").first.screenshot())).convert("L"))
    h, w = shot.shape
    assert (shot[h // 4: 3 * h // 4, w // 4: 3 * w // 4] < 60).mean() > 0.002                   # black ink
    # the VAE lab's canvas does the same, and a reload (the model restored from the browser's settings) keeps it
    user_checkpoint(user_models, "vae", "e2e_night", ["circle", "square"], paper=[20, 24, 60], image_size=32,
                    image_channels=3)
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.get_by_role("tab", name="Sketch").click()
    expect(page.locator("#vae-sketch-hint")).to_contain_text("dark lines on white")
    before = saved(page)
    _pick(page, "vae-model", "vae/e2e_night")
    expect(page.locator("#vae-sketch-hint")).to_contain_text("light lines", timeout=20_000)
    wait_saved(page, before)                                             # the settings' save
    page.reload()
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.get_by_role("tab", name="Sketch").click()
    expect(page.locator("#vae-model input")).to_have_value("vae/e2e_night", timeout=20_000)
    expect(page.locator("#vae-sketch-hint")).to_contain_text("light lines", timeout=20_000)
    page.locator("#vae-sketch canvas").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    centre, light = _canvas_colours(page, "vae-sketch")
    assert np.abs(centre - [20, 24, 60]).max() <= 6 and light < 0.01
    _stroke(page, "vae-sketch", [(0.3, 0.5), (0.5, 0.5), (0.7, 0.5)])
    page.wait_for_timeout(500)
    assert _canvas_colours(page, "vae-sketch")[1] > 0.002
    page.screenshot(path=str(_shot("vae-sketch-dark-paper-after-reload")), full_page=True)
