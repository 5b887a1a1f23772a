"""Threads: grad mode is per thread, and backward on separate graphs runs side by side.

Events interleave the threads deterministically: each waits at a known point for the other,
so the test checks the interleaving it means to, on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

import autograd_core as ag

TIMEOUT = 30.0


def _run_threads(*targets: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def wrap(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            except BaseException as e:  # reported in the main thread
                errors.append(e)
        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread is stuck (an event was never set)"
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_does_not_change_another():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a_inside = threading.Event()
    b_checked = threading.Event()
    seen: dict[str, object] = {}

    def a() -> None:
        with ag.no_grad():
            a_inside.set()
            assert b_checked.wait(TIMEOUT)
            seen["a_enabled"] = ag.is_grad_enabled()
            seen["a_records"] = (x * 2).requires_grad

    def b() -> None:
        assert a_inside.wait(TIMEOUT)  # thread a is inside no_grad now
        seen["b_enabled"] = ag.is_grad_enabled()
        seen["b_records"] = (x * 2).requires_grad
        b_checked.set()

    _run_threads(a, b)
    assert seen == {"a_enabled": False, "a_records": False, "b_enabled": True,
                    "b_records": True}
    assert ag.is_grad_enabled()


def test_set_grad_enabled_and_enable_grad_are_per_thread():
    b_disabled = threading.Event()
    a_checked = threading.Event()
    seen: dict[str, bool] = {}

    def a() -> None:
        assert b_disabled.wait(TIMEOUT)
        seen["a"] = ag.is_grad_enabled()
        with ag.no_grad(), ag.enable_grad():
            seen["a_nested"] = ag.is_grad_enabled()
        a_checked.set()

    def b() -> None:
        ag.set_grad_enabled(False)
        b_disabled.set()
        assert a_checked.wait(TIMEOUT)
        seen["b"] = ag.is_grad_enabled()
        ag.set_grad_enabled(True)

    _run_threads(a, b)
    assert seen == {"a": True, "a_nested": True, "b": False}


def test_a_new_thread_starts_with_grad_enabled():
    seen = []
    with ag.no_grad():
        _run_threads(lambda: seen.append(ag.is_grad_enabled()))
    assert seen == [True]


def _model_grads(seed: int) -> tuple[list[np.ndarray], list[ag.Tensor]]:
    rng = np.random.default_rng(seed)
    w1 = ag.tensor(rng.normal(size=(6, 16)), requires_grad=True)
    w2 = ag.tensor(rng.normal(size=(16, 3)), requires_grad=True)
    x = rng.normal(size=(32, 6))
    return [x], [w1, w2]


def _loss(x: np.ndarray, w1: ag.Tensor, w2: ag.Tensor) -> ag.Tensor:
    return ag.logsumexp(ag.tanh(ag.tensor(x) @ w1) @ w2, dim=1).mean()


def test_backward_in_two_threads_on_separate_graphs():
    """Both threads build their graphs, wait for each other, then run backward many times."""
    results: dict[int, list[np.ndarray]] = {}
    built = threading.Barrier(2, timeout=TIMEOUT)

    def worker(seed: int) -> None:
        (x,), (w1, w2) = _model_grads(seed)
        for _ in range(50):
            loss = _loss(x, w1, w2)
            built.wait()  # both graphs exist: their backward passes overlap
            loss.backward()
        results[seed] = [w1.grad._data.copy(), w2.grad._data.copy()]

    _run_threads(lambda: worker(1), lambda: worker(2))
    for seed in (1, 2):
        (x,), (w1, w2) = _model_grads(seed)
        for _ in range(50):
            _loss(x, w1, w2).backward()
        np.testing.assert_allclose(results[seed][0], w1.grad._data, rtol=1e-12)
        np.testing.assert_allclose(results[seed][1], w2.grad._data, rtol=1e-12)


def test_no_grad_thread_and_training_thread_side_by_side():
    """One thread evaluates under no_grad while another trains: both see their own mode."""
    (x,), (w1, w2) = _model_grads(3)
    step = threading.Barrier(2, timeout=TIMEOUT)
    recorded: list[bool] = []
    grads: list[float] = []

    def evaluator() -> None:
        with ag.no_grad():
            for _ in range(20):
                step.wait()
                recorded.append(_loss(x, w1, w2).requires_grad)

    def trainer() -> None:
        for _ in range(20):
            step.wait()
            loss = _loss(x, w1, w2)
            loss.backward()
            grads.append(float(np.abs(w1.grad._data).sum()))

    _run_threads(evaluator, trainer)
    assert recorded == [False] * 20
    assert len(grads) == 20 and all(np.isfinite(grads))
    np.testing.assert_allclose(np.diff(grads), grads[0], rtol=1e-9)  # one gradient per step
