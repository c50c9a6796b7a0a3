"""A small class-conditional U-Net shaped for 28×28 images (Ronneberger et al. 2015; Ho et al. 2020).

    x_t (B, 1, 28, 28), t (B,), y (B,) → v̂ (B, 1, 28, 28)
Levels 28 → 14 → 7 with residual blocks (GroupNorm, SiLU, time + class embedding added after the
first conv), self-attention at 7×7, skip connections by concatenation. Class y ∈ {0..9} or the
null class `num_classes` (dropped labels, for classifier-free guidance). The network knows
nothing of betas: t enters only through a sinusoidal embedding.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class UNetConfig:
    channels: int = 32                # widths c, 2c, 4c at 28, 14, 7 px
    num_classes: int = 10             # + 1 null class for guidance
    dropout: float = 0.0
    schedule: str = "cosine"          # travels with the weights, so samplers rebuild the same process
    T: int = 1000
    prediction: str = "v"


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal embedding (Vaswani et al. 2017): t (B,) → (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.cos(), args.sin()], dim=1)


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, emb: int, dropout: float):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, c_in), nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.emb = nn.Linear(emb, c_out)
        self.norm2, self.conv2 = nn.GroupNorm(8, c_out), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))                                # (B, c_out, H, W)
        h = h + self.emb(e)[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Attention(nn.Module):
    """Single-head self-attention over the H·W positions."""

    def __init__(self, c: int):
        super().__init__()
        self.norm, self.qkv, self.out = nn.GroupNorm(8, c), nn.Conv2d(c, 3 * c, 1), nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).flatten(2).transpose(1, 2).chunk(3, dim=2)   # (B, HW, C) each
        a = F.scaled_dot_product_attention(q, k, v)                                     # (B, HW, C)
        return x + self.out(a.transpose(1, 2).reshape(b, c, h, w))


class UNet(nn.Module):
    def __init__(self, config: UNetConfig):
        super().__init__()
        self.config = config
        c, e = config.channels, 4 * config.channels
        self.time = nn.Sequential(nn.Linear(c, e), nn.SiLU(), nn.Linear(e, e))
        self.label = nn.Embedding(config.num_classes + 1, e)
        self.inp = nn.Conv2d(1, c, 3, 1, 1)
        self.d1 = ResBlock(c, c, e, config.dropout)                          # 28
        self.down1 = nn.Conv2d(c, c, 3, 2, 1)                                # 28 → 14
        self.d2 = ResBlock(c, 2 * c, e, config.dropout)                      # 14
        self.down2 = nn.Conv2d(2 * c, 2 * c, 3, 2, 1)                        # 14 → 7
        self.d3 = ResBlock(2 * c, 4 * c, e, config.dropout)                  # 7
        self.mid1, self.attn, self.mid2 = (ResBlock(4 * c, 4 * c, e, config.dropout), Attention(4 * c),
                                           ResBlock(4 * c, 4 * c, e, config.dropout))
        self.u3 = ResBlock(8 * c, 2 * c, e, config.dropout)                  # 7, skip from d3
        self.up2 = nn.ConvTranspose2d(2 * c, 2 * c, 4, 2, 1)                 # 7 → 14
        self.u2 = ResBlock(4 * c, c, e, config.dropout)                      # 14, skip from d2
        self.up1 = nn.ConvTranspose2d(c, c, 4, 2, 1)                         # 14 → 28
        self.u1 = ResBlock(2 * c, c, e, config.dropout)                      # 28, skip from d1
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, 1, 3, 1, 1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x (B, 1, 28, 28), t (B,) integer timesteps, y (B,) class or null → v̂ (B, 1, 28, 28)."""
        e = self.time(timestep_embedding(t, self.config.channels)) + self.label(y)       # (B, 4c)
        h1 = self.d1(self.inp(x), e)                                                      # (B, c, 28, 28)
        h2 = self.d2(self.down1(h1), e)                                                   # (B, 2c, 14, 14)
        h3 = self.d3(self.down2(h2), e)                                                   # (B, 4c, 7, 7)
        m = self.mid2(self.attn(self.mid1(h3, e)), e)                                     # (B, 4c, 7, 7)
        u = self.u3(torch.cat([m, h3], 1), e)                                             # (B, 2c, 7, 7)
        u = self.u2(torch.cat([self.up2(u), h2], 1), e)                                   # (B, c, 14, 14)
        u = self.u1(torch.cat([self.up1(u), h1], 1), e)                                   # (B, c, 28, 28)
        return self.out(u)


def build(config: dict) -> UNet:
    return UNet(UNetConfig(**config))


def config_dict(config: UNetConfig) -> dict:
    return asdict(config)
