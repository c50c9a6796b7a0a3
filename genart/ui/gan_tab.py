"""GAN seed explorer: a garden of seeds — generate, grid, variations, interpolation, breeding.

Every image is a pure function of (seed, class, ψ) — or of a favourite's recorded latent — so the
same inputs give the same bytes. Public API: /gan_generate, /gan_grid, /gan_interpolate.
"""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from genart.data import CLASSES, to_uint8
from genart.images import upscale_nearest, with_params, write_gif
from genart.models.gan import class_for, crossover, latent, render, slerp, truncate, variation
from genart.registry import Registry
from genart.ui.widgets import QUICK, number, seed_of, user_errors, whole

NAME = "gan/fashion"
LABELS = ["any", *CLASSES]
SCALE = 12


def parse_label(label: str) -> int | None:
    if label in (None, "", "any"):
        return None
    if label not in CLASSES:
        raise ValueError(f"Unknown label {str(label)[:40]!r}; use 'any' or one of {', '.join(CLASSES)}")
    return CLASSES.index(label)


def _check_psi(truncation: float) -> float:
    psi = number(truncation, "truncation ψ", 0.0, 2.0)
    if psi == 0.0:
        raise ValueError("truncation ψ must be above 0 (0 would give every seed the same garment)")
    return psi


def grid_image(tiles: np.ndarray, rows: int, cols: int, pad: int = 2) -> np.ndarray:
    """tiles (rows·cols, h, w) uint8 → one (rows·(h+pad)+pad, cols·(w+pad)+pad) image on a gray frame."""
    n, h, w = tiles.shape
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), 64, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = t
    return out


