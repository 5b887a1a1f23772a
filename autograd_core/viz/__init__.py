"""Pictures of computation graphs, drawn with Graphviz.

    import autograd_core as ag
    g = ag.viz.draw_graph(loss, show_values=True, show_grads=True)   # a graphviz.Digraph
    ag.viz.save_svg(loss, "graph.svg", color_by="grad")              # needs Graphviz's `dot`

Nothing is loaded until a name is first used (the drawing code, and the `graphviz` package only
when a graph is drawn), so importing the engine does not pay for pictures it may never draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .draw import GraphvizNotFoundError, draw_graph, save_svg, to_svg

__all__ = ["GraphvizNotFoundError", "draw_graph", "save_svg", "to_svg"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import draw

        value = getattr(draw, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
