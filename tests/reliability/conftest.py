"""Reports how many random graphs and ops the reliability tests covered in this session."""

from __future__ import annotations

from .tally import TALLY


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
