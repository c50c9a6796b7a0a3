"""Convolutional VAE (Kingma & Welling 2014) for 28×28 garments, with a Bernoulli decoder.

    q_φ(z|x) = N(μ_φ(x), diag σ²_φ(x))         encoder → μ, log σ²
    z = μ + σ ⊙ ε,  ε ~ N(0, I)                reparameterisation
    p_θ(x|z) = Bernoulli(sigmoid(logits_θ(z)))  decoder
    −ELBO = −E_q[log p_θ(x|z)] + KL(q_φ(z|x) ‖ N(0, I))     (nats per image)

The module also carries the directions the latent sliders move along, computed once by the
trainer at export: principal components of the encoded training set (`pca_components`, ordered
by variance, with their standard deviations `pca_std`) and the class means (`class_means`).
Pixels are in [-1, 1] at the module's boundary, like every model in the studio.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class VAEConfig:
    latent: int = 32
    channels: int = 32          # encoder widths c, 2c, 4c; the decoder mirrors them
    num_classes: int = 10
    pca_directions: int = 16


def _block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1), nn.GroupNorm(8, c_out), nn.SiLU())


def _up(c_in: int, c_out: int) -> nn.Sequential:
    """4×4 transposed conv, stride 2: doubles H and W (cheaper than upsample + 3×3 conv on a CPU)."""
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), nn.GroupNorm(8, c_out), nn.SiLU())


class VAE(nn.Module):
    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        c, d = config.channels, config.latent
        self.encoder = nn.Sequential(
            _block(1, c), _block(c, c, 2),                      # (B, c, 14, 14)
            _block(c, 2 * c), _block(2 * c, 2 * c, 2),          # (B, 2c, 7, 7)
            _block(2 * c, 4 * c), nn.Flatten(),                 # (B, 4c·49)
        )
        self.to_stats = nn.Linear(4 * c * 49, 2 * d)             # μ, log σ²
        self.from_z = nn.Sequential(nn.Linear(d, 4 * c * 49), nn.SiLU())
        self.decoder = nn.Sequential(
            _block(4 * c, 4 * c),                                # (B, 4c, 7, 7)
            _up(4 * c, 2 * c), _block(2 * c, 2 * c),             # (B, 2c, 14, 14)
            _up(2 * c, c),                                       # (B, c, 28, 28)
            nn.Conv2d(c, 1, 3, 1, 1),                            # (B, 1, 28, 28) Bernoulli logits
        )
        k = config.pca_directions
        self.register_buffer("pca_mean", torch.zeros(d))
        self.register_buffer("pca_components", torch.eye(d)[:k])         # (k, d), unit rows
        self.register_buffer("pca_std", torch.ones(k))
        self.register_buffer("class_means", torch.zeros(config.num_classes, d))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 1, 28, 28) in [-1, 1] → μ, log σ² (B, d)."""
        mu, logvar = self.to_stats(self.encoder(x)).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 8)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, d) → Bernoulli logits (B, 1, 28, 28)."""
        h = self.from_z(z).view(-1, 4 * self.config.channels, 7, 7)
        return self.decoder(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, d) → image mean (B, 1, 28, 28) in [-1, 1]."""
        return torch.sigmoid(self.decode_logits(z)) * 2 - 1

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        mu, logvar = self.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + (0.5 * logvar).exp() * eps                                   # reparameterisation
        return self.decode_logits(z), mu, logvar


def neg_elbo_terms(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor):
    """Per-image reconstruction NLL and KL, in nats: (B,), (B,). x in [-1, 1] → Bernoulli targets in [0, 1]."""
    target = (x + 1) / 2
    rec = F.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)                 # KL(N(μ, σ²) ‖ N(0, I))
    return rec, kl


def build(config: dict) -> VAE:
    return VAE(VAEConfig(**config))


def config_dict(config: VAEConfig) -> dict:
    return asdict(config)
