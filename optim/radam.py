"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import (
    Optimizer,
    ParamsT,
    as_pair,
    check_adam_options,
    decay_add_square_,
    decayed_grad,
    lerp_,
    reject_differentiable,
)


class RAdam(Optimizer):
    """``torch.optim.RAdam``: the same options, defaults and update, step for step.

    With ``rho_inf = 2 / (1 - beta2) - 1`` and ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``
    (the length of the moving average the second moment amounts to), the first steps, while
    ``rho_t <= 5``, are SGD with momentum: ``p -= lr * m_hat``. After that
    ``p -= lr * m_hat * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t``, with ``r_t`` the
    rectification that corrects the variance of the adaptive step.
    """

    _array_state_keys = ("exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        reject_differentiable("RAdam", differentiable)
        defaults = {
            "lr": lr,
            "betas": as_pair("RAdam", "betas", betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_adam_options("RAdam", options)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        decoupled = group["decoupled_weight_decay"]
        maximize = group["maximize"]
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        for p, grad, d in self._with_grads(group):
            st = self._lazy_state(p, self._array_state_keys)
            step = st["step"] = st["step"] + 1.0
            g = decayed_grad(grad, d, lr, weight_decay, decoupled, maximize)
            exp_avg, exp_avg_sq = st["exp_avg"], st["exp_avg_sq"]
            t = np.empty_like(d)
            lerp_(exp_avg, g, 1.0 - beta1, t)
            decay_add_square_(exp_avg_sq, g, beta2, t)

            bias_correction1 = 1.0 - beta1**step
            bias_correction2 = 1.0 - beta2**step
            rho_t = rho_inf - 2.0 * step * (beta2**step) / bias_correction2
            np.divide(exp_avg, bias_correction1, out=t)
            t *= lr
            if rho_t > 5.0:
                rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                        / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
                adaptive = np.sqrt(exp_avg_sq, out=np.empty_like(d))
                adaptive += eps
                np.divide(bias_correction2**0.5, adaptive, out=adaptive)
                t *= adaptive
                t *= rect
            d -= t
