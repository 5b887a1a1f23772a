"""Notebooks 09-17 (optimization to the MNIST-1D benchmark): their sources and their build.

    PYTHONPATH=. .venv/bin/python notebooks/_build_b.py          # all of 09-17
    PYTHONPATH=. .venv/bin/python notebooks/_build_b.py 12 14    # those whose name starts so

Each source below is a notebook in the "percent" format that notebooks/_build.py reads (`# %%`
opens a code cell, `# %% [markdown]` a markdown cell whose lines are comments); the build writes
it to a temporary file and hands it to `_build.build`, so these notebooks are executed and
stored exactly as the others are (fresh kernel, cwd notebooks/, inline PNG figures, outputs kept).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import _build

NB09 = r'''
# %% [markdown]
# # 09 · Gradient descent: batch, stochastic, mini-batch; the learning rate and its decay
#
# The notes (*Unit II: Optimization methods*; *Introduction to Neural Networks*, week 7) train
# every network with the same update,
#
# $$\theta \leftarrow \theta - \eta \, \nabla_\theta J(\theta),$$
#
# with parameters $\theta$, learning rate (step size) $\eta$ and cost
# $J(\theta) = \frac{1}{m}\sum_{i=1}^m L(f(x^{(i)};\theta), y^{(i)})$. The variants differ in how
# many examples enter each gradient: all $m$ (**batch** gradient descent), one (**stochastic**),
# or a few (**mini-batch**). This notebook draws them on the loss contours of a problem with
# exactly two weights, so that every step is visible: how $\eta$ too small or too large behaves,
# and why the learning rate is decayed. It ends with the notes' ReLU rescaling symmetry.
#
# Everything runs with `optim.SGD` and `optim.lr_scheduler` on real data.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import optim

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)
plt.rcParams["figure.dpi"] = 72

# %% [markdown]
# ## A two-weight problem on real data
#
# In the 8×8 handwritten digits (1797 images, ink in [0, 1]) neighbouring pixels are correlated.
# We predict the pixel at row 4, column 4 from its left neighbour with a line,
# $\hat y = w x + b$, so $\theta = (w, b)$ and the cost is the squared error of the notes,
#
# $$J(\theta) = \frac{1}{2m}\sum_{i=1}^m \left(w x^{(i)} + b - y^{(i)}\right)^2
#   = \frac{1}{2m}\lVert X\theta - y\rVert^2, \qquad X = [x, \mathbf 1].$$
#
# $J$ is a quadratic bowl: its minimum $\theta^*$ solves the normal equations, and its Hessian
# $H = X^\top X / m$ fixes the shape of the contours.

# %%
digits = nn.datasets.load_digits()
x = digits["images"][:, 4, 3].astype(np.float64)   # a pixel in the middle row
y = digits["images"][:, 4, 4].astype(np.float64)   # its right-hand neighbour
X = np.stack([x, np.ones_like(x)], axis=1)
m = len(y)

theta_star = np.linalg.lstsq(X, y, rcond=None)[0]
H = X.T @ X / m
eigenvalues = np.linalg.eigvalsh(H)
print(f"m = {m} examples, correlation of x and y = {np.corrcoef(x, y)[0, 1]:.3f}")
print(f"theta* = (w, b) = {theta_star}")
print(f"eigenvalues of H = {eigenvalues}, condition number = {eigenvalues[1] / eigenvalues[0]:.1f}")

# %% [markdown]
# Because $J$ is quadratic, its value on a whole grid of $(w, b)$ follows from five averages of the
# data, $\overline{x^2}, \overline{x}, \overline{xy}, \overline{y}, \overline{y^2}$; we use that
# to draw contours and to score every point of every path below.

# %%
moments = {k: v.mean() for k, v in
           dict(xx=x * x, x=x, xy=x * y, y=y, yy=y * y).items()}


def cost(w, b):
    """J(w, b) for arrays of w and b, from the data's moments."""
    M = moments
    return 0.5 * (w * w * M["xx"] + 2 * w * b * M["x"] + b * b
                  - 2 * w * M["xy"] - 2 * b * M["y"] + M["yy"])


