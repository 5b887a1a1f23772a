"""Elementwise math: `ag.exp(x)`, `ag.clamp(x, 0, 1)`, `ag.where(c, x, y)`, the arithmetic
functions behind the operators, and the tests that carry no gradient (`isnan`, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import REGISTRY as R
from ..scalar import Scalar
from ..scalar import unary as scalar_unary
from ..tensor import Tensor, _leaf, _unary, _unary_float, apply
from ..tensor import ensure_tensor as _t

TensorLike = Any

def _unary_fn(name: str, floating: bool = False):
    op = R[name]
    run = _unary_float if floating else _unary
    on_float = scalar_unary(name)

    def fn(input: TensorLike) -> Tensor:
        if input.__class__ is Scalar:
            return on_float(input)
        return run(op, _t(input))

    fn.__name__ = fn.__qualname__ = name
    fn.__code__ = fn.__code__.replace(co_name=name, co_qualname=name)  # named in errors
    fn.__doc__ = f"Elementwise {name}, differentiable."
    return fn


exp = _unary_fn("exp", floating=True)
log = _unary_fn("log", floating=True)
log1p = _unary_fn("log1p", floating=True)
sqrt = _unary_fn("sqrt", floating=True)
sin = _unary_fn("sin", floating=True)
cos = _unary_fn("cos", floating=True)
tan = _unary_fn("tan", floating=True)
tanh = _unary_fn("tanh", floating=True)
sigmoid = _unary_fn("sigmoid")
relu = _unary_fn("relu")
abs = _unary_fn("abs")  # noqa: A001
sign = _unary_fn("sign")
neg = _unary_fn("neg")
negative = neg


def square(input: TensorLike) -> Tensor:
    return _unary(R["pow_scalar"], _t(input), exponent=2)


def reciprocal(input: TensorLike) -> Tensor:
    return 1.0 / _t(input)


rsqrt = _unary_fn("rsqrt", floating=True)
exp2 = _unary_fn("exp2", floating=True)
log2 = _unary_fn("log2", floating=True)
log10 = _unary_fn("log10", floating=True)


def leaky_relu(input: TensorLike, negative_slope: float = 0.01) -> Tensor:
    return _unary(R["leaky_relu"], _t(input), negative_slope=float(negative_slope))


def softplus(input: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _unary(R["softplus"], _t(input), beta=float(beta), threshold=float(threshold))


def clamp(input: TensorLike, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clips to [min, max]; Tensor bounds get gradients (clamp_tensor, PyTorch's choices)."""
    x = _t(input)
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # PyTorch's gradients: x where min <= x <= max, min where x < min < max, max where
        # x > max or max < min (the result is then max)
        bounds = (x, min, max)
        return apply(R["clamp_tensor"], bounds, {},
                     promote=tuple(i for i, b in enumerate(bounds) if b is not None))
    return _unary(R["clip"], x, min=min, max=max)


clip = clamp


def add(input: TensorLike, other: TensorLike, alpha: float = 1) -> Tensor:
    return _t(input) + (other if alpha == 1 else other * alpha)


def sub(input: TensorLike, other: TensorLike, alpha: float = 1) -> Tensor:
    return _t(input) - (other if alpha == 1 else other * alpha)


subtract = sub


def mul(input: TensorLike, other: TensorLike) -> Tensor:
    return _t(input) * other


multiply = mul


def div(input: TensorLike, other: TensorLike) -> Tensor:
    return _t(input) / other


divide = true_divide = div


def pow(input: TensorLike, exponent: TensorLike) -> Tensor:  # noqa: A001
    if not isinstance(input, Tensor):
        return _t(exponent).__rpow__(input)
    return input**exponent


def maximum(input: TensorLike, other: TensorLike) -> Tensor:
    return apply(R["maximum"], (input, other), {}, promote=(0, 1))


def minimum(input: TensorLike, other: TensorLike) -> Tensor:
    return apply(R["minimum"], (input, other), {}, promote=(0, 1))


def where(condition: TensorLike, input: TensorLike = None, other: TensorLike = None) -> Any:
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype.kind not in "biuf":
        raise TypeError(f"where: condition must be a bool Tensor; got {type(condition).__name__}")
    if input is None and other is None:
        return tuple(_leaf(i) for i in np.nonzero(np.atleast_1d(cond)))
    if input is None or other is None:
        raise TypeError("where: give both input and other (the values where condition is true "
                        "and where it is false), or neither (the indices where it is true)")
    return apply(R["where"], (cond.astype(bool, copy=False), input, other), {}, promote=(1, 2))


def heaviside(input: TensorLike, values: TensorLike = 0.0) -> Tensor:
    """Step function: no gradient, as in PyTorch."""
    v = values._data if isinstance(values, Tensor) else values
    return _leaf(np.heaviside(_t(input)._data, v))
