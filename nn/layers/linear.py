"""Linear and Identity."""

from __future__ import annotations

from typing import Any

import autograd_core as ag

from ..module import Module
from ._util import param_dtype, reset_weight_and_bias, weight_and_bias


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments, as PyTorch's does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features), one fused graph node.

    Default init is PyTorch's: W ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
    and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        weight_and_bias(self, (self.out_features, self.in_features), bias, dt)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return ag.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
