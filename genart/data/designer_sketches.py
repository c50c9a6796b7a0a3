"""Six designer sketches (the garment check's probes and the tests draw them): dark outlines on a white 280 px \
canvas, shoes drawn toe-right (the dataset's face left)."""

from pathlib import Path

from PIL import Image, ImageDraw

OUTLINES = {
    "Dress": lambda d: d.polygon([(120, 40), (160, 40), (170, 90), (215, 250), (65, 250), (110, 90)],
                                 outline="black", width=7),
    "Trouser": lambda d: d.line([(100, 30), (180, 30), (200, 260), (150, 260), (140, 90), (130, 260), (80, 260),
                                 (100, 30)], fill="black", width=7),
    "T-shirt/top": lambda d: d.line([(100, 40), (180, 40), (240, 90), (210, 120), (190, 105), (190, 250), (90, 250),
                                     (90, 105), (70, 120), (40, 90), (100, 40)], fill="black", width=7),
    "Bag": lambda d: (d.rectangle((50, 110, 230, 250), outline="black", width=7),
                      d.arc((90, 40, 190, 160), 180, 360, fill="black", width=7)),
    "Ankle boot": lambda d: d.line([(90, 40), (160, 40), (165, 170), (240, 200), (245, 240), (85, 240), (90, 40)],
                                   fill="black", width=7),
    "Sneaker": lambda d: d.line([(30, 150), (120, 130), (170, 160), (250, 180), (255, 215), (30, 215), (30, 150)],
                                fill="black", width=7),
}


def sketch(name: str) -> Image.Image:
    im = Image.new("RGB", (280, 280), "white")
    OUTLINES[name](ImageDraw.Draw(im))
    return im


def save_all(folder: Path | str) -> dict[str, str]:
    """Write every sketch as PNG into `folder`; → {class name: path}."""
    paths = {}
    for name in OUTLINES:
        p = folder / (name.replace("/", "_").replace(" ", "_") + ".png")
        sketch(name).save(p)
        paths[name] = str(p)
    return paths
