"""Tiny untrained checkpoints for wiring tests (families not shipped yet, or where the model does not matter)."""

from pathlib import Path


def tiny_checkpoint(root: Path, family: str, **config_overrides) -> None:
    """An untrained, tiny stand-in checkpoint of `family` under root/<family>/ (wiring tests only);
    `config_overrides` change its config (e.g. another noise schedule)."""
    import importlib

    from genart.checkpoints import save_checkpoint

    module, config = {"classifier": ("genart.models.classifier", {"channels": 4, "features": 8}),
                      "vae": ("genart.models.vae", {"latent": 8, "local_channels": 2, "class_latent": True,
                                                    "channels": 8, "pca_directions": 8}),
                      "gan": ("genart.models.gan", {"z_dim": 16, "g_channels": 8, "d_channels": 8}),
                      "diffusion": ("genart.models.unet", {"channels": 8})}[family]
    config = {**config, **config_overrides}
    import torch
    torch.manual_seed(0)
    model = importlib.import_module(module).build(config)
    save_checkpoint(root / family, "fashion", model.state_dict(),
                    {"name": f"{family}/fashion", "family": family, "config": config, "metrics": {},
                     "training": {"command": "tests/standins.py: untrained stand-in"}})
