"""Elementwise and special functions beyond the basic ones: inverse trigonometric and
hyperbolic functions, the error and gamma families, Bessel functions, rounding, remainders and
the binary functions (`ag.atan2`, `ag.lerp`, ...), with PyTorch's arguments and dtypes: a
floating result from integer inputs is in the default float dtype."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..arguments import ArgumentError, integer
from ..dtypes import get_default_dtype
from ..ops import REGISTRY as R
from ..tensor import Tensor, _leaf, _unary, _unary_float, apply
from ..tensor import ensure_tensor as _t

TensorLike = Any


def _unary_fn(name: str, floating: bool = True, public: str | None = None):
    op = R[name]
    run = _unary_float if floating else _unary

    def fn(input: TensorLike) -> Tensor:
        return run(op, _t(input))

    fn.__name__ = fn.__qualname__ = public or name
    fn.__code__ = fn.__code__.replace(co_name=fn.__name__, co_qualname=fn.__name__)
    fn.__doc__ = f"Elementwise {public or name}, differentiable (as torch.{public or name})."
    return fn


asin = arcsin = _unary_fn("asin")
acos = arccos = _unary_fn("acos")
atan = arctan = _unary_fn("atan")
sinh = _unary_fn("sinh")
cosh = _unary_fn("cosh")
asinh = arcsinh = _unary_fn("asinh")
acosh = arccosh = _unary_fn("acosh")
atanh = arctanh = _unary_fn("atanh")
expm1 = _unary_fn("expm1")
erf = _unary_fn("erf")
erfc = _unary_fn("erfc")
erfcx = _unary_fn("erfcx")
erfinv = _unary_fn("erfinv")
lgamma = _unary_fn("lgamma")
digamma = _unary_fn("digamma")
sinc = _unary_fn("sinc")
i0 = _unary_fn("i0")
i0e = _unary_fn("i0e")
i1 = _unary_fn("i1")
i1e = _unary_fn("i1e")
ndtri = _unary_fn("ndtri")
log_ndtr = _unary_fn("log_ndtr")
entr = _unary_fn("entr")
floor = _unary_fn("floor", floating=False)
ceil = _unary_fn("ceil", floating=False)
trunc = fix = _unary_fn("trunc", floating=False)


def expit(input: TensorLike) -> Tensor:
    """The logistic sigmoid (torch.special.expit)."""
    return _unary_float(R["sigmoid"], _t(input))


def ndtr(input: TensorLike) -> Tensor:
    """The standard normal CDF: erfc(-x / sqrt(2)) / 2."""
    return erfc(_float(_t(input)) * -math.sqrt(0.5)) * 0.5


def round(input: TensorLike, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Rounds half to even (to `decimals` places); zero gradient, as in PyTorch."""
    return _unary(R["round"], _t(input), decimals=int(decimals))


def frac(input: TensorLike) -> Tensor:
    """x - trunc(x), with the sign of x; gradient 1."""
    x = _t(input)
    if x.dtype.kind in "biu":
        raise TypeError(f"frac: not implemented for integer dtype {x.dtype}")
    return x - trunc(x)


