"""The scalar path (scalar.py, engine._backward_scalar): 0-d float64 Tensors computed on Python
floats must give what the ndarray path gives, bit for bit: values, gradients, hooks, retained
and higher-order gradients, in-place changes, promotion, optimizer steps and pictures.

Each program runs twice: on Scalars (`ag.tensor(v, dtype=float64)`) and on 0-d ndarray Tensors
(`ag.Tensor(np.array(v))`, which keep the ndarray path), and the two are compared with ==."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim
from autograd_core.ops import REGISTRY
from autograd_core.scalar import SC, Scalar, scalar_apply
from autograd_core.tensor import apply

F64 = ag.float64


def on_floats(v, requires_grad=True):
    t = ag.tensor(float(v), dtype=F64, requires_grad=requires_grad)
    assert t.__class__ is Scalar and t._v is not None
    return t


def on_arrays(v, requires_grad=True):
    t = ag.Tensor(np.array(float(v)), requires_grad=requires_grad)
    assert t.__class__ is ag.Tensor
    return t


def same(a, b):
    """Equal as float64 numbers, nan equal to nan and the sign of zero counted."""
    a, b = float(a), float(b)
    return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)


def mlp_params(make, seed=0, sizes=(2, 16, 16, 1)):
    rng = np.random.default_rng(seed)
    layers = []
    for nin, nout in zip(sizes[:-1], sizes[1:]):
        layers.append([([make(w) for w in rng.uniform(-1, 1, nin)], make(rng.uniform(-1, 1)))
                       for _ in range(nout)])
    return layers


def mlp_loss(layers, x, target):
    """micrograd's MLP as micrograd writes it: lists of 0-d Tensors, sum(), relu."""
    h = x
    for li, layer in enumerate(layers):
        out = []
        for ws, b in layer:
            act = sum((wi * xi for wi, xi in zip(ws, h)), b)
            out.append(act.relu() if li != len(layers) - 1 else act)
        h = out
    return (h[0] - target) ** 2


def flat(layers):
    return [q for layer in layers for ws, b in layer for q in (*ws, b)]


# -- programs --------------------------------------------------------------------------------------
def test_micrograd_mlp_training_is_identical_to_the_ndarray_path():
    runs = []
    for make in (on_floats, on_arrays):
        layers = mlp_params(make)
        params = flat(layers)
        for _ in range(3):
            for p in params:
                p.grad = None
            loss = mlp_loss(layers, [0.5, -1.25], 0.75)
            loss.backward()
            grads = [p.grad.item() for p in params]
            with ag.no_grad():  # micrograd's update, written as in PyTorch
                for p in params:
                    p.data -= 0.05 * p.grad
        runs.append((loss.item(), grads, [p.item() for p in params]))
        if make is on_floats:
            assert loss.__class__ is Scalar and all(p._v is not None for p in params)
    (l1, g1, p1), (l2, g2, p2) = runs
    assert same(l1, l2)
    assert all(same(a, b) for a, b in zip(g1, g2))
    assert all(same(a, b) for a, b in zip(p1, p2))


def test_tanh_chain_and_every_operator_match():
    def program(a, b, c):
        y = c
        for _ in range(50):
            y = ag.tanh(a * y + b)
        z = (y - 0.3) ** 2 + (a / b).relu() * 3.0 + 1.0 / b - 2 * c + (-a).exp() * b.sigmoid()
        z = z + (c * c).log() - (a - 2).abs() + c.sqrt() * b.sin() / (1 + a.cos()) + 3 - a
        return z ** 1.5 + z ** 0.5 + z ** -1 + (z / 7) ** 3

    vals = (0.7, -1.3, 0.45)
    xs, ts = [on_floats(v) for v in vals], [on_arrays(v) for v in vals]
    zs, zt = program(*xs), program(*ts)
    assert zs.__class__ is Scalar and zt.__class__ is ag.Tensor
    assert same(zs.item(), zt.item())
    zs.backward()
    zt.backward()
    for x, t in zip(xs, ts):
        assert same(x.grad, t.grad) and x.grad.__class__ is Scalar


