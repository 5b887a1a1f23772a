"""Dropout: a random mask in training, the identity in evaluation.

Besides element-wise ``Dropout``: channel-wise ``Dropout1d`` and ``Dropout2d`` (neighbouring
activations in a feature map are correlated, so dropping single elements regularizes little),
and ``AlphaDropout`` / ``FeatureAlphaDropout``, which keep SELU networks' zero mean and unit
variance by setting dropped units to SELU's negative saturation value and then correcting
with an affine map (Klambauer et al. 2017). Masks come from autograd_core's seeded generator.
"""

from __future__ import annotations

import warnings

import numpy as np

import autograd_core as ag
from autograd_core.rng import default_generator as _rng

from .. import functional as F
from ..module import Module


class Dropout(Module):
    """Zeroes each element with probability p in training and scales the rest by 1 / (1 - p)
    (inverted dropout), so `eval()` makes it the identity."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


# SELU's negative saturation value, -scale * alpha.
_ALPHA_PRIME = 1.7580993408473766


def _check_p(p: float) -> float:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


def _drop(x: ag.Tensor, p: float, feature: bool, alpha: bool, name: str) -> ag.Tensor:
    """PyTorch's dropout family in training: one keep-mask per element, or per (sample,
    channel) when ``feature``; survivors scaled by 1 / (1 - p), or the alpha-dropout affine
    correction when ``alpha``."""
    if p == 1.0:
        return x * np.zeros((), dtype=x.dtype)
    if feature and x.ndim < 2:
        raise RuntimeError(f"{name}: Feature dropout requires at least 2 dimensions in the "
                           f"input (got {x.ndim})")
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = (_rng().random(shape) >= p).astype(x.dtype)
    if not alpha:
        return x * (keep * np.asarray(1.0 / (1.0 - p), dtype=x.dtype))
    a = 1.0 / np.sqrt((_ALPHA_PRIME**2 * p + 1) * (1 - p))
    shift = (keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    return x * (keep * a).astype(x.dtype) + shift.astype(x.dtype)


class _DropoutNd(Module):
    """The shared constructor and repr of the dropout family."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = _check_p(p)
        self.inplace = inplace

    def _input(self, input: ag.Tensor) -> ag.Tensor:
        return input if isinstance(input, ag.Tensor) else ag.tensor(input)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zeroes whole channels of (N, C, L) or (C, L) inputs with probability p."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = self._input(input)
        if x.ndim not in (2, 3):
            raise RuntimeError(
                f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D input. Note "
                "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                "inputs).")
        if not self.training or self.p == 0.0:
            return x
        if x.ndim == 2:  # unbatched (C, L): one mask entry per channel
            return _drop(x.unsqueeze(0), self.p, True, False, "dropout1d").squeeze(0)
        return _drop(x, self.p, True, False, "dropout1d")


class Dropout2d(_DropoutNd):
    """Zeroes whole channels of (N, C, H, W) inputs with probability p.

    As in PyTorch, a 3-D input is read as (N, C, L) (channel-wise 1-D dropout) with a warning,
    and other ranks are accepted with a deprecation warning."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = self._input(input)
        if x.ndim not in (3, 4):
            warnings.warn(
                f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is deprecated and "
                "will result in an error in a future release. To retain the behavior and "
                "silence this warning, please use dropout instead. Note that dropout2d exists "
                "to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
                "dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                UserWarning, stacklevel=2)
        if x.ndim == 3:
            warnings.warn(
                "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
                "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
                "is the channel dim. This behavior will change in a future release to interpret "
                "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
                "the 1D channel-wise dropout behavior, please switch to using dropout1d "
                "instead.", UserWarning, stacklevel=2)
        if not self.training or self.p == 0.0:
            return x
        return _drop(x, self.p, True, False, "dropout2d")


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: keeps the input's mean and variance (for zero-mean,
    unit-variance inputs) instead of only the mean."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = self._input(input)
        if not self.training or self.p == 0.0:
            return x
        return _drop(x, self.p, False, True, "alpha_dropout")


class FeatureAlphaDropout(_DropoutNd):
    """AlphaDropout with one mask entry per (sample, channel), as Dropout2d is to Dropout."""

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = self._input(input)
        if not self.training or self.p == 0.0:
            return x
        return _drop(x, self.p, True, True, "feature_alpha_dropout")
