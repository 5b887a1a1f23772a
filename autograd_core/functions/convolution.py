"""Convolution, pooling and resampling over PyTorch's N, C, *spatial layout.

conv1d/2d/3d (grouped, dilated, 'same'/'valid') run the N-d `conv` primitive and
conv_transpose1d/2d/3d its adjoint `conv_transpose`; max_pool1d/2d (with PyTorch's flat
indices), avg_pool1d/2d and lp_pool1d/2d, and nn.functional's unfold/fold (im2col, col2im) are
built on the `unfold`/`fold` primitives (sliding windows as a strided view, and its adjoint).
interpolate applies one fixed linear map per spatial axis (the `resample` primitive), so every
mode shares one gradient rule. adaptive_max_pool1d/2d gathers the chosen cells and
max_unpool1d/2d scatters them back."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..arguments import ArgumentError, ntuple, same_padding
from ..compiler import computed
from ..ops import REGISTRY as R
from ..ops.nn_ops import _transposed_size, sliding_windows
from ..tensor import Tensor, _leaf, _unary, apply
from ..tensor import ensure_tensor as _t
from .indexing import gather, scatter
from .pointwise import abs as absolute
from .pointwise import relu, sign
from .reductions import sum
from .shape import pad, permute, reshape, squeeze, unsqueeze

TensorLike = Any

_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


def _positive(v: tuple[int, ...], what: str, name: str, least: int = 1) -> tuple[int, ...]:
    if any(i < least for i in v):
        raise ArgumentError(f"{name}: {what} must be {'positive' if least else 'non-negative'}; "
                         f"got {v}")
    return v


def _conv_operands(x: Any, weight: Any, bias: Any, nsp: int, name: str):
    """Input (batched as N=1 if unbatched), weight, bias, with PyTorch's checks on dims and
    dtypes."""
    x, w = _t(x), _t(weight)
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: input must have shape (N, C, {_SPATIAL[nsp]}) or "
                         f"(C, {_SPATIAL[nsp]}); got {x.shape}")
    if w.ndim != nsp + 2:
        raise ValueError(f"{name}: weight must have {nsp + 2} dimensions; got {w.shape}")
    for what, other in (("weight", w), ("bias", bias)):
        if isinstance(other, Tensor) and other.dtype != x.dtype:
            raise RuntimeError(f"{name}: input type ({x.dtype}) and {what} type ({other.dtype}) "
                               f"should be the same; convert the input with .to({other.dtype}) "
                               f"or the layer with .to({x.dtype})")
    batched = x.ndim == nsp + 2
    return (x if batched else unsqueeze(x, 0)), w, batched


def _check_bias(bias: Any, n: int, name: str) -> None:
    if bias is None:
        return
    shape = tuple(bias.shape) if isinstance(bias, Tensor) else np.shape(bias)
    if shape != (n,):
        raise ValueError(f"{name}: bias must have shape ({n},) (one value per output channel); "
                         f"got {shape}")


def _conv(x: Tensor, weight: Tensor, bias: Any, stride: Any, padding: Any, dilation: Any,
          groups: int, nsp: int, name: str) -> Tensor:
    x, w, batched = _conv_operands(x, weight, bias, nsp, name)
    c = x.shape[1]
    if groups < 1:
        raise ValueError(f"{name}: groups must be positive; got {groups}")
    if c != w.shape[1] * groups or w.shape[0] % groups:
        raise ValueError(f"{name}: input has {c} channels but weight {w.shape} with "
                         f"groups={groups} expects {w.shape[1] * groups}"
                         + (f" and out channels divisible by {groups}"
                            if w.shape[0] % groups else ""))
    _check_bias(bias, w.shape[0], name)
    k = tuple(w.shape[2:])
    s = _positive(ntuple(stride, nsp, f"{name} stride"), "stride", name)
    d = _positive(ntuple(dilation, nsp, f"{name} dilation"), "dilation", name)
    if isinstance(padding, str):
        if padding == "valid":
            p = (0,) * nsp
        elif padding == "same":
            if any(si != 1 for si in s):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride {s})")
            sides = same_padding(k, d)
            if any(lo != hi for lo, hi in sides):  # uneven: pad first, then convolve unpadded
                x = pad(x, [n for pair in reversed(sides) for n in pair])
                p = (0,) * nsp
            else:
                p = tuple(lo for lo, _ in sides)
        else:
            raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid'; "
                             f"got {padding!r}")
    else:
        p = _positive(ntuple(padding, nsp, f"{name} padding"), "padding", name, least=0)
    for i in range(nsp):
        span = d[i] * (k[i] - 1) + 1
        if x.shape[2 + i] + 2 * p[i] < span:
            raise ValueError(f"{name}: input of shape {x.shape} with padding {p} is smaller than "
                             f"the (dilated) kernel {k}")
    out = apply(R["conv"], (x, w, bias), {"stride": s, "padding": p, "dilation": d,
                                          "groups": groups})
    return out if batched else squeeze(out, 0)


def conv1d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Cross-correlation over (N, C, L), as torch.nn.functional.conv1d."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Cross-correlation over (N, C, H, W), as torch.nn.functional.conv2d."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
           stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """Cross-correlation over (N, C, D, H, W), as torch.nn.functional.conv3d: the same
    N-d primitive as conv1d/conv2d."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose(x: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                    output_padding: Any, groups: int, dilation: Any, nsp: int,
                    name: str) -> Tensor:
    x, w, batched = _conv_operands(x, weight, bias, nsp, name)
    c = x.shape[1]
    if groups < 1:
        raise ValueError(f"{name}: groups must be positive; got {groups}")
    if w.shape[0] != c:
        raise ValueError(f"{name}: weight of shape {w.shape} (in_channels, out_channels/groups, "
                         f"*kernel) expects input with {w.shape[0]} channels; got input of "
                         f"shape {x.shape}")
    if c % groups:
        raise ValueError(f"{name}: in_channels {c} is not divisible by groups={groups}")
    _check_bias(bias, w.shape[1] * groups, name)
    k = tuple(w.shape[2:])
    s = _positive(ntuple(stride, nsp, f"{name} stride"), "stride", name)
    d = _positive(ntuple(dilation, nsp, f"{name} dilation"), "dilation", name)
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding must be an int or a tuple of ints; got {padding!r} "
                         f"(string padding is for conv{nsp}d only)")
    p = _positive(ntuple(padding, nsp, f"{name} padding"), "padding", name, least=0)
    op = _positive(ntuple(output_padding, nsp, f"{name} output_padding"), "output_padding",
                   name, least=0)
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        raise ValueError(f"{name}: output_padding must be smaller than either stride or "
                         f"dilation; got output_padding={op}, stride={s}, dilation={d}")
    out_sp = tuple(_transposed_size(*a) for a in zip(x.shape[2:], k, s, p, op, d))
    if any(n < 1 for n in out_sp):
        raise ValueError(f"{name}: input of shape {x.shape} with kernel {k}, stride {s}, "
                         f"padding {p}, dilation {d} gives output size {out_sp}, which is too "
                         f"small")
    out = apply(R["conv_transpose"], (x, w, bias),
                {"stride": s, "padding": p, "output_padding": op, "dilation": d,
                 "groups": groups})
    return out if batched else squeeze(out, 0)


