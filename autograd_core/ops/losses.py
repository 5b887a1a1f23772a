"""Fused loss primitives: each loss is one graph node instead of five to ten, because per-op
overhead dominates the cost of training small models. Forwards use the numerically stable form
(log-softmax, softplus through logaddexp); rules are written against F like every other op, so
the losses are differentiable to any order.

Every op takes `reduction` ('none', 'sum' or 'mean'); the rules scale the incoming gradient
back to the elementwise shape with `_spread`.
"""

from __future__ import annotations

import math

import numpy as np

from .nn_ops import _log_softmax, _softmax
from .registry import Spec, defhelper, defop

REDUCTIONS = ("none", "sum", "mean")


def _reduce(per, reduction, divisor=None):
    if reduction == "none":
        return per
    total = per.sum()
    if reduction == "sum":
        return np.asarray(total)
    n = per.size if divisor is None else divisor
    if n:  # errstate costs microseconds, which a small model's step feels
        return np.asarray(total / np.asarray(n, dtype=per.dtype))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(total / np.asarray(n, dtype=per.dtype))


def _spread(g, reduction, size):
    """The gradient of the reduction: g itself, or g / size for the mean."""
    if reduction == "mean":
        return g * (1.0 / size) if size else g * np.nan
    return g


def _shape(*arrays):
    shapes = [tuple(np.shape(a)) for a in arrays if a is not None]
    first = shapes[0]
    for s in shapes:
        if s != first:
            return np.broadcast_shapes(*shapes)
    return first  # the usual case, without NumPy's general broadcasting in Python


def _size(*arrays):
    return math.prod(_shape(*arrays))


def _to_shape(F, r, *arrays):
    """A rule result broadcast to the op's elementwise shape, so that an input that broadcasts
    beyond the others gets a gradient it can be summed back from."""
    shape = _shape(*arrays)
    return r if tuple(r.shape) == shape else F.broadcast_to(r, shape=shape)


# --- softmax cross-entropy against a target distribution q ------------------------------------
# loss_i = -sum_c q_ic * log_softmax(x)_ic. Class-index targets, class weights, ignore_index and
# label smoothing all become a (weighted, possibly zero) q built by nn.functional; 'mean'
# divides by `divisor` (PyTorch's weight sum over the kept targets, or the batch size).
def _softmax_cross_entropy(x, q, axis, reduction="mean", divisor=None):
    logp = _log_softmax(x, axis)
    terms = q * logp
    if not np.isfinite(logp).all():  # -inf logits where q is 0 contribute 0, not nan
        terms = np.where(q == 0, 0, terms)
    per = -np.sum(terms, axis=axis)
    return _reduce(per, reduction, divisor)


def _ce_spread(F, g, x, axis, reduction, divisor):
    if reduction == "none":
        shape = list(x.shape)
        shape[axis] = 1
        return F.reshape(g, shape=tuple(shape))
    if reduction == "mean":
        n = int(math.prod(x.shape)) // x.shape[axis] if divisor is None else divisor
        return g * (1.0 / n) if n else g * np.nan
    return g


def _ce_vjp_x(F, g, out, x, q, axis, reduction="mean", divisor=None):
    gb = _ce_spread(F, g, x, axis, reduction, divisor)
    p = F.softmax(x, axis=axis)
    return gb * (p * F.sum(q, axis=axis, keepdims=True) - q)


def _ce_vjp_q(F, g, out, x, q, axis, reduction="mean", divisor=None):
    return -_ce_spread(F, g, x, axis, reduction, divisor) * F.log_softmax(x, axis=axis)


# --- softmax cross-entropy against class indices ---------------------------------------------
# The common case of a classifier's loss, (N, C) logits and N class indices, without the dense
# one-hot target of the general op: the forward gathers one log-probability per row and the
# rule subtracts 1 at the target of each row of the softmax, as hand-written code does.
def _ce_index(x, target, reduction="mean"):
    logp = _log_softmax(x, 1)
    return _reduce(-logp[np.arange(x.shape[0]), target], reduction)


def _softmax_minus_onehot(x, target):
    p = _softmax(x, 1)
    p[np.arange(x.shape[0]), target] -= 1
    return p


def _softmax_minus_onehot_tensor(x, target):
    onehot = np.zeros(x.shape, dtype=x.dtype)
    onehot[np.arange(x.shape[0]), np.asarray(target)] = 1
    return x.softmax(1) - onehot


def _ce_index_vjp(F, g, out, x, target, reduction="mean"):
    if reduction == "none":
        g = F.reshape(g, shape=(-1, 1))
    elif reduction == "mean":
        g = g * (1.0 / x.shape[0])
    return g * F.softmax_minus_onehot(x, target)


# --- mean squared error and Huber -------------------------------------------------------------
def _mse_loss(x, y, reduction="mean"):
    d = x - y
    return _reduce(d * d, reduction)


def _mse_vjp(F, g, out, x, y, reduction="mean"):
    return _spread(g, reduction, _size(x, y)) * ((x - y) * 2.0)


def _huber_loss(x, y, delta=1.0, reduction="mean"):
    d = x - y
    a = np.abs(d)
    per = np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(per, reduction)


def _huber_vjp(F, g, out, x, y, delta=1.0, reduction="mean"):
    return _spread(g, reduction, _size(x, y)) * F.clip(x - y, min=-delta, max=delta)


