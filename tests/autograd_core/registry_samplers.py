"""Input samplers for the registry gradient tests: one per Spec kind.

A sampler draws one `Case` for an op: the positional arguments of the op's forward (float64
arrays in the differentiable slots, constants elsewhere), its keyword params, and which slots
are differentiable. Shapes come from hypothesis (broadcasting both ways, 0-d, size-1 axes,
negative axes); values come from a NumPy generator seeded by hypothesis, kept inside the op's
Spec domain, and moved away from kinks and ties by the per-op adjusters in `AWAY_FROM_KINKS`,
because central differences are meaningless across a kink.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from autograd_core.ops.registry import Op

MAX_SIDE = 4
KINK_MARGIN = 0.05


@dataclass
class Case:
    """One call of an op: forward(*args, **params); args[i] for i in diff are differentiable."""

    args: list
    params: dict
    diff: tuple[int, ...]
    note: str = ""

    def __repr__(self) -> str:
        shapes = [np.shape(a) if isinstance(a, np.ndarray) else a for a in self.args]
        return f"Case(arg shapes={shapes}, params={self.params}, diff={self.diff} {self.note})"


# -- value helpers --------------------------------------------------------------------------
def _domains(op: Op, n: int) -> list[tuple[float, float]]:
    dom = op.spec.domain
    if isinstance(dom[0], (int, float)):
        return [tuple(dom)] * n  # type: ignore[list-item]
    return [tuple(d) for d in dom]  # type: ignore[misc]


def uniform(rng: np.random.Generator, shape: tuple, lo: float, hi: float) -> np.ndarray:
    return rng.uniform(lo, hi, size=shape).astype(np.float64)


def distinct(rng: np.random.Generator, shape: tuple, lo: float, hi: float) -> np.ndarray:
    """Values all different by a clear gap, so that maxima are never tied."""
    n = int(np.prod(shape, dtype=np.int64))
    slots = rng.permutation(n) + 0.5 + rng.uniform(-0.2, 0.2, size=n)
    return (lo + (hi - lo) * slots / max(n, 1)).reshape(shape)


def away_from(x: np.ndarray, point: float, margin: float = KINK_MARGIN) -> np.ndarray:
    """Moves values within `margin` of `point` to `point ± margin` (side kept)."""
    d = x - point
    near = np.abs(d) < margin
    return np.where(near, point + np.where(d < 0, -margin, margin), x)


def _params(draw: Any, op: Op) -> dict:
    return {k: draw(st.sampled_from(list(v))) for k, v in op.spec.params.items()}


def _maybe_negative(draw: Any, axis: int, ndim: int) -> int:
    return axis - ndim if draw(st.booleans()) else axis


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=MAX_SIDE)


# -- samplers per kind ----------------------------------------------------------------------
@st.composite
def elementwise(draw: Any, op: Op) -> Case:
    n = op.spec.nin
    bshapes = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=0, max_dims=3, min_side=1, max_side=MAX_SIDE))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = [uniform(rng, s, lo, hi) for s, (lo, hi) in zip(bshapes.input_shapes,
                                                            _domains(op, n))]
    return Case(args, _params(draw, op), tuple(range(n)))


@st.composite
def where(draw: Any, op: Op) -> Case:
    bshapes = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=3, min_dims=0, max_dims=3, min_side=1, max_side=MAX_SIDE))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cshape, ashape, bshape = bshapes.input_shapes
    (alo, ahi), (blo, bhi) = _domains(op, 2)
    cond = rng.random(cshape) < 0.5
    return Case([cond, uniform(rng, ashape, alo, ahi), uniform(rng, bshape, blo, bhi)],
                _params(draw, op), (1, 2))


@st.composite
def axes_for(draw: Any, ndim: int) -> Any:
    """None, one int, or a tuple of distinct axes in any order; each may be negative."""
    if ndim == 0:
        return draw(st.sampled_from([None, ()]))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return _maybe_negative(draw, draw(st.integers(0, ndim - 1)), ndim)
    chosen = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(_maybe_negative(draw, a, ndim) for a in chosen)


def reduced_count(shape: tuple, axis: Any) -> int:
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


@st.composite
def reduction(draw: Any, op: Op) -> Case:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=MAX_SIDE))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    (lo, hi), = _domains(op, 1)
    params = _params(draw, op)
    params["axis"] = draw(axes_for(len(shape)))
    params["keepdims"] = draw(st.booleans())
    if params.get("correction", 0) >= reduced_count(shape, params["axis"]):
        params["correction"] = 0  # n <= correction has no finite variance to differentiate
    return Case([uniform(rng, shape, lo, hi)], params, (0,))


def _factor(n: int) -> list[int]:
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


@st.composite
def reshape(draw: Any, op: Op) -> Case:
    shape = draw(shapes)
    size = int(np.prod(shape, dtype=np.int64))
    ndim = draw(st.integers(0 if size == 1 else 1, 4))
    new = [1] * ndim
    for f in _factor(size):
        new[draw(st.integers(0, ndim - 1))] *= f
    if ndim and draw(st.booleans()):
        new[draw(st.integers(0, ndim - 1))] = -1
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -2, 2)], {"shape": tuple(new)}, (0,))


@st.composite
def transpose(draw: Any, op: Op) -> Case:
    shape = draw(shapes)
    perm = draw(st.permutations(range(len(shape))))
    axes = tuple(_maybe_negative(draw, a, len(shape)) for a in perm)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -2, 2)], {"axes": axes}, (0,))


@st.composite
def broadcast_to(draw: Any, op: Op) -> Case:
    big = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=MAX_SIDE))
    lead = draw(st.integers(0, len(big)))
    small = tuple(1 if draw(st.booleans()) else n for n in big[lead:])
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, small, -2, 2)], {"shape": big}, (0,))


@st.composite
def sum_to(draw: Any, op: Op) -> Case:
    case = draw(broadcast_to(op))
    small = case.args[0].shape
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, case.params["shape"], -2, 2)], {"shape": small}, (0,))


@st.composite
def cat(draw: Any, op: Op) -> Case:
    base = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE))
    axis = draw(st.integers(0, len(base) - 1))
    n = draw(st.integers(1, op.spec.nin))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = []
    for _ in range(n):
        s = list(base)
        s[axis] = draw(st.integers(1, 3))
        args.append(uniform(rng, tuple(s), -2, 2))
    return Case(args, {"axis": _maybe_negative(draw, axis, len(base))}, tuple(range(n)))


@st.composite
def pad(draw: Any, op: Op) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE))
    width = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -2, 2)],
                {"pad_width": width, "value": draw(st.sampled_from([0.0, -1.5]))}, (0,))


@st.composite
def flip(draw: Any, op: Op) -> Case:
    shape = draw(shapes)
    axes = draw(axes_for(len(shape)))
    if isinstance(axes, int):
        axes = (axes,)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -2, 2)], {"axes": axes}, (0,))


@st.composite
def index_for(draw: Any, shape: tuple) -> tuple[Any, str]:
    """A NumPy index for `shape`: basic, advanced (integer arrays, repeats and negatives),
    mixed basic + advanced, or boolean; returned with its kind."""
    kinds = ["basic"] + (["advanced", "mixed", "boolean", "boolean_in_tuple"] if shape else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "basic":
        return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)), kind
    if kind == "advanced":
        return draw(hnp.integer_array_indices(
            shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5))), kind
    if kind == "mixed":
        d = draw(st.integers(0, len(shape) - 1))
        n = shape[d]
        idx = np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))
        lead = tuple(draw(st.sampled_from([slice(None), slice(None, None, -1)]))
                     for _ in range(d))
        return lead + (idx,), kind
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "boolean":
        k = draw(st.integers(1, len(shape)))
        return rng.random(shape[:k]) < 0.6, kind
    d = draw(st.integers(0, len(shape) - 1))
    mask = rng.random(shape[d]) < 0.6
    return (slice(None),) * d + (mask,), kind


@st.composite
def getitem(draw: Any, op: Op) -> Case:
    shape = draw(shapes)
    index, kind = draw(index_for(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -2, 2)], {"index": index}, (0,), note=kind)


@st.composite
def scatter_add(draw: Any, op: Op) -> Case:
    shape = draw(shapes)
    index, kind = draw(index_for(shape))
    src_shape = np.empty(shape)[index].shape
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, src_shape, -2, 2)], {"index": index, "shape": shape}, (0,),
                note=kind)


@st.composite
def _along_axis(draw: Any, broadcast: bool) -> tuple[tuple, int, np.ndarray]:
    """(input shape, axis, indices) for take_along_axis; with `broadcast`, input and indices
    have size-1 axes outside `axis` where the other does not (NumPy broadcasts them)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE))
    axis = draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    ishape = list(shape)
    ishape[axis] = draw(st.integers(1, 5))
    xshape = list(shape)
    if broadcast:
        for d in range(len(shape)):
            if d != axis:
                side = draw(st.sampled_from(["none", "input", "indices"]))
                if side == "input":
                    xshape[d] = 1
                elif side == "indices":
                    ishape[d] = 1
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    indices = rng.integers(-n, n, size=tuple(ishape))
    return tuple(xshape), _maybe_negative(draw, axis, len(shape)), indices


