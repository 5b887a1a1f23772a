"""Kernels for networks: softmax family, and the sliding-window pair unfold/fold that
convolution and pooling are built from (conv = unfold + tensordot: one strided view, one
matrix product)."""

from __future__ import annotations

from itertools import product

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .registry import Spec, defop


def _softmax(x, axis):
    e = np.exp(x - np.amax(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def _log_softmax(x, axis):
    m = np.amax(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    shifted = x - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _unfold(x, kernel_size, stride, padding, dilation, pad_value=0.0):
    """(N, C, *spatial) -> windows (N, *out_spatial, C, *kernel), a strided view."""
    nsp = len(kernel_size)
    if any(padding):
        width = [(0, 0)] * (x.ndim - nsp) + [(p, p) for p in padding]
        x = np.pad(x, width, mode="constant", constant_values=pad_value)
    span = tuple((k - 1) * d + 1 for k, d in zip(kernel_size, dilation))
    axes = tuple(range(x.ndim - nsp, x.ndim))
    w = sliding_window_view(x, span, axis=axes)  # (N, C, *L_full, *span)
    lead = x.ndim - nsp
    index = (slice(None),) * lead + tuple(slice(None, None, s) for s in stride) + tuple(
        slice(None, None, d) for d in dilation
    )
    w = w[index]  # (N, C, *L, *K)
    perm = (0,) + tuple(range(2, 2 + nsp)) + (1,) + tuple(range(2 + nsp, 2 + 2 * nsp))
    return w.transpose(perm)


def _fold(cols, input_shape, kernel_size, stride, padding, dilation, pad_value=0.0):
    """The adjoint of unfold: windows summed back onto the (padded, then cropped) input."""
    nsp = len(kernel_size)
    padded = tuple(n + 2 * p for n, p in zip(input_shape[2:], padding))
    out = np.zeros(tuple(input_shape[:2]) + padded, dtype=cols.dtype)
    out_sp = cols.shape[1 : 1 + nsp]
    # cols (N, *L, C, *K) -> (N, C, *K, *L) so that each kernel offset is one block
    perm = (0, 1 + nsp) + tuple(range(2 + nsp, 2 + 2 * nsp)) + tuple(range(1, 1 + nsp))
    c = cols.transpose(perm)
    for offs in product(*(range(k) for k in kernel_size)):
        target = (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + s * (n - 1) + 1, s)
            for o, d, s, n in zip(offs, dilation, stride, out_sp)
        )
        out[target] += c[(slice(None), slice(None)) + offs]
    if any(padding):
        crop = (slice(None), slice(None)) + tuple(
            slice(p, p + n) for p, n in zip(padding, input_shape[2:])
        )
        out = out[crop]
    return out


defop("softmax", _softmax,
      lambda F, g, out, x, axis: out * (g - F.sum(g * out, axis=axis, keepdims=True)),
      spec=Spec("softmax"))
defop("log_softmax", _log_softmax,
      lambda F, g, out, x, axis: g - F.exp(out) * F.sum(g, axis=axis, keepdims=True),
      spec=Spec("softmax"))
defop("unfold", _unfold,
      lambda F, g, out, x, kernel_size, stride, padding, dilation, pad_value=0.0: F.fold(
          g, input_shape=x.shape, kernel_size=kernel_size, stride=stride, padding=padding,
          dilation=dilation),
      spec=Spec("unfold"))
defop("fold", _fold,
      lambda F, g, out, cols, input_shape, kernel_size, stride, padding, dilation,
      pad_value=0.0: F.unfold(g, kernel_size=kernel_size, stride=stride, padding=padding,
                              dilation=dilation),
      spec=Spec("fold"))
