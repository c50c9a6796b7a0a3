"""The VAE: shapes, the loss terms, a tiny run that learns, and the shipped model's round trip."""

import numpy as np
import pytest
import torch

from genart.data.datasets import load_fashion_mnist, to_tensor
from genart.models.vae import VAE, VAEConfig, neg_elbo_terms
from genart.train.common import Dist, RunArgs
from genart.train.vae import VAETask, set_directions

TINY = VAEConfig(latent=8, local_channels=2, channels=8, pca_directions=4)     # z = [y 10, z₁ 8, ε₂ 2·7·7]


def test_shapes():
    m = VAE(TINY)
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    logits, mu, logvar, class_logits = m(x, torch.arange(5), torch.Generator().manual_seed(0))
    assert m.z_dim == 10 + 8 + 2 * 49
    assert logits.shape == (5, 1, 28, 28) and mu.shape == logvar.shape == (5, 8 + 2 * 49)
    assert class_logits.shape == (5, 10)
    z = m.encode(x)[0]
    assert z.shape == (5, m.z_dim) and (z[:, :10].sum(1) == 1).all()                # y: one-hot of the likeliest class
    assert m.decode(z).shape == (5, 1, 28, 28) and m.decode(z).abs().max() <= 1


def test_neg_elbo_sums_the_class_out_exactly():
    """−ELBO(x) = Σ_y q(y|x) L(x, y) − H(q(y|x)), L the labelled bound (same noise, drawn class by class)."""
    torch.manual_seed(0)
    m = VAE(TINY).eval()
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        pi = m.class_logits(x).softmax(1)                                         # (3, 10)
        g = torch.Generator().manual_seed(4)
        by_class = torch.stack([sum(m.labelled_bound(x, torch.full((3,), c), g)[:2]) for c in range(10)], 1)
        expected = (pi * by_class).sum(1) + (pi * pi.log()).sum(1)
        assert torch.allclose(m.neg_elbo(x, torch.Generator().manual_seed(4)), expected, rtol=1e-5)


def test_class_weights_and_prior_draws():
    torch.manual_seed(0)
    m = VAE(TINY).eval()
    z = m.sample_prior(6, torch.Generator().manual_seed(0))
    assert z.shape == (6, m.z_dim) and ((z[:, :10] == 0) | (z[:, :10] == 1)).all() and (z[:, :10].sum(1) == 1).all()
    doubled = z.clone()
    doubled[:, :10] *= 2                                                          # class weights are normalised
    with torch.no_grad():
        assert torch.allclose(m.decode(z), m.decode(doubled), atol=1e-6)


def test_local_posterior_depends_on_the_global_sample():
    """q(ε₂|x, z₁) is inferred top-down: the local statistics change with the z₁ that was drawn."""
    torch.manual_seed(0)
    m = VAE(TINY).eval()
    x = torch.rand(3, 1, 28, 28) * 2 - 1
    y = torch.tensor([0, 4, 9])
    _, mu_a, _, _ = m(x, y, torch.Generator().manual_seed(1))
    _, mu_b, _, _ = m(x, y, torch.Generator().manual_seed(2))
    assert torch.equal(mu_a[:, :8], mu_b[:, :8])                                  # μ₁ depends on x only
    assert not torch.allclose(mu_a[:, 8:], mu_b[:, 8:])                           # μ₂ depends on z₁ too
    assert torch.equal(m.encode(x)[0], m.encode(x)[0])                            # encode: z₁ = μ₁, deterministic


def test_cards_without_the_new_latents_build_the_single_level_vae():
    from genart.models.vae import build
    m = build({"latent": 8, "channels": 8, "pca_directions": 4})                  # vae/fashion-v1's config keys
    assert m.z_dim == 8 and not hasattr(m, "prior") and not hasattr(m, "classify")
    logits, mu, _, class_logits = m(torch.zeros(2, 1, 28, 28), None, torch.Generator().manual_seed(0))
    assert mu.shape == (2, 8) and logits.shape == (2, 1, 28, 28) and class_logits is None
    assert m.neg_elbo(torch.zeros(2, 1, 28, 28)).shape == (2,)


def test_kl_closed_form_and_bernoulli_nll():
    mu, logvar = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, np.log(4.0)]])
    x = torch.full((1, 1, 28, 28), 1.0)                                           # all-white target
    logits = torch.zeros(1, 1, 28, 28)                                             # p = 0.5 everywhere
    rec, kl = neg_elbo_terms(logits, x, mu, logvar)
    # KL = ½ Σ (μ² + σ² − 1 − log σ²) = ½ (1 + 0) + ½ (0 + 4 − 1 − log 4)
    assert kl.item() == pytest.approx(0.5 + 0.5 * (3 - np.log(4.0)), rel=1e-5)
    assert rec.item() == pytest.approx(784 * np.log(2.0), rel=1e-5)


