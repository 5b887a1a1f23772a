"""Backprop step by step: one picture per rule that the engine runs, in the engine's order.

The steps come from a Tape (keep_grads()), which the engine itself filled while it ran, so the
order of the frames is the order of the pass, not a re-simulation. Every frame draws the same
graph: the op whose rule runs is filled, the edges along which it sends gradients are red and
carry the gradient sent, and each tensor shows the gradient it has gathered so far (as a sum
where a value is used more than once). The frames become numbered SVGs, or one HTML page with
a slider and a play button that needs no network and no outside script.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import render
from .draw import prepare, run_dot, tape_of
from .formatting import TINY, number, shape_text, summary_lines, values_text
from .labels import Lookup
from .tape import Tape, keep_grads
from .walk import as_roots

ACTIVE_FILL = "#ffb347"  # the op whose rule runs
SEND_COLOR = "#d62728"  # the gradients it sends
DONE_FILL = "#d9d9d9"  # ops whose rules have run
RECEIVED_BORDER = "#d62728"


@dataclass
class Frame:
    """One picture: its caption, its DOT source, and (after render) its SVG."""

    caption: str
    source: str
    node: int | None = None  # the id (in the pass) of the node whose rule runs; None: no rule
    svg: str = ""


class _Sums(Lookup):
    """Each tensor's gradient as gathered up to one frame: the contributions and their sum."""

    def __init__(self, graph: Any, tape: Tape, parts: dict[int, list[np.ndarray]],
                 widths: dict[int, int] | None = None) -> None:
        super().__init__(graph, tape)
        self.parts = parts
        self.widths = widths or {}

    def grad_width(self, t: Any) -> int | None:
        return self.widths.get(self._key(t))

    def grad(self, t: Any) -> np.ndarray | None:
        got = self.parts.get(self._key(t))
        if not got:
            return None
        total = got[0]
        for p in got[1:]:
            total = total + p
        return total

    def grad_lines(self, t: Any) -> list[str] | None:
        return self.grad_lines_of(self._key(t))

    def grad_lines_of(self, key: int) -> list[str] | None:
        got = self.parts.get(key)
        if not got:
            return None
        total = got[0]
        for p in got[1:]:
            total = total + p
        if len(got) == 1:
            return summary_lines(total)
        if total.size <= TINY and len(got) <= 4:
            return [" + ".join(values_text(p) for p in got) + " = " + values_text(total)]
        return summary_lines(total) + [f"sum of {len(got)} parts"]


class Frames:
    """The frames of one backward pass. `save_html`, `save_frames`; shows itself in a notebook."""

    def __init__(self, frames: list[Frame], title: str) -> None:
        self.frames = frames
        self.title = title

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<Frames: {len(self.frames)} frames of the {self.title}>"

    def __getitem__(self, i: int) -> Frame:
        return self.frames[i]

    @property
    def order(self) -> list[int]:
        """The ids (in the pass) of the nodes whose rules the frames show, in order."""
        return [f.node for f in self.frames if f.node is not None]

    def render(self, timeout: float | None = None) -> Frames:
        for f in self.frames:
            if not f.svg:
                f.svg = run_dot(f.source, timeout=timeout) if timeout else run_dot(f.source)
        return self

    def svgs(self) -> list[str]:
        return [f.svg for f in self.render().frames]

    def html(self, standalone: bool = True) -> str:
        return page(self, standalone)

    def _repr_html_(self) -> str:
        return page(self, standalone=False)

    def save_html(self, path: str | os.PathLike) -> str:
        return save_html(self, path)

    def save_frames(self, folder: str | os.PathLike, prefix: str = "frame") -> list[str]:
        return save_frames(self, folder, prefix)


MAX_FRAMES = 300  # each frame is one Graphviz layout


def backprop_frames(root: Any, tape: Any = None, show_values: bool = True,
                    rankdir: str = "TB", params: Any = None,
                    collapse: int | None = None, max_frames: int = MAX_FRAMES) -> Frames:
    """The backward pass of `root` (a scalar Tensor, or a list of them) as frames.

    The pass is the one recorded by `ag.viz.keep_grads()` (given as `tape`, or the one the
    root's last backward recorded); if there is none and the graph is whole, this runs
    `root.backward()` itself inside keep_grads() (which, as any backward, adds into the leaves'
    .grad). Frame 0 is the seed; then one frame per node whose rule runs, in the engine's
    order; the last shows every gradient. A pass of more than `max_frames` steps is refused:
    the frames are for graphs small enough to read.
    """
    roots = as_roots(root)
    from .walk import walk

    found = tape_of(walk(roots), tape)
    if found is None:
        if any(r._op is not None and r._args is None for r in roots):
            raise RuntimeError(
                "backprop_frames: backward() already freed this graph without recording it; "
                "compute it again and call backprop_frames(loss) instead of loss.backward(), "
                "or run the backward inside `with ag.viz.keep_grads():`")
        with keep_grads() as rec:
            from .. import engine

            engine.backward(roots, [None] * len(roots))
        found = rec.tape
    if len(found.steps) + 2 > max_frames:
        raise ValueError(
            f"backprop_frames: the pass has {len(found.steps):,} steps, more frames than "
            f"max_frames={max_frames}; step through a smaller graph (one layer, a few units), "
            "or raise max_frames")
    return build(roots, found, bool(show_values), rankdir, params, collapse)


