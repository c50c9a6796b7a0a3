"""Shared fixtures: offline Gradio, a temp dir per test, a live in-process studio for API/browser tests."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("GENART_DEVICE", "cpu")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from standins import tiny_checkpoint  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"


@pytest.fixture(scope="session")
def checkpoint_root(tmp_path_factory) -> Path:
    """Shipped checkpoints where they exist; tiny untrained stand-ins for the families not shipped yet."""
    from genart.registry import CHECKPOINTS, SPECS, Registry

    root = tmp_path_factory.mktemp("checkpoints")
    shipped = Registry(CHECKPOINTS)
    for spec in SPECS:
        if shipped.available(spec.name):
            (root / spec.family).symlink_to(CHECKPOINTS / spec.family, target_is_directory=True)
        else:
            tiny_checkpoint(root, spec.family)
    return root


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, checkpoint_root):
    """The studio served on loopback for the whole session."""
    os.environ["GRADIO_TEMP_DIR"] = str(tmp_path_factory.mktemp("gradio"))
    from genart.registry import Registry
    from genart.ui import build_demo, launch_options

    demo = build_demo(Registry(checkpoint_root))
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **launch_options())
    yield url
    demo.close()


@pytest.fixture
def client(app_url):
    from gradio_client import Client

    c = Client(app_url, verbose=False)
    yield c
    c.close()
