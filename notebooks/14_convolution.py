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
# # 14 · Convolution, filters, max-pooling, and a small CNN
#
# The CS771 notes (*Conv nets basics*) slide a small **filter** over an image: each output pixel
# is the sum of the products of the filter with the image patch under it. Different filters pick
# out different things; the notes' table lists the **identity**, three **edge detection**
# kernels, **sharpen**, and **box** and **Gaussian blur**. *Lecture 3* adds the
# **max-pooling** layer, and with both a **convolutional network**: learned filters, a
# non-linearity, pooling, and a classifier on top.
#
# Here `ag.conv2d` (PyTorch's layout: batch, channels, height, width) applies the notes' kernels
# to a real photograph, `nn.MaxPool2d` pools the feature maps, and a small CNN built from
# `nn.Conv2d`, `nn.MaxPool2d` and `nn.Linear` learns to read the 8×8 digits. (The notes'
# source for the filters: <https://ujjwalkarn.me/2016/08/11/intuitive-explanation-convnets/>.)

# %%
import matplotlib.cbook as cbook
import matplotlib.image as mpimg
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
# ## The notes' worked example
#
# A 5×5 binary image and the 3×3 filter $\begin{bmatrix}1&0&1\\0&1&0\\1&0&1\end{bmatrix}$. The
# top-left output is the notes' "convolved feature" 4: the filter over the top-left 3×3 patch
# picks the four ones on its diagonals. Computed by `ag.conv2d` and by an explicit loop.

# %%
image = np.array([[1, 1, 1, 0, 0],
                  [0, 1, 1, 1, 0],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 0],
                  [0, 1, 1, 0, 0]], dtype=np.float32)
kernel = np.array([[1, 0, 1],
                   [0, 1, 0],
                   [1, 0, 1]], dtype=np.float32)

out = ag.conv2d(ag.tensor(image[None, None]), ag.tensor(kernel[None, None])).numpy()[0, 0]
loop = np.array([[np.sum(image[i:i + 3, j:j + 3] * kernel) for j in range(3)] for i in range(3)])
print("ag.conv2d:\n", out, "\nloop:\n", loop)
assert out[0, 0] == 4 and np.array_equal(out, loop)

# %% [markdown]
# Like every deep-learning library, `conv2d` computes this sliding dot product without flipping
# the kernel (mathematicians call it cross-correlation; convolution proper flips the kernel
# first). For the notes' kernels below the difference does not matter: each is unchanged by a
# 180° rotation.
#
# ## The notes' filters on a photograph
#
# Grace Hopper's portrait, which ships with matplotlib, in grey levels and averaged over 4×4
# blocks of pixels down to 150×128.

# %%
with cbook.get_sample_data("grace_hopper.jpg") as f:
    rgb = mpimg.imread(f).astype(np.float32) / 255
grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
photo = grey.reshape(150, 4, 128, 4).mean(axis=(1, 3))
print("photo:", photo.shape, f"values in [{photo.min():.2f}, {photo.max():.2f}]")

FILTERS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edges (diagonal)": [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
    "edges (Laplacian)": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "edges (8-neighbour)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "box blur": np.ones((3, 3)) / 9,
    "Gaussian blur": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
}
bank = np.array([np.asarray(k, dtype=np.float32) for k in FILTERS.values()])[:, None]
for name, k in zip(FILTERS, bank[:, 0]):
    assert np.array_equal(k, k[::-1, ::-1]), name      # symmetric under a 180-degree rotation
print("filter bank, shape (out channels, in channels, 3, 3):", bank.shape)

# %% [markdown]
# All seven filters at once: one `conv2d` with 7 output channels, padding 1 so that the maps keep
# the photo's size. Each panel shows its kernel in the corner; edge maps are drawn red for
# positive and blue for negative responses.

# %%
maps = ag.conv2d(ag.tensor(photo[None, None]), ag.tensor(bank), padding=1).numpy()[0]
print("feature maps:", maps.shape)

SCALE = {"box blur": 9, "Gaussian blur": 16}    # show these kernels as integers / scale


def show_kernel(ax, name, k):
    """The kernel's numbers in a small inset in the corner of the panel."""
    inset = ax.inset_axes([0.0, 0.0, 0.3, 0.3])
    k = k * SCALE.get(name, 1)
    inset.imshow(np.sign(k), cmap="RdBu_r", vmin=-3, vmax=3)
    for (r, c), v in np.ndenumerate(k):
        inset.text(c, r, f"{v:g}", ha="center", va="center", fontsize=8)
    inset.set(xticks=[], yticks=[])