# --- binary cross-entropy on probabilities (logs clamped at -100, as PyTorch) ------------------
def _bce(x, y, weight=None, reduction="mean"):
    if x.size and (np.min(x) < 0 or np.max(x) > 1):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), -100.0)
        log_1mx = np.maximum(np.log1p(-x), -100.0)
    per = -(y * log_x + (1 - y) * log_1mx)
    if weight is not None:
        per = per * weight
    return _reduce(per, reduction)


def _bce_vjp_x(F, g, out, x, y, weight=None, reduction="mean"):
    # PyTorch's gradient: (x - y) / max(x (1 - x), 1e-12), finite at x = 0 and x = 1
    gx = _spread(g, reduction, _size(x, y, weight)) * (x - y) / F.maximum(x * (1 - x), 1e-12)
    return gx if weight is None else gx * weight


def _bce_vjp_y(F, g, out, x, y, weight=None, reduction="mean"):
    gy = _spread(g, reduction, _size(x, y, weight)) * (F.log1p(-x) - F.log(x))
    # the formula holds no y: widen it to the broadcast shape when y is the larger operand
    return _to_shape(F, gy if weight is None else gy * weight, x, y, weight)


# --- binary cross-entropy on logits: (1 - y) x + lw * softplus(-x), lw = 1 + (pos_weight - 1) y
def _softplus_neg(x):
    return np.logaddexp(0, -x)


def _bce_logits(x, y, weight=None, pos_weight=None, reduction="mean"):
    sp = _softplus_neg(x)
    if pos_weight is None:
        per = (1 - y) * x + sp
    else:
        per = (1 - y) * x + (1 + (pos_weight - 1) * y) * sp
    if weight is not None:
        per = per * weight
    return _reduce(per, reduction)


def _sp_neg(F, x):
    return F.softplus(-x, beta=1.0, threshold=np.inf)


def _bce_logits_spread(F, g, x, y, weight, pos_weight, reduction):
    gb = _spread(g, reduction, _size(x, y, weight, pos_weight))
    return gb if weight is None else gb * weight


def _bce_logits_vjp_x(F, g, out, x, y, weight=None, pos_weight=None, reduction="mean"):
    gb = _bce_logits_spread(F, g, x, y, weight, pos_weight, reduction)
    s = F.sigmoid(-x)
    if pos_weight is None:
        return gb * ((1 - y) - s)
    return gb * ((1 - y) - (1 + (pos_weight - 1) * y) * s)


def _bce_logits_vjp_y(F, g, out, x, y, weight=None, pos_weight=None, reduction="mean"):
    gb = _bce_logits_spread(F, g, x, y, weight, pos_weight, reduction)
    if pos_weight is None:
        return _to_shape(F, gb * -x, x, y, weight)
    return _to_shape(F, gb * ((pos_weight - 1) * _sp_neg(F, x) - x), x, y, weight, pos_weight)


def _bce_logits_vjp_w(F, g, out, x, y, weight=None, pos_weight=None, reduction="mean"):
    gb = _spread(g, reduction, _size(x, y, weight, pos_weight))
    sp = _sp_neg(F, x)
    lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
    return gb * ((1 - y) * x + lw * sp)


def _bce_logits_vjp_pw(F, g, out, x, y, weight=None, pos_weight=None, reduction="mean"):
    gb = _bce_logits_spread(F, g, x, y, weight, pos_weight, reduction)
    return gb * y * _sp_neg(F, x)


_RED = {"reduction": list(REDUCTIONS)}

defop("softmax_cross_entropy", _softmax_cross_entropy, _ce_vjp_x, _ce_vjp_q,
      spec=Spec("softmax_cross_entropy", nin=2,
                params={"axis": [1], "reduction": list(REDUCTIONS), "divisor": [None, 2.5]},
                notes="x: logits (N, C); q: a nonnegative target distribution of x's shape"))
defhelper("softmax_minus_onehot", _softmax_minus_onehot, _softmax_minus_onehot_tensor)
defop("cross_entropy_index", _ce_index, _ce_index_vjp, None,
      spec=Spec("cross_entropy_index", params={"reduction": list(REDUCTIONS)},
                notes="x: logits (N, C); target: N class indices in [0, C)"))
defop("mse_loss", _mse_loss, _mse_vjp,
      lambda F, g, out, x, y, reduction="mean": -_mse_vjp(F, g, out, x, y, reduction),
      spec=Spec("pointwise_loss", nin=2, params=_RED))
defop("huber_loss", _huber_loss, _huber_vjp,
      lambda F, g, out, x, y, delta=1.0, reduction="mean":
          -_huber_vjp(F, g, out, x, y, delta, reduction),
      spec=Spec("pointwise_loss", nin=2, params={"delta": [1.0, 0.5], **_RED},
                notes="kinks where |x - y| = delta"))
defop("binary_cross_entropy", _bce, _bce_vjp_x, _bce_vjp_y, None,
      spec=Spec("pointwise_loss", domain=((0.05, 0.95), (0.0, 1.0)), nin=2, params=_RED,
                notes="input 2 (weight) is a constant"))
defop("binary_cross_entropy_with_logits", _bce_logits, _bce_logits_vjp_x, _bce_logits_vjp_y,
      _bce_logits_vjp_w, _bce_logits_vjp_pw,
      spec=Spec("bce_with_logits", domain=((-3.0, 3.0), (0.0, 1.0), (0.5, 2.0), (0.5, 2.0)),
                nin=4, params=_RED,
                notes="x, y of one shape; weight and pos_weight broadcast against them"))
