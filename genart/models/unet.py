"""A small class-conditional U-Net for S×S images, S = 28, 32 or 64, C = 1 or 3 channels (Ronneberger et
al. 2015; Ho et al. 2020).

    x_t (B, C, S, S), t (B,), y (B,) → v̂ (B, C, S, S)
Levels S → S/2 → S/4 (28 → 14 → 7, 32 → 16 → 8, 64 → 32 → 16) with residual blocks (GroupNorm, SiLU,
time + class embedding added after the first conv), self-attention at S/4, skip connections by
concatenation. Class y ∈ {0..9} or the
null class `num_classes` (dropped labels, for classifier-free guidance). The network knows
nothing of betas: t enters only through a sinusoidal embedding.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from genart.models.gan import check_shape


@dataclass
class UNetConfig:
    channels: int = 32                # widths c, 2c, 4c at S, S/2, S/4 px
    num_classes: int = 10             # + 1 null class for guidance
    dropout: float = 0.0
    schedule: str = "cosine"          # travels with the weights, so samplers rebuild the same process
    T: int = 1000
    prediction: str = "v"
    image_size: int = 28              # S: 28, 32 or 64
    image_channels: int = 1           # C: 1 (gray) or 3 (RGB)


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
        check_shape(config.image_size, config.image_channels)
        c, e, C = config.channels, 4 * config.channels, config.image_channels
        self.time = nn.Sequential(nn.Linear(c, e), nn.SiLU(), nn.Linear(e, e))
        self.label = nn.Embedding(config.num_classes + 1, e)
        self.inp = nn.Conv2d(C, c, 3, 1, 1)
        self.d1 = ResBlock(c, c, e, config.dropout)                          # S
        self.down1 = nn.Conv2d(c, c, 3, 2, 1)                                # S → S/2
        self.d2 = ResBlock(c, 2 * c, e, config.dropout)                      # S/2
        self.down2 = nn.Conv2d(2 * c, 2 * c, 3, 2, 1)                        # S/2 → S/4
        self.d3 = ResBlock(2 * c, 4 * c, e, config.dropout)                  # S/4
        self.mid1, self.attn, self.mid2 = (ResBlock(4 * c, 4 * c, e, config.dropout), Attention(4 * c),
                                           ResBlock(4 * c, 4 * c, e, config.dropout))
        self.u3 = ResBlock(8 * c, 2 * c, e, config.dropout)                  # S/4, skip from d3
        self.up2 = nn.ConvTranspose2d(2 * c, 2 * c, 4, 2, 1)                 # S/4 → S/2
        self.u2 = ResBlock(4 * c, c, e, config.dropout)                      # S/2, skip from d2
        self.up1 = nn.ConvTranspose2d(c, c, 4, 2, 1)                         # S/2 → S
        self.u1 = ResBlock(2 * c, c, e, config.dropout)                      # S, skip from d1
        self.out = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, C, 3, 1, 1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x (B, C, S, S), t (B,) integer timesteps, y (B,) class or null → v̂ (B, C, S, S)."""
        e = self.time(timestep_embedding(t, self.config.channels)) + self.label(y)       # (B, 4c)
        h1 = self.d1(self.inp(x), e)                                                      # (B, c, S, S)
        h2 = self.d2(self.down1(h1), e)                                                   # (B, 2c, S/2, S/2)
        h3 = self.d3(self.down2(h2), e)                                                   # (B, 4c, S/4, S/4)
        m = self.mid2(self.attn(self.mid1(h3, e)), e)                                     # (B, 4c, S/4, S/4)
        u = self.u3(torch.cat([m, h3], 1), e)                                             # (B, 2c, S/4, S/4)
        u = self.u2(torch.cat([self.up2(u), h2], 1), e)                                   # (B, c, S/2, S/2)
        u = self.u1(torch.cat([self.up1(u), h1], 1), e)                                   # (B, c, S, S)
        return self.out(u)


def build(config: dict) -> UNet:
    return UNet(UNetConfig(**config))


def config_dict(config: UNetConfig) -> dict:
    return asdict(config)
