"""genart: an interactive art studio — painting styles, VAE latents, GAN seeds, diffusion step by step."""

__version__ = "0.1.0"
