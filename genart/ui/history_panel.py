"""Nothing is lost on a reload: each browser's settings (encrypted in its localStorage) and its history of
results (on the server's disk, `genart.studio.history`), with "send to" another tab and "restore settings".

The browser keeps a random id and the settings of every tab in a `gr.BrowserState`; on load the tabs
get their settings back and the history panel shows that browser's results, newest first. Kept
results are GAN favourites, VAE results kept with ♥ and every finished diffusion run.
"""

from __future__ import annotations

import os
import shutil
from functools import partial

import gradio as gr
from PIL import Image

from genart.core import records
from genart.core.images import output_folder
from genart.serve.refusals import QUICK
from genart.studio.history import History, browser_secret, new_browser_id
from genart.studio.uploads import uploaded_path, uploaded_png
from genart.ui.records_tab import TAB_OF, restore_updates
from genart.ui.widgets import bind, ui_action

STORAGE_KEY = "genart-studio-v1"


def served(path) -> str:
    """A history file as Gradio may serve it: a hard link (or copy) in the studio's output folder — the
    history folder itself is never opened to the web."""
    target = output_folder() / f"h-{path.parent.name[:8]}-{path.name}"
    if not target.exists():
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return str(target)


def gallery(history: History, browser: str) -> list[tuple[str, str]]:
    return [(served(p), records.describe(r) if r else item) for item, p, r in history.items(browser)]


def restore(history: History, saved: dict, *, keys: list[str]):
    """Page load: this browser's id (made on its first visit), its settings back in their tabs, its history."""
    saved = dict(saved or {})
    if not isinstance(saved.get("browser"), str) or len(saved["browser"]) != 32:
        saved["browser"] = new_browser_id()
    values = saved.get("settings") or {}
    return (saved, saved["browser"], *[values.get(k, gr.skip()) for k in keys], gallery(history, saved["browser"]))


def remember(saved: dict, browser: str, *values, keys: list[str]):
    """The settings, saved with this browser's id. The id comes from the session too: a change that fires
    while the page-load restore is still on its way sees the old saved state, which has no id yet, and
    must not write one without it (the next visit would get a new id and an empty history)."""
    saved = dict(saved or {})
    saved["browser"] = browser or saved.get("browser", "")
    saved["settings"] = dict(zip(keys, values))
    return saved


def keep(history: History, browser: str, image: Image.Image | None):
    """Add a result to this browser's history (not twice in a row)."""
    if image is None or not browser:
        return gr.skip()
    newest = history.items(browser)[:1]
    if not (newest and newest[0][2] and newest[0][2] == records.read(image)):
        history.add(browser, image)
    return gallery(history, browser)


def pick(history: History, browser: str, evt: gr.SelectData):
    item, path, record = history.items(browser)[evt.index]
    chain = " ← ".join(records.describe(r) for r in (record or {}).get("chain", []))
    text = f"**{records.describe(record)}**" + (f" · made from {chain}" if chain else "") if record else item
    return item, text


def feed(history: History, fn, browser: str):
    """A tab's view of this browser's history (e.g. the GAN's favourites): fn(records, newest first)."""
    if not browser:
        return gr.skip()
    return fn([record for _, _, record in history.items(browser)])


def delete(history: History, browser: str, item: str):
    if not item:
        raise ValueError("Pick an item of your history first.")
    history.delete(browser, item)
    return gallery(history, browser), "", "Deleted."


def send(history: History, browser: str, item: str, *, tab: str, inner: str | None, sketch: bool):
    """The picked item into another tab's input, that tab opened on it, and the part holding the input:
    its sub-tab (`inner`), or an accordion opened (`inner` None)."""
    if not item:
        raise ValueError("Pick an item of your history first.")
    path = served(history.path(browser, item))
    value = {"background": path, "layers": [], "composite": path} if sketch else path
    return gr.Tabs(selected=tab), gr.Tabs(selected=inner) if inner else gr.Accordion(open=True), value


def restore_item(history: History, browser: str, item: str, *, keys: list[str]):
    if not item:
        raise ValueError("Pick an item of your history first.")
    return restore_updates(records.read(history.path(browser, item)), keys)


def open_png(image, *, keys: list[str]):
    """A studio PNG opened (dropped anywhere on the page): its settings back in the tab that made it; a PNG
    whose settings no tab holds (made from an upload) opens in the Records tab, to read or replay it.
    → updates for [tabs, *settings, the Records tab's PNG]."""
    if not image:
        return gr.skip()
    record = records.read(uploaded_png(image))
    if record is None:
        raise ValueError("This PNG carries no genart record (only the studio's own PNG outputs do).")
    if record["action"] in TAB_OF:
        return (*restore_updates(record, keys), gr.skip())
    gr.Info(f"Opened {records.describe(record)} in the Records tab.")
    return (gr.Tabs(selected="records"), *[gr.skip()] * len(keys), str(uploaded_path(image)))