@st.composite
def take_along_axis(draw: Any, op: Op) -> Case:
    shape, axis, indices = draw(_along_axis(broadcast=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -2, 2), indices], {"axis": axis}, (0,))


@st.composite
def scatter_along_axis(draw: Any, op: Op) -> Case:
    shape, axis, indices = draw(_along_axis(broadcast=False))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, indices.shape, -2, 2), indices], {"axis": axis, "shape": shape},
                (0,))


@st.composite
def matmul(draw: Any, op: Op) -> Case:
    kind = draw(st.sampled_from(["1d@1d", "1d@nd", "nd@1d", "nd@nd"]))
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                   max_side=3))
    ba, bb = batch.input_shapes
    a = (k,) if kind.startswith("1d") else ba + (m, k)
    b = (k,) if kind.endswith("1d") else bb + (k, n)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, a, -2, 2), uniform(rng, b, -2, 2)], {}, (0, 1), note=kind)


@st.composite
def linear(draw: Any, op: Op) -> Case:
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    fin, fout = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    bias_shape = draw(st.sampled_from([(fout,), (), None]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = [uniform(rng, batch + (fin,), -2, 2), uniform(rng, (fout, fin), -2, 2)]
    if bias_shape is None:
        return Case(args + [None], {}, (0, 1), note="no bias")
    return Case(args + [uniform(rng, bias_shape, -2, 2)], {}, (0, 1, 2))


@st.composite
def tensordot(draw: Any, op: Op) -> Case:
    ncon = draw(st.integers(0, 2))
    con = [draw(st.integers(1, 3)) for _ in range(ncon)]
    a_free = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    b_free = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    a_pos = draw(st.permutations(range(len(a_free) + ncon)))
    b_pos = draw(st.permutations(range(len(b_free) + ncon)))
    a_shape = [0] * (len(a_free) + ncon)
    b_shape = [0] * (len(b_free) + ncon)
    ia, ib = a_pos[:ncon], b_pos[:ncon]
    for j, c in enumerate(con):
        a_shape[ia[j]] = c
        b_shape[ib[j]] = c
    for p, s in zip(a_pos[ncon:], a_free):
        a_shape[p] = s
    for p, s in zip(b_pos[ncon:], b_free):
        b_shape[p] = s
    axes = (tuple(_maybe_negative(draw, a, len(a_shape)) for a in ia),
            tuple(_maybe_negative(draw, b, len(b_shape)) for b in ib))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, tuple(a_shape), -2, 2), uniform(rng, tuple(b_shape), -2, 2)],
                {"axes": axes}, (0, 1))


