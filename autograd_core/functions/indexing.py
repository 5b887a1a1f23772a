"""Indexing along a dim (index_select, take, scatter and its reductions, index_add, index_copy,
masks) and the shape functions built on them (roll, rot90, narrow, diff, block_diag, the
atleast_* and *stack families, unflatten, tensor_split, meshgrid).

Index arguments are checked as PyTorch checks them: an integer dtype (int64 where PyTorch
insists on it), and every value in range, or an IndexError that names the function, the value
and the size. Negative indices are refused where PyTorch refuses them, never wrapped.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..arguments import check_dim
from ..ops import REGISTRY as R
from ..tensor import Tensor, _leaf, _unary, apply
from ..tensor import ensure_tensor as _t
from .pointwise import where
from .shape import broadcast_to, cast, cat, clone, flatten, flip, reshape, transpose

TensorLike = Any

_INT_KINDS = (np.dtype(np.int32), np.dtype(np.int64))


# -- argument checks ---------------------------------------------------------------------------
def _array(index: Any) -> np.ndarray:
    return index._data if isinstance(index, Tensor) else np.asarray(index)


def _index(index: Any, fn: str, long_only: bool = False) -> np.ndarray:
    """The index as an int64 array; int32 passes too unless PyTorch wants int64 only."""
    idx = _array(index)
    allowed = (np.dtype(np.int64),) if long_only else _INT_KINDS
    if idx.dtype not in allowed:
        want = "int64" if long_only else "int32 or int64"
        raise RuntimeError(f"{fn}(): Expected dtype {want} for index, but got {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def _in_range(idx: np.ndarray, size: int, fn: str, dim: int, negative: bool = False,
              error: type[Exception] = IndexError) -> None:
    lo = -size if negative else 0
    bad = (idx < lo) | (idx >= size)
    if bad.any():
        value = int(idx[bad].flat[0])
        raise error(f"{fn}(): index {value} is out of bounds for dimension {dim} "
                    f"with size {size}")


def _vector(index: Any, fn: str) -> np.ndarray:
    idx = _index(index, fn)
    if idx.ndim > 1:
        raise IndexError(f"{fn}(): Index is supposed to be a vector")
    return idx.reshape(-1)


def _along(d: int, idx: Any) -> tuple:
    return (slice(None),) * d + (idx,)


# -- gathering ---------------------------------------------------------------------------------
def gather(input: TensorLike, dim: int, index: TensorLike, *, sparse_grad: bool = False
           ) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (dim 0): index has input's rank and may be smaller
    than input in the other dims, which then take only their first index.shape[k] entries."""
    x = _t(input)
    d = check_dim(dim, x.ndim, "gather")
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim != x.ndim and not (x.ndim <= 1 and idx.ndim <= 1):
        raise RuntimeError(f"gather(): Index tensor must have the same number of dimensions "
                           f"as input tensor; got index shape {idx.shape} and input shape "
                           f"{x.shape}")
    xs = x.shape if x.ndim else (1,)
    ids = idx.shape if idx.ndim else (1,)
    for k, (n_i, n_x) in enumerate(zip(ids, xs)):
        if k != d and n_i > n_x:
            raise RuntimeError(f"gather(): Size does not match at dimension {k}: expected index "
                               f"{list(idx.shape)} to be no larger than input {list(x.shape)} "
                               f"apart from dimension {d}")
    idx = _index(idx, "gather", long_only=True)
    _in_range(idx, xs[d], "gather", d, error=RuntimeError)
    if x.ndim == 0 or idx.ndim == 0:
        return reshape(x, -1)[_leaf(idx.reshape(-1))].reshape(idx.shape)
    if any(k != d and n_i < n_x for k, (n_i, n_x) in enumerate(zip(idx.shape, x.shape))):
        x = x[tuple(slice(None) if k == d else slice(0, n) for k, n in enumerate(idx.shape))]
    return apply(R["take_along_axis"], (x, idx), {"axis": d})


