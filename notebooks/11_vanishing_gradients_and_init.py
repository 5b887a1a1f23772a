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
# # 11 · Local minima, saddle points, vanishing gradients, and initialization
#
# The notes name the three obstacles of training (*Unit II: Optimization challenges in deep
# learning*): **local minima**, **saddle points** ("a low part of a ridge between two higher
# points"), and **vanishing gradients**: "when there are more layers in the network, the value of
# the product of derivatives decreases until the partial derivative of the loss approaches zero".
# Their remedy, "good initialization of the parameters", is the subject of *Lecture 3:
# Initialization schemes*: Xavier/Glorot, He, and orthonormal initialization with LSUV (Mishkin and
# Matas, *All you need is a good init*).
#
# This notebook shows each on real numbers: the gradient of every layer of a 10-layer network on
# the digits, for sigmoid and ReLU units under several initializations, and the computation graph
# coloured by gradient size, where the vanishing layers stand out. References, as in the notes'
# bibliography: Glorot and Bengio, AISTATS 2010; He et al., <https://arxiv.org/abs/1502.01852>;
# Mishkin and Matas, <https://arxiv.org/abs/1511.06422>.

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


# %% [markdown]
# ## Local minima
#
# $f(w) = w^4 - 3w^2 + w$ has two valleys. Gradient descent goes downhill from where it starts,
# so the starting point decides which minimum it finds; from the right it stops in the worse one.

# %%
def f(w):
    return w**4 - 3 * w**2 + w


def minimize(fn, start, lr, steps):
    """Gradient descent with optim.SGD; returns the path of the parameter."""
    w = ag.tensor(np.array(start, dtype=float), requires_grad=True)
    opt = optim.SGD([w], lr=lr)
    path = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        fn(w).backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


grid = np.linspace(-2.1, 2.1, 300)
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(grid, f(grid), "k", lw=1)
ends = {}
for start, color in [(-2.0, "C0"), (-0.2, "C0"), (0.3, "C3"), (2.0, "C3")]:
    path = minimize(f, start, lr=0.01, steps=300)
    ends[start] = path[-1]
    ax.plot(path, f(path), ".", color=color, ms=3)
    ax.plot(start, f(start), "o", color=color, mfc="none", ms=8)
    ax.plot(path[-1], f(path[-1]), "o", color=color, ms=8)
ax.set(xlabel="w", ylabel="f(w)", title=r"$f(w) = w^4 - 3w^2 + w$: where gradient descent stops")
plt.show()
for start, end in ends.items():
    print(f"start {start:+.1f} -> w = {end:+.4f}, f(w) = {f(end):+.4f}")
assert f(ends[2.0]) > f(ends[-2.0]) + 1                  # a local, not the global, minimum
assert np.isclose(ends[-2.0], ends[-0.2]) and np.isclose(ends[2.0], ends[0.3])


# %% [markdown]
# ## Saddle points
#
# $f(\theta) = \theta_1^2 - \theta_2^2$ has zero gradient at the origin, which is neither a minimum
# nor a maximum: its Hessian (computed here by the engine, `ag.hessian`) has one positive and one
# negative eigenvalue. Gradient descent started exactly on the $\theta_1$ axis never sees the
# descending direction and converges *to* the saddle. Started $10^{-4}$ off the axis, it slows
# down near the saddle, where the gradient is tiny, for as long as it takes the small offset
# to grow (by a factor $1 + 2\eta$ per step), and then escapes: the notes' "saddle points, unlike
# local minima, are easily escapable", but they cost time.

# %%
def saddle(t):
    return t[0] ** 2 - t[1] ** 2


H = ag.hessian(saddle)(ag.tensor(np.zeros(2)))
print("Hessian at the origin:\n", H.numpy(), "\neigenvalues:", np.linalg.eigvalsh(H.numpy()))

on_axis = minimize(saddle, [1.0, 0.0], lr=0.1, steps=60)
off_axis = minimize(saddle, [1.0, 1e-4], lr=0.1, steps=60)
grad_norm = lambda p: np.hypot(2 * p[:, 0], 2 * p[:, 1])

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.2))
T1, T2 = np.meshgrid(np.linspace(-1.2, 1.2, 200), np.linspace(-1.2, 1.2, 200))
ax0.contourf(T1, T2, T1**2 - T2**2, levels=15, cmap="RdBu_r", alpha=0.7)
ax0.plot(*on_axis.T, ".-", color="k", ms=4, label=r"start $(1, 0)$")
ax0.plot(*off_axis.T, ".-", color="C2", ms=4, label=r"start $(1, 10^{-4})$")
ax0.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), xlabel=r"$\theta_1$", ylabel=r"$\theta_2$",
        title=r"$f = \theta_1^2 - \theta_2^2$, 60 steps, $\eta = 0.1$")
