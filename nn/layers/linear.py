"""Linear, Bilinear and Identity."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_core as ag

from .. import init
from ..module import Module
from ..parameter import Parameter
from ._util import param_dtype, reset_weight_and_bias, size_arg, weight_and_bias


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
        self.in_features = size_arg(in_features, "in_features", type(self).__name__)
        self.out_features = size_arg(out_features, "out_features", type(self).__name__)
        weight_and_bias(self, (self.out_features, self.in_features), bias, dt)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return ag.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y_o = x1^T A_o x2 + b_o, for models that combine two inputs multiplicatively (a pair of
    embeddings, a query and a key) rather than by concatenation.

    weight is (out_features, in1_features, in2_features); weight and bias are drawn from
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch's are.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype)
        self.in1_features = size_arg(in1_features, "in1_features", "Bilinear")
        self.in2_features = size_arg(in2_features, "in2_features", "Bilinear")
        self.out_features = size_arg(out_features, "out_features", type(self).__name__)
        self.weight = Parameter(np.empty((self.out_features, self.in1_features,
                                          self.in2_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def _check(self, x1: ag.Tensor, x2: ag.Tensor) -> None:
        if x1.ndim != x2.ndim:
            raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                               f"{x2.ndim}")
        for i in range(x1.ndim - 1):
            if x1.shape[i] != x2.shape[i]:
                raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim "
                                   f"{i}: got {x1.shape[i]} and {x2.shape[i]}")
        for k, (x, want) in enumerate(((x1, self.in1_features), (x2, self.in2_features)), 1):
            if x.ndim == 0 or x.shape[-1] != want:
                got = x.shape[-1] if x.ndim else "a scalar"
                raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got "
                                   f"{got} but expected {want}")
        named = [("input1", x1), ("input2", x2), ("weight", self.weight)]
        if self.bias is not None:
            named.append(("bias", self.bias))
        if len({t.dtype for _, t in named}) > 1:
            raise RuntimeError("bilinear(): All tensors must have the same dtype, got "
                               + ", ".join(f"{n}: {t.dtype}" for n, t in named)
                               + "; convert the inputs with .to(dtype) or the layer with "
                               ".to(dtype)")

    def forward(self, input1: ag.Tensor, input2: ag.Tensor) -> ag.Tensor:
        x1 = input1 if isinstance(input1, ag.Tensor) else ag.tensor(input1)
        x2 = input2 if isinstance(input2, ag.Tensor) else ag.tensor(input2)
        self._check(x1, x2)
        out = ag.einsum("...i,oij,...j->...o", x1, self.weight, x2)
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
