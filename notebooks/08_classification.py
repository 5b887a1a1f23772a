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
# # 08 · Classification losses: log loss, softmax cross-entropy, hinge, contrastive
#
# For classification the notes replace the squared error by losses made for labels:
#
# * **logistic regression** with labels $y \in \{-1, +1\}$: $P(y \mid x) = \sigma(y\, \omega^\top x)$,
#   trained on the **log loss** $E(\omega) = \sum_i \log\big(1 + e^{-y_i \omega^\top x_i}\big)$, whose
#   gradient is $\frac{dE}{d\omega}\big|_{x_i} = (\sigma(y_i \omega^\top x_i) - 1)\, y_i x_i$;
# * **softmax + cross-entropy** ("softmax loss = log loss over softmax") for several classes;
# * the **hinge loss** of support vector machines, and the **contrastive loss**, which compares
#   *pairs* of examples instead of examples with labels.
#
# We meet each on real data — two moons, spirals and the 8×8 handwritten digits — with decision
# boundaries and loss-versus-margin plots. The library names: `F.binary_cross_entropy_with_logits`
# (log loss), `F.cross_entropy` (softmax + cross-entropy), `nn.MultiMarginLoss` (hinge) and
# `F.contrastive_loss`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim
from nn.datasets import load_digits, make_moons, make_spirals, train_test_split

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)


def plot_regions(ax, predict, x, labels, title, lim=(-1.6, 2.6, -1.2, 1.7)):
    """Colour the plane by the predicted class and scatter the labelled points on top."""
    g1, g2 = np.meshgrid(np.linspace(lim[0], lim[1], 250), np.linspace(lim[2], lim[3], 250))
    with ag.no_grad():
        regions = predict(ag.tensor(np.c_[g1.ravel(), g2.ravel()].astype(np.float32)))
    k = int(labels.max()) + 1
    ax.contourf(g1, g2, regions.reshape(g1.shape), levels=np.arange(k + 1) - 0.5,
                colors=["#c6dbef", "#fdd0a2", "#c7e9c0"][:k])
    for c, (marker, color) in enumerate([("o", "#2171b5"), ("s", "#d94801"), ("^", "#238b45")][:k]):
        ax.scatter(*x[labels == c].T, s=10, marker=marker, color=color, label=f"class {c}")
    ax.set(xlim=lim[:2], ylim=lim[2:], xlabel="$x_1$", ylabel="$x_2$", title=title)


# %% [markdown]
# ## Logistic regression and the log loss
#
# Logistic regression is one sigmoid neuron, $P(y = 1 \mid x) = \sigma(z)$ with $z = w \cdot x + b$.
# The library's `F.binary_cross_entropy_with_logits(z, t)` takes the *logit* $z$ and targets
# $t \in \{0, 1\}$ and computes $-[t \log \sigma(z) + (1-t) \log(1 - \sigma(z))]$, averaged. With
# $y = 2t - 1 \in \{-1, +1\}$ that is exactly the notes' $\log(1 + e^{-y z})$: check it, and the
# gradient formula, on the two-moons data.

# %%
x_moons, t_moons = make_moons(300, noise=0.15, seed=0)
X, T = ag.tensor(x_moons), ag.tensor(t_moons.astype(np.float32))
y_pm = 2 * t_moons - 1

logreg = nn.Linear(2, 1)
z = logreg(X)[:, 0]
loss = F.binary_cross_entropy_with_logits(z, T)
loss.backward()

z_np = z.detach().numpy().astype(np.float64)
sigma = lambda s: 1 / (1 + np.exp(-s))
E_notes = np.mean(np.log1p(np.exp(-y_pm * z_np)))
grad_notes = np.mean(((sigma(y_pm * z_np) - 1) * y_pm)[:, None] * x_moons, axis=0)
print(f"BCE with logits {loss.item():.6f}   notes' mean log(1 + exp(-y z)) {E_notes:.6f}")
print("dE/dw engine:", logreg.weight.grad.numpy()[0], "  notes' formula:", grad_notes)
assert np.isclose(loss.item(), E_notes, rtol=1e-5)
assert np.allclose(logreg.weight.grad.numpy()[0], grad_notes, rtol=1e-4, atol=1e-6)


# %% [markdown]
# Training it, and — for contrast — an MLP with the same loss. Logistic regression can only draw
# a line; the moons need a curve.

