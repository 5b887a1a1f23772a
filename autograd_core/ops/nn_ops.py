"""Kernels for networks: softmax family, and the sliding-window pair unfold/fold that
convolution and pooling are built from (conv = unfold + tensordot: one strided view, one
matrix product)."""

from __future__ import annotations

from itertools import product

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .registry import Spec, defop


def _softmax(x, axis):
    e = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def _log_softmax(x, axis):
    m = np.maximum.reduce(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    shifted = x - m
    lse = np.add.reduce(np.exp(shifted), axis=axis, keepdims=True)
    np.log(lse, out=lse)
    shifted -= lse
    return shifted


def _pad_spatial(x, padding, value):
    """Pads the trailing len(padding) axes on both sides, keeping x's memory layout (a
    channels-last array stays channels-last); np.pad is slow for this."""
    nsp = len(padding)
    lead = x.ndim - nsp
    shape = x.shape[:lead] + tuple(n + 2 * p for n, p in zip(x.shape[lead:], padding))
    out = np.full_like(x, value, shape=shape) if value else np.zeros_like(x, shape=shape)
    out[(Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(padding, x.shape[lead:]))] = x
    return out


def sliding_windows(x, kernel_size, stride, padding, dilation, pad_value=0.0):
    """(N, C, *spatial) -> windows (N, *out_spatial, C, *kernel), a strided view."""
    nsp = len(kernel_size)
    if any(padding):
        x = _pad_spatial(x, padding, pad_value)
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
    """The adjoint of unfold: windows summed back onto the (padded, then cropped) input.

    The sum is built channels-last, (N, *spatial, C), where each kernel offset's block of cols
    lands without a transpose; the result is that buffer viewed as (N, C, *spatial)."""
    nsp = len(kernel_size)
    n, c = input_shape[:2]
    padded = tuple(m + 2 * p for m, p in zip(input_shape[2:], padding))
    buf = np.zeros((n,) + padded + (c,), dtype=cols.dtype)
    out_sp = cols.shape[1 : 1 + nsp]
    for offs in product(*(range(k) for k in kernel_size)):
        target = (slice(None),) + tuple(
            slice(o * d, o * d + s * (m - 1) + 1, s)
            for o, d, s, m in zip(offs, dilation, stride, out_sp)
        )
        buf[target] += cols[(Ellipsis,) + offs]
    out = np.moveaxis(buf, -1, 1)
    if any(padding):
        out = out[(slice(None), slice(None)) + tuple(
            slice(p, p + m) for p, m in zip(padding, input_shape[2:]))]
    return out


def _conv(x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,)):
    """Cross-correlation as one matrix product: im2col rows (N*L, C*K) times weight (O, C*K)."""
    nsp = weight.ndim - 2
    k = weight.shape[2:]
    cols = sliding_windows(x, k, stride, padding, dilation)  # (N, *L, C, *K) view
    lead = cols.shape[: 1 + nsp]
    rows = cols.reshape(-1, int(np.prod(cols.shape[1 + nsp:])))  # the im2col copy
    out = rows @ weight.reshape(weight.shape[0], -1).T
    if bias is not None:
        out += bias
    return np.moveaxis(out.reshape(lead + (weight.shape[0],)), -1, 1)  # (N, O, *L), a view


def _channels_last(F, g):
    """(N, O, *L) -> (N, *L, O)."""
    return F.transpose(g, axes=(0,) + tuple(range(2, g.ndim)) + (1,))


def _conv_vjp_x(F, g, out, x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,)):
    nsp = weight.ndim - 2
    o = weight.shape[0]
    dcols = F.matmul(_channels_last(F, g), F.reshape(weight, shape=(o, -1)))  # (N, *L, C*K)
    dcols = F.reshape(dcols, shape=tuple(dcols.shape[: 1 + nsp]) + tuple(weight.shape[1:]))
    return F.fold(dcols, input_shape=x.shape, kernel_size=tuple(weight.shape[2:]), stride=stride,
                  padding=padding, dilation=dilation)


def _conv_vjp_w(F, g, out, x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,)):
    o = weight.shape[0]
    cols = F.unfold(x, kernel_size=tuple(weight.shape[2:]), stride=stride, padding=padding,
                    dilation=dilation)
    cols2 = F.reshape(cols, shape=(-1, int(np.prod(weight.shape[1:]))))
    g2 = F.reshape(_channels_last(F, g), shape=(-1, o))
    return F.reshape(F.matmul(F.transpose(g2, axes=(1, 0)), cols2), shape=weight.shape)


def _conv_vjp_b(F, g, out, x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,)):
    return F.sum(g, axis=(0,) + tuple(range(2, g.ndim)))


defop("conv", _conv, _conv_vjp_x, _conv_vjp_w, _conv_vjp_b, spec=Spec("conv", nin=3))
defop("softmax", _softmax,
      lambda F, g, out, x, axis: out * (g - F.sum(g * out, axis=axis, keepdims=True)),
      spec=Spec("softmax"))
defop("log_softmax", _log_softmax,
      lambda F, g, out, x, axis: g - F.exp(out) * F.sum(g, axis=axis, keepdims=True),
      spec=Spec("softmax"))
defop("unfold", sliding_windows,
      lambda F, g, out, x, kernel_size, stride, padding, dilation, pad_value=0.0: F.fold(
          g, input_shape=x.shape, kernel_size=kernel_size, stride=stride, padding=padding,
          dilation=dilation),
      spec=Spec("unfold"))
defop("fold", _fold,
      lambda F, g, out, cols, input_shape, kernel_size, stride, padding, dilation,
      pad_value=0.0: F.unfold(g, kernel_size=kernel_size, stride=stride, padding=padding,
                              dilation=dilation),
      spec=Spec("fold"))
