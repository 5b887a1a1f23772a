"""What will be drawn: nodes, edges and the module each node sits in, before any styling.

The tensor graph becomes a bipartite picture (tensor -> op -> tensor). `collapse` then folds
every module at a given depth into one node, and `max_nodes` keeps the nodes nearest the roots.
Both work on this neutral form, so they compose and the renderer stays simple.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .modules import Chain, ModuleNames, chain_of, common_prefix
from .walk import TensorGraph


@dataclass(eq=False)
class Node:
    id: str
    kind: str  # "tensor" | "op" | "module"
    tensor: Any = None  # a tensor node's Tensor; for an op node, the Tensor the op made
    chain: Chain = ()  # the modules (ids) it is drawn inside, outermost first
    is_root: bool = False
    module: int | None = None  # module nodes: the module's id
    inputs: list[Any] = field(default_factory=list)  # module nodes: tensors that enter
    outputs: list[Any] = field(default_factory=list)  # module nodes: tensors that leave
    n_members: int = 0  # module nodes: how many nodes were folded into it
    cut: int = 0  # inputs not drawn because of max_nodes
    order: float = 0.0  # creation order, inputs first: the order nodes are declared to dot


@dataclass(eq=False)
class Edge:
    src: Node
    dst: Node
    tensor: Any  # what flows along it
    arg: int | None = None  # its argument position at the op it enters


@dataclass(eq=False)
class Scene:
    nodes: list[Node]
    edges: list[Edge]
    freed: list[Any]
    dropped_nodes: int = 0
    dropped_edges: int = 0

    @property
    def roots(self) -> list[Node]:
        return [n for n in self.nodes if n.is_root]


def build(graph: TensorGraph, names: ModuleNames) -> Scene:
    tensor_nodes: list[Node] = []
    op_nodes: dict[int, Node] = {}
    nodes: list[Node] = []
    edges: list[Edge] = []
    root_ids = {id(r) for r in graph.roots}
    for i, t in enumerate(graph.tensors):
        tn = Node(f"t{i}", "tensor", t, chain_of(t) if t._op is not None else (),
                  is_root=id(t) in root_ids)
        tensor_nodes.append(tn)
        nodes.append(tn)
        if t._op is not None:
            tn.order = float(t._seq)
            on = Node(f"op{i}", "op", t, tn.chain, order=t._seq - 0.5)
            op_nodes[i] = on
            nodes.append(on)
            edges.append(Edge(on, tn, t))
    param_chains: dict[int, Chain] = {}
    for i, t in enumerate(graph.tensors):
        for arg, p in graph.parents(t):
            j = graph.index(p)
            edges.append(Edge(tensor_nodes[j], op_nodes[i], p, arg))
            if p._op is None:  # a leaf comes just before its first consumer
                first = t._seq - 0.75
                pn = tensor_nodes[j]
                pn.order = first if pn.order == 0.0 else min(pn.order, first)
            if p._op is None and names.is_parameter(p):
                chain = op_nodes[i].chain
                param_chains[j] = common_prefix(param_chains[j], chain) if j in param_chains \
                    else chain
    for j, chain in param_chains.items():
        tensor_nodes[j].chain = chain
    return Scene(nodes, edges, list(graph.freed))


def collapse(scene: Scene, depth: int) -> Scene:
    """Each module called at nesting `depth` (0: the outermost) becomes one node."""
    groups: dict[Chain, Node] = {}
    nodes: list[Node] = []
    target: dict[int, Node] = {}
    for n in scene.nodes:
        if len(n.chain) > depth:
            key = n.chain[: depth + 1]
            g = groups.get(key)
            if g is None:
                g = Node(f"m{len(groups)}", "module", None, key[:-1], module=key[-1],
                         order=n.order)
                groups[key] = g
                nodes.append(g)
            g.n_members += 1
            g.order = min(g.order, n.order)
            if n.is_root:
                g.is_root = True
                _add_once(g.outputs, n.tensor)
            target[id(n)] = g
        else:
            target[id(n)] = n
            nodes.append(n)
    edges: list[Edge] = []
    seen: set[tuple[int, int, int]] = set()
    for e in scene.edges:
        s, d = target[id(e.src)], target[id(e.dst)]
        if s is d:
            continue
        if s.kind == "module" or d.kind == "module":
            if s.kind == "module":
                _add_once(s.outputs, e.tensor)
            if d.kind == "module":
                _add_once(d.inputs, e.tensor)
            key = (id(s), id(d), id(e.tensor))
            if key in seen:
                continue
            seen.add(key)
        edges.append(Edge(s, d, e.tensor, e.arg if d.kind == "op" else None))
    return Scene(nodes, edges, scene.freed)


def _add_once(items: list, t: Any) -> None:
    if all(x is not t for x in items):
        items.append(t)


def truncate(scene: Scene, max_nodes: int) -> Scene:
    """Keeps the `max_nodes` nodes nearest the roots (breadth-first against the data flow)."""
    if len(scene.nodes) <= max_nodes:
        return scene
    incoming: dict[int, list[Edge]] = {}
    for e in scene.edges:
        incoming.setdefault(id(e.dst), []).append(e)
    kept: dict[int, Node] = {}
    queue = deque(scene.roots)
    for r in scene.roots:
        kept.setdefault(id(r), r)
    while queue and len(kept) < max_nodes:
        n = queue.popleft()
        for e in incoming.get(id(n), ()):
            if id(e.src) not in kept:
                kept[id(e.src)] = e.src
                queue.append(e.src)
                if len(kept) >= max_nodes:
                    break
    nodes = [n for n in scene.nodes if id(n) in kept][: max(max_nodes, 1)]
    kept = {id(n): n for n in nodes}
    edges = []
    dropped_edges = 0
    for e in scene.edges:
        if id(e.src) in kept and id(e.dst) in kept:
            edges.append(e)
        else:
            dropped_edges += 1
            if id(e.dst) in kept:
                e.dst.cut += 1
    out = Scene(nodes, edges, scene.freed)
    out.dropped_nodes = len(scene.nodes) - len(nodes) + scene.dropped_nodes
    out.dropped_edges = dropped_edges + scene.dropped_edges
    return out
