"""Class-conditional DCGAN-family GAN for S×S images (S = 28, 32 or 64; C = 1 or 3 channels).

Generator G(z, y): z ~ N(0, I) (B, 128) and a class y → image (B, C, S, S) in [-1, 1], with
class-conditional batch norm (gains and biases from an embedding of y). G starts from a b×b map
(b = 7 for 28 px, else 8) and doubles it with 2 up blocks (28, 32 px) or 3 (64 px); D mirrors it.
Discriminator D(x, y): spectral-normalised convolutions (Miyato et al. 2018) and a projection
head (Miyato & Koyama 2018): D(x, y) = ψ(φ(x)) + ⟨embed(y), φ(x)⟩.
Seeds, truncation ψ (the "truncation trick", Brock et al. 2019; Karras et al. 2019), slerp and
crossover live at the end of this file (`latent`, `truncate`, ...): z is drawn from the seed and
pulled toward the mean.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


@dataclass
class GANConfig:
    z_dim: int = 128
    g_channels: int = 32        # G widths 4c (b×b), 2c, c (, c at 64 px); b = S / 4 (S / 8 at 64 px)
    d_channels: int = 32        # D widths c (S/2), 2c (S/4) (, 4c (S/8) at 64 px), 4c
    num_classes: int = 10
    image_size: int = 28        # S: 28, 32 or 64
    image_channels: int = 1     # C: 1 (gray) or 3 (RGB)


SIZES, CHANNELS = (28, 32, 64), (1, 3)


def check_shape(size: int, channels: int) -> None:
    if size not in SIZES or channels not in CHANNELS:
        raise ValueError(f"images must be {'/'.join(map(str, SIZES))} px with 1 or 3 channels, not {size} px × "
                         f"{channels}")


def base_and_ups(size: int) -> tuple[int, int]:
    """The generator's first map side b and its number of ×2 up blocks: 28 → (7, 2), 32 → (8, 2), 64 → (8, 3)."""
    return {28: (7, 2), 32: (8, 2), 64: (8, 3)}[size]


class ConditionalBatchNorm(nn.Module):
    """BN without affine; γ(y), β(y) from a class embedding (initialised to γ = 1, β = 0)."""

    def __init__(self, channels: int, num_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.embed = nn.Embedding(num_classes, 2 * channels)
        nn.init.ones_(self.embed.weight[:, :channels])
        nn.init.zeros_(self.embed.weight[:, channels:])

    def forward(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.embed(y).chunk(2, dim=1)                         # (B, C) each
        return self.bn(h) * gamma[:, :, None, None] + beta[:, :, None, None]


class GBlock(nn.Module):
    """CBN → ReLU → 4×4 transposed conv, stride 2 (DCGAN's upsampling; doubles H and W)."""

    def __init__(self, c_in: int, c_out: int, num_classes: int):
        super().__init__()
        self.norm = ConditionalBatchNorm(c_in, num_classes)
        self.conv = nn.ConvTranspose2d(c_in, c_out, 4, 2, 1)

    def forward(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.relu(self.norm(h, y)))


class Generator(nn.Module):
    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        check_shape(config.image_size, config.image_channels)
        c, K = config.g_channels, config.num_classes
        self.base, ups = base_and_ups(config.image_size)
        self.fc = nn.Linear(config.z_dim, 4 * c * self.base ** 2)
        self.block1 = GBlock(4 * c, 2 * c, K)                                # (B, 2c, 2b, 2b)
        self.block2 = GBlock(2 * c, c, K)                                    # (B, c, 4b, 4b)
        self.block3 = GBlock(c, c, K) if ups == 3 else None                  # (B, c, 8b, 8b): 64 px only
        self.out = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, config.image_channels, 3, 1, 1),
                                 nn.Tanh())

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """z (B, z_dim), y (B,) → x (B, C, S, S) in [-1, 1]."""
        h = self.fc(z).view(-1, 4 * self.config.g_channels, self.base, self.base)   # (B, 4c, b, b)
        h = self.block2(self.block1(h, y), y)                                     # (B, c, 4b, 4b)
        if self.block3 is not None:
            h = self.block3(h, y)                                                 # (B, c, 8b, 8b)
        return self.out(h)


