"""Argument normalization shared by the functions, the Tensor methods and the layers above.

PyTorch and NumPy spell the same arguments differently (`dim`/`axis`, `keepdim`/`keepdims`, a
size as varargs or as one tuple); these helpers turn every spelling into one, and give the
errors that name the function and the value at fault. Nothing here knows Tensors.
"""

from __future__ import annotations

import functools
import math
import operator
import os
from typing import Any

import numpy as np


class ArgumentError(ValueError, RuntimeError):
    """A bad argument value or shape: a ValueError by Python's convention, and a RuntimeError,
    which is what PyTorch raises for the same call, so code written for either catches it."""


def check_dim(dim: int, ndim: int, op: str) -> int:
    """dim as a non-negative axis of an ndim-dimensional value (a 0-d value accepts 0 and -1)."""
    if dim.__class__ is not int:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int; got {dim!r}")
        dim = int(dim)
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
        axes = tuple(check_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: dim {tuple(dim)} repeats an axis")
        return axes
    return check_dim(dim, ndim, op)


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


@functools.cache
def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no limit known
        return 1 << 62


def check_allocation(shape: tuple[int, ...], dtype: Any, op: str) -> None:
    """Refuses an array larger than the machine's memory before NumPy is asked for it."""
    need = math.prod(shape) * np.dtype(dtype).itemsize
    have = _memory_bytes()
    if need > have:
        raise RuntimeError(
            f"{op}: a Tensor of shape {tuple(shape)} and dtype {np.dtype(dtype)} needs "
            f"{_human(need)}, more than this machine's memory ({_human(have)})")


def _human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.2f} {unit}"
        n /= 1024
    return f"{n:.2f} PiB"


def check_callable(f: Any, op: str, what: str = "f") -> None:
    """Transforms take a function: refuse anything else when the transform is made."""
    if not callable(f):
        raise TypeError(f"{op}: {what} must be a callable (a function of Tensors); got "
                        f"{type(f).__name__}")


def integer(v: Any, what: str, op: str, least: int | None = None) -> int:
    """An int argument (not a bool, float or string), at least `least` when given."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{op}: {what} must be an int; got {v!r}")
    if least is not None and v < least:
        raise ArgumentError(f"{op}: {what} must be at least {least}; got {v}")
    return int(v)


def number(v: Any, what: str, op: str) -> Any:
    """A real number argument (an int or float, or a 0-d array of one)."""
    if isinstance(v, (bool, int, float, np.integer, np.floating)):
        return v
    if getattr(v, "ndim", None) == 0 and getattr(v, "dtype", np.dtype(object)).kind in "biuf":
        return v.item()
    raise TypeError(f"{op}: {what} must be a number; got {v!r}")
