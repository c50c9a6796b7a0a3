"""A resume state travels as safetensors + JSON and comes back exactly (genart/train/portable.py)."""

import torch

from genart.train.portable import from_folder, read_state, to_folder


def test_a_state_round_trips_through_a_folder_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr("genart.train.portable.CHUNK", 64)          # several files, as a large state would be
    model = torch.nn.Linear(4, 3)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(2, 4)).sum().backward()
    opt.step()
    state = {"step": 7, "elapsed": 1.5, "seed": 0, "family": "diffusion",
             "history": [{"command": "x", "until_step": 7}],
             "modules": {"model": model.state_dict()}, "optimizers": {"opt": opt.state_dict()}}
    torch.save(state, tmp_path / "state.pt")
    files = to_folder(tmp_path / "state.pt", tmp_path / "portable")
    assert len(files) > 3 and all(f.suffix in (".json", ".safetensors") for f in files)
    back = from_folder(tmp_path / "portable")
    assert back["step"] == 7 and back["history"] == state["history"] and back["family"] == "diffusion"
    for k, v in state["modules"]["model"].items():
        assert torch.equal(back["modules"]["model"][k], v)
    saved, got = state["optimizers"]["opt"], back["optimizers"]["opt"]
    assert got["param_groups"] == saved["param_groups"] and set(got["state"]) == set(saved["state"])
    assert all(torch.equal(got["state"][i][n], saved["state"][i][n]) for i in saved["state"] for n in saved["state"][i])
    again = torch.optim.AdamW(model.parameters(), lr=1e-3)
    again.load_state_dict(got)                                       # an optimizer takes it as it took the original
    assert read_state(tmp_path / "portable")["step"] == read_state(tmp_path / "state.pt")["step"] == 7
