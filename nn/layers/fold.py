"""Fold and Unfold: col2im and im2col as layers, so a convolution can be written as a matrix
product (Unfold, matmul, Fold or view)."""

from __future__ import annotations

from typing import Any

import autograd_core as ag

from .. import functional as F
from ..module import Module
from ._util import errors_named


class Fold(Module):
    """(N, C * prod(kernel_size), L) -> (N, C, *output_size); overlapping blocks are summed."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named(type(self).__name__):
            return F.fold(input, self.output_size, self.kernel_size, self.dilation,
                          self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """(N, C, H, W) -> (N, C * prod(kernel_size), L): every sliding block as a column."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named(type(self).__name__):
            return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
