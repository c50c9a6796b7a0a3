"""Make the folder of coloured shapes the Train presets were tried on: N images in 2 classes (circles, squares),
random colours, sizes and positions. `python docs/train/make_shapes.py /tmp/shapes1000 1000`."""
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

root, n = Path(sys.argv[1]), int(sys.argv[2])
rng = random.Random(0)
for cls in ("circles", "squares"):
    (root / cls).mkdir(parents=True, exist_ok=True)
for i in range(n):
    cls = ("circles", "squares")[i % 2]
    w, h = rng.choice([(80, 60), (64, 64), (100, 140)])
    bg = tuple(rng.randrange(0, 80) for _ in range(3))
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    s = min(w, h)
    r = rng.randrange(s // 6, s // 3)
    cx, cy = w // 2 + rng.randrange(-s // 8, s // 8), h // 2 + rng.randrange(-s // 8, s // 8)
    col = tuple(rng.randrange(120, 256) for _ in range(3))
    (d.ellipse if cls == "circles" else d.rectangle)((cx - r, cy - r, cx + r, cy + r), fill=col)
    im.save(root / cls / f"{i:04d}.{'png' if i % 3 else 'jpg'}")
