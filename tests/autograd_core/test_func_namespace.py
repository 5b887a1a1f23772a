"""The torch.func namespace (ag.func) and the torch.autograd namespace (ag.autograd).

ag.func: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call on
pytrees, with torch.func's return conventions and errors; vmap's per-example gradients against a
Python loop (exactly) and against torch.func. ag.autograd.functional: torch.autograd.functional's
tuple-versus-Tensor conventions, create_graph and strict, against torch itself.
"""

from __future__ import annotations

import re
from collections import namedtuple

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import func as F

RNG = np.random.default_rng(11)
AF = ag.autograd.functional


def arr(*shape):
    return RNG.normal(size=shape)


def t(*shape, requires_grad=False):
    return ag.tensor(arr(*shape), requires_grad=requires_grad)


def as_numpy(tree):
    """Nested tuples/lists/dicts of arrays, for comparing structures and values at once."""
    if isinstance(tree, ag.Tensor):
        return tree._data
    if hasattr(tree, "detach") and hasattr(tree, "numpy"):  # a torch Tensor
        return tree.detach().numpy()
    if isinstance(tree, dict):
        return {k: as_numpy(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(as_numpy(v) for v in tree) if type(tree) in (tuple, list) \
            else type(tree)(*(as_numpy(v) for v in tree))
    return tree


def assert_tree_close(got, want, rtol=1e-10, atol=1e-12):
    g, w = as_numpy(got), as_numpy(want)
    assert type(g) is type(w), f"{type(g).__name__} != {type(w).__name__}"
    if isinstance(g, dict):
        assert list(g) == list(w)
        for k in g:
            assert_tree_close(g[k], w[k], rtol, atol)
    elif isinstance(g, (tuple, list)):
        assert len(g) == len(w)
        for a, b in zip(g, w):
            assert_tree_close(a, b, rtol, atol)
    else:
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def mlp_loss(T, params, x, y):
    """A two-layer network on one example or a batch; params is [(W1, b1), (W2, b2)]."""
    (W1, b1), (W2, b2) = params
    h = T.tanh(x @ W1 + b1)
    return ((h @ W2 + b2 - y) ** 2).mean()


def mlp_params(T=None):
    shapes = [(3, 5), (5,), (5, 2), (2,)]
    arrays = [RNG.normal(size=s) for s in shapes]
    return [(arrays[0], arrays[1]), (arrays[2], arrays[3])]


def to(T, tree):
    return [(T.tensor(a), T.tensor(b)) for a, b in tree]


# -- the namespaces ----------------------------------------------------------------------------
def test_the_namespaces_hold_torchs_names():
    for name in ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
                 "functional_call"):
        assert callable(getattr(ag.func, name))
    for name in ("Function", "grad", "backward", "no_grad", "enable_grad"):
        assert hasattr(ag.autograd, name)
    for name in ("vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"):
        assert callable(getattr(AF, name))
    assert ag.autograd.Function is ag.Function and ag.vmap is ag.func.vmap
    import autograd_core.autograd.functional as by_import

    assert by_import is AF


def test_autograd_grad_and_backward_as_torch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.autograd.grad((x**3).sum(), x)
    np.testing.assert_allclose(g._data, [3.0, 12.0])
    ag.autograd.backward((x * x).sum())  # grad_tensors left out for a scalar
    np.testing.assert_allclose(x.grad._data, [2.0, 4.0])
    x.grad = None
    ag.autograd.backward([x * 2, x * x], [ag.ones(2), ag.tensor([1.0, 0.0])])
    np.testing.assert_allclose(x.grad._data, [4.0, 2.0])
    with pytest.raises(RuntimeError, match="2 gradients for 1 tensors"):
        ag.autograd.backward([x * 2], [ag.ones(2), ag.ones(2)])
    with pytest.raises(TypeError, match="expected a Tensor"):
        ag.autograd.backward(3.0)


# -- grad, grad_and_value ----------------------------------------------------------------------
def test_grad_takes_and_returns_nested_params():
    params = to(ag, mlp_params())
    x, y = t(3), t(2)
    g = F.grad(lambda p: mlp_loss(ag, p, x, y))(params)
    assert isinstance(g, list) and all(isinstance(layer, tuple) for layer in g)
    assert [tuple(a.shape for a in layer) for layer in g] == [((3, 5), (5,)), ((5, 2), (2,))]
    flat = F.grad(lambda W1, b1, W2, b2: mlp_loss(ag, [(W1, b1), (W2, b2)], x, y),
                  argnums=(0, 1, 2, 3))(*params[0], *params[1])
    for a, b in zip([g[0][0], g[0][1], g[1][0], g[1][1]], flat):
        np.testing.assert_array_equal(a._data, b._data)


def test_grad_and_value_dicts_namedtuples_and_none():
    Pair = namedtuple("Pair", ["w", "b"])
    p = {"layer": Pair(t(2, 2), t(2)), "skip": None}

    def f(p, x):
        return (ag.sigmoid(x @ p["layer"].w + p["layer"].b) ** 2).sum()

    x = t(2)
    g, value = F.grad_and_value(f)(p, x)
    assert set(g) == {"layer", "skip"} and g["skip"] is None
    assert isinstance(g["layer"], Pair) and g["layer"].w.shape == (2, 2)
    np.testing.assert_allclose(value.item(), f(p, x).item())
    (g2, x_grad), value2 = F.grad_and_value(f, argnums=(0, 1))(p, x)
    np.testing.assert_array_equal(g2["layer"].b._data, g["layer"].b._data)
    assert x_grad.shape == (2,)


def test_grad_has_aux_returns_grad_and_aux():
    def f(x):
        loss = (x**2).sum()
        return loss, {"mean": x.mean()}

    x = t(3)
    g, aux = F.grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g._data, 2 * x._data)
    np.testing.assert_allclose(aux["mean"].item(), x._data.mean())
    g, (value, aux) = F.grad_and_value(f, has_aux=True)(x)
    np.testing.assert_allclose(value.item(), (x._data**2).sum())
    assert not aux["mean"].requires_grad
    with pytest.raises(RuntimeError, match=r"should be a tuple: \(output, aux\)"):
        F.grad(lambda x: (x**2).sum(), has_aux=True)(x)