fig, axes = plt.subplots(2, 4, figsize=(10, 6.2))
for ax, name, fmap, k in zip(axes.ravel(), FILTERS, maps, bank[:, 0]):
    if name.startswith("edges"):
        lim = np.percentile(np.abs(fmap), 99)
        ax.imshow(fmap, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    else:
        ax.imshow(fmap, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    scale = f" (kernel / {SCALE[name]})" if name in SCALE else ""
    ax.set(title=name + scale, xticks=[], yticks=[])
    show_kernel(ax, name, k)
axes[1, 3].axis("off")
plt.tight_layout()
plt.show()


# %% [markdown]
# What the pictures show, in numbers. The identity returns the photo. The edge kernels sum to
# zero, so they give zero on flat regions and respond only where the brightness changes. Blurs
# average neighbours and reduce the total variation $\sum |\Delta|$ between adjacent pixels;
# sharpening increases it. And convolution is linear in the kernel: the sharpen kernel is the
# identity minus the Laplacian, and so are the maps.

# %%
def total_variation(img):
    inner = img[1:-1, 1:-1]          # ignore the border, where padding adds zeros
    return np.abs(np.diff(inner, axis=0)).sum() + np.abs(np.diff(inner, axis=1)).sum()


named = dict(zip(FILTERS, maps))
for name, fmap in named.items():
    print(f"{name:20s} total variation {total_variation(fmap):8.1f}")
flat = ag.conv2d(ag.ones((1, 1, 10, 10)), ag.tensor(bank)).numpy()[0]
print("on a constant image, each map's largest |value|:", np.abs(flat).max(axis=(1, 2)))

assert np.allclose(named["identity"], photo)
assert np.allclose(flat[1:4], 0)                               # the three edge kernels
assert total_variation(named["box blur"]) < total_variation(photo)
assert total_variation(named["Gaussian blur"]) < total_variation(photo)
assert total_variation(named["sharpen"]) > total_variation(photo)
assert np.allclose(named["sharpen"], named["identity"] - named["edges (Laplacian)"], atol=1e-5)

# %% [markdown]
# ## Filters can be learned
#
# A convolutional layer's kernels are parameters like any other: `conv2d` is differentiable with
# respect to its weight. Given only an image and its Gaussian-blurred version, gradient descent on
# a 3×3 kernel started from zeros recovers the blur kernel. The image is random noise: on the
# photo, neighbouring pixels are so alike that the nine weights are nearly interchangeable, a
# badly conditioned problem on which gradient descent crawls (notebook 09's elongated bowl).

# %%
noise = ag.tensor(np.random.default_rng(0).random((1, 1, 64, 64), dtype=np.float32))
gaussian = ag.tensor(bank[6:7])
target = ag.conv2d(noise, gaussian, padding=1)
learned = ag.zeros((1, 1, 3, 3), requires_grad=True)
opt = optim.Adam([learned], lr=0.01)
for _ in range(300):
    loss = F.mse_loss(ag.conv2d(noise, learned, padding=1), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"loss after 300 Adam steps: {float(loss):.2e}")
print("learned kernel x 16:\n", learned.detach().numpy()[0, 0] * 16)
assert np.allclose(learned.detach().numpy(), gaussian.numpy(), atol=1e-3)

# %% [markdown]
# ## Max-pooling
#
# A max-pooling layer keeps the largest value in each window: `nn.MaxPool2d(2)` halves the height
# and width, keeping the strongest response of each 2×2 block. In a CNN it follows the
# non-linearity; here the ReLU of the diagonal-edge map (its positive responses) is pooled twice,
# from 150×128 to 75×64 to 37×32 (a last odd row is dropped).

# %%
edges = ag.relu(ag.tensor(maps[None, 1:2]))
pool = nn.MaxPool2d(2)
pooled = pool(edges)
pooled_twice = pool(pooled)
print("shapes:", edges.shape, "->", pooled.shape, "->", pooled_twice.shape)
by_hand = edges.numpy()[0, 0].reshape(75, 2, 64, 2).max(axis=(1, 3))
assert np.array_equal(pooled.numpy()[0, 0], by_hand)

fig, axes = plt.subplots(1, 3, figsize=(10, 4.2))
for ax, img, title in zip(axes, [edges, pooled, pooled_twice],
                          ["ReLU(diagonal edges)", "after MaxPool2d(2)", "after two"]):
    a = img.numpy()[0, 0]
    ax.imshow(a, cmap="magma", vmin=0, vmax=np.percentile(edges.numpy(), 99.5),
              interpolation="nearest")
    ax.set(title=f"{title}: {a.shape[0]}x{a.shape[1]}", xticks=[], yticks=[])
plt.tight_layout()
plt.show()

# %% [markdown]
# Pooling keeps *whether* a feature is present in a region and forgets exactly where: shifting
# the input by one pixel changes practically every response of the edge map but leaves a good
# part of the pooled responses as they were: the small translation invariance that CNNs build up
# layer by layer. Among the positions with a response, the share that a one-pixel shift to the
# right leaves unchanged:

# %%
shifted = ag.tensor(np.roll(edges.numpy(), 1, axis=3))
active = edges.numpy() > 0
active_pooled = pooled.numpy() > 0
unchanged = np.isclose(shifted.numpy(), edges.numpy())[active].mean()
unchanged_pooled = np.isclose(pool(shifted).numpy(), pooled.numpy())[active_pooled].mean()
print(f"edge map: {unchanged:.0%} unchanged; after max-pooling: {unchanged_pooled:.0%} unchanged")
assert unchanged < 0.05 and unchanged_pooled > 0.2

# %% [markdown]
# ## A small CNN on the 8×8 digits
#
# Two convolution + ReLU + max-pooling stages (16 and 32 filters of 3×3, padding 1, so
# 8×8 → 4×4 → 2×2) and a linear classifier on the 32×2×2 = 128 features, trained with Adam
# (lr 3·10⁻³, batches of 64) for 15 epochs on 1437 digits and tested on the other 360.

# %%
digits = nn.datasets.load_digits()
x_train, x_test, y_train, y_test = nn.datasets.train_test_split(
    digits["images"][:, None], digits["y"], test_fraction=0.2, seed=0)

ag.manual_seed(0)
cnn = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
)
print(cnn)
print("parameters:", sum(p.numel() for p in cnn.parameters()))

train_loader = nn.data.DataLoader(nn.data.TensorDataset(x_train, y_train), batch_size=64,
                                  shuffle=True, seed=0)
test_loader = nn.data.DataLoader(nn.data.TensorDataset(x_test, y_test), batch_size=360)
history = nn.fit(cnn, F.cross_entropy, optim.Adam(cnn.parameters(), lr=3e-3), train_loader,
                 epochs=15, val_loader=test_loader, metrics={"accuracy": nn.training.accuracy},
                 verbose=False)

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(np.arange(1, 16), history["accuracy"], "o-", label="training")
ax.plot(np.arange(1, 16), history["val_accuracy"], "o-", label="test")
ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0.5, 1.0), title="CNN on the 8x8 digits")
ax.legend()
plt.show()
print(f"test accuracy after 15 epochs: {history['val_accuracy'][-1]:.1%}")
assert history["val_accuracy"][-1] > 0.95

