"""NAdam: Adam with Nesterov momentum and a warming-up momentum schedule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import (
    Optimizer,
    ParamsT,
    as_pair,
    check_adam_options,
    check_range,
    decay_add_square_,
    decayed_grad,
    lerp_,
    reject_differentiable,
    scalar_state,
)


class NAdam(Optimizer):
    """``torch.optim.NAdam``: the same options, defaults and update, step for step.

    The momentum of step ``t`` is ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))``
    and ``mu_product`` their running product. With ``m`` and ``v`` Adam's moments and
    ``den = sqrt(v / (1 - beta2**t)) + eps``, the step looks one momentum ahead:
    ``p -= lr * (1 - mu_t) / (1 - mu_product) * g / den
    + lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / den``.

    ``mu_product`` is rounded as PyTorch rounds it: to float32 unless the default dtype is
    float64.
    """

    _array_state_keys = ("exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        reject_differentiable("NAdam", differentiable)
        defaults = {
            "lr": lr,
            "betas": as_pair("NAdam", "betas", betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_adam_options("NAdam", options)
        check_range("NAdam", "momentum_decay value", options["momentum_decay"])

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum_decay = float(group["momentum_decay"])
        decoupled = group["decoupled_weight_decay"]
        maximize = group["maximize"]
        for p, grad, d in self._with_grads(group):
            st = self.state[p]
            if not st:
                st["step"] = 0.0
                st["mu_product"] = 1.0
                st["exp_avg"] = np.zeros_like(d)
                st["exp_avg_sq"] = np.zeros_like(d)
            step = st["step"] = st["step"] + 1.0
            bias_correction2 = 1.0 - beta2**step
            g = decayed_grad(grad, d, lr, weight_decay, decoupled, maximize)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * momentum_decay))
            # a product of float32 numbers is exact in float64, so this rounds as float32 math
            mu_product = st["mu_product"] = scalar_state(st["mu_product"] * scalar_state(mu))
            mu_product_next = mu_product * mu_next

            exp_avg, exp_avg_sq = st["exp_avg"], st["exp_avg_sq"]
            t = np.empty_like(d)
            lerp_(exp_avg, g, 1.0 - beta1, t)
            decay_add_square_(exp_avg_sq, g, beta2, t)
            den = np.divide(exp_avg_sq, bias_correction2, out=np.empty_like(d))
            np.sqrt(den, out=den)
            den += eps
            # addcdiv_(x, den, value=-c) rounds as (c * x) / den
            np.multiply(g, lr * (1.0 - mu) / (1.0 - mu_product), out=t)
            t /= den
            d -= t
            np.multiply(exp_avg, (lr * mu_next) / (1.0 - mu_product_next), out=t)
            t /= den
            d -= t