J_star = cost(*theta_star)
assert np.isclose(J_star, 0.5 * np.mean((X @ theta_star - y) ** 2))

W_GRID, B_GRID = np.meshgrid(np.linspace(-1.2, 1.6, 200), np.linspace(-0.6, 1.4, 200))
LOG_GAP = np.log10(cost(W_GRID, B_GRID) - J_star)   # log scale: each band is a factor of 2


def contours(ax, title=None):
    ax.contourf(W_GRID, B_GRID, LOG_GAP, levels=np.arange(-4.2, 0.4, np.log10(2)),
                cmap="Blues", vmax=1.5, extend="both")
    ax.plot(*theta_star, "k*", ms=12, label=r"$\theta^*$")
    ax.set(xlabel="w", ylabel="b", title=title)


fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2))
jitter = np.random.default_rng(0).uniform(-0.02, 0.02, size=(2, m))
ax0.scatter(x + jitter[0], y + jitter[1], s=4, alpha=0.3)
grid = np.linspace(0, 1, 2)
ax0.plot(grid, theta_star[0] * grid + theta_star[1], "r", label=r"$\hat y = w^* x + b^*$")
ax0.set(xlabel="pixel (4, 3)", ylabel="pixel (4, 4)", title="data (jittered) and least squares")
ax0.legend()
contours(ax1, r"$J(w, b)$: each band doubles $J - J^*$")
ax1.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## One function for all the variants
#
# `descend` runs `optim.SGD` on $\theta$ from the same starting point $\theta_0 = (-1, -0.4)$. The
# loss on a mini-batch $\mathcal B$ is $\frac{1}{2|\mathcal B|}\sum_{i\in\mathcal B}(\hat y_i -
# y_i)^2$; the batch size picks the variant: $|\mathcal B| = m$ is batch gradient descent,
# $|\mathcal B| = 1$ stochastic gradient descent. `nn.data.DataLoader` reshuffles every epoch.

# %%
THETA0 = np.array([-1.0, -0.4])


def descend(lr, batch_size, steps, schedule=None, seed=0):
    """Path of theta under SGD: an array of shape (steps + 1, 2), the start included."""
    theta = ag.tensor(THETA0.copy(), requires_grad=True)
    opt = optim.SGD([theta], lr=lr)
    scheduler = schedule(opt) if schedule else None
    data = nn.data.TensorDataset(X, y)
    loader = nn.data.DataLoader(data, batch_size=batch_size, shuffle=True, seed=seed)
    path = [THETA0.copy()]
    while len(path) <= steps:
        for xb, yb in loader:
            loss = 0.5 * ((xb @ theta - yb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            path.append(theta.detach().numpy().copy())
            if len(path) > steps:
                break
    return np.array(path)


# %% [markdown]
# A check that the update is the notes' formula: one batch step from $\theta_0$ with $\eta = 0.5$
# equals $\theta_0 - \eta\,\nabla J(\theta_0)$ with the gradient written out by hand,
# $\nabla J(\theta) = X^\top (X\theta - y) / m$.

# %%
by_hand = THETA0 - 0.5 * X.T @ (X @ THETA0 - y) / m
one_step = descend(lr=0.5, batch_size=m, steps=1)[1]
print("optim.SGD:", one_step, "  by hand:", by_hand)
assert np.allclose(one_step, by_hand)

# %% [markdown]
# ## Batch, mini-batch and stochastic gradient descent
#
# Sixty updates of each, with the same $\eta = 0.5$. Batch gradient descent follows the true
# gradient, a smooth curve across the contours. A mini-batch gradient is an unbiased but noisy
# estimate of it, and a single example's gradient is noisier still, so the paths wobble. The catch
# is the cost per update: one batch step reads all 1797 examples, one stochastic step reads one.

# %%
LR = 0.5
variants = {"batch (|B| = m)": m, "mini-batch (|B| = 32)": 32, "stochastic (|B| = 1)": 1}
paths = {name: descend(LR, bs, steps=60) for name, bs in variants.items()}

fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), sharey=True)
for ax, (name, path) in zip(axes, paths.items()):
    contours(ax, f"{name}: 60 updates")
    ax.plot(path[:, 0], path[:, 1], ".-", color="C3", ms=3, lw=1)
    ax.plot(*THETA0, "o", color="C3")
