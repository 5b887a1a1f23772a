"""Every registered op, gradient-checked from its Spec, in float64.

One generic harness drives all ops (registry_samplers.py draws the inputs for each Spec kind):

- first order: the random-direction test (<u, J v> by central differences on the op's NumPy
  forward against <vjp(u), v> from the engine), and on small shapes the full Jacobian;
- second order: the VJP evaluated with create_graph=True is itself differentiated (in x and in
  the cotangent u) and checked the same way against differences of the first-order VJP;
- the rules never write into the incoming gradient, the saved inputs or the saved output.

Subgradients at kinks are checked separately against PyTorch's documented choices.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Any

import numpy as np
import pytest
import registry_samplers as rs
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import engine
from autograd_core.ops import NP, REGISTRY
from autograd_core.ops.registry import Op
from autograd_core.tensor import apply

with contextlib.suppress(Exception):  # ops registered by the libraries on top are checked too
    import nn  # noqa: F401

OP_NAMES = sorted(REGISTRY)
DIFFERENTIABLE = [n for n in OP_NAMES if REGISTRY[n].differentiable]
EPS = 1e-6
SMALL = 24  # full Jacobians only when inputs and output have at most this many elements


# -- the registry is fully specified ----------------------------------------------------------
def test_every_op_has_a_spec_whose_kind_has_a_sampler():
    unknown = {name: (op.spec.kind if op.spec else None) for name, op in REGISTRY.items()
               if op.spec is None or op.spec.kind not in rs.SAMPLERS}
    assert not unknown, (
        f"ops without a Spec or with a Spec kind that no sampler in registry_samplers.py "
        f"knows: {unknown}; add a sampler so that the op is gradient-checked")


def test_every_registered_op_is_checked():
    import importlib

    for lib in ("nn", "optim"):
        with contextlib.suppress(ImportError):
            importlib.import_module(lib)
    assert len(OP_NAMES) == len(REGISTRY)
    assert set(OP_NAMES) == set(REGISTRY), (
        f"ops registered after this module was collected: {set(REGISTRY) - set(OP_NAMES)}")


def test_ops_with_kinks_or_ties_have_an_adjuster():
    marked = {n for n, op in REGISTRY.items()
              if op.spec and re.search(r"kink|tie", op.spec.notes)}
    missing = marked - set(rs.AWAY_FROM_KINKS)
    assert not missing, f"ops whose Spec notes a kink or tie but no sampler avoids it: {missing}"


def test_every_differentiable_op_has_rules():
    bare = [n for n in DIFFERENTIABLE
            if REGISTRY[n].variadic is None and not any(REGISTRY[n].vjps)]
    assert not bare, f"differentiable ops with no VJP rule: {bare}"


# -- the harness -------------------------------------------------------------------------------
LAYOUTS = ["contiguous", "fortran", "strided", "reversed", "transposed"]


def relayout(a: np.ndarray, how: str) -> np.ndarray:
    """The same values in another memory layout: views that are not C-contiguous."""
    if how == "contiguous":
        return a
    if a.ndim == 0:
        return np.array([0.0, a, 0.0])[1, ...]  # a 0-d view into a bigger buffer
    if how == "fortran":
        return np.asfortranarray(a)
    if how == "strided":
        big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],))
        big[..., ::2] = a
        return big[..., ::2]
    if how == "reversed":
        return np.flip(np.flip(a).copy())
    perm = tuple(reversed(range(a.ndim)))
    return np.ascontiguousarray(a.transpose(perm)).transpose(perm)


def with_inputs(case: rs.Case, xs: list) -> list:
    args = list(case.args)
    for i, x in zip(case.diff, xs):
        args[i] = x
    return args


def forward_np(op: Op, case: rs.Case, xs: list) -> np.ndarray:
    """The op's NumPy forward alone: the reference the differences are taken of."""
    return np.asarray(op.forward(*with_inputs(case, xs), **case.params), dtype=np.float64)


