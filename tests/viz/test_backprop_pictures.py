"""Pictures that teach backprop (issue 16): the whole graph after a plain backward, every
gradient kept by keep_grads(), the pass frame by frame in the engine's order, summaries of
large graphs and Graphviz failures as one clear error. Real SVG and HTML, read back."""

import gc
import os
import weakref

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.viz import draw, draw_graph, to_svg
from autograd_core.viz.formatting import number

from .svg_tools import needs_dot, parse, render


def named(value, name):
    t = ag.tensor(value, requires_grad=True)
    t.name = name
    return t


def xyz():
    x, y, z = named(2.0, "x"), named(-3.0, "y"), named(4.0, "z")
    return x, y, z, (x + y) * z


def grad_line(item):
    return next(line for line in item.text if line.startswith("grad "))


# -- 1. after a plain backward ---------------------------------------------------------------
@needs_dot
def test_whole_graph_after_a_plain_backward():
    x, y, z, f = xyz()
    f.backward()  # no retain_graph: the inputs are freed, the structure is kept
    assert f._args is None
    pic = render(draw_graph(f, show_values=True, show_grads=True))
    assert len(pic.by_class("op")) == 2 and len(pic.by_class("tensor")) == 5
    assert sorted(n.text[0] for n in pic.by_class("op")) == ["add", "mul"]
    assert len(pic.edges) == 6 and not pic.by_class("note")
    assert "grad 4" in pic.find("x").text and "grad 4" in pic.find("y").text
    assert "grad -1" in pic.find("z").text and "data 2" in pic.find("x").text
    assert "grad 1" in pic.by_class("output")[0].text  # the seed
    inter = pic.by_class("intermediate")[0]
    assert "scalar float32" in inter.text and "data freed" in inter.text
    assert "keep_grads" in inter.tooltip


def test_the_trace_keeps_no_array_and_dies_with_the_root():
    was = gc.isenabled()
    gc.disable()
    try:
        x = ag.tensor(np.ones((3, 4)), requires_grad=True)
        h = (x * 2.0).exp()
        loss = h.sum()
        refs = [weakref.ref(h), weakref.ref(h._data)]
        del h
        loss.backward()
        assert all(r() is None for r in refs)  # saved arrays still freed
        trace = weakref.ref(loss._trace)
        assert len(loss._trace.nodes) == 3
        del loss
        assert trace() is None  # a dropped graph is freed, trace and all
    finally:
        if was:
            gc.enable()


@needs_dot
def test_a_dead_input_is_drawn_from_its_record():
    w = named(np.ones((3, 2)), "w")
    loss = (ag.tensor(np.arange(6.0).reshape(2, 3)) @ w).sum()  # the input dies after backward
    loss.backward()
    pic = render(draw_graph(loss))
    dead = pic.find("2×3 float64")
    assert "input" in dead.cls.split() and "freed" in dead.tooltip
    assert len(pic.by_class("op")) == 2 and "w" in pic.find("w").text


@needs_dot
def test_in_place_change_is_drawn_after_backward():
    x = named([1.0, 2.0], "x")
    h = x * 3.0
    y = h * h
    h.add_(1.0)  # h is now add(h_before, 1); y used h_before
    loss = (y + h).sum()
    loss.backward()
    pic = render(draw_graph(loss))
    assert sorted(n.text[0].split("(")[0] for n in pic.by_class("op")) == \
        ["add", "add", "mul", "mul", "sum"]


