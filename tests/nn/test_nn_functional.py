"""nn.functional beyond the losses: activations, one_hot, dropout, normalization, pooling,
embedding, distances; and the fused loss primitives of autograd_core/ops/losses.py checked
over random shapes and reductions (first and second order, by finite differences)."""

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import nn.functional as F
from autograd_core.ops.registry import REGISTRY
from autograd_core.tensor import apply


def leaf(a):
    return ag.tensor(np.array(a, dtype=np.float64), requires_grad=True)


X = np.random.default_rng(0).standard_normal((4, 5))


# -- activations ----------------------------------------------------------------------------
def test_activation_functions_closed_forms():
    x = X * 2
    np.testing.assert_allclose(F.relu(ag.tensor(x))._data, np.maximum(x, 0))
    np.testing.assert_allclose(F.leaky_relu(ag.tensor(x), 0.2)._data, np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(F.sigmoid(ag.tensor(x))._data, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.tanh(ag.tensor(x))._data, np.tanh(x))
    np.testing.assert_allclose(F.softplus(ag.tensor(x), beta=2)._data,
                               np.log1p(np.exp(2 * x)) / 2, rtol=1e-12)
    np.testing.assert_allclose(F.elu(ag.tensor(x), 0.5)._data,
                               np.where(x > 0, x, 0.5 * (np.exp(x) - 1)))
    np.testing.assert_allclose(F.silu(ag.tensor(x))._data, x / (1 + np.exp(-x)))
    np.testing.assert_allclose(F.logsigmoid(ag.tensor(x))._data, -np.log1p(np.exp(-x)))
    np.testing.assert_allclose(F.softsign(ag.tensor(x))._data, x / (1 + np.abs(x)))
    np.testing.assert_allclose(F.relu6(ag.tensor(x * 5))._data, np.clip(x * 5, 0, 6))


def test_logsigmoid_is_stable_and_differentiable():
    x = leaf([-1000.0, 0.0, 1000.0])
    out = F.logsigmoid(x)
    np.testing.assert_allclose(out._data, [-1000.0, -np.log(2), 0.0])
    out.sum().backward()
    np.testing.assert_allclose(x.grad._data, [1.0, 0.5, 0.0])


@pytest.mark.parametrize("fn", [
    lambda z: F.softmax(z, 1), lambda z: F.log_softmax(z, 0), lambda z: F.elu(z, 1.3),
    lambda z: F.selu(z), lambda z: F.silu(z), lambda z: F.logsigmoid(z),
    lambda z: F.softplus(z, 2.0, 1.0), lambda z: F.normalize(z, 2.0, 1),
    lambda z: F.prelu(z, ag.tensor([0.1, 0.2, 0.3, 0.4, 0.5], dtype=np.float64)),
])
def test_activation_gradients(fn):
    assert ag.gradcheck(fn, [leaf(X + 0.013)])


def test_softmax_without_dim_warns_and_picks_torchs_implicit_dim():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = F.softmax(ag.tensor(X))
    np.testing.assert_allclose(out._data.sum(1), 1.0)
    with pytest.warns(UserWarning):
        out1 = F.softmax(ag.tensor(X[0]))
    np.testing.assert_allclose(out1._data.sum(), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(ag.tensor(X), dim=0)


def test_prelu_argument_checks():
    with pytest.raises(ValueError, match="1-D"):
        F.prelu(ag.tensor(X), ag.ones(2, 2))
    with pytest.raises(ValueError, match="channels"):
        F.prelu(ag.tensor(X), ag.ones(3))


# -- one_hot --------------------------------------------------------------------------------
def test_one_hot_is_int64_without_grad():
    out = F.one_hot(ag.tensor(np.array([[0, 2], [1, 1]])))
    assert out.dtype == np.int64 and not out.requires_grad and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out._data[0], [[1, 0, 0], [0, 0, 1]])
    assert F.one_hot(np.array([1]), num_classes=4).shape == (1, 4)
    assert F.one_hot(np.array(2), 3).tolist() == [0, 0, 1]


def test_one_hot_errors():
    with pytest.raises(TypeError, match="index tensor"):
        F.one_hot(ag.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="out of range"):
        F.one_hot(np.array([0, 5]), num_classes=3)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(np.array([-1, 0]))
    with pytest.raises(ValueError, match="infer"):
        F.one_hot(np.zeros(0, dtype=np.int64))


# -- dropout --------------------------------------------------------------------------------
def test_functional_dropout():
    x = ag.ones(1000)
    assert F.dropout(x, 0.5, training=False) is x
    out = F.dropout(x, 0.2)._data
    assert set(np.unique(out).tolist()) <= {0.0, 1.25}
    assert abs((out == 0).mean() - 0.2) < 0.05
    with pytest.raises(ValueError):
        F.dropout(x, -0.1)


# -- normalization ----------------------------------------------------------------------------
def test_batch_norm_functional_without_running_stats_and_errors():
    x = np.random.default_rng(1).standard_normal((6, 3, 2))
    out = F.batch_norm(ag.tensor(x), None, None, training=True)
    np.testing.assert_allclose(out._data.mean(axis=(0, 2)), 0, atol=1e-12)
    with pytest.raises(ValueError, match="running_mean"):
        F.batch_norm(ag.tensor(x), None, None, training=False)
    with pytest.raises(ValueError, match="channels"):
        F.batch_norm(ag.tensor(x), ag.zeros(4), ag.ones(4), training=True)
    assert ag.gradcheck(lambda z, w, b: F.batch_norm(z, None, None, w, b, True),
                        [leaf(x), leaf([1.0, 2.0, 0.5]), leaf([0.1, 0.0, -0.2])])


def test_layer_norm_functional_gradients():
    assert ag.gradcheck(lambda z, w, b: F.layer_norm(z, (5,), w, b),
                        [leaf(X), leaf(np.linspace(0.5, 1.5, 5)), leaf(np.linspace(-1, 1, 5))])


# -- pooling and embedding --------------------------------------------------------------------
def test_adaptive_avg_pool_windows_follow_torchs_floor_and_ceil_bounds():
    x = np.arange(7, dtype=np.float64).reshape(1, 1, 7)
    out = F.adaptive_avg_pool1d(ag.tensor(x), 3)._data[0, 0]
    # windows [0, 3), [2, 5), [4, 7)
    np.testing.assert_allclose(out, [1.0, 3.0, 5.0])
    x2 = np.arange(20, dtype=np.float64).reshape(1, 1, 4, 5)
    out2 = F.adaptive_avg_pool2d(ag.tensor(x2), (2, None))._data[0, 0]
    np.testing.assert_allclose(out2, [x2[0, 0, :2].mean(0), x2[0, 0, 2:].mean(0)])
    assert F.adaptive_avg_pool2d(ag.randn(2, 3, 8, 8), 1).shape == (2, 3, 1, 1)


def test_embedding_functional_scale_grad_by_freq():
    w = leaf(np.ones((3, 2)))
    out = F.embedding(np.array([0, 0, 2]), w, scale_grad_by_freq=True)
    out.sum().backward()
    np.testing.assert_allclose(w.grad._data, [[1, 1], [0, 0], [1, 1]])


def test_distances():
    a, b = X[:2], X[2:]
    np.testing.assert_allclose(F.pairwise_distance(ag.tensor(a), ag.tensor(b))._data,
                               np.linalg.norm(a - b + 1e-6, axis=-1))
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(F.cosine_similarity(ag.tensor(a), ag.tensor(b))._data, cos)


def test_reexported_kernels_are_the_engines():
    assert F.linear is ag.linear and F.conv1d is ag.conv1d and F.conv2d is ag.conv2d
    assert F.max_pool1d is ag.max_pool1d and F.avg_pool2d is ag.avg_pool2d


# -- the fused loss primitives over random shapes ---------------------------------------------
reductions = st.sampled_from(["none", "sum", "mean"])
seeds = st.integers(0, 2**32 - 1)


def _check(op_name, args, diff, params):
    op = REGISTRY[op_name]
    leaves = [leaf(a) if i in diff else a for i, a in enumerate(args)]
    tensors = [leaves[i] for i in diff]

    def f(*ts):
        full = list(leaves)
        for i, t in zip(diff, ts):
            full[i] = t
        return apply(op, tuple(full), params)

    assert ag.gradcheck(f, tensors, atol=1e-5, rtol=1e-3)

    def grad_of(*ts):
        out = f(*ts)
        return ag.autograd.grad(out.sum(), list(ts), create_graph=True)

    assert ag.gradcheck(lambda *ts: grad_of(*ts), tensors, atol=1e-5, rtol=1e-3)


@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=3),
       reduction=reductions, divisor=st.sampled_from([None, 2.5]), seed=seeds)
