"""Parameter: a leaf Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_core as ag


class Parameter(ag.Tensor):
    """A Tensor that requires grad by default and that Modules collect when it is assigned as an
    attribute. Built from a Tensor it shares that Tensor's array (as torch.nn.Parameter does),
    so in-place updates of one show in the other; it is always a leaf."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.zeros((0,), dtype=ag.float32)
        elif isinstance(data, ag.Tensor):
            data = data._data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
