#!/usr/bin/env bash
# Creates .venv with the project, the main job's extras and the test tools, and makes sure
# Graphviz's `dot` exists.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
    echo "setup: installing Graphviz (dot)"
    SUDO=""
    if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    if command -v apt-get >/dev/null 2>&1; then
        $SUDO apt-get update -qq || true
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz >/dev/null \
            || echo "setup: could not install graphviz; SVG rendering tests will be skipped"
    else
        echo "setup: no apt-get here; install Graphviz yourself to render SVGs"
    fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
    echo "setup: installing the project, the main job's extras and the test tools into .venv"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    # test: pytest and friends; demo: matplotlib and mnist1d, for the main job and the notebooks
    .venv/bin/python -m pip install -q -e ".[test,demo]"
    touch "$stamp"
fi
# PyTorch is an optional test oracle, and only this exact version (a CPU build).
if [ "${WITH_TORCH:-1}" = "1" ] && ! .venv/bin/python -c "import torch" >/dev/null 2>&1; then
    echo "setup: installing torch==2.13.0 (CPU, optional test oracle; about a minute)"
    started=$SECONDS
    if .venv/bin/python -m pip install -q "torch==2.13.0" >/dev/null 2>&1; then
        echo "setup: installed torch==2.13.0 in $((SECONDS - started)) s"
    else
        echo "setup: torch==2.13.0 not available; tests that compare with PyTorch are skipped"
    fi
fi
