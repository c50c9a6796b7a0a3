"""Hosting on Spaces: the GPU decorator is a no-op off ZeroGPU, accelerator OOM is a message, the
studio serves every tab without the Fashion-MNIST package (a Space needs no Debian package at all:
OpenCV is the headless wheel, and the dataset is only for training and evaluation)."""

import pytest
import torch
from gradio_client import handle_file
from PIL import Image

from genart.core.registry import ASSETS


def test_gpu_decorator_is_a_no_op_off_zero_gpu():
    from genart.core.zerogpu import ZERO_GPU, gpu

    def f(x):
        return x + 1
    assert not ZERO_GPU and gpu(f) is f


def test_out_of_memory_on_the_accelerator_is_a_message_and_the_worker_lives_on():
    import gradio as gr

    from genart.serve.refusals import user_errors
    calls = []

    @user_errors
    def handler(n):
        calls.append(n)
        if n > 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 80.00 GiB")
        return n

    with pytest.raises(gr.Error, match="ran out of memory"):
        handler(2)
    assert handler(1) == 1 and calls == [2, 1]


@pytest.mark.slow
def test_every_tab_serves_without_the_dataset(client, monkeypatch, tmp_path):
    monkeypatch.setenv("GENART_DATA", str(tmp_path / "no-fashion-mnist"))
    from genart.data.datasets import DatasetMissing, load_fashion_mnist
    with pytest.raises(DatasetMissing, match="apt-get install"):
        load_fashion_mnist("test")
    cat = handle_file(str(ASSETS / "examples" / "cat.jpg"))
    assert Image.open(client.predict(cat, "oil", 0.5, api_name="/stylize")).size == \
        Image.open(ASSETS / "examples" / "cat.jpg").size
    assert Image.open(client.predict(1, "Coat", 0.8, api_name="/gan_generate")).size == (336, 336)
    assert len(client.predict(2, api_name="/vae_random")[1]) > 32
    assert "step 3/3" in client.predict(0, "Bag", "ddim", 3, 2.0, api_name="/diffusion_sample")[1]
    assert client.predict(cat, api_name="/classify")["label"]
    assert all(r["status"] == "ready" for r in client.predict(api_name="/models"))
