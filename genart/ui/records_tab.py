"""Records tab: drop a PNG the studio made — see what made it, restore those settings in the right
tab, or replay it and check that the pixels come out identical.

Public API: /replay (image → image made again, report JSON with `identical` and `max_abs_diff`).
"""

from __future__ import annotations

import json
from functools import partial

import gradio as gr

from genart.core import records
from genart.core.registry import Registry
from genart.serve.refusals import QUICK, SLOW, user_errors
from genart.studio.paint import neural_settings, slider_names
from genart.studio.replay import replay_api, verdict
from genart.studio.uploads import uploaded_png
from genart.ui.widgets import bind, ui_action

# which tab a record's settings belong to, and the settings each tab shows (name → component key)
TAB_OF = {"stylize": "styles", "gan_generate": "gan", "gan_grid": "gan", "gan_latent": "gan", "vae_random": "vae",
          "vae_decode": "vae",
          "diffusion_sample": "diffusion", "diffusion_img2img": "diffusion", "diffusion_branch": "diffusion",
          "neural_style": "neural"}


def ui_read(image):
    """Show what made the dropped PNG."""
    record = records.read(uploaded_png(image))
    if record is None:
        raise ValueError("This PNG carries no genart record (only the studio's own PNG outputs do).")
    chain = " ← ".join(records.describe(r) for r in record.get("chain", []))
    text = f"**{records.describe(record)}**" + (f"\n\nmade from: {chain}" if chain else "")
    return text, json.dumps(record, indent=1)


def ui_replay(registry: Registry, image):
    again, report = replay_api(registry, image)
    return again, verdict(report), {k: v for k, v in report.items() if k != "record"}


def restore_updates(record: dict | None, settings_keys: list[str]):
    """A record's settings → updates for [tabs, *settings components] (skip where it says nothing)."""
    if record is None:
        raise ValueError("This PNG carries no genart record (only the studio's own PNG outputs do).")
    tab = TAB_OF.get(record["action"])
    if tab is None:
        raise ValueError(f"There are no settings to restore for {record['action']!r}.")
    values = settings_of(record)
    gr.Info(f"Restored the {tab} settings of {records.describe(record)}.")
    return (gr.Tabs(selected="styles" if tab == "neural" else tab), *[values.get(k, gr.skip()) for k in settings_keys])


def settings_of(record: dict) -> dict:
    """A record's parameters → the values of the settings components they set ({"gan.seed": 7, ...})."""

    tab, p = TAB_OF[record["action"]], record["params"]
    values = {f"{tab}.{k}": v for k, v in p.items()}
    if "truncation" in p:
        values["gan.psi"] = p["truncation"]
    if record["action"] == "diffusion_img2img":               # a sketch's seed and class are the Sketch part's
        values["diffusion.sketch_seed"] = values.pop("diffusion.seed", gr.skip())
        values["diffusion.sketch_label"] = values.pop("diffusion.label", gr.skip())
    if record.get("model"):                                    # the model that made it, on the tab's model picker
        values[f"{tab}.model"] = record["model"]
    if record["action"] == "stylize":                          # the style's own parameters sit on two sliders
        names = slider_names(p.get("style"))
        values.update({f"styles.p{i + 1}": p[n] for i, n in enumerate(names) if n in p})
        values["styles.sliders_for"] = p.get("style")
    if record["action"] == "neural_style":
        values = neural_settings(p)
    return values


def ui_restore(image, settings_keys: list[str]):
    return restore_updates(records.read(uploaded_png(image)), settings_keys)


def ui_read_opened(image):
    """A PNG arrived (an upload here, or one opened anywhere on the page): what made it."""
    return ui_read(image) if image else ("", "")


def build(registry: Registry, tabs: gr.Tabs, settings: dict[str, gr.components.Component]) -> dict:
    """`settings`: the other tabs' controls by key ("gan.seed", "diffusion.sampler", ...); → hooks: the PNG
    input (a PNG opened anywhere on the page that no tab can restore comes here) and the restore event."""
    keys = list(settings)
    with gr.Tab("Records", id="records"):
        gr.Markdown("Every PNG the studio makes carries its record: the model and checkpoint, the seed, class "
                    "and every setting, and what it was made from. Drop one here to see it, restore its settings "
                    "in its tab, or replay it and check that the same pixels come out.")
        with gr.Row():
            with gr.Column(scale=1):
                png = gr.Image(type="filepath", label="A PNG made by the studio", elem_id="records-png", height=300)
                with gr.Row():
                    restore = gr.Button("Restore its settings", elem_id="records-restore")
                    verify = gr.Button("Replay & verify", variant="primary", elem_id="records-replay")
                what = gr.Markdown(elem_id="records-what")
            with gr.Column(scale=1):
                again = gr.Image(label="Made again", type="pil", format="png", height=300, elem_id="records-again",
                                 elem_classes=["pixelated"], interactive=False)
                said = gr.Markdown(elem_id="records-verdict")
                report = gr.JSON(label="Report", elem_id="records-report")
        with gr.Accordion("The record (JSON)", open=False):
            raw = gr.Code(language="json", elem_id="records-json")
        png.change(ui_action(ui_read_opened), [png], [what, raw], preprocess=False, api_visibility="private",
                   show_progress="hidden", **QUICK)
        verify.click(ui_action(bind(ui_replay, registry)), [png], [again, said, report], preprocess=False,
                     api_visibility="private", show_progress="minimal", **SLOW)
        restored = restore.click(ui_action(partial(ui_restore, settings_keys=keys)), [png],
                                 [tabs, *settings.values()], preprocess=False, api_visibility="private",
                                 show_progress="hidden", **QUICK)

        with gr.Column(visible=False):
            api_png, api_img, api_report = gr.JSON(), gr.Image(type="pil", format="png"), gr.JSON()
            b = gr.Button()
        b.click(user_errors(bind(replay_api, registry)), [api_png], [api_img, api_report], api_name="replay",
                preprocess=False, **SLOW)
    return {"png": png, "restores": [restored]}
