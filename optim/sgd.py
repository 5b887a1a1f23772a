"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core.scalar import Scalar

from .optimizer import Optimizer, ParamsT, effective_grad, reject_differentiable


class SGD(Optimizer):
    """``torch.optim.SGD``: the same options, defaults and update, step for step.

    With momentum ``mu`` and dampening ``tau`` the buffer starts as the first gradient and then
    follows ``b = mu * b + (1 - tau) * g``; the step is ``lr * b``, or ``lr * (g + mu * b)``
    with Nesterov momentum. Weight decay adds ``weight_decay * p`` to the gradient first.
    """

    _array_state_keys = ("momentum_buffer",)
    _nonnegative_options = (
        ("lr", "learning rate"),
        ("momentum", "momentum value"),
        ("weight_decay", "weight_decay value"),
    )

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
        reject_differentiable("SGD", differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_defaults(self, defaults: dict[str, Any]) -> None:
        super()._check_defaults(defaults)
        if defaults["nesterov"] and (defaults["momentum"] <= 0 or defaults["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict[str, Any]) -> None:
        state = self.state
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        keep = 1.0 - float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        params = group["params"]
        if momentum == 0 and params and params[0].__class__ is Scalar:
            # a model of float parameters (a Scalar elsewhere in a list is stepped on a copy)
            params = _float_steps(params, lr, weight_decay, maximize)
            if not params:
                return
            group = {**group, "params": params}
        for p, grad, d in self._with_grads(group):
            g = effective_grad(grad, d, weight_decay, maximize)
            owned = g is not grad

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


def _float_steps(params: list, lr: float, weight_decay: float, maximize: bool) -> list:
    """The step without momentum on float parameters (scalar.py), by the same operations in
    the same order as on arrays, so the same values; returns the parameters left for arrays."""
    rest = []
    for p in params:
        grad = p._grad
        if grad is None:
            continue
        v = p._v if p.__class__ is Scalar else None
        g = grad._value() if grad.__class__ is Scalar else None
        if v is None or g is None:
            rest.append(p)
            continue
        if weight_decay != 0:
            g = v * weight_decay - g if maximize else v * weight_decay + g
        elif maximize:
            g = -g
        p._v = v - g * lr
    return rest
