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
# # 07 · Regression: squared error, weight decay, under- and overfitting
#
# The notes' training loss for a network $h_{W,b}$ on $m$ examples is the mean squared error plus
# **weight decay**:
#
# $$J(W, b) = \frac{1}{m} \sum_{k=1}^{m} \tfrac12 \lVert h_{W,b}(x^{(k)}) - y^{(k)} \rVert^2
# \;+\; \frac{\lambda}{2} \sum_{l} \sum_{i,j} \big(w^{(l)}_{ji}\big)^2 .$$
#
# The first term fits the data; the second pulls the weights (not the biases) towards 0, with
# strength $\lambda$. In the library the first term is `F.mse_loss` (the mean of the squared
# errors, without the $\tfrac12$) and the second is either written out or left to the optimizer's
# `weight_decay=λ`, which adds $\lambda w$ to each weight's gradient — exactly the gradient of
# $\frac{\lambda}{2}\sum w^2$. We fit polynomials of growing degree to twelve noisy points and
# watch underfitting, overfitting and the cure.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Data
#
# Twelve equally spaced points $x$ in $[-1, 1]$, targets $y = \sin(\pi x)$ plus Gaussian noise
# of standard deviation 0.25, and 200 fresh points ($x$ uniform in $[-1, 1]$) from the same
# source to measure the test error. The model is linear in the features $P_1(x), \dots, P_M(x)$ (Legendre polynomials, which
# are better conditioned than $x, x^2, \dots$ but span the same polynomials), so a polynomial of
# degree $M$ is `nn.Linear(M, 1)`: weights $w_1..w_M$ and a bias.

# %%
rng = np.random.default_rng(1)
m, noise = 12, 0.25
x_train = np.linspace(-1, 1, m)
y_train = np.sin(np.pi * x_train) + noise * rng.normal(size=m)
x_test = rng.uniform(-1, 1, 200)
y_test = np.sin(np.pi * x_test) + noise * rng.normal(size=200)
x_plot = np.linspace(-1, 1, 300)


def features(x, degree):
    """Legendre polynomials P_1(x) .. P_degree(x), one column each."""
    return ag.tensor(np.polynomial.legendre.legvander(x, degree)[:, 1:])


print("x:", x_train)
print("y:", y_train)

# %% [markdown]
# ## The loss, by hand and by the library
#
# For a scalar output, $\frac1m \sum_k \tfrac12 (h(x^{(k)}) - y^{(k)})^2$ is half of
# `F.mse_loss(h, y)`. With the weight decay term written out:

# %%
lam = 0.01
model = nn.Linear(3, 1).double()
prediction = model(features(x_train, 3))
Y = ag.tensor(y_train[:, None])
J_library = 0.5 * F.mse_loss(prediction, Y) + lam / 2 * (model.weight ** 2).sum()
h = prediction.detach().numpy()[:, 0]
J_by_hand = np.mean(0.5 * (h - y_train) ** 2) + lam / 2 * np.sum(model.weight.detach().numpy() ** 2)
print(f"J by hand {J_by_hand:.10f}, with F.mse_loss {J_library.item():.10f}")
assert np.isclose(J_library.item(), J_by_hand)


# %% [markdown]
# ## `weight_decay=λ` is the $\frac{\lambda}{2}\sum w^2$ term, for SGD
#
# Two copies of the same model: one trained on $J$ with the penalty written out, one trained on
# the data term only with `optim.SGD(..., weight_decay=λ)` for the weights (a parameter group) and
# no decay for the bias, as in the notes. Step for step they are the same.
#
# (For SGD with momentum and for Adam, `weight_decay` also adds $\lambda w$ to the gradient and so
# still equals the penalty. `optim.AdamW` is different on purpose: it shrinks the weights
# directly, outside the adaptive step.)

# %%
def run(explicit_penalty, steps=200, lr=0.5):
    ag.manual_seed(0)
    model = nn.Linear(5, 1).double()
    decay = 0.0 if explicit_penalty else lam
    opt = optim.SGD([{"params": [model.weight], "weight_decay": decay},
                     {"params": [model.bias], "weight_decay": 0.0}], lr=lr)
    X = features(x_train, 5)
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(model(X), Y)
        if explicit_penalty:
            loss = loss + lam / 2 * (model.weight ** 2).sum()
        loss.backward()
        opt.step()
        trajectory.append(model.weight.detach().numpy()[0].copy())
    return np.array(trajectory)


with_penalty, with_weight_decay = run(True), run(False)
print("weights after 200 steps, explicit penalty:", with_penalty[-1])
print("weights after 200 steps, weight_decay    :", with_weight_decay[-1])
assert np.allclose(with_penalty, with_weight_decay, rtol=1e-12, atol=1e-14)


# %% [markdown]
# ## Fitting: gradient descent on $J$
#
# One function trains a degree-$M$ polynomial with full-batch SGD with momentum until the weights
# stop moving.
# For $\lambda > 0$ the minimum of $J$ has a closed form (ridge regression),
# $\big(\tfrac1m \Phi^\top \Phi + \lambda D\big)^{-1} \tfrac1m \Phi^\top y$ with $\Phi$ the features plus a
# column of ones and $D$ the identity without the bias entry, so we can check that training really
# reached it.

