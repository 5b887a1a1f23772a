#!/usr/bin/env bash
# The main job on a fresh machine: set-up, then train on the built-in data and write the results.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TORCH=0 bash scripts/setup.sh
export MPLBACKEND=Agg
exec .venv/bin/python -m nn "$@"
