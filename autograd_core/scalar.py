"""The scalar path: 0-d float64 Tensors whose value is a Python float, for micrograd-style code.

A program of one number per Tensor (`sum(w * x for ...)`, `.relu()`, `.backward()`) pays, on
the ndarray path, for a 0-d array per op (a NumPy call is ~0.5 µs on one element) and for the
general backward loop. A `Scalar` is a Tensor whose value is a float while nothing needs it as
an array: its operators compute on floats, record the same node (op, inputs, saved values) as
`_node` does, and the engine runs the same registry rules on floats through `SC`, one more
namespace `F` beside NP and TN (engine._propagate_scalar). So the graph, the gradients, hooks
and pictures are those of the ndarray path; only the representation of a value differs.

A Scalar keeps the float until something asks for `_data`: then the value moves into a 0-d
array for good (`_data` is the Tensor's storage, which callers may write into or share), and
from there on the Scalar is an ordinary Tensor and its ops take the ndarray path. Reading the
value (`item()`, `repr`, `shape`) does not move it. `.data` and `.detach()` give a view that
writes through (`p.data -= lr * p.grad` changes p) without moving it either.

Equal results: `+ - * /` are IEEE operations in both; NumPy's tanh and power are its own code
(SIMD), so those run through NumPy on the float (`float(np.tanh(x))`); math.exp, log, sin, cos,
sqrt agree with NumPy bit for bit where they are defined (tests/autograd_core/
test_scalar_path.py checks all of this). Where Python would raise or go complex (x / 0,
math.log(-1), (-8) ** 0.5) the op is computed by NumPy instead, so results and warnings are
NumPy's. float32 and integer 0-d Tensors stay on the ndarray path, which rounds as they must.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from .anomaly import check_forward
from .modes import _anomaly, state
from .ops import REGISTRY
from .ops.registry import NP
from .tensor import (
    _EMPTY,
    Tensor,
    _binary,
    _new,
    _next_seq,
    _rbinary,
    _unary,
    _unary_float,
    apply,
)

_F64 = np.dtype(np.float64)
_DATA = Tensor.__dict__["_data"]  # the storage slot, which a Scalar fills only when asked
_INF = math.inf
ADD, SUB, MUL, DIV = REGISTRY["add"], REGISTRY["sub"], REGISTRY["mul"], REGISTRY["div"]
NEG, POW_SCALAR = REGISTRY["neg"], REGISTRY["pow_scalar"]


# -- SC: the registry's ops on Python floats ---------------------------------------------------
def _via_numpy(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An op with no float form of its own: NumPy's, its 0-d result read back as a number."""

    def run(*args: Any, **params: Any) -> Any:
        r = fn(*args, **params)
        if r.__class__ is np.ndarray and r.ndim == 0 or isinstance(r, np.generic):
            return r.item()
        return r

    run.__name__ = getattr(fn, "__name__", "op")
    return run


def _np_float(fn: Callable[..., Any]) -> Callable[..., float]:
    def run(x: float) -> float:
        return float(fn(x))

    return run


def _guarded(fast: Callable[[float], float], slow: Callable[..., Any]) -> Callable[..., float]:
    """math's function where it is defined; NumPy's inf, nan and warnings where it raises."""

    def run(x: float) -> float:
        try:
            return fast(x)
        except (ValueError, OverflowError):
            return float(slow(x))

    return run


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _div(a: Any, b: Any) -> float:
    if b:
        return a / b
    return float(np.true_divide(float(a), b))


def _pow(x: float, exponent: Any) -> float:
    return float(np.power(x, exponent))


class _SavedForPow(float):
    """A saved input of pow whose ** is NumPy's: NumPy computes x ** 2, x ** 0.5 and x ** -1
    as square, sqrt and reciprocal, which differ from C's pow() in the last bit now and then,
    and the rules of pow raise their inputs to powers."""

    __slots__ = ()

    def __pow__(self, exponent: Any) -> float:  # type: ignore[override]
        return float(np.power(float(self), exponent))

    def __rpow__(self, base: Any) -> float:  # type: ignore[override]
        return float(np.power(base, float(self)))


def _relu(x: float) -> float:
    return x if x > 0 or x != x else 0.0  # np.maximum(x, 0): -0.0 gives 0.0, nan stays nan


