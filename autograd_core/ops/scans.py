"""Scans along one axis and the lower median: `cumsum cumprod logcumsumexp linrec median
nanmedian`.

`linrec` is the first-order linear recurrence h_j = a_j h_{j-1} + b_j (h_{-1} = 0; with
`reverse`, h_j = a_j h_{j+1} + b_j, h_n = 0), computed in log2(n) vectorized steps. Its adjoint
is the same recurrence run the other way, so it closes under differentiation, and the rules of
cumprod and logcumsumexp are written with it: no division, so zeros in a cumprod's input and
long logcumsumexp runs stay exact.

The median over axes (`median`, `nanmedian`) is PyTorch's median without dim: the lower of
the two middle values; its gradient is split evenly between the elements equal to it.
"""

from __future__ import annotations

import numpy as np

from .reductions import _axes, _unreduce
from .registry import Spec, defop


def _cumsum(x, axis, reverse=False):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)
    return np.cumsum(x, axis=axis)


def _cumprod(x, axis):
    return np.cumprod(x, axis=axis)


def _logcumsumexp(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


def _linrec(a, b, axis, reverse=False):
    dtype = np.result_type(a, b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    coef = np.moveaxis(np.broadcast_to(a, shape), axis, -1)
    acc = np.moveaxis(np.broadcast_to(b, shape), axis, -1)
    if reverse:
        coef, acc = coef[..., ::-1], acc[..., ::-1]
    coef = coef.astype(dtype, copy=True)
    acc = acc.astype(dtype, copy=True)
    n = acc.shape[-1]
    step = 1
    # Hillis-Steele: after the step of size s, slot j holds the recurrence over the 2s slots
    # ending at j, as (product of the a's, accumulated b's)
    while step < n:
        acc[..., step:] += coef[..., step:] * acc[..., :-step]
        if 2 * step < n:
            coef[..., step:] = coef[..., step:] * coef[..., :-step]
        step *= 2
    if reverse:
        acc = acc[..., ::-1]
    return np.ascontiguousarray(np.moveaxis(acc, -1, axis))


def _shift(F, x, axis, toward_end, fill):
    """x moved one place along axis (toward_end: x_{j-1} lands at j), `fill` in the freed slot."""
    if x.shape[axis] == 0:
        return x
    keep = [slice(None)] * x.ndim
    keep[axis] = slice(None, -1) if toward_end else slice(1, None)
    width = [(0, 0)] * x.ndim
    width[axis] = (1, 0) if toward_end else (0, 1)
    return F.pad(F.getitem(x, index=tuple(keep)), pad_width=tuple(width), value=fill)


def _next_gap(F, out, axis):
    """out_j - out_{j+1} along axis, 0 in the last slot."""
    if out.shape[axis] == 0:
        return out
    head = [slice(None)] * out.ndim
    tail = [slice(None)] * out.ndim
    head[axis] = slice(None, -1)
    tail[axis] = slice(1, None)
    width = [(0, 0)] * out.ndim
    width[axis] = (0, 1)
    gap = F.getitem(out, index=tuple(head)) - F.getitem(out, index=tuple(tail))
    return F.pad(gap, pad_width=tuple(width), value=0.0)


def _linrec_adjoint(F, g, a, axis, reverse):
    """lambda with lambda_j = g_j + a_{j+1} lambda_{j+1} (reverse: a_{j-1} lambda_{j-1})."""
    return F.linrec(_shift(F, a, axis, reverse, 0.0), g, axis=axis, reverse=not reverse)


def _linrec_vjp_a(F, g, out, a, b, axis, reverse=False):
    lam = _linrec_adjoint(F, g, a, axis, reverse)
    return lam * _shift(F, out, axis, not reverse, 0.0)


def _linrec_vjp_b(F, g, out, a, b, axis, reverse=False):
    return _linrec_adjoint(F, g, a, axis, reverse)


def _cumprod_vjp(F, g, out, x, axis):
    # d out_i / d x_j = (prod_{k<j} x_k) (prod_{j<k<=i} x_k) for i >= j: the exclusive product
    # times a reverse recurrence, with no division by x
    exclusive = _shift(F, out, axis, True, 1.0)
    return exclusive * F.linrec(_shift(F, x, axis, False, 0.0), g, axis=axis, reverse=True)


def _logcumsumexp_vjp(F, g, out, x, axis):
    # sum_{i>=j} g_i exp(x_j - out_i) = exp(x_j - out_j) s_j with s_j = g_j + exp(out_j -
    # out_{j+1}) s_{j+1}; out is nondecreasing, so every factor is at most 1
    return F.exp(x - out) * F.linrec(F.exp(_next_gap(F, out, axis)), g, axis=axis,
                                     reverse=True)


def _flat_over(x, axis):
    """x with the reduced axes moved last and merged: (kept shape, (..., n) array)."""
    axes = _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    kept = tuple(x.shape[a] for a in rest)
    return kept, np.transpose(x, rest + list(axes)).reshape(kept + (-1,))


def _unflat(values, x, axis, keepdims):
    if keepdims:
        axes = _axes(axis, x.ndim)
        return values.reshape(tuple(1 if a in axes else n for a, n in enumerate(x.shape)))
    return values


def _median(x, axis=None, keepdims=False):
    kept, flat = _flat_over(x, axis)
    n = flat.shape[-1]
    mid = (n - 1) // 2
    low = np.partition(flat, mid, axis=-1)[..., mid]
    if flat.dtype.kind in "fc":
        low = np.where(np.isnan(flat).any(axis=-1), np.nan, low).astype(flat.dtype)
    return _unflat(np.asarray(low), x, axis, keepdims)


def _nanmedian(x, axis=None, keepdims=False):
    kept, flat = _flat_over(x, axis)
    if flat.dtype.kind not in "fc":
        return _median(x, axis, keepdims)
    count = (~np.isnan(flat)).sum(axis=-1, keepdims=True)
    pos = np.maximum((count - 1) // 2, 0)
    low = np.take_along_axis(np.sort(flat, axis=-1), pos, axis=-1)[..., 0]
    return _unflat(np.asarray(low), x, axis, keepdims)


defop("cumsum", _cumsum,
      lambda F, g, out, x, axis, reverse=False: F.cumsum(g, axis=axis, reverse=not reverse),
      spec=Spec("scan", params={"reverse": [False, True]}))
defop("cumprod", _cumprod, _cumprod_vjp, spec=Spec("scan", notes="zeros in the input"))
defop("logcumsumexp", _logcumsumexp, _logcumsumexp_vjp, spec=Spec("scan", domain=(-3.0, 3.0)))
defop("linrec", _linrec, _linrec_vjp_a, _linrec_vjp_b,
      spec=Spec("scan", nin=2, params={"reverse": [False, True]}))
def _median_vjp(F, g, out, x, axis=None, keepdims=False):
    """g split evenly between the elements equal to the median (the NaN ones when it is NaN)."""
    o = _unreduce(F, out, x, axis, keepdims)
    mask = (x == o) | ((x != x) & (o != o))
    count = F.sum(mask * 1.0, axis=axis, keepdims=True)
    return _unreduce(F, g, x, axis, keepdims) * mask / count


defop("median", _median, _median_vjp, spec=Spec("reduction", notes="ties split evenly"))
defop("nanmedian", _nanmedian, _median_vjp, spec=Spec("reduction", notes="ties split evenly"))
