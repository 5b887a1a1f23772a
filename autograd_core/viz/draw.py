"""draw_graph and save_svg: the public entry points of the graph pictures."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

from . import render, scene
from .labels import Lookup, Options
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


# Above this many nodes a picture is summarized by default: dot lays out 2,500 nodes in about
# 2 s (Graphviz 2.43), and its time grows faster than linearly (21.6 s at 8,300).
SUMMARY_LIMIT = 2500
DOT_TIMEOUT = 120.0  # seconds before a layout is given up as too large

TOO_LARGE_HINT = (
    "Draw less of it: collapse=depth folds each module at that nesting into one node, "
    "max_nodes=n keeps the n nodes nearest the root, and summarize=True (the default) does "
    "both for graphs over {limit:,} nodes."
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` program is needed to turn a graph into a picture and is not on PATH."""


class GraphvizError(RuntimeError):
    """Graphviz's `dot` failed on a graph (crashed, ran out of memory or of time)."""


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
    summarize: bool = True,
    tape: Any = None,
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
    summarize: a graph of more than SUMMARY_LIMIT (2,500) nodes, with neither collapse nor
        max_nodes given, is drawn summarized (modules folded, repeated blocks folded with a
        count, then the nodes nearest the root), with a note; summarize=False draws it whole.
    tape: the pass recorded by ag.viz.keep_grads() whose values and gradients to show; by
        default the one that the roots' last backward recorded, if any.

    After a plain backward() the whole graph is still drawn: the engine keeps a record of its
    structure (no values) for the nodes nearest the root (see engine.TRACE_LIMIT). Freed
    intermediates show shape and dtype; inside keep_grads() they keep values and gradients.
    """
    _check(show_values, show_grads, color_by, collapse, max_nodes, rankdir,
           vanish_threshold, explode_threshold)
    roots = as_roots(root)
    graph, names, sc, opts = prepare(roots, show_values, show_grads, color_by, collapse,
                                     max_nodes, params, vanish_threshold, explode_threshold,
                                     summarize, tape)
    return render.to_digraph(sc, names, opts, rankdir, max_nodes, graph_attr,
                             None if clusters is None else bool(clusters))


def prepare(roots: list, show_values: Any, show_grads: Any, color_by: Any, collapse: Any,
            max_nodes: Any, params: Any, vanish_threshold: Any, explode_threshold: Any,
            summarize: Any, tape: Any) -> tuple:
    """The walk, the names, the scene to draw and the label options (shared with frames)."""
    graph = walk(roots)
    names = ModuleNames(graph, params)
    sc = scene.build(graph, names)
    if collapse is not None:
        sc = scene.collapse(sc, collapse)
    if max_nodes is not None:
        sc = scene.truncate(sc, max_nodes)
    if summarize and collapse is None and max_nodes is None:
        sc = scene.summarize(sc, SUMMARY_LIMIT)
    opts = Options(bool(show_values), bool(show_grads), color_by,
                   float(vanish_threshold), float(explode_threshold),
                   Lookup(graph, tape_of(graph, tape)))
    return graph, names, sc, opts


def tape_of(graph: Any, tape: Any) -> Any:
    """The Tape to show: the one given (a Tape, or the Recorder of keep_grads()), else the one
    that recorded the roots' last backward."""
    if tape is not None:
        found = getattr(tape, "tape", tape)
        if not hasattr(found, "grads") or not hasattr(found, "steps"):
            raise TypeError(f"draw_graph: tape must come from ag.viz.keep_grads(), not "
                            f"{type(tape).__name__}")
        return found
    for tr in graph.traces:
        if tr.recorder is not None:
            return tr.recorder
    return None


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


def to_svg(root: Any, timeout: float | None = DOT_TIMEOUT, **kwargs: Any) -> str:
    """The picture as SVG text; takes draw_graph's keyword arguments. Graphviz is given
    `timeout` seconds (None: no limit)."""
    g = draw_graph(root, **kwargs)
    return run_dot(g.source, n_nodes=len(g.body), timeout=timeout)


def run_dot(source: str, n_nodes: int = 0, timeout: float | None = DOT_TIMEOUT) -> str:
    """DOT text laid out by Graphviz as SVG; its failures become one error that says what to do."""
    dot = require_dot()
    hint = TOO_LARGE_HINT.format(limit=SUMMARY_LIMIT)
    size = f" of about {n_nodes:,} lines" if n_nodes else ""
    try:
        done = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz's dot took more than {timeout:g} s to lay out a graph"
                            f"{size} and was stopped. {hint} (to_svg/save_svg take "
                            "timeout=seconds, None for no limit)") from None
    except MemoryError:
        raise GraphvizError(f"no memory left to run Graphviz's dot on a graph{size}. "
                            f"{hint}") from None
    except OSError as e:
        raise GraphvizNotFoundError(f"could not run Graphviz's dot ({e}). {INSTALL_HINT}") \
            from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = ("it was killed (out of memory?)" if done.returncode < 0
               else f"it exited with status {done.returncode}")
        last = f": {err[-1][:300]}" if err else ""
        raise GraphvizError(f"Graphviz's dot failed on a graph{size}; {why}{last}. {hint}")
    return done.stdout.decode("utf-8")


def save_svg(root: Any, path: str | os.PathLike, **kwargs: Any) -> str:
    """Writes the picture of `root`'s graph to `path` as SVG (takes to_svg's keyword
    arguments) and returns the path."""
    svg = to_svg(root, **kwargs)
    out = os.fspath(path)
    with open(out, "w", encoding="utf-8") as f:
        f.write(svg)
    return out
