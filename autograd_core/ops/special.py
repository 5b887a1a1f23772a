"""Special functions on arrays, in NumPy alone, and their ops: erf, erfc, erfinv, lgamma,
digamma, polygamma, the normal distribution's ndtr, ndtri and log_ndtr, entr, the modified
Bessel functions i0, i0e, i1, i1e, xlogy, xlog1py, sinc and logit.

Each forward computes in float64 and returns the input's floating dtype. The methods:

- erf/erfc: a Taylor series for |x| < 0.5; above, erfc(x) = exp(-x^2) erfcx(x), with erfcx from
  a Chebyshev expansion of (1 + 2x) erfcx(x) in t = (x - 4) / (x + 4) (every x >= 0 maps into
  [-1, 1)), and exp(-x^2) taken in two pieces so that x^2 is not rounded;
- erfinv and ndtri: a closed-form first guess refined by Halley's method on erf or on erfc (near
  the ends, where 1 - |y| carries the information);
- lgamma: Taylor series of lgamma about 1 and 2 (their coefficients from zeta values), the
  recurrence down to [1.5, 2.5) below 13, Stirling's series above, reflection for x < 0;
- digamma: the recurrence up to 10 and the asymptotic series, reflection for x < 0;
- polygamma(n >= 1): (-1)^(n+1) n! zeta(n + 1, x), the Hurwitz zeta by direct sum up to
  15 + n and Euler-Maclaurin beyond;
- i0, i1: the power series up to 30, the asymptotic expansion of e^-x I(x) beyond.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import Spec, defop

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT1_2 = math.sqrt(0.5)
_EULER = 0.57721566490153286061

# B_2, B_4, ..., B_30
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330, 854513 / 138, -236364091 / 2730, 8553103 / 6,
              -23749461029 / 870, 8615841276005 / 14322]


def _float_in(fn):
    """fn computed in float64; the result in the input's floating dtype."""

    def wrapped(x, *args, **kwargs):
        x = np.asarray(x)
        dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        with np.errstate(all="ignore"):
            out = fn(x.astype(np.float64), *args, **kwargs)
        return np.asarray(out, dtype=dt)

    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


def _horner(coeffs, x):
    """sum(coeffs[k] * x**k)."""
    out = np.full(np.shape(x), coeffs[-1], dtype=np.float64)
    for c in coeffs[-2::-1]:
        out = out * x + c
    return out


