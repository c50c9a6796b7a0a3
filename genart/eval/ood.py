"""Is this a garment? An out-of-distribution score in the shipped classifier's eyes, and its threshold.

The classifier names one of ten garments for anything it is shown (the example cat photo: Sandal). This
module scores how garment-like a 28×28 image is, so the studio can say "this does not look like a
garment" and still proceed. Every score here reads "higher = less like a garment". With logits f(x) and
h(x) the penultimate layer before its ReLU (φ(x) = ReLU(h(x)) is `Classifier.features`, genart/eval/metrics.py's space):

  energy              Liu et al. 2020, "Energy-based Out-of-distribution Detection", eq. (5):
                          E(x; f) = −T · log Σ_k exp(f_k(x) / T)
  mahalanobis         Lee et al. 2018, "A Simple Unified Framework for Detecting Out-of-Distribution Samples
                      and Adversarial Attacks", eq. (1)–(2), in h(x): class means μ_c and one tied covariance Σ
                      fitted on the train split,   M(x) = min_c √((h(x) − μ_c)ᵀ Σ⁻¹ (h(x) − μ_c))
                      (the distance, not the paper's square: the same ranking, numbers a person can read;
                      without the paper's input preprocessing and feature ensemble)
  mahalanobis-relu    the same in φ(x) = ReLU(h(x)), where a Gaussian fits worse (dimensions pile up at 0)
  mahalanobis+energy  (M(x) − m_M)/s_M + (E(x) − m_E)/s_E, each standardised by its mean and standard
                      deviation on the train split: the two disagree on what is strange (correlation about
                      0.16 on test garments), so one catches what the other lets through
  msp                 Hendrycks & Gimpel 2017, a baseline: −max_k softmax(f(x))_k

The threshold τ is the `percentile`-th percentile of the chosen score over the test split, so about
(100 − percentile) % of real garments are flagged. The calibration — μ (K, D) and Σ⁻¹ (D, D) of both
feature spaces (float32) in safetensors; the score, τ, the percentile, the standardisation, both N and
the classifier's sha256 in the JSON card — is written by `python -m genart calibrate-ood` to
assets/checkpoints/ood/fashion-v<N>: fitting needs the classifier's view of all 60 000 train images
(minutes on a CPU), far more than the 2 s a first request could spend on it.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from genart.core.checkpoints import (
    CheckpointError,
    git_commit,
    latest_card_path,
    load_weights,
    read_card,
    save_checkpoint,
    shown,
)
from genart.core.device import get_device
from genart.core.registry import Registry
from genart.data.datasets import load_fashion_mnist, to_tensor
from genart.eval.ood_probes import probe_sets, test_sketches

CLASSIFIER = "classifier/fashion"
STEM = "fashion"                        # assets/checkpoints/ood/fashion-v<N>
COMMAND = "python -m genart calibrate-ood"
SCORES = ("energy", "mahalanobis", "mahalanobis-relu", "mahalanobis+energy", "msp")
STANDARDISED = ("mahalanobis", "energy")  # the terms of mahalanobis+energy
RIDGE = 1e-6                              # × mean variance, added to Σ's diagonal


# ----------------------------------------------------------------------------- scores (pure, numpy float64)
def energy(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """logits (N, K) → E(x) (N,) = −T · logsumexp(f(x) / T)   (Liu et al. 2020, eq. 5)."""
    z = logits / temperature                                                   # (N, K)
    m = z.max(1, keepdims=True)                                                # (N, 1) for a stable logsumexp
    return -temperature * (m[:, 0] + np.log(np.exp(z - m).sum(1)))


def max_softmax(logits: np.ndarray) -> np.ndarray:
    """logits (N, K) → −max_k softmax(f(x))_k (N,)   (Hendrycks & Gimpel 2017, negated: higher = stranger)."""
    z = logits - logits.max(1, keepdims=True)                                  # (N, K)
    return -1.0 / np.exp(z).sum(1)                                             # max softmax = e⁰ / Σ e^{z_k}


def fit_tied_gaussian(features: np.ndarray, labels: np.ndarray, num_classes: int,
                      ridge: float = RIDGE) -> tuple[np.ndarray, np.ndarray]:
    """features z (N, D), labels y (N,) → class means μ (K, D), precision Σ⁻¹ (D, D)   (Lee et al. 2018, eq. 1):
        μ_c = (1/N_c) Σ_{i: y_i = c} z_i,   Σ = (1/N) Σ_c Σ_{i: y_i = c} (z_i − μ_c)(z_i − μ_c)ᵀ.
    `ridge` × mean variance is added to Σ's diagonal: some ReLU features are almost always 0."""
    means = np.stack([features[labels == c].mean(0) for c in range(num_classes)])   # (K, D)
    centred = features - means[labels]                                               # (N, D)
    sigma = centred.T @ centred / len(features)                                      # (D, D)
    sigma += ridge * np.trace(sigma) / len(sigma) * np.eye(len(sigma))
    return means, np.linalg.inv(sigma)


