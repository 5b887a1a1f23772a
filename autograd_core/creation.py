"""Creation functions, with torch's defaults: float32 unless told otherwise, shapes given as
varargs or one tuple, and one seeded global generator (`manual_seed`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .dtypes import get_default_dtype
from .rng import default_generator
from .tensor import Tensor, _holds_float64, _leaf


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"sizes must be non-negative integers; got {size}")
    return tuple(int(n) for n in size)


def _finish(arr: np.ndarray, requires_grad: bool, name: str | None = None) -> Tensor:
    if requires_grad:
        return Tensor(arr, requires_grad=True, name=name)
    t = _leaf(arr)
    t.name = name
    return t


def _dtype(dtype: Any, default: Any = None) -> np.dtype:
    if dtype is None:
        return np.dtype(get_default_dtype() if default is None else default)
    return np.dtype(_as_np_dtype(dtype))


def _as_np_dtype(dtype: Any) -> Any:
    # accept torch-style names such as "float32" and NumPy dtypes alike
    return getattr(dtype, "numpy_dtype", dtype)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None,
           name: str | None = None) -> Tensor:
    """Copies data into a new Tensor (torch.tensor)."""
    if isinstance(data, Tensor):
        data = data._data
    arr = np.array(data, dtype=_as_np_dtype(dtype) if dtype is not None else None, copy=True)
    t = Tensor(arr if dtype is not None or not _is_py_float(data, arr) else
               arr.astype(get_default_dtype()), requires_grad=requires_grad, name=name)
    return t


def _is_py_float(data: Any, arr: np.ndarray) -> bool:
    if arr.dtype != np.float64 or isinstance(data, (np.ndarray, np.generic)):
        return False

    return not _holds_float64(data)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_shape(size), dtype=_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_shape(size), dtype=_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    if dtype is None:
        dtype = np.asarray(fill_value).dtype
        if dtype == np.float64 and isinstance(fill_value, float):
            dtype = get_default_dtype()
    shape = _shape((size,) if not isinstance(size, (tuple, list)) else (tuple(size),))
    return _finish(np.full(shape, fill_value, dtype=_as_np_dtype(dtype)), requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    a = np.asarray(t)
    return _finish(np.zeros(a.shape, dtype=_dtype(dtype, a.dtype)), requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    a = np.asarray(t)
    return _finish(np.ones(a.shape, dtype=_dtype(dtype, a.dtype)), requires_grad)


def full_like(t: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    a = np.asarray(t)
    return _finish(np.full(a.shape, fill_value, dtype=_dtype(dtype, a.dtype)), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else get_default_dtype()
    arr = np.arange(start, end, step, dtype=np.float64 if np.dtype(dtype).kind == "f" else None)
    return _finish(arr.astype(_as_np_dtype(dtype)), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    return _finish(np.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _finish(default_generator().random(_shape(size)).astype(_dtype(dtype)), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    draws = default_generator().standard_normal(_shape(size))
    return _finish(draws.astype(_dtype(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), dtype: Any = None) -> Tensor:
    if high is None:
        low, high = 0, low
    return _leaf(default_generator().integers(low, high, _shape((size,) if isinstance(size, int)
                                                      else (tuple(size),)),
                                     dtype=_as_np_dtype(dtype or np.int64)))


def randperm(n: int) -> Tensor:
    return _leaf(default_generator().permutation(n).astype(np.int64))
