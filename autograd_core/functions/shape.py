"""Shape and indexing: reshape and its relatives, transposes, broadcasting, joining and
splitting, padding, flips and repeats, gathering along a dim, copies and casts."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..arguments import ArgumentError, check_dim, pick
from ..arguments import sizes as _sizes
from ..compiler import computed
from ..ops import REGISTRY as R
from ..tensor import Tensor, _leaf, _unary, apply
from ..tensor import ensure_tensor as _t

TensorLike = Any
Dim = int | tuple[int, ...] | None

def reshape(input: TensorLike, *shape: Any) -> Tensor:
    x = _t(input)
    new = tuple(int(n) for n in _sizes(shape))
    size = x._data.size
    if new.count(-1) > 1 or any(n < -1 for n in new):
        raise ArgumentError(f"reshape: invalid shape {new}")
    if -1 in new:
        known = int(math.prod([n for n in new if n != -1]))
        if known == 0 or size % known:
            raise ArgumentError(f"reshape: cannot reshape a Tensor of shape {x.shape} "
                             f"({size} elements) into shape {new}")
        new = tuple(size // known if n == -1 else n for n in new)
    if int(math.prod(new)) != size:
        raise ArgumentError(f"reshape: cannot reshape a Tensor of shape {x.shape} "
                         f"({size} elements) into shape {new}")
    if new == x.shape:
        return x
    return _unary(R["reshape"], x, shape=new)


view = reshape


def flatten(input: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    x = _t(input)
    if x.ndim == 0:
        return reshape(x, 1)
    s = check_dim(start_dim, x.ndim, "flatten")
    e = check_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} "
                           f"(for a Tensor of shape {x.shape})")
    shape = x.shape[:s] + (int(math.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


def ravel(input: TensorLike) -> Tensor:
    """The elements as one dimension (torch.ravel, np.ravel)."""
    return reshape(input, -1)


def squeeze(input: TensorLike, dim: Dim = None) -> Tensor:
    x = _t(input)
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = {check_dim(d, x.ndim, "squeeze")
                for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return reshape(x, shape)


def unsqueeze(input: TensorLike, dim: int) -> Tensor:
    x = _t(input)
    n = x.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a result of {n} dimensions")
    d = dim % n
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def permute(input: TensorLike, *dims: Any) -> Tensor:
    x = _t(input)
    axes = tuple(check_dim(d, x.ndim, "permute") for d in _sizes(dims))
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {tuple(_sizes(dims))} are not a permutation of "
                         f"the {x.ndim} dimensions of shape {x.shape}")
    if axes == tuple(range(x.ndim)):
        return x
    return _unary(R["transpose"], x, axes=axes)


def transpose(input: TensorLike, dim0: int = 0, dim1: int = 1) -> Tensor:
    x = _t(input)
    if x.ndim < 2:
        return x
    a, b = check_dim(dim0, x.ndim, "transpose"), check_dim(dim1, x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, *axes)


swapaxes = transpose


def movedim(input: TensorLike, source: int, destination: int) -> Tensor:
    x = _t(input)
    order = list(range(x.ndim))
    s = check_dim(source, x.ndim, "movedim")
    d = check_dim(destination, x.ndim, "movedim")
    order.remove(s)
    order.insert(d, s)
    return permute(x, *order)


moveaxis = movedim


def broadcast_to(input: TensorLike, shape: Sequence[int]) -> Tensor:
    x = _t(input)
    shape = tuple(shape)
    try:
        np.broadcast_shapes(x.shape, shape)
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    if shape == x.shape:
        return x
    return _unary(R["broadcast_to"], x, shape=shape)


def expand(input: TensorLike, *sizes: Any) -> Tensor:
    x = _t(input)
    sizes = _sizes(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes given for a Tensor of shape {x.shape}")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def expand_as(input: TensorLike, other: TensorLike) -> Tensor:
    return broadcast_to(input, _t(other).shape)


def broadcast_tensors(*tensors: TensorLike) -> tuple[Tensor, ...]:
    ts = [_t(t) for t in tensors]
    shape = np.broadcast_shapes(*(t.shape for t in ts))
    return tuple(broadcast_to(t, shape) for t in ts)


def cat(tensors: Sequence[TensorLike], dim: int = 0, *, axis: int | None = None) -> Tensor:
    ts = [_t(t) for t in tensors]
    if not ts:
        raise ValueError("cat: needs at least one Tensor")
    d = check_dim(pick(dim if axis is None else None, axis) or 0, ts[0].ndim, "cat")
    ref = ts[0].shape
    for i, t in enumerate(ts):
        if t.ndim != len(ref) or t.shape[:d] + t.shape[d + 1:] != ref[:d] + ref[d + 1:]:
            raise ValueError(f"cat: Tensor {i} has shape {t.shape}, which does not match "
                             f"shape {ref} of Tensor 0 outside dim {d}")
    if len(ts) == 1:
        return ts[0]
    offsets = np.cumsum([0] + [t.shape[d] for t in ts[:-1]]).tolist()
    return apply(R["cat"], tuple(ts), {"axis": d, "offsets": tuple(offsets)})


concatenate = concat = cat


def stack(tensors: Sequence[TensorLike], dim: int = 0, *, axis: int | None = None) -> Tensor:
    ts = [_t(t) for t in tensors]
    if not ts:
        raise ValueError("stack: needs at least one Tensor")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: Tensor {i} has shape {t.shape}; Tensor 0 has {ts[0].shape}")
    d = pick(dim if axis is None else None, axis) or 0
    return cat([unsqueeze(t, d) for t in ts], d)


def split(tensor: TensorLike, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Sizes, not cut points, as in torch.split."""
    x = _t(tensor)
    d = check_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive; got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} add up to {builtins.sum(sizes)}, "
                             f"not to the size {n} of dim {d}")
    out = []
    start = 0
    for s in sizes:
        index = (slice(None),) * d + (slice(start, start + s),)
        out.append(x[index])
        start += s
    return tuple(out)


