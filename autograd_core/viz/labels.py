"""The words on each node and in its tooltip.

A label is an HTML-like Graphviz label, short enough to read at a glance; the tooltip holds the
full record. Every user-supplied string passes through `escape`, so no name can add markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import health
from .escape import html_text, shorten
from .formatting import (
    call_text,
    number,
    op_param_items,
    shape_text,
    summary_full,
    summary_lines,
)
from .modules import Chain, ModuleNames
from .scene import Node

NAME_CHARS = 48  # a name longer than this is cut in the label (the tooltip has it whole)
FREED_HINT = "call backward(retain_graph=True) to keep the graph for drawing"
KEEP_HINT = "run backward inside ag.viz.keep_grads() to keep every gradient"


class Lookup:
    """Where a tensor's value and gradient come from: the tensor itself or, for a pass recorded
    by keep_grads(), its Tape (which also has them for tensors that backward freed)."""

    def __init__(self, graph: Any = None, tape: Any = None) -> None:
        self.graph = graph
        self.tape = tape

    def _key(self, t: Any) -> int:
        return self.graph.key(t) if self.graph is not None else id(t)

    def value(self, t: Any) -> np.ndarray | None:
        if self.tape is not None:
            v = self.tape.values.get(self._key(t))
            if v is not None:
                return v
        return None if t._data is None else t._data

    def grad(self, t: Any) -> np.ndarray | None:
        if self.tape is not None:
            g = self.tape.grads.get(self._key(t))
            if g is not None:
                return g
        g = t.grad
        if g is None and t._op is not None:  # a root: its gradient is the seed
            tr = getattr(t, "_trace", None)
            g = None if tr is None or is_ghost(t) else tr.seed(id(t))
        return None if g is None else np.asarray(g)

    def grad_lines(self, t: Any) -> list[str] | None:
        """The grad cell's lines, or None when there is no gradient to show."""
        g = self.grad(t)
        return None if g is None else summary_lines(g)

    def grad_width(self, t: Any) -> int | None:
        """A least width (points) for the grad cell: frames keep every node's size, and with
        it the layout, from one frame to the next."""
        return None


@dataclass(frozen=True)
class Options:
    show_values: bool = False
    show_grads: bool = False
    color_by: str | None = None
    vanish: float = 1e-7
    explode: float = 1e3
    lookup: Lookup = Lookup()


def is_ghost(t: Any) -> bool:
    return getattr(t, "freed", False) is True


def untraced(t: Any) -> bool:
    """Made by an op whose inputs backward freed without keeping a record of them."""
    return t._args is None and t._op is not None and not is_ghost(t) and \
        getattr(t, "_trace", None) is None


def html(lines: list[str]) -> str:
    """Lines that are already HTML-escaped, as one HTML-like label."""
    return "<" + "<BR/>".join(lines) + ">"


def _bold(text: str) -> str:
    return f"<B>{html_text(text)}</B>"


def _small(text: str) -> str:
    return f'<FONT POINT-SIZE="9">{html_text(text)}</FONT>'


def tensor_kind(t: Any, names: ModuleNames, is_root: bool) -> str:
    if t._op is not None:
        return "output" if is_root else "intermediate"
    return "parameter" if names.is_parameter(t) else "input"


def tensor_title(t: Any, names: ModuleNames) -> str | None:
    """A parameter's name in its model, else the user's `name=`."""
    return names.param_name.get(id(t)) or (None if t.name is None else str(t.name))


def _grad_missing_reason(t: Any) -> str:
    if not t.requires_grad:
        return "none (does not require grad)"
    if t._op is None:
        return "none (no backward() has reached it yet)"
    return f"not kept (call retain_grad() on it before backward(), or {KEEP_HINT})"


def _data_grad_cells(t: Any, opts: Options) -> list[str]:
    """`data | grad` side by side, as micrograd draws its values."""
    cells = []
    if opts.show_values:
        v = opts.lookup.value(t)
        cells.append(_cell("data", ["freed"] if v is None else summary_lines(v)))
    if opts.show_grads:
        lines = opts.lookup.grad_lines(t)
        cell = _cell("grad", ["\u2014"] if lines is None else lines)
        width = opts.lookup.grad_width(t)
        cells.append(cell if width is None else (cell, width))
    return cells


def _cell(title: str, lines: list[str]) -> str:
    if len(lines) == 1:
        return html_text(f"{title} {lines[0]}")
    return f"<B>{title}</B><BR/>" + "<BR/>".join(html_text(x) for x in lines)


