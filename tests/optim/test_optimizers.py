"""Optimizers against closed forms, and the Optimizer base's contract (no PyTorch needed)."""

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim

MORE = [optim.Adadelta, optim.Adamax, optim.NAdam, optim.RAdam, optim.ASGD, optim.Rprop]
ALL = [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam, optim.AdamW, *MORE]


def _decay(cls, weight_decay=0.1):
    """``weight_decay`` for the optimizers that have the option (all but Rprop)."""
    return {} if cls is optim.Rprop else {"weight_decay": weight_decay}


def param(values, dtype=np.float64):
    return ag.tensor(np.array(values, dtype=dtype), requires_grad=True)


def set_grad(p, g):
    p.grad = ag.tensor(np.asarray(g, dtype=p._data.dtype))


# -- closed forms -------------------------------------------------------------------------------
def test_sgd_on_a_quadratic_follows_the_geometric_trajectory():
    a = np.array([0.5, 2.0, 3.0])
    x0 = np.array([1.0, -2.0, 0.5])
    p = param(x0)
    opt = optim.SGD([p], lr=0.1)
    for t in range(1, 31):
        opt.zero_grad()
        (0.5 * ag.tensor(a) * p * p).sum().backward()
        opt.step()
        np.testing.assert_allclose(p._data, x0 * (1 - 0.1 * a) ** t, rtol=1e-12)


def test_sgd_momentum_is_the_heavy_ball_linear_recurrence():
    # State (x, b) after the first step evolves linearly: b' = mu b + a x, x' = x - lr b'.
    a, lr, mu, x0 = 1.5, 0.1, 0.9, 2.0
    p = param([x0])
    opt = optim.SGD([p], lr=lr, momentum=mu)
    step = np.array([[1 - lr * a, -lr * mu], [a, mu]])  # acts on (x, b)
    xs = []
    for _ in range(25):
        set_grad(p, a * p._data)
        opt.step()
        xs.append(p._data[0])
    start = np.array([x0 - lr * a * x0, a * x0])  # after step 1 the buffer is the gradient
    for t in range(1, 25):
        expected = np.linalg.matrix_power(step, t) @ start
        assert xs[t] == pytest.approx(expected[0], rel=1e-12)


def test_sgd_nesterov_and_dampening_first_two_steps_by_hand():
    g1, g2, lr, mu, tau = 2.0, -1.0, 0.1, 0.9, 0.25
    p = param([0.0])
    opt = optim.SGD([p], lr=lr, momentum=mu, dampening=tau)
    set_grad(p, [g1])
    opt.step()
    assert p._data[0] == pytest.approx(-lr * g1)  # buffer starts as the raw gradient
    set_grad(p, [g2])
    opt.step()
    assert p._data[0] == pytest.approx(-lr * g1 - lr * (mu * g1 + (1 - tau) * g2))

    q = param([0.0])
    nest = optim.SGD([q], lr=lr, momentum=mu, nesterov=True)
    set_grad(q, [g1])
    nest.step()
    assert q._data[0] == pytest.approx(-lr * (g1 + mu * g1))
    set_grad(q, [g2])
    nest.step()
    b2 = mu * g1 + g2
    assert q._data[0] == pytest.approx(-lr * (g1 + mu * g1) - lr * (g2 + mu * b2))


