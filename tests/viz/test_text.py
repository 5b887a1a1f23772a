"""The text layer on its own (no Graphviz needed): escaping, number and argument formatting,
statistics, and the gradient-health scale."""

import math
import re

import numpy as np
import pytest

from autograd_core.viz import escape, formatting, health

HOSTILE = [
    "<script>alert(1)</script>",
    "a & b &amp; c &#60;",
    "say \"hi\" 'there'",
    "line1\nline2\r\nline3",
    "{x|y} <f0> |",
    "back\\slash \\N \\G \\n \\\\",
    "\u00fcn\u00efc\u00f6d\u00e9 \u65e5\u672c \U0001f642",
    "</TD></TR></TABLE>>",
    "]]> -->",
    "\x00\x07\t\x7f ctl",
]


# -- escaping ------------------------------------------------------------------------------------
@pytest.mark.parametrize("s", HOSTILE)
def test_html_text_has_no_markup(s):
    out = escape.html_text(s)
    # the only tags left are the line breaks we put in for newlines
    assert re.sub(r"<BR/>", "", out).count("<") == 0
    assert ">" not in re.sub(r"<BR/>", "", out)
    assert '"' not in out
    assert out.count("<BR/>") == escape.sanitize(s).count("\n")


@pytest.mark.parametrize("s", HOSTILE)
def test_tooltip_text_has_no_quotes_backslashes_or_markup(s):
    out = escape.tooltip_text(s)
    assert not set('"<>\\\n') & set(out)


def test_sanitize_makes_control_characters_visible():
    assert escape.sanitize("a\x00b\x07c\td\x7f") == "a\u2400b\u2407c\u2409d\u2421"
    assert escape.sanitize("a\r\nb\rc") == "a\nb\nc"
    assert escape.sanitize("\ud800x") == "\ufffdx"
    assert escape.sanitize(12) == "12"


def test_html_text_doubles_backslashes_and_escapes_entities():
    assert escape.html_text("a\\b") == "a\\\\b"
    assert escape.html_text("&amp;") == "&amp;amp;"
    assert escape.html_text("x\ny") == "x<BR/>y"


def test_shorten():
    assert escape.shorten("abc", 5) == "abc"
    assert escape.shorten("abcdef", 4) == "abc\u2026"


# -- numbers and arrays --------------------------------------------------------------------------
def test_number_formats():
    assert formatting.number(2.0) == "2"
    assert formatting.number(np.float32(0.123456)) == "0.1235"
    assert formatting.number(1e-9) == "1e-09"
    assert formatting.number(float("nan")) == "nan"
    assert formatting.number(-float("inf")) == "-inf"
    assert formatting.number(np.int64(7)) == "7"
    assert formatting.number(True) == "True"


def test_values_text_nests_like_the_array():
    assert formatting.values_text(np.array(2.5)) == "2.5"
    assert formatting.values_text(np.array([1.0, 2.0])) == "[1, 2]"
    assert formatting.values_text(np.array([[1, 2], [3, 4]])) == "[[1, 2], [3, 4]]"
    assert formatting.values_text(np.arange(20), limit=3) == "[0, 1, 2, \u2026]"
    assert formatting.values_text(np.zeros((0,))) == "[]"


def test_stats_match_numpy_and_skip_nonfinite():
    rng = np.random.default_rng(0)
    a = rng.normal(size=100)
    s = formatting.stats(a)
    assert s["mean"] == pytest.approx(a.mean())
    assert s["std"] == pytest.approx(a.std())
    assert s["min"] == a.min() and s["max"] == a.max()
    assert s["norm"] == pytest.approx(np.linalg.norm(a))
    b = a.copy()
    b[:3] = np.nan
    b[3] = np.inf
    s = formatting.stats(b)
    assert s["nan"] == 3 and s["inf"] == 1
    assert s["mean"] == pytest.approx(a[4:].mean())


def test_l2_norm_does_not_overflow_or_underflow():
    assert formatting.l2_norm(np.array([3e200, 4e200])) == pytest.approx(5e200)
    assert formatting.l2_norm(np.array([3e-200, 4e-200])) == pytest.approx(5e-200)


def test_summary_lines_tiny_and_large():
    assert formatting.summary_lines(np.array([1.0, -2.0])) == ["[1, -2]"]
    lines = formatting.summary_lines(np.arange(10.0))
    assert lines[0].startswith("mean 4.5") and "max 9" in lines[1] and lines[2].startswith("norm")