def engine_vjp(op: Op, case: rs.Case, xs: list, u: np.ndarray) -> list[np.ndarray]:
    """<u, J> for each differentiable input, by the engine's first-order backward."""
    ts = [ag.Tensor(x, requires_grad=True) for x in xs]
    out = apply(op, tuple(with_inputs(case, ts)), case.params)
    assert out.shape == u.shape
    gs = engine.grad(out, ts, grad_outputs=u, allow_unused=True)
    result = []
    for g, x in zip(gs, xs):
        if g is None:
            result.append(np.zeros_like(x))
            continue
        assert g.shape == x.shape and g.dtype == x.dtype, (g.shape, x.shape, g.dtype)
        result.append(g._data)
    return result


def vdot(a: list, b: list) -> float:
    return float(sum(np.vdot(np.asarray(x, np.float64), np.asarray(y, np.float64))
                     for x, y in zip(a, b)))


def central(fn: Any, xs: list, vs: list) -> float:
    plus = fn([np.asarray(x + EPS * v) for x, v in zip(xs, vs)])
    minus = fn([np.asarray(x - EPS * v) for x, v in zip(xs, vs)])
    return (plus - minus) / (2 * EPS)


def assert_close_scalar(analytic: float, numeric: float, scale: float, what: str) -> None:
    tol = 1e-6 * (1.0 + abs(numeric) + scale)
    assert abs(analytic - numeric) <= tol, (
        f"{what}: analytic {analytic!r} vs central differences {numeric!r} "
        f"(difference {abs(analytic - numeric):.3g}, tolerance {tol:.3g})")


@st.composite
def cases(draw: Any, name: str) -> tuple[Op, rs.Case, np.random.Generator]:
    op = REGISTRY[name]
    sampler = rs.SAMPLERS.get(op.spec.kind if op.spec else None)
    if sampler is None:
        raise LookupError(f"op {name!r}: no sampler for Spec {op.spec}; it cannot be checked")
    case = draw(sampler(op))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    adjust = rs.AWAY_FROM_KINKS.get(name)
    if adjust is not None:
        adjust(case, rng)
    for i in case.diff:
        case.args[i] = relayout(np.asarray(case.args[i], np.float64),
                                draw(st.sampled_from(LAYOUTS)))
    return op, case, rng


def _inputs(case: rs.Case) -> list[np.ndarray]:
    return [case.args[i] for i in case.diff]


# -- first order -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_first_order_matches_central_differences(name, data):
    op, case, rng = data.draw(cases(name), label="case")
    xs = _inputs(case)
    out = forward_np(op, case, xs)
    u = relayout(np.asarray(rng.standard_normal(out.shape)), data.draw(st.sampled_from(LAYOUTS)))
    vs = [np.asarray(rng.standard_normal(x.shape)) for x in xs]

    grads = engine_vjp(op, case, xs, u)
    numeric = central(lambda ys: vdot([u], [forward_np(op, case, ys)]), xs, vs)
    assert_close_scalar(vdot(grads, vs), numeric, float(np.abs(u * out).sum()),
                        f"{name} {case}: <vjp(u), v> against <u, J v>")

    if out.size <= SMALL and sum(x.size for x in xs) <= SMALL:
        assert_full_jacobian(op, case, xs, out)


def assert_full_jacobian(op: Op, case: rs.Case, xs: list, out: np.ndarray) -> None:
    ts = [ag.Tensor(x, requires_grad=True) for x in xs]
    y = apply(op, tuple(with_inputs(case, ts)), case.params)
    for k, x in enumerate(xs):
        numeric = np.zeros((out.size, x.size))
        for j in range(x.size):
            step = np.zeros(x.size)
            step[j] = EPS
            step = step.reshape(x.shape)
            plus = forward_np(op, case, [xi + step if i == k else xi for i, xi in enumerate(xs)])
            minus = forward_np(op, case, [xi - step if i == k else xi for i, xi in enumerate(xs)])
            numeric[:, j] = ((plus - minus) / (2 * EPS)).reshape(-1)
        analytic = np.zeros_like(numeric)
        for r in range(out.size):
            onehot = np.zeros(out.size)
            onehot[r] = 1.0
            g = engine.grad(y, [ts[k]], grad_outputs=onehot.reshape(out.shape),
                            retain_graph=True, allow_unused=True)[0]
            if g is not None:
                analytic[r] = g._data.reshape(-1)
        np.testing.assert_allclose(
            analytic, numeric, rtol=1e-5, atol=1e-6,
            err_msg=f"{op.name} {case}: Jacobian with respect to input {case.diff[k]}")


