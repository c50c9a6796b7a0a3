"""Gradio's own batching (`batch=True, max_batch_size=16`), measured on a toy app before using it in the studio.

    python docs/metrics/batching/gradio_batch.py serve single|single4|batch|failing PORT   # one server
    python docs/metrics/batching/gradio_batch.py load URL                          # 32 no-pause clients, 25 s
    python docs/metrics/batching/gradio_batch.py mixed URL                         # 8 good clients + 1 bad, 10 s

`single`/`single4`/`batch`: an endpoint costing ~1 ms that returns a 224×224 PNG (the size of a GAN image),
one at a time, four at a time (the studio's quick lane) or batched (up to 16). `failing`: a batched endpoint that refuses a negative seed with gr.Error. The clients speak
the browser's protocol (`genart.bench.loadtest.RawClient`). Results are in docs/benchmarks.md (batching).
"""
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))


def serve(mode: str, port: int) -> None:
    import gradio as gr
    img = (np.random.default_rng(0).random((224, 224, 3)) * 255).astype(np.uint8)

    def unique(seed):                     # each result its own file in Gradio's cache, as real results are
        out = img.copy()
        out[0, :8] = np.frombuffer(int(seed).to_bytes(24, "little", signed=True), np.uint8).reshape(8, 3)
        return out

    def one(seed):
        time.sleep(0.001)
        return unique(seed)

    def many(seeds):
        time.sleep(0.001 * len(seeds) ** 0.5)
        return [[unique(s) for s in seeds]]

    def many_failing(seeds):
        if any(s < 0 for s in seeds):
            raise gr.Error("seed must be 0 or more")
        time.sleep(0.02)
        return [[float(s) for s in seeds]]

    with gr.Blocks() as demo:
        s = gr.Number()
        if mode.startswith("single"):                       # single: one at a time; single4: four at once
            s.change(one, s, gr.Image(type="numpy", format="png"), api_name="go",
                     concurrency_limit=4 if mode == "single4" else 1)
        elif mode == "batch":
            s.change(many, s, gr.Image(type="numpy", format="png"), api_name="go", concurrency_limit=1,
                     batch=True, max_batch_size=16)
        else:
            s.change(many_failing, s, gr.Number(), api_name="go", concurrency_limit=1, batch=True,
                     max_batch_size=16)
    demo.queue(default_concurrency_limit=1, max_size=256).launch(server_port=port)


def clients(url: str, n: int, seconds: float, bad: set[int]) -> dict:
    from genart.bench.loadtest import RawClient
    lat, tally, lock = [], {"good_ok": 0, "good_failed": 0, "bad_failed": 0}, threading.Lock()
    stop = time.monotonic() + seconds

    def worker(i):
        c, k = RawClient(url), 0
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                c.call("/go", [-1 if i in bad else i * 1000 + k])
                key = "good_ok"
            except Exception:
                key = "bad_failed" if i in bad else "good_failed"
            k += 1
            with lock:
                lat.append(time.perf_counter() - t)
                tally[key] += 1
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return {"calls_per_s": round(len(lat) / seconds, 1), "p50_s": round(statistics.median(lat), 3),
            "p95_s": round(float(np.percentile(lat, 95)), 3), **tally}


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "load":
        print(json.dumps(clients(sys.argv[2], 32, 25.0, set())))
    else:
        print(json.dumps(clients(sys.argv[2], 9, 10.0, {0})))
