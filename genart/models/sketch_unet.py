"""The U-Net that follows a sketch: the class-conditional U-Net with the sketch as extra input channels.

    x_t (B, 1, 28, 28), t (B,), y (B,), c (B, 3, 28, 28) → v̂ (B, 1, 28, 28)
The condition c (genart/data/sketch.py `SketchCondition.tensor`: lines, filled region, a plane of ones
when a sketch is given) is concatenated to x_t before the first convolution — the Palette idea
(Saharia et al. 2022) at our scale; c = 0 is "no sketch", dropped at random in training so that
guidance on the sketch works (Ho & Salimans 2022). Initialised from diffusion/fashion with the new
input channels' weights at zero (the zero-convolution idea of ControlNet, Zhang et al. 2023), it
starts as exactly that model and learns what the lines add.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from genart.models.unet import UNet, UNetConfig


@dataclass
class SketchUNetConfig(UNetConfig):
    cond_channels: int = 3            # lines, filled region, "a sketch is given"


class SketchUNet(UNet):
    def __init__(self, config: SketchUNetConfig):
        super().__init__(config)
        self.inp = nn.Conv2d(1 + config.cond_channels, config.channels, 3, 1, 1)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """x (B, 1, 28, 28), t (B,), y (B,) class or null, c (B, 3, 28, 28) sketch or zeros → v̂ (B, 1, 28, 28)."""
        return super().forward(torch.cat([x, c.to(x.dtype)], 1), t, y)          # (B, 4, 28, 28) in

    @torch.no_grad()
    def init_from(self, unet_state: dict[str, torch.Tensor]) -> None:
        """Start as the unconditioned U-Net: copy its weights; the sketch channels' input weights are zero."""
        own = self.state_dict()
        for k, v in unet_state.items():
            if k == "inp.weight":
                own[k].zero_()
                own[k][:, :v.shape[1]] = v
            else:
                own[k].copy_(v)


def build(config: dict) -> SketchUNet:
    return SketchUNet(SketchUNetConfig(**config))


def config_dict(config: SketchUNetConfig) -> dict:
    return asdict(config)