# %% [markdown]
# The 16 learned first-layer filters, and what they make of one test digit: each feature map is
# the digit seen through one filter (after the ReLU), many of them edge detectors of one
# orientation or another, learned from the data rather than written down.

# %%
cnn.eval()
digit = ag.tensor(x_test[:1])
with ag.no_grad():
    first_maps = cnn[1](cnn[0](digit)).numpy()[0]
filters = cnn[0].weight.detach().numpy()[:, 0]

fig, axes = plt.subplots(2, 17, figsize=(15, 2.2))
axes[1, 0].imshow(x_test[0, 0], cmap="gray_r")
axes[1, 0].set_title(f"digit {y_test[0]}", fontsize=9)
for j in range(16):
    lim = np.abs(filters[j]).max()
    axes[0, j + 1].imshow(filters[j], cmap="RdBu_r", vmin=-lim, vmax=lim)
    axes[1, j + 1].imshow(first_maps[j], cmap="magma")
for ax in axes.ravel():
    ax.set(xticks=[], yticks=[])
    if not ax.images:
        ax.axis("off")
axes[0, 1].set_title("filters (top) and their ReLU feature maps (bottom)", loc="left", fontsize=9)
plt.show()

# %% [markdown]
# **Summary.** A convolution slides one small kernel over the whole image, so the same few
# weights detect the same pattern everywhere: the notes' hand-made kernels copy, find edges,
# sharpen or blur a photograph, and gradient descent can learn such a kernel from examples.
# Max-pooling keeps the strongest response per window and shrinks the maps. A CNN with two such
# stages and about 6,000 parameters reads the 8×8 digits with over 95 % test accuracy.
