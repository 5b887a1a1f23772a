"""Optimizers and schedules against PyTorch: the same trajectories and learning rates."""

import math

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as sched

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SHAPES = [(3, 4), (5,), ()]
STEPS = 50


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    scale = [rng.uniform(0.5, 2.0, s) for s in SHAPES]
    return init, scale


def _grad(x, a, t, sign):
    """Gradient of a fixed quartic bowl with a time-varying tilt (NumPy, both engines)."""
    return sign * (a * x + 0.2 * x**3 - 0.3 + 0.1 * math.sin(t))


def _run_both(torch_cls, our_cls, kwargs, groups=None, dtype=np.float64, steps=STEPS,
              skip_every=7):
    """Runs both optimizers on the same gradients; returns both trajectories.

    Parameter 1 gets no gradient every ``skip_every`` steps, so that skipping and per-parameter
    step counts are compared too.
    """
    init, scale = _problem()
    sign = -1.0 if kwargs.get("maximize") else 1.0
    tp = [torch.tensor(x.astype(dtype), requires_grad=True) for x in init]
    op = [ag.tensor(x.astype(dtype), requires_grad=True) for x in init]

    def grouped(ps):
        if groups is None:
            return ps
        return [{"params": [ps[i] for i in idx], **opts} for idx, opts in groups]

    t_opt = torch_cls(grouped(tp), **kwargs)
    o_opt = our_cls(grouped(op), **kwargs)
    t_traj, o_traj = [], []
    for t in range(steps):
        for i, (a, b, s) in enumerate(zip(tp, op, scale)):
            if i == 1 and t % skip_every == skip_every - 1:
                a.grad = None
                b.grad = None
                continue
            a.grad = torch.tensor(_grad(a.detach().numpy(), s, t, sign).astype(dtype))
            b.grad = ag.tensor(_grad(b._data, s, t, sign).astype(dtype))
        t_opt.step()
        o_opt.step()
        t_traj.append([a.detach().numpy().copy() for a in tp])
        o_traj.append([b._data.copy() for b in op])
    return t_traj, o_traj, t_opt, o_opt


def _assert_same(t_traj, o_traj, rtol):
    for step, (ts, os_) in enumerate(zip(t_traj, o_traj)):
        for i, (a, b) in enumerate(zip(ts, os_)):
            assert b.dtype == a.dtype
            np.testing.assert_allclose(b, a, rtol=rtol, atol=rtol * 1e-3,
                                       err_msg=f"step {step + 1}, parameter {i}")


CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 0.05,
             "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.3, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.05,
                 "maximize": True}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.3, "centered": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-4}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "betas": (0.5, 0.9), "maximize": True}),
]


def _case_id(case):
    name, kwargs = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_float64_trajectory_matches_torch(case):
    name, kwargs = case
    t_traj, o_traj, _, _ = _run_both(getattr(torch.optim, name), getattr(optim, name), kwargs)
    _assert_same(t_traj, o_traj, rtol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_param_groups_with_their_own_options_match_torch(name):
    group_opts = {
        "SGD": [{"lr": 0.01, "momentum": 0.5}, {"lr": 0.1, "nesterov": True}],
        "Adagrad": [{"lr": 0.02}, {"lr": 0.2, "lr_decay": 0.1}],
        "RMSprop": [{"lr": 0.001}, {"lr": 0.02, "centered": True}],
        "Adam": [{"lr": 0.01}, {"lr": 0.1, "amsgrad": True, "betas": (0.8, 0.99)}],
        "AdamW": [{"lr": 0.01, "weight_decay": 0.0}, {"lr": 0.1}],
    }[name]
    defaults = {"lr": 0.05, "momentum": 0.9} if name == "SGD" else {"lr": 0.05}
    groups = [((0, 2), group_opts[0]), ((1,), group_opts[1])]
    t_traj, o_traj, t_opt, o_opt = _run_both(
        getattr(torch.optim, name), getattr(optim, name), defaults, groups=groups
    )
    _assert_same(t_traj, o_traj, rtol=1e-6)
    for tg, og in zip(t_opt.param_groups, o_opt.param_groups):
        for key, value in og.items():
            if key not in ("params", "param_names"):
                assert tg[key] == value, key


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("Adam", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True}),
])
def test_float32_trajectory_matches_torch(name, kwargs):
    t_traj, o_traj, _, _ = _run_both(getattr(torch.optim, name), getattr(optim, name), kwargs,
                                     dtype=np.float32, steps=30)
    _assert_same(t_traj, o_traj, rtol=2e-5)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
])
def test_state_dict_has_torch_keys_and_loads_torch_state(name, kwargs):
    t_traj, o_traj, t_opt, o_opt = _run_both(getattr(torch.optim, name), getattr(optim, name),
                                             kwargs, steps=10)
    t_sd, o_sd = t_opt.state_dict(), o_opt.state_dict()
    assert set(o_sd["state"]) == set(t_sd["state"])
    for k in t_sd["state"]:
        assert set(o_sd["state"][k]) == set(t_sd["state"][k])
        for key, value in t_sd["state"][k].items():
            np.testing.assert_allclose(o_sd["state"][k][key], value.numpy(), rtol=1e-9)
    assert [g["params"] for g in o_sd["param_groups"]] == [g["params"] for g in
                                                           t_sd["param_groups"]]
    for og, tg in zip(o_sd["param_groups"], t_sd["param_groups"]):
        assert set(og) <= set(tg)

    # torch's own state dict (tensors) loads into a fresh optimizer and continues the same.
    params = [ag.tensor(x.copy(), requires_grad=True) for x in o_traj[-1]]
    fresh = getattr(optim, name)(params, **kwargs)
    fresh.load_state_dict(t_sd)
    for a, b in zip(params, o_opt.param_groups[0]["params"]):
        for key, value in o_opt.state[b].items():
            np.testing.assert_allclose(fresh.state[a][key], value, rtol=1e-9)


