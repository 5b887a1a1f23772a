"""Custom differentiable functions (ag.Function) and gradcheck itself."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag


def f64(values, requires_grad=True):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


class ScaledCube(ag.Function):
    """scale * x**3, with a non-Tensor argument and a backward written in Tensor ops."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x**3 * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2 * ctx.scale, None


class MulAdd(ag.Function):
    """a * b + c; records which inputs need a gradient and returns None for the others."""

    seen_needs: tuple = ()

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b)
        MulAdd.seen_needs = ctx.needs_input_grad
        return a * b + c

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad * b if ctx.needs_input_grad[0] else None
        gb = grad * a if ctx.needs_input_grad[1] else None
        gc = grad if ctx.needs_input_grad[2] else None
        return ga, gb, gc


class WrongBackward(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 3


def test_forward_and_backward_of_a_custom_function():
    x = f64([1.0, -2.0])
    y = ScaledCube.apply(x, 2.0)
    assert y.requires_grad and not y.is_leaf
    np.testing.assert_array_equal(y._data, [2.0, -16.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [6.0, 24.0])


def test_forward_runs_without_recording_and_inputs_without_grad_give_a_leaf():
    x = f64([1.0, 2.0], requires_grad=False)
    y = ScaledCube.apply(x, 2.0)
    assert not y.requires_grad and y.is_leaf

    class Peek(ag.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.inside = ag.is_grad_enabled()
            out = t * 2
            ctx.records = out.requires_grad
            Peek.ctx = ctx
            return out

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    Peek.apply(f64([1.0]))
    assert Peek.ctx.inside is False and Peek.ctx.records is False


def test_needs_input_grad_and_none_gradients():
    a, b = f64([1.0, 2.0]), f64([3.0, 4.0], requires_grad=False)
    c = f64([0.5, 0.5])
    MulAdd.apply(a, b, c).sum().backward()
    assert MulAdd.seen_needs == (True, False, True)
    np.testing.assert_array_equal(a.grad._data, [3.0, 4.0])
    np.testing.assert_array_equal(c.grad._data, [1.0, 1.0])
    assert b.grad is None


def test_a_custom_function_inside_a_bigger_graph():
    x = f64([0.3, -0.8, 1.1])
    w = f64([2.0, 1.0, -1.0])

    def f(x, w):
        h = ag.tanh(x * w)
        return (ScaledCube.apply(h, 0.5) + MulAdd.apply(h, x, w)).exp().sum()

    assert ag.gradcheck(f, (x, w))
    y = f(x, w)
    y.backward()
    eps = 1e-6
    for t in (x, w):
        for i in range(3):
            step = np.zeros(3)
            step[i] = eps
            t._data[...] += step
            plus = f(x, w).item()
            t._data[...] -= 2 * step
            minus = f(x, w).item()
            t._data[...] += step
            np.testing.assert_allclose(t.grad._data[i], (plus - minus) / (2 * eps), rtol=1e-6)


def test_the_same_function_applied_twice_keeps_separate_contexts():
    x = f64([2.0])
    y = ScaledCube.apply(x, 1.0) + ScaledCube.apply(x * 2, 3.0)  # 1 x^3 + 3 (2x)^3
    y.backward()
    np.testing.assert_allclose(x.grad._data, [3 * 4.0 + 3 * 3 * 16.0 * 2])


def test_second_order_through_a_backward_written_in_tensor_ops():
    x = f64([1.0, 2.0])
    (g,) = ag.autograd.grad(ScaledCube.apply(x, 2.0).sum(), x, create_graph=True)
    np.testing.assert_allclose(g._data, 6 * x._data**2)
    (h,) = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h._data, 12 * x._data)
    third = ag.grad(lambda t: ag.grad(lambda s: ScaledCube.apply(s, 1.0).sum())(t).sum())
    np.testing.assert_allclose(third(np.array([0.5, 1.5]))._data, [3.0, 9.0])


def test_backward_with_a_wrong_number_of_gradients_is_a_clear_error():
    class TooFew(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="TooFew.backward returned 1 gradients"):
        TooFew.apply(f64([1.0]), f64([2.0])).sum().backward()


def test_backward_with_a_wrong_shape_is_a_clear_error():
    class BadShape(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return ag.ones(5)

    with pytest.raises(RuntimeError, match="shape"):
        BadShape.apply(f64([1.0, 2.0])).sum().backward()


def test_forward_must_return_a_tensor():
    class NotATensor(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a._data * 2

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match="NotATensor.forward must return one Tensor"):
        NotATensor.apply(f64([1.0]))


def test_backward_never_aliases_the_users_arrays():
    kept = np.array([5.0, 5.0])

    class ReturnsKept(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, grad):
            return ag.Tensor(kept)

    x = f64([1.0, 2.0])
    ReturnsKept.apply(x).sum().backward()
    ReturnsKept.apply(x).sum().backward()  # accumulates into .grad in place
    np.testing.assert_array_equal(kept, [5.0, 5.0])
    np.testing.assert_array_equal(x.grad._data, [10.0, 10.0])


# -- gradcheck ---------------------------------------------------------------------------------
def test_gradcheck_passes_for_a_correct_function():
    x = f64([0.3, -0.7, 1.2])
    assert ag.gradcheck(lambda t: ScaledCube.apply(t, 2.0), (x,)) is True
    assert ag.gradcheck(lambda t: ScaledCube.apply(t, 2.0), x) is True  # a lone Tensor


def test_gradcheck_raises_naming_the_input_and_the_element():
    x = f64([0.3, -0.7])
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(lambda t: WrongBackward.apply(t), (x,))
    message = str(info.value)
    assert "input 0" in message and "element (0,)" in message
    assert "analytical 3" in message and "numerical 2" in message
    assert isinstance(info.value, AssertionError)


def test_gradcheck_names_the_right_input_among_several():
    a, b = f64([1.0, 2.0]), f64([[0.5, 0.1], [0.2, 0.3]])
    bad = lambda x, y: x * 1.0 + WrongBackward.apply(y)[1]  # noqa: E731
    with pytest.raises(ag.GradcheckError, match=r"input 1 element \(1, 0\)"):
        ag.gradcheck(bad, (a, b))


def test_gradcheck_with_raise_exception_false_returns_false():
    assert ag.gradcheck(lambda t: WrongBackward.apply(t), (f64([1.0]),),
                        raise_exception=False) is False


def test_gradcheck_checks_every_output_of_a_tuple():
    a, b = f64([0.3, -0.7]), f64([1.3, 2.0])
    assert ag.gradcheck(lambda x, y: (x * y, ag.exp(x + y)), (a, b))
    with pytest.raises(ag.GradcheckError, match="output 1"):
        ag.gradcheck(lambda x, y: (x * y, WrongBackward.apply(x)), (a, b))


def test_gradcheck_skips_inputs_that_do_not_require_grad_and_needs_one():
    a = f64([0.3, -0.7])
    assert ag.gradcheck(lambda x, y: x * y, (a, np.array([2.0, 3.0])))
    assert ag.gradcheck(lambda x, y: x * y, (a, f64([2.0, 3.0], requires_grad=False)))
    with pytest.raises(ValueError, match="nothing to check"):
        ag.gradcheck(lambda x: x * 2, (f64([1.0], requires_grad=False),))


def test_gradcheck_failure_on_float32_says_to_use_float64():
    x = ag.tensor(np.array([0.3, -0.7], dtype=np.float32), requires_grad=True)
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(lambda t: t * t, (x,))  # right gradient, but eps=1e-6 is below float32
    assert "float32" in str(info.value) and "float64" in str(info.value)


def test_gradcheck_leaves_the_inputs_as_they_were():
    values = np.array([0.3, -0.7, 1.1])
    x = f64(values)
    ag.gradcheck(lambda t: ag.sin(t) * t, (x,))
    np.testing.assert_array_equal(x._data, values)
    assert x.grad is None


def test_gradcheck_on_non_contiguous_inputs():
    data = np.arange(1.0, 7.0).reshape(2, 3).T
    x = ag.Tensor(data, requires_grad=True)
    assert ag.gradcheck(lambda t: t * t, (x,))
    np.testing.assert_array_equal(x._data, np.arange(1.0, 7.0).reshape(2, 3).T)
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(lambda t: WrongBackward.apply(t), (ag.Tensor(data, requires_grad=True),))


def test_a_saved_output_joins_the_graph_under_create_graph():
    """forward saving its output (y = exp(x)) gives PyTorch's second derivative e at x = 1."""

    class Exp(ag.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    (d1,) = ag.autograd.grad(Exp.apply(x), x, create_graph=True)
    (d2,) = ag.autograd.grad(d1, x)
    np.testing.assert_allclose(d1.item(), np.e, rtol=1e-15)
    np.testing.assert_allclose(d2.item(), np.e, rtol=1e-15)
    y = Exp.apply(x)
    y.backward()  # first order: the saved output is the result itself
    np.testing.assert_allclose(x.grad.item(), np.e, rtol=1e-15)


def test_gradgradcheck_accepts_true_second_derivatives_and_catches_a_detached_save():
    x = ag.tensor(np.array([0.3, 1.2]), requires_grad=True)
    assert ag.gradgradcheck(lambda t: (t ** 3).sin(), [x])
    assert ag.autograd.gradgradcheck(lambda t: t.exp() * t, [x])

    class CubeWithDetachedSave(ag.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t.detach())  # cuts the second derivative
            return t ** 3

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * 3 * t ** 2

    assert ag.gradcheck(CubeWithDetachedSave.apply, [x])  # first order is right
    with pytest.raises(ag.GradcheckError, match="disagrees"):
        ag.gradgradcheck(CubeWithDetachedSave.apply, [x])
