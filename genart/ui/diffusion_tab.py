"""Diffusion, step by step: watch noise become a garment.

Sample with any sampler and see inside every step (x_t, the predicted clean image x̂_0 and the
predicted noise ε̂); scrub the finished run on a timeline (no recomputation) with the noise level
marked; export it as a GIF; rewind to any step and branch with another seed, class or guidance;
or start from a sketch (SDEdit).
"Run it backwards" inverts a garment to its x_T (DDIM inversion) and regenerates from there, with the
same or another class and guidance.
"Repaint a part" resamples only a masked region (RePaint).
The actions themselves are Gradio-free in genart/studio/diffusion.py; this module keeps the browser's handlers,
thin wrappers that hand Gradio's progress bar to the streaming actions, and `build()`.
Every part works with every diffusion model of the registry: a 28-px grayscale one sees a sketch as a garment,
any other the picture's centre square at its size; "any" class means the class the picture reads as (the
Fashion-MNIST classifier for the shipped model, the model itself for the others: zero_shot.py).
Public API: /diffusion_sample, /diffusion_img2img, /diffusion_inpaint (streaming), /diffusion_invert.
"""

from __future__ import annotations

import copy
import functools

import gradio as gr
import numpy as np
import torch

from genart.core import records
from genart.core.images import write_gif
from genart.core.paper import WHITE
from genart.core.registry import Registry
from genart.data.datasets import to_uint8
from genart.diffusion.sampling import SAMPLERS, STOCHASTIC, sdedit_start
from genart.diffusion.spacing import SPACINGS, timesteps_for
from genart.serve.refusals import QUICK, SLOW, user_errors
from genart.studio import diffusion as core
from genart.studio.diffusion import (
    DEFAULT_KNOBS,
    FAMILY,
    INPAINT_STEPS,
    INVERT_STEPS,
    LABELS,
    MAX_STEPS,
    NAME,
    changed,
    check,
    checked,
    img2img_start,
    info_line,
    inpaint_start,
    inside,
    invert_garment,
    invert_start,
    knobs,
    knobs_text,
    label_index,
    label_of,
    picture,
    race,
    run,
    schedule_of,
    start_noise,
    unet,
    views,
)
from genart.studio.inputs import (
    drawing_hint,
    enlarge,
    image_shape,
    number,
    pixels,
    seed_of,
)
from genart.ui.widgets import (
    bind,
    label_choices,
    model_choices,
    model_picker,
    new_choices,
    out_of_date,
    sketchpad,
    ui_action,
    warn_if_not_a_garment,
)


def sample(registry: Registry, seed: int = 0, label: str = "any", sampler: str = "ddim", steps: int = 25,
           guidance: float = 2.0, spacing: str = "uniform", eta: float = 0.0, guidance_rescale: float = 0.0,
           model: str = NAME, progress=gr.Progress()):
    """/diffusion_sample (genart/studio/diffusion.py `sample`), with Gradio's progress bar."""
    yield from core.sample(registry, seed, label, sampler, steps, guidance, spacing, eta, guidance_rescale, model,
                           progress=progress)


def img2img(registry: Registry, sketch, strength: float = 0.6, seed: int = 0, label: str = "any",
            sampler: str = "ddim", steps: int = 25, guidance: float = 2.0, spacing: str = "uniform",
            eta: float = 0.0, guidance_rescale: float = 0.0, model: str = NAME, progress=gr.Progress()):
    """/diffusion_img2img: genart/studio/diffusion.py `img2img`, with Gradio's progress bar."""
    yield from core.img2img(registry, sketch, strength, seed, label, sampler, steps, guidance, spacing, eta,
                            guidance_rescale, model, progress)


def inpaint(registry: Registry, image, mask, seed: int = 0, label: str = "any", sampler: str = "ddpm",
            steps: int = INPAINT_STEPS, guidance: float = 2.0, model: str = NAME, progress=gr.Progress()):
    """/diffusion_inpaint: genart/studio/diffusion.py `inpaint`, with Gradio's progress bar."""
    yield from core.inpaint(registry, image, mask, seed, label, sampler, steps, guidance, model, progress)


# ---- browser handlers: the trace of a run lives in session state for the timeline and branching


