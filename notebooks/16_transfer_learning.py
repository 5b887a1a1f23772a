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
# # 16 · Transfer learning: feature extraction and fine-tuning
#
# The CS771 notes (*Using a pre-trained network*): "a deep NN already trained in some generic
# data can be useful for other tasks":
#
# - **feature extraction**: "use a pre-trained net, remove the output layer, and use the rest of
#   the network as a feature extractor for a related dataset";
# - **fine-tuning**: "use a pre-trained net, use its weights as initialization to train a deep net
#   for a new but related task (useful when we don't have much training data for the new task)".
#
# In code, feature extraction freezes the pre-trained layers (`requires_grad_(False)`: no
# gradients are computed for them, the optimizer never changes them) and trains a new output
# layer; fine-tuning trains everything, usually with a smaller learning rate for the pre-trained
# layers than for the new head, through optimizer **parameter groups**.
#
# The experiment: a network trained on classes 0–4 of MNIST-1D (notebook 17) is transferred to
# classes 5–9, of which only a few labelled examples are available, and compared with the same
# network trained from scratch on those few examples. A second experiment, on the 8×8 digits,
# shows that transfer does not always help.

# %%
import copy

import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)
plt.rcParams["figure.dpi"] = 72

# %% [markdown]
# ## Pre-training on MNIST-1D classes 0–4
#
# MNIST-1D turns ten 1-D digit templates into 40-sample signals with random shifts, scaling,
# shear and noise; a linear model on the raw signal gets about a third of them right (notebook
# 17). The network is the MNIST-1D paper's CNN: three 1-D convolutions (25 channels, stride 2)
# and a linear layer on the 125 features. Its trunk, everything but the last layer, is what gets
# transferred.

# %%
data = nn.datasets.load_mnist1d()
x_train, y_train, x_test, y_test = data["x"], data["y"], data["x_test"], data["y_test"]
source = y_train < 5
print(f"source task: {source.sum()} training signals of classes 0-4")


def make_trunk():
    return nn.Sequential(
        nn.Unflatten(1, (1, 40)),
        nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(),
    )


def accuracy(model, x, y):
    model.eval()
    with ag.no_grad():
        return float(np.mean(model(ag.tensor(x)).numpy().argmax(1) == y))


ag.manual_seed(0)
pretrained = nn.Sequential(make_trunk(), nn.Linear(125, 5))
loader = nn.data.DataLoader(nn.data.TensorDataset(x_train[source], y_train[source]),
                            batch_size=100, shuffle=True, seed=0)
nn.fit(pretrained, F.cross_entropy, optim.Adam(pretrained.parameters(), lr=1e-2), loader,
       epochs=25, verbose=False)
pretrained.zero_grad()     # drop the last batch's gradients, so that copies start clean
source_acc = accuracy(pretrained, x_test[y_test < 5], y_test[y_test < 5])
print(f"pre-trained network, test accuracy on classes 0-4: {source_acc:.1%}")
assert source_acc > 0.9

# %% [markdown]
# ## Three ways to learn classes 5–9 from a few examples
#
# `adapt` builds a network for the 5 new classes with a fresh output layer and trains it for 200
# full-batch Adam steps on the labelled examples:
#
# - **scratch**: a new, randomly initialized trunk, everything trained with lr $10^{-2}$;
# - **feature extraction**: a copy of the pre-trained trunk, frozen; only the head is trained
#   (lr $10^{-2}$);
# - **fine-tuning**: a copy of the pre-trained trunk, trained with lr $10^{-3}$, and the head with
#   lr $10^{-2}$: two parameter groups.

# %%
target_test = y_test >= 5


def adapt(mode, labelled, seed=0, steps=200):
    ag.manual_seed(seed)
    trunk = make_trunk() if mode == "scratch" else copy.deepcopy(pretrained[0])
    head = nn.Linear(125, 5)
    model = nn.Sequential(trunk, head)
    if mode == "scratch":
        opt = optim.Adam(model.parameters(), lr=1e-2)
    elif mode == "feature extraction":
        trunk.requires_grad_(False)
        opt = optim.Adam(head.parameters(), lr=1e-2)
    else:
        opt = optim.Adam([{"params": trunk.parameters(), "lr": 1e-3},
                          {"params": head.parameters()}], lr=1e-2)
    x, y = ag.tensor(x_train[labelled]), ag.tensor(y_train[labelled] - 5)
    model.train()
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, opt


def draw_labelled(per_class, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(y_train == c), per_class, replace=False)
                           for c in range(5, 10)])


# %% [markdown]
# Before the comparison, the mechanics. After feature extraction the trunk's weights are
# bit-for-bit the pre-trained ones and never received a gradient; after fine-tuning they have
# moved, a little, while the head (which started from random values) moved a lot. The optimizer
# shows its two groups and their learning rates.

# %%
labelled = draw_labelled(10, seed=0)
frozen, _ = adapt("feature extraction", labelled)
tuned, tuned_opt = adapt("fine-tuning", labelled)

before = dict(pretrained[0].named_parameters())
for name, p in frozen[0].named_parameters():
    assert not p.requires_grad and p.grad is None
    assert ag.equal(p, before[name])
print("feature extraction: all", len(before), "trunk tensors unchanged, no gradients")

print("fine-tuning optimizer groups:",
      [(len(g["params"]), g["lr"]) for g in tuned_opt.param_groups], "(tensors, lr)")
with ag.no_grad():
    moved = {name: ((p - before[name]).norm() / before[name].norm()).item()
             for name, p in tuned[0].named_parameters() if name.endswith("weight")}
