# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Momentum, AdaGrad, RMSProp and Adam
#
# The notes list the optimizers used in practice beside plain stochastic gradient descent:
# *SGD with momentum, AdaGrad, RMSProp, Adam* (*Unit II: Optimization methods*), and write
# momentum as (*Introduction to Neural Networks*, week 7)
#
# $$\Delta \leftarrow 0.9\,\Delta + \frac{\partial L}{\partial \theta}, \qquad
#   \theta \leftarrow \theta - \eta\,\Delta .$$
#
# Here the four methods run on the same two-dimensional problems, so that their paths can be drawn
# on one contour plot: an elongated quadratic bowl, where plain gradient descent is slow, and
# Rosenbrock's curved valley. First, each update rule is written out in NumPy and checked against
# `optim`, step for step. (Further reading, cited by the notes: *Deep Learning*, chapter 8,
# <https://www.deeplearningbook.org/contents/optimization.html>.)

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import optim

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)
plt.rcParams["figure.dpi"] = 72


# %% [markdown]
# ## The update rules
#
# With $g = \nabla_\theta J(\theta)$ at the current step $t = 1, 2, \dots$, all operations
# elementwise, and PyTorch's defaults (which `optim` follows):
#
# - **SGD**: $\theta \leftarrow \theta - \eta g$
# - **momentum**: $\Delta \leftarrow \mu\Delta + g$, then $\theta \leftarrow \theta - \eta\Delta$
# - **AdaGrad**: $G \leftarrow G + g^2$, then
#   $\theta \leftarrow \theta - \eta\, g / (\sqrt{G} + \epsilon)$
# - **RMSProp**: $s \leftarrow \rho s + (1 - \rho) g^2$, then
#   $\theta \leftarrow \theta - \eta\, g / (\sqrt{s} + \epsilon)$
# - **Adam**: $m \leftarrow \beta_1 m + (1 - \beta_1) g$ and
#   $v \leftarrow \beta_2 v + (1 - \beta_2) g^2$, then
#   $\theta \leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)$ with the bias-corrected
#   $\hat m = m / (1 - \beta_1^t)$ and $\hat v = v / (1 - \beta_2^t)$
#
# Momentum keeps a running sum of past gradients, so steps add up along a consistent direction
# and cancel where the gradient flips sign. The other three divide each coordinate by a running
# size of its own gradients: a per-parameter learning rate. AdaGrad sums all past squared
# gradients, so its steps only ever shrink; RMSProp ($\rho = 0.99$) and Adam
# ($\beta_1 = 0.9, \beta_2 = 0.999$) average them over a recent window instead, and Adam adds
# momentum on top.