def build(history: History, tabs: gr.Tabs, settings: dict, hooks: dict[str, dict]) -> None:
    """Below the tabs: the history gallery and its actions; wires the page load, the settings and the keeps."""
    keys = list(settings)
    saved = gr.BrowserState({}, storage_key=STORAGE_KEY, secret=browser_secret())
    browser, picked = gr.State(""), gr.State("")
    with gr.Accordion("Your history (this browser, newest first)", open=True, elem_id="history"):
        shelf = gr.Gallery(label="Kept results: GAN favourites, VAE results kept with ♥, finished diffusion runs, "
                                 "neural paintings",
                           columns=10, height=200, allow_preview=False, object_fit="contain", format="png",
                           elem_id="history-gallery", elem_classes=["pixelated", "shelf"])
        with gr.Row():
            about = gr.Markdown("Pick an item to send it to another tab, restore its settings or delete it.",
                                elem_id="history-about")
            opened = gr.File(label="Open a PNG made by the studio: drop it here, or anywhere on the page",
                             file_types=[".png"], file_count="single", height=130, elem_id="open-png")
        with gr.Row():
            again = gr.Button("Restore its settings", size="sm", elem_id="history-restore")
            drop = gr.Button("Delete", size="sm", variant="stop", elem_id="history-delete")
        targets = []  # (button, top tab, the part holding the input (sub-tabs or accordion), sub-tab id, input,
                      # sketch?)
        box, start, end = hooks["vae"]["ends"]
        with gr.Row():
            gr.Markdown("**Send it to** the models:", elem_classes=["send-label"])
            targets.append((gr.Button("VAE Lab (encode)", size="sm", elem_id="history-to-vae"), "vae",
                            hooks["vae"]["tabs"], hooks["vae"]["inbox_tab"], hooks["vae"]["inbox"], False))
            for key, label, inbox in (("a", "VAE: interpolate from", start), ("b", "VAE: interpolate to", end)):
                targets.append((gr.Button(label, size="sm", elem_id=f"history-to-vae-{key}"), "vae", box, None,
                                inbox, False))
            targets.append((gr.Button("Diffusion (refine it)", size="sm", elem_id="history-to-diffusion"),
                            "diffusion", hooks["diffusion"]["tabs"], hooks["diffusion"]["inbox_tab"],
                            hooks["diffusion"]["inbox"], True))
        with gr.Row():
            gr.Markdown("**Paint it**:", elem_classes=["send-label"])
            for key, label in (("photo", "with a filter"), ("content", "with neural style"),
                               ("style_image", "use it as a style image")):
                inner, inbox = hooks["styles"]["inboxes"][key]
                targets.append((gr.Button(label, size="sm", elem_id=f"history-to-{key.replace('_', '-')}"), "styles",
                                hooks["styles"]["tabs"], inner, inbox, False))

    quiet = dict(api_visibility="private", show_progress="hidden")
    root = gr.context.Context.root_block                     # the page load (not saved.change: that would loop)
    loaded = root.load(ui_action(partial(restore, history, keys=keys)), [saved],
                       [saved, browser, *settings.values(), shelf], **quiet)
    views = [tab_hooks["history"] for tab_hooks in hooks.values() if "history" in tab_hooks]
    # raw values (preprocess=False): a slider whose range a tab narrowed would refuse a value the user set
    gr.on([c.change for c in settings.values()], ui_action(partial(remember, keys=keys)),
          [saved, browser, *settings.values()], [saved], queue=False, preprocess=False, **quiet)
    for tab_hooks in hooks.values():
        for dep, image in tab_hooks.get("keep", []):
            dep.success(ui_action(bind(keep, history)), [browser, image], [shelf], **quiet, **QUICK)
    shelf.select(ui_action(bind(pick, history)), [browser], [picked, about], **quiet)
    deleted = drop.click(ui_action(bind(delete, history)), [browser, picked], [shelf, picked, about], **quiet)
    for fn, outputs in views:                        # tabs that show part of the history follow it
        for dep in (loaded, deleted):
            dep.then(ui_action(partial(feed, history, fn)), [browser], outputs, **quiet, **QUICK)
    restores = [loaded, *hooks["records"].get("restores", []),
                again.click(ui_action(partial(restore_item, history, keys=keys)), [browser, picked],
                            [tabs, *settings.values()], **quiet),
                opened.upload(ui_action(partial(open_png, keys=keys)), [opened],
                              [tabs, *settings.values(), hooks["records"]["png"]], preprocess=False, **quiet, **QUICK)]
    for tab_hooks in hooks.values():                 # a tab that follows its settings live shows the restored ones
        for fn, inputs, outputs in tab_hooks.get("restored", []):
            for dep in restores:
                dep.then(ui_action(fn), inputs, outputs, **quiet, **QUICK)
    for button, tab, sub_tabs, inner, inbox, sketch in targets:
        button.click(ui_action(partial(send, history, tab=tab, inner=inner, sketch=sketch)), [browser, picked],
                     [tabs, sub_tabs, inbox], **quiet)
