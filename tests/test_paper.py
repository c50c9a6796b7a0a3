"""A sketch canvas offers the paper a model was trained on (`genart.core.paper`, `genart.ui.widgets.paper_of`)."""

import numpy as np
import torch
from PIL import Image
from standins import user_checkpoint

from genart.core.paper import BLACK, WHITE, ink_for, paper_colour
from genart.core.registry import Registry


def test_the_paper_is_the_median_colour_of_the_images_border_ring():
    x = torch.full((6, 3, 16, 16), -1.0)
    x[:, 0] = 40 / 127.5 - 1                                          # (40, 0, 0) background
    x[:, :, 4:12, 4:12] = 1.0                                         # a white square inside: not on the ring
    x[0, :, 0, :] = 1.0                                               # one image's top row is white: outvoted
    assert paper_colour(x) == [40, 0, 0]
    assert paper_colour(torch.full((2, 1, 8, 8), 0.0)) == [128, 128, 128]          # gray: r = g = b
    assert ink_for([40, 0, 0]) == WHITE and ink_for([250, 240, 230]) == BLACK


def test_each_model_gets_its_paper_and_ink(tmp_path):
    from genart.studio.inputs import paper_of
    user_checkpoint(tmp_path, "diffusion", "night", ["a", "b"], paper=[20, 24, 60], image_size=32, image_channels=3)
    user_checkpoint(tmp_path, "diffusion", "older", ["a", "b"], image_size=32, image_channels=3)
    registry = Registry(user_root=tmp_path)
    assert paper_of(registry, "diffusion/night") == ((20, 24, 60), WHITE)
    assert paper_of(registry, "diffusion/older") == (WHITE, BLACK)             # published before papers: as before
    assert paper_of(registry, "diffusion/fashion") == (WHITE, BLACK)           # read inverted (garment_of)
    assert paper_of(registry, "diffusion/nope") == (WHITE, BLACK)              # its handlers say it is gone


def test_a_blank_canvas_takes_the_new_paper_and_a_drawing_is_kept(tmp_path):
    import gradio as gr

    from genart.ui.widgets import canvas_for_model, fresh_canvas
    user_checkpoint(tmp_path, "diffusion", "night", ["a", "b"], paper=[20, 24, 60], image_size=32, image_channels=3)
    registry = Registry(user_root=tmp_path)
    update, hint = canvas_for_model(registry, 8, "diffusion/night", None)                 # a fresh canvas
    assert (update["value"]["background"] == (20, 24, 60)).all()
    assert update["brush"].colors == ["#ffffff"] and "light lines" in hint
    plain = tmp_path / "plain.png"
    Image.new("RGB", (280, 280), "white").save(plain)
    update, _ = canvas_for_model(registry, 8, "diffusion/night", {"composite": str(plain)})   # cleared: one colour
    assert (update["value"]["background"] == (20, 24, 60)).all()
    drawn = np.full((280, 280, 3), 255, np.uint8)
    drawn[100:110, 50:200] = 0
    Image.fromarray(drawn).save(tmp_path / "drawn.png")
    kept = canvas_for_model(registry, 8, "diffusion/night", {"composite": str(tmp_path / "drawn.png")})
    assert kept == (gr.skip(), gr.skip())                                                # the drawing stays
    cleared = fresh_canvas(registry, 8, "diffusion/fashion")
    assert (cleared["value"]["background"] == 255).all() and cleared["brush"].colors == ["#000000"]
