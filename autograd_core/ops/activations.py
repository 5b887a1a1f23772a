"""Activation primitives of nn.functional whose gradient is not a product of existing rules:
gelu (exact and tanh), mish, hardswish, hardsigmoid, softshrink, hardshrink.

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
