"""Pictures of computation graphs, drawn with Graphviz.

    import autograd_core as ag
    g = ag.viz.draw_graph(loss, show_values=True, show_grads=True)   # a graphviz.Digraph
    ag.viz.save_svg(loss, "graph.svg", color_by="grad")              # needs Graphviz's `dot`

    with ag.viz.keep_grads():               # every value and gradient of the pass, kept
        loss.backward()
    ag.viz.save_svg(loss, "grads.svg", show_values=True, show_grads=True)
    frames = ag.viz.backprop_frames(loss)   # the pass step by step, in the engine's order
    frames.save_html("backprop.html")       # one page, slider and play button; or save_frames

Nothing is loaded until a name is first used (the drawing code, and the `graphviz` package only
when a graph is drawn), so importing the engine does not pay for pictures it may never draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .draw import GraphvizError, GraphvizNotFoundError, draw_graph, save_svg, to_svg
    from .frames import Frames, backprop_frames, save_frames, save_html
    from .tape import Tape, keep_grads

_WHERE = {
    "GraphvizError": "draw", "GraphvizNotFoundError": "draw", "draw_graph": "draw",
    "save_svg": "draw", "to_svg": "draw", "keep_grads": "tape", "Tape": "tape",
    "backprop_frames": "frames", "Frames": "frames", "save_html": "frames",
    "save_frames": "frames",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
