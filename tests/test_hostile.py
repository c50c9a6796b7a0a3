"""The studio probed as an attacker would, through raw HTTP and gradio_client: no file off the server,
bounded work, a sentence for every bad input (never a traceback), one client cannot own the queue."""

import json
import logging

import httpx
import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from gradio_client.utils import QueueError
from PIL import Image

from genart.core.registry import ASSETS
from genart.studio.uploads import NO_IMAGE, REFUSED

pytestmark = pytest.mark.slow

IMAGE_ENDPOINTS = {     # api_name → every argument (a raw call gets no defaults), with None where the image goes
    "stylize": [None, "oil", 0.0],
    "classify": [None],
    "vae_encode": [None, "vae/fashion"],
    "vae_interpolate": [None, None, 4, "vae/fashion"],
    "diffusion_img2img": [None, 0.5, 0, "any", "ddim", 5, 2.0, "uniform", 0.0, 0.0, "diffusion/fashion"],
    "diffusion_invert": [None, "any", 5, "diffusion/fashion"],
    "diffusion_inpaint": [None, None, 0, "any", "ddpm", 5, 2.0, "diffusion/fashion"],
    "neural_style": [None, None, 10, 64, 0, "image", 1.0],
}


def call_raw(app_url: str, api: str, data: list, timeout: float = 120) -> tuple[str, object]:
    """POST /gradio_api/call/<api> with a raw JSON payload; → (last SSE event, its data)."""
    with httpx.Client(base_url=app_url, timeout=timeout) as http:
        r = http.post(f"gradio_api/call/{api}", json={"data": data})
        if r.status_code != 200:
            return "http", r.text
        event_id = r.json()["event_id"]
        event, payload = None, None
        with http.stream("GET", f"gradio_api/call/{api}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    payload = json.loads(line.split(":", 1)[1].strip() or "null")
                    if event in ("complete", "error"):
                        break
    return event, payload


def test_the_probes_send_every_argument_each_endpoint_takes(app_url):
    """A raw call gets no defaults: a probe one argument short is refused for its count and never reaches the
    file check (the diffusion probes were, after `model` was added)."""
    info = httpx.get(f"{app_url}gradio_api/info", timeout=30).json()["named_endpoints"]
    assert {api: len(info[f"/{api}"]["parameters"]) for api in IMAGE_ENDPOINTS} == \
        {api: len(args) for api, args in IMAGE_ENDPOINTS.items()}


@pytest.fixture(scope="module")
def secret(tmp_path_factory):
    """An image on the server's disk that no one uploaded."""
    p = tmp_path_factory.mktemp("server") / "private.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(p)
    return p


@pytest.mark.parametrize("api", sorted(IMAGE_ENDPOINTS))
@pytest.mark.parametrize("payload", ["url", "path", "string", "sketch"])
def test_no_endpoint_reads_a_file_off_the_server(app_url, secret, api, payload):
    value = {"url": {"path": None, "url": str(secret)},
             "path": {"path": str(secret), "url": None, "meta": {"_type": "gradio.FileData"}},
             "string": str(secret),
             "sketch": {"background": None, "layers": [], "composite": {"path": None, "url": str(secret)}}}[payload]
    data = [value if a is None else a for a in IMAGE_ENDPOINTS[api]]
    event, message = call_raw(app_url, api, data)
    assert event in ("error", "http"), (event, message)
    assert REFUSED in str(message) or NO_IMAGE in str(message), message           # a sentence, whoever refused it


def test_a_missing_file_and_an_existing_one_get_the_same_answer(app_url, secret):
    answers = {str(call_raw(app_url, "classify", [{"path": None, "url": str(p)}])[1])
               for p in (secret, secret.parent / "nope.png", "/etc/hostname", "/")}
    assert len(answers) == 1, answers


def test_a_path_payload_gets_the_sentence_and_one_log_line(app_url, secret, caplog, capfd):
    """A payload marked as a Gradio file that names a path (Gradio's own upload check refuses it before any
    handler): the same sentence for a file that exists, one that does not and a folder; one log line each,
    no traceback (it printed 30 lines a request)."""
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="genart.requests"):
        answers = {str(call_raw(app_url, "classify", [{"path": str(p), "meta": {"_type": "gradio.FileData"}}])[1])
                   for p in (secret, secret.parent / "nope.png", "/etc/passwd", "/")}
    assert len(answers) == 1 and REFUSED in answers.pop()
    assert sum("a file that was not uploaded" in r.getMessage() for r in caplog.records) == 4
    assert "Traceback" not in capfd.readouterr().err


