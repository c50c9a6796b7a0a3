import re, time
import pytest
from playwright.sync_api import Page, expect
pytestmark = pytest.mark.e2e

def test_probe(page: Page, app_url):
    log = []
    page.on("request", lambda r: log.append((round(time.monotonic(),2), "req", r.method, r.url[len(app_url)-1:][:80])))
    page.on("requestfinished", lambda r: log.append((round(time.monotonic(),2), "fin", r.method, r.url[len(app_url)-1:][:80])))
    t = time.monotonic()
    page.goto(app_url)
    print("goto", time.monotonic() - t)
    try:
        page.wait_for_load_state("networkidle", timeout=60_000)
        print("networkidle", time.monotonic() - t)
    except Exception as e:
        print("no networkidle", e)
    expect(page.locator("#styles-info textarea")).to_have_value(re.compile(r"^Preview"), timeout=20_000)
    print("preview", time.monotonic() - t)
    time.sleep(3)
    for l in log:
        if "/assets/" not in l[3] and "/static/" not in l[3]:
            print(l)
