"""Adamax: Adam with the second moment replaced by a decaying infinity norm."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import (
    Optimizer,
    ParamsT,
    as_pair,
    check_adam_options,
    effective_grad,
    lerp_,
    reject_differentiable,
)


class Adamax(Optimizer):
    """``torch.optim.Adamax``: the same options, defaults and update, step for step.

    ``m = lerp(m, g, 1 - beta1)``, ``u = max(beta2 * u, |g| + eps)`` and
    ``p -= lr / (1 - beta1**t) * m / u``. The max norm needs no bias correction, and eps sits
    inside the max, so ``u`` is never zero.
    """

    _array_state_keys = ("exp_avg", "exp_inf")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        reject_differentiable("Adamax", differentiable)
        defaults = {
            "lr": lr,
            "betas": as_pair("Adamax", "betas", betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_adam_options("Adamax", options)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        maximize = group["maximize"]
        for p, grad, d in self._with_grads(group):
            st = self._lazy_state(p, self._array_state_keys)
            step = st["step"] = st["step"] + 1.0
            g = effective_grad(grad, d, weight_decay, maximize)
            exp_avg, exp_inf = st["exp_avg"], st["exp_inf"]
            t = np.empty_like(d)
            lerp_(exp_avg, g, 1.0 - beta1, t)
            exp_inf *= beta2
            np.abs(g, out=t)
            t += eps
            np.maximum(exp_inf, t, out=exp_inf)
            clr = lr / (1.0 - beta1**step)
            # addcdiv_(m, u, value=-clr) rounds as (clr * m) / u
            np.multiply(exp_avg, clr, out=t)
            t /= exp_inf
            d -= t
