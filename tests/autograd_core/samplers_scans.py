"""Samplers for the scans (`scan` Spec kind) and the adjusters of the median reductions.

Imported at the end of registry_samplers.py, which it extends: `SAMPLERS["scan"]`, and the
tie adjusters of `median` and `nanmedian` in `AWAY_FROM_KINKS`.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import registry_samplers as rs
from hypothesis import strategies as st

from autograd_core.ops.registry import Op


@st.composite
def scan(draw: Any, op: Op) -> rs.Case:
    """nin inputs of one shape (at least 1-d) and one axis, maybe negative; an op whose Spec
    notes zeros gets exact zeros in about a quarter of its entries."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=rs.MAX_SIDE))
    axis = rs._maybe_negative(draw, draw(st.integers(0, len(shape) - 1)), len(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = op.spec.nin
    args = [rs.uniform(rng, shape, lo, hi) for lo, hi in rs._domains(op, n)]
    if "zeros" in op.spec.notes:
        args = [np.where(rng.random(shape) < 0.25, 0.0, a) for a in args]
    params = rs._params(draw, op)
    params["axis"] = axis
    return rs.Case(args, params, tuple(range(n)))


rs.SAMPLERS["scan"] = scan
rs.AWAY_FROM_KINKS["median"] = rs._untie
rs.AWAY_FROM_KINKS["nanmedian"] = rs._untie
