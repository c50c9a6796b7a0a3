import pytest
import torch

from genart import device


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
