"""Emitting a Scene as a graphviz.Digraph: module clusters, styled nodes, notes and legend.

Nodes are declared inside their clusters before any edge is written, because Graphviz puts a
node in the first (sub)graph that mentions it. Layout attributes are chosen for speed on large
graphs: no fixed picture size (the picture grows with its content, labels keep their size),
plain splines, and bounded network-simplex and crossing-minimization effort beyond a few
thousand nodes.
"""

from __future__ import annotations

from typing import Any

from . import health, labels
from .escape import tooltip_text
from .format import shape_text
from .labels import Options
from .modules import Chain, ModuleNames
from .scene import Node, Scene

BIG_GRAPH = 2000  # nodes; beyond this, layout effort is bounded

TENSOR_FILL = {"parameter": "#d9f2d9", "input": "#dbe9ff", "intermediate": "#ffffff",
               "output": "#fff2b3"}
OP_FILL = "#ececec"
MODULE_FILL = "#e4ebf7"
NOTE_FILL = "#fff3cd"
CLUSTER_FILLS = ("#f7f9fc", "#eef3fa", "#e6edf7", "#dfe8f4")


def graph_attributes(n_nodes: int, rankdir: str) -> dict[str, str]:
    attrs = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
             "nodesep": "0.2", "ranksep": "0.3", "outputorder": "edgesfirst"}
    if n_nodes > BIG_GRAPH:
        # network simplex and mincross dominate dot's time on big graphs; a few passes suffice
        attrs.update(nslimit="2", nslimit1="2", mclimit="0.2", searchsize="20",
                     remincross="false")
    return attrs


def to_digraph(scene: Scene, names: ModuleNames, opts: Options, rankdir: str,
               max_nodes: int | None, graph_attr: dict | None) -> Any:
    import graphviz

    attrs = graph_attributes(len(scene.nodes), rankdir)
    attrs.update(graph_attr or {})
    g = graphviz.Digraph(
        "autograd_graph",
        graph_attr=attrs,
        node_attr={"fontname": "Helvetica", "fontsize": "10", "margin": "0.06,0.03",
                   "height": "0.3", "penwidth": "1"},
        edge_attr={"arrowsize": "0.6", "color": "#555555"},
    )
    by_chain: dict[Chain, list[Node]] = {}
    for n in scene.nodes:
        by_chain.setdefault(n.chain, []).append(n)
    children: dict[Chain, list[Chain]] = {}
    for chain in sorted({c[:k] for c in by_chain for k in range(1, len(c) + 1)},
                        key=lambda c: [names.order[m] for m in c]):
        children.setdefault(chain[:-1], []).append(chain)
    emitter = _Emitter(names, opts)
    for n in by_chain.get((), ()):
        emitter.node(g, n)
    _emit_clusters(g, (), children, by_chain, emitter, names)
    _emit_notes(g, scene, max_nodes)
    if opts.color_by == "grad":
        g.node("legend", label=health.legend_html(opts.vanish, opts.explode), shape="plain",
               tooltip=tooltip_text("gradient size: root-mean-square of the gradient's "
                                    "elements, log colour scale"),
               **{"class": "legend"})
    for e in scene.edges:
        attrs = {}
        if e.src.kind == "tensor" or e.dst.kind in ("op", "module"):
            t = e.tensor
            where = "" if e.arg is None else f"argument {e.arg} of "
            target = _edge_target(e.dst, names)
            attrs["tooltip"] = tooltip_text(
                f"{where}{target}: {shape_text(t.shape)} {t.dtype}")
        g.edge(e.src.id, e.dst.id, **attrs)
    return g


def _edge_target(n: Node, names: ModuleNames) -> str:
    if n.kind == "op":
        return f"op {n.tensor._op.name}"
    if n.kind == "module":
        return f"module {names.title(n.module)}"
    return "tensor"


