"""Diffusion without Gradio: sample step by step (any sampler, spacing, η, guidance rescale), regenerate an
inverted garment, the sampler race, repaint masks, and the views of a run (x_t, x̂₀, ε̂, the noise-level plot).
Streams take a `progress(done_total, desc=...)` callable (the UI passes gr.Progress; the CLI and replay None)."""

from __future__ import annotations

import math
import time

import numpy as np
import torch
from PIL import Image, ImageDraw

from genart.core import records
from genart.core.images import upscale_nearest
from genart.core.registry import Registry
from genart.data.datasets import CLASSES, centre_box, to_tensor, to_uint8
from genart.diffusion.inversion import invert
from genart.diffusion.repaint import JUMP, RESAMPLE, jump_schedule, repaint
from genart.diffusion.sampling import SAMPLERS, STOCHASTIC, denoise, guided, predictor, project, sdedit_start
from genart.diffusion.schedules import Schedule, schedule_for, spaced_timesteps
from genart.diffusion.spacing import SPACINGS, timesteps_for
from genart.diffusion.zero_shot import read_class
from genart.studio.inputs import (
    as_tensor,
    enlarge,
    image_shape,
    model_input,
    number,
    pixels,
    scale_for,
    seed_of,
    whole,
)
from genart.studio.uploads import uploaded_image

NAME = "diffusion/fashion"     # the default model; every part of the tab works with any of the family
FAMILY = "diffusion"
LABELS = ["any", *CLASSES]
SCALE = 12
MAX_STEPS = 250


def label_index(label: str, null: int, classes=CLASSES) -> int:
    if label in (None, "", "any"):
        return null
    if label not in classes:
        raise ValueError(f"Unknown label {str(label)[:40]!r}; use 'any' or one of {', '.join(classes)}")
    return list(classes).index(label)


def checked(registry: Registry, model) -> str:
    """A request's model: one of the studio's diffusion models (default: the Fashion-MNIST one)."""
    return NAME if model in (None, "") else registry.model_name(FAMILY, model)


def label_of(registry: Registry, name: str, lab: int) -> str:
    """A class index of model `name` → its class name; the null class → "any"."""
    classes = registry.classes(name)
    return classes[lab] if 0 <= lab < len(classes) else "any"


def read_as(registry: Registry, name: str, x0: torch.Tensor) -> int:
    """The class x0 (1, C, S, S) reads as, for model `name`: the shipped model asks its classifier; any other
    model reads it itself (zero_shot.py: 88/100 Fashion-MNIST test images right with the shipped diffusion
    model, against the classifier's 89/100)."""
    model = unet(registry, name)
    if name == NAME:
        with torch.no_grad():
            return int(registry.get("classifier/fashion")(x0.to(registry.device)).argmax())
    if model.config.num_classes <= 1:
        return 0
    return read_class(model, schedule_of(registry, name), x0.to(registry.device), model.config.num_classes)


def check(sampler: str, steps: int, guidance: float) -> tuple[str, int, float]:
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}")
    return sampler, whole(steps, "steps", 1, MAX_STEPS), number(guidance, "guidance", 0.0, 20.0)


DEFAULT_KNOBS = {"spacing": "uniform", "eta": 0.0, "guidance_rescale": 0.0}


def knobs(spacing, eta, guidance_rescale) -> dict:
    """The optional knobs, checked: step spacing (spacing.py), DDIM's η (ddim only), guidance rescale φ."""
    spacing = "uniform" if spacing in (None, "") else spacing
    if spacing not in SPACINGS:
        raise ValueError(f"spacing must be one of {', '.join(SPACINGS)}")
    return {"spacing": spacing, "eta": number(0.0 if eta is None else eta, "eta", 0.0, 1.0),
            "guidance_rescale": number(0.0 if guidance_rescale is None else guidance_rescale,
                                       "guidance_rescale", 0.0, 1.0)}


def changed(k: dict) -> dict:
    """The knobs that differ from today's defaults: only these go into records and info lines, so a call
    without them makes the same bytes (record included) as before they existed."""
    return {key: v for key, v in k.items() if v != DEFAULT_KNOBS[key]}


