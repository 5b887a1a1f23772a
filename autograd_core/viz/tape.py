"""keep_grads(): record one backward pass for the pictures, every gradient and every step.

Inside `with ag.viz.keep_grads():` each backward pass is recorded by a `Tape`: the value and the
gradient of every tensor it reaches (so the picture shows data and grad on every node, as
micrograd's does, without a retain_grad() on each) and, in the order in which the engine runs
them, each node's rule with the gradients it sends to its inputs (the frames of
backprop_frames). The engine hands the recording its `pop` and `accumulate` steps once per
call; outside the block nothing is recorded and backward runs as fast as ever.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from heapq import heappop
from typing import Any
from weakref import ref

import numpy as np

from .. import engine
from ..tensor import Tensor, as_used_by


def _copy(x: Any) -> np.ndarray:
    return np.array(x._data if isinstance(x, Tensor) else x, copy=True)


@dataclass
class Send:
    """One gradient a rule sends: to input `position` of the node, the tensor `to`."""

    position: int
    to: int  # the receiving tensor's id during the pass
    grad: np.ndarray
    first: bool  # the receiver had no gradient yet (else it adds up)


@dataclass
class Step:
    """One node's rules, run by the engine: the gradient it got and what it sends on."""

    node: int  # the node's id during the pass
    op: str
    grad: np.ndarray
    sends: list[Send] = field(default_factory=list)


@dataclass
class Tape:
    """One recorded backward pass. Tensors are named by their id during the pass."""

    roots: list[int] = field(default_factory=list)
    seeds: list[np.ndarray] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    values: dict[int, np.ndarray] = field(default_factory=dict)
    grads: dict[int, np.ndarray] = field(default_factory=dict)  # each tensor's whole gradient

    @property
    def order(self) -> list[int]:
        """The nodes whose rules ran, in the engine's order."""
        return [s.node for s in self.steps]

    refs: dict[int, Any] = field(default_factory=dict)  # id -> weakref, to check identity

    def _same(self, t: Tensor) -> bool:
        r = self.refs.get(id(t))
        return r is not None and r() is t  # not a newer Tensor that reuses a dead one's id

    def grad(self, t: Tensor) -> Tensor | None:
        """The whole gradient that the pass computed for `t` (a Tensor you still hold)."""
        g = self.grads.get(id(t)) if self._same(t) else None
        return None if g is None else Tensor(g)

    def value(self, t: Tensor) -> Tensor | None:
        """`t`'s value as the pass saw it."""
        v = self.values.get(id(t)) if self._same(t) else None
        return None if v is None else Tensor(v)


class Recorder:
    """The engine's hook for one `keep_grads()` block: a Tape per backward pass."""

    def __init__(self) -> None:
        self.tapes: list[Tape] = []

    @property
    def tape(self) -> Tape | None:
        """The last pass recorded."""
        return self.tapes[-1] if self.tapes else None

    def grad(self, t: Tensor) -> Tensor | None:
        """The gradient of `t` in the last pass recorded (see Tape.grad)."""
        return None if self.tape is None else self.tape.grad(t)

    def start(self, grads: dict, trace: Any) -> tuple[Any, Any]:
        tape = Tape()
        self.tapes.append(tape)
        if trace is None:  # retain_graph: the graph stays whole; its roots lead to the tape
            trace = engine.Trace(())
        trace.recorder = tape
        current: list = [None, (), 0]  # the step now running, its inputs, the next position

        def pop(heap: list) -> Any:
            item = heappop(heap)
            t = item[1]
            g = grads[t]
            step = Step(id(t), t._op.name, _copy(g))
            tape.steps.append(step)
            tape.grads[id(t)] = step.grad
            tape.values[id(t)] = _copy(t._data)
            tape.refs[id(t)] = ref(t)
            args = t._args or ()
            current[0] = step
            current[1] = [(i, None if a is None else as_used_by(a, t._seq))
                          for i, a in enumerate(args)]
            current[2] = 0
            for _, a in current[1]:  # inputs that get no gradient: their values, for the picture
                if a is not None and not a.requires_grad and id(a) not in tape.values:
                    tape.values[id(a)] = _copy(a._data)
                    tape.refs[id(a)] = ref(a)
            return item

        def accumulate(grads_: dict, owned: set, heap: list, p: Tensor, gi: Any,
                       fresh: bool) -> None:
            step = current[0]
            if step is None:  # a seed
                if p._args is not None:
                    p._trace = trace
                tape.roots.append(id(p))
                tape.seeds.append(_copy(gi))
                tape.values[id(p)] = _copy(p._data)
                tape.refs[id(p)] = ref(p)
            else:
                inputs, k = current[1], current[2]
                pos = -1
                while k < len(inputs):
                    i, a = inputs[k]
                    k += 1
                    if a is p:
                        pos = i
                        break
                current[2] = k
                step.sends.append(Send(pos, id(p), _copy(gi), p not in grads_))
            engine._accumulate(grads_, owned, heap, p, gi, fresh)

        return pop, accumulate

    def finish(self, grads: dict, trace: Any) -> None:
        tape = self.tapes[-1]
        for p, g in grads.items():  # the leaves
            tape.grads[id(p)] = _copy(g)
            tape.values[id(p)] = _copy(p._data)
            tape.refs[id(p)] = ref(p)


@contextlib.contextmanager
def keep_grads() -> Iterator[Recorder]:
    """Keeps, for the pictures, the value and gradient of every tensor that a backward pass in
    the block reaches, and the order of its steps; draw_graph(show_grads=True) then shows a
    gradient on every node, and backprop_frames plays the pass step by step.

        with ag.viz.keep_grads():
            loss.backward()
        ag.viz.save_svg(loss, "grads.svg", show_values=True, show_grads=True)

    Costs a copy of every value and gradient of the pass (only inside the block)."""
    previous = engine._recorder
    recorder = Recorder()
    engine._recorder = recorder
    try:
        yield recorder
    finally:
        engine._recorder = previous
