"""Backward: walk the recorded graph from the outputs to the leaves, applying each op's VJP rules.

Order: every node gets a sequence number when it is created, so a consumer always has a larger
number than its inputs; popping the largest number first from a heap is a valid reverse
topological order, found without recursion (a chain of a million ops is fine). Each node's
gradient is popped from the table once it is used, and without `retain_graph` each node drops
its saved inputs as soon as its rules have run.

What a freed node leaves behind is a `Trace`: one small tuple per node (op, static arguments,
module scope, shape, dtype, and the ids of its inputs), no array, so that a picture drawn after
backward still shows the whole graph. A `Recorder` (set by `ag.viz.keep_grads`) sees every rule
run and every gradient sent; it is chosen once per call by swapping the loop's `pop` and
`accumulate` functions, so a backward that records nothing pays nothing for it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from heapq import heappop, heappush
from operator import attrgetter
from typing import Any
from weakref import ref

import numpy as np

from .anomaly import check_backward
from .modes import _anomaly, state
from .ops.registry import NP
from .scalar import SC, Scalar, _traced, scalar_leaf
from .tensor import TN, Tensor, _leaf, _to_array, as_used_by

_tensor = sys.modules[Tensor.__module__]  # the module (ag.tensor is the function)

_ndarray = np.ndarray
# A Trace keeps at most this many nodes, those nearest the roots (all of them inside
# ag.viz.keep_grads()). Each costs about 0.3-0.5 µs of backward time, which a graph of small
# ops (a few µs per node) feels: 64 holds every lesson's graph and the head of a model's, at
# about 1 % of a backward pass of small ops. Set it to 0 to keep nothing, or higher to draw more.
TRACE_LIMIT = 64
_recorder: Any = None  # set by ag.viz.keep_grads(): sees each rule run and each gradient sent


class Trace:
    """What one backward pass leaves of the graph it freed: its structure, no arrays.

    nodes: id of each freed node -> (op, params, scope, name, shape, dtype, input ids, seq)
    (kept as one flat list while backward runs: no object per node to make and free);
    the ids are those of the Tensors while the pass ran (all alive at its start, so distinct).
    leaves: id -> (weakref, shape, dtype, name, requires_grad) for the leaves it reached, made
    the first time a picture asks (the pass itself only lists them: leaves are parameters and
    data, which the caller holds anyway). remap: (node id, input position) -> id of the
    version of an input that an in-place op replaced since the node used it. recorder: the
    Recorder of the pass, if one was asked for. Nodes beyond the first TRACE_LIMIT are freed
    without a record.
    """

    __slots__ = ("flat", "_nodes", "found", "_leaves", "remap", "recorder", "seeds",
                 "__weakref__")

    def __init__(self, seeds: tuple) -> None:
        self.seeds = seeds  # (id of a root, the gradient it was seeded with) for each root
        self.flat: list = []  # the node records, written end to end by the backward loop
        self.found: list = []  # the leaves the pass reached, as Tensors until a picture asks
        self._nodes: dict[int, tuple] | None = None
        self._leaves: dict[int, tuple] | None = None
        self.remap: dict[tuple[int, int], int] = {}
        self.recorder: Any = None

    @property
    def nodes(self) -> dict[int, tuple]:
        """id -> (op, params, scope, name, shape, dtype, input ids, seq), read from `flat`
        (id, op, params, scope, name, shape, dtype, seq, n, n input ids) the first time."""
        if self._nodes is None or len(self.flat):
            nodes = self._nodes or {}
            flat, k = self.flat, 0
            while k < len(flat):
                n = flat[k + 8]
                nodes[flat[k]] = (*flat[k + 1:k + 7], tuple(flat[k + 9:k + 9 + n]), flat[k + 7])
                k += 9 + n
            self._nodes, self.flat = nodes, []
        return self._nodes

    @property
    def leaves(self) -> dict[int, tuple]:
        """id -> (weakref, shape, dtype, name, requires_grad), from `found` the first time:
        from then on the trace holds its leaves only weakly."""
        if self._leaves is None or self.found:
            leaves = self._leaves or {}
            for p in self.found:
                if id(p) not in leaves:
                    leaves[id(p)] = (ref(p), p.shape, p.dtype, p.name, p.requires_grad)
            self._leaves, self.found = leaves, []
        return self._leaves

    def seed(self, key: int) -> Any:
        for k, g in self.seeds:
            if k == key:
                return g
        return None


def _static(params: dict) -> dict:
    """A variadic op's params without what may hold Tensors (a Function's ctx): a Trace must
    keep no array alive and make no reference cycle."""
    return {k: v for k, v in params.items()
            if not isinstance(v, Tensor) and type(v).__name__ != "FunctionCtx"}


def _summed(F: Any, g: Any, shape: tuple, t: Tensor, i: int) -> Any:
    """The rule's gradient in the output's broadcast shape, summed down to the input's."""
    try:
        return F.sum_to(g, shape=shape)
    except ValueError as e:
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


