"""Small pieces every tab shares: turning our errors into messages, and PNG outputs with parameters."""

from __future__ import annotations

import functools
import inspect
from typing import Callable

import gradio as gr

from genart.checkpoints import CheckpointError
from genart.data import DatasetMissing, garment_from_image
from genart.images import ImageError, load_image

USER_ERRORS = (ImageError, CheckpointError, DatasetMissing, ValueError)


def user_errors(fn: Callable) -> Callable:
    """Re-raise our expected errors as gr.Error, so the browser shows the sentence, not a traceback.

    Works for plain functions and generators (streaming handlers) alike.
    """
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except USER_ERRORS as e:
                raise gr.Error(str(e)) from e
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as e:
            raise gr.Error(str(e)) from e
    return wrapper


def require(value, what: str):
    """A missing input is a message, not a crash."""
    if value is None or value == "" or value == []:
        raise gr.Error(f"Please provide {what} first.")
    return value


def sketch_or_image(value):
    """A Sketchpad value (dict with composite/background/layers), an upload payload or a path → RGB PIL image."""
    if isinstance(value, dict) and ("composite" in value or "background" in value):
        source = value.get("composite") or value.get("background")
        if source is None:
            raise gr.Error("Draw something first.")
        return load_image(source)
    return load_image(require(value, "an image or a sketch"))


def garment_of(value):
    """A sketch, upload or path → the (28, 28) uint8 garment the models see; a blank canvas is an error,
    not an empty garment that a model would quietly read as something."""
    garment = garment_from_image(sketch_or_image(value))
    if not garment.any():
        raise gr.Error("The picture is blank: draw some dark lines on the white canvas, or upload an image.")
    return garment
