#!/bin/bash
# The full suite of an older commit and of this checkout, one after the other on the same machine, then the fast
# tier. Pause background work first (kill -STOP). Usage: docs/metrics/suite/side_by_side.sh OLD_COMMIT
set -u
old=${1:?an older commit}
root=$(git rev-parse --show-toplevel); py=$root/.venv/bin/python; base=$(mktemp -d)/base
git -C "$root" worktree add -f "$base" "$old" >/dev/null
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 NO_PROXY=127.0.0.1,localhost
export GRADIO_SERVER_NAME=127.0.0.1 CHROMIUM_PATH=/usr/bin/chromium
run() {   # name, folder, pytest args...
  local name=$1 dir=$2; shift 2
  export GRADIO_EXAMPLES_CACHE="$(mktemp -d)" GRADIO_TEMP_DIR="$(mktemp -d)"
  local start=$(date +%s)
  (cd "$dir" && "$py" -m pytest -q "$@" > "/tmp/suite_$name.log" 2>&1)
  echo "$name $(git -C "$dir" rev-parse --short HEAD) wall $(( $(date +%s) - start )) s:" \
       "$(grep -E 'passed|failed' "/tmp/suite_$name.log" | tail -1)"
}
run before "$base"
run after "$root"
run fast "$root" -m "not e2e and not slow"
git -C "$root" worktree remove --force "$base"