print("fine-tuning, relative change of the trunk's weights:",
      ", ".join(f"{k} {v:.1%}" for k, v in moved.items()))
assert all(0 < v < 0.5 for v in moved.values())

# %% [markdown]
# ## The comparison
#
# With 5 and with 20 labelled signals per class (25 and 100 in all), three random draws each,
# accuracy on the 5 new classes of the test set (about 500 signals).

# %%
MODES = ["scratch", "feature extraction", "fine-tuning"]
results = {}
for per_class in (5, 20):
    for mode in MODES:
        results[per_class, mode] = [
            accuracy(adapt(mode, draw_labelled(per_class, seed), seed)[0],
                     x_test[target_test], y_test[target_test] - 5)
            for seed in range(3)]

fig, ax = plt.subplots(figsize=(8, 4.5))
for g, per_class in enumerate((5, 20)):
    for i, mode in enumerate(MODES):
        accs = results[per_class, mode]
        pos = g * 4 + i
        ax.bar(pos, np.mean(accs), color=f"C{i}", alpha=0.7, label=mode if g == 0 else None)
        ax.plot(np.full(3, pos), accs, "k.", ms=6)
        ax.text(pos, max(accs) + 0.02, f"{np.mean(accs):.0%}", ha="center")
ax.set(xticks=[1, 5], xticklabels=["5 labelled per class", "20 labelled per class"],
       ylabel="test accuracy, classes 5-9", ylim=(0, 0.85),
       title="MNIST-1D: transfer from classes 0-4 (chance: 20%)")
ax.legend(loc="upper left")
plt.show()

for (per_class, mode), accs in results.items():
    print(f"{per_class:2d} per class, {mode:18s}: {np.mean(accs):.1%}  "
          f"({', '.join(f'{a:.1%}' for a in accs)})")
mean = {key: np.mean(accs) for key, accs in results.items()}
for per_class in (5, 20):
    assert mean[per_class, "feature extraction"] > mean[per_class, "scratch"] + 0.1
    assert mean[per_class, "fine-tuning"] > mean[per_class, "scratch"] + 0.1
assert mean[5, "feature extraction"] > mean[5, "fine-tuning"]
assert mean[20, "fine-tuning"] > mean[20, "feature extraction"]

# %% [markdown]
# From scratch, a CNN learns little from 25 or 100 signals: it has to discover shift-tolerant
# detectors of the templates' bumps and slopes from a handful of examples. The pre-trained trunk
# brings such detectors, learned on other classes made by the same generative process, and both
# transfer methods gain well over ten points. Feature extraction is ahead with 5 examples per
# class (only the head's 630 weights are fitted); fine-tuning adapts the features too, which
# pays off with 20.
#
# ## When transfer does not help
#
# The same comparison on the 8×8 digits, with an MLP (64 → 128 → 64 → head) pre-trained on
# digits 0–4 and 5 labelled digits per class of 5–9: here training from scratch wins. Raw
# pixels already separate these digits well (a linear classifier on 25 images does fine), while
# the pre-trained features were shaped to tell 0–4 apart and have discarded some of what
# distinguishes a 5 from an 8.

# %%
digits = nn.datasets.load_digits()
dx_train, dx_test, dy_train, dy_test = nn.datasets.train_test_split(
    digits["x"], digits["y"], test_fraction=0.3, seed=0)


def mlp_trunk():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())


ag.manual_seed(0)
digit_net = nn.Sequential(mlp_trunk(), nn.Linear(64, 5))
source_loader = nn.data.DataLoader(
    nn.data.TensorDataset(dx_train[dy_train < 5], dy_train[dy_train < 5]), batch_size=64,
    shuffle=True, seed=0)
nn.fit(digit_net, F.cross_entropy, optim.Adam(digit_net.parameters(), lr=3e-3), source_loader,
       epochs=15, verbose=False)
print(f"digits 0-4, test accuracy: "
      f"{accuracy(digit_net, dx_test[dy_test < 5], dy_test[dy_test < 5]):.1%}")


def adapt_digits(mode, seed):
    rng = np.random.default_rng(seed)
    labelled = np.concatenate([rng.choice(np.flatnonzero(dy_train == c), 5, replace=False)
                               for c in range(5, 10)])
    ag.manual_seed(seed)
    trunk = mlp_trunk() if mode == "scratch" else copy.deepcopy(digit_net[0])
    model = nn.Sequential(trunk, nn.Linear(64, 5))
    if mode == "feature extraction":
        trunk.requires_grad_(False)
        opt = optim.Adam(model[1].parameters(), lr=1e-2)
    else:
        opt = optim.Adam(model.parameters(), lr=3e-3)
    x, y = ag.tensor(dx_train[labelled]), ag.tensor(dy_train[labelled] - 5)
    for _ in range(200):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return accuracy(model, dx_test[dy_test >= 5], dy_test[dy_test >= 5] - 5)


digit_results = {mode: np.mean([adapt_digits(mode, s) for s in range(5)])
                 for mode in ["scratch", "feature extraction"]}
for mode, acc in digit_results.items():
    print(f"digits 5-9 from 5 labelled per class, {mode}: {acc:.1%} (mean of 5 draws)")
assert digit_results["scratch"] > digit_results["feature extraction"]

# %% [markdown]
# **Summary.** Freezing pre-trained layers with `requires_grad_(False)` and training a new head is
# feature extraction; giving the pre-trained layers their own, smaller learning rate in an
# optimizer parameter group is fine-tuning. Both pay off when the new task is related to the
# old one and its labelled data are scarce, as for MNIST-1D's new classes; when the raw input is
# already a good representation, as for the 8×8 digits, a network trained from scratch can do
# better.
