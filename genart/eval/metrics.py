"""Sample-quality metrics in the feature space of our Fashion-MNIST classifier.

All functions are pure: they take feature matrices (N, D) (float64 numpy) and return numbers.
  - Fréchet distance (Heusel et al. 2017), computed in our classifier's features: call it
    FD-FMNIST, never compare it with Inception FID. Read it against `floor_fd`, the FD between
    real train and real test images at the same N.
  - KID (Bińkowski et al. 2018): unbiased MMD² with the cubic polynomial kernel, averaged over subsets.
  - Precision / recall of k-NN manifolds (Kynkäänniemi et al. 2019), k = 3.
  - Class accuracy: how often the classifier names the class a sample was asked to be.
"""

from __future__ import annotations

import numpy as np


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(a)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½)."""
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    r1 = _sqrtm_psd(s1)
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(r1 @ s2 @ r1), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2.0 * cross)


def kernel_inception_distance(f1: np.ndarray, f2: np.ndarray, subsets: int = 50, subset_size: int = 1000,
                              seed: int = 0) -> float:
    """Mean over subsets of the unbiased MMD² with k(x, y) = (xᵀy / D + 1)³."""
    rng = np.random.default_rng(seed)
    m = min(subset_size, len(f1), len(f2))
    d = f1.shape[1]
    total = 0.0
    for _ in range(subsets):
        x = f1[rng.choice(len(f1), m, replace=False)]
        y = f2[rng.choice(len(f2), m, replace=False)]
        kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
        total += ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
    return float(total / subsets)


def _pairwise_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.clip(d2, 0, None))


def _knn_radii(f: np.ndarray, k: int) -> np.ndarray:
    d = _pairwise_dist(f, f)                                  # (N, N); column 0 after sorting is the point itself
    return np.sort(d, axis=1)[:, k]


def _coverage(ref: np.ndarray, radii: np.ndarray, query: np.ndarray) -> float:
    """Fraction of `query` points inside at least one ball B(ref_i, radii_i)."""
    return float((_pairwise_dist(query, ref) <= radii[None, :]).any(1).mean())


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Precision: fakes on the real manifold. Recall: reals on the fake manifold."""
    return _coverage(real, _knn_radii(real, k), fake), _coverage(fake, _knn_radii(fake, k), real)


def class_accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    return float((logits.argmax(1) == labels).mean())


def sample_metrics(real: np.ndarray, fake: np.ndarray, floor_fake: np.ndarray | None = None,
                   fake_logits: np.ndarray | None = None, fake_labels: np.ndarray | None = None,
                   k: int = 3) -> dict:
    """All metrics for fake features against real ones (and the floor: real vs `floor_fake` real)."""
    precision, recall = precision_recall(real, fake, k)
    out = {"fd": frechet_distance(real, fake), "kid": kernel_inception_distance(real, fake),
           "precision": precision, "recall": recall, "samples": int(len(fake))}
    if floor_fake is not None:
        out["floor_fd"] = frechet_distance(real, floor_fake)
    if fake_logits is not None and fake_labels is not None:
        out["class_accuracy"] = class_accuracy(fake_logits, fake_labels)
    return out
