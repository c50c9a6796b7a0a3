"""The load test itself: a short run against a fresh studio on loopback counts calls, failures and memory."""

import pytest

pytestmark = pytest.mark.slow


def test_a_short_load_run_reports_every_endpoint_without_failures(tmp_path):
    from genart.bench.loadtest import QUICK, markdown, run_load
    r = run_load(clients=4, seconds=6, max_calls=20, log_dir=tmp_path, think_s=0.1)
    assert r["failures"] == 0, {api: (e["failures"], e["first_failure"]) for api, e in r["endpoints"].items()
                                if e["failures"]}
    assert set(QUICK) <= set(r["endpoints"]) and r["calls_ok"] >= 10
    assert all(e["p50_s"] is not None and 0 < e["p50_s"] <= e["p95_s"] for e in r["endpoints"].values())
    from genart.core.registry import SPECS
    # every model still listed (user models in an inherited GENART_MODEL_DIR add rows)
    assert 200 < r["peak_rss_mb"] < 2500 and r["models_after"] >= len(SPECS)
    assert "| 4 (0.1) | **all** |" in markdown([r])