def take_along_dim(input: TensorLike, indices: TensorLike, dim: int | None = None) -> Tensor:
    """NumPy's take_along_axis: input and indices broadcast against each other outside dim;
    without dim both are flattened."""
    x = _t(input)
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if dim is None:
        x, idx, d = reshape(x, -1), idx.reshape(-1), 0
    else:
        d = check_dim(dim, x.ndim, "take_along_dim")
        if idx.ndim != x.ndim:
            raise RuntimeError(f"take_along_dim(): input and indices should have the same "
                               f"number of dimensions, but got {x.ndim} and {idx.ndim}")
    idx = _index(idx, "take_along_dim", long_only=True)
    _in_range(idx, x.shape[d], "take_along_dim", d, error=RuntimeError)
    return apply(R["take_along_axis"], (x, idx), {"axis": d})


def index_select(input: TensorLike, dim: int, index: TensorLike) -> Tensor:
    x = _t(input)
    d = check_dim(dim, x.ndim, "index_select")
    idx = _vector(index, "index_select")
    if x.ndim == 0:
        _in_range(idx, 1, "index_select", d)
        return reshape(x, 1)[idx] if idx.size != 1 else clone(x)
    _in_range(idx, x.shape[d], "index_select", d)
    return x[_along(d, idx)]


def take(input: TensorLike, index: TensorLike) -> Tensor:
    """input as if flattened, read at index (negative indices count from the end)."""
    x = _t(input)
    idx = _array(index)
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {idx.dtype}")
    n = x._data.size
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"take(): out of range: tried to access index "
                         f"{int(idx[bad].flat[0])} on a tensor of {n} elements")
    return reshape(x, -1)[idx]


def narrow(input: TensorLike, dim: int, start: Any, length: int) -> Tensor:
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = check_dim(dim, x.ndim, "narrow")
    n = x.shape[d]
    start, length = int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"narrow(): start out of range (expected to be in range of "
                         f"[{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    if start + length > n:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}).")
    return x[_along(d, slice(start, start + length))]


def _bool_mask(mask: Any, fn: str) -> np.ndarray:
    m = _array(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"{fn} only supports boolean masks, but got mask with dtype {m.dtype}")
    return m


def masked_fill(input: TensorLike, mask: TensorLike, value: Any) -> Tensor:
    """value where mask is True; a Tensor value must be 0-d, and gets the gradients of the
    positions it fills."""
    x = _t(input)
    m = _bool_mask(mask, "masked_fill")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    out = where(m, value, x)
    return out if out.dtype == x.dtype else cast(out, x.dtype)


def masked_select(input: TensorLike, mask: TensorLike) -> Tensor:
    """The elements where mask (broadcast with input) is True, as a 1-D Tensor."""
    x = _t(input)
    m = _bool_mask(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: the mask of shape {m.shape} does not broadcast "
                           f"with the input of shape {x.shape}") from None
    return broadcast_to(x, shape)[np.broadcast_to(m, shape)]


# -- scattering along a dim --------------------------------------------------------------------
def _scatter_args(fn: str, x: Tensor, dim: int, index: Any, src: Any) -> tuple:
    """(dim, int64 index, src array or Tensor) checked as torch.scatter checks them."""
    d = check_dim(dim, x.ndim, fn)
    idx = _index(index, fn)
    if idx.ndim != x.ndim and idx.size:
        raise RuntimeError(f"{fn}(): Index tensor must have the same number of dimensions as "
                           f"self tensor")
    sshape = np.shape(_array(src))
    if len(sshape) != idx.ndim and idx.size:
        raise RuntimeError(f"{fn}(): Index tensor must have the same number of dimensions as "
                           f"src tensor")
    if idx.size:
        for k, (i, s, m) in enumerate(zip(idx.shape, sshape, x.shape)):
            if i > s or (k != d and i > m):
                raise RuntimeError(
                    f"{fn}(): Size does not match at dimension {k} expected index {idx.shape} "
                    f"to be smaller than self {x.shape} apart from dimension {d} and to be "
                    f"smaller size than src {sshape}")
        _in_range(idx, x.shape[d] if x.ndim else 1, fn, d)
    return d, idx


