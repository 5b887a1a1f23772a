"""Random expression graphs as small programs that the engine and PyTorch can both replay.

A program is a list of nodes: leaves (float64 arrays) and steps (an op of CATALOG applied to
earlier nodes, with fixed parameters). It is generated op by op while its values are computed,
so each op is applied inside its domain and out of reach of its kinks: a kink within a
finite-difference step would make the reference wrong, not the engine. Nodes are picked with a
bias to recent ones and may be picked many times, so subexpressions feed several later nodes.
The scalar at the end is sum_k sum(node_k * w_k) over every node that nothing consumed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

import autograd_core as ag
import nn.functional as NF

MAX_NUMEL = 48  # keeps every node small, so a graph costs milliseconds
MAX_ABS = 20.0  # larger values are scaled back down (exp of a node stays finite)
MARGIN = 1e-3  # the closest an input may come to a kink of the op applied to it


@dataclass(eq=False)
class Step:
    op: str
    args: tuple[int, ...]
    params: dict = field(default_factory=dict)


@dataclass(eq=False)
class Program:
    nodes: list  # np.ndarray (a leaf) or Step
    weights: dict[int, np.ndarray]

    @property
    def leaf_ids(self) -> list[int]:
        return [i for i, n in enumerate(self.nodes) if isinstance(n, np.ndarray)]

    @property
    def leaves(self) -> list[np.ndarray]:
        return [self.nodes[i] for i in self.leaf_ids]

    def op_counts(self) -> Counter:
        return Counter(n.op for n in self.nodes if isinstance(n, Step))

    def describe(self) -> str:
        lines = []
        for i, n in enumerate(self.nodes):
            if isinstance(n, np.ndarray):
                lines.append(f"%{i} = leaf{n.shape} {np.array2string(n.ravel()[:6], 80)}")
            else:
                args = ", ".join(f"%{a}" for a in n.args)
                ps = ", ".join(f"{k}={_short(v)}" for k, v in n.params.items())
                lines.append(f"%{i} = {n.op}({args}{', ' if ps else ''}{ps})")
        lines.append("out = " + " + ".join(f"sum(%{k} * w{k})" for k in self.weights))
        return "\n".join(lines)


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return f"array{v.tolist()}" if v.size <= 8 else f"array(shape={v.shape})"
    return repr(v)


# -- the two backends ---------------------------------------------------------------------------
def _ag_catalog() -> dict[str, Callable[..., Any]]:
    A = ag
    catalog = {
        "neg": lambda a: -a,
        "exp": A.exp, "log": A.log, "log1p": A.log1p, "sqrt": A.sqrt, "sin": A.sin,
        "cos": A.cos, "tan": A.tan, "tanh": A.tanh, "sigmoid": A.sigmoid,
        "softplus": lambda a, beta, threshold: A.softplus(a, beta=beta, threshold=threshold),
        "relu": A.relu,
        "leaky_relu": lambda a, slope: A.leaky_relu(a, slope),
        "abs": A.abs, "sign": A.sign,
        "clamp": lambda a, lo, hi: A.clamp(a, min=lo, max=hi),
        "pow_scalar": lambda a, e: a ** e,
        "rpow_const": lambda a, c: c ** a,
        "add_const": lambda a, c: a + c,
        "rsub_const": lambda a, c: c - a,
        "mul_const": lambda a, c: a * c,
        "rdiv_const": lambda a, c: c / a,
        "cast_roundtrip": lambda a: a.to(np.float32).to(np.float64),
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
        "maximum": A.maximum, "minimum": A.minimum,
        "where": lambda a, b, cond: A.where(cond, a, b),
        "sum": lambda a, dim, keepdim: A.sum(a, dim=dim, keepdim=keepdim),
        "mean": lambda a, dim, keepdim: A.mean(a, dim=dim, keepdim=keepdim),
        "var": lambda a, dim, keepdim, correction:
            A.var(a, dim=dim, keepdim=keepdim, correction=correction),
        "std": lambda a, dim, keepdim, correction:
            A.std(a, dim=dim, keepdim=keepdim, correction=correction),
        "prod": lambda a, dim, keepdim: A.prod(a, dim=dim, keepdim=keepdim),
        "amax": lambda a, dim, keepdim: A.amax(a, dim=dim, keepdim=keepdim),
        "amin": lambda a, dim, keepdim: A.amin(a, dim=dim, keepdim=keepdim),
        "max_dim": lambda a, dim, keepdim: A.max(a, dim=dim, keepdim=keepdim).values,
        "min_dim": lambda a, dim, keepdim: A.min(a, dim=dim, keepdim=keepdim).values,
        "logsumexp": lambda a, dim, keepdim: A.logsumexp(a, dim=dim, keepdim=keepdim),
        "norm": lambda a, p, dim, keepdim: A.norm(a, p=p, dim=dim, keepdim=keepdim),
        "softmax": lambda a, dim: A.softmax(a, dim),
        "log_softmax": lambda a, dim: A.log_softmax(a, dim),
        "reshape": lambda a, shape: a.reshape(shape),
        "transpose": lambda a, d0, d1: a.transpose(d0, d1),
        "permute": lambda a, perm: a.permute(*perm),
        "expand": lambda a, sizes: a.expand(sizes),
        "broadcast_to": lambda a, shape: A.broadcast_to(a, shape),
        "unsqueeze": lambda a, dim: a.unsqueeze(dim),
        "squeeze": lambda a, dim: a.squeeze() if dim is None else a.squeeze(dim),
        "flatten": lambda a, start, end: a.flatten(start, end),
        "flip": lambda a, dims: A.flip(a, dims),
        "pad": lambda a, pad, value: A.pad(a, pad, value=value),
        "repeat": lambda a, sizes: a.repeat(*sizes),
        "getitem": lambda a, index: a[index],
        "gather": lambda a, dim, index: A.gather(a, dim, index),
        "split_piece": lambda a, sizes, dim, piece: A.split(a, sizes, dim)[piece],
        "cat": lambda *xs, dim: A.cat(list(xs), dim),
        "stack": lambda *xs, dim: A.stack(list(xs), dim),
        "matmul": lambda a, b: a @ b,
        "einsum": lambda *xs, spec: A.einsum(spec, *xs),
        "tensordot": lambda a, b: A.tensordot(a, b, dims=1),
        "linear": lambda x, w, b=None: A.linear(x, w, b),
        "outer": A.outer, "dot": A.dot,
        "conv1d": lambda x, w, b=None, stride=1, padding=0, dilation=1:
            A.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation),
        "max_pool1d": lambda x, k, stride, padding:
            A.max_pool1d(x, k, stride=stride, padding=padding),
        "avg_pool1d": lambda x, k, stride, padding:
            A.avg_pool1d(x, k, stride=stride, padding=padding),
    }
    catalog.update({
        "mse_loss": lambda x, target, reduction:
            NF.mse_loss(x, target, reduction=reduction),
        "huber_loss": lambda x, target, reduction, delta:
            NF.huber_loss(x, target, reduction=reduction, delta=delta),
        "bce": lambda x, target, reduction:
            NF.binary_cross_entropy(x, target, reduction=reduction),
        "bce_with_logits": lambda x, target, reduction, pos_weight:
            NF.binary_cross_entropy_with_logits(x, target, reduction=reduction,
                                                pos_weight=pos_weight),
        "cross_entropy": lambda x, target, reduction, label_smoothing:
            NF.cross_entropy(x, target, reduction=reduction,
                             label_smoothing=label_smoothing),
    })
    return catalog


AG_CATALOG = _ag_catalog()


def torch_catalog(torch: Any) -> dict[str, Callable[..., Any]]:
    """The same ops spelled in PyTorch, for a run of the same program there."""
    F = torch.nn.functional

    def all_dims(a, dim):
        return dim if dim is not None else (tuple(range(a.ndim)) if a.ndim else 0)

    def prod(a, dim, keepdim):  # torch.prod over all elements has no keepdim
        if dim is None:
            return torch.prod(a).reshape((1,) * a.ndim) if keepdim else torch.prod(a)
        return torch.prod(a, dim, keepdim=keepdim)

    def tidx(index):
        if isinstance(index, tuple):
            return tuple(tidx(i) for i in index)
        return torch.as_tensor(index) if isinstance(index, np.ndarray) else index

    return {
        "neg": lambda a: -a,
        "exp": torch.exp, "log": torch.log, "log1p": torch.log1p, "sqrt": torch.sqrt,
        "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "softplus": lambda a, beta, threshold: F.softplus(a, beta=beta, threshold=threshold),
        "relu": torch.relu,
        "leaky_relu": lambda a, slope: F.leaky_relu(a, slope),
        "abs": torch.abs, "sign": torch.sign,
        "clamp": lambda a, lo, hi: torch.clamp(a, min=lo, max=hi),
        "pow_scalar": lambda a, e: a ** e,
        "rpow_const": lambda a, c: c ** a,
        "add_const": lambda a, c: a + c,
        "rsub_const": lambda a, c: c - a,
        "mul_const": lambda a, c: a * c,
        "rdiv_const": lambda a, c: c / a,
        "cast_roundtrip": lambda a: a.float().double(),
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "pow": lambda a, b: a ** b,
        "maximum": torch.maximum, "minimum": torch.minimum,
        "where": lambda a, b, cond: torch.where(torch.as_tensor(cond), a, b),
        "sum": lambda a, dim, keepdim: torch.sum(a, dim=dim, keepdim=keepdim),
        "mean": lambda a, dim, keepdim: torch.mean(a, dim=dim, keepdim=keepdim),
        "var": lambda a, dim, keepdim, correction:
            torch.var(a, dim=dim, keepdim=keepdim, correction=correction),
        "std": lambda a, dim, keepdim, correction:
            torch.std(a, dim=dim, keepdim=keepdim, correction=correction),
        "prod": prod,
        "amax": lambda a, dim, keepdim:
            torch.amax(a, dim=() if dim is None else dim, keepdim=keepdim),
        "amin": lambda a, dim, keepdim:
            torch.amin(a, dim=() if dim is None else dim, keepdim=keepdim),
        "max_dim": lambda a, dim, keepdim: torch.max(a, dim=dim, keepdim=keepdim).values,
        "min_dim": lambda a, dim, keepdim: torch.min(a, dim=dim, keepdim=keepdim).values,
        "logsumexp": lambda a, dim, keepdim:
            torch.logsumexp(a, dim=all_dims(a, dim), keepdim=keepdim),
        "norm": lambda a, p, dim, keepdim:
            torch.linalg.vector_norm(a, ord=p, dim=dim, keepdim=keepdim),
        "softmax": lambda a, dim: torch.softmax(a, dim),
        "log_softmax": lambda a, dim: torch.log_softmax(a, dim),
        "reshape": lambda a, shape: a.reshape(shape),
        "transpose": lambda a, d0, d1: a.transpose(d0, d1),
        "permute": lambda a, perm: a.permute(*perm),
        "expand": lambda a, sizes: a.expand(sizes),
        "broadcast_to": lambda a, shape: torch.broadcast_to(a, shape),
        "unsqueeze": lambda a, dim: a.unsqueeze(dim),
        "squeeze": lambda a, dim: a.squeeze() if dim is None else a.squeeze(dim),
        "flatten": lambda a, start, end: a.flatten(start, end),
        "flip": lambda a, dims: torch.flip(a, dims),
        "pad": lambda a, pad, value: F.pad(a, pad, value=value),
        "repeat": lambda a, sizes: a.repeat(*sizes),
        "getitem": lambda a, index: a[tidx(index)],
        "gather": lambda a, dim, index: torch.gather(a, dim, torch.as_tensor(index)),
        "split_piece": lambda a, sizes, dim, piece: torch.split(a, sizes, dim)[piece],
        "cat": lambda *xs, dim: torch.cat(list(xs), dim),
        "stack": lambda *xs, dim: torch.stack(list(xs), dim),
        "matmul": lambda a, b: a @ b,
        "einsum": lambda *xs, spec: torch.einsum(spec, *xs),
        "tensordot": lambda a, b: torch.tensordot(a, b, dims=1),
        "linear": lambda x, w, b=None: F.linear(x, w, b),
        "outer": torch.outer, "dot": torch.dot,
        "conv1d": lambda x, w, b=None, stride=1, padding=0, dilation=1:
            F.conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation),
        "max_pool1d": lambda x, k, stride, padding:
            F.max_pool1d(x, k, stride=stride, padding=padding),
        "avg_pool1d": lambda x, k, stride, padding:
            F.avg_pool1d(x, k, stride=stride, padding=padding),
        "mse_loss": lambda x, target, reduction:
            F.mse_loss(x, torch.as_tensor(target), reduction=reduction),
        "huber_loss": lambda x, target, reduction, delta:
            F.huber_loss(x, torch.as_tensor(target), reduction=reduction, delta=delta),
        "bce": lambda x, target, reduction:
            F.binary_cross_entropy(x, torch.as_tensor(target), reduction=reduction),
        "bce_with_logits": lambda x, target, reduction, pos_weight:
            F.binary_cross_entropy_with_logits(
                x, torch.as_tensor(target), reduction=reduction,
                pos_weight=None if pos_weight is None else torch.as_tensor(pos_weight)),
        "cross_entropy": lambda x, target, reduction, label_smoothing:
            F.cross_entropy(x, torch.as_tensor(target), reduction=reduction,
                            label_smoothing=label_smoothing),
    }


def run(program: Program, leaves: list, catalog: dict, weights: list | None = None,
        values: list | None = None) -> Any:
    """Replays the program on the given leaf objects (Tensors of either library); every node's
    value is appended to `values` when a list is given."""
    values = [] if values is None else values
    it = iter(leaves)
    for n in program.nodes:
        if isinstance(n, np.ndarray):
            values.append(next(it))
        else:
            values.append(catalog[n.op](*(values[a] for a in n.args), **n.params))
    ws = weights if weights is not None else [program.weights[k] for k in program.weights]
    total = None
    for k, w in zip(program.weights, ws):
        term = (values[k] * w).sum()
        total = term if total is None else total + term
    return total


def evaluate(program: Program, arrays: list[np.ndarray]) -> float:
    """The program's scalar at the given leaf values, by the engine with no graph recorded."""
    with ag.no_grad():
        out = run(program, [ag.tensor(a) for a in arrays], AG_CATALOG)
    return float(out.item())


