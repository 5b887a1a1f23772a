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
    _check_groups(name, defaults, group_opts, rtol=1e-6)


def _check_groups(name, defaults, group_opts, rtol):
    """Parameters 0 and 2 in one group, 1 in another, each group with its own options."""
    groups = [((0, 2), group_opts[0]), ((1,), group_opts[1])]
    t_traj, o_traj, t_opt, o_opt = _run_both(
        getattr(torch.optim, name), getattr(optim, name), defaults, groups=groups
    )
    _assert_same(t_traj, o_traj, rtol=rtol)
    for tg, og in zip(t_opt.param_groups, o_opt.param_groups):
        for key, value in og.items():
            if key not in ("params", "param_names"):
                assert tg[key] == value, key


@pytest.mark.parametrize("name, kwargs, rtol", [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, 2e-5),
    ("Adagrad", {"lr": 0.1}, 2e-5),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}, 2e-5),
    ("Adam", {"lr": 0.05}, 2e-5),
    ("AdamW", {"lr": 0.05, "amsgrad": True}, 2e-5),
    # PyTorch fuses multiply-adds that NumPy rounds twice: a float32 ulp here and there
    ("Adadelta", {"lr": 0.5}, 5e-5),
    ("Adamax", {"lr": 0.05}, 5e-5),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}, 5e-5),
    ("RAdam", {"lr": 0.05}, 5e-5),
    ("ASGD", {"lr": 0.05, "t0": 5}, 5e-5),
    ("Rprop", {"lr": 0.05}, 5e-5),
])
def test_float32_trajectory_matches_torch(name, kwargs, rtol):
    t_traj, o_traj, _, _ = _run_both(getattr(torch.optim, name), getattr(optim, name), kwargs,
                                     dtype=np.float32, steps=30)
    _assert_same(t_traj, o_traj, rtol=rtol)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
    ("Adadelta", {"lr": 0.5}),
    ("Adamax", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "t0": 3}),
    ("Rprop", {"lr": 0.05}),
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


# -- Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop: held to 1e-12 ---------------------------------
# PyTorch keeps NAdam's mu_product and ASGD's eta and mu as 0-d tensors of float32 unless its
# default dtype is float64, and these optimizers round the same way, following autograd_core's
# default dtype. So every case runs under the float32 defaults, and those with such scalars also
# under float64 defaults. ``foreach=True`` runs PyTorch's multi-tensor code, which rounds ASGD's
# eta in float32 tensor arithmetic: that case only runs under float64 defaults.
MORE_CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.7, "eps": 1e-4}),
    ("Adadelta", {"lr": 0.5, "rho": 1.0}),
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.05, "foreach": True}),
    ("Adamax", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-3}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {"lr": 0.05, "betas": (0.6, 0.99), "foreach": True}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-4, "momentum_decay": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.0, "maximize": True, "weight_decay": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "foreach": True}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "betas": (0.5, 0.8), "eps": 1e-4}),
    ("RAdam", {"lr": 0.05, "betas": (0.9, 0.9)}),  # rho_inf < 5: never rectified
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True,
               "maximize": True}),
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.95), "foreach": True}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 10}),
    ("ASGD", {"lr": 0.05, "t0": 3, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {"lr": 0.05}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.01, "etas": (0.6, 1.1), "step_sizes": (5e-3, 50.0), "maximize": True}),
    ("Rprop", {"lr": 0.05, "foreach": True}),
]
_SCALAR_STATE = ("NAdam", "ASGD")
FLOAT64_CASES = [c for c in MORE_CASES if c[0] in _SCALAR_STATE] + [
    ("ASGD", {"lr": 0.05, "t0": 5, "lambd": 0.01, "foreach": True}),
]


@pytest.fixture
def float64_defaults():
    """Both libraries' default dtype float64 for one test, restored after."""
    t_default, o_default = torch.get_default_dtype(), ag.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    ag.set_default_dtype(np.float64)
    yield
    torch.set_default_dtype(t_default)
    ag.set_default_dtype(o_default)