def test_math_functions_agree_with_numpy_bit_for_bit():
    """The float forms in SC stand for NumPy's ufuncs; where C's libm and NumPy differ
    (tanh, power) SC calls NumPy, so this holds on every machine."""
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(-6, 6, 3000), rng.standard_normal(1000) * 40,
                         [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, 710.0, -745.5]])
    pairs = {"tanh": np.tanh, "exp": np.exp, "sin": np.sin, "cos": np.cos, "log": np.log,
             "sqrt": np.sqrt, "relu": lambda x: np.maximum(x, 0), "abs": np.abs,
             "neg": np.negative, "sigmoid": REGISTRY["sigmoid"].forward}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, ref in pairs.items():
            f = getattr(SC, name)
            for x in xs:
                assert same(f(float(x)), ref(np.array(x))), (name, x)
        for e in (2, 3, 0.5, -1, -1.5, 0):
            for x in xs[:500]:
                assert same(SC.pow_scalar(float(x), e), np.power(np.array(x), e)), (e, x)


def _elementwise_cases():
    for name, op in sorted(REGISTRY.items()):
        spec = op.spec
        if spec is None or spec.kind != "elementwise" or name == "cast":
            continue
        params = [dict(zip(spec.params, combo)) for combo in
                  zip(*[v for v in spec.params.values()])] if spec.params else [{}]
        for p in params:
            yield pytest.param(name, p, id=f"{name}-{p}" if p else name)


@pytest.mark.parametrize("name, params", list(_elementwise_cases()))
def test_every_elementwise_rule_gives_the_ndarray_paths_gradient_on_floats(name, params):
    """The registry's rules themselves, run with F = SC on floats by the scalar loop."""
    op = REGISTRY[name]
    spec = op.spec
    n = spec.nin
    domain = spec.domain if isinstance(spec.domain[0], tuple) else (spec.domain,) * n
    rng = np.random.default_rng(abs(hash(name)) % 1000)
    for _ in range(4):
        vals = [rng.uniform(*domain[i]) for i in range(n)]
        xs = [on_floats(v) for v in vals]
        ts = [on_arrays(v) for v in vals]
        out_s = scalar_apply(op, tuple(xs), params)
        out_t = apply(op, tuple(ts), params)
        assert out_s.__class__ is Scalar and out_s._op is op
        assert same(out_s.item(), out_t.item()), name
        (out_s * 1.5).backward()
        (out_t * 1.5).backward()
        for x, t in zip(xs, ts):
            assert x.grad is not None and t.grad is not None
            assert same(x.grad, t.grad), (name, params, vals)


# -- hooks, retain_grad, higher order ------------------------------------------------------------
def test_hooks_and_retain_grad_see_and_change_the_same_gradients():
    seen = {}

    def run(make):
        a, b = make(1.5), make(-0.5)
        h = a * b
        h.retain_grad()
        h.register_hook(lambda g: g * 2)
        k = h.tanh() + a
        k.register_hook(lambda g: seen.setdefault(make, []).append(g.item()))
        a.register_hook(lambda g: g + 1)
        (k * 3).backward()
        return h.grad.item(), a.grad.item(), b.grad.item()

    assert run(on_floats) == run(on_arrays)
    assert seen[on_floats] == seen[on_arrays] == [3.0]


def test_higher_order_gradients_match():
    def run(make):
        x = make(0.8)
        y = (x * x * x).tanh() * x.exp()
        (g,) = ag.autograd.grad(y, x, create_graph=True)
        (gg,) = ag.autograd.grad(g, x)
        return y.item(), g.item(), gg.item()

    s, t = run(on_floats), run(on_arrays)
    assert all(same(a, b) for a, b in zip(s, t))


def test_backward_twice_and_retain_graph():
    x = on_floats(0.5)
    y = (x * 3).tanh()
    y.backward(retain_graph=True)
    y.backward()
    assert same(x.grad, 2 * 3 * (1 - np.tanh(1.5) ** 2))
    with pytest.raises(RuntimeError, match="a second time"):
        y.backward()


# -- in place --------------------------------------------------------------------------------------
def test_data_is_a_view_that_writes_through():
    p = on_floats(2.0)
    d = p.data
    d -= 0.5
    assert p.item() == 1.5 and p._v == 1.5 and not d.requires_grad
    p.data.mul_(2.0)
    assert p.item() == 3.0
    q = p.detach()
    q += 1
    assert p.item() == 4.0
    a = p.data.numpy()  # an array is asked for: the value moves into it, shared with p
    a[()] = 7.0
    assert p.item() == 7.0 and p._v is None
    assert (p * 2).item() == 14.0