def timeline(trace: dict, k: int) -> gr.Slider:
    return gr.Slider(minimum=1, maximum=max(2, len(trace["frames"])), value=k, step=1)


def stream(registry: Registry, x, ts, start, sampler, seed, lab, guidance, progress, trace, record: dict,
           k: dict | None = None, name: str = NAME):
    """Run and show every step; the final image carries `record`. `k`: the optional knobs (`knobs`)."""
    k = k or DEFAULT_KNOBS
    step = None
    classes = registry.classes(name)
    for step, grown in run(registry, x, ts, start, sampler, seed, lab, guidance, progress, trace,
                           eta=k["eta"], guidance_rescale=k["guidance_rescale"], name=name):
        big, strip, plot = views(registry, grown, step.index)
        yield (big, strip, plot, info_line(step, len(ts), sampler, seed, lab, guidance, classes) + knobs_text(k),
               grown, timeline(grown, step.index + 1))
    if step is not None:
        trace = grown                                                   # the trace as the run left it
        trace["final"] = pixels(step.x_next)[0]
        trace["x_final"] = step.x_next.cpu()[0].tolist()                # (C, S, S) on [-1, 1], for errors
        trace["record"] = record
        final = records.as_download(records.stamp(enlarge(trace["final"], 336), record))
        line = info_line(step, len(ts), sampler, seed, lab, guidance, classes) + knobs_text(k) + " · done"
        yield final, strip, plot, line, trace, timeline(trace, len(trace["frames"]))


def ui_sample(registry: Registry, seed, label, sampler, steps, guidance, spacing="uniform", eta=0.0,
              guidance_rescale=0.0, model=NAME, progress=gr.Progress()):
    model = checked(registry, model)
    sampler, steps, guidance = check(sampler, steps, guidance)
    k = knobs(spacing, eta, guidance_rescale)
    seed, lab = seed_of(seed), label_index(label, unet(registry, model).config.num_classes, registry.classes(model))
    ts = timesteps_for(schedule_of(registry, model), steps, k["spacing"])
    params = {"seed": seed, "label": label or "any", "sampler": sampler, "steps": steps, "guidance": guidance,
              **changed(k)}
    trace = {"timesteps": ts, "frames": [], "xs": [], "params": params}
    if sampler == "heun" and k["spacing"] == "uniform":
        gr.Warning("Heun on uniform steps is unstable on this model's schedule (σ/α reaches 2·10⁴ at t = 999, and "
                   "the first step's two slopes differ): pick log-SNR or Karras spacing under Advanced.")
    rec = records.of_model(registry, "diffusion_sample", model, params)
    yield from stream(registry, start_noise(seed, image_shape(registry, model)), ts, 0, sampler, seed, lab, guidance,
                      progress, trace, rec, k, model)


def ui_labels(registry: Registry, model, label, s_label="any", inv_label="any", regen_label="same", p_label="any"):
    """The class lists of Sample, Sketch, Invert (its class and "regenerate as") and Repaint for the model
    picked, each label kept where the model has it; an unknown model (a restored setting whose model is gone)
    leaves them as they are: the actions then say which models there are."""
    try:
        model = checked(registry, model)
    except ValueError:
        return (gr.skip(),) * 5
    return (*(label_choices(registry, model, lab) for lab in (label, s_label, inv_label)),
            new_choices(["same", "any", *registry.classes(model)], regen_label, "same"),
            label_choices(registry, model, p_label))


def ui_img2img(registry: Registry, sketch, strength, seed, label, sampler, steps, guidance, spacing="uniform",
               eta=0.0, guidance_rescale=0.0, model=NAME, progress=gr.Progress()):
    model = checked(registry, model)
    x, ts, lab, guess, params, x0 = img2img_start(registry, sketch, strength, seed, label, sampler, steps, guidance,
                                                  spacing, eta, guidance_rescale, model)
    if model == NAME:
        warn_if_not_a_garment(registry, to_uint8(x0)[0])               # the garment the sketch became, decoded once
    trace = {"timesteps": ts, "frames": [], "xs": [], "params": params}
    if label in (None, "", "any") and len(registry.classes(model)) > 1:
        how = ("the classifier on the sketch and on the model's own reading of it" if model == NAME else
               "the class whose condition denoises it best")
        gr.Info(f"Your sketch reads as {label_of(registry, model, guess)} ({how}); guiding toward it. "
                "Pick a class to choose yourself.")
    rec = records.of_model(registry, "diffusion_img2img", model, params, [records.make("sketch", {})])
    yield from stream(registry, x, ts, 0, params["sampler"], params["seed"], lab, params["guidance"], progress,
                      trace, rec, knobs(spacing, eta, guidance_rescale), model)


