import pytest
import torch

from genart.core import device


def test_auto_picks_cpu_without_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert device.resolve(None) == torch.device("cpu")
    assert device.resolve("auto") == torch.device("cpu")


def test_auto_prefers_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert device.resolve(None) == torch.device("cuda")


def test_override_and_errors(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert device.resolve("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="cuda"):
        device.resolve("cuda")
    with pytest.raises(ValueError, match="not a device"):
        device.resolve("banana")


def test_get_device_reads_env_once(monkeypatch):
    device.get_device.cache_clear()
    monkeypatch.setenv("GENART_DEVICE", "cpu")
    assert device.get_device() == torch.device("cpu")
    monkeypatch.setenv("GENART_DEVICE", "banana")
    assert device.get_device() == torch.device("cpu")     # chosen once per process
    device.get_device.cache_clear()


def test_a_gpu_is_made_reproducible_and_the_cpu_left_as_it_is():
    """On CUDA the studio restricts cuDNN and cuBLAS to deterministic kernels (/replay's same bytes; measured on
    an H200); on the CPU, or with GENART_REPRODUCIBLE=0, nothing changes. In a fresh interpreter: the switch is
    process-wide."""
    import os
    import subprocess
    import sys
    code = ("import os, torch; from genart.core.device import reproducible\n"
            "reproducible(torch.device('cpu'))\n"
            "assert not torch.are_deterministic_algorithms_enabled() and 'CUBLAS_WORKSPACE_CONFIG' not in os.environ\n"
            "os.environ['GENART_REPRODUCIBLE'] = '0'; reproducible(torch.device('cuda'))"
            "      # a host that prefers speed\n"
            "assert not torch.are_deterministic_algorithms_enabled()\n"
            "del os.environ['GENART_REPRODUCIBLE']; reproducible(torch.device('cuda'))\n"
            "assert torch.are_deterministic_algorithms_enabled()"
            " and torch.is_deterministic_algorithms_warn_only_enabled()\n"
            "assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8' and not torch.backends.cudnn.benchmark\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CUBLAS_WORKSPACE_CONFIG", "GENART_REPRODUCIBLE")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr


def test_whole_number_settings_take_a_default_a_value_or_refuse_with_a_sentence(monkeypatch):
    from genart.core.settings import env_whole
    monkeypatch.delenv("GENART_X", raising=False)
    assert env_whole("GENART_X", 2, 1, 64, "x") == 2
    monkeypatch.setenv("GENART_X", " 8 ")
    assert env_whole("GENART_X", 2, 1, 64, "x") == 8
    for bad in ("two", "0", "65", "2.5"):
        monkeypatch.setenv("GENART_X", bad)
        with pytest.raises(ValueError, match=r"GENART_X=.*: x must be a whole number from 1 to 64"):
            env_whole("GENART_X", 2, 1, 64, "x")
    monkeypatch.setenv("GENART_THREADS", "many")                  # the studio's own, where it reads them
    with pytest.raises(ValueError, match="GENART_THREADS='many': the compute threads must be a whole number"):
        __import__("genart.core.device").core.device.serving_threads()