# -- first order through ag.compile ------------------------------------------------------------
def _vjp_by_backward(op: Op, case: rs.Case, ts: list, u: Any) -> list:
    apply(op, tuple(with_inputs(case, ts)), case.params).backward(gradient=u)
    return [t.grad for t in ts]


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=1, deadline=None)
@given(data=st.data())
def test_first_order_through_compile_is_eager_bit_for_bit(name, data):
    """The replay of a compiled backward gives eager's gradients to the last bit, so it passes
    the checks above as eager does: traced, checked by a second trace, then replayed with a
    cotangent it has not seen."""
    op, case, rng = data.draw(cases(name), label="case")
    xs = _inputs(case)
    out = forward_np(op, case, xs)
    compiled = ag.compile(lambda ts, u: _vjp_by_backward(op, case, ts, u))
    for _ in range(4):
        u = ag.tensor(rng.standard_normal(out.shape))
        got = compiled([ag.tensor(x.copy(), requires_grad=True) for x in xs], u)
        want = _vjp_by_backward(op, case, [ag.tensor(x.copy(), requires_grad=True)
                                           for x in xs], u)
        for g, w in zip(got, want):
            assert (g is None) == (w is None)
            if g is not None:
                assert g.dtype == w.dtype
                np.testing.assert_array_equal(g._data, w._data, err_msg=f"{name} {case}")
    assert compiled.traces == 2, f"{name}: traced {compiled.traces} times"


# -- second order ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_second_order_matches_central_differences(name, data):
    """The VJP with create_graph=True equals the first-order one, and its own VJP (in x and in
    the cotangent u) matches differences of the first-order VJP (gradgradcheck)."""
    op, case, rng = data.draw(cases(name), label="case")
    xs = _inputs(case)
    out = forward_np(op, case, xs)
    u = np.asarray(rng.standard_normal(out.shape))
    ws = [np.asarray(rng.standard_normal(x.shape)) for x in xs]
    vs = [np.asarray(rng.standard_normal(x.shape)) for x in xs]
    vu = np.asarray(rng.standard_normal(out.shape))

    ts = [ag.Tensor(x, requires_grad=True) for x in xs]
    ut = ag.Tensor(u, requires_grad=True)
    y = apply(op, tuple(with_inputs(case, ts)), case.params)
    first = engine.grad(y, ts, grad_outputs=ut, create_graph=True, allow_unused=True)
    plain = engine_vjp(op, case, xs, u)
    for k, (g, p) in enumerate(zip(first, plain)):
        got = np.zeros_like(p) if g is None else g._data
        assert got.shape == p.shape
        np.testing.assert_allclose(got, p, rtol=1e-10, atol=1e-12, err_msg=(
            f"{name} {case}: VJP of input {case.diff[k]} differs between create_graph=True "
            "and the first-order path"))

    terms = [(g * w).sum() for g, w in zip(first, ws) if g is not None]
    total = terms[0] if terms else None
    for t in terms[1:]:
        total = total + t
    if total is not None and total.requires_grad:
        second = engine.grad(total, ts + [ut], allow_unused=True)
        analytic = vdot([np.zeros_like(a) if g is None else g._data
                         for g, a in zip(second, xs + [u])], vs + [vu])
    else:
        analytic = 0.0

    def w_dot_vjp(zs: list) -> float:
        return vdot(ws, engine_vjp(op, case, zs[:-1], zs[-1]))

    numeric = central(w_dot_vjp, xs + [u], vs + [vu])
    scale = sum(float(np.abs(w * p).sum()) for w, p in zip(ws, plain))
    assert_close_scalar(analytic, numeric, scale,
                        f"{name} {case}: second order (<w, vjp(x, u)> differentiated)")


