"""Checkpoint files: safetensors weights + a JSON model card beside them.

    assets/checkpoints/<family>/<stem>-v<N>.safetensors   weights only (no pickle: a file cannot run code)
    assets/checkpoints/<family>/<stem>-v<N>.json          model card: config, training record, metrics, sha256

The config and card also travel inside the safetensors metadata, so the weights file alone can
rebuild its model. A published version is never overwritten: `save_checkpoint` writes v<N+1>.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt or does not match its model card."""


REPO = Path(__file__).resolve().parents[2]


def shown(path: Path) -> str:
    """A path as a message may show it: relative to the project, else only its last two parts
    (messages reach users; the server's layout is none of their business)."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else "/".join(path.parts[-2:])


def verify(card_path: Path, card: dict) -> Path:
    """The weights file a card describes, after checking that it exists and its sha256 matches."""
    weights_path = card_path.parent / card["file"]
    if not weights_path.is_file():
        raise CheckpointError(f"{shown(weights_path)} is missing (its model card is {shown(card_path)})")
    st = weights_path.stat()
    digest = _sha256_at(str(weights_path), st.st_size, st.st_mtime_ns)
    if digest != card.get("sha256"):
        raise CheckpointError(
            f"{shown(weights_path)} is corrupt: sha256 {digest[:12]}… does not match the model card's "
            f"{str(card.get('sha256'))[:12]}…; restore the file (git checkout) or retrain")
    return weights_path


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@functools.lru_cache(maxsize=64)
def _sha256_at(path: str, size: int, mtime_ns: int) -> str:
    """sha256_of, remembered while the file's size and modification time stay the same."""
    return sha256_of(Path(path))


def versions(directory: Path, stem: str) -> list[int]:
    """Published versions N of `<stem>-v<N>.json` in `directory`, ascending."""
    pattern = re.compile(rf"^{re.escape(stem)}-v(\d+)\.json$")
    found = [int(m.group(1)) for p in directory.glob(f"{stem}-v*.json") if (m := pattern.match(p.name))]
    return sorted(found)


def latest_card_path(directory: Path, stem: str) -> Path | None:
    found = versions(directory, stem)
    return directory / f"{stem}-v{found[-1]}.json" if found else None


def save_checkpoint(directory: Path, stem: str, state_dict: dict[str, torch.Tensor], card: dict) -> Path:
    """Write weights and card as the next version; return the card's path. Fills card['file'/'sha256'/'version']."""
    directory.mkdir(parents=True, exist_ok=True)
    found = versions(directory, stem)
    version = (found[-1] + 1) if found else 1
    weights_path = directory / f"{stem}-v{version}.safetensors"
    card_path = weights_path.with_suffix(".json")
    tensors = {k: v.detach().to("cpu", torch.float32 if v.is_floating_point() else v.dtype).contiguous()
               for k, v in state_dict.items()}
    card = dict(card, version=version, file=weights_path.name,
                params=sum(t.numel() for k, t in tensors.items() if not _is_buffer_name(k)))
    save_file(tensors, str(weights_path), metadata={"card": json.dumps(card, sort_keys=True)})
    card["sha256"] = sha256_of(weights_path)
    card_path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")
    return card_path


def _is_buffer_name(key: str) -> bool:
    return key.endswith(("running_mean", "running_var", "num_batches_tracked"))


def read_card(card_path: Path) -> dict:
    try:
        return json.loads(card_path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"model card {shown(card_path)} is unreadable: {type(e).__name__}") from e


def load_weights(card_path: Path, card: dict | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    """Load the weights a card describes on the CPU, after checking the sha256 the card records."""
    card = card if card is not None else read_card(card_path)
    weights_path = verify(card_path, card)
    tensors: dict[str, torch.Tensor] = {}
    try:
        with safe_open(str(weights_path), framework="pt", device="cpu") as f:
            for key in f.keys():
                tensors[key] = f.get_tensor(key)
    except SafetensorError as e:
        raise CheckpointError(f"{weights_path} is not a safetensors file ({e})") from e
    return tensors, card


def git_commit() -> str:
    try:
        root = REPO
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "genart"], cwd=root,
                               capture_output=True, text=True).stdout.strip()
        return (sha or "unknown") + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"
