"""Train the U-Net that follows a sketch: diffusion conditioned on the garment's drawn sketch.

For each training garment x_0 a sketch is drawn (genart/data/sketch.py `render_sketch`, a lighter hand:
amount 0.3) and read back as the condition c = `sketch_condition` (lines, filled region, presence):
    t ~ U{0..T−1},  ε ~ N(0, I),  x_t = α_t x_0 + σ_t ε
    L = E[ w(t) ‖v̂_θ(x_t, t, y, c) − v‖² ],  v = α_t ε − σ_t x_0,   w(t) min-SNR-5   (as train/diffusion.py)
c is dropped to 0 with p = 0.15 and y to the null class with p = 0.1, independently, so one network
learns p(x | c, y), p(x | c), p(x | y) and p(x) — guidance on each (genart/diffusion/sketch_guidance.py).
When reading the sketch mirrored it (shoes face left), x_0 is mirrored with it.
The network starts as diffusion/fashion (new input channels at zero), so a short run suffices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from genart.core.checkpoints import sha256_of
from genart.data.datasets import load_fashion_mnist, to_uint8
from genart.data.sketch import HAND, conditions
from genart.diffusion.sampling import sample
from genart.diffusion.schedules import q_sample, schedule_for, target
from genart.diffusion.sketch_guidance import sketch_guided
from genart.eval.sketch_fidelity import follow_rendered
from genart.models.sketch_unet import SketchUNet, SketchUNetConfig
from genart.train.common import EMA, Dist, RunArgs, autocast, wrap_ddp
from genart.train.diffusion import P_UNCOND, DiffusionTask, min_snr_weight

P_NO_SKETCH = 0.15
INIT = Path("assets/checkpoints/diffusion/fashion-v1.safetensors")


class SketchDiffusionTask(DiffusionTask):
    family = "sketch_diffusion"
    # sized for one CPU thread without AVX512-BF16 (bf16 autocast is 9× slower than fp32 there): ~30 img/s
    recipe = dict(steps=1000, batch_size=64, lr=5e-4, precision="fp32", sample_every=500)

    def __init__(self, args: RunArgs, d: Dist, config: SketchUNetConfig | None = None):
        from safetensors.torch import load_file

        self.args, self.d = args, d
        self.config = config or SketchUNetConfig()
        self.schedule = schedule_for(self.config)
        self.memory_format = torch.channels_last if d.device.type == "cuda" else torch.contiguous_format
        self.model = SketchUNet(self.config)
        init = Path(args.ckpt_dir) / "diffusion" / INIT.name
        self.model.init_from(load_file(init))
        self.card_extra = {"init_from": {"checkpoint": "diffusion/fashion-v1", "sha256": sha256_of(init)}}
        self.model.to(d.device, memory_format=self.memory_format)
        self.ema = EMA(self.model, beta=0.999)
        self.net = wrap_ddp(self.model, d)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=args.lr, weight_decay=0.0)
        self.modules = {"model": self.model, "ema": self.ema.module}
        self.optimizers = {"opt": self.opt}
        self.warmup = max(1, min(1000, args.steps // 20))
        self._grid = None

    def loss(self, x0: torch.Tensor, y: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        b = x0.shape[0]
        rng = np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,), generator=g)))
        c, flipped = conditions(to_uint8(x0), rng, HAND)                           # (B, 3, 28, 28), (B,)
        flip = torch.from_numpy(flipped).view(b, 1, 1, 1).to(x0.device)
        x0 = torch.where(flip, x0.flip(-1), x0)
        t = torch.randint(0, self.config.T, (b,), generator=g)
        eps = torch.randn(x0.shape, generator=g)
        drop_y = torch.rand(b, generator=g) < P_UNCOND
        drop_c = torch.rand(b, generator=g) < P_NO_SKETCH
        t, eps, drop_y, drop_c = t.to(x0.device), eps.to(x0.device), drop_y.to(x0.device), drop_c.to(x0.device)
        y = torch.where(drop_y, torch.full_like(y, self.config.num_classes), y)
        c = torch.where(drop_c.view(b, 1, 1, 1), torch.zeros_like(c), c.to(x0.device))
        x_t = q_sample(self.schedule, x0, t, eps).contiguous(memory_format=self.memory_format)
        goal = target(self.schedule, x0, t, eps)
        w = min_snr_weight(self.schedule, t).to(x0.device)                          # (B,)
        with autocast(self.d, self.args.precision):
            out = self.net(x_t, t, y, c).float()
        return (w * (out - goal).pow(2).flatten(1).mean(1)).mean()

    def _test_conditions(self, n: int, seed: int):
        """n test garments (label-balanced), their rendered sketches' conditions (n, 3, 28, 28), labels."""
        images, labels = load_fashion_mnist("test")
        idx = np.concatenate([np.flatnonzero(labels == k)[:n // 10] for k in range(10)])
        c, flipped = conditions(images[idx], np.random.default_rng(seed), HAND)
        return images[idx], c, torch.from_numpy(labels[idx]).long(), flipped

    @torch.no_grad()
    def sample_grid(self, generator: torch.Generator) -> torch.Tensor:
        """Rows of 10: the sketch's filled region, then two samples following it (class and sketch guided)."""
        if self._grid is None:
            self._grid = self._test_conditions(20, 1)
        _, c, y, _ = self._grid
        c, y = c.to(self.d.device), y.to(self.d.device)
        fn = sketch_guided(self.ema.module.eval(), torch.cat([c, c]), torch.cat([y, y]), 2.0, 2.0,
                           self.config.num_classes)
        x_T = torch.randn(2 * len(y), 1, 28, 28, generator=generator).to(self.d.device)
        x = sample(fn, self.schedule, "ddim", x_T, 25, generator)
        rows = []
        for i in range(0, len(y), 10):
            rows += [c[i:i + 10, 1:2] * 2 - 1, x[i:i + 10], x[len(y) + i:len(y) + i + 10]]
        return torch.cat(rows)

    def evaluate(self, model, classifier) -> dict:
        """Sketch fidelity on rendered sketches of 200 test garments (see genart/studio/desk/fidelity.py)."""
        return follow_rendered(model, classifier, samples=200, seed=self.args.seed)
