"""Shared fixtures: offline Gradio, the shipped checkpoints (or stand-ins a test names), a live in-process
studio for API/browser tests."""

import os
import threading

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("GENART_DEVICE", "cpu")

from pathlib import Path

import pytest
from standins import shipped_problems, tiny_checkpoint

from genart.serve.gradio_patches import apply_gradio_patches

# The studio's changes to Gradio, applied on purpose as app.py does (importing genart changes nothing; a test in
# tests/test_architecture.py checks that in a fresh interpreter)
apply_gradio_patches()

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"


@pytest.fixture(scope="session")
def checkpoint_root() -> Path:
    """The shipped checkpoints, assets/checkpoints, as they are. A missing or corrupt one fails every test
    that uses them, with the reason; it is never swapped for an untrained stand-in (see `standin_checkpoints`)."""
    from genart.core.registry import CHECKPOINTS

    problems = shipped_problems(CHECKPOINTS)
    if problems:
        pytest.fail("the studio's shipped checkpoints are missing or corrupt; the tests that serve the studio "
                    "need the real models:\n  " + "\n  ".join(problems), pytrace=False)
    return CHECKPOINTS


@pytest.fixture
def standin_checkpoints(tmp_path):
    """For a test that asks for stand-ins by name: `standin_checkpoints("diffusion", schedule="linear")` is a
    checkpoint root with tiny untrained models of the named families (config overrides applied) and the
    shipped checkpoints of the others."""
    from genart.core.registry import CHECKPOINTS, SPECS

    def make(*families: str, **config) -> Path:
        root = tmp_path / "checkpoints"
        root.mkdir()
        for family in dict.fromkeys(spec.family for spec in SPECS):        # a family may have several models
            if family in families:
                tiny_checkpoint(root, family, **config)
            else:
                (root / family).symlink_to(CHECKPOINTS / family, target_is_directory=True)
        return root
    return make


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, checkpoint_root):
    """The studio served on loopback for the whole session."""
    os.environ["GRADIO_TEMP_DIR"] = str(tmp_path_factory.mktemp("gradio"))
    os.environ["GENART_OUTPUT_DIR"] = str(tmp_path_factory.mktemp("genart-output"))   # history, browser secret
    os.environ["GENART_TRAIN_DIR"] = str(tmp_path_factory.mktemp("genart-train"))     # training jobs, datasets
    os.environ["GENART_MODEL_DIR"] = str(tmp_path_factory.mktemp("user-models"))       # `user_models`
    from genart.core.registry import Registry
    from genart.ui import build_demo, launch_options

    demo = build_demo(Registry(checkpoint_root))
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **launch_options())
    yield url
    demo.close()
    from genart.ui import default_trainer
    trainer = default_trainer()                  # a training job outlives a studio by design; not a test's
    if (job := trainer.running()) is not None:
        trainer.stop(job)


@pytest.fixture(scope="session")
def user_models(app_url) -> Path:
    """The served studio's user model folder (GENART_MODEL_DIR), empty at first: a test publishes models there
    (`standins.user_checkpoint`) and the running studio finds them."""
    return Path(os.environ["GENART_MODEL_DIR"])


@pytest.fixture
def client(app_url):
    from gradio_client import Client

    c = Client(app_url, verbose=False)
    yield c
    # Client.close() sets the heartbeat thread's stop flag and then waits up to 1 s for the thread, which sits in
    # a read of the heartbeat stream: a second per test (72 of them). The daemon thread stops at the next beat.
    threading.Thread(target=c.close, daemon=True).start()
