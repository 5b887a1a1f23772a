"""Collecting the recorded graph behind one or more root Tensors.

Breadth-first from the roots, without recursion, so tensors come out nearest-first (what
`max_nodes` keeps) and a chain a million ops long is walked as easily as a short one. Each
Tensor appears once however many ops use it: shared subexpressions stay shared.

A node that backward freed has no inputs left; its `_trace` (see engine.Trace) still says what
they were, so the walk goes on through `Ghost`s: stand-ins that carry what the trace kept (op,
static arguments, module, shape, dtype) and no values. Leaves that are still alive are found
again through the trace's weak references and drawn as themselves.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..tensor import as_used_by

_NONE_ID = id(None)


class Ghost:
    """A tensor that backward freed, as its Trace recorded it: what a label needs, no data."""

    _args = None
    _arrays = None
    _meta = None
    _grad = None
    grad = None
    _data = None
    data = None
    freed = True

    def __init__(self, key: int, trace: Any, record: tuple | None = None,
                 leaf: tuple | None = None) -> None:
        self.key = key  # the tensor's id while the backward pass ran
        self.trace = trace
        if record is not None:
            (self._op, self._params, self._scope, self.name, self.shape, self.dtype,
             self.input_ids, self._seq) = record
            self.requires_grad = True
        else:
            _, self.shape, self.dtype, self.name, self.requires_grad = leaf
            self._op = self._params = self._scope = None
            self.input_ids = ()
            self._seq = 0
        self._version = 0

    @property
    def ndim(self) -> int:
        return len(self.shape)


@dataclass(eq=False)
class TensorGraph:
    """The tensors reachable from the roots, nearest first, and who feeds whom."""

    roots: list[Any]
    tensors: list[Any] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)  # id(tensor) -> index in tensors
    freed: list[Any] = field(default_factory=list)  # made by an op, inputs freed, not traced
    inputs: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)  # id -> parents
    keys: dict[int, int] = field(default_factory=dict)  # id(tensor) -> its id in the pass
    untraced: int = 0  # inputs a trace did not keep (beyond engine.TRACE_LIMIT)
    traces: list[Any] = field(default_factory=list)  # the Traces met, first the roots'

    def index(self, t: Any) -> int:
        return self.position[id(t)]

    def parents(self, t: Any) -> list[tuple[int, Any]]:
        """(argument position, parent Tensor) for each Tensor argument of the op that made t."""
        return self.inputs.get(id(t), [])

    def key(self, t: Any) -> int:
        """The id that t had during the backward pass that recorded it."""
        return self.keys.get(id(t), id(t))


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


def trace_of(t: Any) -> Any:
    return t.trace if isinstance(t, Ghost) else getattr(t, "_trace", None)


class _Finder:
    """Turns the ids a Trace recorded back into objects: live Tensors where they still exist,
    Ghosts (one per id) where they do not."""

    def __init__(self, graph: TensorGraph) -> None:
        self.graph = graph
        self.live: dict[int, Any] = {id(r): r for r in graph.roots}
        self.ghosts: dict[tuple[int, int], Ghost] = {}

    def find(self, trace: Any, key: int) -> Any:
        t = self.live.get(key)
        if t is not None and getattr(t, "_trace", None) is trace:
            return t  # a root that this same pass freed
        g = self.ghosts.get((id(trace), key))
        if g is not None:
            return g
        record = trace.nodes.get(key)
        if record is not None:
            g = Ghost(key, trace, record=record)
        else:
            leaf = trace.leaves.get(key)
            if leaf is None:
                return None
            alive = leaf[0]()
            if alive is not None:
                self.graph.keys[id(alive)] = key
                return alive
            g = Ghost(key, trace, leaf=leaf)
        self.ghosts[(id(trace), key)] = g
        self.graph.keys[id(g)] = key
        return g


def _traced_parents(t: Any, finder: _Finder, graph: TensorGraph) -> list[tuple[int, Any]] | None:
    trace = trace_of(t)
    if trace is None:
        return None
    key = t.key if isinstance(t, Ghost) else id(t)
    record = trace.nodes.get(key)
    if record is None:
        return None
    if trace not in graph.traces:
        graph.traces.append(trace)
    out = []
    for i, pid in enumerate(record[6]):
        pid = trace.remap.get((key, i), pid)
        if pid == _NONE_ID:
            continue
        p = finder.find(trace, pid)
        if p is None:
            graph.untraced += 1
            continue
        out.append((i, p))
    return out


def walk(roots: list[Any]) -> TensorGraph:
    graph = TensorGraph(roots=roots)
    tensors, position = graph.tensors, graph.position
    finder = _Finder(graph)
    queue: deque = deque()
    for r in roots:
        if id(r) not in position:
            position[id(r)] = len(tensors)
            tensors.append(r)
            queue.append(r)
        tr = getattr(r, "_trace", None)
        if tr is not None and tr not in graph.traces:
            graph.traces.append(tr)
    while queue:
        t = queue.popleft()
        if t._op is None:
            continue
        args = t._args
        if args is None:
            parents = _traced_parents(t, finder, graph)
            if parents is None:
                graph.freed.append(t)
                continue
        else:
            parents = [(i, as_used_by(p, t._seq)) for i, p in enumerate(args) if p is not None]
        graph.inputs[id(t)] = parents
        for _, p in parents:
            if id(p) not in position:
                position[id(p)] = len(tensors)
                tensors.append(p)
                queue.append(p)
    return graph
