#!/usr/bin/env bash
# The GPU benchmark, as run on a lent H200 (README, "Speed"): `python -m genart bench` on the registry's CUDA
# device, the sections that the GPU changes, writing its JSON after every section so that a run cut short
# still reports. The machine's own python3 (its torch) runs it; what the studio needs beyond that image
# travels as wheels in .whl/ (gradio without its browser bundle, diffusers, their pure-Python needs), made
# here by `bash docs/metrics/gpu/wheels.sh` and sent with the device tool's `carry: [".whl"]`.
# Usage there: bash docs/metrics/gpu/bench.sh OUT_DIR
set -u
out=${1:?usage: bench.sh OUT_DIR}
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv \
  > "$out/nvidia-smi.csv" 2>&1
python3 -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name())" \
  | tee "$out/versions.txt"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
timeout "${BENCH_SECONDS:-470}" python3 -m genart bench --keep-going --json --out "$out/bench-gpu.json" \
  --only flops classifier vae gan diffusion style neural batching unet_peers roundtrip train \
  > /dev/null 2> "$out/stderr.txt"
echo "bench exit $?"
python3 - "$out/bench-gpu.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps(d["machine"]))
for k, v in d.items():
    if k != "machine":
        print(k, v.get("section_s"), v.get("error") or v.get("skipped") or "ok=%s" % v.get("ok"))
print(json.dumps(d.get("flops")))
PY
tail -5 "$out/stderr.txt"
