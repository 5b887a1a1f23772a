"""Linear algebra (`ag.linalg` and the top-level matrix functions): values, gradients and second
derivatives against PyTorch on generated matrices, closed-form properties that hold without
PyTorch, gradcheck and gradgradcheck on every op, and PyTorch's errors for bad and degenerate
input."""

from __future__ import annotations

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag

try:
    import torch
except ImportError:  # the comparisons with PyTorch are skipped; the rest still runs
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
RNG = np.random.default_rng(20240611)


# -- inputs -----------------------------------------------------------------------------------
def _orth(n, batch=()):
    q, r = np.linalg.qr(RNG.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, 0, -2, -1))[..., None, :]


def general(m, n=None, batch=(), lo=0.6):
    """U diag(s) V^T with distinct singular values from lo up, 0.4 apart."""
    n = m if n is None else n
    k = min(m, n)
    s = lo + 0.4 * np.arange(k)[::-1] + RNG.uniform(0, 0.1, batch + (k,))
    return (_orth(m, batch)[..., :k] * s[..., None, :]) @ np.swapaxes(_orth(n, batch)[..., :k],
                                                                    -1, -2)


def spd(n, batch=()):
    q = _orth(n, batch)
    a = (q * (0.5 + 0.4 * np.arange(n) + RNG.uniform(0, 0.1, batch + (n,)))[..., None, :]) \
        @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2


def sym(n, batch=()):
    q = _orth(n, batch)
    w = -1.3 + 0.5 * np.arange(n) + RNG.uniform(0, 0.1, batch + (n,))
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2


def tri(n, batch=(), upper=False):
    a = RNG.uniform(-0.4, 0.4, batch + (n, n))
    a[..., np.arange(n), np.arange(n)] = RNG.uniform(1, 2, batch + (n,)) * \
        RNG.choice([-1, 1], batch + (n,))
    return a  # the other triangle is garbage the solver must ignore


def rand(*shape):
    return RNG.uniform(-1, 1, shape)


