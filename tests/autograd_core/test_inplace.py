"""In-place semantics as PyTorch's: the Tensor itself changes, so every reference sees it; a
change that autograd must see is recorded; a leaf that requires grad refuses it outside no_grad;
and backward refuses a value that a write into the array made stale.

Where PyTorch accepts the program, gradients are compared with PyTorch's; the closed forms below
hold without it.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

try:
    import torch
except ImportError:  # the oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (torch==2.13.0) not installed")


def test_a_leaf_that_requires_grad_refuses_in_place_outside_no_grad() -> None:
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with pytest.raises(RuntimeError, match="sub_: a leaf Tensor that requires grad"):
        w -= 0.1 * w.grad
    for change in (lambda: w.mul_(2), lambda: w.zero_(), lambda: w.__setitem__(0, 1.0)):
        with pytest.raises(RuntimeError, match="leaf Tensor that requires grad"):
            change()
    before = w
    with ag.no_grad():
        w -= 0.5 * w.grad
    assert w is before and w.is_leaf and w.requires_grad
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])


def test_every_reference_sees_a_recorded_change() -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    alias = y
    early = y * y  # recorded before the change: uses 2x
    y += 1
    assert alias is y and not y.is_leaf
    np.testing.assert_allclose(alias.detach().numpy(), [3.0, 5.0, 7.0])
    (early.sum() + (y * y).sum()).backward()
    xs = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), 8 * xs + 4 * (2 * xs + 1))


def test_a_plain_tensor_joins_the_graph_when_a_gradient_flows_into_it() -> None:
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf = ag.zeros(4)
    buf[1:] = w * 3
    buf[0] = w[0]
    acc = ag.zeros(4)
    acc += buf
    acc.mul_(ag.tensor([1.0, 2.0, 3.0, 4.0]))
    assert acc.requires_grad and buf.requires_grad
    acc.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1 + 3 * 2, 3 * 3, 3 * 4])
    copy = ag.zeros(3)
    copy.copy_(w)
    (copy * copy).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [7 + 2, 9 + 4, 12 + 6])


def test_a_repeated_index_keeps_the_last_value_and_its_gradient() -> None:
    w = ag.tensor([10.0, 20.0], requires_grad=True)
    buf = ag.zeros(3)
    buf[ag.tensor([1, 1])] = w
    np.testing.assert_allclose(buf.detach().numpy(), [0.0, 20.0, 0.0])
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 1.0])


def test_second_derivatives_through_in_place_ops() -> None:
    x = ag.tensor([1.5, -0.5], requires_grad=True)
    y = x * x
    y.mul_(x)  # x**3
    y.add_(ag.sin(x))
    (g,) = ag.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = ag.autograd.grad(g.sum(), x)
    xs = np.array([1.5, -0.5])
    np.testing.assert_allclose(g.detach().numpy(), 3 * xs**2 + np.cos(xs))
    np.testing.assert_allclose(gg.numpy(), 6 * xs - np.sin(xs))


def test_a_write_into_an_array_backward_needs_is_refused() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.detach().zero_()  # shares y's array; exp's gradient needs it
    with pytest.raises(RuntimeError, match="result of op 'exp'.*modified in place"):
        y.sum().backward()
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([3.0, 4.0])
    z = x * c
    c.add_(1)  # the gradient of x * c needs the old c
    with pytest.raises(RuntimeError, match="input 1 of op 'mul'.*modified in place"):
        z.sum().backward()
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with ag.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="result of op 'mul'"):
        y.sum().backward()


def test_grad_fn_and_pictures_follow_the_former_node() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    early = y * 2
    y.relu_()
    assert y.grad_fn.name() != early.grad_fn.name()
    (parent, _), _ = early.grad_fn.next_functions
    assert "Exp" in parent.name()  # the exp node, not the relu that replaced it in y
    (inner, _), = y.grad_fn.next_functions
    assert "Exp" in inner.name()


# (method name, arguments after self, in terms of the libraries' modules)
CASES = {
    "add_": lambda L, o: (o, ), "sub_": lambda L, o: (o,), "mul_": lambda L, o: (o,),
    "div_": lambda L, o: (o + 3,), "clamp_": lambda L, o: (-0.5, 0.7),
    "pow_": lambda L, o: (2,), "exp_": lambda L, o: (), "abs_": lambda L, o: (),
    "neg_": lambda L, o: (), "relu_": lambda L, o: (), "sigmoid_": lambda L, o: (),
    "tanh_": lambda L, o: (), "zero_": lambda L, o: (), "fill_": lambda L, o: (0.25,),
    "copy_": lambda L, o: (o,), "addcmul_": lambda L, o: (o, o),
    "addcdiv_": lambda L, o: (o, o + 3), "lerp_": lambda L, o: (o, 0.3),
    "masked_fill_": lambda L, o: (L.tensor([[True, False, True], [False, False, True]]), 2.0),
    "index_add_": lambda L, o: (1, L.tensor([2, 0, 2]), o),
    "index_copy_": lambda L, o: (1, L.tensor([2, 0, 1]), o),
    "scatter_add_": lambda L, o: (1, L.tensor([[0, 1, 0], [2, 2, 1]]), o),
    "fill_diagonal_": lambda L, o: (3.0,),
}


def _run(L, name: str, x0: np.ndarray, o0: np.ndarray):
    x = L.tensor(x0, requires_grad=True)
    o = L.tensor(o0, requires_grad=True)
    y = x * 1.5
    early = y * L.tensor(np.full((2, 3), -2.0))  # recorded before the change (saves no y)
    getattr(y, name)(*CASES[name](L, o))
    loss = early.sum() + (y * L.tensor(np.arange(6.0).reshape(2, 3))).sum()
    loss.backward()
    return (y.detach().numpy(), x.grad.numpy(),
            np.zeros_like(o0) if o.grad is None else o.grad.numpy())


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_in_place_method_is_recorded(name: str) -> None:
    """The recorded in-place method gives the out-of-place op's value and gradients."""
    rng = np.random.default_rng(1)
    x0, o0 = rng.uniform(0.2, 1.0, (2, 3)), rng.uniform(-1.0, 1.0, (2, 3))
    y, gx, go = _run(ag, name, x0, o0)
    assert np.all(np.isfinite(gx)) and np.all(np.isfinite(go))
    if name == "add_":
        np.testing.assert_allclose(y, 1.5 * x0 + o0)
        np.testing.assert_allclose(gx, 1.5 * (np.arange(6.0).reshape(2, 3) - 2))
        np.testing.assert_allclose(go, np.arange(6.0).reshape(2, 3))
    if torch is not None:
        ty, tgx, tgo = _run(torch, name, x0, o0)
        np.testing.assert_allclose(y, ty, rtol=1e-12)
        np.testing.assert_allclose(gx, tgx, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(go, tgo, rtol=1e-12, atol=1e-14)


@needs_torch
def test_in_place_dtype_rules_match_torch() -> None:
    a = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        a.mul_(ag.tensor([0.5, 0.5]))
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.tensor([1, 2]).mul_(torch.tensor([0.5, 0.5]))
    f = ag.tensor([1.0, 2.0], dtype=ag.float32, requires_grad=True) * 1
    f.add_(ag.tensor([1.0, 1.0], dtype=ag.float64))  # float32 stays float32, as in PyTorch
    assert f.dtype == ag.float32
