"""Quick API requests of different users answered together (genart.serve.batching): every row its own answer.

On a toy endpoint the batches are forced (the first call holds the lane while the rest queue up), so the test
knows batches of several rows ran; on the studio's endpoints many callers at once check that each gets its own
answer, byte for byte the one it gets alone, and that a refused call fails only itself."""

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import httpx
import pytest

from genart.bench.loadtest import RawClient
from genart.serve import batching, gradio_patches
from genart.studio.uploads import REFUSED

_ENDPOINTS: dict[str, dict] = {}


def _ask(url: str, api: str, data: list):
    """('ok', outputs) or ('error', sentence): one call in the browser's protocol, as its own session."""
    if url not in _ENDPOINTS:
        _ENDPOINTS[url] = RawClient(url).fn_index
    try:
        return "ok", RawClient(url, _ENDPOINTS[url]).call(api, data)
    except RuntimeError as e:
        return "error", str(e)


@pytest.fixture(scope="module")
def toy():
    """An endpoint `/double` (x → 2x, refusing x < 0 and a file it was not given) batched by the studio's
    `batched`, on its own server; it records the size of every batch, and its first call waits for `gate`."""
    sizes, gate = [], threading.Event()

    def double(x):
        if isinstance(x, dict):
            raise ValueError("x must be a number, not a file")
        if x < 0:
            raise ValueError(f"x must be 0 or more, got {x}")
        return {"x": x, "double": 2 * x}

    def handler(x):
        return double(x)

    batch = batching.batched(handler)

    @functools.wraps(batch)
    def counted(*columns):
        sizes.append(len(columns[0]))
        if len(sizes) == 1:
            gate.wait(10)
        return batch(*columns)

    with gr.Blocks() as demo:
        x, out = gr.JSON(), gr.JSON()
        gr.Button().click(counted, [x], [out], api_name="double", preprocess=False, concurrency_limit=1,
                          batch=True, max_batch_size=8)
    demo.queue(default_concurrency_limit=1)
    batching.fill_short_rows(demo._queue, gradio_patches.too_few_values)
    batching.deliver_refusals(demo._queue)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    yield url, sizes, gate
    demo.close()


def test_a_batch_answers_each_row_and_a_refused_row_fails_only_itself(toy):
    url, sizes, gate = toy
    sizes.clear()
    gate.clear()
    calls = ([[k] for k in range(8)] + [[-5]] + [[]]
             + [[{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}]])
    with ThreadPoolExecutor(len(calls) + 1) as pool:
        first = pool.submit(_ask, url, "/double", [100])          # holds the lane while the others queue
        while not sizes:
            time.sleep(0.01)
        answers = [pool.submit(_ask, url, "/double", data) for data in calls]
        time.sleep(1.0)                                           # all of them joined the queue
        gate.set()
        answers = [a.result() for a in answers]
    assert first.result() == ("ok", [{"x": 100, "double": 200}])
    assert max(sizes) >= 4, sizes                                 # the queued calls ran as batches
    for k in range(8):
        assert answers[k] == ("ok", [{"x": k, "double": 2 * k}]), answers[k]   # each its own row
    assert answers[8][0] == "error" and "x must be 0 or more, got -5" in answers[8][1]
    assert answers[9][0] == "error" and "/double takes 1 values and this call sent 0" in answers[9][1]
    assert answers[10][0] == "error" and REFUSED in answers[10][1]              # Gradio's check of the path


def test_a_lone_refused_call_gets_its_sentence(toy):
    url, _, gate = toy
    gate.set()
    assert _ask(url, "/double", [3]) == ("ok", [{"x": 3, "double": 6}])
    state, said = _ask(url, "/double", [-1])
    assert state == "error" and "x must be 0 or more, got -1" in said


def test_the_quick_api_endpoints_are_batched_with_their_parameters_kept(app_url):
    config = httpx.get(f"{app_url}config").json()
    batched = {d["api_name"]: d for d in config["dependencies"] if d.get("batch")}
    assert set(batched) == {"gan_generate", "vae_decode", "classify"}
    assert all(d["max_batch_size"] == batching.MAX_BATCH for d in batched.values())
    info = httpx.get(f"{app_url}gradio_api/info").json()["named_endpoints"]
    assert [p["parameter_name"] for p in info["/gan_generate"]["parameters"]] == ["seed", "label", "truncation",
                                                                                  "model"]
    assert [p["parameter_name"] for p in info["/vae_decode"]["parameters"]] == ["z", "model"]
    assert [p["parameter_name"] for p in info["/classify"]["parameters"]] == ["image"]


def _image_bytes(url: str, outputs: list) -> bytes:
    return httpx.get(outputs[0]["url"]).content


