"""The Tensor: an ndarray plus, when it was computed from Tensors that require grad, the record
of the op that made it. The Tensor *is* its graph node: no second object per op, which keeps
the per-op cost of recording to a handful of attribute stores.

Every method is declared on the class. Operators and the plain elementwise methods run their op
here; methods that share a public function's argument handling (`x.sum(1)` is `ag.sum(x, 1)`)
call that function through the package namespace when they run, as torch's Tensor methods call
torch's functions. Below the class: making result Tensors (`apply` and its fast paths), and TN,
the namespace in which the rules run on Tensors under create_graph.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from itertools import count
from typing import Any

import numpy as np

import autograd_core as ag  # the public functions, looked up when a method runs

from . import dtypes
from .anomaly import backward_name, check_forward, public_caller
from .arguments import check_dim
from .modes import _anomaly, state
from .ops import REGISTRY, TENSOR_HELPERS, Op
from .rng import numpy_generator
from .unsupported import complex_error

_ndarray = np.ndarray
_asarray = np.asarray
_new = object.__new__
_next_seq = count(1).__next__
_EMPTY: dict = {}
_PY_SCALARS = (int, float, bool)
_recorder: Any = None  # set by ag.compile while it traces a step (compiler.py): sees results made

# the ops behind the operators and the elementwise methods
ADD, SUB, MUL, DIV = REGISTRY["add"], REGISTRY["sub"], REGISTRY["mul"], REGISTRY["div"]
POW, POW_SCALAR, MATMUL = REGISTRY["pow"], REGISTRY["pow_scalar"], REGISTRY["matmul"]
NEG, ABS, GETITEM = REGISTRY["neg"], REGISTRY["abs"], REGISTRY["getitem"]
EXP, LOG, LOG1P, SQRT = REGISTRY["exp"], REGISTRY["log"], REGISTRY["log1p"], REGISTRY["sqrt"]
SIN, COS, TAN, TANH = REGISTRY["sin"], REGISTRY["cos"], REGISTRY["tan"], REGISTRY["tanh"]
SIGMOID, RELU, SIGN = REGISTRY["sigmoid"], REGISTRY["relu"], REGISTRY["sign"]

MaxResult = namedtuple("MaxResult", ["values", "indices"])

def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, np.ndarray):
        arr = data if dtype is None or data.dtype == dtype else data.astype(dtype)
    elif isinstance(data, np.generic):
        arr = np.asarray(data, dtype=dtype)
    else:
        arr = np.array(data, dtype=dtype)
        if dtype is None and arr.dtype == np.float64 and not _holds_float64(data):
            arr = arr.astype(dtypes.get_default_dtype())  # Python floats: the default dtype
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "c":
            raise complex_error("tensor")
        raise TypeError(f"cannot make a Tensor from {type(data).__name__}: not numeric data "
                        f"(NumPy reads it as dtype {arr.dtype})")
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
    try:
        return _to_array(x)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{public_caller(x)}: {err}") from None


class Tensor:
    """An n-dimensional array that can record the ops applied to it for reverse-mode autodiff."""

    __slots__ = (
        "_data",
        "_grad",
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
        "_trace",
        "__weakref__",
    )
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
        self._data = arr
        self._grad = None
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
        self._trace = None

    # -- attributes ---------------------------------------------------------------------------
    @property
    def grad(self) -> Tensor | None:
        """The gradient that backward accumulated here (leaves, and Tensors that retain_grad)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got "
                                f"{type(value).__name__}")
            if value.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: shape "
                                   f"{value.shape}, but the Tensor has shape {self.shape}")
            if value.dtype != self._data.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: dtype "
                                   f"{value.dtype}, but the Tensor has dtype {self.dtype}")
        if _recorder is not None:
            _recorder.set_grad(self, value)
        self._grad = value

    @property
    def data(self) -> Tensor:
        """This Tensor's values as a Tensor that shares its memory and records nothing.

        As in PyTorch: changes made through it (`p.data -= lr * p.grad`, `p.grad.data.zero_()`)
        change this Tensor and are invisible to autograd; the ndarray itself is `.numpy()`.
        """
        return _leaf(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else _to_array(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

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

    @property
    def mH(self) -> Tensor:
        """The conjugate transpose of the last two dims: mT, as every Tensor here is real."""
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                               f"{self.ndim}-D tensor.")
        return self.permute(*range(self.ndim - 1, -1, -1))

    def adjoint(self) -> Tensor:
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return self._data.shape
        return self._data.shape[check_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        return int(self._data.size)

    def dim(self) -> int:
        return self._data.ndim

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # -- conversion ---------------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if _recorder is not None:
            _recorder.reads(self, "np.asarray()")
        if dtype is not None and dtype != self._data.dtype:
            return self._data.astype(dtype)
        return self._data

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """np.exp(t), ndarray + t: NumPy's ufuncs run the engine's ops (see interop.py)."""
        return ag.interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        """np.sum(t), np.concatenate([a, b]): NumPy's functions run the engine's."""
        return ag.interop.array_function(func, args, kwargs)

    def numpy(self) -> np.ndarray:
        if _recorder is not None:
            _recorder.reads(self, "numpy()")
        if self.requires_grad:
            raise RuntimeError(
                "numpy() on a Tensor that requires grad: call .detach().numpy() to say that "
                "the array leaves the graph"
            )
        return self._data

    def item(self) -> Any:
        if _recorder is not None:
            _recorder.reads(self, "item()")
        if self._data.size != 1:
            raise ValueError(
                f"item() needs a Tensor with one element; this one has shape {self.shape}"
            )
        return self._data.item()

    def tolist(self) -> Any:
        if _recorder is not None:
            _recorder.reads(self, "tolist()")
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if _recorder is not None:
            _recorder.reads(self, "an index (__index__)")
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer Tensors of one element can be used as an index")
        return int(self._data.item())

    def __bool__(self) -> bool:
        if _recorder is not None:
            _recorder.reads(self, "bool()")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a Tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self._data.item())

    def __repr__(self) -> str:
        return self._repr(self._data)

    def _repr(self, arr: np.ndarray) -> str:
        body = np.array2string(arr, separator=", ", prefix="tensor(")
        extra = []
        if arr.dtype != dtypes.get_default_dtype() and arr.dtype.kind == "f":
            extra.append(f"dtype={arr.dtype}")
        if self._op is not None:
            extra.append(f"grad_fn=<{self._op.name}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        if self.name is not None:
            extra.append(f"name={self.name!r}")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    def __format__(self, spec: str) -> str:
        """A 0-d Tensor formats as its number (f"{loss:.4f}"), as in PyTorch."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return object.__format__(self, spec)

    def _repr_svg_(self) -> str | None:
        """Notebooks show a Tensor that has a graph as its SVG picture."""
        if self._op is None:
            return None
        try:
            return ag.viz.draw_graph(self)._repr_image_svg_xml()  # large graphs: summarized
        except Exception:
            return None

    # -- graph control ------------------------------------------------------------------------
    def detach(self) -> Tensor:
        """Same data, no history: gradients stop here. An in-place change through the result
        counts as a change of this Tensor, so backward still refuses a stale input."""
        t = _leaf(self._data)
        if self._op is not None:
            t._meta = {"base": weakref.ref(self)}
        return t

    def detach_(self) -> Tensor:
        self._op = self._args = self._arrays = self._params = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self._op is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf Tensor: use .detach() to cut the graph"
            )
        if requires_grad and self._data.dtype.kind not in "fc":
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
        ag.engine.backward([self], [gradient], retain_graph=retain_graph,
                           create_graph=create_graph, inputs=inputs)

    # -- in-place ops ----------------------------------------------------------------------------
    # As in PyTorch: an in-place op changes this Tensor, so every reference sees the change.
    # When autograd must see it (grad mode on, and this Tensor or an operand requires grad), the
    # op is recorded: this Tensor becomes the op's result and its former node lives on as
    # `before`, which the consumers recorded earlier still reach (`as_used_by`). Otherwise the
    # array is written in place and the version bump lets backward refuse a stale input.
    def _records(self, what: str, *others: Any) -> bool:
        if not state.enabled:
            return False
        if self.requires_grad:
            if self._op is None:
                raise RuntimeError(
                    f"{what}: a leaf Tensor that requires grad is being used in an in-place "
                    "operation; change it under ag.no_grad() (as an optimizer step does), "
                    "or change a .clone()")
        elif not any(isinstance(o, Tensor) and o.requires_grad for o in others):
            return False
        for p in self._args or ():  # a view of its input: that Tensor would have to change too
            if p is not None and np.may_share_memory(as_used_by(p, self._seq)._data,
                                                     self._data):
                raise RuntimeError(
                    f"{what}: in-place change of a view (shape {self.shape}) of another Tensor "
                    f"of the graph (shape {p.shape}) is not supported; use the out-of-place "
                    "op, or change a .clone()")
        return True

    def _rebase(self, what: str, new: Tensor) -> Tensor:
        """Makes this Tensor the recorded result `new`, keeping its former node as `before`."""
        if new.shape != self._data.shape:
            raise RuntimeError(
                f"{what}: the result has shape {tuple(new.shape)}, which does not match this "
                f"Tensor's shape {tuple(self._data.shape)}; an in-place op keeps the shape")
        if new.dtype != self._data.dtype:
            if not np.can_cast(new.dtype, self._data.dtype, casting="same_kind"):
                raise RuntimeError(f"{what}: result type {new.dtype} can't be cast to the "
                                   f"desired output type {self._data.dtype}")
            new = new.to(self._data.dtype)
        if _recorder is not None:
            _recorder.inplace(self, what)
        before = _new(Tensor)
        for slot in ("_data", "requires_grad", "name", "_op", "_args", "_arrays", "_params",
                     "_seq", "_version", "_scope"):
            setattr(before, slot, getattr(self, slot))
        before._trace = getattr(self, "_trace", None)  # unset on the fast paths (_node, _leaf)
        before._grad = None
        meta = dict(self._meta or {})
        older = meta.get("before")
        kept = {"before": older, "rebased_at": meta["rebased_at"]} if older is not None else {}
        if meta.get("hooks"):  # as in PyTorch: hooks registered so far see the old value's grad
            kept["hooks"] = meta.pop("hooks")
        before._meta = kept or None
        self._data, self.requires_grad, self._op = new._data, new.requires_grad, new._op
        self._args, self._arrays, self._params = new._args, new._arrays, new._params
        self._seq, self._scope, self._trace = new._seq, new._scope, None
        v = self._version = _next_seq()  # newer than the node: its own input is `before`
        self._meta = {**meta, "before": before, "rebased_at": v}
        return self

    def _bump(self) -> None:
        """Marks an in-place write into the array (shared with the Tensor it was detached from)."""
        if _recorder is not None:
            _recorder.inplace(self, "an in-place write")
        v = self._version = _next_seq()
        meta = self._meta
        base = meta.get("base") if meta is not None else None
        if base is not None and base() is not None:
            base()._version = v

    def _check_inplace(self, what: str) -> None:
        """For writes that cannot be recorded: refuses them where autograd would need to see."""
        if self._records(what):
            raise RuntimeError(
                f"{what}: in-place change of a Tensor in a graph that requires grad cannot be "
                "recorded; do it under ag.no_grad(), or use the out-of-place op")
        self._bump()

    def _ufunc_(self, what: str, ufunc: np.ufunc, other: Any) -> Tensor:
        """self = ufunc(self, other) written into the array, refusing a dtype change."""
        if _recorder is not None:
            _recorder.ufunc_(self, ufunc, other)
        try:
            ufunc(self._data, other, out=self._data, casting="same_kind")
        except TypeError as err:  # NumPy's casting errors
            result = np.result_type(self._data, other)
            raise RuntimeError(f"{what}: result type {result} can't be cast to the desired "
                               f"output type {self._data.dtype}") from err
        if self._meta is None:
            self._version = _next_seq()
        else:
            self._bump()
        return self

    def _replaced(self, what: str, values: Any) -> Tensor:
        """The recorded form of overwriting every element: the gradient to the old value is 0."""
        keep = _leaf(np.zeros(self._data.shape, dtype=np.bool_))
        return self._rebase(what, ag.where(keep, self, values))

    def __setitem__(self, index: Any, value: Any) -> None:
        key = _index_key(index)
        if self._records("__setitem__", value):
            self._rebase("__setitem__", _set_items(self, key, value))
            return
        self._bump()
        self._data[key] = value._data if isinstance(value, Tensor) else value

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        if self._records("copy_", src):
            s = src if isinstance(src, Tensor) else _leaf(np.asarray(src))
            return self._replaced("copy_", ag.broadcast_to(s.to(self.dtype), self.shape))
        self._bump()
        np.copyto(self._data, src._data if isinstance(src, Tensor) else src, casting="unsafe")
        return self

    def zero_(self) -> Tensor:
        if self._records("zero_"):
            return self._replaced("zero_", _leaf(np.zeros((), dtype=self._data.dtype)))
        self._bump()
        self._data[...] = 0
        return self

    def fill_(self, value: Any) -> Tensor:
        if self._records("fill_", value):
            v = value if isinstance(value, Tensor) else _leaf(np.asarray(value))
            return self._replaced("fill_", v.to(self.dtype))
        self._bump()
        self._data[...] = _plain(value)
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        if self._records("add_", other):
            return self._rebase("add_", ag.add(self, other, alpha=alpha))
        o = other._data if isinstance(other, Tensor) else other
        return self._ufunc_("add_", np.add, o if alpha == 1 else alpha * o)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        if alpha != 1 or self._records("sub_", other):
            return self.add_(other, -alpha)
        return self._ufunc_("sub_", np.subtract,
                            other._data if isinstance(other, Tensor) else other)

    def mul_(self, other: Any) -> Tensor:
        if self._records("mul_", other):
            return self._rebase("mul_", self * other)
        return self._ufunc_("mul_", np.multiply,
                            other._data if isinstance(other, Tensor) else other)

    def div_(self, other: Any) -> Tensor:
        if self._records("div_", other):
            return self._rebase("div_", self / other)
        return self._ufunc_("div_", np.true_divide,
                            other._data if isinstance(other, Tensor) else other)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        if self._records("clamp_", min, max):
            return self._rebase("clamp_", ag.clamp(self, min, max))
        self._bump()
        np.clip(self._data, _plain(min), _plain(max), out=self._data)
        return self

    clip_ = clamp_

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        draws = numpy_generator(generator, "uniform_").uniform(a, b, self._data.shape)
        return self._write("uniform_", draws.astype(self._data.dtype))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        draws = numpy_generator(generator, "normal_").normal(mean, std, self._data.shape)
        return self._write("normal_", draws.astype(self._data.dtype))

    def bernoulli_(self, p: float = 0.5, *, generator: Any = None) -> Tensor:
        draws = numpy_generator(generator, "bernoulli_").random(self._data.shape)
        return self._write("bernoulli_", draws < _plain(p))

    def _write(self, what: str, values: Any) -> Tensor:
        """Overwrites every element with values that depend on nothing recorded."""
        values = np.asarray(values)
        if not np.can_cast(values.dtype, self._data.dtype, casting="same_kind"):
            raise RuntimeError(f"{what}: result type {values.dtype} can't be cast to the "
                               f"desired output type {self._data.dtype}")
        if self._records(what):
            return self._replaced(what, _leaf(values.astype(self._data.dtype)))
        self._bump()
        np.copyto(self._data, values, casting="same_kind")
        return self

    def _apply_(self, what: str, fn: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
        """In place as fn(self, *args): recorded when autograd must see it, else written."""
        if self._records(what, *args, *kwargs.values()):
            return self._rebase(what, fn(self, *args, **kwargs))
        with ag.no_grad():
            out = fn(self, *args, **kwargs)
        if out.shape != self._data.shape:
            raise RuntimeError(
                f"{what}: the result has shape {tuple(out.shape)}, which does not match this "
                f"Tensor's shape {tuple(self._data.shape)}; an in-place op keeps the shape")
        if not np.can_cast(out.dtype, self._data.dtype, casting="same_kind"):
            raise RuntimeError(f"{what}: result type {out.dtype} can't be cast to the "
                               f"desired output type {self._data.dtype}")
        self._bump()
        np.copyto(self._data, out._data, casting="same_kind")
        return self

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        return self._apply_("masked_fill_", ag.masked_fill, mask, value)

    def pow_(self, exponent: Any) -> Tensor:
        return self._apply_("pow_", ag.pow, exponent)

    def sqrt_(self) -> Tensor:
        return self._apply_("sqrt_", ag.sqrt)

    def exp_(self) -> Tensor:
        return self._apply_("exp_", ag.exp)

    def log_(self) -> Tensor:
        return self._apply_("log_", ag.log)

    def abs_(self) -> Tensor:
        return self._apply_("abs_", ag.abs)

    def neg_(self) -> Tensor:
        return self._apply_("neg_", ag.neg)

    def relu_(self) -> Tensor:
        return self._apply_("relu_", ag.relu)

    def sigmoid_(self) -> Tensor:
        return self._apply_("sigmoid_", ag.sigmoid)

    def tanh_(self) -> Tensor:
        return self._apply_("tanh_", ag.tanh)

    def clamp_min_(self, min: Any) -> Tensor:  # noqa: A002
        return self.clamp_(min=min)

    def clamp_max_(self, max: Any) -> Tensor:  # noqa: A002
        return self.clamp_(max=max)

    def addcmul_(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        return self._apply_("addcmul_", ag.addcmul, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1: Any, tensor2: Any, value: float = 1) -> Tensor:
        return self._apply_("addcdiv_", ag.addcdiv, tensor1, tensor2, value=value)

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        return self._apply_("lerp_", ag.lerp, end, weight)

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        if self._records("fill_diagonal_", fill_value):
            mask = np.zeros(self._data.shape, dtype=np.bool_)
            np.fill_diagonal(mask, True, wrap=wrap)
            v = fill_value if isinstance(fill_value, Tensor) else _leaf(np.asarray(fill_value))
            return self._rebase("fill_diagonal_", ag.where(_leaf(mask), v.to(self.dtype), self))
        self._bump()
        np.fill_diagonal(self._data, _plain(fill_value), wrap=wrap)
        return self

    # augmented assignment is the in-place op, as in PyTorch: `x += 1` changes x for every
    # reference; `w -= lr * w.grad` on a parameter belongs under ag.no_grad()
    # The plain case first and cheaply: `p.data -= lr * p.grad` runs once per parameter and step.
    def _augmented(self, other: Any, ufunc: np.ufunc, what: str) -> Any:
        if state.enabled and (self.requires_grad or (other.__class__ is Tensor
                                                     and other.requires_grad)):
            return None  # recorded, or a leaf's error: the method says which
        return self._ufunc_(what, ufunc, other._data if other.__class__ is Tensor else other)

    def __iadd__(self, other: Any) -> Any:
        done = self._augmented(other, np.add, "add_")
        return self.add_(other) if done is None else done

    def __isub__(self, other: Any) -> Any:
        done = self._augmented(other, np.subtract, "sub_")
        return self.sub_(other) if done is None else done

    def __imul__(self, other: Any) -> Any:
        done = self._augmented(other, np.multiply, "mul_")
        return self.mul_(other) if done is None else done

    def __itruediv__(self, other: Any) -> Any:
        done = self._augmented(other, np.true_divide, "div_")
        return self.div_(other) if done is None else done

    # -- elementwise math (x.f() is ag.f(x)) ------------------------------------------------
    def exp(self) -> Tensor:
        return _unary_float(EXP, self)

    def log(self) -> Tensor:
        return _unary_float(LOG, self)

    def log1p(self) -> Tensor:
        return _unary_float(LOG1P, self)

    def sqrt(self) -> Tensor:
        return _unary_float(SQRT, self)

    def sin(self) -> Tensor:
        return _unary_float(SIN, self)

    def cos(self) -> Tensor:
        return _unary_float(COS, self)

    def tan(self) -> Tensor:
        return _unary_float(TAN, self)

    def tanh(self) -> Tensor:
        return _unary_float(TANH, self)

    def sigmoid(self) -> Tensor:
        return _unary(SIGMOID, self)

    def relu(self) -> Tensor:
        return _unary(RELU, self)

    def abs(self) -> Tensor:
        return _unary(ABS, self)

    def sign(self) -> Tensor:
        return _unary(SIGN, self)

    def neg(self) -> Tensor:
        return _unary(NEG, self)

    negative = neg

    def square(self) -> Tensor:
        return ag.square(self)

    def reciprocal(self) -> Tensor:
        return ag.reciprocal(self)

    def rsqrt(self) -> Tensor:
        return ag.rsqrt(self)

    def exp2(self) -> Tensor:
        return ag.exp2(self)

    def log2(self) -> Tensor:
        return ag.log2(self)

    def log10(self) -> Tensor:
        return ag.log10(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return ag.leaky_relu(self, negative_slope)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
        return ag.softplus(self, beta, threshold)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return ag.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        return ag.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return ag.minimum(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return ag.pow(self, exponent)

    def add(self, other: Any, alpha: float = 1) -> Tensor:
        return ag.add(self, other, alpha)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        return ag.sub(self, other, alpha)

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return ag.mul(self, other)

    multiply = mul

    def div(self, other: Any) -> Tensor:
        return ag.div(self, other)

    divide = div

    def where(self, condition: Any, other: Any) -> Tensor:
        """x.where(c, y) is ag.where(c, x, y), as in PyTorch."""
        return ag.where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return ag.masked_fill(self, mask, value)

    # -- indexing along a dim: out of place, and in place (refused where a graph would see it)
    def masked_select(self, mask: Any) -> Tensor:
        return ag.masked_select(self, mask)

    def index_select(self, dim: int, index: Any) -> Tensor:
        return ag.index_select(self, dim, index)

    def take(self, index: Any) -> Tensor:
        return ag.take(self, index)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        return ag.narrow(self, dim, start, length)

    def scatter(self, dim: int, index: Any, src: Any = None, value: Any = None, *,
                reduce: str | None = None) -> Tensor:
        return ag.scatter(self, dim, index, src, value, reduce=reduce)

    def scatter_(self, dim: int, index: Any, src: Any = None, value: Any = None, *,
                 reduce: str | None = None) -> Tensor:
        return self._apply_("scatter_", ag.scatter, dim, index, src, value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        return ag.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        return self._apply_("scatter_add_", ag.scatter_add, dim, index, src)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        return ag.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Tensor:
        return self._apply_("scatter_reduce_", ag.scatter_reduce, dim, index, src, reduce,
                            include_self=include_self)

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return ag.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return self._apply_("index_add_", ag.index_add, dim, index, source, alpha=alpha)

    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        return ag.index_copy(self, dim, index, source)

    def index_copy_(self, dim: int, index: Any, source: Any) -> Tensor:
        return self._apply_("index_copy_", ag.index_copy, dim, index, source)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return ag.roll(self, shifts, dims)

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        return ag.rot90(self, k, dims)

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        return ag.diff(self, n, dim, prepend, append)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        return ag.unflatten(self, dim, sizes)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return ag.tensor_split(self, indices_or_sections, dim)

    def isnan(self) -> Tensor:
        return ag.isnan(self)

    def isinf(self) -> Tensor:
        return ag.isinf(self)

    def isfinite(self) -> Tensor:
        return ag.isfinite(self)

    # -- reductions ---------------------------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool = False, dtype: Any = None) -> Tensor:
        return ag.sum(self, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool = False, dtype: Any = None) -> Tensor:
        return ag.mean(self, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)

    def prod(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool = False) -> Tensor:
        return ag.prod(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ag.var(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                      keepdims=keepdims)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ag.std(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                      keepdims=keepdims)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool = False) -> Any:
        return ag.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool = False) -> Any:
        return ag.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool = False) -> Tensor:
        return ag.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool = False) -> Tensor:
        return ag.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        return ag.aminmax(self, dim=dim, keepdim=keepdim)

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return ag.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        return ag.nanmean(self, dim, keepdim, dtype=dtype)

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return ag.median(self, dim, keepdim)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return ag.nanmedian(self, dim, keepdim)

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        return ag.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        return ag.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    # -- scans and sorting --------------------------------------------------------------------
    def cumsum(self, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        return ag.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int | None = None, *, dtype: Any = None) -> Tensor:
        return ag.cumprod(self, dim, dtype=dtype)

    def logcumsumexp(self, dim: int) -> Tensor:
        return ag.logcumsumexp(self, dim)

    def cummax(self, dim: int) -> Any:
        return ag.cummax(self, dim)

    def cummin(self, dim: int) -> Any:
        return ag.cummin(self, dim)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
        return ag.sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
        return ag.argsort(self, dim, descending, stable)

    def msort(self) -> Tensor:
        return ag.msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        return ag.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return ag.kthvalue(self, k, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
               keepdims: bool = False) -> Tensor:
        return ag.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
               keepdims: bool = False) -> Tensor:
        return ag.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def logsumexp(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
                  keepdims: bool = False) -> Tensor:
        return ag.logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def norm(self, p: Any = 2, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
             keepdims: bool = False) -> Tensor:
        return ag.norm(self, p, dim, keepdim, axis=axis, keepdims=keepdims)

    def softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return ag.softmax(self, dim, axis=axis)

    def log_softmax(self, dim: int = -1, *, axis: int | None = None) -> Tensor:
        return ag.log_softmax(self, dim, axis=axis)

    # -- shape --------------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        return ag.reshape(self, *shape)

    view = reshape

    def view_as(self, other: Any) -> Tensor:
        return ag.reshape(self, np.shape(other))

    reshape_as = view_as

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ag.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        return ag.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return ag.unsqueeze(self, dim)

    def permute(self, *dims: Any) -> Tensor:
        return ag.permute(self, *dims)

    def transpose(self, dim0: int = 0, dim1: int = 1) -> Tensor:
        return ag.transpose(self, dim0, dim1)

    swapaxes = transpose

    def movedim(self, source: int, destination: int) -> Tensor:
        return ag.movedim(self, source, destination)

    moveaxis = movedim

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        return ag.broadcast_to(self, shape)

    def expand(self, *sizes: Any) -> Tensor:
        return ag.expand(self, *sizes)

    def expand_as(self, other: Any) -> Tensor:
        return ag.expand_as(self, other)

    def flip(self, dims: Any) -> Tensor:
        return ag.flip(self, dims)

    def repeat(self, *sizes: Any) -> Tensor:
        return ag.repeat(self, *sizes)

    def tile(self, dims: Sequence[int]) -> Tensor:
        return ag.tile(self, dims)

    def repeat_interleave(self, repeats: int, dim: int | None = None) -> Tensor:
        return ag.repeat_interleave(self, repeats, dim)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return ag.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return ag.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return ag.unbind(self, dim)

    def gather(self, dim: int, index: Any) -> Tensor:
        return ag.gather(self, dim, index)

    def clone(self) -> Tensor:
        return ag.clone(self)

    def contiguous(self) -> Tensor:
        return self

    # -- linear algebra -----------------------------------------------------------------------
    def matmul(self, other: Any) -> Tensor:
        return ag.matmul(self, other)

    def dot(self, other: Any) -> Tensor:
        return ag.dot(self, other)

    def outer(self, vec2: Any) -> Tensor:
        return ag.outer(self, vec2)

    def inner(self, other: Any) -> Tensor:
        return ag.inner(self, other)

    def mm(self, mat2: Any) -> Tensor:
        return ag.mm(self, mat2)

    def bmm(self, mat2: Any) -> Tensor:
        return ag.bmm(self, mat2)

    def mv(self, vec: Any) -> Tensor:
        return ag.mv(self, vec)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ag.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ag.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ag.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ag.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return ag.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def kron(self, other: Any) -> Tensor:
        return ag.kron(self, other)

    def cross(self, other: Any, dim: int | None = None) -> Tensor:
        return ag.cross(self, other, dim)

    def dist(self, other: Any, p: float = 2) -> Tensor:
        return ag.dist(self, other, p)

    def det(self) -> Tensor:
        return ag.det(self)

    def logdet(self) -> Tensor:
        return ag.logdet(self)

    def slogdet(self) -> Any:
        return ag.slogdet(self)

    def inverse(self) -> Tensor:
        return ag.inverse(self)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        return ag.pinverse(self, rcond)

    def matrix_power(self, n: int) -> Tensor:
        return ag.matrix_power(self, n)

    def matrix_exp(self) -> Tensor:
        return ag.matrix_exp(self)

    def cholesky(self, upper: bool = False) -> Tensor:
        return ag.cholesky(self, upper)

    def cholesky_solve(self, input2: Any, upper: bool = False) -> Tensor:
        return ag.cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        return ag.cholesky_inverse(self, upper)

    def qr(self, some: bool = True) -> Any:
        return ag.qr(self, some)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return ag.svd(self, some, compute_uv)

    def trace(self) -> Tensor:
        return ag.trace(self)

    def diag(self, diagonal: int = 0) -> Tensor:
        return ag.diag(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        return ag.diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        return ag.diag_embed(self, offset, dim1, dim2)

    def triu(self, diagonal: int = 0) -> Tensor:
        return ag.triu(self, diagonal)

    def tril(self, diagonal: int = 0) -> Tensor:
        return ag.tril(self, diagonal)

    def triu_(self, diagonal: int = 0) -> Tensor:
        return self._write("triu_", np.triu(self._data, diagonal))

    def tril_(self, diagonal: int = 0) -> Tensor:
        return self._write("tril_", np.tril(self._data, diagonal))

    # -- comparisons and logic (no gradient) ---------------------------------------------------
    def eq(self, other: Any) -> Tensor:
        return self.__eq__(other)

    def ne(self, other: Any) -> Tensor:
        return self.__ne__(other)

    def lt(self, other: Any) -> Tensor:
        return self.__lt__(other)

    def le(self, other: Any) -> Tensor:
        return self.__le__(other)

    def gt(self, other: Any) -> Tensor:
        return self.__gt__(other)

    def ge(self, other: Any) -> Tensor:
        return self.__ge__(other)

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def logical_and(self, other: Any) -> Tensor:
        return ag.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return ag.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        return ag.logical_xor(self, other)

    def logical_not(self) -> Tensor:
        return ag.logical_not(self)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return ag.any(self, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return ag.all(self, dim, keepdim)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return ag.nonzero(self, as_tuple=as_tuple)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        return ag.count_nonzero(self, dim)

    def equal(self, other: Any) -> bool:
        return ag.equal(self, other)

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        return ag.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return ag.allclose(self, other, rtol, atol, equal_nan)

    # -- new Tensors like this one -------------------------------------------------------------
    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return ag.tensor(data, dtype=self.dtype if dtype is None else dtype,
                         requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return ag.zeros(*size, dtype=self.dtype if dtype is None else dtype,
                        requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return ag.ones(*size, dtype=self.dtype if dtype is None else dtype,
                       requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return ag.empty(*size, dtype=self.dtype if dtype is None else dtype,
                        requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return ag.full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                       requires_grad=requires_grad)

    def type_as(self, other: Any) -> Tensor:
        return ag.cast(self, other.dtype)

    def ravel(self) -> Tensor:
        return ag.reshape(self, -1)

    # -- memory -------------------------------------------------------------------------------
    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    # -- dtype and device ---------------------------------------------------------------------
    @property
    def device(self) -> Any:
        return ag.devices.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def get_device(self) -> int:
        return -1  # PyTorch's answer for a CPU Tensor

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """to(dtype), to(device), to(device, dtype), to(other): a cast where the dtype changes.

        Every Tensor is on the CPU, so a device only needs to be the CPU; `copy=True` returns a
        copy even when nothing changes, as in PyTorch.
        """
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        copy = bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif ag.devices.is_device_like(a):
                dev = a
            elif isinstance(a, bool):  # to(dtype, non_blocking, copy) positionally
                continue
            else:
                dtype = a
        ag.devices.check(dev, "to")
        out = self if dtype is None or np.dtype(dtype) == self._data.dtype else ag.cast(self, dtype)
        return ag.clone(out) if copy and out is self else out

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        ag.devices.check("cuda", "cuda")
        return self

    def type(self, dtype: Any = None) -> Any:
        return str(self.dtype) if dtype is None else ag.cast(self, dtype)

    def astype(self, dtype: Any) -> Tensor:
        return ag.cast(self, dtype)

    def float(self) -> Tensor:
        return ag.cast(self, np.float32)

    def double(self) -> Tensor:
        return ag.cast(self, np.float64)

    def long(self) -> Tensor:
        return ag.cast(self, np.int64)

    def int(self) -> Tensor:
        return ag.cast(self, np.int32)

    def bool(self) -> Tensor:
        return ag.cast(self, np.bool_)

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
            x = self
            if other.__class__ is float and self._data.dtype.kind in "iub":
                x = _leaf(self._data.astype(dtypes.get_default_dtype()))  # ints carry no grad
            return _unary(POW_SCALAR, x, exponent=other)
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
        return _leaf(np.less(self._data, _plain(other)))

    def __le__(self, other: Any) -> Tensor:
        return _leaf(np.less_equal(self._data, _plain(other)))

    def __gt__(self, other: Any) -> Tensor:
        return _leaf(np.greater(self._data, _plain(other)))

    def __ge__(self, other: Any) -> Tensor:
        return _leaf(np.greater_equal(self._data, _plain(other)))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _leaf(np.equal(self._data, _plain(other)))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _leaf(np.not_equal(self._data, _plain(other)))

    def __invert__(self) -> Tensor:
        return _leaf(np.invert(self._data))

    def __and__(self, other: Any) -> Tensor:
        return _leaf(np.bitwise_and(self._data, _plain(other)))

    def __or__(self, other: Any) -> Tensor:
        return _leaf(np.bitwise_or(self._data, _plain(other)))

    def __xor__(self, other: Any) -> Tensor:
        return _leaf(np.bitwise_xor(self._data, _plain(other)))

    def __rand__(self, other: Any) -> Tensor:
        return self.__and__(other)

    def __ror__(self, other: Any) -> Tensor:
        return self.__or__(other)

    def __floordiv__(self, other: Any) -> Tensor:
        return _leaf(np.floor_divide(self._data, _plain(other)))

    def __mod__(self, other: Any) -> Tensor:
        return _leaf(np.mod(self._data, _plain(other)))


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
        return backward_name(self._t._op.name)

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GradFn) and other._t is self._t

    def __hash__(self) -> int:
        return id(self._t)

    @property
    def next_functions(self) -> tuple:
        t = self._t
        args = [None if a is None else as_used_by(a, t._seq) for a in t._args or ()]
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


# -- elementwise and special functions: x.f(...) is ag.f(x, ...) ------------------------------
def _method_of(name: str) -> Callable[..., Any]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(ag, name)(self, *args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "acos", "acosh", "addcdiv", "addcmul", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
    "arctan2", "arctanh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "copysign",
    "cosh", "deg2rad", "digamma", "erf", "erfc", "erfinv", "expm1", "fix", "float_power",
    "floor", "fmax", "fmin", "fmod", "frac", "hypot", "i0", "lerp", "lgamma", "logaddexp",
    "logaddexp2", "logit", "nan_to_num", "rad2deg", "remainder", "round", "sinc", "sinh",
    "trunc", "xlogy",
):
    if _name not in Tensor.__dict__:
        setattr(Tensor, _name, _method_of(_name))
Tensor.polygamma = lambda self, n: ag.polygamma(n, self)  # type: ignore[attr-defined]


# -- making Tensors fast ----------------------------------------------------------------------
def _set_items(x: Tensor, key: Any, value: Any) -> Tensor:
    """x with x[key] = value, recorded: an index_copy into the flat Tensor (where an index
    repeats, the last write wins, as in NumPy's assignment)."""
    pos = np.arange(x._data.size).reshape(x._data.shape)[key]
    v = value if isinstance(value, Tensor) else _leaf(np.asarray(value))
    try:
        v = ag.broadcast_to(v.to(x.dtype), pos.shape).reshape(-1)
    except (ValueError, RuntimeError) as err:
        raise RuntimeError(f"__setitem__: a value of shape {tuple(v.shape)} cannot be assigned "
                           f"to a selection of shape {pos.shape}") from err
    flat = pos.reshape(-1)
    unique, first_from_end = np.unique(flat[::-1], return_index=True)
    if unique.size != flat.size:  # repeated positions: keep each one's last value
        v = ag.index_select(v, 0, _leaf(flat.size - 1 - first_from_end))
        flat = unique
    return ag.index_copy(x.reshape(-1), 0, _leaf(flat), v).reshape(x.shape)


def as_used_by(p: Tensor, seq: int) -> Tensor:
    """Input p as the node recorded at `seq` used it: p, or p's state before later in-place
    ops (each left its former node in `_meta["before"]`)."""
    while p._seq >= seq and p._meta is not None:
        before = p._meta.get("before")
        if before is None:
            break
        p = before
    return p


def _leaf(data: Any) -> Tensor:
    """A result that records no graph."""
    if data.__class__ is not _ndarray:
        data = _asarray(data)
    t = _new(Tensor)
    t._data = data
    t._grad = None
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
    if _recorder is not None:
        _recorder.born(t)
    return t


def _node(data: Any, op: Op, args: tuple, arrays: tuple, params: dict) -> Tensor:
    """A result that records the op, its inputs and its params, for backward."""
    if data.__class__ is not _ndarray:
        data = _asarray(data)
    t = _new(Tensor)
    t._data = data
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
    if _recorder is not None:
        _recorder.op(t, op, args, arrays, params)
    return t


def _traced(data: Any, op: Op, args: tuple, arrays: tuple, params: dict) -> Tensor:
    """A result that records no graph, shown to the trace of ag.compile as the op it is."""
    t = _leaf(data)
    if _recorder is not None:
        _recorder.op(t, op, args, arrays, params)
    return t


def ensure_tensor(x: Any) -> Tensor:
    """x itself if it is a Tensor, else a new Tensor holding it (functions accept array-likes)."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{public_caller(x)}: {err}") from None


def _plain(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _binary(op: Op, a: Tensor, b: Any) -> Tensor:
    ad = a._data
    if isinstance(b, Tensor):
        bd = b._data
        if ad.dtype is not bd.dtype and ad.dtype != bd.dtype:
            ad, bd = _promoted(op, ad, bd)
        try:
            out = op.forward(ad, bd)
        except ValueError as e:
            raise _shape_error(op, ad, bd, e) from None
        if (a.requires_grad or b.requires_grad) and state.enabled:
            return _node(out, op, (a, b), (ad, bd), _EMPTY)
        return _leaf(out) if _recorder is None else _traced(out, op, (a, b), (ad, bd), _EMPTY)
    cls = b.__class__
    if (cls is float and ad.dtype.kind not in "iub") or (cls is int and ad.dtype.kind != "b"):
        bd = b  # a weak Python number that leaves the dtype alone: the common case
    else:
        ad, bd = _with_constant(op, ad, _const(b))
    try:
        out = op.forward(ad, bd)
    except ValueError as e:
        raise _shape_error(op, ad, bd, e) from None
    if a.requires_grad and state.enabled:
        return _node(out, op, (a, None), (ad, bd), _EMPTY)
    return _leaf(out) if _recorder is None else _traced(out, op, (a, None), (ad, bd), _EMPTY)


def _rbinary(op: Op, a: Any, b: Tensor) -> Tensor:
    bd, ad = _with_constant(op, b._data, _const(a))
    try:
        out = op.forward(ad, bd)
    except ValueError as e:
        raise _shape_error(op, ad, bd, e) from None
    if b.requires_grad and state.enabled:
        return _node(out, op, (None, b), (ad, bd), _EMPTY)
    return _leaf(out) if _recorder is None else _traced(out, op, (None, b), (ad, bd), _EMPTY)


def _promoted(op: Op, ad: np.ndarray, bd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both operands in torch.result_type's dtype (the gradients are cast back by backward)."""
    if op is MATMUL:
        raise RuntimeError(f"matmul: expected both operands to have the same dtype, but got "
                           f"{ad.dtype} != {bd.dtype}")
    dims = [d.dtype for d in (ad, bd) if d.ndim]
    zero = [d.dtype for d in (ad, bd) if not d.ndim]
    dt = dtypes.result_type(dims, zero, [])
    return (ad if ad.dtype == dt else ad.astype(dt)), (bd if bd.dtype == dt else bd.astype(dt))


def _with_constant(op: Op, td: np.ndarray, c: Any) -> tuple[np.ndarray, Any]:
    """A Tensor's array and a non-Tensor operand, promoted as torch does.

    A Python number is weak: it changes the dtype only when its category is higher (an int
    Tensor and a float give the default float dtype). An array operand counts as a Tensor.
    """
    cls = c.__class__
    if cls is float:
        if td.dtype.kind in "iub":
            td = td.astype(dtypes.get_default_dtype())
    elif cls is _ndarray:
        if c.dtype != td.dtype:
            td, c = _promoted(op, td, c)
    elif cls is int and td.dtype.kind == "b" and op is not POW:
        c = np.int64(c)  # bool Tensor (op) int: int64, as NumPy's weak int already gives
    return td, c


def _shape_error(op: Op, a: Any, b: Any, e: Exception) -> ValueError:
    """NumPy's message names neither the op nor, for matmul, the shapes: this one does."""
    sa, sb = np.shape(a), np.shape(b)
    if op.name == "matmul":
        return ValueError(f"matmul: shapes {sa} and {sb} do not match (the last dimension of "
                          f"the first must equal the contracted dimension of the second)")
    return ValueError(f"{op.name}: shapes {sa} and {sb} do not broadcast together ({e})")


def _unary(op: Op, x: Tensor, **params: Any) -> Tensor:
    xd = x._data
    out = op.forward(xd, **params)
    if x.requires_grad and state.enabled:
        return _node(out, op, (x,), (xd,), params)
    return _leaf(out) if _recorder is None else _traced(out, op, (x,), (xd,), params)


def apply(op: Op, args: tuple, params: dict, promote: tuple[int, ...] = ()) -> Tensor:
    """Runs a registered op on Tensors and constants, recording it when a gradient can flow.

    `promote` names the inputs that are brought to one dtype by torch's rules first (the
    values of `where`, both sides of `maximum`); backward casts their gradients back.
    """
    arrays = []
    parents = []
    need = False
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            parents.append(a)
            if a.requires_grad:
                need = True
        else:
            arrays.append(_const(a) if a is not None else None)
            parents.append(None)
    if promote:
        _promote_in_place(arrays, promote)
    out = op.forward(*arrays, **params)
    if need and state.enabled and op.differentiable:
        return _node(out, op, tuple(parents), tuple(arrays), params)
    if _recorder is None:
        return _leaf(out)
    return _traced(out, op, tuple(parents), tuple(arrays), params)


def _promote_in_place(arrays: list, positions: tuple[int, ...]) -> None:
    dims, zero, numbers = [], [], []
    for i in positions:
        a = arrays[i]
        if a.__class__ is _ndarray:
            (dims if a.ndim else zero).append(a.dtype)
        else:
            numbers.append(dtypes.python_number_dtype(a))
    dt = dtypes.result_type(dims, zero, numbers)
    for i in positions:
        a = arrays[i]
        if a.__class__ is _ndarray:
            if a.dtype != dt:
                arrays[i] = a.astype(dt)
        elif dtypes.category(dtypes.python_number_dtype(a)) > dtypes.category(dt):
            arrays[i] = np.asarray(a, dtype=dt)


def _unary_float(op: Op, x: Tensor) -> Tensor:
    """An op whose result is floating: integer and bool inputs give the default float dtype."""
    if x._data.dtype.kind in "biu":
        x = _leaf(x._data.astype(dtypes.get_default_dtype()))  # an integer Tensor has no grad
    return _unary(op, x)


def _index_key(index: Any) -> Any:
    """Tensors inside an index become arrays; lists become integer or boolean arrays."""
    if isinstance(index, tuple):
        return tuple(_index_item(i) for i in index)
    return _index_item(index)


def _index_item(i: Any) -> Any:
    if isinstance(i, Tensor):
        return i._data
    if isinstance(i, list):
        return np.asarray(i)
    return i




class _OpsOnTensors:
    """TN, the namespace `F` of the rules under create_graph: each registered op (and helper)
    applied to Tensors and recorded, so that a backward pass builds a graph of its own."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = TENSOR_HELPERS.get(name)
        if fn is None:
            op = REGISTRY.get(name)
            if op is None:
                raise AttributeError(f"no op or rule helper named {name!r} is registered")

            def fn(*args: Any, **params: Any) -> Tensor:
                return apply(op, args, params)

            fn.__name__ = name
        setattr(self, name, fn)  # found once, then an ordinary attribute
        return fn


TN = _OpsOnTensors()
