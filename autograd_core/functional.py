"""Function transforms in the style of JAX: grad, value_and_grad, elementwise_grad, vjp, jvp,
jacobian (reverse mode), jacfwd (forward mode), hessian, hvp.

Arguments and results are pytrees (pytree.py): the gradient with respect to `[(W1, b1), (W2, b2)]`
or `{"w": W, "b": b}` comes back in that structure, and a function may return a tuple or a dict
of Tensors. The transforms compose (`grad(grad(f))`, `jacobian(grad(f))`) because a transform
evaluated inside another records the graph of its own backward pass.

Forward mode is the double-VJP trick: the VJP u -> J^T u is linear in u, so differentiating it
with respect to u along a tangent t gives J t, with the reverse engine only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .arguments import check_callable
from .functions.shape import stack
from .modes import enable_grad
from .ops import REGISTRY
from .pytree import TreeSpec, tree_flatten, tree_map, tree_unflatten
from .tensor import Tensor, _unary

ArgNums = int | Sequence[int]
_RESHAPE = REGISTRY["reshape"]


class _Depth(threading.local):
    value = 0


_depth = _Depth()


class _Tracing:
    """Marks that a transform is evaluating its function: inner transforms must keep graphs."""

    def __enter__(self) -> None:
        _depth.value += 1
        self._grad = enable_grad()
        self._grad.__enter__()

    def __exit__(self, *exc: object) -> None:
        self._grad.__exit__(*exc)
        _depth.value -= 1


def _as_input(x: Any, where: str) -> Tensor:
    """A differentiable stand-in for one leaf of an argument.

    A Tensor that an outer computation already differentiates gets a new node on top of it (a
    reshape to its own shape), so the graph stays connected and yet each argument is an input of
    its own: `grad(f, argnums=(0, 1))(w, w)` gives two partial derivatives, not one total.
    """
    if isinstance(x, Tensor):
        if x.requires_grad:
            with enable_grad():
                return _unary(_RESHAPE, x, shape=x.shape)
        arr = x._data
    else:
        arr = np.asarray(x)
        if arr.dtype == np.float64 and not isinstance(x, (np.ndarray, np.generic)):
            arr = arr.astype(np.float32)
    if arr.dtype.kind not in "fc":
        raise TypeError(f"{where}: differentiable arguments must be floating point; got dtype "
                        f"{arr.dtype}")
    return Tensor(arr, requires_grad=True)


def _nested(leaves: Sequence[Any]) -> bool:
    """Whether results must keep their graph: inside another transform, or when an argument is
    itself the result of recorded ops (a leaf that requires grad does not count)."""
    return _depth.value > 0 or any(isinstance(a, Tensor) and a._op is not None for a in leaves)


def _argnums(argnums: ArgNums, n: int, where: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError(f"{where}: argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int):
            raise TypeError(f"{where}: argnums must be an int or a tuple of ints; got {argnums!r}")
        if not -n <= a < n:
            raise ValueError(f"{where}: argnums {argnums} is out of range for {n} arguments")
    wrapped = tuple(a % n for a in nums)
    if len(set(wrapped)) != len(wrapped):
        raise ValueError(f"{where}: argnums elements must be unique, got {argnums}")
    return wrapped


def _prepare(args: tuple, nums: tuple[int, ...], where: str
             ) -> tuple[list, list[Tensor], TreeSpec, bool]:
    """args with the differentiated ones replaced by inputs of a fresh trace; the flat inputs;
    the structure of the tuple of differentiated arguments; whether to keep graphs."""
    leaves, spec = tree_flatten(tuple(args[i] for i in nums))
    xs = [_as_input(x, where) for x in leaves]
    new = list(args)
    for i, sub in zip(nums, tree_unflatten(xs, spec)):
        new[i] = sub
    return new, xs, spec, _nested(leaves)


def _flat_outputs(out: Any, where: str) -> tuple[list[Tensor], TreeSpec]:
    leaves, spec = tree_flatten(out)
    for o in leaves:
        if not isinstance(o, Tensor):
            raise TypeError(f"{where}: f must return Tensors, or tuples, lists and dicts of them; "
                            f"got a {type(o).__name__}")
    return leaves, spec


def _split_aux(res: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return res, None
    if not (isinstance(res, tuple) and len(res) == 2):
        raise TypeError(f"{where}: with has_aux=True, f must return a pair (output, aux)")
    return res


def _detach(tree: Any) -> Any:
    return tree_map(lambda v: v.detach() if isinstance(v, Tensor) else v, tree)


def _pull(outs: Sequence[Tensor], cts: Sequence[Any], xs: Sequence[Tensor],
          create_graph: bool) -> list[Tensor | None]:
    """sum_k cts[k] . d outs[k] / d xs, None for an input no output depends on.

    The graph is always retained: f may close over Tensors of someone else's graph, which a
    freeing backward would break for its owner.
    """
    live = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
    if not live or not xs:
        return [None] * len(xs)
    with enable_grad():
        return list(engine.grad([o for o, _ in live], list(xs),
                                grad_outputs=[c for _, c in live], create_graph=create_graph,
                                retain_graph=True, allow_unused=True))


def _finish(g: Tensor | None, like: Tensor, keep_graph: bool) -> Tensor:
    if g is None:
        return Tensor(np.zeros_like(like._data))
    return g if keep_graph else g.detach()


def _shape(v: Any) -> tuple[int, ...]:
    return tuple(np.shape(v._data if isinstance(v, Tensor) else v))


# -- gradients ---------------------------------------------------------------------------------
def value_and_grad(
    f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """f's value and its gradient with respect to the arguments named by argnums, each gradient
    structured like its argument."""
    check_callable(f, "value_and_grad", "f")

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "grad")
        args, xs, spec, keep = _prepare(args, nums, "grad")
        with _Tracing():
            out, aux = _split_aux(f(*args, **kwargs), has_aux, "grad")
        if not isinstance(out, Tensor) or out._data.size != 1:
            shape = getattr(out, "shape", type(out).__name__)
            raise TypeError(f"grad: f must return a scalar Tensor (one element); got {shape}")
        gs = _pull([out], [None], xs, keep)
        grads = tree_unflatten([_finish(g, x, keep) for g, x in zip(gs, xs)], spec)
        result = grads[0] if isinstance(argnums, int) else grads
        value = out if keep else out.detach()
        if has_aux:  # as torch.func: aux leaves the transform without a graph
            return (value, aux if keep else _detach(aux)), result
        return value, result

    return wrapped


def grad(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function; a tuple of gradients when argnums is a tuple."""
    check_callable(f, "grad", "f")
    vg = value_and_grad(f, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def elementwise_grad(f: Callable[..., Any], argnum: ArgNums = 0) -> Callable:
    """HIPS autograd's: the gradient of the sum of f's outputs, shaped like the argument. For a
    function applied element by element it is the derivative at every element at once."""
    check_callable(f, "elementwise_grad", "f")

    def total(*args: Any, **kwargs: Any) -> Tensor:
        outs, _ = _flat_outputs(f(*args, **kwargs), "elementwise_grad")
        if not outs:
            raise TypeError("elementwise_grad: f returned no Tensor")
        s = outs[0].sum()
        for o in outs[1:]:
            s = s + o.sum()
        return s

    return grad(total, argnum)


# -- vector-Jacobian and Jacobian-vector products ------------------------------------------------
def _vjp(f: Callable[..., Any], primals: tuple, has_aux: bool, where: str
         ) -> tuple[Any, Callable[..., tuple], Any, TreeSpec]:
    """(value, pull, aux, output structure); pull(cotangent leaves, create_graph) gives the
    gradients, structured like the tuple of primals."""
    leaves, spec = tree_flatten(tuple(primals))
    xs = [_as_input(p, where) for p in leaves]
    keep = _nested(leaves)
    with _Tracing():
        out, aux = _split_aux(f(*tree_unflatten(xs, spec)), has_aux, where)
    outs, ospec = _flat_outputs(out, where)

    def pull(cts: list, create_graph: bool | None = None) -> tuple:
        if len(cts) != len(outs):
            raise ValueError(f"{where}: expected {len(outs)} cotangents, got {len(cts)}")
        for o, c in zip(outs, cts):
            if _shape(c) != o.shape:
                raise ValueError(f"{where}: cotangent of shape {_shape(c)} for an output of shape "
                                 f"{o.shape}")
        if create_graph is None:
            create_graph = (keep or _depth.value > 0
                            or any(isinstance(c, Tensor) and c.requires_grad for c in cts))
        gs = _pull(outs, cts, xs, create_graph)
        return tree_unflatten([_finish(g, x, create_graph) for g, x in zip(gs, xs)], spec)

    value = out if keep else _detach(out)
    return value, pull, (aux if keep else _detach(aux)), ospec


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """(f(*primals), vjp_fn), and aux third with has_aux. vjp_fn(cotangent), the cotangent
    structured like f's output, gives a tuple with one gradient per primal, each structured
    like that primal. Several outputs' cotangents may also be passed as separate arguments."""
    check_callable(f, "vjp", "f")
    value, pull, aux, ospec = _vjp(f, primals, has_aux, "vjp")

    def vjp_fn(*cotangents: Any) -> tuple:
        tree = cotangents[0] if len(cotangents) == 1 else cotangents
        leaves, spec = tree_flatten(tree)
        if spec != ospec and len(leaves) != ospec.num_leaves:
            if ospec.num_leaves != 1:
                raise ValueError(f"vjp_fn: expected cotangents structured like the output, "
                                 f"{ospec}; got {spec}")
            leaves = [tree]  # one output: the cotangent is array-like
        return pull(leaves)

    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def _linearize(outs: Sequence[Tensor], xs: Sequence[Tensor]) -> Callable[..., list]:
    """push(tangent leaves, create_graph) -> J t for each output (None where J is zero): one
    forward pass serves any number of tangents."""
    live = [k for k, o in enumerate(outs) if o.requires_grad]
    us = [Tensor(np.zeros_like(outs[k]._data), requires_grad=True) for k in live]
    gx = _pull([outs[k] for k in live], us, xs, True) if live else [None] * len(xs)

    def push(ts: Sequence[Any], create_graph: bool) -> list[Tensor | None]:
        res: list[Tensor | None] = [None] * len(outs)
        pairs = [(g, t) for g, t in zip(gx, ts)
                 if t is not None and g is not None and g.requires_grad]
        if pairs:
            with enable_grad():
                got = engine.grad([g for g, _ in pairs], us, grad_outputs=[t for _, t in pairs],
                                  create_graph=create_graph, retain_graph=True,
                                  allow_unused=True)
            for k, r in zip(live, got):
                res[k] = r
        return res

    return push


def _jvp(f: Callable[..., Any], primals: tuple, tangents: Any, has_aux: bool, where: str
         ) -> tuple[Any, Any, Any, list[bool]]:
    """(value, J·tangents, aux, which outputs depend on the primals)."""
    leaves, spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if len(t_leaves) != len(leaves):
        raise ValueError(f"{where}: tangents structured as {t_spec} for primals structured as "
                         f"{spec}")
    for p, t in zip(leaves, t_leaves):
        if _shape(t) != _shape(p):
            raise ValueError(f"{where}: tangent of shape {_shape(t)} for a primal of shape "
                             f"{_shape(p)}")
    xs = [_as_input(p, where) for p in leaves]
    keep = _nested(list(leaves) + list(t_leaves))
    with _Tracing():
        out, aux = _split_aux(f(*tree_unflatten(xs, spec)), has_aux, where)
        outs, ospec = _flat_outputs(out, where)
        touts = _linearize(outs, xs)(t_leaves, keep)
    tout = tree_unflatten([_finish(t, o, keep) for t, o in zip(touts, outs)], ospec)
    value = out if keep else _detach(out)
    return value, tout, (aux if keep else _detach(aux)), [t is not None for t in touts]


def jvp(f: Callable[..., Any], primals: Any, tangents: Any, has_aux: bool = False) -> tuple:
    """(f(*primals), J·tangents), the second structured like f's output (aux third with has_aux).
    primals is a tuple or list of arguments, or one argument that is not a tuple or list."""
    check_callable(f, "jvp", "f")
    if not isinstance(primals, (tuple, list)):
        primals, tangents = (primals,), (tangents,)
    value, tout, aux, _ = _jvp(f, tuple(primals), tangents, has_aux, "jvp")
    return (value, tout, aux) if has_aux else (value, tout)


# -- Jacobians and second derivatives ---------------------------------------------------------
def _block(parts: list[Tensor | None], like: Tensor, shape: tuple, keep: bool,
           axis: int) -> Tensor:
    """One Jacobian block from its rows (axis 0) or columns (axis -1), zeros where missing."""
    if not parts or all(p is None for p in parts):
        return Tensor(np.zeros(shape, dtype=like.dtype))
    full = [_finish(p, like, keep) if p is not None else None for p in parts]
    zero = next(p for p in full if p is not None)
    full = [p if p is not None else Tensor(np.zeros_like(zero._data)) for p in full]
    if keep:
        return stack(full, axis).reshape(shape)
    return Tensor(np.stack([p._data for p in full], axis=axis).reshape(shape))


def _assemble(blocks: list[list[Tensor]], spec: TreeSpec, ospec: TreeSpec, single: bool) -> Any:
    """The Jacobian as a tree: f's output structure, and at each output leaf the structure of the
    differentiated arguments."""
    per_out = []
    for row in blocks:
        tree = tree_unflatten(row, spec)
        per_out.append(tree[0] if single else tree)
    return tree_unflatten(per_out, ospec)


def _traced_outputs(f: Callable[..., Any], args: tuple, kwargs: dict, argnums: ArgNums,
                    has_aux: bool, where: str) -> tuple:
    """Runs f on fresh inputs for the arguments named by argnums: (inputs, their structure,
    whether to keep graphs, the flat outputs, their structure, aux)."""
    nums = _argnums(argnums, len(args), where)
    args, xs, spec, keep = _prepare(args, nums, where)
    with _Tracing():
        out, aux = _split_aux(f(*args, **kwargs), has_aux, where)
    outs, ospec = _flat_outputs(out, where)
    return xs, spec, keep, outs, ospec, aux


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The Jacobian, each block shaped output.shape + input.shape, by reverse mode: one backward
    pass per output element (jacrev)."""
    check_callable(f, "jacobian", "f")

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        xs, spec, keep, outs, ospec, aux = _traced_outputs(f, args, kwargs, argnums, has_aux,
                                                           "jacobian")
        blocks = []
        for o in outs:
            rows: list[list[Tensor | None]] = [[] for _ in xs]
            n = o._data.size
            if o.requires_grad:
                for j in range(n):
                    onehot = np.zeros(n, dtype=o.dtype)
                    onehot[j] = 1
                    for k, g in enumerate(_pull([o], [onehot.reshape(o.shape)], xs, keep)):
                        rows[k].append(g)
            blocks.append([_block(r, x, o.shape + x.shape, keep, 0) for r, x in zip(rows, xs)])
        jac = _assemble(blocks, spec, ospec, isinstance(argnums, int))
        return (jac, aux if keep else _detach(aux)) if has_aux else jac

    return wrapped


jacrev = jacobian


def jacfwd(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The Jacobian by forward mode: one forward pass, then one J·e product per input element,
    which pays off when the inputs are fewer than the outputs."""
    check_callable(f, "jacfwd", "f")

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        xs, spec, keep, outs, ospec, aux = _traced_outputs(f, args, kwargs, argnums, has_aux,
                                                           "jacfwd")
        with _Tracing():
            push = _linearize(outs, xs)
            cols: list[list[list[Tensor | None]]] = [[[] for _ in xs] for _ in outs]
            for k, x in enumerate(xs):
                n = x._data.size
                for e in range(n):
                    onehot = np.zeros(n, dtype=x.dtype)
                    onehot[e] = 1
                    ts: list[Any] = [None] * len(xs)
                    ts[k] = onehot.reshape(x.shape)
                    for i, t in enumerate(push(ts, keep)):
                        cols[i][k].append(t)
        blocks = [[_block(cols[i][k], o, o.shape + x.shape, keep, -1)
                   for k, x in enumerate(xs)] for i, o in enumerate(outs)]
        jac = _assemble(blocks, spec, ospec, isinstance(argnums, int))
        return (jac, aux if keep else _detach(aux)) if has_aux else jac

    return wrapped


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """Second derivatives of a scalar function: the Jacobian of its gradient. With a tuple of
    argnums, h[i][j] is the block d/d(arg j) of d f/d(arg i)."""
    check_callable(f, "hessian", "f")
    return jacobian(grad(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Tensor, Any]:
    """(f(*primals), H·tangents) without forming H: the gradient of <grad f, v>. primals is a
    tuple or list of arguments, or one argument; the result is structured the same way."""
    check_callable(f, "hvp", "f")
    single = not isinstance(primals, (tuple, list))
    ps = (primals,) if single else tuple(primals)
    vs = (tangents,) if single else tuple(tangents)
    leaves, spec = tree_flatten(ps)
    v_leaves, v_spec = tree_flatten(vs)
    if len(v_leaves) != len(leaves):
        raise ValueError(f"hvp: tangents structured as {v_spec} for primals structured as {spec}")
    for p, v in zip(leaves, v_leaves):
        if _shape(v) != _shape(p):
            raise ValueError(f"hvp: tangent of shape {_shape(v)} for a primal of shape "
                             f"{_shape(p)}")
    xs = [_as_input(p, "hvp") for p in leaves]
    keep = _nested(list(leaves) + list(v_leaves))
    with _Tracing():
        out = f(*tree_unflatten(xs, spec))
        if not isinstance(out, Tensor) or out._data.size != 1:
            raise TypeError("hvp: f must return a scalar Tensor")
        gs = _pull([out], [None], xs, True)
        dot = None
        for g, v in zip(gs, v_leaves):
            if g is None:
                continue
            term = (g * (v if isinstance(v, Tensor)
                         else Tensor(np.asarray(v, dtype=g.dtype)))).sum()
            dot = term if dot is None else dot + term
        hv = _pull([dot], [None], xs, keep) if dot is not None else [None] * len(xs)
    res = tree_unflatten([_finish(h, x, keep) for h, x in zip(hv, xs)], spec)
    value = out if keep else out.detach()
    return value, (res[0] if single else res)
