"""Training jobs: a request is checked before anything runs; a job trains in a child process (the CLI's own
trainer), reports its status, stops with its resume state saved, resumes, and publishes a model the registry finds."""

import json
import time

import pytest
from PIL import Image

from genart.data.ingest import DatasetError
from genart.serve.jobs import JobError, Trainer
from genart.train.presets import preset
from genart.train.status import read_status
from tests.test_ingest import shapes_zip


@pytest.fixture
def trainer(tmp_path):
    return Trainer(tmp_path / "studio", tmp_path / "models")


@pytest.mark.parametrize("args, message", [
    (("painter", "fashion-mnist", 28, 0, "m"), "family must be one of gan, vae, diffusion"),
    (("gan", "fashion-mnist", 48, 0, "m"), "size must be one of 28, 32, 64 px"),
    (("gan", "fashion-mnist", 28, 0, "../etc"), "A model name is 1–40 lowercase"),
    (("gan", "fashion-mnist", 28, 0, "fashion"), "not 'fashion'"),
    (("gan", "fashion-mnist", 28, 10 ** 9, "m"), "steps must be between 1 and 200,000"),
    (("gan", "fashion-mnist:Dress,Robe", 28, 0, "m"), "Fashion-MNIST has no class 'Robe'"),
    (("gan", "holiday-photos", 32, 0, "m"), "There is no dataset 'holiday-photos'"),
    (("gan", "../../etc", 32, 0, "m"), "There is no dataset '../../etc'"),
])
def test_a_bad_request_is_refused_with_a_sentence_before_anything_runs(trainer, args, message):
    with pytest.raises(JobError, match=message.replace("(", r"\(")):
        trainer.start(*args)
    assert trainer.current() is None


def test_a_host_can_turn_training_off(trainer, monkeypatch):
    monkeypatch.setenv("GENART_TRAIN", "0")
    with pytest.raises(JobError, match="Training is turned off on this studio"):
        trainer.start("gan", "fashion-mnist", 28, 10, "m")
    assert trainer.current() is None


def test_a_preset_fills_in_width_batch_lr_and_steps(trainer):
    spec = trainer.spec("gan", "fashion-mnist:Coat,Dress", 28, 0, "coats", "quick")
    recipe = preset("gan", 28, 1, "quick")
    assert (spec.channels, spec.steps, spec.width, spec.batch_size) == (1, recipe["steps"], recipe["width"],
                                                                        recipe["batch_size"])
    cmd = trainer.command("20261129-000000-gan-001", spec)
    assert cmd[cmd.index("--classes") + 1] == "Coat,Dress"
    assert "--no-export" in cmd and "--status-dir" in cmd and "--resume" not in cmd
    publish = trainer.command("20261129-000000-gan-001", spec, publish_at=37)
    assert publish[publish.index("--steps") + 1] == "37" and "--no-export" not in publish and "--resume" in publish


def test_uploaded_images_become_a_dataset_a_job_can_name(trainer, tmp_path):
    ds = trainer.add_dataset([shapes_zip(tmp_path / "shapes.zip")], "shapes")
    assert trainer.datasets() == ["shapes"] and ds.classes == ("circles", "squares")
    assert trainer.describe("shapes") == "24 images in 2 classes: circles (12), squares (12)"
    spec = trainer.spec("gan", "shapes", 32, 0, "m")
    assert spec.channels == 3 and Image.open(next((ds.path / "circles").glob("*.png"))).size == (64, 64)
    with pytest.raises(DatasetError, match="not a zip archive"):
        (tmp_path / "x.zip").write_bytes(b"PK no")
        trainer.add_dataset([tmp_path / "x.zip"], "bad")
    assert trainer.datasets() == ["shapes"]


def test_a_server_folder_is_a_dataset_only_below_a_root_the_host_allows(trainer, tmp_path, monkeypatch):
    folder = tmp_path / "sprites"
    folder.mkdir()
    with pytest.raises(JobError, match="trains on no folder of the server"):
        trainer.spec("gan", str(folder), 32, 0, "m")
    monkeypatch.setenv("GENART_TRAIN_FOLDERS", str(folder))
    assert trainer.spec("gan", str(folder), 32, 0, "m").channels == 3
    with pytest.raises(JobError, match="outside"):
        trainer.spec("gan", str(folder / ".." / ".."), 32, 0, "m")
    assert trainer.command("20261129-000000-gan-001", trainer.spec("gan", str(folder), 32, 0, "m"))[6] == str(folder)


