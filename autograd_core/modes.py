"""Grad mode, anomaly detection and scope: the switches every op consults.

Grad mode is thread-local, as in PyTorch, so `no_grad` in one thread never changes another.

Scope is how a library above the engine labels the ops it runs without the engine knowing it:
an owner pushed with `scope(owner)` (nn pushes each Module while its forward runs) is recorded
on every node made meanwhile, and the pictures group those nodes under it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


class _State(threading.local):
    enabled: bool = True
    scope: tuple = ()  # the owners whose code is running, outermost first (see `scope`)


state = _State()


class _anomaly:
    """Process-wide flag: checking every op for NaN/inf is a debugging aid, not a default."""

    enabled = False


class scope:
    """Records `owner` on every node made inside the block (nested blocks stack up).

    The pictures ask an owner only for what it offers by duck typing (`named_modules()`,
    `named_parameters()`, its class name), so any object can label a part of a graph.
    """

    def __init__(self, owner: Any) -> None:
        self.owner = owner

    def __enter__(self) -> None:
        self._prev = state.scope
        state.scope = self._prev + (self.owner,)

    def __exit__(self, *exc: object) -> None:
        state.scope = self._prev


def is_grad_enabled() -> bool:
    return state.enabled


class _GradModeContext:
    """Base for the grad-mode switches: usable as a context manager and as a decorator."""

    _target: bool

    def __enter__(self) -> None:
        self._prev = state.enabled
        state.enabled = self._target

    def __exit__(self, *exc: object) -> None:
        state.enabled = self._prev

    def __call__(self, fn: _F) -> _F:
        target = self._target

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = state.enabled
            state.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev

        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = fn.__doc__
        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Ops inside record no graph: for evaluation and for in-place parameter updates."""

    _target = False


class inference_mode(_GradModeContext):
    """torch.inference_mode: like no_grad here (no graph is recorded); mode=False records."""

    def __init__(self, mode: bool = True) -> None:
        self._target = not mode


class enable_grad(_GradModeContext):
    """Re-enables recording inside a `no_grad` block."""

    _target = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode at once (PyTorch semantics) and restores the previous one on exit."""

    def __init__(self, mode: bool) -> None:
        self._target = bool(mode)
        self._prev = state.enabled
        state.enabled = self._target

    def __enter__(self) -> None:
        pass


class detect_anomaly:
    """Raises at the first op whose forward or backward produces NaN or inf.

    Every node then records the stack where it was created, so the error can point at the
    user's line; this costs time, which is why it is off by default.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._prev = _anomaly.enabled
        _anomaly.enabled = self.check_nan

    def __exit__(self, *exc: object) -> None:
        _anomaly.enabled = self._prev


def is_anomaly_enabled() -> bool:
    return _anomaly.enabled
