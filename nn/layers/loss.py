"""Loss modules: each holds its options and calls the nn.functional loss of the same name.

Class weights, pos_weight and similar tensors are registered as buffers, as PyTorch does, so
they follow `double()` and appear in state_dict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd_core as ag

from .. import functional as F
from ..module import Module
from ._util import errors_named


class _Loss(Module):
    def __init__(self, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._reduction(reduction, size_average, reduce, type(self).__name__)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_tensor(weight))


def _as_tensor(v: Any) -> ag.Tensor | None:
    return v if v is None or isinstance(v, ag.Tensor) else ag.tensor(v)


class MSELoss(_Loss):
    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy on logits; targets are class indices or class probabilities."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood on log-probabilities (pair it with LogSoftmax)."""

    def __init__(self, weight: Any = None, size_average: Any = None, ignore_index: int = -100,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (logs clamped at -100)."""

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy in one stable step; pos_weight scales the positive
    term (one entry per class, broadcast over the last dimension)."""

    def __init__(self, weight: Any = None, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_tensor(weight))
        self.register_buffer("pos_weight", _as_tensor(pos_weight))

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (p = 1) or its square (p = 2)."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None,
                 size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        self.p = p
        self.margin = margin

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)


class KLDivLoss(_Loss):
    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        if reduction == "batchmean":
            super().__init__(size_average, reduce, "mean")
            self.reduction = "batchmean"
        else:
            super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class ContrastiveLoss(_Loss):
    """F.contrastive_loss as a module: y = 1 marks similar pairs, y = 0 dissimilar ones."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.margin = margin

    def forward(self, x1: ag.Tensor, x2: ag.Tensor, y: Any) -> ag.Tensor:
        return F.contrastive_loss(x1, x2, y, self.margin, self.reduction)

    def extra_repr(self) -> str:
        return f"margin={self.margin}"


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of counts under a Poisson rate: exp(x) - y x on log-rates
    (log_input=True) or x - y log(x + eps) on rates; `full` adds Stirling's term."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average: Any = None,
                 eps: float = 1e-8, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: ag.Tensor, target: Any) -> ag.Tensor:
        with errors_named("PoissonNLLLoss"):
            return F.poisson_nll_loss(log_input, target, log_input=self.log_input,
                                      full=self.full, eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of targets under N(input, var), for a network that predicts
    its own uncertainty; var is clamped at eps."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: ag.Tensor, target: Any, var: Any) -> ag.Tensor:
        with errors_named("GaussianNLLLoss"):
            return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                       reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """max(0, -y (x1 - x2) + margin): y = 1 asks x1 to rank above x2, y = -1 below."""

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: ag.Tensor, input2: ag.Tensor, target: Any) -> ag.Tensor:
        with errors_named("MarginRankingLoss"):
            return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                         reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(d(a, p) - d(a, n) + margin, 0) with the p-norm distance: pulls the positive
    closer to the anchor than the negative (metric learning); swap uses the closer of d(a, n)
    and d(p, n)."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: ag.Tensor, positive: ag.Tensor,
                negative: ag.Tensor) -> ag.Tensor:
        with errors_named("TripletMarginLoss"):
            return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin,
                                         p=self.p, eps=self.eps, swap=self.swap,
                                         reduction=self.reduction)


def _default_distance() -> Any:
    """PyTorch's default distance_function is a PairwiseDistance module (a child in the repr);
    where this nn has none, None makes the functional use pairwise_distance."""
    from .. import layers

    cls = getattr(layers, "PairwiseDistance", None)
    return cls() if cls is not None else None


class TripletMarginWithDistanceLoss(_Loss):
    """TripletMarginLoss with any distance function (default: the Euclidean pairwise
    distance), e.g. 1 - cosine similarity."""

    def __init__(self, *, distance_function: Callable[[Any, Any], ag.Tensor] | None = None,
                 margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: margin must be greater than 0, "
                             f"got {margin}")
        self.distance_function = distance_function if distance_function is not None \
            else _default_distance()
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: ag.Tensor, positive: ag.Tensor,
                negative: ag.Tensor) -> ag.Tensor:
        with errors_named("TripletMarginWithDistanceLoss"):
            return F.triplet_margin_with_distance_loss(
                anchor, positive, negative, distance_function=self.distance_function,
                margin=self.margin, swap=self.swap, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) for y = 1, max(0, cos(x1, x2) - margin) for y = -1."""

    def __init__(self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: ag.Tensor, input2: ag.Tensor, target: Any) -> ag.Tensor:
        with errors_named("CosineEmbeddingLoss"):
            return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                           reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x for y = 1, max(0, margin - x) for y = -1, with x a distance between a pair."""

    def __init__(self, margin: float = 1.0, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        with errors_named("HingeEmbeddingLoss"):
            return F.hinge_embedding_loss(input, target, margin=self.margin,
                                          reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(-y x)): the logistic loss for targets y in {1, -1}."""

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        with errors_named("SoftMarginLoss"):
            return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class binary cross-entropy on logits for 0/1 multi-label targets, averaged over
    the classes; `weight` (one per class) is a buffer, as in PyTorch."""

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        with errors_named("MultiLabelSoftMarginLoss"):
            return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                                 reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-class multi-label hinge loss; each target row lists class indices, ended by the
    first -1."""

    def forward(self, input: ag.Tensor, target: Any) -> ag.Tensor:
        with errors_named("MultiLabelMarginLoss"):
            return F.multilabel_margin_loss(input, target, reduction=self.reduction)
