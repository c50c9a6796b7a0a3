"""Train the feature classifier: cross-entropy with label smoothing, flips and small shifts.

Loss: L = CE_ε(f(aug(x)), y), ε = 0.1; AdamW with linear warm-up then cosine decay.
Trained on the train split only; the test split is its measure (and the metrics' floor).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from genart.eval.evaluate import classifier_accuracy
from genart.models.classifier import Classifier, ClassifierConfig, config_dict
from genart.train.common import EMA, Dist, RunArgs, autocast, lr_factor, step_seed, wrap_ddp


def augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """x (B, 1, 28, 28): random horizontal flip and a shift of up to 2 px (zero = background)."""
    b = x.shape[0]
    flip = torch.rand(b, generator=g) < 0.5
    x = torch.where(flip.view(b, 1, 1, 1).to(x.device), x.flip(-1), x)
    padded = F.pad(x, (2, 2, 2, 2), value=-1.0)                                  # (B, 1, 32, 32)
    dx, dy = torch.randint(0, 5, (2,), generator=g).tolist()
    return padded[:, :, dy:dy + 28, dx:dx + 28]


class ClassifierTask:
    family = "classifier"
    # the shipped recipe (classifier/fashion-v1): `python -m genart train classifier` with no flags runs it
    recipe = dict(steps=2800, batch_size=128, lr=3e-3, precision="auto", sample_every=0)

    def __init__(self, args: RunArgs, d: Dist, config: ClassifierConfig | None = None):
        self.args, self.d = args, d
        self.config = config or ClassifierConfig()
        self.model = Classifier(self.config).to(d.device, memory_format=torch.channels_last)
        self.ema = EMA(self.model, beta=0.998)
        self.net = wrap_ddp(self.model, d)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=args.lr, weight_decay=5e-4)
        self.modules = {"model": self.model, "ema": self.ema.module}
        self.optimizers = {"opt": self.opt}
        self.warmup = max(1, min(200, args.steps // 10))

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> dict[str, float]:
        g = torch.Generator().manual_seed(step_seed(self.args.seed, step, self.d))
        for group in self.opt.param_groups:
            group["lr"] = self.args.lr * lr_factor(step, self.args.steps, self.warmup)
        self.net.train()
        with autocast(self.d, self.args.precision):
            logits = self.net(augment(x, g)).float()                               # (B, 10)
            loss = F.cross_entropy(logits, y, label_smoothing=0.1)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.ema.update(self.model, step)
        return {"loss": loss.item(), "acc": (logits.argmax(1) == y).float().mean().item()}

    def sample_grid(self, generator: torch.Generator) -> torch.Tensor:
        return torch.zeros(0, 1, 28, 28)            # a classifier draws nothing

    def export(self, images: torch.Tensor, labels: torch.Tensor):
        return self.ema.module, config_dict(self.config)

    def evaluate(self, model, classifier=None) -> dict:
        """The classifier measures itself (test accuracy); it has no feature classifier to judge it."""
        return classifier_accuracy(model, self.args.data)
