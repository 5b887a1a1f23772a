"""The optimizer base class: parameter groups, per-parameter state and state dicts.

Subclasses update ``p.data`` in place with NumPy ufuncs. Nothing they do goes through Tensor
ops, so no graph is recorded and no Tensor version is bumped: an optimizer step is bookkeeping
outside autodiff, as it is in PyTorch under ``torch.no_grad()``.

State dicts follow PyTorch's layout (state keyed by the integer index of each parameter,
``param_groups`` holding lists of those indices) and hold only NumPy arrays, Python scalars,
strings, tuples and lists, so a checkpoint can store them in an ``.npz`` file without pickle.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

import numpy as np

from autograd_core import Tensor, enable_grad, get_default_dtype
from autograd_core.compiler import replayed as _replayed
from autograd_core.scalar import Scalar

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]

_SCALARS = (bool, int, float, str)
# Options that are pairs of numbers, which an .npz file or torch hands back as arrays.
_PAIR_OPTIONS = ("betas", "etas", "step_sizes")


class _RequiredParameter:
    """Marks a hyperparameter with no default, which every param group must then give."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def reject_differentiable(owner: str, differentiable: bool) -> None:
    """Updates run in NumPy outside autodiff, so there is no graph to differentiate through."""
    if differentiable:
        raise ValueError(
            f"{owner}: differentiable=True is not supported (updates are not recorded)"
        )


def check_range(owner: str, label: str, value: Any, low: float = 0.0,
                high: float | None = None, *, closed: bool = False) -> None:
    """Raises ValueError, in PyTorch's words, unless ``low <= value`` (and ``value < high``).

    ``closed`` admits ``value == high`` too, for the options PyTorch bounds by ``<=``.
    """
    if isinstance(value, _RequiredParameter):
        return
    try:
        ok = low <= value and (high is None or value < high or (closed and value == high))
    except TypeError:
        raise TypeError(f"{owner}: {label} must be a number, got {type(value).__name__}") from None
    if not ok or value != value:
        raise ValueError(f"Invalid {label}: {value} ({owner})")


