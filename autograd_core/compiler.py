"""ag.compile: trace a step once per input signature, then replay it on arrays alone.

Eager mode pays, per op, for a Tensor, a graph node, a heap entry in backward and the checks
that keep user code safe. A training step runs the same ops on the same shapes every time, so
all of that can be paid once: the first call with a new signature runs the step eagerly while a
`_Trace` watches (the hooks in `tensor.py` and `engine.py` are one `is not None` test each when
nothing watches), and every later call runs the recorded steps, closures over a list of
arrays, with no Tensor per op.

Bit-identical to eager by construction: the replay calls the same op forwards and the same
gradient rules, on the same arrays, in the same order, and accumulates gradients exactly as
`engine._propagate` does. The one change is where a result lives: a forward that is a NumPy
ufunc writes into a buffer planned at trace time (`out=`), reused once every reader of the
value it held has run, which gives the same bits as a fresh array.

Some things a trace cannot see; the trace refuses them with a `TraceError` naming the line
(or, under `fallback=True`, runs that signature eagerly from then on): reading a value into
Python (`item()`, `bool()`, `tolist()`, `numpy()`), a value computed outside the ops from a
traced Tensor (a comparison mask used later), an index or shape that depends on values, random
draws that are not marked `redrawn`, in-place writes it cannot replay, hooks and create_graph.
Effects that are not ops (an optimizer's step) run again at the same point of each replay when
the method is marked `replayed`.
"""

from __future__ import annotations

import functools
import gc
import linecache
import os
import sys
import warnings
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any, TypeVar

import numpy as np

from . import engine as _engine  # noqa: I001
from .anomaly import _library_dirs
from .dtypes import get_default_dtype
from .modes import _anomaly, state
from .ops.registry import NP
from .pytree import tree_flatten, tree_unflatten
from .rng import default_generator
from .scalar import _traced
from .tensor import Tensor, _leaf

_tensor = sys.modules[Tensor.__module__]  # the module (ag.tensor is the function)

__all__ = ["TraceError", "compile", "computed", "redrawn", "replayed"]

_ndarray = np.ndarray
_ufunc = np.ufunc
_CACHE_SIZE = 8  # traces kept per compiled function (new shapes push out the oldest)
F = TypeVar("F", bound=Callable[..., Any])


class TraceError(RuntimeError):
    """A step does something its trace could not replay faithfully."""


def _user_line() -> str:
    """The innermost frame outside the library packages, as `file:line: code`."""
    lib = _library_dirs()
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
    frame = sys._getframe(1)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not path.startswith(lib) and not path.startswith(here):
            code = linecache.getline(path, frame.f_lineno).strip()
            return f"{path}:{frame.f_lineno}: {code}"
        frame = frame.f_back
    return "(no line outside the library)"


# -- hooks for libraries above the engine ---------------------------------------------------
def replayed(method: F) -> F:
    """Marks a method whose effect is not an op (an optimizer's update of its parameters in
    place): inside a trace it runs and is recorded as one call, made again at the same point of
    every replay, so state such as a step counter advances as in eager."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        rec = _tensor._recorder
        if rec is None:
            return method(*args, **kwargs)
        return rec.opaque(method, args, kwargs)

    wrapper.__wrapped_replayed__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def redrawn(draw: Callable[[], np.ndarray]) -> np.ndarray:
    """The array `draw()` returns, drawn again at each replay (a dropout mask): random values
    must be fresh every step and equal to eager's for the same seed."""
    rec = _tensor._recorder
    if rec is None:
        return draw()
    return rec.redraw(draw)


def computed(fn: Callable[..., np.ndarray], *args: Any) -> np.ndarray:
    """fn applied to the arrays of `args` (Tensors or arrays) outside the ops: a one-hot of class
    indices, a mask from a comparison. Inside a trace it is computed again from the replayed
    arrays at each replay, where a plain NumPy expression would stay the value of the trace."""
    rec = _tensor._recorder
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    if rec is None:
        return fn(*arrays)
    return rec.computed(fn, args, arrays)


# -- the trace -------------------------------------------------------------------------------
def _advice(fallback: bool, what: str) -> str:
    if fallback:
        return ""
    return f" {what}, or compile with fallback=True to run such steps eagerly."


