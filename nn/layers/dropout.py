"""Dropout: a random mask in training, the identity in evaluation."""

from __future__ import annotations

import autograd_core as ag

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
