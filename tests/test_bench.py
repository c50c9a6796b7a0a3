"""The benchmark itself runs (tiny sizes); the speed targets are measured by `python -m genart bench`."""

import pytest

from genart.bench.benchmarks import run_benchmarks


@pytest.mark.slow
def test_quick_bench_reports_every_requested_section():
    out = run_benchmarks(quick=True, only=["filters", "classifier"])
    assert set(out) == {"machine", "filters", "classifier"}
    assert set(out["filters"]["filters_1024px_median_s"]) >= {"oil", "watercolor", "pencil", "ink", "pop_art",
                                                               "cartoon", "pointillism", "colored_pencil"}
    assert all(v > 0 for v in out["filters"]["filters_1024px_median_s"].values())
    clf = out["classifier"]
    assert clf["classify_one_ms"] > 0 and clf["ok"] == (clf["classify_one_ms"] < clf["target_ms"])


def test_unknown_section_is_an_error():
    with pytest.raises(ValueError, match="unknown bench sections"):
        run_benchmarks(quick=True, only=["teleport"])


@pytest.mark.slow
def test_quick_bench_of_the_style_networks():
    out = run_benchmarks(quick=True, only=["style"])
    style = out["style"]
    assert style["style_image_1024px_median_s"] > 0 and style["builtin_1024px_median_s"] > 0
    target = style["target_s"]
    assert style["photo_px"] == [256, 170], style
    assert style["ok"] == (style["style_image_1024px_median_s"] < target["style_image"]
                           and style["builtin_1024px_median_s"] < target["builtin"]), style


@pytest.mark.slow
def test_quick_round_trips_through_a_running_studio():
    out = run_benchmarks(quick=True, only=["roundtrip"])["roundtrip"]
    assert set(out["actions"]) == {"stylize_oil_256x256", "vae_decode", "gan_generate", "gan_grid_4x4",
                                   "ddim5_streamed", "neural_style_256px"}
    for row in out["actions"].values():
        assert row["compute_s"] > 0 and row["round_trip_client_s"] > 0 and row["round_trip_browser_s"] > 0
        assert row["ratio_client"] == pytest.approx(row["round_trip_client_s"] / row["compute_s"], rel=0.02)
        assert row["round_trip_client_plain_http_s"] > 0
    assert set(out["targets_met_client_plain_http"]) == {"vae_decode.overhead_client_plain_http_ms <= 150",
                                                         "gan_generate.overhead_client_plain_http_ms <= 150"}
    assert {"/gan_generate", "/vae_decode"} == set(out["busy"]["calls"]) and out["busy"]["slow_runs_finished"] > 0
    assert out["targets_met"] and out["ok"] == all(out["targets_met"].values())


def test_quick_png_bench_times_the_studio_encoder_against_pillow():
    out = run_benchmarks(quick=True, only=["png"])["png"]
    assert set(out["encoders"]) == {"studio", "pillow_level1", "pillow_level6"} and out["image_px"] == [256, 173]
    assert all(r["ms"] > 0 and r["mb"] > 0 for r in out["encoders"].values())
    fast, ref = out["encoders"]["studio"], out["encoders"]["pillow_level6"]
    assert out["ok"] == (fast["ms"] <= 0.7 * ref["ms"] and fast["mb"] <= ref["mb"])


def test_quick_batching_bench_compares_batched_rows_with_rows_alone():
    out = run_benchmarks(quick=True, only=["batching"])["batching"]
    assert out["rows_compared"] == 16
    for name in ("gan_image", "vae_decode", "classify"):
        row = out[name]
        assert set(row["ms_per_row"]) == {"batch1", "batch4", "batch16"} and \
            all(v > 0 for v in row["ms_per_row"].values())
        assert 0 <= row["max_abs_diff"] < 1e-4                     # the same rows, up to float rounding
    assert out["gan_image"]["uint8_pixels"] == 16 * 28 * 28 and \
        0 <= out["vae_decode"]["uint8_pixels_changed"] <= 16 * 28 * 28


def test_quick_peers_name_their_opencv_counterparts():
    out = run_benchmarks(quick=True, only=["filter_peers"])["filter_peers"]
    assert set(out["filters_vs_opencv"]) == {"oil", "pencil", "watercolor"}
    assert all(r["ours_s"] > 0 and r["opencv_s"] > 0 for r in out["filters_vs_opencv"].values())


@pytest.mark.slow
def test_quick_unet_peer_has_about_our_parameter_count():
    out = run_benchmarks(quick=True, only=["unet_peers"])["unet_peers"]
    ours, theirs = out["params"]["ours"], out["params"]["diffusers"]
    assert abs(theirs - ours) / ours < 0.25, out["params"]
    assert out["forward_b1_ms"]["ours"] > 0 and out["train_img_per_s"]["diffusers"] > 0


@pytest.mark.slow
def test_quick_bench_of_the_desk_render():
    out = run_benchmarks(quick=True, only=["desk"])["desk"]
    assert out["render_128px_colour_s"] > 0 and out["render_128px_fabric_s"] > 0
    assert out["ok"] == (max(out["render_128px_colour_s"], out["render_128px_fabric_s"]) < out["target_s"])


@pytest.mark.slow
def test_quick_bench_of_training_every_family_at_every_preset_shape():
    out = run_benchmarks(quick=True, only=["train"])["train"]
    assert set(out["presets"]) == {f"{f}_{s}px_{c}ch" for f in ("gan", "vae", "diffusion")
                                   for s, c in ((28, 1), (32, 3), (64, 3))}
    for row in out["presets"].values():
        assert row["img_per_s"] > 0 and row["grid_s"] > 0 and row["batch_size"] == 4
        assert row["quick_min"] <= row["standard_min"]
    assert out["ok"] in (True, False) and "15 min" in out["target"]


def test_quick_flops_section_counts_the_sampling_run_against_a_measured_matmul_ceiling():
    out = run_benchmarks(quick=True, only=["flops"])["flops"]
    fp32 = out["fp32"]
    assert out["batch"] == 8 and out["steps"] == 3 and out["network_evaluations_per_step"] == 16
    assert out["gflop_per_step"] > 0.1                        # convolutions and attention of 16 U-Net evaluations
    assert fp32["achieved_tflops"] > 0 and fp32["matmul_peak_tflops"] > 0
    assert fp32["achieved_over_peak"] == pytest.approx(fp32["achieved_tflops"] / fp32["matmul_peak_tflops"],
                                                       rel=0.05)
    assert "bf16_autocast" not in out or out["device"].startswith("cuda")


def test_keep_going_records_a_failing_section_and_runs_the_rest_in_the_order_given(monkeypatch, tmp_path):
    import json

    import genart.bench.benchmarks as bench

    def broken(registry, quick=False):
        raise RuntimeError("no such kernel")
    monkeypatch.setattr(bench, "bench_vae", broken)
    written = []
    out = run_benchmarks(quick=True, only=["vae", "classifier"], keep_going=True,
                         progress=lambda o: written.append(json.dumps(o)))
    assert list(out) == ["machine", "vae", "classifier"]
    assert out["vae"]["error"] == "RuntimeError: no such kernel" and out["vae"]["ok"] is False
    assert out["classifier"]["classify_one_ms"] > 0 and out["classifier"]["section_s"] > 0
    assert len(written) == 2 and "classifier" not in json.loads(written[0])
    assert out["machine"]["device"] in ("cpu", "cuda", "mps") and out["machine"]["cpu_count"] >= 1
    with pytest.raises(RuntimeError, match="no such kernel"):                 # without keep_going it stops
        run_benchmarks(quick=True, only=["vae"])
