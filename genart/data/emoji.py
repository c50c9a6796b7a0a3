"""The colour models' data set: Noto Color Emoji rendered as an image folder, one sub-folder per Unicode
emoji group (faces, people, animals and nature, food, travel and places, activities, objects, symbols,
flags).

Sources, both Debian packages and offline: the font `fonts-noto-color-emoji` (SIL OFL 1.1) and the list of
emoji with their groups, `unicode-data`'s `emoji/emoji-test.txt` (Unicode licence). Every fully-qualified
emoji is drawn except skin-tone and hair-style variants (the five skin tones of one gesture would be five
near-copies of one picture) and the "Component" group; each glyph is drawn once at the font's bitmap
strike (109 px), centred on white, and reduced with Lanczos to `size` (a `--size 64` model trains on
these 64-px images directly).

    python -m genart data emoji runs/emoji64 --size 64
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
EMOJI_TEST = Path("/usr/share/unicode/emoji/emoji-test.txt")
STRIKE = 109                                       # the one bitmap size a CBDT colour font carries
# Unicode's group → our class name (sorted folder names become class indices 0..8)
GROUPS = {"Smileys & Emotion": "faces", "People & Body": "people", "Animals & Nature": "animals-nature",
          "Food & Drink": "food", "Travel & Places": "travel-places", "Activities": "activities",
          "Objects": "objects", "Symbols": "symbols", "Flags": "flags"}
VARIANTS = {0x1F3FB, 0x1F3FC, 0x1F3FD, 0x1F3FE, 0x1F3FF,     # skin tones
            0x1F9B0, 0x1F9B1, 0x1F9B2, 0x1F9B3}              # hair styles


@dataclass(frozen=True)
class Emoji:
    codepoints: tuple[int, ...]
    group: str                                     # our class name
    name: str

    @property
    def text(self) -> str:
        return "".join(map(chr, self.codepoints))

    @property
    def stem(self) -> str:
        return "-".join(f"{c:04x}" for c in self.codepoints)


class EmojiSourceMissing(FileNotFoundError):
    """The font or the emoji list is not installed."""


def emoji_list(path: Path = EMOJI_TEST) -> list[Emoji]:
    """Every fully-qualified emoji of emoji-test.txt in a group we keep, without skin-tone/hair variants."""
    if not path.is_file():
        raise EmojiSourceMissing(f"{path} not found: install it with `sudo apt-get install unicode-data`")
    out, group = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# group:"):
            group = GROUPS.get(line.split(":", 1)[1].strip())
        elif line and not line.startswith("#") and group is not None:
            points, rest = line.split(";", 1)
            status, _, name = rest.partition("#")
            cps = tuple(int(h, 16) for h in points.split())
            if status.strip() == "fully-qualified" and not VARIANTS.intersection(cps):
                out.append(Emoji(cps, group, name.strip().split(" ", 2)[-1]))   # "😀 E1.0 grinning face" → the name
    return out


def render(e: Emoji, font: ImageFont.FreeTypeFont, size: int) -> Image.Image | None:
    """One emoji centred on white, (size, size) RGB; None when the font draws no single glyph for it (a
    sequence it does not ligate comes out as several pictures side by side)."""
    canvas = Image.new("RGBA", (3 * STRIKE, 2 * STRIKE), (255, 255, 255, 0))
    ImageDraw.Draw(canvas).text((STRIKE // 2, STRIKE // 2), e.text, font=font, embedded_color=True)
    box = canvas.getbbox()
    if box is None or box[2] - box[0] > 1.3 * STRIKE:
        return None
    glyph = canvas.crop(box)
    side = max(glyph.size)
    square = Image.new("RGBA", (side, side), (255, 255, 255, 0))
    square.paste(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
    flat = Image.new("RGB", square.size, "white")
    flat.paste(square, mask=square.split()[3])
    margin = round(side * 0.06)                    # a thin white ring, like the strike's own padding
    framed = Image.new("RGB", (side + 2 * margin, side + 2 * margin), "white")
    framed.paste(flat, (margin, margin))
    return framed.resize((size, size), Image.Resampling.LANCZOS)


def build(out: Path | str, size: int = 64) -> dict[str, int]:
    """Write <out>/<group>/<codepoints>.png for every emoji the font draws; returns the count per group."""
    if not FONT.is_file():
        raise EmojiSourceMissing(f"{FONT} not found: install it with `sudo apt-get install fonts-noto-color-emoji`")
    font = ImageFont.truetype(str(FONT), STRIKE, layout_engine=ImageFont.Layout.RAQM)
    out, counts = Path(out), {}
    for e in emoji_list():
        img = render(e, font, size)
        if img is None:
            continue
        (out / e.group).mkdir(parents=True, exist_ok=True)
        img.save(out / e.group / f"{e.stem}.png")
        counts[e.group] = counts.get(e.group, 0) + 1
    return counts