def _sigmoid(x: float) -> float:
    return 1.0 / (_exp(-x) + 1.0)  # the NumPy form's steps: negate, exp, add 1, reciprocal


def _where(c: Any, a: Any, b: Any) -> Any:
    return a if c else b


def _cast(x: Any, dtype: Any) -> Any:
    return float(x) if np.dtype(dtype) == _F64 else np.asarray(x).astype(dtype)


def _sum_to(g: Any, shape: tuple) -> Any:
    if shape != ():
        raise ValueError(f"a scalar gradient cannot be summed to shape {shape}")
    return g


SC = SimpleNamespace()
for _name, _fn in vars(NP).items():
    setattr(SC, _name, _via_numpy(_fn))
_FORMS: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": _div,
    "neg": lambda x: -x,
    "abs": abs,
    "where": _where,
    "cast": _cast,
    "sum_to": _sum_to,
    "relu": _relu,
    "tanh": _np_float(np.tanh),
    "exp": _exp,
    "sigmoid": _sigmoid,
    "log": _guarded(math.log, np.log),
    "sqrt": _guarded(math.sqrt, np.sqrt),
    "sin": _guarded(math.sin, np.sin),
    "cos": _guarded(math.cos, np.cos),
    "pow_scalar": _pow,
}
for _name, _fn in _FORMS.items():
    setattr(SC, _name, _fn)
# the forwards that take one float and give one float, for the unary methods and functions
_FLOAT_FORMS = {k: f for k, f in _FORMS.items() if k not in ("cast", "sum_to", "where")}
_UNARY = {name: _FORMS[name] for name in ("neg", "relu", "tanh", "exp", "sigmoid", "log",
                                          "sqrt", "sin", "cos", "abs")}


# -- making Scalars ------------------------------------------------------------------------------
def scalar_leaf(v: float, requires_grad: bool = False, name: str | None = None) -> Scalar:
    """A Scalar that records no graph (a leaf: a parameter, a gradient, a constant)."""
    t = _new(Scalar)
    t._v = v
    t._grad = None
    t.requires_grad = requires_grad
    t.name = name
    t._op = None
    t._args = None
    t._arrays = None
    t._params = None
    t._seq = 0
    t._version = 0
    t._meta = None
    t._scope = None
    return t


def _snode(v: float, op: Any, args: tuple, arrays: tuple, params: dict) -> Scalar:
    """`tensor._node` for a float result: the same record, no array."""
    t = _new(Scalar)
    t._v = v
    t._grad = None
    t.requires_grad = True
    t.name = None
    t._op = op
    t._args = args
    t._arrays = arrays
    t._params = params
    t._seq = _next_seq()
    t._version = 0
    t._meta = None
    t._scope = state.scope
    if _anomaly.enabled:
        check_forward(t)
    return t


def _binary_method(op: Any, f: Callable[[Any, Any], float]) -> Callable[[Scalar, Any], Tensor]:
    def method(self: Scalar, other: Any) -> Tensor:
        a = self._v
        if a is not None:
            cls = other.__class__
            if cls is Scalar:
                b = other._v
                if b is not None:
                    if (self.requires_grad or other.requires_grad) and state.enabled:
                        return _snode(f(a, b), op, (self, other), (a, b), _EMPTY)
                    return scalar_leaf(f(a, b))
            elif cls is float or cls is int:
                if self.requires_grad and state.enabled:
                    return _snode(f(a, other), op, (self, None), (a, other), _EMPTY)
                return scalar_leaf(f(a, other))
        return _binary(op, self, other)

    return method


def _rbinary_method(op: Any, f: Callable[[Any, Any], float]) -> Callable[[Scalar, Any], Tensor]:
    def method(self: Scalar, other: Any) -> Tensor:
        b = self._v
        cls = other.__class__
        if b is not None and (cls is float or cls is int):
            if self.requires_grad and state.enabled:
                return _snode(f(other, b), op, (None, self), (other, b), _EMPTY)
            return scalar_leaf(f(other, b))
        if isinstance(other, Tensor):
            # tensor * scalar asks the subclass first: the Tensor's own method is the one
            return NotImplemented
        return _rbinary(op, other, self)

    return method


