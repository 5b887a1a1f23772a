"""Numerics at the edges: inputs of +-1000 and exactly 0, in float32 and float64.

Values must be finite (or the exact limit), gradients must be the ones PyTorch gives; the
closed forms below are written with the stable formulas and evaluated in float64, so the suite
stands without PyTorch. detect_anomaly must name the first op that produced NaN or inf and the
user's line that created it.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag

DTYPES = [np.float32, np.float64]
POINTS = np.array([-1000.0, -30.0, -1.0, 0.0, 1e-8, 1.0, 30.0, 1000.0])
VECTORS = [
    [1000.0, 0.0, -1000.0],
    [1000.0, 1000.0, 999.0],
    [-1000.0, -1000.0, -1000.0],
    [0.0, 0.0, 0.0],
    [-1000.0, 0.0, 1000.0, 1000.0],
]
WEIGHTS = np.array([0.7, -1.3, 2.0, 0.5])


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _lse(x):
    m = x.max()
    return m + np.log(np.exp(x - m).sum())


# name -> (engine function, value(x), gradient(x, w) of sum(f(x) * w))
ELEMENTWISE = {
    "sigmoid": (ag.sigmoid, _sigmoid, lambda x, w: w * _sigmoid(x) * _sigmoid(-x)),
    "tanh": (ag.tanh, np.tanh, lambda x, w: w * (1 - np.tanh(x) ** 2)),
    "softplus": (ag.softplus,
                 lambda x: np.where(x > 20, x, np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)),
                 lambda x, w: w * np.where(x > 20, 1.0, _sigmoid(x))),
}
VECTOR = {
    "softmax": (lambda t: ag.softmax(t, dim=-1),
                lambda x: np.exp(x - _lse(x)),
                lambda x, w: np.exp(x - _lse(x)) * (w - np.sum(w * np.exp(x - _lse(x))))),
    "log_softmax": (lambda t: ag.log_softmax(t, dim=-1),
                    lambda x: x - _lse(x),
                    lambda x, w: w - np.exp(x - _lse(x)) * w.sum()),
    "logsumexp": (lambda t: ag.logsumexp(t, dim=-1),
                  _lse,
                  lambda x, w: w * np.exp(x - _lse(x))),
}


def _value_and_grad(fn, x: np.ndarray, w: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    t = ag.tensor(x.astype(dtype), requires_grad=True)
    y = fn(t)
    assert y.dtype == dtype, f"{dtype.__name__} input gave a {y.dtype} result"
    (y * w.astype(dtype)).sum().backward()
    assert t.grad.dtype == dtype
    return y._data, t.grad._data


def _tol(dtype, x: np.ndarray | None = None) -> dict:
    """A few ulps, times the size of the inputs where a result inherits their rounding (the
    gradient of logsumexp at 1000 in float32 is exp(x - out), with out rounded at 1000)."""
    eps = float(np.finfo(dtype).eps)
    scale = 1.0 if x is None else max(1.0, float(np.abs(x).max()))
    return {"rtol": 16 * eps * scale, "atol": 16 * eps}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_at_extremes_match_closed_forms(name, dtype):
    fn, value, grad = ELEMENTWISE[name]
    w = np.resize(WEIGHTS, POINTS.shape)
    y, g = _value_and_grad(fn, POINTS, w, dtype)
    assert np.isfinite(y).all() and np.isfinite(g).all(), f"{name}: {y} / {g}"
    np.testing.assert_allclose(y, value(POINTS), **_tol(dtype))
    np.testing.assert_allclose(g, grad(POINTS, w), **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("vector", VECTORS, ids=str)
@pytest.mark.parametrize("name", sorted(VECTOR))
def test_softmax_family_at_extremes_match_closed_forms(name, vector, dtype):
    fn, value, grad = VECTOR[name]
    x = np.array(vector)
    w = WEIGHTS[: x.size] if name != "logsumexp" else np.array(1.7)
    y, g = _value_and_grad(fn, x, w, dtype)
    assert np.isfinite(y).all() and np.isfinite(g).all(), f"{name}{vector}: {y} / {g}"
    np.testing.assert_allclose(y, value(x), **_tol(dtype, x))
    np.testing.assert_allclose(g, grad(x, w), **_tol(dtype, x))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_second_derivatives_at_extremes_are_finite(dtype):
    fns = [f for f, _, _ in ELEMENTWISE.values()] + [f for f, _, _ in VECTOR.values()]
    for fn in fns:
        x = ag.tensor(POINTS.astype(dtype), requires_grad=True)
        (g,) = ag.autograd.grad(fn(x).sum(), [x], create_graph=True)
        (h,) = ag.autograd.grad((g * g).sum(), [x], allow_unused=True)
        assert h is None or np.isfinite(h._data).all(), f"{fn}: second derivative {h}"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_extremes_match_pytorch(dtype):
    torch = pytest.importorskip("torch")
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    pairs = [(ag.sigmoid, torch.sigmoid), (ag.tanh, torch.tanh),
             (ag.softplus, torch.nn.functional.softplus),
             (lambda t: ag.softmax(t, dim=-1), lambda t: torch.softmax(t, dim=-1)),
             (lambda t: ag.log_softmax(t, dim=-1), lambda t: torch.log_softmax(t, dim=-1)),
             (lambda t: ag.logsumexp(t, dim=-1), lambda t: torch.logsumexp(t, dim=-1))]
    inputs = [POINTS] + [np.array(v) for v in VECTORS]
    for mine_fn, torch_fn in pairs:
        for x in inputs:
            w = np.resize(WEIGHTS, x.shape)
            t = ag.tensor(x.astype(dtype), requires_grad=True)
            y = mine_fn(t)
            (y * np.resize(w, y.shape).astype(dtype)).sum().backward()
            tt = torch.tensor(x, dtype=tdtype, requires_grad=True)
            yt = torch_fn(tt)
            (yt * torch.tensor(np.resize(w, tuple(yt.shape)), dtype=tdtype)).sum().backward()
            np.testing.assert_allclose(y._data, yt.detach().numpy(), **_tol(dtype))
            np.testing.assert_allclose(t.grad._data, tt.grad.numpy(), **_tol(dtype))


# -- losses at the edges ---------------------------------------------------------------------------
def _nnf():
    import nn.functional

    return nn.functional


P = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30])
Y = np.array([0.0, 1.0, 1.0, 0.0, 0.3, 1.0])


def _bce_closed_form(p, y):
    """PyTorch's: each log clamped at -100; gradient (p - y) / max(p (1 - p), 1e-12)."""
    with np.errstate(divide="ignore"):
        loss = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    grad = (p - y) / np.maximum(p * (1 - p), 1e-12)
    return loss, grad


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_bce_on_probabilities_exactly_0_and_1(dtype):
    Fn = _nnf()
    p = ag.tensor(P.astype(dtype), requires_grad=True)
    loss = Fn.binary_cross_entropy(p, ag.tensor(Y.astype(dtype)), reduction="none")
    loss.sum().backward()
    want_loss, want_grad = _bce_closed_form(P.astype(dtype).astype(np.float64), Y)
    assert np.isfinite(loss._data).all() and np.isfinite(p.grad._data).all()
    np.testing.assert_allclose(loss._data, want_loss, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(p.grad._data, want_grad, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_bce_with_logits_at_extremes(dtype):
    Fn = _nnf()
    x = POINTS
    y = np.resize([0.0, 1.0, 0.25], x.shape)
    t = ag.tensor(x.astype(dtype), requires_grad=True)
    loss = Fn.binary_cross_entropy_with_logits(t, ag.tensor(y.astype(dtype)), reduction="none")
    loss.sum().backward()
    want = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
    assert np.isfinite(loss._data).all() and np.isfinite(t.grad._data).all()
    np.testing.assert_allclose(loss._data, want, **_tol(dtype))
    np.testing.assert_allclose(t.grad._data, _sigmoid(x) - y, **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_cross_entropy_at_extreme_logits(dtype):
    Fn = _nnf()
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0],
                       [1000.0, 1000.0, -1000.0], [0.0, 0.0, 0.0]])
    target = np.array([1, 2, 0, 1])
    t = ag.tensor(logits.astype(dtype), requires_grad=True)
    loss = Fn.cross_entropy(t, ag.tensor(target))
    loss.backward()
    lse = np.array([_lse(r) for r in logits])
    want = np.mean(lse - logits[np.arange(4), target])
    soft = np.exp(logits - lse[:, None])
    soft[np.arange(4), target] -= 1
    assert np.isfinite(loss.item()) and np.isfinite(t.grad._data).all()
    np.testing.assert_allclose(loss.item(), want, rtol=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(t.grad._data, soft / 4, **_tol(dtype, logits))


LOGITS = np.array([-1000.0, -30.0, 0.0, 1e-8, 30.0, 1000.0])
CE_LOGITS = np.array([1000.0, -1000.0, 0.0, -1000.0, -1000.0, 1000.0])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("loss", ["bce", "bce_with_logits", "cross_entropy"])
def test_losses_at_the_edges_match_pytorch(loss, dtype):
    torch = pytest.importorskip("torch")
    Fn = _nnf()
    TF = torch.nn.functional
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    if loss == "bce":
        x = P
        mine = lambda a: Fn.binary_cross_entropy(a, ag.tensor(Y.astype(dtype)))  # noqa: E731
        theirs = lambda a: TF.binary_cross_entropy(a, torch.tensor(Y, dtype=tdtype))  # noqa: E731
    elif loss == "bce_with_logits":
        x = LOGITS
        y = np.resize([0.0, 1.0, 0.25], x.shape)
        mine = lambda a: Fn.binary_cross_entropy_with_logits(  # noqa: E731
            a, ag.tensor(y.astype(dtype)))
        theirs = lambda a: TF.binary_cross_entropy_with_logits(  # noqa: E731
            a, torch.tensor(y, dtype=tdtype))
    else:
        x = CE_LOGITS
        mine = lambda a: Fn.cross_entropy(a.reshape(2, 3), ag.tensor(np.array([2, 0])))  # noqa: E731
        theirs = lambda a: TF.cross_entropy(a.reshape(2, 3), torch.tensor([2, 0]))  # noqa: E731
    t = ag.tensor(x.astype(dtype), requires_grad=True)
    out = mine(t)
    out.backward()
    tt = torch.tensor(x, dtype=tdtype, requires_grad=True)
    ref = theirs(tt)
    ref.backward()
    np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-6)
    np.testing.assert_allclose(t.grad._data, tt.grad.numpy(), rtol=1e-5, atol=1e-7)


