#!/usr/bin/env bash
# The main job on a fresh machine: set-up, then train on the built-in data and write the results.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TORCH=0 bash scripts/setup.sh
export MPLBACKEND=Agg
# one BLAS thread: small models run several times faster than with threads contending
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec .venv/bin/python -m experiments "$@"
