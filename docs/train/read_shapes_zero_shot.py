"""Zero-shot reading of 100 held-out shapes (make_shapes.py's recipe with seed 1) by a user diffusion model in
/tmp/demo_models: `PYTHONPATH=. python docs/train/read_shapes_zero_shot.py`."""
import random
import time

import torch
from PIL import Image, ImageDraw

from genart.core.registry import Registry
from genart.data.datasets import square
from genart.studio.inputs import as_tensor
from genart.ui import diffusion_tab as tab

torch.set_num_threads(2)
reg = Registry(user_root="/tmp/demo_models")
name = "diffusion/shapes"
print(reg.classes(name))
rng = random.Random(1)
ok = n = 0; t0 = time.time()
for i in range(100):
    cls = ("circles", "squares")[i % 2]
    w, h = rng.choice([(80, 60), (64, 64), (100, 140)])
    bg = tuple(rng.randrange(0, 80) for _ in range(3))
    im = Image.new("RGB", (w, h), bg); d = ImageDraw.Draw(im); s = min(w, h)
    r = rng.randrange(s // 6, s // 3)
    cx, cy = w // 2 + rng.randrange(-s // 8, s // 8), h // 2 + rng.randrange(-s // 8, s // 8)
    col = tuple(rng.randrange(120, 256) for _ in range(3))
    (d.ellipse if cls == "circles" else d.rectangle)((cx - r, cy - r, cx + r, cy + r), fill=col)
    x0 = as_tensor(square(im, 32)[None])
    got = reg.classes(name)[tab.read_as(reg, name, x0)]
    ok += got == cls; n += 1
print(f"zero-shot: {ok}/{n} held-out shapes read right, {(time.time()-t0)/n:.3f} s each")
