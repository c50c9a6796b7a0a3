"""The six designer sketches, drawn by genart (the garment check's probes use the same ones)."""

from genart.data.designer_sketches import OUTLINES, save_all, sketch

__all__ = ["OUTLINES", "save_all", "sketch"]
