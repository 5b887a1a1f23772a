"""Weight and spectral normalization as parametrizations, as
``torch.nn.utils.parametrizations``.

``weight_norm`` splits a weight into a magnitude ``g`` (``original0``) and a direction ``v``
(``original1``), so that gradient descent learns the scale apart from the direction (Salimans and
Kingma 2016). ``spectral_norm`` divides a weight by an estimate of its largest singular value
kept up to date by power iteration (Miyato et al. 2018), which bounds the layer's Lipschitz
constant, as GAN discriminators need.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core.rng import default_generator as _rng

from ..module import Module
from . import parametrize

Tensor = ag.Tensor

__all__ = ["spectral_norm", "weight_norm"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm over every axis but ``dim``, kept broadcastable; ``dim == -1`` (PyTorch's
    convention, also what ``dim=None`` becomes) means the norm of the whole tensor."""
    if dim == -1:
        return ag.norm(v)
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{v.ndim}, "
                         f"{v.ndim - 1}], but got {dim})")
    d = dim % v.ndim
    axes = tuple(i for i in range(v.ndim) if i != d)
    if not axes:
        return ag.abs(v)
    return ag.norm(v, 2, axes, keepdim=True)


def _weight_norm_dim(dim: int | None, what: str) -> int:
    if dim is None:
        return -1
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{what}: dim must be an int or None, got {dim!r}")
    return dim


class _WeightNorm(Module):
    """weight = g * v / ||v||, the norm taken over every dimension but ``dim``."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = _weight_norm_dim(dim, "weight_norm")

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        with ag.no_grad():
            g = _norm_except_dim(weight, self.dim)
        return g.detach(), weight


def _check_dim(dim: int, ndim: int) -> int:
    if dim >= ndim or dim < -ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                         f"{ndim - 1}] but got {dim})")
    return dim + ndim if dim < 0 else dim


def _as_matrix(weight: Any, dim: int) -> Any:
    """The weight with ``dim`` first and the rest flattened: (weight.shape[dim], -1).

    Works on arrays and on Tensors (whose gradient then flows through it)."""
    if dim != 0:
        weight = weight.transpose(dim, *(d for d in range(weight.ndim) if d != dim)) \
            if isinstance(weight, np.ndarray) else \
            weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def _unit(x: np.ndarray, eps: float) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), eps)


class _SpectralNorm(Module):
    """weight / sigma, sigma = u^T W v from vectors u, v (buffers ``_u``, ``_v``) that power
    iteration moves towards the top singular pair in training; evaluation reuses them."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        self.dim = _check_dim(dim, ndim)
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = _as_matrix(weight._data, self.dim)
            h, w = mat.shape
            rng = _rng()
            u = _unit(rng.normal(0.0, 1.0, h), eps).astype(weight.dtype)
            v = _unit(rng.normal(0.0, 1.0, w), eps).astype(weight.dtype)
            self.register_buffer("_u", ag.Tensor(u))
            self.register_buffer("_v", ag.Tensor(v))
            self._power_method(mat, 15)

    def _power_method(self, mat: np.ndarray, n: int) -> None:
        u, v = self._u, self._v
        uu, vv = u._data, v._data
        for _ in range(n):
            uu = _unit(mat @ vv, self.eps).astype(uu.dtype)
            vv = _unit(mat.conj().T @ uu, self.eps).astype(vv.dtype)
        with ag.no_grad():
            u.copy_(uu)
            v.copy_(vv)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / ag.clamp(ag.norm(weight), min=self.eps)
        mat = _as_matrix(weight, self.dim)
        if self.training:
            self._power_method(mat._data, self.n_power_iterations)
        u = ag.Tensor(self._u._data.copy())
        v = ag.Tensor(self._v._data.copy())
        sigma = ag.dot(u, ag.matmul(mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Reparametrizes ``module.<name>`` as ``g * v / ||v||``; ``g`` is
    ``parametrizations.<name>.original0`` and ``v`` is ``original1``. ``dim`` is the dimension
    that keeps its own magnitude (0: one per output unit); ``None`` or -1: one for the tensor."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def _transposed_conv(module: Module) -> bool:
    return any(c.__name__.startswith("ConvTranspose") for c in type(module).__mro__)


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Divides ``module.<name>`` by its spectral norm, estimated by ``n_power_iterations``
    steps of power iteration per training forward (buffers ``parametrizations.<name>.0._u``
    and ``._v``); ``dim`` (default 0, 1 for transposed convolutions) indexes the output
    units."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module._get_name()}' has no parameter or buffer with name "
                         f"'{name}'")
    if dim is None:
        dim = 1 if _transposed_conv(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
