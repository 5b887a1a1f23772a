"""PyTorch's dtypes and its type promotion (`torch.result_type`), which differs from NumPy's.

Operands fall in three priority classes: Tensors with dimensions, 0-d Tensors, and Python
numbers. Each class promotes among its own members; a lower-priority class decides the result
only when it holds a higher *category* (bool < integer < floating): `float32 + int64` stays
float32, a float32 Tensor with a 0-d float64 Tensor or a Python float stays float32, but an
int32 Tensor with a 0-d float64 Tensor gives float64 and with a Python float the default float
dtype. Nothing here knows Tensors: callers describe each operand by its dtype and class.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

bool_ = np.dtype(np.bool_)
uint8, int8, int16 = np.dtype(np.uint8), np.dtype(np.int8), np.dtype(np.int16)
int32, int64 = np.dtype(np.int32), np.dtype(np.int64)
float16, float32, float64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)

# PyTorch's names for them
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
bool = bool_  # noqa: A001

SUPPORTED = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)

_default_float = float32


def get_default_dtype() -> np.dtype:
    """The dtype of Python floats made into Tensors, and of floating results from integers."""
    return _default_float


def set_default_dtype(d: Any) -> None:
    global _default_float
    try:
        dt = np.dtype(d)
    except TypeError:
        raise TypeError(f"set_default_dtype: expected a dtype such as ag.float32; got {d!r}"
                        ) from None
    if dt not in (float16, float32, float64):
        raise TypeError(f"set_default_dtype: only floating-point dtypes may be the default; "
                        f"got {dt}")
    _default_float = dt


def category(dt: np.dtype) -> int:
    """0 bool, 1 integer, 2 floating, 3 complex."""
    return {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}[dt.kind]


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: the higher category wins; within one category, NumPy's rule."""
    if a == b:
        return a
    ca, cb = category(a), category(b)
    if ca == cb:
        return np.promote_types(a, b)
    return a if ca > cb else b


def python_number_dtype(x: Any) -> np.dtype:
    """The dtype a Python number stands for as an operand (its class's lowest member)."""
    if isinstance(x, (builtins.bool, np.bool_)):
        return bool_
    if isinstance(x, (builtins.int, np.integer)):
        return int64
    if isinstance(x, (builtins.float, np.floating)):
        return _default_float
    raise TypeError(f"expected a number; got {type(x).__name__}")


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """ATen's combine_categories: lower decides only with a higher category (or over bool)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if category(higher) >= 2:
        return higher
    if higher == bool_ or category(lower) >= 2:
        return promote_types(higher, lower)
    return higher


def result_type(dims: list[np.dtype], zero_dims: list[np.dtype],
                numbers: list[np.dtype]) -> np.dtype:
    """torch.result_type over operands given by class: dimensioned, 0-d, Python numbers."""

    def fold(dts: list[np.dtype]) -> np.dtype | None:
        out = None
        for d in dts:
            out = d if out is None else promote_types(out, d)
        return out

    return _combine(fold(dims), _combine(fold(zero_dims), fold(numbers)))
