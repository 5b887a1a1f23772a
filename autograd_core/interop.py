"""NumPy called on Tensors: ufuncs (NEP 13) and functions (NEP 18) dispatch to the engine.

`np.tanh(x)`, `np.sum(x ** 2, axis=0)` and `np.concatenate([a, b])` of Tensors are Tensors with a
graph, so NumPy code differentiates unchanged. What the tables below do not name runs on the
plain arrays and returns NumPy's own result, provided no gradient would be lost: a floating
result computed from a Tensor that requires grad (in grad mode) raises, naming the function;
shapes, integer and boolean results pass. A result written into an
ndarray (`a -= t`, `out=`) records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import functions as fn
from .modes import state
from .tensor import Tensor, _leaf


def _identity(x: Tensor) -> Tensor:
    return x


UFUNCS: dict[np.ufunc, Callable[..., Any]] = {
    np.add: fn.add, np.subtract: fn.sub, np.multiply: fn.mul, np.true_divide: fn.div,
    np.power: fn.pow, np.float_power: fn.pow, np.negative: fn.neg, np.positive: _identity,
    np.exp: fn.exp, np.exp2: fn.exp2, np.log: fn.log, np.log2: fn.log2, np.log10: fn.log10,
    np.log1p: fn.log1p, np.sqrt: fn.sqrt, np.square: fn.square, np.reciprocal: fn.reciprocal,
    np.sin: fn.sin, np.cos: fn.cos, np.tan: fn.tan, np.tanh: fn.tanh, np.absolute: fn.abs,
    np.sign: fn.sign, np.maximum: fn.maximum, np.minimum: fn.minimum, np.matmul: fn.matmul,
    np.equal: fn.eq, np.not_equal: fn.ne, np.less: fn.lt, np.less_equal: fn.le,
    np.greater: fn.gt, np.greater_equal: fn.ge, np.logical_and: fn.logical_and,
    np.logical_or: fn.logical_or, np.logical_xor: fn.logical_xor,
    np.logical_not: fn.logical_not, np.isnan: fn.isnan, np.isinf: fn.isinf,
    np.isfinite: fn.isfinite,
}

REDUCTIONS: dict[np.ufunc, Callable[..., Any]] = {
    np.add: fn.sum, np.multiply: fn.prod, np.maximum: fn.amax, np.minimum: fn.amin,
    np.logical_and: fn.all, np.logical_or: fn.any,
}


def _var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
         keepdims: bool = False, **_: Any) -> Tensor:
    return fn.var(a, axis=axis, correction=ddof, keepdims=keepdims)


def _std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
         keepdims: bool = False, **_: Any) -> Tensor:
    return fn.std(a, axis=axis, correction=ddof, keepdims=keepdims)


def _reduction(f: Callable[..., Any]) -> Callable[..., Any]:
    """NumPy's (a, axis, dtype, out, keepdims) signature onto one of the engine's reductions."""

    def call(a: Any, axis: Any = None, *args: Any, keepdims: bool = False, **kwargs: Any) -> Any:
        return f(a, axis=axis, keepdims=keepdims)

    return call


def _transpose(a: Any, axes: Any = None) -> Tensor:
    x = fn.reshape(a, np.shape(a)) if not isinstance(a, Tensor) else a
    return fn.permute(x, *(range(x.ndim - 1, -1, -1) if axes is None else axes))


FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: _reduction(fn.sum), np.mean: _reduction(fn.mean), np.prod: _reduction(fn.prod),
    np.max: _reduction(fn.amax), np.amax: _reduction(fn.amax), np.min: _reduction(fn.amin),
    np.amin: _reduction(fn.amin), np.var: _var, np.std: _std,
    np.reshape: lambda a, shape=None, *args, **kw: fn.reshape(a, shape if shape is not None
                                                              else kw["newshape"]),
    np.transpose: _transpose,
    np.swapaxes: lambda a, axis1, axis2: fn.transpose(a, axis1, axis2),
    np.moveaxis: lambda a, source, destination: fn.movedim(a, source, destination),
    np.squeeze: lambda a, axis=None: fn.squeeze(a, axis),
    np.expand_dims: lambda a, axis: fn.unsqueeze(a, axis),
    np.ravel: lambda a, order="C": fn.reshape(a, -1),
    np.concatenate: lambda arrays, axis=0, **kw: fn.cat(list(arrays), axis),
    np.stack: lambda arrays, axis=0, **kw: fn.stack(list(arrays), axis),
    np.where: lambda condition, *xy: fn.where(condition, *xy),
    np.clip: lambda a, a_min=None, a_max=None, **kw: fn.clamp(a, a_min, a_max),
    np.dot: lambda a, b, out=None: fn.matmul(a, b),
    np.einsum: lambda subscripts, *operands, **kw: fn.einsum(subscripts, *operands),
    np.tensordot: lambda a, b, axes=2: fn.tensordot(a, b, axes),
    np.outer: lambda a, b, out=None: fn.outer(fn.reshape(a, -1), fn.reshape(b, -1)),
    np.broadcast_to: lambda array, shape, subok=False: fn.broadcast_to(array, shape),
    np.flip: lambda m, axis=None: fn.flip(m, tuple(range(np.ndim(m))) if axis is None
                                          else axis),
    np.tile: lambda A, reps: fn.tile(A, (reps,) if isinstance(reps, int) else reps),
}


def _arrays(x: Any) -> Any:
    """The plain values of Tensors, inside lists, tuples and dicts too."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_arrays(v) for v in x)
    if isinstance(x, dict):
        return {k: _arrays(v) for k, v in x.items()}
    return x


