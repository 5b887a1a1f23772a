"""Linear algebra: `matmul mm bmm dot inner outer einsum tensordot linear` (nn.Linear's fused
kernel), the functions of `torch.linalg` (`ag.linalg` re-exports them under their PyTorch names)
and their top-level and Tensor-method spellings (`det inverse cholesky qr svd logdet trace diag
triu tril kron addmm baddbmm mv cdist cholesky_solve ...`).

The factorizations are registered ops (ops/linalg.py); everything else is composed from them and
from matmul, so its gradients of every order come from those rules. Errors name the PyTorch
function and the shapes or the matrix at fault; a singular or indefinite matrix raises
`LinAlgError` (a RuntimeError), as torch.linalg does.

Where the results differ from PyTorch 2.13's, it is on purpose: the gradient of `det` at a
singular matrix is its cofactor matrix (PyTorch returns zeros); `solve_triangular` raises on a
zero diagonal (PyTorch returns inf/NaN); `eigh` and `svd` give the exact finite gradient when
the loss does not use the eigenvectors or singular vectors of a repeated value (PyTorch: NaN),
and warn when it does; `lstsq` gives the minimum-norm solution with every driver; the failed
matrices of `cholesky_ex` hold the factor of their last good leading minor.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..arguments import ArgumentError, check_dim, integer
from ..modes import state as _state
from ..ops import REGISTRY as R
from ..ops.linalg import LinAlgError, parse_einsum
from ..ops.linalg import _first_zero_pivot as _zero_pivot
from ..tensor import Tensor, _leaf, _node, _traced, apply
from ..tensor import ensure_tensor as _t
from .indexing import roll
from .pointwise import abs, where
from .reductions import amax, amin, sum
from .reductions import norm as _vector_norm_op
from .shape import reshape, unsqueeze

TensorLike = Any

def matmul(input: TensorLike, other: TensorLike) -> Tensor:
    a, b = _t(input), _t(other)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension; got shapes "
                         f"{a.shape} and {b.shape}")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match: "
                         f"{ka} (last dim of the first) != {kb} (the contracted dim of the second)")
    return a @ b


def mm(input: TensorLike, mat2: TensorLike) -> Tensor:
    """The product of two matrices; 2-D only, as torch.mm (matmul broadcasts)."""
    a, b = _t(input), _t(mat2)
    if a.ndim != 2:
        raise RuntimeError(f"mm: self must be a matrix; got shape {a.shape}")
    if b.ndim != 2:
        raise RuntimeError(f"mm: mat2 must be a matrix; got shape {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    return a @ b


def bmm(input: TensorLike, mat2: TensorLike) -> Tensor:
    """Batched matrix product of two 3-D Tensors with the same batch size (no broadcasting)."""
    a, b = _t(input), _t(mat2)
    if a.ndim != 3:
        raise RuntimeError(f"bmm: batch1 must be a 3D tensor; got shape {a.shape}")
    if b.ndim != 3:
        raise RuntimeError(f"bmm: batch2 must be a 3D tensor; got shape {b.shape}")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"bmm: expected batch2 of shape [{a.shape[0]}, {a.shape[2]}, *]; "
                           f"got {list(b.shape)} for batch1 of shape {list(a.shape)}")
    return a @ b


def dot(input: TensorLike, other: TensorLike) -> Tensor:
    a, b = _t(input), _t(other)
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"dot: needs two 1-D Tensors of the same size; got {a.shape} and "
                         f"{b.shape}")
    return a @ b


def inner(input: TensorLike, other: TensorLike) -> Tensor:
    """Sum over the last dims; a 0-d operand scales the other, as in PyTorch."""
    a, b = _t(input), _t(other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner: the last dimensions must match; got shapes {a.shape} and "
                           f"{b.shape}")
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


def outer(input: TensorLike, vec2: TensorLike) -> Tensor:
    a, b = _t(input), _t(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: needs two 1-D Tensors; got {a.shape} and {b.shape}")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


ger = outer


def einsum(subscripts: str, *operands: Any) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = tuple(_t(o) for o in operands)
    try:
        ins, out = parse_einsum(subscripts, [t.shape for t in ts])  # clear errors first
    except ValueError as err:
        if str(err).startswith("einsum"):
            raise
        raise ArgumentError(f"einsum: {err}") from None
    missing = sorted(set(out) - set("".join(ins)))
    if missing:
        raise ArgumentError(f"einsum: output subscript {missing[0]} does not appear in the "
                            "equation for any input operand")
    return apply(R["einsum"], ts, {"subscripts": subscripts})


def tensordot(a: TensorLike, b: TensorLike, dims: Any = 2) -> Tensor:
    x, y = _t(a), _t(b)
    if isinstance(dims, int):
        axes = (list(range(x.ndim - dims, x.ndim)), list(range(dims)))
    else:
        axes = ([d % x.ndim for d in _as_list(dims[0])], [d % y.ndim for d in _as_list(dims[1])])
    return apply(R["tensordot"], (x, y), {"axes": (tuple(axes[0]), tuple(axes[1]))})


def _as_list(d: Any) -> list:
    return list(d) if isinstance(d, (list, tuple)) else [d]


def linear(input: TensorLike, weight: TensorLike, bias: TensorLike | None = None) -> Tensor:
    """x @ weight.T + bias in one node (nn.Linear's kernel)."""
    x = input if input.__class__ is Tensor else _t(input)  # the common case without a call
    w = weight if weight.__class__ is Tensor or isinstance(weight, Tensor) else _t(weight)
    ws = w._data.shape
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"linear: mat1 and mat2 must have the same dtype, but got "
                           f"{x.dtype} (input) and {w.dtype} (weight); convert the input with "
                           f".to({w.dtype}) or the layer with .to({x.dtype})")
    if len(ws) != 2 or not x._data.ndim or x._data.shape[-1] != ws[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape "
                         f"{w.shape} (expected input (..., {ws[-1] if ws else '?'}))")
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else Tensor(bias)
        if bias._data.shape != ws[:1] and bias._data.shape != ():
            raise ValueError(f"linear: bias of shape {bias.shape} does not fit weight of "
                             f"shape {w.shape}")
        out = _LINEAR_FWD(x._data, w._data, bias._data)
        if (x.requires_grad or w.requires_grad or bias.requires_grad) and _state.enabled:
            return _node(out, _LINEAR, (x, w, bias), (x._data, w._data, bias._data), {})
        return _traced(out, _LINEAR, (x, w, bias), (x._data, w._data, bias._data), {})
    return apply(_LINEAR, (x, w, None), {})