# %%
def train_binary(model, steps, lr):
    opt = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(X)[:, 0], T)
        loss.backward()
        opt.step()
    with ag.no_grad():
        accuracy = ((model(X).numpy()[:, 0] > 0) == (t_moons == 1)).mean()
    return loss.item(), accuracy


ag.manual_seed(0)
logreg = nn.Linear(2, 1)
mlp = nn.MLP([2, 32, 32, 1], activation="relu")
results = {"logistic regression": (logreg, *train_binary(logreg, 300, 0.05)),
           "MLP 2-32-32-1": (mlp, *train_binary(mlp, 300, 0.01))}

fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
for ax, (name, (model, final_loss, accuracy)) in zip(axes, results.items()):
    plot_regions(ax, lambda pts, model=model: (model(pts).numpy()[:, 0] > 0).astype(int),
                 x_moons, t_moons, f"{name}: log loss {final_loss:.3f}, accuracy {accuracy:.0%}")
axes[0].legend(loc="lower left", fontsize=8)
fig.tight_layout()
plt.show()
assert results["MLP 2-32-32-1"][2] > 0.98 > results["logistic regression"][2]

# %% [markdown]
# ## Losses as functions of the margin
#
# For a binary classifier with labels $\pm1$, every loss here depends only on the **margin**
# $y z$: positive when the answer is right, larger when it is right with confidence. The 0-1 loss
# (count the mistakes) has zero gradient everywhere, so we train on smooth or convex stand-ins:
#
# * log loss $\log(1 + e^{-yz})$: never exactly 0, so it keeps pushing correct answers further;
# * hinge loss $\max(0, 1 - yz)$: exactly 0 once the margin reaches 1 — correct and confident
#   examples stop contributing;
# * squared error $(1 - yz)^2$ (regression on $\pm1$ targets): also punishes answers that are
#   *too* right.
#
# Each curve below is computed by the library's loss. `F.multi_margin_loss` is the multi-class
# hinge, $\frac1C \sum_{j \neq y} \max(0, 1 - z_y + z_j)$; for two classes with scores $(0, z)$ it is
# $\frac12 \max(0, 1 - yz)$, so we multiply by $C = 2$. The dashed lines are the derivatives with
# respect to the margin, from the engine.

# %%
margin = ag.linspace(-3, 3, 601, dtype=ag.float64, requires_grad=True)
ones = ag.ones(601, dtype=ag.float64)
scores = ag.stack([ag.zeros(601, dtype=ag.float64), margin], dim=1)
curves = {
    "log loss": F.binary_cross_entropy_with_logits(margin, ones, reduction="none"),
    "hinge": 2 * F.multi_margin_loss(scores, np.ones(601, dtype=np.int64), reduction="none"),
    "squared error": F.mse_loss(margin, ones, reduction="none"),
}
m_np = margin.detach().numpy()
assert np.allclose(curves["log loss"].detach().numpy(), np.log1p(np.exp(-m_np)))
assert np.allclose(curves["hinge"].detach().numpy(), np.maximum(0, 1 - m_np))

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.step(m_np, (m_np <= 0).astype(float), "k", where="mid", label="0-1 loss (mistakes)")
for (name, curve), color in zip(curves.items(), ["C0", "C3", "C2"]):
    (slope,) = ag.autograd.grad(curve.sum(), [margin], retain_graph=True)
    ax.plot(m_np, curve.detach().numpy(), color=color, lw=2, label=name)
    ax.plot(m_np, slope.numpy(), color=color, ls="--", lw=1)
ax.axhline(0, color="0.7", lw=0.8)
ax.set(xlabel="margin $y z$", ylabel="loss (solid), d loss / d margin (dashed)", ylim=(-2.2, 4),
       title="Binary classification losses vs margin")
ax.legend()
plt.show()

# %% [markdown]
# ## Softmax and cross-entropy on three spirals
#
# With $K$ classes the network outputs $K$ logits $z$; the softmax turns them into probabilities
# $p_j = e^{z_j} / \sum_k e^{z_k}$, and the cross-entropy is the log loss of the true class,
# $-\log p_y$. `F.cross_entropy(z, y)` does both in one numerically stable step. Its gradient with
# respect to the logits is the famous $p - \text{onehot}(y)$ (divided by $m$ for the mean): the
# $\delta^{(L)}$ of notebook 05 for this loss.

# %%
x_sp, y_sp = make_spirals(300, classes=3, noise=0.2, seed=0)
X_sp = ag.tensor(x_sp)
ag.manual_seed(0)
net = nn.MLP([2, 64, 64, 3], activation="relu")