ax0.legend(loc="upper left")
ax1.semilogy(grad_norm(on_axis), "k", label=r"start $(1, 0)$")
ax1.semilogy(grad_norm(off_axis), "C2", label=r"start $(1, 10^{-4})$")
ax1.set(xlabel="step", ylabel=r"$\|\nabla f\|$", title="gradient size along the path")
ax1.legend()
plt.tight_layout()
plt.show()
assert np.linalg.eigvalsh(H.numpy()).tolist() == [-2.0, 2.0]
assert np.linalg.norm(on_axis[-1]) < 1e-5            # stuck at the saddle
assert abs(off_axis[-1, 1]) > 1                      # escaped along theta_2

# %% [markdown]
# ## Vanishing gradients in a deep sigmoid network
#
# Backpropagation's delta equations (the notes' *backprop algorithm*),
#
# $$\delta^{(L)} = \frac{\partial J}{\partial a^{(L)}} \odot f'(z^{(L)}), \qquad
#   \delta^{(l)} = \left((W^{(l+1)})^\top \delta^{(l+1)}\right) \odot f'(z^{(l)}), \qquad
#   \frac{\partial J}{\partial W^{(l)}} = \delta^{(l)} (a^{(l-1)})^\top,$$
#
# multiply by one $f'(z)$ per layer on the way down. The sigmoid's derivative
# $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ is at most $1/4$, so unless the weights are large the
# error signal shrinks by a constant factor per layer: exponentially in depth. ReLU's derivative
# is 1 wherever the unit is active.
#
# The experiment: a 10-layer MLP (64 → 64 × 9 → 10) on a batch of 256 digits, one backward pass
# of the cross-entropy, and the Frobenius norm $\|\partial J / \partial W^{(l)}\|$ of every layer's
# weight gradient. The initializations (`nn.init`; all biases zero):
#
# - **default**: PyTorch's `Linear` default, $U(\pm 1/\sqrt{n_\text{in}})$, variance
#   $1/(3 n_\text{in})$;
# - **Xavier** (Glorot and Bengio): $U\left(\pm\sqrt{6/(n_\text{in} + n_\text{out})}\right)$,
#   variance $2/(n_\text{in} + n_\text{out})$, which keeps the variance of a linear (or tanh,
#   sigmoid near 0) layer's output equal to its input's;
# - **He** (He et al.): $\mathcal N(0, 2/n_\text{in})$, which compensates for ReLU zeroing half its
#   inputs;
# - **LSUV**: orthonormal weights, then each layer rescaled in turn until its output has unit
#   variance on a data batch.

# %%
digits = nn.datasets.load_digits()
x_all, y_all = digits["x"], digits["y"]
batch_x, batch_y = ag.tensor(x_all[:256]), ag.tensor(y_all[:256])
SIZES = [64] + [64] * 9 + [10]


def linears(model):
    return [m for m in model if isinstance(m, nn.Linear)]


def make(activation, init, seed=0):
    """A 10-layer MLP with the given activation and initialization."""
    ag.manual_seed(seed)
    model = nn.MLP(SIZES, activation=activation)
    for layer in linears(model):
        nn.init.zeros_(layer.bias)
        if init == "xavier":
            nn.init.xavier_uniform_(layer.weight)
        elif init == "he":
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    if init == "lsuv":
        nn.init.lsuv_(model, batch_x)
    return model


def layer_gradients(model):
    model.zero_grad()
    F.cross_entropy(model(batch_x), batch_y).backward()
    return np.array([np.linalg.norm(layer.weight.grad.numpy()) for layer in linears(model)])


CONFIGS = [("sigmoid", "default"), ("sigmoid", "xavier"), ("sigmoid", "lsuv"),
           ("relu", "default"), ("relu", "xavier"), ("relu", "he"), ("relu", "lsuv")]
STYLE = {cfg: dict(color=f"C{i}", ls="--" if cfg[0] == "sigmoid" else "-")
         for i, cfg in enumerate(CONFIGS)}
norms = {cfg: layer_gradients(make(*cfg)) for cfg in CONFIGS}

fig, ax = plt.subplots(figsize=(9, 5))
layers = np.arange(1, len(SIZES))
for (act, init), g in norms.items():
    ax.semilogy(layers, g, marker="o", label=f"{act}, {init}", **STYLE[act, init])
ax.set(xlabel="layer l (1 = next to the input)",
       ylabel=r"$\|\partial J / \partial W^{(l)}\|$",
       title="gradient size per layer, 10-layer MLP, one batch of 256 digits", xticks=layers)