_LINEAR = R["linear"]
_LINEAR_FWD = _LINEAR.forward


# -- torch.linalg ---------------------------------------------------------------------------------
INV, SOLVE, DET, SLOGDET = R["inv"], R["solve"], R["det"], R["slogdet"]
TRIL, TRIU, DIAGONAL, DIAG_EMBED = R["tril"], R["triu"], R["diagonal"], R["diag_embed"]
CHOLESKY, SOLVE_TRIANGULAR, EIGH, SVD = (R["cholesky"], R["solve_triangular"], R["eigh"],
                                         R["svd"])
QR, MATRIX_EXP, PINV = R["qr"], R["matrix_exp"], R["pinv"]

SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
TorchSVDResult = namedtuple("svd", ["U", "S", "V"])
QRResult = namedtuple("linalg_qr", ["Q", "R"])
CholeskyExResult = namedtuple("linalg_cholesky_ex", ["L", "info"])
InvExResult = namedtuple("linalg_inv_ex", ["inverse", "info"])
SolveExResult = namedtuple("linalg_solve_ex", ["result", "info"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])

_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool", "float16": "Half", "float32": "Float",
                "float64": "Double"}


def _floating(name: str, x: Tensor) -> None:
    kind = x.dtype.kind
    if kind != "f":
        got = _TORCH_NAMES.get(str(x.dtype), str(x.dtype))
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {got}")
    if x.dtype == np.float16:
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got Half")


def _matrices(name: str, A: TensorLike, square: bool = True, arg: str = "A") -> Tensor:
    """A as a float Tensor of (batches of) matrices, square if asked, with PyTorch's errors."""
    x = _t(A)
    if x.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    _floating(name, x)
    if square and x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")
    return x


def _same_dtype(name: str, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found A of "
                           f"type {_TORCH_NAMES.get(str(a.dtype), a.dtype)} and B of type "
                           f"{_TORCH_NAMES.get(str(b.dtype), b.dtype)} instead")


def _mT(x: Tensor) -> Tensor:
    return x.transpose(-2, -1)


def _from_triangle(x: Tensor, upper: bool) -> Tensor:
    """The symmetric matrix that PyTorch reads from one triangle of x.

    The factorization ops see this matrix; its gradient reaches x unchanged (symmetric), which
    is what PyTorch returns for eigh and cholesky."""
    d = x._data
    dT = np.swapaxes(d, -1, -2)
    if np.array_equal(d, dT):
        return x
    s = np.triu(d) + np.swapaxes(np.triu(d, 1), -1, -2) if upper else \
        np.tril(d) + np.swapaxes(np.tril(d, -1), -1, -2)
    if not (x.requires_grad and _state.enabled):
        return _leaf(s)
    return x + _leaf(s - d)


def inv(A: TensorLike) -> Tensor:
    """The inverse; a singular matrix raises LinAlgError naming the zero pivot."""
    return apply(INV, (_matrices("linalg.inv", A),), {})


