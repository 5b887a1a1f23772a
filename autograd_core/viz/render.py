"""Emitting a Scene as a graphviz.Digraph: module clusters, styled nodes, notes and legend.

Nodes are declared inside their clusters before any edge is written, because Graphviz puts a
node in the first (sub)graph that mentions it. Node and edge lines are written straight into the
Digraph's body, already quoted: the graphviz package's per-call argument handling would cost
more than everything else here.

Layout attributes are chosen for speed on large graphs (measured with Graphviz 2.43):
- no fixed picture size: the picture grows with its content and labels keep their size;
- `newrank`: the older ranking is quadratic on long chains (4 s against 0.3 s at 10,000 nodes);
- nodes declared in creation order, inputs first: network simplex then finds its first feasible
  tree at once (in the order nearest-the-root-first it took 6 s on a 10,000-node graph);
- beyond BIG_GRAPH nodes, about 100 iterations of the x-coordinate network simplex, and bounded
  crossing minimization;
- beyond CLUSTER_LIMIT nodes, no module boxes unless asked for: dot's crossing minimization
  inside clusters grows about quadratically (1.2 s at 5,000 nodes, 11 s at 10,000).
"""

from __future__ import annotations

from typing import Any

from . import health, labels
from .escape import tooltip_text
from .formatting import shape_text
from .labels import Options
from .modules import Chain, ModuleNames
from .scene import Node, Scene

BIG_GRAPH = 2000
CLUSTER_LIMIT = 5000

TENSOR_FILL = {"parameter": "#d9f2d9", "input": "#dbe9ff", "intermediate": "#ffffff",
               "output": "#fff2b3"}
OP_FILL = "#ececec"
MODULE_FILL = "#e4ebf7"
NOTE_FILL = "#fff3cd"
NOTE_BORDER = "#b58900"
CLUSTER_FILLS = ("#f7f9fc", "#eef3fa", "#e6edf7", "#dfe8f4")


def graph_attributes(n_nodes: int, rankdir: str) -> dict[str, str]:
    attrs = {"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
             "nodesep": "0.2", "ranksep": "0.3", "outputorder": "edgesfirst", "newrank": "true"}
    if n_nodes > BIG_GRAPH:
        # The x-coordinate network simplex costs about 6 ms per iteration at 10,000 nodes;
        # 100 iterations place nodes well enough. The ranking pass (nslimit1) is left alone:
        # cut short, it piles every leaf onto the first rank.
        attrs.update(nslimit=f"{100 / n_nodes:.3g}", mclimit="0.2", searchsize="10",
                     remincross="false")
    return attrs


def quoted(attrs: dict[str, str]) -> str:
    """A DOT attribute list. Values are ours: HTML-like labels, or text without backslashes."""
    parts = []
    for k, v in attrs.items():
        if v.startswith("<") and v.endswith(">"):
            parts.append(f"{k}={v}")
        else:
            parts.append(f'{k}="{v.replace(chr(34), chr(92) + chr(34))}"')
    return " ".join(parts)


