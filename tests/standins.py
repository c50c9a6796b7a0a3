"""Tiny untrained checkpoints, only for tests that ask for them by name (conftest's `standin_checkpoints`,
or a tmp checkpoint root of their own) because the model's quality does not matter to them; and the
check that the shipped checkpoints are all there (conftest's `checkpoint_root`)."""

from pathlib import Path


def tiny_checkpoint(root: Path, family: str, **config_overrides) -> None:
    """An untrained, tiny stand-in checkpoint of `family` under root/<family>/ (wiring tests only);
    `config_overrides` change its config (e.g. another noise schedule)."""
    import importlib

    from genart.core.checkpoints import save_checkpoint

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


def shipped_problems(root: Path) -> list[str]:
    """One line per registry model whose checkpoint under `root` is missing or does not match its card."""
    from genart.core.checkpoints import CheckpointError, load_weights
    from genart.core.registry import SPECS, Registry

    registry, problems = Registry(root), []
    for spec in SPECS:
        try:
            load_weights(registry.card_path(spec.name))                 # the card, the file and its sha256
        except CheckpointError as e:
            problems.append(f"{spec.name}: {e}")
    return problems


TINY = {"vae": {"latent": 8, "local_channels": 2, "class_latent": True, "channels": 8, "pca_directions": 8},
        "gan": {"z_dim": 16, "g_channels": 8, "d_channels": 8},
        "diffusion": {"channels": 8}}


def user_checkpoint(root: Path, family: str, stem: str, classes: list[str], seed: int = 0, paper: list | None = None,
                    **config) -> Path:
    """A tiny, randomly initialised model of `family` published as a user model would be:
    root/<family>/<stem>-v<N> with the card's "classes" (wiring tests: any size and colour the family's
    config takes) and, if given, its "paper" (its training images' background); → its card's path."""
    import importlib

    import torch

    from genart.core.checkpoints import save_checkpoint
    from genart.core.registry import FAMILY_MODULES

    config = {**TINY[family], "num_classes": len(classes), **config}
    torch.manual_seed(seed)
    model = importlib.import_module(FAMILY_MODULES[family]).build(config)
    return save_checkpoint(root / family, stem, model.state_dict(),
                           {"name": f"{family}/{stem}", "family": family, "config": config, "classes": list(classes),
                            "metrics": {}, "training": {"command": "tests/standins.py: untrained user model"},
                            **({"paper": paper} if paper is not None else {})})