def _unary_method(op: Any, f: Callable[[float], float], floating: bool
                  ) -> Callable[[Scalar], Tensor]:
    general = _unary_float if floating else _unary

    def method(self: Scalar) -> Tensor:
        a = self._v
        if a is None:
            return general(op, self)
        if self.requires_grad and state.enabled:
            return _snode(f(a), op, (self,), (a,), _EMPTY)
        return scalar_leaf(f(a))

    return method


def unary(name: str) -> Callable[..., Tensor]:
    """What `ag.<name>(x, **params)` runs on a Scalar x, for the function layer."""
    if name in _UNARY:
        return getattr(Scalar, name)
    op = REGISTRY[name]

    def run(x: Scalar, **params: Any) -> Tensor:
        return scalar_apply(op, (x,), params)

    return run


def scalar_apply(op: Any, args: tuple, params: dict) -> Tensor:
    """`tensor.apply` for an elementwise op on Scalars and numbers: computed on the floats
    (the op's float form in SC, else NumPy's forward read back as a float) and recorded as a
    Scalar node, whose backward runs the op's rules on floats. Anything else (an array, an
    int or float32 result) goes to `apply`."""
    values = []
    need = False
    for a in args:
        cls = a.__class__
        if cls is Scalar:
            v = a._v
            if v is None:
                break
            values.append(v)
            need = need or a.requires_grad
        elif cls is float or cls is int or a is None:
            values.append(a)
        else:
            break
    else:
        form = _FLOAT_FORMS.get(op.name)
        if form is not None:
            out = form(*values, **params)
        else:
            r = op.forward(*values, **params)
            if getattr(r, "dtype", None) != _F64 or getattr(r, "ndim", 0) != 0:
                return apply(op, args, params)
            out = float(r)
        if need and state.enabled and op.differentiable:
            if op.name in ("pow", "pow_scalar"):
                values = [v if v is None else _SavedForPow(v) for v in values]
            return _snode(out, op, tuple(a if a.__class__ is Scalar else None for a in args),
                          tuple(values), params)
        return scalar_leaf(out)
    return apply(op, args, params)