def test_sgd_weight_decay_adds_an_l2_gradient():
    p = param([3.0, -1.0])
    opt = optim.SGD([p], lr=0.1, weight_decay=0.5)
    set_grad(p, [1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(p._data, [3.0 - 0.1 * (1 + 1.5), -1.0 - 0.1 * (1 - 0.5)])


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_first_step_moves_each_coordinate_by_lr_times_sign(amsgrad):
    g = np.array([3.0, -0.2, 1e-3, -50.0])
    p = param(np.zeros(4))
    opt = optim.Adam([p], lr=0.01, amsgrad=amsgrad)
    set_grad(p, g)
    opt.step()
    np.testing.assert_allclose(p._data, -0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(np.abs(p._data), 0.01, rtol=1e-4)


def test_adam_with_a_constant_gradient_moves_lr_per_step():
    # Bias correction makes m_hat = g and v_hat = g**2 exactly at every step.
    g = np.array([0.7, -2.0])
    p = param([5.0, 5.0])
    opt = optim.Adam([p], lr=0.05, betas=(0.8, 0.95))
    for t in range(1, 21):
        set_grad(p, g)
        opt.step()
        np.testing.assert_allclose(p._data, 5.0 - t * 0.05 * g / (np.abs(g) + 1e-8), rtol=1e-10)


def test_adamw_decay_is_decoupled_and_adam_decay_is_not():
    # Zero gradient: AdamW only shrinks p by (1 - lr wd) per step; Adam's L2 term becomes a
    # gradient and moves p by about lr per step.
    lr, wd = 0.01, 0.1
    w = param([2.0, -4.0])
    adamw = optim.AdamW([w], lr=lr, weight_decay=wd)
    a = param([2.0, -4.0])
    adam = optim.Adam([a], lr=lr, weight_decay=wd)
    for t in range(1, 6):
        set_grad(w, [0.0, 0.0])
        set_grad(a, [0.0, 0.0])
        adamw.step()
        adam.step()
        np.testing.assert_allclose(w._data, np.array([2.0, -4.0]) * (1 - lr * wd) ** t)
        np.testing.assert_allclose(a._data, np.array([2.0, -4.0]) - t * lr * np.sign([2, -4]),
                                   atol=1e-4)
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True
    assert adam.param_groups[0]["decoupled_weight_decay"] is False
    assert optim.AdamW([param([1.0])]).param_groups[0]["weight_decay"] == 1e-2


def test_adagrad_with_a_constant_gradient_sums_inverse_square_roots():
    g, lr, decay, s0 = -1.5, 0.1, 0.05, 0.3
    p = param([0.0])
    opt = optim.Adagrad([p], lr=lr, lr_decay=decay, initial_accumulator_value=s0)
    x = 0.0
    for t in range(1, 16):
        set_grad(p, [g])
        opt.step()
        x -= lr / (1 + (t - 1) * decay) * g / (math.sqrt(s0 + t * g * g) + 1e-10)
        assert p._data[0] == pytest.approx(x, rel=1e-12)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_with_a_constant_gradient(centered):
    g, lr, alpha = 0.8, 0.01, 0.9
    p = param([0.0])
    opt = optim.RMSprop([p], lr=lr, alpha=alpha, centered=centered)
    x = 0.0
    for t in range(1, 16):
        set_grad(p, [g])
        opt.step()
        v = (1 - alpha**t) * g * g
        if centered:
            v -= ((1 - alpha**t) * g) ** 2
        x -= lr * g / (math.sqrt(v) + 1e-8)
        assert p._data[0] == pytest.approx(x, rel=1e-9)


def test_rmsprop_momentum_accumulates_normalized_steps():
    g, lr, alpha, mu = 2.0, 0.01, 0.5, 0.9
    p = param([0.0])
    opt = optim.RMSprop([p], lr=lr, alpha=alpha, momentum=mu)
    x, b = 0.0, 0.0
    for t in range(1, 11):
        set_grad(p, [g])
        opt.step()
        b = mu * b + g / (math.sqrt((1 - alpha**t) * g * g) + 1e-8)
        x -= lr * b
        assert p._data[0] == pytest.approx(x, rel=1e-12)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam, *MORE])
def test_maximize_mirrors_minimizing_the_negated_gradient(cls):
    kwargs = {"momentum": 0.5} if cls in (optim.SGD, optim.RMSprop) else {}
    kwargs.update(_decay(cls))
    up, down = param([1.0, -2.0]), param([1.0, -2.0])
    opt_up = cls([up], lr=0.05, maximize=True, **kwargs)
    opt_down = cls([down], lr=0.05, **kwargs)
    for t in range(10):
        g = np.array([np.sin(t), 0.5])
        set_grad(up, g)
        set_grad(down, -g)
        # maximize negates g before adding weight decay: both see -g + wd * p
        opt_up.step()
        opt_down.step()
        np.testing.assert_allclose(up._data, down._data, rtol=1e-13)


@pytest.fixture
def float64_default():
    """autograd_core's default dtype float64 for one test, so scalar state is not rounded."""
    before = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)
    yield
    ag.set_default_dtype(before)


def test_adadelta_first_step_has_the_units_of_the_parameter():
    # With u = 0 the first step is sqrt(eps) / sqrt((1 - rho) g^2 + eps) * g: about
    # sqrt(eps / (1 - rho)) whatever the gradient's size.
    rho, eps = 0.9, 1e-12
    for g in (1e-3, 1.0, 1e3):
        p = param([0.0])
        opt = optim.Adadelta([p], rho=rho, eps=eps)
        set_grad(p, [g])
        opt.step()
        expected = math.sqrt(eps) / math.sqrt((1 - rho) * g * g + eps) * g
        assert p._data[0] == pytest.approx(-expected, rel=1e-14)
        assert -p._data[0] == pytest.approx(math.sqrt(eps / (1 - rho)), rel=1e-5)


def test_adadelta_follows_its_two_running_averages():
    lr, rho, eps = 0.5, 0.8, 1e-6
    p = param([0.0, 0.0])
    opt = optim.Adadelta([p], lr=lr, rho=rho, eps=eps)
    x, v, u = np.zeros(2), np.zeros(2), np.zeros(2)
    for t in range(12):
        g = np.array([math.cos(t), 2.0])
        set_grad(p, g)
        opt.step()
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        x = x - lr * delta
        np.testing.assert_allclose(p._data, x, rtol=1e-12)
    np.testing.assert_allclose(opt.state[p]["acc_delta"], u, rtol=1e-12)


def test_adamax_with_a_constant_gradient_moves_lr_per_step():
    # m = (1 - beta1**t) g and u = |g| + eps exactly, so each step is lr * g / (|g| + eps).
    g = np.array([0.7, -2.0, 1e-4])
    p = param(np.zeros(3))
    opt = optim.Adamax([p], lr=0.01, betas=(0.8, 0.95))
    for t in range(1, 21):
        set_grad(p, g)
        opt.step()
        np.testing.assert_allclose(p._data, -t * 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-10)


def test_adamax_infinity_norm_decays_by_beta2_without_gradient():
    lr, b1, b2, g = 0.01, 0.9, 0.99, 3.0
    p = param([0.0])
    opt = optim.Adamax([p], lr=lr, betas=(b1, b2))
    set_grad(p, [g])
    opt.step()
    x = -lr * g / (g + 1e-8)
    for t in range(2, 15):
        set_grad(p, [0.0])
        opt.step()
        u = b2 ** (t - 1) * (g + 1e-8)
        m = b1 ** (t - 1) * (1 - b1) * g
        x -= lr / (1 - b1**t) * m / u
        assert opt.state[p]["exp_inf"][0] == pytest.approx(u, rel=1e-13)
        assert p._data[0] == pytest.approx(x, rel=1e-12)