# -- 2. every gradient kept -------------------------------------------------------------------
def neuron():
    x1, x2 = named(2.0, "x1"), named(0.0, "x2")
    w1, w2 = named(-3.0, "w1"), named(1.0, "w2")
    b = named(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    return [x1, x2, w1, w2, b], n.tanh()


@needs_dot
def test_keep_grads_shows_the_engines_gradient_on_every_node():
    leaves, out = neuron()
    # the engine's own gradients, kept the old way: retain_grad on every non-leaf
    graph = draw.walk([out])
    for t in graph.tensors:
        if t._op is not None:
            t.retain_grad()
    out.backward(retain_graph=True)
    expected = {id(t): t.grad._data.copy() for t in graph.tensors}
    for t in graph.tensors:
        t.grad = None

    with ag.viz.keep_grads() as kept:
        out.backward()
    assert kept.tape is not None and out._args is None
    pic = render(draw_graph(out, show_values=True, show_grads=True))
    tensors = pic.by_class("tensor")
    assert len(tensors) == len(graph.tensors) == 10
    shown = sorted(grad_line(n) for n in tensors)
    assert shown == sorted(f"grad {number(float(g))}" for g in expected.values())
    assert all("data freed" not in n.text for n in tensors)
    for t in graph.tensors:  # and to the last bit, not only as printed
        np.testing.assert_array_equal(kept.grad(t)._data, expected[id(t)])


def test_keep_grads_costs_nothing_outside_the_block():
    assert ag.engine._recorder is None
    with ag.viz.keep_grads():
        assert ag.engine._recorder is not None
    assert ag.engine._recorder is None


# -- 3. frames ----------------------------------------------------------------------------------
def two_layer_net():
    ag.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    x = ag.tensor([[0.5, -1.0], [1.5, 2.0]])
    return net, ((net(x) - 1.0) ** 2).mean()


@needs_dot
@pytest.mark.parametrize("example", ["xyz", "shared", "net"])
def test_frames_follow_the_engines_order(example, tmp_path):
    if example == "xyz":
        *_, f = xyz()
    elif example == "shared":
        x, y = named(2.0, "x"), named(-3.0, "y")
        s = x * y
        f = (s + x) * s  # s and x are used twice: their gradients add up
    else:
        _, f = two_layer_net()
    graph = draw.walk([f])
    order: list[int] = []  # hooks run when the engine pops a node, before its rule
    for t in graph.tensors:
        if t._op is not None:
            t.register_hook(lambda g, t=t: order.append(id(t)))
    frames = ag.viz.backprop_frames(f)
    assert frames.order == order and len(frames) == len(order) + 2
    ops = [f_.caption.split("the rule of ")[1].split()[0] for f_ in frames.frames[1:-1]]
    assert ops == [t._op.name for i in order for t in graph.tensors if id(t) == i]
    if example == "shared":
        assert any("adds up" in f_.caption for f_ in frames.frames)
        pic = parse(frames.svgs()[-1])
        assert "grad -6 + 30 = 24" in pic.find("x").text
    # numbered SVGs, and one page that holds every frame and needs no network
    paths = frames.save_frames(tmp_path / "frames")
    names = [f"frame_{i:03d}.svg" for i in range(len(frames))]
    assert [os.path.basename(p) for p in paths] == names
    for p in paths:
        assert parse(open(p, encoding="utf-8").read()).nodes
    page = open(frames.save_html(tmp_path / "bp.html"), encoding="utf-8").read()
    assert "http" not in page and "<script src" not in page and "<link" not in page
    assert page.count("<svg") == len(frames) and 'type="range"' in page and "play" in page
    for i in range(len(frames)):
        assert f'data-frame="{i}"' in page
    assert frames._repr_html_().count("<svg") == len(frames)


@needs_dot
def test_frames_highlight_the_running_rule_and_what_it_sends():
    *_, f = xyz()
    frames = ag.viz.backprop_frames(f)
    first_rule = parse(frames.svgs()[1])
    active = [n for n in first_rule.nodes.values() if "active" in n.cls.split()]
    assert len(active) == 1 and active[0].text[0] == "mul"
    sends = [e for e in first_rule.edge_items if "send" in e.cls.split()]
    assert len(sends) == 2  # mul sends to (x + y) and to z
    assert {"\u2190 4", "\u2190 -1"} == {t for e in sends for t in e.text}


def test_frames_of_a_large_pass_are_refused():
    x = named(np.ones(3), "x")
    y = x
    for _ in range(20):
        y = y * 1.5
    with pytest.raises(ValueError, match="max_frames=10"):
        ag.viz.backprop_frames(y.sum(), max_frames=10)


def test_frames_of_a_freed_graph_ask_for_keep_grads():
    *_, f = xyz()
    f.backward()
    with pytest.raises(RuntimeError, match="keep_grads"):
        ag.viz.backprop_frames(f)


# -- 4. large graphs and Graphviz failures ------------------------------------------------------
@needs_dot
def test_large_graphs_are_summarized_with_a_note(monkeypatch):
    monkeypatch.setattr(draw, "SUMMARY_LIMIT", 20)
    ag.manual_seed(0)
    net = nn.Sequential(*[nn.Sequential(nn.Linear(4, 4), nn.Tanh()) for _ in range(12)])
    loss = net(ag.randn(2, 4)).sum()
    assert len(render(draw_graph(loss, summarize=False)).graph_nodes()) > 20
    pic = render(draw_graph(loss))
    assert len(pic.graph_nodes()) <= 20
    note = pic.by_class("summary")
    assert len(note) == 1 and "summarize=False" in note[0].joined
    folded = [n for n in pic.by_class("module") if "Sequential \u00d712" in n.text]
    assert len(folded) == 1 and "0 \u2026 11, in a row" in folded[0].text


def test_graphviz_failures_become_one_clear_error():
    if draw.shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    *_, f = xyz()
    with pytest.raises(ag.viz.GraphvizError, match="max_nodes.*collapse|collapse.*max_nodes"):
        to_svg(f, timeout=1e-4)
    with pytest.raises(ag.viz.GraphvizError, match="failed"):
        draw.run_dot("digraph { a -> }")


def test_a_recorded_graph_is_freed_without_the_cycle_collector():
    was = gc.isenabled()
    gc.disable()
    try:
        x = ag.tensor(np.ones(4), requires_grad=True)
        h = (x * 3.0).tanh()
        loss = (h * h).sum()
        with ag.viz.keep_grads() as kept:
            loss.backward()
        assert kept.grad(h) is not None and kept.grad(ag.tensor(1.0)) is None
        refs = [weakref.ref(h), weakref.ref(loss), weakref.ref(loss._trace)]
        del h, loss
        assert all(r() is None for r in refs)
    finally:
        if was:
            gc.enable()


@needs_dot
def test_the_record_keeps_the_nodes_nearest_the_root(monkeypatch):
    monkeypatch.setattr(ag.engine, "TRACE_LIMIT", 3)

    def chain():
        x = named([1.0, 2.0], "x")
        y = x
        for _ in range(6):
            y = y * 1.5
        return y.sum()

    loss = chain()
    loss.backward()
    pic = render(draw_graph(loss))
    assert len(pic.by_class("op")) == 3 and len(pic.by_class("untraced")) == 1
    assert "retain_graph=True" in pic.by_class("untraced")[0].joined
    loss = chain()
    with ag.viz.keep_grads():  # a recorded pass keeps the whole structure
        loss.backward()
    pic = render(draw_graph(loss))
    assert len(pic.by_class("op")) == 7 and not pic.by_class("note")


def node_boxes(svg):
    """Each node's outline (its first shape), by node name."""
    out = {}
    for name, item in parse(svg).nodes.items():
        shape = next(e for e in item.element.iter()
                     if e.tag.split("}")[1] in ("polygon", "ellipse", "path"))
        out[name] = shape.get("points") or shape.get("d") or (shape.get("cx"), shape.get("cy"))
    return out


@needs_dot
def test_frames_keep_the_layout_still():
    _, loss = two_layer_net()
    boxes = [node_boxes(svg) for svg in ag.viz.backprop_frames(loss).svgs()]
    assert all(b == boxes[0] for b in boxes[1:])  # only colours and numbers change
