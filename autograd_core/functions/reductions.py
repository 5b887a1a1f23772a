"""Reductions along dims: `sum mean prod var std max min amax amin argmax argmin logsumexp
norm`, and the normalizations along one dim, `softmax` and `log_softmax`.

PyTorch's `dim`/`keepdim` and NumPy's `axis`/`keepdims` are both accepted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import check_dim, pick, reduction_axes
from ..ops import REGISTRY as R
from ..tensor import MaxResult, Tensor, _leaf, _unary, apply
from ..tensor import ensure_tensor as _t
from .pointwise import maximum, minimum, sqrt
from .shape import squeeze

TensorLike = Any
Dim = int | tuple[int, ...] | None

SUM, MEAN, VAR, PROD, AMAX, AMIN = R["sum"], R["mean"], R["var"], R["prod"], R["amax"], R["amin"]


def _red(op: Any, x: Any, dim: Any, axis: Any, keepdim: Any, keepdims: Any, **extra: Any):
    x = _t(x)
    d = reduction_axes(pick(dim, axis), x.ndim, op.name)
    keep = bool(keepdim or keepdims)
    return _unary(op, x, axis=d, keepdims=keep, **extra)


def sum(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,  # noqa: A001
        keepdims: bool = False, dtype: Any = None) -> Tensor:
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    return _red(SUM, x, dim, axis, keepdim, keepdims)


def mean(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False, dtype: Any = None) -> Tensor:
    x = _t(input)
    if x.dtype.kind not in "fc" and dtype is None:
        raise TypeError(f"mean: needs a floating-point Tensor; got dtype {x.dtype}")
    if dtype is not None:
        x = x.to(dtype)
    return _red(MEAN, x, dim, axis, keepdim, keepdims)


def prod(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    return _red(PROD, input, dim, axis, keepdim, keepdims)


def _correction(unbiased: Any, correction: Any) -> int:
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input: TensorLike, dim: Dim = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: int | None = None, axis: Dim = None, keepdims: bool = False) -> Tensor:
    """Unbiased by default (correction=1), as in PyTorch."""
    if isinstance(unbiased, bool) is False and unbiased is not None and dim is None:
        dim, unbiased = unbiased, None  # var(x, 0)
    return _red(VAR, input, dim, axis, keepdim, keepdims,
                correction=_correction(unbiased, correction))


def std(input: TensorLike, dim: Dim = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: int | None = None, axis: Dim = None, keepdims: bool = False) -> Tensor:
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction, axis=axis,
                    keepdims=keepdims))


def amax(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    return _red(AMAX, input, dim, axis, keepdim, keepdims)


def amin(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    return _red(AMIN, input, dim, axis, keepdim, keepdims)


def _max_min(input: TensorLike, dim: Any, keepdim: bool, axis: Any, keepdims: bool, which: str):
    x = _t(input)
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        return maximum(x, dim) if which == "max" else minimum(x, dim)
    d = pick(dim, axis)
    if d is None:
        return _unary(AMAX if which == "max" else AMIN, x, axis=None, keepdims=False)
    if isinstance(d, (tuple, list)):
        raise TypeError(f"{which}: dim must be one int when indices are returned; use amax/amin")
    d = check_dim(int(d), x.ndim, which)
    keep = bool(keepdim or keepdims)
    if x.ndim == 0:  # PyTorch: a 0-d Tensor is its own maximum, at index 0
        return MaxResult(x, _leaf(np.zeros((), dtype=np.int64)))
    arg = (np.argmax if which == "max" else np.argmin)(x._data, axis=d, keepdims=True)
    values = apply(R["take_along_axis"], (x, arg), {"axis": d})
    if not keep:
        values = squeeze(values, d)
        arg = np.squeeze(arg, axis=d)
    return MaxResult(values, _leaf(arg.astype(np.int64)))


def max(input: TensorLike, dim: Any = None, keepdim: bool = False, *, axis: Dim = None,  # noqa: A001
        keepdims: bool = False) -> Any:
    """Without dim: the largest value. With dim: (values, indices), as torch.max."""
    return _max_min(input, dim, keepdim, axis, keepdims, "max")


def min(input: TensorLike, dim: Any = None, keepdim: bool = False, *, axis: Dim = None,  # noqa: A001
        keepdims: bool = False) -> Any:
    return _max_min(input, dim, keepdim, axis, keepdims, "min")


def _arg_extreme(input: TensorLike, dim: Any, keepdim: bool, axis: Any, keepdims: bool,
                 find: Any, name: str) -> Tensor:
    x = _t(input)
    d = pick(dim, axis)
    if d is None:
        return _leaf(np.asarray(find(x._data), dtype=np.int64))
    d = check_dim(int(d), x.ndim, name)
    return _leaf(find(x._data, axis=d, keepdims=bool(keepdim or keepdims)).astype(np.int64))


def argmax(input: TensorLike, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest value (over all elements flattened, without dim); no gradient."""
    return _arg_extreme(input, dim, keepdim, axis, keepdims, np.argmax, "argmax")


def argmin(input: TensorLike, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _arg_extreme(input, dim, keepdim, axis, keepdims, np.argmin, "argmin")


def logsumexp(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
              keepdims: bool = False) -> Tensor:
    return _red(R["logsumexp"], input, dim, axis, keepdim, keepdims)


def norm(input: TensorLike, p: Any = 2, dim: Dim = None, keepdim: bool = False, *,
         axis: Dim = None, keepdims: bool = False) -> Tensor:
    """Vector p-norm over dim (all elements by default); 'fro' is the 2-norm."""
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; use a number, inf or 'fro'")
    return _red(R["norm"], input, dim, axis, keepdim, keepdims, p=float(p) if p not in
                (1, 2) else p)



def softmax(input: TensorLike, dim: int = -1, *, axis: int | None = None) -> Tensor:
    x = _t(input)
    d = check_dim(pick(dim if axis is None else None, axis), x.ndim, "softmax")
    return _unary(R["softmax"], x, axis=d)


def log_softmax(input: TensorLike, dim: int = -1, *, axis: int | None = None) -> Tensor:
    x = _t(input)
    d = check_dim(pick(dim if axis is None else None, axis), x.ndim, "log_softmax")
    return _unary(R["log_softmax"], x, axis=d)