# -- float32 stays float32 ---------------------------------------------------------------------
@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_float32_inputs_give_float32_outputs_and_gradients(name, data):
    """No rule or forward upcasts: float32 in, float32 out, float32 gradients of both orders,
    close to the float64 ones."""
    op, case, rng = data.draw(cases(name), label="case")
    single = rs.Case([a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64
                      else a for a in case.args], case.params, case.diff)
    xs32 = _inputs(single)
    xs64 = [x.astype(np.float64) for x in xs32]
    out64 = forward_np(op, case, xs64)
    u = np.asarray(rng.standard_normal(out64.shape))
    ts = [ag.Tensor(x, requires_grad=True) for x in xs32]
    out = apply(op, tuple(with_inputs(single, ts)), single.params)
    if name != "cast":
        assert out.dtype == np.float32, f"{name} {case}: forward gives {out.dtype}"
    grads = engine.grad(out, ts, grad_outputs=u.astype(out.dtype), create_graph=True,
                        allow_unused=True)
    reference = engine_vjp(op, case, xs64, u)
    for g, ref in zip(grads, reference):
        if g is None:
            continue
        assert g.dtype == np.float32, f"{name} {case}: gradient dtype {g.dtype}"
        scale = 1.0 + float(np.abs(ref).max(initial=0.0))
        np.testing.assert_allclose(g._data, ref, rtol=1e-3, atol=1e-4 * scale,
                                   err_msg=f"{name} {case}: float32 gradient")


# -- zero-size inputs ----------------------------------------------------------------------------
def _z(*shape):
    return np.ones(shape)


ZERO_SIZE = [
    ("exp", [_z(0, 3)], {}),
    ("add", [_z(0, 3), _z(3)], {}),
    ("mul", [_z(2, 0), _z(2, 1)], {}),
    ("sum", [_z(0, 3)], {"axis": 0, "keepdims": False}),
    ("sum", [_z(0, 3)], {"axis": None, "keepdims": True}),
    ("mean", [_z(2, 0)], {"axis": 0, "keepdims": False}),
    ("prod", [_z(0, 3)], {"axis": 0, "keepdims": False}),
    ("prod", [_z(0, 3)], {"axis": 1, "keepdims": True}),
    ("logsumexp", [_z(0, 3)], {"axis": 1, "keepdims": False}),
    ("norm", [_z(0, 3)], {"axis": None, "keepdims": False}),
    ("amax", [_z(0, 3)], {"axis": 1, "keepdims": False}),
    ("reshape", [_z(0, 3)], {"shape": (3, 0)}),
    ("transpose", [_z(0, 3)], {"axes": (1, 0)}),
    ("broadcast_to", [_z(1, 0)], {"shape": (2, 0)}),
    ("sum_to", [_z(2, 0)], {"shape": (1, 0)}),
    ("cat", [_z(0, 2), _z(3, 2)], {"axis": 0}),
    ("pad", [_z(0, 2)], {"pad_width": ((1, 0), (0, 1)), "value": 0.0}),
    ("flip", [_z(0, 2)], {"axes": (0,)}),
    ("getitem", [_z(3, 2)], {"index": slice(2, 1)}),
    ("getitem", [_z(3, 2)], {"index": np.array([], dtype=np.int64)}),
    ("getitem", [_z(3, 2)], {"index": np.zeros(3, dtype=bool)}),
    ("scatter_add", [_z(0, 2)], {"index": np.array([], dtype=np.int64), "shape": (3, 2)}),
    ("matmul", [_z(2, 0), _z(0, 3)], {}),
    ("matmul", [_z(0, 2), _z(2, 3)], {}),
    ("tensordot", [_z(2, 0), _z(0, 3)], {"axes": ((1,), (0,))}),
    ("einsum", [_z(2, 0), _z(0, 3)], {"subscripts": "ij,jk->ik"}),
    ("linear", [_z(0, 3), _z(2, 3), _z(2)], {}),
    ("unfold", [_z(0, 1, 4)], {"kernel_size": (2,), "stride": (1,), "padding": (1,),
                               "dilation": (1,)}),
    ("conv", [_z(0, 1, 4), _z(2, 1, 3), _z(2)], {"stride": (1,), "padding": (0,),
                                                 "dilation": (1,)}),
    ("softmax", [_z(0, 3)], {"axis": 1}),
    ("log_softmax", [_z(0, 3)], {"axis": -1}),
]


