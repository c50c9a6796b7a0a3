"""Canaries for genart/serve/gradio_patches.py and genart/serve/batching.py, run in a fresh interpreter where
nothing is patched (tests/test_gradio_patches.py runs this file): each checks that a private name a patch
replaces still exists with the shape the patch expects, and, where it can be seen, that the upstream behaviour
the patch works around is still there. A canary that fails says: the patch is dead (delete it) or broken (mend it).

    python tests/gradio_canaries.py     # prints {canary: null | "why it failed"} as JSON
"""

from __future__ import annotations

import inspect
import json
import os
import sys


def params(fn) -> list[str]:
    return list(inspect.signature(fn).parameters)


def check_save_pil_to_cache():
    """Gradio writes a cached output image straight to its final path (no temporary name, no rename): two users
    who get the same image at once can read a half-written file. Our `save_pil_to_cache` renames into place."""
    from gradio import processing_utils
    fn = processing_utils.save_pil_to_cache
    assert params(fn) == ["img", "cache_dir", "name", "format"], params(fn)
    source = inspect.getsource(fn)
    assert "replace(" not in source and "rename" not in source, "Gradio now writes atomically: drop our patch"


def check_allowed_path():
    """A file payload naming a path Gradio did not accept is refused with InvalidPathError, which is no
    gr.Error, so the person gets an error with no words (our `check_allowed` gives the sentence)."""
    from gradio import processing_utils
    from gradio.exceptions import Error, InvalidPathError
    assert params(processing_utils._check_allowed) == ["path", "check_in_upload_folder"]
    assert not issubclass(InvalidPathError, Error), "InvalidPathError now carries words to the client"


def check_preprocess_data():
    from gradio.blocks import Blocks
    assert params(Blocks.preprocess_data)[:4] == ["self", "block_fn", "inputs", "state"], params(Blocks.preprocess_data)


def check_validate_inputs():
    """A request short of values gets a wordless error and a traceback echoing every value; ours is a sentence."""
    from gradio.blocks import Blocks
    assert params(Blocks.validate_inputs) == ["self", "block_fn", "inputs"], params(Blocks.validate_inputs)


def check_create_app():
    from gradio import routes
    assert isinstance(inspect.getattr_static(routes.App, "create_app"), staticmethod)
    from gradio.route_utils import FnIndexInferError  # noqa: F401  (a call of an unknown endpoint raises it)
    from starlette.requests import ClientDisconnect  # noqa: F401  (an aborted upload raises it)


def check_analytics_setting():
    """Gradio's queue reads GRADIO_ANALYTICS_CACHE_FREQUENCY (how often it rebuilds its analytics summary)."""
    import gradio.queueing
    assert "GRADIO_ANALYTICS_CACHE_FREQUENCY" in inspect.getsource(gradio.queueing)


def check_matplotlib_backend_manager():
    """Gradio's name carries its own typo ("Mananger"): if Gradio corrects it, our assignment would silently do
    nothing, so this canary fails first."""
    from gradio import utils
    assert hasattr(utils, "MatplotlibBackendMananger"), "renamed upstream: patch the new name"


def check_uvicorn_protocols():
    """uvicorn's "auto" HTTP protocol picks httptools when installed, which takes a request head of any size."""
    import uvicorn.config
    assert {"auto", "h11"} <= set(uvicorn.config.HTTP_PROTOCOLS)
    import uvicorn.protocols.http.auto
    from uvicorn.protocols.http.h11_impl import H11Protocol
    assert "httptools" in inspect.getsource(uvicorn.protocols.http.auto), "uvicorn's auto no longer picks httptools"
    for name in ("connection_made", "data_received", "on_response_complete", "connection_lost"):
        assert name in H11Protocol.__dict__, f"H11Protocol.{name} is gone: HeadDeadline overrides it"
    assert "self.conn = h11.Connection" in inspect.getsource(H11Protocol), "HeadDeadline reads self.conn.their_state"


def check_page_compression():
    """Gradio's Brotli middleware compresses only paths with a text extension: the page ("/") goes out raw."""
    from gradio.brotli_middleware import BrotliMiddleware
    middleware = BrotliMiddleware.__new__(BrotliMiddleware)
    assert middleware._is_compressible_file_type({"path": "/"}) is False, "Gradio now compresses the page itself"


def check_batching_hooks():
    """genart/serve/batching.py wraps Blocks.process_api, route_utils.call_process_api and each queue's push
    and send_message."""
    from gradio import queueing, route_utils
    from gradio.blocks import Blocks
    assert params(Blocks.process_api)[:3] == ["self", "block_fn", "inputs"]
    assert params(route_utils.call_process_api)[:4] == ["app", "body", "gr_request", "fn"]
    assert params(queueing.Queue.push) == ["self", "body", "request", "username"]
    assert params(queueing.Queue.send_message) == ["self", "event", "event_message"]
    assert "event_queue_per_concurrency_id" in inspect.getsource(queueing.Queue.__init__)


def check_upload_folder():
    """genart/studio/uploads.py finds Gradio's upload folder by Gradio's own rule, without importing Gradio."""
    import tempfile

    from gradio.utils import get_upload_folder

    from genart.studio.uploads import upload_folder
    for value in (None, tempfile.mkdtemp()):
        if value is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = value
        assert str(upload_folder()) == str(type(upload_folder())(get_upload_folder()).resolve()), value


CANARIES = {name: fn for name, fn in globals().items() if name.startswith("check_")}


def main() -> dict[str, str | None]:
    out = {}
    for name, fn in CANARIES.items():
        try:
            fn()
            out[name] = None
        except Exception as e:            # each canary reports its own failure; the test names it
            out[name] = f"{type(e).__name__}: {e}"
    return out


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    print(json.dumps(main()))
