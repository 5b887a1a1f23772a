"""Adadelta: steps sized by the ratio of running RMS of past updates to that of gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import (
    Optimizer,
    ParamsT,
    check_range,
    decay_add_square_,
    effective_grad,
    reject_differentiable,
)


class Adadelta(Optimizer):
    """``torch.optim.Adadelta``: the same options, defaults and update, step for step.

    ``v = rho * v + (1 - rho) * g * g``, ``delta = sqrt(u + eps) / sqrt(v + eps) * g``,
    ``u = rho * u + (1 - rho) * delta * delta`` and ``p -= lr * delta``. The ratio has the units
    of ``p``, which is why the default ``lr`` is 1.
    """

    _array_state_keys = ("square_avg", "acc_delta")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        reject_differentiable("Adadelta", differentiable)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_range("Adadelta", "learning rate", options["lr"])
        check_range("Adadelta", "rho value", options["rho"], 0.0, 1.0, closed=True)
        check_range("Adadelta", "epsilon value", options["eps"])
        check_range("Adadelta", "weight_decay value", options["weight_decay"])

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        rho = float(group["rho"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        maximize = group["maximize"]
        for p, grad, d in self._with_grads(group):
            st = self._lazy_state(p, self._array_state_keys)
            st["step"] += 1.0
            g = effective_grad(grad, d, weight_decay, maximize)
            square_avg, acc_delta = st["square_avg"], st["acc_delta"]
            t = np.empty_like(d)
            decay_add_square_(square_avg, g, rho, t)
            std = np.add(square_avg, eps, out=np.empty_like(d))
            np.sqrt(std, out=std)
            delta = np.add(acc_delta, eps, out=t)
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= g
            decay_add_square_(acc_delta, delta, rho, std)
            delta *= lr
            d -= delta
