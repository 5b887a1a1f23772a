"""Very deep and very wide graphs: backward and deallocation work without recursion.

A recursive topological sort or a recursive deallocation fails far below these sizes
(Python's default recursion limit is 1,000; the C stack overflows somewhere past 100,000).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag

ROOT = Path(__file__).resolve().parents[2]


def _chain(x: ag.Tensor, n_ops: int, a: float, b: float) -> ag.Tensor:
    """y -> y * a + b, n_ops / 2 times: dy/dx = a ** (n_ops / 2)."""
    y = x
    for _ in range(n_ops // 2):
        y = y * a
        y = y + b
    return y


@pytest.mark.parametrize("n_ops", [200_000, 1_000_000])
def test_long_chain_backward(n_ops):
    x = ag.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    a = 1 - 1e-6
    y = _chain(x, n_ops, a, 1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, np.full(3, a ** (n_ops // 2)), rtol=1e-9)
    assert y.grad_fn is not None  # the root lives on; its graph was freed as it went


def test_long_chain_second_order():
    """create_graph on a 40,000-op chain: the backward graph is as deep again."""
    x = ag.tensor(np.array([0.3, -0.7]), requires_grad=True)
    a = 1 - 1e-5
    n = 40_000
    y = _chain(x, n, a, 0.0)
    z = (y * y).sum()  # = |x|^2 a^(2 * n/2)
    (g,) = ag.autograd.grad(z, [x], create_graph=True)
    np.testing.assert_allclose(g._data, 2 * x._data * a ** n, rtol=1e-9)
    (h,) = ag.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(h._data, np.full(2, 2 * a ** n), rtol=1e-9)


def test_fan_in_of_100000_terms_on_one_leaf():
    """100,000 products of one leaf, summed: the leaf collects 100,000 gradient terms."""
    n = 100_000
    x = ag.tensor(np.array([1.0, -2.0]), requires_grad=True)
    c = np.linspace(-1.0, 1.0, n) + 1e-3
    total = sum(x * float(ci) for ci in c)
    total.sum().backward()
    np.testing.assert_allclose(x.grad._data, np.full(2, c.sum()), rtol=1e-9)


def _stack_fan_in(n: int) -> None:
    leaves = [ag.tensor(float(i), dtype=np.float64, requires_grad=True) for i in range(n)]
    c = np.random.default_rng(0).normal(size=n)
    loss = (ag.stack([x * float(ci) for x, ci in zip(leaves, c)]) ** 2).sum()
    loss.backward()
    got = np.array([x.grad.item() for x in leaves])
    np.testing.assert_allclose(got, 2 * c * c * np.arange(n), rtol=1e-12)


def test_stack_fan_in_of_100000_leaves():
    """One stack node with 100,000 inputs, each a separate leaf (a cat backward whose cost
    grows with the square of its inputs would take minutes here)."""
    _stack_fan_in(100_000)


DEALLOC_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import autograd_core as ag

    sys.setrecursionlimit(1000)
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range({n}):
        y = ag.tanh(y) + 0.5
    del y  # drops a {n2}-op graph at once, with no backward having freed it
    z = x
    for _ in range({n}):
        z = z * 1.0
    (z.sum() * 2).backward(retain_graph=True)
    del z  # and a retained one
    print("freed")
""")


def test_dropping_a_million_op_graph_without_backward_does_not_crash():
    """Run in a child process: a recursive deallocation would kill the interpreter."""
    n = 500_000
    proc = subprocess.run(
        [sys.executable, "-c", DEALLOC_SCRIPT.format(n=n, n2=2 * n)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, f"exit code {proc.returncode}\n{proc.stderr[-2000:]}"
    assert proc.stdout.strip() == "freed"