def test_grad_errors_are_torchs():
    x = t(3)
    with pytest.raises(RuntimeError, match="argnums elements must be unique, got \\(0, 0\\)"):
        F.grad(lambda a, b: (a * b).sum(), argnums=(0, 0))(x, x)
    with pytest.raises(RuntimeError, match="argnums elements must be unique"):
        F.grad(lambda a, b: (a * b).sum(), argnums=(1, -1))(x, x)
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 2 positional inputs"):
        F.grad(lambda a, b: (a * b).sum(), argnums=2)(x, x)
    with pytest.raises(RuntimeError, match="argnums must be int or Tuple"):
        F.grad(lambda a, b: (a * b).sum(), argnums=[0, 1])(x, x)
    with pytest.raises(RuntimeError, match="argnums must be non-empty"):
        F.grad(lambda a: a.sum(), argnums=())(x)
    with pytest.raises(RuntimeError, match="to return a scalar Tensor, got tensor with 1 dims"):
        F.grad(lambda a: a * 2)(x)
    with pytest.raises(RuntimeError, match="to return a scalar Tensor, got tensor with 1 dims"):
        F.grad(lambda a: a.sum().reshape(1))(x)  # one element is not enough: it must be 0-d
    with pytest.raises(RuntimeError, match="to return a Tensor, got"):
        F.grad(lambda a: 1.0)(x)


def test_top_level_grad_refuses_duplicate_argnums_too():
    x = t(3)
    with pytest.raises(ValueError, match="argnums elements must be unique"):
        ag.grad(lambda a, b: (a * b).sum(), argnums=(0, 0))(x, x)


# -- vjp, jvp ----------------------------------------------------------------------------------
def test_vjp_with_tree_primals_and_outputs():
    p = {"a": t(3), "b": t(3)}
    z = t(2)

    def f(p, z):
        return {"s": (p["a"] * p["b"]).sum() * z, "t": (ag.exp(p["a"]), p["b"] * 2)}

    out, vjp_fn = F.vjp(f, p, z)
    assert set(out) == {"s", "t"} and isinstance(out["t"], tuple)
    ct = {"s": t(2), "t": (t(3), t(3))}
    gp, gz = vjp_fn(ct)
    a, b = p["a"]._data, p["b"]._data
    s_bar = (ct["s"]._data * z._data).sum()
    np.testing.assert_allclose(gp["a"]._data, s_bar * b + ct["t"][0]._data * np.exp(a))
    np.testing.assert_allclose(gp["b"]._data, s_bar * a + 2 * ct["t"][1]._data)
    np.testing.assert_allclose(gz._data, (a * b).sum() * ct["s"]._data)
    with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents"):
        vjp_fn({"s": t(2), "t": [t(3), t(3)]})  # a list where the output has a tuple


