"""Learning-rate schedules against their closed forms (no PyTorch needed)."""

import math

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as sched


def make_opt(lrs=(0.1,), cls=optim.SGD, **kwargs):
    groups = [
        {"params": [ag.tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs
    ]
    return cls(groups, **kwargs)


def run(scheduler, steps):
    """Learning rates seen by the optimizer at epochs 0..steps-1."""
    out = []
    for _ in range(steps):
        out.append(scheduler.get_last_lr())
        scheduler.optimizer.step()
        scheduler.step()
    return np.array(out)


def test_construction_records_initial_lr_and_epoch_zero():
    opt = make_opt((0.1, 0.02))
    s = sched.StepLR(opt, step_size=3)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.02]
    assert s.base_lrs == [0.1, 0.02]
    assert s.last_epoch == 0
    assert s.get_last_lr() == [0.1, 0.02]


def test_step_lr():
    lrs = run(sched.StepLR(make_opt((0.1, 0.02)), step_size=4, gamma=0.5), 20)
    e = np.arange(20)[:, None]
    np.testing.assert_allclose(lrs, np.array([[0.1, 0.02]]) * 0.5 ** (e // 4), rtol=1e-12)


def test_multistep_lr_with_a_repeated_milestone():
    lrs = run(sched.MultiStepLR(make_opt(), milestones=[3, 7, 7], gamma=0.1), 12)[:, 0]
    expected = [0.1] * 3 + [0.01] * 4 + [0.0001] * 5
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


def test_exponential_lr():
    lrs = run(sched.ExponentialLR(make_opt(), gamma=0.9), 30)[:, 0]
    np.testing.assert_allclose(lrs, 0.1 * 0.9 ** np.arange(30), rtol=1e-12)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_follows_the_cosine_even_past_t_max(eta_min):
    t_max = 10
    lrs = run(sched.CosineAnnealingLR(make_opt(), T_max=t_max, eta_min=eta_min), 45)[:, 0]
    t = np.arange(45)
    expected = eta_min + (0.1 - eta_min) * (1 + np.cos(np.pi * t / t_max)) / 2
    np.testing.assert_allclose(lrs, expected, rtol=1e-9, atol=1e-15)
    assert lrs[t_max] == pytest.approx(eta_min, abs=1e-15)
    assert lrs[2 * t_max] == pytest.approx(0.1)


def test_lambda_lr_per_group():
    opt = make_opt((0.1, 0.2))
    s = sched.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: 0.5**e])
    lrs = run(s, 10)
    e = np.arange(10)
    np.testing.assert_allclose(lrs[:, 0], 0.1 / (e + 1))
    np.testing.assert_allclose(lrs[:, 1], 0.2 * 0.5**e)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        sched.LambdaLR(opt, [lambda e: 1.0])


def test_multiplicative_lr():
    lrs = run(sched.MultiplicativeLR(make_opt(), lambda e: 0.9), 10)[:, 0]
    np.testing.assert_allclose(lrs, 0.1 * 0.9 ** np.arange(10))


def test_linear_lr_reaches_end_factor_after_total_iters():
    lrs = run(sched.LinearLR(make_opt(), start_factor=0.25, end_factor=1.0, total_iters=6),
              12)[:, 0]
    e = np.minimum(np.arange(12), 6)
    np.testing.assert_allclose(lrs, 0.1 * (0.25 + 0.75 * e / 6), rtol=1e-12)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        sched.LinearLR(make_opt(), start_factor=0)


def test_constant_lr():
    lrs = run(sched.ConstantLR(make_opt(), factor=0.5, total_iters=4), 8)[:, 0]
    np.testing.assert_allclose(lrs, [0.05] * 4 + [0.1] * 4)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_one_cycle_rises_to_max_lr_then_falls_below_the_start(strategy):
    opt = make_opt(cls=optim.SGD, momentum=0.9)
    s = sched.OneCycleLR(opt, max_lr=1.0, total_steps=50, anneal_strategy=strategy)
    lrs, moms = [], []
    for _ in range(50):
        lrs.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        if len(lrs) < 50:
            s.step()
    peak = int(0.3 * 50) - 1
    assert lrs[0] == pytest.approx(1.0 / 25)
    assert lrs[peak] == pytest.approx(1.0) and max(lrs) == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert moms[0] == pytest.approx(0.95) and moms[peak] == pytest.approx(0.85)
    assert np.all(np.diff(lrs[: peak + 1]) > 0) and np.all(np.diff(lrs[peak:]) < 0)
    s.step()  # epoch 50 == total_steps is still allowed, as in PyTorch
    with pytest.raises(ValueError, match="Tried to step 51 times"):
        s.step()


def test_one_cycle_cycles_adam_beta1():
    opt = make_opt(cls=optim.Adam)
    sched.OneCycleLR(opt, max_lr=0.01, total_steps=10)
    assert opt.param_groups[0]["betas"] == (0.95, 0.999)


def test_reduce_on_plateau_patience_threshold_and_cooldown():
    opt = make_opt((1.0, 0.5))
    s = sched.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=[0.1, 0.2])
    metrics = [10, 9, 9, 9, 9, 8.9999, 9, 9, 9, 9, 9, 9, 9]
    seen = []
    for m in metrics:
        s.step(m)
        seen.append(s.get_last_lr())
    # 9 improves on 10; three epochs without a (relative 1e-4) improvement then cut the rate,
    # one cooldown epoch is ignored, and the rates stop at min_lr.
    assert [lr[0] for lr in seen] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25,
                                      0.25, 0.125]
    assert [lr[1] for lr in seen][-1] == 0.2
    assert s.last_epoch == len(metrics)


