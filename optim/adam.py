"""Adam and AdamW: bias-corrected moment estimates, L2 or decoupled weight decay, AMSGrad."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, check_range


class Adam(Optimizer):
    """``torch.optim.Adam``: the same options, defaults and update, step for step.

    At step ``t``: ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g`` and
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)`` (eps is added
    after the bias correction of ``sqrt(v)``, as in PyTorch). ``weight_decay`` adds
    ``weight_decay * p`` to the gradient, unless ``decoupled_weight_decay`` (AdamW) shrinks
    ``p`` by ``1 - lr * weight_decay`` instead. ``amsgrad`` divides by the running maximum of
    ``v``.
    """

    _array_state_keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if differentiable:
            raise ValueError(
                f"{type(self).__name__}: differentiable=True is not supported "
                "(updates are not recorded)"
            )
        betas = tuple(betas)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas}")
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        self._check_options(defaults)
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        name = type(self).__name__
        check_range(name, "learning rate", options["lr"])
        check_range(name, "epsilon value", options["eps"])
        betas = options["betas"]
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_range(name, "beta parameter at index 0", betas[0], 0.0, 1.0)
        check_range(name, "beta parameter at index 1", betas[1], 0.0, 1.0)
        check_range(name, "weight_decay value", options["weight_decay"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        state = self.state
        sqrt, subtract, multiply, divide = np.sqrt, np.subtract, np.multiply, np.divide
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(b) for b in group["betas"])
            eps = float(group["eps"])
            weight_decay = float(group["weight_decay"])
            amsgrad = group["amsgrad"]
            maximize = group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            w1 = 1.0 - beta1
            w2 = 1.0 - beta2
            shrink = 1.0 - lr * weight_decay
            last_step = None
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                g = grad.data
                d = p.data
                st = state[p]
                if not st:
                    st["step"] = 0.0
                    st["exp_avg"] = np.zeros_like(d)
                    st["exp_avg_sq"] = np.zeros_like(d)
                    if amsgrad:
                        st["max_exp_avg_sq"] = np.zeros_like(d)
                step = st["step"] + 1.0
                st["step"] = step
                if step != last_step:
                    last_step = step
                    step_size = lr / (1.0 - beta1**step)
                    bias2_sqrt = (1.0 - beta2**step) ** 0.5

                if maximize:
                    g = np.negative(g)
                if weight_decay != 0:
                    if decoupled:
                        d *= shrink
                    else:
                        t = multiply(d, weight_decay)
                        t += g
                        g = t

                m = st["exp_avg"]
                v = st["exp_avg_sq"]
                # m.lerp_(g, w1), with PyTorch's two-sided formula.
                t = subtract(g, m)
                if w1 < 0.5:
                    t *= w1
                    m += t
                else:
                    t *= 1.0 - w1
                    subtract(g, t, out=m)
                # v = beta2 * v + (w2 * g) * g
                multiply(g, w2, out=t)
                t *= g
                v *= beta2
                v += t
                if amsgrad:
                    vmax = st["max_exp_avg_sq"]
                    np.maximum(vmax, v, out=vmax)
                    v = vmax
                sqrt(v, out=t)
                t /= bias2_sqrt
                t += eps
                divide(m, t, out=t)
                t *= step_size
                d -= t
        return loss


class AdamW(Adam):
    """``torch.optim.AdamW``: Adam with decoupled weight decay (default 1e-2).

    Each step first shrinks ``p`` by ``1 - lr * weight_decay``; the decay never enters the
    moment estimates, unlike Adam's L2 penalty.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
            capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