logits = net(X_sp)
logits.retain_grad()
loss = F.cross_entropy(logits, y_sp)
loss.backward()
z_np = logits.detach().numpy().astype(np.float64)
p = np.exp(z_np - z_np.max(1, keepdims=True))
p /= p.sum(1, keepdims=True)
print(f"F.cross_entropy {loss.item():.6f}   mean -log p_y by hand "
      f"{-np.log(p[np.arange(300), y_sp]).mean():.6f}")
assert np.isclose(loss.item(), -np.log(p[np.arange(300), y_sp]).mean(), rtol=1e-5)
assert np.allclose(logits.grad.numpy(), (p - np.eye(3)[y_sp]) / 300, atol=1e-7)

opt = optim.Adam(net.parameters(), lr=0.01)
losses = []
for _ in range(500):
    opt.zero_grad()
    loss = F.cross_entropy(net(X_sp), y_sp)
    loss.backward()
    opt.step()
    losses.append(loss.item())
with ag.no_grad():
    accuracy = (net(X_sp).numpy().argmax(1) == y_sp).mean()

fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.2, 1]})
plot_regions(axes[0], lambda pts: net(pts).numpy().argmax(1), x_sp, y_sp,
             f"MLP with softmax cross-entropy: accuracy {accuracy:.0%}", lim=(-1.1, 1.1, -1.1, 1.1))
axes[0].set_aspect("equal")
axes[0].legend(loc="lower right", fontsize=8)
axes[1].semilogy(losses)
axes[1].set(xlabel="Adam step", ylabel="cross-entropy", title="Training loss")
fig.tight_layout()
plt.show()
assert accuracy > 0.95

# %% [markdown]
# ## Hinge loss versus cross-entropy on the digits
#
# A linear classifier (64 pixels → 10 scores) on the 8×8 digits, trained once with
# `nn.CrossEntropyLoss` and once with the hinge `nn.MultiMarginLoss`. Both reach similar test
# accuracy. The difference is in the **margins** $z_y - \max_{j \ne y} z_j$ on the training set:
# the hinge loss is exactly 0 — so contributes no gradient — for every example whose margin is at
# least 1, so it stops pushing there; cross-entropy keeps pushing every example further out.

# %%
digits = load_digits()
x_tr, x_te, y_tr, y_te = train_test_split(digits["x"], digits["y"], test_fraction=0.3, seed=0)
X_tr, X_te = ag.tensor(x_tr), ag.tensor(x_te)


def train_linear(loss_module, steps=200):
    ag.manual_seed(0)
    model = nn.Linear(64, 10)
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_module(model(X_tr), y_tr)
        loss.backward()
        opt.step()
    return model


def margins(scores, labels):
    rows = np.arange(len(labels))
    others = scores.copy()
    others[rows, labels] = -np.inf
    return scores[rows, labels] - others.max(1)


fig, ax = plt.subplots(figsize=(7, 4))
contenders = [("cross-entropy", nn.CrossEntropyLoss(), "C0"),
              ("hinge (MultiMarginLoss)", nn.MultiMarginLoss(), "C3")]
for name, loss_module, color in contenders:
    model = train_linear(loss_module)
    with ag.no_grad():
        scores_tr, scores_te = model(X_tr).numpy(), model(X_te).numpy()
        per_example = F.multi_margin_loss(model(X_tr), y_tr, reduction="none").numpy()
    accuracy = (scores_te.argmax(1) == y_te).mean()
    margin_tr = margins(scores_tr, y_tr)
    print(f"{name:24s} test accuracy {accuracy:.1%}; median training margin "
          f"{np.median(margin_tr):.2f}")
    ax.hist(margin_tr, bins=60, range=(-2, 12), alpha=0.6, color=color, label=name)
    assert accuracy > 0.93
    if name.startswith("hinge"):   # no loss, hence no gradient, once the margin reaches 1
        assert np.all(per_example[margin_tr >= 1] == 0)
ax.axvline(1, color="k", ls=":", lw=1, label="hinge margin 1")
ax.set(xlabel=r"training margin $z_y - \max_{j \neq y} z_j$", ylabel="number of examples",
       title="Margins after training a linear classifier on the digits")
ax.legend()
plt.show()

