"""torch.autograd.functional: vjp, jvp, jacobian, hessian, hvp and vhp evaluated at a point.

The conventions are torch's: `inputs` is a Tensor or a tuple (f is called as f(*inputs)), and each
result mirrors what it is taken with respect to: a Tensor for a Tensor, a tuple for a tuple, a
tuple of tuples for a Jacobian of several outputs with respect to several inputs. Beyond torch,
any pytree works the same way (a list or dict of Tensors is one argument, and the results are
structured like it). Results carry no graph unless create_graph=True; strict=True turns an output
that does not depend on an input into an error instead of zeros.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import engine
from ..functions.shape import stack
from ..modes import enable_grad
from ..ops import REGISTRY
from ..pytree import TreeSpec, tree_flatten, tree_leaves, tree_unflatten
from ..tensor import Tensor, _unary

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]

_RESHAPE = REGISTRY["reshape"]
_STRATEGIES = ("forward-mode", "reverse-mode")


def _tensors(tree: Any, arg_name: str, fn: str) -> tuple[list[Tensor], TreeSpec]:
    leaves, spec = tree_flatten(tree)
    for i, el in enumerate(leaves):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if not spec.is_leaf() else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn} must be either a Tensor or a tuple of "
                            f"Tensors but the {where} has type {type(el)}.")
    return leaves, spec


def _preprocess(xs: Sequence[Tensor], create_graph: bool, need_graph: bool) -> list[Tensor]:
    """Always new Tensor objects, to tell the inputs apart from the same Tensors captured by f:
    a node on top of x when the caller wants gradients to flow back into x, else a fresh leaf
    sharing its memory."""
    res = []
    with enable_grad():
        for x in xs:
            if create_graph and x.requires_grad:
                res.append(_unary(_RESHAPE, x, shape=x.shape))
            else:
                res.append(Tensor(x._data, requires_grad=need_graph))
    return res


def _call(func: Callable[..., Any], xs: list[Tensor], spec: TreeSpec) -> Any:
    tree = tree_unflatten(xs, spec)
    return func(*tree) if type(tree) is tuple else func(tree)


def _outputs(out: Any, fn: str) -> tuple[list[Tensor], TreeSpec]:
    return _tensors(out, "outputs of the user-provided function", fn)


def _validate_v(v: list[Tensor], other: list[Tensor], is_other_tuple: bool) -> None:
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.shape} but got "
                               f"{el_v.shape}.")


def _vectors(v: Any, other: list[Tensor], other_spec: TreeSpec, create_graph: bool,
             fn: str) -> list[Tensor]:
    leaves, _ = _tensors(v, "v", fn)
    leaves = _preprocess(leaves, create_graph, need_graph=False)
    _validate_v(leaves, other, not other_spec.is_leaf())
    return leaves


def _check_requires_grad(tensors: Sequence[Tensor | None], kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if t.requires_grad:
            continue
        if kind == "hessian":
            raise RuntimeError(f"The hessian of the user-provided function with respect to input "
                               f"{i} is independent of the input. This is not allowed in strict "
                               "mode. You should ensure that your function is thrice "
                               "differentiable and that the hessian depends on the inputs.")
        if kind == "jacobian":
            raise RuntimeError("While computing the hessian, found that the jacobian of the "
                               f"user-provided function with respect to input {i} is independent "
                               "of the input. This is not allowed in strict mode. You should "
                               "ensure that your function is twice differentiable and that the "
                               "jacobian depends on the inputs (this would be violated by a "
                               "linear function for example).")
        if kind == "grad_inputs":
            raise RuntimeError(f"The gradient with respect to input {i} is independent of the "
                               "inputs of the user-provided function. This is not allowed in "
                               "strict mode.")
        raise RuntimeError(f"Output {i} of the user-provided function does not require "
                           "gradients. The outputs must be computed in a differentiable manner "
                           "from the input when running in strict mode.")


def _autograd_grad(outputs: Sequence[Tensor | None], inputs: Sequence[Tensor],
                   grad_outputs: Sequence[Any] | None = None,
                   create_graph: bool = False) -> list[Tensor | None]:
    """engine.grad over the outputs that require grad; None for inputs nothing depends on. The
    graph is retained: f may close over someone else's graph."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return [None] * len(inputs)
    with enable_grad():
        return list(engine.grad([o for o, _ in pairs], list(inputs),
                                grad_outputs=[g for _, g in pairs], create_graph=create_graph,
                                retain_graph=True, allow_unused=True))


_ZERO_ERRORS = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
            "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
}


