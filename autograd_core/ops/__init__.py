"""Every primitive op, registered on import. See registry.py for the rule convention."""

from . import elementwise, indexing, linalg, losses, nn_ops, reductions, scatter, shape  # noqa: F401
from . import scans  # noqa: F401
from . import special  # noqa: F401
from . import activations  # noqa: F401
from .registry import NP, REGISTRY, TENSOR_HELPERS, Op, Spec, defhelper, defop

__all__ = ["NP", "REGISTRY", "TENSOR_HELPERS", "Op", "Spec", "defhelper", "defop"]