# -- error function ---------------------------------------------------------------------------
# (1 + 2x) exp(x^2) erfc(x) = sum c_k T_k(t), t = (x - 4) / (x + 4)
_ERFCX_CHEB = [
    1.1774832005374486987, -0.0072607966203019004784, -0.081265123236184997858,
    0.060092128041222249997, -0.028753935580276660271, 0.010595663363472860014,
    -0.0031369272945542642383, 0.00074564943725361840431, -0.00013696965030100540681,
    1.7183861600300937113e-5, -7.1583646234503468633e-7, -2.4261399442449532014e-7,
    5.5765709395703564039e-8, -2.1057869513809494813e-9, -1.1717889351884956849e-9,
    1.909835517245668792e-10, 1.4088717642088129665e-11, -6.9011083204808149553e-12,
    9.1679583641112932862e-14, 2.1454508286554552991e-13, -1.4716575027010624224e-14,
    -6.6686751187704079239e-15, 7.5045985098800830281e-16, 2.2200930066663200382e-16,
    -3.1704898956330888091e-17, -8.1935703098843320703e-18, 1.2459819733129576954e-18,
    3.3664022738726379817e-19,
]
# erf(x) = 2/sqrt(pi) sum (-1)^k x^(2k+1) / (k! (2k+1)), in powers of x^2
_ERF_TAYLOR = [2 / _SQRT_PI * (-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(16)]


def _erfcx_pos(x):
    """exp(x^2) erfc(x) for x >= 0 (inf gives 0)."""
    t = (x - 4.0) / (x + 4.0)
    t = np.where(np.isinf(x), 1.0, t)
    b1 = np.zeros_like(t)
    b2 = np.zeros_like(t)
    t2 = 2.0 * t
    for c in _ERFCX_CHEB[:0:-1]:  # Clenshaw
        b1, b2 = t2 * b1 - b2 + c, b1
    s = t * b1 - b2 + _ERFCX_CHEB[0]
    return s / (1.0 + 2.0 * x)


def _exp_minus_square(x):
    """exp(-x^2) without rounding x^2: x = hi + lo with hi on a 1/64 grid, hi^2 exact."""
    hi = np.round(x * 64.0) / 64.0
    lo = x - hi
    return np.exp(-hi * hi) * np.exp(-lo * (x + hi))


def _erfc_pos(x):
    """erfc for x >= 0.5."""
    with np.errstate(all="ignore"):
        return np.where(x > 27.3, 0.0, _exp_minus_square(np.minimum(x, 27.3)) * _erfcx_pos(x))


def _erf_small(x):
    return x * _horner(_ERF_TAYLOR, x * x)


@_float_in
def erf(x):
    a = np.abs(x)
    small = a < 0.5
    big = np.where(small, 1.0, a)
    return np.where(small, _erf_small(np.where(small, x, 0.0)),
                    np.copysign(1.0 - _erfc_pos(big), x))


def _erfc64(x):
    a = np.abs(x)
    small = a < 0.5
    big = _erfc_pos(np.where(small, 1.0, a))
    return np.where(small, 1.0 - _erf_small(np.where(small, x, 0.0)),
                    np.where(x > 0, big, 2.0 - big))


erfc = _float_in(_erfc64)
erfc.__name__ = "erfc"


@_float_in
def erfcx(x):
    a = np.abs(x)
    small = a < 0.5
    pos = _erfcx_pos(np.where(x >= 0, x, 0.0))
    neg = 2.0 * np.exp(x * x) - _erfcx_pos(np.where(x < 0, -x, 0.0))
    mid = np.exp(x * x) * (1.0 - _erf_small(np.where(small, x, 0.0)))
    return np.where(small, mid, np.where(x >= 0, pos, neg))


def _ndtr64(x):
    return 0.5 * _erfc64(-x * _SQRT1_2)


ndtr = _float_in(_ndtr64)
ndtr.__name__ = "ndtr"


@_float_in
def log_ndtr(x):
    low = x < -1.0
    z = np.where(low, -x * _SQRT1_2, 1.0)
    tail = np.log(0.5 * _erfcx_pos(z)) - 0.5 * x * x
    mid = np.log(_ndtr64(np.where((x >= -1.0) & (x <= 0.0), x, 0.0)))
    high = np.log1p(-_ndtr64(-np.where(x > 0.0, x, 0.0)))
    return np.where(low, tail, np.where(x <= 0.0, mid, high))


def _erf_inverse(y, c):
    """x >= 0 with erf(x) = y (y in [0, 1]) where y <= 0.5, else with erfc(x) = c = 1 - y
    (c given exactly): Halley's method from Winitzki's approximation."""
    a = 0.147
    log1my2 = np.where(y <= 0.5, np.log1p(-y * y), np.log(c) + np.log(2.0 - c))
    first = 2.0 / (math.pi * a) + 0.5 * log1my2
    x = np.sqrt(np.maximum(np.sqrt(first * first - log1my2 / a) - first, 0.0))
    use_erf = y <= 0.5
    f = np.empty_like(x)
    for _ in range(3):  # Halley: 2e-3, 1e-8, 1e-16 relative
        f[use_erf] = erf(x[use_erf]) - y[use_erf]
        f[~use_erf] = c[~use_erf] - _erfc64(x[~use_erf])
        slope = 2.0 / _SQRT_PI * _exp_minus_square(x)
        dx = f / slope
        step = dx / (1.0 + x * dx)
        x = np.where(np.isfinite(step) & (slope > 0), x - step, x)
    return x


@_float_in
def erfinv(y):
    a = np.abs(y)
    inside = a < 1.0
    ya = np.where(inside, a, 0.0)
    x = _erf_inverse(ya, 1.0 - ya)
    x = np.where(a == 1.0, np.inf, np.where(a > 1.0, np.nan, x))
    return np.copysign(x, y) * np.where(np.isnan(y), np.nan, 1.0)


@_float_in
def ndtri(p):
    inside = (p > 0.0) & (p < 1.0)
    q = np.where(inside, p, 0.5)
    # p >= 0.25: 2p - 1 is exact, invert erf; p < 0.25: invert erfc(x) = 2p directly
    upper = q >= 0.25
    y = np.where(upper, np.abs(2.0 * q - 1.0), 1.0 - 2.0 * q)
    c = np.where(upper, 1.0 - y, 2.0 * q)
    x = _erf_inverse(y, c)
    x = np.where(q < 0.5, -x, x) * math.sqrt(2.0)
    x = np.where(p == 0.0, -np.inf, np.where(p == 1.0, np.inf, x))
    return np.where(inside | (p == 0.0) | (p == 1.0), x, np.nan)


# -- gamma family -----------------------------------------------------------------------------
def _zeta_int(s: int) -> float:
    """zeta(s) - 1 for an integer s >= 2, by Euler-Maclaurin after nine terms."""
    n = 10.0
    head = math.fsum(k ** -s for k in range(2, 10))
    tail = n ** (1 - s) / (s - 1) + 0.5 * n ** -s
    rising = float(s)
    for j, b in enumerate(_BERNOULLI[:10], start=1):
        tail += b / math.factorial(2 * j) * rising * n ** (-s - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return head + tail


_ZETA_M1 = {s: _zeta_int(s) for s in range(2, 60)}
# lgamma(1 + z) = -gamma z + sum_k>=2 (-1)^k zeta(k) z^k / k
_LGAMMA_AT_1 = [0.0, -_EULER] + [(-1) ** k * (1.0 + _ZETA_M1[k]) / k for k in range(2, 56)]
# lgamma(2 + z) = (1 - gamma) z + sum_k>=2 (-1)^k (zeta(k) - 1) z^k / k
_LGAMMA_AT_2 = [0.0, 1.0 - _EULER] + [(-1) ** k * _ZETA_M1[k] / k for k in range(2, 40)]


def _sinpi_abs(x):
    """|sin(pi x)| with the argument reduced exactly."""
    r = x - np.round(x)
    return np.abs(np.sin(math.pi * r))


def _lgamma_pos(x):
    """lgamma for x > 0."""
    out = np.empty_like(x)
    tiny = x < 0.5
    near1 = (x >= 0.5) & (x < 1.5)
    mid = (x >= 1.5) & (x < 13.0)
    big = x >= 13.0
    z = np.where(tiny, x, np.where(near1, x - 1.0, 0.0))
    at1 = _horner(_LGAMMA_AT_1, z)
    out = np.where(tiny, at1 - np.log(np.where(tiny, x, 1.0)), at1)
    # 1.5 <= x < 13: lgamma(x) = log((x-1)...(x-n)) + lgamma(x - n), x - n in [1.5, 2.5)
    xm = np.where(mid, x, 2.0)
    n = np.floor(xm - 1.5)
    base = xm - n
    prod = np.ones_like(x)
    for k in range(1, 12):
        prod = np.where(n >= k, prod * (xm - k), prod)
    at2 = _horner(_LGAMMA_AT_2, base - 2.0) + np.log(prod)
    out = np.where(mid, at2, out)
    xb = np.where(big, x, 13.0)
    inv = 1.0 / xb
    inv2 = inv * inv
    series = _horner([b / (2 * k * (2 * k - 1)) for k, b in enumerate(_BERNOULLI[:10], 1)],
                     inv2) * inv
    stirling = xb * (np.log(xb) - 1.0) - 0.5 * np.log(xb) + 0.5 * math.log(2 * math.pi) + series
    return np.where(big, stirling, out)


@_float_in
def lgamma(x):
    pos = x > 0
    xp = np.where(pos, x, 1.0)
    out = _lgamma_pos(xp)
    xn = np.where(pos, -1.0, x)  # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)
    refl = math.log(math.pi) - np.log(_sinpi_abs(xn)) - _lgamma_pos(1.0 - xn)
    pole = (~pos) & (x == np.floor(x))
    out = np.where(pos, out, np.where(pole, np.inf, refl))
    return np.where(np.isnan(x), np.nan, np.where(np.isinf(x), np.inf, out))


def _digamma_pos(x):
    acc = np.zeros_like(x)
    a = x.copy()
    for _ in range(12):
        m = a < 10.0
        if not m.any():
            break
        acc = acc + np.where(m, 1.0 / a, 0.0)
        a = np.where(m, a + 1.0, a)
    inv2 = 1.0 / (a * a)
    series = _horner([b / (2 * k) for k, b in enumerate(_BERNOULLI[:9], 1)], inv2) * inv2
    return np.log(a) - 0.5 / a - series - acc


@_float_in
def digamma(x):
    pos = x > 0
    out = _digamma_pos(np.where(pos, x, 1.0))
    xn = np.where(pos, -0.5, x)  # psi(x) = psi(1 - x) - pi / tan(pi x)
    r = xn - np.round(xn)
    refl = _digamma_pos(1.0 - xn) - math.pi / np.tan(math.pi * r)
    out = np.where(pos, out, np.where(x == 0, -np.inf, np.where(x == np.floor(x), np.nan, refl)))
    return np.where(np.isposinf(x), np.inf, np.where(np.isneginf(x), np.nan, out))


def _hurwitz_zeta(s: int, x):
    """zeta(s, x) = sum_k>=0 (x + k)^-s for an integer s >= 2."""
    edge = 15.0 + s
    acc = np.zeros_like(x)
    a = np.where(np.isfinite(x), x, edge)
    while True:
        m = a < edge
        if not m.any():
            break
        acc = acc + np.where(m, a ** -s, 0.0)  # a == 0 gives inf: a pole
        a = np.where(m, a + 1.0, a)
    tail = a ** (1 - s) / (s - 1) + 0.5 * a ** -s
    rising = float(s)
    power = a ** (-s - 1)
    inv2 = 1.0 / (a * a)
    for j, b in enumerate(_BERNOULLI[:12], start=1):
        tail = tail + (b / math.factorial(2 * j) * rising) * power
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        power = power * inv2
    return np.where(np.isposinf(x), 0.0, acc + tail)


@_float_in
def polygamma(x, n=1):
    n = int(n)
    if n == 0:
        return digamma(x)
    sign = 1.0 if n % 2 else -1.0
    out = sign * math.factorial(n) * _hurwitz_zeta(n + 1, x)
    return np.where((x <= 0) & (x == np.floor(x)), np.inf * sign, out)


# -- modified Bessel functions of the first kind -----------------------------------------------
_BESSEL_SWITCH = 30.0


def _bessel_e(x, order: int):
    """(e^-|x| I0(|x|), e^-|x| I1(|x|)) for order 0 or 1, on |x|."""
    a = np.abs(x)
    small = a < _BESSEL_SWITCH
    s = np.where(small, a, 0.0)
    q = 0.25 * s * s
    term = np.ones_like(s) if order == 0 else 0.5 * s
    total = term.copy()
    for k in range(1, 90):
        term = term * q / (k * (k + order))
        total = total + term
    series = total * np.exp(-s)
    # asymptotic: e^-x I_v(x) ~ 1/sqrt(2 pi x) sum_k (-1)^k prod_j (mu - (2j-1)^2) / (k! (8x)^k)
    b = np.where(small, _BESSEL_SWITCH, a)
    mu = 4.0 * order * order
    term = np.ones_like(b)
    total = term.copy()
    for k in range(1, 40):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * b)
        total = total + term
    asym = total / np.sqrt(2.0 * math.pi * b)
    return np.where(small, series, asym)


@_float_in
def i0e(x):
    return _bessel_e(x, 0)


@_float_in
def i0(x):
    a = np.abs(x)
    return _bessel_e(x, 0) * np.exp(a)


@_float_in
def i1e(x):
    return np.copysign(_bessel_e(x, 1), x)


@_float_in
def i1(x):
    a = np.abs(x)
    return np.copysign(_bessel_e(x, 1) * np.exp(a), x)


# -- elementary functions with special cases ----------------------------------------------------
@_float_in
def entr(x):
    safe = np.where(x > 0, x, 1.0)
    out = np.where(x > 0, -x * np.log(safe), np.where(x == 0, 0.0, -np.inf))
    return np.where(np.isnan(x), np.nan, out)


@_float_in
def sinc(x):
    px = math.pi * np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, np.sin(px) / px)