def conv_transpose1d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint of conv1d in its input (a learned upsampling), as
    torch.nn.functional.conv_transpose1d; weight is (C_in, C_out / groups, K)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, "conv_transpose1d")


def conv_transpose2d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint of conv2d in its input, as torch.nn.functional.conv_transpose2d."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")


def conv_transpose3d(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The adjoint of conv3d in its input, as torch.nn.functional.conv_transpose3d."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3, "conv_transpose3d")


def _fold_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any, name: str):
    k = _positive(ntuple(kernel_size, 2, f"{name} kernel_size"), "kernel_size", name)
    d = _positive(ntuple(dilation, 2, f"{name} dilation"), "dilation", name)
    p = _positive(ntuple(padding, 2, f"{name} padding"), "padding", name, least=0)
    s = _positive(ntuple(stride, 2, f"{name} stride"), "stride", name)
    return k, d, p, s


def _blocks(size: tuple[int, ...], k, d, p, s, name: str) -> tuple[int, ...]:
    blocks = tuple((n + 2 * pi - di * (ki - 1) - 1) // si + 1
                   for n, ki, di, pi, si in zip(size, k, d, p, s))
    if any(b < 1 for b in blocks):
        raise ValueError(f"{name}: spatial size {size} with padding {p} is smaller than the "
                         f"(dilated) kernel {k} (dilation {d}): no sliding block fits")
    return blocks