@pytest.mark.parametrize("create_graph", [False, True], ids=["first-order", "create_graph"])
@pytest.mark.parametrize("name, args, params", ZERO_SIZE,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ZERO_SIZE)])
def test_zero_size_inputs_backpropagate(name, args, params, create_graph):
    op = REGISTRY[name]
    with np.errstate(all="ignore"):
        expected = op.forward(*args, **params)
        ts = [ag.Tensor(a.copy(), requires_grad=True) for a in args]
        out = apply(op, tuple(ts), params)
        assert out.shape == np.shape(expected)
        grads = engine.grad(out, ts, grad_outputs=np.ones(out.shape), create_graph=create_graph,
                            allow_unused=True)
    for g, t in zip(grads, ts):
        assert g is None or g.shape == t.shape


# -- rules never mutate what they are given -----------------------------------------------------
def _read_only(a: Any) -> Any:
    if not isinstance(a, np.ndarray):
        return a
    a = a.copy()
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_rules_never_write_into_their_arguments(name, data):
    """Each rule, called directly in the NumPy namespace with a read-only gradient, read-only
    inputs and a read-only output, runs and gives the same result as with writable ones."""
    op, case, rng = data.draw(cases(name), label="case")
    args = list(case.args)
    out = np.asarray(op.forward(*args, **case.params))
    g = np.asarray(rng.standard_normal(out.shape))
    ro_args = [_read_only(a) for a in args]
    ro_out, ro_g = _read_only(out), _read_only(g)
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in ro_args]
    for i in case.diff:
        rule = op.rule(i)
        if rule is None:
            continue
        expected = rule(NP, g.copy(), out.copy(), *[
            a.copy() if isinstance(a, np.ndarray) else a for a in args], **case.params)
        got = rule(NP, ro_g, ro_out, *ro_args, **case.params)
        if expected is None:
            assert got is None
            continue
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected),
                                      err_msg=f"{name} rule {i} {case}")
    np.testing.assert_array_equal(ro_g, g)
    for a, b in zip(ro_args, before):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@given(data=st.data())
def test_backward_with_a_read_only_seed_accumulates_into_fresh_memory(name, data):
    op, case, rng = data.draw(cases(name), label="case")
    xs = [_read_only(x) for x in _inputs(case)]
    out = forward_np(op, case, xs)
    seed = _read_only(np.asarray(rng.standard_normal(out.shape)))
    seed_copy = seed.copy()
    ts = [ag.Tensor(x, requires_grad=True) for x in xs]
    for _ in range(2):  # the second pass accumulates into .grad in place
        apply(op, tuple(with_inputs(case, ts)), case.params).backward(gradient=seed)
    once = engine_vjp(op, case, [x.copy() for x in xs], seed_copy)
    np.testing.assert_array_equal(seed, seed_copy)
    grads = [t.grad._data for t in ts if t.grad is not None]
    for t, g1 in zip(ts, once):
        if t.grad is not None:
            np.testing.assert_allclose(t.grad._data, 2 * g1, rtol=1e-12, atol=1e-12)
    for k, g in enumerate(grads):
        assert not np.shares_memory(g, seed), f"{name}: .grad shares memory with the seed"
        for x in xs:
            assert not np.shares_memory(g, x), f"{name}: .grad shares memory with an input"
        for h in grads[k + 1:]:
            assert not np.shares_memory(g, h), f"{name}: two .grad arrays share memory"


