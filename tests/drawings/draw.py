"""Draw the desk's test set by hand — with the mouse, in Debian's chromium, on the studio's Sketchpad.

    python tests/drawings/draw.py            # writes tests/drawings/<Class>_<k>.png (280 px, grey)

Each class has one hand-designed outline (strokes in fractions of the canvas, the way a person draws
it: shoes toe-right, a coat with its zip, a bag with its handle); each of the 3 drawings per class
moves, scales, shears and stretches it differently, and every stroke is drawn through jittered
intermediate points (a hand's tremor), seeded. What is saved is what the canvas produced (its
composite), not the strokes.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

P = list[tuple[float, float]]
DESIGNS: dict[str, list[P]] = {
    "T-shirt/top": [[(0.36, 0.2), (0.44, 0.25), (0.56, 0.25), (0.64, 0.2), (0.84, 0.32), (0.77, 0.45), (0.68, 0.4),
                     (0.68, 0.82), (0.32, 0.82), (0.32, 0.4), (0.23, 0.45), (0.16, 0.32), (0.36, 0.2)]],
    "Trouser": [[(0.38, 0.14), (0.62, 0.14), (0.66, 0.86), (0.54, 0.86), (0.5, 0.36), (0.46, 0.86), (0.34, 0.86),
                 (0.38, 0.14)]],
    "Pullover": [[(0.38, 0.18), (0.62, 0.18), (0.8, 0.28), (0.88, 0.78), (0.78, 0.8), (0.7, 0.42), (0.7, 0.82),
                  (0.3, 0.82), (0.3, 0.42), (0.22, 0.8), (0.12, 0.78), (0.2, 0.28), (0.38, 0.18)],
                 [(0.42, 0.19), (0.5, 0.25), (0.58, 0.19)]],
    "Dress": [[(0.42, 0.12), (0.58, 0.12), (0.6, 0.3), (0.56, 0.42), (0.74, 0.88), (0.26, 0.88), (0.44, 0.42),
               (0.4, 0.3), (0.42, 0.12)]],
    "Coat": [[(0.36, 0.12), (0.64, 0.12), (0.82, 0.24), (0.88, 0.82), (0.78, 0.84), (0.72, 0.4), (0.72, 0.9),
              (0.28, 0.9), (0.28, 0.4), (0.22, 0.84), (0.12, 0.82), (0.18, 0.24), (0.36, 0.12)],
             [(0.5, 0.2), (0.5, 0.9)]],
    "Sandal": [[(0.12, 0.64), (0.86, 0.58), (0.88, 0.67), (0.12, 0.72), (0.12, 0.64)],
               [(0.2, 0.64), (0.3, 0.48), (0.42, 0.63)], [(0.46, 0.62), (0.56, 0.44), (0.66, 0.6)],
               [(0.72, 0.6), (0.8, 0.4), (0.86, 0.58)]],
    "Shirt": [[(0.4, 0.14), (0.5, 0.22), (0.6, 0.14), (0.8, 0.24), (0.86, 0.8), (0.76, 0.82), (0.7, 0.4),
               (0.7, 0.86), (0.3, 0.86), (0.3, 0.4), (0.24, 0.82), (0.14, 0.8), (0.2, 0.24), (0.4, 0.14)],
              [(0.5, 0.22), (0.5, 0.86)], [(0.4, 0.14), (0.44, 0.26), (0.5, 0.22), (0.56, 0.26), (0.6, 0.14)]],
    "Sneaker": [[(0.12, 0.48), (0.36, 0.44), (0.5, 0.55), (0.84, 0.62), (0.88, 0.72), (0.12, 0.72), (0.12, 0.48)],
                [(0.4, 0.5), (0.46, 0.58)], [(0.48, 0.52), (0.54, 0.6)]],
    "Bag": [[(0.22, 0.4), (0.78, 0.4), (0.8, 0.82), (0.2, 0.82), (0.22, 0.4)],
            [(0.36, 0.4), (0.4, 0.2), (0.6, 0.2), (0.64, 0.4)]],
    "Ankle boot": [[(0.22, 0.15), (0.46, 0.15), (0.48, 0.55), (0.82, 0.66), (0.86, 0.82), (0.18, 0.82),
                    (0.22, 0.15)]],
}
# (scale x, scale y, shear, shift x, shift y, tremor) for the three drawings of each class
HANDS = [(1.0, 1.0, 0.0, 0.0, 0.0, 0.004), (0.85, 0.9, 0.06, 0.03, -0.02, 0.006),
         (1.05, 0.88, -0.05, -0.02, 0.03, 0.008)]


def hand_path(stroke: P, hand, rng: np.random.Generator) -> P:
    """A designed stroke → the mouse's path: the hand's affine change, 3 jittered points per segment."""
    sx, sy, shear, dx, dy, tremor = hand
    pts = []
    for (x0, y0), (x1, y1) in zip(stroke[:-1], stroke[1:]):
        for u in np.linspace(0, 1, 3, endpoint=False):
            pts.append((x0 + u * (x1 - x0), y0 + u * (y1 - y0)))
    pts.append(stroke[-1])
    out = []
    for x, y in pts:
        x, y = 0.5 + (x - 0.5) * sx + (y - 0.5) * shear + dx, 0.5 + (y - 0.5) * sy + dy
        out.append((float(np.clip(x + rng.normal(0, tremor), 0.04, 0.96)),
                    float(np.clip(y + rng.normal(0, tremor), 0.04, 0.96))))
    return out


def calibrated(image: np.ndarray, box: dict):
    """Two ink blobs drawn at box fractions 0.4 and 0.6 → a map from image fractions to page pixels."""
    import cv2
    ink = (image < 128).astype(np.uint8)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(ink)
    (x0, y0), (x1, y1) = sorted(map(tuple, centroids[1:][np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:2]]))
    h, w = image.shape
    bx, by = 0.2 / ((x1 - x0) / w), 0.2 / ((y1 - y0) / h)                    # box fraction per image fraction
    ax, ay = 0.4 - bx * x0 / w, 0.4 - by * y0 / h
    return lambda u, v: (box["x"] + (ax + bx * u) * box["width"], box["y"] + (ay + by * v) * box["height"])


def file_name(cls: str, k: int) -> str:
    return f"{cls.replace('/', '_').replace(' ', '_')}_{k}.png"


def main(out: Path = HERE) -> None:
    import gradio as gr
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from genart.ui.widgets import sketchpad

    saved: dict[str, str] = {}

    def keep(value, name):
        if not value or not value.get("composite"):
            raise gr.Error(f"nothing drawn: {value}")
        Image.open(value["composite"]).convert("L").save(out / name, optimize=True)
        saved[name] = "ok"
        return name

    with gr.Blocks() as demo:
        pad = sketchpad("Sketch", "pad")
        name = gr.Textbox(elem_id="name")
        done = gr.Textbox(elem_id="done")
        gr.Button("Save", elem_id="save").click(keep, [pad, name], [done])
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    rng = np.random.default_rng(14)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(url)
        box = page.locator("#pad canvas").first.bounding_box()

        def stroke_at(path, to_box):
            page.mouse.move(*to_box(*path[0]))
            page.mouse.down()
            for x, y in path[1:]:
                page.mouse.move(*to_box(x, y), steps=2)
            page.mouse.up()

        def save(name):
            page.locator("#name textarea").fill(name)
            page.locator("#save").click()
            try:
                page.wait_for_function(f"document.querySelector('#done textarea').value === '{name}'",
                                       timeout=60_000)
            except Exception:
                page.screenshot(path=str(out / "failed.png"))
                raise

        # calibration: where on the image do two short strokes at known places of the canvas box land?
        raw = lambda x, y: (box["x"] + x * box["width"], box["y"] + y * box["height"])
        for c in (0.4, 0.6):
            stroke_at([(c - 0.01, c), (c + 0.01, c)], raw)
        save("calibration.png")
        to_box = calibrated(np.asarray(Image.open(out / "calibration.png")), box)
        (out / "calibration.png").unlink()
        for cls, strokes in DESIGNS.items():
            for k, hand in enumerate(HANDS):
                page.locator("#pad button[aria-label='Clear canvas']").click()
                page.wait_for_timeout(200)
                for stroke in strokes:
                    stroke_at(hand_path(stroke, hand, rng), to_box)
                save(file_name(cls, k))
                print("drew", file_name(cls, k), flush=True)
        browser.close()
    demo.close()


if __name__ == "__main__":
    main()
