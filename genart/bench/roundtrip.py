"""What the user feels beside what the model costs: each action's round trip through a running studio.

`bench_roundtrip()` starts the studio (`python app.py`) on a free loopback port and, per action, measures
the median seconds of

- **compute**: the action's core work in this process on already-decoded inputs (the filter, the network,
  the sampling loop) — what the model costs;
- **round trip** with `gradio_client` (what a script feels: upload, queue, the result downloaded), the same
  with `Client(url, ssl_verify=False)` (on a plain-http studio there is no TLS to verify, but by default the
  client builds a TLS context — loading the CA bundle, 28–62 ms on this CPU — for each of the 3–4 connections a
  call opens), and with the browser's protocol (`genart.bench.loadtest.RawClient`: one session, the result fetched
  as a browser shows it);

and reports round trip / compute and round trip − compute. Streams count until the last item arrived.
Measure on an otherwise idle machine: client, server and compute share the same cores.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from genart.bench.common import sync
from genart.bench.loadtest import EXAMPLES, RawClient, _free_port, start_studio
from genart.core.device import serving_threads
from genart.diffusion.sampling import denoise, guided
from genart.diffusion.schedules import schedule_for, spaced_timesteps
from genart.models.gan import class_for, latent, render
from genart.styles.feedforward import paint
from genart.styles.filters import apply_style

HUBBLE = EXAMPLES / "style_hubble.jpg"
# targets on gradio_client's round trip (issue #15): (action, measure, bound)
TARGETS = (("vae_decode", "overhead_client_ms", 150), ("gan_generate", "overhead_client_ms", 150),
           ("stylize_oil_1482x1000", "ratio_client", 1.5), ("ddim25_streamed", "ratio_client", 2.0))
BUSY_P95_S = 0.5              # quick calls while a slow job runs


@dataclass
class Action:
    name: str
    api: str
    args: Callable[[Callable[[Path], object]], list]     # given a file-wrapper (client-specific) → the call's data
    compute: Callable[[], object]                         # the core work, in this process
    stream: bool = False


def photo(folder: Path, size: tuple[int, int]) -> tuple[Path, np.ndarray]:
    """coffee.jpg brought to `size` (w, h) with Lanczos, saved as JPEG (quality 92) as a camera would:
    → (its path, the decoded (h, w, 3) array)."""
    img = Image.open(EXAMPLES / "coffee.jpg").convert("RGB").resize(size, Image.LANCZOS)
    path = folder / f"coffee_{size[0]}x{size[1]}.jpg"
    img.save(path, quality=92)
    return path, np.asarray(Image.open(path).convert("RGB"))


def actions(registry, folder: Path, quick: bool = False) -> list[Action]:
    import cv2


    sides = [(256, 256)] if quick else [(1024, 1024), (1482, 1000)]
    out = []
    for size in sides if hasattr(cv2, "xphoto") else []:      # oil needs opencv-contrib (requirements.txt)
        path, rgb = photo(folder, size)
        out.append(Action(f"stylize_oil_{size[0]}x{size[1]}", "/stylize", lambda f, p=path: [f(p), "oil", 1.0],
                          lambda rgb=rgb: apply_style(rgb, "oil", 1.0)))
    vae = registry.get("vae/fashion")
    z = vae.sample_prior(1, torch.Generator().manual_seed(0)).to(registry.device)
    z_list = z[0].tolist()
    out.append(Action("vae_decode", "/vae_decode", lambda f: [z_list, "vae/fashion"],
                      lambda: _no_grad(vae.decode, z)))
    G = registry.get("gan/fashion")

    def gan(seeds):
        zz = torch.stack([latent(s, G.config.z_dim) for s in seeds])
        return _no_grad(render, G, zz, torch.tensor([class_for(s, None) for s in seeds]))

    out.append(Action("gan_generate", "/gan_generate", lambda f: [7, "any", 0.8, "gan/fashion"],
                      lambda: gan([7])))
    out.append(Action("gan_grid_4x4", "/gan_grid", lambda f: [7, "any", 0.8, 4, 4, "gan/fashion"],
                      lambda: gan(range(7, 23))))
    unet = registry.get("diffusion/fashion")
    sched = schedule_for(unet.config)
    steps = 5 if quick else 25

    def sample():
        g = torch.Generator().manual_seed(0)
        x = torch.randn(1, 1, 28, 28, generator=g).to(registry.device)
        fn = guided(unet, torch.tensor([8], device=x.device), 2.0, unet.config.num_classes)
        for _ in denoise(fn, sched, "ddim", x, spaced_timesteps(sched.T, steps), g):
            pass

    out.append(Action(f"ddim{steps}_streamed", "/diffusion_sample",
                      lambda f: [0, "Bag", "ddim", steps, 2.0, "uniform", 0.0, 0.0, "diffusion/fashion"], sample,
                      stream=True))
    side = 256 if quick else 1024
    path, rgb = photo(folder, (side, side))
    look = np.asarray(Image.open(HUBBLE).convert("RGB"))
    out.append(Action(f"neural_style_{side}px", "/neural_style",
                      lambda f, p=path: [f(p), f(HUBBLE), 200, side, 0, "image", 1.0],
                      lambda: paint(registry, rgb, "image", size=side, style_image=look), stream=True))
    return out


def _no_grad(fn, *args):
    with torch.no_grad():
        return fn(*args)


def _median(fn: Callable[[], object], n: int) -> float:
    fn()                                                                   # warm-up (loads, caches)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        sync()                                                             # a GPU's queued work counts
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_roundtrip(registry, quick: bool = False, calls: int | None = None) -> dict:
    """Per action: compute, round trip (gradio_client and browser protocol), their ratio and difference;
    compute runs with the studio's serving threads (`genart.core.device.serving_threads`)."""
    import cv2


    n = calls or (2 if quick else 7)
    before = torch.get_num_threads(), cv2.getNumThreads()
    threads = serving_threads()               # compute with the studio's own thread count, as its server does
    try:
        return _bench(registry, quick, n, threads)
    finally:
        torch.set_num_threads(before[0])
        cv2.setNumThreads(before[1])


