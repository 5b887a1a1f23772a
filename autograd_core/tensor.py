"""The Tensor: an ndarray plus, when it was computed from Tensors that require grad, the record
of the op that made it. The Tensor *is* its graph node: no second object per op, which keeps
the per-op cost of recording to a handful of attribute stores.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

import numpy as np

from .modes import _anomaly, state
from .ops import registry
from .ops.registry import Op

_ndarray = np.ndarray
_asarray = np.asarray
_new = object.__new__
_next_seq = count(1).__next__
_EMPTY: dict = {}
_PY_SCALARS = (int, float, bool)

# Python floats and lists of them become float32, as in torch.tensor; arrays keep their dtype.
DEFAULT_FLOAT = np.dtype(np.float32)


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    if isinstance(data, np.generic):
        return np.asarray(data, dtype=dtype)
    arr = np.array(data, dtype=dtype)
    if dtype is None and arr.dtype == np.float64 and not _holds_float64(data):
        arr = arr.astype(DEFAULT_FLOAT)
    if arr.dtype == object:
        raise TypeError(f"cannot make a Tensor from {type(data).__name__}: not numeric data")
    return arr


def _holds_float64(data: Any) -> bool:
    """True when nested data carries float64 arrays or Tensors (which then keep float64)."""
    if isinstance(data, (Tensor, np.ndarray, np.generic)):
        return np.asarray(data).dtype == np.float64
    if isinstance(data, (list, tuple)):
        return any(_holds_float64(d) for d in data)
    return False


def _const(x: Any) -> Any:
    """A non-Tensor operand: Python scalars stay weakly typed, like torch's scalar operands."""
    if isinstance(x, _PY_SCALARS) or isinstance(x, np.ndarray):
        return x
    if isinstance(x, np.generic):
        return x.item()
    return _to_array(x)