# -- subgradients at kinks: PyTorch's documented choices ---------------------------------------
def _ag_norm(p: float) -> Any:
    return lambda x: ag.norm(x, p=p)


def _torch_norm(p: float) -> Any:
    return lambda T, x: T.linalg.vector_norm(x, ord=p)


KINKS = [
    # id, engine function, torch function, inputs, expected gradient of sum(output) per input
    ("relu'(0)=0", lambda x: ag.relu(x), lambda T, x: T.relu(x),
     [[0.0, -1.0, 2.0]], [[0.0, 0.0, 1.0]]),
    ("abs'(0)=0", lambda x: ag.abs(x), lambda T, x: T.abs(x),
     [[0.0, -1.0, 2.0]], [[0.0, -1.0, 1.0]]),
    ("sign'=0", lambda x: ag.sign(x), lambda T, x: T.sign(x),
     [[0.0, -1.0, 2.0]], [[0.0, 0.0, 0.0]]),
    ("leaky_relu'(0)=slope", lambda x: ag.leaky_relu(x, 0.2),
     lambda T, x: T.nn.functional.leaky_relu(x, 0.2), [[0.0, -1.0, 2.0]], [[0.2, 0.2, 1.0]]),
    ("clamp passes the bounds", lambda x: ag.clamp(x, -0.5, 0.7),
     lambda T, x: T.clamp(x, -0.5, 0.7), [[-0.5, 0.7, -1.0, 1.0, 0.0]],
     [[1.0, 1.0, 0.0, 0.0, 1.0]]),
    ("clamp min only", lambda x: ag.clamp(x, min=0.0), lambda T, x: T.clamp(x, min=0.0),
     [[0.0, -1.0, 1.0]], [[1.0, 0.0, 1.0]]),
    ("clamp max only", lambda x: ag.clamp(x, max=0.0), lambda T, x: T.clamp(x, max=0.0),
     [[0.0, -1.0, 1.0]], [[1.0, 1.0, 0.0]]),
    ("clamp min > max", lambda x: ag.clamp(x, 1.0, 0.0), lambda T, x: T.clamp(x, 1.0, 0.0),
     [[0.0, 0.5, 2.0]], [[0.0, 0.0, 0.0]]),
    ("maximum splits ties", lambda a, b: ag.maximum(a, b), lambda T, a, b: T.maximum(a, b),
     [[1.0, 2.0, 3.0], [1.0, 0.0, 4.0]], [[0.5, 1.0, 0.0], [0.5, 0.0, 1.0]]),
    ("minimum splits ties", lambda a, b: ag.minimum(a, b), lambda T, a, b: T.minimum(a, b),
     [[1.0, 2.0, 3.0], [1.0, 0.0, 4.0]], [[0.5, 0.0, 1.0], [0.5, 1.0, 0.0]]),
    ("maximum tie under broadcasting", lambda a, b: ag.maximum(a, b),
     lambda T, a, b: T.maximum(a, b), [[1.0, 1.0, 0.0], [1.0]], [[0.5, 0.5, 0.0], [2.0]]),
    ("amax splits ties", lambda x: ag.amax(x), lambda T, x: T.amax(x),
     [[1.0, 3.0, 3.0]], [[0.0, 0.5, 0.5]]),
    ("amax over a dim splits ties", lambda x: ag.amax(x, dim=1), lambda T, x: T.amax(x, dim=1),
     [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]], [[[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]]),
    ("amin splits ties", lambda x: ag.amin(x, dim=0), lambda T, x: T.amin(x, dim=0),
     [[[1.0, 3.0], [1.0, 2.0]]], [[[0.5, 0.0], [0.5, 1.0]]]),
    ("max without dim splits ties", lambda x: ag.max(x), lambda T, x: T.max(x),
     [[1.0, 3.0, 3.0]], [[0.0, 0.5, 0.5]]),
    ("min without dim splits ties", lambda x: ag.min(x), lambda T, x: T.min(x),
     [[-1.0, 3.0, -1.0]], [[0.5, 0.0, 0.5]]),
    ("norm inf splits ties", lambda x: ag.norm(x, p=float("inf")),
     lambda T, x: T.linalg.vector_norm(x, ord=float("inf")),
     [[1.0, -3.0, 3.0]], [[0.0, -0.5, 0.5]]),
    ("pow 0**b at b=0 and b=2", lambda a, b: a ** b, lambda T, a, b: a ** b,
     [[0.0, 0.0, 2.0], [0.0, 2.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, np.log(2.0)]]),
    ("prod with one zero", lambda x: ag.prod(x), lambda T, x: T.prod(x),
     [[0.0, 2.0, 3.0]], [[6.0, 0.0, 0.0]]),
    ("prod with two zeros", lambda x: ag.prod(x), lambda T, x: T.prod(x),
     [[0.0, 2.0, 0.0]], [[0.0, 0.0, 0.0]]),
    ("softplus at the threshold", lambda x: ag.softplus(x, beta=2.0, threshold=1.0),
     lambda T, x: T.nn.functional.softplus(x, beta=2.0, threshold=1.0),
     [[0.5, 0.6]], [[1 / (1 + np.exp(-1.0)), 1.0]]),
] + [
    (f"norm p={p} of a zero vector is 0", _ag_norm(p), _torch_norm(p), [[0.0, 0.0, 0.0]],
     [[0.0, 0.0, 0.0]])
    for p in (1, 2, 3, 0.5, float("inf"))
] + [
    (f"norm p={p} with a zero element", _ag_norm(p), _torch_norm(p), [[0.0, 3.0, -4.0]],
     [[0.0, *(np.sign([3.0, -4.0]) * np.abs([3.0, -4.0]) ** (p - 1)
              * (3.0 ** p + 4.0 ** p) ** (1 / p - 1))]])
    for p in (1, 2, 3, 0.5)
]


