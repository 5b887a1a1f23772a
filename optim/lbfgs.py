"""L-BFGS: quasi-Newton steps from a short history of gradient differences, on a closure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core import Tensor, enable_grad

from .optimizer import Optimizer, ParamsT

_GROUPS_MESSAGE = "LBFGS doesn't support per-parameter options (parameter groups)"


class LBFGS(Optimizer):
    """``torch.optim.LBFGS``: the same options, defaults, iterations and state.

    One :meth:`step` runs up to ``max_iter`` iterations and ``max_eval`` evaluations of the
    closure. Each iteration's direction is the two-loop L-BFGS product of the last
    ``history_size`` curvature pairs with the negated gradient; the step along it is ``lr``
    (``min(1, 1 / |g|_1) * lr`` on the very first iteration), or what the strong-Wolfe line
    search (``line_search_fn="strong_wolfe"``) finds from there. Iterations stop early when the
    largest gradient entry falls to ``tolerance_grad`` or when the step or the change in loss
    falls below ``tolerance_change``.

    All parameters form one group and are handled as one flat vector. The whole state (the
    history included) is kept under the first parameter, as PyTorch keeps it, so it travels in
    ``state_dict()`` with PyTorch's keys.
    """

    _nonnegative_options = (("lr", "learning rate"),)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Refused after the first group: the flat vector and its history span every param."""
        if self.param_groups:
            raise ValueError(_GROUPS_MESSAGE)
        super().add_param_group(param_group)

    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    # -- the parameters as one flat vector ----------------------------------------------------
    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate([
            np.zeros(p._data.size, p._data.dtype) if p.grad is None
            else p.grad._data.reshape(-1)
            for p in self._params
        ])

    def _add_grad(self, step_size: Any, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            d = p._data
            d += np.multiply(update[offset:offset + d.size].reshape(d.shape), step_size)
            offset += d.size

    def _clone_param(self) -> list[np.ndarray]:
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        for p, data in zip(self._params, params_data):
            p._data[...] = data

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[np.ndarray], t: Any,
                              d: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at ``x + t * d``; the parameters are left at ``x``."""
        self._add_grad(t, d)
        loss = float(_evaluate(closure))
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # -- the iterations -----------------------------------------------------------------------
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Runs up to ``max_iter`` iterations; returns the loss ``closure()`` gave first.

        The closure must clear the gradients, compute the loss, call backward and return the
        loss; it runs with gradient recording on, several times per step.
        """
        if closure is None:
            raise TypeError("LBFGS.step needs a closure that reevaluates the model and "
                            "returns the loss")
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter = group["max_iter"]
        max_eval = group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        line_search_fn = group["line_search_fn"]
        history_size = group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = _evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        opt_cond = np.abs(flat_grad).max() <= tolerance_grad
        if opt_cond:
            return orig_loss

        d = state.get("d")
        t = state.get("t")
        old_dirs = state.get("old_dirs")
        old_stps = state.get("old_stps")
        ro = state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad = state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # direction
            if state["n_iter"] == 1:
                d = np.negative(flat_grad)
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                if "al" not in state:
                    state["al"] = [None] * history_size
                d = _two_loop(flat_grad, old_dirs, old_stps, ro, h_diag, state["al"])

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x: list[np.ndarray], t: Any, d: np.ndarray) -> tuple[float, Any]:
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    # no evaluation after the last iteration: the next step starts with one
                    loss = float(_evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = d
        state["t"] = t
        state["old_dirs"] = old_dirs
        state["old_stps"] = old_stps
        state["ro"] = ro
        state["H_diag"] = h_diag
        state["prev_flat_grad"] = prev_flat_grad
        state["prev_loss"] = prev_loss
        return orig_loss

    def _restore_state_value(self, index: int, name: str, value: Any, p: Tensor) -> Any:
        """Counters as ints, vectors as arrays of the parameters' dtype, history as lists."""
        if value is None:
            return None
        if name in ("func_evals", "n_iter"):
            return int(np.asarray(value))
        if name == "prev_loss":
            return float(np.asarray(value))
        if isinstance(value, (list, tuple)):
            return [self._restore_state_value(index, name, v, p) for v in value]
        dtype = p._data.dtype
        arr = np.asarray(value)
        if arr.ndim == 0:
            return dtype.type(arr)
        numel = sum(q._data.size for q in self._params)
        if arr.shape != (numel,):
            raise ValueError(
                f"loaded state '{name}' has shape {arr.shape}; the parameters have {numel} "
                "entries in all"
            )
        return np.array(arr, dtype=dtype, copy=True)


def _evaluate(closure: Callable[[], Any]) -> Any:
    with enable_grad():
        return closure()


def _two_loop(flat_grad: np.ndarray, old_dirs: list[np.ndarray], old_stps: list[np.ndarray],
              ro: list[Any], h_diag: Any, al: list[Any]) -> np.ndarray:
    """The L-BFGS inverse-Hessian approximation applied to ``-flat_grad``, in one buffer."""
    q = np.negative(flat_grad)
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = old_stps[i].dot(q) * ro[i]
        q -= old_dirs[i] * al[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += old_stps[i] * (al[i] - be_i)
    return r


def _cubic_interpolate(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                       bounds: tuple[Any, Any] | None = None) -> Any:
    """Minimizer of the cubic through two points with slopes, clipped to ``bounds``.

    The arithmetic is in NumPy scalars, so that a degenerate bracket gives inf or nan (and then
    the midpoint or a bound) rather than ZeroDivisionError, as PyTorch's 0-d tensors do. The
    result is a Python float, which leaves float32 steps in float32.
    """
    x1, f1, g1, x2, f2, g2 = (np.float64(v) if isinstance(v, (int, float)) else v
                              for v in (x1, f1, g1, x2, f2, g2))
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1**2 - g1 * g2
        if d2_square >= 0:
            d2 = np.sqrt(d2_square)
            if x1 <= x2:
                min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            else:
                min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
            return float(min(max(min_pos, xmin_bound), xmax_bound))
    return float((xmin_bound + xmax_bound) / 2.0)


def _strong_wolfe(obj_func: Callable[..., tuple[float, np.ndarray]], x: list[np.ndarray],
                  t: Any, d: np.ndarray, f: float, g: np.ndarray, gtd: Any, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, np.ndarray, Any, int]:
    """A step along ``d`` meeting the strong Wolfe conditions, chosen as PyTorch chooses it.

    First brackets an interval (growing the step by cubic extrapolation) that holds such a
    step, then zooms in on it by safeguarded cubic interpolation. Returns the loss, flat
    gradient and step at the chosen point, and how many evaluations it took.
    """
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # bracketing phase
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[Any] = []
    bracket_f: list[Any] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[Any] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter >= max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom phase
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])

        # A trial too near an end of the bracket twice running (or outside it) is moved to a
        # tenth of the bracket's length inside.
        hi, lo = max(bracket), min(bracket)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:
            if insuf_progress or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # not enough decrease: the trial becomes the high end
            bracket[high_pos] = t
            bracket_f[high_pos] = f_new
            bracket_g[high_pos] = g_new
            bracket_gtd[high_pos] = gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old high end becomes the low one
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos] = t
            bracket_f[low_pos] = f_new
            bracket_g[low_pos] = g_new
            bracket_gtd[low_pos] = gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
