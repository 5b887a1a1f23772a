"""Argument normalization shared by the functions, the Tensor methods and the layers above.

PyTorch and NumPy spell the same arguments differently (`dim`/`axis`, `keepdim`/`keepdims`, a
size as varargs or as one tuple); these helpers turn every spelling into one, and give the
errors that name the function and the value at fault. Nothing here knows Tensors.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np


def check_dim(dim: int, ndim: int, op: str) -> int:
    """dim as a non-negative axis of an ndim-dimensional value (a 0-d value accepts 0 and -1)."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dim {dim} is out of range for a Tensor with {ndim} dimensions "
            f"(expected a value in [{-n}, {n - 1}])"
        )
    return dim % n


def pick(dim: Any, axis: Any, what: str = "dim") -> Any:
    """PyTorch's `dim` or NumPy's `axis`, whichever was given."""
    if dim is not None and axis is not None:
        raise TypeError(f"give {what} or axis, not both")
    return axis if dim is None else dim


def reduction_axes(dim: Any, ndim: int, op: str) -> Any:
    """None (all), one axis, or a tuple of distinct axes; an empty list means all, as in torch."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if not dim:
            return None
        axes = tuple(check_dim(int(d), ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: dim {tuple(dim)} repeats an axis")
        return axes
    return check_dim(int(dim), ndim, op)


def sizes(shape: tuple) -> tuple:
    """`f(2, 3)` and `f((2, 3))` both mean the sizes (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def ntuple(v: Any, n: int, what: str) -> tuple[int, ...]:
    """An int repeated n times, or a sequence of exactly n ints (kernel sizes, strides, ...)."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    try:
        v = tuple(operator.index(i) for i in v)
    except TypeError:
        raise TypeError(f"{what} must be an int or a tuple of {n} ints; got {v!r}") from None
    if len(v) != n:
        raise ValueError(f"{what} needs {n} values; got {v}")
    return v


def same_padding(kernel_size: tuple[int, ...], dilation: tuple[int, ...]) -> list[tuple[int, int]]:
    """(before, after) per spatial dim for padding='same': an odd total puts the extra on the
    right, as PyTorch does."""
    totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
    return [(t // 2, t - t // 2) for t in totals]