@pytest.mark.parametrize("create_graph", [False, True], ids=["first-order", "create_graph"])
@pytest.mark.parametrize("case", KINKS, ids=[k[0] for k in KINKS])
def test_subgradient_at_kinks_is_pytorchs(case, create_graph):
    _, fn, _, inputs, expected = case
    ts = [ag.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no spurious inf/nan on the way
        out = fn(*ts).sum()
        grads = engine.grad(out, ts, create_graph=create_graph, allow_unused=True)
    for g, e in zip(grads, expected):
        assert np.isfinite(g._data).all()
        np.testing.assert_allclose(g._data, np.array(e), rtol=1e-12, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("case", KINKS, ids=[k[0] for k in KINKS])
def test_kink_choices_are_torchs(case):
    torch = pytest.importorskip("torch")
    _, _, torch_fn, inputs, expected = case
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    grads = torch.autograd.grad(torch_fn(torch, *ts).sum(), ts)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.numpy(), np.array(e), rtol=1e-12, atol=1e-12)


def test_var_of_one_element_with_correction_gives_nan_like_torch():
    x = ag.tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        y = ag.var(x, dim=1)
    assert np.isnan(y._data).all()
    with np.errstate(all="ignore"):
        y.sum().backward()
    assert np.isnan(x.grad._data).all()


def test_loss_rules_give_broadcast_shaped_gradients():
    x = ag.tensor(np.array([0.3]), requires_grad=True)
    y = ag.tensor(np.array([0.2, 0.9, 0.5]), requires_grad=True)
    apply(REGISTRY["binary_cross_entropy"], (x, y), {"reduction": "sum"}).backward()
    np.testing.assert_allclose(y.grad._data, np.full(3, np.log1p(-0.3) - np.log(0.3)))


def test_cast_rule_returns_the_input_dtype():
    x = ag.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = apply(REGISTRY["cast"], (x,), {"dtype": np.dtype(np.float64)})
    assert y.dtype == np.float64
    (y * ag.tensor(np.array([3.0, 4.0]))).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad._data, np.array([3.0, 4.0], dtype=np.float32))