# -- value, gradient and second derivative against PyTorch ---------------------------------------
def _as_list(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def _sq(T, x):
    return x * x


def _cdist(T, a, b, p):
    """torch.cdist has no second derivative: torch's side is its value and gradient checked
    against the norm of the differences, whose derivatives torch has."""
    if T is ag:
        return ag.cdist(a, b, p)
    out = torch.cdist(a, b, p)
    ref = torch.linalg.vector_norm(a.unsqueeze(-2) - b.unsqueeze(-3), p, -1)
    torch.testing.assert_close(out, ref)
    ga = torch.autograd.grad(out.sum(), (a, b), retain_graph=True)
    gr = torch.autograd.grad(ref.sum(), (a, b), retain_graph=True)
    torch.testing.assert_close(ga, gr)
    return ref


# id, function of (namespace, *inputs) written once for ag and torch, inputs
CASES = [
    ("inv", lambda T, a: T.linalg.inv(a), [general(3, batch=(2,))]),
    ("inverse", lambda T, a: T.inverse(a), [general(4)]),
    ("det", lambda T, a: T.linalg.det(a), [general(3, batch=(2,))]),
    ("det-top", lambda T, a: T.det(a), [general(4)]),
    ("slogdet", lambda T, a: T.linalg.slogdet(a), [general(3, batch=(3,))]),
    ("logdet", lambda T, a: T.logdet(a), [spd(3)]),
    ("solve", lambda T, a, b: T.linalg.solve(a, b), [general(3, batch=(2,)), rand(3, 2)]),
    ("solve-vector", lambda T, a, b: T.linalg.solve(a, b), [general(4), rand(4)]),
    ("solve-batched-vectors", lambda T, a, b: T.linalg.solve(a, b),
     [general(3, batch=(2,)), rand(2, 3)]),
    ("solve-right", lambda T, a, b: T.linalg.solve(a, b, left=False),
     [general(3), rand(2, 2, 3)]),
    ("cholesky", lambda T, a: T.linalg.cholesky(a), [spd(3, batch=(2,))]),
    ("cholesky-upper", lambda T, a: T.linalg.cholesky(a, upper=True), [spd(4)]),
    ("cholesky_ex", lambda T, a: T.linalg.cholesky_ex(a)[0], [spd(3)]),
    ("cholesky-top", lambda T, a: T.cholesky(a), [spd(3)]),
    ("eigh", lambda T, a: (lambda r: (r[0], _sq(T, r[1])))(T.linalg.eigh(a)),
     [sym(4, batch=(2,))]),
    ("eigh-projector", lambda T, a: (lambda r: r[1][..., :2] @ r[1][..., :2].mT)(
        T.linalg.eigh(a)), [sym(4)]),
    ("eigh-upper-nonsymmetric", lambda T, a: (lambda r: (r[0], _sq(T, r[1])))(
        T.linalg.eigh(a, UPLO="U")), [sym(3) + np.tril(rand(3, 3), -1)]),
    ("eigvalsh", lambda T, a: T.linalg.eigvalsh(a), [sym(4, batch=(3,))]),
    ("svd-tall", lambda T, a: (lambda r: (_sq(T, r[0]), r[1], _sq(T, r[2])))(
        T.linalg.svd(a, full_matrices=False)), [general(4, 3, batch=(2,))]),
    ("svd-wide", lambda T, a: (lambda r: (_sq(T, r[0]), r[1], _sq(T, r[2])))(
        T.linalg.svd(a, full_matrices=False)), [general(2, 4)]),
    ("svd-full", lambda T, a: (lambda r: (_sq(T, r[0][..., :3]), r[1]))(
        T.linalg.svd(a)), [general(4, 3)]),
    ("svd-top", lambda T, a: (lambda r: (_sq(T, r[0]), r[1], _sq(T, r[2])))(T.svd(a)),
     [general(4, 3)]),
    ("svdvals", lambda T, a: T.linalg.svdvals(a), [general(3, 5, batch=(2,))]),
    ("qr-tall", lambda T, a: (lambda r: (_sq(T, r[0]), _sq(T, r[1])))(T.linalg.qr(a)),
     [general(4, 3, batch=(2,))]),
    ("qr-wide", lambda T, a: (lambda r: (_sq(T, r[0]), _sq(T, r[1])))(T.linalg.qr(a)),
     [general(3, 5)]),
    ("qr-complete", lambda T, a: (lambda r: (_sq(T, r[0]), _sq(T, r[1])))(
        T.linalg.qr(a, mode="complete")), [general(3, 4)]),
    ("qr-top", lambda T, a: (lambda r: (_sq(T, r[0]), _sq(T, r[1])))(T.qr(a)),
     [general(4, 2)]),
    ("pinv-tall", lambda T, a: T.linalg.pinv(a), [general(5, 3, batch=(2,))]),
    ("pinv-wide", lambda T, a: T.linalg.pinv(a), [general(2, 4)]),
    ("pinv-hermitian", lambda T, a: T.linalg.pinv(a, hermitian=True), [sym(3)]),
    ("pinverse", lambda T, a: T.pinverse(a), [general(3, 2)]),
    ("lstsq", lambda T, a, b: T.linalg.lstsq(a, b).solution, [general(5, 3), rand(5, 2)]),
    ("lstsq-batched", lambda T, a, b: T.linalg.lstsq(a, b).solution,
     [general(4, 2, batch=(2,)), rand(2, 4, 3)]),
    ("matrix_exp", lambda T, a: T.linalg.matrix_exp(a), [rand(2, 3, 3)]),
    ("matrix_exp-large", lambda T, a: T.linalg.matrix_exp(a), [3 * general(3)]),
    ("matrix_exp-top", lambda T, a: T.matrix_exp(a), [rand(4, 4)]),
    ("matrix_power3", lambda T, a: T.linalg.matrix_power(a, 3), [rand(2, 3, 3)]),
    ("matrix_power-2", lambda T, a: T.linalg.matrix_power(a, -2), [general(3)]),
    ("matrix_power5", lambda T, a: T.matrix_power(a, 5), [0.7 * rand(3, 3)]),
    ("multi_dot", lambda T, a, b, c: T.linalg.multi_dot([a, b, c]),
     [rand(2, 5), rand(5, 3), rand(3, 4)]),
    ("multi_dot-vectors", lambda T, a, b, c: T.linalg.multi_dot([a, b, c]),
     [rand(3), rand(3, 4), rand(4)]),
    ("cross", lambda T, a, b: T.linalg.cross(a, b), [rand(2, 3), rand(1, 3)]),
    ("cross-dim", lambda T, a, b: T.cross(a, b, dim=0), [rand(3, 2), rand(3, 2)]),
    ("solve_triangular", lambda T, a, b: T.linalg.solve_triangular(a, b, upper=False),
     [tri(3, batch=(2,)), rand(3, 2)]),
    ("solve_triangular-upper-right", lambda T, a, b: T.linalg.solve_triangular(
        a, b, upper=True, left=False), [tri(3), rand(2, 3)]),
    ("solve_triangular-unit", lambda T, a, b: T.linalg.solve_triangular(
        a, b, upper=True, unitriangular=True), [tri(4), rand(4, 1)]),
    ("cholesky_solve", lambda T, b, low: T.cholesky_solve(b, low),
     [rand(3, 2), np.linalg.cholesky(spd(3))]),
    ("cholesky_solve-upper", lambda T, b, u: T.cholesky_solve(b, u, upper=True),
     [rand(2, 3, 1), np.swapaxes(np.linalg.cholesky(spd(3, batch=(2,))), -1, -2)]),
    ("cholesky_inverse", lambda T, low: T.cholesky_inverse(low), [np.linalg.cholesky(spd(3))]),
    ("matrix_norm-fro", lambda T, a: T.linalg.matrix_norm(a), [rand(2, 3, 4)]),
    ("matrix_norm-nuc", lambda T, a: T.linalg.matrix_norm(a, "nuc"), [general(3, 4)]),
    ("matrix_norm-2", lambda T, a: T.linalg.matrix_norm(a, 2), [general(4, 3, batch=(2,))]),
    ("matrix_norm--2", lambda T, a: T.linalg.matrix_norm(a, -2, keepdim=True), [general(3)]),
    ("matrix_norm-1", lambda T, a: T.linalg.matrix_norm(a, 1, dim=(0, 2)), [rand(3, 2, 4)]),
    ("matrix_norm--1", lambda T, a: T.linalg.matrix_norm(a, -1), [rand(3, 4)]),
    ("matrix_norm-inf", lambda T, a: T.linalg.matrix_norm(a, float("inf"), keepdim=True),
     [rand(2, 3, 4)]),
    ("matrix_norm--inf", lambda T, a: T.linalg.matrix_norm(a, -float("inf")), [rand(3, 4)]),
    ("vector_norm", lambda T, x: T.linalg.vector_norm(x), [rand(3, 4)]),
    ("vector_norm-1-dim", lambda T, x: T.linalg.vector_norm(x, 1, dim=0), [rand(3, 4)]),
    ("vector_norm-3-dims", lambda T, x: T.linalg.vector_norm(x, 3, dim=(0, 2), keepdim=True),
     [rand(2, 3, 4)]),
    ("vector_norm-inf", lambda T, x: T.linalg.vector_norm(x, float("inf"), dim=-1),
     [rand(3, 4)]),
    ("vector_norm--1", lambda T, x: T.linalg.vector_norm(x, -1, dim=-1), [rand(3, 4)]),
    ("vector_norm-0.5", lambda T, x: T.linalg.vector_norm(x, 0.5), [rand(5)]),
    ("linalg.norm-vector", lambda T, x: T.linalg.norm(x, 3), [rand(5)]),
    ("linalg.norm-matrix", lambda T, x: T.linalg.norm(x, "nuc"), [general(3)]),
    ("linalg.norm-default", lambda T, x: T.linalg.norm(x), [rand(2, 3, 2)]),
    ("linalg.norm-dims", lambda T, x: T.linalg.norm(x, 1, dim=(1, 2)), [rand(2, 3, 2)]),
    ("norm-fro", lambda T, x: T.norm(x), [rand(3, 4)]),
    ("norm-nuc", lambda T, x: T.norm(x, "nuc"), [general(3, 2)]),
    ("norm-p-dim", lambda T, x: T.norm(x, 3, dim=1), [rand(3, 4)]),
    ("dist", lambda T, x, y: T.dist(x, y, 3), [rand(3, 4), rand(4)]),
    ("cond", lambda T, a: T.linalg.cond(a), [general(3, 4, batch=(2,))]),
    ("cond--2", lambda T, a: T.linalg.cond(a, -2), [general(3)]),
    ("trace", lambda T, a: T.trace(a), [rand(3, 4)]),
    ("diag-vector", lambda T, x: T.diag(x, 1), [rand(3)]),
    ("diag-matrix", lambda T, a: T.diag(a, -1), [rand(3, 4)]),
    ("diagonal", lambda T, a: T.diagonal(a, 1, 2, 0), [rand(3, 2, 4)]),
    ("linalg.diagonal", lambda T, a: T.linalg.diagonal(a, offset=-1), [rand(2, 3, 4)]),
    ("diag_embed", lambda T, x: T.diag_embed(x, -1, 0, 2), [rand(2, 3)]),
    ("triu", lambda T, a: T.triu(a, 1), [rand(2, 3, 4)]),
    ("tril", lambda T, a: T.tril(a, -1), [rand(4, 3)]),
    ("kron", lambda T, a, b: T.kron(a, b), [rand(2, 3), rand(3, 2)]),
    ("kron-mixed", lambda T, a, b: T.kron(a, b), [rand(2, 1, 2), rand(3)]),
    ("outer", lambda T, a, b: T.outer(a, b), [rand(3), rand(4)]),
    ("inner", lambda T, a, b: T.inner(a, b), [rand(2, 3), rand(4, 3)]),
    ("inner-0d", lambda T, a, b: T.inner(a, b), [np.array(1.5), rand(3)]),
    ("vecdot", lambda T, a, b: T.linalg.vecdot(a, b), [rand(2, 3), rand(3)]),
    ("mm", lambda T, a, b: T.mm(a, b), [rand(2, 3), rand(3, 4)]),
    ("bmm", lambda T, a, b: T.bmm(a, b), [rand(2, 2, 3), rand(2, 3, 4)]),
    ("mv", lambda T, a, b: T.mv(a, b), [rand(2, 3), rand(3)]),
    ("addmm", lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=2.0),
     [rand(4), rand(2, 3), rand(3, 4)]),
    ("addmv", lambda T, c, a, b: T.addmv(c, a, b, alpha=-1.0), [rand(2), rand(2, 3), rand(3)]),
    ("addr", lambda T, c, a, b: T.addr(c, a, b, beta=2.0), [rand(2, 3), rand(2), rand(3)]),
    ("baddbmm", lambda T, c, a, b: T.baddbmm(c, a, b, beta=0.3),
     [rand(2, 2, 4), rand(2, 2, 3), rand(2, 3, 4)]),
    ("addbmm", lambda T, c, a, b: T.addbmm(c, a, b), [rand(2, 4), rand(3, 2, 3), rand(3, 3, 4)]),
    ("cdist", lambda T, a, b: _cdist(T, a, b, 2.0), [rand(2, 3, 4), rand(2, 5, 4)]),
    ("cdist-p1", lambda T, a, b: _cdist(T, a, b, 1.0), [rand(3, 4), rand(5, 4)]),
    ("cdist-pinf", lambda T, a, b: _cdist(T, a, b, float("inf")), [rand(3, 2), rand(2, 2)]),
    ("cdist-p3", lambda T, a, b: _cdist(T, a, b, 3.0), [rand(3, 2), rand(2, 2)]),
    ("tensor-methods", lambda T, a: a.det() + a.inverse().trace() + a.triu(1).sum()
     + a.tril().diagonal().sum() + a.logdet() + a.slogdet()[1] + a.matrix_power(2).diag().sum()
     + a.kron(a).sum() + a.mv(a[0]).sum() + a.addmm(a, a).sum() + a.norm()
     + a.cholesky().sum() + a.dist(2 * a.mT) + a.diag_embed().sum() + a.matrix_exp().sum(),
     [spd(3)]),
]


