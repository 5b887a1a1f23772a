"""The public contract of autograd_core (shared/API.md): names, creation, attributes, methods,
PyTorch's meaning where NumPy and PyTorch differ, and values and gradients against PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_core as ag

# -- every name exists --------------------------------------------------------------------------
FUNCTIONS = """
Tensor tensor zeros ones full arange linspace eye rand randn zeros_like ones_like manual_seed
exp log log1p sqrt sin cos tan tanh sigmoid relu leaky_relu softplus abs sign clip clamp maximum
minimum where pow sum mean prod var std max min amax amin logsumexp norm argmax argmin
reshape flatten squeeze unsqueeze transpose permute broadcast_to cat concatenate stack split pad
flip tile matmul dot einsum outer softmax log_softmax conv1d conv2d max_pool1d max_pool2d
avg_pool1d avg_pool2d no_grad enable_grad set_grad_enabled is_grad_enabled detect_anomaly grad
value_and_grad vjp jvp jacobian hessian hvp Function gradcheck
""".split()

METHODS = """
backward detach numpy item tolist requires_grad_ register_hook retain_grad size numel
exp log log1p sqrt sin cos tan tanh sigmoid relu leaky_relu softplus abs sign clamp clip maximum
minimum pow sum mean prod var std max min amax amin logsumexp norm argmax argmin reshape flatten
view squeeze unsqueeze transpose permute expand broadcast_to flip tile repeat matmul dot softmax
log_softmax
""".split()



@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_exists(name):
    assert callable(getattr(ag, name))


@pytest.mark.parametrize("name", METHODS)
def test_method_exists(name):
    assert callable(getattr(ag.tensor([1.0]), name))


def test_viz_names_exist():
    assert callable(ag.viz.draw_graph) and callable(ag.viz.save_svg)


# -- creation ------------------------------------------------------------------------------------
CREATORS = [
    ("zeros", lambda **kw: ag.zeros(2, 3, **kw), (2, 3), 0.0),
    ("zeros tuple", lambda **kw: ag.zeros((2, 3), **kw), (2, 3), 0.0),
    ("ones", lambda **kw: ag.ones(4, **kw), (4,), 1.0),
    ("full", lambda **kw: ag.full((2, 2), 1.5, **kw), (2, 2), 1.5),
    ("arange", lambda **kw: ag.arange(0.0, 2.0, 0.5, **kw), (4,), None),
    ("linspace", lambda **kw: ag.linspace(0, 1, 5, **kw), (5,), None),
    ("eye", lambda **kw: ag.eye(3, **kw), (3, 3), None),
    ("rand", lambda **kw: ag.rand(2, 3, **kw), (2, 3), None),
    ("randn", lambda **kw: ag.randn(3, **kw), (3,), None),
    ("zeros_like", lambda **kw: ag.zeros_like(ag.ones(2, 2), **kw), (2, 2), 0.0),
    ("ones_like", lambda **kw: ag.ones_like(ag.zeros(3), **kw), (3,), 1.0),
    ("tensor", lambda **kw: ag.tensor([[1.0, 2.0]], **kw), (1, 2), None),
    ("Tensor", lambda **kw: ag.Tensor([[1.0, 2.0]], **kw), (1, 2), None),
]


@pytest.mark.parametrize("make, shape, fill", [c[1:] for c in CREATORS],
                         ids=[c[0] for c in CREATORS])
def test_creation_defaults_dtype_and_requires_grad(make, shape, fill):
    ag.manual_seed(5)
    t = make()
    assert t.shape == shape and t.dtype == np.float32 and not t.requires_grad and t.is_leaf
    if fill is not None:
        assert np.all(t._data == fill)
    ag.manual_seed(5)
    d = make(dtype=np.float64, requires_grad=True)
    assert d.dtype == np.float64 and d.requires_grad and d.is_leaf and d.grad is None
    np.testing.assert_allclose(d._data, t._data, rtol=1e-6)


def test_creation_values():
    np.testing.assert_allclose(ag.linspace(0, 1, 5)._data, [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(ag.arange(4)._data, [0, 1, 2, 3])
    assert ag.arange(4).dtype == np.int64
    assert ag.full((2,), 3).dtype == np.int64
    np.testing.assert_array_equal(ag.eye(2, 3)._data, np.eye(2, 3))
    assert ag.zeros_like(ag.ones(2, dtype=np.float64)).dtype == np.float64
    r = ag.rand(1000)._data
    assert 0.0 <= r.min() and r.max() < 1.0 and abs(r.mean() - 0.5) < 0.05
    n = ag.randn(2000)._data
    assert abs(n.mean()) < 0.1 and abs(n.std() - 1.0) < 0.1


def test_manual_seed_repeats_random_tensors():
    ag.manual_seed(123)
    a, b = ag.rand(3), ag.randn(3)
    ag.manual_seed(123)
    np.testing.assert_array_equal(ag.rand(3)._data, a._data)
    np.testing.assert_array_equal(ag.randn(3)._data, b._data)
    ag.manual_seed(124)
    assert not np.array_equal(ag.rand(3)._data, a._data)


def test_tensor_copies_and_Tensor_wraps():
    arr = np.array([1.0, 2.0])
    assert not np.shares_memory(ag.tensor(arr)._data, arr)
    assert ag.Tensor(arr)._data is arr
    assert ag.tensor(ag.tensor(arr)).dtype == np.float64


# -- attributes ----------------------------------------------------------------------------------
def test_attributes():
    t = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="w")
    assert isinstance(t._data, np.ndarray)
    assert t.grad is None and t.is_leaf and t.grad_fn is None and t.requires_grad
    assert t.shape == (2, 3) and isinstance(t.shape, tuple) and t.ndim == 2
    assert t.dtype == np.float64 and isinstance(t.dtype, np.dtype)
    assert t.name == "w"
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T._data, t._data.T)
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2 and t.numel() == 6
    y = t * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert "Mul" in repr(y.grad_fn)
    y.sum().backward()
    assert isinstance(t.grad, ag.Tensor)


def test_methods_detach_numpy_item_tolist_requires_grad():
    t = ag.tensor([[1.5, 2.5]], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    assert t.detach().numpy() is t._data
    assert ag.tensor([[3.5]]).item() == 3.5 and isinstance(ag.tensor([2]).item(), int)
    with pytest.raises(ValueError, match="one element"):
        t.item()
    assert t.tolist() == [[1.5, 2.5]]
    u = ag.tensor([1.0])
    assert u.requires_grad_() is u and u.requires_grad
    u.requires_grad_(False)
    assert not u.requires_grad


# -- operators -----------------------------------------------------------------------------------
def test_operators_match_numpy():
    a = np.array([[1.0, -2.0, 3.0]])
    b = np.array([[0.5], [2.0]])
    x, y = ag.tensor(a), ag.tensor(b)
    for got, want in [(x + y, a + b), (x - y, a - b), (x * y, a * b), (x / y, a / b),
                      (y**x, b**a), (x**2, a**2), (2**x, 2**a), (-x, -a), (abs(x), abs(a)),
                      (x @ x.T, a @ a.T), (1 - x, 1 - a), (1 / y, 1 / b)]:
        np.testing.assert_allclose(got._data, want)
    for got, want in [(x < 1, a < 1), (x <= 1, a <= 1), (x > 1, a > 1), (x >= 1, a >= 1),
                      (x == 3, a == 3), (x != 3, a != 3)]:
        np.testing.assert_array_equal(got._data, want)
        assert got.dtype == np.bool_


# -- PyTorch's meaning where NumPy's differs (closed forms, no torch needed) ----------------------
def test_var_and_std_are_unbiased_by_default():
    x = ag.tensor(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_allclose(x.var().item(), 5 / 3)
    np.testing.assert_allclose(ag.std(x).item(), np.sqrt(5 / 3))
    np.testing.assert_allclose(x.var(unbiased=False).item(), 1.25)
    np.testing.assert_allclose(x.var(correction=0).item(), 1.25)
    np.testing.assert_allclose(ag.var(ag.tensor(np.ones((2, 3))), 1)._data, [0.0, 0.0])


def test_repeat_tiles_split_takes_sizes_pad_takes_torch_tuple():
    np.testing.assert_array_equal(ag.tensor([1, 2]).repeat(2)._data, [1, 2, 1, 2])
    np.testing.assert_array_equal(ag.tensor([1, 2]).repeat(2, 1)._data, [[1, 2], [1, 2]])
    np.testing.assert_array_equal(ag.tile(ag.tensor([1, 2]), (2,))._data, [1, 2, 1, 2])
    parts = ag.split(ag.arange(5), [2, 3])
    assert [p.tolist() for p in parts] == [[0, 1], [2, 3, 4]]
    assert [p.tolist() for p in ag.split(ag.arange(5), 2)] == [[0, 1], [2, 3], [4]]
    padded = ag.pad(ag.ones(1, 2), (1, 2), value=7.0)  # last dimension: 1 before, 2 after
    np.testing.assert_array_equal(padded._data, [[7, 1, 1, 7, 7]])
    assert ag.pad(ag.ones(2, 3), (0, 0, 1, 0)).shape == (3, 3)


def test_max_and_min_with_dim_return_a_named_pair():
    x = ag.tensor(np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]), requires_grad=True)
    values, indices = ag.max(x, dim=1)
    r = x.max(dim=1)
    np.testing.assert_array_equal(r.values._data, [5.0, 7.0])
    np.testing.assert_array_equal(r.indices._data, [1, 0])
    assert r.indices.dtype == np.int64 and not r.indices.requires_grad
    np.testing.assert_array_equal(values._data, r.values._data)
    np.testing.assert_array_equal(indices._data, r.indices._data)
    m = x.min(dim=0, keepdim=True)
    assert m.values.shape == (1, 3)
    np.testing.assert_array_equal(m.indices._data, [[0, 1, 0]])
    assert x.max().item() == 7.0  # no dim: the largest value alone
    r.values.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[0, 1, 0], [1, 0, 0]])


def test_dim_and_axis_spellings_agree():
    x = ag.tensor(np.arange(24.0).reshape(2, 3, 4))
    for name in ("sum", "mean", "prod", "amax", "amin", "logsumexp", "var"):
        a = getattr(x, name)(dim=(0, 2), keepdim=True)
        b = getattr(ag, name)(x, axis=(0, 2), keepdims=True)
        assert a.shape == (1, 3, 1)
        np.testing.assert_allclose(a._data, b._data)
    np.testing.assert_allclose(x.sum(-1)._data, x._data.sum(-1))


def test_argmax_argmin_carry_no_gradient():
    x = ag.tensor(np.array([[1.0, 3.0], [4.0, 2.0]]), requires_grad=True)
    for r in (x.argmax(), x.argmin(dim=1), ag.argmax(x, dim=0, keepdim=True)):
        assert not r.requires_grad and r.dtype == np.int64
    assert x.argmax().item() == 2
    np.testing.assert_array_equal(ag.argmin(x, dim=1)._data, [0, 1])



def test_kernels_closed_forms():
    x = ag.tensor(np.arange(1.0, 5.0).reshape(1, 1, 4))
    w = ag.tensor(np.array([[[1.0, 0.0, -1.0]]]))
    np.testing.assert_array_equal(ag.conv1d(x, w)._data, [[[-2.0, -2.0]]])
    np.testing.assert_array_equal(ag.conv1d(x, w, padding=1)._data, [[[-2, -2, -2, 3]]])
    np.testing.assert_array_equal(ag.conv1d(x, w, bias=ag.tensor(np.array([1.0])), stride=2,
                                            padding=1)._data, [[[-1.0, -1.0]]])
    r = ag.tensor(np.arange(6.0).reshape(1, 1, 6))
    np.testing.assert_array_equal(ag.max_pool1d(r, 2)._data, [[[1, 3, 5]]])
    np.testing.assert_array_equal(ag.avg_pool1d(r, 2)._data, [[[0.5, 2.5, 4.5]]])
    sq = ag.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(ag.max_pool2d(sq, 2)._data, [[[[5, 7], [13, 15]]]])
    np.testing.assert_array_equal(ag.avg_pool2d(sq, 2)._data, [[[[2.5, 4.5], [10.5, 12.5]]]])
    ones = ag.ones(1, 1, 4, dtype=np.float64)
    np.testing.assert_allclose(ag.avg_pool1d(ones, 3, stride=1, padding=1)._data,
                               [[[2 / 3, 1, 1, 2 / 3]]])
    np.testing.assert_allclose(ag.avg_pool1d(ones, 3, stride=1, padding=1,
                                             count_include_pad=False)._data, [[[1, 1, 1, 1]]])
    k = ag.tensor(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(ag.conv2d(sq, k, stride=2)._data, [[[[10, 18], [42, 50]]]])


def test_pooling_when_the_stride_does_not_reach_the_end():
    r = ag.tensor(np.arange(6.0).reshape(1, 1, 6))
    np.testing.assert_array_equal(ag.max_pool1d(r, 3, stride=2, padding=1)._data, [[[1, 3, 5]]])


def test_linear_algebra_and_softmax_closed_forms():
    a = ag.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    v = ag.tensor(np.array([1.0, -1.0]))
    np.testing.assert_array_equal(ag.matmul(a, v)._data, [-1.0, -1.0])
    np.testing.assert_array_equal((v @ a)._data, [-2.0, -2.0])
    assert ag.dot(v, v).item() == 2.0
    np.testing.assert_array_equal(ag.outer(v, ag.tensor([2.0, 3.0]))._data, [[2, 3], [-2, -3]])
    assert ag.einsum("ii", a).item() == 5.0
    np.testing.assert_array_equal(ag.einsum("ij->j", a)._data, [4.0, 6.0])
    np.testing.assert_array_equal(ag.einsum("ij,jk", a, a)._data, a._data @ a._data)
    s = ag.softmax(ag.tensor(np.array([[0.0, np.log(3.0)]])), dim=1)
    np.testing.assert_allclose(s._data, [[0.25, 0.75]])
    ls = ag.log_softmax(ag.tensor(np.array([0.0, np.log(3.0)])), dim=0)
    np.testing.assert_allclose(ls._data, np.log([0.25, 0.75]))
    big = ag.log_softmax(ag.tensor(np.array([1000.0, 0.0])), dim=0)
    np.testing.assert_allclose(big._data, [0.0, -1000.0])
    np.testing.assert_allclose(ag.logsumexp(ag.tensor(np.array([1000.0, 1000.0])), 0).item(),
                               1000.0 + np.log(2.0))


def test_elementwise_parameters_closed_forms():
    x = ag.tensor(np.array([-2.0, 0.5, 30.0]))
    np.testing.assert_allclose(ag.leaky_relu(x)._data, [-0.02, 0.5, 30.0])
    np.testing.assert_allclose(ag.leaky_relu(x, 0.5)._data, [-1.0, 0.5, 30.0])
    np.testing.assert_allclose(ag.softplus(x)._data, [np.log1p(np.exp(-2.0)),
                                                     np.log1p(np.exp(0.5)), 30.0])
    np.testing.assert_allclose(ag.softplus(x, beta=2.0, threshold=0.8)._data,
                               [np.log1p(np.exp(-4.0)) / 2, 0.5, 30.0])
    np.testing.assert_array_equal(ag.clamp(x, -1.0, 1.0)._data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(ag.clip(x, max=0.0)._data, [-2.0, 0.0, 0.0])
    np.testing.assert_allclose(ag.norm(ag.tensor(np.array([3.0, -4.0]))).item(), 5.0)
    np.testing.assert_allclose(ag.tensor(np.array([3.0, -4.0])).norm(p=1).item(), 7.0)


# -- values and gradients against PyTorch ---------------------------------------------------------
def _p(name: str, ag_fn: Any, torch_fn: Any, shapes: list, domain=(-2.0, 2.0)) -> tuple:
    return (name, ag_fn, torch_fn, shapes, domain)



POS = (0.2, 3.0)
TORCH_CASES = [
    # elementwise math
    _p("exp", ag.exp, lambda T, F, x: T.exp(x), [(2, 3)]),
    _p("log", ag.log, lambda T, F, x: T.log(x), [(2, 3)], POS),
    _p("log1p", ag.log1p, lambda T, F, x: T.log1p(x), [(2, 3)], (-0.5, 3.0)),
    _p("sqrt", ag.sqrt, lambda T, F, x: T.sqrt(x), [(2, 3)], POS),
    _p("sin", ag.sin, lambda T, F, x: T.sin(x), [(2, 3)]),
    _p("cos", lambda x: x.cos(), lambda T, F, x: x.cos(), [(2, 3)]),
    _p("tan", ag.tan, lambda T, F, x: T.tan(x), [(2, 3)], (-1.2, 1.2)),
    _p("tanh", ag.tanh, lambda T, F, x: T.tanh(x), [(2, 3)]),
    _p("sigmoid", ag.sigmoid, lambda T, F, x: T.sigmoid(x), [(2, 3)]),
    _p("relu", ag.relu, lambda T, F, x: T.relu(x), [(3, 4)]),
    _p("leaky_relu", ag.leaky_relu, lambda T, F, x: F.leaky_relu(x), [(3, 4)]),
    _p("leaky_relu slope", lambda x: ag.leaky_relu(x, negative_slope=0.3),
       lambda T, F, x: F.leaky_relu(x, negative_slope=0.3), [(3, 4)]),
    _p("softplus", ag.softplus, lambda T, F, x: F.softplus(x), [(3, 4)], (-30.0, 30.0)),
    _p("softplus beta threshold", lambda x: ag.softplus(x, beta=2.0, threshold=1.5),
       lambda T, F, x: F.softplus(x, beta=2.0, threshold=1.5), [(3, 4)]),
    _p("abs", ag.abs, lambda T, F, x: T.abs(x), [(3, 4)]),
    _p("sign", ag.sign, lambda T, F, x: T.sign(x), [(3, 4)]),
    _p("neg", lambda x: -x, lambda T, F, x: -x, [(3,)]),
    _p("clamp", lambda x: ag.clamp(x, -0.5, 0.8), lambda T, F, x: T.clamp(x, -0.5, 0.8),
       [(3, 4)]),
    _p("clip min", lambda x: ag.clip(x, min=0.1), lambda T, F, x: T.clip(x, min=0.1), [(3, 4)]),
    _p("clamp max method", lambda x: x.clamp(max=0.3), lambda T, F, x: x.clamp(max=0.3),
       [(3, 4)]),
    _p("clamp tensor bounds", lambda x, lo: ag.clamp(x, min=lo),
       lambda T, F, x, lo: T.clamp(x, min=lo), [(3, 4), (4,)]),
    _p("maximum", ag.maximum, lambda T, F, a, b: T.maximum(a, b), [(3, 1), (1, 4)]),
    _p("minimum", lambda a, b: a.minimum(b), lambda T, F, a, b: a.minimum(b), [(2, 3), (3,)]),
    _p("where", lambda a, b: ag.where(a > 0, a, b), lambda T, F, a, b: T.where(a > 0, a, b),
       [(2, 3), (3,)]),
    _p("pow", ag.pow, lambda T, F, a, b: T.pow(a, b), [(2, 3), (3,)], POS),
    _p("pow scalar", lambda x: x.pow(3), lambda T, F, x: x.pow(3), [(2, 3)]),
    _p("pow float", lambda x: x**-1.5, lambda T, F, x: x**-1.5, [(2, 3)], POS),
    _p("rpow", lambda x: 2.0**x, lambda T, F, x: 2.0**x, [(2, 3)]),
    _p("add broadcast", lambda a, b: a + b, lambda T, F, a, b: a + b, [(2, 1, 3), (4, 1)]),
    _p("sub broadcast", lambda a, b: a - b, lambda T, F, a, b: a - b, [(), (2, 3)]),
    _p("mul broadcast", lambda a, b: a * b, lambda T, F, a, b: a * b, [(3, 1), (1, 3)]),
    _p("div broadcast", lambda a, b: a / b, lambda T, F, a, b: a / b, [(2, 3), (3,)], POS),
    _p("rsub rdiv", lambda a: (1 - a) / (2 / a), lambda T, F, a: (1 - a) / (2 / a), [(3,)], POS),
    # reductions
    _p("sum", lambda x: x.sum(), lambda T, F, x: x.sum(), [(2, 3)]),
    _p("sum dim", lambda x: x.sum(dim=1), lambda T, F, x: x.sum(dim=1), [(2, 3, 4)]),
    _p("sum dims keepdim", lambda x: ag.sum(x, dim=(0, -1), keepdim=True),
       lambda T, F, x: T.sum(x, dim=(0, -1), keepdim=True), [(2, 3, 4)]),
    _p("mean", lambda x: x.mean(dim=-1), lambda T, F, x: x.mean(dim=-1), [(2, 3)]),
    _p("prod", lambda x: x.prod(dim=1), lambda T, F, x: x.prod(dim=1), [(2, 3)]),
    _p("prod all", ag.prod, lambda T, F, x: T.prod(x), [(2, 3)]),
    _p("var", lambda x: x.var(), lambda T, F, x: x.var(), [(2, 3)]),
    _p("var dim unbiased False", lambda x: x.var(dim=1, unbiased=False, keepdim=True),
       lambda T, F, x: x.var(dim=1, unbiased=False, keepdim=True), [(2, 3)]),
    _p("var correction", lambda x: ag.var(x, dim=(0, 1), correction=2),
       lambda T, F, x: T.var(x, dim=(0, 1), correction=2), [(2, 3, 2)]),
    _p("std", lambda x: x.std(dim=0), lambda T, F, x: x.std(dim=0), [(4, 3)]),
    _p("max", lambda x: x.max(), lambda T, F, x: x.max(), [(3, 4)]),
    _p("max dim", lambda x: ag.max(x, dim=1), lambda T, F, x: T.max(x, dim=1), [(3, 4)]),
    _p("min dim keepdim", lambda x: x.min(dim=0, keepdim=True),
       lambda T, F, x: x.min(dim=0, keepdim=True), [(3, 4)]),
    _p("max of two", lambda a, b: ag.max(a, b), lambda T, F, a, b: T.max(a, b), [(3,), (3,)]),
    _p("amax", lambda x: x.amax(dim=(0, 2)), lambda T, F, x: x.amax(dim=(0, 2)), [(2, 3, 4)]),
    _p("amin", lambda x: ag.amin(x, dim=1, keepdim=True),
       lambda T, F, x: T.amin(x, dim=1, keepdim=True), [(2, 3)]),
    _p("logsumexp", lambda x: x.logsumexp(dim=1), lambda T, F, x: x.logsumexp(dim=1), [(3, 4)]),
    _p("norm", lambda x: x.norm(), lambda T, F, x: x.norm(), [(3, 4)]),
    _p("norm p1 dim", lambda x: x.norm(p=1, dim=1), lambda T, F, x: x.norm(p=1, dim=1),
       [(3, 4)]),
    _p("norm p3 keepdim", lambda x: ag.norm(x, p=3, dim=0, keepdim=True),
       lambda T, F, x: T.norm(x, p=3, dim=0, keepdim=True), [(3, 4)]),
    _p("norm inf", lambda x: x.norm(p=float("inf"), dim=1),
       lambda T, F, x: x.norm(p=float("inf"), dim=1), [(3, 4)]),
    _p("argmax", lambda x: x.argmax(dim=1), lambda T, F, x: x.argmax(dim=1), [(3, 4)]),
    _p("argmin", lambda x: ag.argmin(x), lambda T, F, x: T.argmin(x), [(3, 4)]),
    # shape
    _p("reshape", lambda x: x.reshape(4, -1), lambda T, F, x: x.reshape(4, -1), [(2, 6)]),
    _p("view", lambda x: ag.reshape(x, (3, 4)), lambda T, F, x: x.view(3, 4), [(2, 6)]),
    _p("flatten", lambda x: x.flatten(1), lambda T, F, x: x.flatten(1), [(2, 3, 4)]),
    _p("flatten range", lambda x: ag.flatten(x, 0, 1), lambda T, F, x: T.flatten(x, 0, 1),
       [(2, 3, 4)]),
    _p("squeeze", lambda x: x.squeeze(), lambda T, F, x: x.squeeze(), [(1, 3, 1)]),
    _p("squeeze dim", lambda x: x.squeeze(-1), lambda T, F, x: x.squeeze(-1), [(1, 3, 1)]),
    _p("unsqueeze", lambda x: x.unsqueeze(-1), lambda T, F, x: x.unsqueeze(-1), [(2, 3)]),
    _p("transpose", lambda x: x.transpose(0, 2), lambda T, F, x: x.transpose(0, 2),
       [(2, 3, 4)]),
    _p("permute", lambda x: x.permute(2, 0, 1), lambda T, F, x: x.permute(2, 0, 1),
       [(2, 3, 4)]),
    _p("T", lambda x: x.T * 1, lambda T, F, x: x.T * 1, [(2, 3)]),
    _p("expand", lambda x: x.expand(2, 3, 4), lambda T, F, x: x.expand(2, 3, 4), [(3, 1)]),
    _p("broadcast_to", lambda x: ag.broadcast_to(x, (2, 3)),
       lambda T, F, x: T.broadcast_to(x, (2, 3)), [(3,)]),
    _p("cat", lambda a, b: ag.cat([a, b], dim=1), lambda T, F, a, b: T.cat([a, b], dim=1),
       [(2, 3), (2, 1)]),
    _p("concatenate", lambda a, b: ag.concatenate([a, b]),
       lambda T, F, a, b: T.concatenate([a, b]), [(2, 3), (1, 3)]),
    _p("stack", lambda a, b: ag.stack([a, b], dim=-1), lambda T, F, a, b: T.stack([a, b], dim=-1),
       [(2, 3), (2, 3)]),
    _p("split", lambda x: ag.split(x, [1, 3], dim=1), lambda T, F, x: T.split(x, [1, 3], dim=1),
       [(2, 4)]),
    _p("split size", lambda x: ag.split(x, 2), lambda T, F, x: T.split(x, 2), [(5, 2)]),
    _p("pad", lambda x: ag.pad(x, (1, 2)), lambda T, F, x: F.pad(x, (1, 2)), [(2, 3)]),
    _p("pad 2 dims value", lambda x: ag.pad(x, (0, 1, 2, 0), value=-1.0),
       lambda T, F, x: F.pad(x, (0, 1, 2, 0), value=-1.0), [(2, 3, 4)]),
    _p("pad negative crops", lambda x: ag.pad(x, (-1, 2)), lambda T, F, x: F.pad(x, (-1, 2)),
       [(2, 3)]),
    _p("pad reflect", lambda x: ag.pad(x, (2, 1), mode="reflect"),
       lambda T, F, x: F.pad(x, (2, 1), mode="reflect"), [(2, 4)]),
    _p("pad replicate", lambda x: ag.pad(x, (2, 1, 1, 1), mode="replicate"),
       lambda T, F, x: F.pad(x, (2, 1, 1, 1), mode="replicate"), [(1, 2, 4)]),
    _p("pad circular", lambda x: ag.pad(x, (2, 1), mode="circular"),
       lambda T, F, x: F.pad(x, (2, 1), mode="circular"), [(1, 2, 4)]),
    _p("flip", lambda x: ag.flip(x, (0, 2)), lambda T, F, x: T.flip(x, (0, 2)), [(2, 3, 4)]),
    _p("tile", lambda x: ag.tile(x, (2, 1, 3)), lambda T, F, x: T.tile(x, (2, 1, 3)), [(2, 3)]),
    _p("repeat", lambda x: x.repeat(2, 1, 3), lambda T, F, x: x.repeat(2, 1, 3), [(2, 3)]),
    _p("index basic", lambda x: x[1:, ::-1][..., None], lambda T, F, x: x[1:].flip(1)[..., None],
       [(3, 4)]),
    _p("index advanced repeats", lambda x: x[[0, 2, 0], 1:], lambda T, F, x: x[[0, 2, 0], 1:],
       [(3, 4)]),
    _p("index boolean", lambda x: x[x > 0], lambda T, F, x: x[x > 0], [(3, 4)]),
    # linear algebra
    _p("matmul 2d", ag.matmul, lambda T, F, a, b: T.matmul(a, b), [(2, 3), (3, 4)]),
    _p("matmul 1d 1d", lambda a, b: a @ b, lambda T, F, a, b: a @ b, [(3,), (3,)]),
    _p("matmul 1d batched", ag.matmul, lambda T, F, a, b: T.matmul(a, b), [(3,), (2, 3, 4)]),
    _p("matmul batched 1d", ag.matmul, lambda T, F, a, b: T.matmul(a, b), [(2, 4, 3), (3,)]),
    _p("matmul broadcast batch", ag.matmul, lambda T, F, a, b: T.matmul(a, b),
       [(2, 1, 3, 4), (3, 4, 2)]),
    _p("dot", ag.dot, lambda T, F, a, b: T.dot(a, b), [(4,), (4,)]),
    _p("outer", ag.outer, lambda T, F, a, b: T.outer(a, b), [(3,), (4,)]),
    _p("einsum matmul", lambda a, b: ag.einsum("ij,jk->ik", a, b),
       lambda T, F, a, b: T.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    _p("einsum trace", lambda a: ag.einsum("ii", a), lambda T, F, a: T.einsum("ii", a),
       [(3, 3)]),
    _p("einsum diagonal", lambda a: ag.einsum("ii->i", a), lambda T, F, a: T.einsum("ii->i", a),
       [(3, 3)]),
    _p("einsum batch ellipsis", lambda a, b: ag.einsum("...ij,...jk", a, b),
       lambda T, F, a, b: T.einsum("...ij,...jk", a, b), [(2, 3, 4), (4, 2)]),
    _p("einsum outer implicit", lambda a, b: ag.einsum("i,j", a, b),
       lambda T, F, a, b: T.einsum("i,j", a, b), [(3,), (2,)]),
    _p("softmax", lambda x: ag.softmax(x, dim=1), lambda T, F, x: T.softmax(x, dim=1),
       [(2, 3, 4)]),
    _p("log_softmax", lambda x: ag.log_softmax(x, dim=-1),
       lambda T, F, x: T.log_softmax(x, dim=-1), [(2, 5)], (-20.0, 20.0)),
    _p("softmax method", lambda x: x.softmax(0), lambda T, F, x: x.softmax(0), [(3, 2)]),
    # convolution and pooling, NC(H)W
    _p("conv1d", lambda x, w, b: ag.conv1d(x, w, b),
       lambda T, F, x, w, b: F.conv1d(x, w, b), [(2, 3, 7), (4, 3, 3), (4,)]),
    _p("conv1d stride padding dilation", lambda x, w: ag.conv1d(x, w, stride=2, padding=2,
                                                                dilation=2),
       lambda T, F, x, w: F.conv1d(x, w, stride=2, padding=2, dilation=2),
       [(2, 3, 9), (4, 3, 3)]),
    _p("conv1d groups", lambda x, w: ag.conv1d(x, w, groups=2),
       lambda T, F, x, w: F.conv1d(x, w, groups=2), [(2, 4, 6), (6, 2, 3)]),
    _p("conv1d same", lambda x, w: ag.conv1d(x, w, padding="same"),
       lambda T, F, x, w: F.conv1d(x, w, padding="same"), [(1, 2, 6), (3, 2, 4)]),
    _p("conv2d", lambda x, w, b: ag.conv2d(x, w, b),
       lambda T, F, x, w, b: F.conv2d(x, w, b), [(2, 3, 5, 6), (4, 3, 3, 2), (4,)]),
    _p("conv2d stride padding dilation", lambda x, w: ag.conv2d(
        x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
       lambda T, F, x, w: F.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
       [(2, 2, 6, 7), (3, 2, 3, 3)]),
    _p("conv2d groups", lambda x, w, b: ag.conv2d(x, w, b, padding=1, groups=3),
       lambda T, F, x, w, b: F.conv2d(x, w, b, padding=1, groups=3),
       [(1, 3, 4, 4), (6, 1, 3, 3), (6,)]),
    _p("conv2d same even kernel", lambda x, w: ag.conv2d(x, w, padding="same"),
       lambda T, F, x, w: F.conv2d(x, w, padding="same"), [(1, 2, 5, 5), (2, 2, 2, 4)]),
    _p("max_pool1d", lambda x: ag.max_pool1d(x, 2), lambda T, F, x: F.max_pool1d(x, 2),
       [(2, 3, 7)]),
    _p("max_pool1d stride padding dilation ceil", lambda x: ag.max_pool1d(
        x, 3, stride=2, padding=1, dilation=2, ceil_mode=True),
       lambda T, F, x: F.max_pool1d(x, 3, stride=2, padding=1, dilation=2, ceil_mode=True),
       [(2, 3, 10)]),
    _p("max_pool2d", lambda x: ag.max_pool2d(x, (2, 3), stride=(1, 2), padding=1),
       lambda T, F, x: F.max_pool2d(x, (2, 3), stride=(1, 2), padding=1), [(2, 2, 5, 6)]),
    _p("max_pool2d stride 2 exact", lambda x: ag.max_pool2d(x, 3, stride=2, padding=1),
       lambda T, F, x: F.max_pool2d(x, 3, stride=2, padding=1), [(1, 2, 5, 7)]),
    _p("max_pool2d indices", lambda x: ag.max_pool2d(x, 2, ceil_mode=True, return_indices=True),
       lambda T, F, x: F.max_pool2d(x, 2, ceil_mode=True, return_indices=True),
       [(1, 2, 5, 5)]),
    _p("max_pool2d unbatched", lambda x: ag.max_pool2d(x, 2), lambda T, F, x: F.max_pool2d(x, 2),
       [(2, 4, 4)]),
    _p("avg_pool1d", lambda x: ag.avg_pool1d(x, 3, stride=2, padding=1),
       lambda T, F, x: F.avg_pool1d(x, 3, stride=2, padding=1), [(2, 3, 8)]),
    _p("max_pool1d uneven stride", lambda x: ag.max_pool1d(x, 3, stride=2, padding=1),
       lambda T, F, x: F.max_pool1d(x, 3, stride=2, padding=1), [(1, 2, 6)]),
    _p("avg_pool1d exact", lambda x: ag.avg_pool1d(x, 3, stride=2, padding=1),
       lambda T, F, x: F.avg_pool1d(x, 3, stride=2, padding=1), [(2, 3, 7)]),
    _p("avg_pool1d exclude pad ceil", lambda x: ag.avg_pool1d(
        x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
       lambda T, F, x: F.avg_pool1d(x, 3, stride=2, padding=1, ceil_mode=True,
                                    count_include_pad=False), [(2, 3, 8)]),
    _p("avg_pool2d", lambda x: ag.avg_pool2d(x, 2), lambda T, F, x: F.avg_pool2d(x, 2),
       [(2, 3, 4, 6)]),
    _p("avg_pool2d ceil pad", lambda x: ag.avg_pool2d(x, 3, stride=2, padding=1,
                                                      ceil_mode=True),
       lambda T, F, x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
       [(1, 2, 6, 5)]),
    _p("avg_pool2d divisor_override", lambda x: ag.avg_pool2d(x, 2, divisor_override=3),
       lambda T, F, x: F.avg_pool2d(x, 2, divisor_override=3), [(1, 2, 4, 4)]),
]


def _outputs(result: Any) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _torch_params() -> list:
    return [pytest.param(*case[1:], id=case[0]) for case in TORCH_CASES]


def _difference_params() -> list:
    return [pytest.param(case[1], case[3], case[4], id=case[0]) for case in TORCH_CASES]


@pytest.mark.torch
@pytest.mark.parametrize("ag_fn, torch_fn, shapes, domain", _torch_params())
def test_values_and_gradients_match_torch(ag_fn, torch_fn, shapes, domain):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(*domain, size=s) for s in shapes]
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ours = _outputs(ag_fn(*xs))
    theirs = _outputs(torch_fn(torch, torch.nn.functional, *ts))
    assert len(ours) == len(theirs)
    loss_ours, loss_theirs = [], []
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        expected = t.detach().numpy()
        if t.dtype.is_floating_point:
            assert o.dtype == np.float64
            np.testing.assert_allclose(o._data, expected, rtol=1e-10, atol=1e-12)
            w = rng.normal(size=o.shape)
            loss_ours.append((o * ag.tensor(w)).sum())
            loss_theirs.append((t * torch.tensor(w)).sum())
        else:
            assert o.dtype == expected.dtype or (o.dtype.kind == expected.dtype.kind == "b")
            np.testing.assert_array_equal(o._data, expected)
            assert not o.requires_grad
    if not loss_ours or not any(t.requires_grad for t in loss_theirs):
        return
    sum(loss_ours[1:], loss_ours[0]).backward()
    sum(loss_theirs[1:], loss_theirs[0]).backward()
    for x, t in zip(xs, ts):
        want = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad._data
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ag_fn, shapes, domain", _difference_params())
def test_public_functions_gradients_match_central_differences(ag_fn, shapes, domain):
    """The same table without PyTorch: each public function's gradient, by differences."""
    rng = np.random.default_rng(0)
    xs = [ag.tensor(rng.uniform(*domain, size=s), requires_grad=True) for s in shapes]
    assert ag.gradcheck(lambda *ts: tuple(o for o in _outputs(ag_fn(*ts))), xs,
                        atol=1e-6, rtol=1e-5)


@pytest.mark.torch
def test_kernels_agree_with_torch_in_float32_too():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 8, 8)).astype(np.float32)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    ours = ag.max_pool2d(ag.relu(ag.conv2d(ag.tensor(x), ag.tensor(w), padding=1)), 2)
    theirs = torch.nn.functional.max_pool2d(
        torch.relu(torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1)), 2)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-4, atol=1e-5)
