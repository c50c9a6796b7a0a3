"""Load test: N simultaneous users against the studio served on loopback, bounded in time and count.

    python -m genart loadtest --clients 8 32 --seconds 60 --json

For each client count a fresh studio (`python app.py`) starts on a free loopback port; a quarter of
the clients ("painters") keep the slow lane busy back to back (a painting, a DDIM-25 diffusion
sample, a short neural style), the rest ("players") make the quick calls a person makes while
playing (GAN seed, VAE slider decode, classify, a GAN grid, /models), with `think_s` seconds
between calls (0: scripts hammering the studio; 1: a person looking at each result). Every call is \
timed; a failure is any call
that did not return its result. The server's peak resident memory is sampled from /proc. Traffic
goes only to 127.0.0.1, each client stops at the deadline or after `max_calls`, and the server is
stopped at the end. Clients speak Gradio's browser protocol directly (`RawClient`), like a browser tab.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "assets" / "examples"
QUICK = ("/gan_generate", "/vae_decode", "/classify", "/gan_grid", "/models")
SLOW = ("/stylize", "/diffusion_sample", "/neural_style")


@dataclass
class Tally:
    """Latencies (s) and failures per endpoint, filled by the client threads."""
    seconds: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, api: str, dt: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is None:
                self.seconds.setdefault(api, []).append(dt)
            else:
                self.failures.setdefault(api, []).append(error[:200])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def start_studio(port: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
               GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               NO_PROXY="127.0.0.1,localhost")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    import httpx
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the studio exited with {proc.returncode}; see {log_path}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"the studio did not start within 120 s; see {log_path}")


class RawClient:
    """Gradio's browser protocol over one keep-alive HTTP connection, as light as a browser tab: one
    session for the client's life, POST /gradio_api/queue/join, read the session's event stream to
    the call's completion, then fetch the result's files the way a browser shows them.
    (gradio_client spends ~150 ms of CPU per call — measured — on the 2-core machine that also
    serves, so with it the load generator measured itself; and a fresh session per call, as
    /gradio_api/call/ makes, costs the server ~30 ms to build the session's copy of the UI config.)"""

    def __init__(self, url: str, fn_index: dict[str, int] | None = None):
        """`fn_index`: another client's map of endpoints, to skip fetching the page config (~0.7 MB) again."""
        import uuid

        import httpx
        self.http = httpx.Client(base_url=url, timeout=300)
        self.session = uuid.uuid4().hex[:11]
        if fn_index is None:
            config = self.http.get("config").json()
            fn_index = {f"/{d['api_name']}": d["id"] for d in config["dependencies"] if d.get("api_name")}
        self.fn_index = fn_index

    def upload(self, path: Path) -> dict:
        r = self.http.post("gradio_api/upload", files={"files": (path.name, path.read_bytes())})
        r.raise_for_status()
        return {"path": r.json()[0], "meta": {"_type": "gradio.FileData"}, "orig_name": path.name}

    def call(self, api: str, data: list):
        import json
        r = self.http.post("gradio_api/queue/join", json={
            "data": data, "fn_index": self.fn_index[api], "session_hash": self.session,
            "event_data": None, "trigger_id": None})
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
        event_id, done = r.json()["event_id"], None
        with self.http.stream("GET", "gradio_api/queue/data", params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") == event_id and msg.get("msg") == "process_completed":
                    done = msg
                    break
        if not done or not done.get("success"):
            raise RuntimeError(str((done or {}).get("output", "no completion"))[:200])
        outputs = done["output"]["data"]
        for out in outputs:                                    # fetch images/files as a browser would
            if isinstance(out, dict) and out.get("url"):
                self.http.get(out["url"]).raise_for_status()
        return outputs

    def close(self):
        self.http.close()


def _calls(kind: str, i: int, files: dict):
    """The i-th call a client of `kind` makes: (api_name, data)."""
    if kind == "painter":
        k = i % 3
        if k == 0:
            return "/stylize", [files["cat"], ("oil", "watercolor", "cartoon")[i % 3], 1.0]
        if k == 1:
            return "/diffusion_sample", [i, "any", "ddim", 25, 2.0, "uniform", 0.0, 0.0, "diffusion/fashion"]  # all
        return "/neural_style", [files["coffee"], files["gravel"], 20, 128, i, "image", 1.0]   # the style network
    api = QUICK[i % len(QUICK)]
    if api == "/gan_generate":
        return api, [i, "any", 0.8, "gan/fashion"]                  # the browser protocol sends every input
    if api == "/vae_decode":
        return api, [[0.0] * 10 + [0.1 * ((i * 7) % 11 - 5)] * (434 - 10), "vae/fashion"]
    if api == "/classify":
        return api, [files["cat"]]
    if api == "/gan_grid":
        return api, [i, "any", 0.8, 4, 4, "gan/fashion"]
    return api, []


def client_loop(url: str, kind: str, deadline: float, max_calls: int, tally: Tally, offset: int,
                think_s: float = 0.0) -> None:
    client = RawClient(url)
    try:
        files = {name: client.upload(EXAMPLES / f"{name if name != 'gravel' else 'style_gravel'}.jpg")
                 for name in ("cat", "coffee", "gravel")}
    except Exception as e:
        tally.add("upload", None, f"{type(e).__name__}: {e}")
        client.close()
        return
    try:
        for i in range(max_calls):
            if time.monotonic() >= deadline:
                break
            api, data = _calls(kind, i + offset, files)
            t0 = time.perf_counter()
            try:
                client.call(api, data)
                tally.add(api, time.perf_counter() - t0)
            except Exception as e:
                tally.add(api, None, f"{type(e).__name__}: {e}")
            if kind == "player" and think_s:
                time.sleep(think_s)                             # a person looks at the result before the next move
    finally:
        client.close()


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def run_load(clients: int, seconds: float, max_calls: int = 400, log_dir: Path | None = None,
             think_s: float = 0.0) -> dict:
    """One load run with `clients` simultaneous users; returns figures per endpoint and overall."""
    log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
    port = _free_port()
    proc = start_studio(port, log_dir / f"genart-loadtest-{clients}.log")
    url = f"http://127.0.0.1:{port}/"
    peak, stop = [_rss_mb(proc.pid)], threading.Event()

    def sample():
        while not stop.wait(0.2):
            peak.append(_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tally = Tally()
    painters = max(1, clients // 4)
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(url, "painter" if c < painters else "player", deadline,
                                                          max_calls, tally, c * 101, think_s), daemon=True)
               for c in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 400)
    wall = time.perf_counter() - t0
    alive_after = None
    try:
        c = RawClient(url)
        alive_after = len(c.call("/models", [])[0])
        c.close()
    except Exception as e:
        alive_after = f"{type(e).__name__}: {e}"
    stop.set()
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    endpoints = {}
    for api in sorted(set(tally.seconds) | set(tally.failures)):
        xs = tally.seconds.get(api, [])
        endpoints[api] = {"calls": len(xs) + len(tally.failures.get(api, [])),
                          "failures": len(tally.failures.get(api, [])),
                          "p50_s": round(statistics.median(xs), 3) if xs else None,
                          "p95_s": round(_pct(xs, 0.95), 3) if xs else None,
                          "first_failure": (tally.failures.get(api) or [None])[0]}
    done = sum(len(v) for v in tally.seconds.values())
    return {"clients": clients, "painters": painters, "think_s": think_s, "seconds": round(wall, 1), "calls_ok": done,
            "failures": sum(len(v) for v in tally.failures.values()), "throughput_per_s": round(done / wall, 2),
            "quick_p95_s": round(_pct([x for a in QUICK for x in tally.seconds.get(a, [])], 0.95), 3)
            if any(tally.seconds.get(a) for a in QUICK) else None,
            "peak_rss_mb": round(max(peak)), "models_after": alive_after, "endpoints": endpoints}


def markdown(results: list[dict]) -> str:
    """One table row per (clients, endpoint)."""
    lines = ["| clients (think s) | endpoint | calls | failures | p50 s | p95 s |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        who = f"{r['clients']} ({r['think_s']:g})"
        for api, e in r["endpoints"].items():
            lines.append(f"| {who} | `{api}` | {e['calls']} | {e['failures']} | {e['p50_s']} | {e['p95_s']} |")
        lines.append(f"| {who} | **all** | {r['calls_ok'] + r['failures']} | {r['failures']} | "
                     f"{r['throughput_per_s']} calls/s | peak RSS {r['peak_rss_mb']} MB |")
    return "\n".join(lines)
