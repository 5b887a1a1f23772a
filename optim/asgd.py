"""ASGD: SGD with a decaying step and a running (Polyak-Ruppert) average of the iterates."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import (
    Optimizer,
    ParamsT,
    check_range,
    effective_grad,
    reject_differentiable,
    scalar_state,
)


class ASGD(Optimizer):
    """``torch.optim.ASGD``: the same options, defaults and update, step for step.

    Each step shrinks ``p`` by ``1 - lambd * eta`` and moves it by ``-eta * g``; then the
    average ``ax`` takes the new ``p`` (as a copy while ``mu`` is 1, otherwise as
    ``ax += mu * (p - ax)``). After step ``t``, ``eta = lr / (1 + lambd * lr * t)**alpha``
    and ``mu = 1 / max(1, t - t0)``, so averaging starts after ``t0`` steps. The parameters
    themselves are not replaced by the average: read it from ``state[p]["ax"]``.

    ``eta`` and ``mu`` are rounded as PyTorch rounds them: to float32 unless the default dtype
    is float64.
    """

    _array_state_keys = ("ax",)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        reject_differentiable("ASGD", differentiable)
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_range("ASGD", "learning rate", options["lr"])
        check_range("ASGD", "weight_decay value", options["weight_decay"])

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        lambd = float(group["lambd"])
        alpha = float(group["alpha"])
        t0 = float(group["t0"])
        weight_decay = float(group["weight_decay"])
        maximize = group["maximize"]
        for p, grad, d in self._with_grads(group):
            st = self.state[p]
            if not st:
                st["step"] = 0.0
                st["eta"] = scalar_state(lr)
                st["mu"] = 1.0
                st["ax"] = np.zeros_like(d)
            step = st["step"] = st["step"] + 1.0
            g = effective_grad(grad, d, weight_decay, maximize)
            eta, mu, ax = st["eta"], st["mu"], st["ax"]
            d *= 1.0 - lambd * eta
            d -= np.multiply(g, eta, out=np.empty_like(d))
            if mu != 1.0:
                t = np.subtract(d, ax, out=np.empty_like(d))
                t *= mu
                ax += t
            else:
                ax[...] = d
            st["eta"] = scalar_state(lr / ((1.0 + lambd * lr * step) ** alpha))
            st["mu"] = scalar_state(1.0 / max(1.0, step - t0))
