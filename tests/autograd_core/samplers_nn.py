"""Samplers and adjusters for the nn.functional primitives (autograd_core/ops/activations.py):
values moved off the kinks of hardswish and hardsigmoid at -3 and 3, and off the kinks and
jumps of the shrinks at -lambd and lambd (their inputs come from the "elementwise" sampler);
the "pad_mode" and "pad_mode_adjoint" kinds draw a shape and the widths each mode allows.

Imported at the end of registry_samplers.py, which it extends.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import registry_samplers as rs
from hypothesis import strategies as st

from autograd_core.ops.registry import Op

_PM3 = rs._unary_away(lambda p: [-3.0, 3.0])
_PM_LAMBD = rs._unary_away(lambda p: [-p["lambd"], p["lambd"]])

rs.AWAY_FROM_KINKS.update({
    "hardswish": _PM3,
    "hardsigmoid": _PM3,
    "softshrink": _PM_LAMBD,
    "hardshrink": _PM_LAMBD,
})


def _pad_case(draw: Any, op: Op, adjoint: bool) -> rs.Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=rs.MAX_SIDE))
    mode = draw(st.sampled_from(op.spec.params["mode"]))
    limit = {"reflect": lambda n: n - 1, "circular": lambda n: n}.get(mode, lambda n: 3)
    widths = tuple((draw(st.integers(0, limit(n))), draw(st.integers(0, limit(n))))
                   for n in shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if adjoint:
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(shape, widths))
    return rs.Case([rs.uniform(rng, shape, -2.0, 2.0)], {"widths": widths, "mode": mode}, (0,))


@st.composite
def pad_mode(draw: Any, op: Op) -> rs.Case:
    return _pad_case(draw, op, adjoint=False)


@st.composite
def pad_mode_adjoint(draw: Any, op: Op) -> rs.Case:
    return _pad_case(draw, op, adjoint=True)


rs.SAMPLERS["pad_mode"] = pad_mode
rs.SAMPLERS["pad_mode_adjoint"] = pad_mode_adjoint
