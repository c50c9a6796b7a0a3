"""Training: one shared loop (common.py) and one file per model family."""