# %%
def fit(degree, lam, max_steps=5000):
    """Full-batch SGD with momentum until the weights stop moving (or max_steps)."""
    ag.manual_seed(0)
    model = nn.Linear(degree, 1).double()
    opt = optim.SGD([{"params": [model.weight], "weight_decay": lam},
                     {"params": [model.bias], "weight_decay": 0.0}], lr=0.5, momentum=0.9)
    X = features(x_train, degree)
    for _ in range(max_steps):
        before = model.weight.detach().numpy().copy()
        opt.zero_grad()
        loss = 0.5 * F.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        if np.abs(model.weight.detach().numpy() - before).max() < 1e-12:
            break
    return model


def mse(model, x, y):
    with ag.no_grad():
        return F.mse_loss(model(features(x, model.in_features))[:, 0], ag.tensor(y)).item()


model = fit(11, 1e-3)
Phi = np.c_[np.ones(m), features(x_train, 11).numpy()]
D = np.diag([0.0] + [1.0] * 11)
closed_form = np.linalg.solve(Phi.T @ Phi / m + 1e-3 * D, Phi.T @ y_train / m)
trained = np.r_[model.bias.detach().numpy(), model.weight.detach().numpy()[0]]
print("max |trained - closed form| =", np.abs(trained - closed_form).max())
assert np.allclose(trained, closed_form, atol=1e-8)

# %% [markdown]
# ## Underfitting and overfitting
#
# Degree 1 cannot bend: it **underfits** (high error on the training points and on new ones).
# Degree 3 follows the sine. Degree 11 has as many parameters as there are points and threads
# through nearly all of them, noise included: it **overfits** — tiny training error, large test
# error, wild swings between the points.

# %%
degrees = list(range(0, 12))
fits = {M: fit(M, 0.0) if M > 0 else None for M in degrees}
train_err = [np.mean((y_train - y_train.mean()) ** 2) if M == 0 else mse(fits[M], x_train, y_train)
             for M in degrees]
test_err = [np.mean((y_test - y_train.mean()) ** 2) if M == 0 else mse(fits[M], x_test, y_test)
            for M in degrees]

fig, axes = plt.subplots(1, 4, figsize=(17, 4))
for ax, M, verdict in zip(axes, (1, 3, 11), ("underfits", "about right", "overfits")):
    with ag.no_grad():
        curve = fits[M](features(x_plot, M)).numpy()[:, 0]
    ax.plot(x_plot, np.sin(np.pi * x_plot), "k:", label=r"$\sin(\pi x)$")
    ax.plot(x_plot, curve, "C3", lw=2, label=f"degree {M} fit")
    ax.scatter(x_train, y_train, color="C0", zorder=3, label="training points")
    ax.set(xlabel="$x$", ylabel="$y$", ylim=(-2, 2), title=f"Degree {M}: {verdict}")
    ax.legend(fontsize=8, loc="lower right")
axes[3].semilogy(degrees, train_err, "o-", label="training")
axes[3].semilogy(degrees, test_err, "s-", label="test")
axes[3].axhline(noise**2, color="k", ls=":", lw=1, label="noise variance")
axes[3].set(xlabel="degree M", ylabel="mean squared error", title="Error vs model size")
axes[3].legend(fontsize=8)
fig.tight_layout()
plt.show()
assert test_err[11] > 3 * test_err[3] and train_err[11] < train_err[3]

# %% [markdown]
# ## Weight decay tames the degree-11 polynomial
#
# Same degree 11, growing $\lambda$. Small $\lambda$ leaves the overfit; a moderate one keeps the
# shape and drops the wiggles; a huge one flattens everything back into underfitting. The test
# error is lowest in between.

# %%
lambdas = np.logspace(-6, 0, 7)
decayed = {lam: fit(11, lam) for lam in lambdas}
train_lam = [mse(decayed[lam], x_train, y_train) for lam in lambdas]
test_lam = [mse(decayed[lam], x_test, y_test) for lam in lambdas]
best = lambdas[int(np.argmin(test_lam))]

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
axes[0].plot(x_plot, np.sin(np.pi * x_plot), "k:", label=r"$\sin(\pi x)$")
for lam, color in [(lambdas[0], "C1"), (best, "C2"), (lambdas[-1], "C4")]:
    with ag.no_grad():
        curve = decayed[lam](features(x_plot, 11)).numpy()[:, 0]
    axes[0].plot(x_plot, curve, color=color, lw=2, label=rf"$\lambda$ = {lam:.0e}")
axes[0].scatter(x_train, y_train, color="C0", zorder=3, label="training points")
axes[0].set(xlabel="$x$", ylabel="$y$", ylim=(-2, 2), title="Degree 11 with weight decay")
axes[0].legend(fontsize=8, loc="lower right")
axes[1].loglog(lambdas, train_lam, "o-", label="training")
axes[1].loglog(lambdas, test_lam, "s-", label="test")
axes[1].axhline(noise**2, color="k", ls=":", lw=1, label="noise variance")
axes[1].set(xlabel=r"weight decay $\lambda$", ylabel="mean squared error",
            title=r"Error vs $\lambda$ (degree 11)")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()
print(f"best lambda {best:.0e}: test error {min(test_lam):.3f} "
      f"(lambda = 0: {test_err[11]:.3f}, degree 3 without decay: {test_err[3]:.3f})")
assert min(test_lam) < test_err[11] / 3

# %% [markdown]
# **Summary.** The notes' $J$ is `0.5 * F.mse_loss` plus $\frac{\lambda}{2}\sum w^2$, and the
# optimizer's `weight_decay=λ` is that penalty's gradient. Too few parameters underfit, too many
# overfit, and weight decay trades one against the other with a single number chosen on held-out
# data. Next: [08 · classification losses](08_classification.ipynb).