@functools.lru_cache(maxsize=4)
def _welcome_run(registry: Registry) -> tuple:
    *_, last = ui_sample(registry, 0, "any", "ddim", 25, 2.0, progress=None)
    return last


def welcome(registry: Registry):
    """What the tab shows when it opens: a finished DDIM-25 run of seed 0, computed once per studio
    (the same inputs give the same bytes) and copied for each visitor."""
    _, strip, plot, _, trace, line = _welcome_run(registry)
    big = records.as_download(records.stamp(enlarge(trace["final"], 336), trace["record"]))  # a fresh file
    return (big, strip, plot, "A finished run (seed 0, DDIM, 25 steps): scrub the timeline, or press Sample.",
            copy.deepcopy(trace), line)


def ui_preview_noised(registry: Registry, sketch, strength, seed, model=NAME):
    """Your sketch noised to `strength` as model `model` sees it: follows the drawing, an upload, a clear, the
    slider and the model picker."""
    try:
        model = checked(registry, model)
        x0 = picture(registry, model, sketch)                                                # no reading needed
    except (gr.Error, ValueError):
        return None                                                     # blank, or a model that is gone: nothing
    x, _ = sdedit_start(schedule_of(registry, model), x0, number(strength, "strength", 0.0, 1.0), 1,
                        torch.Generator().manual_seed(seed_of(seed)))
    return enlarge(to_uint8(x)[0], 224)


def ui_scrub(registry: Registry, trace, k):
    if not trace or not trace.get("frames"):
        return gr.skip(), gr.skip(), gr.skip(), "Run the sampler first."
    k = max(0, min(int(k) - 1, len(trace["frames"]) - 1))
    big, strip, plot = views(registry, trace, k)
    return big, strip, plot, f"showing step {k + 1}/{len(trace['frames'])} · t = {trace['timesteps'][k]}"


def ui_branch(registry: Registry, trace, k, seed, label, guidance, progress=gr.Progress()):
    if trace and trace.get("one_way") is False:
        raise ValueError("A repainted run goes back and forth between noise levels, so it cannot be branched; "
                         "scrub it on the timeline, or repaint again with another seed.")
    if not trace or not trace.get("xs"):
        raise ValueError("Run the sampler first, then pick a step on the timeline.")
    k = max(0, min(int(k) - 1, len(trace["xs"]) - 1))
    seed, guidance = seed_of(seed), number(guidance, "guidance", 0.0, 20.0)
    params = dict(trace["params"], seed=seed, label=label, guidance=guidance, branched_at=k + 1)
    name = trace.get("model", NAME)                               # the run's own model
    lab = label_index(label, unet(registry, name).config.num_classes, registry.classes(name))
    x = torch.tensor(trace["xs"][k])[None]                                                   # (1, C, S, S)
    rec = records.of_model(registry, "diffusion_branch", name, params, [trace["record"]] if trace.get("record") else [])
    kn = {**DEFAULT_KNOBS, **{key: params[key] for key in DEFAULT_KNOBS if key in params}}   # the run's own knobs
    yield from stream(registry, x, trace["timesteps"], k, params["sampler"], seed, lab, guidance, progress,
                      {**trace, "params": params}, rec, kn, name)


