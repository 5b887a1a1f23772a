"""Padding modules: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad in 1, 2
and 3 dimensions, each F.pad with PyTorch's stored padding tuple (last dimension first)."""

from __future__ import annotations

from collections.abc import Sequence

import autograd_core as ag

from .. import functional as F
from ..module import Module
from ._util import errors_named

_RANKS = {1: "2D or 3D", 2: "3D or 4D", 3: "4D or 5D"}


class _PadNd(Module):
    """`padding` is one int for every side or a (left, right, top, bottom, front, back) tuple
    of length 2 * nsp; negative entries crop, as in F.pad."""

    _nsp = 0
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        name = type(self).__name__
        n = 2 * self._nsp
        if isinstance(padding, int):
            self.padding: tuple[int, ...] = (int(padding),) * n
        else:
            self.padding = tuple(int(p) for p in padding)
            if len(self.padding) != n:
                raise ValueError(f"{name}: padding must be an int or a tuple of {n} ints; got "
                                 f"{tuple(padding)}")

    def _check_input_dim(self, x: ag.Tensor) -> None:
        """PyTorch checks the rank in the module for circular padding only (ValueError); the
        other modes fail inside F.pad with NotImplementedError, which this keeps."""
        if x.ndim not in (self._nsp + 1, self._nsp + 2):
            err = ValueError if self._mode == "circular" else NotImplementedError
            raise err(f"{type(self).__name__}: expected {_RANKS[self._nsp]} input (got "
                      f"{x.ndim}D input of shape {tuple(x.shape)})")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        self._check_input_dim(x)
        with errors_named(type(self).__name__):
            return F.pad(x, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def _check_input_dim(self, x: ag.Tensor) -> None:
        """Constant padding takes any rank that has the padded dimensions, as in PyTorch."""
        if 2 * x.ndim < len(self.padding):
            raise RuntimeError(f"{type(self).__name__}: padding {self.padding} needs an input "
                               f"with at least {len(self.padding) // 2} dimensions; got shape "
                               f"{tuple(x.shape)}")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        self._check_input_dim(x)
        with errors_named(type(self).__name__):
            return F.pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dimension with `value`."""

    _nsp = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dimensions with `value`."""

    _nsp = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dimensions with `value`."""

    _nsp = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dimension with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dimensions with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last three dimensions with zeros."""

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirrors the signal at its ends without repeating the edge: padding < input size."""

    _nsp = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    _nsp = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    _nsp = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Repeats the edge value."""

    _nsp = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    _nsp = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    _nsp = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Wraps around: the left border is the signal's end (periodic boundary conditions)."""

    _nsp = 1
    _mode = "circular"


class CircularPad2d(_PadNd):
    _nsp = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    _nsp = 3
    _mode = "circular"
