"""The measuring stick: closed-form cases, then the shipped classifier ranks degraded sets worse."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from genart.eval import metrics


def test_frechet_closed_form():
    rng = np.random.default_rng(0)
    d, n = 8, 20000
    a = rng.standard_normal((n, d))
    b = 2.0 * rng.standard_normal((n, d)) + 1.5
    # FD(N(0, I), N(1.5·1, 4I)) = ‖μ‖² + Tr(I + 4I − 2·2I) = 1.5²·d + d
    assert metrics.frechet_distance(a, b) == pytest.approx(1.5 ** 2 * d + d, rel=0.03)
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_kid_near_zero_for_same_distribution_and_positive_otherwise():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((600, 16)), rng.standard_normal((600, 16))
    assert abs(metrics.kernel_inception_distance(a, b, subsets=10, subset_size=300)) < 0.05
    assert metrics.kernel_inception_distance(a, b + 1.0, subsets=10, subset_size=300) > 0.5


def test_precision_recall_extremes():
    rng = np.random.default_rng(2)
    real = rng.standard_normal((300, 4))
    assert metrics.precision_recall(real, real.copy()) == (1.0, 1.0)
    far = real + 100.0
    assert metrics.precision_recall(real, far) == (0.0, 0.0)
    collapsed = np.repeat(real[:1], 300, axis=0)                      # mode collapse: precise, no recall
    p, r = metrics.precision_recall(real, collapsed + 1e-3 * rng.standard_normal((300, 4)))
    assert p == 1.0 and r < 0.1


def test_class_accuracy():
    logits = np.array([[2.0, 0.1], [0.1, 2.0], [3.0, 0.0]])
    assert metrics.class_accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)


@pytest.fixture(scope="module")
def judged(checkpoint_root):
    """Metrics of real and degraded sets (N=500) in the shipped classifier's features."""
    from genart.core.registry import Registry
    from genart.data.datasets import load_fashion_mnist, to_tensor
    from genart.eval.evaluate import judge_samples

    clf = Registry(checkpoint_root).get("classifier/fashion")
    x, y = load_fashion_mnist("train")
    rng = np.random.default_rng(5)
    idx = rng.choice(len(x), 500, replace=False)
    real = to_tensor(x[idx])
    kernel = torch.ones(1, 1, 5, 5) / 25
    blurred = F.conv2d(F.pad(real, (2, 2, 2, 2), mode="replicate"), kernel)
    noised = (real + 0.6 * torch.randn(real.shape, generator=torch.Generator().manual_seed(0))).clamp(-1, 1)
    keep = y != 0
    no_tshirts = to_tensor(x[rng.choice(np.flatnonzero(keep), 500, replace=False)])
    return {"real": judge_samples(clf, real, y[idx]), "blurred": judge_samples(clf, blurred, y[idx]),
            "noised": judge_samples(clf, noised, y[idx]), "dropped": judge_samples(clf, no_tshirts, None)}


@pytest.mark.slow
def test_real_data_sits_at_the_floor(judged):
    real = judged["real"]
    assert real["fd"] < 2 * real["floor_fd"] + 1.0
    assert real["class_accuracy"] > 0.9
    assert real["precision"] > 0.6 and real["recall"] > 0.6


@pytest.mark.slow
@pytest.mark.parametrize("degraded", ["blurred", "noised", "dropped"])
def test_degraded_sets_rank_worse(judged, degraded):
    real, bad = judged["real"], judged[degraded]
    assert bad["fd"] > 1.5 * real["fd"]
    assert bad["kid"] > real["kid"]
    if degraded != "dropped":
        assert bad["class_accuracy"] < real["class_accuracy"]
        assert bad["precision"] < real["precision"]
    else:
        assert bad["recall"] <= real["recall"]
