"""The backward pass: order, accumulation, memory, hooks, errors, grad modes and dtype rules."""

from __future__ import annotations

import gc
import inspect
import re
import threading
import weakref

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.tensor import apply


def f64(values, requires_grad=True):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


# -- order: iterative, topological ------------------------------------------------------------
def _chain(n: int) -> None:
    x = f64(1.5)
    y = x
    for _ in range(n):
        y = -y
    y.backward()
    assert x.grad.item() == (-1.0) ** n


def test_a_100_000_op_chain_backpropagates_without_recursion():
    _chain(100_001)


@pytest.mark.slow
def test_a_1_000_000_op_chain_backpropagates_without_recursion():
    _chain(1_000_000)


def test_every_consumer_is_processed_before_its_input():
    """A diamond with paths of different lengths: x's gradient needs all of them."""
    x = f64(2.0)
    a = x * 3.0
    b = a.exp()
    c = a * a
    d = (b + c) * a + x  # d = (e^{3x} + 9x^2) 3x + x
    d.backward()
    x0 = 2.0
    expected = (3 * np.exp(3 * x0) + 18 * x0) * 3 * x0 + (np.exp(3 * x0) + 9 * x0**2) * 3 + 1
    np.testing.assert_allclose(x.grad.item(), expected, rtol=1e-12)


def test_deep_graph_with_skip_connections_matches_differences():
    w = 0.9

    def run(x0: float) -> tuple[float, float]:
        x = f64(x0)
        ys = [x, x * w]
        for _ in range(300):
            ys.append(ys[-1] * w + ys[-2].sin() * 0.1)
        ys[-1].backward()
        return ys[-1].item(), x.grad.item()

    _, g = run(0.3)
    eps = 1e-6
    numeric = (run(0.3 + eps)[0] - run(0.3 - eps)[0]) / (2 * eps)
    np.testing.assert_allclose(g, numeric, rtol=1e-6)


# -- accumulation and memory -----------------------------------------------------------------
def test_gradients_add_up_where_a_tensor_is_used_more_than_once():
    a = f64([1.0, -2.0])
    b = a + a
    c = b + b
    c.sum().backward()
    np.testing.assert_array_equal(a.grad._data, [4.0, 4.0])

    x = f64(3.0)
    (x * x * x).backward()  # x used three times through two nodes
    assert x.grad.item() == 27.0


def test_gradients_of_different_tensors_never_share_memory():
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad._data, y.grad._data)

    # passthrough ops hand the incoming gradient on unchanged: still separate arrays
    x, y = f64([[1.0, 2.0]]), f64([3.0, 4.0])
    seed = np.array([1.0, 2.0])
    (x.reshape(2) + y.reshape(2)).backward(gradient=seed)
    assert not np.shares_memory(x.grad._data, y.grad._data)
    assert not np.shares_memory(x.grad._data, seed)
    assert not np.shares_memory(y.grad._data, seed)
    x.grad._data[...] = 0  # writing one gradient leaves the other and the seed alone
    np.testing.assert_array_equal(y.grad._data, [1.0, 2.0])
    np.testing.assert_array_equal(seed, [1.0, 2.0])


def test_leaf_grad_accumulates_across_backward_calls_like_pytorch():
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    first = x.grad
    np.testing.assert_array_equal(x.grad._data, [2.0, 4.0])
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [5.0, 7.0])
    assert x.grad is first  # accumulated in place, as PyTorch does without create_graph
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [3.0, 3.0])


