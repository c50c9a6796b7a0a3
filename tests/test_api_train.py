"""The training endpoints as a script and an attacker use them: a refusal is a sentence, a payload never names a
file on the server, and nothing is written outside the studio's dataset folder."""

import os
from pathlib import Path

import pytest
from gradio_client import handle_file

from tests.test_hostile import call_raw
from tests.test_ingest import make_zip, shapes_zip


@pytest.mark.parametrize("payload", [
    {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}},
    {"path": None, "url": "/etc/passwd"},
    "/etc/passwd",
])
def test_a_dataset_payload_never_reads_a_file_off_the_server(app_url, payload):
    event, said = call_raw(app_url, "train_dataset", [[payload], "stolen"])
    assert event in ("error", "http"), said
    assert not (Path(os.environ["GENART_TRAIN_DIR"]) / "datasets" / "stolen").exists()


def test_a_zip_becomes_a_dataset_and_a_bad_one_is_a_sentence(client, tmp_path):
    said = client.predict([handle_file(str(shapes_zip(tmp_path / "s.zip", n=8)))], "api-shapes",
                          api_name="/train_dataset")
    assert said == "api-shapes: 16 images in 2 classes: circles (8), squares (8)"
    bomb = make_zip(tmp_path / "escape.zip", {"../../evil/x.png": b"x"})
    with pytest.raises(Exception, match="outside its folder"):
        client.predict([handle_file(str(bomb))], "escape", api_name="/train_dataset")
    root = Path(os.environ["GENART_TRAIN_DIR"])
    assert not (root / "evil").exists() and not (root.parent / "evil").exists()


@pytest.mark.parametrize("args, message", [
    (("painter", "fashion-mnist", 28, 0, "m", "quick"), "family must be one of gan, vae, diffusion"),
    (("gan", "/etc", 32, 0, "m", "quick"), "trains on no folder of the server"),
    (("gan", "fashion-mnist", 28, 0, "m", "forever"), "preset must be one of quick, standard"),
])
def test_a_bad_training_request_is_a_sentence(client, args, message):
    with pytest.raises(Exception, match=message):
        client.predict(*args, api_name="/train_start")


def test_status_of_an_unknown_job_is_a_sentence(client):
    with pytest.raises(Exception, match="There is no training job"):
        client.predict("../../../etc/passwd", api_name="/train_status")



def test_only_the_ticket_holder_stops_resumes_or_publishes_the_job(client):
    """/train_start gives a ticket "<job>~<key>": anyone may watch the job by its id, but stop, resume and
    publish without the key (a bare id, "", a wrong key) are refused with a sentence; the ticket stops it."""
    ticket = client.predict("gan", "fashion-mnist", 28, 400, "api-owner", "quick", api_name="/train_start")
    job, _, key = ticket.partition("~")
    try:
        assert len(key) >= 16
        status, _ = client.predict(job, api_name="/train_status")                    # watching needs no key
        assert status["job"] == job and status["name"] == "api-owner" and "key" not in str(status)
        for other in (job, "", f"{job}~not-the-key"):
            for api in ("/train_stop", "/train_resume", "/train_publish"):
                with pytest.raises(Exception, match="started by someone else"):
                    client.predict(other, api_name=api)
    finally:
        stopped = client.predict(ticket, api_name="/train_stop")
    assert stopped["job"] == job and stopped["state"] in ("stopped", "finished")
