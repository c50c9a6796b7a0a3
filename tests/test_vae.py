"""The VAE: shapes, the loss terms, a tiny run that learns, and the shipped model's round trip."""

import numpy as np
import pytest
import torch

from genart.data import load_fashion_mnist, to_tensor
from genart.models.vae import VAE, VAEConfig, neg_elbo_terms
from genart.train.common import Dist, RunArgs
from genart.train.vae import VAETask, set_directions

TINY = VAEConfig(latent=8, channels=8, pca_directions=4)


def test_shapes():
    m = VAE(TINY)
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    logits, mu, logvar = m(x, torch.Generator().manual_seed(0))
    assert logits.shape == (5, 1, 28, 28) and mu.shape == logvar.shape == (5, 8)
    assert m.decode(mu).shape == (5, 1, 28, 28) and m.decode(mu).abs().max() <= 1


def test_kl_closed_form_and_bernoulli_nll():
    mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, np.log(4.0)]])
    x = torch.full((1, 1, 28, 28), 1.0)                                           # all-white target
    logits = torch.zeros(1, 1, 28, 28)                                             # p = 0.5 everywhere
    rec, kl = neg_elbo_terms(logits, x, mu, logvar)
    # KL = ½ Σ (μ² + σ² − 1 − log σ²) = ½ (1 + 0) + ½ (0 + 4 − 1 − log 4)
    assert kl.item() == pytest.approx(0.5 + 0.5 * (3 - np.log(4.0)), rel=1e-5)
    assert rec.item() == pytest.approx(784 * np.log(2.0), rel=1e-5)


def test_tiny_run_loss_is_finite_and_decreases():
    torch.manual_seed(0)
    x, y = load_fashion_mnist("train")
    x, y = to_tensor(x[:512]), torch.from_numpy(y[:512])
    task = VAETask(RunArgs(family="vae", steps=60, lr=3e-3, batch_size=64), Dist(), TINY)
    losses = [task.train_step(x[i * 64 % 512:(i * 64 % 512) + 64], y[:64], i)["neg_elbo"] for i in range(60)]
    assert all(np.isfinite(losses))
    assert np.mean(losses[-10:]) < 0.8 * np.mean(losses[:5])


def test_directions_are_pca_of_the_posterior_means():
    torch.manual_seed(0)
    m = VAE(TINY).eval()
    x = torch.rand(200, 1, 28, 28) * 2 - 1
    y = torch.arange(200) % 10
    set_directions(m, x, y)
    v = m.pca_components
    assert torch.allclose(v @ v.T, torch.eye(4), atol=1e-5)                       # orthonormal
    assert (m.pca_std[:-1] >= m.pca_std[1:]).all()                                # ordered by variance
    mu = m.encode(x)[0]
    assert torch.allclose(m.class_means[3], mu[y == 3].mean(0), atol=1e-5)


@pytest.mark.slow
def test_shipped_vae_round_trip_on_real_test_images():
    from genart.evaluate import features_and_logits
    from genart.registry import Registry
    reg = Registry()
    vae, clf = reg.get("vae/fashion"), reg.get("classifier/fashion")
    x, y = load_fashion_mnist("test")
    xt = to_tensor(x[:200])
    with torch.no_grad():
        recon = vae.decode(vae.encode(xt)[0])
    mse = ((recon - xt) / 2).pow(2).mean().item()
    _, logits = features_and_logits(clf, recon)
    assert mse < 0.02
    assert (logits.argmax(1) == y[:200]).mean() > 0.75
