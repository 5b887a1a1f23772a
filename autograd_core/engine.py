"""Backward: walk the recorded graph from the outputs to the leaves, applying each op's VJP rules.

Order: every node gets a sequence number when it is created, so a consumer always has a larger
number than its inputs; popping the largest number first from a heap is a valid reverse
topological order, found without recursion (a chain of a million ops is fine). Each node's
gradient is popped from the table once it is used, and without `retain_graph` each node drops
its saved inputs as soon as its rules have run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .modes import _anomaly, state
from .ops.registry import NP, TN
from .tensor import Tensor, _leaf, _to_array, anomaly_backward

_ndarray = np.ndarray


def sum_to(g: Any, shape: tuple) -> Any:
    """Sums a broadcast gradient back down to an input's shape (the one place that does it)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead > 0 and g.shape[lead:] == shape:  # only leading axes to drop (a bias): one reduce
        return np.add.reduce(g, axis=0 if lead == 1 else tuple(range(lead)))
    if lead < 0 or any(n != 1 and n != g.shape[i + lead] for i, n in enumerate(shape)):
        raise RuntimeError(
            f"a gradient of shape {g.shape} does not broadcast from the input's shape {shape}"
        )
    inner = tuple(i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    out = np.add.reduce(g, axis=tuple(range(lead)) + inner, keepdims=True)
    return out.reshape(shape)


def _summed(g: Any, shape: tuple, t: Tensor, i: int) -> Any:
    try:
        return sum_to(g, shape)
    except RuntimeError as e:
        raise RuntimeError(f"the backward of op '{t._op.name}' for its input {i}: {e}") from None


def _freed_error(t: Tensor) -> RuntimeError:
    return RuntimeError(
        f"backward through op '{t._op.name}' a second time: its saved values were freed by the "
        "first backward(). Pass retain_graph=True to the first call if you need to backward "
        "through the same graph again."
    )


def _version_error(t: Tensor, i: int, p: Tensor) -> RuntimeError:
    return RuntimeError(
        f"input {i} of op '{t._op.name}' (shape {p.shape}) was modified in place after the op "
        "used it, so its gradient would be wrong; compute the op after the change, or change a "
        "copy (.clone()) instead"
    )


def _seed(root: Any, g: Any, create_graph: bool) -> Any:
    if not isinstance(root, Tensor):
        raise TypeError(f"backward: expected a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this Tensor does not require grad and has no grad_fn, so there is "
            "nothing to differentiate; did you forget requires_grad=True on an input, or run "
            "the computation under no_grad()?"
        )
    if g is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {root.shape}; a gradient can be implied only "
                "for a scalar output. Pass gradient= (a Tensor of the output's shape), or "
                "reduce the output first (e.g. .sum())."
            )
        return (Tensor(np.ones_like(root.data)) if create_graph
                else np.ones_like(root.data))
    if isinstance(g, Tensor):
        garr = g.data
    else:
        garr = _to_array(g, root.data.dtype)
    if garr.shape != root.shape:
        raise RuntimeError(
            f"backward: gradient has shape {garr.shape} but the output has shape {root.shape}"
        )
    if garr.dtype != root.data.dtype:
        garr = garr.astype(root.data.dtype)
    if create_graph:
        return g if isinstance(g, Tensor) and g.data is garr else Tensor(garr)
    return garr


