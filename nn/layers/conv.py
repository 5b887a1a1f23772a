"""Convolutions (Conv1d/2d/3d) and transposed convolutions (ConvTranspose1d/2d/3d) with
PyTorch's weight layouts, arguments, default init and errors.

A convolution's weight is (out, in / groups, *kernel); a transposed convolution's is
(in, out / groups, *kernel), the layout of the convolution it is the adjoint of, so a twin's
state_dict loads unchanged. Both draw their init the same way (fan_in from weight dim 1).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.arguments import ntuple, same_padding

from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ._util import errors_named, param_dtype, reset_weight_and_bias, size_arg

_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
              "circular": "circular"}
_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}


class ConvInputError(ValueError, RuntimeError):
    """A conv layer's input of the wrong rank or channel count: PyTorch raises RuntimeError and
    this library's conv functions raise ValueError, so either `except` catches it."""


class _ConvBase(Module):
    """What convolutions and transposed convolutions share: argument checks, the weight and
    bias, init, the repr and the input checks."""

    _nsp = 0
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any, dtype: Any) -> None:
        super().__init__()
        n = self._nsp
        name = type(self).__name__
        in_channels = size_arg(in_channels, "in_channels", name)
        out_channels = size_arg(out_channels, "out_channels", name)
        if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer; got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups; got "
                             f"in_channels={in_channels}, groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups; got "
                             f"out_channels={out_channels}, groups={groups}")
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {sorted(_PAD_MODES)}; got "
                             f"{padding_mode!r}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = ntuple(kernel_size, n, f"{name} kernel_size")
        self.stride = ntuple(stride, n, f"{name} stride")
        self.dilation = ntuple(dilation, n, f"{name} dilation")
        for what, v, least in (("kernel_size", self.kernel_size, 1), ("stride", self.stride, 1),
                               ("dilation", self.dilation, 1)):
            if any(i < least for i in v):
                raise ValueError(f"{name}: {what} must be positive; got {v}")
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple of ints; got "
                                 f"{padding!r}")
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding string must be 'same' or 'valid'; got "
                                 f"{padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, n, f"{name} padding")
            if any(p < 0 for p in self.padding):
                raise ValueError(f"{name}: padding must be non-negative; got {self.padding}")
        self.output_padding = ntuple(output_padding, n, f"{name} output_padding")
        self.groups = int(groups)
        self.padding_mode = padding_mode
        self.transposed = self._transposed
        dt = param_dtype(dtype)
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dt))
        if bias:  # one entry per output channel, registered after the weight as in PyTorch
            self.bias = Parameter(np.empty(self.out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def _check_input(self, x: ag.Tensor) -> bool:
        """Whether x is batched; raises naming the module on a wrong rank or channel count."""
        n = self._nsp
        name = type(self).__name__
        if x.ndim not in (n + 1, n + 2):
            raise ConvInputError(f"{name}: expected {n + 1}D (unbatched) or {n + 2}D (batched) "
                                 f"input of shape (N, C, {_SPATIAL[n]}); got input of shape "
                                 f"{tuple(x.shape)}")
        c = x.shape[1] if x.ndim == n + 2 else x.shape[0]
        if c != self.in_channels:
            raise ConvInputError(f"{name}: expected input with {self.in_channels} channels; "
                                 f"got input of shape {tuple(x.shape)}")
        return x.ndim == n + 2

    def extra_repr(self) -> str:
        n = self._nsp
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _ConvNd(_ConvBase):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, dtype)

    def _pad_amounts(self) -> list[int]:
        """PyTorch's pad tuple (last dimension first) for a non-zero padding_mode."""
        if self.padding == "valid":
            return [0, 0] * self._nsp
        if self.padding == "same":
            sides = same_padding(self.kernel_size, self.dilation)
        else:
            sides = [(p, p) for p in self.padding]
        return [n for pair in reversed(sides) for n in pair]

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        batched = self._check_input(x)
        with errors_named(type(self).__name__):
            if not batched:  # unbatched: PyTorch accepts a single sample
                return self._conv(x.unsqueeze(0)).squeeze(0)
            return self._conv(x)

    def _conv(self, x: ag.Tensor) -> ag.Tensor:
        padding: Any = self.padding
        if self.padding_mode != "zeros":
            x = F.pad(x, self._pad_amounts(), mode=_PAD_MODES[self.padding_mode])
            padding = 0
        conv = (ag.conv1d, ag.conv2d, ag.conv3d)[self._nsp - 1]
        return conv(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """Cross-correlation over (N, C, L) or (C, L); padding may be an int, 'same' or 'valid'."""

    _nsp = 1


class Conv2d(_ConvNd):
    """Cross-correlation over (N, C, H, W) or (C, H, W)."""

    _nsp = 2


class Conv3d(_ConvNd):
    """Cross-correlation over (N, C, D, H, W) or (C, D, H, W), for volumes and video."""

    _nsp = 3


class _ConvTransposeNd(_ConvBase):
    """The adjoint of a convolution in its input: a learned upsampling. Several output sizes
    map to the same input size under a strided convolution; output_padding (or forward's
    output_size) picks which one."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'{name}: only "zeros" padding mode is supported; got '
                             f"padding_mode={padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype)

    def _output_padding(self, x: ag.Tensor, output_size: Any) -> tuple[int, ...]:
        """output_padding, or the one that gives output_size (which may include the batch and
        channel dimensions), checked against the sizes this input can reach, as PyTorch."""
        n = self._nsp
        name = type(self).__name__
        if output_size is None:
            op = self.output_padding
            if any(o < 0 or (o >= s and o >= d)
                   for o, s, d in zip(op, self.stride, self.dilation)):
                raise ConvInputError(f"{name}: output_padding must be non-negative and smaller "
                                     f"than either stride or dilation; got output_padding={op}, "
                                     f"stride={self.stride}, dilation={self.dilation}")
            return op
        lead = x.ndim - n
        sizes = [int(v) for v in output_size]
        if len(sizes) == lead + n:
            sizes = sizes[lead:]
        if len(sizes) != n:
            raise ValueError(f"{name}: for {x.ndim}D input, output_size must have {n} or "
                             f"{lead + n} elements (got {len(sizes)}: {tuple(output_size)})")
        lows = [(x.shape[lead + i] - 1) * self.stride[i] - 2 * self.padding[i]
                + self.dilation[i] * (self.kernel_size[i] - 1) + 1 for i in range(n)]
        highs = [lo + s - 1 for lo, s in zip(lows, self.stride)]
        for size, lo, hi in zip(sizes, lows, highs):
            if not lo <= size <= hi:
                raise ValueError(f"{name}: requested an output size of {sizes}, but valid sizes "
                                 f"range from {lows} to {highs} (for an input of "
                                 f"{list(x.shape[lead:])})")
        return tuple(size - lo for size, lo in zip(sizes, lows))

    def forward(self, input: ag.Tensor, output_size: Any = None) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        self._check_input(x)
        op = self._output_padding(x, output_size)
        conv = (ag.conv_transpose1d, ag.conv_transpose2d, ag.conv_transpose3d)[self._nsp - 1]
        with errors_named(type(self).__name__):
            return conv(x, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                        self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed convolution over (N, C, L) or (C, L); weight is (in, out / groups, K)."""

    _nsp = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed convolution over (N, C, H, W) or (C, H, W); the decoder half of a
    convolutional autoencoder."""

    _nsp = 2


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed convolution over (N, C, D, H, W) or (C, D, H, W)."""

    _nsp = 3
