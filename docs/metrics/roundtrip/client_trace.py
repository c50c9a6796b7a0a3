"""Where a default `gradio_client.Client(url)` call spends its time against a running studio.

    .venv/bin/python app.py &                     # the studio on :7860
    .venv/bin/python docs/metrics/roundtrip/client_trace.py [url] > client-trace.json

For `/gan_generate` and `/vae_decode`, N calls each with `Client(url)` and with `Client(url, ssl_verify=False)`.
Per call it records every HTTP request the client sends (method, path, ms) and every TLS context the client
builds (`ssl.create_default_context`: httpx loads certifi's CA bundle into each one, even for an http:// URL),
then reports medians: the call's round trip, the time spent building TLS contexts, and the time spent in
requests. The studio's side of a call is the requests; the TLS contexts are the client's own work.
"""

from __future__ import annotations

import json
import ssl
import statistics
import sys
import threading
import time

import httpx
from gradio_client import Client

CALLS = 15

events: list[tuple[str, float]] = []         # (what, ms) during the current call
lock = threading.Lock()


def traced(fn, what):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            with lock:
                events.append((what(*args, **kwargs), 1000 * (time.perf_counter() - t)))
    return wrapper


def request_name(client, *args, **kwargs) -> str:
    request = args[0] if args else kwargs["request"]
    path = request.url.path
    return f"{request.method} {path.split('=')[0] + '=…' if 'file=' in path else path}"


ssl.create_default_context = traced(ssl.create_default_context, lambda *a, **k: "tls context")
httpx.Client.send = traced(httpx.Client.send, request_name)


def trace(client: Client, api: str, args: tuple) -> dict:
    calls = []
    client.predict(*args, api_name=api)                                   # warm: heartbeat, first stream
    for _ in range(CALLS):
        with lock:
            events.clear()
        t = time.perf_counter()
        client.predict(*args, api_name=api)
        total = 1000 * (time.perf_counter() - t)
        time.sleep(0.2)                                                    # let the heartbeat's thread settle
        with lock:
            seen = list(events)
        calls.append({"total_ms": total,
                      "tls_ms": sum(ms for what, ms in seen if what == "tls context"),
                      "tls_contexts": sum(what == "tls context" for what, _ in seen),
                      "requests": [(what, round(ms, 1)) for what, ms in seen if what != "tls context"]})
    med = lambda key: round(statistics.median(c[key] for c in calls), 1)
    return {"round_trip_ms": med("total_ms"), "tls_contexts_ms": med("tls_ms"),
            "tls_contexts_per_call": statistics.median(c["tls_contexts"] for c in calls),
            "requests_ms": round(statistics.median(sum(ms for _, ms in c["requests"]) for c in calls), 1),
            "requests_of_a_call": calls[len(calls) // 2]["requests"]}


def main(url: str = "http://127.0.0.1:7860/") -> None:
    out = {"url": url, "calls": CALLS, "python": sys.version.split()[0],
           "httpx": httpx.__version__, "gradio_client": __import__("gradio_client").__version__}
    for label, kwargs in (("Client(url)", {}), ("Client(url, ssl_verify=False)", {"ssl_verify": False})):
        client = Client(url, verbose=False, **kwargs)
        z = client.predict(0, api_name="/vae_random")[1]                  # a latent as the API gives it
        endpoints = {"/gan_generate": (7, "any", 1.0), "/vae_decode": (z,)}
        out[label] = {api: trace(client, api, args) for api, args in endpoints.items()}
        client.close()
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
