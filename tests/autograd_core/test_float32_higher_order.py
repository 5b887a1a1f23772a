"""Higher derivatives in float32 agree with float64.

A rule that is exact in float64 can still be poor in float32: `-g * a / (b * b)` for the
divisor's gradient squares b, which overflows or cancels once the rule is differentiated again
(HIPS autograd's tanh example, (1 - exp(-x)) / (1 + exp(-x)), at x = -6.98). So for every
elementwise op the third derivative (the gradient of the sum of the gradient of the sum of the
gradient of the sum) is computed in float32 and compared with the same computed in float64 at
the same (float32) inputs, drawn inside the op's Spec domain and away from its kinks.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import registry_samplers as rs

import autograd_core as ag
from autograd_core import engine
from autograd_core.ops import REGISTRY
from autograd_core.tensor import apply

RTOL = 2e-4  # about 1700 float32 ulps, for three differentiations on top of the forward
ELEMENTWISE = sorted(n for n, op in REGISTRY.items()
                     if op.differentiable and op.spec is not None
                     and op.spec.kind == "elementwise" and n != "cast")


def _nth_derivative(fn, xs, k: int, order: int = 3) -> np.ndarray:
    """d^order / dx_k^order of sum(fn(*xs)), elementwise (fn elementwise in x_k)."""
    ts = [ag.tensor(x, requires_grad=True) for x in xs]
    y = fn(*ts).sum()
    for _ in range(order):
        if not y.requires_grad:
            return np.zeros_like(xs[k])
        (g,) = engine.grad(y, [ts[k]], create_graph=True, allow_unused=True)
        if g is None:
            return np.zeros_like(xs[k])
        y = g.sum()
    return g._data


def _cases(name: str):
    op = REGISTRY[name]
    combos = [dict(zip(op.spec.params, vals))
              for vals in itertools.product(*op.spec.params.values())] or [{}]
    n = op.spec.nin
    # moderate inputs: the Spec domain within [-3, 3]; further out some third derivatives are
    # small differences of order-one terms (log_ndtr's at x = -6 is 2 / x^3 = -0.009 made from
    # terms near 1), which float32 cannot resolve whatever the rules
    doms = [(max(lo, -3.0), min(hi, 3.0)) for lo, hi in rs._domains(op, n)]
    for seed, params in itertools.product(range(3), combos):
        rng = np.random.default_rng(seed)
        args = [rng.uniform(lo, hi, 6) for lo, hi in doms]
        case = rs.Case(args, dict(params), tuple(range(n)))
        adjust = rs.AWAY_FROM_KINKS.get(name)
        if adjust is not None:
            adjust(case, rng)
        args = [np.asarray(a, np.float64).astype(np.float32) for a in case.args]
        yield op, args, case.params


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_third_derivative_in_float32_agrees_with_float64(name):
    for op, args32, params in _cases(name):
        args64 = [a.astype(np.float64) for a in args32]  # the same inputs, exactly

        def fn(*ts, params=params, op=op):
            return apply(op, ts, params)

        for k in range(len(args32)):
            with np.errstate(all="ignore"):
                d32 = _nth_derivative(fn, args32, k)
                d64 = _nth_derivative(fn, args64, k)
            assert d32.dtype == np.float32, f"{name}: third derivative in {d32.dtype}"
            scale = float(np.abs(d64).max(initial=0.0))
            np.testing.assert_allclose(
                d32, d64, rtol=RTOL, atol=RTOL * scale,
                err_msg=f"{name} {params}: third derivative in input {k}, float32 vs float64")


def _hips_tanh(x):
    return (1 - ag.exp(-x)) / (1 + ag.exp(-x))


@pytest.mark.parametrize("x", [-6.98, -7.0, -3.5, 0.3, 6.98])
@pytest.mark.parametrize("order", [3, 4])
def test_hips_tanh_example_third_and_fourth_derivatives(x, order):
    """The composition that exposed the squared divisor: its third derivative at -6.98 was
    off by 6e-4 relative in float32 and its fourth by a factor of 3e4."""
    x32 = np.array([x], np.float32)
    d32 = _nth_derivative(_hips_tanh, [x32], 0, order)
    d64 = _nth_derivative(_hips_tanh, [x32.astype(np.float64)], 0, order)
    assert d32.dtype == np.float32
    np.testing.assert_allclose(d32, d64, rtol=RTOL if order == 3 else 1e-3, atol=0)