def _output_version_error(t: Tensor) -> RuntimeError:
    return RuntimeError(
        f"the result of op '{t._op.name}' (shape {t.shape}) was modified in place after it was "
        "computed (through .detach() or under no_grad), and its gradient needs the value it "
        "had; change a copy (.clone()) instead"
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
        if root._data.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {root.shape}; a gradient can be implied only "
                "for a scalar output. Pass gradient= (a Tensor of the output's shape), or "
                "reduce the output first (e.g. .sum())."
            )
        d = root._data
        one = np.array(1, dtype=d.dtype)  # one element: cheaper than np.ones_like
        one = one if d.ndim == 0 else one.reshape(d.shape)
        return Tensor(one) if create_graph else one
    if isinstance(g, Tensor):
        garr = g._data
    else:
        garr = _to_array(g, root._data.dtype)
    if garr.shape != root.shape:
        raise RuntimeError(
            f"backward: gradient has shape {garr.shape} but the output has shape {root.shape}"
        )
    if garr.dtype != root._data.dtype:
        garr = garr.astype(root._data.dtype)
    if create_graph:
        return g if isinstance(g, Tensor) and g._data is garr else Tensor(garr)
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
    if (not create_graph and inputs is None and len(roots) == 1 and roots[0].__class__ is Scalar
            and _recorder is None and not _anomaly.enabled and not _traced.on
            and _backward_scalar(roots[0], grads[0], retain_graph)):
        return
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
    only_inputs: bool = True,
    allow_unused: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """Returns d(outputs)/d(inputs) without touching any `.grad` (torch.autograd.grad).

    ``only_inputs`` is accepted and ignored, as PyTorch does; ``materialize_grads`` gives zeros
    for inputs the outputs do not depend on (and implies ``allow_unused``).
    """
    allow_unused = allow_unused or materialize_grads
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
            result.append(_leaf(np.zeros_like(x._data)) if materialize_grads else None)
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
        rec = _tensor._recorder
        if rec is not None:  # ag.compile is tracing: it runs this pass and writes it down
            if create_graph or capture is not None:
                rec.refuse("create_graph, autograd.grad or a recorder of pictures in the step")
            elif _recorder is None:
                rec.backward(seeds, retain_graph, only)
                return
        grads, owned = _propagate(seeds, retain_graph, create_graph, capture)
        _deliver_to_leaves(grads, owned, create_graph, capture, only)
    finally:
        state.enabled = prev_mode


