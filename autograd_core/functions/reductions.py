"""Reductions along dims: `sum mean prod var std max min amax amin argmax argmin logsumexp
norm nansum nanmean aminmax var_mean std_mean`, the scans `cumsum cumprod logcumsumexp`, and
the normalizations along one dim, `softmax` and `log_softmax`.

PyTorch's `dim`/`keepdim` and NumPy's `axis`/`keepdims` are both accepted.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..arguments import check_dim, pick, reduction_axes
from ..ops import REGISTRY as R
from ..tensor import MaxResult, Tensor, _leaf, _unary, apply
from ..tensor import ensure_tensor as _t
from .pointwise import maximum, minimum, sqrt, where
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
    if x.ndim == 0:  # one element along its only "dim"
        return _unary(R["softmax"], x.reshape(1), axis=0).reshape(())
    return _unary(R["softmax"], x, axis=d)


def log_softmax(input: TensorLike, dim: int = -1, *, axis: int | None = None) -> Tensor:
    x = _t(input)
    d = check_dim(pick(dim if axis is None else None, axis), x.ndim, "log_softmax")
    if x.ndim == 0:  # one element along its only "dim"
        return _unary(R["log_softmax"], x.reshape(1), axis=0).reshape(())
    return _unary(R["log_softmax"], x, axis=d)


# -- scans along one dim ------------------------------------------------------------------------
def _scan_input(input: TensorLike, dim: Any, name: str, dtype: Any = None) -> tuple[Tensor, int]:
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "biu":  # PyTorch sums and multiplies integers and bools in int64
        x = _leaf(x._data.astype(np.int64))
    if dim is None:
        raise TypeError(f"{name}: missing the dim argument")
    return x, check_dim(int(dim), x.ndim, name)


def _scan(op: Any, x: Tensor, d: int) -> Tensor:
    if x.ndim == 0:  # a 0-d Tensor is its own scan
        return _unary(op, x.reshape(1), axis=0).reshape(())
    return _unary(op, x, axis=d)


def cumsum(input: TensorLike, dim: int | None = None, *, dtype: Any = None,
           axis: int | None = None) -> Tensor:
    """Running sum along dim; integers and bools accumulate in int64, as in PyTorch."""
    x, d = _scan_input(input, pick(dim, axis), "cumsum", dtype)
    return _scan(R["cumsum"], x, d)


def cumprod(input: TensorLike, dim: int | None = None, *, dtype: Any = None,
            axis: int | None = None) -> Tensor:
    """Running product along dim; its gradient is exact where the input has zeros."""
    x, d = _scan_input(input, pick(dim, axis), "cumprod", dtype)
    return _scan(R["cumprod"], x, d)


def logcumsumexp(input: TensorLike, dim: int | None = None, *,
                 axis: int | None = None) -> Tensor:
    """log(cumsum(exp(x))) along dim, without overflow."""
    x = _t(input)
    if x.dtype.kind not in "fc":
        raise TypeError(f"logcumsumexp: needs a floating-point Tensor; got dtype {x.dtype}")
    x, d = _scan_input(x, pick(dim, axis), "logcumsumexp")
    return _scan(R["logcumsumexp"], x, d)


# -- reductions that skip NaN, and pairs of reductions ------------------------------------------
def _not_nan(x: Tensor) -> np.ndarray | None:
    """The mask of x's non-NaN elements, or None when x has none (integers, or no NaN)."""
    if x.dtype.kind not in "fc":
        return None
    keep = ~np.isnan(x._data)
    return None if keep.all() else keep


def nansum(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None,
           axis: Dim = None, keepdims: bool = False) -> Tensor:
    """The sum with NaN counted as zero; NaN elements get gradient 0."""
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    keep = _not_nan(x)
    if keep is not None:
        x = where(keep, x, 0.0)
    return sum(x, dim, keepdim, axis=axis, keepdims=keepdims,
               dtype=np.int64 if x.dtype.kind in "biu" else None)


def nanmean(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None,
            axis: Dim = None, keepdims: bool = False) -> Tensor:
    """The mean of the non-NaN elements (NaN where there are none)."""
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind not in "fc":
        raise TypeError(f"nanmean: needs a floating-point Tensor; got dtype {x.dtype}")
    if x.ndim == 0:  # dim 0 or -1 of a 0-d Tensor: the element itself
        reduction_axes(pick(dim, axis), 0, "nanmean")
        dim = axis = None
    keep = _not_nan(x)
    if keep is None:
        return mean(x, dim, keepdim, axis=axis, keepdims=keepdims)
    d = reduction_axes(pick(dim, axis), x.ndim, "nanmean")
    keepd = bool(keepdim or keepdims)
    count = np.add.reduce(keep, axis=d, keepdims=keepd).astype(x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _red(SUM, where(keep, x, 0.0), d, None, keepd, False) / _leaf(count)


AminmaxResult = namedtuple("aminmax", ["min", "max"])


def aminmax(input: TensorLike, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """(min, max) over dim (all elements by default); ties split the gradient, as amin/amax."""
    x = _t(input)
    if dim is not None:
        dim = check_dim(int(dim), x.ndim, "aminmax")
    return AminmaxResult(amin(x, dim, keepdim), amax(x, dim, keepdim))


def var_mean(input: TensorLike, dim: Dim = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(var, mean) over dim, unbiased by default (correction=1), as torch.var_mean."""
    if isinstance(unbiased, bool) is False and unbiased is not None and dim is None:
        dim, unbiased = unbiased, None
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))


def std_mean(input: TensorLike, dim: Dim = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: int | None = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over dim, as torch.std_mean."""
    if isinstance(unbiased, bool) is False and unbiased is not None and dim is None:
        dim, unbiased = unbiased, None
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))
