"""Activation modules: thin wrappers over nn.functional with PyTorch's constructor arguments."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import autograd_core as ag

from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ._util import errors_named, param_dtype, size_arg


class ReLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU6(ReLU):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.relu6(input, self.inplace)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU whose negative slope is learned: one slope (num_parameters=1) or one per
    channel, initialized to `init` (0.25)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = size_arg(num_parameters, "num_parameters", "PReLU", least=1)
        self.init = init
        self.weight = Parameter(np.full(self.num_parameters, init, dtype=param_dtype(dtype)))

    def reset_parameters(self) -> None:
        with ag.no_grad():
            self.weight.fill_(self.init)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Sigmoid(Module):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return ag.sigmoid(input)


class Tanh(Module):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return ag.tanh(input)


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return ag.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.log_softmax(input, self.dim)


class LogSigmoid(Module):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.softsign(input)


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(ReLU):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.selu(input, self.inplace)


class SiLU(ReLU):
    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.silu(input, self.inplace)


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class Softmin(Module):
    """softmax(-x) along dim: weights that favour the smallest entries (distances, costs)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        dim = self.dim
        if dim is None:  # PyTorch's legacy implicit choice, with its warning
            warnings.warn("Implicit dimension choice for softmin has been deprecated. Change "
                          "the call to include dim=X as an argument.", UserWarning, stacklevel=2)
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return F.softmax(-x, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels at every pixel of a (N, C, H, W) or (C, H, W) image, as
    segmentation heads need."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {x.ndim}D instead")
        return F.softmax(x, -3)


class Threshold(Module):
    """y = x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Phi(x); approximate='tanh' is the tanh form GPT-2-style weights were trained with."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named("GELU"):
            return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Mish(ReLU):
    """x tanh(softplus(x)): smooth, non-monotonic, unbounded above."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.mish(input, self.inplace)


class Hardswish(ReLU):
    """x relu6(x + 3) / 6, MobileNetV3's cheap swish; PyTorch's repr omits inplace."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardswish(input, self.inplace)

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(ReLU):
    """relu6(x + 3) / 6, a piecewise-linear sigmoid; PyTorch's repr omits inplace."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self) -> str:
        return ""


class GLU(Module):
    """Gated linear unit: the first half of `dim` times the sigmoid of the second half."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named("GLU"):
            return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class CELU(Module):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)): ELU that stays C1 for every alpha."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named("CELU"):
            return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.tanhshrink(input)


class Softshrink(Module):
    """Soft thresholding (the proximal map of lambd * |x|): shrinks toward 0 by lambd."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named("Softshrink"):
            return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """Hard thresholding: x where |x| > lambd, else 0."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.hardshrink(input, self.lambd)


class RReLU(Module):
    """Randomized leaky ReLU: in training each negative element's slope is drawn from
    U(lower, upper) with the engine's generator; in eval the slope is (lower + upper) / 2."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named("RReLU"):
            return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (
            ", inplace=True" if self.inplace else "")