def _emit_clusters(g: Any, chain: Chain, children: dict, by_chain: dict,
                   emitter: _Emitter, names: ModuleNames) -> None:
    for child in children.get(chain, ()):
        cid = "cluster_" + "_".join(str(names.order[m]) for m in child)
        with g.subgraph(name=cid) as c:
            fill = CLUSTER_FILLS[min(len(child) - 1, len(CLUSTER_FILLS) - 1)]
            c.attr(label=labels.cluster_label(child[-1], names), style="rounded,filled",
                   fillcolor=fill, color="#8da0bf", fontsize="10", labeljust="l",
                   tooltip=tooltip_text(labels.cluster_tooltip(child, names)),
                   **{"class": "module-cluster"})
            for n in by_chain.get(child, ()):
                emitter.node(c, n)
            _emit_clusters(c, child, children, by_chain, emitter, names)


def _emit_notes(g: Any, scene: Scene, max_nodes: int | None) -> None:
    if scene.freed:
        label, tip = labels.freed_note(len(scene.freed))
        g.node("note_freed", label=label, tooltip=tooltip_text(tip), shape="note",
               style="filled", fillcolor=NOTE_FILL, color="#b58900", penwidth="2",
               **{"class": "note freed"})
    if scene.dropped_nodes or scene.dropped_edges:
        label, tip = labels.truncated_note(scene.dropped_nodes, scene.dropped_edges,
                                           max_nodes or 0)
        g.node("note_truncated", label=label, tooltip=tooltip_text(tip), shape="note",
               style="filled", fillcolor=NOTE_FILL, color="#b58900",
               **{"class": "note truncated"})


class _Emitter:
    """Styles one node of each kind."""

    def __init__(self, names: ModuleNames, opts: Options) -> None:
        self.names = names
        self.opts = opts

    def _health(self, grads: list) -> health.GradHealth | None:
        if self.opts.color_by != "grad":
            return None
        return health.grad_health(grads, self.opts.vanish, self.opts.explode)

    def node(self, g: Any, n: Node) -> None:
        if n.kind == "tensor":
            self._tensor(g, n)
        elif n.kind == "op":
            self._op(g, n)
        else:
            self._module(g, n)

    def _tensor(self, g: Any, n: Node) -> None:
        t = n.tensor
        kind = labels.tensor_kind(t, self.names, n.is_root)
        h = self._health(health.tensor_grads(t))
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": TENSOR_FILL[kind]}
        if h is not None:
            attrs.update(health.style_for(h, self.opts.vanish, self.opts.explode))
            attrs["style"] = "rounded," + attrs["style"]
        if n.is_root:
            attrs["penwidth"] = str(max(float(attrs.get("penwidth", 1)), 2.0))
        cls = f"tensor {kind}" + ("" if h is None else f" grad-{h.status}")
        g.node(n.id, label=labels.tensor_label(n, self.names, self.opts, h),
               tooltip=tooltip_text(labels.tensor_tooltip(n, self.names, self.opts, h)),
               **attrs, **{"class": cls})

    def _op(self, g: Any, n: Node) -> None:
        attrs = {"shape": "ellipse", "style": "filled", "fillcolor": OP_FILL}
        if n.tensor._args is None:
            attrs["style"] = "filled,dashed"
        g.node(n.id, label=labels.op_label(n, self.opts),
               tooltip=tooltip_text(labels.op_tooltip(n, self.names)),
               **attrs, **{"class": "op"})

    def _module(self, g: Any, n: Node) -> None:
        grads = []
        if self.opts.color_by == "grad":
            for p in self.names.parameters(n.module):
                grads += health.tensor_grads(p)
        h = self._health(grads)
        attrs = {"shape": "box3d", "style": "filled", "fillcolor": MODULE_FILL}
        if h is not None:
            attrs.update(health.style_for(h, self.opts.vanish, self.opts.explode))
        if n.is_root:
            attrs["penwidth"] = "2"
        cls = "module" + ("" if h is None else f" grad-{h.status}")
        g.node(n.id, label=labels.module_label(n, self.names, h),
               tooltip=tooltip_text(labels.module_tooltip(n, self.names, h)),
               **attrs, **{"class": cls})
