"""The shared training loop: seeds, data shards, EMA, progress, samples, resume, DDP, export.

A family (train/classifier.py, train/vae.py, ...) describes itself as a `Task`: the modules and
optimizers it trains, one optimisation step on a batch, a sample grid and the inference model to
export. `run` does everything else the same way for all of them:

    for step in range(start, steps):  losses = task.train_step(x, y, step)   # (B, C, S, S), (B,)
        every sample_every: write a grid;   every ckpt_minutes: write runs/<family>/state.pt
        with --status-dir: status.json every second, the fixed-seed grid.png every --grid-seconds
    finally: export the EMA/inference weights + model card to assets/checkpoints/<family>/<stem>-vN

Under `torchrun --nproc_per_node=N` each process trains on its own shard of every epoch and
the task wraps its trainable module in DistributedDataParallel (gloo on CPU, nccl on GPU).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import shlex
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from genart.core.checkpoints import git_commit, save_checkpoint
from genart.core.device import get_device
from genart.core.paper import paper_colour
from genart.core.registry import Registry
from genart.data.datasets import CLASSES
from genart.eval.evaluate import eval_generic
from genart.train.portable import read_state
from genart.train.status import StatusWriter


# ----------------------------------------------------------------------------- distributed
@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_dist() -> Dist:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); pick this rank's device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    device = get_device()
    if world == 1:
        return Dist(0, 1, device)
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Dist(rank, world, device)


def wrap_ddp(module: nn.Module, d: Dist) -> nn.Module:
    if d.world == 1:
        return module
    from torch.nn.parallel import DistributedDataParallel as DDP
    return DDP(module, device_ids=[d.device.index] if d.device.type == "cuda" else None)


def teardown_dist() -> None:
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def autocast(d: Dist, precision: str = "auto"):
    """Mixed precision for the forward pass (bfloat16: no loss scaling; weights and optimizer stay fp32).

    "auto": bf16 on a GPU, fp32 on CPU; "bf16": also on CPU (1.6× faster U-Net training on CPUs with
    AVX512-BF16, measured here); "fp32": never."""
    if precision == "bf16" or (precision == "auto" and d.device.type == "cuda"):
        return torch.autocast(d.device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


# ----------------------------------------------------------------------------- data
def batches(n: int, batch_size: int, seed: int, d: Dist, start_step: int = 0) -> Iterator[np.ndarray]:
    """Endless index batches: epoch e is a permutation from seed+e; rank r takes its stride of it.

    Deterministic in (seed, step), so a resumed run sees exactly the batches it would have seen.
    """
    per_rank = n // d.world
    per_epoch = max(1, per_rank // batch_size)
    epoch, offset = divmod(start_step, per_epoch)
    while True:
        order = np.random.default_rng(seed + epoch).permutation(n)[d.rank::d.world][:per_rank]
        for i in range(offset, per_epoch):
            yield order[i * batch_size:(i + 1) * batch_size]
        epoch, offset = epoch + 1, 0


# ----------------------------------------------------------------------------- EMA
class EMA:
    """Exponential moving average of a module's weights: θ_ema ← β θ_ema + (1 − β) θ.

    Not torch.optim.swa_utils.AveragedModel + get_ema_multi_avg_fn: that has no β warm-up (on a 300-step
    tiny classifier run its average stayed near the init: test accuracy 0.33 against 0.79 here) and keeps
    its own `n_averaged` and a `module.` prefix in state_dict, which the resume states do not have.
    AveragedModel with a warm-up avg fn reproduces these weights exactly, but only with a priming copy and
    n_averaged re-derived from the step after --resume: no shorter than this class."""

    def __init__(self, module: nn.Module, beta: float = 0.999):
        self.beta = beta
        self.module = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module, step: int) -> None:
        """β warms up as min(β, (1 + step) / (10 + step)), so early averages are not stuck at init."""
        beta = min(self.beta, (1 + step) / (10 + step))
        for e, p in zip(self.module.parameters(), module.parameters()):
            e.lerp_(p.detach(), 1.0 - beta)
        for e, b in zip(self.module.buffers(), module.buffers()):
            e.copy_(b)


# ----------------------------------------------------------------------------- tasks
class Task(Protocol):
    """One family's training. `run` hands it everything it uses: batches, the step, the training set at
    export (`images` (N, C, S, S), `labels` (N,): the VAE's slider directions come from them) and the
    feature classifier from --ckpt-dir that judges its samples (None when training the classifier).
    The generative families also give `generate(model, n, generator)` → (n, C, S, S), which
    evaluate.eval_generic measures when the data is not all of Fashion-MNIST at 28 px gray, and
    `grid_columns`, the columns of their sample grid (a column per class)."""
    family: str
    recipe: dict                                   # the shipped run's RunArgs values (steps, batch_size, lr, ...)
    modules: dict[str, nn.Module]                  # everything saved for resume (incl. EMA copies)
    optimizers: dict[str, torch.optim.Optimizer]

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> dict[str, float]: ...
    def sample_grid(self, generator: torch.Generator) -> torch.Tensor: ...   # (N, C, S, S) in [-1, 1]
    def export(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[nn.Module, dict]: ...  # model, config
    def evaluate(self, model: nn.Module, classifier: nn.Module | None) -> dict: ...          # card's metrics


@dataclass
class RunArgs:
    """One training run. The defaults here are small, for tests; each Task's `recipe` holds its shipped
    run's values, which `python -m genart train <family>` uses for every flag not given."""
    family: str
    data: str = "fashion-mnist"
    steps: int = 1000
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    out: Path = Path("runs")
    ckpt_dir: Path = Path("assets/checkpoints")
    resume: Path | None = None
    sample_every: int = 500
    ckpt_minutes: float = 3.0
    eval_samples: int = 2000
    no_export: bool = False
    precision: str = "auto"                            # autocast: auto (bf16 on GPU), bf16, fp32
    history: list = field(default_factory=list)        # earlier phases of a resumed run: command, until_step
    size: int = 28                                     # image side S (28, 32, 64)
    channels: int = 1                                  # image channels C (1 gray, 3 RGB)
    width: int | None = None                           # the model's base width; None: its config's default
    classes: tuple[str, ...] | None = None             # a subset of the data's classes (labels become 0..k−1)
    name: str | None = None                            # export stem: <ckpt_dir>/<family>/<name>-vN
    status_dir: Path | None = None                     # live status for a watcher (train/status.py)
    grid_seconds: float = 5.0                          # refresh the status sample grid this often
    beta1: float | None = None                         # GAN: Adam β₁ (None: the recipe's 0.0)
    num_classes: int = 10                              # K, from the data (not a flag)

    @property
    def fashion_standard(self) -> bool:
        """All of Fashion-MNIST at 28 px gray: what the Fashion classifier can judge."""
        return self.data == "fashion-mnist" and not self.classes and self.size == 28 and self.channels == 1

    def default_stem(self) -> str:
        """The export stem when --name is absent: fashion (+ classes, size, colour when not standard), or the
        folder's name."""
        if self.data != "fashion-mnist":
            return Path(self.data).name
        parts = ["fashion", *(_slug(c) for c in self.classes or ())]
        parts += [f"{self.size}px"] if self.size != 28 else []
        parts += ["rgb"] if self.channels == 3 else []
        return "-".join(parts)


def _slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def lr_factor(step: int, total: int, warmup: int) -> float:
    """Learning-rate multiplier: linear warm-up over `warmup` steps, then cosine decay to 0 at `total`."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


def step_seed(seed: int, step: int, d: Dist) -> int:
    """The seed of one optimisation step on one rank: batches' noise, dropout and augmentation are a
    function of (seed, step, rank), so a resumed run draws exactly what an uninterrupted one would."""
    return seed * 1_000_003 + step * d.world + d.rank


def seed_everything(seed: int) -> torch.Generator:
    torch.manual_seed(seed)
    np.random.seed(seed % (2 ** 32))
    return torch.Generator().manual_seed(seed)


def save_state(path: Path, task: Task, step: int, elapsed: float, args: RunArgs,
               final_losses: dict[str, float] | None = None) -> None:
    """Resume state (weights, EMA, optimizers, step): a local training file, never shipped. `final_losses`
    (the last steps' mean losses) travel in the history, for the card of a run published after a stop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    phase = {"command": recipe_command(args), "until_step": step, **({"final_losses": final_losses}
                                                                       if final_losses else {})}
    history = [*args.history, phase]
    state = {"step": step, "elapsed": elapsed, "seed": args.seed, "family": task.family, "history": history,
             "modules": {k: _unwrap(m).state_dict() for k, m in task.modules.items()},
             "optimizers": {k: o.state_dict() for k, o in task.optimizers.items()}}
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)                                    # atomic: an interrupted save never corrupts the last one