def scatter(input: TensorLike, dim: int, index: TensorLike, src: Any = None,
            value: Any = None, *, reduce: str | None = None) -> Tensor:
    """input with src (a Tensor, or a number: value) written at index along dim.

    reduce='add' or 'multiply' (PyTorch's older form) combines instead of overwriting."""
    x = _t(input)
    if src is None and value is None:
        raise TypeError("scatter(): give src or value")
    if src is not None and value is not None:
        raise TypeError("scatter(): give src or value, not both")
    if src is None or not isinstance(src, (Tensor, np.ndarray, list, tuple)):
        number = value if src is None else src
        full = np.full(np.shape(_array(index)), number, dtype=x.dtype)
        src = full
    else:
        src = src if isinstance(src, Tensor) else _t(src)
        if src.dtype != x.dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype "
                               f"({x.dtype} != {src.dtype})")
    d, idx = _scatter_args("scatter", x, dim, index, src)
    if reduce is not None:
        names = {"add": "sum", "multiply": "prod"}
        if reduce not in names:
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, "
                               f"got {reduce}")
        return _scatter_reduce(x, d, idx, src, names[reduce], True)
    if not idx.size:
        return clone(x)
    return apply(R["scatter"], (x, src, idx), {"dim": d})


def _scatter_reduce(x: Tensor, d: int, idx: np.ndarray, src: Any, reduce: str,
                    include_self: bool) -> Tensor:
    if not idx.size:
        return clone(x)
    return apply(R["scatter_reduce"], (x, src, idx),
                 {"dim": d, "reduce": reduce, "include_self": bool(include_self)})


def scatter_reduce(input: TensorLike, dim: int, index: TensorLike, src: TensorLike,
                   reduce: str, *, include_self: bool = True) -> Tensor:
    """src reduced into input at index along dim: sum, prod, mean, amax or amin; with
    include_self=False the input's own values at the scattered positions are left out."""
    x = _t(input)
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"scatter_reduce(): reduce argument must be either sum, prod, "
                           f"mean, amax or amin, got {reduce}")
    s = _t(src)
    if s.dtype != x.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype "
                           f"({x.dtype} != {s.dtype})")
    d, idx = _scatter_args("scatter_reduce", x, dim, index, s)
    return _scatter_reduce(x, d, idx, s, reduce, include_self)


def scatter_add(input: TensorLike, dim: int, index: TensorLike, src: TensorLike) -> Tensor:
    x = _t(input)
    s = _t(src)
    if s.dtype != x.dtype:
        raise RuntimeError(f"scatter_add(): Expected self.dtype to be equal to src.dtype "
                           f"({x.dtype} != {s.dtype})")
    d, idx = _scatter_args("scatter_add", x, dim, index, s)
    return _scatter_reduce(x, d, idx, s, "sum", True)


def _index_args(fn: str, x: Tensor, dim: int, index: Any, source: Tensor) -> tuple:
    d = check_dim(dim, x.ndim, fn)
    idx = _vector(index, fn)
    expected = x.shape[:d] + (idx.size,) + x.shape[d + 1:] if x.ndim else (idx.size,)
    if source.shape != expected and not (x.ndim == 0 and source.ndim == 0):
        raise RuntimeError(f"{fn}(): source of shape {source.shape} does not match: expected "
                           f"{expected} (the input's shape {x.shape} with {idx.size} along "
                           f"dim {d})")
    _in_range(idx, x.shape[d] if x.ndim else 1, fn, d)
    return d, idx


def index_add(input: TensorLike, dim: int, index: TensorLike, source: TensorLike, *,
              alpha: Any = 1) -> Tensor:
    """input with alpha * source's slices added at index along dim (repeats add up)."""
    x, s = _t(input), _t(source)
    if x.ndim == 0:
        x1 = index_add(reshape(x, 1), 0, index, reshape(s, 1), alpha=alpha)
        return reshape(x1, ())
    d, idx = _index_args("index_add", x, dim, index, s)
    if alpha != 1:
        s = s * alpha
    added = apply(R["scatter_add"], (s,), {"index": _along(d, idx), "shape": x.shape})
    return x + added


def index_copy(input: TensorLike, dim: int, index: TensorLike, source: TensorLike) -> Tensor:
    """input with its slices at index along dim replaced by source's."""
    x, s = _t(input), _t(source)
    if x.ndim == 0:
        return reshape(index_copy(reshape(x, 1), 0, index, reshape(s, 1)), ())
    d, idx = _index_args("index_copy", x, dim, index, s)
    if s.dtype != x.dtype:
        raise RuntimeError(f"index_copy(): self and source expected to have the same dtype, "
                           f"but got {x.dtype} and {s.dtype}")
    written = np.zeros(x.shape, dtype=bool)
    written[_along(d, idx)] = True
    placed = apply(R["scatter_add"], (s,), {"index": _along(d, idx), "shape": x.shape})
    return where(written, placed, x)


