"""The designer's desk without Gradio: read a sketch, design garments that follow its lines, vary them, paint
them in a colourway or fabric, and lay out the board and the line sheet."""

from __future__ import annotations

import json

import numpy as np

from genart.core import records
from genart.core.registry import Registry
from genart.data.datasets import CLASSES
from genart.studio.desk import design as desk
from genart.studio.desk.render import parse_colours, render
from genart.studio.inputs import number, seed_of, sketch_or_image, whole
from genart.studio.uploads import uploaded_image

VIEW = 256                       # variations and board in the browser; /design's `size` for the API


MAX_N = 8


def drawing_of(value) -> desk.Drawing:
    """A request's sketch (Sketchpad value or upload) → the desk's reading of it."""
    return desk.read_drawing(sketch_or_image(value))


def read_sketch(registry: Registry, sketch) -> dict:
    """/read_sketch: sketch → {"label", "probs", "garment": {"score", "threshold", "is_garment", "message"}}."""
    return desk.read_sketch(registry, drawing_of(sketch))


def fabric_of(value) -> np.ndarray | None:
    """An uploaded swatch photo → (h, w, 3) uint8, or None when none was given."""
    if value in (None, "", [], {}):
        return None
    return np.asarray(uploaded_image(value, "a fabric swatch", max_side=512).convert("RGB"))


def check(n, seed, strength, follow, size) -> tuple[int, int, float, float, int]:
    n, seed, size = whole(n, "n", 1, MAX_N), seed_of(seed), whole(size, "size", 128, 1024)
    strength, follow = number(strength, "strength", 0.05, 1.0), number(follow, "follow", 0.0, 1.0)
    return n, seed, strength, follow, size


def item(drawing: desk.Drawing, garment: np.ndarray, params: dict) -> dict:
    """A garment the desk holds (variation or board): the 28-px garment in the model's frame, the designer's
    outline (112 px) when the garment follows it, and the parameters that made it."""
    follows = params["follow"] >= 0.5
    outline = None
    if follows:
        import cv2
        outline = cv2.resize(drawing.outline, (112, 112), interpolation=cv2.INTER_AREA).round(3).tolist()
    return {"garment": garment.tolist(), "outline": outline, "flipped": drawing.condition.flipped,
            "params": params}


def paint(it: dict, size: int, colour=None, fabric=None) -> np.ndarray:
    """A desk item → (size, size, 3) uint8, as drawn (mirrored back where reading mirrored)."""
    outline = np.asarray(it["outline"], np.float32) if it.get("outline") else None
    rgb = render(np.asarray(it["garment"], np.uint8), size, colour=colour, fabric=fabric, outline=outline)
    return np.ascontiguousarray(rgb[:, ::-1]) if it["flipped"] else rgb


def variations(registry: Registry, drawing: desk.Drawing, n: int, seed: int, strength: float, follow: float,
               guide: np.ndarray | None = None, extra: dict | None = None) -> list[dict]:
    """n garments from seeds seed … seed + n − 1 that follow the drawing (the reader names the class)."""
    label = desk.label_of(registry, drawing, None)
    seeds = [seed + i for i in range(n)]
    garments = desk.generate(registry, drawing, seeds, strength, follow, label, guide=guide)
    return [item(drawing, g, {"seed": s, "strength": strength, "follow": follow, "label": CLASSES[label],
                              "sketch": drawing.sha256, **(extra or {})})
            for g, s in zip(garments, seeds)]


def design(registry: Registry, sketch, n=4, seed=0, strength=1.0, follow=1.0, colour="", fabric=None, size=512):
    """/design: n garments that follow the sketch, each in every colour of `colour` (a name, #rrggbb, or a
    comma-separated colourway) or in the `fabric` swatch → [(PNG, parameters)] (each PNG carries its record)
    and the parameters as a list."""
    n, seed, strength, follow, size = check(n, seed, strength, follow, size)
    colours = parse_colours(colour) if colour not in (None, "") else [None]
    swatch = fabric_of(fabric)
    drawing = drawing_of(sketch)
    out, params_list = [], []
    for it in variations(registry, drawing, n, seed, strength, follow):
        for c in ([None] if swatch is not None else colours):
            params = {**it["params"], "n": n, "size": size,
                      "colour": "#{:02x}{:02x}{:02x}".format(*c) if c else None,
                      "fabric": "uploaded swatch" if swatch is not None else None}
            rec = records.of_model(registry, "design", desk.MODEL, params)
            out.append((records.stamp(paint(it, size, c, swatch), rec), json.dumps(params)))
            params_list.append(params)
    return out, params_list


def gallery(items: list[dict], colour=None, fabric=None) -> list[tuple[np.ndarray, str]]:
    return [(paint(it, VIEW, colour, fabric), caption(it["params"])) for it in items]


def caption(p: dict) -> str:
    return f"{p['label']} · seed {p['seed']} · strength {p['strength']:g} · follow {p['follow']:g}"


def index_of(name: str | None, board) -> int:
    if not board:
        raise ValueError("The board is empty: keep some variations first.")
    if not name:
        raise ValueError("Pick a garment on the board first.")
    return int(str(name).split(":", 1)[0]) - 1


def colours_of(text: str) -> list:
    return parse_colours(text) if str(text or "").strip() else [None]