# subscripts, with the letters whose sizes are drawn; "." stands for the ellipsis dims
EINSUM_SUBSCRIPTS = [
    "ij,jk->ik", "ij,jk", "i,i->", "i,i", "i,j->ij", "ij->ji", "ij", "ji", "ij->", "i->",
    "ii->i", "ii", "ii->", "iij->j", "ij,ij->ij", "ij,kj", "bij,bjk->bik", "ijk,ikl->jl",
    "ij,jk,kl->il", "i,i,i->i", "...ij,...jk->...ik", "...i,...i->...", "...ii->...i",
    "i...,i...->...", "...,...->...", "ij...->...j",
]


@st.composite
def einsum(draw: Any, op: Op) -> Case:
    subscripts = draw(st.sampled_from(EINSUM_SUBSCRIPTS))
    terms = subscripts.split("->")[0].split(",")
    letters = sorted(set(c for c in subscripts if c.isalpha()))
    size = {c: draw(st.integers(1, 3)) for c in letters}
    ell = draw(hnp.mutually_broadcastable_shapes(num_shapes=len(terms), min_dims=0,
                                                 max_dims=2, max_side=3)).input_shapes
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = []
    for t, e in zip(terms, ell):
        head, _, tail = t.partition("...")
        has_ell = "..." in t
        shape = (tuple(size[c] for c in head) + (tuple(e) if has_ell else ())
                 + tuple(size[c] for c in tail))
        args.append(uniform(rng, shape, -2, 2))
    return Case(args, {"subscripts": subscripts}, tuple(range(len(args))), note=subscripts)