# -- shape -------------------------------------------------------------------------------------
def roll(input: TensorLike, shifts: Any, dims: Any = None) -> Tensor:
    x = _t(input)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: "
                               f"{len(shifts)}, dims:0")
        return reshape(roll(flatten(x), shifts, 0), x.shape)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    axes = tuple(check_dim(int(d), x.ndim, "roll") for d in dims)
    if x.ndim == 0:
        return clone(x)
    return _unary(R["roll"], x, shifts=tuple(int(s) for s in shifts), axes=axes)


def rot90(input: TensorLike, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    x = _t(input)
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90(): expected total rotation dims == 2, but got dims = "
                           f"{len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"rot90(): expected total dims >= 2, but got total dims = {x.ndim}")
    a, b = (check_dim(d, x.ndim, "rot90") for d in dims)
    if a == b:
        raise RuntimeError(f"rot90(): expected rotation dims to be different, but got dim0 = "
                           f"{dims[0]} and dim1 = {dims[1]}")
    k = int(k) % 4
    if k == 1:
        return transpose(flip(x, b), a, b)
    if k == 2:
        return flip(x, (a, b))
    if k == 3:
        return transpose(flip(x, a), a, b)
    return clone(x)


def diff(input: TensorLike, n: int = 1, dim: int = -1, prepend: TensorLike = None,
         append: TensorLike = None) -> Tensor:
    """The n-th forward difference along dim, after joining prepend and append."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("diff(): expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff(): order must be non-negative but got {n}")
    d = check_dim(dim, x.ndim, "diff")
    parts = []
    for extra in (prepend, x, append):
        if extra is None:
            continue
        e = _t(extra)
        if e.ndim != x.ndim:
            raise RuntimeError("diff(): expects prepend or append to be the same dimension "
                               "as input")
        parts.append(e)
    out = cat(parts, d) if len(parts) > 1 else x
    for _ in range(n):
        m = out.shape[d]
        if m == 0:
            break
        out = out[_along(d, slice(1, None))] - out[_along(d, slice(None, m - 1))]
    return out


def block_diag(*tensors: TensorLike) -> Tensor:
    """The tensors (0-d, 1-d as a row, or 2-d) as the blocks of a block-diagonal matrix."""
    ts = []
    for i, t in enumerate(tensors):
        t = _t(t)
        if t.ndim > 2:
            raise RuntimeError(f"block_diag(): Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.ndim} dimensions")
        ts.append(reshape(t, (1, -1) if t.ndim < 2 else t.shape) if t.ndim < 2 else t)
    if not ts:
        return _t([[]])
    dt = np.result_type(*(t.dtype for t in ts))
    cols = builtins.sum(t.shape[1] for t in ts)
    rows, start = [], 0
    for t in ts:
        t = t if t.dtype == dt else cast(t, dt)
        c = t.shape[1]
        width = ((0, 0), (start, cols - start - c))
        rows.append(_unary(R["pad"], t, pad_width=width, value=0.0) if cols != c else t)
        start += c
    return cat(rows, 0)


def _atleast(tensors: tuple, n: int) -> Any:
    single = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) \
        else tensors
    out = []
    for t in items:
        t = _t(t)
        if t.ndim < n:
            if n == 3 and t.ndim == 2:
                shape = t.shape + (1,)
            elif n == 3 and t.ndim == 1:
                shape = (1,) + t.shape + (1,)
            else:
                shape = (1,) * (n - t.ndim) + t.shape
            t = reshape(t, shape)
        out.append(t)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors: TensorLike) -> Any:
    return _atleast(tensors, 1)


def atleast_2d(*tensors: TensorLike) -> Any:
    return _atleast(tensors, 2)


def atleast_3d(*tensors: TensorLike) -> Any:
    """0-d gives (1, 1, 1), (n,) gives (1, n, 1), (m, n) gives (m, n, 1), as in PyTorch."""
    return _atleast(tensors, 3)


def _sequence(tensors: Any, fn: str) -> list:
    ts = list(tensors)
    if not ts:
        raise RuntimeError(f"{fn}(): expects a non-empty TensorList")
    return ts


def hstack(tensors: Sequence[TensorLike]) -> Tensor:
    ts = list(atleast_1d(_sequence(tensors, "hstack")))
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[TensorLike]) -> Tensor:
    return cat(list(atleast_2d(_sequence(tensors, "vstack"))), 0)


row_stack = vstack


def dstack(tensors: Sequence[TensorLike]) -> Tensor:
    return cat(list(atleast_3d(_sequence(tensors, "dstack"))), 2)


def column_stack(tensors: Sequence[TensorLike]) -> Tensor:
    ts = [_t(t) for t in _sequence(tensors, "column_stack")]
    ts = [reshape(t, (t._data.size, 1)) if t.ndim < 2 else t for t in ts]
    return cat(ts, 1)


def unflatten(input: TensorLike, dim: int, sizes: Sequence[int]) -> Tensor:
    x = _t(input)
    d = check_dim(dim, x.ndim, "unflatten")
    sizes = [int(s) for s in sizes]
    if not sizes:
        raise RuntimeError("unflatten(): sizes must be non-empty")
    n = x.shape[d]
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten(): only one dimension can be inferred")
    known = int(math.prod([s for s in sizes if s != -1]))
    if -1 in sizes:
        if known == 0 or n % known:
            raise RuntimeError(f"unflatten(): Provided sizes {sizes} don't multiply up to the "
                               f"size of dim {dim} ({n}) in the input tensor")
        sizes[sizes.index(-1)] = n // known
    elif known != n:
        raise RuntimeError(f"unflatten(): Provided sizes {sizes} don't multiply up to the "
                           f"size of dim {dim} ({n}) in the input tensor")
    return reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


def tensor_split(input: TensorLike, indices_or_sections: Any, dim: int = 0) -> tuple:
    """Views along dim: into `sections` near-equal parts (the first n % sections one longer),
    or cut before each of the given indices."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("tensor_split(): expected at least a 1-dimensional tensor, but got "
                           "a tensor with 0 dims")
    d = check_dim(dim, x.ndim, "tensor_split")
    n = x.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.dtype != np.int64:
            raise RuntimeError("tensor_split(): expected tensor_indices_or_sections to have "
                               f"dtype of long, but got {spec.dtype}")
        if spec.ndim > 1:
            raise RuntimeError("tensor_split(): expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {spec.ndim} dims")
        spec = int(spec._data) if spec.ndim == 0 else [int(i) for i in spec._data]
    if isinstance(spec, (int, np.integer)):
        s = int(spec)
        if s <= 0:
            raise RuntimeError(f"tensor_split(): number of sections must be larger than 0, "
                               f"got {s}")
        q, r = divmod(n, s)
        sizes = [q + 1] * r + [q] * (s - r)
        bounds = np.cumsum([0] + sizes).tolist()
        cuts = list(zip(bounds[:-1], bounds[1:]))
    else:
        points = [int(i) for i in spec]
        cuts = list(zip([0] + points, points + [None]))
    return tuple(x[_along(d, slice(a, b))] for a, b in cuts)


