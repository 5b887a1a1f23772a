"""Pictures of known graphs, rendered with Graphviz and read back as XML: nodes, edges, labels,
tooltips, clusters, colours and notes."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.viz import GraphvizNotFoundError, draw_graph, save_svg, to_svg

from .svg_tools import SVG, needs_dot, parse, render


def named(value, name):
    t = ag.tensor(value, requires_grad=True)
    t.name = name
    return t


def xyz():
    x, y, z = named(2.0, "x"), named(-3.0, "y"), named(4.0, "z")
    return x, y, z, (x + y) * z


# -- the (x + y) * z example ---------------------------------------------------------------------
@needs_dot
def test_x_plus_y_times_z_structure():
    x, y, z, f = xyz()
    pic = render(draw_graph(f))
    nodes = pic.graph_nodes()
    # five tensors (x, y, z, x+y, f) and two ops
    assert len(nodes) == 7
    assert len(pic.by_class("tensor")) == 5 and len(pic.by_class("op")) == 2
    assert len(pic.edges) == 6
    add, mul = pic.find("add"), pic.find("mul")
    tx, ty, tz = pic.find("x"), pic.find("y"), pic.find("z")
    out = pic.by_class("output")[0]
    # data flows inputs -> op -> output
    assert (tx.name, add.name) in pic.edges and (ty.name, add.name) in pic.edges
    assert (tz.name, mul.name) in pic.edges and (mul.name, out.name) in pic.edges
    s = next(d for a, d in pic.edges if a == add.name)
    assert (s, mul.name) in pic.edges
    assert "scalar float32" in tx.text
    assert not pic.by_class("note") and not pic.by_class("legend")


@needs_dot
def test_values_and_grads_after_backward_with_retained_graph():
    x, y, z, f = xyz()
    f.backward(retain_graph=True)
    pic = render(draw_graph(f, show_values=True, show_grads=True))
    assert len(pic.graph_nodes()) == 7  # the graph is still whole
    assert {"data 2", "grad 4"} <= set(pic.find("x").text)
    assert {"data -3", "grad 4"} <= set(pic.find("y").text)
    assert {"data 4", "grad -1"} <= set(pic.find("z").text)
    out = pic.by_class("output")[0]
    assert "data -4" in out.text and "grad \u2014" in out.text  # not retained: shown as absent
    assert "retain_grad" in out.tooltip


@needs_dot
def test_retained_intermediate_grad_is_shown():
    x, y, z = named(2.0, "x"), named(-3.0, "y"), named(4.0, "z")
    s = x + y
    s.retain_grad()
    f = s * z
    f.backward(retain_graph=True)
    pic = render(draw_graph(f, show_grads=True))
    inter = pic.by_class("intermediate")[0]
    assert "grad 4" in inter.text


@needs_dot
def test_values_of_larger_tensors_are_summarized():
    w = named(np.arange(12.0).reshape(3, 4), "w")
    out = (w * w).sum()
    out.backward(retain_graph=True)
    pic = render(draw_graph(out, show_values=True, show_grads=True))
    node = pic.find("w")
    text = node.joined
    assert "3\u00d74 float64" in text
    assert "mean 5.5" in text and "min 0" in text and "max 11" in text
    assert f"norm {np.linalg.norm(np.arange(12.0)):.4g}" in text
    grad = 2 * np.arange(12.0)
    assert f"mean {grad.mean():.4g}" in text and f"max {grad.max():.4g}" in text


@needs_dot
def test_freed_graph_gets_a_note(monkeypatch):
    # a backward keeps the structure of the nodes nearest the root (test_after_backward.py);
    # with no record kept at all, the picture says that the graph was freed
    monkeypatch.setattr(ag.engine, "TRACE_LIMIT", 0)
    x, y, z, f = xyz()
    f.backward()
    pic = render(draw_graph(f))
    notes = pic.by_class("freed")
    assert len(notes) == 1
    assert "retain_graph=True" in notes[0].joined
    # what is left: the output and the op that made it, whose inputs are gone
    assert len(pic.graph_nodes()) == 2
    assert "inputs freed" in pic.by_class("op")[0].text


# -- sharing -------------------------------------------------------------------------------------
@needs_dot
def test_shared_subexpression_is_one_node_with_two_out_edges():
    x, y = named([1.0, 2.0], "x"), named([3.0, 4.0], "y")
    s = x * y
    out = (s.exp() + s).sum()
    pic = render(draw_graph(out))
    muls = [n for n in pic.by_class("op") if n.text[0] == "mul"]
    assert len(muls) == 1
    s_node = next(d for a, d in pic.edges if a == muls[0].name)
    assert pic.out_degree(s_node) == 2
    assert len(pic.by_class("tensor")) == 6  # x, y, s, exp(s), exp(s) + s, sum


@needs_dot
def test_a_tensor_used_twice_by_one_op_has_two_edges():
    x = named([1.0, 2.0], "x")
    pic = render(draw_graph(x * x))
    mul = pic.find("mul")
    assert pic.in_degree(mul.name) == 2
    assert pic.out_degree(pic.find("x").name) == 2


@needs_dot
def test_several_roots_in_one_picture():
    x = named([1.0, 2.0], "x")
    a, b = x.exp(), x.sin()
    pic = render(draw_graph([a, b]))
    assert len(pic.by_class("output")) == 2
    assert len(pic.by_class("input")) == 1
    assert pic.out_degree(pic.find("x").name) == 2


# -- op labels -----------------------------------------------------------------------------------
@needs_dot
def test_op_labels_show_the_arguments_that_matter():
    t = named(np.ones((3, 4)), "t")
    outs = [t.sum(axis=1), t.reshape(4, 3), t[1:, 0], t ** 3, t * 2, ag.leaky_relu(t, 0.2),
            ag.leaky_relu(t)]
    pic = render(draw_graph(outs))
    ops = {" ".join(n.text) for n in pic.by_class("op")}
    assert {"sum axis=1", "reshape \u2192 4\u00d73", "getitem [1:, 0]", "pow_scalar exponent=3",
            "mul(\u00b7, 2)", "leaky_relu negative_slope=0.2", "leaky_relu"} == ops


@needs_dot
def test_conv_labels_name_stride_and_padding():
    x = ag.randn(1, 2, 6, 6, requires_grad=True)
    w = ag.randn(3, 2, 3, 3, requires_grad=True)
    pic = render(draw_graph(ag.conv2d(x, w, stride=2, padding=1)))
    # whichever primitive carries the window arguments labels them
    windowed = [n for n in pic.by_class("op") if "stride=(2, 2)" in n.text]
    assert len(windowed) == 1, [n.text for n in pic.by_class("op")]
    assert "padding=(1, 1)" in windowed[0].text


# -- tooltips ------------------------------------------------------------------------------------
@needs_dot
def test_every_node_has_a_tooltip_with_its_details():
    w = named(np.ones((2, 3)), "w")
    s = (w * 3).sum(axis=0)
    s.backward(ag.ones(3), retain_graph=True)
    pic = render(draw_graph(s))
    for node in pic.graph_nodes().values():
        assert node.tooltip
    op = pic.find("sum")
    assert "axis=0" in op.tooltip and "keepdims=False" in op.tooltip
    assert f"creation #{s._seq}" in op.tooltip
    assert "input 0: 2\u00d73 float64" in op.tooltip and "output: 3 float64" in op.tooltip
    leaf = pic.find("w")
    assert "shape: (2, 3)" in leaf.tooltip and "dtype: float64" in leaf.tooltip
    assert "grad: [[3, 3, 3], [3, 3, 3]]" in leaf.tooltip
    for e in pic.edge_items:
        if not e.name.startswith("op"):
            assert "argument" in e.tooltip


# -- hostile names -------------------------------------------------------------------------------
HOSTILE = [
    "<script>alert(1)</script>",
    "a & b &amp; c &#60;",
    "say \"hi\" 'there'",
    "line1\nline2",
    "{x|y} <f0> |",
    "back\\slash \\N \\G \\n",
    "\u00fcn\u00efc\u00f6d\u00e9 \u65e5\u672c \U0001f642",
    "</TD></TR></TABLE>>",
    "]]> -->",
]
ALLOWED_TAGS = {SVG + t for t in ("svg", "g", "title", "polygon", "path", "ellipse", "text", "a",
                                  "polyline")}


def _tooltip_form(s):
    return s.replace("\\", "\u29f5")


@needs_dot
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_render_as_text(name):
    x = named([1.0, 2.0], name)
    out = x * 2
    out.name = name + "!"
    svg = to_svg(out)
    root = ET.fromstring(svg.encode("utf-8"))  # valid XML
    assert {e.tag for e in root.iter()} <= ALLOWED_TAGS  # nothing injected
    pic = parse(svg)
    lines = name.split("\n")
    leaf = pic.by_class("input")[0]
    assert leaf.text[: len(lines)] == lines  # the label shows the name as written
    assert f"name: {_tooltip_form(name)}" in leaf.tooltip
    assert pic.by_class("output")[0].text[len(lines) - 1] == lines[-1] + "!"


@needs_dot
def test_control_characters_are_shown_not_dropped():
    x = named(1.0, "a\x00b\x07c")
    pic = render(draw_graph(x * 2))
    assert "a\u2400b\u2407c" in pic.by_class("input")[0].text


class Box:
    """A duck-typed module, with any names: what viz needs from an nn.Module."""

    def __init__(self, params=None, children=None):
        self._params = dict(params or {})
        self._children = dict(children or {})

    def named_modules(self, prefix=""):
        yield prefix, self
        for k, c in self._children.items():
            yield from c.named_modules(prefix + ("." if prefix else "") + k)

    def named_parameters(self, prefix=""):
        for path, m in self.named_modules(prefix):
            for k, p in m._params.items():
                yield path + ("." if path else "") + k, p

    def parameters(self):
        for _, p in self.named_parameters():
            yield p

    def run(self, fn, *args):
        from autograd_core.modes import state

        prev = state.scope
        state.scope = prev + (self,)
        try:
            return fn(*args)
        finally:
            state.scope = prev


@needs_dot
def test_hostile_module_and_parameter_names():
    evil = '<b>"&amp;\\N\n'
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    inner = Box(params={evil: w})
    outer = Box(children={evil: inner})
    x = ag.tensor([3.0, 4.0])
    out = outer.run(lambda: inner.run(lambda: x * w))
    svg = to_svg(out)
    root = ET.fromstring(svg.encode("utf-8"))
    assert {e.tag for e in root.iter()} <= ALLOWED_TAGS
    pic = parse(svg)
    inner_cluster = [c for c in pic.clusters.values() if "Box \u00b7 2 params" in c.text]
    assert len(inner_cluster) == 1
    assert inner_cluster[0].text[:2] == ['<b>"&amp;\\N', ""] or \
        inner_cluster[0].text[0] == '<b>"&amp;\\N'
    assert pic.find(f"{evil}.{evil}".split("\n")[0]) is not None


# -- modules -------------------------------------------------------------------------------------
def _bbox(item):
    xs, ys = [], []
    for e in item.element.iter():
        if e.tag == SVG + "polygon":
            for pt in e.get("points").split():
                a, b = pt.split(",")
                xs.append(float(a))
                ys.append(float(b))
        elif e.tag == SVG + "path":
            nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", e.get("d"))]
            xs += nums[0::2]
            ys += nums[1::2]
        elif e.tag == SVG + "ellipse":
            cx, cy = float(e.get("cx")), float(e.get("cy"))
            rx, ry = float(e.get("rx")), float(e.get("ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
    return min(xs), min(ys), max(xs), max(ys)


def inside(node, cluster):
    a, c = _bbox(node), _bbox(cluster)
    return c[0] <= a[0] and c[1] <= a[1] and a[2] <= c[2] and a[3] <= c[3]


def cluster_titled(pic, title):
    hits = [c for c in pic.clusters.values() if c.text and c.text[0] == title]
    assert len(hits) == 1, f"{len(hits)} clusters titled {title!r}"
    return hits[0]


@needs_dot
def test_mlp_clusters_per_layer_with_parameter_counts_and_names():
    import nn

    model = nn.MLP([4, 8, 3])
    x = ag.randn(2, 4)
    x.name = "batch"
    out = model(x).sum()
    pic = render(draw_graph(out))
    top = cluster_titled(pic, "MLP")
    assert top.text[1] == "67 params"
    first, act, last = (cluster_titled(pic, k) for k in ("0", "1", "2"))
    assert first.text[1] == "Linear \u00b7 40 params"
    assert act.text[1] == "ReLU \u00b7 0 params"
    assert last.text[1] == "Linear \u00b7 27 params"
    for name, cluster in [("0.weight", first), ("0.bias", first), ("2.weight", last),
                          ("2.bias", last)]:
        node = pic.find(name)
        assert "parameter" in node.cls.split()
        assert inside(node, cluster) and inside(node, top)
    relu = pic.find("relu")
    assert inside(relu, act) and not inside(relu, first)
    batch = pic.find("batch")
    assert "input" in batch.cls.split() and not inside(batch, top)
    assert not inside(pic.find("sum"), top)


@needs_dot
def test_params_argument_names_parameters():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    pic = render(draw_graph((w * w).sum(), params={"layer.weight": w}))
    node = pic.find("layer.weight")
    assert "parameter" in node.cls.split()


def autoencoder():
    import nn

    model = nn.Autoencoder([8, 6, 2])
    x = ag.randn(5, 8)
    x.name = "x"
    loss = nn.MSELoss()(model(x), x)
    return model, x, loss


@needs_dot
def test_autoencoder_nested_clusters():
    model, x, loss = autoencoder()
    pic = render(draw_graph(loss))
    enc, dec = cluster_titled(pic, "encoder"), cluster_titled(pic, "decoder")
    assert enc.text[1] == "MLP \u00b7 68 params" and dec.text[1] == "MLP \u00b7 74 params"
    assert inside(cluster_titled(pic, "encoder.0"), enc)
    assert not inside(cluster_titled(pic, "decoder.0"), enc)
    assert inside(pic.find("encoder.0.weight"), cluster_titled(pic, "encoder.0"))
    assert inside(pic.find("decoder.2.bias"), dec)


@needs_dot
def test_collapse_one_node_per_top_level_module():
    model, x, loss = autoencoder()
    pic = render(draw_graph(loss, collapse=1))
    modules = pic.by_class("module")
    assert sorted(m.text[0] for m in modules) == ["decoder", "encoder"]
    enc = pic.find("encoder")
    dec = pic.find("decoder")
    assert enc.text[1:4] == ["MLP \u00b7 68 params", "in: 5\u00d78", "out: 5\u00d72"]
    assert dec.text[1:4] == ["MLP \u00b7 74 params", "in: 5\u00d72", "out: 5\u00d78"]
    assert (enc.name, dec.name) in pic.edges
    assert (pic.find("x").name, enc.name) in pic.edges
    assert not any(n.text[0] == "linear" for n in pic.by_class("op"))
    assert not pic.by_class("parameter")
    # the outermost module is still a cluster around its children
    top = cluster_titled(pic, "Autoencoder")
    assert inside(enc, top) and inside(dec, top)


@needs_dot
def test_a_submodule_called_alone_is_named_by_params():
    model, x, loss = autoencoder()
    code = model.encoder(x)
    own = render(draw_graph(code))
    assert cluster_titled(own, "MLP").text[1] == "68 params"
    assert "parameter" in own.find("0.weight").cls.split()
    named_by_model = render(draw_graph(code, params=model))
    assert cluster_titled(named_by_model, "encoder").text[1] == "MLP \u00b7 68 params"
    assert "parameter" in named_by_model.find("encoder.0.weight").cls.split()


@needs_dot
def test_collapse_zero_draws_the_whole_model_as_one_node():
    model, x, loss = autoencoder()
    pic = render(draw_graph(loss, collapse=0))
    assert sorted(m.text[0] for m in pic.by_class("module")) == ["Autoencoder", "MSELoss"]


def test_a_fifty_layer_network_collapses_to_fifty_boxes():
    import nn

    layers = []
    for _ in range(25):
        layers += [nn.Linear(4, 4), nn.Tanh()]
    model = nn.Sequential(*layers)
    out = model(ag.randn(3, 4)).sum()
    g = draw_graph(out, collapse=1)
    assert len(re.findall(r'class="module"', g.source)) == 50
    assert len(re.findall(r'class="op"', g.source)) == 1  # the final sum


# -- gradient health -----------------------------------------------------------------------------
def _fill(item):
    fills = item.fills() - {"none", "white", "transparent"}
    assert len(fills) == 1, fills
    return fills.pop()


def _lum(color):
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@needs_dot
def test_color_by_grad_legend_scale_and_alarms():
    small, big = named(np.ones(4), "small"), named(np.ones(4), "big")
    tiny, huge = named(np.ones(4), "tiny"), named(np.ones(4), "huge")
    zero = named(np.array([0.0, 1.0]), "zero")
    loss = ((small * 1e-4).sum() + (big * 10.0).sum() + (tiny * 1e-9).sum()
            + (huge * 1e6).sum() + (ag.sqrt(zero) * 0.0).sum())
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 at sqrt(0): the point here
        loss.backward(retain_graph=True)
    assert np.isnan(zero.grad._data[0])
    pic = render(draw_graph(loss, color_by="grad"))
    legend = pic.by_class("legend")
    assert len(legend) == 1 and "gradient size (RMS)" in legend[0].text
    assert any("VANISHING" in t for t in legend[0].text)
    s, b = pic.find("small"), pic.find("big")
    assert "grad-ok" in s.cls and "grad-ok" in b.cls
    assert _lum(_fill(s)) < _lum(_fill(b))  # bigger gradients are lighter on the scale
    t, h, z = pic.find("tiny"), pic.find("huge"), pic.find("zero")
    assert "grad-vanishing" in t.cls and "VANISHING" in t.text
    assert "grad-exploding" in h.cls and "EXPLODING" in h.text
    assert "grad-nan" in z.cls and "NaN" in z.text
    assert "#d00000" in z.strokes() and "#d00000" not in s.strokes()
    assert "1 NaN" in z.tooltip
    # intermediate gradients were not retained: shown as such
    assert all("grad-none" in n.cls for n in pic.by_class("intermediate"))


@needs_dot
def test_color_by_grad_on_collapsed_modules_uses_their_parameters():
    model, x, loss = autoencoder()
    loss.backward(retain_graph=True)
    pic = render(draw_graph(loss, collapse=1, color_by="grad", vanish_threshold=1e-30,
                            explode_threshold=1e30))
    enc = pic.find("encoder")
    grads = np.concatenate([p.grad._data.ravel() for p in model.encoder.parameters()])
    rms = np.sqrt(np.mean(grads.astype(np.float64) ** 2))
    assert f"grad RMS {rms:.4g}" in enc.text
    assert "grad-ok" in enc.cls


# -- size ----------------------------------------------------------------------------------------
def chain(n):
    x = ag.tensor(np.ones(3), requires_grad=True)
    x.name = "start"
    for _ in range(n):
        x = x * 1.0
    return x


@needs_dot
def test_max_nodes_keeps_the_nearest_and_says_what_is_left_out():
    out = chain(100)  # 101 tensors, 100 ops, 200 edges
    pic = render(draw_graph(out, max_nodes=10))
    assert len(pic.graph_nodes()) == 10
    assert len(pic.edges) == 9
    note = pic.by_class("truncated")
    assert len(note) == 1
    assert "max_nodes=10: 191 more node(s) and 191 edge(s)," in note[0].text
    assert len(pic.by_class("output")) == 1  # the root is kept
    seqs = [int(m) for n in pic.by_class("op") for m in re.findall(r"creation #(\d+)", n.tooltip)]
    assert sorted(seqs) == list(range(out._seq - 4, out._seq + 1))
    # the one op whose input was cut says so
    cut = [n for n in pic.by_class("op") if "\u2026 1 input(s) not drawn" in n.text]
    assert len(cut) == 1 and f"creation #{out._seq - 4}" in cut[0].tooltip


def test_max_nodes_above_the_size_changes_nothing():
    out = chain(5)
    assert draw_graph(out, max_nodes=1000).source == draw_graph(out).source


def test_picture_has_no_fixed_size():
    src = draw_graph(chain(3)).source
    assert not re.search(r"\b(size|ratio)=", src)


def test_ten_thousand_nodes_build_quickly_without_dot():
    out = chain(5000)
    src = draw_graph(out, summarize=False).source
    assert len(re.findall(r'^\t(t|op)\d+ \[', src, flags=re.M)) == 10001
    assert "newrank" in src and "nslimit" in src


@needs_dot
@pytest.mark.slow
def test_ten_thousand_node_graph_renders():
    # each step adds a leaf, an op and its output: the slowest shape for dot that we measured
    x = ag.tensor(np.ones(4), requires_grad=True)
    for i in range(3333):
        w = ag.tensor(np.full(4, 1.0 + i * 1e-6), requires_grad=True)
        x = x * w
    pic = parse(to_svg(x, summarize=False))
    assert len(pic.graph_nodes()) == 10000
    assert len(pic.edges) == 3333 * 3


def modules_around_a_chain(n_ops):
    box = Box(children={"inner": Box()})
    inner = box._children["inner"]
    x = ag.tensor(np.ones(2), requires_grad=True)

    def body():
        y = x
        for _ in range(n_ops):
            y = y * 1.0
        return y

    return box.run(lambda: inner.run(body))


def test_module_boxes_are_left_out_of_huge_graphs_with_a_note():
    out = modules_around_a_chain(2600)  # 5,201 nodes
    src = draw_graph(out, summarize=False).source
    assert "subgraph cluster_" not in src and 'class="note clusters"' in src
    assert "clusters=True" in src
    forced = draw_graph(out, clusters=True, summarize=False).source
    assert forced.count("subgraph cluster_") == 2 and "note clusters" not in forced


def test_clusters_can_be_turned_off():
    out = modules_around_a_chain(3)
    assert draw_graph(out).source.count("subgraph cluster_") == 2
    assert "subgraph cluster_" not in draw_graph(out, clusters=False).source


@needs_dot
def test_rankdir():
    x, y, z, f = xyz()
    tb = render(draw_graph(f))
    lr = render(draw_graph(f, rankdir="LR"))
    # top to bottom: inputs above outputs (SVG y grows downwards); left to right: to the left
    assert _bbox(tb.find("x"))[3] < _bbox(tb.by_class("output")[0])[1]
    assert _bbox(lr.find("x"))[2] < _bbox(lr.by_class("output")[0])[0]


# -- files, errors and environments --------------------------------------------------------------
@needs_dot
def test_save_svg_writes_a_file(tmp_path):
    x, y, z, f = xyz()
    path = save_svg(f, tmp_path / "g.svg", show_values=True)
    assert path == str(tmp_path / "g.svg")
    pic = parse((tmp_path / "g.svg").read_bytes())
    assert "data 2" in pic.find("x").text


def test_without_dot_draw_graph_works_and_save_svg_says_how_to_install(tmp_path, monkeypatch):
    x, y, z, f = xyz()
    monkeypatch.setenv("PATH", str(tmp_path))
    g = draw_graph(f)
    assert g.source.startswith("digraph") and "mul" in g.source
    with pytest.raises(GraphvizNotFoundError) as info:
        save_svg(f, tmp_path / "g.svg")
    msg = str(info.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert hint in msg
    assert not (tmp_path / "g.svg").exists()
    assert f._repr_svg_() is None  # notebooks fall back to the text repr


@needs_dot
def test_repr_svg_hook_shows_the_graph():
    x, y, z, f = xyz()
    svg = f._repr_svg_()
    pic = parse(svg)
    assert len(pic.graph_nodes()) == 7
    assert x._repr_svg_() is None  # a leaf has no graph to show


@pytest.mark.parametrize("kwargs,match", [
    ({"color_by": "value"}, "color_by"),
    ({"rankdir": "XY"}, "rankdir"),
    ({"collapse": -1}, "collapse"),
    ({"max_nodes": 0}, "max_nodes"),
    ({"vanish_threshold": 1.0, "explode_threshold": 0.5}, "vanish_threshold"),
    ({"params": 3}, "params"),
])
def test_bad_arguments_are_named(kwargs, match):
    x, y, z, f = xyz()
    with pytest.raises((ValueError, TypeError), match=match):
        draw_graph(f, **kwargs)


def test_bad_roots_are_named():
    with pytest.raises(TypeError, match="root"):
        draw_graph(3.0)
    with pytest.raises(TypeError, match=r"root\[1\]"):
        draw_graph([ag.tensor(1.0), "x"])
    with pytest.raises(ValueError, match="empty"):
        draw_graph([])


def test_importing_viz_loads_nothing_until_used():
    loaded = "print('graphviz' in sys.modules, 'autograd_core.viz.draw' in sys.modules)"
    code = f"import sys, autograd_core.viz as v; {loaded}; v.draw_graph; {loaded}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False", "False", "True"]


def test_drawing_leaves_the_graph_untouched():
    x, y, z, f = xyz()
    before = (f._args, f._op, f._params)
    draw_graph(f, show_values=True, show_grads=True, color_by="grad", collapse=0, max_nodes=3)
    assert (f._args, f._op, f._params) == before
    f.backward()
    assert x.grad.item() == 4.0
