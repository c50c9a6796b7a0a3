"""Gradio's image cache writes atomically: concurrent writers of one image never expose a partial file."""

import os
import threading

import numpy as np
from PIL import Image


def test_concurrent_identical_outputs_never_show_a_truncated_file(tmp_path):
    import genart.ui  # noqa: F401 — applies the fix
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
    import genart.ui  # noqa: F401 — applies the fix
    from gradio import processing_utils

    from genart import records
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

    import genart.ui  # noqa: F401 — applies the fixes
    from genart.ui import gradio_fixes

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
        assert utils.MatplotlibBackendMananger is gradio_fixes.NoBackendSwitch
        with utils.MatplotlibBackendMananger():     # what route_utils does around every event
            pass


def test_the_server_runs_on_uvloop_and_parses_http_with_h11():
    """uvicorn (Gradio's server, loop and http "auto") picks uvloop when installed (requirements.txt), and the
    studio makes its "auto" HTTP parser h11, which bounds a request's head, even where httptools is installed
    (test_hostile checks the bound on the live server)."""
    import uvicorn
    from uvicorn.protocols.http.h11_impl import H11Protocol

    import genart.ui  # noqa: F401 — applies the fixes

    config = uvicorn.Config(app=lambda *a: None, http="auto")
    config.load()
    assert config.http_protocol_class is H11Protocol
    loop = config.get_loop_factory()()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()