def _fill_in_zeros(grads: Sequence[Tensor | None], refs: Sequence[Tensor], strict: bool,
                   create_graph: bool, stage: str) -> list[Tensor]:
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_ZERO_ERRORS[stage].format(i=i))
            g = Tensor(np.zeros_like(ref._data))
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        res.append(g)
    return res


def _post(tensors: Sequence[Tensor], create_graph: bool) -> list[Tensor]:
    return list(tensors) if create_graph else [t.detach() for t in tensors]


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T J): the second structured like inputs. v may be left out when func
    returns a single one-element Tensor."""
    leaves, spec = _tensors(inputs, "inputs", "vjp")
    xs = _preprocess(leaves, create_graph, need_graph=True)
    with enable_grad():
        outs, ospec = _outputs(_call(func, xs, spec), "vjp")
    _check_requires_grad(outs, "outputs", strict)
    vs = _vectors_or_default(v, outs, ospec, create_graph, "vjp",
                             "the user-provided function returns")
    grads = _autograd_grad(outs, xs, vs, create_graph)
    res = _fill_in_zeros(grads, xs, strict, create_graph, "back")
    return (tree_unflatten(_post(outs, create_graph), ospec),
            tree_unflatten(_post(res, create_graph), spec))


def _vectors_or_default(v: Any, ts: list[Tensor], spec: Any, create_graph: bool, where: str,
                        subject: str) -> list[Any]:
    """v's leaves, or the implied 1 when v is left out for a single one-element Tensor."""
    if v is not None:
        return _vectors(v, ts, spec, create_graph, where)
    if len(ts) != 1 or ts[0]._data.size != 1:
        raise RuntimeError(f"The vector v can only be None if {subject} a single Tensor with a "
                           "single element.")
    return [None]


def _dummies(outs: list[Tensor]) -> tuple[list[Tensor], list[int]]:
    """Zero cotangents u for the outputs that require grad: J^T u is linear in u, so its
    gradient with respect to u along v is J v (the double backward trick)."""
    live = [k for k, o in enumerate(outs) if o.requires_grad]
    return [Tensor(np.zeros_like(outs[k]._data), requires_grad=True) for k in live], live


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v): the second structured like the output, by the double backward trick.
    v may be left out when inputs is a single one-element Tensor."""
    leaves, spec = _tensors(inputs, "inputs", "jvp")
    xs = _preprocess(leaves, create_graph, need_graph=True)
    vs = _vectors_or_default(v, xs, spec, create_graph, "jvp",
                             "the input to the user-provided function is")
    with enable_grad():
        outs, ospec = _outputs(_call(func, xs, spec), "jvp")
    _check_requires_grad(outs, "outputs", strict)
    us, live = _dummies(outs)
    grad_inputs = _autograd_grad([outs[k] for k in live], xs, us, create_graph=True)
    _check_requires_grad(grad_inputs, "grad_inputs", strict)
    grads: list[Tensor | None] = [None] * len(outs)
    if us:
        for k, g in zip(live, _autograd_grad(grad_inputs, us, vs, create_graph)):
            grads[k] = g
    res = _fill_in_zeros(grads, outs, strict, create_graph, "back_trick")
    return (tree_unflatten(_post(outs, create_graph), ospec),
            tree_unflatten(_post(res, create_graph), ospec))


def _block(parts: list[Tensor], shape: tuple, create_graph: bool, axis: int,
           dtype: Any) -> Tensor:
    if not parts:
        return Tensor(np.zeros(shape, dtype=dtype))
    if create_graph:
        return stack(parts, axis).reshape(shape)
    return Tensor(np.stack([p._data for p in parts], axis=axis).reshape(shape))


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian, each block shaped output.shape + input.shape: a Tensor for one output and
    one input, a tuple over inputs or over outputs, a tuple of tuples jac[i][j] (output i, input
    j) for several of each. vectorize is accepted for torch's signature: the rows (reverse mode)
    or columns (forward mode) are computed one at a time either way."""
    if strategy not in _STRATEGIES:
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: '
                         'If your function has more outputs than inputs, "forward-mode" tends to '
                         'be more performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode" and strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and '
                           '`strategy="forward-mode"` are not supported together (yet). Please '
                           'either set `strict=False` or `strategy="reverse-mode"`.')
    leaves, spec = _tensors(inputs, "inputs", "jacobian")
    xs = _preprocess(leaves, create_graph, need_graph=True)
    with enable_grad():
        outs, ospec = _outputs(_call(func, xs, spec), "jacobian")
    _check_requires_grad(outs, "outputs", strict)
    if strategy == "forward-mode":
        blocks = _forward_blocks(outs, xs, create_graph)
    else:
        blocks = _reverse_blocks(outs, xs, create_graph, strict)
    return tree_unflatten([tree_unflatten(row, spec) for row in blocks], ospec)