def test_second_backward_through_a_freed_graph_is_a_clear_error():
    x = f64([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad._data, [4.0, 8.0])


def test_saved_arrays_are_released_once_used():
    x = f64(np.ones(5))
    h = x.exp()
    saved = weakref.ref(h._data)
    y = (h * h).sum()
    del h
    gc.collect()
    assert saved() is not None  # the graph keeps what backward needs
    y.backward()
    gc.collect()
    assert saved() is None, "an intermediate array outlived the backward pass"
    assert y._data is not None  # the root itself is alive


def test_retain_graph_keeps_saved_arrays():
    x = f64(np.ones(5))
    h = x.exp()
    saved = weakref.ref(h._data)
    y = (h * h).sum()
    del h
    y.backward(retain_graph=True)
    gc.collect()
    assert saved() is not None


def test_backward_inputs_limits_which_leaves_accumulate():
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    (x * y).sum().backward(inputs=[x])
    np.testing.assert_array_equal(x.grad._data, [3.0, 4.0])
    assert y.grad is None


def test_autograd_grad_leaves_grad_alone_and_reaches_non_leaves():
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    m = x * 3.0
    z = (m * m).sum() + (y * 0).sum()
    gm, gx = ag.autograd.grad(z, [m, x], retain_graph=True)
    np.testing.assert_array_equal(gm._data, 2 * m._data)
    np.testing.assert_array_equal(gx._data, 18 * x._data)
    assert x.grad is None and m.grad is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.autograd.grad((x * 2).sum(), [x, y])
    gx, gy = ag.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None and not np.shares_memory(gx._data, x._data)


# -- retain_grad and hooks ---------------------------------------------------------------------
def test_retain_grad_keeps_the_gradient_of_a_non_leaf():
    x = f64([1.0, 2.0])
    m = x * 3.0
    m.retain_grad()
    assert m.retains_grad
    other = x * 3.0
    (m * m + other).sum().backward()
    np.testing.assert_allclose(m.grad._data, [6.0, 12.0])
    assert other.grad is None
    np.testing.assert_allclose(x.grad._data, [21.0, 39.0])


def test_hook_on_a_leaf_sees_and_replaces_the_gradient():
    x = f64([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g._data.copy()))
    handle = x.register_hook(lambda g: g * 10.0)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 2.0])
    np.testing.assert_array_equal(x.grad._data, [20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [2.0, 2.0])
    assert len(seen) == 2


def test_hook_on_a_non_leaf_changes_what_flows_further():
    x = f64([1.0, 2.0])
    m = x * 2.0
    seen = []
    m.register_hook(lambda g: seen.append(g._data.copy()))
    m.register_hook(lambda g: ag.ones_like(g))
    (m * m).sum().backward()
    np.testing.assert_array_equal(seen[0], [4.0, 8.0])
    np.testing.assert_array_equal(x.grad._data, [2.0, 2.0])


def test_hook_returning_none_keeps_the_gradient_and_bad_shapes_are_errors():
    x = f64([1.0, 2.0])
    x.register_hook(lambda g: None)
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [2.0, 2.0])
    y = f64([1.0, 2.0])
    y.register_hook(lambda g: ag.ones(3))
    with pytest.raises(RuntimeError, match="shape"):
        (y * 2.0).sum().backward()


def test_register_hook_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(2).register_hook(lambda g: g)