def _assert_same_state(t_opt, o_opt, rtol):
    """Every state entry of every parameter, PyTorch's tensors against our arrays and floats."""
    for tp, op in zip(t_opt.param_groups[0]["params"], o_opt.param_groups[0]["params"]):
        t_state, o_state = t_opt.state[tp], o_opt.state[op]
        assert list(o_state) == list(t_state)
        for key, value in t_state.items():
            np.testing.assert_allclose(o_state[key], value.numpy(), rtol=rtol, atol=rtol * 1e-3,
                                       err_msg=key)


def _check_more(case, rtol=1e-12):
    name, kwargs = case
    t_traj, o_traj, t_opt, o_opt = _run_both(getattr(torch.optim, name), getattr(optim, name),
                                             kwargs)
    _assert_same(t_traj, o_traj, rtol=rtol)
    _assert_same_state(t_opt, o_opt, rtol=rtol)


@pytest.mark.parametrize("case", MORE_CASES, ids=[_case_id(c) for c in MORE_CASES])
def test_more_optimizers_match_torch_to_1e12(case):
    _check_more(case)


@pytest.mark.parametrize("case", FLOAT64_CASES, ids=[_case_id(c) for c in FLOAT64_CASES])
def test_scalar_state_matches_torch_under_float64_defaults(case, float64_defaults):
    _check_more(case)
    assert ag.get_default_dtype() == np.float64


@pytest.mark.parametrize("name, defaults, group_opts", [
    ("Adadelta", {"lr": 0.5}, [{"rho": 0.5}, {"lr": 0.1, "eps": 1e-3}]),
    ("Adamax", {"lr": 0.05}, [{"betas": (0.5, 0.9)}, {"lr": 0.01, "weight_decay": 0.1}]),
    ("NAdam", {"lr": 0.05}, [{"momentum_decay": 0.02},
                             {"weight_decay": 0.1, "decoupled_weight_decay": True}]),
    ("RAdam", {"lr": 0.05}, [{"betas": (0.5, 0.9)}, {"lr": 0.2, "weight_decay": 0.1}]),
    ("ASGD", {"lr": 0.05}, [{"t0": 4}, {"lr": 0.02, "lambd": 0.1, "alpha": 0.9}]),
    ("Rprop", {"lr": 0.05}, [{"etas": (0.4, 1.3)}, {"lr": 0.01, "step_sizes": (1e-4, 0.1)}]),
])
def test_more_optimizers_param_groups_match_torch(name, defaults, group_opts):
    _check_groups(name, defaults, group_opts, rtol=1e-12)


@pytest.mark.parametrize("name, kwargs", [
    ("Adadelta", {"lr": 0.5, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("ASGD", {"lr": 0.05, "t0": 3}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5)}),
])
def test_more_optimizers_resume_from_torch_state_dicts(name, kwargs):
    """PyTorch's state dict (tensors, tuples) loads into ours, which then goes on as PyTorch."""
    t_traj, o_traj, t_opt, o_opt = _run_both(getattr(torch.optim, name), getattr(optim, name),
                                             kwargs, steps=20)
    params = [ag.tensor(x.copy(), requires_grad=True) for x in o_traj[-1]]
    fresh = getattr(optim, name)(params, lr=0.7)
    fresh.load_state_dict(t_opt.state_dict())
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    tp = t_opt.param_groups[0]["params"]
    init, scale = _problem()
    for t in range(20, 35):
        for a, b, s in zip(tp, params, scale):
            a.grad = torch.tensor(_grad(a.detach().numpy(), s, t, 1.0))
            b.grad = ag.tensor(_grad(b._data, s, t, 1.0))
        t_opt.step()
        fresh.step()
        for a, b in zip(tp, params):
            np.testing.assert_allclose(b._data, a.detach().numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, kwargs", [
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"rho": -0.5}),
    ("Adadelta", {"eps": -1e-6}),
    ("Adadelta", {"weight_decay": -0.5}),
    ("Adadelta", {"lr": -2.0}),
    ("Adamax", {"lr": -0.1}),
    ("Adamax", {"eps": -1.0}),
    ("Adamax", {"betas": (1.0, 0.9)}),
    ("Adamax", {"betas": (0.9, -0.25)}),
    ("Adamax", {"weight_decay": -1.0}),
    ("NAdam", {"betas": (-0.5, 0.9)}),
    ("NAdam", {"momentum_decay": -0.004}),
    ("NAdam", {"weight_decay": -0.1}),
    ("RAdam", {"betas": (0.9, 1.0)}),
    ("RAdam", {"eps": -1e-8}),
    ("ASGD", {"lr": -0.01}),
    ("ASGD", {"weight_decay": -0.1}),
    ("Rprop", {"etas": (1.5, 1.2)}),
    ("Rprop", {"etas": (0.5, 0.9)}),
    ("Rprop", {"etas": (0.0, 1.2)}),
    ("Rprop", {"lr": -1.0}),
    ("LBFGS", {"lr": -1.0}),
])
def test_option_errors_match_torch(name, kwargs):
    """The same exception type, and PyTorch's message (which names option and value) in ours."""
    with pytest.raises(Exception) as t_err:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(type(t_err.value)) as o_err:
        getattr(optim, name)([ag.zeros(2, requires_grad=True)], **kwargs)
    assert str(t_err.value) in str(o_err.value)


