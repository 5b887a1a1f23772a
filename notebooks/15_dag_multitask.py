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
# # 15 · Beyond a chain: a shared trunk, two heads, one backward pass
#
# The notes' recap of deep learning (*Lecture 3*) ends with "in fact, chain can easily be replaced
# with DAG", and the *Introduction to Neural Networks* slides say "any DAG is OK". Their example is
# **multitask learning**: one network body (the *trunk*) feeds two output layers (*heads*) for two
# related tasks; the typical use case is "limited labeled data for the main task, lots of labeled
# data for an auxiliary task".
#
# Backpropagation needs nothing new for this. Where the trunk's output $h$ is used twice, the
# gradients arriving from both uses are added (the chain rule for a variable with several
# consumers),
#
# $$\frac{\partial J}{\partial h}
#   = \frac{\partial J_1}{\partial h} + \frac{\partial J_2}{\partial h}
#   \qquad\text{for}\qquad J = J_1 + J_2,$$
#
# and from there on the trunk receives the sum. Here: an `nn.Module` with two outputs on the
# digits, its graph, the gradient bookkeeping checked number by number, and a small experiment
# where an auxiliary task helps the main one.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import SVG, display

import autograd_core as ag
import nn
import nn.functional as F
import optim

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)
plt.rcParams["figure.dpi"] = 72

digits = nn.datasets.load_digits()
x_train, x_test, y_train, y_test = nn.datasets.train_test_split(
    digits["x"], digits["y"], test_fraction=0.2, seed=0)


# %% [markdown]
# ## A module with two outputs
#
# The main task is the digit's class (10 classes); the auxiliary task is its parity, even or odd
# (2 classes). `forward` returns both heads' logits.

# %%
class TwoHeads(nn.Module):
    """A shared trunk with a digit-class head and a parity head."""

    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.digit_head = nn.Linear(32, 10)
        self.parity_head = nn.Linear(32, 2)

    def forward(self, x):
        h = self.trunk(x)
        return self.digit_head(h), self.parity_head(h)


def parity(y):
    return y % 2


model = TwoHeads()
print(model)

# %% [markdown]
# One forward pass on 16 digits, the two cross-entropies, their sum, and the graph of the sum.
# With `collapse=1` each module of the model is one box: the trunk's output feeds both heads, and
# the two losses meet again at the `add`.

# %%
xb, yb = ag.tensor(x_train[:16]), ag.tensor(y_train[:16])
digit_logits, parity_logits = model(xb)
loss_digit = F.cross_entropy(digit_logits, yb)
loss_parity = F.cross_entropy(parity_logits, ag.tensor(parity(y_train[:16])))
loss = loss_digit + loss_parity
print(f"J1 (digit) = {float(loss_digit):.4f}, J2 (parity) = {float(loss_parity):.4f}, "
      f"J = {float(loss):.4f}")
display(SVG(ag.viz.to_svg(loss, collapse=1, show_values=True)))


# %% [markdown]
# ## Gradients from both heads add up in the trunk
#
# Three backward passes from the same parameters: $J_1$ alone, $J_2$ alone, and $J = J_1 + J_2$.
# For every trunk parameter the gradient of $J$ is the sum of the other two; each head's
# parameters only get the gradient of their own loss. `retain_grad()` on the trunk's output $h$
# shows the sum at the branching point itself.

# %%
def gradients(which):
    """Gradients of every parameter, and of the trunk's output h, for one choice of loss."""
    model.zero_grad()
    h = model.trunk(xb)
    h.retain_grad()
    j1 = F.cross_entropy(model.digit_head(h), yb)
    j2 = F.cross_entropy(model.parity_head(h), ag.tensor(parity(y_train[:16])))
    {"J1": j1, "J2": j2, "J1 + J2": j1 + j2}[which].backward()
    grads = {name: (p.grad.numpy().copy() if p.grad is not None else np.zeros(p.shape))
             for name, p in model.named_parameters()}
    return grads, h.grad.numpy().copy()


(g1, h1), (g2, h2), (g12, h12) = gradients("J1"), gradients("J2"), gradients("J1 + J2")
print(f"{'parameter':20s} {'|dJ1|':>8s} {'|dJ2|':>8s} {'|dJ|':>8s}  dJ == dJ1 + dJ2")
for name in g12:
    ok = np.allclose(g12[name], g1[name] + g2[name], atol=1e-7)
    print(f"{name:20s} {np.linalg.norm(g1[name]):8.4f} {np.linalg.norm(g2[name]):8.4f} "
          f"{np.linalg.norm(g12[name]):8.4f}  {ok}")
    assert ok
