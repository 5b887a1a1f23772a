"""Reliability tests: long checks run only when asked for, and a report of how many random
graphs and ops the randomized tests covered in this session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .tally import TALLY

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked slow here (minutes each) run with `-m slow` or RELIABILITY_SLOW=1."""
    if "slow" in (config.getoption("markexpr") or "") or os.environ.get("RELIABILITY_SLOW"):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or RELIABILITY_SLOW=1")
    for item in items:
        if "slow" in item.keywords and HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if TALLY.empty():
        return
    import autograd_core as ag

    registry = sorted(n for n, op in ag.REGISTRY.items() if op.differentiable)
    terminalreporter.section("random graph coverage")
    for line in TALLY.summary_lines(registry):
        terminalreporter.write_line(line)
    cache = getattr(config, "cache", None)
    if cache is not None:
        cache.set("reliability/coverage", TALLY.as_dict())
