"""Collecting the recorded graph behind one or more root Tensors.

Breadth-first from the roots, without recursion, so tensors come out nearest-first (what
`max_nodes` keeps) and a chain a million ops long is walked as easily as a short one. Each
Tensor appears once however many ops use it: shared subexpressions stay shared.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..tensor import as_used_by


@dataclass(eq=False)
class TensorGraph:
    """The tensors reachable from the roots, nearest first, and who feeds whom."""

    roots: list[Any]
    tensors: list[Any] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)  # id(tensor) -> index in tensors
    freed: list[Any] = field(default_factory=list)  # made by an op, but their inputs were freed

    def index(self, t: Any) -> int:
        return self.position[id(t)]

    def parents(self, t: Any) -> list[tuple[int, Any]]:
        """(argument position, parent Tensor) for each Tensor argument of the op that made t."""
        args = t._args
        if t._op is None or args is None:
            return []
        return [(i, as_used_by(p, t._seq)) for i, p in enumerate(args) if p is not None]


def as_roots(root: Any) -> list[Any]:
    """One Tensor or a sequence of Tensors, checked."""
    from ..tensor import Tensor

    if isinstance(root, Tensor):
        return [root]
    if isinstance(root, Sequence) and not isinstance(root, (str, bytes)):
        roots = list(root)
        if not roots:
            raise ValueError("draw_graph: root is an empty list; give one or more Tensors")
        for i, r in enumerate(roots):
            if not isinstance(r, Tensor):
                raise TypeError(
                    f"draw_graph: root[{i}] is a {type(r).__name__}, not a Tensor"
                )
        return roots
    raise TypeError(
        f"draw_graph: root must be a Tensor or a list of Tensors, not {type(root).__name__}"
    )


def walk(roots: list[Any]) -> TensorGraph:
    graph = TensorGraph(roots=roots)
    tensors, position = graph.tensors, graph.position
    queue: deque = deque()
    for r in roots:
        if id(r) not in position:
            position[id(r)] = len(tensors)
            tensors.append(r)
            queue.append(r)
    while queue:
        t = queue.popleft()
        if t._op is None:
            continue
        args = t._args
        if args is None:
            graph.freed.append(t)
            continue
        for p in args:
            if p is not None:
                p = as_used_by(p, t._seq)
            if p is not None and id(p) not in position:
                position[id(p)] = len(tensors)
                tensors.append(p)
                queue.append(p)
    return graph
