"""Neural style transfer: streaming contract, shapes, determinism, the loss, keep_colors."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from genart.styles.neural import (
    NetConfig,
    RandomFeatures,
    StyleLoss,
    _to_tensor,
    match_colors,
    sliced_wasserstein,
    transfer,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These tensors are tiny: one intra-op thread is fastest, and it keeps the file fast when
    other work shares the CPU (two OpenMP threads on a busy 2-core box stall at every barrier)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _load(name: str) -> np.ndarray:
    return np.asarray(Image.open(EXAMPLES / name).convert("RGB"))


@pytest.fixture(scope="module")
def cat() -> np.ndarray:
    return _load("cat.jpg")  # (300, 451, 3): orange, a colourful content


@pytest.fixture(scope="module")
def gravel() -> np.ndarray:
    return _load("style_gravel.jpg")  # (384, 384, 3): a gray texture


def _run(content, style, **kw) -> list[tuple[int, np.ndarray]]:
    kw = {"steps": 20, "size": 48, "every": 5, **kw}
    return list(transfer(content, style, **kw))


def _mean_chroma(img: np.ndarray) -> np.ndarray:
    """Mean (U, V) of an (H, W, 3) uint8 image in YUV."""
    x = img.reshape(-1, 3).astype(np.float64) / 255.0
    m = np.array([[-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]])
    return (x @ m.T).mean(0)


def test_yields_every_n_steps_and_the_final_image_last(cat, gravel):
    out = _run(cat, gravel, steps=20, every=5)
    assert [s for s, _ in out] == [5, 10, 15, 20]
    out = _run(cat, gravel, steps=7, every=3)
    assert [s for s, _ in out] == [3, 6, 7]  # the final step is yielded even off the grid
    assert [s for s, _ in _run(cat, gravel, steps=4, every=100)] == [4]


def test_output_size_and_aspect(cat, gravel):
    for _, img in _run(cat, gravel, steps=6, every=2):  # coarse-stage previews too
        assert img.shape == (round(300 * 48 / 451), 48, 3) and img.dtype == np.uint8
    tall = cat[:, :150]  # (300, 150): portrait
    assert _run(tall, gravel, steps=2, size=40)[-1][1].shape == (40, 20, 3)


def test_same_seed_same_output_other_seed_differs(cat, gravel):
    a = _run(cat, gravel, seed=1)[-1][1]
    b = _run(cat, gravel, seed=1)[-1][1]
    c = _run(cat, gravel, seed=2)[-1][1]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_sliced_wasserstein_is_zero_for_equal_sets_and_permutation_invariant():
    g = torch.Generator().manual_seed(0)
    fx = torch.randn(4, 500, generator=g)  # (C, N)
    dirs = torch.nn.functional.normalize(torch.randn(8, 4, generator=g), dim=1)  # (K, C)
    assert sliced_wasserstein(fx, fx, dirs).item() == pytest.approx(0.0, abs=1e-10)
    shuffled = fx[:, torch.randperm(500, generator=g)]
    assert sliced_wasserstein(fx, shuffled, dirs).item() == pytest.approx(0.0, abs=1e-10)
    shifted = fx + torch.tensor([1.0, 0, 0, 0]).view(4, 1)
    expected = (dirs[:, 0] ** 2).mean().item()  # a shift by e₀ moves projection k by d_k0
    assert sliced_wasserstein(fx, shifted, dirs).item() == pytest.approx(expected, rel=1e-4)
    fewer = fx[:, :250]  # different set sizes are compared through quantiles
    assert sliced_wasserstein(fx, fewer, dirs).item() < 0.1


def test_style_loss_decreases(cat, gravel):
    size = 48
    c = _to_tensor(cat, size, torch.device("cpu"))
    s = _to_tensor(gravel, size, torch.device("cpu"))
    net = RandomFeatures(NetConfig(), torch.Generator().manual_seed(123))  # not the transfer's net
    loss = StyleLoss(net, s)
    out = _run(cat, gravel, steps=30, size=size, every=30)[-1][1]
    x = torch.from_numpy(out.copy()).permute(2, 0, 1)[None].float() / 255.0
    before = np.mean([loss(c, seed).item() for seed in range(4)])
    after = np.mean([loss(x, seed).item() for seed in range(4)])
    assert after < 0.5 * before


def test_match_colors_moves_mean_and_covariance():
    g = torch.Generator().manual_seed(0)
    src = torch.rand(1, 3, 20, 20, generator=g) * 0.5
    ref = 0.3 + 0.4 * torch.rand(1, 3, 30, 30, generator=g)
    out = match_colors(src, ref)
    assert torch.allclose(out.mean((0, 2, 3)), ref.mean((0, 2, 3)), atol=0.01)
    assert torch.allclose(torch.cov(out[0].flatten(1)), torch.cov(ref[0].flatten(1)), atol=2e-3)


def test_keep_colors_keeps_the_contents_chroma(cat, gravel):
    small = np.asarray(Image.fromarray(cat).resize((72, 48), Image.LANCZOS))
    ref = _mean_chroma(small)
    styled = _run(cat, gravel)[-1][1]
    kept = _run(cat, gravel, keep_colors=True)[-1][1]
    assert np.abs(_mean_chroma(kept) - ref).sum() < 0.3 * np.abs(_mean_chroma(styled) - ref).sum()
    assert np.abs(_mean_chroma(styled)).max() < 0.03  # without it: the gray palette of gravel


@pytest.mark.parametrize("kw", [{"steps": 0}, {"size": 16}, {"size": 2000}, {"every": 0},
                                {"content_weight": -1.0}])
def test_bad_arguments(cat, gravel, kw):
    with pytest.raises(ValueError):
        _run(cat, gravel, **kw)


def test_bad_image_is_rejected(gravel):
    with pytest.raises(ValueError, match="uint8"):
        _run(np.zeros((10, 10), np.uint8), gravel)


def test_runs_in_a_thread_whose_grad_mode_is_off():
    """Gradio resumes streaming generators in pooled threads; another handler may have left grad off there."""
    rng = np.random.default_rng(0)
    content = rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)
    style = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        frames = list(transfer(content, style, steps=4, size=32, every=2))
    finally:
        torch.set_grad_enabled(previous)
    assert frames[-1][0] == 4 and frames[-1][1].shape[2] == 3
