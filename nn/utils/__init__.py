"""nn.utils: gradient clipping and flat parameter vectors, with PyTorch's semantics; nn.utils.rnn
for variable-length batches; nn.utils.parametrize and nn.utils.parametrizations (weight and
spectral normalization), and the older hook-based weight_norm and spectral_norm."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.compiler import replayed as _replayed

from . import parametrizations, parametrize, rnn
from .hook_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

Tensor = ag.Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "parametrizations",
           "parametrize", "remove_spectral_norm", "remove_weight_norm", "rnn", "spectral_norm",
           "vector_to_parameters", "weight_norm"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: Any = None) -> Tensor:
    """Scales all gradients in place by min(1, max_norm / (total_norm + 1e-6)), where
    total_norm is the norm of the gradients taken together as one vector; returns total_norm
    (a 0-d Tensor), as torch.nn.utils.clip_grad_norm_ does."""
    return _clip_grad_norm(_as_list(parameters), max_norm, norm_type, error_if_nonfinite)


@_replayed  # NumPy on the gradients' arrays: a compiled step makes the call again each replay
def _clip_grad_norm(parameters: list[Tensor], max_norm: float, norm_type: float,
                    error_if_nonfinite: bool) -> Tensor:
    grads = [p.grad for p in parameters if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return ag.tensor(0.0)
    dtype = grads[0].dtype
    if norm_type == math.inf:
        norms = [np.max(np.abs(g._data)) if g._data.size else 0.0 for g in grads]
        total = max(norms)
    else:
        norms = [np.linalg.norm(g._data.reshape(-1), norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms, dtype=np.float64), norm_type)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with ag.no_grad():
        for g in grads:
            _scale_grad(g, coef)
    return ag.Tensor(total)


def _scale_grad(g: Tensor, coef: float) -> None:
    if g._data.flags.writeable:
        g._data *= np.asarray(coef, dtype=g.dtype)
    else:
        g._data = g._data * np.asarray(coef, dtype=g.dtype)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: Any = None) -> None:
    """Clamps every gradient element to [-clip_value, clip_value] in place."""
    _clip_grad_value(_as_list(parameters), clip_value)


@_replayed
def _clip_grad_value(parameters: list[Tensor], clip_value: float) -> None:
    c = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            g = p.grad
            if g._data.flags.writeable:
                np.clip(g._data, -c, c, out=g._data)
            else:
                g._data = np.clip(g._data, -c, c)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D Tensor of all parameters, flattened in order (differentiable, like torch's)."""
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    return ag.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copies consecutive slices of vec into the parameters, in order (in place, no grad)."""
    v = vec._data if isinstance(vec, Tensor) else np.asarray(vec)
    if v.ndim != 1:
        raise TypeError(f"expected a 1-D vector; got shape {v.shape}")
    params = _as_list(parameters)
    total = sum(p._data.size for p in params)
    if total != v.size:
        raise ValueError(f"vector_to_parameters: the vector has {v.size} elements but the "
                         f"parameters hold {total}")
    offset = 0
    with ag.no_grad():
        for p in params:
            n = p._data.size
            p.copy_(v[offset:offset + n].reshape(p.shape))
            offset += n