def ui_invert(registry: Registry, image, label, steps, model=NAME, progress=gr.Progress()):
    """Invert, then regenerate with the same class (guidance 1): x_T, the way back streamed into the step
    views, and the round-trip error; the inverted x_T waits in session state for 'regenerate'."""
    model = checked(registry, model)
    if progress is not None:
        progress(0, desc="Running it backwards (DDIM inversion)")
    x0, x_T, lab, ts, params = invert_start(registry, image, label, steps, model)
    noise_view = enlarge(to_uint8((x_T / 3).clamp(-1, 1))[0], 168)
    rec = records.of_model(registry, "diffusion_invert", model, params, [records.make("garment", {})])
    trace = {"timesteps": ts, "frames": [], "xs": [], "params": {**params, "sampler": "ddim", "guidance": 1.0}}
    inverted = {"x_T": x_T[0].tolist(), "label": lab, "timesteps": ts, "x0": x0[0].tolist(), "model": model}
    out = None
    for out in stream(registry, x_T, ts, 0, "ddim", 0, lab, 1.0, progress, trace, rec, name=model):
        yield (*out, noise_view, gr.skip(), inverted)
    mae = float((torch.tensor(out[4]["x_final"]) - x0[0]).abs().mean())
    summary = (f"x_T found in {len(ts)} inverse DDIM steps (as {label_of(registry, model, lab)}); DDIM from it "
               f"gives the picture back with mean absolute error {mae:.4f} (on [-1, 1]). Now pick another class or "
               f"guidance and regenerate from this x_T.")
    yield (*out[:3], out[3] + f" · round-trip error {mae:.4f}", *out[4:], noise_view, summary, inverted)


def ui_regenerate(registry: Registry, inverted, label, guidance, model=NAME, progress=gr.Progress()):
    """DDIM from the inverted x_T with another class or guidance: "this exact coat, as a dress". The x_T's
    own model regenerates it (the picker may have moved on since)."""
    if not inverted or "x_T" not in inverted:
        raise ValueError("Run a picture backwards first (Invert), then regenerate from its x_T.")
    name = checked(registry, inverted.get("model", NAME))
    guidance = number(guidance, "guidance", 0.0, 20.0)
    lab = label_index(label, unet(registry, name).config.num_classes, registry.classes(name)) \
        if label not in (None, "", "same") else inverted["label"]
    ts = inverted["timesteps"]
    params = {"label": label_of(registry, name, lab), "guidance": guidance, "sampler": "ddim",
              "steps": len(ts), "from": f"inverted {label_of(registry, name, inverted['label'])}"}
    rec = records.of_model(registry, "diffusion_regenerate", name, params, [records.make("garment", {})])
    trace = {"timesteps": ts, "frames": [], "xs": [], "params": {**params, "seed": 0}}
    x_T = torch.tensor(inverted["x_T"])[None]                                                # (1, C, S, S)
    out = None
    for out in stream(registry, x_T, ts, 0, "ddim", 0, lab, guidance, progress, trace, rec, name=name):
        yield out
    x0 = torch.tensor(inverted["x0"])
    diff = float((torch.tensor(out[4]["x_final"]) - x0).abs().mean())
    yield (*out[:3], out[3] + f" · differs from the original by {diff:.4f}", *out[4:])


def ui_inpaint(registry: Registry, editor, seed, label, sampler, steps, guidance, model=NAME,
               progress=gr.Progress()):
    """Repaint the part painted over in the editor (its first layer), every denoising move (jumps included)
    in the step views; the finished run scrubs on the timeline (branching needs a one-way run)."""
    model = checked(registry, model)
    if not isinstance(editor, dict) or not editor.get("background"):
        raise ValueError("Upload a picture into the editor first, then paint over the part to repaint.")
    if not editor.get("layers"):
        raise ValueError("Paint over the part to repaint (the brush), then press Repaint.")
    steps_, moves, params, chain, line = inpaint_start(registry, editor, None, seed, label, sampler, steps, guidance,
                                                       model)
    trace = {"timesteps": [], "frames": [], "xs": [], "params": params, "one_way": False, "model": model}
    step = None
    for step in steps_:
        trace["timesteps"].append(step.t)
        trace["frames"].append((to_uint8(step.x_t)[0], to_uint8(step.x0)[0], to_uint8((step.eps / 3).clamp(-1, 1))[0]))
        if progress is not None:
            progress((step.index + 1, moves), desc="Repainting")
        big, strip, plot = views(registry, trace, step.index)
        yield big, strip, plot, line(step), trace, timeline(trace, step.index + 1)
    if step is not None:
        trace["final"] = to_uint8(step.x_next)[0]
        rec = records.of_model(registry, "diffusion_inpaint", model, params, chain)
        trace["record"] = rec
        final = records.as_download(records.stamp(enlarge(trace["final"], 336), rec))
        yield final, strip, plot, line(step) + " · done", trace, timeline(trace, len(trace["frames"]))


