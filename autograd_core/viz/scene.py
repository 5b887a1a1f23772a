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
    repeat: int = 1  # module nodes: how many calls of the same module class were folded in
    last_module: int | None = None  # folded module nodes: the last module of the run
    order: float = 0.0  # creation order, inputs first: the order nodes are declared to dot
    module_class: str = ""  # module nodes: the module's class name


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
    untraced: int = 0  # inputs a backward freed beyond what its trace keeps
    summary: str = ""  # what the default summary of a large graph did

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
    return Scene(nodes, edges, list(graph.freed), untraced=graph.untraced)


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
                         order=n.order, module_class=module_class(n, key[-1]))
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
    return Scene(nodes, edges, scene.freed, untraced=scene.untraced, summary=scene.summary)


def module_class(n: Node, mid: int) -> str:
    for m in (n.tensor._scope or ()) if n.tensor is not None else ():
        if id(m) == mid:
            return type(m).__name__
    return ""


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
    out = Scene(nodes, edges, scene.freed, untraced=scene.untraced, summary=scene.summary)
    out.dropped_nodes = len(scene.nodes) - len(nodes) + scene.dropped_nodes
    out.dropped_edges = dropped_edges + scene.dropped_edges
    return out


def summarize(scene: Scene, limit: int) -> Scene:
    """A picture of at most about `limit` nodes: each module folded into one node (the deepest
    nesting that fits), runs of the same module class folded into one node with a count, and
    past that the nodes nearest the roots. The result says what it did in `summary`."""
    if len(scene.nodes) <= limit:
        return scene
    before = len(scene.nodes)
    depths = max((len(n.chain) for n in scene.nodes), default=0)
    out, done = scene, []
    for d in range(depths - 1, -1, -1):
        out = collapse(scene, d)
        out = fold_repeats(out)
        if len(out.nodes) <= limit:
            break
    if out is not scene:
        done.append(f"modules folded at nesting depth {d} (collapse={d}), repeated blocks "
                    "folded with a count")
    if len(out.nodes) > limit:
        out = truncate(out, limit)
        done.append(f"only the {limit:,} nodes nearest the root(s) kept")
    out.summary = (f"{before:,} nodes, over the {limit:,} that Graphviz lays out in a few "
                   "seconds: " + "; ".join(done) + ".")
    return out


def fold_repeats(scene: Scene) -> Scene:
    """Runs of 3 or more module nodes of the same class, in the same parent, each feeding the
    next (the blocks of a deep network), become one node that says how many."""
    feeds: set[tuple[int, int]] = {(id(e.src), id(e.dst)) for e in scene.edges}
    groups: dict[tuple, list[Node]] = {}
    for n in scene.nodes:
        if n.kind == "module":
            groups.setdefault((n.chain, n.module_class), []).append(n)
    into: dict[int, Node] = {}
    for members in groups.values():
        members.sort(key=lambda n: n.order)
        run = [members[0]]
        for n in members[1:] + [None]:
            if n is not None and (id(run[-1]), id(n)) in feeds:
                run.append(n)
                continue
            if len(run) >= 3:
                head = run[0]
                folded = Node(head.id, "module", None, head.chain, module=head.module,
                              inputs=list(head.inputs), outputs=list(run[-1].outputs),
                              n_members=sum(m.n_members for m in run), order=head.order,
                              repeat=len(run), module_class=head.module_class,
                              last_module=run[-1].module,
                              is_root=any(m.is_root for m in run))
                for m in run:
                    into[id(m)] = folded
            run = [] if n is None else [n]
    if not into:
        return scene
    nodes: list[Node] = []
    seen: set[int] = set()
    for n in scene.nodes:
        m = into.get(id(n), n)
        if id(m) not in seen:
            seen.add(id(m))
            nodes.append(m)
    edges: list[Edge] = []
    kept: set[tuple[int, int, int]] = set()
    for e in scene.edges:
        s, d = into.get(id(e.src), e.src), into.get(id(e.dst), e.dst)
        if s is d or (id(s), id(d), id(e.tensor)) in kept:
            continue
        kept.add((id(s), id(d), id(e.tensor)))
        edges.append(Edge(s, d, e.tensor, e.arg if d.kind == "op" else None))
    return Scene(nodes, edges, scene.freed, scene.dropped_nodes, scene.dropped_edges,
                 scene.untraced, scene.summary)