def test_nadam_constant_momentum_closed_form(float64_default):
    # momentum_decay=0 makes every mu beta1 / 2, so mu_product = (beta1 / 2)**t.
    lr, b1, b2, g = 0.01, 0.9, 0.999, -1.5
    mu = b1 / 2
    p = param([0.0])
    opt = optim.NAdam([p], lr=lr, betas=(b1, b2), momentum_decay=0.0)
    x = 0.0
    for t in range(1, 16):
        set_grad(p, [g])
        opt.step()
        den = abs(g) + 1e-8  # sqrt(v / (1 - beta2**t)) with v = (1 - beta2**t) g^2
        m = (1 - b1**t) * g
        x -= lr * (1 - mu) / (1 - mu**t) * g / den + lr * mu / (1 - mu ** (t + 1)) * m / den
        assert p._data[0] == pytest.approx(x, rel=1e-9)


def test_nadam_mu_product_follows_the_momentum_schedule(float64_default):
    b1, psi = 0.9, 4e-3
    p = param([1.0])
    opt = optim.NAdam([p], betas=(b1, 0.999))
    product = 1.0
    for t in range(1, 30):
        set_grad(p, [1.0])
        opt.step()
        product *= b1 * (1 - 0.5 * 0.96 ** (t * psi))
        assert opt.state[p]["mu_product"] == pytest.approx(product, rel=1e-14)


def test_scalar_state_is_rounded_to_float32_under_the_float32_default():
    assert ag.get_default_dtype() == np.float32
    p = param([1.0])
    opt = optim.NAdam([p])
    set_grad(p, [1.0])
    opt.step()
    mu = 0.9 * (1 - 0.5 * 0.96 ** 4e-3)
    assert opt.state[p]["mu_product"] == float(np.float32(mu)) != mu
    asgd = optim.ASGD([p], lr=0.1)
    asgd.step()
    assert asgd.state[p]["eta"] == float(np.float32(0.1 / (1 + 1e-4 * 0.1) ** 0.75))


@pytest.mark.parametrize("cls", [optim.NAdam, optim.RAdam])
def test_decoupled_weight_decay_only_shrinks_the_parameter(cls):
    lr, wd = 0.01, 0.1
    p = param([2.0, -4.0])
    opt = cls([p], lr=lr, weight_decay=wd, decoupled_weight_decay=True)
    for t in range(1, 6):
        set_grad(p, [0.0, 0.0])
        opt.step()
        np.testing.assert_allclose(p._data, np.array([2.0, -4.0]) * (1 - lr * wd) ** t,
                                   rtol=1e-14)
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], 0.0)


def test_radam_is_momentum_sgd_until_the_variance_is_tractable():
    # beta2 = 0.999: rho_t <= 5 for t <= 5, where the step is lr * m_hat = lr * g exactly;
    # from t = 6 on it is lr * g * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t.
    lr, b1, b2, g = 0.01, 0.9, 0.999, 0.5
    rho_inf = 2 / (1 - b2) - 1
    p = param([0.0])
    opt = optim.RAdam([p], lr=lr, betas=(b1, b2))
    x = 0.0
    for t in range(1, 21):
        set_grad(p, [g])
        opt.step()
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if t <= 5:
            assert rho_t <= 5
            x -= lr * g
        else:
            assert rho_t > 5
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                          / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            v = (1 - b2**t) * g * g
            x -= lr * g * math.sqrt(1 - b2**t) / (math.sqrt(v) + 1e-8) * r
        assert p._data[0] == pytest.approx(x, rel=1e-10)


