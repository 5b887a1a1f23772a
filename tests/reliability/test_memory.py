"""Memory: graphs release what they hold as soon as they can, and training does not grow.

Everything here runs with the cyclic garbage collector off: the engine's graphs must be freed
by reference counting alone (a reference cycle would keep a whole graph alive until a collection,
which in a training loop means memory that rises and falls in steps of whole graphs).
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
import sys
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

import autograd_core as ag


@contextlib.contextmanager
def gc_disabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Small matrix products are faster on one thread, much faster on a busy machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1):
        yield


def _graph(x: ag.Tensor) -> tuple[ag.Tensor, list]:
    """A graph with saved arrays of several kinds; returns the loss and weakrefs to them."""
    h = x * 2.0
    u = ag.exp(ag.tanh(h))
    w = (u @ u.T).softmax(-1)
    v = ag.maximum(w, 0.1)[:, [0, 0, 1]]
    loss = ag.logsumexp(v, dim=1).sum() + ag.var(h)
    refs = [weakref.ref(t) for t in (h, u, w, v)] + [weakref.ref(t._data) for t in (h, u, w, v)]
    return loss, refs


def _alive(refs: list) -> int:
    return sum(r() is not None for r in refs)


def test_backward_frees_saved_arrays_while_the_root_lives():
    x = ag.tensor(np.random.default_rng(0).normal(size=(5, 4)), requires_grad=True)
    with gc_disabled():
        loss, refs = _graph(x)
        assert _alive(refs) == len(refs)
        loss.backward()
        assert _alive(refs) == 0, "intermediate Tensors or arrays outlive backward()"
        assert loss.grad_fn is not None and x.grad is not None  # the root itself is alive


def test_retain_graph_keeps_saved_arrays_until_the_root_dies():
    x = ag.tensor(np.random.default_rng(0).normal(size=(5, 4)), requires_grad=True)
    with gc_disabled():
        loss, refs = _graph(x)
        loss.backward(retain_graph=True)
        assert _alive(refs) == len(refs)
        loss.backward()  # the retained graph works once more, then is freed
        assert _alive(refs) == 0
        np.testing.assert_allclose(x.grad._data, 2 * _grad_once(x._data))
        del loss


def _grad_once(x: np.ndarray) -> np.ndarray:
    t = ag.tensor(x, requires_grad=True)
    _graph(t)[0].backward()
    return t.grad._data


def test_dropped_graph_is_freed_without_the_cycle_collector():
    x = ag.tensor(np.random.default_rng(1).normal(size=(5, 4)), requires_grad=True)
    with gc_disabled():
        loss, refs = _graph(x)
        root = weakref.ref(loss)
        del loss
        assert root() is None and _alive(refs) == 0, "a graph dropped without backward leaks"


def test_higher_order_and_custom_function_graphs_are_freed():
    class Cube(ag.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * a * a
            ctx.save_for_backward(a, out)
            return out

        @staticmethod
        def backward(ctx, g):
            a, _ = ctx.saved_tensors
            return g * 3 * a * a

    x = ag.tensor(np.linspace(-1, 1, 6), requires_grad=True)
    with gc_disabled():
        y = Cube.apply(x.sin())
        z = (y * y).sum()
        (g,) = ag.autograd.grad(z, [x], create_graph=True)
        gg = (g * g).sum()
        refs = [weakref.ref(t) for t in (y, z, g, gg)]
        gg.backward()
        del y, z, g, gg
        assert _alive(refs) == 0, "a create_graph or Function graph leaks"

        out = ag.hessian(lambda t: (t.exp() * t).sum())(x)
        ref = weakref.ref(out)
        del out
        assert ref() is None


def test_hooks_retain_grad_and_anomaly_mode_leave_no_cycles():
    x = ag.tensor(np.ones(4), requires_grad=True)
    seen = []
    with gc_disabled(), ag.detect_anomaly():
        h = x * 3.0
        h.retain_grad()
        h.register_hook(lambda g: seen.append(g.shape))
        loss = (h * h).sum()
        refs = [weakref.ref(h), weakref.ref(loss)]
        loss.backward()
        del h, loss
        assert _alive(refs) == 0
        assert seen == [(4,)]


def test_tensors_of_each_training_step_die_with_the_step():
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.normal(size=(8, 3)) * 0.1, requires_grad=True)
    previous: list = []
    with gc_disabled():
        for _ in range(20):
            x = ag.tensor(rng.normal(size=(16, 8)))
            hidden = ag.relu(x @ w)
            loss = (hidden * hidden).mean()
            loss.backward()
            with ag.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            assert _alive(previous) == 0, "the previous step's Tensors are still alive"
            previous = [weakref.ref(t) for t in (x, hidden, loss)]
            del x, hidden, loss
        assert _alive(previous) == 0


# -- memory over a long MNIST-1D training run ----------------------------------------------------
def rss_bytes() -> int:
    """Resident set size now (Linux), or the peak so far where /proc is not available."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def _mnist1d() -> tuple[np.ndarray, np.ndarray]:
    import nn

    d = nn.datasets.load_mnist1d()
    return d["x"], d["y"]


