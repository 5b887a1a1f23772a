"""The elementwise and special functions: values against SciPy across their domains, and value,
gradient and second derivative against PyTorch on generated inputs, with PyTorch's dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import engine
from autograd_core.ops import special as S

RNG = np.random.default_rng(1234)


def _u(lo, hi, n=4000):
    return RNG.uniform(lo, hi, n)


# name, our array function, scipy's name (or a callable of scipy.special), inputs, atol
VALUES = [
    ("erf", S.erf, "erf", np.r_[_u(-7, 7), _u(-0.6, 0.6), 0.5, -0.5, 0.0, np.inf, -np.inf], 0),
    ("erfc", S.erfc, "erfc", np.r_[_u(-7, 26), _u(-0.6, 0.6), 0.5, 26.0], 0),
    ("erfcx", S.erfcx, "erfcx", np.r_[_u(-20, 40), 1e5, 1e200], 0),
    ("ndtr", S.ndtr, "ndtr", _u(-37, 9), 0),
    ("log_ndtr", S.log_ndtr, "log_ndtr", np.r_[_u(-60, 8), -1e5, -1e10], 0),
    ("erfinv", S.erfinv, "erfinv",
     np.r_[_u(-1, 1), 1 - np.logspace(-16, -1, 100), np.logspace(-300, -1, 100), 1.0, -1.0], 0),
    ("ndtri", S.ndtri, "ndtri",
     np.r_[_u(0, 1), np.logspace(-300, -1, 100), 1 - np.logspace(-16, -1, 100), 0.0, 1.0], 0),
    ("lgamma", S.lgamma, "gammaln", np.r_[_u(0, 30), np.logspace(-300, 300, 200), 1.0, 2.0],
     1e-14),
    ("digamma", S.digamma, "psi", np.r_[_u(0, 30), np.logspace(-300, 300, 200)], 1e-14),
    ("i0", S.i0, "i0", _u(-700, 700), 0),
    ("i0e", S.i0e, "i0e", np.r_[_u(-100, 100), 1e5, 1e300], 0),
    ("i1", S.i1, "i1", np.r_[_u(-700, 700), _u(-1e-3, 1e-3)], 0),
    ("i1e", S.i1e, "i1e", np.r_[_u(-100, 100), 1e-300, 0.0, 1e5, 1e300], 0),
    ("entr", S.entr, "entr", np.r_[_u(-1, 5), 0.0], 0),
    ("sinc", S.sinc, lambda sc, x: np.sinc(x), np.r_[_u(-5, 5), 0.0], 0),
] + [
    (f"polygamma{n}", lambda x, n=n: S.polygamma(x, n=n),
     lambda sc, x, n=n: sc.polygamma(n, x), np.r_[_u(0.01, 40), _u(-10, 0)], 0)
    for n in (1, 2, 3, 6)
]


@pytest.mark.parametrize("name, fn, ref, x, atol", VALUES, ids=[v[0] for v in VALUES])
def test_values_match_scipy(name, fn, ref, x, atol):
    sc = pytest.importorskip("scipy.special")
    with np.errstate(all="ignore"):
        expected = ref(sc, x) if callable(ref) else getattr(sc, ref)(x)
    got = fn(x)
    assert got.dtype == np.float64
    # below the normal range a subnormal result has few digits: compare absolutely there
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=max(atol, 1e-300),
                               err_msg=name)


@pytest.mark.parametrize("fn, ref", [(S.lgamma, "gammaln"), (S.digamma, "psi")],
                         ids=["lgamma", "digamma"])
def test_reflected_values_match_scipy(fn, ref):
    """x < 0, by reflection: near the poles SciPy itself is off by a few 1e-13."""
    sc = pytest.importorskip("scipy.special")
    x = _u(-30, 0)
    np.testing.assert_allclose(fn(x), getattr(sc, ref)(x), rtol=2e-12, atol=1e-14)


def test_values_are_accurate_where_scipy_loses_digits():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    for x, fn, ref in [(26.6, S.erfc, mp.erfc), (-2.4570247, S.lgamma,
                                                  lambda v: mp.loggamma(v).real),
                       (1.4616321449683622, S.digamma, mp.digamma)]:
        exact = float(ref(mp.mpf(x)))
        assert abs(float(fn(np.array(x))) - exact) <= 1e-14 * abs(exact) + 1e-15


def test_float32_inputs_give_float32():
    x = np.linspace(0.1, 0.9, 9).astype(np.float32)
    for fn in (S.erf, S.erfc, S.erfinv, S.ndtri, S.log_ndtr, S.lgamma, S.digamma, S.i0, S.i1e,
               S.entr, S.sinc):
        assert fn(x).dtype == np.float32


# -- against PyTorch: value, gradient, second derivative ---------------------------------------
def _unary(name, lo=-2.0, hi=2.0, ours=None, theirs=None):
    return (name, ours or (lambda x: getattr(ag, name)(x)),
            theirs or (lambda T, x: getattr(T, name)(x)), [(lo, hi)])


def _special(name, lo=-2.0, hi=2.0):
    return (f"special.{name}", lambda x: getattr(ag.special, name)(x),
            lambda T, x: getattr(T.special, name)(x), [(lo, hi)])


def _binary(name, dom_a=(-2.0, 2.0), dom_b=(-2.0, 2.0)):
    return (name, lambda a, b: getattr(ag, name)(a, b),
            lambda T, a, b: getattr(T, name)(a, b), [dom_a, dom_b])


TORCH_CASES = [
    _unary("asin", -0.9, 0.9), _unary("acos", -0.9, 0.9), _unary("atan"), _unary("sinh"),
    _unary("cosh"), _unary("asinh"), _unary("acosh", 1.1, 3.0), _unary("atanh", -0.9, 0.9),
    _unary("arcsin", -0.9, 0.9), _unary("expm1"), _unary("exp2"), _unary("log2", 0.1, 3.0),
    _unary("log10", 0.1, 3.0), _unary("rsqrt", 0.2, 3.0), _unary("reciprocal", 0.2, 3.0),
    _unary("square"), _unary("erf"), _unary("erfc"), _unary("erfinv", -0.95, 0.95),
    _unary("lgamma", 0.1, 6.0), _unary("lgamma", -2.9, -2.1), _unary("digamma", 0.1, 6.0),
    _unary("digamma", -1.9, -1.1), _unary("sinc", 0.1, 3.0), _unary("logit", 0.05, 0.95),
    ("logit eps", lambda x: ag.logit(x, eps=0.2), lambda T, x: T.logit(x, eps=0.2),
     [(0.25, 0.75)]),
    _unary("deg2rad", -200, 200), _unary("rad2deg"), _unary("frac", -3, 3),
    _unary("floor", -3, 3), _unary("ceil", -3, 3), _unary("trunc", -3, 3),
    _unary("round", -3, 3), _unary("i0"), _unary("nan_to_num"),
    ("round decimals", lambda x: ag.round(x, decimals=2), lambda T, x: T.round(x, decimals=2),
     [(-3, 3)]),
    ("polygamma 1", lambda x: ag.polygamma(1, x), lambda T, x: T.polygamma(1, x), [(0.2, 5)]),
    ("polygamma 2", lambda x: ag.polygamma(2, x), lambda T, x: T.polygamma(2, x), [(0.2, 5)]),
    ("polygamma 3", lambda x: x.polygamma(3), lambda T, x: x.polygamma(3), [(0.2, 5)]),
    _special("expit"), _special("ndtr", -5, 5), _special("ndtri", 0.02, 0.98),
    _special("log_ndtr", -10, 5), _special("entr", 0.1, 3.0), _special("i0e"),
    _special("i1"), _special("i1e"), _special("erfcx", -2, 5), _special("erf"),
    _special("gammaln", 0.1, 5.0), _special("psi", 0.1, 5.0),
    ("special.xlog1py", lambda a, b: ag.special.xlog1py(a, b),
     lambda T, a, b: T.special.xlog1py(a, b), [(-2, 2), (-0.9, 3)]),
    _binary("atan2"), _binary("arctan2"), _binary("hypot"), _binary("logaddexp"),
    _binary("logaddexp2"), _binary("xlogy", (-2, 2), (0.1, 3)),
    _binary("fmod", (-3, 3), (0.5, 2)), _binary("remainder", (-3, 3), (-2, -0.5)),
    _binary("copysign"), _binary("float_power", (0.2, 2), (-2, 2)), _binary("fmax"),
    _binary("fmin"),
    ("lerp", lambda a, b, w: ag.lerp(a, b, w), lambda T, a, b, w: T.lerp(a, b, w),
     [(-2, 2), (-2, 2), (-1, 2)]),
    ("lerp scalar weight", lambda a, b: a.lerp(b, 0.7), lambda T, a, b: a.lerp(b, 0.7),
     [(-2, 2), (-2, 2)]),
    ("addcmul", lambda a, b, c: ag.addcmul(a, b, c, value=0.5),
     lambda T, a, b, c: T.addcmul(a, b, c, value=0.5), [(-2, 2)] * 3),
    ("addcdiv", lambda a, b, c: ag.addcdiv(a, b, c, value=-2),
     lambda T, a, b, c: T.addcdiv(a, b, c, value=-2), [(-2, 2), (-2, 2), (0.5, 2)]),
]


@pytest.mark.torch
@pytest.mark.parametrize("case", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
@given(data=st.data())
def test_value_gradient_and_second_derivative_match_torch(case, data):
    torch = pytest.importorskip("torch")
    _, ours, theirs, domains = case
    seed = data.draw(st.integers(0, 2**32 - 1))
    shape = data.draw(st.sampled_from([(), (3,), (2, 3)]))
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(lo, hi, shape) for lo, hi in domains]
    if case[0] in ("floor", "ceil", "trunc", "round", "frac", "fmod", "remainder"):
        xs = [np.where(np.abs(x - np.round(x)) < 0.1, x + 0.25, x) for x in xs]
    ts = [ag.tensor(x, dtype=ag.float64, requires_grad=True) for x in xs]
    tt = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out, ref = ours(*ts), theirs(torch, *tt)
    # rtol 1e-9: PyTorch's trigamma (polygamma(1), the derivative of digamma) is good to 5e-10
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert out.dtype == np.float64
    first = engine.grad(out.sum(), ts, create_graph=True, allow_unused=True)
    rfirst = torch.autograd.grad(ref.sum(), tt, create_graph=True, allow_unused=True)
    for g, r in zip(first, rfirst):
        gv = np.zeros(shape) if g is None else g._data
        rv = np.zeros(shape) if r is None else r.detach().numpy()
        np.testing.assert_allclose(gv, rv, rtol=1e-9, atol=1e-12)
    terms = [g.sum() for g in first if g is not None and g.requires_grad]
    rterms = [r.sum() for r in rfirst if r is not None and r.requires_grad]
    second = (engine.grad(sum(terms[1:], terms[0]), ts, allow_unused=True) if terms
              else [None] * len(ts))
    rsecond = (torch.autograd.grad(sum(rterms[1:], rterms[0]), tt, allow_unused=True)
               if rterms else [None] * len(tt))
    for g, r in zip(second, rsecond):
        gv = np.zeros(shape) if g is None else g._data
        rv = np.zeros(shape) if r is None else r.detach().numpy()
        np.testing.assert_allclose(gv, rv, rtol=1e-8, atol=1e-10)


DTYPE_CASES = [
    ("asin", lambda ag_or_torch, x: ag_or_torch.asin(x)),
    ("erf", lambda m, x: m.erf(x)),
    ("lgamma", lambda m, x: m.lgamma(x)),
    ("deg2rad", lambda m, x: m.deg2rad(x)),
    ("rsqrt", lambda m, x: m.rsqrt(x)),
    ("exp2", lambda m, x: m.exp2(x)),
    ("log2", lambda m, x: m.log2(x)),
    ("log10", lambda m, x: m.log10(x)),
    ("floor", lambda m, x: m.floor(x)),
    ("round", lambda m, x: m.round(x)),
    ("nan_to_num", lambda m, x: m.nan_to_num(x)),
    ("special.ndtri", lambda m, x: m.special.ndtri(x)),
    ("special.i1e", lambda m, x: m.special.i1e(x)),
    ("special.expit", lambda m, x: m.special.expit(x)),
    ("polygamma", lambda m, x: m.polygamma(2, x)),
    ("atan2", lambda m, x: m.atan2(x, x)),
    ("xlogy", lambda m, x: m.xlogy(x, x)),
    ("hypot-float", lambda m, x: m.hypot(x * 1.0, x * 1.0)),
    ("fmod", lambda m, x: m.fmod(x, 2)),
    ("remainder", lambda m, x: m.remainder(x, 2)),
    ("fmax", lambda m, x: m.fmax(x, x)),
    ("copysign", lambda m, x: m.copysign(x, -x)),
    ("float_power", lambda m, x: m.float_power(x, 2)),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, fn", DTYPE_CASES, ids=[c[0] for c in DTYPE_CASES])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_result_dtypes_are_torchs(name, fn, dtype):
    torch = pytest.importorskip("torch")
    values = np.array([1, 2, 3]).astype(dtype)
    expected = fn(torch, torch.tensor(values))
    with np.errstate(all="ignore"):  # asin(2) is NaN in both
        got = fn(ag, ag.tensor(values))
    assert str(got.dtype) == str(expected.dtype).replace("torch.", ""), (name, dtype)
    np.testing.assert_allclose(got._data, expected.numpy(), rtol=1e-6)


@pytest.mark.torch
def test_fmax_fmin_send_ties_and_nan_as_torch_does():
    torch = pytest.importorskip("torch")
    a = [1.0, 2.0, np.nan, 3.0]
    b = [1.0, np.nan, 0.0, 4.0]
    for name in ("fmax", "fmin"):
        x, y = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
        tx, ty = (torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True))
        getattr(ag, name)(x, y).sum().backward()
        getattr(torch, name)(tx, ty).sum().backward()
        np.testing.assert_array_equal(x.grad._data, tx.grad.numpy())
        np.testing.assert_array_equal(y.grad._data, ty.grad.numpy())


@pytest.mark.torch
def test_special_cases_match_torch():
    torch = pytest.importorskip("torch")
    x = [0.0, -1.0, 2.0, np.inf, -np.inf, np.nan]
    for fn in (lambda m, v: m.special.entr(v), lambda m, v: m.nan_to_num(v),
               lambda m, v: m.nan_to_num(v, nan=1.0, posinf=2.0, neginf=-3.0),
               lambda m, v: m.xlogy(v * 0, v), lambda m, v: m.special.i1(v),
               lambda m, v: m.sinc(v), lambda m, v: m.special.ndtri(v / 4 + 0.5)):
        with np.errstate(all="ignore"):
            got = fn(ag, ag.tensor(x, dtype=ag.float64))
        ref = fn(torch, torch.tensor(x, dtype=torch.float64))
        np.testing.assert_allclose(got._data, ref.numpy(), rtol=1e-12, equal_nan=True)
    t = ag.tensor([0.0], dtype=ag.float64, requires_grad=True)
    for fn, expected in ((ag.special.i1, 0.5), (ag.special.i1e, 0.5), (ag.sinc, 0.0)):
        (g,) = engine.grad(fn(t).sum(), [t])
        assert g._data[0] == expected