def _reverse_blocks(outs: list[Tensor], xs: list[Tensor], create_graph: bool,
                    strict: bool) -> list[list[Tensor]]:
    blocks = []
    for i, out in enumerate(outs):
        rows: list[list[Tensor]] = [[] for _ in xs]
        n = out._data.size
        for j in range(n):
            onehot = np.zeros(n, dtype=out.dtype)
            onehot[j] = 1
            vj = _autograd_grad([out], xs, [onehot.reshape(out.shape)], create_graph)
            for k, (g, x) in enumerate(zip(vj, xs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is "
                                           f"independent of input {k}. This is not allowed in "
                                           "strict mode.")
                    g = Tensor(np.zeros_like(x._data))
                elif strict and create_graph and not g.requires_grad:
                    raise RuntimeError(f"The jacobian of the user-provided function is "
                                       f"independent of input {k}. This is not allowed in "
                                       "strict mode when create_graph=True.")
                rows[k].append(g if create_graph else g.detach())
        blocks.append([_block(r, out.shape + x.shape, create_graph, 0, x.dtype)
                       for r, x in zip(rows, xs)])
    return blocks


def _forward_blocks(outs: list[Tensor], xs: list[Tensor],
                    create_graph: bool) -> list[list[Tensor]]:
    """Columns J e by the double backward trick: one forward pass, one product per input element."""
    us, live = _dummies(outs)
    grad_inputs = _autograd_grad([outs[k] for k in live], xs, us, create_graph=True)
    cols: list[list[list[Tensor]]] = [[[] for _ in xs] for _ in outs]
    for k, x in enumerate(xs):
        n = x._data.size
        g = grad_inputs[k]
        for e in range(n):
            touts: list[Tensor | None] = [None] * len(outs)
            if g is not None and g.requires_grad:
                onehot = np.zeros(n, dtype=x.dtype)
                onehot[e] = 1
                got = _autograd_grad([g], us, [onehot.reshape(x.shape)], create_graph)
                for i, t in zip(live, got):
                    touts[i] = t
            for i, (t, o) in enumerate(zip(touts, outs)):
                t = Tensor(np.zeros_like(o._data)) if t is None else t
                cols[i][k].append(t if create_graph else t.detach())
    return [[_block(cols[i][k], o.shape + x.shape, create_graph, -1, o.dtype)
             for k, x in enumerate(xs)] for i, o in enumerate(outs)]


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a function returning one one-element Tensor: a Tensor for one input, a
    tuple of tuples h[i][j] for a tuple of inputs."""
    if outer_jacobian_strategy not in _STRATEGIES:
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    _tensors(inputs, "inputs", "hessian")
    spread = type(inputs) is tuple

    def single_output(*args: Any) -> Tensor:
        out = func(*args)
        outs, _ = _outputs(out, "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out._data.size != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.reshape(())

    def jac_func(*args: Any) -> Any:
        jac = jacobian(single_output, args if spread else args[0], create_graph=True)
        _check_requires_grad(tree_leaves(jac), "jacobian", strict)
        return jac

    return jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                    vectorize=vectorize, strategy=outer_jacobian_strategy)


def _second_order(func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool,
                  strict: bool, fn: str) -> tuple[Any, Any]:
    leaves, spec = _tensors(inputs, "inputs", fn)
    xs = _preprocess(leaves, create_graph, need_graph=True)
    if v is not None:
        vs: list[Any] = _vectors(v, xs, spec, create_graph, fn)
    else:
        if len(xs) != 1 or xs[0]._data.size != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        vs = [None]
    with enable_grad():
        out = _call(func, xs, spec)
        outs, _ = _outputs(out, fn)
    _check_requires_grad(outs, "outputs", strict)
    if not isinstance(out, Tensor):
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if out._data.size != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a "
                           "single element")
    jac = _autograd_grad([out], xs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    grads = _autograd_grad(jac, xs, vs, create_graph)
    res = _fill_in_zeros(grads, xs, strict, create_graph, "double_back")
    return _post([out], create_graph)[0], tree_unflatten(_post(res, create_graph), spec)


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Any]:
    """(func(inputs), v^T H), structured like inputs, for a function returning one element."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Any]:
    """(func(inputs), H v), structured like inputs. The Hessian of a twice continuously
    differentiable function is symmetric, so H v is v^T H and one double backward gives it
    (torch takes a longer road, by the double backward trick, to the same numbers)."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp")