plt.tight_layout()
plt.show()

for name, path in paths.items():
    print(f"{name:22s} J after 60 updates = {cost(*path[-1]):.5f}   (J* = {J_star:.5f})")

# %% [markdown]
# Counted per **example read** instead of per update, the picture turns around. Below, each method
# reads the same 3 epochs of data ($3m$ examples): batch gradient descent gets 3 updates, mini-batch
# $3m/32 \approx 170$, stochastic $3m = 5391$. We use $\eta = 0.1$ here, small enough for the
# single-example steps to stay near the minimum once they reach it.

# %%
epochs, eta = 3, 0.1
fig, ax = plt.subplots(figsize=(7, 4))
final = {}
for name, bs in variants.items():
    steps = epochs * int(np.ceil(m / bs))
    path = descend(eta, bs, steps=steps)
    seen = np.minimum(np.arange(steps + 1) * bs, epochs * m) / m
    gap = cost(path[:, 0], path[:, 1]) - J_star
    final[name] = gap[-1]
    ax.semilogy(seen, gap, label=f"{name}: {steps} updates")
ax.set(xlabel="epochs (examples read / m)", ylabel=r"$J(\theta) - J^*$",
       title=f"the same data budget, eta = {eta}")
ax.legend()
plt.show()
for name, gap in final.items():
    print(f"{name:22s} J - J* after {epochs} epochs: {gap:.2e}")
assert final["stochastic (|B| = 1)"] < final["batch (|B| = m)"]
assert final["mini-batch (|B| = 32)"] < final["batch (|B| = m)"]

# %% [markdown]
# ## The learning rate: too small, about right, too large
#
# For batch gradient descent on a quadratic the answer is exact. Along the eigenvector of $H$ with
# eigenvalue $\lambda$ the error is multiplied by $(1 - \eta\lambda)$ at every step, so gradient
# descent converges if and only if $|1 - \eta\lambda| < 1$ for every $\lambda$, that is
# $\eta < 2 / \lambda_{\max}$. Just below that limit the path zig-zags across the valley; just
# above it, it flies out. Far below it, the steps are safe but slow along the flat direction
# (eigenvalue $\lambda_{\min}$).

# %%
eta_max = 2 / eigenvalues.max()
rates = {"too small": 0.05, "good": 0.9, "zig-zag": 0.95 * eta_max, "too large": 1.05 * eta_max}
print(f"2 / lambda_max = {eta_max:.3f}")

STEPS = 25
fig, axes = plt.subplots(1, 5, figsize=(20, 4))
gaps = {}
for ax, (name, eta) in zip(axes, rates.items()):
    path = descend(eta, m, steps=STEPS)
    gaps[name] = cost(path[:, 0], path[:, 1]) - J_star
    contours(ax, f"{name}: eta = {eta:.2f}")
    ax.plot(path[:, 0], path[:, 1], ".-", color="C3", ms=4, lw=1)
    ax.set(xlim=(-1.2, 1.6), ylim=(-0.6, 1.4))
    axes[-1].semilogy(gaps[name], label=f"{name} ({eta:.2f})")
axes[-1].set(xlabel="step", ylabel=r"$J(\theta) - J^*$", title="cost gap per step")
axes[-1].legend()
plt.tight_layout()
plt.show()

