"""Matrix products. Batch dimensions broadcast as in NumPy; the engine sums them back."""

from __future__ import annotations

import numpy as np

from .registry import Spec, defop


def _mT(F, x):
    n = x.ndim
    return F.transpose(x, axes=tuple(range(n - 2)) + (n - 1, n - 2))


def _col(F, g):
    return F.reshape(g, shape=tuple(g.shape) + (1,))


def _matmul_vjp_a(F, g, out, a, b):
    if b.ndim == 1:
        return g * b if a.ndim == 1 else _col(F, g) * b
    if a.ndim == 1:  # a (k,) @ b (..., k, n): sum over batch of b @ g
        return F.reshape(F.matmul(b, _col(F, g)), shape=tuple(g.shape[:-1]) + (b.shape[-2],))
    return F.matmul(g, _mT(F, b))


def _matmul_vjp_b(F, g, out, a, b):
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        row = F.reshape(g, shape=tuple(g.shape[:-1]) + (1, g.shape[-1]))
        return F.reshape(a, shape=(a.shape[0], 1)) * row
    if b.ndim == 1:  # a (..., m, k) @ b (k,)
        return F.reshape(F.matmul(_mT(F, a), _col(F, g)), shape=tuple(g.shape[:-1]) + (b.shape[0],))
    return F.matmul(_mT(F, a), g)


def _linear(x, weight, bias=None):
    out = x @ weight.T
    if bias is not None:
        out += bias
    return out


def _linear_vjp_w(F, g, out, x, weight, bias=None):
    g2 = F.reshape(g, shape=(-1, g.shape[-1])) if g.ndim != 2 else g
    x2 = F.reshape(x, shape=(-1, x.shape[-1])) if x.ndim != 2 else x
    return F.matmul(F.transpose(g2, axes=(1, 0)), x2)


def _tensordot(a, b, axes):
    return np.tensordot(a, b, axes=axes)


def _tensordot_parts(a_ndim, b_ndim, axes):
    ia = [d % a_ndim for d in axes[0]]  # axes may be negative, as in np.tensordot
    ib = [d % b_ndim for d in axes[1]]
    a_free = [d for d in range(a_ndim) if d not in ia]
    b_free = [d for d in range(b_ndim) if d not in ib]
    return ia, ib, a_free, b_free


def _tensordot_vjp_a(F, g, out, a, b, axes):
    ia, ib, a_free, b_free = _tensordot_parts(a.ndim, b.ndim, axes)
    nfa = len(a_free)
    g_bfree = list(range(nfa, nfa + len(b_free)))
    r = F.tensordot(g, b, axes=(g_bfree, b_free))
    order = a_free + [ia[j] for j in np.argsort(ib)]  # a-axis held by each axis of r
    return F.transpose(r, axes=tuple(np.argsort(order).tolist()))


def _tensordot_vjp_b(F, g, out, a, b, axes):
    ia, ib, a_free, b_free = _tensordot_parts(a.ndim, b.ndim, axes)
    r = F.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    order = [ib[j] for j in np.argsort(ia)] + b_free
    return F.transpose(r, axes=tuple(np.argsort(order).tolist()))


