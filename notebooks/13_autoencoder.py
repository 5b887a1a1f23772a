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
# # 13 · Autoencoders: a narrow code, or a sparse one
#
# The notes (*Deep Learning*, autoencoder slides) define an autoencoder as "training a multilayer
# neural network to reconstruct the input from a dimension-reduced representation", with two
# strategies for the reduction: **few hidden neurons** and **sparse activations**.
#
# An encoder maps the input $x$ to a code $h = f(x)$, a decoder maps it back,
# $\hat x = g(h)$, and both are trained to make $\hat x$ close to $x$:
# $J = \frac1m \sum_i \lVert g(f(x^{(i)})) - x^{(i)} \rVert^2$ (here averaged over pixels too).
# Since the target is the input itself, no labels are needed. On the 8×8 digits:
#
# - a code of **2 units** that can be plotted, compared with PCA, the best *linear* 2-D code;
# - a **sparse overcomplete** code of 256 units (four times the input) kept sparse by an L1
#   penalty on the activations, $J + \lambda \frac1m \sum_i \lVert h^{(i)} \rVert_1$
#   (`nn.Autoencoder(..., l1_penalty=λ)`).

# %%
import matplotlib.pyplot as plt
import numpy as np

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
print(f"{len(x_train)} training and {len(x_test)} test images of 8x8 = 64 pixels in [0, 1]")


# %% [markdown]
# ## Few hidden units: a 2-D code
#
# `nn.Autoencoder([64, 128, 32, 2])` is an encoder MLP 64 → 128 → 32 → 2 with ReLU hidden
# layers and a linear code, and the mirrored decoder 2 → 32 → 128 → 64. `nn.fit` trains it on
# pairs (x, x) with the mean squared error; `extra_loss` adds the model's activity penalty
# (zero here, used further down).

# %%
def train_autoencoder(model, epochs, lr=3e-3):
    loader = nn.data.DataLoader(nn.data.TensorDataset(x_train, x_train), batch_size=64,
                                shuffle=True, seed=0)
    opt = optim.Adam(model.parameters(), lr=lr)
    return nn.fit(model, F.mse_loss, opt, loader, epochs=epochs,
                  extra_loss=lambda m: m.penalty(), verbose=False)


def test_mse(reconstruct):
    return float(np.mean((reconstruct(x_test) - x_test) ** 2))


def with_model(model):
    def reconstruct(data):
        with ag.no_grad():
            return model(ag.tensor(data)).numpy()
    return reconstruct


ag.manual_seed(0)
ae2 = nn.Autoencoder([64, 128, 32, 2])
history = train_autoencoder(ae2, epochs=60)
print(ae2)
print(f"training loss: epoch 1 {history['loss'][0]:.4f}, epoch 60 {history['loss'][-1]:.4f}")

# %% [markdown]
# Every digit becomes a point in the plane. Nobody told the network the classes, yet digits of
# the same class land close together, because they look alike.

# %%
with ag.no_grad():
    codes = ae2.encode(ag.tensor(digits["x"])).numpy()

fig, ax = plt.subplots(figsize=(8, 7))
sc = ax.scatter(codes[:, 0], codes[:, 1], c=digits["y"], cmap="tab10", s=6, alpha=0.7)
for k in range(10):
    cx, cy = np.median(codes[digits["y"] == k], axis=0)
    ax.text(cx, cy, str(k), fontsize=18, weight="bold", ha="center", va="center",
            bbox=dict(boxstyle="circle", fc="white", alpha=0.8))
ax.set(xlabel="code unit 1", ylabel="code unit 2",
       title="2-D codes of all 1797 digits, coloured by class (median of each class labelled)")
fig.colorbar(sc, ax=ax, ticks=range(10), label="digit")
plt.show()

# %% [markdown]
# How well do digits of a class cluster? A nearest-centroid classifier on the 2-D codes
# (centroids from the training codes, tested on the test codes) gets:

# %%
with ag.no_grad():
    train_codes = ae2.encode(ag.tensor(x_train)).numpy()
    test_codes = ae2.encode(ag.tensor(x_test)).numpy()
centroids = np.stack([train_codes[y_train == k].mean(0) for k in range(10)])
nearest = np.argmin(((test_codes[:, None] - centroids) ** 2).sum(-1), axis=1)
print(f"nearest class centroid in the 2-D code: {np.mean(nearest == y_test):.1%} test accuracy "
      "(chance: 10%)")
assert np.mean(nearest == y_test) > 0.5

# %% [markdown]
# ## Reconstructions, and the linear baseline
#
# PCA keeps the projection onto the top $k$ principal directions: the best reconstruction any
# *linear* encoder and decoder with a $k$-dimensional code can achieve. (A linear autoencoder
# trained with squared error learns that same subspace.) The non-linear autoencoder does better
# with the same code size. A second autoencoder with an 8-unit code for comparison:

# %%
ag.manual_seed(0)
ae8 = nn.Autoencoder([64, 128, 8])
train_autoencoder(ae8, epochs=40)

mean = x_train.mean(0)
_, _, Vt = np.linalg.svd(x_train - mean, full_matrices=False)


def pca(k):
    return lambda data: (data - mean) @ Vt[:k].T @ Vt[:k] + mean


errors = {"PCA, k = 2": test_mse(pca(2)), "autoencoder, code 2": test_mse(with_model(ae2)),
          "PCA, k = 8": test_mse(pca(8)), "autoencoder, code 8": test_mse(with_model(ae8))}
