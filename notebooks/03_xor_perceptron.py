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
# # 03 · The perceptron, XOR, and why a hidden layer helps
#
# Rosenblatt's perceptron (1957) is a single neuron with the Heaviside step as activation,
# $\hat y = H(w^\top x)$, trained by the rule from the notes:
#
# > **loop** over examples: $\hat y = H(w^\top x_i)$; $\;w \leftarrow w + \tfrac12 (y_i - \hat y)\, x_i$
#
# With labels $y_i \in \{-1, +1\}$ and $\hat y = \operatorname{sign}(w^\top x_i)$ the factor
# $\tfrac12(y_i - \hat y)$ is 0 for a correct answer and $\pm 1$ for a mistake, so a mistake adds
# or subtracts the example. The rule converges to a separating line **if one exists**. For XOR
# none exists (Minsky and Papert, 1969); a network with a hidden layer, trained by
# backpropagation, solves it. We see all three on real points.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim
from nn.datasets import load_digits, make_xor

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## The data
#
# `make_xor` draws four noisy blobs around $(\pm1, \pm1)$. Labelled by XOR (class 1 where the
# signs differ) the classes sit on opposite corners. Labelled by AND (class 1 only for the
# $(+1, +1)$ blob) the same points are linearly separable.

# %%
x, y_xor = make_xor(200, noise=0.2, seed=0)
y_and = ((x[:, 0] > 0) & (x[:, 1] > 0)).astype(np.int64)
to_pm1 = lambda labels: 2 * labels - 1          # {0, 1} -> {-1, +1}
print(x.shape, "XOR class counts:", np.bincount(y_xor), " AND class counts:", np.bincount(y_and))


# %% [markdown]
# ## The perceptron rule as a tiny loop
#
# A constant input 1 is appended to every $x$, so the bias is the last weight. An *epoch* is one
# pass over the examples; we count the mistakes in each.

# %%
def perceptron(x, labels_pm1, epochs=30):
    """Rosenblatt's rule; returns the weights (bias last) and the mistakes in each epoch."""
    xb = np.c_[x, np.ones(len(x))]
    w = np.zeros(xb.shape[1])
    mistakes = []
    for _ in range(epochs):
        wrong = 0
        for xi, yi in zip(xb, labels_pm1):
            y_hat = 1 if w @ xi > 0 else -1
            w = w + 0.5 * (yi - y_hat) * xi
            wrong += int(y_hat != yi)
        mistakes.append(wrong)
    return w, mistakes


w_and, mistakes_and = perceptron(x, to_pm1(y_and))
w_xor, mistakes_xor = perceptron(x, to_pm1(y_xor))
print("AND: mistakes per epoch", mistakes_and[:10], "...")
print("XOR: mistakes per epoch", mistakes_xor[:10], "...")
assert mistakes_and[-1] == 0 and min(mistakes_xor) > 0

# %% [markdown]
# On AND the mistakes drop to 0 within a few epochs and the weights stop changing. On XOR they
# never do: whatever line the perceptron holds, some blob is on the wrong side. The rule is not
# limited to 2-D toy data: the same loop separates handwritten 0s from 1s of the UCI digits
# (64 pixel intensities each).

# %%
digits = load_digits()
keep = digits["y"] < 2
w_digits, mistakes_digits = perceptron(digits["x"][keep], to_pm1(digits["y"][keep]), epochs=10)
print(f"digits 0 vs 1 ({keep.sum()} images): mistakes per epoch {mistakes_digits}")
assert mistakes_digits[-1] == 0


# %% [markdown]
# ## Why no line separates XOR
#
# A line classifies by the sign of $w_1 x_1 + w_2 x_2 + b$. At the four corners XOR asks for
# $$
# \underbrace{w_1 + w_2 + b < 0}_{(1,1)}, \quad \underbrace{-w_1 - w_2 + b < 0}_{(-1,-1)}, \quad
# \underbrace{-w_1 + w_2 + b > 0}_{(-1,1)}, \quad \underbrace{w_1 - w_2 + b > 0}_{(1,-1)} .
# $$
# Adding the first two gives $b < 0$, adding the last two gives $b > 0$: a contradiction. So any
# single neuron — perceptron, sigmoid or otherwise — gets at least one corner wrong.