def test_torch_sgd_state_with_torch_only_group_keys_loads():
    tp = torch.zeros(3, requires_grad=True)
    t_opt = torch.optim.SGD([tp], lr=0.1)
    tp.grad = torch.ones(3)
    t_opt.step()
    p = ag.tensor(np.full(3, -0.1), requires_grad=True)
    opt = optim.SGD([p], lr=0.5, momentum=0.9)
    opt.load_state_dict(t_opt.state_dict())  # groups hold foreach, fused, differentiable too
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    p.grad = ag.tensor(np.ones(3))
    opt.step()
    np.testing.assert_allclose(p._data, -0.2)


# -- schedules ------------------------------------------------------------------------------------
SCHEDULES = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [5, 20, 20, 41], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 13, "eta_min": 0.004}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.97**e * (1 + e % 3)}),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.9 if e % 2 else 1.05}),
    ("LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 17}),
    ("ConstantLR", {"factor": 0.4, "total_iters": 9}),
    ("OneCycleLR", {"max_lr": [0.5, 0.3], "total_steps": 61}),
    ("OneCycleLR", {"max_lr": 0.4, "total_steps": 61, "anneal_strategy": "linear",
                    "three_phase": True, "pct_start": 0.25}),
]


def _two_group_optimizers(torch_cls, our_cls, **kwargs):
    tp = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    op = [ag.tensor(np.zeros(2), requires_grad=True), ag.tensor(np.zeros(3), requires_grad=True)]
    t_opt = torch_cls([{"params": [tp[0]]}, {"params": [tp[1]], "lr": 0.02}], lr=0.1, **kwargs)
    o_opt = our_cls([{"params": [op[0]]}, {"params": [op[1]], "lr": 0.02}], lr=0.1, **kwargs)
    return t_opt, o_opt


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("case", SCHEDULES, ids=[c[0] + str(i) for i, c in enumerate(SCHEDULES)])
def test_schedule_matches_torch_for_60_steps(case, opt_name):
    name, kwargs = case
    extra = {"momentum": 0.9} if opt_name == "SGD" else {}
    t_opt, o_opt = _two_group_optimizers(getattr(torch.optim, opt_name),
                                         getattr(optim, opt_name), **extra)
    t_s = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    o_s = getattr(sched, name)(o_opt, **kwargs)
    for step in range(61 if name != "OneCycleLR" else 60):
        assert o_s.last_epoch == t_s.last_epoch
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12, atol=0,
                                   err_msg=f"{name} at epoch {step}")
        for tg, og in zip(t_opt.param_groups, o_opt.param_groups):
            assert og["lr"] == pytest.approx(tg["lr"], rel=1e-12)
            if "momentum" in tg:
                assert og["momentum"] == pytest.approx(tg["momentum"], rel=1e-12)
            if "betas" in tg:
                assert og["betas"] == pytest.approx(tg["betas"], rel=1e-12)
        t_opt.step()
        o_opt.step()
        t_s.step()
        o_s.step()


def _sequential(lib, opt):
    warmup = lib.LinearLR(opt, start_factor=0.1, total_iters=5)
    cosine = lib.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
    decay = lib.ExponentialLR(opt, gamma=0.9)
    return lib.SequentialLR(opt, [warmup, cosine, decay], milestones=[5, 30])


def _chained(lib, opt):
    return lib.ChainedScheduler([lib.ExponentialLR(opt, gamma=0.97),
                                 lib.StepLR(opt, step_size=10, gamma=0.5)])


@pytest.mark.parametrize("build", [_sequential, _chained])
def test_composite_schedules_match_torch(build):
    t_opt, o_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD)
    t_s = build(torch.optim.lr_scheduler, t_opt)
    o_s = build(sched, o_opt)
    for step in range(60):
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12,
                                   err_msg=f"epoch {step}")
        t_opt.step()
        o_opt.step()
        t_s.step()
        o_s.step()


@pytest.mark.parametrize("kwargs", [
    {},
    {"mode": "max", "factor": 0.5, "patience": 2, "threshold": 0.05, "cooldown": 3},
    {"factor": 0.3, "patience": 0, "threshold_mode": "abs", "threshold": 0.1,
     "min_lr": [0.01, 0.005]},
    {"factor": 0.5, "patience": 1, "min_lr": 0.019, "eps": 1e-3},
])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    t_opt, o_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD)
    t_s = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    o_s = sched.ReduceLROnPlateau(o_opt, **kwargs)
    rng = np.random.default_rng(3)
    metrics = np.cumsum(rng.normal(0, 1, 60)) * 0.1 + np.sin(np.arange(60) / 5)
    for m in metrics:
        t_s.step(float(m))
        o_s.step(float(m))
        assert o_s.get_last_lr() == t_s.get_last_lr()
        assert (o_s.num_bad_epochs, o_s.cooldown_counter, o_s.best) == (
            t_s.num_bad_epochs, t_s.cooldown_counter, t_s.best)


def test_cosine_closed_form_via_epoch_argument_matches_torch():
    t_opt, o_opt = _two_group_optimizers(torch.optim.SGD, optim.SGD)
    t_s = torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=9, eta_min=0.01)
    o_s = sched.CosineAnnealingLR(o_opt, T_max=9, eta_min=0.01)
    for epoch in [3, 8, 15, 30]:
        with pytest.warns(UserWarning):
            t_s.step(epoch)
        with pytest.warns(UserWarning):
            o_s.step(epoch)
        np.testing.assert_allclose(o_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12)
