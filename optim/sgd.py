"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, check_range


class SGD(Optimizer):
    """``torch.optim.SGD``: the same options, defaults and update, step for step.

    With momentum ``mu`` and dampening ``tau`` the buffer starts as the first gradient and then
    follows ``b = mu * b + (1 - tau) * g``; the step is ``lr * b``, or ``lr * (g + mu * b)``
    with Nesterov momentum. Weight decay adds ``weight_decay * p`` to the gradient first.
    """

    _array_state_keys = ("momentum_buffer",)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        if differentiable:
            raise ValueError("SGD: differentiable=True is not supported (updates are not recorded)")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        self._check_options(defaults)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_range("SGD", "learning rate", options["lr"])
        check_range("SGD", "momentum value", options["momentum"])
        check_range("SGD", "weight_decay value", options["weight_decay"])

    def _update_group(self, group: dict[str, Any]) -> None:
        state = self.state
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        keep = 1.0 - float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            g = grad.data
            d = p.data
            owned = False
            if weight_decay != 0:
                t = np.multiply(d, weight_decay, out=np.empty_like(d))
                if maximize:
                    np.subtract(t, g, out=t)
                else:
                    t += g
                g, owned = t, True
            elif maximize:
                g, owned = np.negative(g, out=np.empty_like(d)), True

            if momentum != 0:
                st = state[p]
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = np.array(g, dtype=d.dtype, copy=True)
                    st["momentum_buffer"] = buf
                else:
                    buf *= momentum
                    buf += g if keep == 1.0 else np.multiply(g, keep)
                if nesterov:
                    t = np.multiply(buf, momentum, out=np.empty_like(d))
                    t += g
                    g, owned = t, True
                else:
                    g, owned = buf, False

            if owned:
                g *= lr
                d -= g
            else:
                d -= np.multiply(g, lr)
