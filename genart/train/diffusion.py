"""Train the class-conditional diffusion model: forward noising, learn to reverse it.

    t ~ U{0..T−1},  ε ~ N(0, I),  x_t = α_t x_0 + σ_t ε                  (forward process q)
    L = E[ w(t) ‖v̂_θ(x_t, t, y) − v‖² ],  v = α_t ε − σ_t x_0          (v-prediction, Salimans & Ho 2022)
    w(t) = min(SNR_t, γ) / (SNR_t + 1)                                   (min-SNR-γ, Hang et al. 2023, γ = 5)
The schedule and the prediction come from the config (`schedule_for`); with prediction "eps" the
target is ε and min-SNR's weight is min(SNR_t, γ) / SNR_t (the same weight on the x̂_0 error).
Labels are dropped to the null class with p = 0.1 so one network also learns p(x) — classifier-
free guidance at sampling time. EMA of the weights is what the studio ships.
"""

from __future__ import annotations

import torch

from genart.diffusion.sampling import guided, sample
from genart.diffusion.schedules import Schedule, q_sample, schedule_for, target
from genart.eval.evaluate import eval_diffusion_model
from genart.models.unet import UNet, UNetConfig, config_dict
from genart.train.common import EMA, Dist, RunArgs, autocast, grid_labels, lr_factor, step_seed, wrap_ddp

P_UNCOND = 0.1
MIN_SNR_GAMMA = 5.0
GRID_STEPS = 10                       # DDIM steps of the sample grids a run writes


def config_for(args: RunArgs) -> UNetConfig:
    """The U-Net a run builds: the data's shape and classes; --width sets the base width c."""
    width = {} if args.width is None else {"channels": args.width}
    return UNetConfig(num_classes=args.num_classes, image_size=args.size, image_channels=args.channels, **width)


class DiffusionTask:
    family = "diffusion"
    # the shipped recipe (diffusion/fashion-v1's last phase; its card records the first phase too):
    # `python -m genart train diffusion` with no flags runs it
    recipe = dict(steps=6500, batch_size=128, lr=1e-3, precision="bf16", sample_every=1000)

    def __init__(self, args: RunArgs, d: Dist, config: UNetConfig | None = None):
        self.args, self.d = args, d
        self.config = config or config_for(args)
        # a grid costs 2 · GRID_STEPS network passes per image (guided DDIM): 2 rows, 10 steps keep the
        # status grid near 10 training steps' worth of compute
        self.grid_y, self.grid_columns = grid_labels(self.config.num_classes, 2)
        # eval_generic: DDIM-20 samples; 200 at ≤ 32 px take ~17 s on 2 idle cores (100: 8.5 s, measured)
        self.eval_generic_samples = 200 if self.config.image_size <= 32 else 100
        self.schedule = schedule_for(self.config)
        # channels_last helps on a GPU; on CPU with bf16 it is slower (144 vs 185 img/s, one thread)
        self.memory_format = torch.channels_last if d.device.type == "cuda" else torch.contiguous_format
        self.model = UNet(self.config).to(d.device, memory_format=self.memory_format)
        self.ema = EMA(self.model, beta=0.999)
        self.net = wrap_ddp(self.model, d)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=args.lr, weight_decay=0.0)
        self.modules = {"model": self.model, "ema": self.ema.module}
        self.optimizers = {"opt": self.opt}
        self.warmup = max(1, min(1000, args.steps // 20))

    def loss(self, x0: torch.Tensor, y: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        b = x0.shape[0]
        t = torch.randint(0, self.config.T, (b,), generator=g)
        eps = torch.randn(x0.shape, generator=g)
        drop = torch.rand(b, generator=g) < P_UNCOND
        t, eps, drop = t.to(x0.device), eps.to(x0.device), drop.to(x0.device)
        y = torch.where(drop, torch.full_like(y, self.config.num_classes), y)
        x_t = q_sample(self.schedule, x0, t, eps).contiguous(memory_format=self.memory_format)
        goal = target(self.schedule, x0, t, eps)                                    # v or ε
        w = min_snr_weight(self.schedule, t).to(x0.device)                          # (B,)
        with autocast(self.d, self.args.precision):
            out = self.net(x_t, t, y).float()
        return (w * (out - goal).pow(2).flatten(1).mean(1)).mean()

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> dict[str, float]:
        g = torch.Generator().manual_seed(step_seed(self.args.seed, step, self.d))
        for group in self.opt.param_groups:
            group["lr"] = self.args.lr * lr_factor(step, self.args.steps, self.warmup)
        self.net.train()
        loss = self.loss(x, y, g)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.ema.update(self.model, step)
        return {"loss": loss.item()}

    @torch.no_grad()
    def sample_grid(self, generator: torch.Generator) -> torch.Tensor:
        """A column per class (`grid_labels`): guided (w = 2) DDIM-10 samples (rows · cols, C, S, S)."""
        return self.generate(self.ema.module, len(self.grid_y), generator, self.grid_y, steps=GRID_STEPS)

    @torch.no_grad()
    def generate(self, model: UNet, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
                 steps: int = 20, guidance: float = 2.0) -> torch.Tensor:
        """n guided DDIM samples, classes uniform unless `labels` (n,) are given: (n, C, S, S) in [-1, 1]."""
        device, c = next(model.parameters()).device, self.config
        if labels is None:
            labels = torch.randint(0, c.num_classes, (n,), generator=generator)
        x_T = torch.randn(n, c.image_channels, c.image_size, c.image_size, generator=generator)
        out = []
        for x, y in zip(x_T.split(250), labels.split(250)):
            fn = guided(model.eval(), y.to(device), guidance, c.num_classes)
            out.append(sample(fn, self.schedule, "ddim", x.to(device), steps, generator).cpu())
        return torch.cat(out)

    def export(self, images: torch.Tensor, labels: torch.Tensor):
        return self.ema.module, config_dict(self.config)

    def evaluate(self, model, classifier) -> dict:
        return eval_diffusion_model(model, classifier, samples=min(self.args.eval_samples, 500), steps=25,
                                    seed=self.args.seed)


def min_snr_weight(schedule: Schedule, t: torch.Tensor, gamma: float = MIN_SNR_GAMMA) -> torch.Tensor:
    """min-SNR-γ (Hang et al. 2023, eq. 8–9): min(SNR_t, γ) / (SNR_t + 1) on the v loss, / SNR_t on the ε loss."""
    snr = schedule.snr(t).float()
    return snr.clamp(max=gamma) / (snr + 1 if schedule.prediction == "v" else snr)
