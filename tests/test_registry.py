"""Checkpoint round trip, wrong hash, missing file, lazy thread-safe loading."""

import json
import threading

import pytest
import torch

from genart.core.checkpoints import CheckpointError, load_weights, save_checkpoint, sha256_of
from genart.core.registry import Registry
from genart.models.classifier import Classifier, ClassifierConfig, config_dict

TINY = ClassifierConfig(channels=4, features=8)


def _publish(root):
    torch.manual_seed(0)
    model = Classifier(TINY).eval()
    card = {"name": "classifier/fashion", "family": "classifier", "config": config_dict(TINY),
            "metrics": {"accuracy": 0.5}, "training": {"command": "test"}}
    return model, save_checkpoint(root / "classifier", "fashion", model.state_dict(), card)


def test_round_trip_rebuilds_identical_model(tmp_path):
    model, card_path = _publish(tmp_path)
    card = json.loads(card_path.read_text())
    assert card_path.name == "fashion-v1.json" and card["file"] == "fashion-v1.safetensors"
    assert card["sha256"] == sha256_of(tmp_path / "classifier" / card["file"])
    assert card["params"] == sum(p.numel() for p in model.parameters())
    reg = Registry(tmp_path, device=torch.device("cpu"))
    loaded = reg.get("classifier/fashion")
    x = torch.randn(3, 1, 28, 28)
    assert torch.equal(loaded(x), model(x))
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    assert reg.get("classifier/fashion") is loaded                       # cached


def test_versions_are_never_overwritten(tmp_path):
    _, first = _publish(tmp_path)
    _, second = _publish(tmp_path)
    assert (first.name, second.name) == ("fashion-v1.json", "fashion-v2.json")
    assert Registry(tmp_path).card("classifier/fashion")["version"] == 2


def test_models_rows_describe_the_loaded_weights_not_a_newer_file(tmp_path):
    """/models and the Models tab read `info()`/`card()`: once a model is loaded they describe its weights,
    even after a newer version lands on disk; a fresh registry (a restart) sees the new version."""
    _publish(tmp_path)
    reg = Registry(tmp_path)
    v1 = {r["name"]: r for r in reg.info()}["classifier/fashion"]
    reg.get("classifier/fashion")
    _publish(tmp_path)                                                    # v2 lands while v1 is loaded
    row = {r["name"]: r for r in reg.info()}["classifier/fashion"]
    assert (row["version"], row["sha256"], row["loaded"]) == (1, v1["sha256"], True)
    assert reg.card("classifier/fashion")["file"] == "fashion-v1.safetensors"
    newest = Registry(tmp_path).card("classifier/fashion")
    assert newest["version"] == 2 and newest["sha256"] != v1["sha256"]


def test_wrong_hash_is_a_clear_error(tmp_path):
    _, card_path = _publish(tmp_path)
    weights = tmp_path / "classifier" / "fashion-v1.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt.*python -m genart train classifier"):
        Registry(tmp_path).get("classifier/fashion")
    with pytest.raises(CheckpointError, match="sha256"):
        load_weights(card_path)


def test_models_says_corrupt_for_a_tampered_checkpoint_without_the_servers_paths(tmp_path):
    _publish(tmp_path)
    reg = Registry(tmp_path)
    assert {r["name"]: r for r in reg.info()}["classifier/fashion"]["status"] == "ready"
    weights = tmp_path / "classifier" / "fashion-v1.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    row = {r["name"]: r for r in reg.info()}["classifier/fashion"]
    assert row["status"] == "corrupt" and "restore the file" in row["error"] and row["sha256"] is None
    assert str(tmp_path) not in row["error"] and "classifier/fashion-v1.safetensors" in row["error"]


def test_missing_checkpoint_names_the_training_command(tmp_path):
    reg = Registry(tmp_path)
    with pytest.raises(CheckpointError, match="python -m genart train classifier"):
        reg.get("classifier/fashion")
    _, card_path = _publish(tmp_path)
    (tmp_path / "classifier" / "fashion-v1.safetensors").unlink()
    with pytest.raises(CheckpointError, match="missing.*python -m genart train classifier"):
        reg.get("classifier/fashion")
    row = {r["name"]: r for r in reg.info()}["vae/fashion"]
    assert row["status"] == "missing" and "python -m genart train vae" in row["error"]