def build(registry: Registry) -> None:
    def G():
        return registry.get(NAME)

    def seed_latents(seeds: list[int], label: int | None, psi: float):
        z_dim = G().config.z_dim
        z = torch.stack([truncate(latent(s, z_dim), psi) for s in seeds])                 # (B, z_dim)
        y = torch.tensor([class_for(s, label) for s in seeds])                             # (B,)
        return z, y

    def images(z: torch.Tensor, y: torch.Tensor) -> np.ndarray:
        return to_uint8(render(G(), z, y))                                                  # (B, 28, 28)

    @user_errors
    def gan_generate(seed: int = 0, label: str = "any", truncation: float = 1.0):
        """/gan_generate: (seed, label, ψ) → one garment, large and crisp."""
        seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label)
        z, y = seed_latents([seed], lab, psi)
        return with_params(upscale_nearest(images(z, y)[0], SCALE), seed=seed, label=label,
                           truncation=psi, cls=CLASSES[int(y[0])])

    @user_errors
    def gan_grid(seed: int = 0, label: str = "any", truncation: float = 1.0, rows: int = 4, cols: int = 4):
        """/gan_grid: rows × cols neighbouring seeds (seed, seed+1, …) as one image."""
        rows, cols = whole(rows, "rows", 1, 16), whole(cols, "cols", 1, 16)
        seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label)
        z, y = seed_latents(list(range(seed, seed + rows * cols)), lab, psi)
        big = upscale_nearest(grid_image(images(z, y), rows, cols), 4)
        return with_params(big, seed=seed, label=label, truncation=psi, rows=rows, cols=cols)

    @user_errors
    def gan_interpolate(seed_a: int = 0, seed_b: int = 1, label: str = "any", truncation: float = 1.0,
                        frames: int = 16):
        """/gan_interpolate: spherical interpolation between two seeds' latents → animated GIF."""
        frames = whole(frames, "frames", 2, 120)
        psi, lab = _check_psi(truncation), parse_label(label)
        za, ya = seed_latents([seed_of(seed_a, "seed_a")], lab, psi)
        zb, _ = seed_latents([seed_of(seed_b, "seed_b")], lab, psi)
        t = torch.linspace(0, 1, frames)[:, None]                                         # (F, 1)
        z = slerp(za.expand(frames, -1), zb.expand(frames, -1), t)                         # (F, z_dim)
        strip = [upscale_nearest(im, 8) for im in images(z, ya.expand(frames))]
        return str(write_gif(strip, duration_ms=70, boomerang=True)), strip

    def gan_interpolate_api(seed_a: int = 0, seed_b: int = 1, label: str = "any", truncation: float = 1.0,
                            frames: int = 16):
        """/gan_interpolate: animated GIF file."""
        return gan_interpolate(seed_a, seed_b, label, truncation, frames)[0]

    # ---- UI handlers: the current latent lives in session state so variations and children can be kept
    def current_from_seed(seed, label, truncation):
        seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label)
        z, y = seed_latents([seed], lab, psi)
        return {"z": z[0].tolist(), "y": int(y[0]), "name": f"seed {seed}"}

    def show(current):
        z, y = torch.tensor([current["z"]]), torch.tensor([current["y"]])
        img = with_params(upscale_nearest(images(z, y)[0], SCALE), name=current["name"], cls=CLASSES[current["y"]])
        return img, f"{current['name']} · {CLASSES[current['y']]}"

    @user_errors
    def ui_generate(seed, label, truncation):
        cur = current_from_seed(seed, label, truncation)
        return (cur, *show(cur))

    @user_errors
    def ui_grid(seed, label, truncation, rows, cols):
        rows, cols = whole(rows, "rows", 1, 16), whole(cols, "cols", 1, 16)
        seed, psi, lab = seed_of(seed), _check_psi(truncation), parse_label(label)
        seeds = list(range(seed, seed + rows * cols))
        z, y = seed_latents(seeds, lab, psi)
        tiles = images(z, y)
        return gr.Gallery(value=[(upscale_nearest(t, 4), f"seed {s}") for t, s in zip(tiles, seeds)],
                          columns=cols), seeds

    def ui_pick_cell(seeds, label, truncation, evt: gr.SelectData):
        seed = seeds[evt.index]
        cur = current_from_seed(seed, label, truncation)
        return (seed, cur, *show(cur))

    @user_errors
    def ui_variations(current, seed, strength):
        if not current:
            raise gr.Error("Generate an image first.")
        z = torch.tensor(current["z"])
        seed, strength = seed_of(seed), number(strength, "strength", 0.0, 1.0)
        kids = [{"z": variation(z, seed, k, strength).tolist(), "y": current["y"],
                 "name": f"{current['name']} ~ var {k + 1} @ {float(strength):.2f}"} for k in range(8)]
        return kids, _gallery(kids)

    def _gallery(items):
        z = torch.tensor([it["z"] for it in items])
        y = torch.tensor([it["y"] for it in items])
        return [(upscale_nearest(t, 4), it["name"]) for t, it in zip(images(z, y), items)]

    def ui_pick(items, evt: gr.SelectData):
        cur = items[evt.index]
        return (cur, *show(cur))

    def ui_keep(current, favourites):
        if not current:
            raise gr.Error("Generate an image first.")
        if any(f["name"] == current["name"] for f in favourites):
            gr.Info("Already a favourite.")
            return favourites, _gallery(favourites), *_parent_choices(favourites)
        favourites = [*favourites, current]
        return favourites, _gallery(favourites), *_parent_choices(favourites)

    def _parent_choices(favourites):
        names = [f["name"] for f in favourites]
        a = names[-2] if len(names) >= 2 else (names[0] if names else None)
        b = names[-1] if names else None
        return gr.Dropdown(choices=names, value=a), gr.Dropdown(choices=names, value=b)

    @user_errors
    def ui_breed(favourites, name_a, name_b, blend, seed):
        by_name = {f["name"]: f for f in favourites}
        if name_a not in by_name or name_b not in by_name:
            raise gr.Error("Keep at least two favourites and pick the two parents.")
        a, b = by_name[name_a], by_name[name_b]
        za, zb = torch.tensor(a["z"]), torch.tensor(b["z"])
        kids = []
        for k in range(3):
            kids.append({"z": crossover(za, zb, int(seed) * 31 + k).tolist(), "y": (a, b)[k % 2]["y"],
                         "name": f"({a['name']} × {b['name']}) cross {k + 1}"})
        for k, t in enumerate((0.5 * float(blend), float(blend), 0.5 + 0.5 * float(blend))):
            kids.append({"z": slerp(za, zb, t).tolist(), "y": (a, b)[int(t >= 0.5)]["y"],
                         "name": f"({a['name']} × {b['name']}) blend {t:.2f}"})
        return kids, _gallery(kids)

    with gr.Tab("GAN Seed Explorer", id="gan"):
        if not registry.available(NAME):
            gr.Markdown("**The GAN is not trained yet.** Train it with `python -m genart train gan`.")
        current = gr.State({})
        grid_seeds = gr.State([])
        variants = gr.State([])
        children = gr.State([])
        favourites = gr.State([])
        with gr.Row():
            with gr.Column(scale=1):
                seed = gr.Number(0, precision=0, label="Seed", elem_id="gan-seed")
                label = gr.Dropdown(LABELS, value="any", label="Class", elem_id="gan-label")
                psi = gr.Slider(0.1, 1.0, 0.8, step=0.05, label="Truncation ψ (lower: safer, less varied)",
                                elem_id="gan-psi")
                with gr.Row():
                    go = gr.Button("Generate", variant="primary", elem_id="gan-go")
                    prev_b, next_b = gr.Button("◀ seed"), gr.Button("seed ▶")
                out = gr.Image(label="Current", type="pil", format="png", height=336, elem_id="gan-out",
                               elem_classes=["pixelated"], buttons=["download", "fullscreen"])
                name = gr.Textbox(label="Current", interactive=False, elem_id="gan-name")
                keep = gr.Button("♥ Keep as favourite", elem_id="gan-keep")
            with gr.Column(scale=2):
                with gr.Tabs():
                    with gr.Tab("Seed grid"):
                        with gr.Row():
                            rows = gr.Slider(1, 8, 4, step=1, label="Rows")
                            cols = gr.Slider(1, 8, 4, step=1, label="Columns")
                            grid_go = gr.Button("Grid from seed", elem_id="gan-grid-go")
                        grid = gr.Gallery(label="Click a cell to make it the current seed", columns=4,
                                          height=460, format="png", elem_id="gan-grid", allow_preview=False)
                    with gr.Tab("Variations"):
                        with gr.Row():
                            strength = gr.Slider(0.05, 1.0, 0.3, step=0.05, label="Strength")
                            var_go = gr.Button("Variations of current", elem_id="gan-var-go")
                        var_gallery = gr.Gallery(label="Click one to make it current", columns=4, height=300,
                                                 format="png", allow_preview=False)
                    with gr.Tab("Interpolate"):
                        with gr.Row():
                            seed_a = gr.Number(0, precision=0, label="Seed A")
                            seed_b = gr.Number(1, precision=0, label="Seed B")
                            n_frames = gr.Slider(2, 60, 16, step=1, label="Frames")
                            interp_go = gr.Button("Interpolate", elem_id="gan-interp-go")
                        gif = gr.Image(label="Animation (GIF)", type="filepath", height=240)
                        strip = gr.Gallery(label="Frames", columns=16, height=120, format="png")
                    with gr.Tab("Breed"):
                        fav_gallery = gr.Gallery(label="Favourites (this session)", columns=8, height=140,
                                                 format="png", allow_preview=False)
                        with gr.Row():
                            parent_a = gr.Dropdown([], label="Parent A")
                            parent_b = gr.Dropdown([], label="Parent B")
                            blend = gr.Slider(0, 1, 0.5, step=0.05, label="Blend")
                            breed_go = gr.Button("Breed", elem_id="gan-breed-go")
                        kids_gallery = gr.Gallery(label="Children: click one to make it current", columns=6,
                                                  height=160, format="png", allow_preview=False)

        common = dict(api_visibility="private", **QUICK)
        go.click(ui_generate, [seed, label, psi], [current, out, name], **common)
        prev_b.click(lambda s: int(s) - 1, [seed], [seed], queue=False, api_visibility="private").then(
            ui_generate, [seed, label, psi], [current, out, name], **common)
        next_b.click(lambda s: int(s) + 1, [seed], [seed], queue=False, api_visibility="private").then(
            ui_generate, [seed, label, psi], [current, out, name], **common)
        grid_go.click(ui_grid, [seed, label, psi, rows, cols], [grid, grid_seeds], **common)
        grid.select(ui_pick_cell, [grid_seeds, label, psi], [seed, current, out, name], **common)
        var_go.click(ui_variations, [current, seed, strength], [variants, var_gallery], **common)
        var_gallery.select(ui_pick, [variants], [current, out, name], **common)
        interp_go.click(gan_interpolate, [seed_a, seed_b, label, psi, n_frames], [gif, strip],
                        api_name="ui_gan_interpolate", **common)
        keep.click(ui_keep, [current, favourites], [favourites, fav_gallery, parent_a, parent_b], **common)
        breed_go.click(ui_breed, [favourites, parent_a, parent_b, blend, seed], [children, kids_gallery], **common)
        kids_gallery.select(ui_pick, [children], [current, out, name], **common)
        fav_gallery.select(ui_pick, [favourites], [current, out, name], **common)

        with gr.Column(visible=False):
            a_seed, a_seed2 = gr.Number(0, precision=0), gr.Number(1, precision=0)
            a_label, a_psi = gr.Textbox("any"), gr.Number(1.0)
            a_rows, a_cols, a_frames = gr.Number(4, precision=0), gr.Number(4, precision=0), gr.Number(16, precision=0)
            a_img, a_file = gr.Image(type="pil", format="png"), gr.File()
            b1, b2, b3 = gr.Button(), gr.Button(), gr.Button()
        b1.click(gan_generate, [a_seed, a_label, a_psi], [a_img], api_name="gan_generate", preprocess=False, **QUICK)
        b2.click(gan_grid, [a_seed, a_label, a_psi, a_rows, a_cols], [a_img], api_name="gan_grid",
                 preprocess=False, **QUICK)
        b3.click(gan_interpolate_api, [a_seed, a_seed2, a_label, a_psi, a_frames], [a_file],
                 api_name="gan_interpolate", preprocess=False, **QUICK)
