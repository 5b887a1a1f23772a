"""Shape primitives: all linear, so each rule is the adjoint shape op applied to g.

`broadcast_to` and `sum_to` are each other's adjoints; the engine's unbroadcasting goes through
`sum_to`, which is why it is a registered, differentiable op.
"""

from __future__ import annotations

import numpy as np

from .registry import Spec, defop


def _reshape(x, shape):
    return x.reshape(shape) if hasattr(x, "reshape") else np.reshape(x, shape)


def _transpose(x, axes):
    return x.transpose(axes)


def _broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


def _sum_to(x, shape):
    """Sums a broadcast array back down to `shape`: the engine's one unbroadcasting step."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead > 0 and x.shape[lead:] == shape:  # only leading axes go (a bias): one reduce
        return np.add.reduce(x, axis=0 if lead == 1 else tuple(range(lead)))
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, x.shape[lead:])):
        raise ValueError(f"sum_to: shape {x.shape} does not sum down to {shape} "
                         f"({shape} does not broadcast to {x.shape})")
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1
    )
    return np.add.reduce(x, axis=axes, keepdims=True).reshape(shape)


def _cat(*xs, axis=0, offsets=None):
    return np.concatenate(xs, axis=axis)


def _cat_vjp(i, F, g, out, xs, axis=0, offsets=None):
    # offsets (each input's start along axis) keep a cat of n inputs O(n), not O(n^2)
    start = offsets[i] if offsets is not None else sum(x.shape[axis] for x in xs[:i])
    index = [slice(None)] * g.ndim
    index[axis] = slice(start, start + xs[i].shape[axis])
    return F.getitem(g, index=tuple(index))


def _pad(x, pad_width, value=0.0):
    return np.pad(x, pad_width, mode="constant", constant_values=value)


def _unpad_index(shape, pad_width):
    return tuple(slice(lo, n - hi) for (lo, hi), n in zip(pad_width, shape))


def _flip(x, axes):
    return np.flip(x, axes)


def _inverse_perm(axes):
    n = len(axes)
    return tuple(np.argsort([a % n for a in axes]).tolist())  # axes may be negative


defop("reshape", _reshape, lambda F, g, out, x, shape: F.reshape(g, shape=x.shape),
      spec=Spec("reshape"))
defop("transpose", _transpose,
      lambda F, g, out, x, axes: F.transpose(g, axes=_inverse_perm(axes)),
      spec=Spec("transpose"))
defop("broadcast_to", _broadcast_to,
      lambda F, g, out, x, shape: F.sum_to(g, shape=x.shape), spec=Spec("broadcast_to"))
defop("sum_to", _sum_to,
      lambda F, g, out, x, shape: F.broadcast_to(g, shape=x.shape), spec=Spec("sum_to"))
defop("cat", _cat, variadic=_cat_vjp, spec=Spec("cat", nin=3))
defop("pad", _pad,
      lambda F, g, out, x, pad_width, value=0.0:
          F.getitem(g, index=_unpad_index(out.shape, pad_width)),
      spec=Spec("pad"))
defop("flip", _flip, lambda F, g, out, x, axes: F.flip(g, axes=axes), spec=Spec("flip"))


def _roll(x, shifts, axes):
    return np.roll(x, shifts, axis=axes)


defop("roll", _roll,
      lambda F, g, out, x, shifts, axes: F.roll(g, shifts=tuple(-s for s in shifts), axes=axes),
      spec=Spec("roll"))
