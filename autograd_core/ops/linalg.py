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
