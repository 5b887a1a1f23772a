"""Small helpers the layers share."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.arguments import integer

from .. import init
from ..parameter import Parameter


def param_dtype(dtype: Any) -> np.dtype:
    """Parameters are float32 unless a dtype is given (device arguments are ignored)."""
    dt = np.dtype(ag.float32 if dtype is None else dtype)
    if dt.kind not in "fc":
        raise TypeError(f"parameters must be floating point; got dtype {dt}")
    return dt


def weight_and_bias(module: Any, weight_shape: tuple[int, ...], bias: bool, dtype: np.dtype
                    ) -> None:
    """Registers ``weight`` and ``bias`` (or a None bias) in the order state dicts list them."""
    module.weight = Parameter(np.empty(weight_shape, dtype=dtype))
    if bias:
        module.bias = Parameter(np.empty(weight_shape[0], dtype=dtype))
    else:
        module.register_parameter("bias", None)


def reset_weight_and_bias(weight: Parameter, bias: Parameter | None) -> None:
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) for the weight, then
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias (zeros when fan_in is 0).

    The weight is drawn before the bias, so seeded models match PyTorch's draw order.
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def size_arg(value: Any, what: str, module: str, least: int = 0) -> int:
    """A size given to a layer's constructor: an int (never a float, which PyTorch refuses too),
    at least `least`."""
    return integer(value, what, module, least=least)


_PLAIN_ERRORS = (ValueError, RuntimeError, NotImplementedError, IndexError, TypeError)


class errors_named:  # noqa: N801  (used as a function: `with errors_named("Conv2d"):`)
    """Prefixes the module's name to a plain error raised by the functional form it calls, so a
    bad input inside a model says which layer refused it; the exception type is kept. A class,
    not a generator: entering it is about five times cheaper, and every forward enters it."""

    __slots__ = ("owner",)

    def __init__(self, owner: str) -> None:
        self.owner = owner

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, err: Any, tb: Any) -> bool:
        owner = self.owner
        if kind in _PLAIN_ERRORS and not str(err).startswith(owner):
            raise kind(f"{owner}: {err}") from err
        return False
