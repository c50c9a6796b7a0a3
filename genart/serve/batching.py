"""Quick API requests of different users answered together, each row its own answer.

Gradio's `batch=True` hands one handler call the waiting requests of an endpoint (up to MAX_BATCH): one
thread hop and one pass through Gradio's per-event work for all of them, which is most of what a quick call
costs here (a GAN image is ~2 ms of compute inside ~20 ms of server work). But Gradio sends a batch's exception
to every request in it: one visitor's refused seed would fail everyone's call (measured on a toy,
`docs/metrics/batching/gradio_batch.py mixed`: 446 of 774 good calls failed). So here every row is apart:

- a row is computed alone, one after another, so a result is byte for byte the one the request gets when it
  comes alone (`/replay`: same inputs, same bytes; a batched forward pass changes a few pixels);
- a row's user error (a refused seed, a file that was not uploaded) is that row's answer: the rows' run returns
  it by the row's place (in its result, which also comes back from a ZeroGPU worker process), the batch
  handler notes it in `row_refusals`, `process_api` marks that row's own HTTP request with the sentence, and
  `deliver_refusals` turns that request's completion message into its error — the sentence it gets when it
  comes alone. The other rows are answered as usual;
- a value Gradio's preparation refuses becomes a `Refused` value of its row (`gradio_patches.preprocess_data`),
  and a request short of values is filled up with one when it joins the queue (`fill_short_rows`): Gradio
  zips a batch's rows, so one short row would have cut every row short.

A batch of one (a lone request, or `/gradio_api/run/` without the queue, `call_process_api`) raises as a plain
handler does; a client's own batch (`"batched": true` outside the queue) is refused.
Gradio passes a batch handler only the first row's `gr.Request`, hence the detour through `process_api`.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio import route_utils
from gradio.blocks import Blocks
from gradio.server_messages import ProcessCompletedMessage
from gradio.utils import error_payload

from genart.core.settings import env_whole
from genart.core.zerogpu import gpu
from genart.serve.refusals import CAUGHT, refusal_of

MAX_BATCH = env_whole("GENART_MAX_BATCH", 2, 1, 64, "the requests of one endpoint per handler call (1: no batching)")
BATCH = dict(batch=True, max_batch_size=MAX_BATCH)
FAILED = "The studio failed on this request (its log has the details); the other requests went on."
STATE_KEY = "genart_refused"
LOG = logging.getLogger("genart.requests")

# row index → sentence, for the batch being run: set by `process_api` in the event loop, filled by the batch
# handler in its worker thread (anyio runs it in a copy of this context: the dict itself is shared)
row_refusals: contextvars.ContextVar[dict[int, str] | None] = contextvars.ContextVar("row_refusals", default=None)


@dataclass(frozen=True)
class Refused:
    """A request's value refused before the handler ran; its row is answered with `message`."""
    message: str


def refuse(http: Any, message: str) -> None:
    """Mark an HTTP request as refused with `message`, in its own state (the first sentence stays)."""
    state = getattr(http, "state", None)
    if state is not None and getattr(state, STATE_KEY, None) is None:
        setattr(state, STATE_KEY, message)


def refusal(http: Any) -> str | None:
    """The sentence an HTTP request was refused with, if it was."""
    return getattr(getattr(http, "state", None), STATE_KEY, None)


def batched(fn: Callable, outputs: int = 1) -> Callable:
    """A per-request handler `fn(*values)` → a Gradio batch handler `(*columns)` → `outputs` lists, with
    `fn`'s signature (the API's parameter names and defaults)."""
    def rows(*columns) -> tuple[list[tuple], dict[int, str]]:
        """Every row run alone: (answers, {row: sentence}). On a ZeroGPU Space this runs in another process
        (`genart.core.zerogpu`), so it reports refusals in what it returns, and raises only a lone row's bug."""
        values_of, answers, refused = list(zip(*columns)), [], {}
        for i, values in enumerate(values_of):
            said = next((v.message for v in values if isinstance(v, Refused)), None)
            if said is None:
                try:
                    out = fn(*values)
                    answers.append(out if outputs > 1 else (out,))
                    continue
                except CAUGHT as e:
                    said = refusal_of(fn, e).message           # logged: one line
                except Exception:
                    if len(values_of) == 1:
                        raise
                    LOG.exception("%s failed on one row of a batch", getattr(fn, "__name__", "handler"))
                    said = FAILED                               # a bug: loud in the log, this row's alone
            refused[i] = said
            answers.append((None,) * outputs)
        return answers, refused

    on_device = gpu(rows)

    @functools.wraps(fn)
    def batch(*columns):
        answers, refused = on_device(*columns)
        noted = row_refusals.get()
        if refused and (len(answers) == 1 or noted is None):
            raise gr.Error(next(iter(refused.values())), print_exception=False)
        if refused:
            noted.update(refused)
        return [list(column) for column in zip(*answers)]

    return batch


