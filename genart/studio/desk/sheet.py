"""The line sheet: the board as one page — garments × colourways, each labelled with its parameters.

    ┌ title ───────────────────────────────────────────┐
    │ row i: [garment in colour 1] [colour 2] ... [k]   │  caption under each cell: the colour
    │        label · seed · strength · follow           │  a row's parameters under the row
    └───────────────────────────────────────────────────┘
Written as PNG (the parameters also in its record) and as a one-page PDF (Pillow writes both).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

CELL = 256
GAP = 16
CAPTION = 22
ROW_TEXT = 26
TITLE = 48


@dataclass
class SheetRow:
    cells: list[np.ndarray]              # (S, S, 3) uint8 renders, one per colourway
    captions: list[str]                  # one per cell (the colour)
    label: str                           # the row's parameters, one line


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def line_sheet(rows: list[SheetRow], title: str = "genart line sheet", cell: int = CELL) -> Image.Image:
    """Rows of renders → one RGB sheet; every cell resized to `cell` px (area-averaged)."""
    if not rows:
        raise ValueError("the board is empty: keep some garments first")
    cols = max(len(r.cells) for r in rows)
    width = GAP + cols * (cell + GAP)
    row_h = cell + CAPTION + ROW_TEXT + GAP
    sheet = Image.new("RGB", (width, TITLE + len(rows) * row_h + GAP), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((GAP, 12), title, fill="black", font=_font(24))
    for i, row in enumerate(rows):
        y = TITLE + i * row_h
        for j, (im, cap) in enumerate(zip(row.cells, row.captions)):
            x = GAP + j * (cell + GAP)
            sheet.paste(Image.fromarray(im).resize((cell, cell), Image.Resampling.LANCZOS), (x, y))
            draw.rectangle((x, y, x + cell - 1, y + cell - 1), outline=(220, 220, 220))
            draw.text((x + 4, y + cell + 3), cap, fill=(60, 60, 60), font=_font(14))
        draw.text((GAP, y + cell + CAPTION), row.label, fill="black", font=_font(15))
    return sheet


def save_sheet(sheet: Image.Image, folder: Path, stem: str = "line-sheet", pnginfo=None) -> tuple[Path, Path]:
    """Write the sheet as `<stem>.png` and `<stem>.pdf` in `folder`; → both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    png, pdf = folder / f"{stem}.png", folder / f"{stem}.pdf"
    sheet.save(png, pnginfo=pnginfo)
    sheet.save(pdf, "PDF", resolution=150.0)
    return png, pdf
