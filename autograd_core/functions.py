"""The public functions (`ag.sum`, `ag.conv2d`, ...) and the Tensor methods of the same names.

Arguments follow PyTorch (`dim`, `keepdim`) and NumPy spellings (`axis`, `keepdims`) alike;
each function normalizes them and calls one registered primitive, or composes a few.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from .modes import state as _state
from .ops.registry import REGISTRY as R
from .tensor import Tensor, _check_dim, _leaf, _node, _unary, apply

TensorLike = Any
Dim = int | tuple[int, ...] | None

SUM, MEAN, VAR, PROD, AMAX, AMIN = R["sum"], R["mean"], R["var"], R["prod"], R["amax"], R["amin"]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _pick(dim: Any, axis: Any, what: str = "dim") -> Any:
    if dim is not None and axis is not None:
        raise TypeError(f"give {what} or axis, not both")
    return axis if dim is None else dim


def _norm_axis(dim: Any, ndim: int, op: str) -> Any:
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if not dim:  # PyTorch: an empty dim list reduces over every dimension
            return None
        axes = tuple(_check_dim(int(d), ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: dim {tuple(dim)} repeats an axis")
        return axes
    return _check_dim(int(dim), ndim, op)


def _red(op: Any, x: Any, dim: Any, axis: Any, keepdim: Any, keepdims: Any, **extra: Any):
    x = _t(x)
    d = _norm_axis(_pick(dim, axis), x.ndim, op.name)
    keep = bool(keepdim or keepdims)
    return _unary(op, x, axis=d, keepdims=keep, **extra)


# -- elementwise math ---------------------------------------------------------------------------
def _unary_fn(name: str):
    op = R[name]

    def fn(input: TensorLike) -> Tensor:
        return _unary(op, _t(input))

    fn.__name__ = name
    fn.__doc__ = f"Elementwise {name}, differentiable."
    return fn


exp = _unary_fn("exp")
log = _unary_fn("log")
log1p = _unary_fn("log1p")
sqrt = _unary_fn("sqrt")
sin = _unary_fn("sin")
cos = _unary_fn("cos")
tan = _unary_fn("tan")
tanh = _unary_fn("tanh")
sigmoid = _unary_fn("sigmoid")
relu = _unary_fn("relu")
abs = _unary_fn("abs")  # noqa: A001
sign = _unary_fn("sign")
neg = _unary_fn("neg")
negative = neg


def square(input: TensorLike) -> Tensor:
    return _unary(R["pow_scalar"], _t(input), exponent=2)


def reciprocal(input: TensorLike) -> Tensor:
    return 1.0 / _t(input)


def rsqrt(input: TensorLike) -> Tensor:
    return _unary(R["pow_scalar"], _t(input), exponent=-0.5)


def exp2(input: TensorLike) -> Tensor:
    return 2.0 ** _t(input)


def log2(input: TensorLike) -> Tensor:
    return log(input) * (1.0 / np.log(2.0))


def log10(input: TensorLike) -> Tensor:
    return log(input) * (1.0 / np.log(10.0))


def leaky_relu(input: TensorLike, negative_slope: float = 0.01) -> Tensor:
    return _unary(R["leaky_relu"], _t(input), negative_slope=float(negative_slope))


def softplus(input: TensorLike, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _unary(R["softplus"], _t(input), beta=float(beta), threshold=float(threshold))


def clamp(input: TensorLike, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clips to [min, max]; Tensor bounds go through maximum/minimum so they get gradients."""
    x = _t(input)
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return _unary(R["clip"], x, min=min, max=max)


clip = clamp


def add(input: TensorLike, other: TensorLike, alpha: float = 1) -> Tensor:
    return _t(input) + (other if alpha == 1 else other * alpha)


def sub(input: TensorLike, other: TensorLike, alpha: float = 1) -> Tensor:
    return _t(input) - (other if alpha == 1 else other * alpha)


subtract = sub


