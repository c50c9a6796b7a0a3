"""Whole-number settings read from the environment: unset or empty → the default; anything else must be a
whole number in range, or the studio refuses to start with a sentence that names the setting."""

from __future__ import annotations

import os


def env_whole(name: str, default: int, lo: int, hi: int, what: str) -> int:
    """The whole number in environment variable `name` (`what` it sets, for the sentence), in [lo, hi]."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        n = int(raw)
    except ValueError:
        n = None
    if n is None or not lo <= n <= hi:
        raise ValueError(f"{name}={raw[:40]!r}: {what} must be a whole number from {lo} to {hi}")
    return n