def knobs_text(k: dict) -> str:
    return "".join(f" · {key.replace('_', ' ')} {v:g}" if isinstance(v, float) else f" · {key} {v}"
                   for key, v in changed(k).items())


def panel(x: torch.Tensor, scale: int = SCALE) -> np.ndarray:
    """(1, C, S, S) in [-1, 1] → (S·scale, S·scale[, 3]) uint8."""
    return upscale_nearest(pixels(x)[0], scale)


def noise_plot(schedule: Schedule, timesteps: list[int], index: int, size=(420, 150)) -> np.ndarray:
    """log-SNR along the run's timesteps, with the current step marked."""
    w, h = size
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    lam = [float(math.log(schedule.snr(torch.tensor(t)))) for t in timesteps]
    lo, hi = min(lam + [-10.0]), max(lam + [10.0])
    n = max(1, len(timesteps) - 1)
    pts = [(30 + (w - 40) * i / n, h - 20 - (h - 35) * (v - lo) / (hi - lo)) for i, v in enumerate(lam)]
    d.line([(30, 8), (30, h - 20), (w - 10, h - 20)], fill=(160, 160, 160))
    if len(pts) > 1:
        d.line(pts, fill=(79, 70, 229), width=2)
    cx, cy = pts[min(index, len(pts) - 1)]
    d.ellipse((cx - 5, cy - 5, cx + 5, cy + 5), fill=(236, 72, 153))
    # one caption line under the axis: Gradio's label covers the image's top-left corner, and PIL's
    # default bitmap font has no arrow glyph
    d.text((34, h - 16), f"noise -> clean    step {index + 1}/{len(timesteps)}    "
           f"t = {timesteps[min(index, len(timesteps) - 1)]}", fill=(60, 60, 60))
    return np.asarray(img)


def unet(registry: Registry, name: str = NAME):
    return registry.get(name)


def schedule_of(registry: Registry, name: str = NAME) -> Schedule:
    return schedule_for(unet(registry, name).config)


def start_noise(seed: int, shape: tuple[int, int] = (1, 28)) -> torch.Tensor:
    """x_T (1, C, S, S) of a seed; shape = (C, S) of the model's images."""
    c, size = shape
    return torch.randn(1, c, size, size, generator=torch.Generator().manual_seed(int(seed)))


def run(registry: Registry, x: torch.Tensor, timesteps: list[int], start: int, sampler: str, seed: int,
        label: int, guidance: float, progress=None, trace: dict | None = None, eta: float = 0.0,
        guidance_rescale: float = 0.0, name: str = NAME):
    """Denoise from x at timesteps[start] with the model `name`; yield (step, trace), the trace (frames and
    x_t of every step, for the timeline and branching) growing as it goes. η is DDIM's (other samplers
    ignore it)."""
    model = unet(registry, name)
    labels = torch.tensor([label], device=registry.device)
    fn = guided(model, labels, guidance, model.config.num_classes, guidance_rescale)
    g = torch.Generator().manual_seed(int(seed))
    trace = trace or {"timesteps": timesteps, "frames": [], "xs": []}
    trace["frames"], trace["xs"], trace["model"] = trace["frames"][:start], trace["xs"][:start], name
    for step in denoise(fn, schedule_of(registry, name), sampler, x.to(registry.device), timesteps, g,
                        eta=eta if sampler == "ddim" else 0.0, start=start):
        trace["frames"].append((pixels(step.x_t)[0], pixels(step.x0)[0],
                                pixels((step.eps / 3).clamp(-1, 1))[0]))
        trace["xs"].append(step.x_t.cpu()[0].tolist())                                      # (C, S, S)
        if progress is not None:
            progress((step.index + 1, len(timesteps)), desc="Denoising")
        yield step, trace


API_PREVIEW_S = 0.25          # an API stream sends a preview at most this often; the final image always


def shown(stream, is_last, every_s: float = API_PREVIEW_S):
    """The items of `stream` that an API client is sent: the first, then at most one every `every_s` seconds,
    and always the last (`is_last(item)`). Each sent item costs a PNG, a message and a download; a DDIM-25
    run sent every step took 1.8 s through gradio_client for 0.4 s of denoising (measured)."""
    sent = -float("inf")
    for item in stream:
        last = is_last(item)
        if last or time.monotonic() - sent >= every_s:
            sent = time.monotonic()
            yield item, last