def test_an_upload_the_client_abandons_is_one_log_line(app_url, caplog, capfd):
    """A browser that goes away in the middle of an upload (Content-Length promised, the body cut short): one
    log line each, no "Exception in ASGI application" traceback (70 lines a request before), and the studio
    still answers."""
    import socket
    import time
    from urllib.parse import urlparse

    host, port = urlparse(app_url).hostname, urlparse(app_url).port
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="genart.requests"):
        for _ in range(3):
            with socket.create_connection((host, port)) as s:
                s.sendall(b"POST /gradio_api/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 5000000\r\n\r\n"
                          b'--XYZ\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\n'
                          b"Content-Type: image/png\r\n\r\n\x89PNG" + b"0" * 100_000)
                time.sleep(0.3)
        for _ in range(50):                                        # the server notices the closed sockets
            if sum("went away" in r.getMessage() for r in caplog.records) >= 3:
                break
            time.sleep(0.1)
    assert sum("the client went away during /gradio_api/upload" in r.getMessage() for r in caplog.records) == 3
    assert "Traceback" not in capfd.readouterr().err
    assert httpx.get(f"{app_url}gradio_api/info", timeout=10).status_code == 200


@pytest.mark.parametrize("api, data, message", [
    ("gan_generate", [2 ** 70, "any", 1.0, "gan/fashion"], "seed must be a whole number from"),
    ("gan_generate", ["abc", "any", 1.0, "gan/fashion"], "seed must be a number"),
    ("gan_generate", [1.5, "any", 1.0, "gan/fashion"], "seed must be a whole number"),
    ("gan_generate", [0, "Dragon", 1.0, "gan/fashion"], "Unknown label 'Dragon'"),
    ("gan_generate", [0, "any", "nan", "gan/fashion"], "truncation ψ must be a finite number"),
    ("gan_grid", [0, "any", 1.0, 100, 100, "gan/fashion"], "rows must be a whole number from 1 to 16"),
    ("gan_generate", [0, "any", 1.0, "<b>gan/x</b>"], "Unknown gan model '&lt;b&gt;gan/x&lt;/b&gt;'; the studio's"),
    ("vae_random", [0, ["vae/fashion"]], "Unknown vae model"),
    ("vae_decode", ["hello", "vae/fashion"], "z must be a list of"),
    ("vae_decode", [[float("nan")] * 3, "vae/fashion"], "z must be a list of"),
    ("vae_random", [None, "vae/fashion"], "seed must be a number"),
    ("stylize", [{"path": str(ASSETS / "examples" / "cat.jpg")}, "oil", 5], "strength must be between 0 and 1"),
    ("stylize", [{"path": str(ASSETS / "examples" / "cat.jpg")}, "oil", -1], "strength must be between 0 and 1"),
    ("stylize", [{"path": str(ASSETS / "examples" / "cat.jpg")}, "<b>cubism</b>", 1], "Unknown style '&lt;b&gt;"),
    ("diffusion_sample", [0, "any", "ddim", 10 ** 6, 2.0, "uniform", 0, 0, ""],
     "steps must be a whole number from 1 to 250"),
    ("neural_style", [{"path": str(ASSETS / "examples" / "cat.jpg")},
                      {"path": str(ASSETS / "examples" / "style_brick.jpg")}, 1000, 768, 0, "optimise", 1.0],
     "at most 88 iterations"),
    ("diffusion_sample", [0, "any", "ddim", 5, float("inf"), "uniform", 0, 0, ""], "guidance must be"),
    ("diffusion_sample", [0, "any", "ddim", 5, 2.0, "uniform", float("nan"), 0, ""], "eta must be a finite number"),
    ("diffusion_sample", [0, "any", "ddim", 5, 2.0, "<b>x</b>", 0, 0, ""], "spacing must be one of"),
    ("neural_style", [{"path": str(ASSETS / "examples" / "cat.jpg")},
                      {"path": str(ASSETS / "examples" / "style_brick.jpg")}, 100000, 128, 0, "image", 1.0],
     "steps must be a whole number"),
    ("neural_style", [{"path": str(ASSETS / "examples" / "cat.jpg")},
                      {"path": str(ASSETS / "examples" / "style_brick.jpg")}, 10, 5000, 0, "image", 1.0],
     "size must be a whole number"),
    ("neural_style", [{"path": str(ASSETS / "examples" / "cat.jpg")}, None, 10, 0, 0, "3:nan", 1.0], "must be finite"),
])
def test_bad_numbers_get_a_sentence(app_url, api, data, message):
    event, said = call_raw(app_url, api, json.loads(json.dumps(data).replace("NaN", '"nan"')
                                                    .replace("Infinity", '"inf"')))
    assert event == "error" and message in str(said), (event, said)
    assert not str(said).startswith(('"', "'")) and "Traceback" not in str(said) and "/work" not in str(said)