_process_api = Blocks.process_api


async def process_api(self, block_fn, inputs, state=None, request=None, *args, **kwargs):
    """Gradio's run of an event; a batch's refused rows marked on their own requests (`row_refusals`)."""
    fn = self.fns[block_fn] if isinstance(block_fn, int) else block_fn
    if not (fn.batch and isinstance(request, list)):
        return await _process_api(self, block_fn, inputs, state, request, *args, **kwargs)
    refused: dict[int, str] = {}
    token = row_refusals.set(refused)
    try:
        return await _process_api(self, block_fn, inputs, state, request, *args, **kwargs)
    finally:
        row_refusals.reset(token)
        for i, message in refused.items():
            refuse(getattr(request[i], "request", None), message)


def deliver_refusals(queue) -> None:
    """A batched row whose request was refused gets its sentence as its error; the rest of the batch is
    answered as usual. Wraps the queue's `send_message` (every message of every event passes through it)."""
    send = queue.send_message

    def send_message(event, message):
        if isinstance(message, ProcessCompletedMessage) and message.success and event.fn.batch:
            said = refusal(event.request)
            if said is not None:
                content = error_payload(gr.Error(said, print_exception=False), True)
                message = ProcessCompletedMessage(output=content, title=content.get("title") or "Error",
                                                  success=False)
        return send(event, message)

    queue.send_message = send_message


def fill_short_rows(queue, sentence: Callable[[Any, int], str]) -> None:
    """A request to a batched endpoint with fewer values than it takes is filled up with `Refused` values
    saying `sentence(fn, n)`, so that it cannot cut the other rows of its batch short (Gradio zips them)."""
    push = queue.push

    async def checked_push(body, request, username):
        fn = queue.blocks.fns.get(body.fn_index) if isinstance(body.fn_index, int) else None
        data = body.data if isinstance(body.data, list) else None
        if fn is not None and fn.batch and data is not None and len(data) < len(fn.inputs):
            body.data = data + [Refused(sentence(fn, len(data)))] * (len(fn.inputs) - len(data))
        return await push(body=body, request=request, username=username)

    queue.push = checked_push


_call_process_api = route_utils.call_process_api
OWN_BATCH = ("The studio batches requests itself: send one request's values (without \"batched\"), or join the "
             "queue (gradio_client does).")


async def call_process_api(app, body, gr_request, fn, root_path, *args, **kwargs):
    """Gradio's run of an event; a batched event called outside the queue (`/gradio_api/run/…`) runs the request
    as a batch of one. Gradio 6.31 passed that request's values as if they were the batch's columns, so a good
    call of /gan_generate got "takes 4 values and this call sent 1"; and a client's own batch ("batched": true)
    is refused, so that no request runs more rows than MAX_BATCH (Gradio printed a traceback for that)."""
    from_the_queue = getattr(body, "batch_trigger_ids", None) is not None     # set by the queue, not by clients
    if not fn.batch or from_the_queue or not isinstance(body.data, list):
        return await _call_process_api(app, body, gr_request, fn, root_path, *args, **kwargs)
    if body.batched:
        LOG.warning("request refused: a client's own batch for /%s", fn.api_name)
        raise gr.Error(OWN_BATCH, print_exception=False)
    values = body.data
    body.data, body.batched = [[v] for v in values], True
    try:
        output = await _call_process_api(app, body, gr_request, fn, root_path, *args, **kwargs)
    finally:
        body.data, body.batched = values, False
    output["data"] = [column[0] for column in output["data"]]
    return output


def apply() -> None:
    """Install the Blocks-wide parts (the queue's parts are installed on each queue, see `genart.ui`)."""
    Blocks.process_api = process_api
    route_utils.call_process_api = call_process_api
