"""Changes to Gradio 6.31, applied by one explicit call, `apply_gradio_patches()` (app.py and the test fixtures;
importing this module or the UI changes nothing): two to its image cache, two to the
work it does around every event, two to its server's HTTP parsing, one to how it refuses a request's file,
one to a client that goes away mid-request, three to requests short of values or naming what does not
exist, one to the size of a request's data, one to which responses are compressed (`PageCompression`).

`gradio.processing_utils.save_pil_to_cache` writes an output image straight to its final path, named
by the hash of its bytes. Two users who get the same image at once (the same seed: the GAN tab opens
on seed 0) write the same file while a browser is reading it, and the reader gets a truncated file
("Too little data for declared Content-Length"; seen twice in 1157 calls of the 32-client load test).
Gradio's own `save_file_to_cache` already writes under a temporary name and renames it into place;
this does the same for images. Remove it once Gradio's function does so itself.

And a PNG is encoded by `genart.core.images.png_bytes` (OpenCV, Sub filter, Huffman-only zlib at level 1), not by
Pillow at its default level 6: a 1482×1000 painting then costs 68 ms of CPU instead of 449 ms, for a file
about 20 % larger (`python -m genart bench --only png`) — most of /stylize's overhead over its compute was \
this encoding.

Around every event Gradio's queue rebuilds its analytics summary: a pandas DataFrame of up to the last
10,000 events, grouped by function, with percentiles (`Queue.compute_analytics_summary`, read only by the
monitoring dashboard, which the studio does not enable). That cost 12 % of the server's CPU under the
32-client load test and grows with the server's age: 7 ms an event at 800 past events, 19 ms at 10,000,
against 1.5–2 ms of model compute for a GAN seed (measured). The summary is rebuilt every 1,000 events
instead (`GRADIO_ANALYTICS_CACHE_FREQUENCY`, Gradio's own setting; a host may set it otherwise).
And every event Gradio switches matplotlib's backend, importing it first; when matplotlib is not installed
that import searches sys.path again each time (2.6 % of the CPU under load): then the switch is skipped.

uvicorn (Gradio's server) parses HTTP with httptools whenever that is installed, and then takes a request
header of any size (a 20 MB one was buffered whole, measured; 100 such connections would hold 2 GB); its h11
parser refuses a request head over 16 KB. The studio's server always uses h11, with a deadline on each
request's head (`HeadDeadline`): uvicorn arms no timer before a connection's first response, and any byte
cancels its keep-alive timer, so a connection that sends nothing, or one header line every few seconds, was
held for ever (measured with 2 × 2,000 such connections; see docs/hosting.md).

A request whose file payload names a path Gradio did not accept as an upload (`{"path": "/etc/passwd"}`) is
refused by Gradio before any handler runs, with `InvalidPathError`: the person got an error with no words and
the server log a 30-line traceback for each such request. It is now the studio's own sentence (`REFUSED`, the
same for a file that exists, one that does not and a folder) and one log line (`RefusedPath`). So is a value
that is not a file at all where an endpoint takes an image (a string, a number): Gradio's pydantic check of it
failed the same wordless way (`preprocess_data`).

A browser that aborts an upload (a closed tab, a cancelled drop) left a 70-line "Exception in ASGI application"
traceback (`ClientDisconnect` in Gradio's upload route); it is one log line now (`create_app`).

A request with fewer values than its event takes (`{"data": [1]}` to /gan_generate) got an error with no words
and a 25-line traceback that also printed every value received, however large: anyone could flood the log with
it. It is a sentence that says how many values the endpoint takes, and one log line (`validate_inputs`). A call of
an event number or an endpoint name that does not exist (`"fn_index": 99999`, /gradio_api/call/nope) was a
70-line "Exception in ASGI application" traceback; it is a 404 with a sentence and one log line (`create_app`).
So is a stream whose session or event does not exist, which Gradio refuses only after the stream has begun
(`RefusedMidStream`). And a request's data is bounded (`BodyLimit`): Gradio bounds uploads, not JSON bodies.
In a batched event (`genart.serve.batching`) a value Gradio's preparation refuses is its own row's refusal, not the
whole batch's (`preprocess_data`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import tempfile
from pathlib import Path

import h11
import pydantic
import uvicorn.config
from gradio import processing_utils, routes, utils
from gradio.blocks import Blocks
from gradio.brotli_middleware import BrotliMiddleware
from gradio.exceptions import Error, InvalidPathError
from gradio.route_utils import FnIndexInferError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response
from uvicorn.protocols.http.h11_impl import H11Protocol

from genart.core.images import png_bytes
from genart.serve import batching
from genart.studio.uploads import REFUSED

LOG = logging.getLogger("genart.requests")     # a refused or dropped request: one line
_original = processing_utils.save_pil_to_cache


def encode(img, format: str) -> bytes:
    """Gradio's encoding (text chunks kept: a PNG's record is in them), PNG by the studio's fast encoder."""
    if format.lower() != "png":
        return processing_utils.encode_pil_to_bytes(img, format)
    return png_bytes(img)