# %% [markdown]
# ## Contrastive loss: learning an embedding from pairs
#
# The contrastive loss (Hadsell, Chopra and LeCun, 2006) trains a network $g$ that maps each
# input to a point (an *embedding*), from pairs labelled "same class" ($y = 1$) or "different"
# ($y = 0$). With $d = \lVert g(x_1) - g(x_2) \rVert$, a pair costs
#
# $$y\, d^2 + (1 - y) \max(0, \text{margin} - d)^2 :$$
#
# similar pairs are pulled together, dissimilar ones pushed apart until they are at least the
# margin away — after that they cost nothing. First the loss as a function of $d$, from the
# library:

# %%
d = np.linspace(0, 3, 301)
at_distance = ag.tensor(d[:, None])
origin = ag.zeros(301, 1, dtype=ag.float64)
similar = F.contrastive_loss(at_distance, origin, np.ones(301), margin=2.0, reduction="none")
different = F.contrastive_loss(at_distance, origin, np.zeros(301), margin=2.0, reduction="none")
assert np.allclose(similar.numpy(), d**2) and np.allclose(different.numpy(),
                                                         np.maximum(0, 2 - d) ** 2)

fig, ax = plt.subplots(figsize=(6, 3.8))
ax.plot(d, similar.numpy(), lw=2, label="similar pair ($y = 1$): $d^2$")
ax.plot(d, different.numpy(), lw=2, label=r"dissimilar pair ($y = 0$): $\max(0, 2 - d)^2$")
ax.axvline(2, color="k", ls=":", lw=1, label="margin = 2")
ax.set(xlabel="distance $d$ between the two embeddings", ylabel="loss", ylim=(0, 5),
       title="Contrastive loss")
ax.legend()
plt.show()

# %% [markdown]
# Now a network $g$: 64 pixels → 64 ReLU units → 2 coordinates, trained on random pairs of
# training digits, half of them from the same class. It never sees a label directly, only "same"
# or "different" — yet the classes come out as clusters, and a new digit can be classified by its
# nearest training digit in the 2-D embedding.

# %%
rng = np.random.default_rng(0)
order = np.argsort(y_tr, kind="stable")
starts, counts = np.searchsorted(y_tr[order], np.arange(10)), np.bincount(y_tr, minlength=10)


def sample_pairs(n):
    """n random pairs of training digits; about half of them from the same class."""
    first = rng.integers(0, len(y_tr), n)
    second = rng.integers(0, len(y_tr), n)
    same = rng.random(n) < 0.5
    cls = y_tr[first[same]]
    second[same] = order[starts[cls] + (rng.random(same.sum()) * counts[cls]).astype(int)]
    return first, second, (y_tr[first] == y_tr[second]).astype(np.float32)


ag.manual_seed(0)
embed = nn.MLP([64, 64, 2], activation="relu")
with ag.no_grad():
    before = embed(X_te).numpy()
opt = optim.Adam(embed.parameters(), lr=0.01)
for _ in range(300):
    i, j, same = sample_pairs(256)
    opt.zero_grad()
    loss = F.contrastive_loss(embed(X_tr[i]), embed(X_tr[j]), same, margin=2.0)
    loss.backward()
    opt.step()
with ag.no_grad():
    after, train_points = embed(X_te).numpy(), embed(X_tr).numpy()
nearest = ((after[:, None, :] - train_points[None, :, :]) ** 2).sum(-1).argmin(1)
accuracy = (y_tr[nearest] == y_te).mean()

fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
for ax, points, title in [(axes[0], before, "Before training"),
                          (axes[1], after, f"After training: nearest-neighbour accuracy "
                                           f"{accuracy:.0%}")]:
    scatter = ax.scatter(*points.T, c=y_te, cmap="tab10", s=8, vmin=-0.5, vmax=9.5)
    ax.set(xlabel="embedding coordinate 1", ylabel="embedding coordinate 2", title=title)
fig.colorbar(scatter, ax=axes, ticks=range(10), label="digit")
fig.suptitle("Test digits in the 2-D embedding learned with the contrastive loss")
plt.show()
print(f"final contrastive loss {loss.item():.3f}; 1-nearest-neighbour accuracy in 2-D: "
      f"{accuracy:.1%}")
assert accuracy > 0.85

# %% [markdown]
# **Summary.** Logistic regression is one sigmoid neuron on the log loss, and the engine's
# gradient is the notes' $(\sigma(y\,\omega^\top x) - 1)\,y\,x$; softmax + cross-entropy generalizes
# it to many classes with gradient $p - \text{onehot}(y)$; the hinge loss stops caring once the
# margin reaches 1; the contrastive loss learns an embedding from pairs alone. The notebooks that
# follow turn to *how* to minimize these losses:
# [09 · optimization](09_optimization.ipynb).
