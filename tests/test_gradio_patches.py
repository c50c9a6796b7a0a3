"""Gradio's image cache writes atomically: concurrent writers of one image never expose a partial file."""

import os
import threading

import numpy as np
from PIL import Image

from genart.serve.gradio_patches import apply_gradio_patches


def test_concurrent_identical_outputs_never_show_a_truncated_file(tmp_path):
    apply_gradio_patches()
    from gradio import processing_utils
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8))
    path = processing_utils.save_pil_to_cache(img, str(tmp_path), format="png")
    full = len(open(path, "rb").read())
    sizes, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            sizes.append(len(open(path, "rb").read()))

    def writer():
        for _ in range(40):
            processing_utils.save_pil_to_cache(img.copy(), str(tmp_path), format="png")

    threads = [threading.Thread(target=reader)] + [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads[1:]:
        t.join()
    stop.set()
    threads[0].join()
    assert sizes and set(sizes) == {full}
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["image.png"]     # no staging file left


def test_output_pngs_are_fast_to_encode_and_keep_their_record(tmp_path):
    apply_gradio_patches()
    from gradio import processing_utils

    from genart.core import records
    img = records.stamp(np.random.default_rng(1).integers(0, 255, (64, 64, 3), dtype=np.uint8),
                        records.make("gan_generate", {"seed": 3}))
    path = processing_utils.save_pil_to_cache(img, str(tmp_path), format="png")
    assert records.read(path)["params"] == {"seed": 3}                          # the record travels
    data = open(path, "rb").read()
    idat = data.index(b"IDAT")
    assert data[idat + 4] & 0x0F == 8 and data[idat + 5] >> 6 == 0               # zlib header: deflate, "fastest"
    assert np.array_equal(np.asarray(Image.open(path)), np.asarray(img))          # lossless all the same


def test_gradio_rebuilds_its_analytics_summary_rarely_and_skips_a_missing_matplotlib():
    """Gradio's per-event analytics summary (a pandas DataFrame of up to 10,000 past events) is rebuilt every
    1,000 events, not after each; with no matplotlib installed its per-event backend switch is skipped."""
    import importlib.util

    import gradio as gr
    from gradio import utils

    apply_gradio_patches()
    from genart.serve import gradio_patches

    with gr.Blocks() as demo:
        gr.Number()
    queue = demo._queue
    assert queue.ANAYLTICS_CACHE_FREQUENCY == int(os.environ.get("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")) >= 1000
    records = [{"time": 0.0, "status": "success", "process_time": 0.01, "function": "f", "session_hash": "s"}] * 5
    queue.events_recorded = 1                       # one new event since the last summary: it is not rebuilt
    assert queue.compute_analytics_summary(records) == {"functions": {}}
    queue.events_recorded = 1000                    # a thousand: it is
    assert queue.compute_analytics_summary(records)["functions"]["f"]["total_requests"] == 5
    if importlib.util.find_spec("matplotlib") is None:
        assert utils.MatplotlibBackendMananger is gradio_patches.NoBackendSwitch
        with utils.MatplotlibBackendMananger():     # what route_utils does around every event
            pass


def test_the_server_runs_on_uvloop_and_parses_http_with_h11():
    """uvicorn (Gradio's server, loop and http "auto") picks uvloop when installed (requirements.txt), and the
    studio makes its "auto" HTTP parser h11, which bounds a request's head, even where httptools is installed
    (test_hostile checks the bound on the live server)."""
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    apply_gradio_patches()

    from genart.serve.gradio_patches import HeadDeadline
    config = uvicorn.Config(app=lambda *a: None, http="auto")
    config.load()
    assert config.http_protocol_class is HeadDeadline and issubclass(HeadDeadline, H11Protocol)
    loop = config.get_loop_factory()()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


def test_a_request_head_must_arrive_within_the_deadline_but_a_slow_answer_is_not_cut(monkeypatch):
    """The studio's HTTP protocol closes a connection that sends nothing, or trickles its head a line at a time
    (uvicorn alone holds both for ever), and leaves a whole request alone however long its answer takes, on a
    kept-alive connection too. A tiny ASGI app on its own port, the deadline at 1 s."""
    import asyncio
    import socket
    import threading
    import time

    import uvicorn

    from genart.bench.loadtest import _free_port
    from genart.serve import gradio_patches
    monkeypatch.setattr(gradio_patches, "HEAD_TIMEOUT_S", 1.0)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["path"] == "/slow":
            await asyncio.sleep(2.0)                                  # twice the deadline
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=gradio_patches.HeadDeadline,
                                           lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)

        def closed_after(sock, trickle: bool) -> float:
            t0 = time.monotonic()
            sock.settimeout(0.25)
            while time.monotonic() - t0 < 6:
                try:
                    if sock.recv(1) == b"":
                        return time.monotonic() - t0
                except TimeoutError:
                    if trickle:
                        sock.sendall(b"X-Slow: a\r\n")
                except OSError:
                    return time.monotonic() - t0
            return float("inf")

        with socket.create_connection(("127.0.0.1", port)) as silent:
            assert 0.8 < closed_after(silent, trickle=False) < 3
        with socket.create_connection(("127.0.0.1", port)) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            assert 0.8 < closed_after(slow, trickle=True) < 3
        with socket.create_connection(("127.0.0.1", port), timeout=10) as kept:
            for path in ("/slow", "/", "/slow"):
                kept.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                answer = b""
                while not answer.endswith(b"ok"):
                    answer += kept.recv(4096)
                assert answer.startswith(b"HTTP/1.1 200")
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_page_and_its_config_travel_compressed_and_unchanged(app_url):
    """The page (its HTML carries the whole config), /config and the API info are compressed for a browser, with
    brotli or gzip; decoded, they are byte for byte what a client that takes no compression gets. An event
    stream is never compressed (each message must arrive as it is sent)."""
    import httpx
    with httpx.Client(base_url=app_url, timeout=30) as http:
        for path in ("/", "config", "gradio_api/info"):
            plain = http.get(path, headers={"Accept-Encoding": "identity"})
            assert plain.status_code == 200 and "content-encoding" not in plain.headers
            for encoding in ("br", "gzip"):
                packed = http.get(path, headers={"Accept-Encoding": encoding})
                assert packed.headers["content-encoding"] == encoding, path
                assert packed.content == plain.content, path
                assert packed.num_bytes_downloaded < len(plain.content) / 8, path      # 786 KB → 39 KB (br)
        event_id = http.post("gradio_api/call/gan_generate",
                             json={"data": [1, "any", 1.0, "gan/fashion"]}).json()["event_id"]
        with http.stream("GET", f"gradio_api/call/gan_generate/{event_id}",
                         headers={"Accept-Encoding": "br, gzip"}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in stream.headers
            assert any(line.startswith("event: complete") for line in stream.iter_lines())