def _propagate(
    seeds: list, retain_graph: bool, create_graph: bool, capture: dict | None
) -> tuple[dict, set]:
    """The backward loop: pops nodes newest first and sends each input its rule's gradient.

    First order, rules get F = NP and plain arrays: the node's saved arrays and its output
    array. Under create_graph they get F = TN and Tensors (the inputs themselves, constants as
    arrays, the node as `out`), so every step of this loop is itself recorded.
    """
    F = TN if create_graph else NP
    grads: dict[Tensor, Any] = {}
    owned: set[Tensor] = set()  # entries that are fresh arrays of ours, safe to add into
    heap: list = []
    check_anomaly = _anomaly.enabled
    keep = TRACE_LIMIT
    if retain_graph:
        trace = None
    elif len(seeds) == 1:
        trace = Trace(((id(seeds[0][0]), seeds[0][1]),))
    else:
        trace = Trace(tuple((id(r), g) for r, g in seeds))
    pop, accumulate = heappop, _accumulate
    recorder = _recorder
    if recorder is not None:  # chosen once per call: the plain loop checks nothing per node
        pop, accumulate = recorder.start(grads, trace)
        keep = -1  # recording: keep the whole structure (counts down from -1, never to 0)
    if trace is not None:
        record, found, _id = trace.flat.extend, trace.found.append, id
    for root, g in seeds:
        accumulate(grads, owned, heap, root, g, False)
    while heap:
        t = pop(heap)[1]
        g = grads.pop(t)
        owned.discard(t)
        if t._meta is not None:
            g = _node_hooks(t, g, create_graph)
        if capture is not None and t in capture:
            capture[t] = g
        args = t._args
        if args is None:
            raise _freed_error(t)
        if t._version > t._seq and t._version != (t._meta or {}).get("rebased_at"):
            raise _output_version_error(t)
        op = t._op
        vjps = op.vjps
        variadic = op.variadic
        params = t._params
        seq = t._seq
        if create_graph:
            ins = tuple(x if a is None else a if a._version <= seq else as_used_by(a, seq)
                        for a, x in zip(args, t._arrays))
            out = t
        else:
            ins = t._arrays
            out = t._data
        for i, p in enumerate(args):
            if p is None:
                continue
            if p._version > seq:  # changed in place since t used it (constants too)
                p = as_used_by(p, seq)  # a recorded change left the value t used behind
                if p._version > seq:  # a write into the array: t's saved input is stale
                    raise _version_error(t, i, p)
                if trace is not None:
                    trace.remap[_id(t), i] = _id(p)
            if not p.requires_grad:
                if keep and p._op is None and trace is not None:
                    found(p)  # a constant input of a node the trace records
                continue
            if variadic is None:
                rule = vjps[i]
                if rule is None:
                    continue
                gi = rule(F, g, out, *ins, **params)
            else:
                gi = variadic(i, F, g, out, ins, **params)  # inputs as one tuple: O(n)
            if gi is None:
                continue
            if create_graph and not isinstance(gi, Tensor):
                gi = _leaf(np.asarray(gi))
            pd = p._data
            if gi.shape != pd.shape:
                gi = _summed(F, gi, pd.shape, t, i)
                fresh = gi.__class__ is _ndarray
            else:
                fresh = gi is not g and gi.__class__ is _ndarray and gi.base is None
            if gi.dtype is not pd.dtype and gi.dtype != pd.dtype:
                gi = F.cast(gi, dtype=pd.dtype)
                fresh = gi.__class__ is _ndarray
            if check_anomaly:
                check_backward(t, i, gi)
            accumulate(grads, owned, heap, p, gi, fresh)
        if trace is not None:
            t._args = t._arrays = None
            if keep:  # the nodes nearest the roots, as many as a picture shows in full
                keep -= 1
                t._trace = trace
                n = len(args)
                if variadic is not None:
                    params = _static(params)
                if n == 2:  # one flat list, no object per node: cheap to make and to free
                    record((_id(t), op, params, t._scope, t.name, out.shape, out.dtype, seq, 2,
                            _id(args[0]), _id(args[1])))
                elif n == 1:
                    record((_id(t), op, params, t._scope, t.name, out.shape, out.dtype, seq, 1,
                            _id(args[0])))
                else:
                    record((_id(t), op, params, t._scope, t.name, out.shape, out.dtype, seq, n))
                    record(map(_id, args))
    if trace is not None:
        trace.found.extend(grads)  # the leaves the pass reached
    if recorder is not None:
        recorder.finish(grads, trace)
    return grads, owned


def _accumulate(grads: dict, owned: set, heap: list, p: Tensor, gi: Any, fresh: bool) -> None:
    """Adds gi to p's pending gradient, and queues p the first time it gets one.

    The subtlest rule of the engine lives here: a pending gradient is added into in place only
    when it is a fresh array of ours (`owned`): never a caller's seed, a rule's view of one of
    its inputs, or a Tensor of a recorded backward, which someone else may still hold.
    """
    prev = grads.get(p)
    if prev is None:
        grads[p] = gi
        if fresh:
            owned.add(p)
        if p._op is not None:
            heappush(heap, (-p._seq, p))
    elif p in owned:
        prev += gi  # both already have p's shape and dtype
    else:
        s = prev + gi
        grads[p] = s
        if s.__class__ is _ndarray:
            owned.add(p)  # a NumPy scalar is immutable: it is replaced, never added into


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
            g = r if create_graph else r._data
    return g


