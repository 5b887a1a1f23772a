"""Batch, instance, group, layer, RMS and local response normalization, with PyTorch's
buffers, defaults and running-statistics rules."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_core as ag

from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ._util import errors_named, param_dtype, size_arg


def _scale_and_shift(module: Module, shape: Any, affine: bool, bias: bool, dt: np.dtype) -> None:
    """The learned ``weight`` (ones) and ``bias`` (zeros) that follow normalization, or None."""
    weight = Parameter(np.ones(shape, dtype=dt)) if affine else None
    module.register_parameter("weight", weight)
    shift = Parameter(np.zeros(shape, dtype=dt)) if affine and bias else None
    module.register_parameter("bias", shift)


def _reset_scale_and_shift(module: Module) -> None:
    """weight back to ones and bias to zeros, whichever of them the module has."""
    with ag.no_grad():
        if module.weight is not None:
            module.weight.fill_(1)
        if getattr(module, "bias", None) is not None:
            module.bias.zero_()


class _BatchNorm(Module):
    """Training normalizes with the batch's biased variance and updates running_mean and
    running_var (the unbiased batch variance) by running = (1 - momentum) * running +
    momentum * batch; momentum=None uses the cumulative average instead. Evaluation normalizes
    with the running statistics (or the batch's, when track_running_stats=False)."""

    _expected_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        dt = param_dtype(dtype)
        self.num_features = size_arg(num_features, "num_features", type(self).__name__)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _scale_and_shift(self, self.num_features, affine, bias, dt)
        if track_running_stats:
            self.register_buffer("running_mean", ag.Tensor(np.zeros(self.num_features, dt)))
            self.register_buffer("running_var", ag.Tensor(np.ones(self.num_features, dt)))
            self.register_buffer("num_batches_tracked", ag.Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with ag.no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        _reset_scale_and_shift(self)

    def _check_input_dim(self, x: ag.Tensor) -> None:
        if x.ndim not in self._expected_dims:
            want = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ValueError(f"{type(self).__name__}: expected {want} input (got {x.ndim}D "
                             "input)")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels "
                             f"in dim 1; got input of shape {x.shape}")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        self._check_input_dim(x)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked += 1  # a Tensor op: a compiled step replays it
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Over (N, C) or (N, C, L): statistics per channel C."""

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Over (N, C, H, W): statistics per channel C."""

    _expected_dims = (4,)


class LayerNorm(Module):
    """Normalizes each sample over its trailing normalized_shape dimensions."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        if isinstance(normalized_shape, (int, np.integer)) or not hasattr(normalized_shape,
                                                                          "__iter__"):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(size_arg(n, "normalized_shape", "LayerNorm")
                                      for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = param_dtype(dtype)
        _scale_and_shift(self, self.normalized_shape, elementwise_affine, bias, dt)

    def reset_parameters(self) -> None:
        _reset_scale_and_shift(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        k = len(self.normalized_shape)
        if x.ndim < k or x.shape[x.ndim - k:] != self.normalized_shape:
            raise RuntimeError(
                f"Given normalized_shape={list(self.normalized_shape)}, expected input with "
                f"shape [*, {', '.join(map(str, self.normalized_shape))}], but got input of "
                f"size{list(x.shape)}")
        for p in (self.weight, self.bias):
            if p is not None and p.dtype != x.dtype:
                raise RuntimeError(
                    f"mixed dtype (CPU): all inputs must share same datatype. LayerNorm got an "
                    f"input of {x.dtype} and parameters of {p.dtype}; convert one with .to()")
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


def _same_dtype(module: Module, x: ag.Tensor) -> None:
    """PyTorch refuses a float64 input to a float32 layer (and the reverse) rather than
    promote; so does this, naming the layer."""
    w = getattr(module, "weight", None)
    if w is not None and x.dtype != w.dtype:
        raise RuntimeError(f"{type(module).__name__}: mixed dtype: input type ({x.dtype}) and "
                           f"weight type ({w.dtype}) should be the same; convert the input "
                           f"with .to({w.dtype}) or the layer with .to({x.dtype})")


class _InstanceNorm(_BatchNorm):
    """Normalizes each channel of each sample over its own positions, so the statistics never
    mix samples (style transfer, small batches). Running statistics, when tracked, are the
    batch average of the per-instance mean and unbiased variance, used in eval."""

    _nsp = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, x: ag.Tensor) -> None:
        n = self._nsp
        if x.ndim not in (n + 1, n + 2):
            raise ValueError(f"{type(self).__name__}: expected {n + 1}D or {n + 2}D input (got "
                             f"{x.ndim}D input of shape {tuple(x.shape)})")

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        name = type(self).__name__
        self._check_input_dim(x)
        feature_dim = x.ndim - (self._nsp + 1)
        if x.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{x.shape[feature_dim]} (input of shape {tuple(x.shape)})")
            warnings.warn(f"{name}: input's size at dim={feature_dim} does not match "
                          f"num_features. You can silence this warning by not passing in "
                          f"num_features, which is not used because affine=False",
                          stacklevel=2)
        _same_dtype(self, x)
        batched = x.ndim == self._nsp + 2
        if not batched:
            x = x.unsqueeze(0)
        momentum = self.momentum if self.momentum is not None else 0.0
        with errors_named(name):
            out = F.instance_norm(x, self.running_mean, self.running_var, self.weight,
                                  self.bias, self.training or not self.track_running_stats,
                                  momentum, self.eps)
        return out if batched else out.squeeze(0)


class InstanceNorm1d(_InstanceNorm):
    """Over (N, C, L) or (C, L)."""

    _nsp = 1


class InstanceNorm2d(_InstanceNorm):
    """Over (N, C, H, W) or (C, H, W)."""

    _nsp = 2


class InstanceNorm3d(_InstanceNorm):
    """Over (N, C, D, H, W) or (C, D, H, W)."""

    _nsp = 3


class GroupNorm(Module):
    """Normalizes each group of num_channels / num_groups channels of each sample (Wu and He
    2018): independent of the batch size, so small batches train like large ones."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = eps
        self.affine = affine
        _scale_and_shift(self, self.num_channels, affine, bias, param_dtype(dtype))

    def reset_parameters(self) -> None:
        _reset_scale_and_shift(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise RuntimeError(f"GroupNorm: expected input of shape (N, {self.num_channels}, "
                               f"*); got {tuple(x.shape)}")
        _same_dtype(self, x)
        with errors_named("GroupNorm"):
            return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """Divides each activation by a power of the summed squares of its `size` neighbouring
    channels (AlexNet's lateral inhibition)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        with errors_named("LocalResponseNorm"):
            return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the trailing normalized_shape, times a learned scale
    (Zhang and Sennrich 2019): LayerNorm without centering, as in LLaMA-style models. eps=None
    means the input dtype's machine epsilon."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if not hasattr(normalized_shape, "__iter__"):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(size_arg(n, "normalized_shape", type(self).__name__)
                                      for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=param_dtype(dtype)))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        _reset_scale_and_shift(self)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        k = len(self.normalized_shape)
        if x.ndim < k or tuple(x.shape[x.ndim - k:]) != self.normalized_shape:
            raise RuntimeError(f"RMSNorm: Given normalized_shape={list(self.normalized_shape)}, "
                               f"expected input with shape [*, "
                               f"{', '.join(map(str, self.normalized_shape))}], but got input "
                               f"of size {list(x.shape)}")
        _same_dtype(self, x)
        with errors_named("RMSNorm"):
            return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