# -- generation ---------------------------------------------------------------------------------
class Builder:
    """Grows a program one op at a time, keeping the value of every node at hand."""

    def __init__(self, draw: Callable, rng: np.random.Generator, with_casts: bool) -> None:
        self.draw = draw
        self.rng = rng
        self.with_casts = with_casts
        self.nodes: list = []
        self.values: list[np.ndarray] = []
        self.consumed: set[int] = set()
        self.hidden: set[int] = set()

    # nodes
    def leaf(self, shape: tuple[int, ...]) -> int:
        arr = self.rng.uniform(-2.0, 2.0, size=shape)
        self.nodes.append(arr)
        self.values.append(arr)
        return len(self.nodes) - 1

    def emit(self, op: str, args: tuple[int, ...], **params: Any) -> int:
        with ag.no_grad():
            out = AG_CATALOG[op](*(ag.tensor(self.values[a]) for a in args), **params)
        v = np.array(out._data, dtype=np.float64)
        assert np.isfinite(v).all(), (
            f"generator applied {op}{args} outside its domain in\n"
            + Program(self.nodes, {}).describe())
        self.nodes.append(Step(op, tuple(args), params))
        self.values.append(v)
        self.consumed.update(args)
        i = len(self.nodes) - 1
        m = float(np.abs(v).max()) if v.size else 0.0
        if m > MAX_ABS:  # only the scaled-down node is offered to later ops
            self.hidden.add(i)
            return self.emit("mul_const", (i,), c=float(1.0 / m))
        return i

    def ids(self) -> list[int]:
        return [i for i in range(len(self.nodes)) if i not in self.hidden]

    def shape(self, i: int) -> tuple[int, ...]:
        return self.values[i].shape

    def pick(self, candidates: list[int] | None = None) -> int:
        """A node, recent ones first (hypothesis shrinks towards the newest)."""
        cands = self.ids() if candidates is None else candidates
        k = self.draw(st.integers(0, len(cands) - 1))
        return cands[-1 - k]

    def pick_where(self, ok: Callable[[int], bool]) -> int | None:
        cands = [i for i in self.ids() if ok(i)]
        return self.pick(cands) if cands else None

    def choose(self, options: list) -> Any:
        return self.draw(st.sampled_from(options))

    # domain helpers: compositions that put a node where an op is defined
    def positive(self, i: int) -> int:
        """x*x + 0.5: at least 0.5, smooth, and it reuses x twice."""
        return self.emit("add_const", (self.emit("mul", (i, i)),), c=0.5)

    def bounded(self, i: int) -> int:
        return self.emit("tanh", (i,))

    def sinks(self) -> list[int]:
        return [i for i in range(len(self.nodes)) if i not in self.consumed]


