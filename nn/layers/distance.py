"""Distances between pairs of vectors: CosineSimilarity and PairwiseDistance."""

from __future__ import annotations

import autograd_core as ag

from .. import functional as F
from ..module import Module


class CosineSimilarity(Module):
    """x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along dim (inputs broadcast)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """||x1 - x2 + eps||_p over the last dimension (eps keeps the gradient finite when the
    two inputs coincide)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: ag.Tensor, x2: ag.Tensor) -> ag.Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
