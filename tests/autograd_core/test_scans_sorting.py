"""Scans, NaN-skipping reductions, medians, quantiles and sorting against PyTorch: values,
indices, gradients and (where it is not zero) second derivatives on generated inputs; then
closed-form checks that stand without PyTorch.
"""

from __future__ import annotations

from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import engine

try:
    import torch
except ImportError:  # the oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (torch==2.13.0) not installed")

INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


def _distinct(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values in (-2, 2) all different by a clear gap: no ties to choose between."""
    n = int(np.prod(shape, dtype=np.int64))
    slots = rng.permutation(n) + 0.5 + rng.uniform(-0.2, 0.2, size=n)
    return (-2.0 + 4.0 * slots / max(n, 1)).reshape(shape)


def _dim(draw: Any, ndim: int) -> int:
    d = draw(st.integers(0, max(ndim, 1) - 1))
    return d - max(ndim, 1) if draw(st.booleans()) else d


# name: (function of (library, x, params), params drawer, input kind, second order nonzero)
def _p_dim(draw: Any, shape: tuple) -> dict:
    return {"dim": _dim(draw, len(shape))}


def _p_dim_keep(draw: Any, shape: tuple) -> dict:
    return {"dim": _dim(draw, len(shape)), "keepdim": draw(st.booleans())}


def _p_sort(draw: Any, shape: tuple) -> dict:
    return {"dim": _dim(draw, len(shape)), "descending": draw(st.booleans())}


def _p_topk(draw: Any, shape: tuple) -> dict:
    d = _dim(draw, len(shape))
    n = shape[d] if shape else 1
    return {"dim": d, "k": draw(st.integers(0, n)), "largest": draw(st.booleans())}


def _p_kth(draw: Any, shape: tuple) -> dict:
    d = _dim(draw, len(shape))
    n = shape[d] if shape else 1
    return {"dim": d, "k": draw(st.integers(1, n)), "keepdim": draw(st.booleans())}


def _p_quantile(draw: Any, shape: tuple) -> dict:
    dim = draw(st.one_of(st.none(), st.just(_dim(draw, len(shape)))))
    q = draw(st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=1, max_size=3)))
    return {"dim": dim, "keepdim": draw(st.booleans()), "q": q,
            "interpolation": draw(st.sampled_from(INTERPOLATIONS))}


def _p_reduce(draw: Any, shape: tuple) -> dict:
    dim = draw(st.one_of(st.none(), st.just(_dim(draw, len(shape)))))
    return {"dim": dim, "keepdim": draw(st.booleans())}


def _p_correction(draw: Any, shape: tuple) -> dict:
    d = _dim(draw, len(shape))
    n = shape[d] if shape else 1
    return {"dim": d, "keepdim": draw(st.booleans()),
            "correction": draw(st.sampled_from([0, 1] if n > 1 else [0]))}


def _q(L: Any, x: Any, q: Any) -> Any:
    return q if isinstance(q, float) else L.tensor(q, dtype=x.dtype)


def _reduce_args(p: dict) -> dict:
    return {} if p["dim"] is None else {"dim": p["dim"], "keepdim": p["keepdim"]}


CASES = {
    "cumsum": (lambda L, x, p: L.cumsum(x, p["dim"]), _p_dim, "plain", False),
    "cumprod": (lambda L, x, p: L.cumprod(x, p["dim"]), _p_dim, "zeros", True),
    "logcumsumexp": (lambda L, x, p: L.logcumsumexp(x, p["dim"]), _p_dim, "plain", True),
    "cummax": (lambda L, x, p: L.cummax(x, p["dim"]), _p_dim, "distinct", False),
    "cummin": (lambda L, x, p: L.cummin(x, p["dim"]), _p_dim, "distinct", False),
    "median": (lambda L, x, p: L.median(x), _p_dim, "distinct", False),
    "median_dim": (lambda L, x, p: L.median(x, p["dim"], p["keepdim"]), _p_dim_keep,
                   "distinct", False),
    "nanmedian": (lambda L, x, p: L.nanmedian(x), _p_dim, "nan", False),
    "nanmedian_dim": (lambda L, x, p: L.nanmedian(x, p["dim"], p["keepdim"]), _p_dim_keep,
                      "nan", False),
    "quantile": (lambda L, x, p: L.quantile(x, _q(L, x, p["q"]), p["dim"], p["keepdim"],
                                            interpolation=p["interpolation"]),
                 _p_quantile, "distinct", False),
    "nanquantile": (lambda L, x, p: L.nanquantile(x, _q(L, x, p["q"]), p["dim"], p["keepdim"],
                                                  interpolation=p["interpolation"]),
                    _p_quantile, "nan", False),
    "nansum": (lambda L, x, p: L.nansum(x, **_reduce_args(p)), _p_reduce, "nan", False),
    "nanmean": (lambda L, x, p: L.nanmean(x, **_reduce_args(p)), _p_reduce, "nan", False),
    "aminmax": (lambda L, x, p: L.aminmax(x, **_reduce_args(p)), _p_reduce, "distinct", False),
    "var_mean": (lambda L, x, p: L.var_mean(x, p["dim"], keepdim=p["keepdim"],
                                            correction=p["correction"]),
                 _p_correction, "plain", True),
    "std_mean": (lambda L, x, p: L.std_mean(x, p["dim"], keepdim=p["keepdim"],
                                            correction=p["correction"]),
                 _p_correction, "plain", True),
    "sort": (lambda L, x, p: L.sort(x, p["dim"], p["descending"]), _p_sort, "distinct", False),
    "argsort": (lambda L, x, p: L.argsort(x, p["dim"], p["descending"]), _p_sort, "distinct",
                False),
    "msort": (lambda L, x, p: L.msort(x), _p_dim, "distinct", False),
    "topk": (lambda L, x, p: L.topk(x, p["k"], p["dim"], p["largest"]), _p_topk, "distinct",
             False),
    "kthvalue": (lambda L, x, p: L.kthvalue(x, p["k"], p["dim"], p["keepdim"]), _p_kth,
                 "distinct", False),
    "count_nonzero": (lambda L, x, p: L.count_nonzero(x, p["dim"]), _p_dim, "zeros", False),
}


@st.composite
def drawn(draw: Any, name: str) -> tuple[np.ndarray, dict]:
    _, params, kind, _ = CASES[name]
    min_dims = 1 if name in ("msort", "var_mean", "std_mean") else 0
    # std's gradient at a zero std (one element) is not PyTorch's: not a function of this file
    min_side = 2 if name == "std_mean" else 1
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side, max_side=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = _distinct(rng, shape)
    if kind == "plain":
        x = rng.uniform(-2, 2, size=shape)
    elif kind == "zeros":
        x = np.where(rng.random(shape) < 0.3, 0.0, x)
    elif kind == "nan":
        x = np.where(rng.random(shape) < 0.3, np.nan, x)
    return x, params(draw, shape)


def _outputs(result: Any) -> list:
    return list(result) if isinstance(result, tuple) else [result]


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if torch is not None and isinstance(t, torch.Tensor) else t._data


@needs_torch
@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_values_indices_and_gradients_match_torch(name, data):
    fn, _, _, second = CASES[name]
    x, p = data.draw(drawn(name), label="input")
    ours = ag.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    result, reference = fn(ag, ours, p), fn(torch, theirs, p)
    assert type(result).__name__ == type(reference).__name__
    got, expected = _outputs(result), _outputs(reference)
    assert len(got) == len(expected)
    floats = []
    for g, e in zip(got, expected):
        assert g.shape == tuple(e.shape), (name, p)
        if e.dtype.is_floating_point:
            np.testing.assert_allclose(_np(g), _np(e), rtol=1e-12, atol=1e-12, equal_nan=True)
            floats.append((g, e))
        else:
            assert g.dtype == np.int64
            # which NaN nanmedian names in an all-NaN slice is PyTorch's implementation detail
            named = (~np.isnan(_np(got[0])) if name == "nanmedian_dim"
                     else np.ones(g.shape, dtype=bool))
            np.testing.assert_array_equal(_np(g)[named], _np(e)[named])
    if not floats or not any(e.requires_grad for _, e in floats):
        return
    rng = np.random.default_rng(0)
    us = [rng.standard_normal(e.shape) for _, e in floats]
    loss_t = sum((e * torch.tensor(u)).nansum() for (_, e), u in zip(floats, us))
    (gt,) = torch.autograd.grad(loss_t, theirs, create_graph=second)
    loss_a = sum(((g * ag.tensor(u)).nansum() for (g, _), u in zip(floats, us)),
                 start=ag.tensor(0.0))
    (ga,) = engine.grad(loss_a, [ours], create_graph=second)
    np.testing.assert_allclose(ga._data, gt.detach().numpy(), rtol=1e-10, atol=1e-12,
                               err_msg=f"{name} {p}: gradient")
    if second:
        w = rng.standard_normal(x.shape)
        ht = (torch.autograd.grad((gt * torch.tensor(w)).sum(), theirs)[0].numpy()
              if gt.requires_grad else np.zeros(x.shape))  # a constant gradient
        (ha,) = engine.grad((ga * ag.tensor(w)).sum(), [ours], allow_unused=True)
        ha = np.zeros(x.shape) if ha is None else ha._data
        np.testing.assert_allclose(ha, ht, rtol=1e-9, atol=1e-10,
                                   err_msg=f"{name} {p}: second derivative")


@needs_torch
@pytest.mark.torch
@pytest.mark.parametrize("descending", [False, True])
def test_stable_sort_keeps_ties_and_nan_in_torchs_order(descending):
    x = np.array([[2.0, np.nan, 1.0, 2.0, 1.0, np.nan, 3.0]])
    got = ag.sort(ag.tensor(x), dim=1, descending=descending, stable=True)
    expected = torch.sort(torch.tensor(x), dim=1, descending=descending, stable=True)
    np.testing.assert_array_equal(got.indices._data, expected.indices.numpy())
    np.testing.assert_array_equal(got.values._data, expected.values.numpy())


@needs_torch
@pytest.mark.torch
def test_ties_go_where_torch_sends_them():
    x = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 1.0])
    for fn in (lambda L, t: L.median(t), lambda L, t: L.nanmedian(t),
               lambda L, t: sum(L.aminmax(t)), lambda L, t: L.cummax(t, 0).values.sum(),
               lambda L, t: L.cummin(t, 0).values.sum()):
        ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        fn(ag, ours).backward()
        fn(torch, theirs).backward()
        np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), rtol=1e-12)
    for name in ("cummax", "cummin"):
        np.testing.assert_array_equal(getattr(ag, name)(ag.tensor(x), 0).indices._data,
                                      getattr(torch, name)(torch.tensor(x), 0).indices.numpy())


@needs_torch
@pytest.mark.torch
def test_nan_propagation_matches_torch():
    x = np.array([[1.0, np.nan, 3.0, 0.5], [np.nan] * 4, [2.0, 1.0, 4.0, 3.0]])
    for name in ("cummax", "cummin", "median", "nanmedian"):
        got = getattr(ag, name)(ag.tensor(x), 1)
        expected = getattr(torch, name)(torch.tensor(x), 1)
        np.testing.assert_array_equal(got.values._data, expected.values.numpy())
        # which NaN nanmedian names in an all-NaN row is PyTorch's implementation detail
        rows = [0, 2] if name == "nanmedian" else [0, 1, 2]
        np.testing.assert_array_equal(got.indices._data[rows], expected.indices.numpy()[rows])
    for name in ("median", "nanmedian", "nansum", "nanmean"):
        np.testing.assert_array_equal(getattr(ag, name)(ag.tensor(x[0]))._data,
                                      getattr(torch, name)(torch.tensor(x[0])).numpy())
    for name in ("quantile", "nanquantile"):
        np.testing.assert_array_equal(
            getattr(ag, name)(ag.tensor(x), 0.3, dim=1)._data,
            getattr(torch, name)(torch.tensor(x), 0.3, dim=1).numpy())


@needs_torch
@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "float32"])
def test_result_dtypes_match_torch(dtype):
    x = np.array([[1, 0, 3], [2, 2, 0]]).astype(dtype)
    for name in ("cumsum", "cumprod"):
        assert getattr(ag, name)(ag.tensor(x), 1).dtype == np.dtype(
            str(getattr(torch, name)(torch.tensor(x), 1).dtype).removeprefix("torch."))
    for fn in (lambda L, t: L.sort(t, 1).values, lambda L, t: L.cummax(t, 1).values,
               lambda L, t: L.topk(t, 2).values, lambda L, t: L.median(t)):
        if dtype == "bool":
            continue
        assert str(fn(ag, ag.tensor(x)).dtype) == str(fn(torch, torch.tensor(x)).dtype)[6:]


# -- closed forms, without PyTorch --------------------------------------------------------------
def _grad(fn: Any, x: Any, create_graph: bool = False) -> np.ndarray:
    t = ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    (g,) = engine.grad(fn(t), [t], create_graph=create_graph)
    return g._data


@pytest.mark.parametrize("create_graph", [False, True])
def test_cumprod_gradient_with_zeros_is_exact(create_graph):
    def total(t):
        return ag.cumprod(t, 0).sum()

    # d/dx0 = 1 + x1 + x1 x2, d/dx1 = x0 + x0 x2, d/dx2 = x0 x1
    np.testing.assert_array_equal(_grad(total, [2.0, 0.0, 3.0], create_graph), [1.0, 8.0, 0.0])
    np.testing.assert_array_equal(_grad(total, [0.0, 2.0, 0.0], create_graph), [3.0, 0.0, 0.0])
    np.testing.assert_array_equal(_grad(total, [0.0, 0.0, 5.0], create_graph), [1.0, 0.0, 0.0])


def test_cumprod_second_derivative_with_zeros():
    x = ag.tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    (g,) = engine.grad(ag.cumprod(x, 0).sum(), [x], create_graph=True)
    rows = [engine.grad(g[i], [x], retain_graph=True)[0]._data for i in range(3)]
    # the Hessian of x0 + x0 x1 + x0 x1 x2
    np.testing.assert_array_equal(np.array(rows), [[0, 1 + 3, 0], [4, 0, 2], [0, 2, 0]])


def test_logcumsumexp_is_stable_far_from_zero():
    x = np.array([-1000.0, 1000.0, 1000.0, -1000.0])
    out = ag.logcumsumexp(ag.tensor(x), 0)._data
    np.testing.assert_allclose(out, [-1000.0, 1000.0, 1000.0 + np.log(2), 1000.0 + np.log(2)])
    g = _grad(lambda t: ag.logcumsumexp(t, 0)[2], x)
    np.testing.assert_allclose(g, [0.0, 0.5, 0.5, 0.0], atol=1e-300)


def test_cumsum_gradient_is_the_reverse_cumsum():
    g = _grad(lambda t: (ag.cumsum(t, 1) * ag.tensor([[1.0, 2.0, 3.0]])).sum(), np.ones((2, 3)))
    np.testing.assert_array_equal(g, [[6.0, 5.0, 3.0]] * 2)


def test_linear_recurrence_matches_a_loop():
    from autograd_core.ops.scans import _linrec

    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1.5, 1.5, (3, 37)), rng.standard_normal((3, 37))
    h, expected = np.zeros(3), np.zeros((3, 37))
    for j in range(37):
        h = a[:, j] * h + b[:, j]
        expected[:, j] = h
    np.testing.assert_allclose(_linrec(a, b, axis=1), expected, rtol=1e-12, atol=1e-12)
    h, expected = np.zeros(3), np.zeros((3, 37))
    for j in reversed(range(37)):
        h = a[:, j] * h + b[:, j]
        expected[:, j] = h
    np.testing.assert_allclose(_linrec(a.T, b.T, axis=0, reverse=True), expected.T, rtol=1e-12,
                               atol=1e-12)


def test_sort_scatters_the_gradient_back():
    x = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = ag.sort(x, descending=True)
    assert values.tolist() == [3.0, 2.0, 1.0] and indices.tolist() == [0, 2, 1]
    (values * ag.tensor([10.0, 20.0, 30.0])).sum().backward()
    assert x.grad.tolist() == [10.0, 30.0, 20.0]


def test_topk_kthvalue_and_msort():
    x = ag.tensor([[4.0, 1.0, 3.0], [0.0, 5.0, 2.0]], requires_grad=True)
    top = x.topk(2)
    assert top.values.tolist() == [[4.0, 3.0], [5.0, 2.0]]
    assert top.indices.tolist() == [[0, 2], [1, 2]]
    assert x.topk(1, dim=0, largest=False).values.tolist() == [[0.0, 1.0, 2.0]]
    kth = x.kthvalue(2, dim=1, keepdim=True)
    assert kth.values.tolist() == [[3.0], [2.0]] and kth.indices.tolist() == [[2], [2]]
    assert x.msort().tolist() == [[0.0, 1.0, 2.0], [4.0, 5.0, 3.0]]
    kth.values.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]


def test_median_is_the_lower_middle_and_splits_ties():
    assert ag.median(ag.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    g = _grad(lambda t: ag.median(t), [1.0, 2.0, 2.0, 5.0])
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])
    values, indices = ag.median(ag.tensor([[4.0, 1.0, 3.0, 2.0]]), dim=1)
    assert values.tolist() == [2.0] and indices.tolist() == [3]
    assert ag.nanmedian(ag.tensor([np.nan, 4.0, 1.0, np.nan, 3.0])).item() == 3.0


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint"])
def test_quantile_matches_numpy(interpolation):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 7))
    q = [0.0, 0.1, 0.5, 0.77, 1.0]
    got = ag.quantile(ag.tensor(x), ag.tensor(np.array(q)), dim=1,
                      interpolation=interpolation)
    np.testing.assert_allclose(got._data, np.quantile(x, q, axis=1, method=interpolation),
                               rtol=1e-12)
    got = ag.quantile(ag.tensor(x), 0.3, keepdim=True, interpolation=interpolation)
    assert got.shape == (1, 1)
    np.testing.assert_allclose(got._data[0, 0], np.quantile(x, 0.3, method=interpolation))


def test_quantile_gradient_splits_between_the_neighbours():
    g = _grad(lambda t: ag.quantile(t, 0.25), [4.0, 0.0, 1.0, 2.0, 3.0])  # rank 1: 1.0
    np.testing.assert_allclose(g, [0.0, 0.0, 1.0, 0.0, 0.0])
    g = _grad(lambda t: ag.quantile(t, 0.3), [4.0, 0.0, 1.0, 2.0, 3.0])  # rank 1.2
    np.testing.assert_allclose(g, [0.0, 0.0, 0.8, 0.2, 0.0])
    g = _grad(lambda t: ag.nanquantile(t, 0.5), [np.nan, 3.0, 1.0])
    np.testing.assert_allclose(g, [0.0, 0.5, 0.5])


def test_nan_skipping_reductions_give_nan_elements_no_gradient():
    x = [1.0, np.nan, 3.0]
    assert ag.nansum(ag.tensor(x)).item() == 4.0
    assert ag.nanmean(ag.tensor(x)).item() == 2.0
    np.testing.assert_array_equal(_grad(lambda t: ag.nansum(t), x), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(_grad(lambda t: ag.nanmean(t), x), [0.5, 0.0, 0.5])
    with np.errstate(invalid="ignore"):
        assert np.isnan(ag.nanmean(ag.tensor([np.nan]))._data)


def test_pairs_and_count_nonzero():
    x = ag.tensor([[1.0, -2.0], [3.0, 0.0]])
    mn, mx = ag.aminmax(x)
    assert (mn.item(), mx.item()) == (-2.0, 3.0)
    assert ag.aminmax(x, dim=0).max.tolist() == [3.0, 0.0]
    v, m = ag.var_mean(x, 1, correction=0)
    np.testing.assert_allclose(v._data, [2.25, 2.25])
    np.testing.assert_allclose(m._data, [-0.5, 1.5])
    s, _ = ag.std_mean(x, 1, correction=0)
    np.testing.assert_allclose(s._data, [1.5, 1.5])
    assert ag.count_nonzero(x).item() == 3
    assert ag.count_nonzero(x, dim=0).tolist() == [2, 1]


def test_integer_scans_accumulate_in_int64():
    x = ag.tensor(np.array([1, 2, 3], dtype=np.int32))
    assert ag.cumsum(x, 0).dtype == np.int64 and ag.cumsum(x, 0).tolist() == [1, 3, 6]
    assert ag.cumprod(x, 0, dtype=ag.float32).dtype == np.float32
    assert ag.argsort(x, descending=True).tolist() == [2, 1, 0]


def test_float32_stays_float32():
    x = ag.tensor(np.array([[0.5, 0.0, 2.0]], dtype=np.float32), requires_grad=True)
    for y in (ag.cumsum(x, 1), ag.cumprod(x, 1), ag.logcumsumexp(x, 1), ag.sort(x).values,
              ag.quantile(x, 0.4, dim=1), ag.median(x), ag.nanmean(x), ag.cummax(x, 1).values):
        assert y.dtype == np.float32
        (g,) = engine.grad(y.sum(), [x], create_graph=True)
        assert g.dtype == np.float32


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
def test_zero_size_scans_backpropagate(name, create_graph):
    x = ag.tensor(np.ones((0, 3)), requires_grad=True)
    for dim in (0, 1):
        y = getattr(ag, name)(x, dim)
        assert y.shape == (0, 3)
        (g,) = engine.grad(y.sum(), [x], create_graph=create_graph)
        assert g.shape == (0, 3)


def test_zero_dim_inputs():
    x = ag.tensor(2.0, requires_grad=True)
    assert ag.cumsum(x, 0).shape == () and ag.cumprod(x, -1).item() == 2.0
    values, indices = ag.sort(x)
    assert values.shape == () and indices.shape == () and indices.item() == 0
    assert ag.topk(x, 1).values.item() == 2.0
    assert ag.kthvalue(x, 1).indices.item() == 0


def test_tensor_methods_are_the_functions():
    x = ag.tensor([[3.0, 1.0, 2.0]])
    assert x.cumsum(1).tolist() == ag.cumsum(x, 1).tolist()
    assert x.cumprod(dim=1).tolist() == [[3.0, 3.0, 6.0]]
    assert x.logcumsumexp(1).shape == (1, 3)
    assert x.cummax(1).indices.tolist() == [[0, 0, 0]]
    assert x.cummin(1).indices.tolist() == [[0, 1, 1]]
    assert x.sort(descending=True).values.tolist() == [[3.0, 2.0, 1.0]]
    assert x.argsort().tolist() == [[1, 2, 0]]
    assert x.median().item() == 2.0 and x.nanmedian().item() == 2.0
    assert x.quantile(0.5).item() == 2.0 and x.nanquantile(0.5).item() == 2.0
    assert x.nansum().item() == 6.0 and x.nanmean().item() == 2.0
    assert x.aminmax().min.item() == 1.0


@pytest.mark.parametrize("call, error", [
    (lambda: ag.topk(ag.tensor([1.0, 2.0]), 3), RuntimeError),
    (lambda: ag.kthvalue(ag.tensor([1.0, 2.0]), 0), RuntimeError),
    (lambda: ag.quantile(ag.tensor([1.0, 2.0]), 1.5), ValueError),
    (lambda: ag.quantile(ag.tensor([1.0, 2.0]), 0.5, interpolation="cubic"), ValueError),
    (lambda: ag.quantile(ag.tensor([1, 2]), 0.5), TypeError),
    (lambda: ag.cumsum(ag.tensor([1.0]), 1), IndexError),
    (lambda: ag.cumsum(ag.tensor([1.0])), TypeError),
    (lambda: ag.median(ag.tensor(np.zeros((0,)))), RuntimeError),
])
def test_bad_arguments_raise(call, error):
    with pytest.raises(error):
        call()