def _far_from(v: np.ndarray, points: list[float]) -> bool:
    return all(np.all(np.abs(v - p) > MARGIN) for p in points)


def _slices(v: np.ndarray, dim: Any) -> np.ndarray:
    """Rows of the elements that one reduction over `dim` combines."""
    if v.ndim == 0:
        return v.reshape(1, 1)
    axes = tuple(range(v.ndim)) if dim is None else (
        (dim % v.ndim,) if isinstance(dim, int) else tuple(d % v.ndim for d in dim))
    rest = [a for a in range(v.ndim) if a not in axes]
    t = np.transpose(v, rest + list(axes))
    return t.reshape(int(np.prod([v.shape[a] for a in rest])), -1)


def _clear_top(v: np.ndarray, dim: Any, largest: bool, allow_ties: bool) -> bool:
    """The extreme of each slice beats the runner-up by MARGIN (exact copies allowed)."""
    for row in _slices(v, dim):
        s = np.sort(row)
        if not largest:
            s = s[::-1]
        top = s[-1]
        others = s[:-1] if not allow_ties else s[s != top]
        if not allow_ties and np.any(others == top):
            return False
        if others.size and abs(top - others[-1]) <= MARGIN:
            return False
    return True


def _dims(b: Builder, ndim: int, tuples: bool) -> Any:
    options: list[Any] = [None]
    if ndim:
        options += list(range(-ndim, ndim))
        if tuples and ndim >= 2:
            options.append(tuple(sorted(b.rng.choice(ndim, size=2, replace=False).tolist())))
    return b.choose(options)