@_float_in
def logit(x, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1.0 - eps)
    return np.log(x / (1.0 - x))


def _xlogy(x, y):
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(all="ignore"):
        out = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), np.zeros_like(out), out)


def _xlog1py(x, y):
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(all="ignore"):
        out = x * np.log1p(y)
        return np.where((x == 0) & ~np.isnan(y), np.zeros_like(out), out)


# -- the ops --------------------------------------------------------------------------------------
def _safe(F, x, bad, value=1.0):
    return F.where(bad, value, x)


defop("erf", erf, lambda F, g, out, x: g * (2 / _SQRT_PI) * F.exp(-(x * x)),
      spec=Spec("elementwise"))
defop("erfc", erfc, lambda F, g, out, x: g * (-2 / _SQRT_PI) * F.exp(-(x * x)),
      spec=Spec("elementwise"))
defop("erfinv", erfinv, lambda F, g, out, x: g * (_SQRT_PI / 2) * F.exp(out * out),
      spec=Spec("elementwise", domain=(-0.9, 0.9)))
defop("ndtri", ndtri, lambda F, g, out, x: g * _SQRT_2PI * F.exp(out * out * 0.5),
      spec=Spec("elementwise", domain=(0.05, 0.95)))
defop("log_ndtr", log_ndtr,
      lambda F, g, out, x: g * F.exp(x * x * -0.5 - out) * (1 / _SQRT_2PI),
      spec=Spec("elementwise", domain=(-6.0, 4.0)))