def save_pil_to_cache(img, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    data = encode(img, format)
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    final = (folder / f"{name}.{format}").resolve()
    if final.exists() and final.stat().st_size == len(data):      # same hash, same bytes: already there
        os.utime(final)                                            # (delete_cache ages files by ctime)
        return str(final)
    fd, staging = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(staging, final)                                 # readers see the old file or the new one
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return str(final)


class RefusedPath(InvalidPathError, Error):
    """Gradio's refusal of a request's file as a user error: the studio's sentence, no traceback. Still an
    InvalidPathError for Gradio's own handlers of it."""

    def __init__(self):
        Error.__init__(self, REFUSED, print_exception=False)


_check_allowed = processing_utils._check_allowed


def check_allowed(path, check_in_upload_folder: bool) -> None:
    """Gradio's check of a file path; a request's file (not an output's) that fails it is a `RefusedPath`."""
    try:
        _check_allowed(path, check_in_upload_folder)
    except InvalidPathError:
        if not check_in_upload_folder:                                # an output of ours: a bug, keep it loud
            raise
        LOG.warning("request refused: a file that was not uploaded")
        raise RefusedPath() from None


_preprocess_data = Blocks.preprocess_data


async def preprocess_data(self, block_fn, inputs, *args, **kwargs):
    """Gradio's preparation of a request's inputs; a value its components' models refuse (a string or a number
    where a file goes) is a `RefusedPath` too. In a batch (one row at a time) a refusal is that row's alone:
    its values become `batching.Refused`, and the batch handler answers the row with the sentence."""
    try:
        try:
            return await _preprocess_data(self, block_fn, inputs, *args, **kwargs)
        except pydantic.ValidationError:
            LOG.warning("request refused: a value that is not a file")
            raise RefusedPath() from None
    except Error as e:
        if not block_fn.batch:
            raise
        return [batching.Refused(e.message)] * len(block_fn.inputs)


_validate_inputs = Blocks.validate_inputs


def too_few_values(block_fn, sent: int) -> str:
    """The sentence for a request with fewer values than its event takes (and its one log line)."""
    taken = len(block_fn.inputs)
    named = block_fn.api_visibility != "private" and block_fn.api_name
    where = f"/{block_fn.api_name}" if named else "This event"
    LOG.warning("request refused: %d of the %d values %s takes", sent, taken,
                where if named else f"event {block_fn.name}")
    return (f"{where} takes {taken} values and this call sent {sent}"
            + (": /gradio_api/info lists its parameters in order." if named else "."))


def validate_inputs(self, block_fn, inputs: list) -> None:
    """Gradio's count of a request's values: too few is a user error with a sentence and one log line."""
    if len(inputs) < len(block_fn.inputs):
        raise Error(too_few_values(block_fn, len(inputs)), print_exception=False)
    _validate_inputs(self, block_fn, inputs)


_create_app = routes.App.create_app


def create_app(*args, **kwargs) -> routes.App:
    """Gradio's web app, answering a client that went away mid-request (`ClientDisconnect`) and a call of an
    event or endpoint that does not exist with one log line each."""
    app = _create_app(*args, **kwargs)
    app.add_exception_handler(ClientDisconnect, client_gone)
    app.add_exception_handler(KeyError, no_such_event)
    app.add_exception_handler(FnIndexInferError, no_such_endpoint)
    app.add_middleware(RefusedMidStream)
    app.add_middleware(BodyLimit)
    app.add_middleware(PageCompression, quality=4, minimum_size=PageCompression.MINIMUM_SIZE)
    return app


class PageCompression(BrotliMiddleware):
    """Gradio compresses a response only when its path ends in a text extension (.js, .css, .json…), so the
    page itself — its HTML carries the whole 0.7 MB config — and `/config` went out raw. Those paths are
    compressed the same way (brotli at quality 4, gzip for a client without brotli): 786 KB → 39 KB for 9 ms
    of CPU (measured), where the page's transfer took 0.3 s at 20 Mbit/s and 1.5 s at 4 Mbit/s. Every other
    path is left to Gradio's own middleware, which runs inside this one."""

    PATHS = frozenset({"/", "/config", "/gradio_api/info"})
    MINIMUM_SIZE = 400

    def _is_compressible_file_type(self, scope) -> bool:
        return (scope.get("path", "").rstrip("/") or "/") in self.PATHS


BODY_LIMIT = 2 * 2 ** 20      # bytes of a request's data; images travel as uploads (Gradio's max_file_size)


class BodyLimit:
    """A request's data (JSON: event values, file references) may be at most BODY_LIMIT bytes; uploads are
    bounded apart. Gradio read any body whole: two 100 MB values for /gan_generate's seed took the server from
    0.67 to 1.16 GB (measured), and eight such requests a client may have queued would hold several GB. A
    larger body, declared or sent in chunks, is a 413 with a sentence and one log line."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH")
                or scope["path"].rstrip("/").endswith("/upload")):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:                          # h11 holds the body to its declared length
            if declared.isdigit() and int(declared) <= BODY_LIMIT:
                return await self.app(scope, receive, send)
            return await self.refuse(scope, send, declared.decode("latin-1")[:20])
        chunks, size = [], 0                              # chunked: read it here, up to the limit
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > BODY_LIMIT:
                return await self.refuse(scope, send, f"over {size}")
            if not message.get("more_body"):
                break
        body = b"".join(chunks)

        async def replay():
            nonlocal body
            if body is None:
                return await receive()
            message, body = {"type": "http.request", "body": body, "more_body": False}, None
            return message
        await self.app(scope, replay, send)

    @staticmethod
    async def refuse(scope, send, size: str) -> None:
        LOG.warning("request refused: a body of %s bytes for %s", size, scope["path"])
        await JSONResponse({"detail": f"A request's data may be at most {BODY_LIMIT // 2 ** 20} MB: send images "
                                      "as files (in gradio_client: handle_file(path))."}, status_code=413)(
            scope, None, send)


class RefusedMidStream:
    """Gradio's event streams check their session or event only once the stream has begun (`GET
    /gradio_api/queue/data?session_hash=nope`, `/gradio_api/call/<api>/nope`): the HTTPException then cannot
    become an answer, and each such request printed a 60-line "Exception in ASGI application" traceback. It is
    one log line, and the stream ends."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except RuntimeError as exc:
            if not (started and isinstance(exc.__cause__, HTTPException)):
                raise
            LOG.warning("request refused: %s (%d, once its stream had begun)", scope["path"], exc.__cause__.status_code)
            try:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except Exception:
                pass


async def no_such_event(request, exc: KeyError) -> Response:
    """Gradio looks a request's `fn_index` (or a component server's component id) up without checking it: an
    unknown one was a 70-line traceback. Any other KeyError is a bug of ours or Gradio's and stays loud."""
    index = exc.args[0] if exc.args else None
    what = "component" if request.url.path.rstrip("/").endswith("component_server") else "event"
    blocks = request.app.get_blocks()
    if not isinstance(index, int) or index in (blocks.blocks if what == "component" else blocks.fns):
        raise exc
    LOG.warning("request refused: no %s %d (%s)", what, index, request.url.path)
    return JSONResponse({"detail": f"There is no {what} {index}: /gradio_api/info lists the endpoints by name."},
                        status_code=404)


async def no_such_endpoint(request, exc: FnIndexInferError) -> Response:
    """A call of an endpoint name the studio does not have (/gradio_api/call/nope): a sentence, one log line."""
    LOG.warning("request refused: no endpoint named in %s", request.url.path)
    return JSONResponse({"detail": "There is no endpoint of that name: /gradio_api/info lists them."},
                        status_code=404)


async def client_gone(request, exc) -> Response:
    """A request whose client went away before its body arrived (an upload aborted by the browser): one log
    line, not a 70-line traceback (which anyone could repeat to flood the log); the answer reaches no one."""
    LOG.warning("request dropped: the client went away during %s", request.url.path)
    return Response(status_code=400)


class NoBackendSwitch:
    """`gradio.utils.MatplotlibBackendMananger` where there is no matplotlib to switch."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class HeadDeadline(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for each request's head: it must be complete within
    HEAD_TIMEOUT_S of the connection (or of the previous response on a kept-alive one), else the connection is
    closed. A body, an upload or a long event stream is not limited by it: the deadline ends with the head."""

    _deadline: object = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:        # a whole head arrived (or the request was refused)
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:   # waiting for the next head
            self._arm()

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(HEAD_TIMEOUT_S, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


HEAD_TIMEOUT_S = 20.0        # a browser sends its whole request head at once; Apache's mod_reqtimeout allows 20 s
H11 = f"{__name__}:HeadDeadline"    # h11 bounds a request's head (16 KB); httptools does not
ANALYTICS_EVERY = "1000"     # events between two rebuilds of Gradio's analytics summary


def apply_gradio_patches() -> None:
    """Install the changes (idempotent); the analytics setting is read when a Blocks' queue is made, so call this
    before building the UI."""
    processing_utils.save_pil_to_cache = save_pil_to_cache
    processing_utils._check_allowed = check_allowed
    Blocks.preprocess_data = preprocess_data
    Blocks.validate_inputs = validate_inputs
    batching.apply()
    routes.App.create_app = staticmethod(create_app)
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", ANALYTICS_EVERY)
    uvicorn.config.HTTP_PROTOCOLS["auto"] = uvicorn.config.HTTP_PROTOCOLS["h11"] = H11
    if importlib.util.find_spec("matplotlib") is None:
        utils.MatplotlibBackendMananger = NoBackendSwitch
