"""Two questions the first GPU run (docs/metrics/gpu/bench-h200.json) left, answered on the same machine.

1. Why does a streamed DDIM-25 sample take 3.3 s through `list(Client.submit(...))` when the browser's
   protocol gets it in 0.17 s? Hypothesis: gradio_client's `Job.__next__` sleeps 1 ms *while holding* the
   communicator's lock, so the thread that receives the stream's messages starves for that lock. Timed per
   way of reading the same stream: iterating the job; waiting for `job.done()` and reading `job.outputs()`;
   `Client.predict`; the browser protocol; and iterating with `__next__` patched to sleep outside the lock.
2. Why is the large-batch sampling run no faster under bf16 autocast? The U-Net forward at batch 8192 in
   fp32 (convolutions in TF32 by cuDNN's default), fp32 with TF32 off, and bf16 autocast, and the top
   kernels of one guided step under torch.profiler.

Run: python docs/metrics/gpu/diagnose.py OUT_DIR   (prints one JSON object, also written to OUT_DIR)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch


def stream_ways(n: int = 5) -> dict:
    from gradio_client import Client
    from gradio_client.client import Job
    from gradio_client.utils import Status

    from genart.bench.loadtest import RawClient, _free_port, start_studio

    args = [0, "Bag", "ddim", 25, 2.0, "uniform", 0.0, 0.0, "diffusion/fashion"]
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        server = start_studio(port, Path(tmp) / "studio.log")
        url = f"http://127.0.0.1:{port}/"
        try:
            client, raw = Client(url, verbose=False, ssl_verify=False), RawClient(url)

            def iterate():
                return list(client.submit(*args, api_name="/diffusion_sample"))

            def wait_done():
                job = client.submit(*args, api_name="/diffusion_sample")
                while not job.done():
                    time.sleep(0.002)
                return job.outputs()

            def patched_next(self):                    # the same loop, the sleep outside the lock
                while True:
                    with self.communicator.lock:
                        if len(self.communicator.job.outputs) >= self._counter + 1:
                            o = self.communicator.job.outputs[self._counter]
                            self._counter += 1
                            return o
                        if (self.communicator.job.latest_status.code == Status.FINISHED
                                and self._counter >= len(self.communicator.job.outputs)):
                            raise StopIteration()
                    time.sleep(0.001)

            original = Job.__next__

            def iterate_patched():
                Job.__next__ = patched_next
                try:
                    return iterate()
                finally:
                    Job.__next__ = original

            ways = {"iterate_job": iterate, "wait_done_then_outputs": wait_done,
                    "predict": lambda: client.predict(*args, api_name="/diffusion_sample"),
                    "browser_protocol": lambda: raw.call("/diffusion_sample", args),
                    "iterate_job_sleep_outside_lock": iterate_patched}
            out = {}
            for name, fn in ways.items():
                fn()                                                         # warm-up
                times = []
                for _ in range(n):
                    t0 = time.perf_counter()
                    items = fn()
                    times.append(time.perf_counter() - t0)
                out[name] = {"median_s": round(statistics.median(times), 4), "runs_s": [round(t, 3) for t in times],
                             "items": len(items) if isinstance(items, list) else None}
            client.close()
            raw.close()
        finally:
            server.terminate()
            server.wait(30)
    return out


def unet_precision(batch: int = 8192) -> dict:
    from genart.bench.benchmarks import median_seconds
    from genart.core.registry import Registry
    from genart.diffusion.sampling import guided

    reg = Registry()
    unet, device = reg.get("diffusion/fashion"), reg.device
    x = torch.randn(batch, 1, 28, 28, device=device)
    t = torch.full((batch,), 500, device=device)
    y = torch.arange(batch, device=device) % 10
    out = {"batch": batch}
    with torch.no_grad():
        for name, tf32, dtype in (("fp32_tf32_convs", True, None), ("fp32_no_tf32", False, None),
                                  ("bf16_autocast", True, torch.bfloat16)):
            torch.backends.cudnn.allow_tf32 = tf32
            ctx = torch.autocast("cuda", dtype=dtype) if dtype else torch.autocast("cuda", enabled=False)
            with ctx:
                s, _ = median_seconds(lambda: unet(x, t, y), 1.0)
            out[name + "_ms"] = round(1000 * s, 2)
        torch.backends.cudnn.allow_tf32 = True
        fn = guided(unet, y[: batch // 2], 2.0, 10)
        from torch.profiler import ProfilerActivity, profile
        fn(x[: batch // 2], t[: batch // 2])
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            fn(x[: batch // 2], t[: batch // 2])
            torch.cuda.synchronize()
        out["profile_top_cuda"] = prof.key_averages().table(sort_by="cuda_time_total", row_limit=14)
    return out


def main() -> int:
    out_dir = Path(sys.argv[1])
    result = {"machine": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"}
    for name, fn in (("stream_ways", stream_ways), ("unet_precision", unet_precision)):
        try:
            result[name] = fn()
        except Exception as e:                                  # one question's failure keeps the other's answer
            result[name] = {"error": f"{type(e).__name__}: {e}"}
        (out_dir / "diagnose.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "unet_precision"}, indent=1))
    up = result["unet_precision"]
    print({k: v for k, v in up.items() if k != "profile_top_cuda"})
    print(up.get("profile_top_cuda", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
