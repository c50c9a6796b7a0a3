"""The benchmark itself runs (tiny sizes); the speed targets are measured by `python -m genart bench`."""

import pytest

from genart.bench import run_benchmarks


@pytest.mark.slow
def test_quick_bench_reports_every_requested_section():
    out = run_benchmarks(quick=True, only=["filters", "classifier"])
    assert set(out) == {"machine", "filters", "classifier"}
    assert set(out["filters"]["filters_1024px_median_s"]) >= {"oil", "watercolor", "pencil", "ink", "pop_art",
                                                               "cartoon", "pointillism", "colored_pencil"}
    assert all(v > 0 for v in out["filters"]["filters_1024px_median_s"].values())
    assert out["classifier"]["classify_one_ms"] > 0 and isinstance(out["classifier"]["ok"], bool)


def test_unknown_section_is_an_error():
    with pytest.raises(ValueError, match="unknown bench sections"):
        run_benchmarks(quick=True, only=["teleport"])


@pytest.mark.slow
def test_quick_bench_of_the_style_networks():
    out = run_benchmarks(quick=True, only=["style"])
    style = out["style"]
    assert style["style_image_1024px_median_s"] > 0 and style["builtin_1024px_median_s"] > 0
    assert style["photo_px"] == [256, 170] and isinstance(style["ok"], bool), style


@pytest.mark.slow
def test_quick_bench_of_the_desk_render():
    out = run_benchmarks(quick=True, only=["desk"])["desk"]
    assert out["render_128px_colour_s"] > 0 and out["render_128px_fabric_s"] > 0 and isinstance(out["ok"], bool)
