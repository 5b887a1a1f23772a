"""Samplers for the linear-algebra ops (ops/linalg.py): well-conditioned matrices, batched or
not, so that central differences of a factorization are meaningful.

Imported at the end of registry_samplers.py, which it extends with the kinds `square_matrix
solve triangle diagonal diag_embed spd solve_triangular symmetric svd qr full_rank`. Singular
values and eigenvalues are drawn apart from each other (gaps of at least 0.3) and from zero,
since the vector gradients divide by their differences.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import registry_samplers
from hypothesis import strategies as st
from registry_samplers import Case, _params, uniform

from autograd_core.ops.registry import Op

MAX_N = 4


def _rng(draw: Any) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _batch(draw: Any) -> tuple:
    return draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))


def _orthogonal(rng: np.random.Generator, batch: tuple, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, 0, -2, -1))[..., None, :]


def _spread(rng: np.random.Generator, batch: tuple, k: int, lo: float) -> np.ndarray:
    """k values per matrix, at least `lo` and 0.3 apart, in random order."""
    base = lo + 0.4 * np.arange(k) + rng.uniform(0, 0.1, size=batch + (k,))
    return np.take_along_axis(base, rng.permuted(np.broadcast_to(np.arange(k), base.shape)
                                                 .copy(), axis=-1), axis=-1)


def _with_values(rng: np.random.Generator, batch: tuple, m: int, n: int,
                 lo: float = 0.5) -> np.ndarray:
    """U diag(s) V^T with distinct singular values s >= lo."""
    k = min(m, n)
    s = _spread(rng, batch, k, lo)
    u = _orthogonal(rng, batch, m)[..., :k]
    v = _orthogonal(rng, batch, n)[..., :k]
    return (u * s[..., None, :]) @ np.swapaxes(v, -1, -2)


@st.composite
def square_matrix(draw: Any, op: Op) -> Case:
    batch, n = _batch(draw), draw(st.integers(1, MAX_N))
    a = _with_values(_rng(draw), batch, n, n)
    return Case([a], _params(draw, op), (0,), note=f"n={n}")


@st.composite
def solve(draw: Any, op: Op) -> Case:
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                    max_side=3))
    ba, bb = shapes.input_shapes
    n, k = draw(st.integers(1, MAX_N)), draw(st.integers(1, 3))
    rng = _rng(draw)
    return Case([_with_values(rng, ba, n, n), uniform(rng, bb + (n, k), -2, 2)], {}, (0, 1))


@st.composite
def triangle(draw: Any, op: Op) -> Case:
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=MAX_N))
    return Case([uniform(_rng(draw), shape, -2, 2)], _params(draw, op), (0,))


@st.composite
def diagonal(draw: Any, op: Op) -> Case:
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=MAX_N))
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=2, max_size=2, unique=True))
    offset = draw(st.integers(-2, 2))
    params = {"offset": offset, "axis1": axes[0], "axis2": axes[1]}
    return Case([uniform(_rng(draw), shape, -2, 2)], params, (0,))


@st.composite
def diag_embed(draw: Any, op: Op) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_N))
    axes = draw(st.lists(st.integers(0, len(shape)), min_size=2, max_size=2, unique=True))
    offset = draw(st.integers(-2, 2))
    params = {"offset": offset, "axis1": axes[0], "axis2": axes[1]}
    if draw(st.booleans()):  # a frame longer on one side, as diagonal's adjoint asks for
        n = shape[-1]
        size = [n + max(-offset, 0), n + max(offset, 0)]
        size[draw(st.integers(0, 1))] += draw(st.integers(1, 2))
        params["size"] = tuple(size)
    return Case([uniform(_rng(draw), shape, -2, 2)], params, (0,))


def _spd(rng: np.random.Generator, batch: tuple, n: int) -> np.ndarray:
    q = _orthogonal(rng, batch, n)
    a = (q * _spread(rng, batch, n, 0.5)[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2


@st.composite
def spd(draw: Any, op: Op) -> Case:
    batch, n = _batch(draw), draw(st.integers(1, MAX_N))
    return Case([_spd(_rng(draw), batch, n)], _params(draw, op), (0,), note=f"n={n}")


@st.composite
def symmetric(draw: Any, op: Op) -> Case:
    """Q diag(w) Q^T with eigenvalues of both signs, 0.3 apart."""
    batch, n = _batch(draw), draw(st.integers(1, MAX_N))
    rng = _rng(draw)
    q = _orthogonal(rng, batch, n)
    w = _spread(rng, batch, n, -1.5)
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return Case([(a + np.swapaxes(a, -1, -2)) / 2], _params(draw, op), (0,), note=f"n={n}")


@st.composite
def solve_triangular(draw: Any, op: Op) -> Case:
    """A triangle with a diagonal of magnitude 1 to 2 and small entries off it; the other
    triangle holds values the op must ignore."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                    max_side=3))
    ba, bb = shapes.input_shapes
    n, k = draw(st.integers(1, MAX_N)), draw(st.integers(1, 3))
    params = _params(draw, op)
    rng = _rng(draw)
    a = uniform(rng, ba + (n, n), -0.4, 0.4)
    d = rng.uniform(1.0, 2.0, size=ba + (n,)) * rng.choice([-1.0, 1.0], size=ba + (n,))
    a[..., np.arange(n), np.arange(n)] = d
    b = uniform(rng, bb + ((n, k) if params["left"] else (k, n)), -2, 2)
    return Case([a, b], params, (0, 1))


@st.composite
def svd(draw: Any, op: Op) -> Case:
    """Full-rank matrices with distinct singular values; square with full_matrices, where the
    extra columns, which carry no gradient, do not exist."""
    params = _params(draw, op)
    batch = _batch(draw)
    m = draw(st.integers(1, MAX_N))
    n = m if params["full_matrices"] else draw(st.integers(1, MAX_N))
    return Case([_with_values(_rng(draw), batch, m, n)], params, (0,), note=f"{m}x{n}")


@st.composite
def qr(draw: Any, op: Op) -> Case:
    """Full rank; at most as many rows as columns in mode 'complete' (the only differentiable
    case there)."""
    params = _params(draw, op)
    batch = _batch(draw)
    m, n = draw(st.integers(1, MAX_N)), draw(st.integers(1, MAX_N))
    if params["mode"] == "complete" and m > n:
        m, n = n, m
    return Case([_with_values(_rng(draw), batch, m, n)], params, (0,), note=f"{m}x{n}")


@st.composite
def full_rank(draw: Any, op: Op) -> Case:
    batch = _batch(draw)
    m, n = draw(st.integers(1, MAX_N)), draw(st.integers(1, MAX_N))
    return Case([_with_values(_rng(draw), batch, m, n)], _params(draw, op), (0,),
                note=f"{m}x{n}")


registry_samplers.SAMPLERS.update({
    "square_matrix": square_matrix, "solve": solve, "triangle": triangle,
    "diagonal": diagonal, "diag_embed": diag_embed, "spd": spd, "symmetric": symmetric,
    "solve_triangular": solve_triangular, "svd": svd, "qr": qr, "full_rank": full_rank,
})
