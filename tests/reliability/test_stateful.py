"""A state machine that grows one graph step by step and backpropagates from random nodes.

Every op is mirrored on plain NumPy arrays with a small reverse mode written here (a VJP per op
and one unbroadcast), independent of the engine. Backward runs from random nodes with
retain_graph, accumulates into .grad, gets zeroed, runs again, and once in a while frees the
graph; after every step each leaf's .grad must equal the mirror's accumulated gradient, and a
backward through a freed part of the graph must raise and leave every .grad untouched.

Shapes stay in one broadcast family (each dim is the base size or 1, a suffix of (2, 3, 4)), so
any two nodes can meet in a binary op.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

import autograd_core as ag

from .tally import TALLY

BASE = (2, 3, 4)
SHAPES = [(), (1,), (4,), (3, 1), (1, 4), (3, 4), (2, 3, 4), (2, 1, 4), (1, 3, 1), (2, 3, 1)]


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for d, n in enumerate(shape):
        if n == 1 and g.shape[d] != 1:
            g = g.sum(axis=d, keepdims=True)
    return g


@dataclass(eq=False)
class Mirror:
    """One node of the NumPy mirror: its value and, per parent, a VJP in the output's shape."""

    value: np.ndarray
    parents: tuple[int, ...] = ()
    vjps: tuple[Callable[[np.ndarray], np.ndarray], ...] = ()
    requires_grad: bool = True
    ancestors: frozenset = field(default_factory=frozenset)  # non-leaf nodes, self included


def _expand_reduced(g: np.ndarray, x: np.ndarray, axis: int | None, keepdims: bool):
    if not keepdims and axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, x.shape)


UNARY = {
    "neg": (lambda t: -t, lambda x, y: (lambda g: -g)),
    "tanh": (ag.tanh, lambda x, y: (lambda g: g * (1 - y * y))),
    "sin": (ag.sin, lambda x, y: (lambda g: g * np.cos(x))),
    "sigmoid": (ag.sigmoid, lambda x, y: (lambda g: g * y * (1 - y))),
    "exp": (ag.exp, lambda x, y: (lambda g: g * y)),
    "relu": (ag.relu, lambda x, y: (lambda g: g * (x > 0))),
    "abs": (ag.abs, lambda x, y: (lambda g: g * np.sign(x))),
    "square": (lambda t: t**2, lambda x, y: (lambda g: 2 * g * x)),
    "half": (lambda t: t * 0.5, lambda x, y: (lambda g: 0.5 * g)),
}

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b, y: (lambda g: g, lambda g: g)),
    "sub": (lambda a, b: a - b, lambda a, b, y: (lambda g: g, lambda g: -g)),
    "mul": (lambda a, b: a * b, lambda a, b, y: (lambda g: g * b, lambda g: g * a)),
    "maximum": (ag.maximum, lambda a, b, y: (
        lambda g: g * np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)),
        lambda g: g * np.where(b > a, 1.0, np.where(a == b, 0.5, 0.0)))),
}


