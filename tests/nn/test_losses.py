"""Losses: closed forms in NumPy, gradients (first and second order) by finite differences in
float64, stability at huge logits, reductions, the loss modules, and clear errors."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.tensor import apply

rng = np.random.default_rng(0)
X = rng.standard_normal((5, 4))
Y = rng.standard_normal((5, 4))
T = np.array([0, 3, 1, 1, 2])
W = np.array([0.5, 1.0, 2.0, 1.5])
REDUCTIONS = ["none", "sum", "mean"]


def leaf(a):
    return ag.tensor(np.array(a, dtype=np.float64), requires_grad=True)


def reduce(per, reduction, divisor=None):
    if reduction == "none":
        return per
    return per.sum() if reduction == "sum" else per.sum() / (per.size if divisor is None
                                                             else divisor)


def log_softmax(x, axis=-1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def second_order_ok(loss_of, x):
    """The gradient of the loss is itself differentiable (create_graph), matching finite
    differences of the first-order gradient."""
    def grad_fn(z):
        return ag.autograd.grad(loss_of(z), z, create_graph=True)[0]

    return ag.gradcheck(grad_fn, [x], atol=1e-5, rtol=1e-3)


# -- cross-entropy ----------------------------------------------------------------------------
def ce_reference(x, t, w=None, ignore_index=-100, smoothing=0.0, reduction="mean"):
    c = x.shape[1]
    logp = log_softmax(x, 1)
    w = np.ones(c) if w is None else w
    kept = t != ignore_index
    tc = np.where(kept, t, 0)
    nll = -logp[np.arange(len(t)), tc] * w[tc] * kept
    smooth = -(logp * w).sum(1) * kept
    per = (1 - smoothing) * nll + smoothing / c * smooth
    return reduce(per, reduction, (w[tc] * kept).sum())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kwargs", [
    dict(), dict(weight=W), dict(label_smoothing=0.2), dict(weight=W, label_smoothing=0.1),
])
def test_cross_entropy_closed_form_and_gradient(kwargs, reduction):
    t = T.copy()
    t[2] = -100
    x = leaf(X)
    out = F.cross_entropy(x, t, reduction=reduction, **kwargs)
    ref = ce_reference(X, t, kwargs.get("weight"), smoothing=kwargs.get("label_smoothing", 0.0),
                       reduction=reduction)
    np.testing.assert_allclose(out._data, ref, rtol=1e-12)
    assert ag.gradcheck(lambda z: F.cross_entropy(z, t, reduction=reduction, **kwargs), [x])


def test_cross_entropy_is_one_fused_node_and_twice_differentiable():
    x = leaf(X)
    loss = F.cross_entropy(x, T)
    assert loss._op.name == "cross_entropy_index" and loss._args[0] is x  # class indices
    assert F.cross_entropy(x, T, weight=W)._op.name == "softmax_cross_entropy"  # the general op
    assert second_order_ok(lambda z: F.cross_entropy(z, T), x)
    assert second_order_ok(lambda z: F.cross_entropy(z, T, weight=W, label_smoothing=0.1), x)


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    x = leaf(X)
    F.cross_entropy(x, T).backward()
    p = np.exp(log_softmax(X, 1))
    np.testing.assert_allclose(x.grad._data, (p - np.eye(4)[T]) / 5, rtol=1e-12)


def test_cross_entropy_with_probability_targets():
    probs = rng.dirichlet(np.ones(4), 5)
    x, q = leaf(X), leaf(probs)
    out = F.cross_entropy(x, q)
    np.testing.assert_allclose(out._data, -(probs * log_softmax(X, 1)).sum(1).mean(), rtol=1e-12)
    assert ag.gradcheck(lambda a, b: F.cross_entropy(a, b, weight=W, label_smoothing=0.3,
                                                     reduction="sum"), [x, q])
    with pytest.raises(ValueError, match="shape"):
        F.cross_entropy(x, probs[:, :3])


def test_cross_entropy_spatial_targets_and_unbatched_input():
    x4 = rng.standard_normal((2, 3, 2, 2))
    t4 = rng.integers(0, 3, (2, 2, 2))
    flat_x = x4.transpose(0, 2, 3, 1).reshape(-1, 3)
    np.testing.assert_allclose(F.cross_entropy(leaf(x4), t4)._data,
                               ce_reference(flat_x, t4.reshape(-1)), rtol=1e-12)
    assert ag.gradcheck(lambda z: F.cross_entropy(z, t4, weight=W[:3]), [leaf(x4)])
    np.testing.assert_allclose(F.cross_entropy(leaf(X[0]), np.array(2))._data,
                               -log_softmax(X[0])[2], rtol=1e-12)


def test_cross_entropy_when_every_target_is_ignored_is_nan_like_torch():
    out = F.cross_entropy(leaf(X), np.full(5, -100))
    assert np.isnan(out.item())
    assert F.cross_entropy(leaf(X), np.full(5, -100), reduction="sum").item() == 0.0


def test_cross_entropy_errors():
    x = leaf(X)
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        F.cross_entropy(x, np.array([0, 1, 4, 0, 0]))
    with pytest.raises(ValueError, match="class-index targets must have shape"):
        F.cross_entropy(x, np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, T, reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, T, label_smoothing=1.5)
    with pytest.raises(ValueError, match="weight"):
        F.cross_entropy(x, T, weight=np.ones(3))
    with pytest.raises(TypeError, match="class indices"):
        F.cross_entropy(x, np.zeros((5, 4), dtype=bool))


# -- stability --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("big", [1000.0, 1e4])
def test_cross_entropy_and_nll_of_log_softmax_are_finite_at_huge_logits(dtype, big):
    x = ag.tensor(np.array([[big, -big, 0.0], [-big, big, 0.0]], dtype=dtype),
                  requires_grad=True)
    t = np.array([0, 0])
    loss = F.cross_entropy(x, t, reduction="none")
    np.testing.assert_allclose(loss._data, [0.0, 2 * big], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(x.grad._data).all()
    np.testing.assert_allclose(x.grad._data, [[0, 0, 0], [-1, 1, 0]], atol=1e-6)
    x.grad = None
    nll = F.nll_loss(F.log_softmax(x, 1), t, reduction="sum")
    nll.backward()
    assert np.isfinite(nll.item()) and np.isfinite(x.grad._data).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_finite_at_huge_logits(dtype):
    x = ag.tensor(np.array([1000.0, -1000.0, 1000.0, -1000.0], dtype=dtype), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none",
                                              pos_weight=np.array(2.0, dtype))
    np.testing.assert_allclose(loss._data, [1000.0, 2000.0, 0.0, 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad._data, [1.0, -2.0, 0.0, 0.0])


def test_bce_on_probabilities_clamps_logs_at_minus_100():
    p = leaf([0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss._data, [100.0, 100.0, np.log(2)])
    loss.sum().backward()
    assert np.isfinite(p.grad._data).all()
    np.testing.assert_allclose(p.grad._data, [-1e12, 1e12, -2.0])


def test_contrastive_loss_at_zero_distance_has_zero_gradient_not_nan():
    a = leaf([[1.0, 2.0], [0.5, 0.5]])
    b = leaf([[1.0, 2.0], [0.5, 0.5]])
    loss = F.contrastive_loss(a, b, np.array([1.0, 0.0]), margin=1.5, reduction="none")
    np.testing.assert_allclose(loss._data, [0.0, 2.25])
    loss.sum().backward()
    np.testing.assert_array_equal(a.grad._data, np.zeros((2, 2)))
    np.testing.assert_array_equal(b.grad._data, np.zeros((2, 2)))


# -- the other losses, closed forms and gradients ---------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def huber(d, delta):
    a = np.abs(d)
    return np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def multi_margin(x, t, p=1, margin=1.0, w=None):
    n, c = x.shape
    w = np.ones(c) if w is None else w
    xt = x[np.arange(n), t][:, None]
    h = np.maximum(0, margin - xt + x) ** p * w[t][:, None]
    h[np.arange(n), t] = 0
    return h.sum(1) / c


P = rng.uniform(0.05, 0.95, (5, 4))
B = rng.uniform(0, 1, (5, 4))
PROBS = rng.dirichlet(np.ones(4), 5)
A1, A2 = rng.standard_normal((6, 3)), rng.standard_normal((6, 3)) * 0.3
LABELS = np.array([1, 0, 1, 0, 0, 1], dtype=np.float64)
PAIR_D = np.linalg.norm(A1 - A2, axis=1)

# name, our call on float64 leaves, NumPy per-element reference, inputs, (differentiable slots)
CASES = [
    ("mse", lambda r, a, b: F.mse_loss(a, b, reduction=r), lambda: (X - Y) ** 2, (X, Y)),
    ("mse_broadcast", lambda r, a, b: F.mse_loss(a, b, reduction=r),
     lambda: (X - Y[0]) ** 2, (X, Y[:1])),
    ("l1", lambda r, a, b: F.l1_loss(a, b, reduction=r), lambda: np.abs(X - Y), (X, Y)),
    ("huber", lambda r, a, b: F.huber_loss(a, b, r, delta=0.5),
     lambda: huber(X - Y, 0.5), (X, Y)),
    ("smooth_l1", lambda r, a, b: F.smooth_l1_loss(a, b, reduction=r, beta=0.5),
     lambda: huber(X - Y, 0.5) / 0.5, (X, Y)),
    ("bce", lambda r, a, b: F.binary_cross_entropy(a, b, weight=W, reduction=r),
     lambda: -(B * np.log(P) + (1 - B) * np.log(1 - P)) * W, (P, B)),
    ("bce_logits", lambda r, a, b: F.binary_cross_entropy_with_logits(
        a, b, weight=W, pos_weight=W[::-1].copy(), reduction=r),
     lambda: -(W[::-1] * B * np.log(sigmoid(X)) + (1 - B) * np.log(1 - sigmoid(X))) * W,
     (X, B)),
    ("nll", lambda r, a: F.nll_loss(a, T, reduction=r),
     lambda: -X[np.arange(5), T], (X,)),
    ("multi_margin", lambda r, a: F.multi_margin_loss(a, T, reduction=r),
     lambda: multi_margin(X, T), (X,)),
    ("multi_margin_sq", lambda r, a: F.multi_margin_loss(a, T, p=2, margin=0.5, weight=W,
                                                         reduction=r),
     lambda: multi_margin(X, T, 2, 0.5, W), (X,)),
    ("kl_div", lambda r, a, b: F.kl_div(a, b, reduction=r),
     lambda: PROBS * (np.log(PROBS) - X), (X, PROBS)),
    ("kl_div_log_target", lambda r, a, b: F.kl_div(a, b, reduction=r, log_target=True),
     lambda: PROBS * (np.log(PROBS) - X), (X, np.log(PROBS))),
    ("contrastive", lambda r, a, b: F.contrastive_loss(a, b, LABELS, margin=1.0, reduction=r),
     lambda: LABELS * PAIR_D**2 + (1 - LABELS) * np.maximum(0, 1.0 - PAIR_D) ** 2, (A1, A2)),
]


@pytest.mark.filterwarnings("ignore:mse_loss. using a target size")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,call,reference,inputs", CASES, ids=[c[0] for c in CASES])
def test_loss_closed_forms_and_gradients(name, call, reference, inputs, reduction):
    leaves = [leaf(a) for a in inputs]
    with np.errstate(all="ignore"):
        out = call(reduction, *leaves)
    np.testing.assert_allclose(out._data, reduce(reference(), reduction), rtol=1e-10,
                               atol=1e-12)
    assert ag.gradcheck(lambda *a: call(reduction, *a), leaves)


@pytest.mark.parametrize("call,inputs", [
    (lambda a, b: F.mse_loss(a, b), (X, Y)),
    (lambda a, b: F.huber_loss(a, b, delta=0.7), (X, Y)),
    (lambda a, b: F.binary_cross_entropy(a, b), (P, B)),
    (lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=W), (X, B)),
])
def test_fused_losses_are_one_node_and_twice_differentiable(call, inputs):
    x, y = leaf(inputs[0]), leaf(inputs[1])
    out = call(x, y)
    assert out._args[0] is x and out._args[1] is y  # a single node over the inputs
    assert second_order_ok(lambda z: call(z, y), x)
    assert second_order_ok(lambda z: call(x, z), y)


def test_bce_with_logits_gradients_for_weight_and_pos_weight():
    x, y = leaf(X), leaf(B)
    w, pw = leaf(W), leaf(W[::-1].copy())
    assert ag.gradcheck(lambda *a: F.binary_cross_entropy_with_logits(
        a[0], a[1], weight=a[2], pos_weight=a[3]), [x, y, w, pw])


def test_huber_gradient_is_the_clipped_difference():
    x = leaf(X)
    F.huber_loss(x, Y, reduction="sum", delta=0.3).backward()
    np.testing.assert_allclose(x.grad._data, np.clip(X - Y, -0.3, 0.3))


def test_multi_margin_gradient_away_from_hinge_kinks():
    x = leaf(np.array([[0.1, 0.9, -0.4], [1.2, 0.2, 0.7]]))
    t = np.array([1, 0])
    assert ag.gradcheck(lambda z: F.multi_margin_loss(z, t, margin=0.45), [x])


def test_nll_loss_with_weights_and_ignore_index():
    t = T.copy()
    t[0] = 7
    out = F.nll_loss(leaf(X), t, weight=W, ignore_index=7)
    kept = t != 7
    picked = -X[np.arange(5), np.where(kept, t, 0)] * W[np.where(kept, t, 0)] * kept
    np.testing.assert_allclose(out._data, picked.sum() / (W[t[kept]]).sum(), rtol=1e-12)


def test_kl_div_batchmean_and_zero_targets():
    q = PROBS.copy()
    q[0, 0] = 0.0
    out = F.kl_div(leaf(X), q, reduction="batchmean")
    per = np.where(q > 0, q * np.log(np.where(q > 0, q, 1)), 0) - q * X
    np.testing.assert_allclose(out._data, per.sum() / 5, rtol=1e-12)


def test_legacy_size_average_and_reduce_flags():
    x = leaf(X)
    assert F.mse_loss(x, Y, size_average=False).item() == pytest.approx(((X - Y) ** 2).sum())
    assert F.mse_loss(x, Y, reduce=False).shape == X.shape


def test_loss_errors():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(leaf([1.5]), np.array([1.0]))
    with pytest.raises(ValueError, match="same"):
        F.binary_cross_entropy_with_logits(leaf(X), B[:, :2])
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        F.multi_margin_loss(leaf(X), T, p=3)
    with pytest.raises(ValueError, match="one label per pair"):
        F.contrastive_loss(leaf(A1), leaf(A2), np.ones(2))
    with pytest.raises(ValueError, match="do not broadcast"), pytest.warns(UserWarning):
        F.mse_loss(leaf(X), Y[:, :3])
    with pytest.raises(ValueError, match="delta"):
        F.huber_loss(leaf(X), Y, delta=0.0)


# -- loss modules ---------------------------------------------------------------------------
@pytest.mark.parametrize("module,call", [
    (nn.MSELoss(reduction="sum"), lambda x: F.mse_loss(x, Y, reduction="sum")),
    (nn.L1Loss(), lambda x: F.l1_loss(x, Y)),
    (nn.HuberLoss(delta=0.4), lambda x: F.huber_loss(x, Y, delta=0.4)),
    (nn.SmoothL1Loss(beta=0.4), lambda x: F.smooth_l1_loss(x, Y, beta=0.4)),
    (nn.CrossEntropyLoss(weight=W, label_smoothing=0.1),
     lambda x: F.cross_entropy(x, T, weight=W, label_smoothing=0.1)),
    (nn.NLLLoss(ignore_index=1), lambda x: F.nll_loss(x, T, ignore_index=1)),
    (nn.MultiMarginLoss(p=2), lambda x: F.multi_margin_loss(x, T, p=2)),
    (nn.BCEWithLogitsLoss(pos_weight=W), lambda x: F.binary_cross_entropy_with_logits(
        x, B, pos_weight=W)),
    (nn.KLDivLoss(reduction="batchmean"), lambda x: F.kl_div(x, PROBS, reduction="batchmean")),
])
def test_loss_modules_call_their_functional(module, call):
    x = leaf(X)
    target = {"CrossEntropyLoss": T, "NLLLoss": T, "MultiMarginLoss": T,
              "BCEWithLogitsLoss": B, "KLDivLoss": PROBS}.get(type(module).__name__, Y)
    module.double()
    np.testing.assert_allclose(module(x, target)._data, call(x)._data, rtol=1e-12)


def test_bce_loss_module_and_contrastive_module():
    np.testing.assert_allclose(nn.BCELoss(weight=W).double()(leaf(P), B)._data,
                               F.binary_cross_entropy(leaf(P), B, weight=W)._data)
    crit = nn.ContrastiveLoss(margin=2.0)
    assert repr(crit) == "ContrastiveLoss(margin=2.0)"
    np.testing.assert_allclose(crit(leaf(A1), leaf(A2), LABELS)._data,
                               F.contrastive_loss(leaf(A1), leaf(A2), LABELS, 2.0)._data)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_float32_losses_stay_float32():
    x = ag.tensor(X.astype(np.float32), requires_grad=True)
    for loss in (F.cross_entropy(x, T), F.mse_loss(x, Y), F.huber_loss(x, Y),
                 F.binary_cross_entropy_with_logits(x, B), F.multi_margin_loss(x, T)):
        assert loss.dtype == np.float32
        loss.backward()
        assert x.grad.dtype == np.float32
        x.grad = None


def test_a_target_that_broadcasts_beyond_the_input_gets_a_gradient_of_its_own_shape():
    x = leaf([0.3])
    y = leaf([0.2, 0.9, 0.5])
    from autograd_core.ops.registry import REGISTRY

    apply(REGISTRY["binary_cross_entropy"], (x, y), {"reduction": "sum"}).backward()
    np.testing.assert_allclose(y.grad._data, np.full(3, np.log1p(-0.3) - np.log(0.3)))
    y.grad = None
    apply(REGISTRY["binary_cross_entropy_with_logits"], (x, y, None, None),
          {"reduction": "sum"}).backward()
    np.testing.assert_allclose(y.grad._data, np.full(3, -0.3))