def table(lines: list[str], cells: list) -> str:
    """Lines of text above one row of bordered cells (an HTML-like label cannot mix text and a
    table, so the text lines become borderless rows). A cell is its HTML, or (HTML, least width
    in points)."""
    span = max(len(cells), 1)
    rows = [f'<TR><TD BORDER="0" COLSPAN="{span}">{line}</TD></TR>' for line in lines]
    tds = []
    for c in cells:
        if isinstance(c, tuple):
            tds.append(f'<TD WIDTH="{c[1]}">{c[0]}</TD>')
        else:
            tds.append(f"<TD>{c}</TD>")
    rows.append("<TR>" + "".join(tds) + "</TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2">'
            + "".join(rows) + "</TABLE>>")


def tensor_label(node: Node, names: ModuleNames, opts: Options,
                 h: health.GradHealth | None) -> str:
    t = node.tensor
    lines = []
    title = tensor_title(t, names)
    if title is not None:
        lines.append(_bold(shorten(title, NAME_CHARS)))
    lines.append(html_text(f"{shape_text(t.shape)} {t.dtype}"))
    if h is not None:
        lines += _health_lines(h)
    if node.cut:
        lines.append(_small(f"\u2026 {node.cut} input(s) not drawn"))
    if opts.show_values or opts.show_grads:
        return table(lines, _data_grad_cells(t, opts))
    return html(lines)


def _health_lines(h: health.GradHealth) -> list[str]:
    if h.status == "none":
        return [_small("no grad")]
    lines = [_small(f"grad RMS {number(h.rms)}")]
    if h.flag:
        color = health.NONFINITE_BORDER if h.status in ("nan", "inf") else "#000000"
        lines.append(f'<FONT COLOR="{color}" POINT-SIZE="12"><B>{html_text(h.flag)}</B></FONT>')
    return lines


def tensor_tooltip(node: Node, names: ModuleNames, opts: Options,
                   h: health.GradHealth | None) -> str:
    t = node.tensor
    kind = tensor_kind(t, names, node.is_root)
    lines = [kind]
    if id(t) in names.param_name:
        lines[0] += f" {names.param_name[id(t)]}"
    if t.name is not None:
        lines.append(f"name: {t.name}")
    lines.append(f"shape: {tuple(t.shape)}, dtype: {t.dtype}, requires_grad: {t.requires_grad}")
    if t._op is not None:
        lines.append(f"made by op '{t._op.name}' (creation #{t._seq})")
    if node.chain:
        lines.append(f"module: {names.chain_text(node.chain)}")
    v = opts.lookup.value(t)
    lines.append(f"value: {summary_full(v)}" if v is not None else
                 "value: freed by backward() (its shape and dtype were kept)")
    g = opts.lookup.grad(t)
    lines.append(f"grad: {summary_full(g)}" if g is not None else
                 f"grad: {_grad_missing_reason(t)}")
    if h is not None and h.status != "none":
        lines.append(f"gradient health: {health.describe(h)}")
    if node.cut:
        lines.append(f"{node.cut} input edge(s) not drawn (max_nodes)")
    return "\n".join(lines)


# -- ops -----------------------------------------------------------------------------------------
def op_label(node: Node, opts: Options) -> str:
    t = node.tensor
    title = call_text(t._op.name, t._args, t._arrays)
    lines = [_bold(shorten(title, NAME_CHARS))]
    items = op_param_items(t._op, t._params)
    if items:
        joined = ", ".join(items)
        lines += [html_text(joined)] if len(joined) <= 40 else [html_text(i) for i in items]
    if untraced(t):
        lines.append(_small("inputs freed"))
    if node.cut:
        lines.append(_small(f"\u2026 {node.cut} input(s) not drawn"))
    return html(lines)


def op_tooltip(node: Node, names: ModuleNames) -> str:
    t = node.tensor
    op = t._op
    lines = [f"op {op.name} (creation #{t._seq})"]
    items = op_param_items(op, t._params, full=True)
    if items:
        lines.append("params: " + ", ".join(items))
    if t._args is None and not untraced(t):
        lines.append("inputs: their values were freed by backward(); the structure was kept")
    elif t._args is None:
        lines.append(f"inputs: freed by backward(); {FREED_HINT}")
    else:
        arrays = t._arrays
        for i, a in enumerate(t._args):
            if a is not None:
                desc = f"{shape_text(a.shape)} {a.dtype}"
                title = tensor_title(a, names)
                lines.append(f"input {i}: {desc}" + (f" ({title})" if title else ""))
            else:
                lines.append(f"input {i}: constant {_constant(arrays, i)}")
    lines.append(f"output: {shape_text(t.shape)} {t.dtype}")
    if node.chain:
        lines.append(f"module: {names.chain_text(node.chain)}")
    if node.cut:
        lines.append(f"{node.cut} input edge(s) not drawn (max_nodes)")
    return "\n".join(lines)