def _loss(T, outs, weights):
    total = None
    for o, w in zip(outs, weights):
        term = (o * T.as_tensor(w, dtype=o.dtype)).sum()
        total = term if total is None else total + term
    return total


@needs_torch
@pytest.mark.torch
@pytest.mark.parametrize("name, fn, xs", CASES, ids=[c[0] for c in CASES])
def test_value_gradient_and_second_derivative_match_torch(name, fn, xs):
    ours_in = [ag.tensor(x, dtype=ag.float64, requires_grad=True) for x in xs]
    theirs_in = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours, theirs = _as_list(fn(ag, *ours_in)), _as_list(fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape), name
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-9,
                                   atol=1e-10, err_msg=f"{name}: value")
    weights = [RNG.standard_normal(tuple(o.shape)) for o in ours]
    g_ours = ag.autograd.grad(_loss(ag, ours, weights), ours_in, create_graph=True)
    g_theirs = torch.autograd.grad(_loss(torch, theirs, weights), theirs_in, create_graph=True)
    for go, gt in zip(g_ours, g_theirs):
        np.testing.assert_allclose(go.detach().numpy(), gt.detach().numpy(), rtol=1e-8,
                                   atol=1e-9, err_msg=f"{name}: gradient")
    vs = [RNG.standard_normal(x.shape) for x in xs]
    live = [k for k, g in enumerate(g_ours) if g.requires_grad]
    if not live:  # linear in every input: no second derivative
        assert not any(g.requires_grad for g in g_theirs), name
        return
    h_ours = ag.autograd.grad(_loss(ag, [g_ours[k] for k in live], [vs[k] for k in live]),
                              ours_in, allow_unused=True)
    h_theirs = torch.autograd.grad(_loss(torch, [g_theirs[k] for k in live],
                                         [vs[k] for k in live]), theirs_in, allow_unused=True)
    for ho, ht, x in zip(h_ours, h_theirs, xs):
        ho = np.zeros_like(x) if ho is None else ho.numpy()
        ht = np.zeros_like(x) if ht is None else torch.zeros_like(ht).add(ht).numpy()
        np.testing.assert_allclose(ho, ht, rtol=1e-7, atol=1e-8,
                                   err_msg=f"{name}: second derivative")