class _Trace:
    """Watches one eager run of the step and writes down what a replay must do.

    Slots number the values: an input, a parameter (an external Tensor read by reference), a
    constant, or the result of a step. `steps` are (kind, ...) tuples, turned into closures
    by `_Plan` once the run is over.
    """

    def __init__(self, fallback: bool, name: str) -> None:
        self.fallback = fallback
        self.name = name
        self.live = True
        self.reason = ""
        self.values: list = []  # the trace-time array of each slot
        self.kinds: list = []  # "in", "ext", "const", "step"
        self.tslot: dict[int, int] = {}  # id(Tensor) -> slot
        self.aslot: dict[int, int] = {}  # id(array) -> slot (arrays of traced Tensors)
        self.roots: set[int] = set()  # ids of the arrays that own the memory of the slots
        self.keep: list = []  # everything whose id is a key above stays alive while tracing
        self.ext: list = []  # (Tensor, slot, shape, dtype, requires_grad)
        self.inputs: list = []  # (position in the flat arguments, slot)
        self.positions: dict[int, int] = {}  # id(argument Tensor) -> its position
        self.steps: list = []
        self.derived: set[int] = set()  # ids of leaves computed outside the ops from traced data
        self.derived_arrays: set[int] = set()
        self.node_ins: dict[int, tuple] = {}  # id(node) -> its input slots (None: a constant)
        self.escaping: set[int] = set()  # slots whose arrays outlive a replay
        self.lines: dict[int, str] = {}  # step index -> the user's line, where it may matter
        gen = default_generator()
        self.rng = (gen, gen.bit_generator.state)

    # -- slots ------------------------------------------------------------------------------
    def _new(self, arr: Any, kind: str) -> int:
        k = len(self.values)
        self.values.append(arr)
        self.kinds.append(kind)
        if isinstance(arr, _ndarray):
            self.aslot[id(arr)] = k
            self.roots.add(_root(arr))
            self.keep.append(arr)
        return k

    def bind(self, t: Tensor, k: int) -> None:
        self.tslot[id(t)] = k
        self.keep.append(t)

    def slot_of(self, t: Tensor) -> int:
        k = self.tslot.get(id(t))
        if k is not None:
            return k
        if id(t) in self.derived:
            self.refuse("a Tensor computed outside the ops from a traced value (a comparison, "
                        "argmax, a conversion to another dtype) is used by a later op")
        k = self.aslot.get(id(t._data))
        if k is None:
            k = self._new(t._data, "ext")
            self.ext.append((t, k, t._data.shape, t._data.dtype, t.requires_grad))
        self.bind(t, k)
        return k

    def const_slot(self, a: Any) -> int | None:
        """Slot of a non-Tensor operand that is itself a traced array (a redrawn mask)."""
        if a.__class__ is _ndarray:
            if _root(a) in self.derived_arrays:
                self.refuse("an array computed from a traced value outside the ops is an "
                            "operand of a later op")
            return self.aslot.get(id(a))
        return None

    def refuse(self, what: str) -> None:
        line = _user_line()
        msg = f"ag.compile could not trace {self.name}: {what}, at {line}." + _advice(
            self.fallback, "Compute it outside the compiled function")
        if self.fallback:
            self.abandon(msg)
            return
        raise TraceError(msg)

    def abandon(self, msg: str) -> None:
        """Stops recording; the step goes on eagerly and its signature stays eager."""
        if self.live:
            self.live = False
            self.reason = msg
            _tensor._recorder = None

    # -- hooks called from tensor.py --------------------------------------------------------
    def op(self, t: Tensor, op: Any, parents: Any, arrays: Any, params: dict) -> None:
        if self.derived and id(t) in self.derived:
            self.derived.discard(id(t))
            self.derived_arrays.discard(_root(t._data))
        if "ctx" in params:
            self.refuse(f"the custom ag.Function '{op.name}' runs Python of its own")
            return
        for v in params.values():
            for a in (v if isinstance(v, tuple) else (v,)):
                if a.__class__ is _ndarray and (_root(a) in self.roots
                                                or _root(a) in self.derived_arrays):
                    self.refuse(f"op '{op.name}' takes an index or argument computed from "
                                "traced values")
                    return
        ins = []
        for p, a in zip(parents, arrays):
            if p is None:
                ins.append(self.const_slot(a) if a is not None else None)
                if a is not None and ins[-1] is None:
                    ins[-1] = ("c", a)
                continue
            k = self.slot_of(p)
            if a is not p._data:
                if a.__class__ is not _ndarray or a.dtype == p._data.dtype:
                    self.refuse(f"op '{op.name}' got an operand the trace cannot follow")
                    return
                k2 = self._new(a, "step")
                self.steps.append(("cast", k, a.dtype, k2))
                k = k2
            ins.append(k)
            if not self.live:
                return
        out = self._new(t._data, "step")
        self.bind(t, out)
        self.node_ins[id(t)] = tuple(ins)
        if any(k.__class__ is tuple and k[1].__class__ is _ndarray for k in ins if k) or any(
                v.__class__ is _ndarray for v in params.values()):
            self.lines[len(self.steps)] = _user_line()
        self.steps.append(("fwd", op, tuple(ins), params, out))

    def born(self, t: Tensor) -> None:
        """A leaf made outside apply: a view of a traced array (detach), a constant, or a
        value derived from traced data, which a replay could not recompute."""
        k = self.aslot.get(id(t._data))
        if k is not None:
            self.bind(t, k)
            return
        frame = sys._getframe(2)
        for v in frame.f_locals.values():
            if (v.__class__ is Tensor and id(v) in self.tslot
                    and self.kinds[self.tslot[id(v)]] != "const"):
                self.derived.add(id(t))
                self.derived_arrays.add(_root(t._data))
                self.keep.append(t)
                return

    def reads(self, t: Tensor, what: str) -> None:
        if id(t) in self.tslot or id(t) in self.derived:
            self.refuse(f"{what} reads a Tensor's value into Python")

    def inplace(self, t: Tensor, what: str) -> None:
        if id(t) in self.tslot or id(t._data) in self.aslot:
            self.refuse(f"the in-place write {what} into a traced Tensor cannot be replayed")

    def ufunc_(self, t: Tensor, ufunc: Any, other: Any) -> None:
        """self = ufunc(self, other) in place (x += y under no_grad): replayed as it is."""
        k = self.slot_of(t)
        if isinstance(other, _ndarray):
            o = self.const_slot(other)
            o = ("c", other) if o is None else o
        else:
            o = ("c", other)
        self.escaping.add(k)
        self.steps.append(("ufunc_", ufunc, k, o))

    def set_grad(self, t: Tensor, value: Any) -> None:
        if value is None:
            self.steps.append(("nograd", self.positions.get(id(t), t)))
        else:
            self.refuse("assigning .grad a Tensor")

    def opaque(self, method: Callable, args: tuple, kwargs: dict) -> Any:
        for a in (*args, *kwargs.values()):
            if (isinstance(a, Tensor) and id(a) in self.tslot
                    and self.kinds[self.tslot[id(a)]] != "ext"):
                self.refuse(f"{method.__qualname__} takes a Tensor computed in the step")
                return method(*args, **kwargs)
        if kwargs.get("closure") is not None or (len(args) > 1 and callable(args[1])):
            self.refuse(f"{method.__qualname__} with a closure")
            return method(*args, **kwargs)
        step = ["call", method, args, kwargs, None]
        self.steps.append(step)
        _tensor._recorder = None  # what it does is its own business
        try:
            result = method(*args, **kwargs)
        finally:
            if self.live:
                _tensor._recorder = self
        if isinstance(result, Tensor) and self.live:  # a value later ops or the caller read
            k = self._new(result._data, "step")
            self.bind(result, k)
            self.escaping.add(k)
            step[4] = k
        return result

    def redraw(self, draw: Callable[[], np.ndarray]) -> np.ndarray:
        gen, before = self.rng
        if gen.bit_generator.state != before:
            self.refuse("random numbers were drawn by something other than a redrawn draw "
                        "(ag.rand, ag.randn ... inside a compiled step)")
        arr = draw()
        if self.live:
            k = self._new(arr, "step")
            self.steps.append(("draw", draw, k))
            self.rng = (default_generator(), default_generator().bit_generator.state)
        return arr

    def computed(self, fn: Callable, args: tuple, arrays: list) -> np.ndarray:
        ins: list = []
        for a, arr in zip(args, arrays):
            if isinstance(a, Tensor):
                ins.append(self.slot_of(a))
            else:
                k = self.const_slot(arr) if arr.__class__ is _ndarray else None
                ins.append(("c", arr) if k is None else k)
        res = fn(*arrays)
        if self.live:
            k = self._new(res, "step")
            self.steps.append(("computed", fn, tuple(ins), k))
        return res

    def fingerprint(self) -> list:
        """What must not change from one trace to the next for the replay to be valid: the
        steps, their ops and every constant they bake in."""
        out = []
        for s in self.steps:
            kind = s[0]
            if kind in ("draw", "computed"):
                out.append((kind, s[1].__code__, s[2:]))
            elif kind == "rule":
                out.append((kind, s[1], *s[2:6], s[6], s[7], s[8]))
            else:
                out.append(s)
        return out

    # -- backward ---------------------------------------------------------------------------
    def backward(self, seeds: list, retain_graph: bool, only: list | None) -> None:
        """engine._propagate and _deliver_to_leaves on the first-order path, step for step,
        writing down each rule call and each accumulation."""
        grads: dict = {}  # Tensor -> (array, slot)
        owned: set = set()
        heap: list = []
        steps = self.steps
        for root, g in seeds:
            self.slot_of(root)
            if isinstance(g, _ndarray) and id(g) in self.aslot:
                gk = self.aslot[id(g)]
            else:
                gk = self._new(g, "const")
            self._acc(grads, owned, heap, root, g, gk, False)
        while heap:
            t = heappop(heap)[1]
            g, gk = grads.pop(t)
            owned.discard(t)
            if t._meta is not None and (t._meta.get("hooks") or t._meta.get("retain")):
                self.refuse("a hook or retain_grad on a Tensor of the step")
                g = _engine._node_hooks(t, g, False)  # abandoned: on as eager goes
            args = t._args
            if args is None:
                raise _engine._freed_error(t)
            op, params, seq = t._op, t._params, t._seq
            vjps, variadic = op.vjps, op.variadic
            ins = t._arrays
            out = t._data
            ink = self.node_ins.get(id(t))
            if ink is None:
                self.refuse(f"op '{op.name}' was recorded before the trace began")
                ink = (None,) * len(args)
            outk = self.tslot.get(id(t))
            for i, p in enumerate(args):
                if p is None:
                    continue
                if p._version > seq:
                    self.refuse("an input of an op was changed in place after the op used it")
                    raise _engine._version_error(t, i, p)
                if not p.requires_grad:
                    continue
                if variadic is None:
                    rule = vjps[i]
                    if rule is None:
                        continue
                    gi = rule(NP, g, out, *ins, **params)
                else:
                    gi = variadic(i, NP, g, out, ins, **params)
                if gi is None:
                    continue
                gik = self._new(gi, "step")
                steps.append(("rule", rule if variadic is None else variadic, i,
                              variadic is not None, gk, outk, ink, params, gik))
                pd = p._data
                if gi.shape != pd.shape:
                    gi = _engine._summed(NP, gi, pd.shape, t, i)
                    k2 = self._new(gi, "step")
                    steps.append(("sum_to", gik, pd.shape, k2))
                    gik = k2
                    fresh = gi.__class__ is _ndarray
                else:
                    fresh = gi is not g and gi.__class__ is _ndarray and gi.base is None
                if gi.dtype is not pd.dtype and gi.dtype != pd.dtype:
                    gi = NP.cast(gi, dtype=pd.dtype)
                    k2 = self._new(gi, "step")
                    steps.append(("cast", gik, pd.dtype, k2))
                    gik = k2
                    fresh = gi.__class__ is _ndarray
                self.slot_of(p)
                self._acc(grads, owned, heap, p, gi, gik, fresh)
            if not retain_graph:
                t._args = t._arrays = None
        wanted = None if only is None else {id(x) for x in only}
        for p, (g, gk) in grads.items():
            fresh = p in owned
            if p._meta is not None and p._meta.get("hooks"):
                self.refuse("a hook on a leaf of the step")
                g, fresh = _engine._call_hooks(p._meta["hooks"], g, False), False
            if wanted is not None and id(p) not in wanted:
                continue
            _engine._store_grad(p, g, False, fresh)
            self.escaping.add(gk)
            k = self._new(p._grad._data, "step")
            self.bind(p._grad, k)
            if self.derived and id(p._grad) in self.derived:  # its copy of a gradient
                self.derived.discard(id(p._grad))
                self.derived_arrays.discard(_root(p._grad._data))
            steps.append(("store", self.positions.get(id(p), p), gk, fresh, k))

    def _acc(self, grads: dict, owned: set, heap: list, p: Tensor, gi: Any, gik: int,
             fresh: bool) -> None:
        prev = grads.get(p)
        if prev is None:
            grads[p] = (gi, gik)
            if fresh:
                owned.add(p)
            if p._op is not None:
                heappush(heap, (-p._seq, p))
        elif p in owned:
            prev[0].__iadd__(gi)
            self.steps.append(("iadd", prev[1], gik))
        else:
            s = prev[0] + gi
            k = self._new(s, "step")
            self.steps.append(("add", prev[1], gik, k))
            grads[p] = (s, k)
            if s.__class__ is _ndarray:
                owned.add(p)