assert gaps["too large"][-1] > gaps["too large"][0]           # diverges
assert gaps["zig-zag"][-1] < gaps["zig-zag"][0]               # converges, if barely
assert gaps["good"][-1] < gaps["too small"][-1]               # bigger safe steps go further
for name, g in gaps.items():
    print(f"{name:10s} J - J* after {STEPS} steps: {g[-1]:.3e}")

# %% [markdown]
# ## Learning-rate decay
#
# With a fixed $\eta$, stochastic gradient descent never settles: near $\theta^*$ the gradient of
# one example is still as noisy as ever, so $\theta$ keeps jumping around the minimum in a
# "noise ball" whose size grows with $\eta$. The notes' remedy is to decay the learning rate over
# epochs: large steps early, small ones for the fine tuning at the end. Here
# `optim.lr_scheduler.ExponentialLR` multiplies $\eta$ by $\gamma = 0.5$ after each epoch
# (`scheduler.step()` once per epoch), starting from the same $\eta = 0.5$, for 4 epochs of
# single-example steps.

# %%
EPOCHS = 4


class PerEpoch:
    """Steps a scheduler once every `every` optimizer steps (descend steps it every update)."""

    def __init__(self, scheduler, every):
        self.scheduler, self.every, self.count = scheduler, every, 0

    def step(self):
        self.count += 1
        if self.count % self.every == 0:
            self.scheduler.step()


constant = descend(LR, 1, steps=EPOCHS * m)
halve_each_epoch = lambda opt: PerEpoch(optim.lr_scheduler.ExponentialLR(opt, gamma=0.5), m)
decayed = descend(LR, 1, steps=EPOCHS * m, schedule=halve_each_epoch)

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.5))
contours(ax0, "where SGD is during the last epoch (zoom)")
WINDOW = 100
for path, name, color in [(constant, "constant eta = 0.5", "C3"), (decayed, "decayed", "C0")]:
    ax0.plot(path[-m:, 0], path[-m:, 1], ".", ms=2, color=color, alpha=0.5)
    ax0.plot([], [], "o", color=color, label=name)
    gap = cost(path[1:, 0], path[1:, 1]) - J_star
    mean_gap = gap[: len(gap) // WINDOW * WINDOW].reshape(-1, WINDOW).mean(axis=1)
    ax1.semilogy(np.arange(1, len(mean_gap) + 1) * WINDOW / m, mean_gap, color=color, label=name)
ax0.set(xlim=(0.2, 0.85), ylim=(0.15, 0.55))
ax0.legend()
ax1.set(xlabel="epoch", ylabel=rf"$J(\theta) - J^*$, mean over {WINDOW} steps",
        title="stochastic gradient descent")
ax1.legend()
plt.tight_layout()
plt.show()

spread = {name: np.linalg.norm(path[-m:] - theta_star, axis=1).mean()
          for name, path in [("constant", constant), ("decayed", decayed)]}
for name, d in spread.items():
    print(f"{name:8s} mean distance to theta* during the last epoch: {d:.3f}")
assert spread["decayed"] < 0.5 * spread["constant"]

# %% [markdown]
# ## A symmetry of ReLU networks: different weights, same function
#
# The notes' *reparameterization in ReLU networks*: for $\alpha > 0$,
# $\frac{1}{\alpha}\operatorname{ReLU}(\alpha x) = \operatorname{ReLU}(x)$. So in a two-layer
# network $f(x) = W_2\,\operatorname{ReLU}(W_1 x + b_1) + b_2$, multiplying $W_1, b_1$ by $\alpha$
# and dividing $W_2$ by $\alpha$ gives **different weights** that compute **the same function**.
# Their gradients are not the same, though: by the chain rule
# $\partial J/\partial W_1$ is divided by $\alpha$ and $\partial J/\partial W_2$ multiplied by it.
# So one SGD step from the two parameterizations leads to two different networks: gradient descent
# depends on how the function is parameterized, not only on the function.

# %%
ag.manual_seed(1)
net = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1)).double()
alpha = 10.0
twin = nn.Sequential(nn.Linear(1, 8), nn.ReLU(), nn.Linear(8, 1)).double()
state = net.state_dict()
twin.load_state_dict({"0.weight": alpha * state["0.weight"].numpy(),
                      "0.bias": alpha * state["0.bias"].numpy(),
                      "2.weight": state["2.weight"].numpy() / alpha,
                      "2.bias": state["2.bias"].numpy()})