def api_image(x: torch.Tensor, record: dict, final: bool):
    """An API stream's image: the final one large (about 336 px, square pixels), a preview at the model's own
    size (the client enlarges it if it wants; it is replaced by the final one)."""
    return records.stamp(panel(x, scale_for(x.shape[-1], 336) if final else 1), record)


def info_line(step, n, sampler, seed, label, guidance, classes=CLASSES) -> str:
    name = label if isinstance(label, str) else ("any" if label >= len(classes) else classes[label])
    return f"step {step.index + 1}/{n} · t = {step.t} · {sampler} · seed {seed} · {name} · guidance {guidance:g}"


def sample(registry: Registry, seed: int = 0, label: str = "any", sampler: str = "ddim", steps: int = 25,
           guidance: float = 2.0, spacing: str = "uniform", eta: float = 0.0, guidance_rescale: float = 0.0,
           model: str = NAME, progress=None):
    """/diffusion_sample: streams (image, info) as the noise becomes a garment — a 28-px preview at most every
    API_PREVIEW_S — and the final image (336 px), which carries the record that makes it again. `spacing`, `eta`
    (DDIM's η) and `guidance_rescale` (φ) are optional; at their defaults the bytes are today's. `model`: any
    diffusion model of the registry (default: the Fashion-MNIST one)."""
    model = checked(registry, model)
    sampler, steps, guidance = check(sampler, steps, guidance)
    k = knobs(spacing, eta, guidance_rescale)
    classes = registry.classes(model)
    seed, lab = seed_of(seed), label_index(label, unet(registry, model).config.num_classes, classes)
    ts = timesteps_for(schedule_of(registry, model), steps, k["spacing"])
    params = {"seed": seed, "label": label or "any", "sampler": sampler, "steps": steps, "guidance": guidance,
              **changed(k)}
    steps_ = run(registry, start_noise(seed, image_shape(registry, model)), ts, 0, sampler, seed, lab, guidance,
                 progress, eta=k["eta"], guidance_rescale=k["guidance_rescale"], name=model)
    for (step, _), done in shown(steps_, lambda item: item[0].index + 1 == len(ts)):
        rec = records.of_model(registry, "diffusion_sample", model,
                               params if done else {**params, "step": step.index + 1})
        yield (api_image(step.x_next, rec, done),
               info_line(step, len(ts), sampler, seed, label, guidance) + knobs_text(k))


INVERT_STEPS = 50
REFINE = 1          # fixed-point refinements per inversion step: round-trip MAE on 100 test images at 50 steps
                    # 0.0239 with none, 0.0084 with one (`python -m genart eval invert --refine 0|1`)


def regenerate(registry: Registry, x_T: torch.Tensor, ts: list[int], lab: int, guidance: float = 1.0,
               name: str = NAME):
    """DDIM (η = 0) from x_T over ts: the inversion's way back (guidance 1 and the same class retrace it)."""
    yield from run(registry, x_T, ts, 0, "ddim", 0, lab, guidance, name=name)


INPAINT_STEPS = 50             # with repaint.py's jump length 5 and 5 resamplings: 230 denoising moves


def _gray28(image: Image.Image) -> np.ndarray:
    """Any picture → (28, 28) float in [0, 1], squashed (not cropped: a mask drawn on it must line up)."""
    return np.asarray(image.convert("L").resize((28, 28), Image.Resampling.BOX), np.float32) / 255


def _light_border(a: np.ndarray) -> bool:
    return float(np.median(np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]]))) > 0.5


def _not_empty(cells: np.ndarray) -> np.ndarray:
    if not cells.any():
        raise ValueError("The mask is empty: paint over the part to repaint (white on black, or dark on white).")
    return cells