# -- the plan: steps -> closures, with buffers --------------------------------------------
def _root(a: Any) -> int:
    while isinstance(a, _ndarray) and a.base is not None:
        a = a.base
    return id(a)


def _reads(step: tuple) -> list[int]:
    kind = step[0]
    if kind == "fwd":
        return [k for k in step[2] if isinstance(k, int)]
    if kind == "rule":
        return [k for k in (step[4], step[5], *step[6]) if isinstance(k, int)]
    if kind in ("cast", "sum_to"):
        return [step[1]]
    if kind == "iadd":
        return [step[1], step[2]]
    if kind == "add":
        return [step[1], step[2]]
    if kind == "store":
        return [step[2]]
    if kind == "ufunc_":
        return [step[2]] + ([step[3]] if isinstance(step[3], int) else [])
    if kind == "computed":
        return [k for k in step[2] if isinstance(k, int)]
    return []


class _Plan:
    """The closures a replay runs, and the buffers the ufunc forwards write into."""

    def __init__(self, tr: _Trace, outputs: list[int | None], spec: Any,
                 others: list) -> None:
        n = len(tr.values)
        self.slots: list = [None] * n
        for k, kind in enumerate(tr.kinds):
            if kind == "const":
                self.slots[k] = tr.values[k]
        self.ext = tr.ext
        self.inputs = tr.inputs
        self.outputs = outputs
        self.spec = spec
        self.others = others
        self.args: list = [None]  # the flat arguments of the call being replayed
        self.buffers = self._plan_buffers(tr, outputs)
        self.run = [self._closure(s) for s in tr.steps]
        sentinel = object()
        self.bare = len(outputs) == 1 and tree_unflatten([sentinel], spec) is sentinel
        self.guard: list | None = None  # (position, value) of inputs that must stay equal
        self.aliases: tuple | None = None  # where one Tensor was passed twice
        self.pending: _Pending | None = None

    def _plan_buffers(self, tr: _Trace, outputs: list) -> dict[int, np.ndarray]:
        """A buffer per ufunc result, handed on to a later result of the same shape and dtype
        once every step that reads the value (or an array sharing its memory) has run."""
        steps = tr.steps
        values = tr.values
        last: dict[int, int] = {}  # memory root -> index of the last step reading it
        pinned: set[int] = set()  # roots that outlive a replay or are written in place
        for k in list(tr.escaping) + [k for k in outputs if k is not None]:
            pinned.add(_root(values[k]))
        for _t, k, *_ in tr.ext:
            pinned.add(_root(values[k]))
        for k, kind in enumerate(tr.kinds):
            if kind in ("const", "in"):
                pinned.add(_root(values[k]))
        for j, s in enumerate(steps):
            for k in _reads(s):
                last[_root(values[k])] = j
            if s[0] == "iadd":
                pinned.add(_root(values[s[1]]))
        free: dict[tuple, list] = {}
        release: dict[int, list] = {}
        buffers: dict[int, np.ndarray] = {}
        for j, s in enumerate(steps):
            for key, buf in release.pop(j, ()):
                free.setdefault(key, []).append(buf)
            if s[0] != "fwd" or s[1].forward.__class__ is not _ufunc or s[1].forward.nout != 1:
                continue
            k = s[4]
            a = values[k]
            r = id(a)
            if (a.__class__ is not _ndarray or a.base is not None or r in pinned or a.ndim == 0
                    or not a.flags.c_contiguous):
                continue
            key = (a.shape, a.dtype)
            pool = free.get(key)
            buf = pool.pop() if pool else np.empty(a.shape, a.dtype)
            buffers[k] = buf
            end = last.get(r, j)
            release.setdefault(end + 1, []).append((key, buf))
        return buffers

    def _closure(self, s: tuple) -> Callable[[], None]:
        S = self.slots
        kind = s[0]
        if kind == "fwd":
            op, ins, params, out = s[1], s[2], s[3], s[4]
            fwd = op.forward
            buf = self.buffers.get(out)
            consts = [k[1] if isinstance(k, tuple) else None for k in ins]
            if all(isinstance(k, int) for k in ins) and not params:
                if len(ins) == 1:
                    a, = ins
                    if buf is not None:
                        def f() -> None:
                            S[out] = fwd(S[a], out=buf)
                    else:
                        def f() -> None:
                            S[out] = fwd(S[a])
                    return f
                if len(ins) == 2:
                    a, b = ins
                    if buf is not None:
                        def f() -> None:
                            S[out] = fwd(S[a], S[b], out=buf)
                    else:
                        def f() -> None:
                            S[out] = fwd(S[a], S[b])
                    return f
            idx = [k if isinstance(k, int) else None for k in ins]
            extra = {"out": buf} if buf is not None else {}
            kw = {**params, **extra}
            if None not in idx and len(idx) == 3:
                a, b, c = idx

                def f() -> None:
                    S[out] = fwd(S[a], S[b], S[c], **kw)
                return f
            if None not in idx and len(idx) == 2:
                a, b = idx

                def f() -> None:
                    S[out] = fwd(S[a], S[b], **kw)
                return f
            if None not in idx and len(idx) == 1:
                a, = idx

                def f() -> None:
                    S[out] = fwd(S[a], **kw)
                return f

            def f() -> None:
                S[out] = fwd(*[c if k is None else S[k] for k, c in zip(idx, consts)], **kw)
            return f
        if kind == "rule":
            rule, i, variadic, gk, outk, ink, params, res = s[1:]
            idx = [k if isinstance(k, int) else None for k in ink]
            consts = [None if isinstance(k, int) else (k[1] if k is not None else None)
                      for k in ink]
            if variadic:
                def f() -> None:
                    ins = tuple(c if k is None else S[k] for k, c in zip(idx, consts))
                    S[res] = rule(i, NP, S[gk], S[outk], ins, **params)
                return f
            if len(idx) == 2 and None not in idx and not params:
                a, b = idx

                def f() -> None:
                    S[res] = rule(NP, S[gk], S[outk], S[a], S[b])
                return f
            if len(idx) == 2 and None not in idx:
                a, b = idx

                def f() -> None:
                    S[res] = rule(NP, S[gk], S[outk], S[a], S[b], **params)
                return f
            if len(idx) == 3 and None not in idx:
                a, b, c = idx

                def f() -> None:
                    S[res] = rule(NP, S[gk], S[outk], S[a], S[b], S[c], **params)
                return f
            if len(idx) == 1 and None not in idx:
                a, = idx

                def f() -> None:
                    S[res] = rule(NP, S[gk], S[outk], S[a], **params)
                return f

            def f() -> None:
                S[res] = rule(NP, S[gk], S[outk],
                              *[c if k is None else S[k] for k, c in zip(idx, consts)], **params)
            return f
        if kind == "cast":
            src, dt, res = s[1:]

            def f() -> None:
                S[res] = S[src].astype(dt)
            return f
        if kind == "sum_to":
            src, shape, res = s[1:]
            sum_to = NP.sum_to

            def f() -> None:
                S[res] = sum_to(S[src], shape=shape)
            return f
        if kind == "iadd":
            a, b = s[1:]

            def f() -> None:
                S[a] += S[b]
            return f
        if kind == "add":
            a, b, res = s[1:]

            def f() -> None:
                S[res] = S[a] + S[b]
            return f
        if kind == "store":
            p, gk, fresh, res = s[1:]
            store = _engine._store_grad
            if isinstance(p, int):  # a Tensor argument: this call's, not the trace's
                pos, args = p, self.args

                def f() -> None:
                    t = args[0][pos]
                    store(t, S[gk], False, fresh)
                    S[res] = t._grad._data
                return f

            def f() -> None:
                store(p, S[gk], False, fresh)
                S[res] = p._grad._data
            return f
        if kind == "ufunc_":
            ufunc, k, o = s[1:]
            if isinstance(o, int):
                def f() -> None:
                    ufunc(S[k], S[o], out=S[k], casting="same_kind")
            else:
                c = o[1]

                def f() -> None:
                    ufunc(S[k], c, out=S[k], casting="same_kind")
            return f
        if kind == "nograd":
            t = s[1]
            if isinstance(t, int):
                pos, args = t, self.args

                def f() -> None:
                    args[0][pos]._grad = None
                return f

            def f() -> None:
                t._grad = None
            return f
        if kind == "call":
            method, args, kwargs, res = s[1:]
            if res is None:
                return functools.partial(method, *args, **kwargs)

            def f() -> None:
                S[res] = method(*args, **kwargs)._data
            return f
        if kind == "computed":
            fn, ins, res = s[1:]
            idx = [k if isinstance(k, int) else None for k in ins]
            consts = [k[1] if isinstance(k, tuple) else None for k in ins]

            def f() -> None:
                S[res] = fn(*[c if k is None else S[k] for k, c in zip(idx, consts)])
            return f
        if kind == "draw":
            draw, res = s[1:]

            def f() -> None:
                S[res] = draw()
            return f
        raise AssertionError(kind)

    def replay(self, flat: list) -> Any:
        S = self.slots
        for t, k, shape, dtype, rg in self.ext:
            a = t._data
            if a.shape != shape or a.dtype != dtype or t.requires_grad != rg:
                return _STALE
            S[k] = a
        if _aliases(flat) != self.aliases:
            return _STALE  # the same Tensor in other places than in the trace
        if self.guard is not None:
            for pos, a in self.guard:
                if not _same(flat[pos]._data, a):
                    return _CHECK
        for pos, k in self.inputs:
            S[k] = flat[pos]._data
        self.args[0] = flat
        for f in self.run:
            f()
        if self.bare:  # one Tensor, or nothing
            k = self.outputs[0] if self.outputs else None
            return self.others[0] if k is None else _leaf(S[k].copy())
        leaves = [o if k is None else _leaf(S[k].copy()) for k, o in zip(self.outputs,
                                                                        self.others)]
        return tree_unflatten(leaves, self.spec)