def _needs_grad(x: Any) -> bool:
    if isinstance(x, Tensor):
        return x.requires_grad
    if isinstance(x, (list, tuple)):
        return any(_needs_grad(v) for v in x)
    if isinstance(x, dict):
        return any(_needs_grad(v) for v in x.values())
    return False


def _on_arrays(name: str, run: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    result = run(*_arrays(args), **_arrays(kwargs))
    if state.enabled and _carries_values(result) and (_needs_grad(args) or _needs_grad(kwargs)):
        raise TypeError(
            f"numpy.{name} has no gradient rule in autograd_core: use the engine's function of "
            "that name (ag.<name>), or .detach() the Tensor to leave the graph"
        )
    return result


def _carries_values(x: Any) -> bool:
    """Floating results are the ones a gradient would flow through (shapes, ints, bools not)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype.kind in "fc"
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)):
        return any(_carries_values(v) for v in x)
    return False


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    out = kwargs.get("out")
    if out is not None:  # writing into given arrays: plain NumPy, nothing recorded
        outs = out if isinstance(out, tuple) else (out,)
        for o in outs:
            if isinstance(o, Tensor):
                o._check_inplace(f"numpy.{ufunc.__name__}(out=...)")
        getattr(ufunc, method)(*_arrays(inputs), **{**kwargs, "out": _arrays(outs)})
        return outs[0] if len(outs) == 1 else outs
    if method == "__call__" and not kwargs and ufunc in UFUNCS:
        return UFUNCS[ufunc](*inputs)
    if method == "reduce" and ufunc in REDUCTIONS and len(inputs) == 1:
        axis = kwargs.get("axis", 0)
        if set(kwargs) <= {"axis", "keepdims"}:
            return REDUCTIONS[ufunc](inputs[0], axis=axis,
                                     keepdims=bool(kwargs.get("keepdims", False)))
    result = _on_arrays(f"{ufunc.__name__}.{method}" if method != "__call__" else ufunc.__name__,
                        getattr(ufunc, method), inputs, kwargs)
    return _leaf(result) if isinstance(result, np.ndarray) else result


def array_function(func: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    impl = FUNCTIONS.get(func)
    if impl is not None:
        return impl(*args, **kwargs)
    return _on_arrays(getattr(func, "__name__", str(func)), func, args, kwargs)