def test_asgd_step_size_schedule_and_iterate_average(float64_default):
    lr, lambd, alpha, t0, g = 0.1, 0.05, 0.75, 3, 0.4
    p = param([1.0])
    opt = optim.ASGD([p], lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    x, eta, iterates = 1.0, lr, []
    for t in range(1, 16):
        set_grad(p, [g])
        opt.step()
        x = x * (1 - lambd * eta) - eta * g
        eta = lr / (1 + lambd * lr * t) ** alpha
        iterates.append(x)
        assert p._data[0] == pytest.approx(x, rel=1e-13)
        assert opt.state[p]["eta"] == pytest.approx(eta, rel=1e-15)
        # averaging starts once t - t0 passes 1: ax is the mean of the iterates from t0 + 2
        expected = np.mean(iterates[t0 + 1:]) if t >= t0 + 2 else x
        assert opt.state[p]["ax"][0] == pytest.approx(expected, rel=1e-13)
        assert opt.state[p]["mu"] == 1 / max(1, t - t0)


def test_rprop_step_sizes_grow_on_agreement_and_shrink_on_a_flip():
    lr, minus, plus = 0.1, 0.5, 1.2
    p = param([0.0])
    opt = optim.Rprop([p], lr=lr, etas=(minus, plus))
    x, size = 0.0, lr
    #       sign of g:  +    +     +     -      +     +     -
    for t, (g, factor, moves) in enumerate([(1.0, 1.0, True), (2.0, plus, True),
                                            (0.5, plus, True), (-3.0, minus, False),
                                            (1.0, 1.0, True), (4.0, plus, True),
                                            (-1.0, minus, False)]):
        set_grad(p, [g])
        opt.step()
        size *= factor
        if moves:
            x -= math.copysign(size, g)  # only the sign of g counts
        assert opt.state[p]["step_size"][0] == pytest.approx(size, rel=1e-15), t
        assert p._data[0] == pytest.approx(x, rel=1e-15), t
        # after a flip the gradient is remembered as zero: the next step keeps the size
        assert opt.state[p]["prev"][0] == (g if moves else 0.0)


def test_rprop_step_sizes_are_clipped_per_coordinate():
    p = param([0.0, 0.0])
    opt = optim.Rprop([p], lr=1.0, etas=(0.5, 2.0), step_sizes=(0.2, 3.0))
    # coordinate 0 keeps its sign (1, 2, 3 capped, ...); coordinate 1 flips every step
    # (1, 0.5, 0.5, 0.25 -> 0.2 floored)
    for g1 in [1.0, -1.0, 1.0, -1.0, 1.0, -1.0]:
        set_grad(p, [1.0, g1])
        opt.step()
    np.testing.assert_allclose(opt.state[p]["step_size"], [3.0, 0.2])
    assert opt.state[p]["step"] == 6.0


# -- LBFGS ---------------------------------------------------------------------------------------
def _quadratic(n=6, seed=3):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    Q = q @ np.diag(np.logspace(0, 1.5, n)) @ q.T
    b = rng.standard_normal(n)
    return Q, b, np.linalg.solve(Q, b)


def _quadratic_closure(opt, params, Q, b, calls=None):
    Qt, bt = ag.tensor(Q), ag.tensor(b)

    def closure():
        opt.zero_grad()
        x = ag.cat([p.reshape(-1) for p in params])
        loss = 0.5 * (x @ (Qt @ x)) - bt @ x
        loss.backward()
        if calls is not None:
            calls.append(x._data.copy())
        return loss
    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_converges_on_a_quadratic(line_search_fn):
    Q, b, x_star = _quadratic()
    params = [param(np.zeros(4)), param(np.zeros((1, 2)))]
    opt = optim.LBFGS(params, line_search_fn=line_search_fn, tolerance_grad=1e-12,
                      tolerance_change=1e-15, max_iter=50)
    closure = _quadratic_closure(opt, params, Q, b)
    for _ in range(4):
        opt.step(closure)
    x = np.concatenate([p._data.reshape(-1) for p in params])
    np.testing.assert_allclose(x, x_star, rtol=0, atol=1e-8)


def test_lbfgs_first_iteration_is_a_scaled_gradient_step():
    Q, b, _ = _quadratic()
    x0 = np.linspace(-1.0, 1.0, 6)
    params = [param(x0)]
    opt = optim.LBFGS(params, lr=0.7, max_iter=1)
    calls = []
    loss = opt.step(_quadratic_closure(opt, params, Q, b, calls))
    g = Q @ x0 - b
    assert float(loss) == pytest.approx(0.5 * x0 @ Q @ x0 - b @ x0, rel=1e-14)
    np.testing.assert_allclose(params[0]._data, x0 - min(1.0, 1.0 / np.abs(g).sum()) * 0.7 * g,
                               rtol=1e-14)
    st = opt.state[params[0]]
    assert (st["func_evals"], st["n_iter"], len(calls)) == (1, 1, 1)  # none after the last
    assert st["old_dirs"] == [] and "al" not in st


def test_lbfgs_keeps_history_size_pairs_and_counts_evaluations():
    Q, b, _ = _quadratic(n=8)
    params = [param(np.ones(8))]
    opt = optim.LBFGS(params, lr=0.3, history_size=3, max_iter=9, tolerance_change=0)
    calls = []
    opt.step(_quadratic_closure(opt, params, Q, b, calls))
    st = opt.state[params[0]]
    assert len(st["old_dirs"]) == len(st["old_stps"]) == len(st["ro"]) == 3
    assert len(st["al"]) == 3
    assert st["n_iter"] == 9 and st["func_evals"] == len(calls) == 9
    assert opt.param_groups[0]["max_eval"] == 11  # max_iter * 5 // 4, as in PyTorch


def test_lbfgs_stops_at_once_when_the_gradient_is_small():
    params = [param([1.0, 2.0])]
    opt = optim.LBFGS(params, tolerance_grad=1e-3)

    def closure():
        opt.zero_grad()
        loss = (params[0] * 1e-4).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == pytest.approx(3e-4)
    np.testing.assert_array_equal(params[0]._data, [1.0, 2.0])
    assert opt.state[params[0]] == {"func_evals": 1, "n_iter": 0}


def test_strong_wolfe_search_returns_a_step_meeting_both_conditions():
    from optim.lbfgs import _strong_wolfe

    def fun(y):  # a double well; from y = 0 the descent direction is -1
        return y**4 - 3 * y**2 + y, 4 * y**3 - 6 * y + 1

    d = np.array([-1.0])

    def obj_func(x, t, d):
        f, g = fun(float(t * d[0]))
        return f, np.array([g])

    f0, g0 = fun(0.0)
    gtd = g0 * d[0]
    for t_init in (1e-3, 0.1, 1.0, 10.0):
        f, g, t, evals = _strong_wolfe(obj_func, [], t_init, d, f0, np.array([g0]), gtd)
        assert f <= f0 + 1e-4 * t * gtd  # sufficient decrease
        assert abs(g[0] * d[0]) <= 0.9 * abs(gtd)  # curvature, strong form
        assert (f, g[0]) == fun(float(t * d[0])) and 1 <= evals <= 25


def test_cubic_interpolation_is_exact_for_a_cubic():
    from optim.lbfgs import _cubic_interpolate

    # f(x) = x^3 - 3x: minimum at 1; a cubic through two points with slopes is f itself
    assert _cubic_interpolate(0.0, 0.0, -3.0, 2.0, 2.0, 9.0) == pytest.approx(1.0, rel=1e-15)
    assert _cubic_interpolate(2.0, 2.0, 9.0, 0.0, 0.0, -3.0) == pytest.approx(1.0, rel=1e-15)
    assert _cubic_interpolate(0.0, 0.0, -3.0, 2.0, 2.0, 9.0, bounds=(1.5, 3.0)) == 1.5
    # no real minimum (d2^2 < 0): the middle of the bounds; a degenerate bracket: no exception
    assert _cubic_interpolate(0.0, 0.0, 2.0, 1.0, 4 / 3, 2.0) == 0.5
    assert _cubic_interpolate(1.0, 0.0, -1.0, 1.0, 0.0, -1.0) == 1.0


def test_lbfgs_refusals():
    p, q = param([1.0]), param([2.0])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [q]}])
    opt = optim.LBFGS([p])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [q]})
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step(None)
    with pytest.raises(TypeError):
        opt.step()
    with pytest.raises(ValueError, match=r"Invalid learning rate: -1 \(LBFGS\)"):
        optim.LBFGS([p], lr=-1)
    bad = optim.LBFGS([p], line_search_fn="armijo")

    def closure():
        bad.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        bad.step(closure)