DRAWN = {
    "inv": (lambda T, a: T.linalg.inv(a), lambda n, b: general(n, batch=b)),
    "det": (lambda T, a: T.linalg.det(a), lambda n, b: general(n, batch=b)),
    "slogdet": (lambda T, a: T.linalg.slogdet(a)[1], lambda n, b: general(n, batch=b)),
    "cholesky": (lambda T, a: T.linalg.cholesky(a), lambda n, b: spd(n, b)),
    "eigh": (lambda T, a: (lambda r: r[0].sum(-1) + (r[1][..., :1] * r[1][..., :1].mT).sum(
        (-2, -1)))(T.linalg.eigh(a)), lambda n, b: sym(n, b)),
    "svd": (lambda T, a: (lambda r: r[1].sum(-1) + (r[0][..., :1] * r[2][..., :1, :]).sum(
        (-2, -1)))(T.linalg.svd(a, full_matrices=False)), lambda n, b: general(n, n + 1, b)),
    "qr": (lambda T, a: (lambda r: (r[0] ** 2).sum((-2, -1)) + (r[1] ** 2).sum((-2, -1)))(
        T.linalg.qr(a)), lambda n, b: general(n + 1, n, b)),
    "pinv": (lambda T, a: T.linalg.pinv(a), lambda n, b: general(n, n + 2, b)),
    "matrix_exp": (lambda T, a: T.linalg.matrix_exp(a), lambda n, b: rand(*b, n, n)),
}


@needs_torch
@pytest.mark.torch
@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(sorted(DRAWN)), n=st.integers(1, 5),
       batch=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
def test_drawn_batches_match_torch_in_value_and_gradient(name, n, batch):
    fn, make = DRAWN[name]
    x = make(n, tuple(batch))
    ours_in = ag.tensor(x, requires_grad=True)
    theirs_in = torch.tensor(x, requires_grad=True)
    ours, theirs = fn(ag, ours_in), fn(torch, theirs_in)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9,
                               atol=1e-10)
    w = RNG.standard_normal(tuple(ours.shape))
    (ours * ag.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-7,
                               atol=1e-9)


@needs_torch
@pytest.mark.torch
def test_lstsq_fields_and_sign_match_torch():
    a, b = general(5, 3), rand(5, 2)
    for driver in ("gelsy", "gelsd", "gelss", "gels"):
        ours = ag.linalg.lstsq(ag.tensor(a), ag.tensor(b), driver=driver)
        theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
        for o, t in zip(ours, theirs):
            assert tuple(o.shape) == tuple(t.shape), driver
            np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-10)


def test_det_gradient_of_a_singular_matrix_is_the_cofactor_matrix():
    """The adjugate's transpose, finite and nonzero for rank n - 1 (PyTorch 2.13 returns zeros
    here, which is not the derivative)."""
    u, s, vh = np.linalg.svd(general(3))
    s[-1] = 0.0
    singular = (u * s) @ vh
    cof = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(singular, i, 0), j, 1))
                     for j in range(3)] for i in range(3)])
    for exact in (singular, np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])):
        if exact is not singular:
            cof = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(exact, i, 0),
                                                                        j, 1))
                             for j in range(3)] for i in range(3)])
        x = ag.tensor(exact, requires_grad=True)
        ag.linalg.det(x).backward()
        np.testing.assert_allclose(x.grad.numpy(), cof, rtol=1e-8, atol=1e-12)
        assert np.abs(cof).max() > 0.1


