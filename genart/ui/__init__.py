"""The studio's Blocks UI: one tab per instrument, all backed by one Registry.

`build_demo(registry)` only lays out and wires; no model is loaded until a tab first needs it.
"""

from __future__ import annotations

import functools
import os

import gradio as gr

from genart.core.device import serving_threads
from genart.core.images import MAX_FILE_BYTES
from genart.core.registry import Registry, user_model_dir
from genart.serve import batching, gradio_patches
from genart.serve.fairness import limit_per_client
from genart.serve.jobs import REPO, Trainer
from genart.studio.history import History
from genart.ui import (
    desk_tab,
    diffusion_tab,
    gan_tab,
    history_panel,
    models_tab,
    records_tab,
    styles_tab,
    train_tab,
    vae_tab,
)
from genart.ui.widgets import model_choices, ui_action

QUEUE_SIZE = 64           # requests waiting in all lanes together
PER_CLIENT = 8            # of which one client may own at most this many
SESSIONS = 1000           # Gradio keeps ~0.46 MB per session (its copy of the UI config; measured): ≤ ~0.5 GB

THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="pink")
CSS = """
#styles-result img, #neural-out img { image-rendering: auto; }
.pixelated img { image-rendering: pixelated; }
footer { opacity: 0.6; }
.shelf .grid-container { grid-template-columns: repeat(auto-fill, minmax(110px, 130px)) !important;
                         grid-template-rows: none !important; grid-auto-rows: auto !important; }
.shelf .thumbnail-item { aspect-ratio: 1 / 1 !important; height: auto !important; }
.shelf .grid-wrap { padding-top: 2.4rem !important; }
.send-label { flex: 0 0 auto !important; min-width: 0 !important; align-self: center; }
"""
# A PNG dropped anywhere that no upload area takes goes to the history's "Open a PNG" input (restore its settings).
DROP_ANYWHERE = """
() => {
  const isFile = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
  document.addEventListener("dragover", (e) => { if (isFile(e)) e.preventDefault(); });
  document.addEventListener("drop", (e) => {
    if (!isFile(e) || e.defaultPrevented) return;            // an upload area took it
    const file = e.dataTransfer.files[0];
    const input = document.querySelector("#open-png input[type=file]");
    if (!file || !input || !/\\.png$/i.test(file.name)) return;
    e.preventDefault();
    const files = new DataTransfer();
    files.items.add(file);
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}
"""
INTRO = ("# genart studio\nPaint a photo in a classic medium or a painter's style, or play the studio's own "
         "generative models (trained by this project's code on Fashion-MNIST). The **Models** tab says where every "
         "model comes from; your kept results wait below the tabs.")


def default_trainer(registry: Registry | None = None):
    """The studio's training jobs and datasets: GENART_TRAIN_DIR (default runs/studio); published models go to
    the registry's user model folder (GENART_MODEL_DIR, default user_models/), apart from the shipped ones."""
    return Trainer(os.environ.get("GENART_TRAIN_DIR") or REPO / "runs" / "studio",
                   registry.user_root if registry is not None else user_model_dir())


def build_demo(registry: Registry | None = None, trainer=None) -> gr.Blocks:

    registry = registry or Registry()
    trainer = trainer or default_trainer(registry)
    serving_threads()
    with gr.Blocks(title="genart studio", fill_width=True, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs() as tabs:
            settings, hooks = styles_tab.build(registry)
            hooks = {"styles": hooks}
            for name, tab in (("vae", vae_tab), ("gan", gan_tab), ("diffusion", diffusion_tab)):
                settings_of_tab, hooks[name] = tab.build(registry)
                settings.update(settings_of_tab)
            desk_tab.build(registry)
            hooks["train"] = train_tab.build(registry, trainer)
            models_tab.build(registry)
            hooks["records"] = records_tab.build(registry, tabs, settings)
        history_panel.build(History(), tabs, settings, hooks)
        for family in ("gan", "vae", "diffusion"):              # a published model is on its tab's list at once
            hooks["train"]["published"].then(functools.partial(model_choices, registry, family), None,
                                             [hooks[family]["model"]], api_visibility="private", queue=False)
        reattach, inputs, outputs = hooks["train"]["reattach"]
        demo.load(ui_action(reattach), inputs, outputs, api_visibility="private", show_progress="hidden")
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=1)
    limit_per_client(demo._queue, PER_CLIENT)
    batching.fill_short_rows(demo._queue, gradio_patches.too_few_values)
    batching.deliver_refusals(demo._queue)
    return demo


def launch_options() -> dict:
    """What `demo.launch` needs besides host and port: look, and the upload limit (Gradio refuses a
    larger upload while it streams in, before anything is stored), and the sessions kept (least recently
    used dropped first: Gradio's default of 10000 would be ~4.6 GB, and every /gradio_api/call/ request
    is a new session)."""
    return dict(theme=THEME, css=CSS, js=DROP_ANYWHERE, footer_links=["api", "gradio", "settings"],
                max_file_size=MAX_FILE_BYTES, state_session_capacity=SESSIONS)