def inv_ex(A: TensorLike, *, check_errors: bool = False) -> Any:
    """(inverse, info): info is 0, or the 1-based zero pivot of a singular matrix, whose
    inverse is then inf (no error); the invertible ones keep their gradients."""
    x = _matrices("linalg.inv_ex", A)
    try:
        return InvExResult(inv(x), _leaf(np.zeros(x.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    safe, ok, info = _invertible_part(x)
    return InvExResult(where(ok, inv(safe), np.inf), info)


def _invertible_part(a: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """A with each singular matrix replaced by the identity, the mask of the invertible ones
    (shaped to broadcast over matrices), and LAPACK's info with A's batch shape."""
    ad = a._data
    flat = ad.reshape((-1,) + ad.shape[-2:])
    info = np.array([_zero_pivot(m) or 0 for m in flat], dtype=np.int32).reshape(ad.shape[:-2])
    ok = _leaf((info == 0)[..., None, None])
    return where(ok, a, np.eye(ad.shape[-1], dtype=ad.dtype)), ok, _leaf(info)


def det(A: TensorLike) -> Tensor:
    """The determinant; its gradient is the cofactor matrix, finite for singular A too."""
    return apply(DET, (_matrices("linalg.det", A),), {})


def slogdet(A: TensorLike) -> Any:
    """(sign, log|det|): the log-determinant without overflow; sign carries no gradient."""
    packed = apply(SLOGDET, (_matrices("linalg.slogdet", A),), {})
    return SlogdetResult(_leaf(packed._data[..., 0].copy()), packed[..., 1])


def logdet(input: TensorLike) -> Tensor:
    """log(det A): NaN for a negative determinant and -inf for a singular A, as in PyTorch."""
    sign, logabs = slogdet(_matrices("logdet", input))
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabs + _leaf(np.log(sign._data))


def _is_vector_rhs(a: Tensor, b: Tensor) -> bool:
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


def solve(A: TensorLike, B: TensorLike, *, left: bool = True) -> Tensor:
    """X with A X = B (X A = B when left=False); B may be a (batch of) vector(s)."""
    a = _matrices("linalg.solve", A)
    b = _t(B)
    _same_dtype("linalg.solve", a, b)
    if b.ndim == 0:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 1 dimension.")
    vector = _is_vector_rhs(a, b)
    bm = unsqueeze(b, -1) if vector else b
    if not left:
        a, bm = _mT(a), (bm if vector else _mT(bm))
    n = a.shape[-1]
    if bm.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX' if left else 'XA'} = B ({a.shape[-2]}x{n} and "
                           f"{bm.shape[-2]}x{bm.shape[-1]})")
    try:
        np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dimensions of A {a.shape} and B {b.shape} "
                           "do not broadcast") from None
    x = apply(SOLVE, (a, bm), {})
    if vector:
        return x[..., 0]
    return x if left else _mT(x)


def solve_ex(A: TensorLike, B: TensorLike, *, left: bool = True,
             check_errors: bool = False) -> Any:
    """(result, info): info is 0, or the 1-based zero pivot of a singular A (no error)."""
    a, b = _t(A), _t(B)
    try:
        x = solve(a, b, left=left)
        return SolveExResult(x, _leaf(np.zeros(a.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    safe, ok, info = _invertible_part(a)
    x = solve(safe, b, left=left)
    if _is_vector_rhs(a, b):
        ok = ok[..., 0]
    return SolveExResult(where(ok, x, np.inf), info)


def cholesky(A: TensorLike, *, upper: bool = False) -> Tensor:
    """L with A = L L^T (U^T U with upper=True), from the lower (upper) triangle of A."""
    x = _matrices("linalg.cholesky", A)
    return apply(CHOLESKY, (_from_triangle(x, upper),), {"upper": bool(upper)})


def cholesky_ex(A: TensorLike, *, upper: bool = False, check_errors: bool = False) -> Any:
    """(L, info): info is 0, or the order of the first leading minor that is not positive
    definite. Then that matrix's L holds the factor of the minors before it and zeros after
    (PyTorch leaves LAPACK's partial work there); the other matrices keep their gradients."""
    x = _matrices("linalg.cholesky_ex", A)
    try:
        low = cholesky(x, upper=upper)
        return CholeskyExResult(low, _leaf(np.zeros(x.shape[:-2], dtype=np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    s = _from_triangle(x.detach(), upper)._data
    flat = s.reshape((-1,) + s.shape[-2:])
    n = s.shape[-1]
    partial = np.zeros(flat.shape, dtype=s.dtype)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i in range(flat.shape[0]):
        k = n
        while k > 0:  # the largest leading minor that factors
            try:
                part = np.linalg.cholesky(flat[i, :k, :k])
                if np.all(np.isfinite(part)):
                    break
            except np.linalg.LinAlgError:
                pass
            k -= 1
        if k:
            partial[i, :k, :k] = part
        info[i] = 0 if k == n else k + 1
    partial = partial.reshape(s.shape)
    info = info.reshape(s.shape[:-2])
    ok = _leaf((info == 0)[..., None, None])
    low = cholesky(where(ok, x, np.eye(n, dtype=s.dtype)), upper=upper)
    other = np.swapaxes(partial, -1, -2).copy() if upper else partial
    return CholeskyExResult(where(ok, low, other), _leaf(info))


def _check_uplo(name: str, UPLO: str) -> bool:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{name}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO == "U"


def eigh(A: TensorLike, UPLO: str = "L") -> Any:
    """(eigenvalues ascending, orthonormal eigenvectors) of a symmetric matrix, read from the
    UPLO triangle. Where eigenvalues repeat, their eigenvectors are not unique: a loss that uses
    them gets an inf/NaN gradient, as in PyTorch, with a RuntimeWarning; one that uses only the
    eigenvalues and the other (unique) eigenvectors gets its exact, finite gradient."""
    x = _matrices("linalg.eigh", A)
    packed = apply(EIGH, (_from_triangle(x, _check_uplo("linalg.eigh", UPLO)),), {})
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(A: TensorLike, UPLO: str = "L") -> Tensor:
    """The eigenvalues of a symmetric matrix, ascending; the gradient is V diag(g) V^T."""
    return eigh(_matrices("linalg.eigvalsh", A), UPLO).eigenvalues


def _svd_packed(name: str, A: TensorLike, full_matrices: bool) -> tuple[Tensor, ...]:
    x = _matrices(name, A, square=False)
    m, n = x.shape[-2:]
    k = min(m, n)
    ku, kv = (m, n) if full_matrices else (k, k)
    packed = apply(SVD, (x,), {"full_matrices": bool(full_matrices)})
    batch = x.shape[:-2]
    u = reshape(packed[..., :m * ku], batch + (m, ku))
    s = packed[..., m * ku:m * ku + k]
    vh = reshape(packed[..., m * ku + k:], batch + (kv, n))
    return u, s, vh


def svd(A: TensorLike, full_matrices: bool = True, *, driver: str | None = None) -> Any:
    """(U, S, Vh) with A = U diag(S) Vh, S descending. As in PyTorch, the columns of U and rows
    of Vh beyond min(m, n) (full_matrices=True) carry no gradient. Where singular values repeat
    (or are zero, for a non-square A) the singular vectors there are not unique: a loss that
    uses them gets an inf/NaN gradient, as in PyTorch, with a RuntimeWarning; one that uses
    only S and the other vectors gets its exact, finite gradient."""
    if driver is not None:
        raise RuntimeError("linalg.svd: keyword argument `driver=` is only supported on CUDA "
                           "inputs with cuSOLVER backend.")
    return SVDResult(*_svd_packed("linalg.svd", A, full_matrices))


def svdvals(A: TensorLike, *, driver: str | None = None) -> Tensor:
    """The singular values, descending; the gradient U diag(g) Vh is finite even where they
    repeat."""
    if driver is not None:
        raise RuntimeError("linalg.svdvals: keyword argument `driver=` is only supported on "
                           "CUDA inputs with cuSOLVER backend.")
    return _svd_packed("linalg.svdvals", A, False)[1]


def qr(A: TensorLike, mode: str = "reduced") -> Any:
    """(Q, R) with A = Q R; mode 'reduced', 'complete' or 'r' (Q empty, no gradient)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    x = _matrices("linalg.qr", A, square=False)
    m, n = x.shape[-2:]
    k = min(m, n)
    kq = 0 if mode == "r" else (m if mode == "complete" else k)
    kr = m if mode == "complete" else k
    packed = apply(QR, (x,), {"mode": mode})
    batch = x.shape[:-2]
    r = reshape(packed[..., m * kq:], batch + (kr, n))
    if mode == "r":
        return QRResult(_leaf(np.zeros((0,), dtype=x.dtype)), r)
    return QRResult(reshape(packed[..., :m * kq], batch + (m, kq)), r)


def solve_triangular(A: TensorLike, B: TensorLike, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Tensor:
    """X with A X = B (X A = B when left=False) for triangular A; only A's triangle is read
    (and not its diagonal when unitriangular), and only that triangle gets a gradient."""
    a = _matrices("linalg.solve_triangular", A)
    b = _matrices("linalg.solve_triangular", B, square=False, arg="B")
    _same_dtype("linalg.solve_triangular", a, b)
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {'AX' if left else 'XA'} = B ({n}x{n} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    return apply(SOLVE_TRIANGULAR, (a, b), {"upper": bool(upper), "left": bool(left),
                                            "unitriangular": bool(unitriangular)})


def matrix_exp(A: TensorLike) -> Tensor:
    """exp(A) = sum A^k / k!, by scaling and squaring; the gradient is exp's Frechet
    derivative at A^T."""
    return apply(MATRIX_EXP, (_matrices("linalg.matrix_exp", A),), {})


def matrix_power(A: TensorLike, n: int) -> Tensor:
    """A^n by repeated squaring (matmuls); n < 0 inverts first; n = 0 gives the identity."""
    x = _matrices("linalg.matrix_power", A)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an integer; got {n!r}")
    n = int(n)
    if n == 0:
        return _leaf(np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), x.shape).copy())
    if n < 0:
        x, n = inv(x), -n
    result = None
    base = x
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def pinv(A: TensorLike, *, atol: Any = None, rtol: Any = None, hermitian: bool = False,
         rcond: Any = None) -> Tensor:
    """The pseudo-inverse: singular values at most max(atol, rtol * s_max) count as zero.
    Its gradient (Golub and Pereyra) is exact where the rank does not change, and finite where
    singular values repeat (the SVD's is not)."""
    x = _matrices("linalg.pinv", A, square=hermitian)
    if rcond is not None:
        rtol = rcond
    params = {"atol": _cutoff(atol), "rtol": _cutoff(rtol), "hermitian": bool(hermitian)}
    return apply(PINV, (x,), params)


def _cutoff(v: Any) -> Any:
    if v is None:
        return None
    return v._data if isinstance(v, Tensor) else np.asarray(v, dtype=np.float64)


def lstsq(A: TensorLike, B: TensorLike, rcond: float | None = None, *,
          driver: str | None = None) -> Any:
    """The least-squares solution of A X = B, through the pseudo-inverse (so min-norm for a
    rank-deficient A, which PyTorch's default driver 'gelsy' does not promise). residuals are
    given, as in PyTorch, for m > n, full rank and a driver other than 'gelsy'; rank for all
    drivers but 'gels'; singular_values for 'gelsd' and 'gelss'."""
    drivers = ("gels", "gelsy", "gelsd", "gelss")
    driver = "gelsy" if driver is None else driver
    if driver not in drivers:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"{drivers}; got {driver!r}")
    a = _matrices("linalg.lstsq", A, square=False)
    b = _t(B)
    _same_dtype("linalg.lstsq", a, b)
    vector = b.ndim == a.ndim - 1
    bm = unsqueeze(b, -1) if vector else b
    if bm.ndim < 2 or bm.shape[-2] != a.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2); "
                           f"got A of shape {a.shape} and B of shape {b.shape}")
    m, n = a.shape[-2:]
    eps = np.finfo(a.dtype).eps
    rtol = eps * max(m, n) if rcond is None or rcond < 0 else rcond
    x = pinv(a, rtol=rtol) @ bm
    s = (np.linalg.svd(a._data, compute_uv=False) if a.numel()
         else np.zeros(a.shape[:-2] + (min(m, n),), dtype=a.dtype))
    smax = s.max(axis=-1, keepdims=True, initial=0.0)
    rank = (s > rtol * smax).sum(axis=-1).astype(np.int64)
    empty = _leaf(np.zeros((0,), dtype=a.dtype))
    residuals = empty
    if m > n and driver != "gelsy" and np.all(rank == n):
        r = a @ x - bm
        residuals = sum(r * r, dim=-2)
    rank_t = _leaf(rank) if driver != "gels" else _leaf(np.zeros((0,), dtype=np.int64))
    sv = _leaf(s.astype(a.dtype)) if driver in ("gelsd", "gelss") else empty
    return LstsqResult(x[..., 0] if vector else x, residuals, rank_t, sv)


# -- norms ----------------------------------------------------------------------------------------
def _norm_dtype(name: str, x: Tensor, dtype: Any) -> Tensor:
    if dtype is not None:
        x = x.to(dtype)
    _floating(name, x)
    return x


def vector_norm(x: TensorLike, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (all elements by default); inf, -inf and 0 as in
    PyTorch. The gradient at a zero vector is 0."""
    t = _norm_dtype("linalg.vector_norm", _t(x), dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    p = float(ord)
    if p < 0 and t.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty "
                           "tensor because the operation does not have an identity")
    if isinstance(dim, list):
        dim = tuple(dim)
    if t.ndim == 0:  # a 0-d input is its own one-element vector, and its norm is 0-d
        if dim not in (None, 0, -1, (0,), (-1,), ()):
            check_dim(dim[0] if isinstance(dim, tuple) else dim, 0, "linalg.vector_norm")
        return reshape(vector_norm(reshape(t, (1,)), ord, None, False), ())
    if p < 0 and p != -np.inf:
        return sum(abs(t) ** p, dim=dim, keepdim=keepdim) ** (1.0 / p)
    return _vector_norm_op(t, int(p) if p in (1.0, 2.0) else p, dim, keepdim)


def matrix_rank(A: TensorLike, *, atol: Any = None, rtol: Any = None,
                hermitian: bool = False) -> Tensor:
    """The number of singular values above max(atol, rtol * s_max), as int64 (no gradient);
    rtol defaults to eps * max(m, n) unless atol is given and positive."""
    x = _matrices("linalg.matrix_rank", A, square=hermitian)
    d = x._data
    m, n = d.shape[-2:]
    if d.size == 0:
        return _leaf(np.zeros(d.shape[:-2], dtype=np.int64))
    s = np.abs(np.linalg.eigvalsh(d)) if hermitian else np.linalg.svd(d, compute_uv=False)
    atol_v = 0.0 if atol is None else _cutoff(atol)
    if rtol is None:
        given = atol is not None and np.any(np.asarray(atol_v) > 0)
        rtol = 0.0 if given else max(m, n) * np.finfo(d.dtype).eps
    cut = np.maximum(np.asarray(atol_v)[..., None],
                     np.asarray(_cutoff(rtol))[..., None] * s.max(axis=-1, keepdims=True))
    return _leaf((s > cut).sum(axis=-1).astype(np.int64))


def cond(A: TensorLike, p: Any = None) -> Tensor:
    """The condition number: s_max / s_min for p None or 2 (s_min / s_max for -2), else
    norm(A, p) * norm(inv(A), p)."""
    x = _matrices("linalg.cond", A, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(x)
        hi, lo = s[..., 0], s[..., -1]
        return hi / lo if p != -2 else lo / hi
    return matrix_norm(x, p) * matrix_norm(inv(x), p)


def _two_dims(name: str, x: Tensor, dim: Any) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (check_dim(int(d), x.ndim, name) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A: TensorLike, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False,
                *, dtype: Any = None) -> Tensor:
    """'fro', 'nuc', inf, -inf, 1, -1, 2, -2 norms of the matrices in dims `dim`."""
    x = _t(A)
    if x.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    x = _norm_dtype("linalg.matrix_norm", x, dtype)
    d0, d1 = _two_dims("linalg.matrix_norm", x, dim)
    if ord == "fro":
        return vector_norm(x, 2, (d0, d1), keepdim)
    if ord == "nuc" or ord in (2, -2):
        s = svdvals(_to_last_two(x, d0, d1))
        out = sum(s, dim=-1) if ord == "nuc" else (amax(s, dim=-1) if ord == 2
                                                   else amin(s, dim=-1))
        return _keep(out, d0, d1) if keepdim else out
    if ord in (1, -1, np.inf, -np.inf):
        over, along = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = sum(abs(x), dim=over, keepdim=True)
        pick = amax if ord > 0 else amin
        out = pick(sums, dim=along, keepdim=True)
        return out if keepdim else reshape(out, tuple(n for i, n in enumerate(x.shape)
                                                      if i not in (d0, d1)))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def _to_last_two(x: Tensor, d0: int, d1: int) -> Tensor:
    rest = [i for i in range(x.ndim) if i not in (d0, d1)]
    return x.permute(*rest, d0, d1)


def _keep(out: Tensor, d0: int, d1: int) -> Tensor:
    for d in sorted((d0, d1)):
        out = unsqueeze(out, d)
    return out


def norm(A: TensorLike, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """torch.linalg.norm: the vector norm of a 1-D input or over one dim, the matrix norm of a
    2-D input or over two dims; with ord=None, the 2-norm of all the elements."""
    x = _t(A)
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(x, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if x.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input "
                               f"must be 1D or 2D. Got {x.ndim}D.")
        dim = tuple(range(x.ndim))
    if len(dim) == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
        return vector_norm(x, ord, dim, keepdim, dtype=dtype)
    return matrix_norm(x, ord, dim, keepdim, dtype=dtype)


def torch_norm(input: TensorLike, p: Any = "fro", dim: Any = None, keepdim: bool = False,
               dtype: Any = None, *, axis: Any = None, keepdims: bool = False) -> Tensor:
    """torch.norm: a number p is a vector norm over dim (all elements by default), 'fro' the
    2-norm of the elements, 'nuc' the nuclear norm of the matrices in dim."""
    x = _t(input)
    if axis is not None:
        dim = axis
    keepdim = bool(keepdim or keepdims)
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim, dtype=dtype)
        return matrix_norm(x, p, tuple(range(x.ndim)) if dim is None else dim, keepdim,
                           dtype=dtype)
    return vector_norm(x, 2.0 if p is None else p, dim, keepdim, dtype=dtype)


def dist(input: TensorLike, other: TensorLike, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast)."""
    return vector_norm(_t(input) - _t(other), p)


def vecdot(x: TensorLike, y: TensorLike, *, dim: int = -1) -> Tensor:
    """sum(x * y) over dim, after broadcasting."""
    a, b = _t(x), _t(y)
    return sum(a * b, dim=dim)


def cross(input: TensorLike, other: TensorLike, *, dim: int = -1) -> Tensor:
    """The 3-D cross product along dim, batch dimensions broadcast."""
    a, b = _t(input), _t(other)
    if a.ndim != b.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions; "
                           f"got shapes {a.shape} and {b.shape}")
    d = int(dim)
    if not -a.ndim <= d < a.ndim:
        raise IndexError(f"linalg.cross: dim {dim} is out of range for {a.ndim} dimensions")
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    return roll(a, -1, d) * roll(b, -2, d) - roll(a, -2, d) * roll(b, -1, d)


def torch_cross(input: TensorLike, other: TensorLike, dim: int | None = None) -> Tensor:
    """torch.cross: without dim, the first dimension of size 3 (deprecated in PyTorch)."""
    a = _t(input)
    if dim is None:
        import warnings

        warnings.warn("Using torch.cross without specifying the dim arg is deprecated. Please "
                      "either pass the dim explicitly or simply use torch.linalg.cross.",
                      UserWarning, stacklevel=2)
        sizes = [i for i, n in enumerate(a.shape) if n == 3]
        if not sizes:
            raise RuntimeError(f"cross: no dimension of size 3 in input of shape {a.shape}")
        dim = sizes[0]
    return cross(a, other, dim=dim)


def multi_dot(tensors: Sequence[TensorLike]) -> Tensor:
    """A chain of matrix products in the order of fewest multiplications (dynamic
    programming); a 1-D first (last) operand is a row (column) vector."""
    ts = [_t(t) for t in tensors]
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_vec:
        ts[0] = unsqueeze(ts[0], 0)
    if last_vec:
        ts[-1] = unsqueeze(ts[-1], -1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
        if i and ts[i - 1].shape[1] != t.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{tuple(ts[i - 1].shape)} and {tuple(t.shape)} cannot be "
                               "multiplied")
    dims = [ts[0].shape[0]] + [t.shape[1] for t in ts]
    n = len(ts)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for span in range(1, n):
        for i in range(n - span):
            j = i + span
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def chain(i: int, j: int) -> Tensor:
        if i == j:
            return ts[i]
        k = split[i][j]
        return chain(i, k) @ chain(k + 1, j)

    out = chain(0, n - 1)
    if first_vec:
        out = out[0]
    if last_vec:
        out = out[..., 0]
    return out


def linalg_diagonal(A: TensorLike, *, offset: int = 0, dim1: int = -2,
                    dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: torch.diagonal over the last two dims by default."""
    return diagonal(A, offset, dim1, dim2)


# -- top-level matrix functions -------------------------------------------------------------------
def diagonal(input: TensorLike, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal over (dim1, dim2), moved to the last dim; offset > 0 is above it."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"diagonal: expected a Tensor of at least 2 dimensions; got shape "
                           f"{x.shape}")
    d1, d2 = (check_dim(int(d), x.ndim, "diagonal") for d in (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAGONAL, (x,), {"offset": int(offset), "axis1": d1, "axis2": d2})


def diag_embed(input: TensorLike, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """input's last dim laid along a diagonal of two new dims (dim1, dim2 of the result)."""
    x = _t(input)
    if x.ndim == 0:
        raise RuntimeError("diag_embed: expected a Tensor of at least 1 dimension")
    d1, d2 = (check_dim(int(d), x.ndim + 1, "diag_embed") for d in (dim1, dim2))
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAG_EMBED, (x,), {"offset": int(offset), "axis1": d1, "axis2": d2})


def diag(input: TensorLike, diagonal: int = 0) -> Tensor:
    """A 1-D input as a diagonal matrix, or the diagonal of a 2-D input."""
    x = _t(input)
    if x.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x.ndim == 2:
        return apply(DIAGONAL, (x,), {"offset": int(diagonal), "axis1": 0, "axis2": 1})
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def trace(input: TensorLike) -> Tensor:
    """The sum of the main diagonal of a matrix."""
    x = _t(input)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.dtype.kind in "biu":
        return _leaf(np.trace(x._data).astype(np.int64))
    return sum(diag(x))


def tril(input: TensorLike, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below the diagonal-th diagonal) of the last two dims."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions; got shape "
                           f"{x.shape}")
    return apply(TRIL, (x,), {"k": int(diagonal)})


def triu(input: TensorLike, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above the diagonal-th diagonal) of the last two dims."""
    x = _t(input)
    if x.ndim < 2:
        raise RuntimeError(f"triu: input tensor must have at least 2 dimensions; got shape "
                           f"{x.shape}")
    return apply(TRIU, (x,), {"k": int(diagonal)})


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a row x col matrix."""
    row = integer(row, "row", "tril_indices", least=0)
    col = integer(col, "col", "tril_indices", least=0)
    offset = integer(offset, "offset", "tril_indices")
    return _leaf(np.stack(np.tril_indices(row, offset, col)).astype(dtype))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = np.int64) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a row x col matrix."""
    row = integer(row, "row", "triu_indices", least=0)
    col = integer(col, "col", "triu_indices", least=0)
    offset = integer(offset, "offset", "triu_indices")
    return _leaf(np.stack(np.triu_indices(row, offset, col)).astype(dtype))


def kron(input: TensorLike, other: TensorLike) -> Tensor:
    """The Kronecker product: block (i, j, ...) is input[i, j, ...] * other."""
    a, b = _t(input), _t(other)
    nd = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    pa = tuple(v for n in a.shape for v in (n, 1))
    pb = tuple(v for n in b.shape for v in (1, n))
    out = reshape(a, pa) * reshape(b, pb)
    return reshape(out, tuple(m * n for m, n in zip(a.shape, b.shape)))


def mv(input: TensorLike, vec: TensorLike) -> Tensor:
    """Matrix times vector (2-D by 1-D)."""
    a, v = _t(input), _t(vec)
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D matrix and a 1-D vector; got shapes {a.shape} "
                           f"and {v.shape}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got input ({a.shape[0]}x{a.shape[1]}), vec "
                           f"({v.shape[0]})")
    return a @ v


def _scaled_sum(name: str, input: TensorLike, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta * input + alpha * product; beta = 0 ignores input (its NaN and inf too)."""
    x = _t(input)
    try:
        np.broadcast_shapes(x.shape, product.shape)
    except ValueError:
        raise RuntimeError(f"{name}: the input of shape {x.shape} does not broadcast to the "
                           f"product's shape {product.shape}") from None
    out = product if alpha == 1 else product * alpha
    if beta == 0:  # zeros that still pass input a (zero) gradient, as PyTorch's
        return out + where(_leaf(np.zeros(x.shape, dtype=bool)), x, 0.0)
    return out + (x if beta == 1 else x * beta)


def addmm(input: TensorLike, mat1: TensorLike, mat2: TensorLike, *, beta: Any = 1,
          alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def addmv(input: TensorLike, mat: TensorLike, vec: TensorLike, *, beta: Any = 1,
          alpha: Any = 1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum("addmv", input, mv(mat, vec), beta, alpha)


def addr(input: TensorLike, vec1: TensorLike, vec2: TensorLike, *, beta: Any = 1,
         alpha: Any = 1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    return _scaled_sum("addr", input, outer(vec1, vec2), beta, alpha)


def baddbmm(input: TensorLike, batch1: TensorLike, batch2: TensorLike, *, beta: Any = 1,
            alpha: Any = 1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def addbmm(input: TensorLike, batch1: TensorLike, batch2: TensorLike, *, beta: Any = 1,
           alpha: Any = 1) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]."""
    return _scaled_sum("addbmm", input, sum(bmm(batch1, batch2), dim=0), beta, alpha)


def cdist(x1: TensorLike, x2: TensorLike, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M);
    the gradient at a zero distance is 0, as in PyTorch."""
    a, b = _t(x1), _t(x2)
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D, "
                           f"X2 got: {b.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{a.shape[-1]} X2: {b.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values; got {p}")
    _floating("cdist", a)
    diff = unsqueeze(a, -2) - unsqueeze(b, -3)
    return vector_norm(diff, p, -1)


def cholesky_solve(B: TensorLike, L: TensorLike, upper: bool = False) -> Tensor:
    """X with (L L^T) X = B (U^T U with upper=True), from the factor's triangle. As in PyTorch,
    the factor's gradient is that of (L L^T)^-1 B in every entry of L, not only its triangle."""
    b = _matrices("cholesky_solve", B, square=False, arg="B")
    low = _triangle_only(_matrices("cholesky_solve", L, arg="L"), upper)
    _same_dtype("cholesky_solve", low, b)
    if b.shape[-2] != low.shape[-1]:
        raise RuntimeError(f"cholesky_solve: Incompatible matrix sizes for the equation "
                           f"(L L^H) X = B: L is {low.shape[-2]} by {low.shape[-1]} and B is "
                           f"{b.shape[-2]} by {b.shape[-1]}")
    first, second = (_mT(low), low) if upper else (low, _mT(low))
    return solve(second, solve(first, b))


def _triangle_only(x: Tensor, upper: bool) -> Tensor:
    """x with the other triangle read as zeros, while the gradient reaches all of x."""
    d = x._data
    t = np.triu(d) if upper else np.tril(d)
    if np.array_equal(t, d):
        return x
    if not (x.requires_grad and _state.enabled):
        return _leaf(t)
    return x + _leaf(t - d)


def cholesky_inverse(L: TensorLike, upper: bool = False) -> Tensor:
    """(L L^T)^-1 (U^T U with upper=True) from the Cholesky factor."""
    low = _matrices("cholesky_inverse", L, arg="L")
    eye = _leaf(np.eye(low.shape[-1], dtype=low.dtype))
    return cholesky_solve(eye, low, upper)


def torch_cholesky(input: TensorLike, upper: bool = False) -> Tensor:
    """torch.cholesky (deprecated in PyTorch): linalg.cholesky."""
    return cholesky(input, upper=upper)


def torch_qr(input: TensorLike, some: bool = True) -> Any:
    """torch.qr: reduced (some=True) or complete."""
    q, r = qr(input, "reduced" if some else "complete")
    return namedtuple("qr", ["Q", "R"])(q, r)


def torch_svd(input: TensorLike, some: bool = True, compute_uv: bool = True) -> Any:
    """torch.svd: (U, S, V) with V = Vh^T; without compute_uv, U and V are zeros."""
    if not compute_uv:
        x = _matrices("svd", input, square=False)
        m, n = x.shape[-2:]
        s = svdvals(x)
        return TorchSVDResult(_leaf(np.zeros(x.shape[:-2] + (m, m), dtype=x.dtype)), s,
                              _leaf(np.zeros(x.shape[:-2] + (n, n), dtype=x.dtype)))
    u, s, vh = svd(input, full_matrices=not some)
    return TorchSVDResult(u, s, _mT(vh))


def pinverse(input: TensorLike, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: linalg.pinv with rtol=rcond."""
    return pinv(input, rtol=rcond)
