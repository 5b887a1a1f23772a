"""Shape and indexing functions: values, gradients and second derivatives against PyTorch on
seeded random inputs, and closed-form checks (values, gradients at ties, errors) that stand
without it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from samplers_indexing import scatter_geometry

import autograd_core as ag
from autograd_core import engine


def _idx(M: Any, a: Any) -> Any:
    return M.tensor(np.asarray(a, dtype=np.int64))


def _mask(M: Any, a: Any) -> Any:
    return M.tensor(np.asarray(a, dtype=bool))


def _flat(M: Any, parts: Any) -> Any:
    return M.cat([p.reshape(-1) for p in parts])


def _distinct(rng: np.random.Generator, *shapes: tuple) -> list[np.ndarray]:
    """Arrays whose values all differ by at least 0.1 (no ties for amax, amin, clamp)."""
    sizes = [int(np.prod(s)) for s in shapes]
    values = (rng.permutation(sum(sizes)) - sum(sizes) / 2) * 0.2 + rng.uniform(-0.03, 0.03)
    out, start = [], 0
    for s, n in zip(shapes, sizes):
        out.append(values[start:start + n].reshape(s))
        start += n
    return out


def _u(rng: np.random.Generator, *shapes: tuple) -> list[np.ndarray]:
    return [rng.uniform(-2, 2, size=s) for s in shapes]


# Each case: id, inputs (from a generator), and fn(M, *tensors) run with M = ag and M = torch.
Case = tuple[str, Callable[[np.random.Generator], list], Callable[..., Any]]


def _unique_index(rng: np.random.Generator, shape: tuple, n: int, dim: int) -> np.ndarray:
    lines = list(shape)
    lines[dim] = n
    order = np.argsort(rng.random(tuple(lines)), axis=dim)
    return np.take(order, np.arange(shape[dim]), axis=dim)


SCATTER_INDEX = np.array([[0, 2, 2], [1, 1, 0], [3, 0, 3]])  # repeats along dim 0 of (4, 3)
UNIQUE_INDEX = np.array([[2, 0, 1], [0, 3, 2]])
MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

CASES: list[Case] = [
    ("roll dims", lambda r: _u(r, (3, 4)), lambda M, x: M.roll(x, (1, -2), (0, 1))),
    ("roll flat", lambda r: _u(r, (3, 4)), lambda M, x: M.roll(x, 5)),
    ("roll method", lambda r: _u(r, (2, 3, 2)), lambda M, x: x.roll(-1, 2)),
    *[(f"rot90 k={k} dims={d}", lambda r: _u(r, (2, 3, 4)),
       lambda M, x, k=k, d=d: M.rot90(x, k, d))
      for k in (0, 1, 2, 3, -1, 5) for d in ((0, 1), (2, 1), (0, -1))],
    ("narrow", lambda r: _u(r, (3, 5)), lambda M, x: M.narrow(x, 1, 1, 3)),
    ("narrow negative start", lambda r: _u(r, (3, 5)), lambda M, x: x.narrow(1, -3, 2)),
    ("index_select repeats", lambda r: _u(r, (3, 4)),
     lambda M, x: M.index_select(x, 1, _idx(M, [3, 0, 3, 1, 3]))),
    ("index_select dim 0 method", lambda r: _u(r, (3, 4)),
     lambda M, x: x.index_select(0, _idx(M, [2, 2]))),
    ("masked_fill number", lambda r: _u(r, (3, 4)),
     lambda M, x: M.masked_fill(x, _mask(M, MASK), 0.5)),
    ("masked_fill Tensor value", lambda r: _u(r, (3, 4), ()),
     lambda M, x, v: M.masked_fill(x, _mask(M, MASK), v)),
    ("masked_fill broadcast mask", lambda r: _u(r, (3, 4)),
     lambda M, x: x.masked_fill(_mask(M, MASK[0]), -1.0)),
    ("masked_select", lambda r: _u(r, (3, 4)),
     lambda M, x: M.masked_select(x, _mask(M, MASK))),
    ("masked_select broadcast", lambda r: _u(r, (4,)),
     lambda M, x: x.masked_select(_mask(M, MASK))),
    ("scatter src", lambda r: _u(r, (4, 3), (2, 3)),
     lambda M, x, s: M.scatter(x, 0, _idx(M, UNIQUE_INDEX), s)),
    ("scatter src dim 1", lambda r: _u(r, (2, 4), (2, 2)),
     lambda M, x, s: x.scatter(1, _idx(M, UNIQUE_INDEX[:, :2].T.copy() % 4), s)),
    ("scatter value", lambda r: _u(r, (4, 3)),
     lambda M, x: M.scatter(x, 0, _idx(M, UNIQUE_INDEX), value=2.5)),
    ("scatter_add", lambda r: _u(r, (4, 3), (3, 3)),
     lambda M, x, s: M.scatter_add(x, 0, _idx(M, SCATTER_INDEX), s)),
    ("scatter_add method", lambda r: _u(r, (4, 3), (3, 3)),
     lambda M, x, s: x.scatter_add(1, _idx(M, SCATTER_INDEX % 3), s)),
    *[(f"scatter_reduce {red} include_self={inc}",
       (lambda r: _distinct(r, (4, 3), (3, 3))) if red in ("amax", "amin") else
       (lambda r: [a * np.where(r.random(a.shape) < 0.5, -1, 1)
                   for a in (r.uniform(0.5, 1.5, (4, 3)), r.uniform(0.5, 1.5, (3, 3)))]),
       lambda M, x, s, red=red, inc=inc:
           M.scatter_reduce(x, 0, _idx(M, SCATTER_INDEX), s, red, include_self=inc))
      for red in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    ("index_add alpha", lambda r: _u(r, (3, 4), (3, 5)),
     lambda M, x, s: M.index_add(x, 1, _idx(M, [3, 0, 3, 1, 3]), s, alpha=2.0)),
    ("index_add method", lambda r: _u(r, (3, 4), (2, 4)),
     lambda M, x, s: x.index_add(0, _idx(M, [1, 1]), s)),
    ("index_copy", lambda r: _u(r, (3, 4), (3, 2)),
     lambda M, x, s: M.index_copy(x, 1, _idx(M, [3, 0]), s)),
    ("take", lambda r: _u(r, (3, 4)),
     lambda M, x: M.take(x, _idx(M, [[0, -1, 5], [11, 5, -12]]))),
    ("diff", lambda r: _u(r, (4, 5)), lambda M, x: M.diff(x)),
    ("diff n=2 dim 0 prepend append", lambda r: _u(r, (4, 5), (1, 5), (2, 5)),
     lambda M, x, p, a: M.diff(x, n=2, dim=0, prepend=p, append=a)),
    ("diff n=3 method", lambda r: _u(r, (6,)), lambda M, x: x.diff(3)),
    ("block_diag", lambda r: _u(r, (2, 3), (3,), (), (1, 2)),
     lambda M, a, b, c, d: M.block_diag(a, b, c, d)),
    ("atleast_1d", lambda r: _u(r, (), (2,)), lambda M, a, b: _flat(M, M.atleast_1d(a, b))),
    ("atleast_2d", lambda r: _u(r, (3,)), lambda M, a: M.atleast_2d(a)),
    ("atleast_3d", lambda r: _u(r, (), (3,), (2, 3), (2, 3, 4)),
     lambda M, *ts: _flat(M, M.atleast_3d(ts))),
    ("hstack", lambda r: _u(r, (2, 3), (2, 1)), lambda M, a, b: M.hstack([a, b])),
    ("hstack 1-d", lambda r: _u(r, (3,), ()), lambda M, a, b: M.hstack([a, b])),
    ("vstack", lambda r: _u(r, (3,), (2, 3)), lambda M, a, b: M.vstack([a, b])),
    ("dstack", lambda r: _u(r, (3,), (1, 3)), lambda M, a, b: M.dstack([a, b])),
    ("column_stack", lambda r: _u(r, (2,), (2, 3), ()), lambda M, *ts: M.column_stack(ts[:2])),
    ("unflatten", lambda r: _u(r, (2, 6)), lambda M, x: M.unflatten(x, 1, (3, -1))),
    ("unflatten method", lambda r: _u(r, (6, 2)), lambda M, x: x.unflatten(0, (2, 3))),
    ("tensor_split sections", lambda r: _u(r, (7, 2)),
     lambda M, x: _flat(M, M.tensor_split(x, 3)) * M.arange(14)),
    ("tensor_split indices", lambda r: _u(r, (2, 7)),
     lambda M, x: _flat(M, x.tensor_split([1, 9, 2], dim=1)) * M.arange(24)),
    ("meshgrid ij", lambda r: _u(r, (2,), (3,), ()),
     lambda M, *ts: M.stack(M.meshgrid(*ts, indexing="ij"))),
    ("meshgrid xy", lambda r: _u(r, (2,), (3,), (4,)),
     lambda M, *ts: M.stack(M.meshgrid(*ts, indexing="xy"))),
    ("clamp Tensor bounds", lambda r: _distinct(r, (3, 4), (4,), (3, 1)),
     lambda M, x, lo, hi: M.clamp(x, lo, hi)),
    ("clamp Tensor min", lambda r: _distinct(r, (3, 4), (4,)), lambda M, x, lo: x.clamp(min=lo)),
    ("clamp Tensor max", lambda r: _distinct(r, (3, 4), ()),
     lambda M, x, hi: M.clamp(x, max=hi)),
    ("where Tensor operands", lambda r: _u(r, (3, 4), (4,)),
     lambda M, a, b: M.where(_mask(M, MASK), a, b)),
    ("where method", lambda r: _u(r, (3, 1), (3, 4)),
     lambda M, a, b: a.where(_mask(M, MASK), b)),
]


def _ag_grads(fn: Callable, xs: list, u: np.ndarray | None, w: list | None) -> tuple:
    ts = [ag.tensor(x, requires_grad=True) for x in xs]
    out = fn(ag, *ts)
    if u is None:
        return out, None, None
    ut = ag.tensor(u, requires_grad=True)
    first = engine.grad(out, ts, grad_outputs=ut, create_graph=True, allow_unused=True)
    first = [ag.zeros(x.shape, dtype=ag.float64) if g is None else g for g, x in zip(first, xs)]
    total = sum(((g * ag.tensor(wi)).sum() for g, wi in zip(first, w)), ag.tensor(0.0))
    if not total.requires_grad:
        return out, first, [np.zeros_like(a) for a in xs + [u]]
    second = engine.grad(total, ts + [ut], allow_unused=True)
    return out, first, [np.zeros_like(a) if g is None else g.detach().numpy()
                        for g, a in zip(second, xs + [u])]


def _torch_grads(torch: Any, fn: Callable, xs: list, u: np.ndarray, w: list) -> tuple:
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    out = fn(torch, *ts)
    ut = torch.tensor(u, requires_grad=True)
    first = torch.autograd.grad(out, ts, grad_outputs=ut, create_graph=True, allow_unused=True)
    first = [torch.zeros(x.shape, dtype=torch.float64) if g is None else g
             for g, x in zip(first, xs)]
    total = sum((g * torch.tensor(wi)).sum() for g, wi in zip(first, w))
    second = torch.autograd.grad(total, ts + [ut], allow_unused=True)
    return out, first, [np.zeros_like(a) if g is None else g.detach().numpy()
                        for g, a in zip(second, xs + [u])]


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_value_gradient_and_second_derivative_match_torch(case, seed):
    torch = pytest.importorskip("torch")
    _, make, fn = case
    rng = np.random.default_rng(seed)
    xs = [np.asarray(x, dtype=np.float64) for x in make(rng)]
    expected = fn(torch, *[torch.tensor(x) for x in xs])
    u = rng.standard_normal(tuple(expected.shape))
    w = [rng.standard_normal(x.shape) for x in xs]
    t_out, t_first, t_second = _torch_grads(torch, fn, xs, u, w)
    a_out, a_first, a_second = _ag_grads(fn, xs, u, w)
    assert a_out.shape == tuple(t_out.shape)
    assert a_out.dtype == np.float64
    np.testing.assert_allclose(a_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    for a, t in zip(a_first, t_first):
        np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    for a, t in zip(a_second, t_second):
        np.testing.assert_allclose(a, t, rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@given(data=st.data())
def test_scatter_family_matches_torch_on_drawn_geometries(data):
    """scatter, scatter_add and every scatter_reduce on hypothesis-drawn shapes, dims and
    indices (src in index's shape: PyTorch's backward accepts no larger src)."""
    torch = pytest.importorskip("torch")
    kind = data.draw(st.sampled_from(["scatter", "scatter_add", "sum", "prod", "mean", "amax",
                                      "amin"]), label="kind")
    shape, _, dim, index = data.draw(scatter_geometry(unique=kind == "scatter"))
    include_self = data.draw(st.booleans(), label="include_self")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x, src = _distinct(rng, shape, index.shape)
    if kind == "prod":
        x, src = x / (1 + np.abs(x).max()) + 1.5, src / (1 + np.abs(src).max()) + 1.5

    def fn(M: Any, a: Any, b: Any) -> Any:
        i = _idx(M, index)
        if kind == "scatter":
            return M.scatter(a, dim, i, b)
        if kind == "scatter_add":
            return a.scatter_add(dim, i, b)
        return M.scatter_reduce(a, dim, i, b, kind, include_self=include_self)

    u = rng.standard_normal(shape)
    w = [rng.standard_normal(shape), rng.standard_normal(index.shape)]
    t_out, t_first, t_second = _torch_grads(torch, fn, [x, src], u, w)
    a_out, a_first, a_second = _ag_grads(fn, [x, src], u, w)
    np.testing.assert_allclose(a_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    for a, t in zip(a_first, t_first):
        np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    for a, t in zip(a_second, t_second):
        np.testing.assert_allclose(a, t, rtol=1e-9, atol=1e-12)


# -- PyTorch's gradients at ties and zeros -------------------------------------------------------
TIES = [
    # the input gets the gradient where min <= x <= max (bounds included); min where x < min
    # and min < max; max where x > max or max < min
    ("clamp ties", [[-1.0, 0.0, 1.0, 2.0, 0.5]], [[0.0, 0.0, 0.0, 0.0, 0.0]],
     [[1.0, 1.0, 1.0, 1.0, 1.0]]),
    ("clamp min == max", [[0.0, 1.0, 2.0]], [[1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0]]),
    ("clamp min > max", [[0.0, 1.0, 3.0]], [[2.0, 2.0, 2.0]], [[1.0, 1.0, 1.0]]),
]
TIES_EXPECTED = {
    "clamp ties": ([0.0, 1.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0, 0.0],
                   [0.0, 0.0, 0.0, 1.0, 0.0]),
    "clamp min == max": ([0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
    "clamp min > max": ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]),
}


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", TIES, ids=[c[0] for c in TIES])
def test_clamp_with_tensor_bounds_passes_pytorchs_gradients_at_ties(case, create_graph):
    name, x, lo, hi = case
    ts = [ag.tensor(np.array(v[0])) .requires_grad_() for v in (x, lo, hi)]
    grads = engine.grad(ag.clamp(*ts).sum(), ts, create_graph=create_graph)
    for g, e in zip(grads, TIES_EXPECTED[name]):
        np.testing.assert_array_equal(g.numpy(), np.array(e))


@pytest.mark.torch
@pytest.mark.parametrize("case", TIES, ids=[c[0] for c in TIES])
def test_clamp_tie_choices_are_torchs(case):
    torch = pytest.importorskip("torch")
    name, x, lo, hi = case
    ts = [torch.tensor(v[0], dtype=torch.float64, requires_grad=True) for v in (x, lo, hi)]
    grads = torch.autograd.grad(torch.clamp(*ts).sum(), ts)
    for g, e in zip(grads, TIES_EXPECTED[name]):
        np.testing.assert_array_equal(g.numpy(), np.array(e))


def test_scatter_reduce_prod_gradient_with_zeros():
    # group 0 gets x=2 and src 0, 3 (one zero); group 1 gets x=5 and src 0, 0 (two zeros)
    x = ag.tensor([2.0, 5.0, 7.0], requires_grad=True)
    src = ag.tensor([0.0, 3.0, 0.0, 0.0], requires_grad=True)
    index = ag.tensor(np.array([0, 0, 1, 1]))
    out = ag.scatter_reduce(x, 0, index, src, "prod")
    np.testing.assert_array_equal(out.detach().numpy(), [0.0, 0.0, 7.0])
    gx, gs = engine.grad(out.sum(), [x, src])
    np.testing.assert_array_equal(gx.numpy(), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(gs.numpy(), [6.0, 0.0, 0.0, 0.0])


def test_scatter_reduce_amax_splits_ties_evenly():
    x = ag.tensor([1.0, 0.0], requires_grad=True)
    src = ag.tensor([3.0, 3.0, -1.0], requires_grad=True)
    out = ag.scatter_reduce(x, 0, ag.tensor(np.array([0, 0, 1])), src, "amax")
    np.testing.assert_array_equal(out.detach().numpy(), [3.0, 0.0])
    gx, gs = engine.grad(out.sum(), [x, src])
    np.testing.assert_array_equal(gx.numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(gs.numpy(), [0.5, 0.5, 0.0])


@pytest.mark.torch
def test_scatter_reduce_zeros_and_ties_are_torchs():
    torch = pytest.importorskip("torch")
    for reduce, xv, sv, iv in (("prod", [2.0, 5.0, 7.0], [0.0, 3.0, 0.0, 0.0], [0, 0, 1, 1]),
                               ("amax", [1.0, 0.0], [3.0, 3.0, -1.0], [0, 0, 1]),
                               ("amin", [1.0, 1.0], [1.0, 3.0, 1.0], [0, 0, 1])):
        for inc in (True, False):
            got = [ag.tensor(v, requires_grad=True) for v in (xv, sv)]
            ref = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (xv, sv)]
            a = ag.scatter_reduce(got[0], 0, _idx(ag, iv), got[1], reduce, include_self=inc)
            t = torch.scatter_reduce(ref[0], 0, _idx(torch, iv), ref[1], reduce,
                                     include_self=inc)
            np.testing.assert_array_equal(a.detach().numpy(), t.detach().numpy())
            if reduce == "amin" and not inc:
                continue  # torch counts the left-out self among the ties it splits between
            for g, h in zip(engine.grad(a.sum(), got), torch.autograd.grad(t.sum(), ref)):
                np.testing.assert_allclose(g.numpy(), h.numpy(), err_msg=f"{reduce} {inc}")


# -- closed forms ------------------------------------------------------------------------------
def test_values_in_closed_form():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ag.roll(x, 1).numpy(), [[5, 0, 1], [2, 3, 4]])
    np.testing.assert_array_equal(ag.rot90(x).numpy(), [[2, 5], [1, 4], [0, 3]])
    np.testing.assert_array_equal(ag.narrow(x, 1, -1, 1).numpy(), [[2], [5]])
    np.testing.assert_array_equal(ag.take(x, ag.tensor(np.array([-1, 0]))).numpy(), [5, 0])
    np.testing.assert_array_equal(ag.diff(ag.tensor([1.0, 4.0, 9.0, 16.0]), 2).numpy(), [2, 2])
    np.testing.assert_array_equal(
        ag.block_diag(ag.tensor([1.0, 2.0]), ag.tensor(3.0)).numpy(), [[1, 2, 0], [0, 0, 3]])
    assert ag.block_diag().shape == (1, 0)
    assert [p.shape[0] for p in ag.tensor_split(ag.arange(7), 3)] == [3, 2, 2]
    assert [p.shape[0] for p in ag.tensor_split(ag.arange(7), [1, 9, 2])] == [1, 6, 0, 5]
    assert [p.shape[0] for p in ag.tensor_split(ag.arange(7), ag.tensor(np.int64(2)))] == [4, 3]
    gx, gy = ag.meshgrid(ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0, 5.0]), indexing="xy")
    assert gx.shape == gy.shape == (3, 2)
    np.testing.assert_array_equal(gx.numpy()[0], [1, 2])
    assert ag.atleast_3d(ag.tensor([1.0, 2.0])).shape == (1, 2, 1)
    assert ag.atleast_3d(ag.ones(2, 3)).shape == (2, 3, 1)
    assert ag.column_stack([ag.ones(2), ag.ones(2, 3)]).shape == (2, 4)
    assert ag.unflatten(ag.ones(2, 6), 1, (3, -1)).shape == (2, 3, 2)
    s = ag.scatter(ag.zeros(2, 3), 1, ag.tensor(np.array([[2], [0]])), value=1.5)
    np.testing.assert_array_equal(s.numpy(), [[0, 0, 1.5], [1.5, 0, 0]])
    m = ag.scatter_reduce(ag.ones(3), 0, ag.tensor(np.array([0, 0, 2])),
                          ag.tensor([3.0, 5.0, 7.0]), "mean", include_self=False)
    np.testing.assert_array_equal(m.numpy(), [4.0, 1.0, 7.0])


def test_gradients_in_closed_form():
    x = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    ag.index_select(x, 1, ag.tensor(np.array([2, 2, 0]))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 2], [1, 0, 2]])
    v = ag.tensor(0.0, requires_grad=True)
    ag.masked_fill(x, ag.tensor(np.array([True, False, True])), v).sum().backward()
    assert v.grad.item() == 4.0
    s = ag.tensor(np.ones((2, 2)), requires_grad=True)
    y = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    (ag.index_copy(y, 1, ag.tensor(np.array([2, 0])), s) * ag.tensor([1.0, 2.0, 3.0])).sum() \
        .backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 2, 0], [0, 2, 0]])
    np.testing.assert_array_equal(s.grad.numpy(), [[3, 1], [3, 1]])


def test_in_place_variants():
    x = ag.zeros(2, 3)
    assert x.scatter_(1, ag.tensor(np.array([[1], [2]])), value=4.0) is x
    np.testing.assert_array_equal(x.numpy(), [[0, 4, 0], [0, 0, 4]])
    x.index_add_(0, ag.tensor(np.array([1, 1])), ag.ones(2, 3), alpha=2)
    np.testing.assert_array_equal(x.numpy(), [[0, 4, 0], [4, 4, 8]])
    x.scatter_add_(0, ag.tensor(np.array([[0, 0, 0]])), ag.ones(1, 3))
    x.scatter_reduce_(0, ag.tensor(np.array([[1, 1, 1]])), ag.full((1, 3), 5.0), "amax")
    np.testing.assert_array_equal(x.numpy(), [[1, 5, 1], [5, 5, 8]])
    x.index_copy_(1, ag.tensor(np.array([0])), ag.zeros(2, 1))
    np.testing.assert_array_equal(x.numpy()[:, 0], [0, 0])
    x.masked_fill_(x > 4, -1.0)
    np.testing.assert_array_equal(x.numpy(), [[0, -1, 1], [0, -1, -1]])
    y = ag.zeros(3).clamp_(ag.tensor([0.5, 1.0, 2.0]), ag.tensor(1.5))
    np.testing.assert_array_equal(y.numpy(), [0.5, 1.0, 1.5])
    leaf = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scatter_"):
        leaf.scatter_(0, ag.tensor(np.array([0])), value=1.0)


# -- errors ------------------------------------------------------------------------------------
X = np.arange(6.0).reshape(2, 3)
ERRORS = [
    ("index_select out of range", IndexError, r"index_select.*index 3 .*size 3",
     lambda x: ag.index_select(x, 1, ag.tensor(np.array([3])))),
    ("index_select negative", IndexError, r"index_select.*index -1 .*size 3",
     lambda x: ag.index_select(x, 1, ag.tensor(np.array([-1])))),
    ("index_select float index", RuntimeError, "int32 or int64",
     lambda x: ag.index_select(x, 1, ag.tensor([0.0]))),
    ("index_select matrix index", IndexError, "vector",
     lambda x: ag.index_select(x, 1, ag.tensor(np.array([[0]])))),
    ("take out of range", IndexError, r"take.*index 6 .*6 elements",
     lambda x: ag.take(x, ag.tensor(np.array([6])))),
    ("take int32", RuntimeError, "long",
     lambda x: ag.take(x, ag.tensor(np.array([0], dtype=np.int32)))),
    ("scatter out of range", IndexError, r"scatter.*index 3 .*size 3",
     lambda x: ag.scatter(x, 1, ag.tensor(np.array([[3]])), value=1.0)),
    ("scatter negative", IndexError, r"scatter.*index -1 .*size 3",
     lambda x: ag.scatter(x, 1, ag.tensor(np.array([[-1]])), value=1.0)),
    ("scatter dtype", RuntimeError, "src.dtype",
     lambda x: ag.scatter(x, 1, ag.tensor(np.array([[0]])), ag.ones(1, 1))),
    ("scatter float index", RuntimeError, "index",
     lambda x: ag.scatter(x, 1, ag.tensor([[0.0]]), value=1.0)),
    ("scatter index too big", RuntimeError, "Size does not match",
     lambda x: ag.scatter_add(x, 0, ag.tensor(np.zeros((3, 1), np.int64)), ag.tensor(X))),
    ("scatter_reduce unknown", RuntimeError, "sum, prod, mean, amax or amin",
     lambda x: ag.scatter_reduce(x, 0, ag.tensor(np.zeros((1, 1), np.int64)), x, "max")),
    ("scatter_add out of range", IndexError, r"scatter_add.*index 2 .*size 2",
     lambda x: ag.scatter_add(x, 0, ag.tensor(np.array([[2]])), ag.tensor(X))),
    ("index_add out of range", IndexError, r"index_add.*index 3 .*size 3",
     lambda x: ag.index_add(x, 1, ag.tensor(np.array([3])), ag.ones(2, 1, dtype=ag.float64))),
    ("index_copy negative", IndexError, r"index_copy.*index -1 .*size 3",
     lambda x: ag.index_copy(x, 1, ag.tensor(np.array([-1])), ag.ones(2, 1, dtype=ag.float64))),
    ("index_add source shape", RuntimeError, "source",
     lambda x: ag.index_add(x, 1, ag.tensor(np.array([0])), ag.ones(3, 1, dtype=ag.float64))),
    ("masked_fill int mask", RuntimeError, "boolean",
     lambda x: ag.masked_fill(x, ag.tensor(np.array([1, 0, 1])), 1.0)),
    ("masked_fill vector value", RuntimeError, "0-dimensional",
     lambda x: ag.masked_fill(x, ag.tensor(np.array([True, False, True])), ag.ones(2))),
    ("narrow start", IndexError, "start out of range", lambda x: ag.narrow(x, 1, 4, 1)),
    ("narrow length", RuntimeError, r"start \(2\) \+ length \(2\) exceeds",
     lambda x: ag.narrow(x, 1, 2, 2)),
    ("rot90 same dims", RuntimeError, "different", lambda x: ag.rot90(x, 1, (0, 0))),
    ("rot90 1-d", RuntimeError, "total dims >= 2", lambda x: ag.rot90(x[0])),
    ("roll misaligned", RuntimeError, "align", lambda x: ag.roll(x, (1, 2), (0,))),
    ("diff append dims", RuntimeError, "same dimension",
     lambda x: ag.diff(x, dim=0, append=ag.ones(3))),
    ("block_diag 3-d", RuntimeError, "2 or fewer", lambda x: ag.block_diag(ag.ones(1, 1, 1))),
    ("unflatten sizes", RuntimeError, "multiply up", lambda x: ag.unflatten(x, 1, (2, -1))),
    ("tensor_split zero", RuntimeError, "larger than 0", lambda x: ag.tensor_split(x, 0)),
    ("meshgrid indexing", RuntimeError, "indexing must be", lambda x: ag.meshgrid(
        x[0], x[1], indexing="yx")),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(case):
    _, kind, message, call = case
    with pytest.raises(kind, match=message):
        call(ag.tensor(X))
