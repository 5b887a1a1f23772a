"""Adjusters for the elementwise and special ops: values moved off the jumps of the rounding
functions, off the integers of a / b for fmod and remainder, off zero where a sign flips, and
apart where fmax and fmin would tie.

Registered into registry_samplers.AWAY_FROM_KINKS, so the registry test gradient-checks these
ops to second order like every other; their inputs come from the "elementwise" sampler.
"""

from __future__ import annotations

import numpy as np
import registry_samplers
from registry_samplers import Case, _separate_pair, away_from


def _off_grid(step_of, offset: float):
    """Values moved into the middle 80 % of the cells between jumps at offset + k * step."""

    def adjust(case: Case, rng: np.random.Generator) -> None:
        step = step_of(case.params)
        cell = (case.args[0] - offset * step) / step
        inner = np.floor(cell) + 0.1 + 0.8 * (cell - np.floor(cell))
        case.args[0] = inner * step + offset * step

    return adjust


def _quotient_off_integers(case: Case, rng: np.random.Generator) -> None:
    """a / b kept in the middle of the cells between integers (a given the full shape)."""
    a, b = case.args[0], case.args[1]
    a = np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)).copy()
    q = a / b
    q = np.floor(q) + 0.1 + 0.8 * (q - np.floor(q))
    case.args[0] = q * b


def _away_at(*slots: int, margin: float = 0.1):
    def adjust(case: Case, rng: np.random.Generator) -> None:
        for i in slots:
            case.args[i] = away_from(case.args[i], 0.0, margin)

    return adjust


def _logit_away(case: Case, rng: np.random.Generator) -> None:
    eps = case.params.get("eps")
    if eps is not None:
        case.args[0] = away_from(away_from(case.args[0], eps), 1.0 - eps)


registry_samplers.AWAY_FROM_KINKS.update({
    "floor": _off_grid(lambda p: 1.0, 0.0),
    "ceil": _off_grid(lambda p: 1.0, 0.0),
    "trunc": _off_grid(lambda p: 1.0, 0.0),
    "round": _off_grid(lambda p: 10.0 ** -p.get("decimals", 0), 0.5),
    "fmod": _quotient_off_integers,
    "remainder": _quotient_off_integers,
    "copysign": _away_at(0, 1),
    "hypot": _away_at(0),
    "atan2": _away_at(0, margin=0.3),
    "fmax": _separate_pair,
    "fmin": _separate_pair,
    "i0e": _away_at(0),
    "i1e": _away_at(0),
    "sinc": _away_at(0),
    "logit": _logit_away,
})
