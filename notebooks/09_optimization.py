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
# Everything runs with `optim.SGD` and `optim.lr_scheduler` on real data. (Further reading, cited
# by the notes: *Deep Learning*, chapter 8,
# <https://www.deeplearningbook.org/contents/optimization.html>.)

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
# We predict the pixel at row 4, column 4 (counting from 0) from its left neighbour with a line,
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
print(f"|W1| = {np.linalg.norm(net[0].weight.detach().numpy()):.3f} vs "
      f"{np.linalg.norm(twin[0].weight.detach().numpy()):.3f}")
print(f"|dJ/dW1| = {np.linalg.norm(net[0].weight.grad.numpy()):.4f} vs "
      f"{np.linalg.norm(twin[0].weight.grad.numpy()):.6f}")
print(f"|dJ/dW2| = {np.linalg.norm(net[2].weight.grad.numpy()):.4f} vs "
      f"{np.linalg.norm(twin[2].weight.grad.numpy()):.4f}")
assert same
assert np.allclose(twin[0].weight.grad.numpy(), net[0].weight.grad.numpy() / alpha)
assert np.allclose(twin[2].weight.grad.numpy(), net[2].weight.grad.numpy() * alpha)


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