# --- einsum ------------------------------------------------------------------------------------
def parse_einsum(subscripts: str, shapes: list) -> tuple[list[str], str]:
    """Explicit form: ellipses spelled out with spare letters, output always given."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
    else:
        ins, out = s, None
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: subscripts {subscripts!r} name {len(terms)} operands, got {len(shapes)}"
        )
    used = set(c for c in s if c.isalpha())
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    nell = max((len(sh) - (len(t) - 3) for t, sh in zip(terms, shapes) if "..." in t), default=0)
    ell = "".join(spare[:nell])
    full = []
    for t, sh in zip(terms, shapes):
        if "..." in t:
            k = len(sh) - (len(t) - 3)
            t = t.replace("...", ell[nell - k:] if k else "")
        if len(t) != len(sh):
            raise ValueError(
                f"einsum: term {t!r} has {len(t)} letters but its operand has shape {tuple(sh)}"
            )
        full.append(t)
    if out is None:
        counts: dict[str, int] = {}
        for t in full:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return full, out


def _einsum(*operands, subscripts):
    return np.einsum(subscripts, *operands, optimize=len(operands) > 1)


def _einsum_vjp(i, F, g, out, xs, subscripts):
    terms, out_sub = parse_einsum(subscripts, [x.shape for x in xs])
    target = terms[i]
    x = xs[i]
    spare = iter(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 if c not in subscripts and c not in out_sub and all(c not in t for t in terms))
    # a letter repeated inside the term (a diagonal): rename each repeat, tie it with an eye
    seen: dict[str, int] = {}
    renamed = []
    eyes = []
    for pos, c in enumerate(target):
        if c in seen:
            fresh = next(spare)
            renamed.append(fresh)
            eyes.append((c + fresh, np.eye(x.shape[pos], dtype=x.dtype)))
        else:
            seen[c] = pos
            renamed.append(c)
    available = set(out_sub).union(*[set(t) for j, t in enumerate(terms) if j != i])
    available |= {e[0][1] for e in eyes} | {e[0][0] for e in eyes}
    keep = [c for c in renamed if c in available]
    others = [terms[j] for j in range(len(xs)) if j != i] + [e[0] for e in eyes]
    operands = [xs[j] for j in range(len(xs)) if j != i] + [e[1] for e in eyes]
    spec = ",".join([out_sub] + others) + "->" + "".join(keep)
    r = F.einsum(g, *operands, subscripts=spec)
    if len(keep) != len(renamed):  # letters summed only within this operand: broadcast back
        shape = tuple(x.shape[p] if c in available else 1 for p, c in enumerate(renamed))
        r = F.broadcast_to(F.reshape(r, shape=shape), shape=x.shape)
    return r


defop("matmul", np.matmul, _matmul_vjp_a, _matmul_vjp_b, spec=Spec("matmul", nin=2))
defop("linear", _linear,
      lambda F, g, out, x, weight, bias=None: F.matmul(g, weight),
      _linear_vjp_w,
      lambda F, g, out, x, weight, bias=None: g,
      spec=Spec("linear", nin=3))
defop("tensordot", _tensordot, _tensordot_vjp_a, _tensordot_vjp_b,
      spec=Spec("tensordot", nin=2))
defop("einsum", _einsum, variadic=_einsum_vjp, spec=Spec("einsum", nin=2))


# --- factorizations, inverses and solves -------------------------------------------------------
# Each rule follows Giles 2008, "Collected matrix derivative results for forward and reverse mode
# algorithmic differentiation" (inv, det, solve, eigh, svd, qr), and Murray 2016 / Seeger et al.
# for the Cholesky factor, written as PyTorch states them, so the gradients are PyTorch's.
# Ops with several results (slogdet, eigh, svd, qr) return them packed in one array; the public
# function unpacks them with getitem, whose adjoint gives the rule one cotangent of the packed
# shape. A cotangent block that is exactly zero is a result the loss does not use: the rule then
# takes PyTorch's path for an undefined gradient (eigvalsh, svdvals), which stays finite where
# eigenvalues or singular values repeat.


class LinAlgError(RuntimeError):
    """A matrix the factorization cannot handle (torch.linalg.LinAlgError)."""


def _sym(x):
    """The symmetric matrix that eigh and cholesky see: exact for a symmetric input."""
    return (x + np.swapaxes(x, -1, -2)) * 0.5


def _batch_prefix(a, index):
    if a.ndim <= 2:
        return ""
    return f"(Batch element {int(np.ravel_multi_index(index, a.shape[:-2]))}): "


def _first_zero_pivot(m):
    """1-based column of LU (partial pivoting) whose pivot is exactly zero, or None."""
    u = np.array(m, dtype=np.float64)
    n = u.shape[-1]
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0 or not np.isfinite(u[p, j]):
            return j + 1
        u[[j, p]] = u[[p, j]]
        u[j + 1:, j:] -= np.outer(u[j + 1:, j] / u[j, j], u[j, j:])
    return None


def _singular_error(name, a):
    """PyTorch's message for a singular matrix: the batch element and the zero pivot."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for b in range(flat.shape[0]):
        k = _first_zero_pivot(flat[b])
        if k is not None:
            where = _batch_prefix(a, np.unravel_index(b, a.shape[:-2]) if a.ndim > 2 else ())
            if name == "linalg.inv":
                return LinAlgError(f"{name}: {where}The diagonal element {k} is zero, the "
                                   "inversion could not be completed because the input matrix "
                                   "is singular.")
            return LinAlgError(f"torch.{name}: {where}The solver failed because the input "
                               "matrix is singular.")
    return LinAlgError(f"{name}: the input matrix is singular")