# %%
def rosenbrock(t):
    """Rosenbrock's banana function, minimum 0 at (1, 1); t: a Tensor or array of shape (2,)."""
    return (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2


def rosenbrock_grad(t):
    x, y = t
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def numpy_path(rule, grad, theta0, steps, **h):
    """The notes' update rules in NumPy; returns the path of theta, start included."""
    theta, path = np.array(theta0, dtype=float), [np.array(theta0, dtype=float)]
    a, b = np.zeros_like(theta), np.zeros_like(theta)   # the method's state
    for t in range(1, steps + 1):
        g = grad(theta)
        if rule == "momentum":
            a = h["mu"] * a + g
            step = a
        elif rule == "adagrad":
            a = a + g * g
            step = g / (np.sqrt(a) + 1e-10)
        elif rule == "rmsprop":
            a = 0.99 * a + 0.01 * g * g
            step = g / (np.sqrt(a) + 1e-8)
        elif rule == "adam":
            a = 0.9 * a + 0.1 * g
            b = 0.999 * b + 0.001 * g * g
            step = (a / (1 - 0.9**t)) / (np.sqrt(b / (1 - 0.999**t)) + 1e-8)
        theta = theta - h["lr"] * step
        path.append(theta)
    return np.array(path)


def optim_path(make_optimizer, f, theta0, steps):
    """Path of theta and J(theta) along it when `optim` minimizes f from theta0."""
    theta = ag.tensor(np.array(theta0, dtype=float), requires_grad=True)
    opt = make_optimizer([theta])
    path = [theta.detach().numpy().copy()]
    for _ in range(steps):
        loss = f(theta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        path.append(theta.detach().numpy().copy())
    path = np.array(path)
    return path, f(path.T)


START = (-1.2, 1.0)
checks = {
    "momentum": (lambda p: optim.SGD(p, lr=1e-3, momentum=0.9), dict(lr=1e-3, mu=0.9)),
    "adagrad": (lambda p: optim.Adagrad(p, lr=0.5), dict(lr=0.5)),
    "rmsprop": (lambda p: optim.RMSprop(p, lr=1e-2), dict(lr=1e-2)),
    "adam": (lambda p: optim.Adam(p, lr=0.1), dict(lr=0.1)),
}
for rule, (make, hyper) in checks.items():
    by_hand = numpy_path(rule, rosenbrock_grad, START, 100, **hyper)
    library, _ = optim_path(make, rosenbrock, START, 100)
    err = np.abs(by_hand - library).max()
    print(f"{rule:8s} 100 steps: largest difference between NumPy and optim = {err:.1e}")
    assert np.allclose(by_hand, library, rtol=1e-7, atol=1e-9)

# %% [markdown]
# Adam's bias correction has a consequence you can check on the first step: $\hat m = g$ and
# $\hat v = g^2$, so every coordinate moves by $\eta$ (up to $\epsilon$), however large or small
# its gradient. At the start point Rosenbrock's gradient is about $(-215, -88)$, yet both
# coordinates move by $0.1$.

# %%
first, _ = optim_path(lambda p: optim.Adam(p, lr=0.1), rosenbrock, START, 1)
print("gradient at the start:", rosenbrock_grad(np.array(START)))
print("Adam's first step:    ", first[1] - first[0])
assert np.allclose(np.abs(first[1] - first[0]), 0.1)


# %% [markdown]
# ## An elongated bowl
#
# $J(\theta) = \frac12(\theta_1^2 + 50\,\theta_2^2)$: curvature 1 along $\theta_1$, 50 along
# $\theta_2$ (condition number 50). (In the plots a square marks the start, a star the minimum, a
# dot where each method ended.) Plain gradient descent must keep $\eta < 2/50$ or it diverges
# along $\theta_2$, and with such a step it crawls along $\theta_1$, by a factor
# $(1 - \eta)$ per step. All methods start at $(-4, 1)$ and take 100 steps; the SGD-based ones
# share $\eta = 0.02$, the adaptive ones use a step size that suits them.

# %%
def bowl(t):
    return 0.5 * (t[0] ** 2 + 50 * t[1] ** 2)


OPTIMIZERS = {
    "SGD": lambda lr: (lambda p: optim.SGD(p, lr=lr)),
    "momentum 0.9": lambda lr: (lambda p: optim.SGD(p, lr=lr, momentum=0.9)),
    "AdaGrad": lambda lr: (lambda p: optim.Adagrad(p, lr=lr)),
    "RMSProp": lambda lr: (lambda p: optim.RMSprop(p, lr=lr)),
    "Adam": lambda lr: (lambda p: optim.Adam(p, lr=lr)),
}
COLORS = dict(zip(OPTIMIZERS, ["C3", "C1", "C2", "C4", "C0"]))


def race(f, start, steps, rates):
    return {name: optim_path(OPTIMIZERS[name](lr), f, start, steps) for name, lr in rates.items()}


def draw(f, results, rates, extent, levels, title, minimum, marker="."):
    x = np.linspace(*extent[:2], 300)
    y = np.linspace(*extent[2:], 300)
    X, Y = np.meshgrid(x, y)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(14, 5), width_ratios=[1.3, 1])
    ax0.contourf(X, Y, np.log10(f(np.stack([X, Y])) + 1e-12), levels=levels, cmap="Greys_r",
                 extend="both", alpha=0.6)
    for name, (path, loss) in reversed(results.items()):   # SGD drawn last, on top
        label = f"{name} (eta = {rates[name]:g})"
        ax0.plot(path[:, 0], path[:, 1], marker=marker, color=COLORS[name], ms=3, lw=1.5,
                 label=label)
        ax0.plot(*path[-1], "o", color=COLORS[name], ms=7, mec="k")
        ax1.semilogy(np.maximum(loss, 1e-16), color=COLORS[name], label=label)
    ax0.plot(*results["SGD"][0][0], "ks", ms=6)
    ax0.plot(*minimum, "k*", ms=12)
    handles, labels = ax0.get_legend_handles_labels()
    ax0.set(xlim=extent[:2], ylim=extent[2:], xlabel=r"$\theta_1$", ylabel=r"$\theta_2$",
            title=title)
    ax0.legend(handles[::-1], labels[::-1], loc="lower right", fontsize=9)
    ax1.set(xlabel="step", ylabel=r"$J(\theta)$", title="cost per step")
    ax1.legend(handles[::-1], labels[::-1], fontsize=9)
    plt.tight_layout()
    plt.show()


BOWL_RATES = {"SGD": 0.02, "momentum 0.9": 0.02, "AdaGrad": 0.5, "RMSProp": 0.05, "Adam": 0.2}
bowl_runs = race(bowl, (-4.0, 1.0), 100, BOWL_RATES)
draw(bowl, bowl_runs, BOWL_RATES, (-4.5, 1.5, -1.3, 1.3), np.linspace(-3, 3, 13),
     r"$J = \frac{1}{2}(\theta_1^2 + 50\,\theta_2^2)$, 100 steps from $(-4, 1)$", (0, 0))
for name, (_, loss) in bowl_runs.items():
    print(f"{name:13s} J after 100 steps = {loss[-1]:.2e}")
assert bowl_runs["momentum 0.9"][1][-1] < 1e-2 * bowl_runs["SGD"][1][-1]

# %% [markdown]
# With the same $\eta$, momentum ends hundreds of times lower than SGD: along the flat
# $\theta_1$ its velocity builds up, across the steep $\theta_2$ successive gradients cancel
# (the oscillation is damped, not removed: the path spirals in). The adaptive methods take their
# first steps diagonally, the same size in both coordinates, because each coordinate is divided by
# its own gradient scale; this bowl's axes are the coordinate axes, the case where a per-parameter
# learning rate helps most.
#
# ## Rosenbrock's valley
#
# $J(\theta) = (1 - \theta_1)^2 + 100(\theta_2 - \theta_1^2)^2$ has its minimum $0$ at $(1, 1)$
# at the end of a long curved valley: the gradient points mostly across the valley, rarely along
# it. 1000 steps from $(-1.2, 1)$; each method gets a step size that works well for it.

# %%
ROSEN_RATES = {"SGD": 1e-3, "momentum 0.9": 1e-3, "AdaGrad": 0.5, "RMSProp": 1e-2, "Adam": 0.1}
rosen_runs = race(rosenbrock, START, 1000, ROSEN_RATES)
draw(rosenbrock, rosen_runs, ROSEN_RATES, (-1.5, 1.5, -0.5, 2.0), np.linspace(-2, 3, 11),
     r"Rosenbrock, 1000 steps from $(-1.2, 1)$; minimum at $(1, 1)$", (1, 1), marker=None)
for name, (path, loss) in rosen_runs.items():
    print(f"{name:13s} J after 1000 steps = {loss[-1]:.2e}, theta = {path[-1]}")
assert rosen_runs["momentum 0.9"][1][-1] < 1e-3 and rosen_runs["Adam"][1][-1] < 1e-3
assert rosen_runs["SGD"][1][-1] > 0.1   # still far down the valley


# %% [markdown]
# ## Why AdaGrad slows down
#
# The effective learning rate of a coordinate is $\eta$ divided by the running size of its
# gradient. AdaGrad's denominator $\sqrt{G}$ sums over all steps so far, so the effective rate can
# only fall: on Rosenbrock the huge gradients of the first steps fix it for good, even once the path
# is in the valley where gradients are small. RMSProp's average forgets them, and its rates grow
# again, until the steps become too large for the valley's walls; that is the saw-tooth in its
# cost curve above: a spike, a smaller rate, growth again.

# %%
def effective_rates(rule, lr, steps):
    theta, acc, rates = np.array(START), np.zeros(2), []
    for _ in range(steps):
        g = rosenbrock_grad(theta)
        acc = acc + g * g if rule == "adagrad" else 0.99 * acc + 0.01 * g * g
        rates.append(lr / (np.sqrt(acc) + 1e-10))
        theta = theta - rates[-1] * g
    return np.array(rates)


fig, ax = plt.subplots(figsize=(7, 4))
for rule, lr, color in [("adagrad", 0.5, COLORS["AdaGrad"]), ("rmsprop", 1e-2, COLORS["RMSProp"])]:
    rates = effective_rates(rule, lr, 1000)
    ax.semilogy(rates[:, 0], color=color, label=rf"{rule}, $\theta_1$")
    ax.semilogy(rates[:, 1], color=color, ls="--", label=rf"{rule}, $\theta_2$")
ax.set(xlabel="step", ylabel=r"effective learning rate $\eta / \sqrt{\cdot}$",
       title="per-parameter step sizes along the Rosenbrock path")
ax.legend()
plt.show()
adagrad_rates = effective_rates("adagrad", 0.5, 1000)
rmsprop_rates = effective_rates("rmsprop", 1e-2, 1000)
assert np.all(np.diff(adagrad_rates, axis=0) <= 0)          # AdaGrad's rates never grow
assert np.all(rmsprop_rates.max(axis=0) > 5 * rmsprop_rates[0])   # RMSProp's recover

# %% [markdown]
# **Summary.** All four methods are a few lines of state on top of the gradient, and `optim`
# implements exactly the rules above. Momentum accelerates along consistent directions and damps
# oscillations; AdaGrad, RMSProp and Adam give each parameter its own step size from the history
# of its gradients, with AdaGrad's shrinking for ever and RMSProp's and Adam's following the recent
# past. None is best everywhere: on Rosenbrock momentum and Adam reach the minimum within 1000
# steps, while plain SGD with a stable step does not get far.