def meshgrid(*tensors: TensorLike, indexing: str = "ij") -> tuple:
    """Coordinate grids: 'ij' gives shape (n0, n1, ...), 'xy' swaps the first two."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid(): indexing must be one of "xy" or "ij", but received: '
                           f'{indexing}')
    ts = [_t(t) for t in tensors]
    if not ts:
        raise RuntimeError("meshgrid(): expects a non-empty TensorList")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid(): Expected 0D or 1D tensor in the tensor list but "
                               f"got a tensor of shape {t.shape}")
    place = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        place[0], place[1] = 1, 0
    shape = [0] * len(ts)
    for p, t in zip(place, ts):
        shape[p] = t._data.size
    out = []
    for p, t in zip(place, ts):
        view = [1] * len(ts)
        view[p] = -1
        out.append(broadcast_to(reshape(t, tuple(view)), tuple(shape)))
    return tuple(out)


__all__ = [
    "gather", "take_along_dim", "atleast_1d", "atleast_2d", "atleast_3d", "block_diag",
    "column_stack", "diff", "dstack",
    "hstack", "index_add", "index_copy", "index_select", "masked_fill", "masked_select",
    "meshgrid", "narrow", "roll", "rot90", "row_stack", "scatter", "scatter_add",
    "scatter_reduce", "take", "tensor_split", "unflatten", "vstack",
]
