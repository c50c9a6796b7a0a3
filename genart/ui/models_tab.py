"""Models tab: the registry's view — each model, its family, device, size, checkpoint hash, card
and metrics — and a playground for the classifier (/classify: a photo, a dataset image or a sketch).

Public API: /models, /classify.
"""

from __future__ import annotations

import json

import gradio as gr
import numpy as np
from PIL import Image

from genart.data import to_tensor
from genart.images import upscale_nearest
from genart.models.classifier import predict
from genart.registry import Registry
from genart.ui.widgets import QUICK, garment_of, user_errors

COLUMNS = ["name", "family", "status", "device", "params", "sha256", "metrics"]


def models_table(registry: Registry) -> list[list]:
    rows = []
    for r in registry.info():
        rows.append([r["name"], r["family"], r["status"], r["device"],
                     f"{r['params']:,}" if r.get("params") else "—",
                     (r["sha256"] or "—")[:16], json.dumps(r.get("metrics") or {})])
    return rows


def model_card(registry: Registry, name: str) -> str:
    try:
        card = registry.card(name)
    except Exception as e:          # noqa: BLE001 — shown to the user as the card's text
        return f"**{name}**: {e}"
    return f"### {name} (v{card.get('version')})\n\n```json\n{json.dumps(card, indent=2)}\n```"


def classify_with(registry: Registry, image) -> tuple[dict, np.ndarray]:
    """The classifier's answer for an image or sketch, and the 28×28 garment (uint8) it looked at."""
    garment = garment_of(image)   # (28, 28)
    return predict(registry.get("classifier/fashion"), to_tensor(garment[None]))[0], garment


def build(registry: Registry) -> None:
    @user_errors
    def list_models() -> list[dict]:
        """/models: name, family, device, params, checkpoint sha256, metrics of every model."""
        return registry.info()

    @user_errors
    def classify(image) -> dict:
        """/classify: image → {"label": ..., "probs": {...}}; photos, dataset images and sketches."""
        return classify_with(registry, image)[0]

    @user_errors
    def classify_ui(image):
        result, garment = classify_with(registry, image)
        return result["probs"], upscale_nearest(garment, 8)

    with gr.Tab("Models", id="models"):
        gr.Markdown("Every model the studio plays, as the registry sees it. Metrics are the ones measured when "
                    "the checkpoint was trained (see each model card for the exact command).")
        table = gr.Dataframe(models_table(registry), headers=COLUMNS, interactive=False, wrap=True,
                             elem_id="models-table")
        with gr.Row():
            which = gr.Dropdown(list(registry.specs), value="classifier/fashion", label="Model card")
            refresh = gr.Button("Refresh", size="sm")
        card = gr.Markdown(model_card(registry, "classifier/fashion"), elem_id="models-card")
        which.change(lambda n: model_card(registry, n), [which], [card], api_visibility="private", queue=False)
        refresh.click(lambda n: (models_table(registry), model_card(registry, n)), [which], [table, card],
                      api_visibility="private", queue=False)

        gr.Markdown("### Classifier playground\nUpload a garment photo, or draw one (dark lines on white); "
                    "the classifier sees it as the 28×28 image on the right.")
        with gr.Row():
            with gr.Column():
                with gr.Tabs():
                    with gr.Tab("Draw"):
                        sketch = gr.Sketchpad(value={"background": Image.new("RGB", (280, 280), "white"),
                                                     "layers": [], "composite": None},
                                              type="filepath", image_mode="RGB", canvas_size=(280, 280),
                                              brush=gr.Brush(default_size=6, colors=["#000000"], color_mode="fixed"),
                                              layers=False, transforms=(), label="Sketch", elem_id="classify-sketch")
                        go_sketch = gr.Button("Classify sketch", elem_id="classify-sketch-go")
                    with gr.Tab("Upload"):
                        upload = gr.Image(type="filepath", label="Image", elem_id="classify-image")
                        go_upload = gr.Button("Classify image", elem_id="classify-image-go")
            with gr.Column():
                seen = gr.Image(label="What the classifier sees (28×28)", elem_id="classify-seen",
                                image_mode="L", height=224)
                label = gr.Label(num_top_classes=3, label="Prediction", elem_id="classify-label")
        go_sketch.click(classify_ui, [sketch], [label, seen], preprocess=False, api_visibility="private", **QUICK)
        go_upload.click(classify_ui, [upload], [label, seen], preprocess=False, api_visibility="private", **QUICK)

        with gr.Column(visible=False):
            api_image = gr.JSON()          # a plain image or a Sketchpad value {background, layers, composite}
            api_json = gr.JSON()
            api_btn = gr.Button()
        api_btn.click(classify, [api_image], [api_json], api_name="classify", preprocess=False, **QUICK)
        gr.api(list_models, api_name="models")
