"""The feature classifier: a small CNN that names a Fashion-MNIST garment.

Besides `/classify`, its penultimate features are the space in which genart/eval/metrics.py measures
generated images (FD-FMNIST, KID, precision/recall), so it is trained on the train split only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from genart.data.datasets import CLASSES


@dataclass
class ClassifierConfig:
    channels: int = 32          # width of the first block; the second has 2×
    features: int = 256         # penultimate feature size (the metrics' embedding)
    num_classes: int = 10
    dropout: float = 0.3


def _conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class Classifier(nn.Module):
    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.body = nn.Sequential(
            _conv_bn(1, c), _conv_bn(c, c), nn.MaxPool2d(2),                 # (B, c, 14, 14)
            _conv_bn(c, 2 * c), _conv_bn(2 * c, 2 * c), nn.MaxPool2d(2),     # (B, 2c, 7, 7)
        )
        self.embed = nn.Sequential(
            nn.Flatten(), nn.Dropout(config.dropout),
            nn.Linear(2 * c * 7 * 7, config.features), nn.BatchNorm1d(config.features), nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(config.features, config.num_classes))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, 28, 28) in [-1, 1] → penultimate features (B, features)."""
        return self.embed(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, 28, 28) in [-1, 1] → class logits (B, num_classes)."""
        return self.head(self.features(x))


def build(config: dict) -> Classifier:
    return Classifier(ClassifierConfig(**config))


def config_dict(config: ClassifierConfig) -> dict:
    return asdict(config)


@torch.no_grad()
def predict(model: Classifier, garments: torch.Tensor) -> list[dict]:
    """garments (B, 1, 28, 28) in [-1, 1] → [{"label": name, "probs": {name: p}}] per image."""
    device = next(model.parameters()).device
    return answers(model(garments.to(device)))


def answers(logits: torch.Tensor) -> list[dict]:
    """Class logits (B, K) → [{"label": name, "probs": {name: p}}] per row (softmax in the logits' dtype)."""

    probs = logits.softmax(-1).cpu()                                         # (B, K)
    return [{"label": CLASSES[int(p.argmax())], "probs": {c: round(float(v), 4) for c, v in zip(CLASSES, p)}}
            for p in probs]