class Discriminator(nn.Module):
    def __init__(self, config: GANConfig):
        super().__init__()
        check_shape(config.image_size, config.image_channels)
        c = config.d_channels
        act = lambda: nn.LeakyReLU(0.1)
        extra = [spectral_norm(nn.Conv2d(2 * c, 4 * c, 4, 2, 1)), act()] if config.image_size == 64 else []
        self.phi = nn.Sequential(
            spectral_norm(nn.Conv2d(config.image_channels, c, 4, 2, 1)), act(),  # (B, c, S/2, S/2)
            spectral_norm(nn.Conv2d(c, 2 * c, 4, 2, 1)), act(),                # (B, 2c, S/4, S/4)
            *extra,                                                            # (B, 4c, 8, 8): 64 px only
            spectral_norm(nn.Conv2d(4 * c if extra else 2 * c, 4 * c, 3, 1, 1)), act(),   # (B, 4c, b, b)
        )
        self.psi = spectral_norm(nn.Linear(4 * c, 1))
        self.embed = spectral_norm(nn.Embedding(config.num_classes, 4 * c))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x (B, C, S, S), y (B,) → D(x, y) (B,), unbounded (hinge loss)."""
        h = self.phi(x).sum(dim=(2, 3))                                     # (B, 4c) global sum pooling
        return self.psi(h).squeeze(1) + (self.embed(y) * h).sum(1)          # projection


def build(config: dict) -> Generator:
    """The registry ships the generator only (its EMA weights)."""
    return Generator(GANConfig(**config))


def config_dict(config: GANConfig) -> dict:
    return asdict(config)


# ----------------------------------------------------------------------------- seeds → latents
# Every latent comes from an explicit torch.Generator seeded by the user's seed, so the same seed,
# class and ψ give the same image on every run.

def latent(seed: int, z_dim: int) -> torch.Tensor:
    """The latent of a seed: z ~ N(0, I), shape (z_dim,)."""
    return torch.randn(z_dim, generator=torch.Generator().manual_seed(int(seed)))


def class_for(seed: int, label: int | None, num_classes: int = 10) -> int:
    """`label`, or for "any" (None) a class drawn from the seed itself."""
    if label is not None:
        return int(label)
    g = torch.Generator().manual_seed(int(seed) + 7_919)
    return int(torch.randint(0, num_classes, (1,), generator=g))


def truncate(z: torch.Tensor, psi: float) -> torch.Tensor:
    """Truncation trick: pull z toward the mean of N(0, I), z' = ψ z (ψ = 1: no truncation)."""
    return z * float(psi)


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985) of (…, d) latents; t broadcasts over leading dims."""
    t = torch.as_tensor(t, dtype=z0.dtype)
    cos = (z0 * z1).sum(-1, keepdim=True) / (z0.norm(dim=-1, keepdim=True) * z1.norm(dim=-1, keepdim=True))
    omega = torch.arccos(cos.clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / so) * z0 + (torch.sin(t * omega) / so) * z1


def variation(z: torch.Tensor, seed: int, k: int, strength: float) -> torch.Tensor:
    """The k-th variation around z: slerp toward the latent of (seed, k) by `strength` ∈ [0, 1]."""
    other = torch.randn(z.shape, generator=torch.Generator().manual_seed(int(seed) * 1_009 + 17 + int(k)))
    return slerp(z, other, float(strength))


def crossover(za: torch.Tensor, zb: torch.Tensor, seed: int) -> torch.Tensor:
    """A child taking each latent coordinate from parent a or b (uniform crossover, as Artbreeder's genes)."""
    mask = torch.rand(za.shape, generator=torch.Generator().manual_seed(int(seed))) < 0.5
    return torch.where(mask, za, zb)


@torch.no_grad()
def render(G: Generator, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """z (B, z_dim), labels (B,) → images (B, C, S, S) in [-1, 1] on G's device, eval mode."""
    device = next(G.parameters()).device
    return G.eval()(z.to(device), labels.to(device))