# -- errors ------------------------------------------------------------------------------------
def test_gradient_argument_for_non_scalar_outputs():
    x = f64([1.0, 2.0])
    y = x * x
    with pytest.raises(RuntimeError, match="scalar"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        y.backward(gradient=ag.ones(3))
    y.backward(gradient=f64([1.0, 0.5], requires_grad=False))
    np.testing.assert_array_equal(x.grad._data, [2.0, 2.0])


def test_backward_on_a_tensor_that_does_not_require_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(3).sum().backward()
    x = f64([1.0])
    with ag.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


@pytest.mark.parametrize("make", [
    lambda: ag.tensor([1, 2], requires_grad=True),
    lambda: ag.Tensor(np.arange(3), requires_grad=True),
    lambda: ag.ones(2, dtype=np.int64, requires_grad=True),
    lambda: ag.arange(3, requires_grad=True),
    lambda: ag.tensor([True, False], requires_grad=True),
    lambda: ag.tensor([1, 2]).requires_grad_(),
], ids=["tensor", "Tensor", "ones", "arange", "bool", "requires_grad_"])
def test_requires_grad_on_an_integer_tensor_is_an_error(make):
    with pytest.raises(TypeError, match="floating"):
        make()


@pytest.mark.parametrize("call, op, dim", [
    (lambda t: t.sum(dim=2), "sum", 2),
    (lambda t: t.mean(dim=-3), "mean", -3),
    (lambda t: t.sum(dim=(0, 5)), "sum", 5),
    (lambda t: t.max(dim=2), "max", 2),
    (lambda t: t.amax(dim=3), "amax", 3),
    (lambda t: t.var(dim=7), "var", 7),
    (lambda t: t.logsumexp(dim=2), "logsumexp", 2),
    (lambda t: ag.softmax(t, dim=2), "softmax", 2),
    (lambda t: ag.log_softmax(t, dim=-3), "log_softmax", -3),
    (lambda t: t.transpose(0, 2), "transpose", 2),
    (lambda t: t.permute(0, 2), "permute", 2),
    (lambda t: ag.flip(t, 2), "flip", 2),
    (lambda t: ag.cat([t, t], dim=2), "cat", 2),
    (lambda t: t.squeeze(2), "squeeze", 2),
    (lambda t: t.unsqueeze(4), "unsqueeze", 4),
    (lambda t: t.argmax(dim=-4), "argmax", -4),
    (lambda t: t.flatten(0, 2), "flatten", 2),
    (lambda t: t.size(2), "size", 2),
    (lambda t: ag.split(t, 1, dim=2), "split", 2),
], ids=lambda v: v if isinstance(v, str) else None)
def test_an_unknown_dim_is_an_index_error_naming_the_op_and_the_dim(call, op, dim):
    with pytest.raises(IndexError) as info:
        call(ag.ones(2, 3))
    message = str(info.value)
    assert re.search(rf"\b{re.escape(op)}\b", message), message
    assert re.search(rf"dim {dim}\b", message), message


def _anomaly_in_forward() -> tuple[str, int]:
    x = f64([0.5, 2.0])
    with ag.detect_anomaly():
        with np.errstate(invalid="ignore"), pytest.raises(FloatingPointError) as info:
            line = inspect.currentframe().f_lineno + 1
            ag.log(x - 1.0)
    return str(info.value), line


def _anomaly_in_backward() -> tuple[str, int]:
    x = f64([0.0, 4.0])
    with ag.detect_anomaly():
        line = inspect.currentframe().f_lineno + 1
        y = (ag.sqrt(x) * 0.0).sum()
        with np.errstate(all="ignore"), pytest.raises(FloatingPointError) as info:
            y.backward()
    return str(info.value), line


def test_detect_anomaly_names_the_op_that_made_a_nan():
    message, _ = _anomaly_in_forward()
    assert "'log'" in message and "nan" in message and "created at" in message


def test_detect_anomaly_names_the_rule_that_made_a_nan_in_backward():
    message, _ = _anomaly_in_backward()
    assert "'sqrt'" in message and "backward" in message and "nan" in message
    assert "mul" not in message.split("created at")[0]  # mul's rule gives 0 * g, not nan


@pytest.mark.parametrize("trigger", [_anomaly_in_forward, _anomaly_in_backward],
                         ids=["forward", "backward"])
def test_detect_anomaly_points_at_the_line_in_this_file(trigger):
    message, line = trigger()
    assert f'File "{__file__}", line {line}' in message, message


def test_without_detect_anomaly_nan_flows_silently():
    x = f64([0.0, 4.0])
    with np.errstate(all="ignore"):
        (ag.sqrt(x) * 0.0).sum().backward()
    assert np.isnan(x.grad._data[0]) and x.grad._data[1] == 0.0
    assert not ag.is_anomaly_enabled()


def test_in_place_change_of_a_tensor_that_requires_grad_is_refused_under_grad_mode():
    x = f64([1.0, 2.0])
    for change in (lambda: x.add_(1.0), lambda: x.mul_(2.0), lambda: x.zero_(),
                   lambda: x.__setitem__(0, 5.0), lambda: x.copy_(np.zeros(2))):
        with pytest.raises(RuntimeError, match="in-place"):
            change()
    with ag.no_grad():
        x.add_(1.0)
    np.testing.assert_array_equal(x._data, [2.0, 3.0])
    assert x.requires_grad and x.is_leaf


@pytest.mark.parametrize("change", [
    lambda c: c.add_(1.0),
    lambda c: c.__setitem__(0, 10.0),
    lambda c: c.copy_(np.array([7.0, 7.0])),
], ids=["add_", "setitem", "copy_"])
def test_changing_a_saved_constant_in_place_makes_backward_raise(change):
    x = f64([1.0, 2.0])
    c = f64([3.0, 4.0], requires_grad=False)
    y = (x * c).sum()
    with ag.no_grad():
        change(c)
    with pytest.raises(RuntimeError, match="in place"):
        y.backward()


def test_changing_an_unrelated_tensor_in_place_is_fine():
    x = f64([1.0, 2.0])
    c = f64([3.0, 4.0], requires_grad=False)
    y = (x * c).sum()
    other = f64([0.0, 0.0], requires_grad=False)
    other.add_(1.0)
    y.backward()
    np.testing.assert_array_equal(x.grad._data, [3.0, 4.0])


def _wrong_shape_op():
    """An unregistered op whose rule forgets to transpose the gradient back."""
    from autograd_core.ops.registry import Op

    return Op("bad_transpose", lambda x: x.T, (lambda F, g, out, x: g,), None)


def test_a_rule_giving_a_wrong_shape_is_an_error_in_first_order_backward():
    x = f64(np.ones((2, 3)))
    with pytest.raises((RuntimeError, ValueError), match="shape"):
        apply(_wrong_shape_op(), (x,), {}).backward(gradient=np.arange(6.0).reshape(3, 2))


def test_a_rule_giving_a_wrong_shape_is_an_error_with_create_graph():
    x = f64(np.ones((2, 3)))
    with pytest.raises((RuntimeError, ValueError), match="shape"):
        y = apply(_wrong_shape_op(), (x,), {})
        ag.autograd.grad(y, x, grad_outputs=ag.tensor(np.ones((3, 2))), create_graph=True)


# -- grad modes --------------------------------------------------------------------------------
def test_no_grad_records_nothing_and_enable_grad_turns_it_back_on():
    x = f64([1.0])
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            z = x * 2
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_set_grad_enabled_as_call_and_as_context():
    x = f64([1.0])
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        ag.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_grad_modes_as_decorators_restore_the_mode_even_on_error():
    @ag.no_grad()
    def evaluate(t):
        assert not ag.is_grad_enabled()
        return t * 2

    @ag.enable_grad()
    def train(t):
        return t * 2

    @ag.no_grad()
    def broken():
        raise ValueError("boom")

    x = f64([1.0])
    assert not evaluate(x).requires_grad
    with ag.no_grad():
        assert train(x).requires_grad
    with pytest.raises(ValueError):
        broken()
    assert ag.is_grad_enabled()
    assert evaluate.__name__ == "evaluate"


def test_grad_mode_is_thread_local():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with ag.no_grad():
            entered.set()
            release.wait(10)
            seen["worker"] = ag.is_grad_enabled()
            seen["worker_records"] = (f64([1.0]) * 2).requires_grad

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert entered.wait(10)
        assert ag.is_grad_enabled()  # the worker's no_grad does not reach this thread
        assert (f64([1.0]) * 2).requires_grad
    finally:
        release.set()
        thread.join(10)
    assert seen == {"worker": False, "worker_records": False}

    with ag.no_grad():
        other = threading.Thread(target=lambda: seen.update(fresh=ag.is_grad_enabled()))
        other.start()
        other.join(10)
    assert seen["fresh"] is True


def test_detach_cuts_history_and_shares_data():
    x = f64([1.0, 2.0])
    y = x * 3.0
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d._data, y._data)
    (y * d).sum().backward()  # d is a constant here
    np.testing.assert_array_equal(x.grad._data, 3.0 * d._data)