def _lbfgs_run(opt, params, Q, b, steps):
    calls = []
    closure = _quadratic_closure(opt, params, Q, b, calls)
    for _ in range(steps):
        opt.step(closure)
    return calls


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_state_dict_round_trip_resumes_the_same_trajectory(line_search_fn, tmp_path):
    Q, b, _ = _quadratic(n=10)
    kwargs = {"lr": 0.5, "max_iter": 3, "history_size": 4, "line_search_fn": line_search_fn}
    x0 = [np.linspace(-1, 1, 6), np.full((2, 2), 0.5)]

    ref_params = [param(x) for x in x0]
    ref = optim.LBFGS(ref_params, **kwargs)
    ref_calls = _lbfgs_run(ref, ref_params, Q, b, 6)

    params = [param(x) for x in x0]
    opt = optim.LBFGS(params, **kwargs)
    calls = _lbfgs_run(opt, params, Q, b, 3)
    saved = opt.state_dict()
    st = saved["state"][0]
    assert list(saved["state"]) == [0]
    assert {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
            "prev_flat_grad", "prev_loss", "al"} == set(st)
    assert st["d"].shape == st["prev_flat_grad"].shape == (10,)
    checkpoint = pytest.importorskip("nn.checkpoint")
    checkpoint.save({"optimizer": saved}, tmp_path / "lbfgs.npz")
    snapshot = [p._data.copy() for p in params]
    _lbfgs_run(opt, params, Q, b, 2)  # training on must not change the saved dict

    for sd in (saved, checkpoint.load(tmp_path / "lbfgs.npz")["optimizer"]):
        resumed = [param(x) for x in snapshot]
        fresh = optim.LBFGS(resumed, lr=0.9, history_size=4, line_search_fn=line_search_fn)
        fresh.load_state_dict(sd)
        assert fresh.param_groups[0]["lr"] == 0.5 and fresh.param_groups[0]["max_iter"] == 3
        more = _lbfgs_run(fresh, resumed, Q, b, 3)
        assert len(calls) + len(more) == len(ref_calls)
        for a, c in zip(ref_calls[len(calls):], more):
            np.testing.assert_array_equal(c, a)
        for a, c in zip(ref_params, resumed):
            np.testing.assert_array_equal(c._data, a._data)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_keeps_float32_parameters_and_state_in_float32(line_search_fn):
    Q, b, x_star = _quadratic(n=5)
    params = [param(np.zeros(5), dtype=np.float32)]
    opt = optim.LBFGS(params, line_search_fn=line_search_fn, history_size=4)
    closure = _quadratic_closure(opt, params, Q.astype(np.float32), b.astype(np.float32))
    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(params[0]._data, x_star, atol=1e-4)
    st = opt.state[params[0]]
    assert params[0]._data.dtype == np.float32
    for value in (st["d"], st["prev_flat_grad"], *st["old_dirs"], *st["old_stps"], *st["ro"]):
        assert value.dtype == np.float32


def test_lbfgs_load_state_dict_checks_vector_lengths():
    Q, b, _ = _quadratic(n=6)
    params = [param(np.zeros(6))]
    opt = optim.LBFGS(params, max_iter=3)
    _lbfgs_run(opt, params, Q, b, 1)
    other = optim.LBFGS([param(np.zeros(5))])
    with pytest.raises(ValueError, match=r"'d' has shape \(6,\); the parameters have 5"):
        other.load_state_dict(opt.state_dict())


# -- parameters, groups, gradients --------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_parameters_without_grad_are_skipped(cls):
    p, q = param([1.0, 2.0]), param([3.0])
    opt = cls([p, q], lr=0.1)
    set_grad(p, [1.0, 1.0])
    opt.step()
    assert q._data[0] == 3.0
    assert not (p._data == [1.0, 2.0]).all()
    assert opt.state_dict()["state"].get(1, {}).get("step", 0) == 0


