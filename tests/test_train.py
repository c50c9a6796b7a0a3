"""The shared trainer: a tiny run learns, resume continues exactly, torchrun with 2 processes works."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from genart.core.registry import Registry
from genart.data.datasets import load_fashion_mnist, to_tensor
from genart.models.classifier import ClassifierConfig
from genart.train.classifier import ClassifierTask
from genart.train.common import Dist, RunArgs, batches, load_state, run

ROOT = Path(__file__).resolve().parent.parent
TINY = ClassifierConfig(channels=8, features=32)


def _data(n=2048):
    x, y = load_fashion_mnist("train")
    return to_tensor(x[:n]), torch.from_numpy(y[:n])


def _args(tmp_path, **kw):
    return RunArgs(family="classifier", steps=kw.pop("steps", 12), batch_size=32, lr=3e-3, out=tmp_path / "runs",
                   ckpt_dir=tmp_path / "ckpt", sample_every=0, **kw)


def test_batches_are_disjoint_across_ranks_and_resumable():
    a = [next(it) for it in [batches(100, 10, 0, Dist(0, 2))] for _ in range(5)]
    b = [next(it) for it in [batches(100, 10, 0, Dist(1, 2))] for _ in range(5)]
    assert not set(np.concatenate(a)) & set(np.concatenate(b))
    full = batches(100, 10, 3, Dist())
    seq = [next(full) for _ in range(12)]
    resumed = batches(100, 10, 3, Dist(), start_step=7)
    assert all(np.array_equal(seq[7 + i], next(resumed)) for i in range(5))


@pytest.mark.slow
def test_tiny_run_learns_and_exports_a_loadable_checkpoint(tmp_path):
    torch.manual_seed(0)                   # the weights' init, as the CLI's seed_everything does: not other tests' RNG
    x, y = _data()
    args = _args(tmp_path, steps=40)
    task = ClassifierTask(args, Dist(), TINY)
    first = task.train_step(x[:32], y[:32], 0)["loss"]
    card_path = run(ClassifierTask(args, Dist(), TINY), x, y, args, Dist(), log=lambda s: None)
    card = json.loads(card_path.read_text())
    assert card["training"]["steps"] == 40 and card["metrics"]["accuracy"] > 0.5
    assert card["training"]["wall_time_s"] > 0 and card["training"]["dataset"] == "fashion-mnist"
    assert np.isfinite(first)
    model = Registry(tmp_path / "ckpt").get("classifier/fashion")
    assert model(x[:4]).shape == (4, 10)


class _Interrupted(ClassifierTask):
    """Ctrl-C arrives just before step `at`."""
    at = 6

    def train_step(self, x, y, step):
        if step == self.at:
            raise KeyboardInterrupt
        return super().train_step(x, y, step)


@pytest.mark.slow
def test_resume_continues_from_its_step_with_the_same_optimizer_state(tmp_path):
    x, y = _data()
    args = _args(tmp_path, steps=12, no_export=True)
    torch.manual_seed(0)
    straight = ClassifierTask(args, Dist(), TINY)
    run(straight, x, y, replace(args, out=tmp_path / "straight"), Dist(), log=lambda s: None)

    torch.manual_seed(0)
    first = _Interrupted(args, Dist(), TINY)
    with pytest.raises(KeyboardInterrupt):
        run(first, x, y, args, Dist(), log=lambda s: None)
    state = tmp_path / "runs" / "classifier" / "state.pt"
    torch.manual_seed(123)                                   # a different init: everything must come from the state
    second = ClassifierTask(args, Dist(), TINY)
    step, _ = load_state(state, second)
    assert step == 6
    opt_a, opt_b = first.opt.state_dict(), second.opt.state_dict()
    assert opt_b["state"] and all(torch.equal(opt_a["state"][k]["exp_avg"], opt_b["state"][k]["exp_avg"])
                                  for k in opt_a["state"])
    run(second, x, y, replace(args, resume=state), Dist(), log=lambda s: None)
    for (k, p), q in zip(straight.model.state_dict().items(), second.model.state_dict().values()):
        assert torch.allclose(p.float(), q.float(), atol=1e-6), k


@pytest.mark.slow
def test_torchrun_two_processes(tmp_path):
    env = {**os.environ, "GENART_DEVICE": "cpu", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533",
           "-m", "genart", "train", "classifier", "--steps", "6", "--batch-size", "32",
           "--out", str(tmp_path / "runs"), "--ckpt-dir", str(tmp_path / "ckpt"), "--sample-every", "0"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    card = json.loads((tmp_path / "ckpt" / "classifier" / "fashion-v1.json").read_text())
    assert card["training"]["world_size"] == 2 and card["training"]["command"].startswith("torchrun")
    model = Registry(tmp_path / "ckpt").get("classifier/fashion")
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.slow
def test_the_card_metrics_are_judged_by_the_classifier_in_ckpt_dir(tmp_path):
    """The feature classifier comes from --ckpt-dir (not the shipped one), loaded before training starts."""
    from genart.core.checkpoints import CheckpointError, save_checkpoint
    from genart.models.classifier import Classifier, config_dict
    from genart.models.gan import GANConfig
    from genart.train.gan import GANTask

    class Spy(GANTask):
        steps_taken, judge = 0, None

        def train_step(self, x, y, step):
            self.steps_taken += 1
            return super().train_step(x, y, step)

        def evaluate(self, model, classifier):
            self.judge = classifier
            return {}

    x, y = _data(256)
    args = replace(_args(tmp_path, steps=2), family="gan")
    tiny_gan = GANConfig(z_dim=16, g_channels=8, d_channels=8)
    empty = Spy(args, Dist(), tiny_gan)
    with pytest.raises(CheckpointError, match="no checkpoint for classifier/fashion"):
        run(empty, x, y, args, Dist(), log=lambda s: None)
    assert empty.steps_taken == 0                                  # refused before any training
    torch.manual_seed(0)
    judge = Classifier(TINY)
    save_checkpoint(tmp_path / "ckpt" / "classifier", "fashion", judge.state_dict(),
                    {"name": "classifier/fashion", "family": "classifier", "config": config_dict(TINY)})
    task = Spy(args, Dist(), tiny_gan)
    run(task, x, y, args, Dist(), log=lambda s: None)
    assert task.steps_taken == 2
    assert all(torch.equal(a, b) for a, b in zip(task.judge.state_dict().values(), judge.state_dict().values()))


@pytest.mark.parametrize("family", ["classifier", "vae", "gan", "diffusion"])
def test_train_with_no_flags_is_the_shipped_recipe(family):
    """The newest shipped card of each family (the one the studio serves) was trained with the steps, batch,
    lr, seed, precision and data that `python -m genart train <family>` uses today, and with the config
    its task builds by default. (diffusion/fashion-v1: its last phase; its card records the first too.)"""
    import shlex
    from dataclasses import asdict

    from genart.__main__ import _parser, run_args, task_class
    card = Registry().card(f"{family}/fashion")
    trained = card["training"]
    command = _parser().parse_args(shlex.split(trained["command"])[3:])
    shipped = {"steps": trained["steps"], "batch_size": trained["batch_size"], "lr": trained["lr"],
               "seed": trained["seed"], "data": trained["dataset"], "precision": command.precision or "auto"}
    default = run_args(_parser().parse_args(["train", family]))
    assert {k: getattr(default, k) for k in shipped} == shipped
    shape = {"image_size": 28, "image_channels": 1} if family in ("vae", "gan", "diffusion") else {}
    assert asdict(task_class(family)(replace(default, steps=1), Dist()).config) == {**card["config"], **shape}


def test_the_card_command_spells_out_every_flag_that_shapes_the_weights(monkeypatch):
    import shlex

    from genart.__main__ import _parser, run_args
    from genart.train.common import recipe_command
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    args = run_args(_parser().parse_args(["train", "gan", "--steps", "5", "--sample-every", "0"]))
    command = recipe_command(args)
    assert command == ("python -m genart train gan --data fashion-mnist --steps 5 --batch-size 64 --lr 0.0002 "
                       "--seed 0 --precision auto")
    again = run_args(_parser().parse_args(shlex.split(command)[3:]))
    fields = ("data", "steps", "batch_size", "lr", "seed", "precision")
    assert [getattr(again, f) for f in fields] == [getattr(args, f) for f in fields]


def test_sample_grid_png_lays_out_the_samples(tmp_path):
    from PIL import Image

    from genart.data.datasets import to_uint8
    from genart.train.common import write_grid
    samples = torch.rand(12, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    write_grid(samples, tmp_path / "g.png", nrow=10)
    im = np.asarray(Image.open(tmp_path / "g.png"))
    assert im.shape == ((2 * 30 + 2) * 3, (10 * 30 + 2) * 3)                   # 2 rows of 10, 2-px gaps, ×3
    cell = im[(30 + 2) * 3:(30 + 2 + 28) * 3:3, (30 + 2) * 3:(30 + 2 + 28) * 3:3]  # row 1, column 1: sample 11
    assert np.abs(cell.astype(int) - to_uint8(samples[11:12])[0]).max() <= 1
    assert im[:6].max() == 0 and im[32 * 3:, (2 * 30 + 2) * 3:].max() == 0         # gaps and empty cells: black