def nan_to_num(input: TensorLike, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced (by 0 and the dtype's largest and lowest finite values
    unless given); the gradient passes where the input is finite."""
    return _unary(R["nan_to_num"], _t(input), nan=float(nan),
                  posinf=None if posinf is None else float(posinf),
                  neginf=None if neginf is None else float(neginf))


def _float(x: Tensor) -> Tensor:
    if x.dtype.kind in "biu":
        return _leaf(x._data.astype(get_default_dtype()))  # an integer Tensor has no grad
    return x


def deg2rad(input: TensorLike) -> Tensor:
    return _float(_t(input)) * (math.pi / 180.0)


def rad2deg(input: TensorLike) -> Tensor:
    return _float(_t(input)) * (180.0 / math.pi)


def polygamma(n: int, input: TensorLike) -> Tensor:
    """The n-th derivative of digamma (n >= 0)."""
    n = integer(n, "n", "polygamma")
    if n < 0:
        raise ArgumentError(f"polygamma: n must be a nonnegative integer, got {n!r}")
    x = _float(_t(input))
    if n == 0:
        return _unary(R["digamma"], x)
    return _unary(R["polygamma"], x, n=int(n))


def logit(input: TensorLike, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given (zero gradient
    outside)."""
    return _unary(R["logit"], _float(_t(input)), eps=None if eps is None else float(eps))


# -- binary ---------------------------------------------------------------------------------
def _integral(v: Any) -> bool:
    if isinstance(v, Tensor):
        return v.dtype.kind in "biu"
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "biu"
    return isinstance(v, (int, bool, np.integer, np.bool_))


def _floated(v: Any) -> Any:
    if isinstance(v, Tensor):
        return _float(v)
    if isinstance(v, np.ndarray):
        return v.astype(get_default_dtype())
    return float(v)


def _binary(name: str, a: Any, b: Any, floating: bool) -> Tensor:
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = _t(a)
    if floating and _integral(a) and _integral(b):
        a, b = _floated(a), _floated(b)
    return apply(R[name], (a, b), {}, promote=(0, 1))


def atan2(input: TensorLike, other: TensorLike) -> Tensor:
    return _binary("atan2", input, other, True)


arctan2 = atan2


def hypot(input: TensorLike, other: TensorLike) -> Tensor:
    return _binary("hypot", input, other, True)


def logaddexp(input: TensorLike, other: TensorLike) -> Tensor:
    return _binary("logaddexp", input, other, True)


def logaddexp2(input: TensorLike, other: TensorLike) -> Tensor:
    return _binary("logaddexp2", input, other, True)


def copysign(input: TensorLike, other: TensorLike) -> Tensor:
    return _binary("copysign", input, other, True)


def xlogy(input: TensorLike, other: TensorLike) -> Tensor:
    """x * log(y), 0 where x == 0 (unless y is NaN)."""
    return _binary("xlogy", input, other, True)


def xlog1py(input: TensorLike, other: TensorLike) -> Tensor:
    """x * log1p(y), 0 where x == 0 (unless y is NaN)."""
    return _binary("xlog1py", input, other, True)


def fmod(input: TensorLike, other: TensorLike) -> Tensor:
    """The remainder of the division rounded toward zero (the sign of the dividend)."""
    return _binary("fmod", input, other, False)


def remainder(input: TensorLike, other: TensorLike) -> Tensor:
    """The remainder of the division rounded down (the sign of the divisor)."""
    return _binary("remainder", input, other, False)


def fmax(input: TensorLike, other: TensorLike) -> Tensor:
    """Elementwise maximum that ignores NaN; ties give the gradient to input."""
    return _binary("fmax", input, other, False)


def fmin(input: TensorLike, other: TensorLike) -> Tensor:
    """Elementwise minimum that ignores NaN; ties give the gradient to input."""
    return _binary("fmin", input, other, False)


def float_power(input: TensorLike, exponent: TensorLike) -> Tensor:
    """input ** exponent computed in float64, as in PyTorch."""
    def wide(v: Any) -> Any:
        if isinstance(v, Tensor):
            return v if v.dtype == np.float64 else apply(R["cast"], (v,), {"dtype": np.float64})
        if isinstance(v, np.ndarray):
            return _t(v.astype(np.float64))
        if isinstance(v, (int, float, np.number)):
            return float(v)
        return wide(_t(v))

    a, b = wide(input), wide(exponent)
    if not isinstance(a, Tensor):
        return b.__rpow__(a)
    return a ** b


def lerp(input: TensorLike, end: TensorLike, weight: TensorLike) -> Tensor:
    """input + weight * (end - input), in PyTorch's form that is exact at both ends."""
    return apply(R["lerp"], (_t(input), end, weight), {}, promote=(0, 1, 2))


def addcmul(input: TensorLike, tensor1: TensorLike, tensor2: TensorLike, *,
            value: float = 1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    prod = _t(tensor1) * tensor2
    return _t(input) + (prod if value == 1 else prod * value)


def addcdiv(input: TensorLike, tensor1: TensorLike, tensor2: TensorLike, *,
            value: float = 1) -> Tensor:
    """input + value * tensor1 / tensor2."""
    quot = _t(tensor1) / tensor2
    return _t(input) + (quot if value == 1 else quot * value)


__all__ = [
    "acos", "acosh", "addcdiv", "addcmul", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "copysign",
    "cosh", "deg2rad", "digamma", "erf", "erfc", "erfinv", "expm1", "fix", "float_power",
    "floor", "fmax", "fmin", "fmod", "frac", "hypot", "i0", "lerp", "lgamma", "logaddexp",
    "logaddexp2", "logit", "nan_to_num", "polygamma", "rad2deg", "remainder", "round", "sinc",
    "sinh", "trunc", "xlogy",
]