def _inv(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular_error("linalg.inv", a) from None


def _solve(a, b):
    """A X = B for B of shape (..., n, k); batch dimensions broadcast."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise _singular_error("linalg.solve", a) from None


def _inv_vjp(F, g, out, a):
    t = _mT(F, out)
    return -F.matmul(t, F.matmul(g, t))


def _solve_vjp_b(F, g, out, a, b):
    return F.solve(_mT(F, a), g)


def _solve_vjp_a(F, g, out, a, b):
    return -F.matmul(F.solve(_mT(F, a), g), _mT(F, out))


def _det(a):
    return np.linalg.det(a)


def _unsqueeze2(F, x):
    return F.reshape(x, shape=tuple(x.shape) + (1, 1))


def _det_vjp(F, g, out, a):
    """g det(A) A^-T; where some det is exactly 0, the cofactor matrix through the SVD
    (A = U S Vh: cof(A) = det(U) det(Vh) U diag(prod_{j != i} s_j) Vh), which is finite."""
    if a.shape[-1] == 0:
        return a * 0
    if np.all(np.asarray(out) != 0):
        return _unsqueeze2(F, g * out) * _mT(F, F.inv(a))
    n = a.shape[-1]
    k = n
    packed = F.svd(a, full_matrices=False)
    u, s, vh = _svd_unpack(F, packed, a.shape, False)
    eye = np.eye(n, dtype=a.dtype)
    others = F.prod(F.reshape(s, shape=tuple(s.shape[:-1]) + (1, k)) * (1 - eye) + eye,
                    axis=-1, keepdims=False)  # prod_{j != i} s_j
    ua, _, vha = np.linalg.svd(np.asarray(a))
    sign = (np.linalg.det(ua) * np.linalg.det(vha)).astype(a.dtype)
    cof = F.matmul(u * F.reshape(others, shape=tuple(s.shape[:-1]) + (1, k)), vh)
    return _unsqueeze2(F, g * sign) * cof


def _slogdet(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.stack([sign, logabs], axis=-1).astype(a.dtype, copy=False)


def _slogdet_vjp(F, g, out, a):
    gl = F.getitem(g, index=(Ellipsis, 1))
    return _unsqueeze2(F, gl) * _mT(F, F.inv(a))


# --- triangles and diagonals -------------------------------------------------------------------
def _tril(x, k=0):
    return np.tril(x, k)


def _triu(x, k=0):
    return np.triu(x, k)


def _diagonal(x, offset=0, axis1=-2, axis2=-1):
    return np.diagonal(x, offset, axis1, axis2).copy()


def _diag_embed(x, offset=0, axis1=-2, axis2=-1, size=None):
    """x's last axis laid on a diagonal of two new axes (axis1, axis2 of the result)."""
    n = x.shape[-1]
    ndim = x.ndim + 1
    d1, d2 = axis1 % ndim, axis2 % ndim
    if size is None:
        size = (n + abs(offset), n + abs(offset))
    out = np.zeros(x.shape[:-1] + tuple(size), dtype=x.dtype)
    k = np.arange(n)
    out[..., k + max(-offset, 0), k + max(offset, 0)] = x
    return np.moveaxis(out, (-2, -1), (d1, d2))


def _diagonal_vjp(F, g, out, x, offset=0, axis1=-2, axis2=-1):
    return F.diag_embed(g, offset=offset, axis1=axis1 % x.ndim, axis2=axis2 % x.ndim,
                        size=(x.shape[axis1], x.shape[axis2]))


def _diag_embed_vjp(F, g, out, x, offset=0, axis1=-2, axis2=-1, size=None):
    return F.diagonal(g, offset=offset, axis1=axis1, axis2=axis2)


# --- Cholesky and triangular solves ------------------------------------------------------------
def _not_pd_error(name, a):
    flat = a.reshape((-1,) + a.shape[-2:])
    n = a.shape[-1]
    for b in range(flat.shape[0]):
        m = flat[b]
        lo, hi = 1, n  # the smallest order whose leading minor fails, by bisection
        if _chol_ok(m[:n, :n]):
            continue
        while lo < hi:
            mid = (lo + hi) // 2
            if _chol_ok(m[:mid, :mid]):
                lo = mid + 1
            else:
                hi = mid
        where = _batch_prefix(a, np.unravel_index(b, a.shape[:-2]) if a.ndim > 2 else ())
        return LinAlgError(f"{name}: {where}The factorization could not be completed because "
                           f"the input is not positive-definite (the leading minor of order "
                           f"{lo} is not positive-definite).")
    return LinAlgError(f"{name}: the input is not positive-definite")


def _chol_ok(m):
    try:
        return bool(np.all(np.isfinite(np.linalg.cholesky(m))))
    except np.linalg.LinAlgError:
        return False


def _cholesky(a, upper=False):
    try:
        low = np.linalg.cholesky(_sym(a))
    except np.linalg.LinAlgError:
        raise _not_pd_error("linalg.cholesky", _sym(a)) from None
    if low.size and not np.all(np.isfinite(np.diagonal(low, 0, -2, -1))):
        raise _not_pd_error("linalg.cholesky", _sym(a))
    return np.swapaxes(low, -1, -2).copy() if upper else low


def _cholesky_vjp(F, g, out, a, upper=False):
    """gA = L^-T Phi(L^T gL) L^-1, Phi: the lower triangle made symmetric with half the
    diagonal; symmetric, as PyTorch gives it."""
    low = _mT(F, out) if upper else out
    gl = _mT(F, g) if upper else g
    t = F.tril(F.matmul(_mT(F, low), gl), k=0)
    p = (t + _mT(F, F.tril(t, k=-1))) * 0.5
    x = F.solve_triangular(_mT(F, low), p, upper=True, left=True, unitriangular=False)
    return F.solve_triangular(low, x, upper=False, left=False, unitriangular=False)


def _triangle(a, upper, unitriangular):
    t = np.triu(a) if upper else np.tril(a)
    if unitriangular:
        n = a.shape[-1]
        t = t.copy()
        t[..., np.arange(n), np.arange(n)] = 1
    return t


def _solve_triangular(a, b, upper, left=True, unitriangular=False):
    """Only A's triangle is read. A zero on its diagonal raises (PyTorch returns inf/NaN)."""
    t = _triangle(a, upper, unitriangular)
    bad = np.argwhere(np.diagonal(t, 0, -2, -1) == 0) if not unitriangular else ()
    if len(bad):
        at = bad[0]
        where = ""
        if t.ndim > 2:
            where = f"(Batch element {int(np.ravel_multi_index(tuple(at[:-1]), t.shape[:-2]))}): "
        raise LinAlgError(f"linalg.solve_triangular: {where}the diagonal element "
                          f"{int(at[-1]) + 1} of the triangular matrix is zero, so the system "
                          "has no unique solution")
    if left:
        return np.linalg.solve(t, b)
    return np.swapaxes(np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _solve_triangular_vjp_b(F, g, out, a, b, upper, left=True, unitriangular=False):
    return F.solve_triangular(_mT(F, a), g, upper=not upper, left=left,
                              unitriangular=unitriangular)


def _solve_triangular_vjp_a(F, g, out, a, b, upper, left=True, unitriangular=False):
    gb = F.solve_triangular(_mT(F, a), g, upper=not upper, left=left,
                            unitriangular=unitriangular)
    ga = -F.matmul(gb, _mT(F, out)) if left else -F.matmul(_mT(F, out), gb)
    k = (1 if upper else -1) if unitriangular else 0
    return F.triu(ga, k=k) if upper else F.tril(ga, k=k)


# --- eigh, svd, qr -------------------------------------------------------------------------------
def _all_zero(x):
    return not np.any(np.asarray(x))


def _unused(x, axis):
    """Per vector (column for axis=-2, row for axis=-1): its cotangent is exactly zero."""
    return ~np.any(np.asarray(x) != 0, axis=axis)


def _safe_denominator(name, what, den, unused):
    """den where it is not zero. Where it is (two equal values, or a zero singular value), the
    vectors involved are not unique: if the loss uses none of them (`unused`, exactly zero
    cotangents) the term is 0, which is exact; otherwise it is inf/NaN, as PyTorch gives it,
    with a RuntimeWarning."""
    import warnings

    d = np.asarray(den)
    zero = d == 0
    if not zero.any():
        return den
    if np.any(zero & ~unused):
        warnings.warn(f"{name}: the input has {what} and the loss depends on the singular "
                      f"vectors or eigenvectors that are not unique there; the gradient is "
                      f"inf/NaN, as in PyTorch", RuntimeWarning, stacklevel=3)
    return den + (zero & unused).astype(d.dtype)


def _pairs(unused):
    """Both vectors of the pair (i, j) unused."""
    return unused[..., :, None] & unused[..., None, :]


def _eigh(a):
    w, v = np.linalg.eigh(_sym(a))
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_vjp(F, g, out, a):
    n = a.shape[-1]
    w = F.getitem(out, index=(Ellipsis, 0, slice(None)))
    v = F.getitem(out, index=(Ellipsis, slice(1, None), slice(None)))
    gw = F.getitem(g, index=(Ellipsis, 0, slice(None)))
    gv = F.getitem(g, index=(Ellipsis, slice(1, None), slice(None)))
    row = tuple(w.shape[:-1]) + (1, n)
    if _all_zero(gv):  # eigenvalues only (eigvalsh): V diag(gw) V^T
        return F.matmul(v * F.reshape(gw, shape=row), _mT(F, v))
    e = F.matmul(_mT(F, v), gv)
    e = (e - _mT(F, e)) * 0.5
    gaps = F.reshape(w, shape=row) - F.reshape(w, shape=tuple(w.shape[:-1]) + (n, 1))
    eye = np.eye(n, dtype=a.dtype)
    den = _safe_denominator("linalg.eigh", "repeated eigenvalues", gaps + eye,
                            _pairs(_unused(gv, -2)))
    with np.errstate(divide="ignore", invalid="ignore"):  # warned about, if it happens
        inner = e / den + F.diag_embed(gw, offset=0, axis1=-2, axis2=-1, size=(n, n))
        return F.matmul(v, F.matmul(inner, _mT(F, v)))


def _svd_sizes(shape, full_matrices):
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    return m, n, k, ku, kv


def _svd(a, full_matrices=False):
    m, n, k, ku, kv = _svd_sizes(a.shape, full_matrices)
    batch = a.shape[:-2]
    if a.size == 0:
        u = np.broadcast_to(np.eye(m, ku, dtype=a.dtype), batch + (m, ku))
        vh = np.broadcast_to(np.eye(kv, n, dtype=a.dtype), batch + (kv, n))
        s = np.zeros(batch + (k,), dtype=a.dtype)
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return np.concatenate([u.reshape(batch + (-1,)), s, vh.reshape(batch + (-1,))], axis=-1)


def _svd_unpack(F, packed, shape, full_matrices):
    m, n, k, ku, kv = _svd_sizes(shape, full_matrices)
    batch = tuple(shape[:-2])
    u = F.reshape(F.getitem(packed, index=(Ellipsis, slice(0, m * ku))), shape=batch + (m, ku))
    s = F.getitem(packed, index=(Ellipsis, slice(m * ku, m * ku + k)))
    vh = F.reshape(F.getitem(packed, index=(Ellipsis, slice(m * ku + k, None))),
                   shape=batch + (kv, n))
    return u, s, vh


def _svd_vjp(F, g, out, a, full_matrices=False):
    m, n, k, ku, kv = _svd_sizes(a.shape, full_matrices)
    u, s, vh = _svd_unpack(F, out, a.shape, full_matrices)
    gu, gs, gvh = _svd_unpack(F, g, a.shape, full_matrices)
    if full_matrices:  # PyTorch: the columns beyond min(m, n) carry no gradient
        u = F.getitem(u, index=(Ellipsis, slice(None), slice(0, k)))
        gu = F.getitem(gu, index=(Ellipsis, slice(None), slice(0, k)))
        vh = F.getitem(vh, index=(Ellipsis, slice(0, k), slice(None)))
        gvh = F.getitem(gvh, index=(Ellipsis, slice(0, k), slice(None)))
    batch = tuple(s.shape[:-1])
    row, col = batch + (1, k), batch + (k, 1)
    no_u, no_v = _all_zero(gu), _all_zero(gvh)
    if no_u and no_v:  # singular values only (svdvals): U diag(gS) Vh
        return F.matmul(u * F.reshape(gs, shape=row), vh)
    s_row, s_col = F.reshape(s, shape=row), F.reshape(s, shape=col)
    uhgu = F.matmul(_mT(F, u), gu)
    uhgu = uhgu - _mT(F, uhgu)
    vhgv = F.matmul(vh, _mT(F, gvh))
    vhgv = vhgv - _mT(F, vhgv)
    eye = np.eye(k, dtype=a.dtype)
    gaps = s_row * s_row - s_col * s_col + eye
    num = uhgu * s_row + s_col * vhgv
    unused = _unused(gu, -2) & _unused(gvh, -1)
    gaps = _safe_denominator("linalg.svd", "repeated singular values", gaps, _pairs(unused))
    with np.errstate(divide="ignore", invalid="ignore"):  # warned about, if it happens
        ga = num / gaps + F.diag_embed(gs, offset=0, axis1=-2, axis2=-1, size=(k, k))
        return _svd_finish(F, ga, u, gu, vh, gvh, s_row, s_col, m, n, no_u, no_v)


def _svd_finish(F, ga, u, gu, vh, gvh, s_row, s_col, m, n, no_u, no_v):
    """U (ga) Vh, plus the terms of the columns outside U's (rows outside Vh's) span."""
    if m > n and not no_u:
        ga = F.matmul(u, ga)
        gus = gu / _safe_denominator("linalg.svd", "zero singular values", s_row,
                                     _unused(gu, -2)[..., None, :])
        ga = ga + gus - F.matmul(u, F.matmul(_mT(F, u), gus))
        return F.matmul(ga, vh)
    if m < n and not no_v:
        ga = F.matmul(ga, vh)
        gvs = gvh / _safe_denominator("linalg.svd", "zero singular values", s_col,
                                      _unused(gvh, -1)[..., :, None])
        ga = ga + gvs - F.matmul(F.matmul(gvs, _mT(F, vh)), vh)
        return F.matmul(u, ga)
    return F.matmul(u, F.matmul(ga, vh))


def _qr_sizes(shape, mode):
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    kq = 0 if mode == "r" else (m if mode == "complete" else k)
    kr = m if mode == "complete" else k
    return m, n, kq, kr


def _qr(a, mode="reduced"):
    m, n, kq, kr = _qr_sizes(a.shape, mode)
    batch = a.shape[:-2]
    if a.size == 0:
        q = np.broadcast_to(np.eye(m, kq, dtype=a.dtype), batch + (m, kq))
        r = np.zeros(batch + (kr, n), dtype=a.dtype)
    elif mode == "r":
        q = np.zeros(batch + (m, 0), dtype=a.dtype)
        r = np.linalg.qr(a, mode="r")
    else:
        q, r = np.linalg.qr(a, mode=mode)
    return np.concatenate([q.reshape(batch + (-1,)), r.reshape(batch + (-1,))], axis=-1)


def _qr_unpack(F, packed, shape, mode):
    m, n, kq, kr = _qr_sizes(shape, mode)
    batch = tuple(shape[:-2])
    q = F.reshape(F.getitem(packed, index=(Ellipsis, slice(0, m * kq))), shape=batch + (m, kq))
    r = F.reshape(F.getitem(packed, index=(Ellipsis, slice(m * kq, None))), shape=batch + (kr, n))
    return q, r


def _qr_square_vjp(F, gq, gr, q, r):
    """A = QR with R square: gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q."""
    mm = F.matmul(r, _mT(F, gr)) - F.matmul(_mT(F, gq), q)
    copyltu = F.tril(mm, k=0) + _mT(F, F.tril(mm, k=-1))
    b = gq + F.matmul(q, copyltu)
    return F.solve_triangular(_mT(F, r), b, upper=False, left=False, unitriangular=False)


def _qr_vjp(F, g, out, a, mode="reduced"):
    m, n, kq, kr = _qr_sizes(a.shape, mode)
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                           "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                           "going to differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                           "and nrows > ncols.")
    q, r = _qr_unpack(F, out, a.shape, mode)
    gq, gr = _qr_unpack(F, g, a.shape, mode)
    if m >= n:
        return _qr_square_vjp(F, gq, gr, q, r)
    # m < n: A = [X | Y] = Q [U | V] with U square; X's rule with gQ + Y gV^T, and gY = Q gV
    x_cols = (Ellipsis, slice(None), slice(0, m))
    y_cols = (Ellipsis, slice(None), slice(m, None))
    y = F.getitem(a, index=y_cols)
    gv = F.getitem(gr, index=y_cols)
    gx = _qr_square_vjp(F, gq + F.matmul(y, _mT(F, gv)), F.getitem(gr, index=x_cols), q,
                        F.getitem(r, index=x_cols))
    return F.cat(gx, F.matmul(q, gv), axis=-1)


# --- matrix functions ----------------------------------------------------------------------------
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _matrix_exp(a):
    """Scaling and squaring with the [13/13] Pade approximant (Higham 2005), per matrix."""
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    work = a.astype(np.float64) if a.dtype != np.float64 else a
    norm1 = np.abs(work).sum(axis=-2).max(axis=-1)
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(np.where(norm1 > 0, norm1, 1.0) / _THETA13)))
    s = np.where(np.isfinite(s), s, 0).astype(np.int64)
    x = work / (2.0 ** s)[..., None, None]
    b = _PADE13
    eye = np.eye(n)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2
             + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for j in range(int(s.max(initial=0))):
        r = np.where((s > j)[..., None, None], r @ r, r)
    return r.astype(a.dtype, copy=False)


