"""Primitives of nn.functional whose gradient is not a product of existing rules: the
activations gelu (exact and tanh), mish, hardswish, hardsigmoid, softshrink, hardshrink; and
padding by reflection, replication or wrapping (`pad_mode`), whose adjoint (`pad_mode_adjoint`)
folds the gradient of each border strip back onto the entries it copies, by slices rather than
a scatter. The two are each other's adjoints, so every order of derivative is exact.

Subgradients at the kinks are PyTorch's: hardswish' is 0 at -3 and 1 at 3 (x / 3 + 1/2
strictly between), hardsigmoid' is 1/6 on the open interval (-3, 3), the shrinks pass the
gradient only where |x| > lambd.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import Spec, defop
from .special import erf

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)  # the tanh approximation's scale
_C = 0.044715


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(_K * (x + _C * x * x * x)))
    return 0.5 * x * (1.0 + erf(x * _SQRT_HALF))


def _gelu_vjp(F, g, out, x, approximate="none"):
    if approximate == "tanh":
        t = F.tanh((x + x * x * x * _C) * _K)
        du = (x * x * (3.0 * _C) + 1.0) * _K
        return g * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * du)
    cdf = (F.erf(x * _SQRT_HALF) + 1.0) * 0.5
    pdf = F.exp(x * x * -0.5) * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


def _softplus_inf(x):
    return np.logaddexp(0, x)


def _mish(x):
    return x * np.tanh(_softplus_inf(x))


def _mish_vjp(F, g, out, x):
    t = F.tanh(F.softplus(x, beta=1.0, threshold=np.inf))
    return g * (t + x * (1.0 - t * t) * F.sigmoid(x))


def _hardswish(x):
    return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0


def _hardswish_vjp(F, g, out, x):
    inner = g * (x * (1.0 / 3.0) + 0.5)
    return F.where(x <= -3.0, g * 0, F.where(x < 3.0, inner, g))


def _hardsigmoid(x):
    return np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def _hardsigmoid_vjp(F, g, out, x):
    return F.where((x > -3.0) & (x < 3.0), g * (1.0 / 6.0), g * 0)


def _softshrink(x, lambd=0.5):
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0))


def _hardshrink(x, lambd=0.5):
    return np.where((x > lambd) | (x < -lambd), x, x * 0)


def _shrink_vjp(F, g, out, x, lambd=0.5):
    return g * ((x > lambd) | (x < -lambd))


defop("gelu", _gelu, _gelu_vjp,
      spec=Spec("elementwise", domain=(-3.0, 3.0), params={"approximate": ["none", "tanh"]}))
defop("mish", _mish, _mish_vjp, spec=Spec("elementwise", domain=(-3.0, 3.0)))
defop("hardswish", _hardswish, _hardswish_vjp,
      spec=Spec("elementwise", domain=(-4.0, 4.0), notes="kinks at -3 and 3"))
defop("hardsigmoid", _hardsigmoid, _hardsigmoid_vjp,
      spec=Spec("elementwise", domain=(-4.0, 4.0), notes="kinks at -3 and 3"))
defop("softshrink", _softshrink, _shrink_vjp,
      spec=Spec("elementwise", params={"lambd": [0.5, 0.0, 1.2]},
                notes="kinks at -lambd and lambd"))
defop("hardshrink", _hardshrink, _shrink_vjp,
      spec=Spec("elementwise", params={"lambd": [0.5, 0.0, 1.2]},
                notes="kinks (jumps) at -lambd and lambd"))


# --- reflect, replicate and circular padding ---------------------------------------------------
def _along(ndim, axis, start, stop):
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def _pad_axis(x, axis, lo, hi, mode):
    n = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = n + lo + hi
    out = np.empty(shape, dtype=x.dtype)
    d = x.ndim
    out[_along(d, axis, lo, lo + n)] = x
    if mode == "reflect":  # the edge itself is not repeated
        left, right = np.flip(x[_along(d, axis, 1, lo + 1)], axis), \
            np.flip(x[_along(d, axis, n - 1 - hi, n - 1)], axis)
    elif mode == "replicate":
        left, right = x[_along(d, axis, 0, 1)], x[_along(d, axis, n - 1, n)]
    else:  # circular
        left, right = x[_along(d, axis, n - lo, n)], x[_along(d, axis, 0, hi)]
    if lo:
        out[_along(d, axis, 0, lo)] = left
    if hi:
        out[_along(d, axis, lo + n, lo + n + hi)] = right
    return out


def _unpad_axis(g, axis, lo, hi, mode):
    m = g.shape[axis]
    n = m - lo - hi
    d = g.ndim
    out = g[_along(d, axis, lo, lo + n)].copy()
    left, right = g[_along(d, axis, 0, lo)], g[_along(d, axis, lo + n, m)]
    if mode == "reflect":
        if lo:
            out[_along(d, axis, 1, lo + 1)] += np.flip(left, axis)
        if hi:
            out[_along(d, axis, n - 1 - hi, n - 1)] += np.flip(right, axis)
    elif mode == "replicate":
        if lo:
            out[_along(d, axis, 0, 1)] += left.sum(axis, keepdims=True)
        if hi:
            out[_along(d, axis, n - 1, n)] += right.sum(axis, keepdims=True)
    else:
        if lo:
            out[_along(d, axis, n - lo, n)] += left
        if hi:
            out[_along(d, axis, 0, hi)] += right
    return out


def _pad_mode(x, widths, mode):
    """x padded by (lo, hi) >= 0 per axis; reflect needs lo, hi < n, circular lo, hi <= n."""
    for axis, (lo, hi) in enumerate(widths):
        if lo or hi:
            x = _pad_axis(x, axis, lo, hi, mode)
    return x


def _pad_mode_adjoint(g, widths, mode):
    for axis in reversed(range(len(widths))):
        lo, hi = widths[axis]
        if lo or hi:
            g = _unpad_axis(g, axis, lo, hi, mode)
    return g


_MODES = {"mode": ["reflect", "replicate", "circular"]}
defop("pad_mode", _pad_mode,
      lambda F, g, out, x, widths, mode: F.pad_mode_adjoint(g, widths=widths, mode=mode),
      spec=Spec("pad_mode", params=_MODES))
defop("pad_mode_adjoint", _pad_mode_adjoint,
      lambda F, g, out, x, widths, mode: F.pad_mode(g, widths=widths, mode=mode),
      spec=Spec("pad_mode_adjoint", params=_MODES))