inputs, targets = ag.tensor(x[:, None]), ag.tensor(y[:, None])
for model in (net, twin):
    model.zero_grad()
    (0.5 * ((model(inputs) - targets) ** 2).mean()).backward()

same = np.allclose(net(inputs).detach().numpy(), twin(inputs).detach().numpy())
print("same outputs on all 1797 inputs:", same)
print(f"|W1| = {np.linalg.norm(net[0].weight.data):.3f} vs "
      f"{np.linalg.norm(twin[0].weight.data):.3f}")
print(f"|dJ/dW1| = {np.linalg.norm(net[0].weight.grad.data):.4f} vs "
      f"{np.linalg.norm(twin[0].weight.grad.data):.6f}")
print(f"|dJ/dW2| = {np.linalg.norm(net[2].weight.grad.data):.4f} vs "
      f"{np.linalg.norm(twin[2].weight.grad.data):.4f}")
assert same
assert np.allclose(twin[0].weight.grad.data, net[0].weight.grad.data / alpha)
assert np.allclose(twin[2].weight.grad.data, net[2].weight.grad.data * alpha)

# %% [markdown]
# One SGD step with the same $\eta = 0.1$ from each parameterization. The rescaled network's output
# layer receives a gradient ten times larger, and its step overshoots:

# %%
def cost_of(model):
    with ag.no_grad():
        return float(0.5 * ((model(inputs) - targets) ** 2).mean())


before = cost_of(net)
for model in (net, twin):
    optim.SGD(model.parameters(), lr=0.1).step()
after = {"original": cost_of(net), "rescaled": cost_of(twin)}
print(f"J before the step: {before:.5f} for both")
for name, value in after.items():
    print(f"J after one step from the {name} weights: {value:.5f}")
assert not np.isclose(after["original"], after["rescaled"])

# %% [markdown]
# **Summary.** Batch gradient descent follows the exact gradient and is smooth but reads all the
# data per update; stochastic and mini-batch steps are noisy but far cheaper, and win per example
# read. On a quadratic the step size must stay below $2/\lambda_{\max}$ of the Hessian; an
# elongated bowl (large $\lambda_{\max}/\lambda_{\min}$) forces small steps along its flat
# direction. Decaying $\eta$ shrinks the noise ball of SGD. Notebook 10 replaces the plain update
# with momentum, AdaGrad, RMSProp and Adam.
'''

NB10 = r'''
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
# `optim`, step for step.

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
for name, (path, loss) in bowl_runs.items():
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
# it. 1000 steps from $(-1.2, 1)$; each method's step size is about the largest that stays
# stable for it.

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
# past. None is best everywhere: on these problems momentum and Adam reach the minimum, plain SGD
# with a stable step does not get far.
'''

SOURCES: dict[str, str] = {
    "09_optimization": NB09,
    "10_optimizers": NB10,
}


def main(argv: list[str]) -> int:
    names = [n for n in SOURCES if not argv or any(n.startswith(a) for a in argv)]
    if not names:
        print(f"no notebook of {sorted(SOURCES)} starts with {argv}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            source = Path(tmp) / f"{name}.py"
            source.write_text(SOURCES[name].lstrip("\n"), encoding="utf-8")
            print(f"{name}: {_build.build(source):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