def mask_cells(mask: Image.Image, size: int) -> np.ndarray:
    """A mask's centre square (as `model_input` crops the picture) → (size, size) bool, True = repaint. Marked
    pixels are those unlike the border (white on black, or dark strokes on white), read at the mask's own
    resolution; a cell is repainted where a quarter of it is marked (a 3-px brush stroke over a 320-px
    picture of a 32-px model covers 0.3 of a cell)."""
    g = np.asarray(mask.convert("L").crop(centre_box(*mask.size)), np.float32) / 255
    marked = (g < 0.5) if _light_border(g) else (g > 0.5)
    share = np.asarray(Image.fromarray(marked.astype(np.uint8) * 255).resize((size, size), Image.Resampling.BOX))
    return share >= 64


def _progressed(steps_, progress, moves: int):
    for step in steps_:
        if progress is not None:
            progress((step.index + 1, moves), desc="Repainting")
        yield step


# the many-step ODE solution the deterministic samplers converge to (docs/models.md, the sampler sweeps)
REFERENCE = ("dpm++2m", 100)
RACE_TILE = 5


def _tile(x: np.ndarray, title: str, line: str) -> Image.Image:
    """An (S, S) or (S, S, 3) uint8 image, enlarged to about 140 px, with two caption lines under it."""
    big = Image.fromarray(upscale_nearest(x, scale_for(x.shape[0], 28 * RACE_TILE)))
    side = big.width
    im = Image.new(big.mode, (side + 12, side + 34), "white")
    im.paste(big, (6, 4))
    d = ImageDraw.Draw(im)
    d.text((6, side + 7), title, fill="black")
    d.text((6, side + 20), line, fill=(90, 90, 90) if im.mode == "RGB" else 90)
    return im


def race(registry: Registry, seed: int = 0, label: str = "any", steps: int = 10, guidance: float = 2.0,
         samplers=("ddim", "dpm++2m", "unipc", "euler_a"), model: str = NAME):
    """The same x_T, class and guidance through each sampler, one step of each in turn; yields (a strip of
    every sampler's current x̂_0 with its RMSE to the reference's final image, the table of distances).
    The reference is dpm++2m at 100 steps; a stochastic sampler lands elsewhere by design."""
    steps, guidance = whole(steps, "steps", 1, MAX_STEPS), number(guidance, "guidance", 0.0, 20.0)
    samplers = [check(sp, steps, guidance)[0] for sp in (samplers or ())]
    if not samplers:
        raise ValueError("Pick at least one sampler for the race.")
    model = checked(registry, model)
    net = unet(registry, model)
    seed, lab = seed_of(seed), label_index(label, net.config.num_classes, registry.classes(model))
    schedule = schedule_of(registry, model)
    fn = guided(net, torch.tensor([lab], device=registry.device), guidance, net.config.num_classes)
    x_T = start_noise(seed, image_shape(registry, model)).to(registry.device)
    ref = x_T
    for st in denoise(fn, schedule, REFERENCE[0], x_T, spaced_timesteps(schedule.T, REFERENCE[1]),
                      torch.Generator().manual_seed(seed)):
        ref = st.x_next
    ref = ref.cpu()
    ts = spaced_timesteps(schedule.T, steps)
    runs = {sp: denoise(fn, schedule, sp, x_T, ts, torch.Generator().manual_seed(seed)) for sp in samplers}
    current = dict.fromkeys(samplers, (None, None))                        # sampler → (x̂_0 or final, Step)
    nfe = dict.fromkeys(samplers, 0)

    def frame():
        tiles = [_tile(to_uint8(ref)[0], f"{REFERENCE[0]} x {REFERENCE[1]}", "reference")]
        rows = []
        for sp in samplers:
            x, st = current[sp]
            if x is None:
                continue
            rmse = float(((x - ref) ** 2).mean().sqrt())
            tiles.append(_tile(to_uint8(x)[0], sp, f"step {st.index + 1}/{len(ts)}  {rmse:.3f}"))
            rows.append([sp, st.index + 1, nfe[sp], round(rmse, 4), "yes" if sp in STOCHASTIC else ""])
        strip = Image.new(tiles[0].mode, (sum(t.width for t in tiles), tiles[0].height), "white")
        for k, t in enumerate(tiles):
            strip.paste(t, (k * tiles[0].width, 0))
        return strip, rows

    for k in range(len(ts)):
        for sp in samplers:
            st = next(runs[sp])
            nfe[sp] += st.nfe
            current[sp] = ((st.x_next if k == len(ts) - 1 else st.x0).cpu(), st)
        yield frame()