@pytest.mark.parametrize("job", ["", "../../etc/passwd", "20261129-000000-gan-001", "x" * 500])
def test_an_unknown_job_is_refused(trainer, job):
    with pytest.raises(JobError, match="There is no training job"):
        trainer.status(job)


def _wait(trainer, job, states, timeout=240.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = trainer.status(job)
        if status["state"] in states:
            return status
        time.sleep(0.3)
    raise AssertionError(f"job {job} still {trainer.status(job)['state']} after {timeout} s")


@pytest.mark.slow                       # trains a model for real (about 100 s on 2 cores)
def test_a_job_trains_in_the_background_stops_resumes_and_publishes(trainer, tmp_path):
    """The whole life of a job on a small folder of coloured shapes, through the CLI's own trainer."""
    trainer.add_dataset([shapes_zip(tmp_path / "shapes.zip", n=16)], "shapes")
    job = trainer.start("gan", "shapes", 32, 400, "shapes")
    with pytest.raises(JobError, match="A training job is running"):
        trainer.start("vae", "shapes", 32, 10, "other")                  # one at a time per studio
    status = _wait(trainer, job, ("running",))
    while trainer.status(job)["step"] < 3:
        time.sleep(0.2)
    status = trainer.stop(job)
    assert status["state"] == "stopped" and 3 <= status["step"] < 400, status
    assert trainer.state_path(job, trainer.spec("gan", "shapes", 32, 400, "shapes")).is_file()
    assert set(status["losses"]) >= {"loss_d", "loss_g"} and status["grid"] is not None
    stopped_at = status["step"]
    trainer.resume(job)
    status = _wait(trainer, job, ("running",))
    while trainer.status(job)["step"] <= stopped_at + 2:
        time.sleep(0.2)
    status = trainer.stop(job)
    assert status["step"] > stopped_at + 2 and status["state"] == "stopped"
    name = trainer.publish(job)
    assert name == "gan/shapes"
    card = json.loads((tmp_path / "models" / "gan" / "shapes-v1.json").read_text())
    assert card["config"]["image_size"] == 32 and card["config"]["image_channels"] == 3
    assert card["classes"] == ["circles", "squares"] and card["training"]["steps"] == status["step"]
    assert "--resume" in card["training"]["command"] and card["metrics"]
    assert trainer.status(job)["published"][0]["name"] == "gan/shapes"
    assert read_status(trainer.jobs_dir / job / "status")["state"] == "stopped"


def test_the_loss_table_is_typed_even_before_the_first_step():
    """The plot takes its axes' kind from the first table it gets: an untyped empty one made both categorical
    (seen in chromium: a page opened on a finished job drew 40 overlapping labels)."""
    import pandas as pd

    from genart.ui.train_tab import loss_frame

    empty = loss_frame(None)
    assert pd.api.types.is_integer_dtype(empty["step"]) and pd.api.types.is_float_dtype(empty["value"])
    full = loss_frame({"family": "gan", "losses": {"loss_d": [[1, 0.5]], "loss_g": [[1, 2.0]]}})
    assert list(full["loss"]) == ["D loss", "G loss"] and pd.api.types.is_float_dtype(full["value"])


def test_a_keyed_job_asks_for_its_key_and_a_stop_during_startup_is_a_stop(tmp_path):
    from genart.serve.jobs import NOT_YOURS, JobError, Trainer

    trainer = Trainer(tmp_path / "studio", tmp_path / "models")
    job = trainer.start("gan", "fashion-mnist", 28, 50, "keyed", key="k" * 22)
    try:
        assert trainer.allowed(job, "k" * 22) and trainer.allowed(job, None)
        assert not trainer.allowed(job, "") and not trainer.allowed(job, "k" * 21)
        with pytest.raises(JobError, match="started by someone else"):
            trainer.stop(job, key="wrong")
        assert trainer.status(job)["state"] in ("starting", "running") and NOT_YOURS.startswith("This training")
    finally:
        status = trainer.stop(job, key="k" * 22)
    assert status["state"] in ("stopped", "finished") and "k" * 22 not in json.dumps(status)
