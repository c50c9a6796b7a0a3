"""Garment-likeness (genart/eval/ood.py): the scores in closed form on toy Gaussians, the calibration file and its
classifier check; on the shipped models (slow) the cat photo flagged, the sketches passed, τ reproduced."""

from pathlib import Path

import numpy as np
import pytest
import torch

from genart.core.checkpoints import CheckpointError
from genart.eval.ood import (
    SCORES,
    Calibration,
    energy,
    fit,
    fit_tied_gaussian,
    flagged_rate,
    load_calibration,
    mahalanobis,
    max_softmax,
    save_calibration,
    standardised_sum,
    threshold_at,
)


# ----------------------------------------------------------------------------- scores in closed form
def test_energy_of_flat_and_peaked_logits():
    flat = np.full((1, 10), 3.0)                                  # E = −3 − log 10
    peaked = np.array([[50.0] + [0.0] * 9])                       # E = −50 − log(1 + 9 e⁻⁵⁰) ≈ −50
    assert energy(flat)[0] == pytest.approx(-3.0 - np.log(10), abs=1e-12)
    assert energy(peaked)[0] == pytest.approx(-50.0, abs=1e-12)
    assert energy(flat, temperature=2.0)[0] == pytest.approx(-3.0 - 2.0 * np.log(10), abs=1e-12)
    assert energy(np.array([[1000.0, 1000.0]]))[0] == pytest.approx(-1000.0 - np.log(2), abs=1e-9)   # stable


def test_max_softmax_baseline():
    assert max_softmax(np.zeros((1, 10)))[0] == pytest.approx(-0.1)
    assert max_softmax(np.array([[np.log(3.0), 0.0]]))[0] == pytest.approx(-0.75)


def test_mahalanobis_is_zero_at_a_mean_and_counts_standard_deviations():
    means = np.array([[0.0, 0.0], [10.0, 0.0]])                   # (K=2, D=2)
    precision = np.diag([1 / 4.0, 1 / 9.0])                       # Σ = diag(2², 3²)
    x = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 6.0], [2.0, 3.0], [5.0, 0.0]])
    m = mahalanobis(x, means, precision)
    assert m[:2] == pytest.approx([0.0, 0.0], abs=1e-12)
    assert m[2] == pytest.approx(2.0)                             # 6 = 2σ₂ from μ₀
    assert m[3] == pytest.approx(np.sqrt(2.0))                    # 1σ₁ and 1σ₂
    assert m[4] == pytest.approx(2.5)                             # halfway: 5 = 2.5σ₁ from either mean


def test_fit_tied_gaussian_recovers_the_means_and_the_shared_covariance():
    rng = np.random.default_rng(0)
    sigma = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 0.5]])
    mu = np.array([[0.0, 0.0, 0.0], [4.0, -2.0, 1.0]])
    labels = np.repeat([0, 1], 20000)
    x = mu[labels] + rng.multivariate_normal(np.zeros(3), sigma, len(labels))
    means, precision = fit_tied_gaussian(x, labels, 2, ridge=0.0)
    assert np.abs(means - mu).max() < 0.05
    assert np.abs(np.linalg.inv(precision) - sigma).max() < 0.05
    assert (mahalanobis(x, means, precision) ** 2).mean() == pytest.approx(3.0, abs=0.1)   # E[χ²₃] = 3


def test_threshold_flags_about_one_percent_of_held_out_in_distribution_scores():
    rng = np.random.default_rng(1)
    calibration, held_out = rng.standard_normal(20000), rng.standard_normal(20000)
    tau = threshold_at(calibration, 99.0)
    assert tau == pytest.approx(2.326, abs=0.05)                  # Φ⁻¹(0.99)
    assert flagged_rate(held_out, tau) == pytest.approx(0.01, abs=0.003)


def test_standardised_sum():
    assert standardised_sum([np.array([3.0, 1.0]), np.array([-4.0, -5.0])], [(1.0, 2.0), (-5.0, 0.5)]) == \
        pytest.approx([1.0 + 2.0, 0.0 + 0.0])