def _count(shape: tuple, dim: Any) -> int:
    if dim is None:
        return int(np.prod(shape)) if shape else 1
    dims = (dim,) if isinstance(dim, int) else dim
    return int(np.prod([shape[d] for d in dims]))


def _numel(shape: tuple) -> int:
    return int(np.prod(shape)) if shape else 1


# each generator adds one op (plus any domain-guard ops) or returns False when it cannot apply
def gen_unary(b: Builder) -> bool:
    ops = ["neg", "exp", "sin", "cos", "tanh", "sigmoid", "softplus", "log", "log1p", "sqrt",
           "tan", "pow_scalar", "rpow_const", "add_const", "rsub_const", "mul_const",
           "rdiv_const"]
    if b.with_casts:
        ops.append("cast_roundtrip")
    op = b.choose(ops)
    x = b.pick()
    v = b.values[x]
    if op in ("log", "sqrt"):
        b.emit(op, (x if v.min() > 0.1 else b.positive(x),))
    elif op == "log1p":
        b.emit(op, (x if v.min() > -0.9 else b.positive(x),))
    elif op == "tan":
        b.emit(op, (x if np.abs(v).max() < 1.2 else b.bounded(x),))
    elif op == "pow_scalar":
        e = b.choose([2, 3, 0.5, -1.5, -1, 0, 1, 2.5])
        needs_positive = e != int(e) or e < 0
        b.emit(op, (b.positive(x) if needs_positive and v.min() <= 0.1 else x,), e=e)
    elif op == "rpow_const":
        b.emit(op, (x,), c=b.choose([2.0, 0.5, 3.0]))
    elif op == "rdiv_const":
        b.emit(op, (x if np.abs(v).min() > 0.3 else b.positive(x),), c=b.choose([1.0, -2.5]))
    elif op in ("add_const", "rsub_const", "mul_const"):
        b.emit(op, (x,), c=b.choose([1.5, -0.75, 2.0]))
    elif op == "softplus":
        beta, threshold = b.choose([(1.0, 20.0), (2.0, 20.0), (1.0, 1.5), (2.0, 1.0)])
        if not _far_from(v * beta, [threshold]):
            threshold = 20.0
            if not _far_from(v * beta, [threshold]):
                return False
        b.emit(op, (x,), beta=beta, threshold=threshold)
    else:
        b.emit(op, (x,))
    return True


