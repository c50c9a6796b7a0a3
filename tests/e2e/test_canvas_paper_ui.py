"""A sketch canvas takes the paper of the model picked (`genart.core.paper`): a colour model trained on dark
backgrounds gets a canvas of its paper with light ink, in Diffusion's Sketch part and in the VAE lab, and a
reload keeps it. In Debian's chromium, drawn with the mouse."""

import numpy as np
import pytest
from helpers import canvas_pixels, pick, saved, shot, stroke, wait_saved, wait_until
from playwright.sync_api import Page, expect
from standins import user_checkpoint

pytestmark = pytest.mark.e2e


def _canvas_colours(page: Page, elem_id: str) -> tuple[np.ndarray, float]:
    """What a person sees of a canvas's middle (inside the paper, around the strokes of these tests): (its centre
    pixel's RGB, the share of its pixels brighter than 200)."""
    seen = canvas_pixels(page, f"#{elem_id} canvas")
    h, w, _ = seen.shape
    middle = seen[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    return seen[h // 2, w // 2].astype(int), float((middle.min(axis=2) > 200).mean())


def _on_paper(page: Page, elem_id: str, paper: list[int]) -> bool:
    """The canvas's middle is empty paper of colour `paper` (its centre within 6 of it, next to no light pixel)."""
    centre, light = _canvas_colours(page, elem_id)
    return np.abs(centre - paper).max() <= 6 and light < 0.01


def _black_ink(page: Page, elem_id: str) -> float:
    """The share of dark (< 60) pixels in the middle of the element's canvas."""
    seen = canvas_pixels(page, f"#{elem_id} canvas", "L")
    h, w = seen.shape
    return float((seen[h // 4: 3 * h // 4, w // 4: 3 * w // 4] < 60).mean())


NIGHT = [20, 24, 60]


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
    pick(page, "diff-model", "diffusion/e2e_night")
    expect(page.locator("#diff-sketch-hint")).to_contain_text("light lines", timeout=20_000)
    page.locator("#diff-sketch canvas").first.scroll_into_view_if_needed()
    wait_until(lambda: _on_paper(page, "diff-sketch", NIGHT), 10, "the empty Sketch canvas to take the model's paper")
    centre, light = _canvas_colours(page, "diff-sketch")
    assert np.abs(centre - [20, 24, 60]).max() <= 6 and light < 0.01                 # the model's paper, empty
    empty = light + 0.001                                # the empty paper's light share (a stroke: over 0.002)
    stroke(page, "diff-sketch", [(0.3, 0.5), (0.4, 0.5), (0.5, 0.5), (0.6, 0.5), (0.7, 0.5)])
    wait_until(lambda: _canvas_colours(page, "diff-sketch")[1] > 0.002, 10, "the stroke to show on the canvas")
    assert _canvas_colours(page, "diff-sketch")[1] > 0.002                            # light ink on it
    page.screenshot(path=str(shot("diffusion-sketch-dark-paper")), full_page=True)
    page.locator("#diff-sketch button[aria-label='Clear canvas']").click()
    wait_until(lambda: _on_paper(page, "diff-sketch", NIGHT) and _canvas_colours(page, "diff-sketch")[1] <= empty,
               10, "the stroke to be cleared off the canvas (its paper, as empty as before it)")
    centre, light = _canvas_colours(page, "diff-sketch")
    assert np.abs(centre - [20, 24, 60]).max() <= 6 and light < 0.01                 # cleared: still its paper
    pick(page, "diff-model", "diffusion/fashion")
    expect(page.locator("#diff-sketch-hint")).to_contain_text("dark lines on white", timeout=20_000)

    def white_paper() -> bool:
        centre, light = _canvas_colours(page, "diff-sketch")
        return (centre >= 250).all() and light > 0.9

    wait_until(white_paper, 10, "the Sketch canvas to take white paper again")
    centre, light = _canvas_colours(page, "diff-sketch")
    assert (centre >= 250).all() and light > 0.9                                      # white paper again
    stroke(page, "diff-sketch", [(0.3, 0.5), (0.5, 0.5), (0.7, 0.5)])
    wait_until(lambda: _black_ink(page, "diff-sketch") > 0.002, 10, "the stroke to show on the canvas")
    assert _black_ink(page, "diff-sketch") > 0.002                                    # black ink
    # the VAE lab's canvas does the same, and a reload (the model restored from the browser's settings) keeps it
    user_checkpoint(user_models, "vae", "e2e_night", ["circle", "square"], paper=[20, 24, 60], image_size=32,
                    image_channels=3)
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.get_by_role("tab", name="Sketch").click()
    expect(page.locator("#vae-sketch-hint")).to_contain_text("dark lines on white")
    before = saved(page)
    pick(page, "vae-model", "vae/e2e_night")
    expect(page.locator("#vae-sketch-hint")).to_contain_text("light lines", timeout=20_000)
    wait_saved(page, before)                                             # the settings' save
    page.reload()
    page.get_by_role("tab", name="VAE Latent Lab").click()
    page.get_by_role("tab", name="Sketch").click()
    expect(page.locator("#vae-model input")).to_have_value("vae/e2e_night", timeout=20_000)
    expect(page.locator("#vae-sketch-hint")).to_contain_text("light lines", timeout=20_000)
    page.locator("#vae-sketch canvas").first.scroll_into_view_if_needed()
    wait_until(lambda: _on_paper(page, "vae-sketch", NIGHT), 10, "the VAE's empty canvas to take the model's paper")
    centre, light = _canvas_colours(page, "vae-sketch")
    assert np.abs(centre - [20, 24, 60]).max() <= 6 and light < 0.01
    stroke(page, "vae-sketch", [(0.3, 0.5), (0.5, 0.5), (0.7, 0.5)])
    wait_until(lambda: _canvas_colours(page, "vae-sketch")[1] > 0.002, 10, "the stroke to show on the canvas")
    assert _canvas_colours(page, "vae-sketch")[1] > 0.002
    page.screenshot(path=str(shot("vae-sketch-dark-paper-after-reload")), full_page=True)
