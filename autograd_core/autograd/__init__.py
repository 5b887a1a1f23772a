"""torch.autograd's namespace: `grad` and `backward` (the engine), `Function`, the grad-mode
switches, `gradcheck`, and `functional` (vjp, jvp, jacobian, hessian, hvp, vhp with
torch.autograd.functional's conventions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .. import engine
from ..engine import grad
from ..function import Function, FunctionCtx
from ..gradcheck import gradcheck, gradgradcheck
from ..modes import (
    detect_anomaly, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from ..tensor import Tensor
from . import functional

__all__ = [
    "Function", "FunctionCtx", "backward", "detect_anomaly", "enable_grad", "functional",
    "gradcheck", "gradgradcheck", "grad", "inference_mode", "is_grad_enabled", "no_grad",
    "set_grad_enabled",
]


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Iterable[Tensor] | None = None,
) -> None:
    """Accumulates the gradients of tensors into the leaves' .grad, as torch.autograd.backward:
    grad_tensors may be left out for scalar outputs."""
    roots = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    if grad_tensors is None:
        grads = [None] * len(roots)
    elif isinstance(grad_tensors, (list, tuple)):
        grads = list(grad_tensors)
    else:
        grads = [grad_tensors]
    if len(grads) != len(roots):
        raise RuntimeError(f"backward: got {len(grads)} gradients for {len(roots)} tensors")
    engine.backward(roots, grads, retain_graph=retain_graph, create_graph=create_graph,
                    inputs=inputs)
