"""Painting styles: classic filters (``filters.py``), neural style with the registry's pretrained networks
(``feedforward.py``) and the older optimisation-based transfer (``neural.py``).

    apply_style(rgb, "oil", strength=0.8, brush=6)   # (H, W, 3) uint8 -> same shape
    feedforward.paint(registry, photo, "image", style_image=painting, strength=0.8)   # one pass
    for step, img in transfer(photo, style_img, steps=200, size=256): ...               # "optimise"

``style_list()`` describes the filters for the ``/styles`` API; ``NEURAL_STYLE`` is the one
entry for the neural transfer (kind ``"neural"``).
"""

from genart.styles.filters import STYLES, FilterStyle, Param, apply_style, style_list
from genart.styles.neural import NEURAL_STYLE, NetConfig, transfer

__all__ = ["STYLES", "FilterStyle", "Param", "apply_style", "style_list", "transfer", "NetConfig", "NEURAL_STYLE"]