def build(roots: list, tape: Tape, show_values: bool, rankdir: str, params: Any,
          collapse: int | None) -> Frames:
    graph, names, sc, opts = prepare(roots, show_values, True, None, collapse, None, params,
                                     1e-7, 1e3, False, tape)
    tensor_node: dict[int, Any] = {}
    op_node: dict[int, Any] = {}
    for n in sc.nodes:
        if n.tensor is None:
            continue
        k = graph.key(n.tensor)
        (tensor_node if n.kind == "tensor" else op_node)[k] = n
    parts: dict[int, list[np.ndarray]] = {}
    done: set[int] = set()
    frames: list[Frame] = []
    widths = _widths(graph, tape)

    pending: list[tuple] = []

    def frame(caption: str, overlay: render.Overlay, node: int | None) -> None:
        for k in done:
            n = op_node.get(k)
            if n is not None and n.id not in overlay.nodes:
                overlay.nodes[n.id] = {"fillcolor": DONE_FILL, "class": "done"}
        pending.append((caption, overlay, node, {k: list(v) for k, v in parts.items()}))

    ov = render.Overlay()
    for k, seed in zip(tape.roots, tape.seeds):
        parts.setdefault(k, []).append(seed)
        n = tensor_node.get(k)
        if n is not None:
            ov.nodes[n.id] = _received()
    frame(f"step 0 of {len(tape.steps)}: backward starts: the output's gradient is "
          f"{_short(tape.seeds[0]) if tape.seeds else '?'} (d out / d out)", ov, None)
    for i, step in enumerate(tape.steps, 1):
        ov = render.Overlay()
        n = op_node.get(step.node)
        if n is not None:
            ov.nodes[n.id] = {"fillcolor": ACTIVE_FILL, "penwidth": "3", "class": "active"}
        sent = []
        for s in step.sends:
            first = not parts.get(s.to)
            parts.setdefault(s.to, []).append(s.grad)
            src = tensor_node.get(s.to)
            if src is not None:
                ov.nodes[src.id] = _received()
                if n is not None:
                    ov.edges[(src.id, n.id, s.position)] = {
                        "color": SEND_COLOR, "penwidth": "2.5", "fontcolor": SEND_COLOR,
                        "fontname": "Helvetica", "fontsize": "11",
                        "xlabel": f"\u2190 {_short(s.grad)}", "class": "send"}
            who = _title(src.tensor, names) if src is not None else None
            sent.append(f"{who or f'input {s.position}'}: {_short(s.grad)}"
                        + ("" if first else " (adds up)"))
        what = "; ".join(sent) if sent else "nothing (no input needs a gradient)"
        frame(f"step {i} of {len(tape.steps)}: the rule of {step.op} runs with its gradient "
              f"{_short(step.grad)} and sends {what}", ov, step.node)
        done.add(step.node)
    frame(f"done: all {len(tape.steps)} rules have run; each tensor holds its whole gradient",
          render.Overlay(), None)
    # every caption in a box of the same size, so that the graph stays put from frame to frame
    wrapped = [textwrap.wrap(c, CAPTION_CHARS) or [""] for c, *_ in pending]
    rows = max(len(w) for w in wrapped)
    width = round(max(len(line) for w in wrapped for line in w) * CAPTION_POINTS)
    for (caption, overlay, node, got), lines in zip(pending, wrapped):
        lookup = _Sums(graph, tape, got, widths)
        o = type(opts)(opts.show_values, True, None, opts.vanish, opts.explode, lookup)
        overlay.caption = caption
        overlay.caption_lines = lines + [""] * (rows - len(lines))
        overlay.caption_width = width
        g = render.to_digraph(sc, names, o, rankdir, None, None, None, overlay)
        frames.append(Frame(caption, g.source, node))
    title = f"backward pass of {len(tape.steps)} steps"
    return Frames(frames, title)


CAPTION_CHARS = 100  # a caption wraps at this many characters
CAPTION_POINTS = 7.4  # a generous width of one character of the 13-point caption


CHAR_POINTS = 6.2  # a generous width of one character of the 10-point labels


def _widths(graph: Any, tape: Tape) -> dict[int, int]:
    """For each tensor, the widest its grad cell gets in any frame, in points."""
    every: dict[int, list[np.ndarray]] = {}
    for k, seed in zip(tape.roots, tape.seeds):
        every.setdefault(k, []).append(seed)
    for step in tape.steps:
        for s in step.sends:
            every.setdefault(s.to, []).append(s.grad)
    out: dict[int, int] = {}
    for k, got in every.items():
        widest = 0
        for n in range(1, len(got) + 1):
            lines = _Sums(graph, tape, {k: got[:n]}).grad_lines_of(k)
            widest = max(widest, max(len(line) for line in lines) + 5)  # "grad " and a margin
        out[k] = round(widest * CHAR_POINTS)
    return out


