"""Train the conditional GAN: alternate discriminator and generator updates, hinge loss.

    L_D = E_x[max(0, 1 − D(x, y))] + E_z[max(0, 1 + D(G(z, y'), y'))]
    L_G = −E_z[D(G(z, y'), y')]
Adam(β₁ = 0, β₂ = 0.9) on both (Miyato et al. 2018), spectral norm in D, projection head,
and an exponential moving average of G's weights, which is what the studio ships.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from genart.eval.evaluate import eval_gan_model
from genart.models.gan import Discriminator, GANConfig, Generator, config_dict
from genart.train.common import EMA, Dist, RunArgs, autocast, grid_labels, step_seed, wrap_ddp


def config_for(args: RunArgs) -> GANConfig:
    """The GAN a run builds: the data's shape and classes; --width sets both G's and D's base width."""
    width = {} if args.width is None else {"g_channels": args.width, "d_channels": args.width}
    return GANConfig(num_classes=args.num_classes, image_size=args.size, image_channels=args.channels, **width)


class GANTask:
    family = "gan"
    # the shipped recipe (gan/fashion-v1): `python -m genart train gan` with no flags runs it
    recipe = dict(steps=14000, batch_size=64, lr=2e-4, precision="auto", sample_every=1000)

    def __init__(self, args: RunArgs, d: Dist, config: GANConfig | None = None):
        self.args, self.d = args, d
        self.config = config or config_for(args)
        self.grid_y, self.grid_columns = grid_labels(self.config.num_classes, 6 if self.config.image_size < 64 else 4)
        cl = torch.channels_last                                   # faster convolutions on CPU and GPU
        self.G = Generator(self.config).to(d.device, memory_format=cl)
        self.D = Discriminator(self.config).to(d.device, memory_format=cl)
        self.G_ema = EMA(self.G, beta=0.999)
        self.g_net, self.d_net = wrap_ddp(self.G, d), wrap_ddp(self.D, d)
        # β₁ = 0 (Miyato et al.) is the shipped recipe; the Train tab's presets use β₁ = 0.5 with lr 1e-3,
        # which learns shapes within a few hundred steps on a folder of 1,000 images (β₁ = 0 at 2e-4: none by 600)
        betas = (0.0 if args.beta1 is None else args.beta1, 0.9 if args.beta1 is None else 0.999)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=args.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=args.lr, betas=betas)
        self.modules = {"G": self.G, "D": self.D, "G_ema": self.G_ema.module}
        self.optimizers = {"G": self.opt_g, "D": self.opt_d}

    def _fake(self, b: int, g: torch.Generator):
        dev = self.d.device
        z = torch.randn(b, self.config.z_dim, generator=g).to(dev)
        y = torch.randint(0, self.config.num_classes, (b,), generator=g).to(dev)
        return self.g_net(z, y), y

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> dict[str, float]:
        g = torch.Generator().manual_seed(step_seed(self.args.seed, step, self.d))
        b = x.shape[0]
        x = x.contiguous(memory_format=torch.channels_last)
        self.G.train()
        self.D.train()
        # ---- D step: real up, fake down (hinge)
        with torch.no_grad(), autocast(self.d, self.args.precision):
            fake, y_fake = self._fake(b, g)
        with autocast(self.d, self.args.precision):
            d_real, d_fake = self.d_net(x, y).float(), self.d_net(fake, y_fake).float()
        loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        # ---- G step: make D call fakes real
        with autocast(self.d, self.args.precision):
            fake, y_fake = self._fake(b, g)
            loss_g = -self.d_net(fake, y_fake).float().mean()
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.G_ema.update(self.G, step)
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item(),
                "d_real": d_real.mean().item(), "d_fake": d_fake.mean().item()}

    @torch.no_grad()
    def sample_grid(self, generator: torch.Generator) -> torch.Tensor:
        """A column per class (`grid_labels`): (rows · cols, C, S, S) in [-1, 1]."""
        z = torch.randn(len(self.grid_y), self.config.z_dim, generator=generator).to(self.d.device)
        return self.G_ema.module.eval()(z, self.grid_y.to(self.d.device))

    @torch.no_grad()
    def generate(self, model: Generator, n: int, generator: torch.Generator) -> torch.Tensor:
        """n samples of the exported G, classes uniform: (n, C, S, S) in [-1, 1] (for eval_generic)."""
        device = next(model.parameters()).device
        z = torch.randn(n, self.config.z_dim, generator=generator)
        y = torch.randint(0, self.config.num_classes, (n,), generator=generator)
        parts = [model.eval()(zb.to(device), yb.to(device)).cpu() for zb, yb in zip(z.split(250), y.split(250))]
        return torch.cat(parts)

    def export(self, images: torch.Tensor, labels: torch.Tensor):
        G = self.G_ema.module
        # the shipped Fashion recipe averages 40 batches; 8 (2,048 samples) are plenty for other data, and fast
        standing_stats(G, self.config, seed=self.args.seed, batches=40 if self.args.fashion_standard else 8)
        return G, config_dict(self.config)

    def evaluate(self, model, classifier) -> dict:
        return eval_gan_model(model, classifier, samples=self.args.eval_samples, seed=self.args.seed)


@torch.no_grad()
def standing_stats(G: Generator, config: GANConfig, seed: int = 0, batches: int = 40, batch: int = 256) -> None:
    """Recompute the EMA generator's batch-norm statistics from its own samples ("standing statistics",
    Brock et al. 2019): the running averages copied from the raw G do not match the averaged weights."""
    norms = [m for m in G.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None                                       # cumulative average over the batches
    g = torch.Generator().manual_seed(seed + 12_345)
    device = next(G.parameters()).device
    G.train()
    for _ in range(batches):
        z = torch.randn(batch, config.z_dim, generator=g).to(device)
        y = torch.randint(0, config.num_classes, (batch,), generator=g).to(device)
        G(z, y)
    G.eval()
    for m in norms:
        m.momentum = 0.1