def unfold(input: TensorLike, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """im2col, as torch.nn.functional.unfold: (N, C, H, W) -> (N, C*kh*kw, L), the sliding
    blocks as columns, so a convolution becomes a matrix product any user can write."""
    x = _t(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"unfold: only 3-D (unbatched) or 4-D (batched) input is supported; "
                         f"got shape {x.shape}")
    batched = x.ndim == 4
    if not batched:
        x = unsqueeze(x, 0)
    k, d, p, s = _fold_args(kernel_size, dilation, padding, stride, "unfold")
    _blocks(x.shape[2:], k, d, p, s, "unfold")
    cols = _unary(R["unfold"], x, kernel_size=k, stride=s, padding=p, dilation=d)
    n, lh, lw = cols.shape[:3]
    cols = reshape(cols, (n, lh * lw, x.shape[1] * k[0] * k[1]))  # (N, L, C*kh*kw)
    out = permute(cols, 0, 2, 1)
    return out if batched else squeeze(out, 0)


def fold(input: TensorLike, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """col2im, as torch.nn.functional.fold: (N, C*kh*kw, L) -> (N, C, H, W), overlapping
    blocks summed (the adjoint of unfold)."""
    cols = _t(input)
    if cols.ndim not in (2, 3):
        raise ValueError(f"fold: only 2-D (unbatched) or 3-D (batched) input is supported; "
                         f"got shape {cols.shape}")
    batched = cols.ndim == 3
    if not batched:
        cols = unsqueeze(cols, 0)
    size = _positive(ntuple(output_size, 2, "fold output_size"), "output_size", "fold")
    k, d, p, s = _fold_args(kernel_size, dilation, padding, stride, "fold")
    kk = k[0] * k[1]
    if cols.shape[1] % kk:
        raise ValueError(f"fold: input's size at dim -2 ({cols.shape[1]}) must be divisible by "
                         f"the product of kernel_size {k} ({kk})")
    blocks = _blocks(size, k, d, p, s, "fold")
    if cols.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(f"fold: output_size={size}, kernel_size={k}, dilation={d}, "
                         f"padding={p}, stride={s} give {blocks[0]} * {blocks[1]} = "
                         f"{blocks[0] * blocks[1]} sliding blocks, but input's size at dim -1 "
                         f"is {cols.shape[2]}")
    n = cols.shape[0]
    c = cols.shape[1] // kk
    windows = reshape(permute(cols, 0, 2, 1), (n,) + blocks + (c,) + k)
    out = _unary(R["fold"], windows, input_shape=(n, c) + size, kernel_size=k, stride=s,
                 padding=p, dilation=d)
    return out if batched else squeeze(out, 0)


def _pool_geometry(x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                   ceil_mode: bool, nsp: int, name: str):
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: input must have {nsp + 1} or {nsp + 2} dimensions; got "
                         f"{x.shape}")
    k = _positive(ntuple(kernel_size, nsp, f"{name} kernel_size"), "kernel_size", name)
    s = k if stride is None or stride == [] else _positive(
        ntuple(stride, nsp, f"{name} stride"), "stride", name)
    p = _positive(ntuple(padding, nsp, f"{name} padding"), "padding", name, least=0)
    d = _positive(ntuple(dilation, nsp, f"{name} dilation"), "dilation", name)
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
        extra.append(max((out - 1) * si + span - (n + 2 * pi), 0))
    return k, s, p, d, extra


def _pool_windows(x: Tensor, k, s, p, d, extra, pad_value: float, nsp: int) -> Tensor:
    if any(extra):
        pairs = []
        for e in reversed(extra):
            pairs += [0, e]
        x = pad(x, pairs, value=pad_value)
    return _unary(R["unfold"], x, kernel_size=k, stride=s, padding=p, dilation=d,
                  pad_value=pad_value)  # (N, *L, C, *K)


def _batched_windows(input: TensorLike, kernel_size, stride, padding, dilation, ceil_mode,
                     pad_value: float, nsp: int, name: str):
    """The pooling windows of an (N, C, *L) input, or of a (C, *L) one as a batch of one."""
    x = _t(input)
    batched = x.ndim == nsp + 2
    if not batched:
        x = unsqueeze(x, 0)
    k, s, p, d, extra = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode,
                                       nsp, name)
    return x, batched, (k, s, p, d, extra), _pool_windows(x, k, s, p, d, extra, pad_value, nsp)