def views(registry: Registry, trace: dict, k: int):
    """Step k of a trace → the big x_t, the x_t | x̂₀ | ε̂ strip and the noise plot."""
    x_t, x0, eps = trace["frames"][k]
    return (enlarge(x_t, 336), inside(x_t, x0, eps),
            noise_plot(schedule_of(registry, trace.get("model", NAME)), trace["timesteps"], k))


def inside(*panels: np.ndarray) -> np.ndarray:
    """Panels (S, S[, 3]) uint8 → one strip, each about 224 px, on gray gaps."""
    big = [enlarge(p, 224) for p in panels]
    gap = np.full((big[0].shape[0], 8, *big[0].shape[2:]), 128, np.uint8)
    return np.hstack([x for b in big for x in (gap, b)][1:])


def picture(registry: Registry, name: str, value) -> torch.Tensor:
    """A request's sketch or image → x_0 (1, C, S, S) in [-1, 1] as model `name` sees it (`model_input`)."""
    return as_tensor(model_input(registry, name, value)[None])


def sketch_guide(registry: Registry, sketch, name: str = NAME) -> tuple[torch.Tensor, int]:
    """What model `name` sees of the sketch, x_0 (1, C, S, S), and the class it shows. For the shipped model:
    the classifier's probabilities averaged over the sketch itself and 8 of the model's unconditional
    readings of it noised to t = 300 (`project`). On six outline sketches the sketch alone was read right
    5 times (a dress → T-shirt), with the readings 6 times; on 100 test images 89 → 92 right (weights of
    training step 5269). Any other model reads the picture itself (`read_as`)."""
    x0 = picture(registry, name, sketch)                                                   # (1, C, S, S)
    if name != NAME:
        return x0, read_as(registry, name, x0)
    model, seen = unet(registry), x0.to(registry.device)            # x0 stays on the CPU for the callers
    readings = project(model, schedule_of(registry), seen, 300, 8, model.config.num_classes,
                       torch.Generator().manual_seed(0))                                   # (8, 1, 28, 28)
    classifier = registry.get("classifier/fashion")
    with torch.no_grad():
        p_sketch = classifier(seen).softmax(-1)[0]                                          # (10,)
        p_read = classifier(readings).softmax(-1).mean(0)                                   # (10,)
    return x0, int(((p_sketch + p_read) / 2).argmax())


def img2img_start(registry: Registry, sketch, strength, seed, label, sampler, steps, guidance,
                  spacing="uniform", eta=0.0, guidance_rescale=0.0, model: str = NAME):
    """Checked SDEdit inputs → (x at the start step, timesteps, class index, guessed class, params, x0).
    One rule for the API and the browser: label "any" uses the class the sketch reads as."""
    sampler, steps, guidance = check(sampler, steps, guidance)
    k = knobs(spacing, eta, guidance_rescale)
    seed, strength = seed_of(seed), number(strength, "strength", 0.0, 1.0)
    lab = None if label in (None, "", "any") else label_index(label, unet(registry, model).config.num_classes,
                                                              registry.classes(model))
    x0, guess = sketch_guide(registry, sketch, model)                                     # x0 (1, C, S, S)
    lab = guess if lab is None else lab
    x, ts = sdedit_start(schedule_of(registry, model), x0, strength, steps, torch.Generator().manual_seed(seed),
                         k["spacing"])
    params = {"seed": seed, "label": label_of(registry, model, lab), "sampler": sampler, "steps": steps,
              "guidance": guidance, "strength": strength, **changed(k)}
    return x, ts, lab, guess, params, x0


