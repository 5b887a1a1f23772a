"""The op registry: each primitive declared once, forward and vector-Jacobian products together.

A rule is `vjp(F, g, out, *inputs, **params) -> gradient for one input`, in the output's
(broadcast) shape; the engine sums it down to the input's shape in one place. A variadic op
(any number of inputs) has one rule `vjp(i, F, g, out, inputs, **params)` taking the input
index and the inputs as one tuple, so a node with n inputs costs O(n), not O(n^2). `F` is a
namespace: NumPy on plain arrays for first-order backward (fast, no graph), or the engine's own
differentiable ops on Tensors when `create_graph=True`. One definition serves both speeds.

This module knows nothing of Tensors: an op is data (a forward and its rules). The Tensor layer
(`autograd_core.tensor.apply`) runs an op on Tensors and records it, and builds the Tensor
namespace of the rules from this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

Rule = Callable[..., Any]
_MAX_ARITY = 8  # fixed-arity ops have at most this many inputs; variadic ops have any number


@dataclass(frozen=True)
class Spec:
    """How the generic gradient tests draw inputs for an op.

    kind names a sampler in the tests ("elementwise", "reduction", ...); domain bounds the
    values each input is drawn from (away from poles and kinks); params are extra fixed
    keyword arguments; nin is the number of differentiable inputs for variadic ops.
    """

    kind: str
    domain: tuple[tuple[float, float], ...] | tuple[float, float] = (-2.0, 2.0)
    params: dict = field(default_factory=dict)
    nin: int = 1
    notes: str = ""


class Op:
    """A primitive: forward on arrays, one VJP rule per input (None: no gradient flows there)."""

    __slots__ = ("name", "forward", "vjps", "variadic", "spec", "differentiable", "__weakref__")

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjps: tuple[Rule | None, ...],
        spec: Spec | None,
        variadic: Rule | None = None,
        differentiable: bool = True,
    ) -> None:
        self.name = name
        self.forward = forward
        # padded so the engine can index any input position without a length check
        self.vjps = vjps + (None,) * (_MAX_ARITY - len(vjps)) if variadic is None else vjps
        self.variadic = variadic
        self.spec = spec
        self.differentiable = differentiable

    def rule(self, i: int) -> Rule | None:
        if self.variadic is not None:
            variadic = self.variadic
            return lambda F, g, out, *xs, **p: variadic(i, F, g, out, xs, **p)
        return self.vjps[i]

    def __repr__(self) -> str:
        return f"<op {self.name}>"


REGISTRY: dict[str, Op] = {}

# NP is the namespace rules see on the first-order path: each op's forward on plain arrays.
# Its twin for create_graph, each op recorded on Tensors, is built from REGISTRY and
# TENSOR_HELPERS by the Tensor layer (autograd_core.tensor.TN).
NP = SimpleNamespace()
TENSOR_HELPERS: dict[str, Callable[..., Any]] = {}


def defop(
    name: str,
    forward: Callable[..., Any],
    *vjps: Rule | None,
    spec: Spec | None = None,
    variadic: Rule | None = None,
    differentiable: bool = True,
) -> Op:
    """Registers a primitive and exposes it to rules as F.<name>."""
    if name in REGISTRY:
        raise ValueError(f"op {name!r} is registered twice")
    if len(vjps) > _MAX_ARITY:
        raise ValueError(f"op {name!r}: at most {_MAX_ARITY} inputs; make it variadic")
    op = Op(name, forward, tuple(vjps), spec, variadic, differentiable)
    REGISTRY[name] = op
    setattr(NP, name, forward)
    return op


def defhelper(name: str, on_arrays: Callable[..., Any], on_tensors: Callable[..., Any]) -> None:
    """A composite used inside rules, with a fast array version and a differentiable one."""
    setattr(NP, name, on_arrays)
    TENSOR_HELPERS[name] = on_tensors