def _matrix_exp_vjp(F, g, out, a):
    """The Frechet derivative of exp at A^T applied to g: the upper-right block of
    exp([[A^T, g], [0, A^T]])."""
    n = a.shape[-1]
    at = _mT(F, a)
    zero = np.zeros(tuple(a.shape), dtype=a.dtype)
    big = F.cat(F.cat(at, g, axis=-1), F.cat(zero, at, axis=-1), axis=-2)
    return F.getitem(F.matrix_exp(big), index=(Ellipsis, slice(0, n), slice(n, 2 * n)))


def _pinv(a, atol=None, rtol=None, hermitian=False):
    """Through the SVD (eigh when hermitian): 1/s where s > max(atol, rtol * s_max), else 0."""
    m, n = a.shape[-2], a.shape[-1]
    if a.size == 0:
        return np.zeros(a.shape[:-2] + (n, m), dtype=a.dtype)
    if hermitian:
        w, v = np.linalg.eigh(a)
        s = np.abs(w)
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
    if rtol is None:
        rtol = (max(m, n) * np.finfo(a.dtype).eps
                if atol is None or np.all(np.asarray(atol) <= 0) else 0.0)
    atol = 0.0 if atol is None else atol
    smax = s.max(axis=-1, keepdims=True)
    cut = np.maximum(np.asarray(atol, dtype=a.dtype)[..., None],
                     np.asarray(rtol, dtype=a.dtype)[..., None] * smax)
    keep = s > cut
    with np.errstate(divide="ignore"):
        inv_s = np.where(keep, 1.0 / np.where(keep, s, 1), 0).astype(a.dtype)
    if hermitian:
        return (v * (inv_s * np.sign(w))[..., None, :]) @ np.swapaxes(v, -1, -2)
    return (np.swapaxes(vh, -1, -2) * inv_s[..., None, :]) @ np.swapaxes(u, -1, -2)