class Optimizer:
    """Base class of all optimizers, with ``torch.optim.Optimizer``'s interface.

    ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (param
    groups), each dict holding ``"params"`` and any per-group options that override
    ``defaults``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's own step and zero_grad change parameters and gradients outside the
        ops, so ag.compile must make them again at each replay (see `replayed`)."""
        super().__init_subclass__(**kwargs)
        for name in ("step", "zero_grad"):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "__wrapped_replayed__", False):
                setattr(cls, name, _replayed(method))

    # Per-parameter state entries that are arrays shaped like the parameter.
    _array_state_keys: tuple[str, ...] = ()
    # (option, label in the error message) pairs that must not be negative, in the order
    # PyTorch checks them.
    _nonnegative_options: tuple[tuple[str, str], ...] = ()

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self._check_defaults(defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}"
            )
        if isinstance(params, dict):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got a single dict: wrap it in a list"
            )
        self.defaults: dict[str, Any] = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._flat: dict[int, FlatState] = {}
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- validation ---------------------------------------------------------------------------
    def _check_defaults(self, defaults: dict[str, Any]) -> None:
        """Checks the constructor's options before the parameters, as PyTorch's constructors do."""
        self._check_options(defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        """Raises ValueError for options out of range, in every group and every loaded state."""
        owner = type(self).__name__
        for key, label in self._nonnegative_options:
            check_range(owner, label, options[key])

    # -- groups -------------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Adds a group of parameters with its own options (e.g. unfreezing layers mid-run)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)

        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str):
                names.append(p[0])
                p = p[1]
            tensors.append(p)
        if names and len(names) != len(tensors):
            raise ValueError(
                "all optimizer params should be with/without names. Some param names are missing"
            )
        for i, p in enumerate(tensors):
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but parameter "
                    f"{i} of the group is {type(p).__name__}"
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
            if not (p.__class__ is Scalar and p._v is not None) and not p._data.flags.writeable:
                raise ValueError(
                    f"parameter {i} of the group (shape {p.shape}) has a read-only array: "
                    "the optimizer updates parameters in place"
                )

        group = dict(param_group)
        group["params"] = tensors
        if names:
            group["param_names"] = names
        for key, default in self.defaults.items():
            if isinstance(default, _RequiredParameter) and key not in group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {key}"
                )
            group.setdefault(key, default)
        self._check_options(group)

        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; each will be "
                "updated once per occurrence",
                stacklevel=3,
            )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        if any(("param_names" in g) != ("param_names" in group) for g in self.param_groups):
            raise ValueError(
                "all optimizer param groups should be with/without names. cannot add a group "
                f"{'with' if names else 'without'} names to groups "
                f"{'without' if names else 'with'} names"
            )
        self.param_groups.append(group)

    # -- gradients ----------------------------------------------------------------------------
    @_replayed
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears ``.grad`` of every parameter: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad  # the slot behind .grad: this runs for every parameter and step
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                elif g.is_leaf and g._data.flags.writeable and g._data.base is None:
                    g.requires_grad = False
                    g._data.fill(0)
                else:
                    p._grad = Tensor(np.zeros_like(g._data))

    @_replayed
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Updates every parameter that has a gradient; returns ``closure()`` if given.

        The closure (which should zero the gradients, recompute the loss, call backward and
        return the loss) runs with gradient recording on, as in PyTorch.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            try:
                self._update_group(group)
            except ValueError:
                _check_grad_shapes(group)
                raise
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        """Updates in place the parameters of one group that have gradients."""
        raise NotImplementedError

    def _with_grads(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, np.ndarray, np.ndarray]]:
        """``(p, gradient array, parameter array)`` for each parameter of ``group`` with a grad."""
        for p in group["params"]:
            grad = p._grad
            if grad is not None:
                if p.__class__ is Scalar and p._v is not None:
                    # a float parameter is updated on a copy and keeps its float (scalar.py)
                    d = np.array(p._v)
                    gv = grad._value() if grad.__class__ is Scalar else None
                    yield p, grad._data if gv is None else np.array(gv), d
                    p._v = d.item()
                else:
                    yield p, grad._data, p._data

    def _lazy_state(self, p: Tensor, keys: tuple[str, ...]) -> dict[str, Any]:
        """``p``'s state, started at step 0 with zeroed ``keys`` arrays on its first update."""
        st = self.state[p]
        if not st:
            st["step"] = 0.0
            for key in keys:
                st[key] = np.zeros(p.shape, p.dtype)  # p.shape: a float keeps its float
        return st

    # -- state dicts --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A copy of the optimizer's state in PyTorch's layout, with no references to params.

        Arrays are copied, so the dict stays a snapshot while training goes on.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, entry in self.state.items():
            if id(p) in index and entry:
                state[index[id(p)]] = {k: _copy_value(v) for k, v in entry.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restores a state made by :meth:`state_dict` (or read back from a checkpoint).

        The saved groups must match this optimizer's groups in number and sizes, and saved
        state arrays must match the shapes of the parameters they belong to. Arrays are copied
        and cast to each parameter's dtype.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(
                "optimizer state dict must be a dict with 'state' and 'param_groups' entries"
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups: "
                f"{len(saved_groups)} saved, {len(self.param_groups)} in this optimizer"
            )
        saved_ids: list[list[int]] = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"saved parameter group {i} must be a dict with a 'params' entry")
            ids = [_as_index(k) for k in np.asarray(saved["params"]).reshape(-1).tolist()]
            if len(ids) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {i} has {len(ids)} saved parameters, "
                    f"{len(group['params'])} here"
                )
            saved_ids.append(ids)
        id_map = dict(zip(chain.from_iterable(saved_ids),
                          chain.from_iterable(g["params"] for g in self.param_groups)))

        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, entry in dict(state_dict["state"]).items():
            k = _as_index(key)
            if k not in id_map:
                continue
            p = id_map[k]
            if not isinstance(entry, dict):
                raise ValueError(
                    f"state of parameter {k} must be a dict, got {type(entry).__name__}"
                )
            state[p] = {name: self._restore_state_value(k, name, v, p)
                        for name, v in entry.items()}

        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = {name: _restore_group_value(name, v)
                   for name, v in saved.items() if name != "params"}
            for name, default in self.defaults.items():
                new.setdefault(name, default)
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in new:
                new["param_names"] = group["param_names"]
            self._check_options(new)
            new_groups.append(new)

        self.state = state
        self.param_groups = new_groups
        self._flat.clear()

    def _flat_state(self, group: dict[str, Any], params: list[Tensor],
                    keys: tuple[str, ...]) -> FlatState | None:
        """Contiguous state for ``params`` (which all have grads), or None to go param by param.

        The per-parameter state arrays named by ``keys`` become views into one flat array per
        key, so that the update runs as a few ufunc calls over every parameter of the group
        at once. Built when first needed, rebuilt (state copied in) whenever the parameters
        with gradients or the state arrays change. None when dtypes or step counts differ, or
        when a parameter is listed twice.
        """
        cache = self._flat.get(id(group))
        if cache is not None and cache.serves(params, self.state, keys):
            return cache
        dtype = params[0]._data.dtype
        if dtype.kind != "f" or any(p._data.dtype != dtype for p in params):
            return None
        if len({id(p) for p in params}) != len(params):
            return None  # a repeated parameter is updated once per occurrence, in order
        steps = {self.state[p].get("step", 0.0) for p in params}
        if len(steps) != 1:
            return None
        cache = FlatState(params, self.state, keys, dtype, steps.pop())
        self._flat[id(group)] = cache
        return cache

    def _restore_state_value(self, index: int, name: str, value: Any, p: Tensor) -> Any:
        if name in self._array_state_keys and value is not None:
            arr = np.asarray(value)
            if arr.shape != p.shape:
                raise ValueError(
                    f"loaded state '{name}' of parameter {index} has shape {arr.shape}; "
                    f"the parameter has shape {p.shape}"
                )
            return np.array(arr, dtype=p.dtype if p.dtype.kind in "fc" else None, copy=True)
        if name == "step":
            return float(np.asarray(value))
        return _restore_group_value(name, value)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        lines.append(")")
        return "\n".join(lines)