def test_vjp_has_aux_and_integer_outputs():
    x = t(3)
    out, vjp_fn, aux = F.vjp(lambda a: (a * 2, {"n": a.sum()}), x, has_aux=True)
    assert isinstance(aux, dict) and not aux["n"].requires_grad
    (g,) = vjp_fn(ag.ones(3))
    np.testing.assert_allclose(g._data, 2 * np.ones(3))
    with pytest.raises(RuntimeError, match="All outputs of f must be floating-point"):
        F.vjp(lambda a: a.argmax(), x)


def test_jvp_conventions_and_errors():
    x, y, vx, vy = t(3), t(3), t(3), t(3)
    out, tangent = F.jvp(lambda a, b: {"p": a * b, "q": ag.sin(a)}, (x, y), (vx, vy))
    np.testing.assert_allclose(tangent["p"]._data, vx._data * y._data + x._data * vy._data)
    np.testing.assert_allclose(tangent["q"]._data, np.cos(x._data) * vx._data)
    out, tangent, aux = F.jvp(lambda a: (a**2, a.sum()), (x,), (vx,), has_aux=True)
    np.testing.assert_allclose(tangent._data, 2 * x._data * vx._data)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        F.jvp(lambda a: a, x, vx)
    with pytest.raises(RuntimeError, match="same python structure"):
        F.jvp(lambda a, b: a * b, (x, y), [vx, vy])
    with pytest.raises(RuntimeError, match="independent of the inputs"):
        F.jvp(lambda a: (a * 2, ag.ones(2)), (x,), (vx,), strict=True)
    _, (_, zero) = F.jvp(lambda a: (a * 2, ag.ones(2)), (x,), (vx,))
    np.testing.assert_array_equal(zero._data, np.zeros(2))


# -- Jacobians and the Hessian -----------------------------------------------------------------
def f_tree(x, y):
    return {"a": ag.sin(x) * y, "b": (x * x * ag.exp(y)).sum()}


def f_tree_torch(x, y):
    import torch

    return {"a": torch.sin(x) * y, "b": (x * x * torch.exp(y)).sum()}


def test_jacrev_and_jacfwd_agree_on_trees():
    x, y = t(3), t(3)
    for argnums in (0, 1, (0, 1)):
        rev = F.jacrev(f_tree, argnums=argnums)(x, y)
        fwd = F.jacfwd(f_tree, argnums=argnums)(x, y)
        assert_tree_close(fwd, rev)
    jac = F.jacrev(f_tree, argnums=(0, 1))(x, y)
    assert jac["a"][0].shape == (3, 3) and jac["b"][1].shape == (3,)
    np.testing.assert_allclose(jac["a"][0]._data, np.diag(np.cos(x._data) * y._data))


@pytest.mark.torch
def test_jacobians_and_hessian_of_trees_match_torch_func():
    torch = pytest.importorskip("torch")
    xa, ya = arr(3), arr(3)
    x, y, xt, yt = ag.tensor(xa), ag.tensor(ya), torch.tensor(xa), torch.tensor(ya)
    for argnums in (0, (0, 1)):
        want = torch.func.jacrev(f_tree_torch, argnums=argnums)(xt, yt)
        assert_tree_close(F.jacrev(f_tree, argnums=argnums)(x, y), want)
        assert_tree_close(F.jacfwd(f_tree, argnums=argnums)(x, y), want)

    def scalar(T, p):
        return (p["a"] ** 2 * T.sin(p["b"])).sum() * p["c"][0].sum()

    p = {"a": arr(2), "b": arr(2), "c": [arr(3)]}
    got = F.hessian(lambda q: scalar(ag, q))({k: _tree(ag, v) for k, v in p.items()})
    want = torch.func.hessian(lambda q: scalar(torch, q))({k: _tree(torch, v)
                                                           for k, v in p.items()})
    assert_tree_close(got, want)


