"""Our errors as the browser and the API client see them: a user error (bad input, a missing model) becomes
a gr.Error with its sentence and one log line, not a traceback; a streaming handler stops after TIME_LIMIT_S.
And the two lanes every accelerator call runs in."""

from __future__ import annotations

import functools
import html
import inspect
import logging
import time
from collections.abc import Callable

import gradio as gr
import torch

from genart.core.checkpoints import CheckpointError
from genart.core.images import ImageError
from genart.core.zerogpu import gpu
from genart.data.datasets import DatasetMissing

USER_ERRORS = (ImageError, CheckpointError, DatasetMissing, ValueError)
TIME_LIMIT_S = 300            # a streaming request stops with a message after this long

# Two lanes: quick work (milliseconds: GAN, VAE, classifier) never waits behind slow work (painting,
# neural style, diffusion). Each lane is one concurrency group; every accelerator call is in one of them.
QUICK = dict(concurrency_id="quick", concurrency_limit=4)
SLOW = dict(concurrency_id="slow", concurrency_limit=1)
log = logging.getLogger("genart.requests")


def _message(e: BaseException) -> str:
    return e.args[0] if isinstance(e, KeyError) and e.args else str(e)     # KeyError's str() adds quotes


def _name(fn: Callable) -> str:
    return getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "handler")


def refusal_of(fn: Callable, e: BaseException) -> gr.Error:
    """A user error → a gr.Error that shows the sentence and logs one line, not a traceback."""
    if isinstance(e, torch.OutOfMemoryError):
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        message = "The accelerator ran out of memory for this request; try a smaller size or fewer steps."
    else:
        message = e.message if isinstance(e, gr.Error) else _message(e)
    log.warning("%s refused: %s", _name(fn), message)
    return gr.Error(html.escape(message, quote=False), print_exception=False)   # the modal renders HTML


CAUGHT = (*USER_ERRORS, gr.Error, torch.OutOfMemoryError)


def user_errors(fn: Callable) -> Callable:
    """Re-raise our expected errors as gr.Error, so the browser shows the sentence, not a traceback,
    and the server log gets one line. Works for plain functions and generators (streaming handlers);
    a generator is stopped at its first yield after TIME_LIMIT_S. On a ZeroGPU Space the handler runs
    with a GPU attached (`genart.core.zerogpu`)."""
    fn = gpu(fn)
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            start, stream = time.monotonic(), fn(*args, **kwargs)
            try:
                for item in stream:
                    yield item
                    if time.monotonic() - start > TIME_LIMIT_S:
                        raise ValueError(f"Stopped after {TIME_LIMIT_S} s, the studio's limit for one request; "
                                         "ask for less work (fewer steps or a smaller size).")
            except CAUGHT as e:
                raise refusal_of(fn, e) from e
            finally:
                stream.close()
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CAUGHT as e:
            raise refusal_of(fn, e) from e
    return wrapper
