"""Elementwise primitives. Each line pair: the forward on arrays, then one VJP rule per input.

Subgradients at kinks follow PyTorch: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope,
clamp passes the gradient where min <= x <= max (bounds included), maximum/minimum split it
evenly between equal inputs.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype
from .registry import Spec, defop

U = Spec("elementwise")  # unary on any real input
B = Spec("elementwise", nin=2)


def _sigmoid(x):
    # 1 / (1 + exp(-x)) keeps full relative precision in both tails; exp overflowing to inf
    # for x << 0 gives exactly 0, the right limit, so the overflow warning is silenced
    if x.dtype.kind in "iub":
        x = x.astype(get_default_dtype())  # as in PyTorch: integers give the default float
    with np.errstate(over="ignore"):
        out = np.negative(x)
        out = np.exp(out, out=out) if out.__class__ is np.ndarray else np.exp(out)
        out += 1.0
        return np.reciprocal(out, out=out) if out.__class__ is np.ndarray else 1.0 / out


def _softplus(x, beta=1.0, threshold=20.0):
    bx = x * beta
    return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)


def _leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, x * negative_slope)


def _cast(x, dtype):
    return x.astype(dtype)


def _clip(x, min=None, max=None):
    return np.clip(x, min, max)


def _maximum_vjp(a_wins, F, g, out, a, b):
    share = F.where(a == b, g * 0.5, g)
    return F.where(a_wins(a, b), share, g * 0)


def _where(cond, a, b):
    return np.where(cond, a, b)


def _pow_scalar(x, exponent):
    return np.power(x, exponent)


def _pow_scalar_vjp(F, g, out, x, exponent):
    if exponent == 0:
        return g * 0
    if exponent == 1:
        return g
    if exponent == 2:
        return g * (x * 2)
    return g * (x ** (exponent - 1) * exponent)


def _pow_base_vjp(F, g, out, a, b):
    # d/da a**b = b * a**(b-1); zero where b == 0 (a**-1 would make 0 * inf at a == 0), and
    # that branch raises a**1 instead, so that no divide-by-zero warning comes from it
    return F.where(b == 0, g * 0, g * b * a ** F.where(b == 0, 1, b - 1))


def _pow_exp_vjp(F, g, out, a, b):
    # d/db a**b = a**b * log(a); PyTorch's choice: 0 where a == 0 and b >= 0
    safe = F.where(a == 0, 1, a)
    return F.where((a == 0) & (b >= 0), g * 0, g * out * F.log(safe))


# --- arithmetic -------------------------------------------------------------------------------
defop("neg", np.negative, lambda F, g, out, x: -g, spec=U)
defop("add", np.add, lambda F, g, out, a, b: g, lambda F, g, out, a, b: g, spec=B)
defop("sub", np.subtract, lambda F, g, out, a, b: g, lambda F, g, out, a, b: -g, spec=B)
defop("mul", np.multiply, lambda F, g, out, a, b: g * b, lambda F, g, out, a, b: g * a, spec=B)
def _div(a, b):
    out = np.true_divide(a, b)
    if _integral(a) and _integral(b):
        return out.astype(get_default_dtype())  # true division of integers, as in PyTorch
    return out


def _integral(v):
    return isinstance(v, (int, bool, np.integer)) or getattr(v, "dtype", None) is not None \
        and v.dtype.kind in "iub"


defop("div", _div,
      lambda F, g, out, a, b: g / b,
      lambda F, g, out, a, b: -g * ((a / b) / b),  # b * b over- and underflows
      spec=Spec("elementwise", domain=((-2.0, 2.0), (0.5, 2.0)), nin=2))
defop("pow", np.power, _pow_base_vjp, _pow_exp_vjp,
      spec=Spec("elementwise", domain=((0.5, 2.0), (-2.0, 2.0)), nin=2))
defop("pow_scalar", _pow_scalar, _pow_scalar_vjp,
      spec=Spec("elementwise", domain=(0.5, 2.0), params={"exponent": [0, 1, 2, 3, -1.5, 0.5]}))
defop("maximum", np.maximum,
      lambda F, g, out, a, b: _maximum_vjp(lambda x, y: x >= y, F, g, out, a, b),
      lambda F, g, out, a, b: _maximum_vjp(lambda x, y: x >= y, F, g, out, b, a),
      spec=Spec("elementwise", nin=2, notes="ties split evenly"))
defop("minimum", np.minimum,
      lambda F, g, out, a, b: _maximum_vjp(lambda x, y: x <= y, F, g, out, a, b),
      lambda F, g, out, a, b: _maximum_vjp(lambda x, y: x <= y, F, g, out, b, a),
      spec=Spec("elementwise", nin=2, notes="ties split evenly"))
defop("where", _where,
      None,
      lambda F, g, out, c, a, b: F.where(c, g, g * 0),
      lambda F, g, out, c, a, b: F.where(c, g * 0, g),
      spec=Spec("where", nin=2))

# --- transcendental ---------------------------------------------------------------------------
defop("exp", np.exp, lambda F, g, out, x: g * out, spec=U)
defop("log", np.log, lambda F, g, out, x: g / x, spec=Spec("elementwise", domain=(0.1, 3.0)))
defop("log1p", np.log1p, lambda F, g, out, x: g / (x + 1),
      spec=Spec("elementwise", domain=(-0.9, 3.0)))
defop("sqrt", np.sqrt, lambda F, g, out, x: g / (out * 2),
      spec=Spec("elementwise", domain=(0.1, 3.0)))
defop("sin", np.sin, lambda F, g, out, x: g * F.cos(x), spec=U)
defop("cos", np.cos, lambda F, g, out, x: -g * F.sin(x), spec=U)
defop("tan", np.tan, lambda F, g, out, x: g * (out * out + 1),
      spec=Spec("elementwise", domain=(-1.2, 1.2)))
defop("tanh", np.tanh, lambda F, g, out, x: g * (1 - out * out), spec=U)
defop("sigmoid", _sigmoid, lambda F, g, out, x: g * (out * (1 - out)), spec=U)
defop("softplus", _softplus,
      lambda F, g, out, x, beta=1.0, threshold=20.0:
          F.where(x * beta > threshold, g, g * F.sigmoid(x * beta)),
      spec=Spec("elementwise", params={"beta": [1.0, 2.0], "threshold": [20.0, 1.5]},
                notes="linear above threshold/beta, as in PyTorch"))

# --- piecewise (kinks: rules give PyTorch's subgradient there) --------------------------------
defop("relu", lambda x: np.maximum(x, 0),
      lambda F, g, out, x: g * (x > 0), spec=Spec("elementwise", notes="kink at 0"))
defop("leaky_relu", _leaky_relu,
      lambda F, g, out, x, negative_slope=0.01: F.where(x > 0, g, g * negative_slope),
      spec=Spec("elementwise", params={"negative_slope": [0.01, 0.2]}, notes="kink at 0"))
defop("abs", np.abs, lambda F, g, out, x: g * F.sign(x),
      spec=Spec("elementwise", notes="kink at 0"))
defop("clip", _clip,
      lambda F, g, out, x, min=None, max=None: g * _inside(x, min, max),
      spec=Spec("elementwise", params={"min": [-0.5, None], "max": [0.7]},
                notes="kinks at the bounds"))
defop("sign", np.sign, lambda F, g, out, x: g * 0, spec=U)
defop("cast", _cast, lambda F, g, out, x, dtype: F.cast(g, dtype=x.dtype),
      spec=Spec("elementwise", params={"dtype": [np.float64]}))


def _inside(x, lo, hi):
    if lo is None:
        return x <= hi
    if hi is None:
        return x >= lo
    return (x >= lo) & (x <= hi)


# --- inverse trigonometric and hyperbolic -----------------------------------------------------
defop("asin", np.arcsin, lambda F, g, out, x: g / F.sqrt(1 - x * x),
      spec=Spec("elementwise", domain=(-0.9, 0.9)))
defop("acos", np.arccos, lambda F, g, out, x: -g / F.sqrt(1 - x * x),
      spec=Spec("elementwise", domain=(-0.9, 0.9)))
defop("atan", np.arctan, lambda F, g, out, x: g / (x * x + 1), spec=U)
defop("sinh", np.sinh, lambda F, g, out, x: g * F.cosh(x), spec=U)
defop("cosh", np.cosh, lambda F, g, out, x: g * F.sinh(x), spec=U)
defop("asinh", np.arcsinh, lambda F, g, out, x: g / F.sqrt(x * x + 1), spec=U)
defop("acosh", np.arccosh, lambda F, g, out, x: g / F.sqrt((x - 1) * (x + 1)),
      spec=Spec("elementwise", domain=(1.1, 3.0)))
defop("atanh", np.arctanh, lambda F, g, out, x: g / (1 - x * x),
      spec=Spec("elementwise", domain=(-0.9, 0.9)))
defop("expm1", np.expm1, lambda F, g, out, x: g * (out + 1), spec=U)
defop("atan2", np.arctan2,
      lambda F, g, out, a, b: g * b / (a * a + b * b),
      lambda F, g, out, a, b: -g * a / (a * a + b * b),
      spec=Spec("elementwise", nin=2, notes="branch cut along a = 0, b < 0: a kink"))
defop("hypot", np.hypot,
      lambda F, g, out, a, b: g * a / out,
      lambda F, g, out, a, b: g * b / out,
      spec=Spec("elementwise", nin=2, notes="kink at a = b = 0"))
defop("logaddexp", np.logaddexp,
      lambda F, g, out, a, b: g * F.sigmoid(a - b),
      lambda F, g, out, a, b: g * F.sigmoid(b - a), spec=B)
_LN2 = float(np.log(2.0))
defop("logaddexp2", np.logaddexp2,
      lambda F, g, out, a, b: g * F.sigmoid((a - b) * _LN2),
      lambda F, g, out, a, b: g * F.sigmoid((b - a) * _LN2), spec=B)

# --- rounding: zero gradient, as in PyTorch ---------------------------------------------------
def _round(x, decimals=0):
    return np.round(x, decimals)


def _zero(F, g, out, x, **params):
    return g * 0


defop("floor", np.floor, _zero, spec=Spec("elementwise", notes="kink at each integer"))
defop("ceil", np.ceil, _zero, spec=Spec("elementwise", notes="kink at each integer"))
defop("trunc", np.trunc, _zero, spec=Spec("elementwise", notes="kink at each integer"))
defop("round", _round, _zero,
      spec=Spec("elementwise", params={"decimals": [0, 1]}, notes="kink at each half step"))


def _nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _finite(x):
    return (x > -np.inf) & (x < np.inf)


defop("nan_to_num", _nan_to_num,
      lambda F, g, out, x, **p: F.where(_finite(x), g, g * 0),
      spec=Spec("elementwise", params={"nan": [0.0], "posinf": [None, 1.0]}))

# --- remainders, signs, NaN-ignoring extrema --------------------------------------------------
defop("fmod", np.fmod,
      lambda F, g, out, a, b: g,
      lambda F, g, out, a, b: -g * F.trunc(a / b),
      spec=Spec("elementwise", domain=((-3.0, 3.0), (0.5, 2.0)), nin=2,
                notes="kink where a / b is an integer"))
defop("remainder", np.remainder,
      lambda F, g, out, a, b: g,
      lambda F, g, out, a, b: -g * F.floor(a / b),
      spec=Spec("elementwise", domain=((-3.0, 3.0), (0.5, 2.0)), nin=2,
                notes="kink where a / b is an integer"))
defop("copysign", np.copysign,
      lambda F, g, out, a, b: g * (F.sign(out) * F.sign(a)),  # +-1, and 0 where a == 0
      lambda F, g, out, a, b: g * 0,
      spec=Spec("elementwise", nin=2, notes="kink at a = 0 and b = 0"))


def _fmax_wins(a, b):
    return (a >= b) | (b != b)


def _fmin_wins(a, b):
    return (a <= b) | (b != b)


# ties: all of the gradient to the first input, as in PyTorch
defop("fmax", np.fmax,
      lambda F, g, out, a, b: F.where(_fmax_wins(a, b), g, g * 0),
      lambda F, g, out, a, b: F.where(_fmax_wins(a, b), g * 0, g),
      spec=Spec("elementwise", nin=2, notes="ties go to the first input"))
defop("fmin", np.fmin,
      lambda F, g, out, a, b: F.where(_fmin_wins(a, b), g, g * 0),
      lambda F, g, out, a, b: F.where(_fmin_wins(a, b), g * 0, g),
      spec=Spec("elementwise", nin=2, notes="ties go to the first input"))


def _lerp(start, end, weight):
    # PyTorch's two-sided form: exact at weight 0 and at weight 1
    diff = np.subtract(end, start)
    return np.where(np.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))


defop("lerp", _lerp,
      lambda F, g, out, s, e, w: g * (1 - w),
      lambda F, g, out, s, e, w: g * w,
      lambda F, g, out, s, e, w: g * (e - s),
      spec=Spec("elementwise", nin=3))

# --- powers and logarithms in other bases -----------------------------------------------------
_LN10 = float(np.log(10.0))


def _rsqrt(x):
    return np.reciprocal(np.sqrt(x))


defop("exp2", np.exp2, lambda F, g, out, x: g * out * _LN2, spec=U)
defop("log2", np.log2, lambda F, g, out, x: g / (x * _LN2),
      spec=Spec("elementwise", domain=(0.1, 3.0)))
defop("log10", np.log10, lambda F, g, out, x: g / (x * _LN10),
      spec=Spec("elementwise", domain=(0.1, 3.0)))
defop("rsqrt", _rsqrt, lambda F, g, out, x: g * (out * out * out) * -0.5,
      spec=Spec("elementwise", domain=(0.2, 3.0)))