@needs_torch
@pytest.mark.torch
def test_result_types_match_torch():
    a = general(3, batch=(2,))
    for name in ("slogdet", "eigh", "svd", "qr", "cholesky_ex", "inv_ex", "lstsq"):
        arg = spd(3, batch=(2,)) if name in ("cholesky_ex", "eigh") else a
        extra = (rand(2, 3, 1),) if name == "lstsq" else ()
        ours = getattr(ag.linalg, name)(ag.tensor(arg), *[ag.tensor(e) for e in extra])
        theirs = getattr(torch.linalg, name)(torch.tensor(arg), *[torch.tensor(e)
                                                                 for e in extra])
        for field in ours._fields:
            o, t = getattr(ours, field), getattr(theirs, field)
            assert str(o.dtype) == str(t.dtype).replace("torch.", ""), (name, o.dtype, t.dtype)


@needs_torch
@pytest.mark.torch
def test_float32_stays_float32_and_agrees_with_torch():
    a = spd(3).astype(np.float32)
    for fn in (lambda T, x: T.linalg.inv(x), lambda T, x: T.linalg.cholesky(x),
               lambda T, x: T.linalg.eigvalsh(x), lambda T, x: T.linalg.svdvals(x),
               lambda T, x: T.linalg.matrix_exp(x), lambda T, x: T.linalg.det(x),
               lambda T, x: T.linalg.pinv(x), lambda T, x: T.linalg.qr(x)[1] ** 2):
        x = ag.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        out, ref = fn(ag, x), fn(torch, t)
        assert out.dtype == np.float32
        out.sum().backward()
        ref.sum().backward()
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=2e-5,
                                   atol=2e-5)
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


# -- properties that hold without PyTorch ---------------------------------------------------------
def test_inverse_times_matrix_is_the_identity_and_solve_agrees():
    a = general(4, batch=(3,))
    x = ag.tensor(a)
    eye = np.broadcast_to(np.eye(4), a.shape)
    np.testing.assert_allclose((ag.linalg.inv(x) @ x).numpy(), eye, atol=1e-12)
    b = rand(3, 4, 2)
    np.testing.assert_allclose((x @ ag.linalg.solve(x, ag.tensor(b))).numpy(), b, atol=1e-12)


def test_gradient_of_logdet_is_the_inverse_transpose():
    a = spd(4) + 0.3 * rand(4, 4)  # not symmetric, positive determinant
    assert np.linalg.det(a) > 0
    x = ag.tensor(a, requires_grad=True)
    ag.logdet(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.linalg.inv(a).T, rtol=1e-12, atol=1e-12)
    y = ag.tensor(a, requires_grad=True)
    ag.linalg.det(y).backward()
    np.testing.assert_allclose(y.grad.numpy(), np.linalg.det(a) * np.linalg.inv(a).T,
                               rtol=1e-12, atol=1e-12)


def test_det_gradient_of_a_singular_2x2_is_its_cofactor_matrix():
    x = ag.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    ag.linalg.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


def test_logdet_is_nan_for_a_negative_determinant_and_minus_inf_when_singular():
    assert np.isnan(ag.logdet(ag.tensor([[0.0, 1.0], [1.0, 0.0]])).item())
    assert ag.logdet(ag.tensor([[1.0, 2.0], [2.0, 4.0]])).item() == -np.inf


def test_factorizations_reconstruct_their_input():
    a = general(4, 3, batch=(2,))
    u, s, vh = ag.linalg.svd(ag.tensor(a), full_matrices=False)
    np.testing.assert_allclose((u * s.unsqueeze(-2) @ vh).numpy(), a, atol=1e-12)
    q, r = ag.linalg.qr(ag.tensor(a))
    np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)
    assert np.allclose(np.tril(r.numpy(), -1), 0)
    m = spd(3, batch=(2,))
    low = ag.linalg.cholesky(ag.tensor(m))
    np.testing.assert_allclose((low @ low.mT).numpy(), m, atol=1e-12)
    w, v = ag.linalg.eigh(ag.tensor(m))
    np.testing.assert_allclose((v * w.unsqueeze(-2) @ v.mT).numpy(), m, atol=1e-12)
    p = ag.linalg.pinv(ag.tensor(a)).numpy()
    np.testing.assert_allclose(a @ p @ a, a, atol=1e-12)


def test_matrix_exp_of_a_diagonal_and_of_a_nilpotent_matrix():
    d = np.diag([0.5, -1.0, 20.0])
    np.testing.assert_allclose(ag.linalg.matrix_exp(ag.tensor(d)).numpy(),
                               np.diag(np.exp([0.5, -1.0, 20.0])), rtol=1e-13)
    n = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(ag.linalg.matrix_exp(ag.tensor(n)).numpy(),
                               np.eye(3) + n + n @ n / 2, atol=1e-14)
    rot = np.array([[0.0, -1.0], [1.0, 0.0]]) * 30.0  # norm far above the Pade bound
    c, s = np.cos(30.0), np.sin(30.0)
    np.testing.assert_allclose(ag.linalg.matrix_exp(ag.tensor(rot)).numpy(),
                               [[c, -s], [s, c]], atol=1e-12)


def test_repeated_eigenvalues_and_singular_values():
    """Values alone: finite and exact (V diag(g) V^T, U diag(g) Vh). Vectors: inf/NaN with a
    RuntimeWarning, as PyTorch's inf/NaN, never a silently wrong finite number."""
    x = ag.tensor(np.diag([1.0, 1.0, 2.0]), requires_grad=True)
    ag.linalg.eigvalsh(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.eye(3), atol=1e-12)
    y = ag.tensor(np.eye(3), requires_grad=True)
    ag.linalg.svdvals(y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), np.eye(3), atol=1e-12)
    z = ag.tensor(np.diag([1.0, 1.0, 2.0]), requires_grad=True)
    with pytest.warns(RuntimeWarning, match="repeated eigenvalues"):
        ag.linalg.eigh(z).eigenvectors[:, 0].sum().backward()
    assert not np.all(np.isfinite(z.grad.numpy()))
    w = ag.tensor(np.eye(2), requires_grad=True)
    with pytest.warns(RuntimeWarning, match="repeated singular values"):
        ag.linalg.svd(w).U[0, 0].backward()
    assert not np.all(np.isfinite(w.grad.numpy()))