_STALE = object()  # the trace does not fit this call: trace afresh
_CHECK = object()  # other input values at last: trace, and check against the first trace
_EAGER = object()


def _aliases(flat: Any) -> tuple | None:
    """For each argument the position where it first appears, when any appears twice."""
    if len(flat) < 2:
        return None
    first: dict[int, int] = {}
    pattern = tuple(first.setdefault(id(x), i) for i, x in enumerate(flat))
    return pattern if len(first) < len(flat) else None


def _same(a: Any, b: Any) -> bool:
    """Equal as values a trace bakes in: arrays by their elements, the rest by ==."""
    if a is b:
        return True
    if a.__class__ is not b.__class__:
        return False
    if a.__class__ is _ndarray:
        return a.shape == b.shape and a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (tuple, list)):
        try:  # most steps hold slot numbers and scalars: one comparison of the whole tuple
            if a == b:
                return True
        except (ValueError, TypeError):
            pass
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, Tensor):
        return False
    try:
        return bool(a == b) or (a != a and b != b)
    except (TypeError, ValueError):
        return False


class _Pending:
    """A first trace, kept to be checked against the second: a constant that differs between
    two runs was computed from values, and a replay would keep it stale."""

    def __init__(self, tr: _Trace, flat: list) -> None:
        self.fingerprint = tr.fingerprint()
        self.lines = tr.lines
        self.inputs = [(pos, flat[pos]._data.copy()) for pos, _ in tr.inputs]

    def mismatch(self, tr: _Trace) -> str | None:
        """Where the two traces differ, or None."""
        other = tr.fingerprint()
        for i, (a, b) in enumerate(zip(self.fingerprint, other)):
            if not _same(a, b):
                what = a[1].name if a[0] == "fwd" and not isinstance(a[1], str) else a[0]
                line = tr.lines.get(i) or self.lines.get(i) or "(an op of the library)"
                return (f"op '{what}' takes a constant computed outside the ops from traced "
                        f"values (it changed from one call to the next), at {line}")
        if len(self.fingerprint) != len(other):
            return "the steps differ from one call to the next (control flow on values?)"
        return None

    def same_inputs(self, flat: list) -> bool:
        return all(_same(flat[pos]._data, a) for pos, a in self.inputs)