def chunk(input: TensorLike, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    x = _t(input)
    n = x.shape[check_dim(dim, x.ndim, "chunk")]
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)):
        raise TypeError(f"chunk: chunks must be an int; got {chunks!r}")
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be greater than 0; got {chunks}")
    return split(x, -(-n // chunks), dim)


def unbind(input: TensorLike, dim: int = 0) -> tuple[Tensor, ...]:
    x = _t(input)
    d = check_dim(dim, x.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def pad(input: TensorLike, pad: Sequence[int], mode: str = "constant", value: float = 0.0):
    """PyTorch's pad: `pad` lists (before, after) pairs starting from the last dimension."""
    x = _t(input)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: {pad} must hold pairs for at most {x.ndim} dimensions")
    k = len(pad) // 2
    pairs = [(0, 0)] * (x.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        out = x
        crop = tuple(slice(-lo if lo < 0 else 0, n + hi if hi < 0 else n)
                     for (lo, hi), n in zip(pairs, x.shape))
        out = out[crop]
        return _pad_pairs(out, [(builtins.max(lo, 0), builtins.max(hi, 0)) for lo, hi in pairs],
                    mode, value)
    return _pad_pairs(x, pairs, mode, value)


def _pad_pairs(x: Tensor, pairs: list, mode: str, value: float) -> Tensor:
    if all(lo == 0 and hi == 0 for lo, hi in pairs):
        return x
    if mode == "constant":
        return _unary(R["pad"], x, pad_width=tuple(pairs), value=value)
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
    if np_mode is None:
        raise ValueError(f"pad: unknown mode {mode!r}; use constant, reflect, replicate "
                         "or circular")
    idx = []
    dims = []
    for i, ((lo, hi), n) in enumerate(zip(pairs, x.shape)):
        if lo or hi:
            if mode == "reflect" and (lo >= n or hi >= n):
                raise ValueError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the "
                                 f"size {n} of dimension {i}")
            idx.append(np.pad(np.arange(n), (lo, hi), mode=np_mode))
            dims.append(i)
    grids = np.ix_(*idx)
    index = [slice(None)] * x.ndim
    for d, gidx in zip(dims, grids):
        index[d] = gidx
    # advanced indices on non-adjacent dims would move them to the front: gather one by one
    if dims != list(range(dims[0], dims[0] + len(dims))):
        out = x
        for d, ix in zip(dims, idx):
            sl = [slice(None)] * x.ndim
            sl[d] = ix
            out = out[tuple(sl)]
        return out
    return x[tuple(index)]


def flip(input: TensorLike, dims: Any) -> Tensor:
    x = _t(input)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = tuple(check_dim(d, x.ndim, "flip") for d in dims)
    return _unary(R["flip"], x, axes=axes)


def repeat(input: TensorLike, *sizes: Any) -> Tensor:
    """Tiles the Tensor (torch's repeat; NumPy's repeat is repeat_interleave)."""
    x = _t(input)
    reps = _sizes(sizes)
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: {len(reps)} sizes for a Tensor with {x.ndim} dimensions")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    inter = []
    for n in shape:
        inter += [1, n]
    y = reshape(x, tuple(inter))
    big = []
    for r, n in zip(reps, shape):
        big += [r, n]
    y = broadcast_to(y, tuple(big))
    return reshape(y, tuple(r * n for r, n in zip(reps, shape)))


def tile(input: TensorLike, dims: Sequence[int]) -> Tensor:
    x = _t(input)
    dims = tuple(dims)
    if len(dims) < x.ndim:
        dims = (1,) * (x.ndim - len(dims)) + dims
    return repeat(x, *dims)


def repeat_interleave(input: TensorLike, repeats: int, dim: int | None = None) -> Tensor:
    x = _t(input)
    if dim is None:
        x, dim = flatten(x), 0
    d = check_dim(dim, x.ndim, "repeat_interleave")
    idx = np.repeat(np.arange(x.shape[d]), repeats)
    return x[(slice(None),) * d + (idx,)]


def clone(input: TensorLike) -> Tensor:
    """A copy that stays in the graph."""
    x = _t(input)
    if not x.requires_grad:
        return _leaf(computed(np.copy, x))  # any dtype kept: bool stays bool
    y = x * 1
    if y._data is x._data:
        y._data = y._data.copy()
    return y


def cast(input: TensorLike, dtype: Any) -> Tensor:
    x = _t(input)
    dt = np.dtype(dtype)
    if dt == x.dtype:
        return x
    if dt.kind not in "fc":  # no gradient: an array of its own, made again by a replay
        return _leaf(computed(lambda a: a.astype(dt), x))
    return _unary(R["cast"], x, dtype=dt)
