#!/usr/bin/env bash
# The wheels that docs/metrics/gpu/bench.sh needs on a lent GPU machine (its image has torch, numpy, OpenCV,
# httpx, pandas … but not gradio, diffusers or their pure-Python needs), in .whl/ (git-ignored through
# .git/info/exclude; carried with the device tool's `carry: [".whl"]`). Gradio's wheel is rebuilt without its
# browser bundle, node server and media (31 MB → 1.1 MB): the benchmark calls the studio's API, never its page,
# and the working tree that travels is limited to 64 MiB. Python 3.12 x86-64 wheels, as that machine runs.
# Usage, in the repository's root: bash docs/metrics/gpu/wheels.sh
set -eu
exclude=$(git rev-parse --git-common-dir)/info/exclude
mkdir -p "$(dirname "$exclude")"
grep -qx '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >> "$exclude"
rm -rf .whl && mkdir .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
  gradio==6.31.0 gradio_client==2.7.2 hf-gradio==0.4.1 diffusers==0.42.1 fastapi==0.165.0 starlette==1.10.0 \
  uvicorn==0.54.0 pydantic==2.14.4 pydantic_core==2.50.5 annotated-types typing-inspection orjson==3.13.0 \
  python-multipart==0.0.34 safehttpx==0.1.7 groovy==0.1.2 tomlkit==0.14.0 semantic-version==2.10.0 \
  brotli==1.2.1 pydub==0.25.1 ffmpy importlib_metadata lazy-importer==0.1.0 opentelemetry-api==1.45.2 \
  typing_extensions==4.16.0 pytz 2>&1 | grep -v '^WARNING: Location' || true
python3 - <<'PY'
import zipfile
from pathlib import Path
wheel = Path(".whl/gradio-6.31.0-py3-none-any.whl")
drop = ("gradio/templates/frontend/static/", "gradio/templates/frontend/assets/", "gradio/templates/node/",
        "gradio/media_assets/", "gradio/test_data/", "gradio/CHANGELOG.md", "gradio/_frontend_code/")
slim = wheel.with_suffix(".slim")
with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as out:
    for item in src.infolist():
        if not item.filename.startswith(drop):
            out.writestr(item, src.read(item.filename))
slim.replace(wheel)
PY
du -sh .whl
