"""CyclicLR, CosineAnnealingWarmRestarts and PolynomialLR: closed forms, state dicts, errors, and
(where PyTorch is installed) trajectories equal to PyTorch's step for step."""

import math

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as sched

try:
    import torch
except ImportError:  # pragma: no cover - the closed-form tests still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle")


def make_opt(lrs=(0.1,), cls=optim.SGD, **kwargs):
    groups = [{"params": [ag.tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return cls(groups, **kwargs)


def run(scheduler, steps):
    """Rates (and momentum, when cycled) the optimizer saw at steps 0..steps-1."""
    lrs, moms = [], []
    opt = scheduler.optimizer
    for _ in range(steps):
        lrs.append(scheduler.get_last_lr())
        g = opt.param_groups[0]
        moms.append(g["betas"][0] if "betas" in g else g.get("momentum", 0.0))
        opt.step()
        scheduler.step()
    return np.array(lrs), np.array(moms)


# -- closed forms ------------------------------------------------------------------------------
def test_polynomial_lr_closed_form_and_floor_after_total_iters():
    lrs, _ = run(sched.PolynomialLR(make_opt((0.1, 0.2)), total_iters=8, power=2.0), 14)
    e = np.minimum(np.arange(14), 8)[:, None]
    np.testing.assert_allclose(lrs, np.array([[0.1, 0.2]]) * (1 - e / 8) ** 2, atol=1e-15)
    assert np.all(lrs[8:] == 0)


def test_polynomial_lr_defaults_and_epoch_argument():
    s = sched.PolynomialLR(make_opt())
    assert (s.total_iters, s.power) == (5, 1.0)
    with pytest.warns(UserWarning, match="deprecated"):
        s.step(2)
    assert s.get_last_lr()[0] == pytest.approx(0.1 * 3 / 5)


@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_closed_form(t_mult):
    t0, eta_min = 4, 0.01
    lrs, _ = run(sched.CosineAnnealingWarmRestarts(make_opt(), T_0=t0, T_mult=t_mult,
                                                   eta_min=eta_min), 60)
    expected, start, period = [], 0, t0
    for e in range(60):
        if e - start >= period:
            start, period = start + period, period * t_mult
        expected.append(eta_min + (0.1 - eta_min) * (1 + math.cos(math.pi * (e - start) / period))
                        / 2)
    np.testing.assert_allclose(lrs[:, 0], expected, rtol=1e-12)
    restarts = np.flatnonzero(np.isclose(lrs[:, 0], 0.1))
    assert restarts[0] == 0 and restarts[1] == t0


def test_warm_restarts_fractional_epochs_inside_a_period():
    opt = make_opt()
    s = sched.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
    # The periods are [0, 3), [3, 9), [9, 21): epoch 10.5 is 1.5 into a period of 12.
    for epoch, (t_cur, t_i) in [(0.5, (0.5, 3)), (4.5, (1.5, 6)), (10.5, (1.5, 12)),
                                (2.25, (2.25, 3))]:
        s.step(epoch)
        assert s.T_cur == pytest.approx(t_cur) and s.T_i == t_i
        assert s.last_epoch == math.floor(epoch)
        assert opt.param_groups[0]["lr"] == pytest.approx(
            0.1 * (1 + math.cos(math.pi * t_cur / t_i)) / 2)


def test_cyclic_triangular_closed_form_and_momentum():
    opt = make_opt(momentum=0.9)
    s = sched.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=6)
    lrs, moms = run(s, 25)
    pos = np.arange(25) % 10
    frac = np.where(pos <= 4, pos / 4, (10 - pos) / 6)
    np.testing.assert_allclose(lrs[:, 0], 0.01 + 0.09 * frac, rtol=1e-12)
    np.testing.assert_allclose(moms, 0.9 - 0.1 * frac, rtol=1e-12)
    assert opt.param_groups[0]["base_momentum"] == 0.8
    assert opt.param_groups[0]["max_momentum"] == 0.9


def test_cyclic_triangular2_halves_each_cycle_and_exp_range_decays():
    lrs, _ = run(sched.CyclicLR(make_opt(momentum=0.5), 0.0, 1.0, step_size_up=2,
                                mode="triangular2"), 13)
    peaks = lrs[2::4, 0]
    np.testing.assert_allclose(peaks, [1.0, 0.5, 0.25])
    lrs, _ = run(sched.CyclicLR(make_opt(momentum=0.5), 0.0, 1.0, step_size_up=2,
                                mode="exp_range", gamma=0.9), 13)
    np.testing.assert_allclose(lrs[2::4, 0], 0.9 ** np.array([2, 6, 10]))


def test_cyclic_custom_scale_fn_in_iterations_mode_and_adam_beta1():
    opt = make_opt(cls=optim.Adam, betas=(0.5, 0.99))
    s = sched.CyclicLR(opt, 0.001, 0.01, step_size_up=3, scale_fn=lambda x: 1 / (1 + x),
                       scale_mode="iterations", base_momentum=0.7, max_momentum=0.95)
    lrs, moms = run(s, 7)
    assert opt.param_groups[0]["betas"][1] == 0.99
    assert lrs[3, 0] == pytest.approx(0.001 + 0.009 / 4)
    assert moms[3] == pytest.approx(0.95 - 0.25 / 4)


def test_cyclic_without_momentum_cycling_accepts_any_optimizer():
    s = sched.CyclicLR(make_opt(cls=optim.Adagrad), 0.01, 0.1, step_size_up=2,
                       cycle_momentum=False)
    lrs, _ = run(s, 5)
    np.testing.assert_allclose(lrs[:, 0], [0.01, 0.055, 0.1, 0.055, 0.01])


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="mode is invalid"):
        sched.CyclicLR(make_opt(momentum=0.9), 0.1, 1.0, mode="sawtooth")
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        sched.CyclicLR(make_opt(cls=optim.Adagrad), 0.1, 1.0)
    with pytest.raises(ValueError, match="base_lr must have the same length"):
        sched.CyclicLR(make_opt(momentum=0.9), [0.1, 0.2], 1.0)
    with pytest.raises(ValueError, match="scale_mode"):
        sched.CyclicLR(make_opt(momentum=0.9), 0.1, 1.0, scale_fn=abs, scale_mode="epochs")
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        sched.CosineAnnealingWarmRestarts(make_opt(), T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 1.5"):
        sched.CosineAnnealingWarmRestarts(make_opt(), T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="eta_min"):
        sched.CosineAnnealingWarmRestarts(make_opt(), T_0=2, eta_min="0")
    s = sched.CosineAnnealingWarmRestarts(make_opt(), T_0=2)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        s.step(-1)


class _Decay:
    """A callable scale_fn object: its attributes travel in the state dict."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return self.rate**x


@pytest.mark.parametrize("build", [
    lambda o: sched.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=3, step_size_down=5,
                             mode="triangular2"),
    lambda o: sched.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=_Decay(0.8)),
    lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    lambda o: sched.PolynomialLR(o, total_iters=20, power=0.7),
])
def test_state_dict_round_trip_continues_identically(build):
    ref_lrs, ref_moms = run(build(make_opt((0.1, 0.05), momentum=0.9)), 30)
    opt = make_opt((0.1, 0.05), momentum=0.9)
    s = build(opt)
    run(s, 11)
    saved_s, saved_o = s.state_dict(), opt.state_dict()
    assert not any(callable(v) for v in saved_s.values())
    opt2 = make_opt((0.9, 0.9), momentum=0.9)
    s2 = build(opt2)
    opt2.load_state_dict(saved_o)
    s2.load_state_dict(saved_s)
    lrs, moms = run(s2, 19)
    np.testing.assert_allclose(lrs, ref_lrs[11:], rtol=1e-15)
    np.testing.assert_allclose(moms, ref_moms[11:], rtol=1e-15)


def test_cyclic_state_dict_saves_callable_object_attributes_only():
    s = sched.CyclicLR(make_opt(momentum=0.9), 0.01, 0.1, scale_fn=_Decay(0.5))
    assert s.state_dict()["_scale_fn_custom"] == {"rate": 0.5}
    other = sched.CyclicLR(make_opt(momentum=0.9), 0.01, 0.1, scale_fn=_Decay(0.9))
    other.load_state_dict(s.state_dict())
    assert other._scale_fn_custom.rate == 0.5
    plain = sched.CyclicLR(make_opt(momentum=0.9), 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None


# -- PyTorch twins -----------------------------------------------------------------------------
CASES = [
    ("PolynomialLR", {}),
    ("PolynomialLR", {"total_iters": 37, "power": 2.5}),
    ("PolynomialLR", {"total_iters": 20, "power": 0.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 7}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.003}),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 3, "eta_min": 0}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 7}),
    ("CyclicLR", {"base_lr": [0.01, 0.002], "max_lr": [0.3, 0.05], "step_size_up": 4,
                  "step_size_down": 9, "mode": "triangular2"}),
    ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.2, "step_size_up": 5, "mode": "exp_range",
                  "gamma": 0.97, "base_momentum": [0.7, 0.6], "max_momentum": 0.99}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 6,
                  "scale_fn": lambda x: 1 / (1 + 0.1 * x), "scale_mode": "iterations"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3,
                  "scale_fn": lambda x: 0.5 ** (x - 1)}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "cycle_momentum": False}),
]


def _two_group_optimizers(torch_cls, our_cls, **kwargs):
    tp = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    op = [ag.tensor(np.zeros(2), requires_grad=True), ag.tensor(np.zeros(3), requires_grad=True)]
    t_opt = torch_cls([{"params": [tp[0]]}, {"params": [tp[1]], "lr": 0.02}], lr=0.1, **kwargs)
    o_opt = our_cls([{"params": [op[0]]}, {"params": [op[1]], "lr": 0.02}], lr=0.1, **kwargs)
    return t_opt, o_opt


def _assert_groups_equal(t_opt, o_opt, where):
    for tg, og in zip(t_opt.param_groups, o_opt.param_groups):
        for key in ("lr", "momentum", "initial_lr", "max_momentum", "base_momentum"):
            if key in tg:
                assert og[key] == pytest.approx(tg[key], rel=1e-13, abs=0), (key, where)
        if "betas" in tg:
            assert og["betas"] == pytest.approx(tg["betas"], rel=1e-13), where


@needs_torch
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_trajectory_matches_torch_for_80_steps(case, opt_name):
    name, kwargs = case
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    t_opt, o_opt = _two_group_optimizers(getattr(torch.optim, opt_name),
                                         getattr(optim, opt_name), **extra)
    t_s = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    o_s = getattr(sched, name)(o_opt, **kwargs)
    for step in range(80):
        assert o_s.last_epoch == t_s.last_epoch
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-13, atol=0,
                                   err_msg=f"{name} at step {step}")
        _assert_groups_equal(t_opt, o_opt, step)
        t_opt.step()
        o_opt.step()
        t_s.step()
        o_s.step()


@needs_torch
@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch(t_mult):
    t_opt, o_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD)
    t_s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t_opt, T_0=3, T_mult=t_mult,
                                                                eta_min=0.001)
    o_s = sched.CosineAnnealingWarmRestarts(o_opt, T_0=3, T_mult=t_mult, eta_min=0.001)
    epochs = [e + b / 7 for e in range(30) for b in range(7)] + [100.25, 2.5, 0, 47.0, 13.9]
    for epoch in epochs:
        t_s.step(epoch)
        o_s.step(epoch)
        assert (o_s.last_epoch, o_s.T_i) == (t_s.last_epoch, t_s.T_i)
        assert o_s.T_cur == pytest.approx(t_s.T_cur, rel=1e-13, abs=1e-13)
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12,
                                   err_msg=f"epoch {epoch}")
    # Plain steps continue from wherever the last epoch left the period, as PyTorch's do.
    for _ in range(20):
        t_s.step()
        o_s.step()
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12)


@needs_torch
def test_polynomial_closed_form_via_epoch_argument_matches_torch():
    t_opt, o_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD)
    t_s = torch.optim.lr_scheduler.PolynomialLR(t_opt, total_iters=10, power=1.5)
    o_s = sched.PolynomialLR(o_opt, total_iters=10, power=1.5)
    for epoch in [3, 8, 15, 4]:
        with pytest.warns(UserWarning):
            t_s.step(epoch)
        with pytest.warns(UserWarning):
            o_s.step(epoch)
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-13)


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_state_dict_keys_and_values_match_torch(case):
    name, kwargs = case
    t_opt, o_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD, momentum=0.9)
    t_s = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    o_s = getattr(sched, name)(o_opt, **kwargs)
    for _ in range(9):
        t_opt.step()
        t_s.step()
        o_s.step()
    t_sd, o_sd = t_s.state_dict(), o_s.state_dict()
    for key, value in t_sd.items():
        if key.startswith("_get_lr_called"):
            continue
        assert key in o_sd, key
        if isinstance(value, (float, list)):
            assert o_sd[key] == pytest.approx(value, rel=1e-13), key
        else:
            assert o_sd[key] == value, key
    # PyTorch's saved state resumes here, and ours resumes in PyTorch.
    o2_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD, momentum=0.9)[1]
    o2 = getattr(sched, name)(o2_opt, **kwargs)
    o2_opt.load_state_dict(o_opt.state_dict())
    o2.load_state_dict({k: v for k, v in t_sd.items() if not k.startswith("_get_lr")})
    for _ in range(15):
        t_s.step()
        o2.step()
        np.testing.assert_allclose(o2.get_last_lr(), t_s.get_last_lr(), rtol=1e-13)


def _sequential(lib, opt):
    warmup = lib.LinearLR(opt, start_factor=0.1, total_iters=4)
    restarts = lib.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)
    poly = lib.PolynomialLR(opt, total_iters=6, power=2.0)
    return lib.SequentialLR(opt, [warmup, restarts, poly], milestones=[4, 15])


def _chained(lib, opt):
    return lib.ChainedScheduler([lib.CyclicLR(opt, 0.01, 0.1, step_size_up=3),
                                 lib.ExponentialLR(opt, gamma=0.95)])


@needs_torch
@pytest.mark.parametrize("build", [_sequential, _chained])
def test_composites_of_the_new_schedules_match_torch(build):
    t_opt, o_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD, momentum=0.9)
    t_s = build(torch.optim.lr_scheduler, t_opt)
    o_s = build(sched, o_opt)
    for step in range(40):
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12,
                                   err_msg=f"step {step}")
        _assert_groups_equal(t_opt, o_opt, step)
        t_opt.step()
        o_opt.step()
        t_s.step()
        o_s.step()
