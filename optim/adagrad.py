"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, effective_grad, reject_differentiable


class Adagrad(Optimizer):
    """``torch.optim.Adagrad``: the same options, defaults and update, step for step.

    At step ``t``: ``s += g * g`` and ``p -= clr * g / (sqrt(s) + eps)`` with
    ``clr = lr / (1 + (t - 1) * lr_decay)``. As in PyTorch, every parameter's accumulator
    starts at the constructor's ``initial_accumulator_value`` (a per-group value is not used
    for it).
    """

    _array_state_keys = ("sum",)
    _nonnegative_options = (
        ("lr", "learning rate"),
        ("lr_decay", "lr_decay value"),
        ("weight_decay", "weight_decay value"),
        ("initial_accumulator_value", "initial_accumulator_value value"),
        ("eps", "epsilon value"),
    )

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        reject_differentiable("Adagrad", differentiable)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Any) -> dict[str, Any]:
        st = self.state[p]
        st["step"] = 0.0
        st["sum"] = np.full_like(p._data, self.defaults["initial_accumulator_value"])
        return st

    def _update_group(self, group: dict[str, Any]) -> None:
        state = self.state
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        maximize = group["maximize"]
        for p, grad, d in self._with_grads(group):
            st = state[p]
            if not st:
                st = self._init_state(p)
            step = st["step"] + 1.0
            st["step"] = step
            g = effective_grad(grad, d, weight_decay, maximize)
            clr = lr / (1.0 + (step - 1.0) * lr_decay)
            s = st["sum"]
            t = np.multiply(g, g, out=np.empty_like(d))
            s += t
            np.sqrt(s, out=t)
            t += eps
            np.divide(g, t, out=t)
            t *= clr
            d -= t
