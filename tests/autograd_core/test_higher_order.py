"""Higher-order derivatives: the backward pass recorded as a graph and differentiated again."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag


def f64(values, requires_grad=True):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _tanh_derivatives(x):
    t = np.tanh(x)
    s = 1 - t * t
    return t, s, -2 * t * s, -2 * s * s + 4 * t * t * s


def _x3_tanh(x):
    t, s, t2, t3 = _tanh_derivatives(x)
    return (x**3 * t,
            3 * x**2 * t + x**3 * s,
            6 * x * t + 6 * x**2 * s + x**3 * t2,
            6 * t + 18 * x * s + 9 * x**2 * t2 + x**3 * t3)


# name: (engine function, closed forms of f, f', f'', f''')
COMPOSED = {
    "sin(x)*exp(x)": (
        lambda x: ag.sin(x) * ag.exp(x),
        lambda x: (np.sin(x) * np.exp(x), np.exp(x) * (np.sin(x) + np.cos(x)),
                   2 * np.exp(x) * np.cos(x), 2 * np.exp(x) * (np.cos(x) - np.sin(x)))),
    "x**3*tanh(x)": (lambda x: x**3 * ag.tanh(x), _x3_tanh),
    "log(1+x^2)": (
        lambda x: ag.log(1 + x * x),
        lambda x: (np.log1p(x * x), 2 * x / (1 + x * x), 2 * (1 - x * x) / (1 + x * x) ** 2,
                   4 * x * (x * x - 3) / (1 + x * x) ** 3)),
    "softplus": (
        lambda x: ag.softplus(x),
        lambda x: (np.logaddexp(0, x), _sig(x), _sig(x) * (1 - _sig(x)),
                   _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x)))),
    "sigmoid": (
        lambda x: ag.sigmoid(x),
        lambda x: (_sig(x), _sig(x) * (1 - _sig(x)), _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x)),
                   _sig(x) * (1 - _sig(x)) * (1 - 6 * _sig(x) + 6 * _sig(x) ** 2))),
    "x/(1+x^2) (div)": (
        lambda x: x / (1 + x * x),
        lambda x: (x / (1 + x * x), (1 - x * x) / (1 + x * x) ** 2,
                   2 * x * (x * x - 3) / (1 + x * x) ** 3,
                   -6 * (x**4 - 6 * x * x + 1) / (1 + x * x) ** 4)),
    "sqrt(1+x^2)": (
        lambda x: ag.sqrt(1 + x**2),
        lambda x: (np.sqrt(1 + x * x), x / np.sqrt(1 + x * x), (1 + x * x) ** -1.5,
                   -3 * x * (1 + x * x) ** -2.5)),
}


def _nested_grads(fn, x0: float, order: int) -> list[float]:
    """f, f', ..., f^(order) at x0, each by differentiating the previous with create_graph."""
    x = f64(x0)
    values = [fn(x)]
    for _ in range(order):
        (g,) = ag.autograd.grad(values[-1], x, create_graph=True)
        values.append(g)
    return [v.item() for v in values]


