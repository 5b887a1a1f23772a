#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, lint, then pytest with the bounded CI profile.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
export MPLBACKEND=Agg
# one BLAS thread: small models run several times faster than with threads contending
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q "$@"
