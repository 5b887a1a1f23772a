"""Reductions. Rules expand the gradient back over the reduced axes (`_unreduce`).

amax/amin split the gradient evenly between tied maxima (PyTorch's amax); the norm of a zero
vector has gradient 0, never NaN (PyTorch's choice).
"""

from __future__ import annotations

import numpy as np

from .registry import Spec, defhelper, defop

R = Spec("reduction")


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % max(ndim, 1) for a in axis)) if ndim else ()


def _unreduce(F, g, x, axis, keepdims):
    """g of the reduced shape -> broadcast over x's shape."""
    shape = x.shape
    if not keepdims and x.ndim:
        kept = list(shape)
        for a in _axes(axis, x.ndim):
            kept[a] = 1
        g = F.reshape(g, shape=tuple(kept))
    return F.broadcast_to(g, shape=shape)


def _count(shape, axis):
    n = 1
    for a in _axes(axis, len(shape)):
        n *= shape[a]
    return n


# ufunc.reduce directly: np.sum and friends add a Python-level dispatch to every call
def _sum(x, axis=None, keepdims=False):
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


def _mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


def _var(x, axis=None, correction=1, keepdims=False):
    return np.var(x, axis=axis, ddof=correction, keepdims=keepdims)


def _var_vjp(F, g, out, x, axis=None, correction=1, keepdims=False):
    n = _count(x.shape, axis)
    centered = x - F.mean(x, axis=axis, keepdims=True)
    # n <= correction: NumPy's (and PyTorch's) nan forward, and a nan gradient, not an error
    scale = 2.0 / (n - correction) if n > correction else np.nan
    return _unreduce(F, g, x, axis, keepdims) * centered * scale


def _prod(x, axis=None, keepdims=False):
    return np.multiply.reduce(x, axis=axis, keepdims=keepdims)


def _prod_others(x, axis):
    """Product of all other elements along the reduced axes, for each element (zeros allowed)."""
    if x.size == 0:  # nothing to differentiate; the reshapes below cannot infer a 0 size
        return np.zeros_like(x)
    axes = _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    xt = np.transpose(x, rest + list(axes))
    lead = xt.shape[: len(rest)]
    flat = xt.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(xt.shape)
    return np.transpose(others, np.argsort(rest + list(axes)))


def _prod_others_tensor(x, axis):
    """Differentiable version, from Tensor methods: row i of a (..., n, n) stack is x with its
    element i replaced by 1, and the product along each row is the product of the others."""
    if x._data.size == 0:
        return x * 0
    axes = _axes(axis, x.ndim)
    rest = [a for a in range(x.ndim) if a not in axes]
    perm = rest + list(axes)
    xt = x.permute(*perm)
    lead = xt.shape[: len(rest)]
    flat = xt.reshape(lead + (-1,))
    eye = np.eye(flat.shape[-1], dtype=x.dtype)
    others = (flat.unsqueeze(-2) * (1 - eye) + eye).prod(axis=-1)
    return others.reshape(xt.shape).permute(*np.argsort(perm).tolist())


defhelper("prod_others", _prod_others, _prod_others_tensor)


def _amax(x, axis=None, keepdims=False):
    return np.maximum.reduce(x, axis=axis, keepdims=keepdims)


def _amin(x, axis=None, keepdims=False):
    return np.minimum.reduce(x, axis=axis, keepdims=keepdims)


def _amax_vjp(F, g, out, x, axis=None, keepdims=False):
    o = _unreduce(F, out, x, axis, keepdims)
    mask = x == o
    count = F.sum(mask * 1.0, axis=axis, keepdims=True)
    return _unreduce(F, g, x, axis, keepdims) * mask / count


def _logsumexp(x, axis=None, keepdims=False):
    m = np.amax(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=_axes(axis, x.ndim)) if x.ndim else s


def _logsumexp_vjp(F, g, out, x, axis=None, keepdims=False):
    return _unreduce(F, g, x, axis, keepdims) * F.exp(x - _unreduce(F, out, x, axis, keepdims))


def _norm(x, p=2, axis=None, keepdims=False):
    a = np.abs(x)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
    if p == 1:
        return np.sum(a, axis=axis, keepdims=keepdims)
    if p == np.inf:
        return np.amax(a, axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return np.amin(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    return np.sum(a**p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _norm_vjp(F, g, out, x, p=2, axis=None, keepdims=False):
    gb = _unreduce(F, g, x, axis, keepdims)
    if p == 0:
        return gb * 0
    if p == 1:
        return gb * F.sign(x)
    ob = _unreduce(F, out, x, axis, keepdims)
    if p in (np.inf, -np.inf):
        a = F.abs(x)
        mask = a == ob
        count = F.sum(mask * 1.0, axis=axis, keepdims=True)
        return gb * F.sign(x) * mask / count
    # a zero norm gets gradient 0: divide by inf there instead of by 0
    safe = F.where(ob == 0, np.inf, ob)
    if p == 2:
        return gb * x / safe
    # sign(x) (|x| / norm)**(p-1), finite everywhere: zero elements get gradient 0 (sign 0)
    # for every p, including p < 1 where |x|**(p-1) alone would be inf
    ratio = F.where(x == 0, 1, F.abs(x)) / F.where(ob == 0, 1, ob)
    return gb * F.sign(x) * ratio ** (p - 1)


defop("sum", _sum, lambda F, g, out, x, axis=None, keepdims=False:
      _unreduce(F, g, x, axis, keepdims), spec=R)
defop("mean", _mean, lambda F, g, out, x, axis=None, keepdims=False:
      _unreduce(F, g, x, axis, keepdims) * (1.0 / max(_count(x.shape, axis), 1)), spec=R)
defop("var", _var, _var_vjp, spec=Spec("reduction", params={"correction": [0, 1]}))
defop("prod", _prod, lambda F, g, out, x, axis=None, keepdims=False:
      _unreduce(F, g, x, axis, keepdims) * F.prod_others(x, axis), spec=R)
defop("amax", _amax, _amax_vjp, spec=Spec("reduction", notes="ties split evenly"))
defop("amin", _amin, _amax_vjp, spec=Spec("reduction", notes="ties split evenly"))
defop("logsumexp", _logsumexp, _logsumexp_vjp, spec=R)
defop("norm", _norm, _norm_vjp,
      spec=Spec("reduction", params={"p": [2, 1, 3, np.inf, 0.5]},
                notes="gradient 0 at a zero vector"))
