"""Gradient health: how big each gradient is, on a log colour scale, and which ones are broken.

Size is the root-mean-square of the gradient's elements, ||g|| / sqrt(n): unlike the norm it does
not grow with the tensor's size, so a bias and a large weight matrix are compared fairly and one
pair of thresholds suits every tensor. The colour scale is logarithmic and spans the healthy range
[vanish_threshold, explode_threshold] with a perceptually uniform palette (viridis: dark blue for
small, yellow for large). Outside it, and for NaN or inf, conspicuous styles take over.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .formatting import number

# viridis sampled at nine evenly spaced points
PALETTE = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c",
           "#28ae80", "#5ec962", "#addc30", "#fde725")

NO_GRAD_FILL = "#f2f2f2"
NO_GRAD_FONT = "#777777"
VANISH_BORDER = "#1f77b4"
EXPLODE_BORDER = "#ff7f0e"
NONFINITE_BORDER = "#d00000"
NONFINITE_FILL = "#ffd6d6"


@dataclass(frozen=True)
class GradHealth:
    status: str  # "none" | "ok" | "vanishing" | "exploding" | "nan" | "inf"
    rms: float | None = None
    n_nan: int = 0
    n_inf: int = 0

    @property
    def flag(self) -> str:
        """The word written on a node whose gradient needs attention ('' when healthy)."""
        return {"vanishing": "VANISHING", "exploding": "EXPLODING",
                "nan": "NaN", "inf": "inf"}.get(self.status, "")


def rms(a: np.ndarray) -> float:
    """sqrt(mean(a**2)) over the finite elements, scaled so that nothing overflows."""
    x = np.abs(np.asarray(a)).astype(np.float64, copy=False).reshape(-1)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0.0
    m = float(x.max())
    if m == 0.0:
        return 0.0
    return m * math.sqrt(float(np.mean(np.square(x / m))))


def grad_health(grads: Iterable[np.ndarray], vanish: float, explode: float) -> GradHealth:
    """Health of one gradient, or of several taken together (a module's parameters)."""
    arrays = [np.asarray(g) for g in grads]
    if not arrays:
        return GradHealth("none")
    n_nan = n_inf = 0
    sq = 0.0
    count = 0
    for a in arrays:
        n_finite = a.size
        if a.dtype.kind in "fc":
            n_nan += int(np.isnan(a).sum())
            n_inf += int(np.isinf(a).sum())
            n_finite = int(np.isfinite(a).sum())
        if n_finite:
            r = rms(a)
            sq += r * r * n_finite
            count += n_finite
    r = math.sqrt(sq / count) if count else 0.0
    if n_nan:
        return GradHealth("nan", r, n_nan, n_inf)
    if n_inf:
        return GradHealth("inf", r, n_nan, n_inf)
    if r < vanish:
        return GradHealth("vanishing", r)
    if r > explode:
        return GradHealth("exploding", r)
    return GradHealth("ok", r)


def scale_position(value: float, vanish: float, explode: float) -> float:
    """Where a size falls on the log scale, 0 at vanish_threshold and 1 at explode_threshold."""
    if value <= 0 or not math.isfinite(value):
        return 0.0 if value <= 0 else 1.0
    lo, hi = math.log10(vanish), math.log10(explode)
    return min(max((math.log10(value) - lo) / (hi - lo), 0.0), 1.0)


def palette_color(p: float) -> str:
    """Linear interpolation between the palette's stops, p in [0, 1]."""
    p = min(max(p, 0.0), 1.0) * (len(PALETTE) - 1)
    i = min(int(p), len(PALETTE) - 2)
    f = p - i
    a, b = _rgb(PALETTE[i]), _rgb(PALETTE[i + 1])
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b))


def font_color(fill: str) -> str:
    """Black on light fills, white on dark ones (relative luminance below one half)."""
    r, g, b = (c / 255 for c in _rgb(fill))
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "#ffffff"


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def style_for(h: GradHealth, vanish: float, explode: float) -> dict[str, str]:
    """Node attributes that show a gradient's health."""
    if h.status == "none":
        return {"fillcolor": NO_GRAD_FILL, "fontcolor": NO_GRAD_FONT, "style": "filled,dotted"}
    if h.status in ("nan", "inf"):
        return {"fillcolor": NONFINITE_FILL, "fontcolor": "#000000", "color": NONFINITE_BORDER,
                "penwidth": "4", "peripheries": "2", "style": "filled,bold"}
    fill = palette_color(scale_position(h.rms or 0.0, vanish, explode))
    attrs = {"fillcolor": fill, "fontcolor": font_color(fill), "style": "filled"}
    if h.status == "vanishing":
        attrs.update(color=VANISH_BORDER, penwidth="4", style="filled,dashed")
    elif h.status == "exploding":
        attrs.update(color=EXPLODE_BORDER, penwidth="4", style="filled,bold")
    return attrs


def legend_ticks(vanish: float, explode: float, max_ticks: int = 7) -> list[float]:
    """Powers of ten across the scale, thinned to at most `max_ticks`, ends included."""
    lo, hi = math.log10(vanish), math.log10(explode)
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    exps = list(range(first, last + 1))
    if len(exps) > max_ticks:
        step = math.ceil((len(exps) - 1) / (max_ticks - 1))
        exps = exps[::step] + ([] if (len(exps) - 1) % step == 0 else [exps[-1]])
    ticks = [10.0 ** e for e in exps]
    if not ticks or not math.isclose(ticks[0], vanish):
        ticks.insert(0, vanish)
    if not math.isclose(ticks[-1], explode):
        ticks.append(explode)
    return ticks


def legend_html(vanish: float, explode: float) -> str:
    """An HTML-like table: the colour scale, then one row per alarming style."""
    rows = ['<TR><TD COLSPAN="2"><B>gradient size (RMS)</B></TD></TR>']
    for v in legend_ticks(vanish, explode):
        fill = palette_color(scale_position(v, vanish, explode))
        rows.append(f'<TR><TD BGCOLOR="{fill}" WIDTH="24"> </TD>'
                    f'<TD ALIGN="LEFT">{number(v)}</TD></TR>')
    rows.append(f'<TR><TD BORDER="3" COLOR="{VANISH_BORDER}" BGCOLOR="{PALETTE[0]}"> </TD>'
                f'<TD ALIGN="LEFT">VANISHING: RMS &lt; {number(vanish)}</TD></TR>')
    rows.append(f'<TR><TD BORDER="3" COLOR="{EXPLODE_BORDER}" BGCOLOR="{PALETTE[-1]}"> </TD>'
                f'<TD ALIGN="LEFT">EXPLODING: RMS &gt; {number(explode)}</TD></TR>')
    rows.append(f'<TR><TD BORDER="3" COLOR="{NONFINITE_BORDER}" BGCOLOR="{NONFINITE_FILL}">'
                '<FONT COLOR="#d00000"><B>!</B></FONT></TD>'
                '<TD ALIGN="LEFT">NaN / inf in the gradient</TD></TR>')
    rows.append(f'<TR><TD BGCOLOR="{NO_GRAD_FILL}"> </TD>'
                '<TD ALIGN="LEFT">no gradient kept (retain_grad())</TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def describe(h: GradHealth) -> str:
    if h.status == "none":
        return "no gradient kept"
    text = f"grad RMS {number(h.rms)}"
    if h.n_nan or h.n_inf:
        text += f" ({h.n_nan} NaN, {h.n_inf} inf)"
    return text + (f" {h.flag}" if h.flag else "")


def tensor_grads(t: Any) -> list[np.ndarray]:
    g = getattr(t, "grad", None)
    return [] if g is None else [np.asarray(g)]
