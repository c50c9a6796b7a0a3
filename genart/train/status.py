"""A training run's live status, written for whoever watches it (the Train tab, /train_status, a person).

    <dir>/status.json   {"family", "state", "step", "steps", "img_per_s", "elapsed_s", "eta_s", "error",
                         "losses": {name: [[step, mean over the interval], ...]}, "grid_step", "updated"}
    <dir>/grid.png      the fixed-seed sample grid, refreshed every few seconds

Both files are replaced atomically (written beside, then renamed), so a reader never sees half a file.
Losses are averaged over intervals that double in length as the run grows, so a curve keeps at most
`max_points` points however long the run is. The trainer calls `step` every step; it writes at most
once a second.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import torch

STATES = ("starting", "running", "finished", "stopped", "failed")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_status(directory: Path | str) -> dict | None:
    """The last status written in `directory`, or None when there is none (yet)."""
    try:
        return json.loads((Path(directory) / "status.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None


class StatusWriter:
    def __init__(self, directory: Path | str, family: str, steps: int, start_step: int = 0,
                 every_s: float = 1.0, max_points: int = 400):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.family, self.steps, self.every_s, self.max_points = family, steps, every_s, max_points
        self.losses: dict[str, list[list[float]]] = {}
        self.interval, self._acc, self._n = 1, {}, 0
        earlier = read_status(self.dir)                       # a resumed run keeps its curves
        if earlier and earlier.get("family") == family:
            self.losses = {k: [p for p in v if p[0] <= start_step] for k, v in earlier.get("losses", {}).items()}
            self.interval = int(earlier.get("interval", 1))
        self.t0, self.last, self.first_step = time.time(), 0.0, start_step
        self.info = {"family": family, "state": "starting", "step": start_step, "steps": steps, "img_per_s": None,
                     "elapsed_s": 0.0, "eta_s": None, "error": None, "grid_step": None}
        self._flush()

    def step(self, step: int, losses: dict[str, float], seen: int) -> None:
        """After optimisation step `step` (0-based): its losses, and images seen since this process started."""
        for k, v in losses.items():
            self._acc[k] = self._acc.get(k, 0.0) + float(v)
        self._n += 1
        if self._n >= self.interval:
            for k, total in self._acc.items():
                self.losses.setdefault(k, []).append([step + 1, round(total / self._n, 5)])
            self._acc, self._n = {}, 0
            if max(map(len, self.losses.values()), default=0) > self.max_points:
                self.losses = {k: v[1::2] for k, v in self.losses.items()}     # halve, and average twice as long
                self.interval *= 2
        elapsed = time.time() - self.t0
        rate = seen / max(elapsed, 1e-6)
        done = step + 1 - self.first_step
        per_step = elapsed / max(done, 1)
        self.info.update(state="running", step=step + 1, img_per_s=round(rate, 1), elapsed_s=round(elapsed, 1),
                         eta_s=round(per_step * (self.steps - step - 1), 1))
        if time.time() - self.last >= self.every_s:
            self._flush()

    def grid(self, samples: torch.Tensor, step: int, nrow: int = 10) -> None:
        """A sample grid (N, C, H, W) in [-1, 1] → grid.png, 2× nearest so small images stay crisp."""
        import io

        from PIL import Image
        from torchvision.utils import make_grid
        grid = make_grid(samples.detach().float().cpu(), nrow=nrow, padding=2, normalize=True, value_range=(-1, 1))
        arr = (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()          # (H', W', 3)
        img = Image.fromarray(arr)
        img = img.resize((img.width * 2, img.height * 2), Image.Resampling.NEAREST)
        buf = io.BytesIO()
        img.save(buf, format="PNG", compress_level=1)
        _write_atomic(self.dir / "grid.png", buf.getvalue())
        self.info["grid_step"] = step
        self._flush()

    def finish(self, state: str, error: str | None = None) -> None:
        assert state in STATES, state
        self.info.update(state=state, error=error, eta_s=0.0 if state == "finished" else None)
        self._flush()

    def _flush(self) -> None:
        body = dict(self.info, losses=self.losses, interval=self.interval, updated=time.time())
        _write_atomic(self.dir / "status.json", json.dumps(body).encode())
        self.last = time.time()
