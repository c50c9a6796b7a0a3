"""Train the VAE: reconstruction + KL, the classic recipe, with a short KL warm-up; every Fashion-MNIST
image is labelled, so the class latent y is observed (M2's labelled bound) and q(y|x) learns from it:

    J = E_q[−log p_θ(x|y, z)] + β_t · (KL(q_φ(z|x, y) ‖ N(0, I)) + log K) + α · CE(q_φ(y|x), y)
    β_t = min(1, t / warm-up)

β reaches 1 early, so the exported model is a true β = 1 VAE and its −ELBO (y summed out under
q(y|x), see models/vae.py) is an honest bound. α weighs the classification term as M2 does.
At export the slider directions are computed from the encoded training set: PCA of μ (GANSpace-
style, ordered by variance) and the mean μ of each class ("more dress" = mean_dress − mean_z).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from genart.eval.evaluate import eval_vae_model
from genart.models.vae import VAE, VAEConfig, config_dict, neg_elbo_terms
from genart.train.common import EMA, Dist, RunArgs, autocast, grid_labels, lr_factor, step_seed, wrap_ddp


def config_for(args: RunArgs) -> VAEConfig:
    """The VAE a run builds: the data's shape and classes; --width sets the base width c."""
    width = {} if args.width is None else {"channels": args.width}
    return VAEConfig(num_classes=args.num_classes, image_size=args.size, image_channels=args.channels, **width)


class VAETask:
    family = "vae"
    # the shipped recipe (vae/fashion-v2): `python -m genart train vae` with no flags runs it
    recipe = dict(steps=13000, batch_size=128, lr=2e-3, precision="bf16", sample_every=1000)
    alpha = 50.0                                          # weight of −log q(y|x) per image, in nats

    def __init__(self, args: RunArgs, d: Dist, config: VAEConfig | None = None):
        self.args, self.d = args, d
        self.config = config or config_for(args)
        self.grid_y, self.grid_columns = grid_labels(self.config.num_classes, 4)
        self.model = VAE(self.config).to(d.device, memory_format=torch.channels_last)
        self.ema = EMA(self.model, beta=0.999)
        self.net = wrap_ddp(self.model, d)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=args.lr)
        self.modules = {"model": self.model, "ema": self.ema.module}
        self.optimizers = {"opt": self.opt}
        self.warmup = max(1, min(500, args.steps // 20))
        self.kl_warmup = max(1, args.steps // 10)

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> dict[str, float]:
        g = torch.Generator(device=x.device).manual_seed(step_seed(self.args.seed, step, self.d))
        for group in self.opt.param_groups:
            group["lr"] = self.args.lr * lr_factor(step, self.args.steps, self.warmup)
        beta = min(1.0, (step + 1) / self.kl_warmup)
        self.net.train()
        with autocast(self.d, self.args.precision):
            logits, mu, logvar, class_logits = self.net(x, y, g)
        rec, kl = neg_elbo_terms(logits.float(), x, mu.float(), logvar.float())   # (B,), (B,) in fp32
        kl = kl + math.log(self.model.y_dim or 1)                                   # − log p(y)
        loss = (rec + beta * kl).mean()
        stats = {}
        if class_logits is not None:
            ce = F.cross_entropy(class_logits.float(), y)
            loss = loss + self.alpha * ce
            stats = {"ce": ce.item()}
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 100.0)
        self.opt.step()
        self.ema.update(self.model, step)
        return {"neg_elbo_xy": (rec + kl).mean().item(), "rec": rec.mean().item(), "kl": kl.mean().item(), **stats}

    @torch.no_grad()
    def sample_grid(self, generator: torch.Generator) -> torch.Tensor:
        """A column per class (`grid_labels`), prior draws of the other latents: (rows · cols, C, S, S)."""
        model = self.ema.module
        z = model.sample_prior(len(self.grid_y), generator)
        if model.y_dim:
            z[:, :model.y_dim] = F.one_hot(self.grid_y, model.y_dim).float()
        return model.decode(z.to(self.d.device))

    @torch.no_grad()
    def generate(self, model: VAE, n: int, generator: torch.Generator) -> torch.Tensor:
        """n prior draws decoded (the image mean): (n, C, S, S) in [-1, 1] (for eval_generic)."""
        device = model.pca_mean.device
        return torch.cat([model.decode(z.to(device)).cpu() for z in model.sample_prior(n, generator).split(250)])

    @torch.no_grad()
    def extra_metrics(self, model: VAE, images: torch.Tensor) -> dict:
        """−ELBO (class summed out under q(y|x), one z sample) on training images, in bits per dimension."""
        device = model.pca_mean.device
        g = torch.Generator(device=device).manual_seed(self.args.seed + 77)
        nats = torch.cat([model.neg_elbo(x.to(device), g).cpu() for x in images.split(250)])   # (N,)
        dims = images[0].numel()
        return {"neg_elbo_bits_per_dim": round(float(nats.mean()) / (dims * math.log(2)), 5),
                "neg_elbo_note": "Bernoulli likelihood of [0, 1] intensities, on training images (no held-out "
                                 "split); compare only with other Bernoulli VAEs"}

    def export(self, images: torch.Tensor, labels: torch.Tensor):
        """The EMA model, its slider directions computed from the training set images (N, C, S, S)."""
        model = self.ema.module
        set_directions(model, images, labels)
        return model, config_dict(self.config)

    def evaluate(self, model, classifier) -> dict:
        return eval_vae_model(model, classifier, samples=self.args.eval_samples, seed=self.args.seed)


@torch.no_grad()
def set_directions(model: VAE, images: torch.Tensor, labels: torch.Tensor, batch: int = 2000) -> None:
    """PCA of the global part z₁ of the encoded training set, and each class's mean z, into the model's
    buffers (the components are zero on y and on the local part ε₂)."""
    device = model.pca_mean.device
    mus = torch.cat([model.encode(x.to(device))[0] for x in images.split(batch)])      # (N, z_dim)
    mean = mus.mean(0)
    z1 = slice(model.y_dim, model.y_dim + model.config.latent)
    _, s, vh = torch.linalg.svd(mus[:, z1] - mean[z1], full_matrices=False)           # principal axes of z₁
    k = model.pca_components.shape[0]
    model.pca_mean.copy_(mean)
    model.pca_components.zero_()
    model.pca_components[:, z1].copy_(vh[:k])
    model.pca_std.copy_(s[:k] / (len(mus) - 1) ** 0.5)
    for c in range(model.class_means.shape[0]):
        model.class_means[c].copy_(mus[labels.to(device) == c].mean(0))