@st.composite
def softmax(draw: Any, op: Op) -> Case:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE))
    axis = _maybe_negative(draw, draw(st.integers(0, len(shape) - 1)), len(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -3, 3)], {"axis": axis}, (0,))


@st.composite
def window_geometry(draw: Any) -> tuple[tuple, dict]:
    """An (N, C, *spatial) shape and unfold params that fit it."""
    nsp = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nsp))
    s = tuple(draw(st.integers(1, 2)) for _ in range(nsp))
    p = tuple(draw(st.integers(0, 1)) for _ in range(nsp))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nsp))
    spatial = tuple(max((ki - 1) * di + 1 - 2 * pi, 1) + draw(st.integers(0, 2))
                    for ki, di, pi in zip(k, d, p))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + spatial
    return shape, {"kernel_size": k, "stride": s, "padding": p, "dilation": d}


@st.composite
def unfold(draw: Any, op: Op) -> Case:
    shape, params = draw(window_geometry())
    params["pad_value"] = draw(st.sampled_from([0.0, -1.5]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, shape, -2, 2)], params, (0,))


@st.composite
def fold(draw: Any, op: Op) -> Case:
    from autograd_core.ops.nn_ops import sliding_windows

    shape, params = draw(window_geometry())
    cols_shape = sliding_windows(np.zeros(shape), **params).shape
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return Case([uniform(rng, cols_shape, -2, 2)], dict(params, input_shape=shape), (0,))


@st.composite
def conv(draw: Any, op: Op) -> Case:
    """conv(x (N, C, *spatial), weight (O, C, *K), bias (O,) or None, stride, padding,
    dilation)."""
    shape, geometry = draw(window_geometry())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    out_channels = draw(st.integers(1, 3))
    weight = uniform(rng, (out_channels, shape[1]) + geometry["kernel_size"], -2, 2)
    params = {k: geometry[k] for k in ("stride", "padding", "dilation")}
    args = [uniform(rng, shape, -2, 2), weight]
    if draw(st.booleans()):
        return Case(args + [uniform(rng, (out_channels,), -2, 2)], params, (0, 1, 2))
    return Case(args + [None], params, (0, 1), note="no bias")


@st.composite
def pointwise_loss(draw: Any, op: Op) -> Case:
    """loss(x, y[, weight]): x and y of one shape (PyTorch's contract for these losses); an
    optional constant weight (a third positional parameter of the forward) broadcasts."""
    shape = draw(shapes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = op.spec.nin
    args = [uniform(rng, shape, lo, hi) for lo, hi in _domains(op, n)]
    positional = list(inspect.signature(op.forward).parameters)
    if len(positional) > n and positional[n] == "weight" and draw(st.booleans()):
        wshape = draw(hnp.broadcastable_shapes(shape, min_dims=0, max_side=MAX_SIDE))
        args.append(uniform(rng, wshape, 0.5, 2.0))
    return Case(args, _params(draw, op), tuple(range(n)))


@st.composite
def softmax_cross_entropy(draw: Any, op: Op) -> Case:
    """Logits (N, C, *extra) and a nonnegative target distribution of the same shape."""
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=MAX_SIDE))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    (lo, hi), _ = _domains(op, 2)
    q = rng.uniform(0.0, 1.0, size=shape)
    return Case([uniform(rng, shape, lo, hi), q], _params(draw, op), (0, 1))


@st.composite
def cross_entropy_index(draw: Any, op: Op) -> Case:
    """Logits (N, C) and N class indices."""
    n, c = draw(st.integers(1, MAX_SIDE)), draw(st.integers(1, MAX_SIDE))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    (lo, hi), = _domains(op, 1)
    return Case([uniform(rng, (n, c), lo, hi), rng.integers(0, c, size=n)], _params(draw, op),
                (0,))


@st.composite
def bce_with_logits(draw: Any, op: Op) -> Case:
    """x and y of one shape; weight and pos_weight (each present or None) broadcast to it."""
    shape = draw(shapes)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    doms = _domains(op, 4)
    args = [uniform(rng, shape, *doms[0]), uniform(rng, shape, *doms[1])]
    diff = [0, 1]
    for k in (2, 3):
        if draw(st.booleans()):
            lead = draw(st.integers(0, len(shape)))
            sub = tuple(1 if draw(st.booleans()) else m for m in shape[lead:])
            args.append(uniform(rng, sub, *doms[k]))
            diff.append(k)
        else:
            args.append(None)
    return Case(args, _params(draw, op), tuple(diff))