def _max_pool(input: TensorLike, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices, nsp, name):
    x, batched, (k, s, p, d, _), cols = _batched_windows(
        input, kernel_size, stride, padding, dilation, ceil_mode, -np.inf, nsp, name)
    lead = cols.shape[: 2 + nsp]  # (N, *L, C)
    flat = reshape(cols, lead + (int(math.prod(k)),))
    arg = computed(_argmax_last, flat)  # made again by each replay of a compiled step
    out = squeeze(apply(R["take_along_axis"], (flat, arg), {"axis": -1 % flat.ndim}), -1)
    out = permute(out, 0, 1 + nsp, *range(1, 1 + nsp))  # (N, C, *L)
    if not batched:
        out = squeeze(out, 0)
    if return_indices:
        return out, _leaf(_pool_indices(arg[..., 0], x.shape, k, s, p, d, nsp, batched))
    return out


def _argmax_last(a: np.ndarray) -> np.ndarray:
    return np.argmax(a, axis=-1)[..., None]


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
    x, batched, (k, s, p, d, extra), cols = _batched_windows(
        input, kernel_size, stride, padding, 1, ceil_mode, 0.0, nsp, name)
    ksum = sum(cols, dim=tuple(range(2 + nsp, 2 + 2 * nsp)))  # (N, *L, C)
    if divisor_override:
        out = ksum / float(divisor_override)
    elif count_include_pad and not any(extra):
        out = ksum / float(math.prod(k))
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
        cnt = sliding_windows(ones, k, s, pp, d).sum(axis=tuple(range(2 + nsp, 2 + 2 * nsp)))
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


# -- interpolate: per-axis taps of each mode, applied by the resample op ---------------------------
_INTERP_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear",
                 "area")
_LINEAR_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _source_scale(n_in: int, n_out: int, align_corners: bool, scale: float | None,
                  dtype: Any) -> Any:
    """Input cells per output cell, as PyTorch computes it: from the user's scale_factor when
    one is kept, else from the sizes, in the input's precision."""
    if align_corners:
        return dtype.type(n_in - 1) / dtype.type(n_out - 1) if n_out > 1 else dtype.type(0)
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(n_in) / dtype.type(n_out)


def _nearest_taps(n_in: int, n_out: int, scale: float | None, exact: bool):
    # PyTorch computes nearest indices in float32 whatever the input's dtype
    r = _source_scale(n_in, n_out, False, scale, np.dtype(np.float32))
    dst = np.arange(n_out, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    idx = np.minimum(np.floor(dst * r).astype(np.int64), n_in - 1)
    return idx[:, None], None


def _linear_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: Any):
    if n_in == n_out:
        return np.arange(n_out)[:, None], None
    r = _source_scale(n_in, n_out, align_corners, scale, dtype)
    dst = np.arange(n_out, dtype=dtype)
    src = r * dst if align_corners else np.maximum(r * (dst + dtype.type(0.5))
                                                   - dtype.type(0.5), 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    lam = np.clip(src - i0, 0, 1).astype(dtype)
    i1 = i0 + (i0 < n_in - 1)
    return np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1)


