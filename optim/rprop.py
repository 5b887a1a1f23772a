"""Rprop: per-coordinate step sizes adapted from the signs of successive gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, as_pair, check_range, reject_differentiable


class Rprop(Optimizer):
    """``torch.optim.Rprop``: the same options, defaults and update, step for step.

    Only the sign of the gradient is used. Each coordinate's step size, starting at ``lr``, is
    multiplied by ``etas[1]`` when the gradient keeps its sign and by ``etas[0]`` when it flips,
    clipped to ``step_sizes``; then ``p -= sign(g) * step_size``. After a flip the coordinate
    does not move and its gradient is remembered as zero, so the next step neither grows nor
    shrinks its step size. Full-batch gradients are assumed: mini-batch noise flips signs.
    """

    _array_state_keys = ("prev", "step_size")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        reject_differentiable("Rprop", differentiable)
        defaults = {
            "lr": lr,
            "etas": as_pair("Rprop", "etas", etas),
            "step_sizes": as_pair("Rprop", "step_sizes", step_sizes),
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        check_range("Rprop", "learning rate", options["lr"])
        etaminus, etaplus = options["etas"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Invalid eta values: {etaminus}, {etaplus} (Rprop)")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        maximize = group["maximize"]
        for p, grad, d in self._with_grads(group):
            st = self.state[p]
            if not st:
                st["step"] = 0.0
                st["prev"] = np.zeros_like(d)
                st["step_size"] = np.full_like(d, lr)
            st["step"] += 1.0
            g = np.negative(grad, out=np.empty_like(d)) if maximize else np.array(grad, copy=True)
            prev, step_size = st["prev"], st["step_size"]
            # sign(g * prev) becomes the factor: etaplus, etaminus, or 1 where either is zero
            # (NaN stays NaN, as in PyTorch).
            factor = np.multiply(g, prev, out=np.empty_like(d))
            np.sign(factor, out=factor)
            factor[factor > 0] = etaplus
            factor[factor < 0] = etaminus
            factor[factor == 0] = 1.0
            step_size *= factor
            np.clip(step_size, step_size_min, step_size_max, out=step_size)
            g[factor == d.dtype.type(etaminus)] = 0
            np.sign(g, out=prev)
            prev *= step_size
            d -= prev
            prev[...] = g