def _tree(T, v):
    return [T.tensor(a) for a in v] if isinstance(v, list) else T.tensor(v)


def test_jacobian_with_respect_to_a_dict_and_has_aux():
    p = {"w": t(2, 3), "b": t(2)}
    x = t(3)
    jac, aux = F.jacrev(lambda p: (p["w"] @ x + p["b"], "note"), has_aux=True)(p)
    assert aux == "note"
    assert jac["w"].shape == (2, 2, 3) and jac["b"].shape == (2, 2)
    expected_w = np.zeros((2, 2, 3))
    for i in range(2):
        expected_w[i, i] = x._data
    np.testing.assert_allclose(jac["w"]._data, expected_w)
    np.testing.assert_allclose(jac["b"]._data, np.eye(2))
    jf, aux = F.jacfwd(lambda p: (p["w"] @ x + p["b"], "note"), has_aux=True)(p)
    assert_tree_close(jf, jac)
    with pytest.raises(ValueError, match="chunk_size"):
        F.jacrev(f_tree, chunk_size=0)


def test_hessian_is_forward_over_reverse_and_matches_jacobian_of_grad():
    def f(p):
        return (p["a"] ** 2 * ag.sin(p["b"])).sum()

    p = {"a": t(3), "b": t(3)}
    h = F.hessian(f)(p)
    assert set(h) == {"a", "b"} and set(h["a"]) == {"a", "b"}
    h2 = ag.hessian(f)(p)
    assert_tree_close(h, h2)
    a, b = p["a"]._data, p["b"]._data
    np.testing.assert_allclose(h["a"]["a"]._data, np.diag(2 * np.sin(b)))
    np.testing.assert_allclose(h["a"]["b"]._data, np.diag(2 * a * np.cos(b)))
    np.testing.assert_allclose(h["b"]["b"]._data, np.diag(-(a**2) * np.sin(b)))


def test_jacfwd_refuses_randomness_unless_told():
    x = t(3)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        F.jacfwd(lambda a: a * ag.randn(3))(x)
    jac = F.jacfwd(lambda a: a * ag.randn(3), randomness="different")(x)
    assert jac.shape == (3, 3)
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        F.jacfwd(lambda a: a, randomness="sometimes")


# -- vmap --------------------------------------------------------------------------------------
def test_vmap_maps_in_and_out_dims():
    x, y = t(4, 3), t(3, 4)
    out = F.vmap(lambda a, b: a * b)(x, y.T)
    np.testing.assert_array_equal(out._data, (x * y.T)._data)
    out = F.vmap(lambda a, b: (a * b).sum(), in_dims=(0, 1))(x, y)
    np.testing.assert_allclose(out._data, (x._data * y._data.T).sum(1))
    out = F.vmap(lambda a: a * 2, in_dims=1, out_dims=1)(y)
    np.testing.assert_array_equal(out._data, 2 * y._data)
    out = F.vmap(lambda a: a.sum(), in_dims=-1)(y)
    np.testing.assert_allclose(out._data, y._data.sum(0))
    w = t(3)
    out = F.vmap(lambda a, w: a @ w, in_dims=(0, None))(x, w)
    np.testing.assert_allclose(out._data, x._data @ w._data)


def test_vmap_nested_in_dims_trees_and_kwargs():
    xs = {"u": t(5, 2), "v": t(2)}
    out = F.vmap(lambda d, scale=1.0: {"s": (d["u"] * d["v"]).sum() * scale},
                 in_dims=({"u": 0, "v": None},))(xs, scale=3.0)
    assert set(out) == {"s"}
    np.testing.assert_allclose(out["s"]._data, 3 * (xs["u"]._data * xs["v"]._data).sum(1))
    out_a, out_b = F.vmap(lambda a: (a * 2, a.sum()), out_dims=(1, 0))(t(4, 3))
    assert out_a.shape == (3, 4) and out_b.shape == (4,)
    const = F.vmap(lambda a: (a * 2, ag.ones(2)), out_dims=(0, None))(t(4, 3))
    assert const[1].shape == (2,)


