"""A folder of real colour images for measuring the Train tab: N emoji of Noto Color Emoji (Debian's
`fonts-noto-color-emoji`, SIL OFL 1.1), rendered at 136 px on white, one sub-folder per Unicode group.

    python docs/metrics/emoji_dataset.py OUT_DIR [N]          # default N = 1000
"""

import sys
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
RANGES = {"faces": (0x1F600, 0x1F64F), "symbols": (0x1F300, 0x1F5FF), "transport": (0x1F680, 0x1F6FF),
          "more": (0x1F900, 0x1F9FF), "extended": (0x1FA70, 0x1FAFF)}


def main(out: Path, n: int = 1000) -> None:
    font = ImageFont.truetype(FONT, 109)                  # the bitmap strike CBDT fonts carry
    made = 0
    for group, (a, b) in RANGES.items():
        for cp in range(a, b + 1):
            if made >= n:
                return
            ch = chr(cp)
            if unicodedata.category(ch) != "So":
                continue
            im = Image.new("RGBA", (136, 128), (255, 255, 255, 0))
            ImageDraw.Draw(im).text((0, 0), ch, font=font, embedded_color=True)
            if im.getbbox() is None:
                continue                                  # no glyph for this code point
            flat = Image.new("RGB", im.size, "white")
            flat.paste(im, mask=im.split()[3])
            (out / group).mkdir(parents=True, exist_ok=True)
            flat.save(out / group / f"{cp:05x}.png")
            made += 1


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