def ui_race(registry: Registry, seed, label, steps, guidance, samplers, model=NAME, progress=gr.Progress()):
    """The race, live: while running each tile is that sampler's current x̂_0; at the end, its sample."""
    yield from race(registry, seed, label, steps, guidance, samplers, model)
    gr.Info("Distances are RMSE on [-1, 1] to dpm++2m at 100 steps (the ODE's solution): the deterministic "
            "samplers converge to it as steps grow; the stochastic ones sample elsewhere.")


def ui_gif(trace):
    if not trace or not trace.get("frames"):
        raise ValueError("Run the sampler first.")
    frames = [inside(a, b, c) for a, b, c in trace["frames"]]
    if "final" in trace:
        f = trace["final"]
        frames += [inside(f, f, np.full_like(f, 128))] * 6
    return str(write_gif(frames, duration_ms=100))


def build(registry: Registry) -> tuple[dict, dict]:
    """Lay out the tab inside the current Blocks and wire its events; → (its settings by key, hooks for the
    history: runs whose final image to keep, where a garment sent here goes)."""
    with gr.Tab("Diffusion", id="diffusion") as tab:
        gr.Markdown("Watch noise become a picture (a garment, with the Fashion-MNIST model): every step shows "
                    "x_t, the model's guess of the clean image x̂₀ and of the noise ε̂. Scrub the finished run, "
                    "rewind and branch, or start from a sketch."
                    if registry.available(NAME) else
                    "**The diffusion model is not trained yet.** Train it with `python -m genart train diffusion`.")
        trace = gr.State({})
        with gr.Row():
            with gr.Column(scale=1):
                model = model_picker(registry, FAMILY, NAME, "diff-model")
                with gr.Tabs() as sources:
                    with gr.Tab("Sample", id="sample"):
                        seed = gr.Number(0, precision=0, label="Seed", elem_id="diff-seed")
                        label = gr.Dropdown(LABELS, value="any", label="Class", elem_id="diff-label",
                                            allow_custom_value=True)
                        go = gr.Button("Sample", variant="primary", elem_id="diff-go")
                    with gr.Tab("Sketch", id="sketch"):
                        hint = gr.Markdown(drawing_hint(WHITE), elem_id="diff-sketch-hint")
                        sketch = sketchpad("Sketch", "diff-sketch", upload=True, registry=registry, model=model,
                                           hint=hint)
                        strength = gr.Slider(0.05, 1.0, 0.6, step=0.05, label="Strength (how much noise)",
                                             elem_id="diff-strength")
                        noised = gr.Image(label="Your sketch, noised to this strength", height=160,
                                          elem_classes=["pixelated"], interactive=False, elem_id="diff-noised")
                        with gr.Row():
                            s_seed = gr.Number(0, precision=0, label="Seed", elem_id="diff-sketch-seed")
                            s_label = gr.Dropdown(LABELS, value="any", label="Class ('any': as the sketch reads)",
                                                  elem_id="diff-sketch-label", allow_custom_value=True)
                        go_sketch = gr.Button("Dream from sketch", variant="primary", elem_id="diff-go-sketch")
                    with gr.Tab("Invert", id="invert"):
                        gr.Markdown("A picture → the noise x_T that DDIM turns into it (DDIM inversion), and back. "
                                    "Then regenerate from that x_T with another class or guidance: this exact "
                                    "coat, as a dress.")
                        inv_image = gr.Image(label="Picture (upload or paste one)", type="filepath", format="png",
                                             sources=["upload", "clipboard"], height=200, elem_id="diff-inv-image",
                                             elem_classes=["pixelated"])
                        use_result = gr.Button("Use the picture shown on the right", size="sm",
                                               elem_id="diff-inv-use")
                        with gr.Row():
                            inv_label = gr.Dropdown(LABELS, value="any", label="Its class ('any': as it reads)",
                                                    elem_id="diff-inv-label", allow_custom_value=True)
                            inv_steps = gr.Slider(5, MAX_STEPS, INVERT_STEPS, step=1, label="Inversion steps",
                                                  elem_id="diff-inv-steps")
                        go_invert = gr.Button("Run it backwards", variant="primary", elem_id="diff-go-invert")
                        inv_noise = gr.Image(label="Its x_T (÷3, grey = 0)", height=170, interactive=False,
                                             elem_classes=["pixelated"], elem_id="diff-inv-noise")
                        inv_summary = gr.Markdown(elem_id="diff-inv-summary")
                        with gr.Row():
                            regen_label = gr.Dropdown(["same", *LABELS], value="same", label="Regenerate as",
                                                      elem_id="diff-regen-label", allow_custom_value=True)
                            regen_guidance = gr.Slider(0, 8, 1.0, step=0.25, label="with guidance",
                                                       elem_id="diff-regen-guidance")
                        go_regen = gr.Button("Regenerate from this x_T", elem_id="diff-go-regen")
                        inverted = gr.State({})
                    with gr.Tab("Repaint", id="inpaint"):
                        gr.Markdown("Upload a picture, paint over a part (a sleeve, a collar) and resample only "
                                    "there, consistent with the rest (RePaint: every few steps it jumps back to "
                                    "more noise and denoises again, so both sides agree).")
                        ed = gr.ImageEditor(label="Picture: paint over the part to repaint", type="filepath",
                                            sources=["upload", "clipboard"], layers=False, transforms=(),
                                            brush=gr.Brush(default_size=3, colors=["#ff2d6f"], color_mode="fixed"),
                                            height=300, elem_id="diff-inpaint-editor")
                        use_for_inpaint = gr.Button("Use the picture shown on the right", size="sm",
                                                    elem_id="diff-inpaint-use")
                        with gr.Row():
                            p_seed = gr.Number(0, precision=0, label="Seed", elem_id="diff-inpaint-seed")
                            p_label = gr.Dropdown(LABELS, value="any", label="Class ('any': as it reads)",
                                                  elem_id="diff-inpaint-label", allow_custom_value=True)
                        go_inpaint = gr.Button("Repaint", variant="primary", elem_id="diff-go-inpaint")
                sampler = gr.Dropdown(list(SAMPLERS), value="ddim", label="Sampler", elem_id="diff-sampler")
                steps = gr.Slider(1, MAX_STEPS, 25, step=1, label="Steps", elem_id="diff-steps")
                guidance = gr.Slider(0, 8, 2.0, step=0.25, label="Guidance (classifier-free)", elem_id="diff-guidance")
                with gr.Accordion("Advanced: step spacing, DDIM η, guidance rescale", open=False,
                                  elem_id="diff-advanced"):
                    spacing = gr.Dropdown(list(SPACINGS), value="uniform", label="Step spacing (uniform in t, "
                                          "in log-SNR, or Karras σ)", elem_id="diff-spacing")
                    eta = gr.Slider(0, 1, 0.0, step=0.05, label="DDIM η (0: deterministic, 1: DDPM-like; ddim only)",
                                    elem_id="diff-eta")
                    rescale = gr.Slider(0, 1, 0.0, step=0.05, label="Guidance rescale φ (Lin et al.)",
                                        elem_id="diff-rescale")
                stop = gr.Button("Stop", variant="stop", elem_id="diff-stop")
            with gr.Column(scale=2):
                with gr.Row():
                    big = gr.Image(label="x_t", type="pil", format="png", height=336, elem_id="diff-out",
                                   elem_classes=["pixelated"], buttons=["download", "fullscreen"], interactive=False)
                    with gr.Column():
                        plot = gr.Image(label="Noise level (log SNR)", height=160, interactive=False,
                                        elem_id="diff-plot")
                        info = gr.Textbox(label="Step", interactive=False, elem_id="diff-info")
                        busy = gr.Markdown(elem_id="diff-progress", min_height=40)    # the one progress bar
                strip = gr.Image(label="Inside the step:  x_t  |  predicted clean x̂₀  |  predicted noise ε̂",
                                 height=240, elem_classes=["pixelated"], interactive=False, elem_id="diff-inside")
                steps_line = gr.Slider(1, 2, 1, step=1, label="Timeline (scrub the finished run)",
                                       elem_id="diff-timeline")
                with gr.Row():
                    branch = gr.Button("Rewind to this step and continue with the Sample tab's seed, class and "
                                       "guidance", elem_id="diff-branch")
                    gif_btn = gr.Button("Export run as GIF", elem_id="diff-gif")
                gif = gr.File(label="GIF", elem_id="diff-gif-file")
                with gr.Accordion("Sampler race: the same seed, class and x_T through several samplers, against a "
                                  "100-step reference", open=False, elem_id="diff-race"):
                    with gr.Row():
                        race_samplers = gr.CheckboxGroup(list(SAMPLERS), value=["ddim", "dpm++2m", "unipc",
                                                                                "euler_a"],
                                                         label="Samplers", elem_id="diff-race-samplers")
                        race_steps = gr.Slider(2, 50, 10, step=1, label="Steps each", elem_id="diff-race-steps")
                    go_race = gr.Button("Race (the Sample tab's seed, class and guidance)", elem_id="diff-go-race")
                    race_view = gr.Image(label="Each sampler's x̂₀ as it runs (RMSE to the reference)",
                                         interactive=False, elem_id="diff-race-view")
                    race_table = gr.Dataframe(headers=["sampler", "step", "network evaluations", "RMSE to reference",
                                                       "stochastic"], interactive=False, elem_id="diff-race-table")
                gr.Markdown("Branching keeps the run up to the chosen step. Class and guidance change every "
                            "sampler's path; the seed changes only stochastic ones ("
                            + ", ".join(STOCHASTIC) + ", and DDIM with η > 0). Heun evaluates the network twice "
                            "per step (the timeline shows the first); on this schedule it wants log-SNR spacing.")

        outs = [big, strip, plot, info, trace, steps_line]
        # one progress indicator, on its own line: the images and the step text being watched stay uncovered
        common = dict(api_visibility="private", show_progress="full", show_progress_on=[busy], **SLOW)
        knob_inputs = [spacing, eta, rescale]
        ev1 = go.click(ui_action(bind(ui_sample, registry)),
                       [seed, label, sampler, steps, guidance, *knob_inputs, model], outs, **common)
        # another model — picked, or set by a restore (page load, a history item, a PNG's record) — its classes
        # in every class list. On .change, not a page-load hook: a hook fired at load reads the controls as
        # they were then, and when its answer came after a quick person had picked another model and a class,
        # it put the first model's classes back (seen in chromium); a fresh page restores nothing and fires none
        class_lists = [label, s_label, inv_label, regen_label, p_label]
        model.change(ui_action(bind(ui_labels, registry)), [model, *class_lists], class_lists,
                     api_visibility="private", show_progress="hidden", **QUICK)
        tab.select(ui_action(functools.partial(model_choices, registry, FAMILY)), None, [model], queue=False,
                   api_visibility="private", show_progress="hidden")     # models published since appear
        ev2 = go_sketch.click(ui_action(bind(ui_img2img, registry)),
                              [sketch, strength, s_seed, s_label, sampler, steps, guidance, *knob_inputs, model], outs,
                              preprocess=False, **common)
        ev3 = branch.click(ui_action(bind(ui_branch, registry)), [trace, steps_line, seed, label, guidance], outs,
                           **common)
        ev4 = go_invert.click(ui_action(bind(ui_invert, registry)), [inv_image, inv_label, inv_steps, model],
                              [*outs, inv_noise, inv_summary, inverted], preprocess=False, **common)
        ev5 = go_regen.click(ui_action(bind(ui_regenerate, registry)), [inverted, regen_label, regen_guidance, model],
                             outs, **common)
        ev6 = go_inpaint.click(ui_action(bind(ui_inpaint, registry)),
                               [ed, p_seed, p_label, sampler, steps, guidance, model], outs, preprocess=False,
                               **common)
        use_for_inpaint.click(lambda im: {"background": im, "layers": [], "composite": im}, [big], [ed],
                              api_visibility="private", queue=False)
        ev7 = go_race.click(ui_action(bind(ui_race, registry)),
                            [seed, label, race_steps, guidance, race_samplers, model],
                            [race_view, race_table], api_visibility="private", show_progress="minimal", **SLOW)
        stop.click(None, None, None, cancels=[ev1, ev2, ev3, ev4, ev5, ev6, ev7])
        # the garment shown says so when the controls that made it change (any run makes it fresh again)
        out_of_date(big, "x_t", [seed, label, sampler, steps, guidance, *knob_inputs, model],
                    [go, go_sketch, branch, go_invert, go_regen, go_inpaint])
        use_result.click(lambda im: im, [big], [inv_image], api_visibility="private", queue=False)
        gr.on(None, ui_action(bind(welcome, registry)), None, outputs=outs, api_visibility="private",
              show_progress="hidden", **SLOW)
        steps_line.release(ui_action(bind(ui_scrub, registry)), [trace, steps_line], [big, strip, plot, info],
                           queue=False, api_visibility="private", show_progress="hidden")
        gif_btn.click(ui_action(ui_gif), [trace], [gif], api_visibility="private", **QUICK)
        # the Sketchpad (Gradio 6.31) fires .input for a stroke, a clear and a value set by the server (an
        # upload, a garment sent here), and never .change (measured in chromium)
        gr.on([sketch.input, strength.release, s_seed.change, model.input],
              ui_action(bind(ui_preview_noised, registry)), [sketch, strength, s_seed, model], [noised],
              preprocess=False, api_visibility="private", show_progress="hidden", trigger_mode="always_last", **QUICK)

        with gr.Column(visible=False):
            a_sketch = gr.JSON()           # a plain image or a Sketchpad value {background, layers, composite}
            a_seed, a_steps = gr.Number(0, precision=0), gr.Number(25, precision=0)
            a_label, a_sampler = gr.Textbox("any"), gr.Textbox("ddim")
            a_guidance, a_strength = gr.Number(2.0), gr.Number(0.6)
            a_spacing, a_eta, a_rescale = gr.Textbox("uniform"), gr.Number(0.0), gr.Number(0.0)
            a_model = gr.Textbox(NAME)
            a_img, a_info = gr.Image(type="pil", format="png"), gr.Textbox()
            a_steps50, a_xT = gr.Number(INVERT_STEPS, precision=0), gr.JSON()
            a_mask, a_inpaint_sampler = gr.JSON(), gr.Textbox("ddpm")
            b1, b2, b3, b4 = gr.Button(), gr.Button(), gr.Button(), gr.Button()
        b1.click(user_errors(bind(sample, registry)),
                 [a_seed, a_label, a_sampler, a_steps, a_guidance, a_spacing, a_eta, a_rescale, a_model],
                 [a_img, a_info], api_name="diffusion_sample", preprocess=False, **SLOW)
        b2.click(user_errors(bind(img2img, registry)),
                 [a_sketch, a_strength, a_seed, a_label, a_sampler, a_steps, a_guidance, a_spacing, a_eta, a_rescale,
                  a_model], [a_img, a_info], api_name="diffusion_img2img", preprocess=False, **SLOW)
        b3.click(user_errors(bind(invert_garment, registry)), [a_sketch, a_label, a_steps50, a_model], [a_xT, a_img],
                 api_name="diffusion_invert", preprocess=False, **SLOW)
        b4.click(user_errors(bind(inpaint, registry)),
                 [a_sketch, a_mask, a_seed, a_label, a_inpaint_sampler, a_steps50, a_guidance, a_model],
                 [a_img, a_info], api_name="diffusion_inpaint", preprocess=False, **SLOW)
    settings = {"diffusion.seed": seed, "diffusion.label": label, "diffusion.sampler": sampler,
                "diffusion.steps": steps, "diffusion.guidance": guidance, "diffusion.spacing": spacing,
                "diffusion.eta": eta, "diffusion.guidance_rescale": rescale, "diffusion.model": model,
                # each part's own controls: a reload keeps them too
                "diffusion.strength": strength, "diffusion.sketch_seed": s_seed, "diffusion.sketch_label": s_label,
                "diffusion.invert_label": inv_label, "diffusion.invert_steps": inv_steps,
                "diffusion.regen_label": regen_label, "diffusion.regen_guidance": regen_guidance,
                "diffusion.repaint_seed": p_seed, "diffusion.repaint_label": p_label,
                "diffusion.race_samplers": race_samplers, "diffusion.race_steps": race_steps}
    return settings, {"model": model,
                      "keep": [(ev1, big), (ev2, big), (ev3, big), (ev4, big), (ev5, big), (ev6, big)], "inbox": sketch,
                      "tabs": sources,
                      "inbox_tab": "sketch", "out": big}
