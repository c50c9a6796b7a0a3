"""Every output is a record: what made it travels inside the PNG, so it can be made again.

A record is one JSON object in the PNG text chunk `genart`:

    {"genart": 1, "action": "gan_generate", "model": "gan/fashion", "sha256": "<checkpoint sha256>",
     "params": {"seed": 7, "label": "Dress", "truncation": 0.8}, "chain": [<earlier records>]}

`action` is the public API name that made the image, `params` its arguments, `model`/`sha256` the
registry model and the checkpoint its weights came from, and `chain` the records of the images it
was made from (a garment sent to Painting Styles carries the GAN record that made it). The same
params also go to the A1111-style `parameters` chunk that other tools read.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from genart.core.images import output_folder, png_bytes, prune

VERSION = 1
KEY = "genart"


def make(action: str, params: dict, model: str | None = None, sha256: str | None = None,
         chain: list[dict] | tuple = ()) -> dict:
    return {"genart": VERSION, "action": action, "model": model, "sha256": sha256,
            "params": params, "chain": list(chain)}


def of_model(registry, action: str, name: str, params: dict, chain: list[dict] | tuple = ()) -> dict:
    """A record of `action` by the registry's model `name` (its checkpoint's sha256 included)."""
    return make(action, params, name, registry.card(name).get("sha256"), chain)


def stamp(image: Image.Image | np.ndarray, record: dict) -> Image.Image:
    """A PIL image whose PNG encoding (Gradio's `format="png"` or `save_png`) carries `record`."""
    im = Image.fromarray(image) if isinstance(image, np.ndarray) else image.copy()
    im.info[KEY] = json.dumps(record, default=str)
    im.info["parameters"] = json.dumps(record["params"], default=str)
    im.info["Software"] = "genart"
    return im


def read(source: Any) -> dict | None:
    """The record in a PNG (a path or PIL image), or None if it has none or it is not ours."""
    im = source if isinstance(source, Image.Image) else Image.open(Path(source))
    text = im.info.get(KEY) or (im.text.get(KEY) if hasattr(im, "text") else None)
    if not text:
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict) or record.get("genart") != VERSION or not isinstance(record.get("params"), dict):
        return None
    return record


def filename(record: dict) -> str:
    """A download's name that says what it is: genart_gan_generate_seed-11_label-Dress.png."""
    keep = ("seed", "label", "cls", "style", "sampler", "steps", "strength")
    parts = [record["action"]] + [f"{k}-{record['params'][k]}" for k in keep if k in record["params"]]
    name = "_".join(["genart", *parts])
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", name)[:120] + ".png"


def as_download(image: Image.Image) -> str:
    """The image as a PNG file named after its record (with the record inside), for the browser's
    download button: Gradio keeps a file's name, while a PIL image is always 'image.png'."""

    record = read(image)
    folder = output_folder() / "named"
    folder.mkdir(exist_ok=True)
    prune(folder)
    sub = Path(tempfile.mkdtemp(dir=folder))
    path = sub / (filename(record) if record else "genart.png")
    path.write_bytes(png_bytes(image))
    return str(path)


def describe(record: dict) -> str:
    """One line for people: 'gan_generate · seed 7 · label Dress · truncation 0.8'."""
    shown = " · ".join(f"{k} {v}" for k, v in record["params"].items()
                       if k not in ("z",) and not isinstance(v, (list, dict)))
    return f"{record['action']} · {shown}" if shown else record["action"]
