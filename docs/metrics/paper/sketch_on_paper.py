"""Does the canvas's paper matter to a model trained on dark backgrounds? The same hand-drawn outlines, once
as the old canvas gave them (black ink on white) and once on the model's paper with the ink the studio now
offers (`genart.ui.widgets.paper_of`), through the Sketch tab's steps for a colour model:

- the picture the model sees (the canvas's centre square at its size, `genart.data.ingest.square`);
- the class it reads the sketch as (`read_as`: the condition with the smallest denoising error), which the
  tab uses when the class is "any";
- the SDEdit result (strength 0.6, DDIM 25, guidance 2, the read class: the tab's defaults), read again,
  and how far its border is from the model's paper (mean absolute difference, 0..255).

    python docs/metrics/paper/sketch_on_paper.py CKPT_ROOT diffusion/NAME [per_class] > result.json

CKPT_ROOT holds <family>/<name>-vN.json as `python -m genart train … --ckpt-dir CKPT_ROOT` writes it. The
classes are the model's own; sketches of its first two classes are drawn as circle and square outlines. One
example per class and canvas is written to the current folder: example-{before,now}-{class}.png (the picture
the model sees | the SDEdit result).
"""

from __future__ import annotations

import json
import math
import statistics
import sys

import numpy as np
import torch
from PIL import Image, ImageDraw

from genart.core.paper import BLACK, WHITE
from genart.core.registry import Registry
from genart.data.datasets import square
from genart.studio.inputs import BLANK_SIDE, as_tensor, image_shape, paper_of, pixels
from genart.ui.diffusion_tab import read_as, run, schedule_of, sdedit_start

BRUSH = 8                           # the canvas's brush width (px of its 280-px paper)


def outline(shape: str, rng: np.random.Generator) -> list[tuple[float, float]]:
    """A wobbly closed outline as a hand draws it: a circle or a square, somewhere near the middle."""
    cx, cy = BLANK_SIDE / 2 + rng.uniform(-30, 30, 2)
    r = rng.uniform(50, 100)
    if shape == "circle":
        angles = np.linspace(0, 2 * math.pi, 48)
        pts = np.stack([cx + r * np.cos(angles), cy + r * np.sin(angles)], 1)
    else:
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], float) * r
        pts = np.concatenate([np.linspace(a, b, 12) for a, b in zip(corners[:-1], corners[1:])]) + [cx, cy]
    pts += rng.normal(0, 2.0, pts.shape)                                        # a hand is not a ruler
    return [tuple(p) for p in pts]


def drawn(points, paper, ink) -> Image.Image:
    im = Image.new("RGB", (BLANK_SIDE, BLANK_SIDE), tuple(paper))
    ImageDraw.Draw(im).line(points, fill=tuple(ink), width=BRUSH, joint="curve")
    return im


def border_distance(img: np.ndarray, paper) -> float:
    """Mean absolute difference (0..255) of an (S, S, 3) image's border ring from the paper colour."""
    ring = np.concatenate([img[0], img[-1], img[1:-1, 0], img[1:-1, -1]]).astype(float)
    return float(np.abs(ring - np.asarray(paper, float)).mean())


def main(root: str, name: str, per_class: str = "20") -> None:
    registry = Registry(user_root=root)
    classes = registry.classes(name)[:2]
    _, size = image_shape(registry, name)
    paper, ink = paper_of(registry, name)
    schedule = schedule_of(registry, name)
    rng = np.random.default_rng(0)
    sketches = [(c, outline(shape, rng)) for c, shape in ((0, "circle"), (1, "square"))
                for _ in range(int(per_class))]
    out = {"model": name, "classes": classes, "paper": list(paper), "ink": list(ink), "sketches": len(sketches),
           "drawn_as": {"0": "circle outlines", "1": "square outlines"}, "canvases": {}}
    for canvas, (p, k) in {"white paper, black ink (before)": (WHITE, BLACK),
                           "the model's paper and ink (now)": (paper, ink)}.items():
        read_right, result_right, border = 0, 0, []
        for i, (cls, points) in enumerate(sketches):
            x0 = as_tensor(square(drawn(points, p, k), size)[None])                     # (1, 3, S, S)
            guess = read_as(registry, name, x0)
            x, ts = sdedit_start(schedule, x0, 0.6, 25, torch.Generator().manual_seed(i), "uniform")
            *_, (step, _) = run(registry, x, ts, 0, "ddim", i, guess, 2.0, name=name)
            result = step.x_next.cpu()
            read_right += guess == cls
            result_right += read_as(registry, name, result) == cls
            border.append(border_distance(pixels(result)[0], paper))
            if i % int(per_class) == 0:
                pair = np.concatenate([square(drawn(points, p, k), size), pixels(result)[0]], 1)  # (S, 2S, 3)
                name_ = f"example-{'now' if p == paper else 'before'}-{cls}.png"
                Image.fromarray(pair).resize((8 * 2 * size, 8 * size), Image.NEAREST).save(name_)
        n = len(sketches)
        out["canvases"][canvas] = {"read_as_drawn": f"{read_right}/{n}", "result_reads_as_drawn": f"{result_right}/{n}",
                                   "result_border_from_paper_median": round(statistics.median(border), 1)}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