defop("lgamma", lgamma, lambda F, g, out, x: g * F.digamma(x),
      spec=Spec("elementwise", domain=(0.2, 5.0)))
defop("digamma", digamma, lambda F, g, out, x: g * F.polygamma(x, n=1),
      spec=Spec("elementwise", domain=(0.2, 5.0)))
defop("polygamma", polygamma, lambda F, g, out, x, n=1: g * F.polygamma(x, n=n + 1),
      spec=Spec("elementwise", domain=(0.3, 5.0), params={"n": [1, 2, 3]}))
defop("i0", i0, lambda F, g, out, x: g * F.i1(x), spec=Spec("elementwise"))
defop("i0e", i0e, lambda F, g, out, x: g * (F.i1e(x) - F.sign(x) * out),
      spec=Spec("elementwise", notes="kink at 0"))
defop("i1", i1,
      lambda F, g, out, x: F.where(x == 0, g * 0.5, g * (F.i0(x) - out / _safe(F, x, x == 0))),
      spec=Spec("elementwise"))
defop("i1e", i1e,
      lambda F, g, out, x: F.where(x == 0, g * 0.5, g * (
          F.i0e(x) - out * (F.sign(x) + 1 / _safe(F, x, x == 0)))),
      spec=Spec("elementwise", notes="kink at 0 in the second derivative"))
