"""Embedding and EmbeddingBag: lookup tables of learned vectors, and their bag reductions."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_core as ag

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._util import errors_named, param_dtype, size_arg


class Embedding(Module):
    """Maps integer indices to rows of weight (num_embeddings, embedding_dim), initialized
    N(0, 1); the padding_idx row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Any = None,
                 _freeze: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if sparse:
            raise NotImplementedError(
                "Embedding: sparse=True is not supported: autograd_core's gradients are dense "
                "Tensors, so there is no sparse gradient to produce. Use sparse=False (the "
                "dense gradient is zero outside the looked-up rows)")
        self.num_embeddings = size_arg(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = size_arg(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError("Padding_idx must be within num_embeddings")
            if padding_idx < 0:
                padding_idx += self.num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        dt = param_dtype(dtype)
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dt),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = _weight._data if isinstance(_weight, ag.Tensor) else np.asarray(_weight)
            if w.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError("Shape of weight does not match num_embeddings and "
                                 "embedding_dim")
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        w = embeddings._data if isinstance(embeddings, ag.Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise ValueError("Embeddings parameter is expected to be 2-dimensional")
        return cls(w.shape[0], w.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq,
                   sparse, _weight=w.copy(), _freeze=freeze, dtype=w.dtype)

    def forward(self, input: Any) -> ag.Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        if self.sparse:
            s += ", sparse=True"
        return s


class EmbeddingBagArgumentError(ValueError, AssertionError):
    """A bad EmbeddingBag constructor argument: PyTorch raises AssertionError, Python code
    expects ValueError; both catch this."""


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embedding rows without making each lookup its own
    Tensor: a 2-D input is one bag per row; a 1-D input is cut into bags at `offsets`.
    weight (num_embeddings, embedding_dim) starts N(0, 1), the padding_idx row at zero; that
    row is left out of every bag."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = size_arg(num_embeddings, "num_embeddings", "EmbeddingBag")
        self.embedding_dim = size_arg(embedding_dim, "embedding_dim", "EmbeddingBag")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise EmbeddingBagArgumentError(
                    f"EmbeddingBag: padding_idx must be within num_embeddings "
                    f"({self.num_embeddings}); got {padding_idx}")
            if padding_idx < 0:
                padding_idx += self.num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            shape = (self.num_embeddings, self.embedding_dim)
            self.weight = Parameter(np.empty(shape, param_dtype(dtype)))
            self.reset_parameters()
        else:
            w = _weight._data if isinstance(_weight, ag.Tensor) else np.asarray(_weight)
            if w.shape != (self.num_embeddings, self.embedding_dim):
                raise EmbeddingBagArgumentError(
                    f"EmbeddingBag: shape of weight {w.shape} does not match num_embeddings and "
                    f"embedding_dim ({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(w)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight._data[self.padding_idx] = 0

    def forward(self, input: Any, offsets: Any = None,
                per_sample_weights: Any = None) -> ag.Tensor:
        with errors_named("EmbeddingBag"):
            return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                                   self.scale_grad_by_freq, self.mode, self.sparse,
                                   per_sample_weights, self.include_last_offset,
                                   self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag over given rows (frozen unless freeze=False); the rows are used as
        they are, the padding_idx row included."""
        w = embeddings._data if isinstance(embeddings, ag.Tensor) else np.asarray(embeddings)
        if w.ndim != 2:
            raise EmbeddingBagArgumentError(f"EmbeddingBag.from_pretrained: embeddings are "
                                            f"expected to be 2-dimensional; got shape {w.shape}")
        bag = cls(w.shape[0], w.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  _weight=w, include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