def invert_start(registry: Registry, image, label, steps, model: str = NAME
                 ) -> tuple[torch.Tensor, torch.Tensor, int, list[int], dict]:
    """Checked inputs → (x_0 (1, C, S, S), x_T, class index, timesteps, params); label "any": the class the
    garment reads as (`sketch_guide`). The inversion reads the conditional model (guidance 1)."""
    steps = whole(steps, "steps", 1, MAX_STEPS)
    net = unet(registry, model)
    lab = None if label in (None, "", "any") else label_index(label, net.config.num_classes, registry.classes(model))
    x0, guess = sketch_guide(registry, image, model)
    lab = guess if lab is None else lab
    schedule = schedule_of(registry, model)
    fn = guided(net, torch.tensor([lab], device=registry.device), 1.0, net.config.num_classes)
    ts = spaced_timesteps(schedule.T, steps)
    *_, (_, x_T) = invert(predictor(fn, schedule), schedule, x0.to(registry.device), ts, REFINE)
    return x0, x_T.cpu(), lab, ts, {"label": label_of(registry, model, lab), "steps": steps, "refine": REFINE}


def invert_garment(registry: Registry, image, label: str = "any", steps: int = INVERT_STEPS, model: str = NAME):
    """/diffusion_invert: a garment → (its x_T as a flat list of C·S·S floats (784 for the shipped model),
    the reconstruction DDIM makes from it). The reconstruction's record holds the round-trip mean absolute
    error on the [-1, 1] scale. `model`: any diffusion model of the registry (default: the Fashion-MNIST one)."""
    model = checked(registry, model)
    x0, x_T, lab, ts, params = invert_start(registry, image, label, steps, model)
    *_, (step, _) = regenerate(registry, x_T, ts, lab, name=model)
    mae = float((step.x_next.cpu() - x0).abs().mean())
    rec = records.of_model(registry, "diffusion_invert", model, {**params, "round_trip_mae": round(mae, 5)},
                           [records.make("garment", {"image": "uploaded or drawn"})])
    return x_T.flatten().tolist(), records.stamp(panel(step.x_next, scale_for(x_T.shape[-1], 336)), rec)


def editor_parts(image, mask) -> tuple[object, Image.Image]:
    """A repaint request's picture and mask → (the picture's value, the mask as an image). `image`: an upload,
    or an ImageEditor value (its background is the picture, its first layer the mask when `mask` is empty);
    `mask`: an upload or Sketchpad value."""
    editor = isinstance(image, dict) and isinstance(image.get("layers"), list)
    picture_value = image["background"] if editor and image.get("background") else image
    if mask in (None, "", []) and editor and image["layers"]:
        return picture_value, uploaded_image(image["layers"][0], "a mask")         # strokes on transparent
    return picture_value, uploaded_image(mask, "a mask (white where to repaint)")


def garment_and_mask(image, mask) -> tuple[np.ndarray, np.ndarray]:
    """The garment (28, 28) uint8, light on black, and the mask (28, 28) bool, True = repaint (`editor_parts`);
    both squashed to 28 px; marked = unlike its border (white on black or dark on white)."""
    picture_value, mask_image = editor_parts(image, mask)
    g = _gray28(uploaded_image(picture_value, "a garment"))
    if _light_border(g):
        g = 1 - g                                                                    # a light background: invert
    m = _gray28(mask_image)
    cells = (m < 0.5) if _light_border(m) else (m > 0.5)
    return (g * 255).round().astype(np.uint8), _not_empty(cells)


def picture_and_mask(registry: Registry, name: str, image, mask) -> tuple[torch.Tensor, np.ndarray]:
    """x_0 (1, C, S, S) as model `name` sees the picture, and the mask (S, S) bool, True = repaint: a 28-px
    grayscale model gets the garment and mask of `garment_and_mask`; any other the centre square of both at its
    size (the picture's colours as they are), marked by the same rule."""
    channels, size = image_shape(registry, name)
    if (channels, size) == (1, 28):
        garment, cells = garment_and_mask(image, mask)
        return to_tensor(garment[None]), cells
    picture_value, mask_image = editor_parts(image, mask)
    return picture(registry, name, picture_value), _not_empty(mask_cells(mask_image, size))


