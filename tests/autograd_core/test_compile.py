"""ag.compile: replays bit-identical to eager, retraces on a new signature, refuses what it
cannot replay (naming the line), falls back to eager when asked, and reuses its buffers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from autograd_core.compiler import TraceError

STEPS = 5


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Dropout(0.25), nn.Linear(16, 3))


def _conv() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 3))


class _Lstm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(4, 8, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


MODELS = {"mlp": (_mlp, (8, 6)), "conv": (_conv, (8, 1, 6, 6)), "lstm": (_Lstm, (8, 5, 4))}
OPTIMIZERS = {"sgd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
              "adam": lambda ps: optim.Adam(ps, lr=1e-2)}


def _batches(shape: tuple, n: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [(ag.tensor(rng.standard_normal(shape).astype(np.float32)),
             ag.tensor(rng.integers(0, 3, shape[0]))) for _ in range(n)]


def _setup(model: str, opt: str) -> tuple:
    ag.manual_seed(0)
    m = MODELS[model][0]()
    return m, OPTIMIZERS[opt](m.parameters())


def _step(m: nn.Module, opt: optim.Optimizer, x: ag.Tensor, y: ag.Tensor) -> tuple:
    opt.zero_grad()
    out = m(x)
    loss = nn.functional.cross_entropy(out, y)
    loss.backward()
    opt.step()
    return loss, out


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("model", sorted(MODELS))
def test_training_replays_bit_identical_to_eager(model: str, opt: str) -> None:
    batches = _batches(MODELS[model][1], STEPS)
    m1, o1 = _setup(model, opt)
    eager = []
    for x, y in batches:
        loss, out = _step(m1, o1, x, y)
        eager.append((loss._data.copy(), out._data.copy()))
    m2, o2 = _setup(model, opt)
    step = ag.compile(_step)
    for (x, y), (loss_e, out_e) in zip(batches, eager):
        loss, out = step(m2, o2, x, y)
        assert not loss.requires_grad and loss._op is None
        assert np.array_equal(loss._data, loss_e) and np.array_equal(out._data, out_e)
    assert step.traces == 2  # traced, checked by a second trace, then replayed
    for (n1, p1), (n2, p2) in zip(m1.state_dict().items(), m2.state_dict().items()):
        assert n1 == n2 and np.array_equal(np.asarray(p1), np.asarray(p2)), n1
    s1, s2 = o1.state_dict()["state"], o2.state_dict()["state"]
    for i in s1:
        for key in s1[i]:
            assert np.array_equal(np.asarray(s1[i][key]), np.asarray(s2[i][key])), key


def test_a_new_signature_retraces_and_the_old_one_still_replays() -> None:
    w = ag.tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)

    @ag.compile
    def f(x: ag.Tensor) -> ag.Tensor:
        return (x.double() @ w).tanh().sum()

    def eager(x: ag.Tensor) -> np.ndarray:
        return (x.double() @ w).tanh().sum()._data

    rng = np.random.default_rng(1)
    for shape, dtype in [((2, 4), np.float64), ((5, 4), np.float64), ((2, 4), np.float32)]:
        for _ in range(3):
            x = ag.tensor(rng.standard_normal(shape).astype(dtype))
            assert np.array_equal(f(x)._data, eager(x))
    assert f.traces == 6  # two per signature
    before = f.traces
    x = ag.tensor(rng.standard_normal((2, 4)))
    f(x)
    assert f.traces == before  # replayed
    f(ag.tensor(rng.standard_normal((2, 4)), requires_grad=True))
    assert f.traces == before + 1
    with ag.no_grad():
        f(x)
    assert f.traces == before + 2


def test_reading_a_value_names_the_line() -> None:
    @ag.compile
    def f(x: ag.Tensor) -> ag.Tensor:
        y = (x * 2).sum()
        if y.item() > 0:  # the line the error names
            return y
        return -y

    with pytest.raises(TraceError, match=r"item\(\).*test_compile.py:\d+: if y.item\(\) > 0"):
        f(ag.tensor([1.0, 2.0]))


@pytest.mark.parametrize("read", [bool, float, lambda t: t.tolist(), lambda t: t.numpy()])
def test_every_read_into_python_is_refused(read) -> None:
    f = ag.compile(lambda x: read((x * 2).sum()))
    with pytest.raises(TraceError, match="reads a Tensor's value into Python"):
        f(ag.tensor([1.0, 2.0]))


def test_data_dependent_shapes_and_constants_are_refused() -> None:
    masked = ag.compile(lambda x: ag.masked_select(x, x > 0).sum())
    with pytest.raises(TraceError):
        masked(ag.tensor([1.0, -2.0]))
    # a constant computed from values with NumPy, outside the ops: caught by the second trace
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    sneaky = ag.compile(lambda x: (x * w * (x._data > 0)).sum())
    sneaky(ag.tensor([1.0, -2.0]))
    with pytest.raises(TraceError, match="computed outside the ops"):
        sneaky(ag.tensor([-1.0, 2.0]))


def test_fallback_runs_eagerly_with_equal_results() -> None:
    def f(x: ag.Tensor) -> ag.Tensor:
        y = (x * 3).sum()
        return y * 2 if y.item() > 0 else y

    g = ag.compile(f, fallback=True)
    with pytest.warns(UserWarning, match="runs eagerly"):
        first = g(ag.tensor([1.0, 2.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once
        for v in ([1.0, 2.0], [-3.0, 1.0], [0.5, 0.5]):
            x = ag.tensor(v)
            assert np.array_equal(g(x)._data, f(x)._data)
    assert first.item() == 18.0 and g.traces == 1


def test_buffers_are_reused_and_stay_the_same_arrays() -> None:
    ag.manual_seed(0)
    layers = []
    for _ in range(6):
        layers += [nn.Linear(32, 32), nn.Tanh()]
    m = nn.Sequential(*layers)

    @ag.compile
    def f(x: ag.Tensor) -> ag.Tensor:
        with ag.no_grad():
            return m(x).sum()

    rng = np.random.default_rng(0)
    for _ in range(3):
        f(ag.tensor(rng.standard_normal((16, 32)).astype(np.float32)))
    plan = next(iter(f.plans.values()))
    assert len(plan.buffers) == 6  # one per tanh
    distinct = {id(b) for b in plan.buffers.values()}
    assert len(distinct) < len(plan.buffers)  # a buffer is handed on once it is read
    seen = set()
    for _ in range(3):
        x = ag.tensor(rng.standard_normal((16, 32)).astype(np.float32))
        y = f(x)
        assert np.array_equal(y._data, m(x).sum()._data)
        seen |= {id(plan.slots[k]) for k in plan.buffers}
    assert seen == distinct  # the planned ops wrote into the same arrays on every replay


def test_returned_tensors_are_not_overwritten_by_the_next_replay() -> None:
    w = ag.tensor(np.ones((3, 3)), requires_grad=True)
    f = ag.compile(lambda x: (x @ w).tanh())
    outs = [f(ag.tensor(np.full((2, 3), float(i)))) for i in range(5)]
    for i, out in enumerate(outs):
        assert np.array_equal(out._data, np.tanh(np.full((2, 3), 3.0 * i)))


def test_gradients_land_on_this_calls_arguments() -> None:
    @ag.compile
    def f(x: ag.Tensor) -> ag.Tensor:
        (x * x).sum().backward()
        return x.grad

    for v in (1.0, 2.0, 3.0, 4.0):
        x = ag.tensor([v, -v], requires_grad=True)
        g = f(x)
        assert np.array_equal(g._data, [2 * v, -2 * v])
        assert np.array_equal(x.grad._data, [2 * v, -2 * v])


def test_random_draws_are_drawn_again_as_eager_draws_them() -> None:
    def f(x: ag.Tensor) -> ag.Tensor:
        return x * ag.randn(2) + nn.functional.dropout(x, 0.5)

    g = ag.compile(f)
    ag.manual_seed(3)
    eager = [f(ag.tensor([1.0, 2.0]))._data for _ in range(6)]
    ag.manual_seed(3)
    compiled = [g(ag.tensor([1.0, 2.0]))._data for _ in range(6)]
    assert g.traces == 2
    assert all(np.array_equal(a, b) for a, b in zip(eager, compiled))
    assert not np.array_equal(compiled[4], compiled[5])  # fresh draws on every replay


def test_random_draws_a_replay_would_not_repeat_are_refused() -> None:
    f = ag.compile(lambda x: (x * ag.default_generator().random(2)).sum())
    with pytest.raises(TraceError, match="random numbers"):
        f(ag.tensor([1.0, 2.0]))


def test_disable_and_decorator_forms() -> None:
    calls = []

    @ag.compile(disable=True)
    def f(x: ag.Tensor) -> ag.Tensor:
        calls.append(1)
        return x + 1

    for _ in range(3):
        f(ag.tensor([1.0]))
    assert len(calls) == 3 and f.traces == 0


def test_clipping_and_a_schedule_inside_the_step_are_replayed() -> None:
    def setup() -> tuple:
        ag.manual_seed(0)
        m = _mlp()
        opt = optim.SGD(m.parameters(), lr=0.5)
        return m, opt, optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    def step(m, opt, sched, x, y):  # noqa: ANN001, ANN202
        opt.zero_grad()
        loss = nn.functional.cross_entropy(m(x), y)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(m.parameters(), 0.1)
        opt.step()
        sched.step()
        return loss, norm

    batches = _batches((8, 6), STEPS, seed=2)
    eager = setup()  # each run from the seed: dropout draws from the global generator
    want = [[t._data.copy() for t in step(*eager, x, y)] for x, y in batches]
    compiled = setup()
    g = ag.compile(step)
    for (x, y), w in zip(batches, want):
        assert all(np.array_equal(t._data, u) for t, u in zip(g(*compiled, x, y), w))
    assert eager[1].param_groups[0]["lr"] == compiled[1].param_groups[0]["lr"] == 0.5 * 0.5 ** 2
    for p, q in zip(eager[0].parameters(), compiled[0].parameters()):
        assert np.array_equal(p._data, q._data)


def test_a_module_compiles_and_one_tensor_passed_twice_retraces() -> None:
    ag.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    f = ag.compile(m)
    x = ag.tensor(np.ones((2, 3), np.float32))
    with ag.no_grad():
        outs = [f(x * i)._data for i in range(3)]
        assert all(np.array_equal(o, m(x * i)._data) for i, o in enumerate(outs))

    @ag.compile
    def g(a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        (a * b).sum().backward()
        return a.grad

    for _ in range(3):
        g(ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0, 4.0], requires_grad=True))
    t = ag.tensor([5.0, 6.0], requires_grad=True)
    assert np.array_equal(g(t, t)._data, [10.0, 12.0])


def test_a_hook_falls_back_to_eager_and_still_runs() -> None:
    seen = []

    def f(x: ag.Tensor) -> ag.Tensor:
        y = x * 2
        y.register_hook(lambda g: seen.append(g.tolist()))
        y.sum().backward()
        return x.grad

    g = ag.compile(f, fallback=True)
    with pytest.warns(UserWarning, match="hook"):
        out = g(ag.tensor([1.0, 2.0], requires_grad=True))
    assert out.tolist() == [2.0, 2.0] and seen == [[1.0, 1.0]]
    with pytest.raises(TraceError, match="hook"):
        ag.compile(f)(ag.tensor([1.0, 2.0], requires_grad=True))


def test_a_hand_written_update_under_no_grad_is_replayed() -> None:
    def setup() -> ag.Tensor:
        return ag.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)

    def step(w: ag.Tensor, x: ag.Tensor) -> ag.Tensor:
        w.grad = None
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
        with ag.no_grad():
            w -= 0.1 * w.grad
        return loss

    rng = np.random.default_rng(4)
    xs = [ag.tensor(rng.standard_normal((4, 2))) for _ in range(STEPS)]
    w1, w2 = setup(), setup()
    g = ag.compile(step)
    for x in xs:
        assert np.array_equal(step(w1, x)._data, g(w2, x)._data)
    assert np.array_equal(w1._data, w2._data) and g.traces == 2


def test_a_step_of_float_scalars_compiles_to_eager_values():
    """micrograd-style code on 0-d float64 Tensors (the scalar path), its parameters closed
    over as a model's are, traces through the Tensor paths and replays to eager's values."""
    import optim

    def make():
        ws = [ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in (0.3, -0.7, 0.2)]
        opt = optim.SGD(ws, lr=0.1)

        def step(x):
            opt.zero_grad()
            act = sum((w * xi for w, xi in zip(ws[:2], x)), ws[2])
            loss = (act.tanh() - 0.5) ** 2 + 0.01 * ws[0] * ws[0]  # parameters alone, too
            loss.backward()
            opt.step()
            return loss

        return ws, step

    pairs = [(0.5, -1.5), (1.0, 2.0), (-0.3, 0.8), (0.1, 0.1), (2.0, -1.0)]
    xs = [[ag.tensor(v, dtype=ag.float64) for v in pair] for pair in pairs]
    ws_e, step_e = make()
    eager = [step_e(x).item() for x in xs]
    ws_c, step_c = make()
    compiled = ag.compile(step_c)
    got = [compiled(x).item() for x in xs]
    assert compiled.traces == 2  # traced, checked, then replayed three times
    assert got == eager
    assert [w.item() for w in ws_c] == [w.item() for w in ws_e]
