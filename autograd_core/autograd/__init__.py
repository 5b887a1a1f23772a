"""torch.autograd's namespace: `grad` and `backward` (the engine), `Function`, the grad-mode
switches, `gradcheck`, and `functional` (vjp, jvp, jacobian, hessian, hvp, vhp with
torch.autograd.functional's conventions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .. import engine
from ..function import Function, FunctionCtx
from ..gradcheck import gradcheck, gradgradcheck
from ..modes import (
    detect_anomaly, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from ..functions import stack
from ..tensor import Tensor
from . import functional

__all__ = [
    "Function", "FunctionCtx", "backward", "detect_anomaly", "enable_grad", "functional",
    "gradcheck", "gradgradcheck", "grad", "inference_mode", "is_grad_enabled", "no_grad",
    "set_grad_enabled",
]


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs) without touching any .grad, as torch.autograd.grad.

    With ``is_grads_batched`` the first dimension of every grad_output is a batch: the answer
    for each row is computed and the rows are stacked (one backward pass per row).
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: materialize_grads=True needs allow_unused True or left out")
    unused = bool(allow_unused) or materialize_grads
    if not is_grads_batched:
        return engine.grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                           only_inputs, unused, materialize_grads)
    many = not isinstance(outputs, Tensor)
    rows = list(grad_outputs) if many and grad_outputs is not None else [grad_outputs]
    if any(not isinstance(g, Tensor) or g.ndim == 0 for g in rows):
        raise RuntimeError("grad: is_grads_batched=True needs grad_outputs that are Tensors "
                           "with a leading batch dimension")
    sizes = [g.shape[0] for g in rows]
    if len(set(sizes)) != 1:
        raise RuntimeError(f"grad: is_grads_batched=True needs one batch size; got {sizes}")
    keep = create_graph if retain_graph is None else retain_graph
    n = sizes[0]
    if n == 0:
        raise RuntimeError("grad: is_grads_batched=True with a batch of size 0")
    per_row = [
        engine.grad(outputs, inputs, [g[b] for g in rows] if many else rows[0][b],
                    retain_graph=keep if b == n - 1 else True, create_graph=create_graph,
                    allow_unused=unused, materialize_grads=materialize_grads)
        for b in range(n)
    ]
    return tuple(None if col[0] is None else stack(list(col)) for col in zip(*per_row))


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
