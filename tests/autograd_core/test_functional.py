"""Function transforms: grad, value_and_grad, elementwise_grad, vjp, jvp, jacobian, hessian, hvp,
and the pytrees they take and return.

Checked against closed forms, against each other (they must compose consistently), and against
torch.func when PyTorch is installed.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.pytree import (
    LEAF,
    broadcast_prefix,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)

RNG = np.random.default_rng(7)


def arr(*shape):
    return RNG.normal(size=shape)


# -- grad and value_and_grad -------------------------------------------------------------------
def test_grad_matches_the_closed_form():
    x = arr(4)
    g = ag.grad(lambda t: (ag.sin(t) * t).sum())(x)
    assert isinstance(g, ag.Tensor) and g.shape == (4,) and g.dtype == np.float64
    np.testing.assert_allclose(g._data, np.cos(x) * x + np.sin(x), rtol=1e-12)
    assert not g.requires_grad  # a plain result outside any other transform


def test_grad_argnums_int_tuple_and_negative():
    def f(x, y, z):
        return (x * y * y + z).sum()

    x, y, z = arr(3), arr(3), arr(3)
    gy = ag.grad(f, argnums=1)(x, y, z)
    np.testing.assert_allclose(gy._data, 2 * x * y)
    gx, gz = ag.grad(f, argnums=(0, 2))(x, y, z)
    np.testing.assert_allclose(gx._data, y * y)
    np.testing.assert_allclose(gz._data, np.ones(3))
    (only,) = ag.grad(f, argnums=(1,))(x, y, z)  # a one-element tuple gives a tuple
    np.testing.assert_allclose(only._data, 2 * x * y)
    np.testing.assert_allclose(ag.grad(f, argnums=-1)(x, y, z)._data, np.ones(3))
    with pytest.raises(ValueError, match="argnums"):
        ag.grad(f, argnums=3)(x, y, z)


def test_grad_of_an_unused_argument_is_zero():
    g = ag.grad(lambda x, y: (x * 2).sum(), argnums=1)(ag.tensor(arr(2)), arr(3))
    np.testing.assert_array_equal(g._data, np.zeros(3))


def test_grad_needs_a_scalar_output_and_float_inputs():
    with pytest.raises(TypeError, match="scalar"):
        ag.grad(lambda x: x * 2)(arr(3))
    with pytest.raises(TypeError, match="floating"):
        ag.grad(lambda x: (x * 2).sum())(np.arange(3))


def test_value_and_grad_and_has_aux():
    x = arr(3)
    value, g = ag.value_and_grad(lambda t: (t**2).sum())(x)
    np.testing.assert_allclose(value.item(), (x**2).sum())
    np.testing.assert_allclose(g._data, 2 * x)

    def with_aux(t):
        loss = (t**2).sum()
        return loss, {"mean": t.mean()}

    (value, aux), g = ag.value_and_grad(with_aux, has_aux=True)(x)
    np.testing.assert_allclose(value.item(), (x**2).sum())
    np.testing.assert_allclose(aux["mean"].item(), x.mean())
    np.testing.assert_allclose(g._data, 2 * x)
    g2, aux2 = ag.grad(with_aux, has_aux=True)(x)
    np.testing.assert_allclose(g2._data, 2 * x)
    np.testing.assert_allclose(aux2["mean"].item(), x.mean())


def test_keyword_arguments_pass_through():
    g = ag.grad(lambda x, scale=1.0: (x * scale).sum())(arr(2), scale=3.0)
    np.testing.assert_allclose(g._data, [3.0, 3.0])


def test_python_floats_become_float32_inputs_and_arrays_keep_float64():
    assert ag.grad(lambda x: x * x)(1.5).dtype == np.float32
    assert ag.grad(lambda x: x * x)(np.array(1.5)).dtype == np.float64
    assert ag.grad(lambda x: x * x)(np.float32(1.5)).dtype == np.float32


# -- vjp and jvp -------------------------------------------------------------------------------
def f_vector(x, y):
    """R^3 x R^3 -> R^2, nonlinear in both."""
    return ag.stack([(ag.sin(x) * y).sum(), (x * x * ag.exp(y)).sum()])


def test_vjp_is_u_times_the_jacobian():
    x, y, u = arr(3), arr(3), arr(2)
    out, vjp_fn = ag.vjp(f_vector, x, y)
    np.testing.assert_allclose(out._data, f_vector(ag.tensor(x), ag.tensor(y))._data)
    gx, gy = vjp_fn(u)
    jx, jy = ag.jacobian(f_vector, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx._data, u @ jx._data, rtol=1e-12)
    np.testing.assert_allclose(gy._data, u @ jy._data, rtol=1e-12)
    gx2, _ = vjp_fn(2 * u)  # vjp_fn can be called again
    np.testing.assert_allclose(gx2._data, 2 * gx._data, rtol=1e-12)
    with pytest.raises(ValueError, match="shape"):
        vjp_fn(arr(3))


def test_vjp_with_several_outputs():
    x = arr(3)
    (a, b), vjp_fn = ag.vjp(lambda t: (t * 2, t.sum()), x)
    np.testing.assert_allclose(a._data, 2 * x)
    (g,) = vjp_fn((np.ones(3), np.array(5.0)))
    np.testing.assert_allclose(g._data, 2 + 5 * np.ones(3))


def test_jvp_is_the_jacobian_times_v():
    x, y, vx, vy = arr(3), arr(3), arr(3), arr(3)
    out, tangent = ag.jvp(f_vector, (x, y), (vx, vy))
    jx, jy = ag.jacobian(f_vector, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(out._data, f_vector(ag.tensor(x), ag.tensor(y))._data)
    np.testing.assert_allclose(tangent._data, jx._data @ vx + jy._data @ vy, rtol=1e-12)


def test_jvp_single_primal_and_tuple_outputs():
    x, v = arr(4), arr(4)
    out, t = ag.jvp(lambda a: a**3, x, v)
    np.testing.assert_allclose(t._data, 3 * x**2 * v, rtol=1e-12)
    (o1, o2), (t1, t2) = ag.jvp(lambda a: (ag.exp(a), a.sum()), (x,), (v,))
    np.testing.assert_allclose(t1._data, np.exp(x) * v, rtol=1e-12)
    np.testing.assert_allclose(t2.item(), v.sum(), rtol=1e-12)
    with pytest.raises(ValueError, match="tangent"):
        ag.jvp(lambda a: a, (x,), (arr(3),))


def test_jvp_of_a_function_linear_in_its_input_and_of_a_constant():
    a = ag.tensor(arr(2, 3))
    x, v = arr(3), arr(3)
    _, t = ag.jvp(lambda z: a @ z, (x,), (v,))
    np.testing.assert_allclose(t._data, a._data @ v, rtol=1e-12)
    _, t = ag.jvp(lambda z: a.sum() + 0 * z.sum().detach(), (x,), (v,))
    assert t.item() == 0.0


# -- jacobian, hessian, hvp -------------------------------------------------------------------
def test_jacobian_shape_is_output_shape_then_input_shape():
    x = arr(2, 3)
    j = ag.jacobian(lambda t: ag.tanh(t).sum(axis=0))(x)
    assert j.shape == (3, 2, 3)
    expected = np.zeros((3, 2, 3))
    for i in range(2):
        for k in range(3):
            expected[k, i, k] = 1 - np.tanh(x[i, k]) ** 2
    np.testing.assert_allclose(j._data, expected, rtol=1e-12)
    assert ag.jacobian(lambda t: (t * t).sum())(x).shape == (2, 3)
    assert ag.jacobian(lambda t: t * 2)(np.array(1.0)).shape == ()


def test_hessian_equals_jacobian_of_grad_and_closed_form():
    def f(x):
        return (x[0] ** 2 * x[1] + ag.sin(x[1] * x[2]))

    x = arr(3)
    h = ag.hessian(f)(x)
    jg = ag.jacobian(ag.grad(f))(x)
    np.testing.assert_allclose(h._data, jg._data, rtol=1e-12)
    a, b, c = x
    expected = np.array([
        [2 * b, 2 * a, 0.0],
        [2 * a, -c * c * np.sin(b * c), np.cos(b * c) - b * c * np.sin(b * c)],
        [0.0, np.cos(b * c) - b * c * np.sin(b * c), -b * b * np.sin(b * c)],
    ])
    np.testing.assert_allclose(h._data, expected, rtol=1e-12, atol=1e-12)


def test_hessian_with_tuple_argnums_is_a_nested_tuple():
    def f(x, y):
        return (x * x * y).sum()

    x, y = arr(2), arr(2)
    (hxx, hxy), (hyx, hyy) = ag.hessian(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(hxx._data, np.diag(2 * y))
    np.testing.assert_allclose(hxy._data, np.diag(2 * x))
    np.testing.assert_allclose(hyx._data, np.diag(2 * x))
    np.testing.assert_allclose(hyy._data, np.zeros((2, 2)))


def test_hvp_equals_hessian_times_v():
    def f(x):
        return ag.logsumexp(x * x, dim=0) + (x**3).sum()

    x, v = arr(4), arr(4)
    value, hv = ag.hvp(f, x, v)
    h = ag.hessian(f)(x)
    np.testing.assert_allclose(value.item(), f(ag.tensor(x)).item())
    np.testing.assert_allclose(hv._data, h._data @ v, rtol=1e-10)
    _, (h1, h2) = ag.hvp(lambda a, b: (a * a * b).sum(), (x, x), (v, v))
    np.testing.assert_allclose(h1._data, 2 * x * v + 2 * x * v, rtol=1e-12)
    np.testing.assert_allclose(h2._data, 2 * x * v, rtol=1e-12)


# -- composition -------------------------------------------------------------------------------
def test_transforms_compose():
    def f(x):
        return (ag.sigmoid(x) * x).sum()

    x, v = arr(3), arr(3)
    h = ag.hessian(f)(x)._data
    # grad of grad (elementwise f, so the Hessian is diagonal)
    d2 = ag.grad(lambda t: ag.grad(f)(t).sum())(x)
    np.testing.assert_allclose(d2._data, np.diag(h), rtol=1e-12)
    # jvp of grad is hvp
    _, jg = ag.jvp(ag.grad(f), (x,), (v,))
    np.testing.assert_allclose(jg._data, h @ v, rtol=1e-12)
    # vjp of grad is v^T H
    _, vjp_fn = ag.vjp(ag.grad(f), x)
    (vg,) = vjp_fn(v)
    np.testing.assert_allclose(vg._data, v @ h, rtol=1e-12)
    # jacobian of jacobian is the third-derivative tensor of an elementwise map
    jj = ag.jacobian(ag.jacobian(lambda t: t**3))(x)
    expected = np.zeros((3, 3, 3))
    for i in range(3):
        expected[i, i, i] = 6 * x[i]
    np.testing.assert_allclose(jj._data, expected, rtol=1e-12)


def test_a_transform_inside_a_differentiated_function():
    """grad of a function whose value uses grad (meta-learning style)."""
    def inner_loss(w, x):
        return ((w * x - 1.0) ** 2).sum()

    def outer(x):
        w = ag.tensor(np.array([0.5, -0.3]))
        step = w - 0.1 * ag.grad(inner_loss)(w, x)
        return (step * step).sum()

    x = arr(2)
    got = ag.grad(outer)(x)
    eps = 1e-6
    numeric = np.array([(outer(ag.tensor(x + eps * e)).item()
                         - outer(ag.tensor(x - eps * e)).item()) / (2 * eps)
                        for e in np.eye(2)])
    np.testing.assert_allclose(got._data, numeric, rtol=1e-6)


# -- PyTorch as the oracle ----------------------------------------------------------------------
def _torch_cases():
    return {
        "sin*x": (lambda T, x: (T.sin(x) * x).sum(), (4,)),
        "logsumexp": (lambda T, x: T.logsumexp(x * x, dim=0), (5,)),
        "softmax-entropy": (lambda T, x: -(T.softmax(x, dim=-1) * T.log_softmax(x, dim=-1)).sum(),
                            (2, 3)),
        "matrix": (lambda T, x: (T.tanh(x @ x.T)).sum(), (3, 2)),
        "sigmoid-prod": (lambda T, x: T.sigmoid(x).prod(), (4,)),
        "norm": (lambda T, x: (x * x + 1).sqrt().sum() * x.sum(), (3,)),
    }


@pytest.mark.torch
@pytest.mark.parametrize("name", list(_torch_cases()))
def test_transforms_agree_with_torch_func(name):
    torch = pytest.importorskip("torch")
    from torch import func as tf

    fn, shape = _torch_cases()[name]
    x, v = arr(*shape), arr(*shape)
    xt, vt = torch.tensor(x), torch.tensor(v)

    def f_ag(t):
        return fn(ag, t)

    def f_t(t):
        return fn(torch, t)

    np.testing.assert_allclose(ag.grad(f_ag)(x)._data, tf.grad(f_t)(xt).numpy(), rtol=1e-10)
    np.testing.assert_allclose(ag.hessian(f_ag)(x)._data, tf.hessian(f_t)(xt).numpy(),
                               rtol=1e-9, atol=1e-12)
    _, hv = ag.hvp(f_ag, x, v)
    _, hv_t = torch.autograd.functional.hvp(f_t, xt, vt)
    np.testing.assert_allclose(hv._data, hv_t.numpy(), rtol=1e-9, atol=1e-12)
    grad_ag, grad_t = ag.grad(f_ag), tf.grad(f_t)
    _, jv = ag.jvp(grad_ag, (x,), (v,))
    _, jv_t = tf.jvp(grad_t, (xt,), (vt,))
    np.testing.assert_allclose(jv._data, jv_t.numpy(), rtol=1e-9, atol=1e-12)
    _, vjp_fn = ag.vjp(grad_ag, x)
    _, vjp_t = tf.vjp(grad_t, xt)
    np.testing.assert_allclose(vjp_fn(v)[0]._data, vjp_t(vt)[0].numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ag.jacobian(grad_ag)(x)._data, tf.jacrev(grad_t)(xt).numpy(),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.torch
def test_argnums_and_aux_agree_with_torch_func():
    torch = pytest.importorskip("torch")
    from torch import func as tf

    def f(T, x, y):
        return (T.exp(x) * y * y).sum()

    x, y = arr(3), arr(3)
    gx, gy = ag.grad(lambda a, b: f(ag, a, b), argnums=(0, 1))(x, y)
    tx, ty = tf.grad(lambda a, b: f(torch, a, b), argnums=(0, 1))(torch.tensor(x),
                                                                  torch.tensor(y))
    np.testing.assert_allclose(gx._data, tx.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gy._data, ty.numpy(), rtol=1e-12)
    (hxx, hxy), (hyx, hyy) = ag.hessian(lambda a, b: f(ag, a, b), argnums=(0, 1))(x, y)
    t_h = tf.hessian(lambda a, b: f(torch, a, b), argnums=(0, 1))(torch.tensor(x),
                                                                  torch.tensor(y))
    for got, want in zip((hxx, hxy, hyx, hyy), (t_h[0][0], t_h[0][1], t_h[1][0], t_h[1][1])):
        np.testing.assert_allclose(got._data, want.numpy(), rtol=1e-12, atol=1e-12)


# -- pytrees -----------------------------------------------------------------------------------
Point = namedtuple("Point", ["x", "y"])


def test_flatten_and_unflatten_round_trip_every_container():
    tree = {"a": [1, (2, 3)], "b": Point(4, None), "c": OrderedDict(z=5, y=6), "d": None}
    leaves, spec = tree_flatten(tree)
    assert leaves == [1, 2, 3, 4, 5, 6]  # dicts in insertion order; None holds no leaf
    back = tree_unflatten(leaves, spec)
    assert back == tree
    assert type(back["b"]) is Point and type(back["c"]) is OrderedDict
    assert type(back["a"]) is list and type(back["a"][1]) is tuple
    assert spec.num_leaves == 6 and tree_structure(tree) == spec
    assert repr(spec) == "{'a': [*, (*, *)], 'b': Point(x=*, y=None), " \
                         "'c': OrderedDict({'z': *, 'y': *}), 'd': None}"
    assert tree_structure(7) == LEAF and tree_leaves(None) == []
    assert tree_map(lambda a, b: a * b, [1, (2,)], [3, (4,)]) == [3, (8,)]
    with pytest.raises(ValueError, match="differ in structure"):
        tree_map(lambda a, b: a, [1, 2], (1, 2))
    with pytest.raises(ValueError, match="holds 2 leaves"):
        tree_unflatten([1], tree_structure((1, 2)))


def test_a_tree_leaf_can_be_forced():
    leaves, spec = tree_flatten({"a": (1, 2)}, is_leaf=lambda v: isinstance(v, tuple))
    assert leaves == [(1, 2)]
    assert tree_unflatten(["x"], spec) == {"a": "x"}


def test_broadcast_prefix_reads_one_value_per_leaf():
    spec = tree_structure(({"u": 1, "v": 2}, [3, 4], 5))
    assert broadcast_prefix(0, spec) == [0] * 5
    assert broadcast_prefix(({"v": None, "u": 0}, 1, None), spec) == [0, None, 1, 1, None]
    assert broadcast_prefix((None, [0, 1], 2), spec) == [None, None, 0, 1, 2]
    assert broadcast_prefix((0, 1), spec) is None
    assert broadcast_prefix(({"u": 0}, 1, 2), spec) is None
    assert broadcast_prefix((0, (0, 1), 2), spec) is None  # a tuple where the tree has a list


def test_grad_of_nested_params_has_their_structure():
    W1, b1, W2, b2 = (ag.tensor(arr(*s)) for s in [(3, 4), (4,), (4, 2), (2,)])
    x, y = arr(5, 3), arr(5, 2)

    def loss(params, x, y):
        (W1, b1), (W2, b2) = params
        return ((ag.tanh(x @ W1 + b1) @ W2 + b2 - y) ** 2).mean()

    g = ag.grad(loss)([(W1, b1), (W2, b2)], x, y)
    assert isinstance(g, list) and isinstance(g[0], tuple) and len(g) == 2
    flat = ag.grad(lambda a, b, c, d: loss([(a, b), (c, d)], x, y), argnums=(0, 1, 2, 3))(
        W1, b1, W2, b2)
    for got, want in zip([g[0][0], g[0][1], g[1][0], g[1][1]], flat):
        np.testing.assert_array_equal(got._data, want._data)
    d = ag.grad(lambda p: (p["w"] ** 2).sum() + (p["b"] * 3).sum())({"w": W1, "b": b1})
    assert list(d) == ["w", "b"]
    np.testing.assert_allclose(d["w"]._data, 2 * W1._data)
    np.testing.assert_allclose(d["b"]._data, 3 * np.ones(4))
    value, (gp, gx) = ag.value_and_grad(loss, argnums=(0, 1))([(W1, b1), (W2, b2)], x, y)
    assert gx.shape == (5, 3) and isinstance(gp[1], tuple)


def test_none_entries_pass_through_untouched():
    def f(p):
        out = p["x"] * 2
        return (out + p["bias"]).sum() if p["bias"] is not None else out.sum()

    g = ag.grad(f)({"x": arr(3), "bias": None})
    assert g["bias"] is None
    np.testing.assert_allclose(g["x"]._data, 2 * np.ones(3))


def test_vjp_jvp_hvp_jacobian_hessian_on_trees():
    p = {"a": arr(3), "b": (arr(3), arr(2))}

    def f(p):
        a, (b, c) = p["a"], p["b"]
        return {"s": ag.sin(a) * b, "t": (a * b).sum() * c}

    out, vjp_fn = ag.vjp(f, p)
    assert set(out) == {"s", "t"}
    u = {"s": arr(3), "t": arr(2)}
    (g,) = vjp_fn(u)
    jac = ag.jacobian(f)(p)
    assert jac["s"]["a"].shape == (3, 3) and jac["t"]["b"][1].shape == (2, 2)
    for leaf in ("a",):
        expect = u["s"] @ jac["s"][leaf]._data + u["t"] @ jac["t"][leaf]._data
        np.testing.assert_allclose(g[leaf]._data, expect, rtol=1e-12)
    np.testing.assert_allclose(
        g["b"][1]._data, u["s"] @ jac["s"]["b"][1]._data + u["t"] @ jac["t"]["b"][1]._data,
        rtol=1e-12, atol=1e-15)
    v = {"a": arr(3), "b": (arr(3), arr(2))}
    _, tangent = ag.jvp(f, p, v)  # one argument that is not a tuple or list
    assert set(tangent) == {"s", "t"}
    expect_s = sum(jac["s"][k]._data @ v[k] for k in ("a",)) + \
        jac["s"]["b"][0]._data @ v["b"][0] + jac["s"]["b"][1]._data @ v["b"][1]
    np.testing.assert_allclose(tangent["s"]._data, expect_s, rtol=1e-12, atol=1e-15)

    def scalar(p):
        return (f(p)["s"] ** 2).sum() + f(p)["t"].sum()

    h = ag.hessian(scalar)(p)
    assert h["a"]["b"][0].shape == (3, 3)
    _, hv = ag.hvp(scalar, p, v)
    flat_v = np.concatenate([v["a"], v["b"][0], v["b"][1]])
    rows = [("a",), ("b", 0), ("b", 1)]

    def block(r, c):
        blk = h[r[0]] if len(r) == 1 else h[r[0]][r[1]]
        blk = blk[c[0]] if len(c) == 1 else blk[c[0]][c[1]]
        return blk._data

    full = np.block([[block(r, c) for c in rows] for r in rows])
    got = np.concatenate([hv["a"]._data, hv["b"][0]._data, hv["b"][1]._data])
    np.testing.assert_allclose(got, full @ flat_v, rtol=1e-10)


def test_jacobian_has_aux_and_a_tuple_of_outputs():
    x = arr(3)
    (ja, jb), aux = ag.jacobian(lambda t: ((t * 2, t.sum()), "aux"), has_aux=True)(x)
    assert aux == "aux"
    np.testing.assert_allclose(ja._data, 2 * np.eye(3))
    np.testing.assert_allclose(jb._data, np.ones(3))


def test_elementwise_grad_is_the_derivative_at_every_element():
    x = arr(2, 3)
    g = ag.elementwise_grad(ag.tanh)(x)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g._data, 1 - np.tanh(x) ** 2, rtol=1e-12)
    g2 = ag.elementwise_grad(lambda t: ag.elementwise_grad(ag.sin)(t))(x)
    np.testing.assert_allclose(g2._data, -np.sin(x), rtol=1e-12)
    gy = ag.elementwise_grad(lambda a, b: a * b * b, argnum=1)(x, x)
    np.testing.assert_allclose(gy._data, 2 * x * x, rtol=1e-12)


def test_the_same_tensor_twice_gives_partial_derivatives():
    w = ag.tensor(arr(3), requires_grad=True)
    ga, gb = ag.grad(lambda a, b: (a * b * b).sum(), argnums=(0, 1))(w, w)
    np.testing.assert_allclose(ga._data, w._data**2)
    np.testing.assert_allclose(gb._data, 2 * w._data**2)
    assert w.grad is None  # the transforms never touch .grad


def test_a_transform_leaves_a_captured_graph_intact():
    w = ag.tensor(arr(3), requires_grad=True)
    h = ag.exp(w)  # someone else's graph, used by f as a constant
    g = ag.grad(lambda x: (x * h).sum())(arr(3))
    np.testing.assert_allclose(g._data, h._data)
    h.sum().backward()  # still possible: the transform did not free h's saved values
    np.testing.assert_allclose(w.grad._data, np.exp(w._data))