def load_state(path: Path, task: Task, args: RunArgs | None = None) -> tuple[int, float]:
    """Restore weights and optimizers; put the earlier phases' commands into args.history."""
    state = read_state(path)                             # a state.pt, or a folder (genart/train/portable.py)
    if args is not None:
        args.history = [h for h in state.get("history", []) if h["until_step"] <= args.steps]
    if state.get("family") != task.family:
        raise ValueError(f"{path} is a {state.get('family')} run, not {task.family}")
    for k, m in task.modules.items():
        _unwrap(m).load_state_dict(state["modules"][k])
    for k, o in task.optimizers.items():
        o.load_state_dict(state["optimizers"][k])
    return int(state["step"]), float(state["elapsed"])


def _unwrap(m: nn.Module) -> nn.Module:
    return m.module if hasattr(m, "module") and isinstance(m, nn.parallel.DistributedDataParallel) else m


def recipe_command(args: RunArgs) -> str:
    """The command that trains these weights again, every flag that shapes them spelled out (the families'
    default recipes may change later; a model card's command must keep meaning the same run)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    launcher = f"torchrun --nproc_per_node={world} -m genart" if world > 1 else "python -m genart"
    flags = ["train", args.family, "--data", str(args.data), "--steps", str(args.steps),
             "--batch-size", str(args.batch_size), "--lr", repr(float(args.lr)), "--seed", str(args.seed),
             "--precision", args.precision]
    if not args.fashion_standard:                                    # the shape a folder or a subset trains at
        flags += ["--size", str(args.size), "--channels", str(args.channels)]
    if args.classes:
        flags += ["--classes", ",".join(args.classes)]
    if args.width is not None:
        flags += ["--width", str(args.width)]
    if args.beta1 is not None:
        flags += ["--beta1", repr(float(args.beta1))]
    if args.name is not None:
        flags += ["--name", args.name]
    if args.resume is not None:
        flags += ["--resume", str(args.resume)]
    return launcher + " " + " ".join(shlex.quote(f) for f in flags)


def grid_labels(num_classes: int, rows: int) -> tuple[torch.Tensor, int]:
    """The labels of a sample grid, row-major, and its number of columns: a column per class (the first 10);
    with fewer than 10 classes each class gets ⌊10 / K⌋ neighbouring columns. (rows · cols,), cols."""
    k = min(num_classes, 10)
    per = max(1, 10 // k)
    row = torch.arange(k).repeat_interleave(per)                                # (cols,)
    return row.repeat(rows), len(row)


def write_grid(samples: torch.Tensor, path: Path, nrow: int = 10) -> None:
    """Samples (N, C, H, W) in [-1, 1] → one PNG (gray or RGB), `nrow` to a row with 2-px gaps, enlarged 3×
    (nearest)."""
    from PIL import Image
    from torchvision.utils import make_grid
    if len(samples) == 0:
        return
    grid = make_grid(samples.detach().float().cpu(), nrow=nrow, padding=2, normalize=True, value_range=(-1, 1))
    grid = grid[0] if samples.shape[1] == 1 else grid.permute(1, 2, 0)            # (H', W') or (H', W', 3)
    img = (grid * 255).round().to(torch.uint8).numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).resize((img.shape[1] * 3, img.shape[0] * 3), Image.Resampling.NEAREST).save(path)


# ----------------------------------------------------------------------------- the loop
def run(task: Task, images: torch.Tensor, labels: torch.Tensor, args: RunArgs, d: Dist,
        card_extra: dict | None = None, log: Callable[[str], None] = print,
        classes: list[str] | None = None) -> Path | None:
    """Train `task` for args.steps on images (N, C, S, S) / labels (N,); export; return the card path.

    With args.status_dir the run's live status (losses, img/s, a fixed-seed sample grid every
    args.grid_seconds) is written there, and its end: finished, stopped (Ctrl-C / SIGTERM; the resume
    state is saved first) or failed (with the error)."""
    status = None
    if d.main and args.status_dir is not None:
        status = StatusWriter(args.status_dir, task.family, args.steps, _resume_step(args))
    try:
        path = _run(task, images, labels, args, d, card_extra, log, classes, status)
    except KeyboardInterrupt:
        if status is not None:
            status.finish("stopped")
        raise
    except Exception as e:
        if status is not None:
            status.finish("failed", error=f"{type(e).__name__}: {e}")
        raise
    if status is not None:
        status.finish("finished")
    return path


def _resume_step(args: RunArgs) -> int:
    if args.resume is None:
        return 0
    return int(read_state(args.resume)["step"])


GRID_SEED = 20_240_601                                     # the status grid: the same latents every time


def _run(task: Task, images: torch.Tensor, labels: torch.Tensor, args: RunArgs, d: Dist, card_extra: dict | None,
         log: Callable[[str], None], classes: list[str] | None, status) -> Path | None:
    judge = None                                           # the feature classifier for the card's metrics:
    judged = task.family == "classifier" or args.fashion_standard    # only all of Fashion-MNIST at 28 px gray
    if d.main and not args.no_export and task.family != "classifier" and judged:   # load it now, not after
        judge = Registry(args.ckpt_dir).get("classifier/fashion")
    run_dir = Path(args.out) / task.family
    state_path = run_dir / "state.pt"
    start, elapsed = 0, 0.0
    if args.resume is not None:
        start, elapsed = load_state(Path(args.resume), task, args)
        if d.main:
            log(f"resumed {args.resume} at step {start}")
    generator = torch.Generator().manual_seed(args.seed + 1)
    nrow = getattr(task, "grid_columns", 10)

    def status_grid(step: int) -> float:
        """The fixed-seed grid into the status folder; returns the seconds it took."""
        t = time.time()
        status.grid(task.sample_grid(torch.Generator().manual_seed(GRID_SEED)), step, nrow=nrow)
        return time.time() - t

    index_stream = batches(len(images), args.batch_size, args.seed, d, start)
    bar = tqdm(range(start, args.steps), initial=start, total=args.steps, disable=not d.main,
               desc=f"train {task.family}", dynamic_ncols=True, mininterval=2.0)
    commit = git_commit()                                  # the code that trains, not the code at export
    t0, last_save, seen = time.time(), time.time(), 0
    losses: dict[str, float] = {}
    recent: list[dict[str, float]] = []                    # the last 50 steps' losses, for the card

    def mean_recent() -> dict[str, float]:
        return {k: round(sum(r[k] for r in recent) / len(recent), 5) for k in recent[-1]} if recent else {}
    next_grid = 0.0                                        # time of the next status grid (0: after the first step)
    step = start
    try:
        for step in bar:
            torch.manual_seed(step_seed(args.seed, step, d))                    # dropout etc.: a function of the step
            idx = torch.from_numpy(next(index_stream))
            x, y = images[idx].to(d.device, non_blocking=True), labels[idx].to(d.device, non_blocking=True)
            losses = task.train_step(x, y, step)
            recent = [*recent[-49:], losses]
            seen += len(idx) * d.world
            if d.main:
                rate = seen / max(time.time() - t0, 1e-6)
                bar.set_postfix({**{k: f"{v:.4f}" for k, v in losses.items()}, "img/s": f"{rate:.0f}"}, refresh=False)
                if status is not None:
                    status.step(step, losses, seen)
                    if time.time() >= next_grid:
                        took = status_grid(step + 1)
                        # the grid costs at most ~1/4 of the time (a diffusion grid is 50 network passes)
                        next_grid = time.time() + max(args.grid_seconds, 3 * took)
                if args.sample_every and (step + 1) % args.sample_every == 0:
                    write_grid(task.sample_grid(generator), run_dir / "samples" / f"step{step + 1:07d}.png", nrow)
                if time.time() - last_save > args.ckpt_minutes * 60:
                    save_state(state_path, task, step + 1, elapsed + time.time() - t0, args, mean_recent())
                    last_save = time.time()
        step = args.steps
    except KeyboardInterrupt:
        if d.main:
            log(f"interrupted at step {step}; state saved to {state_path}; continue with --resume {state_path}")
            save_state(state_path, task, step, elapsed + time.time() - t0, args, mean_recent())
        raise
    wall = elapsed + time.time() - t0
    if not d.main:
        return None
    save_state(state_path, task, step, wall, args, mean_recent())
    img_per_s = (seen / max(time.time() - t0, 1e-6) if seen      # a publish-only run (--resume at the last step)
                 else step * args.batch_size * d.world / max(wall, 1e-6))   # trains nothing: the earlier phases' rate
    log(f"trained {task.family} to step {step} in {wall:.0f} s ({img_per_s:.0f} img/s); last losses {losses}")
    if status is not None and status.info.get("grid_step") != step:
        status_grid(step)
    if args.no_export:
        return None
    model, config = task.export(images, labels)
    model.eval()
    if judged:
        metrics = task.evaluate(model, judge)
    else:
        metrics = eval_generic(task, model, images, seed=args.seed)
    earlier = [h.get("final_losses") for h in args.history if h["until_step"] == step]
    final_losses = mean_recent() or (earlier[-1] if earlier else None)       # published after a stop: the
    if final_losses:                                                          # losses the stopped run saved
        metrics["final_losses"] = final_losses
    log("metrics: " + json.dumps(metrics))
    stem = args.name or args.default_stem()
    card = {
        "name": f"{task.family}/{stem}",
        "family": task.family, "config": config, "metrics": metrics,
        "classes": list(classes) if classes is not None else _default_classes(args),
        "training": {"command": recipe_command(args), "git_commit": commit, "steps": step,
                     "resumed_from": [h for h in args.history if h["until_step"] <= step],
                     "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed, "world_size": d.world,
                     "precision": args.precision,
                     "wall_time_s": round(wall, 1), "img_per_s": round(img_per_s, 1),
                     "device": _device_name(d.device), "dataset": args.data,
                     "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
        "paper": paper_colour(images),                      # what a sketch canvas offers for it (genart.core.paper)
        **(card_extra or {}), **getattr(task, "card_extra", {}),
    }
    path = save_checkpoint(Path(args.ckpt_dir) / task.family, stem, _unwrap(model).state_dict(), card)
    log(f"exported {path}")
    return path


def _default_classes(args: RunArgs) -> list[str]:
    if args.classes:
        return list(args.classes)
    return list(CLASSES) if args.data == "fashion-mnist" else [str(i) for i in range(args.num_classes)]


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"
