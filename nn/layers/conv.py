"""Conv1d and Conv2d: PyTorch's layout (weight (out, in / groups, *kernel)), arguments and
default init."""

from __future__ import annotations

from typing import Any

import autograd_core as ag
from autograd_core.arguments import ntuple, same_padding

from ..module import Module
from ._util import param_dtype, reset_weight_and_bias, weight_and_bias

_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
              "circular": "circular"}


class _ConvNd(Module):
    _nsp = 0

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        n = self._nsp
        name = type(self).__name__
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups")
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {sorted(_PAD_MODES)}; got "
                             f"{padding_mode!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = ntuple(kernel_size, n, f"{name} kernel_size")
        self.stride = ntuple(stride, n, f"{name} stride")
        self.dilation = ntuple(dilation, n, f"{name} dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding string must be 'same' or 'valid'; got "
                                 f"{padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, n, f"{name} padding")
        self.groups = int(groups)
        self.padding_mode = padding_mode
        self.output_padding = (0,) * n
        self.transposed = False
        dt = param_dtype(dtype)
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        weight_and_bias(self, shape, bias, dt)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def _pad_amounts(self) -> list[int]:
        """PyTorch's pad tuple (last dimension first) for a non-zero padding_mode."""
        if self.padding == "valid":
            return []
        if self.padding == "same":
            sides = same_padding(self.kernel_size, self.dilation)
        else:
            sides = [(p, p) for p in self.padding]
        return [n for pair in reversed(sides) for n in pair]

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        if x.ndim == self._nsp + 1:  # unbatched: PyTorch accepts a single sample
            return self._conv(x.unsqueeze(0)).squeeze(0)
        return self._conv(x)

    def _conv(self, x: ag.Tensor) -> ag.Tensor:
        if self.padding_mode != "zeros":
            x = ag.pad(x, self._pad_amounts(), mode=_PAD_MODES[self.padding_mode])
            padding: Any = 0
        else:
            padding = self.padding
        conv = ag.conv1d if self._nsp == 1 else ag.conv2d
        return conv(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        n = self._nsp
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """Cross-correlation over (N, C, L) or (C, L); padding may be an int, 'same' or 'valid'."""

    _nsp = 1


class Conv2d(_ConvNd):
    """Cross-correlation over (N, C, H, W) or (C, H, W)."""

    _nsp = 2