def gen_kink(b: Builder) -> bool:
    op = b.choose(["relu", "leaky_relu", "abs", "sign", "clamp"])
    x = b.pick()
    v = b.values[x]
    if op == "clamp":
        lo, hi = b.choose([(-0.5, 0.7), (None, 0.25), (-1.0, None), (0.1, 1.2)])
        if not _far_from(v, [p for p in (lo, hi) if p is not None]):
            return False
        b.emit(op, (x,), lo=lo, hi=hi)
        return True
    if not np.all((v == 0) | (np.abs(v) > MARGIN)):
        return False
    if op == "leaky_relu":
        b.emit(op, (x,), slope=b.choose([0.01, 0.2]))
    else:
        b.emit(op, (x,))
    return True


def _broadcastable(b: Builder, x: int) -> list[int]:
    out = []
    for i in b.ids():
        try:
            s = np.broadcast_shapes(b.shape(x), b.shape(i))
        except ValueError:
            continue
        if _numel(s) <= max(MAX_NUMEL, _numel(b.shape(x))):
            out.append(i)
    return out


def gen_binary(b: Builder) -> bool:
    op = b.choose(["add", "sub", "mul", "div", "pow", "maximum", "minimum", "where"])
    x = b.pick()
    y = b.pick(_broadcastable(b, x))
    vx, vy = b.values[x], b.values[y]
    if op == "div" and np.abs(vy).min() <= 0.3:
        y = b.positive(y)
    elif op == "pow":
        if vx.min() <= 0.1:
            x = b.positive(x)
        if np.abs(vy).max() > 3:
            y = b.bounded(y)
    elif op in ("maximum", "minimum"):
        a, c = np.broadcast_arrays(vx, vy)
        if not np.all((a == c) | (np.abs(a - c) > MARGIN)):
            op = "add"
    if op == "where":
        shape = np.broadcast_shapes(b.shape(x), b.shape(y))
        b.emit(op, (x, y), cond=b.rng.random(shape) < 0.5)
    else:
        b.emit(op, (x, y))
    return True


def gen_reduce(b: Builder) -> bool:
    op = b.choose(["sum", "mean", "var", "std", "prod", "amax", "amin", "max_dim", "min_dim",
                   "logsumexp", "norm"])
    x = b.pick()
    v = b.values[x]
    nd = v.ndim
    keepdim = b.choose([False, True])
    if op in ("max_dim", "min_dim"):
        if nd == 0:
            return False
        dim = b.choose(list(range(-nd, nd)))
        if not _clear_top(v, dim, op == "max_dim", allow_ties=False):
            return False
        b.emit(op, (x,), dim=dim, keepdim=keepdim)
        return True
    dim = _dims(b, nd, tuples=op != "prod")
    if op in ("var", "std"):
        correction = b.choose([0, 1])
        if _count(v.shape, dim) < 2 or (nd == 0):
            return False
        if op == "std" and np.min(np.var(_slices(v, dim), axis=1)) <= MARGIN:
            return False
        b.emit(op, (x,), dim=dim, keepdim=keepdim, correction=correction)
        return True
    if op in ("amax", "amin") and not _clear_top(v, dim, op == "amax", allow_ties=True):
        return False
    if op == "norm":
        p = b.choose([2, 1, 3, float("inf")])
        a = np.abs(v)
        if p == 1 and not np.all((a == 0) | (a > MARGIN)):
            return False
        if p == float("inf") and not _clear_top(a, dim, True, allow_ties=True):
            return False
        if p in (2, 3) and np.min(np.linalg.norm(_slices(v, dim), axis=1)) <= MARGIN:
            return False
        b.emit(op, (x,), p=p, dim=dim, keepdim=keepdim)
        return True
    b.emit(op, (x,), dim=dim, keepdim=keepdim)
    return True