def _central(f, a, d, eps=1e-6):
    return (f(a + eps * d) - f(a - eps * d)) / (2 * eps)


def test_vectors_that_stay_unique_beside_a_repeated_value_have_finite_exact_gradients():
    """eigenvalues 1, 1, 3: the third eigenvector is unique, and a loss of it alone has a
    finite derivative (PyTorch gives NaN: 0/0 for the pair it does not use)."""
    c = np.array([0.3, -0.5, 0.8])
    a = np.diag([1.0, 1.0, 3.0])
    q = _orth(3)
    a = q @ a @ q.T
    a = (a + a.T) / 2

    def eig_loss(m):
        return float(np.dot(np.linalg.eigh(m)[1][:, 2], c) ** 2)

    def svd_loss(m):
        return float(np.dot(np.linalg.svd(m)[0][:, 0], c) ** 2)

    for fn, ours in ((eig_loss, lambda x: (ag.linalg.eigh(x).eigenvectors[:, 2]
                                           @ ag.tensor(c)) ** 2),
                     (svd_loss, lambda x: (ag.linalg.svd(x).U[:, 0] @ ag.tensor(c)) ** 2)):
        x = ag.tensor(a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning: nothing is undefined here
            ours(x).backward()
        d = rand(3, 3)
        d = d + d.T
        assert np.all(np.isfinite(x.grad.numpy()))
        np.testing.assert_allclose(np.sum(x.grad.numpy() * d), _central(fn, a, d), rtol=1e-6)


def test_cholesky_solve_and_triangular_solves():
    m = spd(4)
    low = np.linalg.cholesky(m)
    b = rand(4, 2)
    x = ag.cholesky_solve(ag.tensor(b), ag.tensor(low))
    np.testing.assert_allclose(m @ x.numpy(), b, atol=1e-12)
    t = tri(4, upper=True)
    y = ag.linalg.solve_triangular(ag.tensor(t), ag.tensor(b), upper=True)
    np.testing.assert_allclose(np.triu(t) @ y.numpy(), b, atol=1e-12)
    g = ag.tensor(t, requires_grad=True)
    ag.linalg.solve_triangular(g, ag.tensor(b), upper=True).sum().backward()
    assert np.all(np.tril(g.grad.numpy(), -1) == 0)  # the ignored triangle gets no gradient


def test_small_helpers():
    assert ag.triu_indices(3, 4, 1).tolist() == [[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3]]
    assert ag.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    np.testing.assert_allclose(ag.inner(ag.tensor(2.0), ag.tensor([1.0, 2.0])).numpy(),
                               [2.0, 4.0])
    c = ag.addmm(ag.tensor([np.nan, np.inf]), ag.eye(2), ag.ones(2, 2), beta=0)
    assert c.tolist() == [[1.0, 1.0], [1.0, 1.0]]  # beta=0 ignores NaN and inf in input
    x = ag.tensor(rand(3, 3))
    assert np.array_equal(x.clone().triu_(1).numpy(), np.triu(x.numpy(), 1))
    assert np.array_equal(x.clone().tril_().numpy(), np.tril(x.numpy()))
    assert ag.linalg.matrix_power(x, 0).tolist() == np.eye(3).tolist()
    cross = ag.linalg.cross(ag.tensor([1.0, 0.0, 0.0]), ag.tensor([0.0, 1.0, 0.0]))
    assert cross.tolist() == [0.0, 0.0, 1.0]
    with pytest.warns(UserWarning, match="without specifying the dim"):
        ag.cross(ag.ones(3, 3), ag.ones(3, 3))
    np.testing.assert_allclose(ag.cdist(ag.tensor([[0.0, 0.0]]), ag.tensor([[3.0, 4.0]])).numpy(),
                               [[5.0]])
    u, s, v = ag.svd(ag.tensor(general(3, 2)), compute_uv=False)
    assert u.shape == (3, 3) and v.shape == (2, 2) and not u.numpy().any()


@needs_torch
@pytest.mark.torch
def test_matrix_rank_and_cond_in_every_norm_match_torch():
    a = rand(3, 4, 4)
    a[1, :, 0] = a[1, :, 1]
    a[2] = np.outer(rand(4), rand(4))
    for kw in ({}, {"atol": 0.5, "rtol": 0.1}, {"atol": 0.2}, {"hermitian": True}):
        arg = a + np.swapaxes(a, -1, -2) if kw.get("hermitian") else a
        ours = ag.linalg.matrix_rank(ag.tensor(arg), **kw)
        assert ours.tolist() == torch.linalg.matrix_rank(torch.tensor(arg), **kw).tolist()
        assert ours.dtype == np.int64
    b = general(3)
    for p in (1, -1, "fro", "nuc", float("inf"), -float("inf")):  # torch's backward fails here
        x = ag.tensor(b, requires_grad=True)
        np.testing.assert_allclose(ag.linalg.cond(x, p).item(),
                                   torch.linalg.cond(torch.tensor(b), p).item(), rtol=1e-12)
        ag.linalg.cond(x, p).backward()
        assert np.all(np.isfinite(x.grad.numpy()))


METHODS = ["det", "inverse", "logdet", "slogdet", "triu", "tril", "triu_", "tril_", "diagonal",
           "trace", "diag", "diag_embed", "cholesky", "cholesky_solve", "cholesky_inverse", "mm",
           "bmm", "mv", "addmm", "addmv", "addr", "baddbmm", "addbmm", "kron", "cross", "dist",
           "norm", "matrix_power", "matrix_exp", "pinverse", "qr", "svd", "outer", "inner",
           "adjoint"]


def test_tensor_methods_are_the_functions():
    a = ag.tensor(spd(3))
    for name in METHODS:
        assert hasattr(a, name), name
    np.testing.assert_allclose(a.inverse().numpy(), ag.linalg.inv(a).numpy())
    np.testing.assert_allclose(a.cholesky_solve(a.cholesky()).numpy(),
                               ag.cholesky_solve(a, ag.linalg.cholesky(a)).numpy())
    assert a.mH.tolist() == a.mT.tolist() == a.H.tolist() == a.adjoint().tolist()
    assert a.svd().V.shape == (3, 3) and a.qr().R.shape == (3, 3)


def test_cdist_gradient_at_zero_distance_is_zero():
    a = ag.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True)
    ag.cdist(a, ag.tensor([[1.0, 2.0]])).sum().backward()
    assert np.all(np.isfinite(a.grad.numpy()))
    assert a.grad.numpy()[0].tolist() == [0.0, 0.0]