SAMPLERS: dict[str, Callable[[Op], st.SearchStrategy[Case]]] = {
    "elementwise": elementwise,
    "where": where,
    "reduction": reduction,
    "reshape": reshape,
    "transpose": transpose,
    "broadcast_to": broadcast_to,
    "sum_to": sum_to,
    "cat": cat,
    "pad": pad,
    "flip": flip,
    "getitem": getitem,
    "scatter_add": scatter_add,
    "take_along_axis": take_along_axis,
    "scatter_along_axis": scatter_along_axis,
    "matmul": matmul,
    "linear": linear,
    "tensordot": tensordot,
    "einsum": einsum,
    "softmax": softmax,
    "unfold": unfold,
    "fold": fold,
    "conv": conv,
    "pointwise_loss": pointwise_loss,
    "softmax_cross_entropy": softmax_cross_entropy,
    "cross_entropy_index": cross_entropy_index,
    "bce_with_logits": bce_with_logits,
}

import samplers_indexing  # noqa: E402, F401  (roll, scatter, scatter_reduce, clamp_tensor)

# -- kinks and ties: where central differences must not look ---------------------------------
Adjuster = Callable[[Case, np.random.Generator], None]


def _unary_away(points: Callable[[dict], list]) -> Adjuster:
    def adjust(case: Case, rng: np.random.Generator) -> None:
        for p in points(case.params):
            if p is not None:
                case.args[0] = away_from(case.args[0], p)

    return adjust


def _separate_pair(case: Case, rng: np.random.Generator) -> None:
    """maximum/minimum: a and b on interleaved grids, so |a - b| >= 0.15 everywhere."""
    for i, offset in ((0, 0.1), (1, 0.35)):
        shape = case.args[i].shape
        case.args[i] = (rng.integers(-4, 4, size=shape) * 0.5 + offset
                        + rng.uniform(-0.05, 0.05, size=shape))


def _untie(case: Case, rng: np.random.Generator) -> None:
    case.args[0] = distinct(rng, case.args[0].shape, -2.0, 2.0)


def _huber_away(case: Case, rng: np.random.Generator) -> None:
    """|x - y| away from delta, where the second derivative jumps."""
    x, y = case.args[0], case.args[1]
    delta = case.params.get("delta", 1.0)
    d = np.broadcast_to(x - y, np.broadcast_shapes(x.shape, y.shape))
    if d.shape != x.shape:  # x broadcasts: move y instead
        case.args[1] = x - _away_from_pm(x - y, delta)
    else:
        case.args[0] = y + _away_from_pm(d, delta)


def _away_from_pm(d: np.ndarray, delta: float) -> np.ndarray:
    return away_from(away_from(d, delta), -delta)


def _norm_away(case: Case, rng: np.random.Generator) -> None:
    """Distinct magnitudes (inf-norm ties) that stay away from 0 (|x| kinks)."""
    mags = distinct(rng, case.args[0].shape, 0.3, 2.0)
    case.args[0] = mags * np.where(rng.random(mags.shape) < 0.5, -1.0, 1.0)


AWAY_FROM_KINKS: dict[str, Adjuster] = {
    "relu": _unary_away(lambda p: [0.0]),
    "abs": _unary_away(lambda p: [0.0]),
    "sign": _unary_away(lambda p: [0.0]),
    "leaky_relu": _unary_away(lambda p: [0.0]),
    "clip": _unary_away(lambda p: [p.get("min"), p.get("max")]),
    "softplus": _unary_away(lambda p: [p["threshold"] / p["beta"]]),
    "maximum": _separate_pair,
    "minimum": _separate_pair,
    "amax": _untie,
    "amin": _untie,
    "norm": _norm_away,
    "huber_loss": _huber_away,
}

import samplers_conv  # noqa: E402, F401  (grouped conv, conv_transpose, the resampling taps)
import samplers_linalg  # noqa: E402, F401  (matrices for the linear-algebra ops)
import samplers_nn  # noqa: E402, F401  (adjusters of the nn.functional activations)
import samplers_scans  # noqa: E402, F401  (adds the "scan" kind and the median adjusters)
import samplers_special  # noqa: E402, F401  (adjusters of the elementwise and special ops)