def gen_softmax(b: Builder) -> bool:
    x = b.pick_where(lambda i: b.values[i].ndim >= 1)
    if x is None:
        return False
    nd = b.values[x].ndim
    b.emit(b.choose(["softmax", "log_softmax"]), (x,), dim=b.choose(list(range(-nd, nd))))
    return True


def _factor_shape(b: Builder, n: int) -> tuple[int, ...]:
    primes = []
    k, p = n, 2
    while k > 1:
        while k % p == 0:
            primes.append(p)
            k //= p
        p += 1
    b.rng.shuffle(primes)
    parts = int(b.rng.integers(1, 4))
    dims = [1] * parts
    for q in primes:
        dims[int(b.rng.integers(parts))] *= q
    return tuple(dims)


def gen_shape(b: Builder) -> bool:
    op = b.choose(["reshape", "transpose", "permute", "expand", "broadcast_to", "unsqueeze",
                   "squeeze", "flatten", "flip", "pad", "repeat"])
    if op in ("unsqueeze", "reshape", "expand", "broadcast_to"):
        x = b.pick()
    else:
        x = b.pick_where(lambda i: b.values[i].ndim >= (2 if op in ("transpose",
                                                                     "permute") else 1))
        if x is None:
            return False
    s = b.shape(x)
    nd = len(s)
    if op == "reshape":
        shape = list(_factor_shape(b, _numel(s)))
        if b.choose([False, True]):
            shape[int(b.rng.integers(len(shape)))] = -1
        b.emit(op, (x,), shape=tuple(shape))
    elif op == "transpose":
        d0, d1 = b.rng.choice(nd, size=2, replace=False).tolist()
        b.emit(op, (x,), d0=int(d0) - nd * int(b.rng.integers(2)), d1=int(d1))
    elif op == "permute":
        b.emit(op, (x,), perm=tuple(b.rng.permutation(nd).tolist()))
    elif op in ("expand", "broadcast_to"):
        lead = b.choose([0, 1])
        new = [int(b.rng.integers(2, 4))] * lead + [
            int(b.rng.integers(2, 4)) if n == 1 and b.rng.random() < 0.7 else n for n in s]
        if _numel(tuple(new)) > MAX_NUMEL:
            return False
        if op == "expand":
            sizes = tuple(-1 if i >= lead and new[i] == s[i - lead] and b.rng.random() < 0.5
                          else new[i] for i in range(len(new)))
            b.emit(op, (x,), sizes=sizes)
        else:
            b.emit(op, (x,), shape=tuple(new))
    elif op == "unsqueeze":
        b.emit(op, (x,), dim=int(b.rng.integers(-nd - 1, nd + 1)))
    elif op == "squeeze":
        ones = [i for i, n in enumerate(s) if n == 1]
        dim = b.choose(ones + [None, int(b.rng.integers(nd))] if ones else [None, 0])
        b.emit(op, (x,), dim=dim)
    elif op == "flatten":
        start = int(b.rng.integers(nd))
        b.emit(op, (x,), start=start, end=int(b.rng.integers(start, nd)))
    elif op == "flip":
        k = int(b.rng.integers(1, nd + 1))
        b.emit(op, (x,), dims=tuple(b.rng.choice(nd, size=k, replace=False).tolist()))
    elif op == "pad":
        k = int(b.rng.integers(1, nd + 1))
        pad = tuple(int(p) for p in b.rng.integers(0, 3, size=2 * k))
        new = list(s)
        for j in range(k):
            new[nd - 1 - j] += pad[2 * j] + pad[2 * j + 1]
        if _numel(tuple(new)) > MAX_NUMEL:
            return False
        b.emit(op, (x,), pad=pad, value=b.choose([0.0, 0.5]))
    elif op == "repeat":
        sizes = tuple(int(r) for r in b.rng.integers(1, 3, size=nd + b.choose([0, 1])))
        if _numel(s) * _numel(sizes) > MAX_NUMEL:
            return False
        b.emit(op, (x,), sizes=sizes)
    return True