@pytest.mark.parametrize("cls", ALL)
def test_param_groups_use_their_own_learning_rates(cls):
    a, b = param([1.0]), param([1.0])
    opt = cls([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.05)
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step()
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.5]
    da, db = 1.0 - a._data[0], 1.0 - b._data[0]
    assert db == pytest.approx(10 * da, rel=1e-6)


@pytest.mark.parametrize("cls", ALL)
def test_float32_parameters_keep_float32_data_and_state(cls):
    p = param(np.ones((2, 3)), dtype=np.float32)
    opt = cls([p], lr=0.1, **_decay(cls))
    set_grad(p, np.full((2, 3), 0.5))
    opt.step()
    assert p._data.dtype == np.float32
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


@pytest.mark.parametrize("cls", ALL)
def test_update_records_no_graph_and_keeps_the_tensor_version(cls):
    p = param([1.0, -1.0])
    (p * p).sum().backward()
    version, data = p._version, p._data
    opt = cls([p], lr=0.1)
    opt.step()
    assert p.is_leaf and p.grad_fn is None
    assert p._data is data  # updated in place
    assert p._version == version
    assert p.grad.grad_fn is None


@pytest.mark.parametrize("cls", ALL)
def test_zero_dimensional_parameters(cls):
    p = ag.tensor(np.float64(2.0), requires_grad=True)
    q = param([1.0, 1.0])
    opt = cls([p, q], lr=0.1, **_decay(cls))
    for _ in range(3):
        (p * p + (q * q).sum()).backward()
        opt.step()
        opt.zero_grad()
    assert p._data.shape == () and 0 < float(p._data) < 2.0


def test_zero_grad_to_none_and_to_zeros():
    p, q = param([1.0, 2.0]), param([3.0])
    opt = optim.SGD([p, q], lr=0.1)
    (p.sum() * 3).backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and (p.grad._data == 0).all() and q.grad is None
    (p.sum() * 3).backward()
    np.testing.assert_array_equal(p.grad._data, [3.0, 3.0])
    opt.zero_grad()
    assert p.grad is None


def test_step_calls_the_closure_with_grad_enabled_and_returns_its_loss():
    p = param([2.0])
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert float(loss._data) == 4.0
    assert p._data[0] == pytest.approx(2.0 - 0.25 * 4.0)


def test_add_param_group_mid_training():
    a, b = param([1.0]), param([1.0])
    opt = optim.Adam([a], lr=0.1)
    set_grad(a, [1.0])
    opt.step()
    opt.add_param_group({"params": b, "lr": 0.01, "betas": (0.5, 0.9)})
    group = opt.param_groups[1]
    assert group["params"] == [b] or group["params"][0] is b
    assert group["betas"] == (0.5, 0.9) and group["eps"] == 1e-8
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step()
    assert b._data[0] == pytest.approx(1.0 - 0.01, rel=1e-6)
    assert opt.state[a]["step"] == 2 and opt.state[b]["step"] == 1