def test_reduce_on_plateau_max_mode_and_abs_threshold():
    opt = make_opt()
    s = sched.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, threshold=0.5,
                                threshold_mode="abs")
    for m in [1.0, 1.6, 2.0]:  # 2.0 is not better than 1.6 + 0.5
        s.step(m)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    s.step(ag.tensor(5.0))  # a one-element Tensor metric
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    with pytest.raises(ValueError, match="mode maximum is unknown"):
        sched.ReduceLROnPlateau(opt, mode="maximum")
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sched.ReduceLROnPlateau(opt, factor=1.0)


def test_sequential_warmup_then_cosine():
    opt = make_opt()
    warmup = sched.LinearLR(opt, start_factor=0.1, total_iters=5)
    cosine = sched.CosineAnnealingLR(opt, T_max=20)
    lrs = run(sched.SequentialLR(opt, [warmup, cosine], milestones=[5]), 30)[:, 0]
    e = np.arange(30)
    expected = np.where(e < 5, 0.1 * (0.1 + 0.9 * e / 5),
                        0.1 * (1 + np.cos(np.pi * (e - 5) / 20)) / 2)
    np.testing.assert_allclose(lrs, expected, rtol=1e-9, atol=1e-15)
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        sched.SequentialLR(opt, [warmup, cosine], milestones=[5, 10])


def test_chained_schedules_multiply():
    opt = make_opt()
    chain = sched.ChainedScheduler([sched.ExponentialLR(opt, gamma=0.9),
                                    sched.StepLR(opt, step_size=4, gamma=0.5)])
    lrs = run(chain, 12)[:, 0]
    e = np.arange(12)
    np.testing.assert_allclose(lrs, 0.1 * 0.9**e * 0.5 ** (e // 4), rtol=1e-12)


def test_step_with_an_epoch_uses_the_closed_form_and_warns():
    s = sched.StepLR(make_opt(), step_size=2, gamma=0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        s.step(7)
    assert s.last_epoch == 7
    assert s.get_last_lr()[0] == pytest.approx(0.1 * 0.5**3)


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(make_opt(), step_size=2, last_epoch=5)


def _schedulers():
    return [
        lambda o: sched.StepLR(o, step_size=3, gamma=0.5),
        lambda o: sched.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.3),
        lambda o: sched.ExponentialLR(o, gamma=0.95),
        lambda o: sched.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
        lambda o: sched.LinearLR(o, start_factor=0.1, total_iters=8),
        lambda o: sched.OneCycleLR(o, max_lr=0.5, total_steps=40, three_phase=True),
        lambda o: sched.LambdaLR(o, _Warmup(4)),
        lambda o: sched.SequentialLR(
            o, [sched.LinearLR(o, start_factor=0.1, total_iters=5),
                sched.CosineAnnealingLR(o, T_max=20)], milestones=[5]),
        lambda o: sched.ChainedScheduler(
            [sched.ExponentialLR(o, gamma=0.9), sched.StepLR(o, step_size=4, gamma=0.5)]),
    ]


class _Warmup:
    """A callable object: its attributes travel in the scheduler's state dict."""

    def __init__(self, n):
        self.n = n

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.n)


@pytest.mark.parametrize("build", _schedulers())
def test_scheduler_state_dict_round_trip_continues_identically(build):
    opt_ref = make_opt((0.1, 0.05), momentum=0.9)
    ref = build(opt_ref)
    ref_lrs = run(ref, 30)

    opt = make_opt((0.1, 0.05), momentum=0.9)
    s = build(opt)
    run(s, 11)
    saved_sched, saved_opt = s.state_dict(), opt.state_dict()
    for value in saved_sched.values():
        assert not callable(value)

    opt2 = make_opt((0.9, 0.9), momentum=0.9)
    s2 = build(opt2)
    opt2.load_state_dict(saved_opt)
    s2.load_state_dict(saved_sched)
    assert getattr(s2, "last_epoch", 11) == 11
    np.testing.assert_allclose(run(s2, 19), ref_lrs[11:], rtol=1e-15)


def test_lambda_state_dict_restores_callable_object_attributes():
    opt = make_opt()
    s = sched.LambdaLR(opt, _Warmup(10))
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [{"n": 10}]
    other = sched.LambdaLR(make_opt(), _Warmup(3))
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].n == 10
    assert sched.LambdaLR(make_opt(), lambda e: 1.0).state_dict()["lr_lambdas"] == [{}]


def test_reduce_on_plateau_state_dict_round_trip():
    opt = make_opt()
    s = sched.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for m in [3, 2, 2, 2]:
        s.step(m)
    sd = s.state_dict()
    s2 = sched.ReduceLROnPlateau(make_opt(), patience=1, factor=0.5)
    s2.load_state_dict(sd)
    assert s2.best == 2 and s2.num_bad_epochs == s.num_bad_epochs
    assert math.isinf(s2.mode_worse)


def test_scheduler_requires_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched.StepLR(object(), step_size=1)
