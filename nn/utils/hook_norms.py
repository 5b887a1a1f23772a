"""The older, hook-based weight and spectral normalization: ``nn.utils.weight_norm`` /
``remove_weight_norm`` and ``nn.utils.spectral_norm`` / ``remove_spectral_norm``.

They keep PyTorch's pre-parametrization state dict layout (``weight_g`` and ``weight_v``;
``weight_orig``, ``weight_u`` and ``weight_v``), so checkpoints saved by models that used them
load here. A forward pre-hook recomputes ``module.weight`` (a plain attribute) before each call.
New code should prefer ``nn.utils.parametrizations``.
"""

from __future__ import annotations

import warnings

import numpy as np

import autograd_core as ag
from autograd_core.rng import default_generator as _rng

from ..module import Module
from ..parameter import Parameter
from .parametrizations import (
    _as_matrix,
    _check_dim,
    _norm_except_dim,
    _transposed_conv,
    _unit,
    _weight_norm_dim,
)

Tensor = ag.Tensor

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]


class WeightNorm:
    """The pre-hook of ``weight_norm``: weight = weight_g * weight_v / ||weight_v||."""

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: object) -> None:
        setattr(module, self.name, self.compute_weight(module))

    def remove(self, module: Module) -> None:
        with ag.no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(np.array(weight._data, copy=True)))


def _find(module: Module, kind: type, name: str) -> int | None:
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            return key
    return None


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Replaces parameter ``name`` by ``name_g`` (magnitude) and ``name_v`` (direction).

    Deprecated in PyTorch in favour of ``nn.utils.parametrizations.weight_norm``, with the same
    FutureWarning here."""
    warnings.warn("`nn.utils.weight_norm` is deprecated in favor of "
                  "`nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    if _find(module, WeightNorm, name) is not None:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"weight_norm: module {module._get_name()} has no parameter '{name}'")
    fn = WeightNorm(name, _weight_norm_dim(dim, "weight_norm"))
    with ag.no_grad():
        g = _norm_except_dim(weight, fn.dim)  # first: a bad dim leaves the module untouched
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(np.array(g._data, copy=True)))
    module.register_parameter(name + "_v", Parameter(weight._data))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Folds ``name_g`` and ``name_v`` back into one parameter ``name``."""
    key = _find(module, WeightNorm, name)
    if key is None:
        raise ValueError(f"weight_norm of '{name}' not found in {module._get_name()}")
    module._forward_pre_hooks.pop(key).remove(module)
    return module


class SpectralNorm:
    """The pre-hook of ``spectral_norm``: weight = weight_orig / (u^T W v), with power iteration
    on the buffers ``weight_u`` and ``weight_v`` while the module is training."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name = name
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = _as_matrix(weight, self.dim)
        if do_power_iteration:
            m = mat._data
            uu, vv = u._data, v._data
            for _ in range(self.n_power_iterations):
                vv = _unit(m.conj().T @ uu, self.eps).astype(vv.dtype)
                uu = _unit(m @ vv, self.eps).astype(uu.dtype)
            with ag.no_grad():
                u.copy_(uu)
                v.copy_(vv)
        sigma = ag.dot(ag.Tensor(u._data.copy()), ag.matmul(mat, ag.Tensor(v._data.copy())))
        return weight / sigma

    def __call__(self, module: Module, inputs: object) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    def remove(self, module: Module) -> None:
        with ag.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(np.array(weight._data, copy=True)))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Keeps ``name_orig`` as the learned parameter and ``name_u``, ``name_v`` as buffers;
    ``module.<name>`` is recomputed from them before every forward."""
    if _find(module, SpectralNorm, name) is not None:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                           f"{name}")
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: module {module._get_name()} has no parameter "
                         f"'{name}'")
    if dim is None:
        dim = 1 if _transposed_conv(module) else 0
    fn = SpectralNorm(name, n_power_iterations, _check_dim(dim, weight.ndim), eps)
    mat = _as_matrix(weight._data, fn.dim)
    h, w = mat.shape
    rng = _rng()
    u = _unit(rng.normal(0.0, 1.0, h), eps).astype(weight.dtype)
    v = _unit(rng.normal(0.0, 1.0, w), eps).astype(weight.dtype)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, ag.Tensor(weight._data))
    module.register_buffer(name + "_u", ag.Tensor(u))
    module.register_buffer(name + "_v", ag.Tensor(v))
    module.register_forward_pre_hook(fn)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Makes ``name`` a plain parameter again, holding the last normalized weight."""
    key = _find(module, SpectralNorm, name)
    if key is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {module._get_name()}")
    module._forward_pre_hooks.pop(key).remove(module)
    return module