def _toy_outputs(rng, n: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A toy classifier's view: 3 classes, h (n, 4) Gaussian around ±2 e_c, logits (n, 3) = h[:, :3]."""
    labels = np.arange(n) % 3
    h = 2.0 * np.eye(4)[labels] + rng.standard_normal((n, 4)) + shift
    return h, h[:, :3].copy(), labels


def test_fit_on_toy_outputs_sets_every_threshold_at_its_percentile():
    rng = np.random.default_rng(2)
    train, (test_h, test_logits, _) = _toy_outputs(rng, 30000), _toy_outputs(rng, 20000)
    c, thresholds = fit(train, (test_h, test_logits), "mahalanobis+energy", 99.0)
    assert set(thresholds) == set(SCORES) and c.threshold == thresholds["mahalanobis+energy"]
    combined = c.scores(*train[:2])
    assert combined.mean() == pytest.approx(0.0, abs=1e-9)                  # standardised on the train split
    for score in SCORES:
        assert flagged_rate(c.scores(test_h, test_logits, score), thresholds[score]) == pytest.approx(0.01, abs=1e-3)
    far_h, far_logits, _ = _toy_outputs(rng, 2000, shift=4.0)              # every class mean moved 8σ away
    assert flagged_rate(c.scores(far_h, far_logits, "mahalanobis"), thresholds["mahalanobis"]) > 0.99


def test_penultimate_gives_the_classifiers_own_logits(standin_checkpoints):
    from genart.core.registry import Registry
    from genart.eval.ood import CLASSIFIER, penultimate

    classifier = Registry(standin_checkpoints("classifier"), device=torch.device("cpu")).get(CLASSIFIER)
    garments = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    h, logits = penultimate(classifier, garments)
    assert h.shape == (5, 8) and logits.shape == (5, 10) and (h < 0).any()          # before the ReLU
    from genart.data.datasets import to_tensor
    assert logits == pytest.approx(classifier(to_tensor(garments)).double().numpy(), abs=1e-5)
    assert np.maximum(h, 0) == pytest.approx(classifier.features(to_tensor(garments)).double().numpy(), abs=1e-6)


def test_classify_makes_one_pass_and_answers_as_the_classifier_and_the_check_do():
    """/classify runs the classifier once (penultimate features and logits), and its answer is bit for bit what
    `predict` and a separate `garment_check` give, on photos, a dataset garment and sketches."""
    from gradio.utils import get_upload_folder
    from PIL import Image, ImageDraw

    from genart.core.registry import ASSETS, Registry
    from genart.data.datasets import to_tensor
    from genart.eval.ood import CLASSIFIER, garment_check
    from genart.models.classifier import predict
    from genart.studio.inputs import garment_of
    from genart.studio.models import classify

    registry = Registry(device=torch.device("cpu"))
    classifier = registry.get(CLASSIFIER)
    folder = Path(get_upload_folder()) / "classify-one-pass"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [ASSETS / "examples" / name for name in ("cat.jpg", "coffee.jpg", "rocket.jpg")]
    for name, outline in (("dress", [(90, 20), (60, 230), (196, 230), (166, 20)]),
                          ("trouser", [(80, 20), (176, 20), (186, 236), (140, 236), (128, 90), (116, 236), (70, 236)])):
        drawing = Image.new("RGB", (256, 256), "white")                   # dark lines on white, as drawn
        ImageDraw.Draw(drawing).polygon(outline, outline="black", width=6)
        drawing.save(folder / f"{name}.png")
        paths.append(folder / f"{name}.png")
    calls = []
    handle = classifier.body.register_forward_hook(lambda *_: calls.append(1))
    try:
        for path in paths:
            calls.clear()
            answer = classify(registry, str(path))
            assert len(calls) == 1, path.name                             # one pass of the network
            garment = garment_of(str(path))
            expected = {**predict(classifier, to_tensor(garment[None]))[0], "garment": garment_check(registry, garment)}
            assert answer == expected, path.name
    finally:
        handle.remove()
    assert {classify(registry, str(p))["garment"]["is_garment"] for p in paths} == {True, False}   # both kinds


def test_the_message_shows_the_score_and_threshold_apart():
    from genart.eval.ood import not_a_garment_message
    assert not_a_garment_message(12.31, 8.123) == ("This does not look like a garment (score 12.3, garments score "
                                                   "below 8.1); the result may be odd.")
    assert "(score 4.72, garments score below 4.69)" in not_a_garment_message(4.716, 4.687)
    assert "(score 4.689, garments score below 4.688)" in not_a_garment_message(4.689, 4.688)


# ----------------------------------------------------------------------------- the calibration file
def _toy_calibration() -> Calibration:
    gaussian = (np.arange(20.0).reshape(10, 2) / 3, np.eye(2) / 7)
    return Calibration("mahalanobis", 7.5, gaussian, gaussian, {"mahalanobis": (1.0, 2.0), "energy": (-4.0, 0.5)})


def test_calibration_round_trip_and_classifier_check(tmp_path):
    save_calibration(tmp_path, _toy_calibration(), {"name": "ood/fashion", "classifier": {"sha256": "a" * 64}})
    c = load_calibration(tmp_path, "a" * 64)
    assert (c.score, c.threshold, c.standardise) == ("mahalanobis", 7.5, {"mahalanobis": (1.0, 2.0),
                                                                          "energy": (-4.0, 0.5)})
    assert c.pre[0] == pytest.approx(np.arange(20.0).reshape(10, 2) / 3, abs=1e-6)       # stored as float32
    assert c.relu[1] == pytest.approx(np.eye(2) / 7, abs=1e-7)
    with pytest.raises(CheckpointError, match=r"calibrated for the classifier with sha256 aaaaaaaaaaaa…, but the "
                       r"studio's classifier is bbbbbbbbbbbb…; recalibrate with `python -m genart calibrate-ood`"):
        load_calibration(tmp_path, "b" * 64)


def test_a_missing_calibration_says_how_to_make_one(tmp_path):
    with pytest.raises(CheckpointError, match="make one with `python -m genart calibrate-ood`"):
        load_calibration(tmp_path, "a" * 64)


def test_garment_check_refuses_a_calibration_made_for_another_classifier(standin_checkpoints):
    """A stand-in classifier with the shipped calibration: its sha256 is not the one the calibration recorded."""
    from genart.core.registry import CHECKPOINTS, Registry
    from genart.eval.ood import garment_check

    root = standin_checkpoints("classifier")
    (root / "ood").symlink_to(CHECKPOINTS / "ood", target_is_directory=True)
    with pytest.raises(CheckpointError, match="recalibrate with `python -m genart calibrate-ood`"):
        garment_check(Registry(root, device=torch.device("cpu")), np.zeros((28, 28), np.uint8))


# ----------------------------------------------------------------------------- the shipped classifier (slow)
@pytest.fixture(scope="module")
def registry(checkpoint_root):
    from genart.core.registry import Registry
    return Registry(checkpoint_root)


@pytest.mark.slow
def test_the_cat_photo_is_not_a_garment(registry):
    from genart.data.datasets import garment_from_image
    from genart.eval.ood import garment_check
    from genart.eval.ood_probes import example_photos

    result = garment_check(registry, garment_from_image(example_photos()["cat"]))
    assert set(result) == {"score", "threshold", "is_garment", "message"}
    assert not result["is_garment"] and result["score"] > result["threshold"]
    assert result["score"] == pytest.approx(5.581, abs=0.01) and result["threshold"] == pytest.approx(4.687, abs=1e-3)
    assert result["message"] == ("This does not look like a garment (score 5.6, garments score below 4.7); "
                                 "the result may be odd.")


@pytest.mark.slow
def test_designer_sketches_and_a_test_garment_pass(registry):
    from sketches import OUTLINES, sketch

    from genart.data.datasets import garment_from_image, load_fashion_mnist
    from genart.eval.ood import garment_check

    passed = {name: garment_check(registry, garment_from_image(sketch(name)))["is_garment"] for name in OUTLINES}
    assert sum(passed.values()) >= 5, passed
    first = garment_check(registry, load_fashion_mnist("test")[0][0])                   # an ankle boot
    assert first["is_garment"] and first["message"] == "" and first["score"] <= first["threshold"]


@pytest.mark.slow
def test_the_threshold_flags_about_its_share_of_test_garments(registry):
    """On 4000 test garments: the shipped τ flags about (100 − percentile) % of them, and τ fitted on a random
    half flags about as many of the other half."""
    from genart.data.datasets import load_fashion_mnist
    from genart.eval.ood import CLASSIFIER, held_out_fpr, penultimate

    classifier = registry.get(CLASSIFIER)
    c = load_calibration(registry.root, registry.card(CLASSIFIER)["sha256"])
    share = 1.0 - c.card["percentile"] / 100
    scores = c.scores(*penultimate(classifier, load_fashion_mnist("test")[0][:4000]))      # (4000,)
    assert flagged_rate(scores, c.threshold) == pytest.approx(share, abs=0.004)
    assert held_out_fpr(scores, c.card["percentile"], np.random.default_rng(0)) == pytest.approx(share, abs=0.004)
