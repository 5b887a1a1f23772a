"""Kernels for networks: softmax family, the sliding-window pair unfold/fold that
convolution and pooling are built from (conv = unfold + one matrix product over the strided
view), conv and its adjoint conv_transpose (each one's input gradient is the other), and the
per-axis resampling pair resample/resample_adjoint that interpolation is built from."""

from __future__ import annotations

import math
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


def _group_subscripts(nsp):
    """einsum terms of a grouped convolution: windows (n, *L, g, c, *K), weight (g, o, c, *K),
    output (n, *L, g, o)."""
    sp, ks = "lmj"[:nsp], "xyz"[:nsp]
    return {"cols": f"n{sp}gc{ks}", "w": f"goc{ks}", "out": f"n{sp}go"}


def _conv(x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,), groups=1):
    """Cross-correlation as one matrix product: im2col rows (N*L, C*K) times weight (O, C*K);
    with groups, one einsum over the windows, batched over the groups."""
    nsp = weight.ndim - 2
    k = weight.shape[2:]
    o = weight.shape[0]
    cols = sliding_windows(x, k, stride, padding, dilation)  # (N, *L, C, *K) view
    lead = cols.shape[: 1 + nsp]
    width = int(math.prod(cols.shape[1 + nsp:]))
    if groups == 1:
        rows = cols.reshape(-1, width)  # the im2col copy
        out = rows @ weight.reshape(o, -1).T
    else:  # one contraction over the strided windows, batched over the groups: no copy
        sub = _group_subscripts(nsp)
        cols = cols.reshape(lead + (groups, x.shape[1] // groups) + tuple(k))
        wg = weight.reshape((groups, o // groups) + weight.shape[1:])
        out = np.einsum(f"{sub['cols']},{sub['w']}->{sub['out']}", cols, wg, optimize=True)
        out = out.reshape(-1, o)
    if bias is not None:
        out += bias
    return np.moveaxis(out.reshape(lead + (o,)), -1, 1)  # (N, O, *L), a view


def _transposed_size(n, k, s, p, op, d):
    return (n - 1) * s - 2 * p + d * (k - 1) + 1 + op


def _conv_transpose(x, weight, bias=None, stride=(1,), padding=(0,), output_padding=(0,),
                    dilation=(1,), groups=1):
    """The adjoint of conv in its input: each input pixel scatters weight * value over its
    window (a matrix product to columns, then col2im: fold)."""
    nsp = weight.ndim - 2
    cin = weight.shape[0]
    k = tuple(weight.shape[2:])
    cout = weight.shape[1] * groups
    lsp = x.shape[2:]
    xl = np.moveaxis(x, 1, -1).reshape(-1, cin)  # (M, Cin)
    if groups == 1:
        dcols = xl @ weight.reshape(cin, -1)  # (M, Cout*K)
    else:  # conv's grouped product read backwards: (n, *L, g, o) x (g, o, c, *K)
        sub = _group_subscripts(nsp)
        xg = xl.reshape((x.shape[0],) + lsp + (groups, cin // groups))
        wg = weight.reshape((groups, cin // groups) + weight.shape[1:])
        dcols = np.einsum(f"{sub['out']},{sub['w']}->{sub['cols']}", xg, wg, optimize=True)
    dcols = dcols.reshape((x.shape[0],) + lsp + (cout,) + k)
    out_sp = tuple(_transposed_size(*a) for a in zip(lsp, k, stride, padding, output_padding,
                                                    dilation))
    out = _fold(dcols, (x.shape[0], cout) + out_sp, k, stride, padding, dilation)
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * nsp)  # out is a fresh buffer
    return out


def _channels_last(F, g):
    """(N, O, *L) -> (N, *L, O)."""
    return F.transpose(g, axes=(0,) + tuple(range(2, g.ndim)) + (1,))


def _weight_grad(F, inp, gout, kernel_size, stride, padding, dilation, groups):
    """d<gout, conv(inp, w)>/dw, shape (O, C/G, *K): the windows of inp against gout."""
    o = gout.shape[1]
    c = inp.shape[1]
    kk = int(math.prod(kernel_size))
    cols = F.unfold(inp, kernel_size=kernel_size, stride=stride, padding=padding,
                    dilation=dilation)  # (N, *L, C, *K)
    cols = _first_windows(F, cols, gout.shape[2:])
    if groups == 1:
        g2 = F.reshape(_channels_last(F, gout), shape=(-1, o))  # (M, O)
        cols2 = F.reshape(cols, shape=(-1, c * kk))
        dw = F.matmul(F.transpose(g2, axes=(1, 0)), cols2)
    else:
        nsp = len(kernel_size)
        sub = _group_subscripts(nsp)
        lead = tuple(gout.shape[:1]) + tuple(gout.shape[2:])
        gg = F.reshape(_channels_last(F, gout), shape=lead + (groups, o // groups))
        cg = F.reshape(cols, shape=lead + (groups, c // groups) + tuple(kernel_size))
        dw = F.einsum(gg, cg, subscripts=f"{sub['out']},{sub['cols']}->{sub['w']}")
    return F.reshape(dw, shape=(o, c // groups) + tuple(kernel_size))


def _conv_vjp_x(F, g, out, x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,),
                groups=1):
    k = tuple(weight.shape[2:])
    # the input cells past the last window get no gradient: output_padding covers them
    extra = tuple(n - _transposed_size(m, ki, s, p, 0, d)
                  for n, m, ki, s, p, d in zip(x.shape[2:], g.shape[2:], k, stride, padding,
                                               dilation))
    return F.conv_transpose(g, weight, None, stride=stride, padding=padding,
                            output_padding=extra, dilation=dilation, groups=groups)


def _conv_vjp_w(F, g, out, x, weight, bias=None, stride=(1,), padding=(0,), dilation=(1,),
                groups=1):
    return _weight_grad(F, x, g, tuple(weight.shape[2:]), stride, padding, dilation, groups)


def _conv_vjp_b(F, g, out, x, *args, **params):
    return F.sum(g, axis=(0,) + tuple(range(2, g.ndim)))


def _first_windows(F, a, counts):
    """a (N, *L, ...) cut to its first `counts` windows per spatial axis: with output_padding
    past the stride, a convolution of conv_transpose's output has more windows than the
    transposed convolution's input has cells, and those extra windows are not its adjoint."""
    if all(n == m for n, m in zip(a.shape[1:], counts)):
        return a
    return F.getitem(a, index=(slice(None),) + tuple(slice(0, m) for m in counts))


def _conv_transpose_vjp_x(F, g, out, x, weight, bias=None, stride=(1,), padding=(0,),
                          output_padding=(0,), dilation=(1,), groups=1):
    dx = F.conv(g, weight, None, stride=stride, padding=padding, dilation=dilation,
                groups=groups)
    if any(o >= s for o, s in zip(output_padding, stride)):
        dx = F.getitem(dx, index=(slice(None), slice(None))
                       + tuple(slice(0, m) for m in x.shape[2:]))
    return dx


def _conv_transpose_vjp_w(F, g, out, x, weight, bias=None, stride=(1,), padding=(0,),
                          output_padding=(0,), dilation=(1,), groups=1):
    return _weight_grad(F, g, x, tuple(weight.shape[2:]), stride, padding, dilation, groups)


defop("conv", _conv, _conv_vjp_x, _conv_vjp_w, _conv_vjp_b, spec=Spec("conv", nin=3))
defop("conv_transpose", _conv_transpose, _conv_transpose_vjp_x, _conv_transpose_vjp_w,
      _conv_vjp_b, spec=Spec("conv_transpose", nin=3))
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


# -- resampling along one axis: out[o] = sum_t weight[o, t] * x[index[o, t]] ----------------------
# Each interpolation mode (nearest, linear, cubic, area) is separable: per spatial axis, every
# output cell is a fixed weighted sum of a few input cells (its taps). The two ops below are that
# linear map and its adjoint, each the other's VJP; index and weight are constants.
def _resample(x, index, weight, axis):
    axis = axis % x.ndim
    shape = (-1,) + (1,) * (x.ndim - axis - 1)
    out = None
    for t in range(index.shape[1]):
        term = np.take(x, index[:, t], axis=axis)
        if weight is not None:
            term *= weight[:, t].reshape(shape)
        if out is None:
            out = term
        else:
            out += term
    return out


def _resample_adjoint(g, index, weight, axis, size):
    axis = axis % g.ndim
    shape = list(g.shape)
    shape[axis] = size
    res = np.zeros(shape, dtype=g.dtype)
    wshape = (-1,) + (1,) * (g.ndim - axis - 1)
    lead = (slice(None),) * axis
    for t in range(index.shape[1]):
        idx = index[:, t]
        vals = g * weight[:, t].reshape(wshape) if weight is not None else g
        starts = np.flatnonzero(np.concatenate(([True], idx[1:] != idx[:-1])))
        heads = idx[starts]
        if len(np.unique(heads)) != len(heads):  # repeats apart: no faster way
            np.add.at(res, lead + (idx,), vals)
            continue
        # repeats only in runs (as every interpolation mode makes them): sum each run
        sums = vals if len(starts) == len(idx) else np.add.reduceat(vals, starts, axis=axis)
        if len(heads) and heads[-1] - heads[0] == len(heads) - 1 and np.all(np.diff(heads) == 1):
            res[lead + (slice(heads[0], heads[-1] + 1),)] += sums  # a contiguous block
        else:
            res[lead + (heads,)] += sums
    return res


defop("resample", _resample,
      lambda F, g, out, x, index, weight, axis: F.resample_adjoint(
          g, index=index, weight=weight, axis=axis, size=x.shape[axis]),
      spec=Spec("resample"))
defop("resample_adjoint", _resample_adjoint,
      lambda F, g, out, gin, index, weight, axis, size: F.resample(
          g, index=index, weight=weight, axis=axis),
      spec=Spec("resample_adjoint"))
