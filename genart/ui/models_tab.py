"""Models tab: the registry's view — each model, its family, device, size, checkpoint hash, card
and metrics — and a playground for the classifier (/classify: a photo, a dataset image or a sketch).

Public API: /models, /classify.
"""

from __future__ import annotations

import json

import gradio as gr
import numpy as np
import torch

from genart.core.images import upscale_nearest
from genart.core.registry import Registry
from genart.eval.ood import CLASSIFIER, garment_check, penultimate
from genart.models.classifier import answers
from genart.serve.batching import BATCH, batched
from genart.ui.widgets import QUICK, bind, garment_of, sketchpad, ui_action, user_errors, warn_if_not_a_garment

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


def classify_ui(registry: Registry, image):
    result, garment = classify_with(registry, image)
    warn_if_not_a_garment(registry, garment, result["garment"])
    return result["probs"], upscale_nearest(garment, 8)


def refresh(registry: Registry, name: str):
    """The table and the card as they are now, and the card list with any model published since."""
    return models_table(registry), model_card(registry, name), gr.Dropdown(choices=list(registry.specs))


def build(registry: Registry) -> None:
    """Lay out the tab inside the current Blocks and wire its events."""
    with gr.Tab("Models", id="models") as tab:
        gr.Markdown("Every model the studio plays, as the registry sees it: the shipped ones, then yours (source "
                    "*user*: trained in the studio or by the CLI, in `GENART_MODEL_DIR`). Metrics are the ones "
                    "measured when the checkpoint was trained (each model card has the exact command).")
        table = gr.Dataframe(models_table(registry), headers=COLUMNS, interactive=False, wrap=True, max_height=1200,
                             elem_id="models-table", column_widths=["14%", "8%", "7%", "7%", "7%", "8%", "12%", "37%"])
        with gr.Row():
            which = gr.Dropdown(list(registry.specs), value="classifier/fashion", label="Model card")
            refresh_btn = gr.Button("Refresh", size="sm")
        card = gr.Markdown(model_card(registry, "classifier/fashion"), elem_id="models-card")
        which.change(ui_action(bind(model_card, registry)), [which], [card], api_visibility="private", queue=False)
        gr.on([refresh_btn.click, tab.select], ui_action(bind(refresh, registry)), [which], [table, card, which],
              api_visibility="private", queue=False)                 # a model published since is listed

        gr.Markdown("### Classifier playground\nUpload a garment photo, or draw one (dark lines on white); "
                    "the classifier sees it as the 28×28 image on the right.")
        with gr.Row():
            with gr.Column():
                with gr.Tabs():
                    with gr.Tab("Draw"):
                        sketch = sketchpad("Sketch", "classify-sketch", brush_size=6)
                        go_sketch = gr.Button("Classify sketch", elem_id="classify-sketch-go")
                    with gr.Tab("Upload"):
                        upload = gr.Image(type="filepath", label="Image", elem_id="classify-image")
                        go_upload = gr.Button("Classify image", elem_id="classify-image-go")
            with gr.Column():
                seen = gr.Image(label="What the classifier sees (28×28)", elem_id="classify-seen",
                                image_mode="L", height=224)
                label = gr.Label(num_top_classes=3, label="Prediction", elem_id="classify-label")
        common = dict(preprocess=False, api_visibility="private", show_progress="hidden", **QUICK)
        go_sketch.click(ui_action(bind(classify_ui, registry)), [sketch], [label, seen], **common)
        go_upload.click(ui_action(bind(classify_ui, registry)), [upload], [label, seen], **common)

        with gr.Column(visible=False):
            api_image = gr.JSON()          # a plain image or a Sketchpad value {background, layers, composite}
            api_json = gr.JSON()
            api_btn = gr.Button()
        api_btn.click(batched(bind(classify, registry)), [api_image], [api_json], api_name="classify",
                      preprocess=False, **QUICK, **BATCH)
        gr.api(user_errors(bind(list_models, registry)), api_name="models")