def test_the_suite_reports_a_missing_or_corrupt_shipped_checkpoint(tmp_path):
    """conftest's `checkpoint_root` fails the studio's tests with these lines instead of using stand-ins."""
    import shutil

    from standins import shipped_problems

    from genart.core.registry import CHECKPOINTS
    assert shipped_problems(CHECKPOINTS) == []
    shutil.copytree(CHECKPOINTS, tmp_path, dirs_exist_ok=True)
    shutil.rmtree(tmp_path / "gan")
    (tmp_path / "vae" / "fashion-v2.safetensors").write_bytes(b"not the weights")
    problems = shipped_problems(tmp_path)
    assert [p.split(":")[0] for p in problems] == ["vae/fashion", "gan/fashion"]
    assert "corrupt" in problems[0] and "no checkpoint for gan/fashion" in problems[1]


def test_unknown_model_name(tmp_path):
    with pytest.raises(KeyError, match="classifier/fashion"):
        Registry(tmp_path).get("nope/x")


def test_concurrent_gets_load_once(tmp_path, monkeypatch):
    _publish(tmp_path)
    reg = Registry(tmp_path)
    calls = []
    original = reg._load
    monkeypatch.setattr(reg, "_load", lambda spec: calls.append(1) or original(spec))
    results = []
    threads = [threading.Thread(target=lambda: results.append(reg.get("classifier/fashion"))) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(calls) == 1 and all(r is results[0] for r in results)


def _safetensors_layout(path) -> tuple[dict, int]:
    """The header of a safetensors file and how many bytes its tensors' offsets leave unaccounted for."""
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    spans = sorted(tuple(v["data_offsets"]) for k, v in header.items() if k != "__metadata__")
    covered = sum(b - a for a, b in spans)
    assert all(a == prev_b for (a, _), (_, prev_b) in zip(spans[1:], spans)), "tensor byte ranges overlap or gap"
    return header, len(data) - 8 - n - covered


def test_safetensors_carry_no_pickle(tmp_path):
    """Every shipped weights file and a freshly published one are pure safetensors: a JSON header of plain
    tensors (dtype, shape, byte range) whose ranges cover the rest of the file exactly, with no room for a
    pickle; the card in the metadata is JSON."""
    from genart.core.registry import CHECKPOINTS
    _, card_path = _publish(tmp_path)
    files = [tmp_path / "classifier" / "fashion-v1.safetensors", *sorted(CHECKPOINTS.glob("*/*.safetensors"))]
    assert len(files) >= 6
    for path in files:
        header, unaccounted = _safetensors_layout(path)
        assert unaccounted == 0, path
        tensors = {k: v for k, v in header.items() if k != "__metadata__"}
        assert tensors and all(set(v) == {"dtype", "shape", "data_offsets"} and v["dtype"] in {"F32", "I64"}
                               for v in tensors.values()), path
        assert set(header["__metadata__"]) == {"card"} and json.loads(header["__metadata__"]["card"])["config"]
    header, _ = _safetensors_layout(files[0])
    assert json.loads(header["__metadata__"]["card"])["config"] == config_dict(TINY)


class _Payload:
    def __reduce__(self):                                      # unpickling this would run code
        import pathlib
        return (pathlib.Path.touch, (pathlib.Path(_Payload.marker),))


def test_a_pickle_in_place_of_the_weights_is_refused_unopened(tmp_path):
    """Weights swapped for a pickle (its sha256 put into the card, too) are refused; nothing is unpickled."""
    import pickle
    _, card_path = _publish(tmp_path)
    weights = tmp_path / "classifier" / "fashion-v1.safetensors"
    _Payload.marker = str(tmp_path / "ran")
    weights.write_bytes(pickle.dumps({"model": _Payload()}))
    card = json.loads(card_path.read_text())
    card_path.write_text(json.dumps(dict(card, sha256=sha256_of(weights))))
    with pytest.raises(CheckpointError, match="not a safetensors file.*python -m genart train classifier"):
        Registry(tmp_path).get("classifier/fashion")
    assert not (tmp_path / "ran").exists()


def test_importing_app_loads_no_model(monkeypatch):
    import importlib
    import sys

    from genart.core import registry as registry_module

    loads = []
    monkeypatch.setattr(registry_module.Registry, "_load", lambda self, spec: loads.append(spec))
    sys.modules.pop("app", None)
    importlib.import_module("app")
    assert loads == []