def _bench(registry, quick: bool, n: int, threads: int) -> dict:
    from gradio_client import Client, handle_file

    with tempfile.TemporaryDirectory(prefix="genart-roundtrip-") as tmp:
        folder = Path(tmp)
        todo = actions(registry, folder, quick)
        port = _free_port()
        server = start_studio(port, folder / "studio.log")
        url = f"http://127.0.0.1:{port}/"
        try:
            client, raw = Client(url, verbose=False), RawClient(url)
            plain = Client(url, verbose=False, ssl_verify=False)            # http: no TLS context to build
            uploaded: dict[Path, dict] = {}

            def raw_file(p: Path):
                if p not in uploaded:
                    uploaded[p] = raw.upload(p)
                return uploaded[p]

            def by_client(a: Action, client=client):
                if a.stream:
                    return lambda: list(client.submit(*a.args(handle_file), api_name=a.api))
                return lambda: client.predict(*a.args(handle_file), api_name=a.api)

            results = {}
            for a in todo:
                compute = _median(a.compute, n)
                rt_client = _median(by_client(a), n)
                rt_plain = _median(by_client(a, plain), n)
                rt_raw = _median(lambda a=a: raw.call(a.api, a.args(raw_file)), n)
                results[a.name] = {
                    "api": a.api, "compute_s": round(compute, 4),
                    "round_trip_client_s": round(rt_client, 4), "round_trip_browser_s": round(rt_raw, 4),
                    "round_trip_client_plain_http_s": round(rt_plain, 4),
                    "ratio_client": round(rt_client / compute, 2), "ratio_browser": round(rt_raw / compute, 2),
                    "ratio_client_plain_http": round(rt_plain / compute, 2),
                    "overhead_client_ms": round(1000 * (rt_client - compute), 1),
                    "overhead_client_plain_http_ms": round(1000 * (rt_plain - compute), 1),
                    "overhead_browser_ms": round(1000 * (rt_raw - compute), 1)}
            busy = quick_calls_while_busy(client, url, 3 if quick else 20, 20 if quick else 250)
            client.close()
            plain.close()
            raw.close()
        finally:
            server.terminate()
            server.wait(30)
    met = {f"{name}.{measure} <= {bound}": results[name][measure] <= bound
           for name, measure, bound in TARGETS if name in results}
    met.update({f"busy.{api}.p95_s <= {BUSY_P95_S}": v["p95_s"] <= BUSY_P95_S for api, v in busy["calls"].items()})
    plain = {f"{name}.{measure.replace('client', 'client_plain_http')} <= {bound}":
             results[name][measure.replace("client", "client_plain_http")] <= bound
             for name, measure, bound in TARGETS if name in results}
    skipped = ({} if any(a.api == "/stylize" for a in todo)
               else {"skipped_actions": "stylize (oil needs cv2.xphoto: opencv-contrib)"})
    return {"actions": results, **skipped, "busy": busy, "targets_met": met, "ok": all(met.values()),
            "targets_met_client_plain_http": plain,
            "calls_per_median": n, "compute_threads": threads}


def quick_calls_while_busy(client, url: str, n: int, steps: int = 250) -> dict:
    """/gan_generate and /vae_decode (gradio_client) while another user's long diffusion runs (DDPM, `steps`
    steps, back to back, browser protocol) hold the slow lane: each one's median and p95 seconds."""
    import threading

    stop, runs = threading.Event(), []

    def painter():
        other = RawClient(url)
        try:
            while not stop.is_set():
                other.call("/diffusion_sample", [len(runs), "any", "ddpm", steps, 2.0, "uniform", 0.0, 0.0,
                                                 "diffusion/fashion"])
                runs.append(1)
        finally:
            other.close()

    worker = threading.Thread(target=painter, daemon=True)
    worker.start()
    time.sleep(1.0)                                                  # the slow job is under way
    z = [0.0] * len(client.predict(0, api_name="/vae_random")[1])
    calls: dict[str, list[float]] = {"/gan_generate": [], "/vae_decode": []}
    for i in range(n):
        for api, args in (("/gan_generate", [i, "any", 0.8]), ("/vae_decode", [z])):
            t0 = time.perf_counter()
            client.predict(*args, api_name=api)
            calls[api].append(time.perf_counter() - t0)
    stop.set()
    worker.join(120)
    return {"calls": {api: {"median_s": round(statistics.median(v), 4),
                            "p95_s": round(float(np.percentile(v, 95)), 4), "n": len(v)}
                      for api, v in calls.items()},
            "slow_job": f"/diffusion_sample ddpm {steps} steps, back to back", "slow_runs_finished": len(runs)}