ax.legend(ncol=2)
plt.show()

print(f"{'':18s} {'layer 1':>9s} {'layer 10':>9s} {'ratio':>9s}")
for (act, init), g in norms.items():
    print(f"{act + ', ' + init:18s} {g[0]:9.2e} {g[-1]:9.2e} {g[0] / g[-1]:9.1e}")

# %% [markdown]
# The sigmoid network's gradient falls by roughly a factor of 4 to 10 per layer: with the default
# initialization the first layer's gradient is about $10^{-7}$ times the last one's, so with any
# learning rate that suits the top layers the bottom layers do not move. Xavier and LSUV help the
# sigmoid net but cannot remove the $\sigma' \le 1/4$ factor. With ReLU, He and LSUV
# initialization keep every layer's gradient within a factor of a few of the others. ReLU with the
# default initialization fails differently: its gradients are alike across layers but all tiny
# (about $10^{-4}$), because the signal already died out in the forward pass (below).

# %%
ratio = {cfg: g[0] / g[-1] for cfg, g in norms.items()}
assert ratio[("sigmoid", "default")] < 1e-6
assert ratio[("sigmoid", "xavier")] < 1e-4
for cfg in [("relu", "he"), ("relu", "lsuv")]:
    assert 0.2 < ratio[cfg] < 5, cfg
    assert norms[cfg].min() > 0.1, cfg
assert norms[("relu", "default")].max() < 1e-3


# %% [markdown]
# ## The graph, coloured by gradient size
#
# `ag.viz.to_svg(loss, color_by="grad", collapse=1)` (or `draw_graph` with the same arguments,
# for a `graphviz.Digraph`) draws the graph of the loss with each
# module one level inside the model as one box, filled by the root-mean-square of its parameters'
# gradients on a log scale (dark: small, yellow: large); below $10^{-7}$ the box gets a dashed blue
# border and the word VANISHING. To get one box per layer, the MLP's modules are regrouped into
# (Linear, activation) pairs, the same module objects and weights; `backward(retain_graph=True)`
# keeps the graph for drawing. First the sigmoid network with the default initialization:

# %%
def per_layer(model):
    """The model's own modules regrouped so that each (Linear, activation) pair is one block."""
    mods = list(model)
    pairs = [nn.Sequential(mods[i], mods[i + 1]) for i in range(0, len(mods) - 1, 2)]
    return nn.Sequential(*pairs, mods[-1])


def graph_of(model):
    layered = per_layer(model)
    layered.zero_grad()
    loss = F.cross_entropy(layered(batch_x), batch_y)
    loss.backward(retain_graph=True)
    return SVG(ag.viz.to_svg(loss, color_by="grad", collapse=1))


display(graph_of(make("sigmoid", "default")))

# %% [markdown]
# and the ReLU network with He initialization, where every layer gets a gradient of the same
# order:

# %%
display(graph_of(make("relu", "he")))


# %% [markdown]
# ## Why the initialization matters: the forward pass
#
# The same factors act on the forward pass. The standard deviation of each layer's activations
# $a^{(l)}$ for the ReLU network: with the default initialization (variance $1/(3n)$, a sixth of
# what ReLU needs) they shrink by about $\sqrt 6$ per layer, with Xavier by about $\sqrt 2$ (it
# ignores the half of the units that ReLU switches off), with He and LSUV they stay of order one.

# %%
def activation_stds(model):
    stds, h = [], batch_x
    with ag.no_grad():
        for module in model:
            h = module(h)
            if isinstance(module, nn.ReLU):
                stds.append(float(h.numpy().std()))
    return np.array(stds)


fig, ax = plt.subplots(figsize=(8, 4))
stds = {}
for init in ["default", "xavier", "he", "lsuv"]:
    stds[init] = activation_stds(make("relu", init))
    ax.semilogy(np.arange(1, 10), stds[init], marker="o", label=f"relu, {init}",
                **STYLE["relu", init])
ax.set(xlabel="hidden layer l", ylabel=r"std of $a^{(l)}$", xticks=np.arange(1, 10),
       title="size of the activations, 10-layer ReLU MLP")
ax.legend()
plt.show()
shrink = {k: (v[-1] / v[0]) ** (1 / 8) for k, v in stds.items()}
for init, factor in shrink.items():
    print(f"relu, {init:8s} std of the activations changes by x{factor:.3f} per layer")
assert shrink["default"] < 0.5 and 0.5 < shrink["xavier"] < 0.85
assert 0.8 < shrink["he"] < 1.25 and 0.8 < shrink["lsuv"] < 1.25