def effective_grad(grad: np.ndarray, param: np.ndarray, weight_decay: float,
                   maximize: bool) -> np.ndarray:
    """The gradient an update descends: negated to maximize, plus the L2 term ``wd * p``.

    A new array unless nothing applies, when it is ``grad`` itself (which the caller must then
    not change in place).
    """
    if weight_decay != 0:
        out = np.multiply(param, weight_decay, out=np.empty_like(param))
        if maximize:
            np.subtract(out, grad, out=out)
        else:
            out += grad
        return out
    if maximize:
        return np.negative(grad, out=np.empty_like(param))
    return grad


def decayed_grad(grad: np.ndarray, param: np.ndarray, lr: float, weight_decay: float,
                 decoupled: bool, maximize: bool) -> np.ndarray:
    """:func:`effective_grad`, except that decoupled decay (AdamW's) shrinks ``param`` instead.

    The shrink by ``1 - lr * weight_decay`` happens here, before the caller's update.
    """
    if decoupled:
        if weight_decay != 0:
            param *= 1.0 - lr * weight_decay
        return effective_grad(grad, param, 0.0, maximize)
    return effective_grad(grad, param, weight_decay, maximize)


def scalar_state(value: float) -> float:
    """``value`` rounded as PyTorch's 0-d scalar state (``mu_product``, ``eta``) holds it.

    Those tensors are float64 when that is the default dtype and float32 otherwise; rounding
    the same way keeps trajectories equal to PyTorch's under either default.
    """
    if get_default_dtype() == np.float64:
        return float(value)
    return float(np.float32(value))


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, scratch: np.ndarray) -> None:
    """``start.lerp_(end, weight)`` with PyTorch's two-sided formula, which rounds differently.

    Below a weight of 0.5 it moves up from ``start``, from there on down from ``end``; matching
    that keeps trajectories equal to PyTorch's to the last bits. ``scratch`` is overwritten.
    """
    np.subtract(end, start, out=scratch)
    if weight < 0.5:
        scratch *= weight
        start += scratch
    else:
        scratch *= 1.0 - weight
        np.subtract(end, scratch, out=start)


def decay_add_square_(avg: np.ndarray, x: np.ndarray, rho: float, scratch: np.ndarray) -> None:
    """``avg = rho * avg + (1 - rho) * x * x``, rounded as PyTorch's ``mul_`` + ``addcmul_``."""
    np.multiply(x, 1.0 - rho, out=scratch)
    scratch *= x
    avg *= rho
    avg += scratch


