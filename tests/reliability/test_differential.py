"""Differential tests on whole random graphs: value, gradient and Hessian-vector product.

Each graph (see random_graphs.py) mixes many ops, broadcasting and reused subexpressions, and
ends in a scalar. With PyTorch installed the same program runs there in float64 and everything
must agree to near machine precision; without it, central differences of the value check the
gradient and central differences of the gradient check the Hessian-vector product.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import autograd_core as ag

from .random_graphs import (
    AG_CATALOG,
    Program,
    evaluate,
    programs,
    registry_ops_in_graph,
    run,
    torch_catalog,
)
from .tally import TALLY

# the ci profile's 25 examples would be a thin sample of a space this large
EXAMPLES = settings.default.max_examples * 40


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _directions(program: Program, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=a.shape) for a in program.leaves]


def _engine(program: Program, v: list[np.ndarray]) -> dict:
    """Value, gradients by both backward paths, and H·v, all from the engine."""
    xs = [ag.tensor(a.copy(), requires_grad=True) for a in program.leaves]
    nodes: list = []
    y = run(program, xs, AG_CATALOG, values=nodes)
    forward_ops = registry_ops_in_graph(y)
    y.backward(retain_graph=True)  # the first-order array path
    grads = ag.autograd.grad(y, xs, create_graph=True, allow_unused=True)
    s = None
    for g, vi in zip(grads, v):
        if g is not None:
            term = (g * vi).sum()
            s = term if s is None else s + term
    second_ops = Counter()
    hv = [None] * len(xs)
    if s is not None and s.requires_grad:
        second_ops = registry_ops_in_graph(s)
        hv = list(ag.autograd.grad(s, xs, allow_unused=True))
    zeros = [np.zeros_like(a) for a in program.leaves]
    return {
        "value": y.item(),
        "grad": [x.grad._data if x.grad is not None else z for x, z in zip(xs, zeros)],
        "grad_create_graph": [g._data if g is not None else z for g, z in zip(grads, zeros)],
        "hvp": [h._data if h is not None else z for h, z in zip(hv, zeros)],
        "shapes": [tuple(n.shape) for n in nodes],
        "forward_ops": forward_ops,
        "second_ops": second_ops,
    }


def _torch(torch, program: Program, v: list[np.ndarray]) -> dict:
    xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in program.leaves]
    ws = [torch.from_numpy(w) for w in program.weights.values()]
    nodes: list = []
    y = run(program, xs, torch_catalog(torch), ws, values=nodes)
    grads = torch.autograd.grad(y, xs, create_graph=True, allow_unused=True,
                                materialize_grads=True)
    s = sum((g * torch.from_numpy(vi)).sum() for g, vi in zip(grads, v))
    if isinstance(s, torch.Tensor) and s.requires_grad:
        hv = torch.autograd.grad(s, xs, allow_unused=True, materialize_grads=True)
    else:
        hv = [torch.zeros_like(x) for x in xs]
    return {
        "value": y.item(),
        "shapes": [tuple(n.shape) for n in nodes],
        "grad": [_to_numpy(g) for g in grads],
        "hvp": [_to_numpy(h) for h in hv],
    }


def _to_numpy(t) -> np.ndarray:
    """Through Python floats: .numpy(force=True) on some materialized zero gradients crashed
    this PyTorch build (a segmentation fault); the arrays here are small. PyTorch's symbolic
    zeros (ZeroTensor, e.g. the second derivative of abs) have no storage to read."""
    t = t.detach()
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape))
    return np.array(t.tolist(), dtype=np.float64)


def _close(actual, expected, what: str, rtol: float, atol_scale: float) -> None:
    expected = np.asarray(expected)
    scale = max(1.0, float(np.abs(expected).max()) if expected.size else 1.0)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol_scale * scale,
                               err_msg=what)


@settings(max_examples=EXAMPLES)
@given(program=programs(with_casts=True), seed=st.integers(0, 2**32 - 1))
def test_random_graphs_match_pytorch(torch, program: Program, seed: int) -> None:
    note(program.describe())
    v = _directions(program, seed)
    mine = _engine(program, v)
    ref = _torch(torch, program, v)
    for i, (a, b) in enumerate(zip(mine["shapes"], ref["shapes"])):
        assert a == b, f"node %{i} has shape {a}; PyTorch's has {b}"
    _close(mine["value"], ref["value"], "value", 1e-10, 1e-12)
    for i, (a, b, c) in enumerate(zip(mine["grad"], mine["grad_create_graph"], ref["grad"])):
        _close(a, c, f"gradient of leaf {i} (backward)", 1e-9, 1e-11)
        _close(b, c, f"gradient of leaf {i} (grad with create_graph)", 1e-9, 1e-11)
    # PyTorch's double backward of binary_cross_entropy loses digits as p nears 0 or 1 (at
    # 1 - p = 8e-5 its H·v is off by 2.3e-4 relative, at p = 6e-6 by 3.5e-6, where the engine
    # agrees with 40-digit arithmetic to 1e-9), so it is no reference there; the
    # finite-difference test checks those graphs' second derivatives instead.
    if "bce" not in program.op_counts():
        for i, (a, c) in enumerate(zip(mine["hvp"], ref["hvp"])):
            _close(a, c, f"Hessian-vector product, leaf {i}", 1e-8, 1e-8)
    TALLY.record("pytorch", program.op_counts(), mine["forward_ops"], mine["second_ops"])


@settings(max_examples=EXAMPLES)
@given(program=programs(with_casts=False), seed=st.integers(0, 2**32 - 1))
def test_random_graphs_match_finite_differences(program: Program, seed: int) -> None:
    note(program.describe())
    v = _directions(program, seed)
    mine = _engine(program, v)
    x0 = program.leaves
    f0 = evaluate(program, x0)
    _close(mine["value"], f0, "value with and without a recorded graph", 1e-14, 1e-14)

    h = 1e-6
    gnorm = sum(float(np.abs(g).sum()) for g in mine["grad"])
    for i, vi in enumerate(v):
        plus = [x + h * vi if j == i else x for j, x in enumerate(x0)]
        minus = [x - h * vi if j == i else x for j, x in enumerate(x0)]
        fd = (evaluate(program, plus) - evaluate(program, minus)) / (2 * h)
        exact = float(np.sum(mine["grad"][i] * vi))
        assert abs(fd - exact) <= 1e-5 * (1 + abs(exact) + gnorm + abs(f0)), (
            f"leaf {i}: <grad, v> = {exact!r} but central differences give {fd!r}"
        )
        _close(mine["grad_create_graph"][i], mine["grad"][i],
               f"leaf {i}: gradient with create_graph", 1e-12, 1e-13)

    h2 = 1e-5
    g_plus = _gradients(program, [x + h2 * vi for x, vi in zip(x0, v)])
    g_minus = _gradients(program, [x - h2 * vi for x, vi in zip(x0, v)])
    for i in range(len(x0)):
        fd = (g_plus[i] - g_minus[i]) / (2 * h2)
        scale = 1 + float(np.abs(fd).max()) + float(np.abs(mine["grad"][i]).max())
        np.testing.assert_allclose(mine["hvp"][i], fd, rtol=1e-4, atol=1e-5 * scale,
                                   err_msg=f"Hessian-vector product, leaf {i}")
    TALLY.record("finite_differences", program.op_counts(), mine["forward_ops"],
                 mine["second_ops"])


def _gradients(program: Program, arrays: list[np.ndarray]) -> list[np.ndarray]:
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    run(program, xs, AG_CATALOG).backward()
    return [x.grad._data if x.grad is not None else np.zeros_like(x._data) for x in xs]


@pytest.mark.parametrize("length, kernel, stride", [(4, 1, 2), (4, 2, 3), (7, 3, 3)])
def test_avg_pool_whose_last_window_leaves_a_remainder(length, kernel, stride):
    """Found by the random graphs (np.pad was given a negative width); now a regression test."""
    x = ag.tensor(np.arange(float(length)).reshape(1, 1, length), requires_grad=True)
    out = ag.avg_pool1d(x, kernel, stride=stride)
    starts = range(0, length - kernel + 1, stride)
    np.testing.assert_allclose(out._data[0, 0], [x._data[0, 0, s:s + kernel].mean()
                                                for s in starts])
    out.sum().backward()
    counts = np.zeros(length)
    for s in starts:
        counts[s:s + kernel] += 1 / kernel
    np.testing.assert_allclose(x.grad._data[0, 0], counts)


@settings(max_examples=settings.default.max_examples * 8, deadline=None)
@given(program=programs(with_casts=True), seed=st.integers(0, 2**32 - 1))
def test_random_graphs_through_compile_are_eager_bit_for_bit(program: Program, seed: int) -> None:
    """The value and gradients of a compiled step equal eager's to the last bit: traced,
    checked by a second trace at other leaf values, then replayed at a third."""
    note(program.describe())

    def step(xs: list) -> tuple:
        y = run(program, xs, AG_CATALOG)
        y.backward()
        return y, [x.grad for x in xs]

    compiled = ag.compile(step)
    v = _directions(program, seed)
    for k in range(4):
        arrays = [a + 1e-7 * k * vi for a, vi in zip(program.leaves, v)]
        got = compiled([ag.tensor(a, requires_grad=True) for a in arrays])
        want = step([ag.tensor(a, requires_grad=True) for a in arrays])
        np.testing.assert_array_equal(got[0]._data, want[0]._data, err_msg="value")
        for i, (g, w) in enumerate(zip(got[1], want[1])):
            assert (g is None) == (w is None), f"leaf {i}"
            if g is not None:
                np.testing.assert_array_equal(g._data, w._data, err_msg=f"gradient of leaf {i}")
    assert compiled.traces == 2
