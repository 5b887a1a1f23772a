"""draw_graph and save_svg: the public entry points of the graph pictures."""

from __future__ import annotations

import os
import shutil
from typing import Any

from . import render, scene
from .labels import Options
from .modules import ModuleNames
from .walk import as_roots, walk

RANKDIRS = ("TB", "LR", "BT", "RL")
COLOR_BY = (None, "grad")

INSTALL_HINT = (
    "Install Graphviz, which provides `dot`: `apt-get install graphviz` (Debian/Ubuntu), "
    "`brew install graphviz` (macOS) or `conda install graphviz` (conda); the Python package "
    "`graphviz` alone does not include it. Without it, draw_graph(...).source still gives the "
    "graph as DOT text."
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is needed to turn a graph into a picture and is not on PATH."""


def draw_graph(
    root: Any,
    show_values: bool = False,
    show_grads: bool = False,
    color_by: str | None = None,
    collapse: int | None = None,
    max_nodes: int | None = None,
    rankdir: str = "TB",
    params: Any = None,
    vanish_threshold: float = 1e-7,
    explode_threshold: float = 1e3,
    clusters: bool | None = None,
    graph_attr: dict[str, str] | None = None,
) -> Any:
    """The graph that produced `root` (a Tensor or a list of them) as a `graphviz.Digraph`.

    Tensors are boxes (shape, dtype; a parameter's name in its model, an input's `name=`), ops are
    ellipses (name and non-default arguments); edges follow the data from inputs to outputs.
    Ops run inside an nn.Module are drawn in a box per module (path, class, parameter count).

    show_values / show_grads: each tensor's value and `.grad` (the numbers for tensors of at most
        6 elements, else mean, std, min, max and norm).
    color_by="grad": fill each tensor by the RMS of its gradient on a log scale from
        vanish_threshold to explode_threshold, with a legend; gradients below or above the scale,
        and NaN or inf, get conspicuous borders and are labelled.
    collapse=d: each module called at nesting depth d (0: the outermost) is drawn as one node.
    max_nodes: keep that many nodes nearest the root(s); a note says how many were left out.
    params: an nn.Module or a dict of name -> Tensor naming the parameters; by default the names
        come from the modules that ran.
    clusters: draw module boxes; by default only up to 5,000 nodes (beyond, dot's layout inside
        clusters gets slow, and a note says they were left out).
    graph_attr: extra Graphviz graph attributes, applied last.
    """
    _check(show_values, show_grads, color_by, collapse, max_nodes, rankdir,
           vanish_threshold, explode_threshold)
    roots = as_roots(root)
    graph = walk(roots)
    names = ModuleNames(graph, params)
    sc = scene.build(graph, names)
    if collapse is not None:
        sc = scene.collapse(sc, collapse)
    if max_nodes is not None:
        sc = scene.truncate(sc, max_nodes)
    opts = Options(bool(show_values), bool(show_grads), color_by,
                   float(vanish_threshold), float(explode_threshold))
    return render.to_digraph(sc, names, opts, rankdir, max_nodes, graph_attr,
                             None if clusters is None else bool(clusters))


def _check(show_values: Any, show_grads: Any, color_by: Any, collapse: Any, max_nodes: Any,
           rankdir: Any, vanish: Any, explode: Any) -> None:
    if color_by not in COLOR_BY:
        raise ValueError(f"draw_graph: color_by={color_by!r}; expected one of {COLOR_BY}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_graph: rankdir={rankdir!r}; expected one of {RANKDIRS}")
    if collapse is not None and (isinstance(collapse, bool) or not isinstance(collapse, int)
                                 or collapse < 0):
        raise ValueError(f"draw_graph: collapse={collapse!r}; expected None or an int >= 0")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)
                                  or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes={max_nodes!r}; expected None or an int >= 1")
    try:
        v, e = float(vanish), float(explode)
    except (TypeError, ValueError):
        raise ValueError(
            f"draw_graph: vanish_threshold={vanish!r} and explode_threshold={explode!r} must be "
            "numbers"
        ) from None
    if not (0 < v < e < float("inf")):
        raise ValueError(
            f"draw_graph: need 0 < vanish_threshold < explode_threshold < inf; got "
            f"vanish_threshold={vanish!r}, explode_threshold={explode!r}"
        )


def require_dot() -> str:
    """The path of Graphviz's `dot`, or a GraphvizNotFoundError saying how to install it."""
    found = shutil.which("dot")
    if found is None:
        raise GraphvizNotFoundError(
            f"rendering the graph needs Graphviz's `dot` program, which is not on PATH. "
            f"{INSTALL_HINT}"
        )
    return found


def to_svg(root: Any, **kwargs: Any) -> str:
    """The picture as SVG text; takes draw_graph's keyword arguments."""
    g = draw_graph(root, **kwargs)
    require_dot()
    import graphviz

    try:
        return g.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as e:
        raise GraphvizNotFoundError(f"{e}. {INSTALL_HINT}") from None


def save_svg(root: Any, path: str | os.PathLike, **kwargs: Any) -> str:
    """Writes the picture of `root`'s graph to `path` as SVG (takes draw_graph's keyword
    arguments) and returns the path."""
    svg = to_svg(root, **kwargs)
    out = os.fspath(path)
    with open(out, "w", encoding="utf-8") as f:
        f.write(svg)
    return out