def mahalanobis(features: np.ndarray, means: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """features z (N, D), μ (K, D), Σ⁻¹ (D, D) → min_c √((z − μ_c)ᵀ Σ⁻¹ (z − μ_c)) (N,)   (Lee et al. 2018, eq. 2)."""
    # (z − μ)ᵀ P (z − μ) = zᵀPz − 2 zᵀPμ + μᵀPμ: no (N, K, D) difference tensor
    pz = features @ precision                                                        # (N, D)
    d2 = ((pz * features).sum(1)[:, None] - 2.0 * pz @ means.T
          + ((means @ precision) * means).sum(1)[None, :])                           # (N, K)
    return np.sqrt(np.clip(d2.min(1), 0.0, None))


def standardised_sum(terms: list[np.ndarray], stats: list[tuple[float, float]]) -> np.ndarray:
    """Scores [(N,), ...] and their (mean, std) → Σ_j (s_j − m_j) / σ_j (N,)."""
    return sum((t - m) / sd for t, (m, sd) in zip(terms, stats))


def threshold_at(scores: np.ndarray, percentile: float) -> float:
    """τ: the `percentile`-th percentile of in-distribution scores (N,); a score above τ is flagged."""
    return float(np.percentile(scores, percentile))


def flagged_rate(scores: np.ndarray, threshold: float) -> float:
    """The fraction of scores (N,) above τ."""
    return float((scores > threshold).mean())


# ----------------------------------------------------------------------------- the classifier's view
@torch.no_grad()
def penultimate(classifier: nn.Module, garments: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """uint8 garments (N, 28, 28) → h (N, D), the penultimate layer before its ReLU, and logits (N, K); float64."""

    if not isinstance(classifier.embed[-1], nn.ReLU):
        raise TypeError("the classifier's embedding must end in a ReLU (genart/models/classifier.py)")
    device = next(classifier.parameters()).device
    hs, logits = [], []
    for x in to_tensor(garments).split(batch_size):                          # (B, 1, 28, 28) in [-1, 1]
        h = classifier.embed[:-1](classifier.body(x.to(device)))              # (B, D)
        hs.append(h.double().cpu())
        logits.append(classifier.head(torch.relu(h)).double().cpu())          # (B, K) = classifier(x)
    return torch.cat(hs).numpy(), torch.cat(logits).numpy()


# ----------------------------------------------------------------------------- the calibration
Gaussian = tuple[np.ndarray, np.ndarray]     # μ (K, D), Σ⁻¹ (D, D)


@dataclass(frozen=True)
class Calibration:
    score: str                                   # one of SCORES: the one that decides
    threshold: float                             # τ
    pre: Gaussian                                # tied Gaussian of h (before the ReLU)
    relu: Gaussian                               # tied Gaussian of φ = ReLU(h)
    standardise: dict[str, tuple[float, float]] = field(default_factory=dict)   # STANDARDISED → (mean, std)
    temperature: float = 1.0                     # T of the energy score
    card: dict | None = None                     # the JSON card it was read from (None while calibrating)

    def scores(self, h: np.ndarray, logits: np.ndarray, score: str | None = None) -> np.ndarray:
        """h (N, D), logits (N, K) → `score` (default: the calibrated one) (N,)."""
        score = score or self.score
        if score == "energy":
            return energy(logits, self.temperature)
        if score == "mahalanobis":
            return mahalanobis(h, *self.pre)
        if score == "mahalanobis-relu":
            return mahalanobis(np.maximum(h, 0.0), *self.relu)
        if score == "mahalanobis+energy":
            return standardised_sum([self.scores(h, logits, s) for s in STANDARDISED],
                                    [self.standardise[s] for s in STANDARDISED])
        if score == "msp":
            return max_softmax(logits)
        raise ValueError(f"unknown OOD score {score!r}; one of {', '.join(SCORES)}")


def fit(train: tuple[np.ndarray, np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray], score: str,
        percentile: float, temperature: float = 1.0) -> tuple[Calibration, dict[str, float]]:
    """Tied Gaussians and the standardisation on the train split (h (N, D), logits (N, K), labels (N,)), τ on
    the test split's scores (h, logits) → the calibration, and τ of every score at this percentile."""
    if score not in SCORES:
        raise ValueError(f"unknown OOD score {score!r}; one of {', '.join(SCORES)}")
    h, logits, labels = train
    k = logits.shape[1]
    pre = tuple(_as_saved(a) for a in fit_tied_gaussian(h, labels, k))                  # τ from what the file holds
    relu = tuple(_as_saved(a) for a in fit_tied_gaussian(np.maximum(h, 0.0), labels, k))
    draft = Calibration(score, 0.0, pre, relu, {}, temperature)
    terms = {s: draft.scores(h, logits, s) for s in STANDARDISED}                        # (N_train,) each
    standardise = {s: (float(t.mean()), float(t.std())) for s, t in terms.items()}
    draft = Calibration(score, 0.0, pre, relu, standardise, temperature)
    thresholds = {s: threshold_at(draft.scores(*test, s), percentile) for s in SCORES}
    return Calibration(score, thresholds[score], pre, relu, standardise, temperature), thresholds


def _as_saved(a: np.ndarray) -> np.ndarray:
    """`a` rounded as a checkpoint stores it (float32), back in float64."""
    return a.astype(np.float32).astype(np.float64)


def calibration_dir(root: Path) -> Path:
    return Path(root) / "ood"


def save_calibration(root: Path, calibration: Calibration, card: dict) -> Path:
    """Write the Gaussians as root/ood/fashion-v<N+1>.safetensors, `card` (+ score, τ, standardisation) beside
    it; → the card's path."""
    tensors = {f"{space}.{name}": torch.from_numpy(np.ascontiguousarray(a))
               for space, gaussian in (("pre", calibration.pre), ("relu", calibration.relu))
               for name, a in zip(("means", "precision"), gaussian)}
    card = dict(card, score=calibration.score, threshold=calibration.threshold, temperature=calibration.temperature,
                standardise={s: list(v) for s, v in calibration.standardise.items()})
    return save_checkpoint(calibration_dir(root), STEM, tensors, card)


def load_calibration(root: Path, classifier_sha256: str) -> Calibration:
    """The newest calibration under root/ood, refused unless it was made for the classifier with this sha256."""
    card_path = latest_card_path(calibration_dir(root), STEM)
    if card_path is None:
        raise CheckpointError(f"no garment-likeness calibration in {shown(calibration_dir(root))}; "
                              f"make one with `{COMMAND}`")
    st = card_path.stat()
    calibration = _calibration_at(str(card_path), st.st_size, st.st_mtime_ns)
    made_for = str(calibration.card.get("classifier", {}).get("sha256"))
    if made_for != classifier_sha256:
        raise CheckpointError(
            f"{shown(card_path)} was calibrated for the classifier with sha256 {made_for[:12]}…, but the studio's "
            f"classifier is {classifier_sha256[:12]}…; recalibrate with `{COMMAND}`")
    return calibration


@functools.lru_cache(maxsize=8)
def _calibration_at(card_path: str, size: int, mtime_ns: int) -> Calibration:
    """The calibration a card describes (its weights' sha256 checked), remembered while the card stays the
    same. Its arrays are read-only: every caller shares them."""
    tensors, card = load_weights(Path(card_path), read_card(Path(card_path)))
    arrays = {k: v.double().numpy() for k, v in tensors.items()}
    for a in arrays.values():
        a.flags.writeable = False
    return Calibration(score=card["score"], threshold=float(card["threshold"]),
                       pre=(arrays["pre.means"], arrays["pre.precision"]),
                       relu=(arrays["relu.means"], arrays["relu.precision"]),
                       standardise={s: tuple(v) for s, v in card.get("standardise", {}).items()},
                       temperature=float(card.get("temperature", 1.0)), card=card)


# ----------------------------------------------------------------------------- the check the studio calls
def garment_check(registry, garment: np.ndarray, seen: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """A (28, 28) uint8 garment, as `genart.data.datasets.garment_from_image` makes it → how garment-like it looks:
    {"score": float, "threshold": float, "is_garment": bool, "message": str} ("" for a garment).
    `seen`: the classifier's `penultimate` of this garment, (1, D) and (1, K), when the caller has it already."""
    classifier = registry.get(CLASSIFIER)                        # load first: card() is then the loaded one's
    calibration = load_calibration(registry.root, registry.card(CLASSIFIER)["sha256"])
    h, logits = seen or penultimate(classifier, np.asarray(garment, dtype=np.uint8)[None])    # (1, D), (1, K)
    score, threshold = round(float(calibration.scores(h, logits)[0]), 3), round(calibration.threshold, 3)
    is_garment = score <= threshold
    message = "" if is_garment else not_a_garment_message(score, threshold)
    return {"score": score, "threshold": threshold, "is_garment": bool(is_garment), "message": message}


def not_a_garment_message(score: float, threshold: float) -> str:
    """The sentence for a score above τ, with as few decimals (1–3) as show the two apart."""
    digits = next((d for d in (1, 2) if f"{score:.{d}f}" != f"{threshold:.{d}f}"), 3)
    return (f"This does not look like a garment (score {score:.{digits}f}, garments score below "
            f"{threshold:.{digits}f}); the result may be odd.")


# ----------------------------------------------------------------------------- making a calibration
def calibrate(root: Path, score: str = "mahalanobis+energy", percentile: float = 99.5, seed: int = 0,
              save: bool = True) -> dict:
    """`python -m genart calibrate-ood`: fit on the train split, τ on the test split, every score measured on
    the offline probes (genart/eval/ood_probes.py); the calibration saved under root/ood unless `save` is False.
    → the card (with "card_path" when saved)."""

    start = time.perf_counter()
    registry = Registry(root)
    classifier = registry.get(CLASSIFIER)
    classifier_card = registry.card(CLASSIFIER)
    (train_x, train_y), (test_x, _) = load_fashion_mnist("train"), load_fashion_mnist("test")
    seconds = {}
    t = time.perf_counter()
    train = (*penultimate(classifier, train_x), train_y)
    seconds["train_forward"] = time.perf_counter() - t
    t = time.perf_counter()
    test = penultimate(classifier, test_x)
    seconds["test_forward"] = time.perf_counter() - t
    t = time.perf_counter()
    calibration, thresholds = fit(train, test, score, percentile)
    seconds["fit"] = time.perf_counter() - t
    t = time.perf_counter()
    probes = {name: (penultimate(classifier, images), is_garment)
              for name, (images, is_garment) in probe_sets(test_sketches(), np.random.default_rng(seed)).items()}
    table = measure(calibration, thresholds, test, probes, percentile, seed)
    seconds["probes"] = time.perf_counter() - t
    card = {
        "name": "ood/fashion", "family": "ood",
        "description": "garment-likeness: a 28×28 image whose score is above the threshold does not look like a "
                       "garment (genart/eval/ood.py)",
        "classifier": {"name": CLASSIFIER, "sha256": classifier_card["sha256"],
                       "version": classifier_card.get("version")},
        "config": {"score": score, "percentile": percentile, "temperature": calibration.temperature,
                   "ridge": RIDGE, "classifier": CLASSIFIER},
        "score": score, "threshold": calibration.threshold, "percentile": percentile,
        "fit_split": "train", "calibration_split": "test",
        "n_train": len(train_y), "n_test": len(test_x), "thresholds": thresholds,
        "metrics": table, "probes": {name: len(out[0][0]) for name, out in probes.items()},
        "training": {"command": f"{COMMAND} --score {score} --percentile {percentile} --seed {seed}",
                     "git_commit": git_commit(), "device": f"{get_device()} ({torch.get_num_threads()} threads)",
                     "seconds": {k: round(v, 2) for k, v in seconds.items()},
                     "wall_time_s": round(time.perf_counter() - start, 1),
                     "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
    }
    if save:
        card_path = save_calibration(root, calibration, card)
        card = dict(read_card(card_path), card_path=shown(card_path))
    return card


# ----------------------------------------------------------------------------- the numbers
def held_out_fpr(scores: np.ndarray, percentile: float, rng: np.random.Generator) -> float:
    """In-distribution scores (N,) split in two random halves: τ at `percentile` on one, the fraction of the
    other above it; the mean of both ways round."""
    a, b = np.array_split(rng.permutation(len(scores)), 2)
    return 0.5 * (flagged_rate(scores[b], threshold_at(scores[a], percentile))
                  + flagged_rate(scores[a], threshold_at(scores[b], percentile)))


def measure(calibration, thresholds: dict[str, float], test: tuple[np.ndarray, np.ndarray],
            probes: dict[str, tuple[tuple[np.ndarray, np.ndarray], bool]], percentile: float, seed: int = 0) -> dict:
    """For every score at its τ: the fraction of test garments flagged (all of them, and held out), of each
    non-garment probe set detected, of each garment probe set passed. `test` and every probe's outputs are
    the classifier's (h (N, D), logits (N, K)) (`genart.eval.ood.penultimate`). → {score: {set: rate}}."""
    table = {}
    for score in SCORES:
        tau = thresholds[score]
        test_scores = calibration.scores(*test, score)                                  # (N_test,)
        row = {"test FPR": flagged_rate(test_scores, tau),
               "held-out test FPR": held_out_fpr(test_scores, percentile, np.random.default_rng(seed))}
        for name, (outputs, is_garment) in probes.items():
            rate = flagged_rate(calibration.scores(*outputs, score), tau)
            row[f"{name} pass" if is_garment else f"{name} detected"] = 1.0 - rate if is_garment else rate
        table[score] = {k: round(v, 4) for k, v in row.items()}
    return table