def gen_index(b: Builder) -> bool:
    op = b.choose(["basic", "advanced", "mask", "gather", "split_piece"])
    x = b.pick_where(lambda i: b.values[i].ndim >= 1)
    if x is None:
        return False
    s = b.shape(x)
    nd = len(s)
    rng = b.rng
    if op == "basic":
        index: list[Any] = []
        for n in s:
            kind = rng.integers(4)
            if kind == 0:
                index.append(int(rng.integers(-n, n)))
            elif kind == 1:
                start = int(rng.integers(0, n))
                index.append(slice(start, int(rng.integers(start + 1, n + 1)),
                                   int(rng.integers(1, 3))))
            elif kind == 2:
                index.append(slice(None))
            else:
                index.extend([None, slice(None)])
        b.emit("getitem", (x,), index=tuple(index))
    elif op == "advanced":
        d = int(rng.integers(nd))
        idx = rng.integers(-s[d], s[d], size=int(rng.integers(1, 6)))  # repeats likely
        if rng.random() < 0.3:
            idx = idx.reshape(-1, 1) if idx.size > 1 else idx
        index = (slice(None),) * d + (idx,)
        if _numel(b.values[x][index].shape) > MAX_NUMEL:
            return False
        b.emit("getitem", (x,), index=index)
    elif op == "mask":
        mask = rng.random(s) < 0.6
        if not mask.any():
            mask.flat[0] = True
        b.emit("getitem", (x,), index=mask)
    elif op == "gather":
        d = int(rng.integers(nd))
        shape = list(s)
        shape[d] = int(rng.integers(1, 4))
        if _numel(tuple(shape)) > MAX_NUMEL:
            return False
        b.emit("gather", (x,), dim=d, index=rng.integers(0, s[d], size=shape))
    else:
        d = int(rng.integers(nd))
        cuts = np.sort(rng.integers(0, s[d] + 1, size=2))
        sizes = [int(cuts[0]), int(cuts[1] - cuts[0]), int(s[d] - cuts[1])]
        pieces = [j for j, n in enumerate(sizes) if n > 0]
        b.emit("split_piece", (x,), sizes=sizes, dim=d, piece=int(b.choose(pieces)))
    return True


def gen_join(b: Builder) -> bool:
    op = b.choose(["cat", "stack"])
    x = b.pick_where(lambda i: b.values[i].ndim >= 1) if op == "cat" else b.pick()
    if x is None:
        return False
    s = b.shape(x)
    nd = len(s)
    if op == "cat":
        d = int(b.rng.integers(-nd, nd))
        dd = d % nd

        def fits(i: int) -> bool:
            t = b.shape(i)
            return len(t) == nd and t[:dd] + t[dd + 1:] == s[:dd] + s[dd + 1:]
    else:
        d = int(b.rng.integers(-nd - 1, nd + 1))

        def fits(i: int) -> bool:
            return b.shape(i) == s
    cands = [i for i in b.ids() if fits(i)]  # x itself included: reuse
    parts = [x] + [b.pick(cands) for _ in range(b.choose([1, 2]))]
    total = sum(_numel(b.shape(i)) for i in parts)
    if total > MAX_NUMEL:
        return False
    b.emit(op, tuple(parts), dim=d)
    return True


def _matmul_shape(a: tuple, c: tuple) -> tuple | None:
    try:
        return np.matmul(np.zeros(a), np.zeros(c)).shape
    except ValueError:
        return None


def gen_linalg(b: Builder) -> bool:
    op = b.choose(["matmul", "einsum", "tensordot", "linear", "outer_dot", "conv1d", "pool"])
    rng = b.rng
    if op in ("conv1d", "pool"):
        return _gen_windowed(b, op)
    x = b.pick_where(lambda i: b.values[i].ndim >= 1)
    if x is None:
        return False
    s = b.shape(x)
    k = s[-1]
    if op == "matmul":
        cands = [i for i in b.ids() if b.values[i].ndim >= 1
                 and (r := _matmul_shape(s, b.shape(i))) is not None and _numel(r) <= MAX_NUMEL]
        y = b.pick(cands) if cands and b.choose([True, False]) else b.leaf(
            (k,) if b.choose([True, False]) else (k, int(rng.integers(1, 4))))
        r = _matmul_shape(s, b.shape(y))
        if r is None or _numel(r) > MAX_NUMEL:
            return False
        b.emit("matmul", (x, y))
    elif op == "einsum":
        if len(s) == 2 and s[0] == s[1] and b.choose([True, False]):
            b.emit("einsum", (x,), spec=b.choose(["ii->i", "ii->", "ij->ji"]))
        elif len(s) == 2:
            y = b.pick_where(lambda i: b.shape(i)[:1] == (k,) and len(b.shape(i)) == 2
                             and s[0] * b.shape(i)[1] <= MAX_NUMEL)
            y = y if y is not None else b.leaf((k, int(rng.integers(1, 4))))
            b.emit("einsum", (x, y), spec="ij,jk->ik")
        else:
            y = b.pick([i for i in b.ids() if b.shape(i) == s])
            b.emit("einsum", (x, y), spec="...i,...i->...")
    elif op == "tensordot":
        y = b.pick_where(lambda i: b.values[i].ndim >= 1 and b.shape(i)[0] == k
                         and _numel(s[:-1] + b.shape(i)[1:]) <= MAX_NUMEL)
        y = y if y is not None else b.leaf((k, int(rng.integers(1, 4))))
        b.emit("tensordot", (x, y))
    elif op == "linear":
        out = int(rng.integers(1, 4))
        if _numel(s[:-1]) * out > MAX_NUMEL:
            return False
        w = b.leaf((out, k))
        args = (x, w, b.leaf((out,))) if b.choose([True, False]) else (x, w)
        b.emit("linear", args)
    else:
        if len(s) != 1:
            x = b.emit("reshape", (x,), shape=(-1,))
        n = b.shape(x)[0]
        if n * n > MAX_NUMEL:
            return False
        y = b.pick([i for i in b.ids() if b.shape(i) == (n,)])
        b.emit(b.choose(["outer", "dot"]), (x, y))
    return True


