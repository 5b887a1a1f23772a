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
# # 06 · Gradient checking with finite differences
#
# The notes list two ways to get $\partial J/\partial w$: finite differences ("bad idea" for
# computing gradients: one or two evaluations of $J$ per weight, and inexact) and analytic
# derivatives (backpropagation, "good idea"). And then: **gradient checking is a good idea!**
# Backward passes written by hand are easy to get subtly wrong, and a wrong gradient often still
# lowers the loss a little, so training does not tell you. Comparing with the central difference
#
# $$\frac{\partial J}{\partial w_i} \approx \frac{J(w + \varepsilon e_i) - J(w - \varepsilon e_i)}{2\varepsilon}$$
#
# does. `ag.gradcheck(f, inputs)` makes that comparison for every element of every input. Below:
# checking a network, catching two deliberately wrong backward passes, and choosing $\varepsilon$.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
from nn.datasets import load_digits

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Checking a whole network
#
# The loss of a small tanh network on eight real digit images, as a function of its first
# weight matrix and bias. Gradient checks are done in **float64**: in float32 the rounding error of
# the differences alone is about $10^{-7}/\varepsilon$, far too large to compare with (see the last
# section).

# %%
digits = load_digits()
X = ag.tensor(digits["x"][:8], dtype=ag.float64)
labels = digits["y"][:8]
model = nn.MLP([64, 6, 10], activation="tanh").double()
W1 = model[0].weight.detach().clone().requires_grad_()
b1 = model[0].bias.detach().clone().requires_grad_()
W2, b2 = model[2].weight.detach(), model[2].bias.detach()


def loss_fn(W1, b1):
    hidden = ag.tanh(X @ W1.T + b1)
    return F.cross_entropy(hidden @ W2.T + b2, labels)


print("gradcheck on", W1.numel() + b1.numel(), "weights:", ag.gradcheck(loss_fn, (W1, b1)))


# %% [markdown]
# ## A custom operation with its own backward pass
#
# `ag.Function` lets you define an operation with a hand-written backward pass (a
# vector-Jacobian product: given the upstream gradient $g = \partial J/\partial a$, return $\partial
# J/\partial z = g \odot f'(z)$). A correct sigmoid:

# %%
class Sigmoid(ag.Function):
    @staticmethod
    def forward(ctx, z):
        a = ag.sigmoid(z)
        ctx.save_for_backward(a)
        return a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a * (1 - a)


z = ag.randn(5, dtype=ag.float64, requires_grad=True)
print("correct sigmoid:", ag.gradcheck(Sigmoid.apply, (z,)))


# %% [markdown]
# ### Bug 1: forgetting the upstream gradient
#
# The most common mistake in a hand-written backward: returning the local derivative $f'(z)$
# instead of the product $g \odot f'(z)$. It even looks right when the upstream gradient happens to
# be all ones (a plain `.sum()` of the output). `gradcheck` feeds one-hot upstream gradients, one
# output element at a time, and reports the first element that disagrees:

# %%
class SigmoidForgetsUpstream(ag.Function):
    @staticmethod
    def forward(ctx, z):
        a = ag.sigmoid(z)
        ctx.save_for_backward(a)
        return a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return a * (1 - a)          # wrong: should be grad * a * (1 - a)


try:
    ag.gradcheck(SigmoidForgetsUpstream.apply, (z,))
    caught = False
except ag.GradcheckError as error:
    caught = True
    print("GradcheckError:", error)
assert caught


# %% [markdown]
# ### Bug 2: a derivative that is right at one point only
#
# A cube $z^3$ whose backward returns $3z$ instead of $3z^2$. At $z = 1$ (and $z = 0$) the two
# agree, so a check at a "nice" point passes; at random points the bug shows. Check at random
# inputs, never at 0 or 1 only.