# -- detect_anomaly ------------------------------------------------------------------------------
HERE = Path(__file__).name


def _next_line() -> int:
    return inspect.currentframe().f_back.f_lineno + 1


def test_anomaly_names_the_forward_op_and_the_users_line():
    x = ag.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(FloatingPointError) as err, ag.detect_anomaly(), np.errstate(all="ignore"):
        y = x * 2.0
        line = _next_line()
        z = ag.log(y)  # log(-2): the first NaN
        ag.sqrt(z)  # would be NaN as well, but never runs
    msg = str(err.value)
    assert "'log'" in msg and "nan" in msg and "forward" in msg, msg
    assert f'{HERE}", line {line}' in msg, msg


def test_anomaly_names_the_first_backward_op_that_made_inf():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(FloatingPointError) as err, ag.detect_anomaly(), np.errstate(all="ignore"):
        a = x * 1.0
        line = _next_line()
        b = ag.sqrt(a)  # finite forward; d/da sqrt(a) = inf at 0
        (b * 3.0).sum().backward()
    msg = str(err.value)
    assert "'sqrt'" in msg and "backward" in msg and "inf" in msg, msg
    assert "'mul'" not in msg  # mul's backward sees the inf later; sqrt made it
    assert f'{HERE}", line {line}' in msg, msg
    assert x.grad is None  # nothing was accumulated


def test_without_anomaly_mode_nan_flows_silently():
    x = ag.tensor([1.0, -1.0], requires_grad=True)
    with np.errstate(invalid="ignore"):
        ag.log(x).sum().backward()
    assert np.isnan(x.grad._data).sum() == 0 and np.isnan(ag.log(x.detach())._data).sum() == 1


def test_anomaly_inside_nn_points_at_the_users_line():
    import nn

    layer = nn.Linear(2, 2)
    x = ag.tensor(np.array([[1.0, np.nan]], dtype=np.float32))
    with pytest.raises(FloatingPointError) as err, ag.detect_anomaly():
        line = _next_line()
        layer(x)
    assert f'{HERE}", line {line}' in str(err.value), str(err.value)