def inpaint_start(registry: Registry, image, mask, seed, label, sampler, steps, guidance, model: str = NAME):
    """Checked inputs → (the RePaint Steps (a generator), denoising moves, params, chain, info line of a Step).
    label "any": the class the garment reads as (`read_as`)."""
    sampler, steps, guidance = check(sampler, steps, guidance)
    seed = seed_of(seed)
    x0, cells = picture_and_mask(registry, model, image, mask)                         # (1, C, S, S), (S, S)
    net = unet(registry, model)
    lab = read_as(registry, model, x0) if label in (None, "", "any") else \
        label_index(label, net.config.num_classes, registry.classes(model))
    name = label_of(registry, model, lab)
    fn = guided(net, torch.tensor([lab], device=registry.device), guidance, net.config.num_classes)
    keep = torch.from_numpy(~cells).float().view(1, 1, *cells.shape).to(registry.device)  # 1 = keep the pixel
    schedule = schedule_of(registry, model)
    ts = spaced_timesteps(schedule.T, steps)
    moves = sum(1 for i, j in jump_schedule(len(ts), JUMP, RESAMPLE) if j > i)
    params = {"seed": seed, "label": name, "sampler": sampler, "steps": steps, "guidance": guidance,
              "jump": JUMP, "resample": RESAMPLE, "mask_pixels": int(cells.sum())}
    chain = [records.make("garment", {"image": "uploaded or drawn"})]

    def line(step) -> str:
        return (f"move {step.index + 1}/{moves} · t = {step.t} · {sampler} · seed {seed} · {name} · "
                f"guidance {guidance:g} · {int(cells.sum())} px repainted")
    steps_ = repaint(fn, schedule, sampler, x0.to(registry.device), keep, ts, torch.Generator().manual_seed(seed))
    return steps_, moves, params, chain, line


def img2img(registry: Registry, sketch, strength: float = 0.6, seed: int = 0, label: str = "any",
            sampler: str = "ddim", steps: int = 25, guidance: float = 2.0, spacing: str = "uniform",
            eta: float = 0.0, guidance_rescale: float = 0.0, model: str = NAME, progress=None):
    """/diffusion_img2img (SDEdit): noise the sketch to `strength`, then denoise; streams (image, info).
    label "any" uses the class the sketch reads as (`sketch_guide`). `model`: any diffusion model of the
    registry (default: the Fashion-MNIST one)."""
    model = checked(registry, model)
    x, ts, lab, _, params, _ = img2img_start(registry, sketch, strength, seed, label, sampler, steps, guidance,
                                             spacing, eta, guidance_rescale, model)
    k = knobs(spacing, eta, guidance_rescale)
    chain = [records.make("sketch", {"image": "uploaded or drawn"})]
    steps_ = run(registry, x, ts, 0, params["sampler"], params["seed"], lab, params["guidance"], progress,
                 eta=k["eta"], guidance_rescale=k["guidance_rescale"], name=model)
    for (step, _), done in shown(steps_, lambda item: item[0].index + 1 == len(ts)):
        rec = records.of_model(registry, "diffusion_img2img", model, {**params, "step": step.index + 1}, chain)
        yield (api_image(step.x_next, rec, done),
               info_line(step, len(ts), params["sampler"], params["seed"], params["label"], params["guidance"])
               + f" · strength {params['strength']:g}" + knobs_text(k))


def inpaint(registry: Registry, image, mask, seed: int = 0, label: str = "any", sampler: str = "ddpm",
            steps: int = INPAINT_STEPS, guidance: float = 2.0, model: str = NAME, progress=None):
    """/diffusion_inpaint (RePaint): resample the masked part of a garment, consistent with the rest; streams
    (image, info) for every denoising move (resampling jumps included); outside the mask the garment's pixels
    come back unchanged. `mask`: white where to repaint (or dark strokes on white); `image` may also be an
    ImageEditor value whose first layer is the mask. `model`: any diffusion model of the registry (default:
    the Fashion-MNIST one)."""
    model = checked(registry, model)
    steps_, moves, params, chain, line = inpaint_start(registry, image, mask, seed, label, sampler, steps, guidance,
                                                       model)
    for step, done in shown(_progressed(steps_, progress, moves), lambda step: step.index + 1 == moves):
        rec = records.of_model(registry, "diffusion_inpaint", model,
                               params if done else {**params, "move": step.index + 1}, chain)
        yield api_image(step.x_next, rec, done), line(step)