def _store_grad(p: Tensor, g: Any, create_graph: bool, fresh: bool) -> None:
    """Accumulates into p.grad as PyTorch does: in place on the first-order path."""
    if create_graph:
        p._grad = g if p._grad is None else p._grad + g
        return
    if p._grad is None:
        if not fresh or g.__class__ is not _ndarray or not g.flags.writeable:
            g = np.array(g, copy=True)
        p._grad = _leaf(g)
    else:
        pg = p._grad._data
        if pg.shape != g.shape:
            raise RuntimeError(
                f"cannot accumulate a gradient of shape {g.shape} into .grad of shape {pg.shape}"
            )
        if pg.flags.writeable and pg.base is None:
            pg += g
        else:
            p._grad = _leaf(pg + g)


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


# -- the scalar path ----------------------------------------------------------------------------
# The loop of `_propagate` for a graph of Scalar nodes (scalar.py), on floats. The order of the
# nodes (newest first) and of the additions into each gradient is the heap's, so the gradients
# are those of the ndarray path bit for bit. What makes it cheap: no heap (the nodes are found
# first, then sorted by their sequence numbers in C), and a node's pending gradient lives in
# its `_g` slot rather than in a dict; a mark object, new for each pass, says "none yet".
_F64 = np.dtype(np.float64)
_by_seq = attrgetter("_seq")
_scalar_busy = False  # a hook that runs backward inside the float loop gets the general loop


def _scalar_order(root: Scalar, mark: object, leaves: list) -> list | None:
    """The nodes behind root, newest first, when each is a Scalar node still holding its
    float; else None, with nothing changed but the marks. A Scalar node's inputs are Scalars
    (scalar.py makes no other), and an in-place op recorded on one moves its value into an
    array, which `_v is None` sees; other in-place changes are found by the loop, at the node
    where `_propagate` finds them."""
    order = [root]
    root._g = mark
    append, leaf = order.append, leaves.append
    try:
        for t in order:  # grows while it is read: each node is appended once, when first seen
            args = t._args
            if args is None or t._v is None:
                return None
            for p in args:
                if p is not None and p._g is not mark:
                    p._g = mark
                    if p._op is not None:
                        append(p)
                    elif p.requires_grad:
                        leaf(p)
    except AttributeError:  # not a Scalar after all
        return None
    order.sort(key=_by_seq, reverse=True)
    return order


def _scalar_rule(rule: Any, g: float, out: float, ins: tuple, params: dict) -> Any:
    """A rule on floats, or on np.float64 where Python would raise or go complex (x / 0,
    a negative base to a fractional power): NumPy's inf, nan and warnings, as on arrays."""
    try:
        gi = rule(SC, g, out, *ins, **params)
    except (ArithmeticError, ValueError):
        gi = None
    else:
        if gi is None or gi.__class__ is float:
            return gi
        if not isinstance(gi, complex):
            return float(gi)
    f64 = np.float64
    gi = rule(SC, f64(g), f64(out), *(x if x is None else f64(x) for x in ins), **params)
    return None if gi is None else float(gi)


def _scalar_hooks(g: float, hooks: list) -> float:
    for hook in list(hooks):
        r = hook(scalar_leaf(g))
        if r is not None:
            if not isinstance(r, Tensor):
                r = Tensor(r)
            if r.shape != ():
                raise RuntimeError(f"a hook returned a gradient of shape {r.shape}; expected ()")
            g = float(r.item())
    return g


def _scalar_node_hooks(t: Tensor, g: float) -> float:
    meta = t._meta
    if meta.get("hooks"):
        g = _scalar_hooks(g, meta["hooks"])
    if meta.get("retain"):
        _store_scalar_grad(t, g)
    return g


