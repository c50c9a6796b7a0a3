"""The paper a model's pictures are drawn on, and the ink that stands out from it.

A model knows its training images' background: Fashion-MNIST garments lie on black, a folder of emoji on
white, coloured shapes on dark grey. A sketch canvas should offer that paper, so a person draws what the
model has seen (a white canvas with black lines is far outside the data of a model trained on dark
backgrounds: it reads a circle drawn that way as a square). The paper is the median colour of the training
images' outermost ring of pixels, recorded in the model's card when training publishes it (`card["paper"]`).
"""

from __future__ import annotations

import torch

WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def paper_colour(images: torch.Tensor) -> list[int]:
    """Images (N, C, S, S) in [-1, 1] → the median colour of their border ring, [r, g, b] in 0..255
    (a grayscale set: r = g = b), channel by channel."""
    ring = torch.cat([images[..., 0, :], images[..., -1, :],
                      images[..., 1:-1, 0], images[..., 1:-1, -1]], dim=-1)          # (N, C, 4S − 4)
    per_channel = ring.transpose(0, 1).reshape(ring.shape[1], -1)                        # (C, N · (4S − 4))
    median = per_channel.float().median(dim=1).values                                   # (C,)
    rgb = ((median + 1) * 127.5).round().clamp(0, 255).int().tolist()
    return rgb * 3 if len(rgb) == 1 else rgb


def luminance(rgb) -> float:
    """Rec. 601 luma of an (r, g, b) in 0..255."""
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b


def ink_for(paper) -> tuple[int, int, int]:
    """Black ink on light paper, white on dark."""
    return BLACK if luminance(paper) >= 128 else WHITE


def hex_colour(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(c) for c in rgb))