def test_named_parameters_are_accepted():
    w, b = param([1.0]), param([0.0])
    opt = optim.SGD([("w", w), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_flat_and_per_parameter_paths_agree_when_gradients_come_and_go():
    rng = np.random.default_rng(1)
    shapes = [(3, 2), (4,), ()]
    init = [rng.standard_normal(s) for s in shapes]
    batched = [ag.tensor(x.copy(), requires_grad=True) for x in init]
    single = [ag.tensor(x.copy(), requires_grad=True) for x in init]
    opt_b = optim.Adam(batched, lr=0.01, amsgrad=True, weight_decay=0.1)
    opt_s = [optim.Adam([p], lr=0.01, amsgrad=True, weight_decay=0.1) for p in single]
    for t in range(12):
        for i, (pb, ps) in enumerate(zip(batched, single)):
            if t % 4 == 3 and i == 1:
                pb.grad = ps.grad = None
                continue
            g = np.cos(pb._data * (t + 1)) + 0.1 * i
            set_grad(pb, g)
            set_grad(ps, g)
        opt_b.step()
        for o in opt_s:
            o.step()
        for pb, ps in zip(batched, single):
            np.testing.assert_allclose(pb._data, ps._data, rtol=1e-13, atol=1e-15)


# -- validation ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_negative_learning_rate_is_rejected(cls):
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        cls([param([1.0])], lr=-0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        cls([{"params": [param([1.0])], "lr": -1.0}], lr=0.1)


@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        (optim.SGD, {"momentum": -0.5}, "Invalid momentum value"),
        (optim.SGD, {"weight_decay": -1.0}, "Invalid weight_decay value"),
        (optim.SGD, {"nesterov": True}, "Nesterov momentum requires a momentum"),
        (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "zero dampening"),
        (optim.Adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0"),
        (optim.Adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1"),
        (optim.Adam, {"eps": -1e-8}, "Invalid epsilon value"),
        (optim.AdamW, {"weight_decay": -0.1}, "Invalid weight_decay value"),
        (optim.Adagrad, {"lr_decay": -0.1}, "Invalid lr_decay value"),
        (optim.Adagrad, {"initial_accumulator_value": -1}, "initial_accumulator_value"),
        (optim.RMSprop, {"alpha": -0.5}, "Invalid alpha value"),
        (optim.RMSprop, {"momentum": -0.5}, "Invalid momentum value"),
        (optim.Adadelta, {"rho": 1.5}, r"Invalid rho value: 1.5 \(Adadelta\)"),
        (optim.Adadelta, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
        (optim.Adadelta, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
        (optim.Adamax, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
        (optim.Adamax, {"betas": (0.9, 0.99, 0.9)}, "betas must be a pair"),
        (optim.NAdam, {"momentum_decay": -1e-3}, "Invalid momentum_decay value: -0.001"),
        (optim.NAdam, {"betas": (-0.1, 0.9)}, "Invalid beta parameter at index 0: -0.1"),
        (optim.RAdam, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
        (optim.RAdam, {"eps": -1e-8}, "Invalid epsilon value"),
        (optim.ASGD, {"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
        (optim.Rprop, {"etas": (1.2, 0.5)}, "Invalid eta values: 1.2, 0.5"),
        (optim.Rprop, {"etas": (0.5, 1.0)}, "Invalid eta values: 0.5, 1.0"),
        (optim.Rprop, {"step_sizes": (1e-6,)}, "step_sizes must be a pair"),
    ],
)
def test_hyperparameters_out_of_range_are_rejected(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls([param([1.0])], **kwargs)


def test_edges_of_the_ranges_are_accepted():
    optim.Adadelta([param([1.0])], rho=1.0)  # PyTorch bounds rho by <= 1
    optim.Adadelta([param([1.0])], rho=0.0)
    optim.Adamax([param([1.0])], betas=(0.0, 0.0))
    optim.ASGD([param([1.0])], lambd=-1.0, alpha=-2.0, t0=-5)  # PyTorch checks neither
    optim.Rprop([param([1.0])], step_sizes=(10.0, 1.0))


@pytest.mark.parametrize("cls", MORE)
def test_differentiable_is_refused_and_foreach_capturable_are_accepted(cls):
    with pytest.raises(ValueError, match="differentiable=True is not supported"):
        cls([param([1.0])], differentiable=True)
    opt = cls([param([1.0])], foreach=True, capturable=True)
    assert "foreach" not in opt.param_groups[0] and "capturable" not in opt.param_groups[0]


def test_bad_params_arguments_are_rejected():
    p = param([1.0])
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate"):
        optim.SGD([p, p], lr=0.1)


@pytest.mark.parametrize("cls", ALL)
def test_a_gradient_of_the_wrong_shape_is_named(cls):
    p, q = param(np.ones((2, 3))), param(np.ones(4))
    opt = cls([p, q], lr=0.1)
    set_grad(p, np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        set_grad(q, np.ones(5))  # refused where it is assigned, as in PyTorch
    q._grad = ag.tensor(np.ones(5))  # past that check: the optimizer still names it
    with pytest.raises(ValueError, match=r"parameter 1 .* shape \(4,\) but its .grad has shape"):
        opt.step()
    set_grad(q, np.ones(4))
    p._grad = ag.tensor(np.ones((3, 2)))  # same size, other shape
    with pytest.raises(ValueError, match=r"parameter 0 .* shape \(2, 3\) but its .grad has sh"):
        opt.step()


# -- state dicts --------------------------------------------------------------------------------
def _quartic_grad(x, t):
    return x**3 - 0.5 * x + 0.1 * np.cos(t + x)


CONFIGS = [
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.5, "dampening": 0.3}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.Adam, {"lr": 0.05, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    (optim.Adadelta, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01}),
    (optim.Adamax, {"lr": 0.05, "betas": (0.8, 0.9)}),
    (optim.NAdam, {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    (optim.RAdam, {"lr": 0.05, "weight_decay": 0.01}),
    (optim.ASGD, {"lr": 0.05, "t0": 5, "lambd": 0.01}),
    (optim.Rprop, {"lr": 0.05, "etas": (0.4, 1.3), "step_sizes": (1e-3, 1.0)}),
]


def _fresh_params():
    rng = np.random.default_rng(7)
    return [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (3,), ()]]


def _train(opt, params, steps, start=0):
    for t in range(start, start + steps):
        for i, p in enumerate(params):
            if i == 1 and t % 5 == 4:
                p.grad = None
            else:
                set_grad(p, _quartic_grad(p._data, t))
        opt.step()


@pytest.mark.parametrize("cls, kwargs", CONFIGS, ids=lambda c: getattr(c, "__name__", ""))
def test_state_dict_round_trip_resumes_the_same_trajectory(cls, kwargs):
    ref_params = _fresh_params()
    ref = cls([{"params": ref_params[:2]}, {"params": ref_params[2:], "lr": 0.02}], **kwargs)
    _train(ref, ref_params, 30)

    params = _fresh_params()
    opt = cls([{"params": params[:2]}, {"params": params[2:], "lr": 0.02}], **kwargs)
    _train(opt, params, 12)
    saved = opt.state_dict()
    snapshot = [p._data.copy() for p in params]
    _train(opt, params, 5, start=12)  # training on must not change the saved dict

    resumed = [ag.tensor(x, requires_grad=True) for x in snapshot]
    fresh = cls([{"params": resumed[:2]}, {"params": resumed[2:], "lr": 0.7}], **kwargs)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == 0.02
    _train(fresh, resumed, 18, start=12)
    for a, b in zip(ref_params, resumed):
        np.testing.assert_array_equal(a._data, b._data)


def _leaves(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


@pytest.mark.parametrize("cls, kwargs", CONFIGS, ids=lambda c: getattr(c, "__name__", ""))
def test_state_dict_layout_is_torch_like_and_npz_friendly(cls, kwargs):
    params = _fresh_params()
    opt = cls(params, **kwargs)
    _train(opt, params, 3)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["param_groups"][0]["params"] == [0, 1, 2]
    assert set(sd["state"]) == {0, 1, 2}
    for leaf in _leaves(sd):
        assert isinstance(leaf, (np.ndarray, bool, int, float, str)), type(leaf)
    for k in opt._array_state_keys:
        if k in sd["state"][0]:
            assert sd["state"][0][k].shape == (2, 3)
            assert sd["state"][0][k] is not opt.state[params[0]][k]


def test_state_dict_survives_an_npz_file(tmp_path):
    params = _fresh_params()
    opt = optim.Adam(params, lr=0.05, amsgrad=True)
    _train(opt, params, 4)
    sd = opt.state_dict()
    flat = {}
    for k, entry in sd["state"].items():
        for name, v in entry.items():
            flat[f"state/{k}/{name}"] = np.asarray(v)
    for i, g in enumerate(sd["param_groups"]):
        for name, v in g.items():
            flat[f"group/{i}/{name}"] = np.asarray(v)
    np.savez(tmp_path / "opt.npz", **flat)
    loaded = np.load(tmp_path / "opt.npz", allow_pickle=False)
    back = {"state": {}, "param_groups": [{}]}
    for key in loaded.files:
        kind, idx, name = key.split("/")
        if kind == "state":
            back["state"].setdefault(idx, {})[name] = loaded[key]  # str keys, 0-d arrays
        else:
            back["param_groups"][int(idx)][name] = loaded[key]
    other = [ag.tensor(p._data.copy(), requires_grad=True) for p in params]
    opt2 = optim.Adam(other, lr=0.05, amsgrad=True)
    opt2.load_state_dict(back)
    assert opt2.param_groups[0]["betas"] == (0.9, 0.999)
    assert opt2.param_groups[0]["amsgrad"] is True
    assert opt2.state[other[0]]["step"] == 4.0
    _train(opt, params, 3, start=4)
    _train(opt2, other, 3, start=4)
    for a, b in zip(params, other):
        np.testing.assert_array_equal(a._data, b._data)


def test_load_state_dict_rejects_mismatches_with_clear_errors():
    params = _fresh_params()
    opt = optim.Adam(params, lr=0.1)
    _train(opt, params, 2)
    sd = opt.state_dict()

    two_groups = optim.Adam([{"params": params[:1]}, {"params": params[1:]}])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        two_groups.load_state_dict(sd)
    short = optim.Adam(params[:2])
    with pytest.raises(ValueError, match="doesn't match the size"):
        short.load_state_dict(sd)
    other_shapes = [ag.tensor(np.zeros(s), requires_grad=True) for s in [(3, 2), (3,), ()]]
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(2, 3\)"):
        optim.Adam(other_shapes).load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_a_missing_momentum_buffer_loads_as_none_and_restarts():
    p = param([0.0, 0.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.load_state_dict({"state": {0: {"momentum_buffer": None}},
                         "param_groups": [{**opt.state_dict()["param_groups"][0]}]})
    set_grad(p, [1.0, 2.0])
    opt.step()
    np.testing.assert_allclose(p._data, [-0.1, -0.2])
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"], [1.0, 2.0])


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    p64 = param(np.ones(3))
    opt = optim.Adam([p64], lr=0.1)
    set_grad(p64, [1.0, 2.0, 3.0])
    opt.step()
    p32 = param(np.ones(3), dtype=np.float32)
    opt32 = optim.Adam([p32], lr=0.1)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[p32]["exp_avg"].dtype == np.float32


def test_repr_lists_group_options():
    text = repr(optim.SGD([param([1.0])], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "lr: 0.1" in text and "momentum: 0.9" in text


def test_no_warnings_in_a_plain_training_step():
    p = param([1.0, 2.0])
    opt = optim.Adam([p], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.zero_grad()
            (p * p).sum().backward()
            opt.step()


def test_state_dicts_survive_an_nn_checkpoint(tmp_path):
    from nn import checkpoint
    from optim import lr_scheduler

    params = _fresh_params()
    opt = optim.AdamW(params, lr=0.05, amsgrad=True)
    sched = lr_scheduler.SequentialLR(
        opt, [lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=3),
              lr_scheduler.CosineAnnealingLR(opt, T_max=10)], milestones=[3])
    for t in range(5):
        _train(opt, params, 1, start=t)
        sched.step()
    checkpoint.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
                    tmp_path / "ckpt.npz")

    other = [ag.tensor(p._data.copy(), requires_grad=True) for p in params]
    opt2 = optim.AdamW(other, lr=0.05, amsgrad=True)
    sched2 = lr_scheduler.SequentialLR(
        opt2, [lr_scheduler.LinearLR(opt2, start_factor=0.5, total_iters=3),
               lr_scheduler.CosineAnnealingLR(opt2, T_max=10)], milestones=[3])
    loaded = checkpoint.load(tmp_path / "ckpt.npz")
    opt2.load_state_dict(loaded["optimizer"])
    sched2.load_state_dict(loaded["scheduler"])
    for t in range(5, 12):
        _train(opt, params, 1, start=t)
        _train(opt2, other, 1, start=t)
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
    for a, b in zip(params, other):
        np.testing.assert_array_equal(a._data, b._data)