def _store_scalar_grad(p: Tensor, g: float) -> None:
    pg = p._grad
    if pg is None:
        p._grad = scalar_leaf(g)
    elif pg.__class__ is Scalar and pg._v is not None:
        pg._v = pg._v + g  # in place, as on arrays: whoever holds .grad sees the sum
    else:
        _store_grad(p, np.array(g), False, fresh=True)


def _record_scalar(trace: Trace, t: Tensor, args: tuple) -> None:
    """The Trace record `_propagate` writes for a node, for a Scalar node (shape (), float64)."""
    t._trace = trace
    _id = id
    n = len(args)
    if n == 2:
        trace.flat.extend((_id(t), t._op, t._params, t._scope, t.name, (), _F64, t._seq, 2,
                           _id(args[0]), _id(args[1])))
    else:
        trace.flat.extend((_id(t), t._op, t._params, t._scope, t.name, (), _F64, t._seq, n))
        trace.flat.extend(map(_id, args))


def _backward_scalar(root: Scalar, gradient: Any, retain_graph: bool) -> bool:
    """backward() of a graph of Scalar nodes with the registry's rules run on floats (F = SC).
    Returns False, having changed nothing, when the graph or the call needs the general loop
    (an array anywhere, an in-place change, a freed graph, ...)."""
    global _scalar_busy
    if gradient is None:
        g = 1.0
    elif gradient.__class__ is float:
        g = gradient
    elif gradient.__class__ is Scalar and gradient._v is not None:
        g = gradient._v
    else:
        return False
    if root._op is None or not root.requires_grad or _scalar_busy:
        return False
    mark = object()
    leaves: list = []
    order = _scalar_order(root, mark, leaves)
    if order is None:
        return False
    prev_mode = state.enabled
    state.enabled = False
    _scalar_busy = True
    try:
        root._g = g
        trace = None if retain_graph else Trace(((id(root), np.array(g)),))
        _propagate_scalar(order, mark, trace)
        for p in leaves:
            gp = p._g
            if gp is mark:
                continue
            meta = p._meta
            if meta is not None and meta.get("hooks"):
                gp = _scalar_hooks(gp, meta["hooks"])
            pg = p._grad
            if pg is None:
                p._grad = scalar_leaf(gp)
            else:
                _store_scalar_grad(p, gp)
            if trace is not None:
                trace.found.append(p)
    finally:
        _scalar_busy = False
        state.enabled = prev_mode
    return True


def _propagate_scalar(order: list, mark: object, trace: Trace | None) -> None:
    """`_propagate` for Scalar nodes: each rule run on floats, its result added into `_g`.

    A rule is called with its inputs as positional arguments when it has no params (the
    common case: Python's fastest call); a node's inputs in order, as `_propagate` does."""
    keep = TRACE_LIMIT
    found = trace.found.append if trace is not None else None
    for t in order:
        g = t._g
        if g is mark:
            continue  # reached only through rules that send nothing, as the heap never pops it
        if t._meta is not None:
            g = _scalar_node_hooks(t, g)
        seq = t._seq
        if t._version > seq:
            raise _output_version_error(t)
        rules = t._op.vjps
        args = t._args
        ins = t._arrays
        out = t._v
        params = t._params
        i = -1
        for p in args:
            i += 1
            if p is None:
                continue
            if p._version > seq:  # changed in place since t used it
                raise _version_error(t, i, p)
            if not p.requires_grad:
                if keep and found is not None and p._op is None:
                    found(p)  # a constant input of a node the trace records
                continue
            rule = rules[i]
            if rule is None:
                continue
            try:
                if params:
                    gi = rule(SC, g, out, *ins, **params)
                elif len(ins) == 2:
                    gi = rule(SC, g, out, ins[0], ins[1])
                else:
                    gi = rule(SC, g, out, *ins)
            except (ArithmeticError, ValueError):
                gi = _scalar_rule(rule, g, out, ins, params)
            else:
                if gi.__class__ is not float:
                    gi = _scalar_rule(rule, g, out, ins, params)
            if gi is not None:
                prev = p._g
                p._g = gi if prev is mark else prev + gi
        if trace is not None:
            t._args = t._arrays = None
            if keep:
                keep -= 1
                _record_scalar(trace, t, args)
