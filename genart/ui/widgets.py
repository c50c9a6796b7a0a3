"""Small pieces every tab shares: turning our errors into messages, reading numbers and images from
requests, and PNG outputs with parameters."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import gradio as gr

from genart.core.paper import BLACK, hex_colour
from genart.eval.ood import garment_check
from genart.serve.refusals import QUICK, user_errors
from genart.studio.inputs import (
    BLANK_SIDE,
    blank_canvas,
    drawing_hint,
    drawing_on_canvas,
    drawing_on_model_paper,
    is_blank,
    paper_of,
)


def bind(fn: Callable, registry) -> Callable:
    """`fn(registry, ...)` as a handler of this studio: the registry bound, the rest of the signature and
    the annotations kept (Gradio reads them for gr.SelectData, gr.Progress and the API's parameter names)."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def handler(*args, **kwargs):
            yield from fn(registry, *args, **kwargs)
    else:
        @functools.wraps(fn)
        def handler(*args, **kwargs):
            return fn(registry, *args, **kwargs)
    sig = inspect.signature(fn)
    handler.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])
    handler.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "registry"}
    return handler


def ui_action(fn: Callable) -> Callable:
    """A browser handler: a user error is one toast (gr.Warning) and every output stays as it was —
    no red Error badges over the user's work. (API handlers use `user_errors`: the client gets the error.)"""
    fn = user_errors(fn)
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except gr.Error as e:
                gr.Warning(e.message)
                yield gr.skip()
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error as e:
            gr.Warning(e.message)
            return gr.skip()
    return wrapper


def brush(ink, size: int) -> gr.Brush:
    return gr.Brush(default_size=size, colors=[hex_colour(ink)], color_mode="fixed")


def fresh_canvas(registry, brush_size: int, name: str):
    """Clear: an empty canvas of model `name`'s paper, with its ink."""
    paper, ink = paper_of(registry, name)
    return gr.update(value=blank_canvas(paper), brush=brush(ink, brush_size))


def canvas_for_model(registry, brush_size: int, name: str, value, upload: bool = True):
    """Another model picked: an empty canvas takes its paper and ink (and the hint says how to draw); a
    drawing is left as it is (Clear then gives the new paper)."""
    paper, ink = paper_of(registry, name)
    if not is_blank(value):
        return gr.skip(), gr.skip()
    return gr.update(value=blank_canvas(paper), brush=brush(ink, brush_size)), drawing_hint(paper, upload)


def sketchpad(label: str, elem_id: str, brush_size: int = 8, upload: bool = False, registry=None,
              model: gr.Component | None = None, hint: gr.Component | None = None, **kwargs) -> gr.Sketchpad:
    """The studio's drawing canvas (dark lines on white, 280 px), made once for every tab. Clearing it
    puts the background back, so the brush stays selected (a bare clear left the canvas asking
    for a tool, and strokes did nothing). `upload`: a button below it puts an uploaded drawing on the
    canvas, to draw over (the canvas's own upload source showed nothing over the white background).
    `model` (a model picker, with `registry` and a `hint` Markdown): the canvas takes the picked model's
    paper and ink (`paper_of`) when it is empty, and on every clear."""
    pad = gr.Sketchpad(value=blank_canvas(), type="filepath", image_mode="RGB", canvas_size=(BLANK_SIDE, BLANK_SIDE),
                       brush=brush(BLACK, brush_size), layers=False, transforms=(), label=label, elem_id=elem_id,
                       elem_classes=["genart-sketch"], **kwargs)
    quiet = dict(api_visibility="private", show_progress="hidden")
    if model is None:
        pad.clear(blank_canvas, None, [pad], queue=False, **quiet)
    else:
        assert registry is not None and hint is not None, "a canvas that follows a model needs its registry and hint"
        pad.clear(functools.partial(fresh_canvas, registry, brush_size), [model], [pad], queue=False, **quiet)
        model.change(functools.partial(canvas_for_model, registry, brush_size, upload=upload), [model, pad],
                     [pad, hint], queue=False, **quiet)
    if upload:
        button = gr.UploadButton("Upload a drawing to draw over", file_types=["image"], size="sm",
                                 elem_id=f"{elem_id}-upload")
        if model is None:
            button.upload(ui_action(drawing_on_canvas), [button], [pad], **quiet, **QUICK)
        else:
            button.upload(ui_action(functools.partial(drawing_on_model_paper, registry)), [button, model], [pad],
                          **quiet, **QUICK)
    return pad


def warn_if_not_a_garment(registry, garment, check: dict | None = None) -> bool:
    """Say so (a toast) where a picture does not look like a garment; the action goes on all the same.
    `check`: the garment's `genart.eval.ood.garment_check`, when the caller has it already."""

    check = check or garment_check(registry, garment)
    if not check["is_garment"]:
        gr.Warning(check["message"])
    return check["is_garment"]


def out_of_date(result, label: str, controls: list, runs: list) -> None:
    """Mark `result` out of date (in its label) as soon as the user changes one of the `controls` that made it,
    and fresh again when one of the `runs` (buttons) makes it anew: a result never silently disagrees with the
    controls beside it. (The user's changes only: the studio filling the controls with what made the result —
    an example on load, restored settings — does not make it stale.)"""
    stale = f"{label} · out of date: the settings changed since (run it again)"
    quiet = dict(queue=False, api_visibility="private", show_progress="hidden")
    gr.on([c.input for c in controls], lambda shown: gr.update(label=stale) if shown else gr.skip(), [result],
          [result], preprocess=False, **quiet)
    gr.on([r.click for r in runs], lambda: gr.update(label=label), None, [result], **quiet)


# ---- models of a family: the picker on each generative tab, and their images at any size and colour

def model_choices(registry, family: str) -> gr.Dropdown:
    """The model picker's choices now (a model published since appears): an update for a tab's "model"
    dropdown, e.g. `publish.then(lambda: model_choices(registry, "gan"), None, [hooks["gan"]["model"]])`."""
    return gr.Dropdown(choices=registry.names(family))


def new_choices(choices: list[str], value: str | None, fallback: str) -> gr.Dropdown:
    """A dropdown given new choices; its value is sent only where it must change (`value` is not among them:
    then `fallback`). `value` is what the page held when it asked, and one the person picked while the answer
    was on its way must stay (a page-load race)."""
    return gr.Dropdown(choices=choices) if value in choices else gr.Dropdown(choices=choices, value=fallback)


def label_choices(registry, name: str, label: str | None = "any") -> gr.Dropdown:
    """The class dropdown for model `name`: "any" and its classes; the label kept where the model has it."""
    return new_choices(["any", *registry.classes(name)], label, "any")


def model_picker(registry, family: str, default: str, elem_id: str) -> gr.Dropdown:
    """A model dropdown (the family's models, `default` first chosen) and a small ↻ button beside it that looks
    again for models (one trained and published while the page is open). Its value may be a model that this
    page's choices do not list yet (restored settings); the handlers check it against the registry."""
    with gr.Row(equal_height=True):
        picker = gr.Dropdown(registry.names(family), value=default, label="Model", elem_id=elem_id,
                             allow_custom_value=True, scale=4)
        again = gr.Button("↻", size="sm", scale=0, min_width=40, elem_id=f"{elem_id}-refresh")
    again.click(functools.partial(model_choices, registry, family), None, [picker], queue=False,
                api_visibility="private", show_progress="hidden")
    return picker