# -- dtype rules -------------------------------------------------------------------------------
def test_dtype_rules():
    assert ag.tensor(1.5).dtype == np.float32
    assert ag.tensor([1.5, 2.0]).dtype == np.float32
    assert ag.tensor(np.array([1.5])).dtype == np.float64
    assert ag.Tensor(np.array([1.5])).dtype == np.float64
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor(np.float64(1.0)).dtype == np.float64
    x32 = ag.tensor([1.0, 2.0])
    assert (x32 * 2.5).dtype == np.float32
    assert (2.5 * x32).dtype == np.float32
    assert (x32 + 1).dtype == np.float32
    assert (x32 / 3).dtype == np.float32
    assert (x32 ** 2).dtype == np.float32
    x64 = f64([1.0, 2.0])
    assert (x64 * 2.5).dtype == np.float64
    assert (x64 + x32).dtype == np.float64
    assert (ag.tensor([1, 2]) + 1).dtype == np.int64


def test_integer_tensor_with_python_float_gives_float32_like_pytorch():
    assert (ag.tensor([1, 2]) * 2.5).dtype == np.float32
    assert (ag.tensor([1, 2]) / 2).dtype == np.float32


def test_gradients_have_the_dtype_of_their_input():
    x32 = ag.tensor([1.0, 2.0], requires_grad=True)
    x64 = f64([1.0, 2.0])
    (x32 * x64).sum().backward()
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64