def test_user_errors_log_one_line_not_a_traceback(client, caplog):
    with caplog.at_level(logging.WARNING, logger="genart.requests"):
        for seed in ("x", 2 ** 60):
            with pytest.raises(AppError):
                client.predict(seed, "any", 1.0, api_name="/gan_generate")
    lines = [r for r in caplog.records if r.name == "genart.requests"]
    assert len(lines) == 2 and all(r.exc_info is None and "\n" not in r.getMessage() for r in lines)


def test_a_sketchpad_value_is_accepted_wherever_a_sketch_is_taken(client, tmp_path):
    from sketches import sketch
    p = tmp_path / "bag.png"
    sketch("Bag").save(p)
    value = {"background": handle_file(str(p)), "layers": [], "composite": handle_file(str(p))}
    image, info = client.predict(value, 0.6, 0, "any", "ddim", 5, 2.0, api_name="/diffusion_img2img")
    assert Image.open(image).size == (336, 336) and "step 5/5" in info and "Bag" in info
    assert client.predict(value, api_name="/classify")["label"] == "Bag"
    assert len(client.predict(value, api_name="/vae_encode")[1]) > 32


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(app_url):
    from genart.core.images import MAX_FILE_BYTES
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_FILE_BYTES + 1024)
    r = httpx.post(f"{app_url}gradio_api/upload", files={"files": ("big.png", big, "image/png")}, timeout=60)
    assert r.status_code == 413, r.status_code


def test_a_huge_request_header_is_refused_not_buffered(app_url):
    """uvicorn's h11 parser refuses a request whose head passes 16 KB; httptools (uvicorn's other parser) takes
    a 20 MB header whole, so 100 such connections would hold 2 GB: the studio does not install it."""
    import socket
    from urllib.parse import urlparse

    u = urlparse(app_url)
    with socket.create_connection((u.hostname, u.port), timeout=20) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n")
        assert s.recv(64).startswith(b"HTTP/1.1 400")


def test_interpolation_gifs_stay_inside_gradios_cache(client, tmp_path):
    import os
    import tempfile

    from genart.core.images import output_folder
    loose_before = set(os.listdir(tempfile.gettempdir()))
    gif = client.predict(0, 1, "any", 1.0, 4, api_name="/gan_interpolate")
    assert Image.open(gif).n_frames >= 4
    made = {n for n in set(os.listdir(tempfile.gettempdir())) - loose_before if n.endswith(".gif")}
    assert not made
    assert any(p.suffix == ".gif" for p in output_folder().iterdir())


def test_one_client_cannot_own_the_queue(app_url):
    """One session queues 14 diffusion runs: at most 8 wait, the rest are refused with a sentence, and
    another user's GAN request (the quick lane) is answered while they run."""
    import time

    from gradio_client import Client
    greedy, other = Client(app_url, verbose=False), Client(app_url, verbose=False)
    try:
        jobs = [greedy.submit(i, "any", "ddim", 40, 2.0, api_name="/diffusion_sample") for i in range(14)]
        time.sleep(1.0)
        t0 = time.perf_counter()
        img = other.predict(3, "Dress", 1.0, api_name="/gan_generate")
        quick_s = time.perf_counter() - t0
        refused, done = 0, 0
        for job in jobs:
            try:
                job.result(timeout=300)
                done += 1
            except QueueError:                       # HTTP 503 at join; the sentence is in its body
                refused += 1
        assert Image.open(img).size == (336, 336) and quick_s < 5
        assert refused >= 4 and done >= 8 and refused + done == 14
    finally:
        greedy.close()
        other.close()


def test_a_cancelled_neural_style_frees_its_lane_within_seconds(client):
    import time
    cat, brick = (handle_file(str(ASSETS / "examples" / n)) for n in ("cat.jpg", "style_brick.jpg"))
    job = client.submit(cat, brick, 400, 256, 0, "optimise", api_name="/neural_style")
    while not job.outputs():
        time.sleep(0.1)
    job.cancel()
    t0 = time.perf_counter()
    out = client.predict(handle_file(str(ASSETS / "examples" / "rocket.jpg")), "pop_art", 1.0, api_name="/stylize")
    assert Image.open(out).size == Image.open(ASSETS / "examples" / "rocket.jpg").size
    assert time.perf_counter() - t0 < 10