def test_ex_variants_report_info_instead_of_raising():
    singular = ag.tensor([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 1.0]]])
    inverse, info = ag.linalg.inv_ex(singular)
    assert info.tolist() == [2, 0] and info.dtype == np.int32
    np.testing.assert_allclose(inverse.numpy()[1], [[0.5, 0.0], [0.0, 1.0]])
    result, info = ag.linalg.solve_ex(singular, ag.ones(2, 2))
    assert info.tolist() == [2, 0]
    assert np.isinf(result.numpy()[0]).all() and np.isfinite(result.numpy()[1]).all()
    x = ag.tensor(singular.numpy(), requires_grad=True)  # the invertible one keeps its gradient
    ag.linalg.inv_ex(x).inverse[1].sum().backward()
    m = singular.numpy()[1]
    np.testing.assert_allclose(x.grad.numpy()[1], -(np.linalg.inv(m).T @ np.ones((2, 2))
                                                      @ np.linalg.inv(m).T))
    assert not x.grad.numpy()[0].any()
    low, info = ag.linalg.cholesky_ex(ag.tensor([[1.0, 2.0], [2.0, 1.0]]))
    assert info.item() == 2 and info.dtype == np.int32
    assert low.numpy()[0, 0] == 1.0
    ok, info = ag.linalg.cholesky_ex(ag.tensor(spd(3)))
    assert info.item() == 0
    with pytest.raises(ag.linalg.LinAlgError):
        ag.linalg.cholesky_ex(ag.tensor([[1.0, 2.0], [2.0, 1.0]]), check_errors=True)