def mul(input: TensorLike, other: TensorLike) -> Tensor:
    return _t(input) * other


multiply = mul


def div(input: TensorLike, other: TensorLike) -> Tensor:
    return _t(input) / other


divide = true_divide = div


def pow(input: TensorLike, exponent: TensorLike) -> Tensor:  # noqa: A001
    if not isinstance(input, Tensor):
        return _t(exponent).__rpow__(input)
    return input**exponent


def maximum(input: TensorLike, other: TensorLike) -> Tensor:
    return apply(R["maximum"], (input, other), {})


def minimum(input: TensorLike, other: TensorLike) -> Tensor:
    return apply(R["minimum"], (input, other), {})


def where(condition: TensorLike, input: TensorLike = None, other: TensorLike = None) -> Any:
    if input is None and other is None:
        return tuple(_leaf(i) for i in np.nonzero(np.asarray(condition)))
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    return apply(R["where"], (cond.astype(bool, copy=False), input, other), {})


def heaviside(input: TensorLike, values: TensorLike = 0.0) -> Tensor:
    """Step function: no gradient, as in PyTorch."""
    v = values.data if isinstance(values, Tensor) else values
    return _leaf(np.heaviside(_t(input).data, v))


def isnan(input: TensorLike) -> Tensor:
    return _leaf(np.isnan(_t(input).data))


def isinf(input: TensorLike) -> Tensor:
    return _leaf(np.isinf(_t(input).data))


def isfinite(input: TensorLike) -> Tensor:
    return _leaf(np.isfinite(_t(input).data))


def allclose(a: TensorLike, b: TensorLike, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol))


# -- reductions ----------------------------------------------------------------------------------
def sum(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,  # noqa: A001
        keepdims: bool = False, dtype: Any = None) -> Tensor:
    x = _t(input)
    if dtype is not None:
        x = x.to(dtype)
    return _red(SUM, x, dim, axis, keepdim, keepdims)


def mean(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False, dtype: Any = None) -> Tensor:
    x = _t(input)
    if x.dtype.kind not in "fc" and dtype is None:
        raise TypeError(f"mean: needs a floating-point Tensor; got dtype {x.dtype}")
    if dtype is not None:
        x = x.to(dtype)
    return _red(MEAN, x, dim, axis, keepdim, keepdims)


def prod(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    return _red(PROD, input, dim, axis, keepdim, keepdims)


def _correction(unbiased: Any, correction: Any) -> int:
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(input: TensorLike, dim: Dim = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: int | None = None, axis: Dim = None, keepdims: bool = False) -> Tensor:
    """Unbiased by default (correction=1), as in PyTorch."""
    if isinstance(unbiased, bool) is False and unbiased is not None and dim is None:
        dim, unbiased = unbiased, None  # var(x, 0)
    return _red(VAR, input, dim, axis, keepdim, keepdims,
                correction=_correction(unbiased, correction))


def std(input: TensorLike, dim: Dim = None, unbiased: bool | None = None, keepdim: bool = False,
        *, correction: int | None = None, axis: Dim = None, keepdims: bool = False) -> Tensor:
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction, axis=axis,
                    keepdims=keepdims))


