"""Pictures of computation graphs, drawn with Graphviz.

    import autograd_core as ag
    g = ag.viz.draw_graph(loss, show_values=True, show_grads=True)   # a graphviz.Digraph
    ag.viz.save_svg(loss, "graph.svg", color_by="grad")              # needs Graphviz's `dot`

The `graphviz` Python package is imported only when a graph is drawn, so importing the engine
stays fast.
"""

from .draw import GraphvizNotFoundError, draw_graph, save_svg, to_svg

__all__ = ["GraphvizNotFoundError", "draw_graph", "save_svg", "to_svg"]