print("\ndJ/dh for the first digit, first 6 units:")
print("  from J1:     ", h1[0, :6], "\n  from J2:     ", h2[0, :6], "\n  from J1 + J2:", h12[0, :6])
assert np.allclose(h12, h1 + h2, atol=1e-7)
assert np.all(g2["digit_head.weight"] == 0) and np.all(g1["parity_head.weight"] == 0)


# %% [markdown]
# A variable used twice receives the sum of its gradients: that is all backpropagation through a
# DAG requires, and it is what the engine does when two consumers of a node send gradients back
# to it. The same holds for weight sharing: the trunk called on two different batches in one
# graph (as in the training loop below) sums the gradients of both calls.
#
# ## When the auxiliary task helps
#
# The notes' use case: few labels for the main task, many for an auxiliary one. Suppose only
# **3 labelled digits per class** (30 in all) have their class, but all 1437 training digits have
# their parity. Two ways to train the same network:
#
# - **single task**: the digit head on the 30 labelled digits only;
# - **multitask**: $J = J_\text{digit}(\text{30 labelled}) + J_\text{parity}(\text{128 random
#   digits per step})$, one backward pass through both branches.
#
# 300 Adam steps each (lr $3\cdot10^{-3}$), repeated for 10 random draws of the 30 labelled
# digits, digit-class accuracy on the 360 test digits.

# %%
def train(labelled, multitask, seed, steps=300):
    ag.manual_seed(seed)
    net = TwoHeads()
    opt = optim.Adam(net.parameters(), lr=3e-3)
    rng = np.random.default_rng(seed)
    x_lab, y_lab = ag.tensor(x_train[labelled]), ag.tensor(y_train[labelled])
    for _ in range(steps):
        loss = F.cross_entropy(net(x_lab)[0], y_lab)
        if multitask:
            idx = rng.choice(len(x_train), 128, replace=False)
            aux = net(ag.tensor(x_train[idx]))[1]
            loss = loss + F.cross_entropy(aux, ag.tensor(parity(y_train[idx])))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with ag.no_grad():
        digit_out, parity_out = net(ag.tensor(x_test))
    return (float(np.mean(digit_out.numpy().argmax(1) == y_test)),
            float(np.mean(parity_out.numpy().argmax(1) == parity(y_test))))


results = {"single task": [], "multitask": []}
parity_acc = []
DRAWS = 10
for draw in range(DRAWS):
    rng = np.random.default_rng(draw)
    labelled = np.concatenate([rng.choice(np.flatnonzero(y_train == k), 3, replace=False)
                               for k in range(10)])
    results["single task"].append(train(labelled, False, draw)[0])
    digit_acc, aux_acc = train(labelled, True, draw)
    results["multitask"].append(digit_acc)
    parity_acc.append(aux_acc)

fig, ax = plt.subplots(figsize=(7, 4))
for i, (name, accs) in enumerate(results.items()):
    ax.bar(i, np.mean(accs), color=f"C{i}", alpha=0.6, label=f"{name}: mean {np.mean(accs):.1%}")
    ax.plot(np.full(DRAWS, i), accs, "ko", ms=4)
for draw in range(DRAWS):
    ax.plot([0, 1], [results["single task"][draw], results["multitask"][draw]], "k-", lw=0.5)
ax.set(xticks=[0, 1], xticklabels=list(results), ylim=(0.6, 0.9), ylabel="test accuracy (digit)",
       title="30 class labels; parity labels for all 1437 training digits")
ax.legend(loc="lower right")
plt.show()
for name, accs in results.items():
    print(f"{name:12s}", " ".join(f"{a:.1%}" for a in accs), f"  mean {np.mean(accs):.1%}")
print(f"the parity head of the multitask nets: {np.mean(parity_acc):.1%} test accuracy")
gain = np.array(results["multitask"]) - np.array(results["single task"])
print(f"multitask better in {np.sum(gain > 0)} of {DRAWS} draws, by {gain.mean():+.1%} on average")
assert gain.mean() > 0.01 and np.sum(gain > 0) >= 7

# %% [markdown]
# The parity labels carry information about which digits belong together, and through the shared
# trunk they shape the features the digit head uses: with the same 30 class labels, multitask
# training is more accurate on average and in most draws, though not in every one (the lines
# pair the two runs of each draw).
#
# **Summary.** A network can be any DAG of modules: an `nn.Module` may return several outputs, the
# losses are added, and a single `backward()` sends each loss's gradient down its own branch and
# adds them where the branches meet.