def as_pair(owner: str, label: str, value: Any) -> tuple[float, float]:
    """A two-number option (``betas``, ``etas``) as a tuple of floats, or a ValueError."""
    pair = tuple(value)
    if len(pair) != 2:
        raise ValueError(f"{owner}: {label} must be a pair of numbers, got {value!r}")
    return float(pair[0]), float(pair[1])


def check_adam_options(owner: str, options: dict[str, Any]) -> None:
    """The checks the Adam family shares, in PyTorch's order: lr, eps, betas, weight_decay."""
    check_range(owner, "learning rate", options["lr"])
    check_range(owner, "epsilon value", options["eps"])
    betas = options["betas"]
    if not isinstance(betas, tuple) or len(betas) != 2:
        raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
    check_range(owner, "beta parameter at index 0", betas[0], 0.0, 1.0)
    check_range(owner, "beta parameter at index 1", betas[1], 0.0, 1.0)
    check_range(owner, "weight_decay value", options["weight_decay"])


def _check_grad_shapes(group: dict[str, Any]) -> None:
    for i, p in enumerate(group["params"]):
        g = p.grad
        if g is not None and g.shape != p.shape:
            raise ValueError(
                f"parameter {i} of its group has shape {p.shape} but its .grad has shape "
                f"{g.shape}: a gradient must have the shape of its parameter"
            )


def _copy_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(v) for v in value)
    return value


def _as_index(key: Any) -> int:
    message = f"parameter index in a state dict must be an integer, got {key!r}"
    try:
        k = int(key)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if isinstance(key, float) and k != key:
        raise ValueError(message)
    return k


def _restore_group_value(name: str, value: Any) -> Any:
    """Undoes what a trip through an .npz file or torch does to option values."""
    if isinstance(value, _SCALARS) or value is None:
        return value
    if name in _PAIR_OPTIONS:
        return tuple(float(b) for b in np.asarray(value).reshape(-1))
    if isinstance(value, (list, tuple)):
        return type(value)(_restore_group_value("", v) for v in value)
    if isinstance(value, dict):
        return {k: _restore_group_value(k, v) for k, v in value.items()}
    arr = np.asarray(value)
    if arr.ndim == 0:
        return arr.item()
    return arr.tolist()


class FlatState:
    """One group's state arrays laid end to end, with per-parameter views into them.

    ``arrays[key]`` is the flat array for a state key and ``state[p][key]`` a view of it in
    ``p``'s shape; ``grad`` and ``scratch`` are flat work buffers, ``scratch_views`` their
    per-parameter views for writing results back to each ``p.data``.
    """

    __slots__ = ("ids", "views", "arrays", "grad", "scratch", "scratch_views")

    def __init__(self, params: list[Tensor], state: dict, keys: tuple[str, ...], dtype: Any,
                 step: float) -> None:
        sizes = [p._data.size for p in params]
        bounds = np.cumsum([0, *sizes]).tolist()
        total = bounds[-1]
        self.ids = [id(p) for p in params]
        self.arrays = {k: np.zeros(total, dtype) for k in keys}
        self.views = []
        for i, p in enumerate(params):
            st = state[p]
            lo, hi = bounds[i], bounds[i + 1]
            views = []
            for k in keys:
                view = self.arrays[k][lo:hi].reshape(p._data.shape)
                old = st.get(k)
                if old is not None:
                    view[...] = old
                st[k] = view
                views.append(view)
            st.setdefault("step", step)
            self.views.append(views)
        self.grad = np.empty(total, dtype)
        self.scratch = np.empty(total, dtype)
        self.scratch_views = [
            self.scratch[bounds[i]:bounds[i + 1]].reshape(p._data.shape)
            for i, p in enumerate(params)
        ]

    def serves(self, params: list[Tensor], state: dict, keys: tuple[str, ...]) -> bool:
        """Whether these are still the parameters, and the arrays still the state, it holds."""
        if len(params) != len(self.ids) or keys != tuple(self.arrays):
            return False
        for p, pid, views in zip(params, self.ids, self.views):
            if id(p) != pid:
                return False
            st = state.get(p)
            if st is None:
                return False
            for k, view in zip(keys, views):
                if st.get(k) is not view:
                    return False
        return True