# -- op arguments --------------------------------------------------------------------------------
def test_index_text_reads_like_python():
    assert formatting.index_text((slice(1, None), 0)) == "[1:, 0]"
    assert formatting.index_text((Ellipsis, None, slice(None, None, 2))) == "[..., None, ::2]"
    assert formatting.index_text(np.zeros((4, 5), bool)) == "[bool[4\u00d75]]"


def test_value_text():
    assert formatting.value_text((1, 2)) == "(1, 2)"
    assert formatting.value_text((3,)) == "(3,)"
    assert formatting.value_text(np.dtype("float64")) == "float64"
    assert formatting.value_text("same") == "'same'"
    assert len(formatting.value_text(tuple(range(100)))) == formatting.PARAM_CHARS


def test_op_params_hide_defaults_in_labels_but_not_in_tooltips():
    import autograd_core as ag

    t = ag.randn(3, 4, requires_grad=True)
    s = t.sum(axis=1)
    assert formatting.op_param_items(s._op, s._params) == ["axis=1"]
    assert formatting.op_param_items(s._op, s._params, full=True) == ["axis=1", "keepdims=False"]
    r = t.reshape(2, 6)
    assert formatting.op_param_items(r._op, r._params) == ["\u2192 2\u00d76"]
    g = t[1:, 0]
    assert formatting.op_param_items(g._op, g._params) == ["[1:, 0]"]


def test_call_text_shows_constants():
    import autograd_core as ag

    t = ag.randn(3, requires_grad=True)
    assert formatting.call_text("mul", (t, None), (t._data, 2)) == "mul(\u00b7, 2)"
    assert formatting.call_text("add", (t, t), (t._data, t._data)) == "add"
    assert formatting.call_text("mul", (None, t), None) == "mul(const, \u00b7)"


# -- gradient health -----------------------------------------------------------------------------
def test_rms_is_size_independent_and_safe():
    assert health.rms(np.full(10, 3.0)) == pytest.approx(3.0)
    assert health.rms(np.full(1000, 3.0)) == pytest.approx(3.0)
    assert health.rms(np.array([1e300, -1e300])) == pytest.approx(1e300)
    assert health.rms(np.array([np.nan, 2.0])) == pytest.approx(2.0)


@pytest.mark.parametrize("grad,status", [
    (np.full(4, 1e-9), "vanishing"),
    (np.zeros(4), "vanishing"),
    (np.full(4, 1e5), "exploding"),
    (np.array([1.0, np.nan]), "nan"),
    (np.array([1.0, np.inf]), "inf"),
    (np.array([np.inf, np.nan]), "nan"),
    (np.full(4, 0.01), "ok"),
])
def test_grad_health_status(grad, status):
    h = health.grad_health([grad], 1e-7, 1e3)
    assert h.status == status
    assert (h.flag != "") == (status != "ok")


def test_grad_health_of_nothing_and_of_a_group():
    assert health.grad_health([], 1e-7, 1e3).status == "none"
    h = health.grad_health([np.full(1, 3.0), np.full(3, 1.0)], 1e-7, 1e3)
    assert h.rms == pytest.approx(math.sqrt((9 + 3) / 4))


def test_scale_is_logarithmic_and_clamped():
    assert health.scale_position(1e-7, 1e-7, 1e3) == 0.0
    assert health.scale_position(1e3, 1e-7, 1e3) == 1.0
    assert health.scale_position(1e-2, 1e-7, 1e3) == pytest.approx(0.5)
    assert health.scale_position(1e-20, 1e-7, 1e3) == 0.0
    assert health.scale_position(0.0, 1e-7, 1e3) == 0.0
    assert health.scale_position(1e20, 1e-7, 1e3) == 1.0


def _luminance(color):
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_palette_runs_dark_to_light():
    assert health.palette_color(0.0) == health.PALETTE[0]
    assert health.palette_color(1.0) == health.PALETTE[-1]
    lums = [_luminance(health.palette_color(p)) for p in np.linspace(0, 1, 11)]
    assert lums == sorted(lums)
    assert health.font_color(health.PALETTE[0]) == "#ffffff"
    assert health.font_color(health.PALETTE[-1]) == "#000000"


def test_legend_ticks_cover_the_scale():
    ticks = health.legend_ticks(1e-7, 1e3)
    assert ticks[0] == pytest.approx(1e-7) and ticks[-1] == pytest.approx(1e3)
    assert len(ticks) <= 8
    assert ticks == sorted(ticks)
    odd = health.legend_ticks(3e-5, 50.0)
    assert odd[0] == pytest.approx(3e-5) and odd[-1] == pytest.approx(50.0)