@pytest.mark.parametrize("name", list(COMPOSED))
@given(x0=st.floats(-2.5, 2.5))
def test_derivatives_to_third_order_match_closed_forms(name, x0):
    fn, closed = COMPOSED[name]
    got = _nested_grads(fn, x0, 3)
    np.testing.assert_allclose(got, closed(x0), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", list(COMPOSED))
def test_third_derivative_matches_differences_of_the_second(name):
    fn, _ = COMPOSED[name]
    eps = 1e-5
    for x0 in (-1.3, 0.2, 1.7):
        third = _nested_grads(fn, x0, 3)[3]
        numeric = (_nested_grads(fn, x0 + eps, 2)[2] - _nested_grads(fn, x0 - eps, 2)[2]) / (
            2 * eps)
        np.testing.assert_allclose(third, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", list(COMPOSED))
def test_nested_functional_grad_to_third_order(name):
    fn, closed = COMPOSED[name]
    third = ag.grad(ag.grad(ag.grad(fn)))
    for x0 in (-0.8, 0.6):
        got = third(np.array(x0))
        assert got.dtype == np.float64
        np.testing.assert_allclose(got.item(), closed(x0)[3], rtol=1e-9, atol=1e-10)


def test_fifth_order_of_a_polynomial():
    f = lambda x: x**5 - 2 * x**3  # noqa: E731
    d = f
    for _ in range(5):
        d = ag.grad(d)
    assert d(np.array(1.3)).item() == pytest.approx(120.0)
    six = ag.grad(d)
    assert six(np.array(1.3)).item() == 0.0


def test_backward_with_create_graph_then_backward_again():
    x = f64([0.5, 1.5])
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_allclose(g._data, 3 * x._data**2)
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad._data, 6 * x._data)


def test_create_graph_accumulates_gradient_tensors():
    x = f64([2.0])
    (x**2).sum().backward(create_graph=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad  # 2x + 3x^2, still a graph
    np.testing.assert_allclose(g._data, [16.0])
    (dg,) = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(dg._data, [2 + 6 * 2.0])


def test_create_graph_retains_the_graph_by_default():
    x = f64([1.0, 2.0])
    y = (x.exp() * x).sum()
    (g,) = ag.autograd.grad(y, x, create_graph=True)
    (g2,) = ag.autograd.grad(y, x)  # the same graph again: retained by create_graph
    np.testing.assert_allclose(g._data, g2._data)


def test_hessian_of_a_quadratic_form_is_its_symmetric_matrix():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(4, 4))
    a = ag.tensor(m + m.T)
    f = lambda x: 0.5 * (x @ (a @ x))  # noqa: E731
    h = ag.hessian(f)(rng.normal(size=4))
    np.testing.assert_allclose(h._data, a._data, rtol=1e-12, atol=1e-12)

    b = ag.tensor(m)  # not symmetric: the Hessian of 0.5 x^T B x is (B + B^T) / 2
    h = ag.hessian(lambda x: 0.5 * (x @ (b @ x)))(rng.normal(size=4))
    np.testing.assert_allclose(h._data, (m + m.T) / 2, rtol=1e-12, atol=1e-12)


def test_hessian_by_double_backward_row_by_row():
    rng = np.random.default_rng(2)
    x = f64(rng.normal(size=3))
    y = ag.logsumexp(x, dim=0)
    (g,) = ag.autograd.grad(y, x, create_graph=True)
    rows = [ag.autograd.grad(g[i], x, retain_graph=True)[0]._data for i in range(3)]
    p = np.exp(x._data - np.logaddexp.reduce(x._data))
    np.testing.assert_allclose(np.stack(rows), np.diag(p) - np.outer(p, p), atol=1e-12)


def test_mixed_partials_agree_and_match_the_closed_form():
    def f(x, y):
        return x**2 * y**3 + ag.sin(x * y)

    x0, y0 = 0.7, -1.1
    x, y = f64(x0), f64(y0)
    (fx,) = ag.autograd.grad(f(x, y), x, create_graph=True)
    (fxy,) = ag.autograd.grad(fx, y)
    x, y = f64(x0), f64(y0)
    (fy,) = ag.autograd.grad(f(x, y), y, create_graph=True)
    (fyx,) = ag.autograd.grad(fy, x)
    closed = 6 * x0 * y0**2 + np.cos(x0 * y0) - x0 * y0 * np.sin(x0 * y0)
    np.testing.assert_allclose([fxy.item(), fyx.item()], [closed, closed], rtol=1e-12)

    hxy = ag.grad(ag.grad(f, argnums=0), argnums=1)(np.array(x0), np.array(y0))
    np.testing.assert_allclose(hxy.item(), closed, rtol=1e-12)


def test_second_derivative_through_matmul_sum_and_broadcasting():
    """d^2/dw^2 of sum((X w + b)^2) = 2 X^T X, with b broadcast over the rows."""
    rng = np.random.default_rng(3)
    xs = ag.tensor(rng.normal(size=(5, 3)))

    def loss(w, b):
        return ((xs @ w + b) ** 2).sum()

    h = ag.hessian(loss, argnums=0)(rng.normal(size=3), np.array(0.4))
    np.testing.assert_allclose(h._data, 2 * xs._data.T @ xs._data, rtol=1e-12)
    hb = ag.hessian(loss, argnums=1)(rng.normal(size=3), np.array(0.4))
    np.testing.assert_allclose(hb._data, 10.0)


def test_piecewise_ops_have_zero_second_derivative_away_from_kinks():
    x = f64([-1.5, 0.5, 2.0])
    for fn in (ag.relu, ag.abs, lambda t: ag.leaky_relu(t, 0.2), lambda t: ag.clamp(t, -1, 1),
               lambda t: ag.maximum(t, 0.0 * t + 0.3)):
        (g,) = ag.autograd.grad(fn(x).sum(), x, create_graph=True)
        if g.requires_grad:
            (h,) = ag.autograd.grad(g.sum(), x, allow_unused=True)
            assert h is None or not np.any(h._data)


def test_gradient_of_a_gradient_norm():
    """A gradient penalty: d/dx |grad f|^2 for f = sum(x^3), i.e. d/dx sum(9 x^4) = 36 x^3."""
    x = f64([0.5, -1.0, 2.0])
    (g,) = ag.autograd.grad((x**3).sum(), x, create_graph=True)
    penalty = (g * g).sum()
    penalty.backward()
    np.testing.assert_allclose(x.grad._data, 36 * x._data**3, rtol=1e-12)