# -- LBFGS ---------------------------------------------------------------------------------------
# Both sides see the same loss and gradient, computed in NumPy from the parameters. Some
# roundings still differ: PyTorch's dot products come from MKL and its ``add_(x, alpha=a)``
# fuses the multiply-add. Along most paths that stays at 1e-16; on Rosenbrock's curved valley
# some paths amplify it (a trial step that lands either side of a Wolfe condition), so these
# start points are ones whose paths do not, and test_lbfgs_on_amplifying_paths checks the rest.
def _rosenbrock(x):
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return f, g


_RNG = np.random.default_rng(11)
_A, _B = _RNG.standard_normal((8, 5)), _RNG.standard_normal(8)


def _least_squares(x):
    r = _A @ x - _B
    return 0.5 * (r @ r), _A.T @ r


def _closure(params, read, write_grad, make_loss, fun, shapes, visited):
    """A closure over the flat vector of ``params``; records every point it is evaluated at."""
    def closure():
        x = np.concatenate([np.asarray(read(p)).reshape(-1) for p in params])
        visited.append(x.copy())
        f, g = fun(x)
        offset = 0
        for p, shape in zip(params, shapes):
            size = int(np.prod(shape))
            write_grad(p, g[offset:offset + size].reshape(shape))
            offset += size
        return make_loss(f)
    return closure


def _lbfgs_both(fun, init, kwargs, steps):
    shapes = [np.shape(x) for x in init]
    tp = [torch.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in init]
    op = [ag.tensor(np.array(x, dtype=np.float64), requires_grad=True) for x in init]
    t_opt, o_opt = torch.optim.LBFGS(tp, **kwargs), optim.LBFGS(op, **kwargs)
    t_seen, o_seen = [], []
    t_closure = _closure(tp, lambda p: p.detach().numpy(),
                         lambda p, g: setattr(p, "grad", torch.tensor(g)),
                         lambda f: torch.tensor(f), fun, shapes, t_seen)
    o_closure = _closure(op, lambda p: p._data, lambda p, g: setattr(p, "grad", ag.tensor(g)),
                         lambda f: ag.tensor(f), fun, shapes, o_seen)
    for _ in range(steps):
        t_opt.step(t_closure)
        o_opt.step(o_closure)
        assert len(o_seen) == len(t_seen)  # the same number of evaluations, step by step
    return t_seen, o_seen, t_opt, o_opt


def _lbfgs_state(opt):
    return opt.state[opt.param_groups[0]["params"][0]]