def _constant(arrays: tuple | None, i: int) -> str:
    if arrays is None or i >= len(arrays):
        return "(freed)"
    return "None" if arrays[i] is None else summary_full(np.asarray(arrays[i]))


# -- modules -------------------------------------------------------------------------------------
def _count_text(n: int | None) -> str:
    return "params ?" if n is None else f"{n:,} param" + ("" if n == 1 else "s")


def module_heading(mid: int, names: ModuleNames) -> tuple[str, str]:
    """(title, subtitle): `encoder.0` and `Linear · 12 params`; an outermost module by class."""
    path = names.module_path(mid)
    cls = names.class_name(mid)
    count = _count_text(names.param_count(mid))
    return (path, f"{cls} \u00b7 {count}") if path else (cls, count)


def cluster_label(mid: int, names: ModuleNames) -> str:
    title, sub = module_heading(mid, names)
    return html([_bold(shorten(title, NAME_CHARS)), html_text(sub)])


def cluster_tooltip(chain: Chain, names: ModuleNames) -> str:
    mid = chain[-1]
    title, sub = module_heading(mid, names)
    return f"module {title}: {sub}\ncalled in: {names.chain_text(chain)}"


def _shapes(ts: list[Any], limit: int = 3) -> str:
    texts = [shape_text(t.shape) for t in ts[:limit]]
    if len(ts) > limit:
        texts.append(f"+{len(ts) - limit}")
    return ", ".join(texts) if texts else "\u2014"


def module_label(node: Node, names: ModuleNames, h: health.GradHealth | None) -> str:
    title, sub = module_heading(node.module, names)
    if node.repeat > 1:
        first = names.module_path(node.module)
        last = names.module_path(node.last_module) if node.last_module is not None else ""
        title = f"{names.class_name(node.module)} \u00d7{node.repeat}"
        sub = f"{first} \u2026 {last}, in a row" if first and last else "in a row"
    lines = [_bold(shorten(title, NAME_CHARS)), html_text(sub),
             _small(f"in: {_shapes(node.inputs)}"), _small(f"out: {_shapes(node.outputs)}")]
    if h is not None:
        lines += _health_lines(h)
    if node.cut:
        lines.append(_small(f"\u2026 {node.cut} input(s) not drawn"))
    return html(lines)


def module_tooltip(node: Node, names: ModuleNames, h: health.GradHealth | None) -> str:
    title, sub = module_heading(node.module, names)
    chain = node.chain + (node.module,)
    lines = [f"module {title}: {sub}", f"called in: {names.chain_text(chain)}",
             f"{node.n_members} nodes folded into this one"]
    if node.repeat > 1:
        lines.append(f"{node.repeat} consecutive calls of the same module class, folded")
    lines += [f"input {i}: {shape_text(t.shape)} {t.dtype}" for i, t in enumerate(node.inputs)]
    lines += [f"output {i}: {shape_text(t.shape)} {t.dtype}" for i, t in enumerate(node.outputs)]
    if h is not None:
        lines.append(f"parameter gradients: {health.describe(h)}")
    return "\n".join(lines)


# -- notes ---------------------------------------------------------------------------------------
def freed_note(n_freed: int) -> tuple[str, str]:
    text = ("The graph was freed by backward(): "
            f"the inputs of {n_freed} op(s) are gone,\nso only part of it is drawn.\n"
            f"To draw it whole, {FREED_HINT}.")
    return html([_bold("graph freed"), html_text(text)]), text


def truncated_note(dropped_nodes: int, dropped_edges: int, max_nodes: int) -> tuple[str, str]:
    text = (f"max_nodes={max_nodes}: {dropped_nodes:,} more node(s) and {dropped_edges:,} "
            "edge(s),\nfurther from the root(s), are left out")
    return html([_bold("graph truncated"), html_text(text)]), text


def clusters_note(n_nodes: int, limit: int) -> tuple[str, str]:
    text = (f"Module boxes are left out: with {n_nodes:,} nodes (over {limit:,}) they would make "
            "the layout slow.\nPass clusters=True to draw them anyway, or collapse=depth to "
            "fold each module into one node.")
    return html([_bold("module boxes left out"), html_text(text)]), text


def untraced_note(n_inputs: int) -> tuple[str, str]:
    text = (f"{n_inputs:,} input(s) of ops far from the root were freed by backward() without a "
            "record:\nits record keeps the nodes nearest the root. To draw the whole graph, "
            f"{FREED_HINT}.")
    return html([_bold("graph partly freed"), html_text(text)]), text


def summary_note(summary: str) -> tuple[str, str]:
    text = summary + ("\nFor the full picture pass summarize=False (layout may take minutes), "
                      "or choose collapse=depth / max_nodes=n yourself.")
    return html([_bold("graph summarized"), html_text(text)]), text