class Overlay:
    """Extra styling for one frame of backprop_frames: node and edge attributes, a caption."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: dict[tuple[str, str, int | None], dict[str, str]] = {}
        self.caption: str = ""
        self.caption_lines: list[str] = []  # the caption, wrapped and padded to a fixed height
        self.caption_width: int = 0  # points: one width for every frame


def to_digraph(scene: Scene, names: ModuleNames, opts: Options, rankdir: str,
               max_nodes: int | None, graph_attr: dict | None,
               clusters: bool | None, overlay: Overlay | None = None) -> Any:
    import graphviz

    attrs = graph_attributes(len(scene.nodes), rankdir)
    if overlay is not None:
        lines = overlay.caption_lines or [overlay.caption]
        cells = "".join(f'<TR><TD ALIGN="LEFT" HEIGHT="18">{labels.html_text(x) or " "}</TD></TR>'
                        for x in lines)
        attrs.update(forcelabels="true", labelloc="t", labeljust="l", fontsize="13",
                     label=f'<<TABLE BORDER="0" CELLPADDING="0" CELLSPACING="0" '
                           f'WIDTH="{overlay.caption_width or 10}">{cells}</TABLE>>')
    attrs.update(graph_attr or {})
    g = graphviz.Digraph(
        "autograd_graph",
        graph_attr=attrs,
        node_attr={"fontname": "Helvetica", "fontsize": "10", "margin": "0.06,0.03",
                   "height": "0.3", "penwidth": "1"},
        edge_attr={"arrowsize": "0.6", "color": "#555555"},
    )
    has_modules = any(n.chain for n in scene.nodes)
    if clusters is None:
        clusters = len(scene.nodes) <= CLUSTER_LIMIT
    out: list[str] = []
    emitter = _Emitter(names, opts, out, overlay)
    nodes = sorted(scene.nodes, key=lambda n: n.order)
    if clusters:
        _emit_clusters(nodes, names, emitter, out)
    else:
        for n in nodes:
            emitter.node(n, 1)
    _emit_notes(out, scene, max_nodes, omitted_clusters=has_modules and not clusters,
                n_nodes=len(scene.nodes))
    if opts.color_by == "grad":
        out.append(_node_line("legend", {
            "label": health.legend_html(opts.vanish, opts.explode), "shape": "plain",
            "tooltip": tooltip_text("gradient size: root-mean-square of the gradient's "
                                    "elements, on a log colour scale"),
            "class": "legend"}, 1))
    for e in sorted(scene.edges, key=lambda e: (e.dst.order, e.arg or 0)):
        line = f"\t{e.src.id} -> {e.dst.id}"
        extra = {} if overlay is None else overlay.edges.get((e.src.id, e.dst.id, e.arg), {})
        if e.dst.kind != "tensor":
            t = e.tensor
            where = "" if e.arg is None else f"argument {e.arg} of "
            tip = tooltip_text(f"{where}{_edge_target(e.dst, names)}: "
                               f"{shape_text(t.shape)} {t.dtype}")
            line += f' [tooltip="{tip}"' + (" " + quoted(extra) if extra else "") + "]"
        elif extra:
            line += f" [{quoted(extra)}]"
        out.append(line + "\n")
    g.body.extend(out)
    return g


def _node_line(name: str, attrs: dict[str, str], depth: int) -> str:
    return "\t" * depth + f"{name} [{quoted(attrs)}]\n"


def _edge_target(n: Node, names: ModuleNames) -> str:
    if n.kind == "op":
        return f"op {n.tensor._op.name}"
    if n.kind == "module":
        return f"module {names.title(n.module)}"
    return "tensor"


def _emit_clusters(nodes: list[Node], names: ModuleNames, emitter: _Emitter,
                   out: list[str]) -> None:
    """Nested `subgraph cluster_...` blocks, one per module call chain, children in model order."""
    by_chain: dict[Chain, list[Node]] = {}
    for n in nodes:
        by_chain.setdefault(n.chain, []).append(n)
    children: dict[Chain, list[Chain]] = {}
    for chain in sorted({c[:k] for c in by_chain for k in range(1, len(c) + 1)},
                        key=lambda c: [names.order[m] for m in c]):
        children.setdefault(chain[:-1], []).append(chain)
    for n in by_chain.get((), ()):
        emitter.node(n, 1)
    # depth-first without recursion: (chain, closing?) pairs
    stack: list[tuple[Chain, bool]] = [(c, False) for c in reversed(children.get((), []))]
    while stack:
        chain, closing = stack.pop()
        depth = len(chain)
        if closing:
            out.append("\t" * depth + "}\n")
            continue
        cid = "cluster_" + "_".join(str(names.order[m]) for m in chain)
        fill = CLUSTER_FILLS[min(depth - 1, len(CLUSTER_FILLS) - 1)]
        out.append("\t" * depth + f"subgraph {cid} {{\n")
        out.append("\t" * (depth + 1) + "graph [" + quoted({
            "label": labels.cluster_label(chain[-1], names), "style": "rounded,filled",
            "fillcolor": fill, "color": "#8da0bf", "fontsize": "10", "labeljust": "l",
            "tooltip": tooltip_text(labels.cluster_tooltip(chain, names)),
            "class": "module-cluster"}) + "]\n")
        for n in by_chain.get(chain, ()):
            emitter.node(n, depth + 1)
        stack.append((chain, True))
        stack.extend((c, False) for c in reversed(children.get(chain, [])))


def _emit_notes(out: list[str], scene: Scene, max_nodes: int | None, omitted_clusters: bool,
                n_nodes: int) -> None:
    notes = []
    if scene.freed:
        notes.append(("note_freed", "note freed", labels.freed_note(len(scene.freed))))
    if scene.untraced:
        notes.append(("note_untraced", "note untraced", labels.untraced_note(scene.untraced)))
    if scene.summary:
        notes.append(("note_summary", "note summary", labels.summary_note(scene.summary)))
    if scene.dropped_nodes or scene.dropped_edges:
        notes.append(("note_truncated", "note truncated", labels.truncated_note(
            scene.dropped_nodes, scene.dropped_edges, max_nodes or 0)))
    if omitted_clusters:
        notes.append(("note_clusters", "note clusters",
                      labels.clusters_note(n_nodes, CLUSTER_LIMIT)))
    for name, cls, (label, tip) in notes:
        out.append(_node_line(name, {
            "label": label, "tooltip": tooltip_text(tip), "shape": "note", "style": "filled",
            "fillcolor": NOTE_FILL, "color": NOTE_BORDER, "penwidth": "2", "class": cls}, 1))


class _Emitter:
    """Styles one node of each kind and appends its line."""

    def __init__(self, names: ModuleNames, opts: Options, out: list[str],
                 overlay: Overlay | None = None) -> None:
        self.names = names
        self.opts = opts
        self.out = out
        self.overlay = overlay

    def _health(self, grads: list) -> health.GradHealth | None:
        if self.opts.color_by != "grad":
            return None
        return health.grad_health(grads, self.opts.vanish, self.opts.explode)

    def node(self, n: Node, depth: int) -> None:
        if n.kind == "tensor":
            attrs = self._tensor(n)
        elif n.kind == "op":
            attrs = self._op(n)
        else:
            attrs = self._module(n)
        if self.overlay is not None and n.id in self.overlay.nodes:
            extra = self.overlay.nodes[n.id]
            if "class" in extra:
                extra = {**extra, "class": attrs.get("class", "") + " " + extra["class"]}
            attrs.update(extra)
        self.out.append(_node_line(n.id, attrs, depth))

    def _styled(self, attrs: dict[str, str], h: health.GradHealth | None,
                rounded: bool) -> dict[str, str]:
        if h is not None:
            attrs.update(health.style_for(h, self.opts.vanish, self.opts.explode))
            if rounded:
                attrs["style"] = "rounded," + attrs["style"]
        return attrs

    def _tensor(self, n: Node) -> dict[str, str]:
        t = n.tensor
        kind = labels.tensor_kind(t, self.names, n.is_root)
        g = self.opts.lookup.grad(t)
        h = self._health([] if g is None else [g])
        attrs = self._styled({"shape": "box", "style": "rounded,filled",
                              "fillcolor": TENSOR_FILL[kind]}, h, rounded=True)
        if n.is_root:
            attrs["penwidth"] = str(max(float(attrs.get("penwidth", 1)), 2.0))
        attrs["class"] = f"tensor {kind}" + ("" if h is None else f" grad-{h.status}")
        attrs["label"] = labels.tensor_label(n, self.names, self.opts, h)
        attrs["tooltip"] = tooltip_text(labels.tensor_tooltip(n, self.names, self.opts, h))
        return attrs

    def _op(self, n: Node) -> dict[str, str]:
        attrs = {"shape": "ellipse", "style": "filled", "fillcolor": OP_FILL}
        if labels.untraced(n.tensor):
            attrs["style"] = "filled,dashed"
        attrs["class"] = "op"
        attrs["label"] = labels.op_label(n, self.opts)
        attrs["tooltip"] = tooltip_text(labels.op_tooltip(n, self.names))
        return attrs

    def _module(self, n: Node) -> dict[str, str]:
        grads: list = []
        if self.opts.color_by == "grad":
            for p in self.names.parameters(n.module):
                grads += health.tensor_grads(p)
        h = self._health(grads)
        attrs = self._styled({"shape": "box3d", "style": "filled", "fillcolor": MODULE_FILL},
                             h, rounded=False)
        if n.is_root:
            attrs["penwidth"] = str(max(float(attrs.get("penwidth", 1)), 2.0))
        attrs["class"] = "module" + ("" if h is None else f" grad-{h.status}")
        attrs["label"] = labels.module_label(n, self.names, h)
        attrs["tooltip"] = tooltip_text(labels.module_tooltip(n, self.names, h))
        return attrs
