"""Function transforms in the style of JAX and torch.func: grad, value_and_grad, vjp, jvp,
jacobian, hessian, hvp. Each takes a function of Tensors and returns a function; they compose
(`grad(grad(f))`, `jacobian(grad(f))`) because a transform evaluated inside another records the
graph of its own backward pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .functions.shape import stack
from .modes import enable_grad
from .tensor import Tensor

ArgNums = int | tuple[int, ...]


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
    """A differentiable stand-in for an argument: the Tensor itself when an outer transform
    already differentiates it (so the graph stays connected), else a fresh leaf."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            return x
        arr = x._data
    else:
        arr = np.asarray(x)
        if arr.dtype == np.float64 and not isinstance(x, (np.ndarray, np.generic)):
            arr = arr.astype(np.float32)
    if arr.dtype.kind not in "fc":
        raise TypeError(f"{where}: differentiable arguments must be floating point; got dtype "
                        f"{arr.dtype}")
    return Tensor(arr, requires_grad=True)


def _nested(*tensors: Tensor) -> bool:
    return _depth.value > 0 or any(t._op is not None for t in tensors)


def _argnums(argnums: ArgNums, n: int, where: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not -n <= a < n:
            raise ValueError(f"{where}: argnums {argnums} is out of range for {n} arguments")
    return tuple(a % n for a in nums)


def _finish(g: Tensor | None, like: Tensor, keep_graph: bool) -> Tensor:
    if g is None:
        return Tensor(np.zeros_like(like._data))
    return g if keep_graph else g.detach()


def _call_traced(f: Callable[..., Any], args: tuple, kwargs: dict, argnums: ArgNums,
                 where: str) -> tuple[tuple[int, ...], list[Tensor], Any]:
    """Calls f with the arguments named by argnums made inputs of a fresh trace."""
    nums = _argnums(argnums, len(args), where)
    args = list(args)
    xs = [_as_input(args[i], where) for i in nums]
    for i, x in zip(nums, xs):
        args[i] = x
    with _Tracing():
        return nums, xs, f(*args, **kwargs)


def value_and_grad(
    f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """f's value and its gradient with respect to the arguments named by argnums."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums, xs, res = _call_traced(f, args, kwargs, argnums, "grad")
        out, aux = (res if has_aux else (res, None))
        if not isinstance(out, Tensor) or out._data.size != 1:
            shape = getattr(out, "shape", type(out).__name__)
            raise TypeError(f"grad: f must return a scalar Tensor (one element); got {shape}")
        keep = _nested(*xs)
        if out.requires_grad:
            gs = engine.grad(out, xs, create_graph=keep, retain_graph=keep, allow_unused=True)
        else:
            gs = (None,) * len(xs)
        grads = tuple(_finish(g, x, keep) for g, x in zip(gs, xs))
        result = grads[0] if isinstance(argnums, int) else grads
        value = out if keep else out.detach()
        if has_aux and not keep:  # as torch.func: aux leaves the transform without a graph
            aux = _detach_tree(aux)
        return ((value, aux), result) if has_aux else (value, result)

    return wrapped


def _detach_tree(v: Any) -> Any:
    if isinstance(v, Tensor):
        return v.detach()
    if isinstance(v, (tuple, list)):
        return type(v)(_detach_tree(e) for e in v)
    if isinstance(v, dict):
        return {k: _detach_tree(e) for k, e in v.items()}
    return v


def grad(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function; a tuple of gradients when argnums is a tuple."""
    vg = value_and_grad(f, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def _outputs(out: Any, where: str) -> tuple[list[Tensor], bool]:
    if isinstance(out, Tensor):
        return [out], True
    if isinstance(out, (tuple, list)) and all(isinstance(o, Tensor) for o in out):
        return list(out), False
    raise TypeError(f"{where}: f must return a Tensor or a tuple of Tensors; got "
                    f"{type(out).__name__}")


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., tuple]]:
    """(f(*primals), vjp_fn) where vjp_fn(cotangent) gives one gradient per primal."""
    xs = [_as_input(p, "vjp") for p in primals]
    with _Tracing():
        out = f(*xs)
    outs, single = _outputs(out, "vjp")
    keep = _nested(*xs)

    def vjp_fn(*cotangents: Any) -> tuple[Tensor, ...]:
        cts = list(cotangents)
        if single and len(cts) == 1 and isinstance(cts[0], (tuple, list)):
            cts = list(cts[0])
        if len(cts) == 1 and not single and isinstance(cts[0], (tuple, list)):
            cts = list(cts[0])
        if len(cts) != len(outs):
            raise ValueError(f"vjp_fn: expected {len(outs)} cotangents, got {len(cts)}")
        live = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
        for o, c in zip(outs, cts):
            if tuple(np.shape(c._data if isinstance(c, Tensor) else c)) != o.shape:
                raise ValueError(f"vjp_fn: cotangent of shape {np.shape(c)} for an output of "
                                 f"shape {o.shape}")
        if not live:
            return tuple(_finish(None, x, keep) for x in xs)
        with enable_grad():
            gs = engine.grad([o for o, _ in live], xs, grad_outputs=[c for _, c in live],
                             create_graph=keep or _depth.value > 0, retain_graph=True,
                             allow_unused=True)
        return tuple(_finish(g, x, keep or _depth.value > 0) for g, x in zip(gs, xs))

    value = out if keep else (outs[0].detach() if single else tuple(o.detach() for o in outs))
    return value, vjp_fn


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """(f(*primals), J·tangents), by differentiating the (linear) VJP once more."""
    if isinstance(primals, Tensor) or not isinstance(primals, (tuple, list)):
        primals, tangents = (primals,), (tangents,)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    xs = [_as_input(p, "jvp") for p in primals]
    for x, t in zip(xs, tangents):
        if tuple(np.shape(t._data if isinstance(t, Tensor) else t)) != x.shape:
            raise ValueError(f"jvp: tangent of shape {np.shape(t)} for a primal of shape "
                             f"{x.shape}")
    keep = _nested(*xs)
    with _Tracing():
        out = f(*xs)
        outs, single = _outputs(out, "jvp")
        us = [Tensor(np.zeros_like(o._data), requires_grad=True) for o in outs]
        live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
        if live:
            gx = engine.grad([o for o, _ in live], xs, grad_outputs=[u for _, u in live],
                             create_graph=True, retain_graph=True, allow_unused=True)
        else:
            gx = (None,) * len(xs)
        pairs = [(g, t) for g, t in zip(gx, tangents) if g is not None and g.requires_grad]
        if pairs:
            touts = engine.grad([g for g, _ in pairs], us, grad_outputs=[t for _, t in pairs],
                                create_graph=keep, retain_graph=keep, allow_unused=True)
        else:
            touts = (None,) * len(us)
    tout = tuple(_finish(t, o, keep) for t, o in zip(touts, outs))
    value = tuple(o if keep else o.detach() for o in outs)
    return (value[0], tout[0]) if single else (value, tout)


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The Jacobian, shaped output.shape + input.shape (reverse mode, one row at a time)."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums, xs, out = _call_traced(f, args, kwargs, argnums, "jacobian")
        if not isinstance(out, Tensor):
            raise TypeError(f"jacobian: f must return a Tensor; got {type(out).__name__}")
        keep = _nested(*xs)
        rows: list[list[Tensor]] = [[] for _ in xs]
        n = out._data.size
        for j in range(n):
            if out.requires_grad:
                onehot = np.zeros(out._data.size, dtype=out.dtype)
                onehot[j] = 1
                with enable_grad():
                    gs = engine.grad(out, xs, grad_outputs=onehot.reshape(out.shape),
                                     create_graph=keep, retain_graph=True, allow_unused=True)
            else:
                gs = (None,) * len(xs)
            for k, (g, x) in enumerate(zip(gs, xs)):
                rows[k].append(_finish(g, x, keep))
        jacs = []
        for k, x in enumerate(xs):
            if n == 0:
                jacs.append(Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype)))
            else:
                jacs.append(stack(rows[k], 0).reshape(out.shape + x.shape))
        return jacs[0] if isinstance(argnums, int) else tuple(jacs)

    return wrapped


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """Second derivatives of a scalar function: the Jacobian of its gradient."""
    if isinstance(argnums, int):
        return jacobian(grad(f, argnums), argnums)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return tuple(
            jacobian(lambda *a, _i=i: grad(f, argnums)(*a, **kwargs)[_i], argnums)(*args)
            for i in range(len(argnums))
        )

    return wrapped


def hvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Tensor, Any]:
    """(f(*primals), H·tangents) without forming H: the gradient of <grad f, v>."""
    single = isinstance(primals, Tensor) or not isinstance(primals, (tuple, list))
    ps = (primals,) if single else tuple(primals)
    vs = (tangents,) if single else tuple(tangents)
    if len(ps) != len(vs):
        raise ValueError(f"hvp: {len(ps)} primals but {len(vs)} tangents")
    xs = [_as_input(p, "hvp") for p in ps]
    keep = _nested(*xs)
    with _Tracing():
        out = f(*xs)
        if not isinstance(out, Tensor) or out._data.size != 1:
            raise TypeError("hvp: f must return a scalar Tensor")
        gs = engine.grad(out, xs, create_graph=True, retain_graph=True, allow_unused=True)
        dot = None
        for g, v in zip(gs, vs):
            if g is None:
                continue
            term = (g * (v if isinstance(v, Tensor) else Tensor(np.asarray(v)))).sum()
            dot = term if dot is None else dot + term
        if dot is not None and dot.requires_grad:
            hv = engine.grad(dot, xs, create_graph=keep, retain_graph=keep, allow_unused=True)
        else:
            hv = (None,) * len(xs)
    res = tuple(_finish(h, x, keep) for h, x in zip(hv, xs))
    value = out if keep else out.detach()
    return value, (res[0] if single else res)