# %% [markdown]
# The formulas, checked on the weights `nn.init` draws: Xavier's bound and He's standard
# deviation, and orthonormal rows ($W W^\top = I$) from `nn.init.orthogonal_`. LSUV (Mishkin and
# Matas, Algorithm 1 in the notes) starts from orthonormal weights and divides each layer's
# $W$ by $\sqrt{\operatorname{Var}(B_L)}$ of its output $B_L$ until that variance is 1: after
# `nn.init.lsuv_` every layer's output on the batch has unit variance.

# %%
W = ag.zeros((64, 64))
nn.init.xavier_uniform_(W)
w = W.numpy()  # the array behind W, which nn.init overwrites in place
print(f"Xavier: max |w| = {np.abs(w).max():.4f}, bound sqrt(6 / 128) = {np.sqrt(6 / 128):.4f}")
assert np.abs(w).max() <= np.sqrt(6 / 128)
nn.init.kaiming_normal_(W, nonlinearity="relu")
print(f"He: std = {w.std():.4f}, sqrt(2 / 64) = {np.sqrt(2 / 64):.4f}")
assert abs(w.std() - np.sqrt(2 / 64)) < 0.01
nn.init.orthogonal_(W)
print("orthogonal: max |W W^T - I| =", np.abs(w @ w.T - np.eye(64)).max())
assert np.allclose(w @ w.T, np.eye(64), atol=1e-5)

lsuv_model = make("relu", "lsuv")
outputs = []
hooks = [layer.register_forward_hook(lambda mod, args, out: outputs.append(out.numpy().var()))
         for layer in linears(lsuv_model)]
with ag.no_grad():
    lsuv_model(batch_x)
for hook in hooks:
    hook.remove()
print("variance of each Linear's output after LSUV:", np.round(outputs, 3))
assert np.allclose(outputs, 1.0, atol=0.1)

# %% [markdown]
# ## Does it train?
#
# The same 10-layer architectures trained for 400 steps of SGD with momentum (η = 0.05, μ = 0.9,
# batches of 64) on 1500 digits, tested on the other 297. The sigmoid networks, and the ReLU
# network with the default initialization, stay at chance level (loss $\ln 10 \approx 2.30$,
# accuracy about 10 %) for the whole run: their lower layers receive no signal. He and LSUV
# train at once.

# %%
(train_x, test_x, train_y, test_y) = nn.datasets.train_test_split(
    x_all, y_all, test_fraction=297 / 1797, seed=0)
loader = nn.data.DataLoader(nn.data.TensorDataset(train_x, train_y), batch_size=64,
                            shuffle=True, seed=0)


def train(model, steps=400):
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    while len(losses) < steps:
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
            if len(losses) == steps:
                break
    with ag.no_grad():
        accuracy = (model(ag.tensor(test_x)).argmax(1) == ag.tensor(test_y)).float().mean().item()
    return np.array(losses), accuracy


runs = {cfg: train(make(*cfg)) for cfg in
        [("sigmoid", "default"), ("sigmoid", "xavier"), ("relu", "default"), ("relu", "he"),
         ("relu", "lsuv")]}

fig, ax = plt.subplots(figsize=(9, 4.5))
for (act, init), (losses, acc) in runs.items():
    smooth = np.convolve(losses, np.ones(20) / 20, mode="valid")
    ax.plot(smooth, label=f"{act}, {init}: test accuracy {acc:.1%}", **STYLE[act, init])
ax.axhline(np.log(10), color="gray", lw=0.8)
ax.set(xlabel="step", ylabel="training loss (mean of 20 steps)", ylim=(0, 2.6),
       title="10-layer MLPs on the digits")
ax.legend()
plt.show()
for (act, init), (losses, acc) in runs.items():
    print(f"{act:8s}{init:8s} final loss {np.mean(losses[-20:]):.3f}, test accuracy {acc:.1%}")
for cfg in [("sigmoid", "default"), ("sigmoid", "xavier"), ("relu", "default")]:
    assert runs[cfg][1] < 0.3, cfg
assert runs[("relu", "he")][1] > 0.9 and runs[("relu", "lsuv")][1] > 0.9

# %% [markdown]
# **Summary.** Local minima trap gradient descent where it starts; saddle points slow it down
# without stopping it. In a deep sigmoid network each layer multiplies the backward signal by
# $\sigma' \le 1/4$, so the first layers' gradients vanish (here by seven orders of magnitude) and
# the network does not learn. ReLU units with an initialization that keeps the variance of every
# layer constant (He, or orthonormal + LSUV) give every layer a gradient of the same size and
# train at once.