def _cubic_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype: Any):
    r = _source_scale(n_in, n_out, align_corners, scale, dtype)
    dst = np.arange(n_out, dtype=dtype)
    src = r * dst if align_corners else r * (dst + dtype.type(0.5)) - dtype.type(0.5)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - i0, 0, 1).astype(np.float64)
    a = -0.75  # Keys' cubic convolution kernel, with PyTorch's A

    def near(x: Any) -> Any:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Any) -> Any:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weight = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1).astype(dtype)
    index = np.clip(i0[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return index, weight


def _antialias_taps(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                    cubic: bool, dtype: Any):
    """Downsampling that first low-passes: the triangle (bilinear) or Keys a = -0.5 (bicubic)
    filter stretched by the scale, so every input cell under the footprint counts (PIL's and
    PyTorch's antialias=True); upsampling keeps the plain filter's width."""
    r = float(_source_scale(n_in, n_out, align_corners, scale, np.dtype(np.float64)))
    half = 2.0 if cubic else 1.0
    support = half * r if r >= 1.0 else half
    inv = 1.0 / r if r >= 1.0 else 1.0
    center = r * (np.arange(n_out) + 0.5)
    lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
    hi = np.minimum((center + support + 0.5).astype(np.int64), n_in)
    width = max(int((hi - lo).max()), 1)
    j = np.arange(width)
    x = np.abs((j + lo[:, None] - center[:, None] + 0.5) * inv)
    if cubic:
        a = -0.5
        w = np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                     np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))
    else:
        w = np.maximum(1 - x, 0.0)
    w = np.where(j < (hi - lo)[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = np.divide(w, total, out=np.zeros_like(w), where=total != 0)
    index = np.minimum(lo[:, None] + j, n_in - 1)
    return index, w.astype(dtype)


def _area_taps(n_in: int, n_out: int, dtype: Any):
    """Adaptive average pooling's windows [floor(i n / m), ceil((i + 1) n / m)) as taps; the
    shorter windows repeat their last cell with weight 0."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    count = end - start
    t = np.arange(int(count.max()))
    index = np.minimum(start[:, None] + t, end[:, None] - 1)
    weight = np.where(t < count[:, None], 1.0 / count[:, None], 0.0).astype(dtype)
    return index, weight


def _interp_sizes(x: Tensor, size: Any, scale_factor: Any, recompute_scale_factor: Any,
                  mode: str, name: str):
    nsp = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{name}: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(f"{name}: recompute_scale_factor is not meaningful with an "
                             f"explicit size")
        sizes = tuple(size) if isinstance(size, (list, tuple)) else (size,) * nsp
        if len(sizes) != nsp:
            raise ValueError(f"{name}: input and output must have the same number of spatial "
                             f"dimensions, but got input of shape {x.shape} (spatial "
                             f"{x.shape[2:]}) and size {size}")
        if not all(isinstance(s, (int, np.integer)) for s in sizes):
            raise TypeError(f"{name}: size must be an int or a tuple of ints; got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * nsp
    if scale_factor is None:
        raise ValueError(f"{name}: either size or scale_factor should be defined")
    scales = tuple(scale_factor) if isinstance(scale_factor, (list, tuple)) \
        else (scale_factor,) * nsp
    if len(scales) != nsp:
        raise ValueError(f"{name}: input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input of shape {x.shape} (spatial "
                         f"{x.shape[2:]}) and scale_factor {scale_factor}")
    sizes = tuple(int(n * float(s)) for n, s in zip(x.shape[2:], scales))
    if mode == "area" or recompute_scale_factor:
        scales = (None,) * nsp  # the kernel sees only the sizes
    return sizes, tuple(None if s is None else float(s) for s in scales)


def interpolate(input: TensorLike, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resizes (N, C, *spatial) to `size` or by `scale_factor`, as
    torch.nn.functional.interpolate (antialias too): each mode is a fixed linear map per spatial
    axis, applied axis by axis, so its gradient is the adjoint map and its second derivative
    is zero."""
    name = "interpolate"
    x = _t(input)
    if mode not in _INTERP_MODES:
        raise NotImplementedError(f"{name}: mode {mode!r} is not supported; use one of "
                                  f"{', '.join(_INTERP_MODES)}")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError(f"{name}: align_corners option can only be set with the "
                             f"interpolating modes: linear | bilinear | bicubic | trilinear "
                             f"(mode is {mode!r})")
    elif align_corners is None:
        align_corners = False
    if x.ndim not in (3, 4, 5):
        raise NotImplementedError(f"{name}: only 3-D, 4-D and 5-D inputs (N, C, *spatial) are "
                                  f"supported; got shape {x.shape} for mode {mode!r}")
    need = _LINEAR_DIMS.get(mode)
    if need is not None and x.ndim != need:
        raise NotImplementedError(f"{name}: got {x.ndim}D input, but {mode} mode needs "
                                  f"{need}D input")
    if antialias:
        if not (mode in ("bilinear", "bicubic") and x.ndim == 4):
            raise ValueError(f"{name}: anti-alias option is restricted to bilinear and bicubic "
                             f"modes and requires a 4-D tensor as input")
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: input must be floating point; got {x.dtype}")
    sizes, scales = _interp_sizes(x, size, scale_factor, recompute_scale_factor, mode, name)
    if any(s < 1 for s in sizes):
        raise ValueError(f"{name}: input of shape {x.shape} gives output size {sizes}; each "
                         f"must be positive")
    dtype = x.dtype
    maps = []
    for axis, (n_in, n_out, scale) in enumerate(zip(x.shape[2:], sizes, scales)):
        if mode in ("nearest", "nearest-exact"):
            index, weight = _nearest_taps(n_in, n_out, scale, mode == "nearest-exact")
        elif mode == "area":
            index, weight = _area_taps(n_in, n_out, dtype)
        elif antialias:
            index, weight = _antialias_taps(n_in, n_out, scale, align_corners,
                                            mode == "bicubic", dtype)
        elif mode == "bicubic":
            index, weight = _cubic_taps(n_in, n_out, scale, align_corners, dtype)
        else:
            index, weight = _linear_taps(n_in, n_out, scale, align_corners, dtype)
        if weight is None and n_in == n_out and np.array_equal(index[:, 0], np.arange(n_in)):
            continue  # the identity
        maps.append((n_out / n_in, axis + 2, index, weight))
    out = x
    for _, axis, index, weight in sorted(maps, key=lambda m: m[0]):  # shrink first
        out = _unary(R["resample"], out, index=index, weight=weight, axis=axis)
    return out if maps else out * 1  # a new Tensor, as PyTorch returns


def upsample(input: TensorLike, size: Any = None, scale_factor: Any = None,
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """PyTorch's deprecated name for interpolate."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: TensorLike, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated name for interpolate(..., mode='nearest')."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: TensorLike, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated name for interpolate(..., mode='bilinear', align_corners=True)."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- adaptive max pooling, power-average pooling, max unpooling ------------------------------------
def _adaptive_sizes(output_size: Any, in_sizes: tuple[int, ...], name: str) -> tuple[int, ...]:
    nsp = len(in_sizes)
    sizes = (output_size,) * nsp if output_size is None or isinstance(
        output_size, (int, np.integer)) else tuple(output_size)
    if len(sizes) != nsp:
        raise ValueError(f"{name}: output_size needs {nsp} value{'s' if nsp > 1 else ''}; got "
                         f"{output_size!r}")
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, in_sizes))
    if any(s < 1 for s in sizes):
        raise ValueError(f"{name}: output_size must be positive; got {sizes}")
    return sizes


def _adaptive_max_pool(input: TensorLike, output_size: Any, return_indices: bool, nsp: int,
                       name: str):
    x = _t(input)
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: input must have {nsp + 1} or {nsp + 2} dimensions "
                         f"((C, {_SPATIAL[nsp]}) or (N, C, {_SPATIAL[nsp]})); got {x.shape}")
    in_sizes = x.shape[-nsp:]
    if any(n < 1 for n in in_sizes):
        raise ValueError(f"{name}: input of shape {x.shape} has an empty spatial dimension")
    sizes = _adaptive_sizes(output_size, in_sizes, name)
    # per axis the window [floor(i n / m), ceil((i + 1) n / m)) of each output cell, padded to
    # the longest window by repeating its last cell (a repeat never changes a maximum)
    axes = []
    for n, m in zip(in_sizes, sizes):
        i = np.arange(m)
        start = (i * n) // m
        end = -((-(i + 1) * n) // m)
        t = np.arange(int((end - start).max()))
        axes.append(np.minimum(start[:, None] + t, end[:, None] - 1))  # (m, k)
    # flat positions in the plane of every window cell: axis d's (m, k) at dims d, nsp + d
    grid = []
    for d in range(nsp):
        shape = [1] * (2 * nsp)
        shape[d], shape[nsp + d] = axes[d].shape
        grid.append(axes[d].reshape(shape))
    flat = np.ravel_multi_index(tuple(np.broadcast_arrays(*grid)), in_sizes)  # (*out, *k)
    flat = flat.reshape(sizes + (-1,))  # (*out, K)
    lead = x.shape[:-nsp]
    cells = int(math.prod(in_sizes))
    planes = x._data.reshape(lead + (cells,))
    values = planes[..., flat]  # (*lead, *out, K)
    arg = np.argmax(values, axis=-1)  # the first maximum, or the first NaN, as PyTorch picks
    chosen = np.take_along_axis(np.broadcast_to(flat, values.shape), arg[..., None], -1)[..., 0]
    index = chosen.reshape(lead + (int(math.prod(sizes)),)).astype(np.int64)
    out = gather(reshape(x, lead + (cells,)), len(lead), index)
    out = reshape(out, lead + sizes)
    if return_indices:
        return out, _leaf(index.reshape(lead + sizes))
    return out


def adaptive_max_pool1d(input: TensorLike, output_size: Any, return_indices: bool = False):
    """Max over windows that tile L into output_size parts, as
    torch.nn.functional.adaptive_max_pool1d; indices are positions along L."""
    return _adaptive_max_pool(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: TensorLike, output_size: Any, return_indices: bool = False):
    """As torch.nn.functional.adaptive_max_pool2d; indices are flat positions h * W + w."""
    return _adaptive_max_pool(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def _lp_pool(input: TensorLike, norm_type: float, kernel_size: Any, stride: Any,
             ceil_mode: bool, nsp: int, name: str) -> Tensor:
    x = _t(input)
    k = ntuple(kernel_size, nsp, f"{name} kernel_size")
    pool = avg_pool1d if nsp == 1 else avg_pool2d
    avg = pool(x ** norm_type, k, stride, 0, ceil_mode)
    # as PyTorch: a window whose p-th powers sum below zero (odd p) gives 0, not NaN
    total = sign(avg) * relu(absolute(avg)) * float(math.prod(k))
    return total ** (1.0 / norm_type)


def lp_pool1d(input: TensorLike, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p), as torch.nn.functional.lp_pool1d: p = 1 is sum
    pooling, p = inf would be max pooling."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1, "lp_pool1d")


def lp_pool2d(input: TensorLike, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """As torch.nn.functional.lp_pool2d."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, "lp_pool2d")


def _max_unpool(input: TensorLike, indices: TensorLike, kernel_size: Any, stride: Any,
                padding: Any, output_size: Any, nsp: int, name: str) -> Tensor:
    x = _t(input)
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if x.ndim not in (nsp + 1, nsp + 2):
        raise ValueError(f"{name}: input must have {nsp + 1} or {nsp + 2} dimensions; got "
                         f"{x.shape}")
    if idx.shape != x.shape:
        raise ValueError(f"{name}: indices of shape {idx.shape} must have the input's shape "
                         f"{x.shape}")
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{name}: indices must be integers; got {idx.dtype}")
    k = _positive(ntuple(kernel_size, nsp, f"{name} kernel_size"), "kernel_size", name)
    s = k if stride is None else _positive(ntuple(stride, nsp, f"{name} stride"), "stride",
                                           name)
    p = _positive(ntuple(padding, nsp, f"{name} padding"), "padding", name, least=0)
    default = tuple((n - 1) * si - 2 * pi + ki
                    for n, si, pi, ki in zip(x.shape[-nsp:], s, p, k))
    if output_size is None:
        sizes = default
    else:
        sizes = tuple(int(v) for v in output_size)
        if len(sizes) == nsp + 2 or len(sizes) == x.ndim:
            sizes = sizes[-nsp:]
        if len(sizes) != nsp:
            raise ValueError(f"{name}: output_size must have {nsp} or {x.ndim} elements; got "
                             f"{tuple(output_size)}")
        for n, dflt, si in zip(sizes, default, s):
            if not dflt - si < n < dflt + si:
                raise ValueError(f"{name}: invalid output_size {tuple(output_size)}: each size "
                                 f"must lie strictly between the default size {default} minus "
                                 f"and plus the stride {s}")
    if any(n < 1 for n in sizes):
        raise ValueError(f"{name}: input of shape {x.shape} with kernel {k}, stride {s}, "
                         f"padding {p} gives output size {sizes}; each must be positive")
    plane = int(math.prod(sizes))
    lead = x.shape[:-nsp]
    cells = int(math.prod(x.shape[-nsp:]))
    flat_idx = idx.reshape(lead + (cells,)).astype(np.int64)
    if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= plane):
        bad = flat_idx[(flat_idx < 0) | (flat_idx >= plane)][0]
        raise IndexError(f"{name}: found an invalid max index {bad} (output volumes are of "
                         f"size {'x'.join(map(str, sizes))})")
    base = np.zeros(lead + (plane,), dtype=x.dtype)
    out = scatter(base, -1, flat_idx, reshape(x, lead + (cells,)))
    return reshape(out, lead + sizes)


def max_unpool1d(input: TensorLike, indices: TensorLike, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of max_pool1d: each value written back at its index, zeros
    elsewhere, as torch.nn.functional.max_unpool1d."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1,
                       "max_unpool1d")


def max_unpool2d(input: TensorLike, indices: TensorLike, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """As torch.nn.functional.max_unpool2d; indices are flat positions h * W + w."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2,
                       "max_unpool2d")