def test_vmap_of_vmap_is_a_double_loop():
    x = t(2, 3, 4)
    out = F.vmap(F.vmap(lambda v: (v * v).sum()))(x)
    np.testing.assert_allclose(out._data, (x._data**2).sum(-1))


def test_per_example_gradients_equal_a_python_loop_exactly():
    params = to(ag, mlp_params())
    xs, ys = t(6, 3), t(6, 2)

    def loss(p, x, y):
        return mlp_loss(ag, p, x, y)

    per = F.vmap(F.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
    assert isinstance(per, list) and isinstance(per[0], tuple)
    loop = [F.grad(loss)(params, xs[i], ys[i]) for i in range(6)]
    for layer in range(2):
        for k in range(2):
            assert per[layer][k].shape == (6,) + params[layer][k].shape
            expected = np.stack([g[layer][k]._data for g in loop])
            np.testing.assert_array_equal(per[layer][k]._data, expected)
    # chunk_size changes nothing
    chunked = F.vmap(F.grad(loss), in_dims=(None, 0, 0), chunk_size=4)(params, xs, ys)
    np.testing.assert_array_equal(chunked[0][0]._data, per[0][0]._data)


@pytest.mark.torch
def test_per_example_gradients_match_torch_func():
    torch = pytest.importorskip("torch")
    arrays = mlp_params()
    xs, ys = arr(7, 3), arr(7, 2)
    ours = F.vmap(F.grad(lambda p, x, y: mlp_loss(ag, p, x, y)), in_dims=(None, 0, 0))(
        to(ag, arrays), ag.tensor(xs), ag.tensor(ys))
    theirs = torch.func.vmap(torch.func.grad(lambda p, x, y: mlp_loss(torch, p, x, y)),
                             in_dims=(None, 0, 0))(to(torch, arrays), torch.tensor(xs),
                                                    torch.tensor(ys))
    assert_tree_close(ours, theirs)


@pytest.mark.torch
def test_per_example_gradients_of_a_module_through_functional_call_match_torch():
    torch = pytest.importorskip("torch")
    import nn

    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    model_t = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    model_t = model_t.double()
    with torch.no_grad():
        for name, p in model_t.named_parameters():
            p.copy_(torch.tensor(dict(model.named_parameters())[name]._data, dtype=torch.float64))
    params = {k: ag.tensor(v._data.astype(np.float64)) for k, v in model.named_parameters()}
    params_t = {k: v.detach() for k, v in model_t.named_parameters()}
    xs, ys = arr(5, 4), RNG.integers(0, 3, size=5)

    def loss(T, call, model, p, x, y):
        logits = call(model, p, (x.reshape(1, -1),))
        return T.nn.functional.cross_entropy(logits, y.reshape(1)) if T is torch \
            else nn.functional.cross_entropy(logits, y.reshape(1))

    ours = F.vmap(F.grad(lambda p, x, y: loss(ag, F.functional_call, model, p, x, y)),
                  in_dims=(None, 0, 0))(params, ag.tensor(xs), ag.tensor(ys))
    theirs = torch.func.vmap(
        torch.func.grad(lambda p, x, y: loss(torch, torch.func.functional_call, model_t, p, x,
                                             y)),
        in_dims=(None, 0, 0))(params_t, torch.tensor(xs), torch.tensor(ys))
    assert_tree_close(ours, theirs, rtol=1e-9)
    assert all(type(p).__name__ == "Parameter" for p in model.parameters())  # restored


def test_vmap_randomness():
    x = t(4, 3)
    with pytest.raises(RuntimeError, match="randomness error mode"):
        F.vmap(lambda a: a + ag.randn(3))(x)
    different = F.vmap(lambda a: a * 0 + ag.randn(3), randomness="different")(x)
    assert not np.allclose(different._data[0], different._data[1])
    same = F.vmap(lambda a: a * 0 + ag.randn(3), randomness="same")(x)
    for row in same._data[1:]:
        np.testing.assert_array_equal(row, same._data[0])
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        F.vmap(lambda a: a, randomness="never")


def test_vmap_errors_are_torchs():
    x, y = t(3, 2), t(4, 2)
    with pytest.raises(ValueError, match="vmap: Expected all tensors to have the same size in "
                                         r"the mapped dimension, got sizes \[3, 4\]"):
        F.vmap(lambda a, b: a.sum() + b.sum())(x, y)
    with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
        F.vmap(lambda a: a, in_dims=[0])(x)
    with pytest.raises(ValueError, match="in_dims is not compatible with the structure"):
        F.vmap(lambda a, b: a, in_dims=(0, 0, 0))(x, x)
    with pytest.raises(ValueError, match="Got in_dim=2 for some input, but that input is a "
                                         "Tensor of dimensionality 2"):
        F.vmap(lambda a: a, in_dims=2)(x)
    with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
        F.vmap(lambda a, s: a * s)(x, 2.0)
    with pytest.raises(ValueError, match="in_dim must be either an integer dimension or None"):
        F.vmap(lambda a: a, in_dims=("0",))(x)
    with pytest.raises(ValueError, match="Expected at least one Tensor to vmap over"):
        F.vmap(lambda a: a, in_dims=(None,))(x)
    with pytest.raises(ValueError, match="got no inputs"):
        F.vmap(lambda: ag.ones(2))()
    with pytest.raises(ValueError, match="`out_dims` must be an int, None or a python collection"):
        F.vmap(lambda a: a, out_dims="0")(x)
    with pytest.raises(ValueError, match="out_dims is not compatible with the structure"):
        F.vmap(lambda a: (a, a), out_dims=(0, 0, 0))(x)
    with pytest.raises(ValueError, match="must only return Tensors"):
        F.vmap(lambda a: 1.0)(x)
    with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
        F.vmap(lambda a: a * 2, out_dims=None)(x)
    with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
        F.vmap(lambda a: a, chunk_size=0)


def test_vmap_composes_with_grad_both_ways():
    x = t(4, 3, requires_grad=False)

    def f(v):
        return (ag.sin(v) * v).sum()

    # grad of a vmapped function: the slices stay in the graph
    g = ag.grad(lambda xs: F.vmap(f)(xs).sum())(x)
    np.testing.assert_allclose(g._data, np.cos(x._data) * x._data + np.sin(x._data))
    # a gradient penalty: grad through per-example gradients
    gp = ag.grad(lambda xs: (F.vmap(F.grad(f))(xs) ** 2).sum())(x)
    d1 = np.cos(x._data) * x._data + np.sin(x._data)
    d2 = 2 * np.cos(x._data) - x._data * np.sin(x._data)
    np.testing.assert_allclose(gp._data, 2 * d1 * d2, rtol=1e-12)


# -- functional_call ---------------------------------------------------------------------------
class Affine:
    """A module by duck typing: named_parameters, named_buffers and a call."""

    def __init__(self):
        self.w = ag.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
        self.shift = ag.tensor(np.array([0.5, -0.5]))

    def named_parameters(self, remove_duplicate=True):
        return iter([("w", self.w)])

    def named_buffers(self, remove_duplicate=True):
        return iter([("shift", self.shift)])

    def __call__(self, x):
        return x @ self.w + self.shift


def test_functional_call_swaps_and_restores_by_duck_typing():
    m = Affine()
    w0 = m.w
    x = ag.tensor(np.array([1.0, 1.0]))
    zeros, ones = ag.tensor(np.zeros((2, 2))), ag.tensor(np.ones(2))
    out = F.functional_call(m, {"w": zeros}, (x,))
    np.testing.assert_allclose(out._data, [0.5, -0.5])
    assert m.w is w0
    out = F.functional_call(m, ({"w": zeros}, {"shift": ones}), x)
    np.testing.assert_allclose(out._data, [1.0, 1.0])
    g = ag.grad(lambda w: F.functional_call(m, {"w": w}, (x,)).sum())(w0)
    np.testing.assert_allclose(g._data, np.ones((2, 2)))
    assert m.w is w0


def test_functional_call_on_nn_modules_with_strict_and_ties():
    import nn

    lin = nn.Linear(2, 2)
    x = ag.tensor(np.array([[1.0, 2.0]], dtype=np.float32))
    new = {"weight": ag.zeros(2, 2), "bias": ag.ones(2)}
    np.testing.assert_allclose(F.functional_call(lin, new, (x,))._data, [[1.0, 1.0]])
    assert isinstance(lin.weight, nn.Parameter)
    with pytest.raises(RuntimeError, match="Missing key\\(s\\): 'bias'"):
        F.functional_call(lin, {"weight": ag.zeros(2, 2)}, (x,), strict=True)
    with pytest.raises(RuntimeError, match="Unexpected key\\(s\\): 'scale'"):
        F.functional_call(lin, {**new, "scale": ag.ones(1)}, (x,), strict=True)
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        F.functional_call(lin, (new, {"bias": ag.ones(2)}), (x,))

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))

    m = Tied()
    eye = ag.eye(2)
    out = F.functional_call(m, {"a.weight": eye}, (x,))  # b.weight follows a.weight
    np.testing.assert_allclose(out._data, x._data)
    out = F.functional_call(m, {"a.weight": eye}, (x,), tie_weights=False)
    np.testing.assert_allclose(out._data, x._data @ m.b.weight._data.T, rtol=1e-6)
    with pytest.raises(ValueError, match="which are tied"):
        F.functional_call(m, {"a.weight": eye, "b.weight": ag.zeros(2, 2)}, (x,))
    assert m.b.weight is m.a.weight


