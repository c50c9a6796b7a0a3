"""The 15-minute target: a 32-px colour GAN (standard preset) on 1000 emoji, started as the Train tab starts it;
the sample grid copied every 60 s."""
import json
import os
import shutil
import time
from pathlib import Path

os.environ["GENART_TRAIN_FOLDERS"] = "/work/main/runs"
from genart.serve.jobs import Trainer

out = Path("/work/main/runs/emoji15"); out.mkdir(parents=True, exist_ok=True)
t = Trainer(out / "studio", out / "models")
t0 = time.time()
job = t.start("gan", "/work/main/runs/emoji", 32, 0, "emoji", "standard")
log = []
while True:
    time.sleep(60)
    s = t.status(job)
    m = round((time.time() - t0) / 60)
    if s["grid"]:
        shutil.copy(s["grid"], out / f"grid-{m:02d}min-step{s['grid_step']}.png")
    log.append({"min": m, "step": s["step"], "img_per_s": s["img_per_s"], "state": s["state"]})
    (out / "log.json").write_text(json.dumps(log))
    if s["state"] != "running":
        break
print(t.publish(job))
