"""The browser tests' shared helpers, one copy each: screenshots, waits for a condition (never a fixed sleep), the
browser's saved settings, the page's pending requests, the mouse on a canvas, dropdowns and number boxes, output
images and canvas pixels, downloads and the GAN tab's keep.

The e2e test modules import them as `from helpers import ...` (pytest's default "prepend" import mode puts
tests/e2e, which has no __init__.py, on sys.path when it loads tests/e2e/conftest.py); no test module imports
another.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import Locator, Page, expect

STORAGE_KEY = "genart-studio-v1"            # the studio's gr.BrowserState (genart/ui/history_panel.py)

TROUSER = [[(0.42, 0.25), (0.58, 0.25), (0.6, 0.75), (0.53, 0.75), (0.5, 0.4), (0.47, 0.75), (0.4, 0.75),
            (0.42, 0.25)]]
BAG = [[(0.35, 0.4), (0.65, 0.4), (0.65, 0.7), (0.35, 0.7), (0.35, 0.4)], [(0.42, 0.4), (0.45, 0.3), (0.55, 0.3),
                                                                          (0.58, 0.4)]]


# ---------------------------------------------------------------------------------------------------- waiting
def shot(name: str) -> Path:
    """Where a test's screenshot `name` goes: $GENART_SHOTS (default /tmp/genart-shots)/<name>.png."""
    folder = Path(os.environ.get("GENART_SHOTS", "/tmp/genart-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


def wait_until(predicate: Callable[[], Any], timeout_s: float, what: str, interval_s: float = 0.075) -> Any:
    """Poll `predicate` every `interval_s` until it returns something truthy (returned); AssertionError naming
    `what` if it has not after `timeout_s` (the predicate is always tried once more at the deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        last = time.monotonic() >= deadline
        value = predicate()
        if value:
            return value
        if last:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(max(0.0, min(interval_s, deadline - time.monotonic())))


def wait_steady(read: Callable[[], Any], quiet_s: float, timeout_s: float, what: str) -> Any:
    """The value `read()` gives once it has not changed for `quiet_s` (polled as `wait_until` does)."""
    state = {"value": read(), "since": time.monotonic()}

    def steady():
        now = read()
        if now != state["value"]:
            state.update(value=now, since=time.monotonic())
        return time.monotonic() - state["since"] >= quiet_s

    wait_until(steady, timeout_s, what)
    return state["value"]


# ------------------------------------------------------------------------------------ the browser's settings
def saved(page: Page) -> str:
    """The browser's saved studio settings, as stored (encrypted) in its localStorage; '' before the first save."""
    return page.evaluate(f"() => localStorage.getItem('{STORAGE_KEY}') || ''")


def wait_saved(page: Page, before: str, quiet_ms: int = 800, timeout_s: float = 40):
    """Wait until the browser's saved settings changed from `before` and then stayed the same for quiet_ms (a
    setting changed starts a save; a reload before it lands would lose it, as it would for a person)."""
    page.wait_for_function(f"b => (localStorage.getItem('{STORAGE_KEY}') || '') !== b", arg=before,
                           timeout=20_000)
    wait_steady(lambda: saved(page), quiet_ms / 1000, timeout_s,
                f"the browser's saved settings to stay the same for {quiet_ms} ms")


# Gradio's queued events, seen from inside the page: a POST to queue/join answers with the event's id, and the
# session's queue/data stream later says "process_completed" for it. That stream itself is no sign of work: the
# client may leave one open with nothing pending (seen after a reload), so requests in flight cannot tell.
_QUEUE_WATCH = """(() => {
    if (window.__genartQueue) return;
    const state = window.__genartQueue = {pending: new Set(), done: new Set(), last: performance.now()};
    const finished = (id) => { state.pending.delete(id); state.done.add(id); state.last = performance.now(); };
    async function read(response) {
        const reader = response.body.getReader(), text = new TextDecoder();
        let buffer = "";
        try {
            for (;;) {
                const {value, done} = await reader.read();
                if (done) return;
                buffer += text.decode(value, {stream: true});
                const blocks = buffer.split("\\n\\n");
                buffer = blocks.pop();
                for (const block of blocks) {
                    for (const line of block.split("\\n")) {
                        if (!line.startsWith("data:")) continue;
                        const message = JSON.parse(line.slice(5));
                        if (message.msg === "process_completed" && message.event_id) finished(message.event_id);
                        if (message.msg === "close_stream") [...state.pending].forEach(finished);
                    }
                }
            }
        } catch (e) { /* the client closed the stream */ }
    }
    const fetch = window.fetch;
    window.fetch = async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        const response = await fetch(input, init);
        if (url.includes("/queue/join") && response.ok) {
            response.clone().json().then(({event_id}) => {
                if (event_id && !state.done.has(event_id)) state.pending.add(event_id);
                state.last = performance.now();
            }, () => {});
        } else if (url.includes("/queue/data") && response.ok && response.body) {
            read(response.clone());
        }
        return response;
    };
})()"""


class Network:
    """What the page is waiting for: its requests in flight (Gradio's heartbeat and queue/data streams, open
    for long, left out) and Gradio's queued events not yet completed. Made by `watch_network(page)` before the
    page is opened, so that it sees everything the page starts."""

    def __init__(self, page: Page):
        self.page, self.pending, self.last = page, set(), time.monotonic()
        page.add_init_script(_QUEUE_WATCH)
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request):
        if "/heartbeat/" not in request.url and "/queue/data" not in request.url:
            self.pending.add(request)
            self.last = time.monotonic()

    def _end(self, request):
        if request in self.pending:
            self.pending.discard(request)
            self.last = time.monotonic()

    def wait_idle(self, quiet_ms: int = 500, timeout_s: float = 60):
        """Wait until no request is in flight, no queued event is pending and nothing started or ended for
        quiet_ms (Playwright's own "networkidle" never comes on a Gradio page, whose heartbeat stream stays
        open): every event the page started, its follow-ups (`.then`, the changes they make) and the images
        they show are done."""
        queue = {}

        def idle():
            # (a round trip to the page, which also hands Playwright's request events over to us)
            queue.update(self.page.evaluate(
                "() => { const q = window.__genartQueue; return q ? {events: [...q.pending], quiet: "
                "performance.now() - q.last} : {events: ['(not watched: watch_network before page.goto)'], "
                "quiet: 0} }"))
            return (not self.pending and not queue["events"] and queue["quiet"] >= quiet_ms
                    and time.monotonic() - self.last >= quiet_ms / 1000)

        try:
            wait_until(idle, timeout_s, f"the page's requests and events to finish (then {quiet_ms} ms of quiet)")
        except AssertionError as e:
            raise AssertionError(f"{e}; requests in flight: {sorted(r.method + ' ' + r.url for r in self.pending)}, "
                                 f"events pending: {queue.get('events')}") from None


def watch_network(page: Page) -> Network:
    """Start watching the page's requests and Gradio events (call it before page.goto); → its `Network`."""
    return Network(page)


# ------------------------------------------------------------------------------------------ mouse and controls
def draw(page: Page, canvas_sel: str, strokes: list[list[tuple[float, float]]], steps: int = 3):
    """Strokes in fractions of the canvas box: the mouse goes down at the first point and moves to each next
    one in `steps` moves (the canvas joins them with straight lines)."""
    box = page.locator(canvas_sel).first.bounding_box()
    for points in strokes:
        x0, y0 = points[0]
        page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
        page.mouse.down()
        for x, y in points[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=steps)
        page.mouse.up()


def stroke(page: Page, elem_id: str, points: list[tuple[float, float]]):
    """One mouse stroke over the canvas of the element `elem_id`, in fractions of its box."""
    draw(page, f"#{elem_id} canvas", [points], steps=4)


def pick(page: Page, elem_id: str, option: str):
    """Open the dropdown `elem_id` and click `option` (looked up by its accessible name anywhere on the page);
    the dropdown then shows it."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.locator(f"#{elem_id} input")).to_have_value(option)


def pick_own(page: Page, elem_id: str, option: str):
    """`pick` with the option looked up in this dropdown's own list (another's may still be closing)."""
    page.locator(f"#{elem_id} input").click()
    page.locator(f"#{elem_id} li[role=option][aria-label='{option}']").click()
    expect(page.locator(f"#{elem_id} input")).to_have_value(option)


def set_number(page: Page, elem_id: str, value: str, box: str = "input[type=number]"):
    """Type `value` into the element's number box and leave it with Tab (as a person does: that commits it)."""
    page.locator(f"#{elem_id} {box}").fill(value)
    page.locator(f"#{elem_id} {box}").press("Tab")