# -- broadcasting, indexing, comparisons, NumPy interop ----------------------------------------
@pytest.mark.parametrize("sa, sb", [((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), (3,)),
                                    ((1,), (2, 1, 3)), ((2, 1, 3), (4, 1))])
def test_broadcast_gradients_are_summed_back_to_each_input(sa, sb):
    rng = np.random.default_rng(0)
    a, b = f64(rng.normal(size=sa)), f64(rng.normal(size=sb))
    out = a * b
    u = rng.normal(size=out.shape)
    out.backward(gradient=u)
    full_a = np.broadcast_to(b._data, out.shape) * u
    full_b = np.broadcast_to(a._data, out.shape) * u
    assert a.grad.shape == sa and b.grad.shape == sb
    np.testing.assert_allclose(a.grad._data, _sum_to(full_a, sa), rtol=1e-12)
    np.testing.assert_allclose(b.grad._data, _sum_to(full_b, sb), rtol=1e-12)


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def test_indexing_gradient_sums_repeated_indices():
    x = f64(np.arange(4.0))
    x[[0, 0, 1, 0, 3]].sum().backward()
    np.testing.assert_array_equal(x.grad._data, [3.0, 1.0, 0.0, 1.0])

    m = f64(np.zeros((3, 2)))
    rows, cols = np.array([2, 2, 0]), np.array([1, 1, 0])
    (m[rows, cols] * f64([1.0, 2.0, 5.0], requires_grad=False)).sum().backward()
    np.testing.assert_array_equal(m.grad._data, [[5.0, 0.0], [0.0, 0.0], [0.0, 3.0]])

    b = f64(np.arange(6.0).reshape(2, 3))
    b[b._data > 2].sum().backward()
    np.testing.assert_array_equal(b.grad._data, [[0, 0, 0], [1, 1, 1]])

    t = f64(np.arange(6.0).reshape(2, 3))
    t[ag.tensor([1, 1])][:, ::2].sum().backward()  # Tensor index, then a strided slice
    np.testing.assert_array_equal(t.grad._data, [[0, 0, 0], [2, 0, 2]])


def test_comparisons_carry_no_gradient():
    x = f64([1.0, 2.0, 3.0])
    for cmp in (x < 2, x <= 2, x > 2, x >= 2, x == 2, x != 2, x < x * 2):
        assert cmp.dtype == np.bool_
        assert not cmp.requires_grad and cmp.grad_fn is None
    np.testing.assert_array_equal((x > 1.5)._data, [False, True, True])


def test_numpy_interop():
    x = f64([1.0, 2.0])
    assert np.asarray(x) is x._data
    for result in (np.ones(2) * x, np.ones(2) + x, np.ones(2) - x, np.ones(2) / x,
                   np.ones((2, 2)) @ x, np.float64(2.0) * x):
        assert isinstance(result, ag.Tensor) and result.requires_grad
    (np.array([3.0, 4.0]) * x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [3.0, 4.0])
    np.testing.assert_array_equal((np.ones(2) - x)._data, [0.0, -1.0])
    np.testing.assert_array_equal((np.ones(2) / x)._data, [1.0, 0.5])
