"""Adam and AdamW: bias-corrected moment estimates, L2 or decoupled weight decay, AMSGrad."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import (
    FlatState,
    Optimizer,
    ParamsT,
    check_adam_options,
    decay_add_square_,
    effective_grad,
    lerp_,
    reject_differentiable,
)


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
        reject_differentiable(type(self).__name__, differentiable)
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
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_adam_options(type(self).__name__, options)

    def _update_group(self, group: dict[str, Any]) -> None:
        params = [p for p in group["params"] if p._grad is not None]
        if not params:
            return
        keys = _KEYS_AMSGRAD if group["amsgrad"] else _KEYS
        flat = self._flat_state(group, params, keys) if len(params) > 1 else None
        if flat is not None:
            self._step_flat(group, params, flat, keys)
        else:
            self._step_each(group, params, keys)

    def _step_each(self, group: dict[str, Any], params: list[Any], keys: tuple[str, ...]) -> None:
        hyper = _Hyper(group)
        l2_decay = 0.0 if hyper.decoupled else hyper.weight_decay
        last_step = None
        for p in params:
            d = p._data
            st = self._lazy_state(p, keys)
            step = st["step"] + 1.0
            st["step"] = step
            if step != last_step:
                hyper.at_step(step)
                last_step = step
            g = effective_grad(p._grad._data, d, l2_decay, hyper.maximize)
            if hyper.decoupled and hyper.weight_decay != 0:
                d *= hyper.shrink
            t = np.empty_like(d)
            vmax = st.get("max_exp_avg_sq") if hyper.amsgrad else None
            if hyper.amsgrad and vmax is None:
                vmax = st["max_exp_avg_sq"] = np.zeros_like(d)
            _update(g, st["exp_avg"], st["exp_avg_sq"], vmax, t, hyper)
            d -= t

    def _step_flat(self, group: dict[str, Any], params: list[Any], flat: FlatState,
                   keys: tuple[str, ...]) -> None:
        hyper = _Hyper(group)
        state = self.state
        step = state[params[0]]["step"] + 1.0
        for p in params:
            state[p]["step"] = step
        hyper.at_step(step)
        grads = [p._grad._data for p in params]
        for p, gd in zip(params, grads):
            if gd.shape != p._data.shape:
                raise ValueError(f"gradient of shape {gd.shape} for a parameter of {p.shape}")
        g = flat.grad
        np.concatenate([gd.reshape(-1) for gd in grads], out=g)
        if hyper.maximize:
            np.negative(g, out=g)
        t = flat.scratch
        if hyper.weight_decay != 0:
            if hyper.decoupled:
                for p in params:
                    p._data *= hyper.shrink
            else:
                np.concatenate([p._data.reshape(-1) for p in params], out=t)
                t *= hyper.weight_decay
                g += t
        arrays = flat.arrays
        _update(g, arrays["exp_avg"], arrays["exp_avg_sq"], arrays.get("max_exp_avg_sq"), t,
                hyper)
        for p, step_view in zip(params, flat.scratch_views):
            p._data -= step_view


_KEYS = ("exp_avg", "exp_avg_sq")
_KEYS_AMSGRAD = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


class _Hyper:
    """One group's options as floats, and the scalars of the current step."""

    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize",
                 "decoupled", "shrink", "step_size", "bias2_sqrt")

    def __init__(self, group: dict[str, Any]) -> None:
        self.lr = float(group["lr"])
        self.beta1, self.beta2 = (float(b) for b in group["betas"])
        self.eps = float(group["eps"])
        self.weight_decay = float(group["weight_decay"])
        self.amsgrad = bool(group["amsgrad"])
        self.maximize = bool(group["maximize"])
        self.decoupled = bool(group["decoupled_weight_decay"])
        self.shrink = 1.0 - self.lr * self.weight_decay

    def at_step(self, step: float) -> None:
        self.step_size = self.lr / (1.0 - self.beta1**step)
        self.bias2_sqrt = (1.0 - self.beta2**step) ** 0.5


def _update(g: np.ndarray, m: np.ndarray, v: np.ndarray, vmax: np.ndarray | None,
            t: np.ndarray, h: _Hyper) -> None:
    """Advances the moments in place and leaves in ``t`` the amount to subtract from p."""
    lerp_(m, g, 1.0 - h.beta1, t)
    decay_add_square_(v, g, h.beta2, t)
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    np.sqrt(v, out=t)
    t /= h.bias2_sqrt
    t += h.eps
    np.divide(m, t, out=t)
    t *= h.step_size


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
