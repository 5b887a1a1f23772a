"""Every primitive op, registered on import. See registry.py for the rule convention."""

from . import elementwise, indexing, linalg, losses, nn_ops, reductions, shape  # noqa: F401
from .registry import NP, REGISTRY, TN, Op, Spec, defhelper, defop

__all__ = ["NP", "REGISTRY", "TN", "Op", "Spec", "defhelper", "defop"]
