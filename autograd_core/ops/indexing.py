"""Indexing: gather ops whose VJP scatters the gradient back, summing repeated indices."""

from __future__ import annotations

import numpy as np

from .registry import Spec, defop


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(
        i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items
    )


def _getitem(x, index):
    return x[index]


def _scatter_add(g, index, shape):
    """The adjoint of x[index]: a zero array of `shape` with g added at index."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index) or _is_bool_mask(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_bool_mask(index) -> bool:
    return isinstance(index, np.ndarray) and index.dtype == bool


def _take_along_axis(x, indices, axis):
    return np.take_along_axis(x, indices, axis=axis)


def _along_axis_index(indices, axis):
    grid = list(np.ogrid[tuple(slice(n) for n in indices.shape)])
    grid[axis] = indices
    return tuple(grid)


def _scatter_along_axis(g, indices, axis, shape):
    """The adjoint of take_along_axis: repeated indices along the axis add up.

    take_along_axis broadcasts the input and the indices against each other outside `axis`,
    so the scatter runs in that broadcast shape and then sums down to `shape`.
    """
    axis = axis % len(shape)
    full = tuple(n if d == axis else max(n, m, k) for d, (n, m, k)
                 in enumerate(zip(shape, g.shape, indices.shape)))
    positions = tuple(indices.shape[axis] if d == axis else n for d, n in enumerate(full))
    indices = np.broadcast_to(indices, positions)
    g = np.broadcast_to(g, positions)
    out = np.zeros(full, dtype=g.dtype)
    if positions[axis] == 1:  # one index per slice: no repeats, a plain put
        np.put_along_axis(out, indices, g, axis=axis)
    else:
        np.add.at(out, _along_axis_index(indices, axis), g)
    summed = tuple(d for d, (n, m) in enumerate(zip(shape, full)) if n != m)
    return out.sum(axis=summed, keepdims=True) if summed else out


defop("getitem", _getitem,
      lambda F, g, out, x, index: F.scatter_add(g, index=index, shape=x.shape),
      spec=Spec("getitem"))
defop("scatter_add", _scatter_add,
      lambda F, g, out, src, index, shape: F.getitem(g, index=index),
      spec=Spec("scatter_add"))
defop("take_along_axis", _take_along_axis,
      lambda F, g, out, x, indices, axis:
          F.scatter_along_axis(g, indices, axis=axis, shape=x.shape),
      None,
      spec=Spec("take_along_axis"))
defop("scatter_along_axis", _scatter_along_axis,
      lambda F, g, out, src, indices, axis, shape: F.take_along_axis(g, indices, axis=axis),
      None,
      spec=Spec("scatter_along_axis"))
