"""The Models tab without Gradio: every model the registry knows as a table row and a card, and the garment
classifier's reading of a picture."""

from __future__ import annotations

import json

import numpy as np
import torch

from genart.core.registry import Registry
from genart.eval.ood import CLASSIFIER, garment_check, penultimate
from genart.models.classifier import answers
from genart.studio.inputs import garment_of

COLUMNS = ["name", "family", "source", "status", "version", "params", "checkpoint sha256", "key metrics"]


KEY_METRICS = ("accuracy", "neg_elbo_nats", "recon_class_accuracy", "class_accuracy", "fd", "floor_fd", "precision",
               "recall")


def short_metrics(metrics: dict) -> str:
    """The metrics a person compares, as 'accuracy 0.927 · fd 4.21', not a JSON blob."""
    shown = [f"{k} {v:.4g}" for k, v in (metrics or {}).items() if k in KEY_METRICS and isinstance(v, (int, float))]
    return " · ".join(shown) or "—"


def models_table(registry: Registry) -> list[list]:
    return [[r["name"], r["family"], r["source"], r["status"], f"v{r['version']}" if r.get("version") else "—",
             f"{r['params']:,}" if r.get("params") else "—", (r["sha256"] or "—")[:12] + "…",
             short_metrics(r.get("metrics"))] for r in registry.info()]


def model_card(registry: Registry, name: str) -> str:
    """A model card for people: what it is, how it was made, what it measures; the raw JSON folded away."""
    try:
        card = registry.card(name)
    except Exception as e:
        return f"**{name}**: {e}"
    training = card.get("training") or {}
    rows = [("checkpoint", f"`{card.get('file')}` (v{card.get('version')}), sha256 `{card.get('sha256')}`"),
            ("parameters", f"{card.get('params'):,}" if card.get("params") else "—"),
            ("trained with", f"`{training.get('command', '—')}`"),
            ("steps · wall time · device", f"{training.get('steps', '—')} · "
             f"{round(training['wall_time_s'] / 60, 1) if training.get('wall_time_s') else '—'} min · "
             f"{training.get('device', '—')}")]
    rows += [(k, f"{v:.4g}" if isinstance(v, float) else str(v)) for k, v in (card.get("metrics") or {}).items()]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return (f"### {name}\n\n| | |\n|---|---|\n{table}\n\n<details><summary>the whole model card (JSON)</summary>"
            f"\n\n```json\n{json.dumps(card, indent=2)}\n```\n</details>")


def classify_with(registry: Registry, image) -> tuple[dict, np.ndarray]:
    """/classify's answer for an image or sketch, and the 28×28 garment (uint8) it looked at. One pass of the
    classifier gives both its answer (the logits) and its garment check (the penultimate features)."""
    garment = garment_of(image)                                                   # (28, 28)
    seen = penultimate(registry.get(CLASSIFIER), garment[None])                   # (1, D), (1, K) float64
    result = answers(torch.from_numpy(seen[1]).float())[0]                      # the logits, exactly (float32)
    return {**result, "garment": garment_check(registry, garment, seen)}, garment


def list_models(registry: Registry) -> list[dict]:
    """/models: name, family, device, params, checkpoint sha256, metrics of every model."""
    return registry.info()


def classify(registry: Registry, image) -> dict:
    """/classify: image → {"label": ..., "probs": {...}, "garment": {"score", "threshold", "is_garment",
    "message"}}; photos, dataset images and sketches. `garment` says whether it looks like a garment at all
    (genart.eval.ood): the classifier names a class for anything."""
    return classify_with(registry, image)[0]