class GraphMachine(RuleBasedStateMachine):
    nodes = Bundle("nodes")

    def __init__(self) -> None:
        super().__init__()
        self.tensors: list[ag.Tensor] = []
        self.mirror: list[Mirror] = []
        self.leaves: list[int] = []
        self.expected: dict[int, np.ndarray | None] = {}
        self.freed: set[int] = set()
        self.rng = np.random.default_rng(0)
        self.steps: Counter = Counter()

    # -- building -----------------------------------------------------------------------------
    def _add(self, t: ag.Tensor, m: Mirror, what: str) -> int:
        np.testing.assert_allclose(t._data, m.value, rtol=1e-12, atol=1e-12, err_msg=what)
        assert t.requires_grad == m.requires_grad, f"{what}: requires_grad"
        i = len(self.tensors)
        if m.requires_grad and m.parents:
            m.ancestors = frozenset({i}).union(*(self.mirror[p].ancestors for p in m.parents))
        self.tensors.append(t)
        self.mirror.append(m)
        self.steps[what] += 1
        return i

    @initialize(target=nodes, shape=st.sampled_from(SHAPES), seed=st.integers(0, 2**16))
    def first_leaf(self, shape, seed):
        return self.new_leaf(shape, True, seed)

    @rule(target=nodes, shape=st.sampled_from(SHAPES),
          requires_grad=st.sampled_from([True, True, False]), seed=st.integers(0, 2**16))
    def new_leaf(self, shape, requires_grad, seed):
        value = np.random.default_rng(seed).uniform(-2, 2, size=shape)
        t = ag.tensor(value.copy(), requires_grad=requires_grad)
        i = self._add(t, Mirror(value, requires_grad=requires_grad), "leaf")
        if requires_grad:
            self.leaves.append(i)
            self.expected[i] = None
        return i

    @rule(target=nodes, x=nodes, op=st.sampled_from(sorted(UNARY)))
    def unary(self, x, op):
        xv = self.mirror[x].value
        if op in ("exp", "square") and np.abs(xv).max() > 3:
            op = "tanh"
        f, vjp = UNARY[op]
        t = f(self.tensors[x])
        y = np.asarray(t._data)
        m = Mirror(y, (x,), (vjp(xv, y),), self.mirror[x].requires_grad)
        return self._add(t, m, op)

    @rule(target=nodes, a=nodes, b=nodes, op=st.sampled_from(sorted(BINARY)))
    def binary(self, a, b, op):
        av, bv = self.mirror[a].value, self.mirror[b].value
        if op == "mul" and max(np.abs(av).max(), np.abs(bv).max()) > 3:
            op = "add"
        f, vjp = BINARY[op]
        t = f(self.tensors[a], self.tensors[b])
        y = np.asarray(t._data)
        rg = self.mirror[a].requires_grad or self.mirror[b].requires_grad
        return self._add(t, Mirror(y, (a, b), vjp(av, bv, y), rg), op)

    @rule(target=nodes, x=nodes, op=st.sampled_from(["sum", "mean", "amax"]),
          keep=st.booleans(), which=st.integers(0, 2))
    def reduction(self, x, op, keep, which):
        xv = self.mirror[x].value
        if xv.ndim == 0:
            axis, keep = None, False
        elif keep:
            axis = which % xv.ndim
        else:
            axis = 0  # drops the leading dim: the result stays in the shape family
        t = getattr(ag, op)(self.tensors[x], dim=axis, keepdim=keep)
        y = np.asarray(t._data)
        if op == "sum":
            vjp = lambda g: _expand_reduced(g, xv, axis, keep)  # noqa: E731
        elif op == "mean":
            n = xv.size // max(y.size, 1)
            vjp = lambda g: _expand_reduced(g, xv, axis, keep) / n  # noqa: E731
        else:
            yb = _expand_reduced(y, xv, axis, keep)
            mask = (xv == yb).astype(float)
            count = _expand_reduced(np.sum(mask, axis=axis, keepdims=keep), xv, axis, keep)
            vjp = lambda g: _expand_reduced(g, xv, axis, keep) * mask / count  # noqa: E731
        return self._add(t, Mirror(y, (x,), (vjp,), self.mirror[x].requires_grad), op)

    @rule(target=nodes, x=nodes, kind=st.sampled_from(["int", "slice", "repeats", "mask"]),
          seed=st.integers(0, 2**16))
    def index(self, x, kind, seed):
        xv = self.mirror[x].value
        rng = np.random.default_rng(seed)
        if xv.ndim == 0:
            return x
        if kind == "int":  # drops the leading dim
            index = (int(rng.integers(-xv.shape[0], xv.shape[0])),)
        elif kind == "slice":  # one dim down to size 1
            d = int(rng.integers(xv.ndim))
            k = int(rng.integers(xv.shape[d]))
            index = (slice(None),) * d + (slice(k, k + 1),)
        elif kind == "repeats":  # same size, entries repeated and reordered
            d = int(rng.integers(xv.ndim))
            index = (slice(None),) * d + (rng.integers(0, xv.shape[d], size=xv.shape[d]),)
        else:  # exactly one or four elements, a shape of the family
            k = 4 if xv.size >= 4 and rng.random() < 0.7 else 1
            mask = np.zeros(xv.size, dtype=bool)
            mask[rng.choice(xv.size, size=k, replace=False)] = True
            index = mask.reshape(xv.shape)
        t = self.tensors[x][index]
        y = np.asarray(t._data)

        def vjp(g, index=index, shape=xv.shape):
            out = np.zeros(shape)
            np.add.at(out, index, g)
            return out

        return self._add(t, Mirror(y, (x,), (vjp,), self.mirror[x].requires_grad),
                         f"index_{kind}")

    # -- backward -----------------------------------------------------------------------------
    def _mirror_backward(self, root: int) -> dict[int, np.ndarray]:
        grads = {root: np.ones_like(self.mirror[root].value)}
        for i in range(root, -1, -1):
            g = grads.pop(i, None)
            m = self.mirror[i]
            if g is None or not m.parents:
                if g is not None:
                    grads[i] = g  # a leaf keeps its gradient
                continue
            for p, vjp in zip(m.parents, m.vjps):
                if not self.mirror[p].requires_grad:
                    continue
                gp = unbroadcast(vjp(g), self.mirror[p].value.shape)
                grads[p] = grads[p] + gp if p in grads else gp
        return grads

    def _snapshot(self) -> dict[int, np.ndarray | None]:
        return {i: None if self.tensors[i].grad is None else self.tensors[i].grad._data.copy()
                for i in self.leaves}

    @rule(x=nodes, retain=st.booleans(), free=st.integers(0, 9))
    def backward(self, x, retain, free):
        retain = retain or free != 0  # freeing the graph is the rare case
        m = self.mirror[x]
        before = self._snapshot()
        root = self.tensors[x].sum()
        if not m.requires_grad:
            with pytest.raises(RuntimeError, match="does not require grad"):
                root.backward()
            self.steps["backward_refused_no_grad"] += 1
            return
        if m.ancestors & self.freed:
            with pytest.raises(RuntimeError, match="retain_graph"):
                root.backward(retain_graph=True)
            for i, g in self._snapshot().items():
                assert (g is None and before[i] is None) or np.array_equal(g, before[i]), (
                    f"a failed backward changed the .grad of leaf {i}")
            self.steps["backward_refused_freed"] += 1
            return
        root.backward(retain_graph=retain)
        self.steps["backward"] += 1
        for i, g in self._mirror_backward(x).items():
            if i in self.expected:
                prev = self.expected[i]
                self.expected[i] = g.copy() if prev is None else prev + g
        if not retain:
            self.freed |= m.ancestors

    @rule(how=st.sampled_from(["none", "zero_"]))
    def zero_grads(self, how):
        for i in self.leaves:
            t = self.tensors[i]
            if how == "none" or t.grad is None:
                t.grad = None
                self.expected[i] = None
            else:
                t.grad.zero_()
                self.expected[i] = np.zeros_like(self.mirror[i].value)

    @invariant()
    def leaf_grads_match_the_mirror(self):
        for i in self.leaves:
            got, want = self.tensors[i].grad, self.expected[i]
            if want is None:
                assert got is None, f"leaf {i}: .grad is set but no backward reached it"
            else:
                assert got is not None, f"leaf {i}: .grad is None; expected {want}"
                assert got.shape == want.shape, f"leaf {i}: .grad shape {got.shape}"
                np.testing.assert_allclose(got._data, want, rtol=1e-10, atol=1e-12,
                                           err_msg=f".grad of leaf {i}")

    def teardown(self):
        TALLY.record("stateful", self.steps, Counter())


TestGraphMachine = GraphMachine.TestCase
TestGraphMachine.settings = settings(
    settings.default, max_examples=settings.default.max_examples * 12, stateful_step_count=50
)
