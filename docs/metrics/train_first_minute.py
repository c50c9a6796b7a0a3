"""For each family's default preset: seconds from Train to the first and the second sample grid, the grid at ~60 s,
img/s — through genart.serve.jobs.Trainer, exactly as the Train tab starts a job."""
import json
import shutil
import sys
import time
from pathlib import Path

from genart.serve.jobs import Trainer

out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
datasets = sys.argv[2].split(",")          # e.g. fashion-mnist,/work/main/runs/emoji
families = sys.argv[3].split(",") if len(sys.argv) > 3 else ["gan", "vae", "diffusion"]
t = Trainer(out / "studio", out / "models")
rows = []
for data in datasets:
    size = 28 if data.startswith("fashion") else 32
    for fam in families:
        t0 = time.time()
        job = t.start(fam, data, size, 0, f"m-{fam}")
        grids, shot = [], None
        while time.time() - t0 < 75:
            s = t.status(job)
            if s["grid_step"] is not None and (not grids or grids[-1][1] != s["grid_step"]):
                grids.append((round(time.time() - t0, 1), s["grid_step"]))
            if shot is None and time.time() - t0 > 60 and s["grid"]:
                shot = out / f"{fam}-{Path(data).name}-60s.png"; shutil.copy(s["grid"], shot)
            time.sleep(0.25)
        s = t.stop(job)
        row = {"family": fam, "data": data, "size": size, "steps": s["steps"], "step_at_75s": s["step"],
               "img_per_s": s["img_per_s"], "grids": grids[:6], "first_grid_s": grids[0][0] if grids else None,
               "second_grid_s": grids[1][0] if len(grids) > 1 else None}
        print(json.dumps(row), flush=True); rows.append(row)
(out / "jobs.json").write_text(json.dumps(rows, indent=1))