def test_in_place_ops_in_a_graph_match_the_ndarray_path():
    def run(make):
        a = make(0.3)
        x = a * 2
        x += 1
        x *= a
        x.exp().backward()
        return x.item(), a.grad.item()

    assert run(on_floats) == run(on_arrays)


def test_a_changed_input_is_refused_as_on_arrays():
    for make in (on_floats, on_arrays):
        a = make(0.3)
        b = a * 1.0
        y = b * b
        with ag.no_grad():
            b += 1
        with pytest.raises(RuntimeError, match="modified in place"):
            y.backward()


def test_a_leaf_that_requires_grad_refuses_in_place_under_grad_mode():
    p = on_floats(1.0)
    with pytest.raises(RuntimeError, match="leaf Tensor"):
        p += 1


# -- types -----------------------------------------------------------------------------------------
def test_promotion_with_float32_int_and_arrays():
    s = on_floats(1.25)
    f32 = ag.tensor(np.float32(0.1), requires_grad=True)
    assert f32.__class__ is ag.Tensor and f32.dtype == np.float32  # float32 keeps its rounding
    for other in (f32, ag.tensor(3), ag.tensor([1.0, 2.0], dtype=F64)):
        mixed = s * other
        ref = on_arrays(1.25) * other
        assert mixed.dtype == ref.dtype and mixed.shape == ref.shape
        assert np.array_equal(mixed.detach().numpy(), ref.detach().numpy())
    assert (s * 2).dtype == np.float64 and (s + True).dtype == np.float64
    i = ag.tensor(2)
    assert i.__class__ is ag.Tensor and (i * 0.5).dtype == ag.get_default_dtype()


def test_repr_and_reading_do_not_move_the_value():
    s = on_floats(0.1)
    t = s * 3
    assert repr(t) == repr(on_arrays(0.1) * 3)
    assert repr(s) == repr(on_arrays(0.1))
    assert f"{t:.3f}" == "0.300" and float(t) == t.item() and bool(t)
    assert t.shape == () and t.ndim == 0 and t.dtype == np.float64 and t.numel() == 1
    assert t._v is not None and s._v is not None


def test_vector_times_scalar_takes_the_ndarray_path():
    s = on_floats(2.0)
    v = ag.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    (v * s).sum().backward()
    assert s.grad.item() == 6.0 and np.array_equal(v.grad.numpy(), [2.0, 2.0, 2.0])


# -- optimizers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make_opt", [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.1, weight_decay=0.01, maximize=True),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    lambda ps: optim.Adam(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01),
])
def test_optimizer_steps_match_the_ndarray_path(make_opt):
    results = []
    for make in (on_floats, on_arrays):
        layers = mlp_params(make, seed=2, sizes=(2, 4, 1))
        params = flat(layers)
        opt = make_opt(params)
        for _ in range(3):
            opt.zero_grad()
            mlp_loss(layers, [0.3, -0.7], 1.0).backward()
            opt.step()
        results.append([p.item() for p in params])
    assert all(same(a, b) for a, b in zip(*results))


def test_plain_sgd_keeps_parameters_floats():
    layers = mlp_params(on_floats, sizes=(2, 3, 1))
    params = flat(layers)
    opt = optim.SGD(params, lr=0.1)
    opt.zero_grad()
    mlp_loss(layers, [1.0, 2.0], 0.0).backward()
    opt.step()
    assert all(p.__class__ is Scalar and p._v is not None for p in params)


# -- pictures --------------------------------------------------------------------------------------
def _normalized(src):
    """Node ids and operation numbers differ from run to run; the rest must not."""
    ids = {}
    src = re.sub(r"#\d+", lambda m: ids.setdefault(m.group(), f"#{len(ids)}"), src)
    return re.sub(r"\b\d{6,}\b", lambda m: ids.setdefault(m.group(), str(len(ids))), src)


def test_pictures_of_a_scalar_graph_are_those_of_the_ndarray_path():
    from autograd_core.viz import draw_graph

    def run(make, backward):
        x, y = make(2.0), make(-3.0)
        x.name, y.name = "x", "y"
        f = ((x + y) * x).tanh()
        f.name = "f"
        if backward:
            f.backward()
            assert f._args is None  # freed: the picture comes from the Trace
        return _normalized(draw_graph(f, show_values=True, show_grads=backward).source)

    for backward in (False, True):
        assert run(on_floats, backward) == run(on_arrays, backward)