# %%
class CubeWrongPower(ag.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z ** 3

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * 3 * z         # wrong: should be grad * 3 * z ** 2


at_one = ag.ones(3, dtype=ag.float64, requires_grad=True)
print("at z = 1:", ag.gradcheck(CubeWrongPower.apply, (at_one,)))
try:
    ag.gradcheck(CubeWrongPower.apply, (z,))
    caught = False
except ag.GradcheckError as error:
    caught = True
    print("at random z: GradcheckError:", error)
assert caught

# %% [markdown]
# ## Choosing $\varepsilon$: the V shape
#
# The central difference makes two errors. **Truncation**: the Taylor expansion gives
# $\frac{J(w+\varepsilon) - J(w-\varepsilon)}{2\varepsilon} = J'(w) + \frac{\varepsilon^2}{6} J'''(w) +
# \dots$, an error that falls like $\varepsilon^2$ (only like $\varepsilon$ for the one-sided
# difference $(J(w+\varepsilon) - J(w))/\varepsilon$). **Rounding**: $J$ is computed with relative
# precision $u$ ($\approx 10^{-16}$ in float64, $6 \cdot 10^{-8}$ in float32), and dividing that
# noise by $\varepsilon$ gives an error that grows like $u/\varepsilon$. The sum is a V on a log-log
# plot, with its bottom near $\varepsilon \approx u^{1/3}$ (central) or $u^{1/2}$ (one-sided).
#
# We measure it for ten weights of the network above against the engine's exact gradient, and
# plot the median error over the ten.

# %%
W1.grad = None
loss_fn(W1, b1).backward()
exact = W1.grad.numpy()
rng = np.random.default_rng(0)
picked = [tuple(ix) for ix in np.c_[rng.integers(0, 6, 10), rng.integers(0, 64, 10)]]


def loss_at(index, dw, dtype):
    """The loss with one weight of W1 moved by dw, evaluated entirely in `dtype`."""
    x, w1, bb1, w2, bb2 = (t.detach().numpy().astype(dtype) for t in (X, W1, b1, W2, b2))
    w1[index] += dtype(dw)
    hidden = ag.tanh(ag.tensor(x) @ ag.tensor(w1).T + ag.tensor(bb1))
    return F.cross_entropy(hidden @ ag.tensor(w2).T + ag.tensor(bb2), labels).item()


epsilons = np.logspace(-13, 0, 40)
errors = {}
for dtype in (np.float64, np.float32):
    central, forward = [], []
    for index in picked:
        f0 = loss_at(index, 0.0, dtype)
        plus = np.array([loss_at(index, e, dtype) for e in epsilons])
        minus = np.array([loss_at(index, -e, dtype) for e in epsilons])
        central.append(np.abs((plus - minus) / (2 * epsilons) - exact[index]))
        forward.append(np.abs((plus - f0) / epsilons - exact[index]))
    errors[dtype.__name__, "central"] = np.median(central, axis=0)
    errors[dtype.__name__, "forward"] = np.median(forward, axis=0)

fig, ax = plt.subplots(figsize=(7.5, 5))
colors = {"float64": "C0", "float32": "C3"}
for (dtype_name, kind), err in errors.items():
    ax.loglog(epsilons, np.maximum(err, 1e-16), "-" if kind == "central" else "--",
              color=colors[dtype_name], marker="o" if kind == "central" else "s", ms=3,
              label=f"{kind} difference, {dtype_name}")
for dtype in (np.float64, np.float32):
    optimum = np.finfo(dtype).eps ** (1 / 3)
    ax.axvline(optimum, color=colors[dtype.__name__], lw=0.8, ls=":")
    ax.text(optimum * 1.3, 3e-14, f"$u^{{1/3}}$ ({dtype.__name__})", fontsize=8,
            color=colors[dtype.__name__])
ax.set(xlabel=r"step $\varepsilon$", ylabel="median |finite difference − engine gradient|",
       title=r"Finite-difference error vs $\varepsilon$: rounding (left) vs truncation (right)",
       ylim=(1e-14, 1))
ax.legend(fontsize=8, loc="lower left")
plt.show()

for dtype_name in ("float64", "float32"):
    err = errors[dtype_name, "central"]
    print(f"central difference, {dtype_name}: best eps {epsilons[np.argmin(err)]:.1e}, "
          f"median error there {err.min():.1e}")
err64 = errors["float64", "central"]
best64 = epsilons[np.argmin(err64)]
assert 1e-8 < best64 < 1e-3 and err64[0] > 100 * err64.min() and err64[-1] > 100 * err64.min()
assert errors["float32", "central"].min() > 100 * err64.min()

# %% [markdown]
# Both V's have their bottom near $u^{1/3}$ (dotted), and the float64 one is many orders of
# magnitude deeper. On the far left of the float32 curves $w + \varepsilon$ rounds back to $w$,
# the difference is 0 and the error is the whole gradient. That is why
# `ag.gradcheck` uses $\varepsilon = 10^{-6}$ with float64 inputs, and why its message suggests
# float64 when a float32 check fails.
#
# **Summary.** Check every hand-written gradient against central differences, in float64, at
# random points. Next: [07 · regression](07_regression.ipynb) — squared error and weight decay.
