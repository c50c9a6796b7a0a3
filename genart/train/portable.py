"""A training run's resume state as a folder that can travel (be committed, copied to a GPU machine): its tensors in
safetensors files of at most CHUNK bytes each, everything else in state.json — no pickle, so opening it cannot
run code. `--resume` takes such a folder as well as a state.pt.

    python -m genart train ... --resume runs/colour/diffusion/state.pt   # the usual file
    portable.to_folder(Path("runs/.../state.pt"), Path("training/diffusion-emoji"))
    python -m genart train ... --resume training/diffusion-emoji        # the same run, continued
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

CHUNK = 8 * 2 ** 20                   # bytes of tensors per file (a repository's files stay well under 10 MB)
MARK = "__tensor__"


def _split(tree: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    """The JSON part of a nested state; each tensor replaced by {MARK: its key}, the tensor put in `tensors`."""
    if isinstance(tree, torch.Tensor):
        tensors[prefix] = tree.detach().cpu().contiguous()
        return {MARK: prefix}
    if isinstance(tree, dict):
        return {"__dict__": [[_split(k, f"{prefix}/k{i}", tensors), _split(v, f"{prefix}/{i}", tensors)]
                             for i, (k, v) in enumerate(tree.items())]}
    if isinstance(tree, (list, tuple)):
        return {"__list__": [_split(v, f"{prefix}/{i}", tensors) for i, v in enumerate(tree)],
                "tuple": isinstance(tree, tuple)}
    return tree


def _join(tree: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(tree, dict) and MARK in tree:
        return tensors[tree[MARK]]
    if isinstance(tree, dict) and "__dict__" in tree:
        return {_join(k, tensors): _join(v, tensors) for k, v in tree["__dict__"]}
    if isinstance(tree, dict) and "__list__" in tree:
        items = [_join(v, tensors) for v in tree["__list__"]]
        return tuple(items) if tree.get("tuple") else items
    return tree


def to_folder(state_path: Path, out: Path) -> list[Path]:
    """state.pt → out/state.json + out/tensors-NN.safetensors; returns the files written."""
    state = torch.load(state_path, map_location="cpu", weights_only=True)
    tensors: dict[str, torch.Tensor] = {}
    skeleton = _split(state, "s", tensors)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("tensors-*.safetensors"):
        old.unlink()
    chunks, size = [{}], 0
    for key, t in tensors.items():
        n = t.numel() * t.element_size()
        if chunks[-1] and size + n > CHUNK:
            chunks.append({})
            size = 0
        chunks[-1][key] = t
        size += n
    files = []
    for i, chunk in enumerate(chunks):
        files.append(out / f"tensors-{i:02d}.safetensors")
        save_file(chunk, files[-1])
    (out / "state.json").write_text(json.dumps({"skeleton": skeleton, "files": [f.name for f in files]}))
    return [out / "state.json", *files]


def from_folder(folder: Path) -> dict:
    """The state dict `to_folder` wrote, exactly as torch.load gave it."""
    meta = json.loads((folder / "state.json").read_text())
    tensors: dict[str, torch.Tensor] = {}
    for name in meta["files"]:
        tensors.update(load_file(folder / name))
    return _join(meta["skeleton"], tensors)


def read_state(path: Path) -> dict:
    """A resume state from a state.pt (torch's weights-only loader) or a folder `to_folder` wrote."""
    path = Path(path)
    return from_folder(path) if path.is_dir() else torch.load(path, map_location="cpu", weights_only=True)