def backward(
    roots: Sequence[Tensor],
    grads: Sequence[Any],
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Iterable[Tensor] | None = None,
) -> None:
    """Accumulates gradients of `roots` into the `.grad` of leaves (or of `inputs` only)."""
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [(r, _seed(r, g, create_graph)) for r, g in zip(roots, grads)]
    only = None
    if inputs is not None:
        only = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not only:
            raise RuntimeError("backward: inputs= was given but is empty")
    _run(seeds, retain_graph, create_graph, capture=None, only=only)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Returns d(outputs)/d(inputs) without touching any `.grad` (torch.autograd.grad)."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray, np.generic, float,
                                                         int)):
        gouts = [grad_outputs] * len(outs) if grad_outputs is None else [grad_outputs]
    else:
        gouts = list(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    for i, x in enumerate(ins):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError(f"grad: input {i} is not a Tensor that requires grad")
    seeds = [(r, _seed(r, g, create_graph)) for r, g in zip(outs, gouts)]
    capture: dict[Tensor, Any] = {x: None for x in ins}
    _run(seeds, retain_graph, create_graph, capture=capture, only=None)
    result = []
    for i, x in enumerate(ins):
        g = capture[x]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        elif isinstance(g, Tensor):
            result.append(g)
        else:
            result.append(_leaf(np.array(g, copy=True)))  # never aliases another result
    return tuple(result)


def _run(
    seeds: list,
    retain_graph: bool,
    create_graph: bool,
    capture: dict | None,
    only: list | None,
) -> None:
    prev_mode = state.enabled
    state.enabled = create_graph
    try:
        if create_graph:
            grads = _propagate_tensors(seeds, retain_graph, capture)
            owned: set = set()
        else:
            grads, owned = _propagate_arrays(seeds, retain_graph, capture)
        _deliver_to_leaves(grads, owned, create_graph, capture, only)
    finally:
        state.enabled = prev_mode


def _propagate_arrays(seeds: list, retain_graph: bool, capture: dict | None) -> tuple[dict, set]:
    """First-order backward on plain arrays: the fast path training runs on."""
    grads: dict[Tensor, Any] = {}
    owned: set[Tensor] = set()  # entries that are fresh arrays of ours, safe to add into
    heap: list = []
    push, pop = heappush, heappop
    check_anomaly = _anomaly.enabled
    for root, g in seeds:
        _add_array(grads, owned, heap, root, g, False)
    while heap:
        t = pop(heap)[1]
        g = grads.pop(t)
        owned.discard(t)
        if t._meta is not None:
            g = _node_hooks(t, g, False)
        if capture is not None and t in capture:
            capture[t] = g
        args = t._args
        if args is None:
            raise _freed_error(t)
        op = t._op
        vjps = op.vjps
        variadic = op.variadic
        arrays = t._arrays
        params = t._params
        out = t.data
        seq = t._seq
        for i, p in enumerate(args):
            if p is None:
                continue
            if p._version > seq:  # constants too: a changed input changes every gradient
                raise _version_error(t, i, p)
            if not p.requires_grad:
                continue
            if variadic is None:
                rule = vjps[i]
                if rule is None:
                    continue
                gi = rule(NP, g, out, *arrays, **params)
            else:
                gi = variadic(i, NP, g, out, arrays, **params)  # inputs as one tuple: O(n)
            if gi is None:
                continue
            pd = p.data
            if gi.shape != pd.shape:
                gi = _summed(gi, pd.shape, t, i)
                fresh = gi.__class__ is _ndarray
            else:
                fresh = gi is not g and gi.__class__ is _ndarray and gi.base is None
            if gi.dtype != pd.dtype:
                gi = gi.astype(pd.dtype)
                fresh = gi.__class__ is _ndarray
            if check_anomaly:
                anomaly_backward(t, i, gi)
            prev = grads.get(p)
            if prev is None:
                grads[p] = gi
                if fresh:
                    owned.add(p)
                if p._op is not None:
                    push(heap, (-p._seq, p))
            elif p in owned:
                prev += gi  # both already have p's shape and dtype
            else:
                s = prev + gi
                grads[p] = s
                if s.__class__ is _ndarray:
                    owned.add(p)  # a NumPy scalar is immutable: it is replaced, never added into
        if not retain_graph:
            t._args = t._arrays = None
    return grads, owned


def _add_array(grads: dict, owned: set, heap: list, p: Tensor, gi: Any, fresh: bool) -> None:
    """Adds gi to p's pending gradient (the first-order loop inlines this same logic)."""
    prev = grads.get(p)
    if prev is None:
        grads[p] = gi
        if fresh:
            owned.add(p)
        if p._op is not None:
            heappush(heap, (-p._seq, p))
    elif p in owned:
        prev += gi
    else:
        s = prev + gi
        grads[p] = s
        if s.__class__ is _ndarray:
            owned.add(p)


def _propagate_tensors(seeds: list, retain_graph: bool, capture: dict | None) -> dict:
    """Backward whose own computation is recorded: gradients are Tensors with a graph."""
    grads: dict[Tensor, Tensor] = {}
    heap: list = []
    check_anomaly = _anomaly.enabled

    def add(p: Tensor, gi: Tensor) -> None:
        prev = grads.get(p)
        if prev is None:
            grads[p] = gi
            if p._op is not None:
                heappush(heap, (-p._seq, p))
        else:
            grads[p] = prev + gi

    for root, g in seeds:
        add(root, g)
    while heap:
        t = heappop(heap)[1]
        g = grads.pop(t)
        if t._meta is not None:
            g = _node_hooks(t, g, True)
        if capture is not None and t in capture:
            capture[t] = g
        args = t._args
        if args is None:
            raise _freed_error(t)
        op = t._op
        arrays = t._arrays
        xs = tuple(a if a is not None else arr for a, arr in zip(args, arrays))
        for i, p in enumerate(args):
            if p is None:
                continue
            if p._version > t._seq:
                raise _version_error(t, i, p)
            if not p.requires_grad:
                continue
            if op.variadic is not None:
                gi = op.variadic(i, TN, g, t, xs, **t._params)
            else:
                rule = op.vjps[i]
                if rule is None:
                    continue
                gi = rule(TN, g, t, *xs, **t._params)
            if gi is None:
                continue
            if not isinstance(gi, Tensor):
                gi = _leaf(np.asarray(gi))
            if gi.shape != p.shape:
                gi = TN.sum_to(gi, shape=p.shape)
            if gi.dtype != p.dtype:
                gi = TN.cast(gi, dtype=p.dtype)
            if check_anomaly:
                anomaly_backward(t, i, gi)
            add(p, gi)
        if not retain_graph:
            t._args = t._arrays = None
    return grads


def _node_hooks(t: Tensor, g: Any, create_graph: bool) -> Any:
    meta = t._meta
    hooks = meta.get("hooks")
    if hooks:
        g = _call_hooks(hooks, g, create_graph)
    if meta.get("retain"):
        _store_grad(t, g, create_graph, fresh=False)
    return g


def _call_hooks(hooks: list, g: Any, create_graph: bool) -> Any:
    for hook in list(hooks):
        gt = g if create_graph else _leaf(g)
        r = hook(gt)
        if r is not None:
            if not isinstance(r, Tensor):
                r = Tensor(r)
            if r.shape != gt.shape:
                raise RuntimeError(
                    f"a hook returned a gradient of shape {r.shape}; expected {gt.shape}"
                )
            g = r if create_graph else r.data
    return g


def _store_grad(p: Tensor, g: Any, create_graph: bool, fresh: bool) -> None:
    """Accumulates into p.grad as PyTorch does: in place on the first-order path."""
    if create_graph:
        p.grad = g if p.grad is None else p.grad + g
        return
    if p.grad is None:
        if not fresh or g.__class__ is not _ndarray or not g.flags.writeable:
            g = np.array(g, copy=True)
        p.grad = _leaf(g)
    else:
        pg = p.grad.data
        if pg.shape != g.shape:
            raise RuntimeError(
                f"cannot accumulate a gradient of shape {g.shape} into .grad of shape {pg.shape}"
            )
        if pg.flags.writeable and pg.base is None:
            pg += g
        else:
            p.grad = _leaf(pg + g)


def _deliver_to_leaves(
    grads: dict, owned: set, create_graph: bool, capture: dict | None, only: list | None
) -> None:
    wanted = None if only is None else {id(x) for x in only}
    for p, g in grads.items():
        meta = p._meta
        if meta is not None and meta.get("hooks"):
            g = _call_hooks(meta["hooks"], g, create_graph)
            fresh = False
        else:
            fresh = p in owned
        if capture is not None:
            if p in capture:
                capture[p] = g
            continue
        if wanted is not None and id(p) not in wanted:
            continue
        _store_grad(p, g, create_graph, fresh)
