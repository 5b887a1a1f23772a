"""RMSprop: steps scaled by a running root-mean-square of the gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import (
    Optimizer,
    ParamsT,
    decay_add_square_,
    effective_grad,
    lerp_,
    reject_differentiable,
)


class RMSprop(Optimizer):
    """``torch.optim.RMSprop``: the same options, defaults and update, step for step.

    ``v = alpha * v + (1 - alpha) * g * g``; the denominator is ``sqrt(v) + eps``, or, when
    ``centered``, ``sqrt(v - gbar**2) + eps`` with ``gbar`` the running mean of ``g``. With
    momentum ``mu`` the buffer ``b = mu * b + g / denom`` is applied as ``p -= lr * b``;
    otherwise ``p -= lr * g / denom``.
    """

    _array_state_keys = ("square_avg", "momentum_buffer", "grad_avg")
    _nonnegative_options = (
        ("lr", "learning rate"),
        ("eps", "epsilon value"),
        ("momentum", "momentum value"),
        ("weight_decay", "weight_decay value"),
        ("alpha", "alpha value"),
    )

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        reject_differentiable("RMSprop", differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = group["centered"]
        maximize = group["maximize"]
        w = 1.0 - alpha
        for p, grad, d in self._with_grads(group):
            st = self._lazy_state(p, ("square_avg",))
            st["step"] += 1.0
            g = effective_grad(grad, d, weight_decay, maximize)

            v = st["square_avg"]
            t = np.empty_like(d)
            decay_add_square_(v, g, alpha, t)
            if centered:
                gbar = st.get("grad_avg")
                if gbar is None:
                    gbar = st["grad_avg"] = np.zeros_like(d)
                lerp_(gbar, g, w, t)
                np.multiply(gbar, gbar, out=t)
                np.subtract(v, t, out=t)
                np.sqrt(t, out=t)
            else:
                np.sqrt(v, out=t)
            t += eps

            if momentum > 0:
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = np.zeros_like(d)
                buf *= momentum
                np.divide(g, t, out=t)
                buf += t
                np.multiply(buf, lr, out=t)
            else:
                np.divide(g, t, out=t)
                t *= lr
            d -= t
