"""The two sets of modules a ported program runs on, and helpers the programs and tests share.

A program is written once against the names PyTorch code imports::

    import torch                      -> lib.torch
    import torch.nn as nn             -> lib.nn
    import torch.nn.functional as F   -> lib.F
    import torch.optim as optim       -> lib.optim
    import torch.utils.data as data   -> lib.data
    import torch.func as func         -> lib.func
    import torch.autograd as autograd -> lib.autograd

``torch_lib()`` binds them to PyTorch, ``ag_lib()`` to autograd_core, nn and optim, exactly
the imports a user changes when porting. Each name is looked up when a program first uses it,
so a missing module fails the program that needs it (with its own traceback), not every
program.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

_TORCH = {
    "torch": "torch",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "optim": "torch.optim",
    "data": "torch.utils.data",
    "func": "torch.func",
    "autograd": "torch.autograd",
}


def _ag_attr(name: str) -> Callable[[], Any]:
    def load() -> Any:
        return getattr(importlib.import_module("autograd_core"), name)

    return load


_AG = {
    "torch": "autograd_core",
    "nn": "nn",
    "F": "nn.functional",
    "optim": "optim",
    "data": "nn.data",
    "func": _ag_attr("func"),
    "autograd": _ag_attr("autograd"),
}


class Lib:
    """A namespace of modules, each imported on first use."""

    def __init__(self, name: str, table: dict[str, str | Callable[[], Any]]) -> None:
        self.name = name
        self._table = table

    def __getattr__(self, attr: str) -> Any:
        table = self.__dict__.get("_table", {})
        if attr not in table:
            raise AttributeError(attr)
        where = table[attr]
        module = importlib.import_module(where) if isinstance(where, str) else where()
        setattr(self, attr, module)
        return module

    def __repr__(self) -> str:
        return f"Lib({self.name!r})"


def torch_lib() -> Lib:
    """PyTorch's modules, with one intra-op thread: on a small shared machine its thread pool
    makes these tiny programs twenty times slower."""
    import torch

    torch.set_num_threads(1)
    return Lib("torch", _TORCH)


def ag_lib() -> Lib:
    return Lib("autograd_core", _AG)


def numpy_init_(torch: Any, module: Any, seed: int) -> None:
    """Overwrite every parameter of ``module`` with seeded NumPy draws (PyTorch-like scales).

    Weights of two or more dimensions get U(-1/sqrt(fan_in), 1/sqrt(fan_in)); 1-D weights
    (norm scales) 1 + U(-0.1, 0.1); biases U(-0.1, 0.1). Written with ``named_parameters``,
    ``no_grad`` and ``copy_``, as a user moving weights between frameworks would.
    """
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            shape = tuple(p.shape)
            if len(shape) >= 2:
                bound = 1.0 / np.sqrt(np.prod(shape[1:]))
                value = rng.uniform(-bound, bound, shape)
            elif name.endswith("weight"):
                value = 1.0 + rng.uniform(-0.1, 0.1, shape)
            else:
                value = rng.uniform(-0.1, 0.1, shape)
            p.copy_(torch.from_numpy(value))


def plain(obj: Any) -> Any:
    """Results as plain Python and NumPy values, whichever library made them."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, (bool, int, float, str, np.ndarray, np.generic)) or obj is None:
        return obj
    if hasattr(obj, "detach"):  # a Tensor of either library
        return obj.detach().cpu().numpy().copy()
    raise TypeError(f"result of type {type(obj).__name__} is not a number, array or Tensor")
