"""Sorting and selecting along one dim: `sort argsort msort topk kthvalue cummax cummin median
nanmedian quantile nanquantile`.

Each finds its indices on the array (NaN sorts as the largest value, as in PyTorch) and picks
the values with the `take_along_axis` op, whose adjoint scatters the gradient back onto the
chosen elements: so the gradients of all orders come from that one gather and its
scatter-add. `median` and `nanmedian` without dim are the registered ops of that name (the
lower middle value, its gradient split between tied elements, as PyTorch does).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..arguments import check_dim, pick
from ..ops import REGISTRY as R
from ..tensor import Tensor, _leaf, _unary, apply
from ..tensor import ensure_tensor as _t
from .shape import movedim, reshape, squeeze

TensorLike = Any

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
MedianResult = namedtuple("median", ["values", "indices"])
NanmedianResult = namedtuple("nanmedian", ["values", "indices"])
CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])

TAKE = R["take_along_axis"]
INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _take(x: Tensor, indices: np.ndarray, d: int) -> Tensor:
    return apply(TAKE, (x, indices), {"axis": d})


def _order(data: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable argsort along d; descending keeps equal elements in their order, NaN first."""
    if not descending:
        return np.argsort(data, axis=d, kind="stable")
    backwards = np.argsort(np.flip(data, d), axis=d, kind="stable")
    return data.shape[d] - 1 - np.flip(backwards, d)


def _one_dim(input: TensorLike, dim: Any, name: str) -> tuple[Tensor, int, bool]:
    """x at least 1-d, dim as an axis of it, and whether x was 0-d."""
    x = _t(input)
    d = check_dim(int(dim), x.ndim, name)
    if x.ndim == 0:
        return reshape(x, 1), 0, True
    return x, d, False


def _pair(cls: Any, values: Tensor, indices: np.ndarray, scalar: bool) -> Any:
    if scalar:
        return cls(reshape(values, ()), _leaf(indices.reshape(()).astype(np.int64)))
    return cls(values, _leaf(indices.astype(np.int64, copy=False)))


def sort(input: TensorLike, dim: int = -1, descending: bool = False, stable: bool = False, *,
         axis: int | None = None) -> Any:
    """(values, indices) sorted along dim; always stable, which satisfies stable=False too."""
    x, d, scalar = _one_dim(input, pick(dim if axis is None else None, axis), "sort")
    order = _order(x._data, d, descending)
    return _pair(SortResult, _take(x, order, d), order, scalar)


def argsort(input: TensorLike, dim: int = -1, descending: bool = False, stable: bool = False,
            *, axis: int | None = None) -> Tensor:
    x, d, scalar = _one_dim(input, pick(dim if axis is None else None, axis), "argsort")
    order = _order(x._data, d, descending).astype(np.int64, copy=False)
    return _leaf(order.reshape(()) if scalar else order)


def msort(input: TensorLike) -> Tensor:
    """sort(input, dim=0).values."""
    return sort(input, 0).values