def _raw_mlp_steps(x: np.ndarray, y: np.ndarray, steps: int, record_every: int) -> list[int]:
    """40-100-100-10 ReLU MLP on bare Tensors with a hand-written Adam on .data."""
    rng = np.random.default_rng(0)
    sizes = [40, 100, 100, 10]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(n_in)
        params.append(ag.tensor(rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32),
                                requires_grad=True))
        params.append(ag.tensor(rng.uniform(-bound, bound, n_out).astype(np.float32),
                                requires_grad=True))
    m = [np.zeros_like(p._data) for p in params]
    v = [np.zeros_like(p._data) for p in params]
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    rss = []
    for step in range(1, steps + 1):
        i = (step * 100) % len(x)
        h = ag.tensor(x[i:i + 100])
        for k in range(0, len(params), 2):
            h = h @ params[k] + params[k + 1]
            if k < len(params) - 2:
                h = ag.relu(h)
        logp = ag.log_softmax(h, dim=1)
        loss = -logp[np.arange(100), y[i:i + 100]].mean()
        loss.backward()
        for p, mk, vk in zip(params, m, v):
            g = p.grad._data
            mk *= b1
            mk += (1 - b1) * g
            vk *= b2
            vk += (1 - b2) * g * g
            p._data -= lr * (mk / (1 - b1**step)) / (np.sqrt(vk / (1 - b2**step)) + eps)
            p.grad = None
        if step % record_every == 0:
            rss.append(rss_bytes())
    return rss


def _nn_mlp_steps(x: np.ndarray, y: np.ndarray, steps: int, record_every: int) -> list[int]:
    import nn
    import nn.functional as F
    import optim

    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(40, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                          nn.Linear(100, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rss = []
    for step in range(1, steps + 1):
        i = (step * 100) % len(x)
        opt.zero_grad()
        loss = F.cross_entropy(model(ag.tensor(x[i:i + 100])), ag.tensor(y[i:i + 100]))
        loss.backward()
        opt.step()
        if step % record_every == 0:
            rss.append(rss_bytes())
    return rss


GROWTH_BOUND = 4 * 2**20  # bytes of RSS growth allowed after warm-up; one step's graph is ~0.5 MB


def _check_flat(rss: list[int], warmup: int, label: str) -> int:
    growth = max(rss[warmup:]) - rss[warmup]
    print(f"{label}: RSS {rss[warmup] / 2**20:.1f} MiB after warm-up, "
          f"max growth {growth / 2**20:.2f} MiB over {len(rss) - warmup} samples")
    assert growth < GROWTH_BOUND, (
        f"{label}: RSS grew by {growth / 2**20:.1f} MiB after warm-up (bound "
        f"{GROWTH_BOUND / 2**20:.0f} MiB); samples in MiB: "
        f"{[round(r / 2**20, 1) for r in rss]}"
    )
    return growth


@pytest.mark.parametrize("flavour", ["raw_tensors", "nn_and_optim"])
def test_training_memory_is_flat(flavour):
    x, y = _mnist1d()
    run = _raw_mlp_steps if flavour == "raw_tensors" else _nn_mlp_steps
    with gc_disabled(), one_blas_thread():
        rss = run(x, y, steps=2000, record_every=100)
    _check_flat(rss, warmup=3, label=f"{flavour}, 2,000 steps")


@pytest.mark.slow
@pytest.mark.parametrize("flavour", ["raw_tensors", "nn_and_optim"])
def test_training_memory_is_flat_long(flavour):
    x, y = _mnist1d()
    run = _raw_mlp_steps if flavour == "raw_tensors" else _nn_mlp_steps
    with gc_disabled(), one_blas_thread():
        rss = run(x, y, steps=20_000, record_every=500)
    _check_flat(rss, warmup=2, label=f"{flavour}, 20,000 steps")
