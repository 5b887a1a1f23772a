"""Creation functions, with torch's signatures and defaults: the default float dtype unless told
otherwise, shapes given as varargs or one tuple, `device=` (the CPU), and one seeded global
generator (`manual_seed`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import devices as _device
from .anomaly import public_caller
from .arguments import ArgumentError, check_allocation, integer, number
from .compiler import redrawn
from .dtypes import get_default_dtype
from .rng import Generator, default_generator, numpy_generator
from .scalar import _traced, scalar_leaf
from .tensor import Tensor, _holds_float64, _leaf

Device = Any


def _shape(size: tuple, where: str = "size", dtype: Any = None) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{where}: argument 'size' must hold integers; got {size!r}")
        if n < 0:
            raise RuntimeError(f"{where}: trying to create a Tensor with negative dimension "
                               f"{n}: {list(size)}")
    shape = tuple(int(n) for n in size)
    check_allocation(shape, _dtype(dtype), where)
    return shape


def _finish(arr: np.ndarray, requires_grad: bool, name: str | None = None) -> Tensor:
    if requires_grad:
        return Tensor(arr, requires_grad=True, name=name)
    t = _leaf(arr)
    t.name = name
    return t


def _dtype(dtype: Any, default: Any = None) -> np.dtype:
    if dtype is None:
        return np.dtype(get_default_dtype() if default is None else default)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a dtype such as ag.float32; got {dtype!r}") from None
    if dt.kind not in "biuf":
        raise TypeError(f"dtype {dt} is not supported; Tensors hold bool, integers and floats")
    return dt


def _float_dtype(dtype: Any, where: str) -> np.dtype:
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise RuntimeError(f"{where}: draws floating-point values; got dtype {dt} (use "
                           "randint for integers)")
    return dt


def tensor(data: Any, *, dtype: Any = None, device: Device = None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """Copies data into a new Tensor (torch.tensor): Python floats give the default dtype."""
    _device.check(device, "tensor")
    if isinstance(data, Tensor):
        data = data._data
    try:
        arr = np.array(data, dtype=_dtype(dtype) if dtype is not None else None, copy=True)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{public_caller(data)}: cannot make a Tensor from {type(data).__name__}: "
                        f"{err}") from None
    if arr.dtype.kind == "c":
        return Tensor(arr)  # the Tensor says what to do instead of complex numbers
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{public_caller(data)}: cannot make a Tensor from {type(data).__name__}: "
                        "the data "
                        f"is not numeric (NumPy reads it as dtype {arr.dtype})")
    if dtype is None and _is_py_float(data, arr):
        arr = arr.astype(get_default_dtype())
    if arr.ndim == 0 and arr.dtype == np.float64 and not _traced.on:  # the scalar path
        return scalar_leaf(arr.item(), bool(requires_grad), name)
    return Tensor(arr, requires_grad=requires_grad, name=name)


def as_tensor(data: Any, dtype: Any = None, device: Device = None) -> Tensor:
    """Shares memory with an ndarray or Tensor of the right dtype; copies otherwise."""
    _device.check(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or np.dtype(dtype) == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        return _leaf(data if dtype is None else np.asarray(data, dtype=dtype))
    return tensor(data, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A Tensor that shares the array's memory: a change to either shows in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: can't convert np.ndarray of type {ndarray.dtype}; the "
                        "supported types are bool, integers and floats (complex and object "
                        "arrays have no Tensor here)")
    return _leaf(ndarray)


def _is_py_float(data: Any, arr: np.ndarray) -> bool:
    if arr.dtype != np.float64 or isinstance(data, (np.ndarray, np.generic)):
        return False
    return not _holds_float64(data)


def zeros(*size: Any, dtype: Any = None, device: Device = None,
          requires_grad: bool = False) -> Tensor:
    _device.check(device, "zeros")
    return _finish(np.zeros(_shape(size, "zeros", dtype), dtype=_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, device: Device = None,
         requires_grad: bool = False) -> Tensor:
    _device.check(device, "ones")
    return _finish(np.ones(_shape(size, "ones", dtype), dtype=_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, device: Device = None,
          requires_grad: bool = False) -> Tensor:
    """Zeros: the values of torch.empty are unspecified, and zeros are a safe choice of them."""
    _device.check(device, "empty")
    return _finish(np.zeros(_shape(size, "empty", dtype), dtype=_dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Device = None,
         requires_grad: bool = False) -> Tensor:
    _device.check(device, "full")
    value = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    if np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "biuf":
        raise TypeError(f"full: fill_value must be a number; got {fill_value!r}")
    if dtype is None:
        dtype = np.asarray(value).dtype
        if dtype == np.float64 and isinstance(value, float):
            dtype = get_default_dtype()
    dtype = _dtype(dtype)
    fill_value = value
    shape = _shape((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "full",
                   dtype)
    return _finish(np.full(shape, fill_value, dtype=dtype), requires_grad)


def _like(t: Any, dtype: Any, device: Device, where: str) -> tuple[tuple, np.dtype]:
    _device.check(device, where)
    a = t._data if isinstance(t, Tensor) else np.asarray(t)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{where}: input must be a Tensor; got {type(t).__name__}")
    return a.shape, _dtype(dtype, a.dtype)


def zeros_like(input: Any, dtype: Any = None, device: Device = None,
               requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype, device, "zeros_like")
    return _finish(np.zeros(shape, dtype=dt), requires_grad)


def ones_like(input: Any, dtype: Any = None, device: Device = None,
              requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype, device, "ones_like")
    return _finish(np.ones(shape, dtype=dt), requires_grad)


def empty_like(input: Any, dtype: Any = None, device: Device = None,
               requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype, device, "empty_like")
    return _finish(np.zeros(shape, dtype=dt), requires_grad)


def full_like(input: Any, fill_value: Any, dtype: Any = None, device: Device = None,
              requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype, device, "full_like")
    return _finish(np.full(shape, fill_value, dtype=dt), requires_grad)


def rand_like(input: Any, dtype: Any = None, device: Device = None,
              requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype, device, "rand_like")
    dt = _float_dtype(dt, "rand_like")
    return _finish(redrawn(lambda: default_generator().random(shape).astype(dt)),
                   requires_grad)


def randn_like(input: Any, dtype: Any = None, device: Device = None,
               requires_grad: bool = False) -> Tensor:
    shape, dt = _like(input, dtype, device, "randn_like")
    dt = _float_dtype(dt, "randn_like")
    return _finish(redrawn(lambda: default_generator().standard_normal(shape).astype(dt)),
                   requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Device = None,
           requires_grad: bool = False) -> Tensor:
    _device.check(device, "arange")
    if end is None:
        start, end = 0, start
    start, end, step = (number(v, w, "arange") for v, w in
                        ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ArgumentError(f"arange: upper bound and larger bound inconsistent with step sign "
                            f"(start {start}, end {end}, step {step})")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else get_default_dtype()
    arr = np.arange(start, end, step, dtype=np.float64 if np.dtype(dtype).kind == "f" else None)
    return _finish(arr.astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Device = None,
             requires_grad: bool = False) -> Tensor:
    _device.check(device, "linspace")
    start, end = number(start, "start", "linspace"), number(end, "end", "linspace")
    steps = integer(steps, "steps", "linspace", least=0)
    return _finish(np.linspace(start, end, steps).astype(_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Device = None,
        requires_grad: bool = False) -> Tensor:
    _device.check(device, "eye")
    n = integer(n, "n", "eye", least=0)
    m = n if m is None else integer(m, "m", "eye", least=0)
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None,
         device: Device = None, requires_grad: bool = False) -> Tensor:
    _device.check(device, "rand")
    dt = _float_dtype(dtype, "rand")
    shape = _shape(size, "rand", dt)
    draws = redrawn(lambda: numpy_generator(generator, "rand").random(shape).astype(dt))
    return _finish(draws, requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None,
          device: Device = None, requires_grad: bool = False) -> Tensor:
    _device.check(device, "randn")
    dt = _float_dtype(dtype, "randn")
    shape = _shape(size, "randn", dt)
    draws = redrawn(
        lambda: numpy_generator(generator, "randn").standard_normal(shape).astype(dt))
    return _finish(draws, requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), *,
            generator: Generator | None = None, dtype: Any = None,
            device: Device = None) -> Tensor:
    _device.check(device, "randint")
    if high is None:
        low, high = 0, low
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"randint: {name} must be an int; got {v!r}")
    if low >= high:
        raise RuntimeError(f"randint: expects low < high; got low={low}, high={high}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer, tuple, list)):
        raise TypeError(f"randint: size must be a tuple of ints; got {size!r}")
    shape = _shape((size,) if isinstance(size, int) else (tuple(size),), "randint")
    return _leaf(redrawn(lambda: numpy_generator(generator, "randint").integers(
        low, high, shape).astype(dtype or np.int64)))


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             device: Device = None) -> Tensor:
    _device.check(device, "randperm")
    n = integer(n, "n", "randperm", least=0)
    return _leaf(numpy_generator(generator, "randperm").permutation(n).astype(dtype or np.int64))