def test_a_call_short_of_values_gets_a_sentence_and_one_log_line(app_url, caplog, capfd):
    """Too few values for an endpoint: Gradio answered with no words and printed a 25-line traceback that also
    echoed every value received (a 1 MB value, a 1 MB log entry). Now a sentence and one log line."""
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="genart.requests"):
        answers = [call_raw(app_url, "gan_generate", data) for data in ([1], [], ["x" * 1_000_000])]
    for event, message in answers:
        assert event == "error" and "/gan_generate takes 4 values and this call sent" in str(message), message
    assert sum("of the 4 values /gan_generate takes" in r.getMessage() for r in caplog.records) == 3
    err = capfd.readouterr().err
    assert "Traceback" not in err and len(err) < 10_000
    assert call_raw(app_url, "gan_generate", [3, "any", 1.0, "gan/fashion"])[0] == "complete"


def test_an_event_or_endpoint_that_does_not_exist_is_a_404_and_one_log_line(app_url, caplog, capfd):
    """An unknown `fn_index` (the browser protocol) or endpoint name: Gradio raised KeyError or
    FnIndexInferError out of its routes, a 70-line "Exception in ASGI application" traceback each."""
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="genart.requests"), httpx.Client(base_url=app_url, timeout=30) as h:
        answers = [h.post("gradio_api/queue/join", json={"data": [], "fn_index": i, "session_hash": "probe"})
                   for i in (99_999, -1)]
        answers.append(h.post("gradio_api/run/predict", json={"data": [], "fn_index": 99_999, "session_hash": "p"}))
        answers += [h.post(f"gradio_api/{route}/nope", json={"data": []}) for route in ("call", "run")]
    assert [r.status_code for r in answers] == [404] * 5
    assert all("/gradio_api/info lists" in r.json()["detail"] for r in answers)
    assert sum(r.getMessage().startswith("request refused: no e") for r in caplog.records) == 5      # event, endpoint
    assert "Traceback" not in capfd.readouterr().err
    assert call_raw(app_url, "gan_generate", [3, "any", 1.0, "gan/fashion"])[0] == "complete"


def test_a_stream_of_no_session_or_event_ends_with_one_log_line(app_url, caplog, capfd):
    """Gradio refuses an unknown session's or event's stream only after the stream has begun: each such GET
    printed a 60-line "Exception in ASGI application" traceback. Now one log line, and the stream ends."""
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="genart.requests"), httpx.Client(base_url=app_url, timeout=30) as h:
        for path in ("gradio_api/queue/data?session_hash=nope", "gradio_api/call/gan_generate/nope"):
            with h.stream("GET", path) as r:
                assert b"404" in b"".join(r.iter_bytes())                     # Gradio's own message, then the end
    assert sum("once its stream had begun" in r.getMessage() for r in caplog.records) == 2
    assert "Traceback" not in capfd.readouterr().err
    assert call_raw(app_url, "gan_generate", [3, "any", 1.0, "gan/fashion"])[0] == "complete"


def test_a_request_body_over_the_limit_is_refused_before_it_is_read_whole(app_url, caplog):
    """Gradio bounds uploads, not a request's JSON: a 100 MB value was parsed whole (two took the server from
    0.67 to 1.16 GB). Over 2 MB, declared or chunked, is a 413 with a sentence and one log line."""
    from genart.serve.gradio_patches import BODY_LIMIT

    big = b'{"data": ["' + b"x" * (BODY_LIMIT + 1) + b'", "any", 1.0, "gan/fashion"]}'
    with caplog.at_level(logging.WARNING, logger="genart.requests"), httpx.Client(base_url=app_url, timeout=60) as h:
        declared = h.post("gradio_api/call/gan_generate", content=big, headers={"content-type": "application/json"})
        chunked = h.post("gradio_api/call/gan_generate", content=iter([big[:1000], big[1000:]]),
                         headers={"content-type": "application/json"})
    for r in (declared, chunked):
        assert r.status_code == 413 and "at most 2 MB" in r.json()["detail"]
    assert sum("request refused: a body of" in r.getMessage() for r in caplog.records) == 2
    assert call_raw(app_url, "gan_generate", [3, "any", 1.0, "gan/fashion"])[0] == "complete"   # small: as before
