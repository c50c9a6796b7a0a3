"""How long a fresh page takes to become usable over a slower network than loopback, and how many bytes it
fetched: `python transfer.py http://127.0.0.1:7860/ LABEL [N] > transfer-LABEL.json`.

For each network profile (chromium's own throttling, `Network.emulateNetworkConditions`), N fresh contexts
open the studio. Per load: the seconds until the document arrived (`domcontentloaded`) and until the first tab
is usable (its photo and its Paint button shown), the document's bytes on the wire and all bytes on the wire
(`request.sizes()`: headers and encoded body). Medians per profile.
"""

import json
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

PROFILES = {                                  # name → (latency ms, down Mbit/s, up Mbit/s); None = no throttling
    "loopback": None,
    "broadband 20 Mbit/s, 40 ms": (40, 20, 5),
    "mobile 4 Mbit/s, 150 ms": (150, 4, 1),
}


def load(browser, url: str, profile) -> dict:
    ctx = browser.new_context()
    page = ctx.new_page()
    if profile:
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        latency, down, up = profile
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency,
                                                       "downloadThroughput": down * 1e6 / 8,
                                                       "uploadThroughput": up * 1e6 / 8})
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded", timeout=120_000)
    document = time.perf_counter() - t0
    page.locator("#styles-paint").wait_for(state="visible", timeout=120_000)
    page.wait_for_function("() => { const i = document.querySelector('#styles-photo img');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=120_000)
    usable = time.perf_counter() - t0
    sizes = []
    for request in list(finished):
        size = request.sizes()
        sizes.append((request.resource_type, size["responseBodySize"] + size["responseHeadersSize"]))
    ctx.close()
    return {"document_s": document, "usable_s": usable,
            "document_bytes": sum(n for kind, n in sizes if kind == "document"),
            "all_bytes": sum(n for _, n in sizes)}


def main(url: str, label: str, n: str = "5") -> None:
    out = {"url": url, "label": label, "loads": int(n), "profiles": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        load(browser, url, None)                                          # warm: the server's first page
        for name, profile in PROFILES.items():
            runs = [load(browser, url, profile) for _ in range(int(n))]
            out["profiles"][name] = {key: round(statistics.median(r[key] for r in runs), 3 if key.endswith("_s") else 0)
                                     for key in runs[0]}
        browser.close()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
