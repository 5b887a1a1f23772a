"""Comparisons, logic and tests of values: results that carry no gradient, as in PyTorch.

`eq ne lt le gt ge` (and their long names), `equal`, `isclose`, `allclose`, `isnan isinf
isfinite`, `logical_and/or/not/xor`, `any`, `all`, `nonzero`, `count_nonzero`.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..arguments import check_dim, pick, reduction_axes
from ..tensor import Tensor, _leaf
from ..tensor import ensure_tensor as _t

TensorLike = Any


def _array(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _compare(ufunc: Any, name: str):
    def fn(input: TensorLike, other: TensorLike) -> Tensor:
        return _leaf(ufunc(_t(input)._data, _array(other)))

    fn.__name__ = fn.__qualname__ = name
    fn.__code__ = fn.__code__.replace(co_name=name, co_qualname=name)  # named in errors
    fn.__doc__ = f"Elementwise {ufunc.__name__}, a bool Tensor (no gradient)."
    return fn


eq = _compare(np.equal, "eq")
ne = not_equal = _compare(np.not_equal, "ne")
lt = less = _compare(np.less, "lt")
le = less_equal = _compare(np.less_equal, "le")
gt = greater = _compare(np.greater, "gt")
ge = greater_equal = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")


def logical_not(input: TensorLike) -> Tensor:
    return _leaf(np.logical_not(_t(input)._data))


def isnan(input: TensorLike) -> Tensor:
    return _leaf(np.isnan(_t(input)._data))


def isinf(input: TensorLike) -> Tensor:
    return _leaf(np.isinf(_t(input)._data))


def isfinite(input: TensorLike) -> Tensor:
    return _leaf(np.isfinite(_t(input)._data))


def equal(input: TensorLike, other: TensorLike) -> bool:
    """True when both have the same shape and the same values (torch.equal)."""
    a, b = _t(input)._data, _t(other)._data
    return a.shape == b.shape and builtins.bool(np.array_equal(a, b))


def isclose(input: TensorLike, other: TensorLike, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    return _leaf(np.isclose(_t(input)._data, _array(other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def allclose(input: TensorLike, other: TensorLike, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return builtins.bool(np.allclose(_t(input)._data, _t(other)._data, rtol=rtol, atol=atol,
                                     equal_nan=equal_nan))


def _logical_reduce(ufunc: Any, name: str):
    def fn(input: TensorLike, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: bool = False) -> Tensor:
        x = _t(input)
        d = reduction_axes(pick(dim, axis), x.ndim, name)
        keep = builtins.bool(keepdim or keepdims)
        return _leaf(np.asarray(ufunc(x._data, axis=d, keepdims=keep)))

    fn.__name__ = fn.__qualname__ = name
    fn.__code__ = fn.__code__.replace(co_name=name, co_qualname=name)  # named in errors
    fn.__doc__ = f"Whether {'any' if name == 'any' else 'every'} element is true (a bool Tensor)."
    return fn


any = _logical_reduce(np.any, "any")  # noqa: A001
all = _logical_reduce(np.all, "all")  # noqa: A001


def nonzero(input: TensorLike, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero elements: an (n, ndim) int64 Tensor, or one Tensor per dim."""
    x = _t(input)._data
    idx = np.nonzero(np.atleast_1d(x)) if x.ndim == 0 else np.nonzero(x)
    if as_tuple:
        return tuple(_leaf(i.astype(np.int64)) for i in idx)
    return _leaf(np.stack(idx, axis=-1).astype(np.int64).reshape(-1, builtins.max(x.ndim, 1))
                 if x.ndim else np.stack(idx, axis=-1).astype(np.int64)[:, :0])


def count_nonzero(input: TensorLike, dim: Any = None) -> Tensor:
    x = _t(input)
    d = None if dim is None else (tuple(check_dim(int(i), x.ndim, "count_nonzero") for i in dim)
                                  if isinstance(dim, (tuple, list))
                                  else check_dim(int(dim), x.ndim, "count_nonzero"))
    return _leaf(np.asarray(np.count_nonzero(x._data, axis=d), dtype=np.int64))
