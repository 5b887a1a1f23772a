"""User-defined differentiable functions with their own backward, PyTorch style."""

from __future__ import annotations

import weakref
from typing import Any

from .modes import no_grad, state
from .ops.registry import Op
from .tensor import Tensor, _leaf, _node


class FunctionCtx:
    """What forward leaves for backward: saved tensors and any attributes set on it.

    A saved output is handed back to backward as the Function's own result, with its place in
    the graph (as PyTorch unpacks it), so a backward that uses it is differentiable again under
    create_graph; it is held weakly, since the result's node holds this context.
    """

    def __init__(self) -> None:
        self._saved: tuple = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._cache: tuple | None = None

    def save_for_backward(self, *tensors: Any) -> None:
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        return tuple(s() if isinstance(s, weakref.ref) else s for s in self._saved)

    def _link_output(self, out: Tensor, node: Tensor) -> None:
        self._saved = tuple(weakref.ref(node) if s is out else s for s in self._saved)


class Function:
    """Subclass with @staticmethod forward(ctx, *args) and backward(ctx, *grad_outputs),
    then call Cls.apply(*args). backward returns one gradient (or None) per forward arg."""

    _op: Op | None = None

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads)")

    @classmethod
    def _get_op(cls) -> Op:
        if cls.__dict__.get("_op") is None:
            cls._op = Op(cls.__name__, _no_forward, (), None, variadic=_make_rule(cls))
        return cls._op

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{cls.__name__}.forward must return one Tensor; got {type(out).__name__}"
            )
        if any(ctx.needs_input_grad) and state.enabled:
            parents = tuple(a if isinstance(a, Tensor) else None for a in args)
            arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
            node = _node(out._data, cls._get_op(), parents, arrays, {"ctx": ctx})
            ctx._link_output(out, node)
            return node
        return _leaf(out._data)


def _no_forward(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a Function's op runs through Function.apply")


def _make_rule(cls: type[Function]):
    def rule(i: int, F: Any, g: Any, out: Any, xs: tuple, ctx: FunctionCtx) -> Any:
        tensor_mode = isinstance(g, Tensor)
        if ctx._cache is None or ctx._cache[0] is not g:
            grads = cls.backward(ctx, g if tensor_mode else _leaf(g))
            if not isinstance(grads, tuple):
                grads = (grads,)
            n = len(ctx.needs_input_grad)
            if len(grads) != n:
                raise RuntimeError(
                    f"{cls.__name__}.backward returned {len(grads)} gradients; forward took "
                    f"{n} arguments, so it must return {n} (None where there is none)"
                )
            ctx._cache = (g, grads)
        gi = ctx._cache[1][i]
        if gi is None:
            return None
        if not isinstance(gi, Tensor):
            gi = Tensor(gi)
        if gi.shape != xs[i].shape:
            try:
                import numpy as np

                np.broadcast_shapes(gi.shape, xs[i].shape)
            except ValueError:
                raise RuntimeError(
                    f"{cls.__name__}.backward returned a gradient of shape {gi.shape} for "
                    f"input {i} of shape {xs[i].shape}"
                ) from None
        # a copy: the engine may add into this array, and it may be the user's own data
        return gi if tensor_mode else gi._data.copy()

    return rule
