"""Samplers for the shape and indexing ops: roll, scatter, scatter_reduce, clamp_tensor.

Registered into registry_samplers.SAMPLERS, so the registry test gradient-checks these ops
to second order like every other.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import registry_samplers
from hypothesis import strategies as st
from registry_samplers import MAX_SIDE, Case, _maybe_negative, _params, distinct, uniform

from autograd_core.ops.registry import Op


def _rng(draw: Any) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def roll(draw: Any, op: Op) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape),
                         unique=True))
    shifts = tuple(draw(st.integers(-5, 5)) for _ in axes)
    axes = tuple(_maybe_negative(draw, a, len(shape)) for a in axes)
    return Case([uniform(_rng(draw), shape, -2, 2)], {"shifts": shifts, "axes": axes}, (0,))


@st.composite
def scatter_geometry(draw: Any, unique: bool) -> tuple[tuple, tuple, int, np.ndarray]:
    """(input shape, src shape, dim, index): index no larger than src anywhere and no larger
    than the input outside dim; with `unique`, no two elements of a line along dim share a
    target (scatter's overwrite is then deterministic)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE))
    dim = draw(st.integers(0, len(shape) - 1))
    n = shape[dim]
    ishape = [draw(st.integers(1, m)) for m in shape]
    ishape[dim] = draw(st.integers(1, n if unique else 5))
    src_shape = tuple(m + draw(st.integers(0, 1)) for m in ishape)
    rng = _rng(draw)
    if unique:
        lines = list(ishape)
        lines[dim] = n
        order = np.argsort(rng.random(tuple(lines)), axis=dim)
        index = np.take(order, np.arange(ishape[dim]), axis=dim)
    else:
        index = rng.integers(0, n, size=tuple(ishape))
    return shape, src_shape, dim, index.astype(np.int64)


@st.composite
def scatter(draw: Any, op: Op) -> Case:
    shape, src_shape, dim, index = draw(scatter_geometry(unique=True))
    rng = _rng(draw)
    dim = _maybe_negative(draw, dim, len(shape)) % len(shape)
    return Case([uniform(rng, shape, -2, 2), uniform(rng, src_shape, -2, 2), index],
                {"dim": dim}, (0, 1))


@st.composite
def scatter_reduce(draw: Any, op: Op) -> Case:
    params = _params(draw, op)
    shape, src_shape, dim, index = draw(scatter_geometry(unique=False))
    rng = _rng(draw)
    n = int(np.prod(shape))
    if params["reduce"] in ("amax", "amin"):  # no ties: every value differs
        values = distinct(rng, (n + int(np.prod(src_shape)),), -2.0, 2.0)
        x, src = values[:n].reshape(shape), values[n:].reshape(src_shape)
    elif params["reduce"] == "prod":  # magnitudes near 1, so products stay well scaled
        x = uniform(rng, shape, 0.5, 1.5) * rng.choice([-1.0, 1.0], size=shape)
        src = uniform(rng, src_shape, 0.5, 1.5) * rng.choice([-1.0, 1.0], size=src_shape)
    else:
        x, src = uniform(rng, shape, -2, 2), uniform(rng, src_shape, -2, 2)
    return Case([x, src, index], dict(params, dim=dim), (0, 1), note=params["reduce"])


@st.composite
def clamp_tensor(draw: Any, op: Op) -> Case:
    """x, lo, hi on interleaved grids: |x - lo|, |x - hi| and |lo - hi| stay clear of 0, so
    no difference crosses a bound; lo > hi happens too (the result is then hi)."""
    bshapes = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=3, min_dims=0, max_dims=3, min_side=1, max_side=MAX_SIDE))
    xs, ls, hs = bshapes.input_shapes
    rng = _rng(draw)
    x = rng.integers(-4, 4, size=xs) * 0.5 + 0.25 + rng.uniform(-0.05, 0.05, size=xs)
    lo = rng.integers(-3, 1, size=ls) * 0.5 + rng.uniform(-0.03, 0.03, size=ls)
    hi = rng.integers(-1, 3, size=hs) * 0.5 + 0.1 + rng.uniform(-0.03, 0.03, size=hs)
    which = draw(st.sampled_from(["both", "lo", "hi"]))
    args = [np.asarray(x), np.asarray(lo) if which != "hi" else None,
            np.asarray(hi) if which != "lo" else None]
    return Case(args, {}, tuple(i for i, a in enumerate(args) if a is not None), note=which)


SAMPLERS = {
    "roll": roll,
    "scatter": scatter,
    "scatter_reduce": scatter_reduce,
    "clamp_tensor": clamp_tensor,
}
registry_samplers.SAMPLERS.update(SAMPLERS)