# ------------------------------------------------------------------------------------------ images and files
def img_src(page: Page, sel: str) -> str:
    """The src of the first image inside `sel` ('' if it has none)."""
    return page.locator(f"{sel} img").first.get_attribute("src") or ""


def output_image(page: Page, elem_id: str) -> Image.Image:
    """The image shown in the element `elem_id`, fetched as the browser got it (a studio PNG keeps its record)."""
    src = page.locator(f"#{elem_id} img").first.get_attribute("src")
    return Image.open(io.BytesIO(page.request.get(src).body()))


def canvas_pixels(page: Page, canvas_sel: str, mode: str = "RGB") -> np.ndarray:
    """What a person sees of a canvas now: a screenshot of the first element matching `canvas_sel`, as an array
    (H × W × 3 for "RGB", H × W for "L")."""
    return np.asarray(Image.open(io.BytesIO(page.locator(canvas_sel).first.screenshot())).convert(mode))


def download(page: Page, sel: str, path) -> None:
    """Save the image shown in `sel` with its Download button (hovered first: the button shows on hover)."""
    page.locator(sel).hover()
    with page.expect_download() as dl:
        page.locator(f"{sel} button[aria-label='Download'], {sel} a[download]").first.click()
    dl.value.save_as(path)


# ------------------------------------------------------------------------------------------------ the GAN tab
def keep_gan(page: Page, seed: str, label: str):
    """On the GAN tab, once the page load has drawn its first garment: set the seed and class, wait for that
    garment and keep it (it goes to the history)."""
    page.get_by_role("tab", name="GAN Seed Explorer").click()
    # the page has restored its settings and drawn its first garment (as a person sees it) before we type:
    # a class typed earlier was reset by the load's restore (seen once: "seed 31 · Dress" for Bag)
    expect(page.locator("#gan-name textarea")).to_have_value(re.compile(r"^seed \d+ · "), timeout=20_000)
    page.locator("#gan-seed input").fill(seed)
    page.locator("#gan-seed input").press("Enter")
    page.locator("#gan-label input").fill(label)
    page.locator("#gan-label input").press("Enter")
    expect(page.locator("#gan-name textarea")).to_have_value(f"seed {seed} · {label}", timeout=20_000)
    page.locator("#gan-keep").click()


def history_items(page: Page) -> Locator:
    """The thumbnails of the history panel (this browser's kept results)."""
    return page.locator("#history-gallery .thumbnail-item")
