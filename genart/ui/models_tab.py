"""Models tab: the registry's view — each model, its family, device, size, checkpoint hash, card
and metrics — and a playground for the classifier (/classify: a photo, a dataset image or a sketch).

Public API: /models, /classify.
"""

from __future__ import annotations

import gradio as gr

from genart.core.images import upscale_nearest
from genart.core.registry import Registry
from genart.serve.batching import BATCH, batched
from genart.serve.refusals import QUICK, user_errors
from genart.studio.models import (
    COLUMNS,
    classify,
    classify_with,
    list_models,
    model_card,
    models_table,
)
from genart.ui.widgets import bind, sketchpad, ui_action, warn_if_not_a_garment


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