def amax(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    return _red(AMAX, input, dim, axis, keepdim, keepdims)


def amin(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
         keepdims: bool = False) -> Tensor:
    return _red(AMIN, input, dim, axis, keepdim, keepdims)


MaxResult = namedtuple("MaxResult", ["values", "indices"])


def _max_min(input: TensorLike, dim: Any, keepdim: bool, axis: Any, keepdims: bool, which: str):
    x = _t(input)
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        return maximum(x, dim) if which == "max" else minimum(x, dim)
    d = _pick(dim, axis)
    if d is None:
        return _unary(AMAX if which == "max" else AMIN, x, axis=None, keepdims=False)
    if isinstance(d, (tuple, list)):
        raise TypeError(f"{which}: dim must be one int when indices are returned; use amax/amin")
    d = _check_dim(int(d), x.ndim, which)
    keep = bool(keepdim or keepdims)
    if x.ndim == 0:  # PyTorch: a 0-d Tensor is its own maximum, at index 0
        return MaxResult(x, _leaf(np.zeros((), dtype=np.int64)))
    arg = (np.argmax if which == "max" else np.argmin)(x.data, axis=d, keepdims=True)
    values = apply(R["take_along_axis"], (x, arg), {"axis": d})
    if not keep:
        values = squeeze(values, d)
        arg = np.squeeze(arg, axis=d)
    return MaxResult(values, _leaf(arg.astype(np.int64)))


def max(input: TensorLike, dim: Any = None, keepdim: bool = False, *, axis: Dim = None,  # noqa: A001
        keepdims: bool = False) -> Any:
    """Without dim: the largest value. With dim: (values, indices), as torch.max."""
    return _max_min(input, dim, keepdim, axis, keepdims, "max")


def min(input: TensorLike, dim: Any = None, keepdim: bool = False, *, axis: Dim = None,  # noqa: A001
        keepdims: bool = False) -> Any:
    return _max_min(input, dim, keepdim, axis, keepdims, "min")


def argmax(input: TensorLike, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None, keepdims: bool = False) -> Tensor:
    x = _t(input)
    d = _pick(dim, axis)
    if d is None:
        return _leaf(np.asarray(np.argmax(x.data), dtype=np.int64))
    d = _check_dim(int(d), x.ndim, "argmax")
    return _leaf(np.argmax(x.data, axis=d, keepdims=bool(keepdim or keepdims)).astype(np.int64))


def argmin(input: TensorLike, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None, keepdims: bool = False) -> Tensor:
    x = _t(input)
    d = _pick(dim, axis)
    if d is None:
        return _leaf(np.asarray(np.argmin(x.data), dtype=np.int64))
    d = _check_dim(int(d), x.ndim, "argmin")
    return _leaf(np.argmin(x.data, axis=d, keepdims=bool(keepdim or keepdims)).astype(np.int64))


def logsumexp(input: TensorLike, dim: Dim = None, keepdim: bool = False, *, axis: Dim = None,
              keepdims: bool = False) -> Tensor:
    return _red(R["logsumexp"], input, dim, axis, keepdim, keepdims)


def norm(input: TensorLike, p: Any = 2, dim: Dim = None, keepdim: bool = False, *,
         axis: Dim = None, keepdims: bool = False) -> Tensor:
    """Vector p-norm over dim (all elements by default); 'fro' is the 2-norm."""
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm: p={p!r} is not supported; use a number, inf or 'fro'")
    return _red(R["norm"], input, dim, axis, keepdim, keepdims, p=float(p) if p not in
                (1, 2) else p)


# -- shape -----------------------------------------------------------------------------------
def _sizes(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def reshape(input: TensorLike, *shape: Any) -> Tensor:
    x = _t(input)
    new = tuple(int(n) for n in _sizes(shape))
    size = x.data.size
    if new.count(-1) > 1 or any(n < -1 for n in new):
        raise ValueError(f"reshape: invalid shape {new}")
    if -1 in new:
        known = int(np.prod([n for n in new if n != -1]))
        if known == 0 or size % known:
            raise ValueError(f"reshape: cannot reshape a Tensor of shape {x.shape} "
                             f"({size} elements) into shape {new}")
        new = tuple(size // known if n == -1 else n for n in new)
    if int(np.prod(new)) != size:
        raise ValueError(f"reshape: cannot reshape a Tensor of shape {x.shape} "
                         f"({size} elements) into shape {new}")
    if new == x.shape:
        return x
    return _unary(R["reshape"], x, shape=new)


view = reshape


def flatten(input: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    x = _t(input)
    if x.ndim == 0:
        return reshape(x, 1)
    s = _check_dim(start_dim, x.ndim, "flatten")
    e = _check_dim(end_dim, x.ndim, "flatten")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


def squeeze(input: TensorLike, dim: Dim = None) -> Tensor:
    x = _t(input)
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = {_check_dim(d, x.ndim, "squeeze")
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
    axes = tuple(_check_dim(d, x.ndim, "permute") for d in _sizes(dims))
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
    a, b = _check_dim(dim0, x.ndim, "transpose"), _check_dim(dim1, x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, *axes)


swapaxes = transpose


def movedim(input: TensorLike, source: int, destination: int) -> Tensor:
    x = _t(input)
    order = list(range(x.ndim))
    s = _check_dim(source, x.ndim, "movedim")
    d = _check_dim(destination, x.ndim, "movedim")
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
    d = _check_dim(_pick(dim if axis is None else None, axis) or 0, ts[0].ndim, "cat")
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
    d = _pick(dim if axis is None else None, axis) or 0
    return cat([unsqueeze(t, d) for t in ts], d)


def split(tensor: TensorLike, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Sizes, not cut points, as in torch.split."""
    x = _t(tensor)
    d = _check_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive; got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if _builtin_sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} add up to {_builtin_sum(sizes)}, "
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
    n = x.shape[_check_dim(dim, x.ndim, "chunk")]
    return split(x, -(-n // chunks), dim)


def unbind(input: TensorLike, dim: int = 0) -> tuple[Tensor, ...]:
    x = _t(input)
    d = _check_dim(dim, x.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


import builtins as _builtins  # noqa: E402

_builtin_sum = _builtins.sum


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
        return _pad_pairs(out, [(_builtin_max(lo, 0), _builtin_max(hi, 0)) for lo, hi in pairs],
                    mode, value)
    return _pad_pairs(x, pairs, mode, value)


_builtin_max = _builtins.max


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
    axes = tuple(_check_dim(d, x.ndim, "flip") for d in dims)
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
    d = _check_dim(dim, x.ndim, "repeat_interleave")
    idx = np.repeat(np.arange(x.shape[d]), repeats)
    return x[(slice(None),) * d + (idx,)]


def gather(input: TensorLike, dim: int, index: TensorLike) -> Tensor:
    x = _t(input)
    d = _check_dim(dim, x.ndim, "gather")
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    return apply(R["take_along_axis"], (x, idx.astype(np.int64, copy=False)), {"axis": d})


take_along_dim = gather


def clone(input: TensorLike) -> Tensor:
    """A copy that stays in the graph."""
    x = _t(input)
    y = x * 1
    if y.data is x.data:
        y.data = y.data.copy()
    return y


def cast(input: TensorLike, dtype: Any) -> Tensor:
    x = _t(input)
    dt = np.dtype(dtype)
    if dt == x.dtype:
        return x
    if dt.kind not in "fc":
        return _leaf(x.data.astype(dt))
    return _unary(R["cast"], x, dtype=dt)


# -- linear algebra ---------------------------------------------------------------------------
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
    from .ops.linalg import _parse_einsum

    _parse_einsum(subscripts, [t.shape for t in ts])  # clear errors before NumPy's
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
    ws = w.data.shape
    if len(ws) != 2 or not x.data.ndim or x.data.shape[-1] != ws[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape "
                         f"{w.shape} (expected input (..., {ws[-1] if ws else '?'}))")
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else Tensor(bias)
        if bias.data.shape != ws[:1] and bias.data.shape != ():
            raise ValueError(f"linear: bias of shape {bias.shape} does not fit weight of "
                             f"shape {w.shape}")
        out = _LINEAR_FWD(x.data, w.data, bias.data)
        if (x.requires_grad or w.requires_grad or bias.requires_grad) and _state.enabled:
            return _node(out, _LINEAR, (x, w, bias), (x.data, w.data, bias.data), {})
        return _leaf(out)
    return apply(_LINEAR, (x, w, None), {})


_LINEAR = R["linear"]
_LINEAR_FWD = _LINEAR.forward


# -- network kernels ------------------------------------------------------------------------------
def softmax(input: TensorLike, dim: int = -1, *, axis: int | None = None) -> Tensor:
    x = _t(input)
    d = _check_dim(_pick(dim if axis is None else None, axis), x.ndim, "softmax")
    return _unary(R["softmax"], x, axis=d)


def log_softmax(input: TensorLike, dim: int = -1, *, axis: int | None = None) -> Tensor:
    x = _t(input)
    d = _check_dim(_pick(dim if axis is None else None, axis), x.ndim, "log_softmax")
    return _unary(R["log_softmax"], x, axis=d)


def _tuple(v: Any, n: int, what: str) -> tuple[int, ...]:
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(i) for i in v)
    if len(v) != n:
        raise ValueError(f"{what} needs {n} values; got {v}")
    return v


def _conv(x: Tensor, weight: Tensor, bias: Any, stride: Any, padding: Any, dilation: Any,
          groups: int, nsp: int, name: str) -> Tensor:
    x, w = _t(x), _t(weight)
    if x.ndim != nsp + 2:
        raise ValueError(f"{name}: input must have shape (N, C, {'L' if nsp == 1 else 'H, W'}); "
                         f"got {x.shape}")
    if w.ndim != nsp + 2:
        raise ValueError(f"{name}: weight must have {nsp + 2} dimensions; got {w.shape}")
    c = x.shape[1]
    if c != w.shape[1] * groups or w.shape[0] % groups:
        raise ValueError(f"{name}: input has {c} channels but weight {w.shape} with "
                         f"groups={groups} expects {w.shape[1] * groups}")
    k = tuple(w.shape[2:])
    s = _tuple(stride, nsp, f"{name} stride")
    d = _tuple(dilation, nsp, f"{name} dilation")
    if isinstance(padding, str):
        if padding == "valid":
            p = (0,) * nsp
        elif padding == "same":
            if any(si != 1 for si in s):
                raise ValueError(f"{name}: padding='same' needs stride 1")
            total = [di * (ki - 1) for di, ki in zip(d, k)]
            lo = [t // 2 for t in total]
            if any(t % 2 for t in total):  # odd total: the extra zero goes on the right
                pairs = []
                for t, l_ in zip(reversed(total), reversed(lo)):
                    pairs += [l_, t - l_]
                x = pad(x, pairs)
                p = (0,) * nsp
            else:
                p = tuple(lo)
        else:
            raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid'")
    else:
        p = _tuple(padding, nsp, f"{name} padding")
    for i in range(nsp):
        span = d[i] * (k[i] - 1) + 1
        if x.shape[2 + i] + 2 * p[i] < span:
            raise ValueError(f"{name}: input of shape {x.shape} with padding {p} is smaller than "
                             f"the (dilated) kernel {k}")
    if groups == 1:  # one primitive: im2col and one matrix product
        return apply(R["conv"], (x, w, bias), {"stride": s, "padding": p, "dilation": d})
    # groups: each group of channels is its own convolution, one einsum over the windows
    cols = _unary(R["unfold"], x, kernel_size=k, stride=s, padding=p, dilation=d)
    g = groups
    cg = c // g
    og = w.shape[0] // g
    cols = reshape(cols, cols.shape[: 1 + nsp] + (g, cg) + k)
    wg = reshape(w, (g, og, cg) + k)
    ks = "xyz"[:nsp]
    ls = "lmn"[:nsp]
    out = einsum(f"b{ls}gc{ks},goc{ks}->b{ls}go", cols, wg)
    out = reshape(out, out.shape[: 1 + nsp] + (g * og,))
    out = permute(out, 0, 1 + nsp, *range(1, 1 + nsp))
    if bias is not None:
        out = out + reshape(_t(bias), (-1,) + (1,) * nsp)
    return out


def conv1d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Cross-correlation over (N, C, L), as torch.nn.functional.conv1d."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Cross-correlation over (N, C, H, W), as torch.nn.functional.conv2d."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, nsp: int, name: str):
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: input must have {nsp + 1} or {nsp + 2} dimensions; got "
                         f"{x.shape}")
    k = _tuple(kernel_size, nsp, f"{name} kernel_size")
    s = k if stride is None or stride == [] else _tuple(stride, nsp, f"{name} stride")
    p = _tuple(padding, nsp, f"{name} padding")
    d = _tuple(dilation, nsp, f"{name} dilation")
    for ki, pi in zip(k, p):
        if pi > ki // 2:
            raise ValueError(f"{name}: padding {p} must be at most half the kernel size {k}")
    extra = []
    sizes = x.shape[-nsp:]
    for n, ki, si, pi, di in zip(sizes, k, s, p, d):
        span = di * (ki - 1) + 1
        if n + 2 * pi < span:
            raise ValueError(f"{name}: input size {n} with padding {pi} is smaller than the "
                             f"window {span}")
        num = n + 2 * pi - span
        out = (-(-num // si) if ceil_mode else num // si) + 1
        if ceil_mode and (out - 1) * si >= n + pi:
            out -= 1
        # only ceil_mode can need cells past the padded input; a remainder is simply skipped
        extra.append(_builtin_max((out - 1) * si + span - (n + 2 * pi), 0))
    return k, s, p, d, extra


def _pool_windows(x: Tensor, k, s, p, d, extra, pad_value: float, nsp: int) -> Tensor:
    if any(extra):
        pairs = []
        for e in reversed(extra):
            pairs += [0, e]
        x = pad(x, pairs, value=pad_value)
    return _unary(R["unfold"], x, kernel_size=k, stride=s, padding=p, dilation=d,
                  pad_value=pad_value)  # (N, *L, C, *K)


def _max_pool(input: TensorLike, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices, nsp, name):
    x = _t(input)
    batched = x.ndim == nsp + 2
    if not batched:
        x = unsqueeze(x, 0)
    k, s, p, d, extra = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode,
                                       nsp, name)
    cols = _pool_windows(x, k, s, p, d, extra, -np.inf, nsp)
    lead = cols.shape[: 2 + nsp]  # (N, *L, C)
    flat = reshape(cols, lead + (-1,))
    arg = np.argmax(flat.data, axis=-1)[..., None]
    out = squeeze(apply(R["take_along_axis"], (flat, arg), {"axis": -1 % flat.ndim}), -1)
    out = permute(out, 0, 1 + nsp, *range(1, 1 + nsp))  # (N, C, *L)
    if not batched:
        out = squeeze(out, 0)
    if return_indices:
        return out, _leaf(_pool_indices(arg[..., 0], x.shape, k, s, p, d, nsp, batched))
    return out


def _pool_indices(arg, shape, k, s, p, d, nsp, batched):
    """Flat indices into each input plane of the chosen maxima, as PyTorch returns them."""
    offs = np.unravel_index(arg, k)  # kernel offsets per output position (N, *L, C)
    grids = np.meshgrid(*[np.arange(n) for n in arg.shape[1:1 + nsp]], indexing="ij")
    coords = []
    for i in range(nsp):
        g = grids[i].reshape((1,) + grids[i].shape + (1,))
        coords.append(g * s[i] - p[i] + offs[i] * d[i])
    flat = np.ravel_multi_index(tuple(coords), shape[2:], mode="clip")
    flat = np.moveaxis(flat, -1, 1).astype(np.int64)
    return flat if batched else flat[0]


def max_pool1d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     1, "max_pool1d")


def max_pool2d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2, "max_pool2d")


def _avg_pool(input: TensorLike, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, nsp, name):
    x = _t(input)
    batched = x.ndim == nsp + 2
    if not batched:
        x = unsqueeze(x, 0)
    k, s, p, d, extra = _pool_geometry(x, kernel_size, stride, padding, 1, ceil_mode, nsp, name)
    cols = _pool_windows(x, k, s, p, d, extra, 0.0, nsp)
    ksum = sum(cols, dim=tuple(range(2 + nsp, 2 + 2 * nsp)))  # (N, *L, C)
    if divisor_override:
        out = ksum / float(divisor_override)
    elif count_include_pad and not any(extra):
        out = ksum / float(np.prod(k))
    else:
        # count the window cells that lie inside the input (or its padding, if counted)
        ones = np.ones((1, 1) + x.shape[2:], dtype=x.dtype)
        if count_include_pad:
            ones = np.pad(ones, [(0, 0), (0, 0)] + [(pi, pi) for pi in p], constant_values=1)
            pp = (0,) * nsp
        else:
            pp = p
        if any(extra):
            ones = np.pad(ones, [(0, 0), (0, 0)] + [(0, e) for e in extra])
        from .ops.nn_ops import _unfold

        cnt = _unfold(ones, k, s, pp, d).sum(axis=tuple(range(2 + nsp, 2 + 2 * nsp)))
        out = ksum / cnt
    out = permute(out, 0, 1 + nsp, *range(1, 1 + nsp))
    return out if batched else squeeze(out, 0)


def avg_pool1d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None,
                     1, "avg_pool1d")


def avg_pool2d(input: TensorLike, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


# -- Tensor methods -----------------------------------------------------------------------------
def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Casts to a dtype; device strings ("cpu") are accepted and change nothing."""
    dtype = kwargs.get("dtype")
    for a in args:
        if isinstance(a, str) and a in ("cpu",):
            continue
        dtype = a
    return self if dtype is None else cast(self, dtype)


def _method(fn: Any) -> Any:
    def m(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    m.__name__ = fn.__name__
    m.__doc__ = fn.__doc__
    return m


_METHODS = [
    exp, log, log1p, sqrt, sin, cos, tan, tanh, sigmoid, relu, leaky_relu, softplus, abs, sign,
    clamp, clip, maximum, minimum, pow, square, reciprocal, rsqrt, neg, log2, log10, exp2,
    sum, mean, prod, var, std, max, min, amax, amin, argmax, argmin, logsumexp, norm,
    reshape, view, flatten, squeeze, unsqueeze, transpose, swapaxes, permute, movedim,
    broadcast_to, expand, expand_as, flip, repeat, tile, repeat_interleave, split, chunk,
    unbind, gather, matmul, dot, outer, inner, softmax, log_softmax, clone, add, sub, mul, div,
    isnan, isinf, isfinite,
]
for _fn in _METHODS:
    setattr(Tensor, _fn.__name__, _method(_fn))
for _alias, _fn in {"clip": clamp, "view": reshape, "swapaxes": swapaxes,
                    "moveaxis": movedim, "multiply": mul, "subtract": sub, "divide": div,
                    "negative": neg}.items():
    if _fn is not None:
        setattr(Tensor, _alias, _method(_fn))
Tensor.to = _to
Tensor.type = lambda self, dtype=None: str(self.dtype) if dtype is None else cast(self, dtype)
Tensor.astype = lambda self, dtype: cast(self, dtype)
Tensor.float = lambda self: cast(self, np.float32)
Tensor.double = lambda self: cast(self, np.float64)
Tensor.long = lambda self: cast(self, np.int64)
Tensor.int = lambda self: cast(self, np.int32)
Tensor.bool = lambda self: cast(self, np.bool_)
Tensor.contiguous = lambda self: self
Tensor.cpu = lambda self: self
Tensor.view_as = lambda self, other: reshape(self, _t(other).shape)
Tensor.reshape_as = Tensor.view_as
Tensor.where = lambda self, condition, other: where(condition, self, other)
Tensor.masked_fill = lambda self, mask, value: where(mask, value, self)

# the public functions: everything defined here whose name does not start with "_"
__all__ = [
    n for n, v in list(globals().items())
    if not n.startswith("_") and (getattr(v, "__module__", None) == __name__ or n == "MaxResult")
    and callable(v) and n not in ("Tensor",)
]
