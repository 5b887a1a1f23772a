"""Scatters along a dim (torch.scatter, scatter_reduce) and clamping between Tensor bounds.

`index` is a constant input (an integer array of the input's number of dimensions); element
`index[i, j, k]` sends `src[i, j, k]` to position `index[i, j, k]` along `dim` of the output
(the other coordinates stay). Only the leading `index.shape` block of `src` takes part.
"""

from __future__ import annotations

import numpy as np

from .registry import Spec, defop


def _positions(index, dim):
    """The advanced index of the output positions that `index` sends to along `dim`."""
    grid = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grid[dim] = index
    return tuple(grid)


def _block(index):
    return tuple(slice(n) for n in index.shape)


def _untouched(index, dim, shape, dtype):
    """1 where no element of `index` sends anything, 0 where one does."""
    keep = np.ones(shape, dtype=dtype)
    keep[_positions(index, dim)] = 0
    return keep


def _counts(index, dim, shape, include_self, dtype):
    """How many values each output position averages (1 where nothing is sent)."""
    count = np.zeros(shape, dtype=dtype)
    np.add.at(count, _positions(index, dim), 1)
    if include_self:
        count += 1
    count[count == 0] = 1
    return count


def _pad_to(F, g, shape):
    """g (in index's shape) as a gradient of src: zeros beyond index's block."""
    if g.shape == tuple(shape):
        return g
    return F.pad(g, pad_width=tuple((0, n - m) for n, m in zip(shape, g.shape)), value=0.0)


# -- scatter: overwrite ------------------------------------------------------------------------
def _scatter(x, src, index, dim):
    out = np.array(x, copy=True)
    out[_positions(index, dim)] = src[_block(index)]
    return out


def _scatter_vjp_x(F, g, out, x, src, index, dim):
    return g * _untouched(index, dim, x.shape, g.dtype)


def _scatter_vjp_src(F, g, out, x, src, index, dim):
    return _pad_to(F, F.getitem(g, index=_positions(index, dim)), src.shape)


# -- scatter_reduce: sum, prod, mean, amax, amin ------------------------------------------------
_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
           "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    return info.min if reduce == "amax" else info.max


def _scatter_reduce(x, src, index, dim, reduce, include_self=True):
    pos = _positions(index, dim)
    out = np.array(x, copy=True)
    if not include_self:
        out[pos] = _identity(reduce, out.dtype)
    _UFUNCS[reduce].at(out, pos, src[_block(index)])
    if reduce == "mean":
        count = _counts(index, dim, x.shape, include_self, out.dtype)
        if out.dtype.kind in "iu":
            out //= count
        else:
            out /= count
    return out


def _scatter_reduce_vjp_x(F, g, out, x, src, index, dim, reduce, include_self=True):
    if reduce == "sum":
        return g if include_self else g * _untouched(index, dim, x.shape, g.dtype)
    if reduce == "mean":
        count = _counts(index, dim, x.shape, include_self, g.dtype)
        if include_self:
            return g / count
        return g * (_untouched(index, dim, x.shape, g.dtype) / count)
    if reduce == "prod":
        others = F.scatter_reduce(np.ones(x.shape, dtype=g.dtype), src, index, dim=dim,
                                  reduce="prod", include_self=True)
        grad = g * others
        return grad if include_self else grad * _untouched(index, dim, x.shape, g.dtype)
    winners, count = _extremes(F, out, x, src, index, dim, include_self, g.dtype)
    return g * winners / count


def _scatter_reduce_vjp_src(F, g, out, x, src, index, dim, reduce, include_self=True):
    pos = _positions(index, dim)
    if reduce == "sum":
        return _pad_to(F, F.getitem(g, index=pos), src.shape)
    if reduce == "mean":
        count = _counts(index, dim, x.shape, include_self, g.dtype)
        return _pad_to(F, F.getitem(g / count, index=pos), src.shape)
    s = F.getitem(src, index=_block(index))
    if reduce == "prod":
        # the product of the others in each group: out / s, except for a group's only zero,
        # whose others' product is the reduce again with that zero replaced by 1
        zero = s == 0
        zeros_in_group = F.getitem(
            F.scatter_add(zero.astype(g.dtype), index=pos, shape=x.shape), index=pos)
        single = zero & (zeros_in_group == 1)
        without = F.scatter_reduce(x, F.where(single, 1, s), index, dim=dim, reduce="prod",
                                   include_self=include_self)
        grad = F.where(single, F.getitem(g * without, index=pos),
                       F.getitem(g * out, index=pos) / F.where(zero, 1, s))
        return _pad_to(F, grad, src.shape)
    value = F.getitem(out, index=pos)
    _, count = _extremes(F, out, x, src, index, dim, include_self, g.dtype)
    won = (s == value).astype(g.dtype)
    return _pad_to(F, F.getitem(g / count, index=pos) * won, src.shape)


def _extremes(F, out, x, src, index, dim, include_self, dtype):
    """Which inputs equal their group's extreme (as 0/1 in x's shape), and how many do in
    each group: ties share the gradient evenly, as in PyTorch."""
    pos = _positions(index, dim)
    winners = (x == out).astype(dtype)
    if not include_self:
        winners = winners * _untouched(index, dim, x.shape, dtype)
    s = F.getitem(src, index=_block(index))
    won = (s == F.getitem(out, index=pos)).astype(dtype)
    return winners, winners + F.scatter_add(won, index=pos, shape=x.shape)


# -- clamp with Tensor bounds ------------------------------------------------------------------
def _clamp_tensor(x, lo=None, hi=None):
    out = x if lo is None else np.maximum(x, lo)
    return out if hi is None else np.minimum(out, hi)


def _clamp_vjp_x(F, g, out, x, lo=None, hi=None):
    # PyTorch's choice: the input gets the gradient where lo <= x <= hi, bounds included
    if lo is None:
        inside = x <= hi
    elif hi is None:
        inside = x >= lo
    else:
        inside = (x >= lo) & (x <= hi)
    return F.where(inside, g, g * 0)


def _clamp_vjp_lo(F, g, out, x, lo=None, hi=None):
    below = x < lo if hi is None else (x < lo) & (lo < hi)
    return F.where(below, g, g * 0)


def _clamp_vjp_hi(F, g, out, x, lo=None, hi=None):
    above = x > hi if lo is None else (x > hi) | (hi < lo)
    return F.where(above, g, g * 0)


defop("scatter", _scatter, _scatter_vjp_x, _scatter_vjp_src, None, spec=Spec("scatter"))
defop("scatter_reduce", _scatter_reduce, _scatter_reduce_vjp_x, _scatter_reduce_vjp_src, None,
      spec=Spec("scatter_reduce",
                params={"reduce": ["sum", "prod", "mean", "amax", "amin"],
                        "include_self": [True, False]}))
defop("clamp_tensor", _clamp_tensor, _clamp_vjp_x, _clamp_vjp_lo, _clamp_vjp_hi,
      spec=Spec("clamp_tensor", nin=3))