defop("entr", entr, lambda F, g, out, x: -g * (F.log(x) + 1),
      spec=Spec("elementwise", domain=(0.1, 3.0)))
defop("sinc", sinc,
      lambda F, g, out, x: F.where(
          x == 0, g * 0, g * (F.cos(x * math.pi) - out) / _safe(F, x, x == 0)),
      spec=Spec("elementwise", notes="kink-free, but 0 is a removable singularity"))


def _logit_vjp(F, g, out, x, eps=None):
    if eps is None:
        return g / (x * (1 - x))
    inside = (x >= eps) & (x <= 1 - eps)
    xs = _safe(F, x, inside ^ True, 0.5)  # not ~inside: on the floats of SC, ~True is -2
    return F.where(inside, g / (xs * (1 - xs)), g * 0)


defop("logit", logit, _logit_vjp,
      spec=Spec("elementwise", domain=(0.05, 0.95), params={"eps": [None, 0.2]},
                notes="kinks at eps and 1 - eps"))
defop("xlogy", _xlogy,
      lambda F, g, out, x, y: F.where((x == 0) & (y <= 0), g * 0, F.xlogy(g, y)),
      lambda F, g, out, x, y: g * x / y,
      spec=Spec("elementwise", domain=((-2.0, 2.0), (0.1, 3.0)), nin=2))
defop("xlog1py", _xlog1py,
      lambda F, g, out, x, y: F.where((x == 0) & (y <= -1), g * 0, F.xlog1py(g, y)),
      lambda F, g, out, x, y: g * x / (y + 1),
      spec=Spec("elementwise", domain=((-2.0, 2.0), (-0.9, 3.0)), nin=2))
defop("erfcx", erfcx, lambda F, g, out, x: g * (x * out * 2 - 2 / _SQRT_PI),
      spec=Spec("elementwise"))