def _title(t: Any, names: Any) -> str | None:
    from .labels import tensor_title

    return tensor_title(t, names)


def _received() -> dict[str, str]:
    return {"color": RECEIVED_BORDER, "penwidth": "3", "class": "received"}


def _short(a: np.ndarray) -> str:
    a = np.asarray(a)
    if a.size <= TINY:
        return values_text(a)
    return f"{shape_text(a.shape)} array, norm {number(float(np.linalg.norm(a)))}"


# -- output --------------------------------------------------------------------------------------
_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.S)
_XMLNS = re.compile(r'\sxmlns(:\w+)?="[^"]*"')


def inline_svg(svg: str) -> str:
    """An SVG for inside an HTML page: no XML prolog, doctype, comments or namespace URLs (the
    HTML parser knows SVG's names by itself)."""
    return _XMLNS.sub("", _PROLOG.sub("", svg)).strip()


_CSS = """
.agv-frames{font-family:Helvetica,Arial,sans-serif}
.agv-controls{display:flex;gap:.6em;align-items:center;margin:.4em 0}
.agv-controls input{flex:1;max-width:30em}
.agv-frame svg{max-width:100%;height:auto}
.agv-frames.agv-js .agv-frame{display:none}
.agv-frames.agv-js .agv-frame.agv-on{display:block}
"""

_JS = """
(function(){
 var root=document.getElementById("%(id)s"); if(!root) return;
 root.classList.add("agv-js");
 var frames=root.querySelectorAll(".agv-frame"), slider=root.querySelector("input"),
     button=root.querySelector("button"), label=root.querySelector(".agv-step"), timer=null;
 function show(i){ for(var k=0;k<frames.length;k++){frames[k].classList.toggle("agv-on",k==i);}
   slider.value=i; label.textContent=(i)+" / "+(frames.length-1); }
 function stop(){ if(timer){clearInterval(timer);timer=null;} button.textContent="\\u25b6 play"; }
 slider.addEventListener("input",function(){stop();show(+slider.value);});
 button.addEventListener("click",function(){
   if(timer){stop();return;}
   if(+slider.value>=frames.length-1){show(0);}
   button.textContent="\\u275a\\u275a pause";
   timer=setInterval(function(){var i=+slider.value+1; if(i>=frames.length){stop();return;}
     show(i);},%(ms)d);
 });
 show(0);
})();
"""


def page(frames: Frames, standalone: bool = True, interval_ms: int = 1200) -> str:
    """The frames as HTML: every SVG inline, a slider and a play button, inline script and style
    only. Without script (an untrusted notebook) the frames are simply shown one below another."""
    svgs = frames.svgs()
    digest = hashlib.sha1("".join(svgs).encode("utf-8")).hexdigest()[:10]
    fid = f"agv-{digest}"
    body = [f'<div class="agv-frames" id="{fid}">',
            '<div class="agv-controls"><button type="button">\u25b6 play</button>'
            f'<input type="range" min="0" max="{len(svgs) - 1}" value="0" step="1" '
            'aria-label="step">'
            '<span class="agv-step"></span></div>']
    for i, (f, svg) in enumerate(zip(frames.frames, svgs)):
        body.append(f'<div class="agv-frame" data-frame="{i}" '
                    f'title="{html.escape(f.caption)}">{inline_svg(svg)}</div>')
    body.append("</div>")
    script = _JS % {"id": fid, "ms": interval_ms}
    fragment = f"<style>{_CSS}</style>" + "\n".join(body) + f"<script>{script}</script>"
    if not standalone:
        return fragment
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(frames.title)}</title></head><body>\n{fragment}\n"
            "</body></html>\n")


def _as_frames(frames: Any) -> Frames:
    if isinstance(frames, Frames):
        return frames
    return backprop_frames(frames)


def save_html(frames: Any, path: str | os.PathLike) -> str:
    """Writes the frames (or the frames of a root Tensor's backward) as one HTML page."""
    out = os.fspath(path)
    with open(out, "w", encoding="utf-8") as f:
        f.write(page(_as_frames(frames)))
    return out


def save_frames(frames: Any, folder: str | os.PathLike, prefix: str = "frame") -> list[str]:
    """Writes each frame as `folder/prefix_000.svg`, `..._001.svg`, ...; returns the paths."""
    fr = _as_frames(frames)
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    width = max(3, len(str(len(fr) - 1)))
    paths = []
    for i, svg in enumerate(fr.svgs()):
        p = os.path.join(folder, f"{prefix}_{i:0{width}d}.svg")
        with open(p, "w", encoding="utf-8") as f:
            f.write(svg)
        paths.append(p)
    return paths