def _pinv_vjp(F, g, out, a, atol=None, rtol=None, hermitian=False):
    """dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (Golub and Pereyra 1973),
    exact where the rank is locally constant."""
    p, pt, gt = out, _mT(F, out), _mT(F, g)
    first = -F.matmul(pt, F.matmul(g, pt))
    ap = F.matmul(a, p)
    second = F.matmul(gt - F.matmul(ap, gt), F.matmul(p, pt))
    pa = F.matmul(p, a)
    third = F.matmul(F.matmul(pt, p), gt - F.matmul(gt, pa))
    return first + second + third


_SQUARE = Spec("square_matrix")
defop("inv", _inv, _inv_vjp, spec=_SQUARE)
defop("solve", _solve, _solve_vjp_a, _solve_vjp_b, spec=Spec("solve", nin=2))
defop("det", _det, _det_vjp, spec=_SQUARE)
defop("slogdet", _slogdet, _slogdet_vjp, spec=_SQUARE)
defop("tril", _tril, lambda F, g, out, x, k=0: F.tril(g, k=k),
      spec=Spec("triangle", params={"k": [-1, 0, 1, 2]}))
defop("triu", _triu, lambda F, g, out, x, k=0: F.triu(g, k=k),
      spec=Spec("triangle", params={"k": [-2, -1, 0, 1]}))
defop("diagonal", _diagonal, _diagonal_vjp, spec=Spec("diagonal"))
defop("diag_embed", _diag_embed, _diag_embed_vjp, spec=Spec("diag_embed"))
defop("cholesky", _cholesky, _cholesky_vjp,
      spec=Spec("spd", params={"upper": [False, True]}))
defop("solve_triangular", _solve_triangular, _solve_triangular_vjp_a, _solve_triangular_vjp_b,
      spec=Spec("solve_triangular", nin=2,
                params={"upper": [False, True], "left": [True, False],
                        "unitriangular": [False, True]}))
defop("eigh", _eigh, _eigh_vjp, spec=Spec("symmetric", notes="distinct eigenvalues"))
defop("svd", _svd, _svd_vjp,
      spec=Spec("svd", params={"full_matrices": [False, True]},
                notes="distinct singular values, full rank"))
defop("qr", _qr, _qr_vjp, spec=Spec("qr", params={"mode": ["reduced", "complete"]}))
defop("matrix_exp", _matrix_exp, _matrix_exp_vjp, spec=_SQUARE)
defop("pinv", _pinv, _pinv_vjp, spec=Spec("full_rank"))