class Scalar(Tensor):
    """A 0-d float64 Tensor whose value is the Python float `_v` until an array is asked for.

    `_v` is None once the value has moved into the array in the storage slot; for a view made
    by `.data` or `.detach()` the slot holds the Scalar whose value it shows.
    """

    __slots__ = ("_v",)

    @property  # type: ignore[override]
    def _data(self) -> np.ndarray:
        v = self._v
        if v is not None:
            arr = np.array(v)
            _DATA.__set__(self, arr)
            self._v = None
            return arr
        box = _DATA.__get__(self, Scalar)
        if box.__class__ is Scalar:  # a view: from now on it shares the array of what it shows
            box = box._data
            _DATA.__set__(self, box)
        return box

    @_data.setter
    def _data(self, value: Any) -> None:
        self._v = None
        _DATA.__set__(self, value)

    def _value(self) -> float | None:
        """The float, following a view to what it shows; None once the value is an array."""
        v = self._v
        if v is None:
            box = _DATA.__get__(self, Scalar)
            if box.__class__ is Scalar:
                return box._v
        return v

    # -- reading the value without moving it -------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return () if self._value() is not None else self._data.shape

    @property
    def ndim(self) -> int:
        return 0 if self._value() is not None else self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return _F64 if self._value() is not None else self._data.dtype

    def size(self, dim: int | None = None) -> Any:
        return () if dim is None and self._value() is not None else super().size(dim)

    def numel(self) -> int:
        return 1 if self._value() is not None else super().numel()

    def dim(self) -> int:
        return self.ndim

    def item(self) -> Any:
        v = self._value()
        return v if v is not None else super().item()

    tolist = item

    def __float__(self) -> float:
        v = self._value()
        return v if v is not None else super().__float__()

    def __bool__(self) -> bool:
        v = self._value()
        return bool(v) if v is not None else super().__bool__()

    def __format__(self, spec: str) -> str:
        v = self._value()
        return format(v, spec) if v is not None else super().__format__(spec)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        v = self._value()
        if v is not None and copy:  # a copy may be made from the float, an alias may not
            return np.array(v, dtype=dtype)
        return super().__array__(dtype, copy)

    def __repr__(self) -> str:
        v = self._value()
        return self._repr(np.array(v) if v is not None else self._data)  # a copy: no move

    # -- views that write through ---------------------------------------------------------------
    @property  # type: ignore[override]
    def data(self) -> Tensor:
        """A view: `p.data -= lr * p.grad` changes p, as in PyTorch, and keeps p a float."""
        if self._v is None and _DATA.__get__(self, Scalar).__class__ is not Scalar:
            return super().data
        return _view(self)

    @data.setter
    def data(self, value: Any) -> None:
        if value.__class__ is Scalar:
            v = value._value()
            if v is not None:
                if _owner(value) is not self:
                    self._v = v
                return
        Tensor.data.__set__(self, value)

    def detach(self) -> Tensor:
        if self._v is None and _DATA.__get__(self, Scalar).__class__ is not Scalar:
            return super().detach()
        t = _view(self)
        if self._op is not None:
            t._meta = {"base": weakref.ref(self)}
        return t

    def _inplace(self, other: Any, f: Callable[[Any, Any], float], what: str) -> Any:
        """x += y on a float: written into the Scalar (or the one a view shows) when nothing
        records it; everything else takes the Tensor's path."""
        if not (state.enabled and (self.requires_grad or (isinstance(other, Tensor)
                                                          and other.requires_grad))):
            cls = other.__class__
            b = other._value() if cls is Scalar else other if cls is float or cls is int \
                else None
            if b is not None:
                target = _owner(self)
                a = target._v
                if a is not None:
                    target._v = f(a, b)
                    target._version = _next_seq()
                    meta = target._meta
                    if meta is not None and meta.get("base") is not None:
                        target._bump()
                    if target is not self:
                        self._version = target._version
                    return self
        return getattr(Tensor, what)(self, other)

    def __iadd__(self, other: Any) -> Any:
        return self._inplace(other, SC.add, "__iadd__")

    def __isub__(self, other: Any) -> Any:
        return self._inplace(other, SC.sub, "__isub__")

    def __imul__(self, other: Any) -> Any:
        return self._inplace(other, SC.mul, "__imul__")

    def __itruediv__(self, other: Any) -> Any:
        return self._inplace(other, _div, "__itruediv__")

    # -- the ops on floats ------------------------------------------------------------------------
    __add__ = _binary_method(ADD, SC.add)
    __radd__ = _rbinary_method(ADD, SC.add)
    __sub__ = _binary_method(SUB, SC.sub)
    __rsub__ = _rbinary_method(SUB, SC.sub)
    __mul__ = _binary_method(MUL, SC.mul)
    __rmul__ = _rbinary_method(MUL, SC.mul)
    __truediv__ = _binary_method(DIV, _div)
    __rtruediv__ = _rbinary_method(DIV, _div)

    def __pow__(self, other: Any) -> Tensor:
        a = self._v
        cls = other.__class__
        if a is not None and (cls is float or cls is int):
            v = _pow(a, other)
            if self.requires_grad and state.enabled:
                return _snode(v, POW_SCALAR, (self,), (_SavedForPow(a),), {"exponent": other})
            return scalar_leaf(v)
        return Tensor.__pow__(self, other)

    __neg__ = _unary_method(NEG, SC.neg, False)
    neg = negative = __neg__
    __abs__ = abs = _unary_method(REGISTRY["abs"], abs, False)
    relu = _unary_method(REGISTRY["relu"], _relu, False)
    sigmoid = _unary_method(REGISTRY["sigmoid"], _sigmoid, False)
    tanh = _unary_method(REGISTRY["tanh"], SC.tanh, True)
    exp = _unary_method(REGISTRY["exp"], _exp, True)
    log = _unary_method(REGISTRY["log"], SC.log, True)
    sqrt = _unary_method(REGISTRY["sqrt"], SC.sqrt, True)
    sin = _unary_method(REGISTRY["sin"], SC.sin, True)
    cos = _unary_method(REGISTRY["cos"], SC.cos, True)


def _owner(t: Scalar) -> Scalar:
    if t._v is None:
        box = _DATA.__get__(t, Scalar)
        if box.__class__ is Scalar:
            return box
    return t


def _view(t: Scalar) -> Scalar:
    """A leaf that shows t's value (t's own, or what t shows) and writes into it."""
    v = scalar_leaf(0.0)
    v._v = None
    _DATA.__set__(v, _owner(t))
    return v
