"""Max, average, adaptive, power-average (LP) pooling and max unpooling over 1-D and 2-D
signals."""

from __future__ import annotations

from typing import Any

import autograd_core as ag
from autograd_core.arguments import ntuple

from .. import functional as F
from ..module import Module
from ._util import errors_named


class _PoolNd(Module):
    """The window as given; the stride defaults to the kernel size, as in PyTorch."""

    def __init__(self, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _MaxPoolNd(_PoolNd):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = dilation
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    def forward(self, input: ag.Tensor) -> Any:
        return ag.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)


class MaxPool2d(_MaxPoolNd):
    def forward(self, input: ag.Tensor) -> Any:
        return ag.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)


class AvgPool1d(_PoolNd):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__(_one(kernel_size), None if stride is None else _one(stride),
                         _one(padding), ceil_mode)
        self.count_include_pad = count_include_pad

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return ag.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad)


class AvgPool2d(_PoolNd):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return ag.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool1d(Module):
    """Averages windows sized so that the output has length output_size."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


def _one(v: Any) -> Any:
    """AvgPool1d stores 1-tuples, as PyTorch's does."""
    return (v,) if isinstance(v, int) else tuple(v)


class _AdaptiveMaxPoolNd(Module):
    """Max over windows that tile each spatial size into output_size parts (None keeps that
    dimension's size); with return_indices, also the flat positions PyTorch returns."""

    _nsp = 0

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: ag.Tensor) -> Any:
        pool = (F.adaptive_max_pool1d, F.adaptive_max_pool2d)[self._nsp - 1]
        with errors_named(type(self).__name__):
            return pool(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    _nsp = 1


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    _nsp = 2


class _LPPoolNd(Module):
    """(sum of x^p over each window)^(1/p): p = 1 is sum pooling, large p approaches max
    pooling."""

    _nsp = 0

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        pool = (F.lp_pool1d, F.lp_pool2d)[self._nsp - 1]
        with errors_named(type(self).__name__):
            return pool(input, float(self.norm_type), self.kernel_size, self.stride,
                        self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    _nsp = 1


class LPPool2d(_LPPoolNd):
    _nsp = 2


class _MaxUnpoolNd(Module):
    """The partial inverse of MaxPool: each value goes back to the index its MaxPool returned,
    zeros elsewhere; output_size settles the size a strided pool left ambiguous."""

    _nsp = 0

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        n = self._nsp
        name = type(self).__name__
        self.kernel_size = ntuple(kernel_size, n, f"{name} kernel_size")
        self.stride = ntuple(stride if stride is not None else kernel_size, n,
                             f"{name} stride")
        self.padding = ntuple(padding, n, f"{name} padding")

    def forward(self, input: ag.Tensor, indices: Any, output_size: Any = None) -> ag.Tensor:
        unpool = (F.max_unpool1d, F.max_unpool2d)[self._nsp - 1]
        with errors_named(type(self).__name__):
            return unpool(input, indices, self.kernel_size, self.stride, self.padding,
                          output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    _nsp = 1


class MaxUnpool2d(_MaxUnpoolNd):
    _nsp = 2