def test_many_callers_at_once_each_get_their_own_image_and_bad_calls_fail_alone(app_url):
    """12 GAN seeds and 4 refused calls at once: each seed's image is byte for byte the one it gets alone,
    and each refused call gets its own sentence."""
    alone = {seed: _image_bytes(app_url, _ask(app_url, "/gan_generate", [seed, "any", 1.0, "gan/fashion"])[1])
             for seed in (3, 7)}
    good = [[seed, "any", 1.0, "gan/fashion"] for seed in range(12)]
    bad = [["abc", "any", 1.0, "gan/fashion"], [1, "Nope", 1.0, "gan/fashion"], [1], [2 ** 70, "any", 1.0,
                                                                                     "gan/fashion"]]
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(_ask, app_url, "/gan_generate", data) for data in good + bad]
        answers = [f.result() for f in futures]
    assert all(state == "ok" for state, _ in answers[:12]), [a for a in answers[:12] if a[0] != "ok"]
    for seed in alone:
        assert _image_bytes(app_url, answers[seed][1]) == alone[seed]
    messages = ["seed must be a number, got 'abc'", "Unknown label 'Nope'",
                "/gan_generate takes 4 values and this call sent 1", "seed must be a whole number"]
    for (state, said), message in zip(answers[12:], messages, strict=True):
        assert state == "error" and message in said, (said, message)


def test_vae_decode_and_classify_answer_each_caller_with_bad_calls_among_them(app_url):
    z = _ask(app_url, "/vae_random", [0, "vae/fashion"])[1][1]
    image = RawClient(app_url, {}).upload(batching_example())
    calls = ([("/vae_decode", [z, "vae/fashion"])] * 8 + [("/classify", [image])] * 8
             + [("/vae_decode", ["hello", "vae/fashion"]),
                ("/classify", [{"path": "/etc/hostname", "meta": {"_type": "gradio.FileData"}}])])
    with ThreadPoolExecutor(len(calls)) as pool:
        answers = [f.result() for f in [pool.submit(_ask, app_url, api, data) for api, data in calls]]
    decoded = {_image_bytes(app_url, out) for _, out in answers[:8]}
    assert all(state == "ok" for state, _ in answers[:16]) and len(decoded) == 1
    assert {out[0]["label"] for _, out in answers[8:16]} == {answers[8][1][0]["label"]}
    assert answers[16][0] == "error" and "z must be a list of" in answers[16][1]
    assert answers[17][0] == "error" and REFUSED in answers[17][1]


def batching_example():
    from genart.core.registry import ASSETS
    return ASSETS / "examples" / "cat.jpg"


def test_a_batched_endpoint_called_outside_the_queue_answers_one_request(app_url, caplog):
    """/gradio_api/run/…: Gradio 6.31 read one request's values as a batch's columns ("/gan_generate takes 4
    values and this call sent 1" for a good call); a client's own batch ("batched": true) is refused."""
    with httpx.Client(base_url=app_url, timeout=60) as h:
        good = h.post("gradio_api/run/gan_generate", json={"data": [7, "any", 1.0, "gan/fashion"]})
        assert good.status_code == 200 and good.json()["data"][0]["url"], good.text
        assert httpx.get(good.json()["data"][0]["url"]).content == _image_bytes(
            app_url, _ask(app_url, "/gan_generate", [7, "any", 1.0, "gan/fashion"])[1])
        bad = h.post("gradio_api/run/gan_generate", json={"data": ["abc", "any", 1.0, "gan/fashion"]})
        assert "seed must be a number, got 'abc'" in bad.json()["error"]
        with caplog.at_level("WARNING", logger="genart.requests"):
            own = h.post("gradio_api/run/gan_generate", json={
                "data": [[1, 2], ["any", "any"], [1.0, 1.0], ["gan/fashion"] * 2], "batched": True})
        assert own.json()["error"] == batching.OWN_BATCH
        assert any("a client's own batch" in r.getMessage() for r in caplog.records)


def test_refusals_come_back_from_a_zero_gpu_worker(monkeypatch):
    """On a ZeroGPU Space `spaces.GPU` runs the rows in another process: refusals must travel back in the
    result, not in a context variable that process cannot touch. Stand-in: the rows run in an empty context on
    another thread, and their result comes back pickled."""
    import contextvars
    import pickle

    def elsewhere(fn):
        def run(*args):
            box = {}
            t = threading.Thread(target=lambda: box.update(r=contextvars.Context().run(fn, *args)))
            t.start()
            t.join()
            return pickle.loads(pickle.dumps(box["r"]))
        return run

    monkeypatch.setattr(batching, "gpu", elsewhere)

    def double(x):
        if x < 0:
            raise ValueError(f"x must be 0 or more, got {x}")
        return 2 * x

    batch = batching.batched(double)
    noted: dict = {}
    token = batching.row_refusals.set(noted)
    try:
        out = batch([1, -2, 3])
    finally:
        batching.row_refusals.reset(token)
    assert out == [[2, None, 6]] and noted == {1: "x must be 0 or more, got -2"}
    with pytest.raises(gr.Error, match="got -2"):
        batch([-2])