def topk(input: TensorLike, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> Any:  # noqa: A002
    """The k largest (smallest with largest=False) along dim, as (values, indices), in order."""
    x, d, scalar = _one_dim(input, dim, "topk")
    n = x.shape[d]
    if not 0 <= int(k) <= n:
        raise RuntimeError(f"topk: k={k} is out of range for dimension {dim} of size {n}")
    order = _order(x._data, d, largest)
    chosen = order if scalar else np.take(order, np.arange(int(k)), axis=d)
    return _pair(TopkResult, _take(x, chosen, d), chosen, scalar)


def kthvalue(input: TensorLike, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The k-th smallest element along dim (k counts from 1), as (values, indices)."""
    x, d, scalar = _one_dim(input, dim, "kthvalue")
    n = x.shape[d]
    if not 1 <= int(k) <= n:
        raise RuntimeError(f"kthvalue: k={k} is out of range for dimension {dim} of size {n}")
    at = np.take(_order(x._data, d, False), [int(k) - 1], axis=d)
    return _selected(KthvalueResult, x, at, d, keepdim, scalar)


def _selected(cls: Any, x: Tensor, at: np.ndarray, d: int, keepdim: bool, scalar: bool) -> Any:
    """(values, indices) of one element per slice along d, at the indices `at` (d kept as 1)."""
    values = _take(x, at, d)
    if scalar:
        return _pair(cls, values, at, True)
    if not keepdim:
        values = squeeze(values, d)
        at = np.squeeze(at, axis=d)
    return _pair(cls, values, at, False)


# -- running extremes ---------------------------------------------------------------------------
def _cumulative_extreme(input: TensorLike, dim: Any, largest: bool, cls: Any) -> Any:
    name = "cummax" if largest else "cummin"
    x, d, scalar = _one_dim(input, dim, name)
    data = x._data
    running = (np.maximum if largest else np.minimum).accumulate(data, axis=d)
    new = data == running
    if data.dtype.kind in "fc":  # NaN propagates, and each NaN takes over, as in PyTorch
        new |= np.isnan(data)
    shape = [1] * data.ndim
    shape[d] = data.shape[d]
    positions = np.arange(data.shape[d]).reshape(shape)
    # the last element equal to the running extreme, as PyTorch picks among ties
    at = np.maximum.accumulate(np.where(new, positions, 0), axis=d)
    return _pair(cls, _take(x, at, d), at, scalar)


def cummax(input: TensorLike, dim: int) -> Any:
    """(values, indices) of the running maximum along dim; the gradient goes to the element
    that holds it (the latest of equal ones, as in PyTorch)."""
    return _cumulative_extreme(input, dim, True, CummaxResult)


def cummin(input: TensorLike, dim: int) -> Any:
    return _cumulative_extreme(input, dim, False, CumminResult)


# -- medians and quantiles ----------------------------------------------------------------------
def _median(input: TensorLike, dim: Any, keepdim: bool, skip_nan: bool) -> Any:
    name = "nanmedian" if skip_nan else "median"
    x = _t(input)
    if x._data.size == 0:
        raise RuntimeError(f"{name}: cannot be computed over an empty Tensor")
    if dim is None:
        return _unary(R[name], x, axis=None, keepdims=False)
    x, d, scalar = _one_dim(x, dim, name)
    data = x._data
    n = data.shape[d]
    order = np.argsort(data, axis=d, kind="stable")  # NaN last
    if data.dtype.kind in "fc":
        nan = np.isnan(data)
        count = (~nan).sum(axis=d, keepdims=True)
    else:
        nan, count = None, np.full((1,) * data.ndim, n)
    if skip_nan:
        at = np.take_along_axis(order, np.maximum((count - 1) // 2, 0), axis=d)
    else:
        at = np.take(order, [(n - 1) // 2], axis=d)
        if nan is not None:  # a slice with NaN has median NaN, at its first NaN
            at = np.where(count < n, np.argmax(nan, axis=d, keepdims=True), at)
    return _selected(NanmedianResult if skip_nan else MedianResult, x, at, d, keepdim, scalar)


def median(input: TensorLike, dim: int | None = None, keepdim: bool = False) -> Any:
    """Without dim: the lower of the two middle values of all elements (NaN if any is NaN),
    its gradient split between equal elements. With dim: (values, indices) along dim."""
    return _median(input, dim, keepdim, False)


def nanmedian(input: TensorLike, dim: int | None = None, keepdim: bool = False) -> Any:
    """median of the non-NaN elements (NaN where there are none)."""
    return _median(input, dim, keepdim, True)


def _quantile(input: TensorLike, q: Any, dim: Any, keepdim: bool, interpolation: str,
              skip_nan: bool) -> Tensor:
    name = "nanquantile" if skip_nan else "quantile"
    x = _t(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be float32 or float64; got dtype {x.dtype}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {INTERPOLATIONS}; got "
                         f"{interpolation!r}")
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=x.dtype)
    if qs.ndim > 1:
        raise ValueError(f"{name}: q must be a scalar or a 1-D Tensor; got shape {qs.shape}")
    if not ((qs >= 0) & (qs <= 1)).all():
        raise ValueError(f"{name}: q values must be in the range [0, 1]")
    if x._data.size == 0:
        raise RuntimeError(f"{name}: input must be non-empty")
    ndim = x.ndim
    if dim is None:
        x, d = reshape(x, -1), 0
    else:
        x, d, _ = _one_dim(x, dim, name)
    data = x._data
    n = data.shape[d]
    order = np.argsort(data, axis=d, kind="stable")  # NaN last
    shape = [1] * data.ndim
    shape[d] = qs.size
    qcol = qs.reshape(shape)
    nan = np.isnan(data)
    if skip_nan:
        ranks = qcol * ((~nan).sum(axis=d, keepdims=True) - 1).astype(x.dtype)
        ranks = np.where(ranks < 0, 0, ranks)  # all NaN: rank 0, which is NaN
    else:  # any NaN: the last rank, which is NaN
        ranks = np.where(nan.any(axis=d, keepdims=True), n - 1, qcol * (n - 1))
    ranks = ranks.astype(x.dtype)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)  # half to even, as torch.round
    below = ranks.astype(np.int64)
    values = _take(x, np.take_along_axis(order, below, axis=d), d)
    if interpolation in ("linear", "midpoint"):
        weight = (np.full_like(ranks, 0.5) if interpolation == "midpoint"
                  else (ranks - below).astype(x.dtype))
        above = _take(x, np.take_along_axis(order, np.ceil(ranks).astype(np.int64), axis=d), d)
        values = values + _leaf(weight) * (above - values)
    values = movedim(values, d, 0)  # q first, as PyTorch puts it
    if keepdim:
        kept = ((1,) * ndim if dim is None or ndim == 0
                else values.shape[1:d + 1] + (1,) + values.shape[d + 1:])
        values = reshape(values, (qs.size,) + kept)
    return squeeze(values, 0) if qs.ndim == 0 else values


def quantile(input: TensorLike, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-quantiles along dim (of all elements by default), q a number or a 1-D Tensor
    (whose length then leads the result's shape); NaN where a slice has NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input: TensorLike, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """quantile of the non-NaN elements (NaN where a slice has none)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


__all__ = [
    "CummaxResult", "CumminResult", "KthvalueResult", "MedianResult", "NanmedianResult",
    "SortResult", "TopkResult", "argsort", "cummax", "cummin", "kthvalue", "median", "msort",
    "nanmedian", "nanquantile", "quantile", "sort", "topk",
]