def _assert_same_lbfgs_state(t_state, o_state, rtol=1e-6):
    """The same keys, counters and history lengths, and the same values to ``rtol`` of each
    entry's largest magnitude.

    Near a minimum the state is made of differences of nearly equal gradients and losses,
    which turn the trajectories' 1e-13 into relative differences a thousand or more times
    larger; hence the looser tolerance.
    """
    assert list(o_state) == list(t_state)
    for key in ("func_evals", "n_iter"):
        assert o_state[key] == t_state[key]
    for key in ("d", "t", "H_diag", "prev_flat_grad", "prev_loss", "old_dirs", "old_stps", "ro",
                "al"):
        t_value, o_value = t_state.get(key), o_state.get(key)
        if not isinstance(t_value, list):
            t_value, o_value = [t_value], [o_value]
        assert len(o_value) == len(t_value), key
        assert [v is None for v in o_value] == [v is None for v in t_value], key
        pairs = [(np.asarray(a.numpy() if isinstance(a, torch.Tensor) else a), np.asarray(b))
                 for a, b in zip(t_value, o_value) if a is not None]
        scale = max((float(np.max(np.abs(a))) for a, _ in pairs), default=0.0)
        for a, b in pairs:
            np.testing.assert_allclose(b, a, rtol=0, atol=rtol * scale, err_msg=key)


ROSENBROCK_CASES = [
    ((0.0, 0.0), {"lr": 0.5}),
    ((-1.2, 1.0), {"lr": 0.5}),
    ((2.0, 2.0), {}),
    ((0.0, 0.0), {"line_search_fn": "strong_wolfe"}),
    ((2.0, 2.0), {"line_search_fn": "strong_wolfe"}),
    ((-1.0, -1.0), {"line_search_fn": "strong_wolfe"}),
    ((0.0, 0.0), {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 7}),
    ((2.0, 2.0), {"line_search_fn": "strong_wolfe", "max_iter": 10, "max_eval": 11}),
    ((0.0, 0.0), {"line_search_fn": "strong_wolfe", "tolerance_grad": 1e-3,
                  "tolerance_change": 1e-5}),
    ((2.0, 2.0), {"lr": 0.8, "history_size": 2, "max_iter": 5, "tolerance_change": 1e-6}),
]


@pytest.mark.parametrize("start, kwargs", ROSENBROCK_CASES,
                         ids=[f"{s}-{_case_id(('', k))}" for s, k in ROSENBROCK_CASES])
def test_lbfgs_on_rosenbrock_matches_torch(start, kwargs):
    # two parameters, so that flattening them into one vector is compared too
    init = [np.array([start[0]]), np.array([start[1]])]
    t_seen, o_seen, t_opt, o_opt = _lbfgs_both(_rosenbrock, init, kwargs, steps=10)
    _assert_same([[x] for x in t_seen], [[x] for x in o_seen], rtol=1e-12)
    _assert_same_lbfgs_state(_lbfgs_state(t_opt), _lbfgs_state(o_opt))
    np.testing.assert_allclose(o_seen[-1], [1.0, 1.0], atol=1e-2)


LEAST_SQUARES_CASES = [
    {},
    {"lr": 0.5, "history_size": 2, "max_iter": 5},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 7},
    {"line_search_fn": "strong_wolfe", "max_iter": 4, "max_eval": 4},
]


@pytest.mark.parametrize("kwargs", LEAST_SQUARES_CASES,
                         ids=[_case_id(("", k)) for k in LEAST_SQUARES_CASES])
def test_lbfgs_on_least_squares_matches_torch(kwargs):
    init = [np.array([0.3, -0.2, 1.0]), np.array([[0.5, 0.1]])]
    t_seen, o_seen, t_opt, o_opt = _lbfgs_both(_least_squares, init, kwargs, steps=6)
    _assert_same([[x] for x in t_seen], [[x] for x in o_seen], rtol=1e-12)
    _assert_same_lbfgs_state(_lbfgs_state(t_opt), _lbfgs_state(o_opt))
    x_star = np.linalg.lstsq(_A, _B, rcond=None)[0]
    np.testing.assert_allclose(o_seen[-1], x_star, atol=1e-3 if "max_eval" in kwargs else 1e-4)


