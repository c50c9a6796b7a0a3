"""Convolutional VAE (Kingma & Welling 2014) for S×S images (28, 32 or 64 px; gray or colour), with a
Bernoulli decoder, a class
latent y (the M2 model of Kingma et al. 2014, "Semi-supervised learning with deep generative
models") and, optionally, a local latent map below the global one (top-down, as the Ladder VAE of
Sønderby et al. 2016 infers it).

    y ∈ {1..K}          which garment                              p(y) = 1/K
    z₁ ∈ R^d            its global shape and style                 p(z₁) = N(0, I)
    z₂ ∈ R^{k×b×b}      local detail (optional, k > 0)             p(z₂|y, z₁) = N(μ_p, σ_p²)
    q(y|x) = Cat(π(x)),  q(z₁|x, y) = N(μ₁, σ₁²),  q(z₂|x, y, z₁) = N(μ_p + σ_p ⊙ μ₂, σ_p² ⊙ σ₂²)
    p_θ(x|y, z₁, z₂) = Bernoulli(sigmoid(logits_θ))       per pixel and channel, on intensities in [0, 1]

b is the side of the deepest feature map: S / 4 (7 at 28 px, 8 at 32 px), and 8 at 64 px, which has one
more stride-2 level. The Bernoulli likelihood of [0, 1] intensities (the usual choice for MNIST-like data)
serves colour too: each of the C channels is one more "pixel" of the same kind; it is a density on
continuous intensities, not a likelihood of 8-bit pixels, so its bits/dim compare only with other
Bernoulli VAEs.

z₂ is written through its standardised residual ε₂ = (z₂ − μ_p) / σ_p (prior N(0, I); KL is
invariant under the shared affine map). With the label known (training: every image is labelled)

    L(x, y) = −E_q[log p_θ(x|y, z)] + KL(q(z|x, y) ‖ N(0, I)) + log K            (≥ −log p(x, y))

and for an image alone y is a latent too, summed out exactly:

    −ELBO(x) = Σ_y π_y(x) L(x, y) − H(π(x))                                       (≥ −log p(x))

The latent a user sees is one flat vector z = [y, z₁, ε₂]: y as K class weights (the decoder uses
relu(y) / Σ relu(y), so a one-hot is a class and a mixture blends classes), then the Gaussian
parts. Decoding z is deterministic, so sliders, interpolation and random draws work on it as on
any VAE latent. `class_latent = False, local_channels = 0` is the single-level VAE of
vae/fashion-v1.

The module also carries the directions the latent sliders move along, computed once by the
trainer at export: principal components of the encoded training set's z₁ (`pca_components`,
ordered by variance, with their standard deviations `pca_std`; zero on y and ε₂) and the class
means of z (`class_means`). Pixels are in [-1, 1] at the module's boundary.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from genart.models.gan import check_shape


@dataclass
class VAEConfig:
    latent: int = 32            # d: global Gaussian latent z₁, the PCA sliders' space
    local_channels: int = 8     # k: local latent z₂ is a (k, b, b) map (b = 7 at 28 px); 0 → none
    class_latent: bool = True   # y: a categorical latent over the K classes (M2); False → none
    channels: int = 32          # encoder widths c, 2c, 4c; the decoder mirrors them
    num_classes: int = 10       # K
    pca_directions: int = 16
    image_size: int = 28        # S: 28, 32 or 64
    image_channels: int = 1     # C: 1 (gray) or 3 (RGB)


def base_side(size: int) -> int:
    """b, the side of the deepest feature map: 28 → 7, 32 → 8, 64 → 8 (one more stride-2 level)."""
    check_shape(size, 1)
    return {28: 7, 32: 8, 64: 8}[size]


def _block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1), nn.GroupNorm(8, c_out), nn.SiLU())


def _up(c_in: int, c_out: int) -> nn.Sequential:
    """4×4 transposed conv, stride 2: doubles H and W (cheaper than upsample + 3×3 conv on a CPU)."""
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1), nn.GroupNorm(8, c_out), nn.SiLU())


class VAE(nn.Module):
    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        c, d, k, C = config.channels, config.latent, config.local_channels, config.image_channels
        check_shape(config.image_size, C)
        self.b = b = base_side(config.image_size)
        deep = config.image_size == 64                           # one more stride-2 level: 64 → 32 → 16 → 8
        self.y_dim = config.num_classes if config.class_latent else 0
        self.z_dim = self.y_dim + d + k * b * b                  # the flat latent z = [y, z₁, ε₂]
        self.encoder = nn.Sequential(
            _block(C, c), _block(c, c, 2),                      # (B, c, S/2, S/2)
            _block(c, 2 * c), _block(2 * c, 2 * c, 2),          # (B, 2c, S/4, S/4)
            *([_block(2 * c, 2 * c, 2)] if deep else []),       # (B, 2c, 8, 8): 64 px only
            _block(2 * c, 4 * c), nn.Flatten(),                 # (B, 4c·b²)
        )
        if self.y_dim:
            self.classify = nn.Linear(4 * c * b * b, self.y_dim)                          # logits of q(y|x)
        self.to_stats = nn.Linear(4 * c * b * b + self.y_dim, 2 * d)                       # μ₁, log σ₁²
        self.from_z = nn.Sequential(nn.Linear(self.y_dim + d, 4 * c * b * b), nn.SiLU())
        if k:
            self.prior = nn.Conv2d(4 * c, 2 * k, 3, 1, 1)                                 # μ_p, log σ_p² of z₂
            self.posterior = nn.Sequential(_block(8 * c, 4 * c), nn.Conv2d(4 * c, 2 * k, 3, 1, 1))  # μ₂, log σ₂²
        self.decoder = nn.Sequential(
            _block(4 * c + k, 4 * c),                            # (B, 4c, b, b)
            _up(4 * c, 2 * c), _block(2 * c, 2 * c),             # (B, 2c, 2b, 2b)
            _up(2 * c, c),                                       # (B, c, 4b, 4b)
            *([_up(c, c)] if deep else []),                      # (B, c, 64, 64): 64 px only
            nn.Conv2d(c, C, 3, 1, 1),                            # (B, C, S, S) Bernoulli logits
        )
        n = config.pca_directions
        self.register_buffer("pca_mean", torch.zeros(self.z_dim))
        self.register_buffer("pca_components", torch.eye(self.z_dim)[self.y_dim:self.y_dim + n])   # (n, z_dim)
        self.register_buffer("pca_std", torch.ones(n))
        self.register_buffer("class_means", torch.zeros(config.num_classes, self.z_dim))

    # ------------------------------------------------------------------------------ inference q(y, z|x)
    def _top(self, yz1: torch.Tensor) -> torch.Tensor:
        """[y, z₁] (B, K + d) → the decoder's b×b features (B, 4c, b, b), shared by p(z₂|·) and q(z₂|x, ·)."""
        return self.from_z(yz1).view(-1, 4 * self.config.channels, self.b, self.b)

    def class_logits(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, S, S) → logits of q(y|x) (B, K)."""
        return self.classify(self.encoder(x))

    def _infer(self, h: torch.Tensor, y: torch.Tensor, sample: bool, generator: torch.Generator | None = None):
        """Trunk features h (B, 4c·b²) and class weights y (B, K or 0) → μ, log σ², z of the Gaussian
        parts [z₁, ε₂] (B, d + k·b²) each; z is drawn (with `generator`) when `sample`, else z = μ."""
        mu1, logvar1 = self.to_stats(torch.cat([h, y], 1)).chunk(2, dim=1)
        logvar1 = logvar1.clamp(-12, 8)
        z1 = mu1 if not sample else mu1 + (0.5 * logvar1).exp() * _noise(mu1, generator)
        if not self.config.local_channels:
            return mu1, logvar1, z1
        h = h.view(-1, 4 * self.config.channels, self.b, self.b)
        mu2, logvar2 = self.posterior(torch.cat([h, self._top(torch.cat([y, z1], 1))], 1)).flatten(1).chunk(2, 1)
        logvar2 = logvar2.clamp(-12, 8)
        e2 = mu2 if not sample else mu2 + (0.5 * logvar2).exp() * _noise(mu2, generator)
        return torch.cat([mu1, mu2], 1), torch.cat([logvar1, logvar2], 1), torch.cat([z1, e2], 1)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, C, S, S) in [-1, 1] → the latent z = [one-hot ŷ, μ] (B, z_dim), ŷ the most probable class,
        and log σ² (zero on y)."""
        h = self.encoder(x)
        y = F.one_hot(self.classify(h).argmax(1), self.y_dim).to(h.dtype) if self.y_dim else h[:, :0]
        mu, logvar, _ = self._infer(h, y, sample=False)
        return torch.cat([y, mu], 1), torch.cat([torch.zeros_like(y), logvar], 1)

    # ------------------------------------------------------------------------------ generation p(x|z)
    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, z_dim) → Bernoulli logits (B, C, S, S)."""
        K, d, k = self.y_dim, self.config.latent, self.config.local_channels
        y = z[:, :K].relu()
        y = y / y.sum(1, keepdim=True).clamp_min(1e-6)                            # class weights on the simplex
        h = self._top(torch.cat([y, z[:, K:K + d]], 1))                           # (B, 4c, b, b)
        if k:
            mu_p, logvar_p = self.prior(h).chunk(2, dim=1)                          # (B, k, b, b) each
            z2 = mu_p + (0.5 * logvar_p.clamp(-12, 8)).exp() * z[:, K + d:].view(-1, k, self.b, self.b)
            h = torch.cat([h, z2], 1)                                               # (B, 4c + k, b, b)
        return self.decoder(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (B, z_dim) → image mean (B, C, S, S) in [-1, 1]."""
        return torch.sigmoid(self.decode_logits(z)) * 2 - 1

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws of z from the prior: y uniform over the classes (one-hot), the Gaussian parts N(0, I)."""
        gauss = torch.randn(n, self.z_dim - self.y_dim, generator=generator)
        if not self.y_dim:
            return gauss
        y = torch.randint(0, self.y_dim, (n,), generator=generator)
        return torch.cat([F.one_hot(y, self.y_dim).float(), gauss], 1)

    # ------------------------------------------------------------------------------ the bound
    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, generator: torch.Generator | None = None):
        """One reparameterised pass with the label y (B,) known → Bernoulli logits, the Gaussian parts' μ and
        log σ², and the logits of q(y|x). Without a class latent y is ignored (and class logits are None)."""
        h = self.encoder(x)
        if self.y_dim:
            class_logits = self.classify(h)
            onehot = F.one_hot(y, self.y_dim).to(h.dtype)
        else:
            class_logits, onehot = None, h[:, :0]
        mu, logvar, z = self._infer(h, onehot, sample=True, generator=generator)
        return self.decode_logits(torch.cat([onehot, z], 1)), mu, logvar, class_logits

    def labelled_bound(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None = None):
        """L(x, y) split as (reconstruction NLL, KL) per image, nats (B,), (B,); the KL includes log K for y;
        and the logits of q(y|x)."""
        logits, mu, logvar, class_logits = self(x, y, generator)
        rec, kl = neg_elbo_terms(logits, x, mu, logvar)
        return rec, kl + math.log(self.y_dim or 1), class_logits

    def neg_elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """−ELBO(x) per image (B,), nats; the class y summed out exactly under q(y|x)."""
        if not self.y_dim:
            rec, kl, _ = self.labelled_bound(x, None, generator)
            return rec + kl
        h = self.encoder(x)
        log_pi = F.log_softmax(self.classify(h), 1)                                 # (B, K)
        total = (log_pi.exp() * log_pi).sum(1)                                      # −H(π)
        for c in range(self.y_dim):
            onehot = F.one_hot(torch.full((len(x),), c, device=x.device), self.y_dim).to(h.dtype)
            mu, logvar, z = self._infer(h, onehot, sample=True, generator=generator)
            rec, kl = neg_elbo_terms(self.decode_logits(torch.cat([onehot, z], 1)), x, mu, logvar)
            total = total + log_pi[:, c].exp() * (rec + kl + math.log(self.y_dim))
        return total


def _noise(like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    return torch.randn(like.shape, generator=generator, device=like.device, dtype=like.dtype)


def neg_elbo_terms(logits: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor):
    """Per-image reconstruction NLL and KL, in nats: (B,), (B,). x in [-1, 1] → Bernoulli targets in [0, 1]."""
    target = (x + 1) / 2
    rec = F.binary_cross_entropy_with_logits(logits, target, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)                 # KL(N(μ, σ²) ‖ N(0, I))
    return rec, kl


def build(config: dict) -> VAE:
    """From a model card's config; cards written before the class and local latents are single-level."""
    return VAE(VAEConfig(**{"local_channels": 0, "class_latent": False, **config}))


def config_dict(config: VAEConfig) -> dict:
    return asdict(config)