class Tensor:
    """An n-dimensional array that can record the ops applied to it for reverse-mode autodiff."""

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "name",
        "_op",
        "_args",
        "_arrays",
        "_params",
        "_seq",
        "_version",
        "_meta",
        "_scope",
        "__weakref__",
    )
    # ndarray (op) Tensor defers to the Tensor's reflected operator instead of broadcasting
    # the Tensor as an object array.
    __array_ufunc__ = None
    __array_priority__ = 1000.0
    __hash__ = object.__hash__

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        arr = _to_array(data, dtype)
        if requires_grad and arr.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad=True needs a floating-point Tensor; got dtype {arr.dtype}"
                " (only floating-point values have gradients)"
            )
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._op = None
        self._args = None
        self._arrays = None
        self._params = None
        self._seq = 0
        self._version = 0
        self._meta = None
        self._scope = None

    # -- attributes ---------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def grad_fn(self) -> GradFn | None:
        return None if self._op is None else GradFn(self)

    @property
    def T(self) -> Tensor:
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.data.shape
        return self.data.shape[_check_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(self.data.shape[0]))

    # -- conversion ---------------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError(
                "numpy() on a Tensor that requires grad: call .detach().numpy() to say that "
                "the array leaves the graph"
            )
        return self.data

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a Tensor with one element; this one has shape {self.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer Tensors of one element can be used as an index")
        return int(self.data.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a Tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = []
        if self.data.dtype != DEFAULT_FLOAT and self.data.dtype.kind == "f":
            extra.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extra.append(f"grad_fn=<{self._op.name}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        if self.name is not None:
            extra.append(f"name={self.name!r}")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    def _repr_svg_(self) -> str | None:
        """Notebooks show a Tensor that has a graph as its SVG picture."""
        if self._op is None:
            return None
        try:
            from .viz import draw_graph

            return draw_graph(self, max_nodes=2000)._repr_image_svg_xml()
        except Exception:
            return None

    # -- graph control ------------------------------------------------------------------------
    def detach(self) -> Tensor:
        """Same data, no history: gradients stop here."""
        return _leaf(self.data)

    def detach_(self) -> Tensor:
        self._op = self._args = self._arrays = self._params = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self._op is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf Tensor: use .detach() to cut the graph"
            )
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad=True needs a floating-point Tensor; got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep .grad of a non-leaf Tensor after backward (leaves keep theirs anyway)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a Tensor that does not require grad")
        if self._op is not None:
            self._meta_dict()["retain"] = True

    @property
    def retains_grad(self) -> bool:
        return bool(self._meta and self._meta.get("retain"))

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """hook(grad) runs when this Tensor's gradient is known; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook on a Tensor that does not require grad")
        hooks = self._meta_dict().setdefault("hooks", [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def _meta_dict(self) -> dict:
        if self._meta is None:
            self._meta = {}
        return self._meta

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulates d(self)/d(leaf) into every leaf's .grad (PyTorch semantics)."""
        from .engine import backward

        backward([self], [gradient], retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs)

    # -- in-place ops: allowed where no recorded graph can be silently invalidated ---------------
    def _check_inplace(self, what: str) -> None:
        if self.requires_grad and state.enabled:
            kind = "a leaf Tensor" if self._op is None else "a Tensor in a graph"
            raise RuntimeError(
                f"{what}: in-place change of {kind} that requires grad; do it under "
                "ag.no_grad(), or use the out-of-place op"
            )
        self._version = _next_seq()

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        self.data[_index_key(index)] = value.data if isinstance(value, Tensor) else value

    def copy_(self, src: Any) -> Tensor:
        self._check_inplace("copy_")
        np.copyto(self.data, src.data if isinstance(src, Tensor) else src, casting="unsafe")
        return self

    def zero_(self) -> Tensor:
        self._check_inplace("zero_")
        self.data[...] = 0
        return self

    def fill_(self, value: float) -> Tensor:
        self._check_inplace("fill_")
        self.data[...] = value
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        self._check_inplace("add_")
        o = other.data if isinstance(other, Tensor) else other
        self.data += o if alpha == 1 else alpha * o
        return self

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self.add_(other, -alpha)

    def mul_(self, other: Any) -> Tensor:
        self._check_inplace("mul_")
        self.data *= other.data if isinstance(other, Tensor) else other
        return self

    def div_(self, other: Any) -> Tensor:
        self._check_inplace("div_")
        self.data /= other.data if isinstance(other, Tensor) else other
        return self

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        self._check_inplace("clamp_")
        np.clip(self.data, min, max, out=self.data)
        return self

    clip_ = clamp_

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        from .creation import _rng

        self._check_inplace("uniform_")
        self.data[...] = _rng().uniform(a, b, self.data.shape)
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        from .creation import _rng

        self._check_inplace("normal_")
        self.data[...] = _rng().normal(mean, std, self.data.shape)
        return self

    # augmented assignment: in place where no graph is being recorded (`w -= lr * w.grad`
    # under no_grad keeps w the same leaf, as in PyTorch); inside a recorded graph it falls
    # back to the out-of-place op, which autograd can differentiate
    def _inplace(self, other: Any, ufunc: Any) -> Any:
        if state.enabled and (self.requires_grad or (isinstance(other, Tensor)
                                                     and other.requires_grad)):
            return NotImplemented
        self._version = _next_seq()
        ufunc(self.data, other.data if isinstance(other, Tensor) else other, out=self.data)
        return self

    def __iadd__(self, other: Any) -> Any:
        return self._inplace(other, np.add)

    def __isub__(self, other: Any) -> Any:
        return self._inplace(other, np.subtract)

    def __imul__(self, other: Any) -> Any:
        return self._inplace(other, np.multiply)

    def __itruediv__(self, other: Any) -> Any:
        return self._inplace(other, np.true_divide)

    # -- operators (binary ops go through one fast path) --------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _binary(ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _rbinary(ADD, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _rbinary(SUB, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _rbinary(MUL, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _rbinary(DIV, other, self)

    def __pow__(self, other: Any) -> Tensor:
        if isinstance(other, _PY_SCALARS) and not isinstance(other, bool):
            return _unary(POW_SCALAR, self, exponent=other)
        return _binary(POW, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _rbinary(POW, other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _binary(MATMUL, self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _rbinary(MATMUL, other, self)

    def __neg__(self) -> Tensor:
        return _unary(NEG, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _unary(ABS, self)

    def __getitem__(self, index: Any) -> Tensor:
        return _unary(GETITEM, self, index=_index_key(index))

    # comparisons carry no gradient
    def __lt__(self, other: Any) -> Tensor:
        return _leaf(np.less(self.data, _plain(other)))

    def __le__(self, other: Any) -> Tensor:
        return _leaf(np.less_equal(self.data, _plain(other)))

    def __gt__(self, other: Any) -> Tensor:
        return _leaf(np.greater(self.data, _plain(other)))

    def __ge__(self, other: Any) -> Tensor:
        return _leaf(np.greater_equal(self.data, _plain(other)))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _leaf(np.equal(self.data, _plain(other)))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _leaf(np.not_equal(self.data, _plain(other)))

    def __invert__(self) -> Tensor:
        return _leaf(np.invert(self.data))

    def __and__(self, other: Any) -> Tensor:
        return _leaf(np.bitwise_and(self.data, _plain(other)))

    def __or__(self, other: Any) -> Tensor:
        return _leaf(np.bitwise_or(self.data, _plain(other)))

    def __xor__(self, other: Any) -> Tensor:
        return _leaf(np.bitwise_xor(self.data, _plain(other)))

    def __rand__(self, other: Any) -> Tensor:
        return self.__and__(other)

    def __ror__(self, other: Any) -> Tensor:
        return self.__or__(other)

    def __floordiv__(self, other: Any) -> Tensor:
        return _leaf(np.floor_divide(self.data, _plain(other)))

    def __mod__(self, other: Any) -> Tensor:
        return _leaf(np.mod(self.data, _plain(other)))


class _HookHandle:
    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class GradFn:
    """A view of the node that produced a Tensor, named like PyTorch's (`MulBackward`)."""

    __slots__ = ("_t",)

    def __init__(self, t: Tensor) -> None:
        self._t = t

    def name(self) -> str:
        return _backward_name(self._t._op.name)

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GradFn) and other._t is self._t

    def __hash__(self) -> int:
        return id(self._t)

    @property
    def next_functions(self) -> tuple:
        args = self._t._args or ()
        return tuple(
            (
                None
                if a is None or not a.requires_grad
                else (GradFn(a) if a._op is not None else AccumulateGrad(a)),
                0,
            )
            for a in args
        )

    @property
    def op(self) -> Op:
        return self._t._op

    @property
    def params(self) -> dict:
        return dict(self._t._params or {})


class AccumulateGrad:
    """Where a leaf's gradient lands, as PyTorch names it in next_functions."""

    __slots__ = ("variable",)

    def __init__(self, t: Tensor) -> None:
        self.variable = t

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _backward_name(op_name: str) -> str:
    return "".join(p.capitalize() for p in op_name.split("_")) + "Backward"


# -- making Tensors fast ----------------------------------------------------------------------
def _leaf(data: Any) -> Tensor:
    """A result that records no graph."""
    if data.__class__ is not _ndarray:
        data = _asarray(data)
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = False
    t.name = None
    t._op = None
    t._args = None
    t._arrays = None
    t._params = None
    t._seq = 0
    t._version = 0
    t._meta = None
    t._scope = None
    return t


def _node(data: Any, op: Op, args: tuple, arrays: tuple, params: dict) -> Tensor:
    """A result that records the op, its inputs and its params, for backward."""
    if data.__class__ is not _ndarray:
        data = _asarray(data)
    t = _new(Tensor)
    t.data = data
    t.grad = None
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
        _anomaly_forward(t)
    return t


def _plain(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _binary(op: Op, a: Tensor, b: Any) -> Tensor:
    ad = a.data
    if isinstance(b, Tensor):
        bd = b.data
        try:
            out = op.forward(ad, bd)
        except ValueError as e:
            raise _shape_error(op, ad, bd, e) from None
        if (a.requires_grad or b.requires_grad) and state.enabled:
            return _node(out, op, (a, b), (ad, bd), _EMPTY)
        return _leaf(out)
    bd = _const(b)
    if bd.__class__ is float and ad.dtype.kind in "iub":
        ad = ad.astype(DEFAULT_FLOAT)  # int Tensor (op) Python float -> float32, as in PyTorch
    try:
        out = op.forward(ad, bd)
    except ValueError as e:
        raise _shape_error(op, ad, bd, e) from None
    if a.requires_grad and state.enabled:
        return _node(out, op, (a, None), (ad, bd), _EMPTY)
    return _leaf(out)


def _rbinary(op: Op, a: Any, b: Tensor) -> Tensor:
    ad = _const(a)
    bd = b.data
    if ad.__class__ is float and bd.dtype.kind in "iub":
        bd = bd.astype(DEFAULT_FLOAT)
    try:
        out = op.forward(ad, bd)
    except ValueError as e:
        raise _shape_error(op, ad, bd, e) from None
    if b.requires_grad and state.enabled:
        return _node(out, op, (None, b), (ad, bd), _EMPTY)
    return _leaf(out)


def _shape_error(op: Op, a: Any, b: Any, e: Exception) -> ValueError:
    """NumPy's message names neither the op nor, for matmul, the shapes: this one does."""
    sa, sb = np.shape(a), np.shape(b)
    if op.name == "matmul":
        return ValueError(f"matmul: shapes {sa} and {sb} do not match (the last dimension of "
                          f"the first must equal the contracted dimension of the second)")
    return ValueError(f"{op.name}: shapes {sa} and {sb} do not broadcast together ({e})")


def _unary(op: Op, x: Tensor, **params: Any) -> Tensor:
    xd = x.data
    out = op.forward(xd, **params)
    if x.requires_grad and state.enabled:
        return _node(out, op, (x,), (xd,), params)
    return _leaf(out)


def apply(op: Op, args: tuple, params: dict) -> Tensor:
    """Runs a registered op on Tensors and constants, recording it when a gradient can flow."""
    arrays = []
    parents = []
    need = False
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a.data)
            parents.append(a)
            if a.requires_grad:
                need = True
        else:
            arrays.append(_const(a) if a is not None else None)
            parents.append(None)
    out = op.forward(*arrays, **params)
    if need and state.enabled and op.differentiable:
        return _node(out, op, tuple(parents), tuple(arrays), params)
    return _leaf(out)


registry.set_apply(apply)


def _index_key(index: Any) -> Any:
    """Tensors inside an index become arrays; lists become integer or boolean arrays."""
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(i: Any) -> Any:
    if isinstance(i, Tensor):
        return i.data
    if isinstance(i, list):
        return np.asarray(i)
    return i


def _check_dim(dim: int, ndim: int, op: str) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dim {dim} is out of range for a Tensor with {ndim} dimensions "
            f"(expected a value in [{-n}, {n - 1}])"
        )
    return dim % n


# -- anomaly detection ------------------------------------------------------------------------
_LIBRARY_DIRS: tuple[str, ...] | None = None


def _library_dirs() -> tuple[str, ...]:
    """The folders of this project's packages: frames there are not the user's code."""
    global _LIBRARY_DIRS
    if _LIBRARY_DIRS is None:
        import importlib.util
        import os

        dirs = []
        for name in ("autograd_core", "nn", "optim"):
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.submodule_search_locations:
                dirs += [os.path.join(os.path.abspath(d), "") for d in
                         spec.submodule_search_locations]
        _LIBRARY_DIRS = tuple(dirs)
    return _LIBRARY_DIRS


def _creation_site() -> list:
    import os

    stack = traceback.extract_stack()
    lib = _library_dirs()
    user = [f for f in stack if not os.path.abspath(f.filename).startswith(lib)]
    return user or stack


def _where(t: Tensor) -> str:
    trace = (t._meta or {}).get("trace")
    if not trace:
        return "(creation site not recorded)"
    f = trace[-1]
    return f'File "{f.filename}", line {f.lineno}, in {f.name}: {f.line}'


def _anomaly_forward(t: Tensor) -> None:
    t._meta_dict()["trace"] = _creation_site()
    d = t.data
    if d.dtype.kind in "fc" and not np.isfinite(d).all():
        bad = "nan" if np.isnan(d).any() else "inf"
        raise FloatingPointError(
            f"detect_anomaly: op '{t._op.name}' produced {bad} in its forward output "
            f"(shape {d.shape}); created at {_where(t)}"
        )


def anomaly_backward(t: Tensor, i: int, g: Any) -> None:
    arr = g.data if isinstance(g, Tensor) else g
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        bad = "nan" if np.isnan(arr).any() else "inf"
        raise FloatingPointError(
            f"detect_anomaly: the backward of op '{t._op.name}' ({_backward_name(t._op.name)}) "
            f"produced {bad} in the gradient of its input {i} (shape {np.shape(arr)}); "
            f"the op was created at {_where(t)}"
        )


# Ops the operators need; registered by the ops package, bound here after it loads.
ADD = SUB = MUL = DIV = POW = POW_SCALAR = MATMUL = NEG = ABS = GETITEM = None  # type: ignore


def _bind_operator_ops() -> None:
    global ADD, SUB, MUL, DIV, POW, POW_SCALAR, MATMUL, NEG, ABS, GETITEM
    r = registry.REGISTRY
    ADD, SUB, MUL, DIV = r["add"], r["sub"], r["mul"], r["div"]
    POW, POW_SCALAR, MATMUL = r["pow"], r["pow_scalar"], r["matmul"]
    NEG, ABS, GETITEM = r["neg"], r["abs"], r["getitem"]