# -- torch.autograd.functional -----------------------------------------------------------------
def _cases():
    """(name, f written for either library, input shapes; a list of shapes means a tuple)."""
    return {
        "tensor->tensor": (lambda T, x: T.sin(x) * x, (3,)),
        "tensor->tuple": (lambda T, x: (x * x, T.exp(x).sum()), (3,)),
        "tuple->tensor": (lambda T, x, y: x * T.tanh(y), [(3,), (3,)]),
        "tuple->tuple": (lambda T, x, y: (x * y, (x * x).sum() + y[0]), [(2,), (2,)]),
        "one-tuple": (lambda T, x: (x**3,), [(2,)]),
    }


def _inputs(T, shapes, arrays):
    if isinstance(shapes, list):
        return tuple(T.tensor(a) for a in arrays)
    return T.tensor(arrays)


def _arrays(shapes):
    return [arr(*s) for s in shapes] if isinstance(shapes, list) else arr(*shapes)


@pytest.mark.torch
@pytest.mark.parametrize("name", list(_cases()))
def test_autograd_functional_conventions_match_torch(name):
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    fn, shapes = _cases()[name]
    arrays = _arrays(shapes)
    xa, xt = _inputs(ag, shapes, arrays), _inputs(torch, shapes, arrays)

    def fa(*a):
        return fn(ag, *a)

    def ft(*a):
        return fn(torch, *a)

    jac_t = TF.jacobian(ft, xt)
    assert_tree_close(AF.jacobian(fa, xa), jac_t)
    # torch's forward mode (vectorize=True only) gives lists where its reverse mode, and its
    # documentation, give tuples; ours follows the documented convention in both modes
    assert_tree_close(AF.jacobian(fa, xa, strategy="forward-mode"), jac_t)
    out_t = ft(*xt) if isinstance(xt, tuple) else ft(xt)
    v_out = tuple(torch.ones_like(o) * 0.5 for o in out_t) if isinstance(out_t, tuple) \
        else torch.ones_like(out_t) * 0.5
    v_out_a = tuple(ag.tensor(v.numpy()) for v in v_out) if isinstance(v_out, tuple) \
        else ag.tensor(v_out.numpy())
    assert_tree_close(AF.vjp(fa, xa, v_out_a), TF.vjp(ft, xt, v_out))
    v_in = tuple(torch.tensor(a[::-1].copy()) for a in arrays) if isinstance(arrays, list) \
        else torch.tensor(arrays[::-1].copy())
    v_in_a = tuple(ag.tensor(v.numpy()) for v in v_in) if isinstance(v_in, tuple) \
        else ag.tensor(v_in.numpy())
    assert_tree_close(AF.jvp(fa, xa, v_in_a), TF.jvp(ft, xt, v_in))

    def scalar_a(*a):
        return sum(o.sum() for o in ag.pytree.tree_leaves(fa(*a)))

    def scalar_t(*a):
        out = ft(*a)
        return sum(o.sum() for o in (out if isinstance(out, tuple) else (out,)))

    assert_tree_close(AF.hessian(scalar_a, xa), TF.hessian(scalar_t, xt))
    assert_tree_close(AF.hvp(scalar_a, xa, v_in_a), TF.hvp(scalar_t, xt, v_in))
    assert_tree_close(AF.vhp(scalar_a, xa, v_in_a), TF.vhp(scalar_t, xt, v_in))


