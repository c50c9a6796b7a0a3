"""Open the studio N times in fresh chromium contexts, click the VAE tab and wait 30 s for the page-load sample:
`python loads.py http://127.0.0.1:7860/ 80`. Each line names the VAE images the page fetched: the page-load
sample (genart_vae_random_seed-0.png) and the one the tab sends again when it opens (genart_vae_decode.png). A
miss prints the page's file requests, failed requests and console errors, and saves a screenshot
(docs/metrics/pageload/README.md)."""
import sys
import time

from playwright.sync_api import sync_playwright

url = sys.argv[1]; n = int(sys.argv[2])
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium")
    for i in range(n):
        ctx = b.new_context(); page = ctx.new_page()
        net = []
        page.on("response", lambda r: net.append((round(time.time(), 3), r.status, r.url[-70:])) if "file=" in r.url else None)
        page.on("requestfailed", lambda r: net.append((round(time.time(), 3), "FAILED", r.failure, r.url[-70:])))
        page.on("console", lambda m: net.append((round(time.time(), 3), "console", m.type, m.text[:200])) if m.type in ("error", "warning") else None)
        t0 = time.time()
        page.goto(url)
        page.get_by_role("tab", name="VAE Latent Lab").click()
        tclick = time.time()
        try:
            page.locator("#vae-out img").first.wait_for(state="visible", timeout=30_000)
            page.wait_for_timeout(1000)                       # a second image the tab sends is fetched by then
            vae = sorted({e[2].rsplit("/", 1)[-1] for e in net if len(e) == 3 and "genart_vae" in e[2]})
            print(i, "ok", round(time.time() - t0, 2), *vae, flush=True)
        except Exception:
            print(i, "MISSING", round(t0, 3), "click", round(tclick, 3), flush=True)
            for e in net: print("   ", e, flush=True)
            page.screenshot(path=f"missing-{i}.png", full_page=True)
        ctx.close()
    b.close()
