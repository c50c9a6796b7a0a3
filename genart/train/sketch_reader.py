"""Train the sketch reader: the classifier's network, taught to read drawings instead of photos.

Each training garment is drawn by a random hand (genart/data/sketch.py `render_sketch`, amount 1: outline
or filled, stroke width, wobble, gaps, detail lines, blur, a small affine change) and brought to the
models' 28-px convention exactly as a user's sketch is (`garment_from_image`: inverted, outline
filled, cropped, mirrored to face left, centred); a quarter of each batch stays the garment itself
so the reader still reads a filled garment. Loss as train/classifier.py: CE with label smoothing 0.1.
The network starts as classifier/fashion (whose weights stay untouched: it is the FD yardstick).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from genart.core.checkpoints import sha256_of
from genart.core.registry import Registry
from genart.data.datasets import garment_from_image, load_fashion_mnist, to_tensor, to_uint8
from genart.data.sketch import render_sketch
from genart.models.classifier import ClassifierConfig
from genart.train.classifier import ClassifierTask
from genart.train.common import Dist, RunArgs, autocast, lr_factor, step_seed

P_GARMENT = 0.25
INIT = Path("classifier") / "fashion-v1.safetensors"


def read_as_user(drawing: np.ndarray) -> np.ndarray:
    """A drawing (H, W) uint8 dark on white → the (28, 28) garment the models see of it."""
    return garment_from_image(Image.fromarray(drawing))


def drawn(garments: np.ndarray, rng: np.random.Generator, p_garment: float = P_GARMENT) -> np.ndarray:
    """Garments (B, 28, 28) uint8 → what the reader trains on: most drawn by a random hand, some kept."""
    return np.stack([g if rng.random() < p_garment else read_as_user(render_sketch(g, rng, 1.0)) for g in garments])


class SketchReaderTask(ClassifierTask):
    family = "sketch_reader"
    recipe = dict(steps=300, batch_size=128, lr=1e-3, precision="fp32", sample_every=0)

    def __init__(self, args: RunArgs, d: Dist, config: ClassifierConfig | None = None):
        from safetensors.torch import load_file

        super().__init__(args, d, config)
        init = Path(args.ckpt_dir) / INIT
        self.model.load_state_dict(load_file(init))
        self.ema.module.load_state_dict(load_file(init))
        self.card_extra = {"init_from": {"checkpoint": "classifier/fashion-v1", "sha256": sha256_of(init)}}
        self.warmup = max(1, args.steps // 20)

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> dict[str, float]:
        g = torch.Generator().manual_seed(step_seed(self.args.seed, step, self.d))
        rng = np.random.default_rng(int(torch.randint(0, 2 ** 62, (1,), generator=g)))
        x = to_tensor(drawn(to_uint8(x), rng)).to(x.device)                       # (B, 1, 28, 28)
        for group in self.opt.param_groups:
            group["lr"] = self.args.lr * lr_factor(step, self.args.steps, self.warmup)
        self.net.train()
        with autocast(self.d, self.args.precision):
            logits = self.net(x).float()                                           # (B, 10)
            loss = F.cross_entropy(logits, y, label_smoothing=0.1)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.ema.update(self.model, step)
        return {"loss": loss.item(), "acc": (logits.argmax(1) == y).float().mean().item()}

    def evaluate(self, model, classifier=None) -> dict:
        """Accuracy on drawings of 1000 test garments (a fixed hand, seed 0) and on the test garments."""
        images, labels = load_fashion_mnist("test")
        idx = np.random.default_rng(0).permutation(len(images))[:1000]
        sketches = np.stack([read_as_user(render_sketch(images[i], np.random.default_rng(int(i)), 1.0)) for i in idx])
        old = Registry(self.args.ckpt_dir).get("classifier/fashion")

        @torch.no_grad()
        def acc(net, garments):
            return round(float((net.eval()(to_tensor(garments)).argmax(1).numpy() == labels[idx]).mean()), 4)
        return {"rendered_sketch_accuracy": acc(model, sketches), "test_accuracy": acc(model, images[idx]),
                "classifier_fashion_rendered_sketch_accuracy": acc(old, sketches),
                "classifier_fashion_test_accuracy": acc(old, images[idx]), "samples": 1000}