for name, err in errors.items():
    print(f"{name:20s} test MSE per pixel {err:.4f}")
assert errors["autoencoder, code 2"] < 0.8 * errors["PCA, k = 2"]
assert errors["autoencoder, code 8"] < 0.8 * errors["PCA, k = 8"]

# %%
pick = [int(np.flatnonzero(y_test == k)[0]) for k in range(10)]   # one test digit per class
rows = {"original": x_test[pick], "PCA, k = 2": pca(2)(x_test[pick]),
        "autoencoder, 2": with_model(ae2)(x_test[pick]), "PCA, k = 8": pca(8)(x_test[pick]),
        "autoencoder, 8": with_model(ae8)(x_test[pick])}
fig, axes = plt.subplots(len(rows), 10, figsize=(10, 5.5))
for r, (name, images) in enumerate(rows.items()):
    for c in range(10):
        axes[r, c].imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[r, c].set(xticks=[], yticks=[])
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center")
fig.suptitle("test digits and their reconstructions")
plt.show()

# %% [markdown]
# ## Sparse activations: an overcomplete code
#
# The second strategy: many code units, but few of them active for any one input. With 256 ReLU
# code units for 64 pixels the network could simply copy its input; the L1 penalty
# $\lambda \lVert h \rVert_1$ charges for every active unit, so it learns to describe each digit
# with a few of them. (`nn.Autoencoder([64, 256], code_activation="relu", l1_penalty=λ)`: a
# one-layer encoder and decoder; `model.penalty()` is the $\lambda \cdot$ mean $\lVert h \rVert_1$
# of the last forward pass, added to the loss by `extra_loss`.) The same model is trained with
# $\lambda = 0$ (dense) and $\lambda = 10^{-3}$ (sparse); the output activation is a sigmoid, to
# match the pixels' range [0, 1].

# %%
sparse_models = {}
for name, l1 in [("dense (lambda = 0)", 0.0), ("sparse (lambda = 1e-3)", 1e-3)]:
    ag.manual_seed(0)
    model = nn.Autoencoder([64, 256], code_activation="relu", output_activation="sigmoid",
                           l1_penalty=l1)
    train_autoencoder(model, epochs=40)
    sparse_models[name] = model

activity = {}
for name, model in sparse_models.items():
    with ag.no_grad():
        code = model.encode(ag.tensor(x_test)).numpy()
    activity[name] = code
    print(f"{name:24s} test MSE {test_mse(with_model(model)):.4f}; "
          f"{(code == 0).mean():.0%} of code values are exactly 0; "
          f"{(code > 0).sum(1).mean():.1f} of 256 units active per digit on average")

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(13, 4.2))
bins = np.linspace(0, max(c.max() for c in activity.values()), 60)
for (name, code), color in zip(activity.items(), ["C1", "C0"]):
    ax0.hist(code.ravel(), bins=bins, color=color, alpha=0.6, label=name)
    ax1.hist((code > 0).sum(1), bins=np.arange(0, 257, 4), color=color, alpha=0.6, label=name)
ax0.set(yscale="log", xlabel="code activation h_j", ylabel="count (log)",
        title="all code activations on the test digits")
ax1.set(xlabel="active units (h_j > 0) per digit", ylabel="digits",
        title="how many of the 256 units each digit uses")
ax0.legend()
ax1.legend()
plt.tight_layout()
plt.show()

dense, sparse = activity["dense (lambda = 0)"], activity["sparse (lambda = 1e-3)"]
assert (sparse == 0).mean() > 0.85 and (dense == 0).mean() < 0.3
assert (sparse > 0).sum(1).mean() < 40
assert test_mse(with_model(sparse_models["sparse (lambda = 1e-3)"])) < errors["PCA, k = 8"]

# %% [markdown]
# With the penalty, most of the 256 units are silent for any given digit, and the few active
# ones still reconstruct it better than an 8-component PCA. Each code unit $j$ adds its column
# $w_j$ of the decoder's weight matrix (times $h_j$) to the output before the sigmoid, so the
# sparse code describes a digit as a sum of a few learned patterns. The columns of the 24 most
# often used units: some look like whole digits (a 0, a 2), most are parts of strokes plus a
# correction of the background.

# %%
decoder = sparse_models["sparse (lambda = 1e-3)"].decoder[0]     # Linear(256, 64)
atoms = decoder.weight.detach().numpy()                          # (64, 256): one column a unit
usage = (sparse > 0).mean(0)
top = np.argsort(usage)[::-1][:24]
fig, axes = plt.subplots(3, 8, figsize=(10, 4))
for ax, j in zip(axes.ravel(), top):
    atom = atoms[:, j].reshape(8, 8)
    lim = np.abs(atom).max()
    ax.imshow(atom, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set(xticks=[], yticks=[], title=f"unit {j}: {usage[j]:.0%}")
    ax.title.set_fontsize(9)
fig.suptitle("decoder columns of the most used sparse code units (red: adds ink), "
             "with the fraction of digits that use each")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Summary.** An autoencoder learns a code without labels. With few hidden units the code is a
# compression: 2 numbers per digit already largely separate the classes (79 % nearest-centroid
# accuracy, without labels in training), and the non-linear autoencoder
# reconstructs better than PCA with the same number of components. With many units and an L1
# activity penalty the code is sparse: each digit is explained by about twenty active units out
# of 256.