def _gen_windowed(b: Builder, op: str) -> bool:
    rng = b.rng
    x = b.pick()
    if b.values[x].ndim != 3:
        n = _numel(b.shape(x))
        if n < 2:
            return False
        c = b.choose([1, 2]) if n % 2 == 0 else 1
        x = b.emit("reshape", (x,), shape=(1, c, n // c))
    _, c, length = b.shape(x)
    if op == "conv1d":
        kk = int(rng.integers(1, min(3, length) + 1))
        padding = int(rng.integers(0, 2))
        dilation = int(rng.integers(1, 3))
        if (kk - 1) * dilation + 1 > length + 2 * padding:
            dilation = 1
        w = b.leaf((int(rng.integers(1, 3)), c, kk))
        args = (x, w, b.leaf((b.shape(w)[0],))) if b.choose([True, False]) else (x, w)
        b.emit("conv1d", args, stride=int(rng.integers(1, 3)), padding=padding,
               dilation=dilation)
        return True
    kk = int(rng.integers(1, min(3, length) + 1))
    stride = int(rng.integers(1, 3))
    padding = int(rng.integers(0, kk // 2 + 1))
    if b.choose(["max", "avg"]) == "avg":
        b.emit("avg_pool1d", (x,), k=kk, stride=stride, padding=padding)
        return True
    v = np.pad(b.values[x], [(0, 0), (0, 0), (padding, padding)], constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(v, kk, axis=-1)[:, :, ::stride]
    if not _clear_top(windows.reshape(-1, kk), 1, True, allow_ties=False):
        return False
    b.emit("max_pool1d", (x,), k=kk, stride=stride, padding=padding)
    return True


def gen_loss(b: Builder) -> bool:
    """The fused loss primitives of nn.functional, on any node as input."""
    op = b.choose(["mse_loss", "huber_loss", "bce", "bce_with_logits", "cross_entropy"])
    rng = b.rng
    reduction = b.choose(["mean", "sum", "none"])
    x = b.pick()
    v = b.values[x]
    if op == "mse_loss":
        b.emit(op, (x,), target=rng.normal(size=v.shape), reduction=reduction)
    elif op == "huber_loss":
        target, delta = rng.normal(size=v.shape), b.choose([1.0, 0.5])
        if not _far_from(np.abs(v - target), [delta]):
            return False
        b.emit(op, (x,), target=target, reduction=reduction, delta=delta)
    elif op == "bce":
        if v.min() <= 0.01 or v.max() >= 0.99:
            x = b.emit("sigmoid", (x,))
        b.emit(op, (x,), target=rng.random(v.shape), reduction=reduction)
    elif op == "bce_with_logits":
        pos_weight = rng.uniform(0.5, 2.0, size=v.shape[-1:]) if b.choose([0, 1]) else None
        b.emit(op, (x,), target=rng.random(v.shape), reduction=reduction,
               pos_weight=pos_weight)
    else:
        if v.ndim == 0:
            return False
        axis = 0 if v.ndim == 1 else 1
        if b.choose(["indices", "probabilities"]) == "indices":
            shape = () if v.ndim == 1 else v.shape[:1] + v.shape[2:]
            target = rng.integers(0, v.shape[axis], size=shape)
        else:
            target = rng.dirichlet(np.ones(v.shape[axis]), size=v.shape[:axis] + v.shape[
                axis + 1:])
            target = np.moveaxis(target, -1, axis)
        b.emit(op, (x,), target=target, reduction=reduction,
               label_smoothing=b.choose([0.0, 0.1]))
    return True


GENERATORS = [gen_unary, gen_unary, gen_kink, gen_binary, gen_binary, gen_reduce, gen_softmax,
              gen_shape, gen_index, gen_join, gen_linalg, gen_loss]


@st.composite
def programs(draw: Callable, max_steps: int = 10, with_casts: bool = True) -> Program:
    """A random program: broadcastable leaves, then up to max_steps generated ops."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rank = draw(st.integers(0, 3))
    base = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    b = Builder(draw, rng, with_casts)
    for _ in range(draw(st.integers(1, 3))):
        keep = draw(st.integers(0, rank))
        shape = tuple(n if rng.random() < 0.7 else 1 for n in base[rank - keep:])
        b.leaf(shape)
    for _ in range(draw(st.integers(1, max_steps))):
        gen = draw(st.sampled_from(GENERATORS))
        if not gen(b):
            b.emit("sin", (b.pick(),))
    weights = {k: rng.normal(size=b.shape(k)) for k in b.sinks()}
    return Program(b.nodes, weights)


def registry_ops_in_graph(root: Any) -> Counter:
    """Names of the engine's primitives recorded in the graph behind `root`, without recursion."""
    seen: set[int] = set()
    names: Counter = Counter()
    stack = [root]
    while stack:
        t = stack.pop()
        if t is None or id(t) in seen or t._op is None:
            continue
        seen.add(id(t))
        names[t._op.name] += 1
        stack.extend(t._args or ())
    return names
