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
from .tensor import (  # the underscored names are also those of the written-out methods
    _EMPTY,  # noqa: F401
    Tensor,
    _binary,  # noqa: F401
    _new,
    _next_seq,
    _rbinary,  # noqa: F401
    _unary,
    _unary_float,
    apply,
)

_F64 = np.dtype(np.float64)
class _traced:  # noqa: N801 (a switch, read as `_traced.on`)
    """`on` while ag.compile traces a step (compiler.py): Scalars then take the Tensor's
    paths, which the trace sees; their values move into arrays as those paths read them."""

    on = False


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


_np_tanh = np.tanh
_log = _guarded(math.log, np.log)
_sqrt = _guarded(math.sqrt, np.sqrt)
_sin = _guarded(math.sin, np.sin)
_cos = _guarded(math.cos, np.cos)
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
    "tanh": _np_float(_np_tanh),
    "exp": _exp,
    "sigmoid": _sigmoid,
    "log": _log,
    "sqrt": _sqrt,
    "sin": _sin,
    "cos": _cos,
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
    t._g = None
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
    t._g = None
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


# The operators are the hot path of micrograd-style code (~1 µs an op all in, of which making
# the node is most): each is written out from this template, with its arithmetic inline and the
# node made in place (the stores of `_snode`), rather than as calls to shared helpers.
_NODE = """t = _new(Scalar)
{i}t._v = v
{i}t._g = None
{i}t._grad = None
{i}t.requires_grad = True
{i}t.name = None
{i}t._op = op
{i}t._args = {args}
{i}t._arrays = {arrays}
{i}t._params = _EMPTY
{i}t._seq = _next_seq()
{i}t._version = 0
{i}t._meta = None
{i}t._scope = state.scope
{i}if _anomaly.enabled:
{i}    check_forward(t)
{i}return t"""
_BINARY = """def method(self, other):
    a = self._v
    if a is not None and not _traced.on:
        cls = other.__class__
        if cls is Scalar:
            b = other._v
            if b is not None:
                v = {expr}
                if (self.requires_grad or other.requires_grad) and state.enabled:
                    {node_ab}
                return scalar_leaf(v)
        elif cls is float or cls is int:
            b = other
            v = {expr}
            if self.requires_grad and state.enabled:
                {node_a}
            return scalar_leaf(v)
    return _binary(op, self, other)
"""
_RBINARY = """def method(self, other):
    b = self._v
    cls = other.__class__
    if b is not None and (cls is float or cls is int) and not _traced.on:
        a = other
        v = {expr}
        if self.requires_grad and state.enabled:
            {node_b}
        return scalar_leaf(v)
    if isinstance(other, Tensor):
        # tensor * scalar asks the subclass first: the Tensor's own method is the one
        return NotImplemented
    return _rbinary(op, other, self)
"""


def _written(template: str, op: Any, expr: str) -> Callable[[Scalar, Any], Tensor]:
    src = template.format(
        expr=expr,
        node_ab=_NODE.format(i=" " * 20, args="(self, other)", arrays="(a, b)"),
        node_a=_NODE.format(i=" " * 16, args="(self, None)", arrays="(a, b)"),
        node_b=_NODE.format(i=" " * 12, args="(None, self)", arrays="(a, b)"),
    )
    scope = {**globals(), "op": op}
    exec(compile(src, f"<Scalar {op.name}>", "exec"), scope)
    return scope["method"]


def _binary_method(op: Any, expr: str) -> Callable[[Scalar, Any], Tensor]:
    return _written(_BINARY, op, expr)


def _rbinary_method(op: Any, expr: str) -> Callable[[Scalar, Any], Tensor]:
    return _written(_RBINARY, op, expr)


_UNARY_TEMPLATE = """def method(self):
    a = self._v
    if a is None or _traced.on:
        return general(op, self)
    v = {expr}
    if self.requires_grad and state.enabled:
        {node}
    return scalar_leaf(v)
"""


def _unary_method(op: Any, expr: str, floating: bool) -> Callable[[Scalar], Tensor]:
    src = _UNARY_TEMPLATE.format(expr=expr, node=_NODE.format(i=" " * 8, args="(self,)",
                                                                  arrays="(a,)"))
    scope = {**globals(), "op": op, "general": _unary_float if floating else _unary}
    exec(compile(src, f"<Scalar {op.name}>", "exec"), scope)
    return scope["method"]


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
    if _traced.on:
        return apply(op, args, params)
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

    __slots__ = ("_v", "_g")  # the value; the pending gradient during backward (engine.py)

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
        """The float, following a view to what it shows; None once the value is an array (and
        while a step is traced, so that reading a value goes through the trace's guards)."""
        if _traced.on:
            return None
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
        if _traced.on or (self._v is None
                          and _DATA.__get__(self, Scalar).__class__ is not Scalar):
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
        if _traced.on or (self._v is None
                          and _DATA.__get__(self, Scalar).__class__ is not Scalar):
            return super().detach()
        t = _view(self)
        if self._op is not None:
            t._meta = {"base": weakref.ref(self)}
        return t

    def _inplace(self, other: Any, f: Callable[[Any, Any], float], what: str) -> Any:
        """x += y on a float: written into the Scalar (or the one a view shows) when nothing
        records it; everything else takes the Tensor's path."""
        if not _traced.on and not (state.enabled and (
                self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))):
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
    # + - * / : written out below the class (they name it)

    def __pow__(self, other: Any) -> Tensor:
        a = self._v
        cls = other.__class__
        if a is not None and (cls is float or cls is int) and not _traced.on:
            v = _pow(a, other)
            if self.requires_grad and state.enabled:
                return _snode(v, POW_SCALAR, (self,), (_SavedForPow(a),), {"exponent": other})
            return scalar_leaf(v)
        return Tensor.__pow__(self, other)

    # -x, abs, relu, sigmoid, tanh, exp, log, sqrt, sin, cos: written out below the class


for _dunder, _op, _expr in (("add", ADD, "a + b"), ("sub", SUB, "a - b"), ("mul", MUL, "a * b"),
                            ("truediv", DIV, "a / b if b else _div(a, b)")):
    setattr(Scalar, f"__{_dunder}__", _binary_method(_op, _expr))
    setattr(Scalar, f"__r{_dunder}__", _rbinary_method(_op, _expr))

for _name, _expr, _floating in (
        ("neg", "-a", False), ("abs", "abs(a)", False), ("relu", "a if a > 0 or a != a else 0.0",
                                                          False),
        ("sigmoid", "_sigmoid(a)", False), ("tanh", "float(_np_tanh(a))", True),
        ("exp", "_exp(a)", True), ("log", "_log(a)", True), ("sqrt", "_sqrt(a)", True),
        ("sin", "_sin(a)", True), ("cos", "_cos(a)", True)):
    _method = _unary_method(REGISTRY[_name], _expr, _floating)
    setattr(Scalar, _name, _method)
Scalar.__neg__ = Scalar.negative = Scalar.neg  # type: ignore[method-assign]
Scalar.__abs__ = Scalar.abs  # type: ignore[method-assign]


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