def test_autograd_functional_create_graph_and_defaults():
    x = t(3, requires_grad=True)
    _, g = AF.vjp(lambda a: (a**3).sum(), x)  # v left out: one-element output
    assert not g.requires_grad
    np.testing.assert_allclose(g._data, 3 * x._data**2)
    _, g = AF.vjp(lambda a: (a**3).sum(), x, create_graph=True)
    assert g.requires_grad
    (second,) = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(second._data, 6 * x._data)
    h = AF.hessian(lambda a: (a**3).sum(), x, create_graph=True)
    (third,) = ag.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(third._data, 6 * np.ones(3))
    s = ag.tensor(np.array([2.0]))
    _, jv = AF.jvp(lambda a: a**2, s)  # v left out: one-element input
    np.testing.assert_allclose(jv._data, [4.0])


def test_autograd_functional_takes_lists_and_dicts_as_one_argument():
    p = {"w": t(2), "b": t(2)}
    jac = AF.jacobian(lambda p: p["w"] * p["b"], p)
    assert set(jac) == {"w", "b"}
    np.testing.assert_allclose(jac["w"]._data, np.diag(p["b"]._data))
    _, hv = AF.hvp(lambda p: (p["w"] ** 2 * p["b"]).sum(), p, {"w": ag.ones(2), "b": ag.zeros(2)})
    np.testing.assert_allclose(hv["w"]._data, 2 * p["b"]._data)
    np.testing.assert_allclose(hv["b"]._data, 2 * p["w"]._data)