def test_softmax_cross_entropy_primitive(shape, reduction, divisor, seed):
    rng = np.random.default_rng(seed)
    _check("softmax_cross_entropy", [rng.uniform(-3, 3, shape), rng.uniform(0, 1, shape)],
           (0, 1), dict(axis=1, reduction=reduction, divisor=divisor))


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       reduction=reductions, seed=seeds)
def test_mse_primitive(shapes, reduction, seed):
    rng = np.random.default_rng(seed)
    args = [rng.uniform(-2, 2, s) for s in shapes.input_shapes]
    _check("mse_loss", args, (0, 1), dict(reduction=reduction))


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       reduction=reductions, delta=st.sampled_from([0.5, 1.0]), seed=seeds)
def test_huber_primitive(shapes, reduction, delta, seed):
    rng = np.random.default_rng(seed)
    x, y = (rng.uniform(-2, 2, s) for s in shapes.input_shapes)
    d = x - y  # keep |x - y| away from the kinks at +-delta
    near = np.abs(np.abs(d) - delta) < 0.05
    x = x + np.where(near, 0.2, 0.0)
    _check("huber_loss", [x, y], (0, 1), dict(delta=delta, reduction=reduction))


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), reduction=reductions,
       weighted=st.booleans(), seed=seeds)
def test_binary_cross_entropy_primitive(shape, reduction, weighted, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2, shape[-1:]) if weighted and shape else None
    _check("binary_cross_entropy", [rng.uniform(0.05, 0.95, shape), rng.uniform(0, 1, shape), w],
           (0, 1), dict(reduction=reduction))


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), reduction=reductions,
       use_w=st.booleans(), use_pw=st.booleans(), seed=seeds)
def test_binary_cross_entropy_with_logits_primitive(shape, reduction, use_w, use_pw, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2, shape[-1:]) if use_w else None
    pw = rng.uniform(0.5, 2, shape[-1:]) if use_pw else None
    args = [rng.uniform(-3, 3, shape), rng.uniform(0, 1, shape), w, pw]
    diff = tuple(i for i, a in enumerate(args) if a is not None)
    _check("binary_cross_entropy_with_logits", args, diff, dict(reduction=reduction))