@pytest.mark.parametrize("start, kwargs", [
    ((-1.5, 2.0, 0.5), {}),
    ((-1.5, 2.0, 0.5), {"line_search_fn": "strong_wolfe"}),
    ((-1.2, 1.0, -0.5, 0.3, 0.8), {"line_search_fn": "strong_wolfe"}),
])
def test_lbfgs_on_amplifying_paths(start, kwargs):
    """Where roundoff grows along the path: equal at first, then both reach the minimum."""
    init = [np.array(start[:-1]), np.array(start[-1:])]
    t_seen, o_seen, t_opt, o_opt = _lbfgs_both(_rosenbrock, init, kwargs, steps=10)
    _assert_same([[x] for x in t_seen[:10]], [[x] for x in o_seen[:10]], rtol=1e-12)
    np.testing.assert_allclose(o_seen[-1], np.ones(len(start)), atol=1e-4)
    np.testing.assert_allclose(o_seen[-1], t_seen[-1], rtol=0, atol=1e-6)


def test_lbfgs_state_dict_round_trip_and_torch_state_resume():
    init = [np.array([0.3, -0.2, 1.0]), np.array([[0.5, 0.1]])]
    kwargs = {"line_search_fn": "strong_wolfe", "max_iter": 3, "history_size": 4}
    t_seen, o_seen, t_opt, o_opt = _lbfgs_both(_least_squares, init, kwargs, steps=2)
    t_sd, o_sd = t_opt.state_dict(), o_opt.state_dict()
    assert list(o_sd["state"]) == list(t_sd["state"]) == [0]
    assert list(o_sd["state"][0]) == list(t_sd["state"][0])
    assert set(o_sd["param_groups"][0]) <= set(t_sd["param_groups"][0])
    assert o_sd["param_groups"][0]["max_eval"] == t_sd["param_groups"][0]["max_eval"] == 3
    shapes = [np.shape(x) for x in init]

    def resume(sd):
        params = [ag.tensor(p._data.copy(), requires_grad=True)
                  for p in o_opt.param_groups[0]["params"]]
        opt = optim.LBFGS(params)
        opt.load_state_dict(sd)
        seen = []
        closure = _closure(params, lambda p: p._data,
                           lambda p, g: setattr(p, "grad", ag.tensor(g)),
                           lambda f: ag.tensor(f), _least_squares, shapes, seen)
        for _ in range(3):
            opt.step(closure)
        return seen, opt

    ours_resumed, _ = resume(o_sd)
    torch_resumed, from_torch = resume(t_sd)
    t_closure = _closure(t_opt.param_groups[0]["params"], lambda p: p.detach().numpy(),
                         lambda p, g: setattr(p, "grad", torch.tensor(g)),
                         lambda f: torch.tensor(f), _least_squares, shapes, t_seen)
    o_closure = _closure(o_opt.param_groups[0]["params"], lambda p: p._data,
                         lambda p, g: setattr(p, "grad", ag.tensor(g)),
                         lambda f: ag.tensor(f), _least_squares, shapes, o_seen)
    start = len(o_seen)
    for _ in range(3):
        t_opt.step(t_closure)
        o_opt.step(o_closure)
    for a, b in zip(o_seen[start:], ours_resumed, strict=True):
        np.testing.assert_array_equal(b, a)
    _assert_same([[x] for x in t_seen[start:]], [[x] for x in torch_resumed], rtol=1e-12)
    _assert_same_lbfgs_state(_lbfgs_state(t_opt), _lbfgs_state(from_torch))


def test_lbfgs_refuses_what_torch_refuses():
    t_params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    o_params = [ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)]
    with pytest.raises(ValueError) as t_err:
        torch.optim.LBFGS([{"params": t_params[:1]}, {"params": t_params[1:]}])
    with pytest.raises(ValueError) as o_err:
        optim.LBFGS([{"params": o_params[:1]}, {"params": o_params[1:]}])
    assert str(o_err.value) == str(t_err.value)

    t_opt = torch.optim.LBFGS(t_params, line_search_fn="backtracking")
    o_opt = optim.LBFGS(o_params, line_search_fn="backtracking")

    def closure_for(params, lib):
        def closure():
            for p in params:
                p.grad = lib.ones(p.shape)
            return lib.tensor(1.0)
        return closure

    with pytest.raises(RuntimeError) as t_err:
        t_opt.step(closure_for(t_params, torch))
    with pytest.raises(RuntimeError) as o_err:
        o_opt.step(closure_for(o_params, ag))
    assert str(o_err.value) == str(t_err.value)
