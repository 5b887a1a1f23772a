"""Linear algebra: `matmul` (and `mm`, `bmm`), `dot`, `inner`, `outer`, `einsum`,
`tensordot`, and `linear`, nn.Linear's fused kernel."""

from __future__ import annotations

from typing import Any

from ..modes import state as _state
from ..ops import REGISTRY as R
from ..ops.linalg import parse_einsum
from ..tensor import Tensor, _leaf, _node, apply
from ..tensor import ensure_tensor as _t
from .reductions import sum
from .shape import reshape

TensorLike = Any

def matmul(input: TensorLike, other: TensorLike) -> Tensor:
    a, b = _t(input), _t(other)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension; got shapes "
                         f"{a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match: "
                         f"{ka} (last dim of the first) != {kb} (the contracted dim of the second)")
    return a @ b


mm = bmm = matmul


def dot(input: TensorLike, other: TensorLike) -> Tensor:
    a, b = _t(input), _t(other)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"dot: needs two 1-D Tensors of the same size; got {a.shape} and "
                         f"{b.shape}")
    return a @ b


def inner(input: TensorLike, other: TensorLike) -> Tensor:
    return sum(_t(input) * _t(other), dim=-1)


def outer(input: TensorLike, vec2: TensorLike) -> Tensor:
    a, b = _t(input), _t(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: needs two 1-D Tensors; got {a.shape} and {b.shape}")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


ger = outer


def einsum(subscripts: str, *operands: Any) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = tuple(_t(o) for o in operands)
    parse_einsum(subscripts, [t.shape for t in ts])  # clear errors before NumPy's
    return apply(R["einsum"], ts, {"subscripts": subscripts})


def tensordot(a: TensorLike, b: TensorLike, dims: Any = 2) -> Tensor:
    x, y = _t(a), _t(b)
    if isinstance(dims, int):
        axes = (list(range(x.ndim - dims, x.ndim)), list(range(dims)))
    else:
        axes = ([d % x.ndim for d in _as_list(dims[0])], [d % y.ndim for d in _as_list(dims[1])])
    return apply(R["tensordot"], (x, y), {"axes": (tuple(axes[0]), tuple(axes[1]))})


def _as_list(d: Any) -> list:
    return list(d) if isinstance(d, (list, tuple)) else [d]


def linear(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Tensor:
    """x @ weight.T + bias in one node (nn.Linear's kernel)."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    ws = w._data.shape
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"linear: mat1 and mat2 must have the same dtype, but got "
                           f"{x.dtype} (input) and {w.dtype} (weight); convert the input with "
                           f".to({w.dtype}) or the layer with .to({x.dtype})")
    if len(ws) != 2 or not x._data.ndim or x._data.shape[-1] != ws[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape "
                         f"{w.shape} (expected input (..., {ws[-1] if ws else '?'}))")
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else Tensor(bias)
        if bias._data.shape != ws[:1] and bias._data.shape != ():
            raise ValueError(f"linear: bias of shape {bias.shape} does not fit weight of "
                             f"shape {w.shape}")
        out = _LINEAR_FWD(x._data, w._data, bias._data)
        if (x.requires_grad or w.requires_grad or bias.requires_grad) and _state.enabled:
            return _node(out, _LINEAR, (x, w, bias), (x._data, w._data, bias._data), {})
        return _leaf(out)
    return apply(_LINEAR, (x, w, None), {})


_LINEAR = R["linear"]
_LINEAR_FWD = _LINEAR.forward