# %%
def plot_boundary(ax, predict, x, labels, title):
    """Shade the plane by the classifier's decision and scatter the points on top."""
    g = np.linspace(-2, 2, 200)
    g1, g2 = np.meshgrid(g, g)
    decision = predict(np.c_[g1.ravel(), g2.ravel()].astype(np.float32)).reshape(g1.shape)
    ax.contourf(g1, g2, decision, levels=[-np.inf, 0, np.inf], colors=["#c6dbef", "#fdd0a2"])
    ax.contour(g1, g2, decision, levels=[0], colors="k", linewidths=1)
    for label, marker, color in [(0, "o", "#2171b5"), (1, "s", "#d94801")]:
        pts = x[labels == label]
        ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=14, color=color, label=f"class {label}")
    ax.set(xlim=(-2, 2), ylim=(-2, 2), xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.set_aspect("equal")


linear = lambda w: (lambda pts: np.c_[pts, np.ones(len(pts))] @ w)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
plot_boundary(axes[0], linear(w_and), x, y_and, "Perceptron on AND: separated")
plot_boundary(axes[1], linear(w_xor), x, y_xor, "Perceptron on XOR after 30 epochs")
axes[0].legend(loc="lower left")
axes[2].plot(range(1, 31), mistakes_and, "o-", label="AND (linearly separable)")
axes[2].plot(range(1, 31), mistakes_xor, "s-", label="XOR (not separable)")
axes[2].set(xlabel="epoch", ylabel="mistakes in the epoch", title="Perceptron rule: mistakes")
axes[2].legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## A hidden layer solves XOR
#
# `nn.MLP([2, 2, 1], activation="tanh")` puts two tanh neurons between the input and a single
# output neuron. Its output $z^{(2)}$ is a *logit*: class 1 when $z^{(2)} > 0$, trained with the log
# loss (`F.binary_cross_entropy_with_logits`, notebook 08) and the Adam optimizer (notebook 10).
# Unlike the step, tanh has a derivative, so backpropagation can tell every weight which way to
# move.

# %%
X, Y = ag.tensor(x), ag.tensor(y_xor[:, None].astype(np.float32))


def train_xor(hidden, seed, steps=300):
    ag.manual_seed(seed)
    net = nn.MLP([2, hidden, 1], activation="tanh")
    opt = optim.Adam(net.parameters(), lr=0.05)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(net(X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with ag.no_grad():
        accuracy = ((net(X).numpy() > 0) == (Y.numpy() > 0.5)).mean()
    return net, losses, accuracy


net, losses, accuracy = train_xor(hidden=2, seed=0)
print(f"final log loss {losses[-1]:.4f}, training accuracy {accuracy:.0%}")
assert accuracy == 1.0


# %% [markdown]
# Each hidden neuron draws its own line $z^{(1)}_j = 0$ (dashed, left); the output neuron combines
# the two half-planes. The right panel shows the same points as the hidden layer sees them,
# $a^{(1)} = \tanh(z^{(1)})$: the XOR corners have moved so that a single line (the output
# neuron's, dashed) now separates them. That is what a hidden layer buys: a new representation in
# which the problem is linearly separable.

# %%
def predict(pts):
    with ag.no_grad():
        return net(ag.tensor(pts)).numpy()[:, 0]


first, second = net[0], net[2]
W1, b1 = first.weight.detach().numpy(), first.bias.detach().numpy()
W2, b2 = second.weight.detach().numpy()[0], second.bias.detach().numpy()[0]
with ag.no_grad():
    hidden = ag.tanh(first(X)).numpy()

fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
plot_boundary(axes[0], predict, x, y_xor, "MLP 2-2-1 on XOR: solved")
g = np.linspace(-2, 2, 50)
for j in range(2):
    axes[0].plot(g, -(W1[j, 0] * g + b1[j]) / W1[j, 1], "k--", lw=1)
axes[0].set(xlim=(-2, 2), ylim=(-2, 2))
axes[0].legend(loc="lower left")
for label, marker, color in [(0, "o", "#2171b5"), (1, "s", "#d94801")]:
    pts = hidden[y_xor == label]
    axes[1].scatter(pts[:, 0], pts[:, 1], marker=marker, s=14, color=color, label=f"class {label}")
h = np.linspace(-1.1, 1.1, 50)
axes[1].plot(h, -(W2[0] * h + b2) / W2[1], "k--", lw=1, label="output neuron: $z^{(2)}=0$")
axes[1].set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), xlabel="hidden $a^{(1)}_1$",
            ylabel="hidden $a^{(1)}_2$", title="The points in the hidden layer")
axes[1].set_aspect("equal")
axes[1].legend(loc="center right", fontsize=8)
axes[2].plot(losses)
axes[2].set(xlabel="Adam step", ylabel="log loss", yscale="log", title="Training loss")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Two hidden units are just enough — and sometimes not
#
# With only two hidden units some random initializations end in a poor local minimum; with more
# units every seed we try succeeds. (Local minima and saddle points are the subject of notebooks
# 09–11.)

# %%
for hidden_units in (2, 8):
    results = [train_xor(hidden_units, seed)[2] for seed in range(6)]
    print(f"{hidden_units} hidden units, seeds 0-5: accuracy",
          " ".join(f"{a:.0%}" for a in results))
    if hidden_units == 8:
        assert min(results) == 1.0

# %% [markdown]
# **Summary.** The perceptron rule finds a separating line whenever there is one (AND, digits 0
# vs 1) and keeps making mistakes when there is none (XOR). One hidden layer of differentiable
# units, trained by backpropagation, maps XOR to a representation where a line suffices. Next:
# [04 · backpropagation and the chain rule](04_backprop.ipynb).