@pytest.mark.slow
def test_tiny_run_loss_is_finite_and_decreases():
    torch.manual_seed(0)
    x, y = load_fashion_mnist("train")
    x, y = to_tensor(x[:512]), torch.from_numpy(y[:512])
    task = VAETask(RunArgs(family="vae", steps=60, lr=3e-3, batch_size=64), Dist(), TINY)
    losses = [task.train_step(x[i * 64 % 512:i * 64 % 512 + 64], y[i * 64 % 512:i * 64 % 512 + 64], i)["neg_elbo_xy"]
              for i in range(60)]
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
    assert (v[:, :10] == 0).all() and (v[:, 18:] == 0).all()                      # they move z₁ only
    assert (m.pca_std[:-1] >= m.pca_std[1:]).all()                                # ordered by variance
    mu = m.encode(x)[0]
    assert torch.allclose(m.class_means[3], mu[y == 3].mean(0), atol=1e-5)


@pytest.mark.slow
def test_shipped_vae_round_trip_on_real_test_images(checkpoint_root):
    from genart.core.registry import Registry
    from genart.eval.evaluate import features_and_logits
    reg = Registry(checkpoint_root)
    vae, clf = reg.get("vae/fashion"), reg.get("classifier/fashion")
    x, y = load_fashion_mnist("test")
    xt = to_tensor(x[:200])
    with torch.no_grad():
        recon = vae.decode(vae.encode(xt)[0])
    mse = ((recon - xt) / 2).pow(2).mean().item()
    _, logits = features_and_logits(clf, recon)
    assert mse < 0.012                                                            # vae/fashion-v2: 0.0083
    assert (logits.argmax(1) == y[:200]).mean() > 0.8                             # vae/fashion-v2: 0.865


@pytest.mark.slow
def test_shipped_vae_reads_the_class_it_decodes(checkpoint_root):
    """The class latent: q(y|x) names real test garments, and a one-hot y decodes to that class."""
    from genart.core.registry import Registry
    from genart.data.datasets import CLASSES
    from genart.eval.evaluate import features_and_logits
    from genart.studio.vae import reading
    reg = Registry(checkpoint_root)
    vae, clf = reg.get("vae/fashion"), reg.get("classifier/fashion")
    x, y = load_fashion_mnist("test")
    trouser = to_tensor(x[np.flatnonzero(y == 1)[:1]])
    with torch.no_grad():
        assert reading(vae, trouser).startswith("The VAE reads this as **Trouser**")
        z = vae.sample_prior(40, torch.Generator().manual_seed(0))
        _, logits = features_and_logits(clf, vae.decode(z))
    drawn = z[:, :len(CLASSES)].argmax(1).numpy()
    assert (np.asarray(logits).argmax(1) == drawn).mean() >= 0.7                 # prior draws look like their y


@pytest.mark.slow
def test_an_exported_vae_carries_slider_directions_from_its_training_set(tmp_path):
    """`run` hands every task the training set at export: the VAE's directions are PCA and class means of it
    (not the identity a VAE without data would ship)."""
    from standins import tiny_checkpoint

    from genart.core.registry import Registry
    from genart.train.common import run

    torch.manual_seed(0)
    x, y = load_fashion_mnist("train")
    x, y = to_tensor(x[:300]), torch.from_numpy(y[:300])
    tiny_checkpoint(tmp_path / "ckpt", "classifier")                   # the judge of the card's metrics
    args = RunArgs(family="vae", steps=3, batch_size=64, lr=1e-3, out=tmp_path / "runs", ckpt_dir=tmp_path / "ckpt",
                   sample_every=0, eval_samples=50)
    run(VAETask(args, Dist(), TINY), x, y, args, Dist(), log=lambda s: None)
    vae = Registry(tmp_path / "ckpt").get("vae/fashion")
    v = vae.pca_components                                              # (4, z_dim)
    assert torch.allclose(v @ v.T, torch.eye(4), atol=1e-5) and (v[:, :10] == 0).all()
    with torch.no_grad():
        mu = vae.encode(x)[0]
    assert torch.allclose(vae.class_means[7], mu[y == 7].mean(0), atol=1e-4)
    assert torch.allclose(vae.pca_mean, mu.mean(0), atol=1e-4)


@pytest.mark.slow
def test_opening_the_tab_redraws_a_sample_the_page_dropped(checkpoint_root):
    """The VAE tab's select handler: a page that holds the restored latent but no image (Gradio 6.31 sometimes
    drops it, docs/metrics/pageload) gets the same image again; a page with its image, or still waiting for the
    page load, is left alone."""
    import gradio as gr
    from PIL import Image

    from genart.core.registry import Registry
    from genart.ui import vae_tab
    reg = Registry(checkpoint_root)
    restored = vae_tab.ui_restored(reg, 7, "vae/fashion")         # (labels…, z, image, seen, said, values…)
    n = vae_tab.N_PCA + vae_tab.N_NAMED
    z, image, values = restored[n], restored[n + 1], restored[n + 4:]
    again = vae_tab.shown_again(reg, None, z, "vae/fashion", *values)
    assert np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(image)))            # as PNG files
    shown = {"path": "/tmp/gradio/x/vae.png", "url": "http://127.0.0.1:7860/gradio_api/file=/tmp/gradio/x/vae.png"}
    for out, z0 in ((shown, z), (None, [])):
        assert isinstance(vae_tab.shown_again(reg, out, z0, "vae/fashion", *values), type(gr.skip()))