# -- the compiled function ---------------------------------------------------------------------
def _signature(flat: list) -> tuple:
    sig = [state.enabled, get_default_dtype()]
    for x in flat:
        if isinstance(x, Tensor):
            d = x._data
            sig.append((d.shape, d.dtype, x.requires_grad))
        else:
            try:
                hash(x)
                sig.append(("v", type(x), x))
            except TypeError:
                sig.append(("id", id(x)))
    return tuple(sig)


class Compiled:
    """A function that traces itself once per signature and replays the trace afterwards.

    The first call with a signature traces; the second traces again and compares, so that a
    constant computed from values outside the ops is caught instead of replayed stale; from the
    third call on the trace is replayed. Where the first two calls had equal inputs, the replay
    also checks that the inputs still equal them until a call with other values is traced.
    """

    def __init__(self, fn: Callable[..., Any], fallback: bool, disable: bool) -> None:
        functools.update_wrapper(self, fn, updated=())  # a Module's attributes stay its own
        self.fn = fn
        self.fallback = fallback
        self.disable = disable
        self.plans: dict[tuple, Any] = {}
        self.traces = 0  # how many times it traced: a test and a curious user can look
        self.warned = False

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self.__call__, obj)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.disable or _anomaly.enabled or _tensor._recorder is not None:
            return self.fn(*args, **kwargs)  # inside another trace: traced as part of it
        if not kwargs and all(a.__class__ is Tensor for a in args):  # the common case, quickly
            flat = args
            sig = (state.enabled, get_default_dtype(),
                   *[(a._data.shape, a._data.dtype, a.requires_grad) for a in args])
        else:
            flat, _ = tree_flatten((args, kwargs))
            if any(x.__class__ is _ndarray for x in flat):
                return self.fn(*args, **kwargs)  # an array is read by value: pass Tensors
            sig = ("tree", *_signature(flat))
        plan = self.plans.get(sig)
        if plan is _EAGER:
            return self.fn(*args, **kwargs)
        if plan.__class__ is _Plan:
            out = plan.replay(flat)
            if out is not _STALE and out is not _CHECK:
                return out
            plan = plan.pending if out is _CHECK else None
        return self._trace(sig, flat, args, kwargs, plan)

    def _eager(self, sig: tuple, msg: str) -> None:
        if not self.fallback:
            raise TraceError(msg)
        if not self.warned:
            warnings.warn(f"{msg} This signature runs eagerly.", stacklevel=4)
            self.warned = True
        self._remember(sig, _EAGER)

    def _trace(self, sig: tuple, flat: Any, args: tuple, kwargs: dict,
               pending: _Pending | None) -> Any:
        """Traces with the cyclic garbage collector paused: a trace keeps every value of the
        step alive, and the collections its many new objects set off would scan them all."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._trace_now(sig, flat, args, kwargs, pending)
        finally:
            if enabled:
                gc.enable()

    def _trace_now(self, sig: tuple, flat: Any, args: tuple, kwargs: dict,
                   pending: _Pending | None) -> Any:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        tr = _Trace(self.fallback, name)
        for pos, x in enumerate(flat):
            if isinstance(x, Tensor) and id(x) not in tr.tslot:
                k = tr._new(x._data, "in")
                tr.bind(x, k)
                tr.inputs.append((pos, k))
                tr.positions[id(x)] = pos
        self.traces += 1
        _tensor._recorder = tr
        _traced.on = True
        try:
            result = self.fn(*args, **kwargs)
        finally:
            _tensor._recorder = None
            _traced.on = False
        if tr.live:
            gen, st = tr.rng
            if default_generator() is not gen or gen.bit_generator.state != st:
                tr.abandon(f"ag.compile could not trace {name}: it draws random numbers "
                           "that a replay would not draw again (a generator's methods, "
                           "NumPy's random functions)." + _advice(
                               self.fallback, "Draw them outside the compiled function or "
                               "with ag.rand, ag.randn"))
        outs: list = []
        others: list = []
        if tr.live:
            rflat, rspec = tree_flatten(result)
            for x in rflat:
                if isinstance(x, Tensor):
                    if id(x) in tr.derived:
                        tr.abandon(f"ag.compile could not trace {name}: its result is computed "
                                   "outside the ops from a traced value.")
                        break
                    outs.append(tr.slot_of(x))
                    others.append(None)
                else:
                    outs.append(None)
                    others.append(x)
        if tr.live and pending is not None:
            msg = pending.mismatch(tr)
            if msg is not None:
                tr.abandon(f"ag.compile could not trace {name}: {msg}." + _advice(
                    self.fallback, "Compute it with the ops or outside the compiled function"))
        if not tr.live:
            self._eager(sig, tr.reason)
            return result
        if pending is None:
            self._remember(sig, _Pending(tr, flat))
        else:
            plan = _Plan(tr, outs, rspec, others)
            plan.aliases = _aliases(flat)
            if pending.same_inputs(flat):  # nothing shows which constants the inputs make
                plan.guard = pending.inputs
                plan.pending = pending
            self._remember(sig, plan)
        values = tr.values
        return tree_unflatten([o if k is None else _leaf(values[k].copy())
                               for k, o in zip(outs, others)], rspec)

    def _remember(self, sig: tuple, plan: Any) -> None:
        if len(self.plans) >= _CACHE_SIZE and sig not in self.plans:
            self.plans.pop(next(iter(self.plans)))
        self.plans[sig] = plan


def compile(fn: Callable[..., Any] | None = None, *, fallback: bool = False,  # noqa: A001
            disable: bool = False) -> Any:
    """Compiles `fn` (a training step, a model): traced on the first call with each signature
    (the shapes, dtypes and requires_grad of its Tensor arguments, its other arguments, grad
    mode), replayed afterwards with results bit-identical to eager. Results come back as new
    Tensors that record no graph. Usable as `@ag.compile` or `@ag.compile(fallback=True)`.
    """
    if fn is None:
        return lambda f: Compiled(f, fallback, disable)
    return Compiled(fn, fallback, disable)
