"""nn.functional's activations (with inplace=True), normalizations, embedding_bag, attention,
pixel shuffles, padding modes and the margin, ranking and likelihood losses: values, gradients
and second derivatives against PyTorch where it is installed, and finite differences, closed
forms and the errors everywhere."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - the oracle is optional
    torch = None
    TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle")
pytestmark = pytest.mark.filterwarnings("ignore:size_average and reduce:UserWarning")


# -- the harness -------------------------------------------------------------------------------
def _np(t):
    if t is None:
        return None
    if torch is not None and isinstance(t, torch.Tensor):
        return np.zeros(t.shape) if t._is_zerotensor() else t.detach().numpy()
    return np.asarray(t._data)


def _close(a, b, tol, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch's {b.shape}"
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


def _wrap(a, lib, grad):
    if not isinstance(a, np.ndarray):
        return a
    if lib == "ag":
        return ag.tensor(a, requires_grad=grad)
    return torch.tensor(a, requires_grad=grad)


def against_torch(f, g, arrays, diff=(0,), tol=1e-9, second=True, seed=0):
    """f(*ag Tensors) and g(*torch Tensors) agree in value, in the VJP of a random cotangent
    for each input in `diff`, and (second) in the gradient of <VJP, w> for a random w."""
    rng = np.random.default_rng(seed)
    xs = [_wrap(a, "ag", i in diff) for i, a in enumerate(arrays)]
    ts = [_wrap(a, "torch", i in diff) for i, a in enumerate(arrays)]
    out, tout = f(*xs), g(*ts)
    _close(_np(out), _np(tout), tol, "value")
    assert out.dtype == np.dtype(str(tout.dtype).replace("torch.", "")), (out.dtype, tout.dtype)
    if not diff:
        return
    u = rng.standard_normal(out.shape)
    xi = [xs[i] for i in diff]
    ti = [ts[i] for i in diff]
    gs = ag.autograd.grad(out, xi, grad_outputs=ag.tensor(u), create_graph=True,
                          allow_unused=True)
    tgs = torch.autograd.grad(tout, ti, grad_outputs=torch.tensor(u), create_graph=True,
                              allow_unused=True)
    for k, (a, b) in enumerate(zip(gs, tgs)):
        if a is None or b is None:
            assert (a is None or not np.any(_np(a))) and (b is None or not np.any(_np(b)))
            continue
        _close(_np(a), _np(b), tol, f"gradient of input {diff[k]}")
    if not second:
        return
    ws = [rng.standard_normal(x.shape) for x in xi]
    s = sum((a * w).sum() for a, w in zip(gs, ws) if a is not None)
    ts_ = sum((b * torch.tensor(w)).sum() for b, w in zip(tgs, ws) if b is not None)
    s_req = isinstance(s, ag.Tensor) and s.requires_grad
    t_req = isinstance(ts_, torch.Tensor) and ts_.requires_grad
    ggs = ag.autograd.grad(s, xi, allow_unused=True) if s_req else [None] * len(xi)
    try:
        tggs = torch.autograd.grad(ts_, ti, allow_unused=True) if t_req else [None] * len(xi)
    except RuntimeError as e:  # PyTorch lacks some double backwards: differences decide
        assert "not implemented" in str(e)
        fresh = [_wrap(a.astype(np.float64) if isinstance(a, np.ndarray) else a, "ag",
                       i in diff) for i, a in enumerate(arrays)]

        def of_diff(*ds):
            full = list(fresh)
            for i, d in zip(diff, ds):
                full[i] = d
            return f(*full)
        assert ag.gradgradcheck(of_diff, tuple(fresh[i] for i in diff))
        return
    for k, (a, b) in enumerate(zip(ggs, tggs)):
        a = np.zeros(xi[k].shape) if a is None else _np(a)
        b = np.zeros(xi[k].shape) if b is None else _np(b)
        _close(a, b, tol, f"second derivative of input {diff[k]}")


def away(x, points, margin=0.1):
    for p in points:
        d = x - p
        x = np.where(np.abs(d) < margin, p + np.where(d < 0, -margin, margin), x)
    return x


SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
RNG = np.random.default_rng(1)


# -- activations against PyTorch ---------------------------------------------------------------
ACTIVATIONS = [
    ("gelu", {}, ()),
    ("gelu", {"approximate": "tanh"}, ()),
    ("mish", {}, ()),
    ("hardswish", {}, (-3.0, 3.0)),
    ("hardsigmoid", {}, (-3.0, 3.0)),
    ("softshrink", {}, (-0.5, 0.5)),
    ("softshrink", {"lambd": 1.5}, (-1.5, 1.5)),
    ("hardshrink", {}, (-0.5, 0.5)),
    ("hardshrink", {"lambd": 0.2}, (-0.2, 0.2)),
    ("tanhshrink", {}, ()),
    ("celu", {}, (0.0,)),
    ("celu", {"alpha": 0.5}, (0.0,)),
    ("threshold", {"threshold": 0.3, "value": -2.0}, (0.3,)),
    ("relu", {}, (0.0,)),
    ("relu6", {}, (0.0, 6.0)),
    ("elu", {"alpha": 0.7}, (0.0,)),
    ("selu", {}, (0.0,)),
    ("silu", {}, ()),
    ("leaky_relu", {"negative_slope": 0.2}, (0.0,)),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, (-0.5, 2.0)),
    ("softmin", {"dim": -1}, ()),
    ("rrelu", {}, (0.0,)),
]


@needs_torch
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name, kw, kinks", ACTIVATIONS,
                         ids=[f"{a[0]}{'-' + str(a[1]) if a[1] else ''}" for a in ACTIVATIONS])
def test_activation_matches_torch(name, kw, kinks, shape):
    x = away(RNG.uniform(-4.0, 7.0, shape), kinks)
    tol = 1e-7 if name == "hardsigmoid" else 1e-9  # PyTorch's 1/6 is a float32 constant
    against_torch(lambda t: getattr(F, name)(t, **kw),
                  lambda t: getattr(TF, name)(t, **kw), [x], tol=tol)


@needs_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_glu_matches_torch(dim):
    x = RNG.standard_normal((4, 6, 2))
    against_torch(lambda t: F.glu(t, dim), lambda t: TF.glu(t, dim), [x])


@needs_torch
@pytest.mark.parametrize("name, kw", [("gelu", {}), ("gelu", {"approximate": "tanh"}),
                                      ("mish", {}), ("hardswish", {}), ("hardsigmoid", {}),
                                      ("softshrink", {}), ("hardshrink", {}), ("celu", {})])
def test_float32_stays_float32(name, kw):
    x = away(RNG.uniform(-4, 4, (3, 5)), (-3, -0.5, 0, 0.5, 3)).astype(np.float32)
    against_torch(lambda t: getattr(F, name)(t, **kw), lambda t: getattr(TF, name)(t, **kw),
                  [x], tol=2e-5)


@needs_torch
def test_activations_at_their_kinks_take_torchs_subgradient():
    x = np.array([-3.0, 3.0, -0.5, 0.5, 0.0, 6.0, -1.0])
    for name, kw in [("hardswish", {}), ("hardsigmoid", {}), ("softshrink", {}),
                     ("hardshrink", {}), ("relu6", {}), ("celu", {}), ("hardtanh", {}),
                     ("threshold", {"threshold": 0.5, "value": 1.0})]:
        against_torch(lambda t, n=name, k=kw: getattr(F, n)(t, **k),
                      lambda t, n=name, k=kw: getattr(TF, n)(t, **k), [x], tol=1e-7,
                      second=False)


def test_closed_forms_without_torch():
    x = np.linspace(-5, 5, 41)
    t = ag.tensor(x)
    phi = 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    np.testing.assert_allclose(F.gelu(t).numpy(), x * phi, rtol=1e-13, atol=1e-15)
    inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
    np.testing.assert_allclose(F.gelu(t, approximate="tanh").numpy(),
                               0.5 * x * (1 + np.tanh(inner)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(F.mish(t).numpy(), x * np.tanh(np.log1p(np.exp(x))), rtol=1e-12)
    np.testing.assert_allclose(F.hardswish(t).numpy(), x * np.clip(x + 3, 0, 6) / 6)
    np.testing.assert_allclose(F.hardsigmoid(t).numpy(), np.clip(x + 3, 0, 6) / 6)
    np.testing.assert_allclose(F.softshrink(t, 1.0).numpy(), np.sign(x) * np.maximum(
        np.abs(x) - 1, 0))
    np.testing.assert_allclose(F.hardshrink(t, 1.0).numpy(), np.where(np.abs(x) > 1, x, 0))
    np.testing.assert_allclose(F.tanhshrink(t).numpy(), x - np.tanh(x))
    np.testing.assert_allclose(F.celu(t, 2.0).numpy(),
                               np.where(x > 0, x, 2 * (np.exp(x / 2) - 1)))
    np.testing.assert_allclose(F.softmin(ag.tensor(x[None]), 1).numpy()[0],
                               np.exp(-x) / np.exp(-x).sum())
    np.testing.assert_allclose(F.rrelu(t).numpy(), np.where(x >= 0, x, x * (1 / 8 + 1 / 3) / 2))


@pytest.mark.parametrize("name, kw, kinks", [a for a in ACTIVATIONS if a[0] in (
    "gelu", "mish", "hardswish", "hardsigmoid", "softshrink", "hardshrink", "tanhshrink",
    "celu")], ids=lambda a: str(a))
def test_gradcheck_and_gradgradcheck(name, kw, kinks):
    x = ag.tensor(away(RNG.uniform(-4, 4, (3, 4)), kinks, 0.05), requires_grad=True)
    assert ag.gradcheck(lambda t: getattr(F, name)(t, **kw), (x,))
    assert ag.gradgradcheck(lambda t: getattr(F, name)(t, **kw), (x,))


def test_rrelu_training_draws_one_slope_per_negative_element():
    ag.manual_seed(0)
    x = ag.tensor(-np.ones((200,)), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and np.unique(slopes).size > 100
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    pos = F.rrelu(ag.tensor([1.0, 2.0]), training=True)
    np.testing.assert_array_equal(pos.numpy(), [1.0, 2.0])


# -- in place ----------------------------------------------------------------------------------
INPLACE = [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.1}),
           ("elu", {}), ("selu", {}), ("celu", {"alpha": 0.5}), ("silu", {}),
           ("hardtanh", {}), ("mish", {}), ("hardswish", {}), ("hardsigmoid", {}),
           ("threshold", {"threshold": 0.1, "value": 0.0}), ("rrelu", {})]


@pytest.mark.parametrize("name, kw", INPLACE, ids=[a[0] for a in INPLACE])
def test_inplace_writes_into_the_input_storage(name, kw):
    x = ag.tensor(away(RNG.uniform(-4, 4, (3, 4)), (-3, 0, 0.1, 3)))
    view = x.reshape(12)  # shares memory with x
    expected = getattr(F, name)(x, **kw).numpy()
    out = getattr(F, name)(x, **kw, inplace=True)
    assert out is x
    np.testing.assert_allclose(x.numpy(), expected)
    np.testing.assert_allclose(view.numpy(), expected.reshape(12))


@needs_torch
@pytest.mark.parametrize("name, kw", INPLACE, ids=[a[0] for a in INPLACE])
def test_inplace_on_an_intermediate_differentiates_like_torch(name, kw):
    a = away(RNG.uniform(-2, 2, (3, 4)), (-1.5, 0, 0.05, 1.5))

    def run(lib, fn):
        w = (ag if lib == "ag" else torch).tensor(a, requires_grad=True)
        h = w * 2.0
        y = fn(h, **kw, inplace=True)
        assert y is h
        loss = (h * h).sum() + (y * 3.0).sum()
        g, = (ag if lib == "ag" else torch).autograd.grad(loss, [w], create_graph=True)
        if name == "hardsigmoid":  # PyTorch has no double backward for it
            return _np(h), _np(g)
        gg, = (ag if lib == "ag" else torch).autograd.grad((g * g).sum(), [w],
                                                           allow_unused=True)
        return _np(h), _np(g), np.zeros(a.shape) if gg is None else _np(gg)

    tol = 1e-7 if name == "hardsigmoid" else 1e-10  # PyTorch's 1/6 is a float32 constant
    for mine, theirs in zip(run("ag", getattr(F, name)), run("torch", getattr(TF, name))):
        _close(mine, theirs, tol, name)


def test_inplace_refuses_a_leaf_and_a_value_that_backward_still_needs():
    w = ag.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Tensor that requires grad"):
        F.relu(w, inplace=True)
    with ag.no_grad():
        F.relu(w, inplace=True)  # allowed outside the graph, as in PyTorch
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 0.0])
    w = ag.tensor([1.0, -2.0], requires_grad=True)
    h = w * 3.0
    e = h.exp()  # recorded with h's old value, which the recorded change keeps
    F.relu(h, inplace=True)
    e.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 3 * np.exp([3.0, -6.0]))
    w = ag.tensor([1.0, -2.0], requires_grad=True)
    h = w * 3.0
    e = h.exp()
    with ag.no_grad():
        F.relu(h, inplace=True)  # written into the array exp saved: backward refuses it
    with pytest.raises(RuntimeError, match="modified in place"):
        e.sum().backward()


def test_inplace_keeps_earlier_hooks_on_the_old_value_and_retain_grad_on_the_tensor():
    w = ag.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = w * 2.0
    h.retain_grad()
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    F.relu(h, inplace=True)
    (h * ag.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), [1.0, 2.0, 3.0])  # as PyTorch gives
    np.testing.assert_array_equal(seen[0], [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 0.0, 6.0])


@needs_torch
@pytest.mark.parametrize("view", ["reshape", "transpose", "flatten_of_permute"])
def test_inplace_on_a_full_view_changes_the_parent_like_torch(view):
    a = RNG.standard_normal((2, 3))
    c, d = RNG.standard_normal(6), RNG.standard_normal((2, 3))

    def run(lib, f):
        w = lib.tensor(a, requires_grad=True)
        h = w * 2.0
        v = {"reshape": lambda t: t.reshape(6), "transpose": lambda t: t.transpose(0, 1),
             "flatten_of_permute": lambda t: t.permute(1, 0).reshape(6)}[view](h)
        y = f(v, inplace=True)
        assert y is v
        loss = (v.reshape(-1) * lib.tensor(c)).sum() + (h * lib.tensor(d)).sum()
        g, = lib.autograd.grad(loss, [w])
        return _np(h), _np(v), _np(g)

    for mine, theirs in zip(run(ag, F.elu), run(torch, TF.elu)):
        _close(mine, theirs, 1e-12, view)


def test_inplace_refuses_a_partial_view_of_another_tensor_of_the_graph():
    w = ag.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    e = w.exp()
    with pytest.raises(RuntimeError, match="view .* of another Tensor of the graph"):
        F.relu(e[0], inplace=True)
    np.testing.assert_allclose(e.detach().numpy(), np.exp(w.detach().numpy()))
    with pytest.raises(RuntimeError, match="leaf Tensor"):
        F.relu(w.reshape(6), inplace=True)  # a view of a leaf, as PyTorch refuses
    c = ag.conv1d(ag.tensor(RNG.standard_normal((1, 2, 5))), ag.tensor(
        RNG.standard_normal((3, 2, 2)), requires_grad=True))  # a view of a fresh array
    assert F.relu(c, inplace=True) is c


def test_inplace_dropout_and_layers_pass_inplace_through():
    ag.manual_seed(0)
    x = ag.ones(1000)
    out = F.dropout(x, 0.5, training=True, inplace=True)
    assert out is x and set(np.unique(x.numpy())) == {0.0, 2.0}
    for layer in (nn.ReLU(inplace=True), nn.ReLU6(inplace=True), nn.LeakyReLU(0.1, True),
                  nn.ELU(inplace=True), nn.Hardtanh(inplace=True)):
        x = ag.tensor([-1.0, 0.5, 7.0])
        expected = type(layer)()(x).numpy() if not isinstance(layer, nn.LeakyReLU) \
            else F.leaky_relu(x, 0.1).numpy()
        assert layer(x) is x
        np.testing.assert_allclose(x.numpy(), expected)
    x = ag.ones(10)
    drop = nn.Dropout(0.5, inplace=True)
    assert drop(x) is x


# -- normalization -----------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("shape, groups", [((2, 6, 5), 3), ((3, 4, 2, 3), 2), ((2, 4), 4),
                                           ((1, 6, 3, 2, 2), 1)])
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_matches_torch(shape, groups, affine):
    x = RNG.standard_normal(shape) * 2 + 1
    c = shape[1]
    arrays = [x] + ([RNG.standard_normal(c), RNG.standard_normal(c)] if affine else [])
    diff = (0, 1, 2) if affine else (0,)
    against_torch(lambda t, *wb: F.group_norm(t, groups, *wb, eps=1e-3),
                  lambda t, *wb: TF.group_norm(t, groups, *wb, eps=1e-3), arrays, diff, 1e-8)


@needs_torch
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 3), (1, 2, 2, 2, 3)])
def test_instance_norm_matches_torch_with_running_stats(shape):
    x = RNG.standard_normal(shape) * 3 - 1
    c = shape[1]
    w, b = RNG.standard_normal(c), RNG.standard_normal(c)
    against_torch(lambda t, w_, b_: F.instance_norm(t, weight=w_, bias=b_),
                  lambda t, w_, b_: TF.instance_norm(t, weight=w_, bias=b_), [x, w, b],
                  (0, 1, 2), 1e-8)
    rm, rv = ag.tensor(RNG.standard_normal(c)), ag.tensor(RNG.uniform(0.5, 2, c))
    trm, trv = torch.tensor(rm.numpy().copy()), torch.tensor(rv.numpy().copy())
    out = F.instance_norm(ag.tensor(x), rm, rv, momentum=0.3)
    tout = TF.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    _close(out.numpy(), tout.numpy(), 1e-10, "value")
    _close(rm.numpy(), trm.numpy(), 1e-12, "running_mean")
    _close(rv.numpy(), trv.numpy(), 1e-12, "running_var")
    against_torch(lambda t: F.instance_norm(t, rm, rv, use_input_stats=False),
                  lambda t: TF.instance_norm(t, trm, trv, use_input_stats=False), [x])


@needs_torch
@pytest.mark.parametrize("size", [1, 2, 3, 5])
@pytest.mark.parametrize("shape", [(2, 4, 3), (1, 5, 2, 3), (2, 3, 2, 2, 2)])
def test_local_response_norm_matches_torch(size, shape):
    x = RNG.standard_normal(shape) * 2
    against_torch(lambda t: F.local_response_norm(t, size, alpha=0.3, beta=0.6, k=1.5),
                  lambda t: TF.local_response_norm(t, size, alpha=0.3, beta=0.6, k=1.5), [x])


@needs_torch
@pytest.mark.parametrize("shape, ns", [((3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), 5)])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(shape, ns, eps):
    x = RNG.standard_normal(shape)
    w = RNG.standard_normal((ns,) if isinstance(ns, int) else ns)
    tns = (ns,) if isinstance(ns, int) else ns
    against_torch(lambda t, w_: F.rms_norm(t, ns, w_, eps),
                  lambda t, w_: TF.rms_norm(t, tns, w_, eps), [x, w], (0, 1))
    x32 = x.astype(np.float32)
    against_torch(lambda t: F.rms_norm(t, ns, eps=eps), lambda t: TF.rms_norm(t, tns, eps=eps),
                  [x32], tol=1e-5, second=False)


def test_normalizations_closed_forms_and_gradchecks():
    x = ag.tensor(RNG.standard_normal((2, 4, 3)), requires_grad=True)
    y = F.group_norm(x, 2, eps=0.0).detach().numpy().reshape(2, 2, 6)
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1, atol=1e-9)
    z = F.instance_norm(x, eps=0.0).detach().numpy()
    np.testing.assert_allclose(z.mean(-1), 0, atol=1e-12)
    r = F.rms_norm(x, (3,), eps=0.0).detach().numpy()
    np.testing.assert_allclose((r * r).mean(-1), 1, atol=1e-12)
    for fn in (lambda t: F.group_norm(t, 2), lambda t: F.instance_norm(t),
               lambda t: F.local_response_norm(t, 3, alpha=0.5),
               lambda t: F.rms_norm(t, (4, 3))):
        assert ag.gradcheck(fn, (x,))
        assert ag.gradgradcheck(fn, (x,))


# -- pixel shuffles ----------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("shape, r", [((1, 4, 2, 3), 2), ((2, 9, 2, 2), 3), ((8, 3, 5), 2),
                                      ((2, 1, 18, 1, 1), 3)])
def test_pixel_shuffle_matches_torch_and_unshuffle_inverts_it(shape, r):
    x = RNG.standard_normal(shape)
    against_torch(lambda t: F.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), [x],
                  second=False)
    y = F.pixel_shuffle(ag.tensor(x), r)
    against_torch(lambda t: F.pixel_unshuffle(t, r), lambda t: TF.pixel_unshuffle(t, r),
                  [y.numpy()], second=False)
    np.testing.assert_array_equal(F.pixel_unshuffle(y, r).numpy(), x)


# -- pad ---------------------------------------------------------------------------------------
PADS = [
    ((2, 5), (1, 2)), ((2, 3, 5), (2, 0)), ((2, 3, 5), (-1, 3)), ((2, 3, 5), (2, -1)),
    ((3, 4, 5), (1, 2, 2, 1)), ((2, 3, 4, 5), (0, 3, -1, 2)), ((2, 3, 4, 5), (2, 2, 3, 3)),
    ((2, 3, 4, 5), (1, 0, 2, 1, 3, 2)), ((1, 2, 3, 4, 5), (1, 1, 2, 0, -1, 2)),
    ((3, 2), (4, -2)), ((2, 4), (-4, 3)), ((4, 3, 3), (0, -2, -2, -1)),  # crops past an end
    ((2, 1, 1, 1), (4, 2, 1, 4, -3, 2)), ((2, 3), (-2, -2)),
]


@needs_torch
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, widths", PADS, ids=str)
def test_pad_matches_torch(mode, shape, widths):
    x = RNG.standard_normal(shape)
    if mode == "circular" and min(widths) < 0:
        try:
            F.pad(ag.tensor(x), widths, mode=mode)
        except RuntimeError as e:  # where PyTorch reads overlapping or unset memory
            if "wraps around more than" in str(e):
                return
    try:
        TF.pad(torch.tensor(x), widths, mode=mode)
    except (RuntimeError, NotImplementedError) as e:
        with pytest.raises(type(e)):
            F.pad(ag.tensor(x), widths, mode=mode)
        return
    kw = {"value": 0.5} if mode == "constant" else {}
    against_torch(lambda t: F.pad(t, widths, mode=mode, **kw),
                  lambda t: TF.pad(t, widths, mode=mode, **kw), [x])


def test_pad_errors_are_pytorchs():
    x = ag.tensor(np.zeros((2, 3, 4)))
    cases = [
        (lambda: F.pad(x, (1, 1, 1)), RuntimeError, "divisible by 2"),
        (lambda: F.pad(x, (1,) * 8), RuntimeError, "two times the input dimension"),
        (lambda: F.pad(x, (1, 1), mode="mirror"), NotImplementedError, "mirror"),
        (lambda: F.pad(x, (1, 1), mode="reflect", value=2.0), RuntimeError, "value"),
        (lambda: F.pad(x, (4, 0), mode="reflect"), RuntimeError, r"padding \(4, 0\)"),
        (lambda: F.pad(x, (5, 0), mode="circular"), RuntimeError, "wrapping around"),
        (lambda: F.pad(x, (1, 1) * 3, mode="replicate"), NotImplementedError, "size 6"),
        (lambda: F.pad(ag.zeros(4), (1, 1), mode="reflect"), NotImplementedError, "1D"),
        (lambda: F.pad(x, (2, -6)), RuntimeError, "narrow"),
        (lambda: F.pad(x, (-2, -2), mode="replicate"), RuntimeError, "too small"),
        (lambda: F.pad(x, (-3, -2), mode="circular"), RuntimeError, "empty dimension"),
        (lambda: F.pad(x, (3, -2), mode="circular"), RuntimeError, "wraps around more"),
    ]
    for fn, err, match in cases:
        with pytest.raises(err, match=match):
            fn()
    np.testing.assert_array_equal(F.pad(ag.tensor([[0.0, 1, 2]]), (2, 2), "reflect").numpy(),
                                  [[2, 1, 0, 1, 2, 1, 0]])
    np.testing.assert_array_equal(F.pad(ag.tensor([[0.0, 1, 2]]), (2, 1), "circular").numpy(),
                                  [[1, 2, 0, 1, 2, 0]])
    np.testing.assert_array_equal(F.pad(ag.tensor([[0.0, 1, 2]]), (2, 1), "replicate").numpy(),
                                  [[0, 0, 0, 1, 2, 2]])
    t = ag.tensor(RNG.standard_normal((1, 2, 3, 4)), requires_grad=True)
    for mode in ("reflect", "replicate", "circular"):
        assert ag.gradcheck(lambda u, m=mode: F.pad(u, (2, 1, 1, 2), mode=m), (t,))


# -- embedding_bag -----------------------------------------------------------------------------
BAGS = [
    (np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 4, 4, 6]), False),
    (np.array([0, 0, 7, 7, 1]), np.array([0, 1, 5]), False),
    (np.array([3, 2, 2, 8, 8, 1]), np.array([0, 2, 2, 6]), True),
    (np.array([[1, 2, 3], [2, 2, 9]]), None, False),
    (np.zeros(0, dtype=np.int64), np.array([0, 0]), False),  # empty bags only
    (np.array([[2, 2], [2, 2]]), None, False),  # all padding when padding_idx=2
]


@needs_torch
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
@pytest.mark.parametrize("bag", range(len(BAGS)))
def test_embedding_bag_matches_torch(mode, padding_idx, bag):
    idx, offsets, last = BAGS[bag]
    w = RNG.standard_normal((10, 3))
    kw = {"mode": mode, "padding_idx": padding_idx, "include_last_offset": last}

    def mine(t):
        return F.embedding_bag(ag.tensor(idx), t,
                               None if offsets is None else ag.tensor(offsets), **kw)

    def theirs(t):
        return TF.embedding_bag(torch.tensor(idx), t,
                                None if offsets is None else torch.tensor(offsets), **kw)
    against_torch(mine, theirs, [w], second=False)


@needs_torch
def test_embedding_bag_per_sample_weights_matches_torch():
    idx, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3, 5])
    w, psw = RNG.standard_normal((10, 3)), RNG.uniform(0.5, 2, 8)
    against_torch(
        lambda t, p: F.embedding_bag(ag.tensor(idx), t, ag.tensor(offsets), mode="sum",
                                     per_sample_weights=p, padding_idx=4),
        lambda t, p: TF.embedding_bag(torch.tensor(idx), t, torch.tensor(offsets), mode="sum",
                                      per_sample_weights=p, padding_idx=4),
        [w, psw], (0, 1))


@needs_torch
def test_embedding_bag_max_norm_matches_torch():
    idx, offsets = np.array([1, 1, 1, 5, 4]), np.array([0, 2])
    w = RNG.standard_normal((6, 3)) * 3
    mw, tw = ag.tensor(w.copy(), requires_grad=True), torch.tensor(w.copy(), requires_grad=True)
    out = F.embedding_bag(ag.tensor(idx), mw, ag.tensor(offsets), max_norm=1.0, mode="sum")
    tout = TF.embedding_bag(torch.tensor(idx), tw, torch.tensor(offsets), max_norm=1.0,
                            mode="sum")
    _close(out.detach().numpy(), _np(tout), 1e-7, "value")
    _close(mw.detach().numpy(), _np(tw), 1e-7, "renormalized weight")
    g = RNG.standard_normal(out.shape)
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    _close(mw.grad.numpy(), tw.grad.numpy(), 1e-10, "gradient")


def test_embedding_bag_scale_grad_by_freq_divides_by_the_batch_count():
    idx, offsets = ag.tensor([1, 1, 1, 5, 4]), ag.tensor([0, 2])
    w = ag.tensor(RNG.standard_normal((6, 3)), requires_grad=True)
    F.embedding_bag(idx, w, offsets, scale_grad_by_freq=True, mode="sum").sum().backward()
    np.testing.assert_allclose(w.grad.numpy()[[0, 1, 4, 5]], [[0] * 3, [1] * 3, [1] * 3,
                                                               [1] * 3])


def test_embedding_bag_closed_forms_and_errors():
    w = ag.tensor(RNG.standard_normal((5, 2)), requires_grad=True)
    idx, off = ag.tensor([0, 1, 2, 3]), ag.tensor([0, 1, 1])
    out = F.embedding_bag(idx, w, off, mode="mean").detach().numpy()
    wd = w.detach().numpy()
    np.testing.assert_allclose(out, [wd[0], np.zeros(2), wd[1:4].mean(0)])
    assert ag.gradcheck(lambda t: F.embedding_bag(idx, t, off, mode="max"), (w,))
    assert ag.gradgradcheck(lambda t: F.embedding_bag(idx, t, off, mode="mean"), (w,))
    cases = [
        (lambda: F.embedding_bag(idx, w, ag.tensor([1, 2])), RuntimeError, "offsets\\[0\\]"),
        (lambda: F.embedding_bag(idx, w, ag.tensor([0, 9])), RuntimeError, "offsets\\[-1\\]"),
        (lambda: F.embedding_bag(idx, w, ag.tensor([0, 3, 2])), RuntimeError, "non-decreasing"),
        (lambda: F.embedding_bag(idx, w), ValueError, "offsets has to be a 1D"),
        (lambda: F.embedding_bag(ag.tensor([[0, 1]]), w, off), ValueError, "2D"),
        (lambda: F.embedding_bag(ag.tensor([0, 7]), w, ag.tensor([0])), IndexError, "value 7"),
        (lambda: F.embedding_bag(idx, w, off, mode="mean", per_sample_weights=ag.ones(4)),
         NotImplementedError, "only supported for mode='sum'"),
        (lambda: F.embedding_bag(idx, w, off, mode="median"), ValueError, "median"),
    ]
    for fn, err, match in cases:
        with pytest.raises(err, match=match):
            fn()


# -- scaled_dot_product_attention --------------------------------------------------------------
def _attention_inputs(hq=4, hk=4, length=3, source=5, e=4, ev=3):
    return [RNG.standard_normal((2, hq, length, e)), RNG.standard_normal((2, hk, source, e)),
            RNG.standard_normal((2, hk, source, ev))]


def _masks():
    keep = RNG.random((3, 5)) < 0.6
    keep[1] = False  # a query that sees nothing gets zeros
    keep[0, 0] = True
    add = RNG.standard_normal((2, 1, 3, 5))
    add[0, 0, 2] = -np.inf
    return [None, keep, add]


@needs_torch
@pytest.mark.parametrize("mask", range(3), ids=["none", "bool", "float"])
@pytest.mark.parametrize("kw", [{}, {"scale": 0.3}, {"is_causal": True}, {"enable_gqa": True}],
                         ids=str)
def test_attention_matches_torch(mask, kw):
    m = _masks()[mask]
    if kw.get("is_causal") and m is not None:
        return
    q, k, v = _attention_inputs(hk=2 if kw.get("enable_gqa") else 4)
    against_torch(
        lambda a, b, c: F.scaled_dot_product_attention(
            a, b, c, None if m is None else ag.tensor(m), **kw),
        lambda a, b, c: TF.scaled_dot_product_attention(
            a, b, c, None if m is None else torch.tensor(m), **kw),
        [q, k, v], (0, 1, 2), 1e-9)


def test_attention_closed_form_dropout_and_errors():
    q, k, v = (ag.tensor(a, requires_grad=True) for a in _attention_inputs(1, 1, 2, 3, 2, 2))
    s = q.detach().numpy() @ np.swapaxes(k.detach().numpy(), -1, -2) / math.sqrt(2)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).detach().numpy(),
                               p @ v.detach().numpy(), rtol=1e-12)
    assert ag.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c), (q, k, v))
    assert ag.gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(
        a, b, c, is_causal=True), (q, k, v))
    np.testing.assert_array_equal(
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).detach().numpy(), 0)
    ag.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    ag.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, ag.ones(2, 3, dtype=ag.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="embedding size"):
        F.scaled_dot_product_attention(q, k[..., :1], v)
    with pytest.raises(RuntimeError, match="sequence length"):
        F.scaled_dot_product_attention(q, k, v[..., :2, :])
    with pytest.raises(RuntimeError, match="divide the number of heads"):
        F.scaled_dot_product_attention(*(ag.zeros(1, h, 2, 2) for h in (3, 2, 2)),
                                       enable_gqa=True)


# -- losses ------------------------------------------------------------------------------------
REDUCTIONS = [{"reduction": "mean"}, {"reduction": "sum"}, {"reduction": "none"},
              {"size_average": False}, {"reduce": False}]
LEGACY_FREE = {"gaussian_nll_loss", "triplet_margin_with_distance_loss"}


def _sign(shape):
    return np.where(RNG.random(shape) < 0.5, -1.0, 1.0)


def _loss_cases():
    n, c = 4, 5
    x = RNG.standard_normal((n, c))
    return [
        ("poisson_nll_loss", [x, RNG.poisson(2.0, (n, c)).astype(float)], (0, 1), {}),
        # PyTorch's target gradient of the full loss is NaN where the target is 0
        ("poisson_nll_loss", [np.exp(x), RNG.poisson(2.0, (n, c)).astype(float)], (0,),
         {"log_input": False, "full": True}),
        ("gaussian_nll_loss", [x, RNG.standard_normal((n, c)), RNG.uniform(0.2, 2, (n, c))],
         (0, 1, 2), {}),
        ("gaussian_nll_loss", [x, RNG.standard_normal((n, c)), RNG.uniform(0.2, 2, (n,))],
         (0, 2), {"full": True}),
        ("gaussian_nll_loss", [x, RNG.standard_normal((n, c)), RNG.uniform(0.2, 2, (n, 1))],
         (0, 2), {}),
        ("margin_ranking_loss", [RNG.standard_normal(6), RNG.standard_normal(6), _sign(6)],
         (0, 1), {"margin": 0.3}),
        ("triplet_margin_loss", [x, RNG.standard_normal((n, c)), RNG.standard_normal((n, c))],
         (0, 1, 2), {"margin": 2.0}),
        ("triplet_margin_loss", [x, RNG.standard_normal((n, c)), RNG.standard_normal((n, c))],
         (0, 1, 2), {"p": 1, "swap": True, "margin": 2.0}),
        ("triplet_margin_with_distance_loss",
         [x, RNG.standard_normal((n, c)), RNG.standard_normal((n, c))], (0, 1, 2),
         {"swap": True, "margin": 2.0}),
        ("cosine_embedding_loss", [x, RNG.standard_normal((n, c)), _sign(n)], (0, 1),
         {"margin": -0.2}),
        ("cosine_embedding_loss", [x[0], RNG.standard_normal(c), np.array(-1.0)], (0, 1), {}),
        ("hinge_embedding_loss", [x, _sign((n, c))], (0,), {"margin": 0.7}),
        ("soft_margin_loss", [x, _sign((n, c))], (0,), {}),
        ("multilabel_soft_margin_loss", [x, (RNG.random((n, c)) < 0.5).astype(float)], (0,),
         {}),
        ("multilabel_soft_margin_loss", [x, RNG.random((n, c)), RNG.uniform(0.5, 2, c)], (0,),
         {}),
    ]


LOSS_CASES = _loss_cases()


@needs_torch
@pytest.mark.parametrize("red", REDUCTIONS, ids=str)
@pytest.mark.parametrize("case", range(len(LOSS_CASES)),
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(LOSS_CASES)])
def test_loss_matches_torch(case, red):
    name, arrays, diff, kw = LOSS_CASES[case]
    if name in LEGACY_FREE and "reduction" not in red:
        return
    arrays = list(arrays)
    if name in ("cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
                "soft_margin_loss"):
        pass  # targets are constants of +-1
    if name == "multilabel_soft_margin_loss" and len(arrays) == 3:
        weight = arrays.pop()
        kw = {**kw, "weight": weight}
    kw = {**kw, **red}

    def call(mod, lib):
        def fn(*ts):
            extra = {k: (_wrap(v, lib, False) if isinstance(v, np.ndarray) else v)
                     for k, v in kw.items()}
            return getattr(mod, name)(*ts, **extra)
        return fn
    against_torch(call(F, "ag"), call(TF, "torch"), arrays, diff, 1e-9)


@needs_torch
@pytest.mark.parametrize("red", REDUCTIONS, ids=str)
@pytest.mark.parametrize("shape", [(3, 5), (5,)])
def test_multilabel_margin_loss_matches_torch(red, shape):
    x = RNG.standard_normal(shape)
    rows = 1 if len(shape) == 1 else shape[0]
    target = np.full((rows, shape[-1]), -1, dtype=np.int64)
    for r in range(rows):
        k = RNG.integers(0, shape[-1])
        target[r, :k] = RNG.integers(0, shape[-1], k)  # repeats count twice, as in PyTorch
    target[0, 2:] = [1, -1, 3][: shape[-1] - 2]  # labels after the first -1 are ignored
    target = target.reshape(shape)
    x = x + 0.003 * np.arange(x.size).reshape(shape)  # no hinge exactly at its kink
    against_torch(lambda t: F.multilabel_margin_loss(t, ag.tensor(target), **red),
                  lambda t: TF.multilabel_margin_loss(t, torch.tensor(target), **red), [x])


def test_losses_closed_forms_and_gradchecks_without_torch():
    x = ag.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    y = ag.tensor(RNG.poisson(1.5, (3, 4)).astype(float))
    np.testing.assert_allclose(F.poisson_nll_loss(x, y, reduction="none").detach().numpy(),
                               np.exp(x.detach().numpy()) - y.numpy() * x.detach().numpy())
    v = ag.tensor(RNG.uniform(0.5, 2, (3, 4)), requires_grad=True)
    d = x.detach().numpy()
    np.testing.assert_allclose(
        F.gaussian_nll_loss(x, ag.zeros(3, 4), v, reduction="sum").item(),
        0.5 * np.sum(np.log(v.detach().numpy()) + d * d / v.detach().numpy()))
    sign = ag.tensor(_sign((3, 4)))
    np.testing.assert_allclose(F.soft_margin_loss(x, sign, reduction="none").detach().numpy(),
                               np.log1p(np.exp(-sign.numpy() * d)), rtol=1e-12)
    x2 = ag.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    x3 = ag.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    for fn, args in [
        (lambda a, b: F.gaussian_nll_loss(a, ag.zeros(3, 4), b), (x, v)),
        (lambda a: F.poisson_nll_loss(a, y, full=True), (x,)),
        (lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=3.0), (x, x2, x3)),
        (lambda a, b: F.cosine_embedding_loss(a, b, ag.tensor([1.0, -1.0, 1.0]),
                                              margin=-1.0), (x, x2)),
        (lambda a: F.multilabel_soft_margin_loss(a, (y.numpy() > 1).astype(float)), (x,)),
        (lambda a: F.soft_margin_loss(a, sign), (x,)),
    ]:
        assert ag.gradcheck(fn, args)
        assert ag.gradgradcheck(fn, args)


def test_loss_errors():
    x = ag.zeros(3, 4)
    cases = [
        (lambda: F.gaussian_nll_loss(x, x, -ag.ones(3, 4)), ValueError, "negative"),
        (lambda: F.gaussian_nll_loss(x, x, ag.ones(2, 2)), ValueError, "incorrect size"),
        (lambda: F.gaussian_nll_loss(x, x, 1.0, reduction="avg"), ValueError, "avg"),
        (lambda: F.margin_ranking_loss(x, x, ag.ones(3)), RuntimeError, "same dimension"),
        (lambda: F.triplet_margin_loss(x, x, x, margin=0.0), ValueError, "margin"),
        (lambda: F.triplet_margin_loss(x, x, ag.zeros(4)), RuntimeError, "number of dim"),
        (lambda: F.cosine_embedding_loss(x, x, ag.ones(3, 4)), RuntimeError, "target tensor"),
        (lambda: F.multilabel_margin_loss(x, ag.zeros(3, 4, dtype=ag.int64) + 4),
         RuntimeError, "target values"),
        (lambda: F.multilabel_margin_loss(x, ag.zeros(3, 3, dtype=ag.int64)), RuntimeError,
         "inconsistent target size"),
        (lambda: F.poisson_nll_loss(x, x, reduction="avg"), ValueError, "avg"),
        (lambda: F.glu(ag.zeros(3)), RuntimeError, "even"),
        (lambda: F.glu(ag.tensor(1.0)), RuntimeError, "scalars"),
        (lambda: F.celu(x, alpha=0.0), RuntimeError, "alpha cannot be 0"),
        (lambda: F.softshrink(x, -1.0), RuntimeError, "lambda"),
        (lambda: F.gelu(x, approximate="fast"), RuntimeError, "none or tanh"),
        (lambda: F.gelu(ag.tensor([1, 2])), RuntimeError, "floating-point"),
        (lambda: F.rrelu(x, 0.5, 0.1), RuntimeError, "Lower bound"),
        (lambda: F.group_norm(ag.zeros(2, 3, 4), 2), RuntimeError, "divisible by num_groups"),
        (lambda: F.instance_norm(ag.zeros(2, 3, 1)), ValueError, "more than 1 spatial"),
        (lambda: F.instance_norm(ag.zeros(2, 3, 4), use_input_stats=False), RuntimeError,
         "running_mean"),
        (lambda: F.local_response_norm(x, 2), ValueError, "3D or higher"),
        (lambda: F.rms_norm(x, (3,)), RuntimeError, "normalized_shape"),
        (lambda: F.pixel_shuffle(ag.zeros(1, 5, 2, 2), 2), RuntimeError, "divisible by 4"),
        (lambda: F.pixel_shuffle(ag.zeros(4, 2), 2), RuntimeError, "at least 3 dimensions"),
        (lambda: F.pixel_unshuffle(ag.zeros(1, 1, 3, 4), 2), RuntimeError, "height"),
    ]
    for fn, err, match in cases:
        with pytest.raises(err, match=match):
            fn()


def test_float32_in_float32_out_and_float32_gradients():
    r = np.random.default_rng(5)

    def f(*shape):
        return ag.tensor(r.standard_normal(shape).astype(np.float32), requires_grad=True)
    x = f(2, 4, 3)
    ones = ag.tensor(np.ones((3, 4), np.float32))
    cases = [
        lambda: F.group_norm(x, 2), lambda: F.instance_norm(x),
        lambda: F.local_response_norm(x, 3), lambda: F.rms_norm(x, (3,)),
        lambda: F.pixel_shuffle(x.reshape(1, 8, 1, 3), 2),
        lambda: F.pad(x, (1, 1), mode="reflect"),
        lambda: F.embedding_bag(ag.tensor([0, 1, 2]), x[0], ag.tensor([0, 1]), mode="max"),
        lambda: F.scaled_dot_product_attention(x, x, x, is_causal=True),
        lambda: F.poisson_nll_loss(x, x.detach().abs(), full=True),
        lambda: F.gaussian_nll_loss(x, x.detach(), x.detach().abs()),
        lambda: F.margin_ranking_loss(x[0, 0], x[1, 0], ag.tensor([1.0, -1.0, 1.0])),
        lambda: F.triplet_margin_loss(x[0], x[1], x[0].detach()),
        lambda: F.cosine_embedding_loss(x[0], x[1], ag.tensor([1, -1, 1, 1])),
        lambda: F.hinge_embedding_loss(x[0], ones.T),
        lambda: F.soft_margin_loss(x[0], ones.T),
        lambda: F.multilabel_soft_margin_loss(x[0], ones.T),
        lambda: F.multilabel_margin_loss(x[0], ag.zeros(4, 3, dtype=ag.int64)),
    ]
    for make in cases:
        x.grad = None
        out = make()
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32