# -- errors ---------------------------------------------------------------------------------------
ERRORS = [
    (lambda: ag.linalg.inv(ag.tensor([[1.0, 2.0], [2.0, 4.0]])), ag.linalg.LinAlgError,
     "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because "
     "the input matrix is singular."),
    (lambda: ag.linalg.inv(ag.tensor([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]])),
     ag.linalg.LinAlgError, "linalg.inv: (Batch element 1): The diagonal element 2 is zero"),
    (lambda: ag.linalg.cholesky(ag.tensor([[1.0, 2.0], [2.0, 1.0]])), ag.linalg.LinAlgError,
     "linalg.cholesky: The factorization could not be completed because the input is not "
     "positive-definite (the leading minor of order 2 is not positive-definite)."),
    (lambda: ag.linalg.cholesky(ag.tensor([[[4.0, 0.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, 1.0]]])),
     ag.linalg.LinAlgError, "(Batch element 1): The factorization could not be completed "
     "because the input is not positive-definite (the leading minor of order 1"),
    (lambda: ag.linalg.cholesky(ag.tensor([[1.0, np.nan], [np.nan, 1.0]])),
     ag.linalg.LinAlgError, "the leading minor of order 2"),
    (lambda: ag.linalg.solve(ag.zeros(2, 2), ag.ones(2)), RuntimeError,
     "torch.linalg.solve: The solver failed because the input matrix is singular."),
    (lambda: ag.linalg.solve(ag.eye(2), ag.ones(3)), RuntimeError,
     "linalg.solve: Incompatible shapes of A and B for the equation AX = B (2x2 and 3x1)"),
    (lambda: ag.linalg.solve(ag.eye(2, dtype=ag.float64), ag.ones(2)), RuntimeError,
     "Expected A and B to have the same dtype"),
    (lambda: ag.linalg.inv(ag.ones(2, 3)), RuntimeError,
     "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices"),
    (lambda: ag.linalg.inv(ag.ones(3)), RuntimeError,
     "linalg.inv: The input tensor A must have at least 2 dimensions."),
    (lambda: ag.linalg.det(ag.tensor([[1, 2], [3, 4]])), RuntimeError,
     "linalg.det: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: ag.linalg.eigh(ag.ones(2, 3)), RuntimeError,
     "linalg.eigh: A must be batches of square matrices"),
    (lambda: ag.linalg.eigh(ag.eye(2), UPLO="X"), RuntimeError, "UPLO"),
    (lambda: ag.linalg.qr(ag.ones(2, 2), mode="full"), RuntimeError, "unrecognized mode"),
    (lambda: ag.linalg.solve_triangular(ag.zeros(2, 2), ag.ones(2, 1), upper=True),
     ag.linalg.LinAlgError, "linalg.solve_triangular: the diagonal element 1"),
    (lambda: ag.mm(ag.ones(2, 2, 2), ag.ones(2, 2)), RuntimeError, "mm: self must be a matrix"),
    (lambda: ag.mm(ag.ones(2, 3), ag.ones(2, 2)), RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x2)"),
    (lambda: ag.bmm(ag.ones(2, 2), ag.ones(2, 2)), RuntimeError, "batch1 must be a 3D tensor"),
    (lambda: ag.bmm(ag.ones(2, 2, 2), ag.ones(3, 2, 2)), RuntimeError, "bmm: expected batch2"),
    (lambda: ag.mv(ag.ones(2, 3), ag.ones(2)), RuntimeError, "mv: size mismatch"),
    (lambda: ag.linalg.cross(ag.ones(3, 2), ag.ones(3, 2)), RuntimeError,
     "linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2"),
    (lambda: ag.linalg.multi_dot([ag.ones(2)]), RuntimeError,
     "multi_dot(): expected at least 2 tensors but got 1"),
    (lambda: ag.linalg.multi_dot([ag.ones(2, 3), ag.ones(2, 2)]), RuntimeError,
     "cannot be multiplied"),
    (lambda: ag.linalg.matrix_power(ag.ones(2, 3), 2), RuntimeError,
     "linalg.matrix_power: A must be batches of square matrices"),
    (lambda: ag.trace(ag.ones(2, 2, 2)), RuntimeError,
     "trace: expected a matrix, but got tensor with dim 3"),
    (lambda: ag.diag(ag.ones(2, 2, 2)), RuntimeError, "diag(): Supports 1D or 2D tensors. Got 3D"),
    (lambda: ag.linalg.matrix_norm(ag.ones(3)), RuntimeError,
     "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."),
    (lambda: ag.linalg.matrix_norm(ag.ones(3, 3), 3), RuntimeError, "Order 3 not supported"),
    (lambda: ag.linalg.vector_norm(ag.tensor([1, 2])), RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    (lambda: ag.linalg.norm(ag.ones(2, 2, 2), "fro"), RuntimeError,
     "If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
    (lambda: ag.cdist(ag.ones(2, 3), ag.ones(4, 2)), RuntimeError,
     "X1 and X2 must have the same number of columns. X1: 3 X2: 2"),
    (lambda: ag.linalg.svd(ag.ones(2, 2), driver="gesvd"), RuntimeError, "driver"),
    (lambda: ag.linalg.lstsq(ag.ones(3, 2), ag.ones(2, 1)), RuntimeError,
     "input.size(-2) should match other.size(-2)"),
]


@pytest.mark.parametrize("call, kind, message", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors_name_the_function_and_the_fault(call, kind, message):
    with pytest.raises(kind) as info:
        call()
    assert message in str(info.value)


def test_undifferentiable_qr_modes_raise_in_backward():
    x = ag.tensor(general(3, 2), requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        ag.linalg.qr(x, mode="r").R.sum().backward()
    y = ag.tensor(general(3, 2), requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        ag.linalg.qr(y, mode="complete").Q.sum().backward()


# -- gradcheck and gradgradcheck on every new op ---------------------------------------------------
W33, W43, W4 = rand(3, 3), rand(4, 3), np.array([1.0, 2.0, 3.0, 4.0])


def _eigh_loss(a):
    w, v = ag.linalg.eigh((a + a.mT) / 2)
    return w.sum() + (v ** 2 * ag.tensor(W33)).sum()


def _svd_loss(a):
    u, s, vh = ag.linalg.svd(a, full_matrices=False)
    return s.sum() + (u ** 2).sum(-1) @ ag.tensor(W4) + (vh ** 2 * ag.tensor(W33)).sum()


def _qr_loss(a):
    q, r = ag.linalg.qr(a)
    return (q ** 2 * ag.tensor(W43)).sum() + r.sum()


GRADCHECKS = [
    ("inv", lambda a: ag.linalg.inv(a), [general(3)]),
    ("det", lambda a: ag.linalg.det(a), [general(3, batch=(2,))]),
    ("slogdet", lambda a: ag.linalg.slogdet(a).logabsdet, [general(3)]),
    ("solve", lambda a, b: ag.linalg.solve(a, b), [general(3), rand(3, 2)]),
    ("cholesky", lambda a: ag.linalg.cholesky((a + a.mT) / 2), [spd(3)]),
    ("eigh", _eigh_loss, [sym(3)]),
    ("svd", _svd_loss, [general(4, 3)]),
    ("qr", _qr_loss, [general(4, 3)]),
    ("solve_triangular", lambda a, b: ag.linalg.solve_triangular(a, b, upper=False),
     [tri(3), rand(3, 2)]),
    ("matrix_exp", lambda a: ag.linalg.matrix_exp(a), [rand(3, 3)]),
    ("pinv", lambda a: ag.linalg.pinv(a), [general(3, 2)]),
    ("tril-triu", lambda a: ag.tril(a, 1) * 2 + ag.triu(a, -1), [rand(3, 4)]),
    ("diagonal-diag_embed", lambda a: ag.diag_embed(ag.diagonal(a, 1), -1) * 3,
     [rand(3, 4)]),
    ("cholesky_solve", lambda b, low: ag.cholesky_solve(b, ag.tril(low)),
     [rand(3, 2), np.linalg.cholesky(spd(3))]),
]


@pytest.mark.parametrize("name, fn, xs", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck_and_gradgradcheck(name, fn, xs):
    ts = [ag.tensor(x, dtype=ag.float64, requires_grad=True) for x in xs]
    assert ag.gradcheck(fn, ts)
    assert ag.gradgradcheck(fn, ts)
