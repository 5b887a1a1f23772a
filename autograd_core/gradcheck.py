"""Gradient checking: the engine's gradient against central differences, element by element."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .arguments import check_callable
from .modes import enable_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytical gradient disagrees with the numerical one."""


def _as_outputs(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)) and all(isinstance(o, Tensor) for o in out):
        return list(out)
    raise TypeError(f"gradcheck: f must return a Tensor or a tuple of Tensors; got "
                    f"{type(out).__name__}")


def numerical_jacobian(f: Callable[..., Any], inputs: Sequence[Any], i: int,
                       eps: float = 1e-6) -> list[np.ndarray]:
    """d(outputs)/d(inputs[i]) by central differences: (out.size, in.size) per output."""
    x = inputs[i]
    data = x._data  # perturbed in place, element by element (works for any strides)
    if not data.flags.writeable:
        raise ValueError(
            f"gradcheck: input {i} is a read-only array (a broadcast view?), so it cannot be "
            "perturbed; pass a copy (e.g. ag.tensor(np.array(x), requires_grad=True))"
        )
    flat = _Cells(data)
    cols: list[list[np.ndarray]] = []
    # f may differentiate internally (gradgradcheck), so grad mode stays as it is
    for j in range(flat.size):
        orig = flat[j].copy()
        flat[j] = orig + eps
        plus = [o.detach()._data.astype(np.float64).reshape(-1) for o in _as_outputs(f(*inputs))]
        flat[j] = orig - eps
        minus = [o.detach()._data.astype(np.float64).reshape(-1) for o in _as_outputs(f(*inputs))]
        flat[j] = orig
        cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    n_out = len(cols[0]) if cols else len(_as_outputs(f(*inputs)))
    return [np.stack([c[k] for c in cols], axis=1) if cols else np.zeros((0, 0))
            for k in range(n_out)]


class _Cells:
    """Flat, row-major element access to an array of any layout, in place."""

    def __init__(self, a: np.ndarray) -> None:
        self.a, self.size = a, a.size

    def __getitem__(self, j: int) -> np.ndarray:
        return np.array(self.a[np.unravel_index(j, self.a.shape)] if self.a.ndim else self.a[()])

    def __setitem__(self, j: int, v: Any) -> None:
        if self.a.ndim:
            self.a[np.unravel_index(j, self.a.shape)] = v
        else:
            self.a[()] = v


def analytical_jacobian(f: Callable[..., Any], inputs: Sequence[Any]) -> list[list[np.ndarray]]:
    """J[k][i]: d(output k)/d(input i) from the engine's VJPs, one output element at a time."""
    diff = [j for j, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with enable_grad():
        outs = _as_outputs(f(*inputs))
    jac = [[np.zeros((o._data.size, inputs[i]._data.size)) for i in diff] for o in outs]
    for k, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for r in range(o._data.size):
            onehot = np.zeros(o._data.size, dtype=o.dtype)
            onehot[r] = 1
            gs = engine.grad(o, [inputs[i] for i in diff], grad_outputs=onehot.reshape(o.shape),
                             retain_graph=True, allow_unused=True)
            for c, g in enumerate(gs):
                if g is not None:
                    jac[k][c][r] = g._data.reshape(-1)
    return jac


def gradcheck(
    f: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when every input's gradient matches central differences within atol + rtol*|num|;
    otherwise raises GradcheckError naming the input, the output and the element."""
    check_callable(f, "gradcheck", "f")
    ins = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [j for j, x in enumerate(ins) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    low = [j for j in diff if ins[j].dtype != np.float64]
    analytical = analytical_jacobian(f, ins)
    for c, i in enumerate(diff):
        numerical = numerical_jacobian(f, ins, i, eps)
        for k, num in enumerate(numerical):
            ana = analytical[k][c]
            bad = ~np.isclose(ana, num, rtol=rtol, atol=atol, equal_nan=False)
            if bad.any():
                r, e = np.argwhere(bad)[0]
                out_shape = _as_outputs(f(*ins))[k].shape
                in_idx = np.unravel_index(e, ins[i].shape) if ins[i].ndim else ()
                out_idx = np.unravel_index(r, out_shape) if out_shape else ()
                msg = (
                    f"gradcheck: gradient of output {k} element {tuple(map(int, out_idx))} with "
                    f"respect to input {i} element {tuple(map(int, in_idx))} disagrees: "
                    f"analytical {ana[r, e]:.8g}, numerical {num[r, e]:.8g}, difference "
                    f"{abs(ana[r, e] - num[r, e]):.3g} (atol={atol}, rtol={rtol}); "
                    f"{int(bad.sum())} of {bad.size} entries disagree"
                )
                if i in low:
                    msg += f". Input {i} is {ins[i].dtype}: check in float64 for precision"
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Second derivatives against central differences, as torch.autograd.gradgradcheck: the
    vector-Jacobian product of func (with create_graph) is itself gradient-checked with respect
    to the inputs and the cotangents. Cotangents are drawn at random (seeded) when not given."""
    ins = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [j for j, x in enumerate(ins) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradgradcheck: no input requires grad, so there is nothing to check")
    with enable_grad():
        outs = _as_outputs(func(*ins))
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        cotangents = [Tensor(rng.standard_normal(o.shape).astype(o.dtype), requires_grad=True)
                      for o in outs if o.requires_grad]
    else:
        given = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
        cotangents = [g if isinstance(g, Tensor) else Tensor(np.asarray(g)) for g in given]
    n_in = len(ins)

    def first_order(*args: Any) -> tuple[Tensor, ...]:
        xs, gs = args[:n_in], args[n_in:]
        with enable_grad():
            live = [o for o in _as_outputs(func(*xs)) if o.requires_grad]
        grads = engine.grad(live, [xs[j] for j in diff], grad_outputs=list(gs),
                            create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(xs[j].shape, dtype=xs[j].dtype))
                     for g, j in zip(grads, diff))

    return gradcheck(first_order, (*ins, *cotangents), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