@pytest.mark.torch
def test_autograd_functional_errors_match_torch():
    torch = pytest.importorskip("torch")
    TF = torch.autograd.functional
    x, xt = t(3), torch.tensor(arr(3))
    y, yt = t(3), torch.tensor(arr(3))

    def same_error(ours, theirs):
        with pytest.raises(Exception) as want:
            theirs()
        with pytest.raises(type(want.value)) as got:
            ours()
        # shapes print as tuples here, as torch.Size([...]) there
        expected = re.sub(r"torch\.Size\(\[(\d+)\]\)", r"(\1,)", str(want.value))
        assert str(got.value) == expected

    same_error(lambda: AF.vjp(lambda a: a * 2, x), lambda: TF.vjp(lambda a: a * 2, xt))
    same_error(lambda: AF.jvp(lambda a: a * 2, x), lambda: TF.jvp(lambda a: a * 2, xt))
    same_error(lambda: AF.vjp(lambda a, b: a * 2, (x, y), ag.ones(3), strict=True),
               lambda: TF.vjp(lambda a, b: a * 2, (xt, yt), torch.ones(3), strict=True))
    same_error(lambda: AF.jacobian(lambda a, b: a * 2, (x, y), strict=True),
               lambda: TF.jacobian(lambda a, b: a * 2, (xt, yt), strict=True))
    same_error(lambda: AF.jacobian(lambda a: ag.ones(3), x, strict=True),
               lambda: TF.jacobian(lambda a: torch.ones(3), xt, strict=True))
    same_error(lambda: AF.hessian(lambda a: a * 2, x), lambda: TF.hessian(lambda a: a * 2, xt))
    same_error(lambda: AF.hessian(lambda a: (a, a), x),
               lambda: TF.hessian(lambda a: (a, a), xt))
    same_error(lambda: AF.vhp(lambda a: a.sum(), x, ag.ones(2)),
               lambda: TF.vhp(lambda a: a.sum(), xt, torch.ones(2)))
    same_error(lambda: AF.vhp(lambda a, b: a.sum(), (x, y), (ag.ones(3),)),
               lambda: TF.vhp(lambda a, b: a.sum(), (xt, yt), (torch.ones(3),)))
    same_error(lambda: AF.vjp(lambda a: a * 2, (x, 3.0), ag.ones(3)),
               lambda: TF.vjp(lambda a: a * 2, (xt, 3.0), torch.ones(3)))
    same_error(lambda: AF.jacobian(lambda a: 2.0, x), lambda: TF.jacobian(lambda a: 2.0, xt))
