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
# # 02 · Activation functions and their derivatives
#
# A neuron computes $a = f(z)$ from its weighted input $z = w \cdot a + b$. The notes list the
# usual choices of $f$: the **sigmoid** $1/(1+e^{-z})$, **tanh**, **softplus**, the **rectified
# linear unit** $\max(0, z)$, its **leaky** variant (whose negative slope can even be *learned*:
# PReLU) and the perceptron's **Heaviside step**.
#
# Backpropagation needs each $f'(z)$, since $\delta = \partial J/\partial a \odot f'(z)$. Here we do
# not derive $f'$ by hand: we ask the engine. Because $f$ acts element by element, the gradient of
# $\sum_i f(z_i)$ with respect to $z$ is the vector of $f'(z_i)$ — one backward pass gives $f'$ on a
# whole grid. We then check the engine against the textbook formulas and plot $f$ and $f'$.

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
# ## $f'$ from one backward pass
#
# For the sigmoid: make a grid of $z$ that requires a gradient, apply $f$, sum, call `backward()`;
# `z.grad` now holds $\sigma'(z)$ at every grid point.

# %%
z = ag.linspace(-5, 5, 401, dtype=ag.float64, requires_grad=True)
a = ag.sigmoid(z)
a.sum().backward()
s = a.detach().numpy()
print("f'(0) from the engine:", z.grad.numpy()[200], "  sigma(0)(1 - sigma(0)) =", 0.5 * 0.5)
assert np.allclose(z.grad.numpy(), s * (1 - s))


# %% [markdown]
# The same, written as a function transform: `ag.grad(g)` returns a function that computes the
# gradient of a scalar function `g`. We use it for every activation below.

# %%
def derivative(f, z_values):
    """f'(z) for an element-wise f: the gradient of sum(f(z)) with respect to z."""
    return ag.grad(lambda t: f(t).sum())(ag.tensor(z_values)).numpy()


zs = np.linspace(-4, 4, 801)
prelu = nn.PReLU(init=0.25).double()
activations = {
    "sigmoid": ag.sigmoid,
    "tanh": ag.tanh,
    "softplus": ag.softplus,
    "ReLU": ag.relu,
    "leaky ReLU (slope 0.1)": lambda t: ag.leaky_relu(t, 0.1),
    "PReLU (learnable slope, 0.25)": prelu,
}
values = {name: f(ag.tensor(zs)).detach().numpy() for name, f in activations.items()}
slopes = {name: derivative(f, zs) for name, f in activations.items()}

# %% [markdown]
# ## The engine agrees with the formulas
#
# | $f(z)$ | $f'(z)$ |
# |---|---|
# | $\sigma(z) = 1/(1+e^{-z})$ | $\sigma(z)\,(1-\sigma(z))$ |
# | $\tanh z$ | $1 - \tanh^2 z$ |
# | $\operatorname{softplus}(z) = \ln(1+e^{z})$ | $\sigma(z)$ |
# | $\max(0, z)$ | $1$ for $z>0$, $0$ for $z<0$ |
# | $\max(0,z) + \alpha \min(0, z)$ | $1$ for $z>0$, $\alpha$ for $z<0$ |
#
# (One slide of the notes writes softplus as $\ln(1+e^{-z})$; the usual softplus, the smooth
# version of ReLU used here and in PyTorch, is $\ln(1+e^{z})$.) At the kink $z=0$ ReLU has no
# derivative; the engine uses $0$ there for ReLU and the slope $\alpha$ for leaky ReLU, as PyTorch
# does; the grid contains $z = 0$, so the comparison includes the kink.

# %%
sig = 1 / (1 + np.exp(-zs))
expected = {
    "sigmoid": sig * (1 - sig),
    "tanh": 1 - np.tanh(zs) ** 2,
    "softplus": sig,
    "ReLU": (zs > 0).astype(float),
    "leaky ReLU (slope 0.1)": np.where(zs > 0, 1.0, 0.1),
    "PReLU (learnable slope, 0.25)": np.where(zs > 0, 1.0, 0.25),
}
for name in activations:
    worst = np.abs(slopes[name] - expected[name]).max()
    print(f"{name:30s} max |engine f' - formula f'| = {worst:.1e}")
    assert worst < 1e-12

# %% [markdown]
# ## The Heaviside step has no useful gradient
#
# The perceptron's $H(z)$ (1 for $z>0$, 0 for $z<0$) is flat everywhere except at the jump, so its
# derivative is 0 wherever it exists: a change of the weights changes the output only when a point
# crosses the threshold, and no gradient tells the weights which way to move. `ag.heaviside`
# therefore returns a tensor that is not part of the graph, and asking for its gradient is an
# error. This is why networks trained by backpropagation use smooth (or piecewise-linear) units.

# %%
z_step = ag.tensor(zs, requires_grad=True)
step = ag.heaviside(z_step, 0.5)
print("requires_grad after heaviside:", step.requires_grad)
try:
    step.sum().backward()
except RuntimeError as error:
    print("RuntimeError:", error)
values["Heaviside step (no gradient)"] = step.numpy()
slopes["Heaviside step (no gradient)"] = None

# %% [markdown]
# ## $f$ and $f'$ side by side
#
# Solid: $f(z)$. Dashed: $f'(z)$ as computed by the engine. Note the sigmoid's derivative is at
# most $1/4$ and tanh's at most 1, and both vanish for large $|z|$ — the root of the
# vanishing-gradient problem in deep sigmoid networks (notebook 11).

# %%
fig, axes = plt.subplots(2, 4, figsize=(15, 6.5), sharex=True)
for ax, (name, f_values) in zip(axes.flat, values.items()):
    ax.axhline(0, color="0.8", lw=0.8)
    ax.axvline(0, color="0.8", lw=0.8)
    ax.plot(zs, f_values, lw=2, label="$f(z)$")
    if slopes[name] is not None:
        ax.plot(zs, slopes[name], "--", lw=2, label="$f'(z)$ (engine)")
    else:
        ax.text(0.55, 0.15, "no gradient:\n$f'=0$ almost everywhere", transform=ax.transAxes)
    ax.set(title=name, xlabel="$z$", ylim=(-1.2, 2.2))
    ax.legend(loc="upper left", fontsize=8)
axes[0, 0].set_ylabel("value")
axes[1, 0].set_ylabel("value")
axes.flat[-1].axis("off")
fig.suptitle("Activation functions $f$ and their derivatives $f'$, computed by backward()")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## PReLU: a slope that learns
#
# `nn.PReLU` is a leaky ReLU whose negative slope $\alpha$ is a parameter,
# $f(z) = \max(0, z) + \alpha \min(0, z)$, so it receives a gradient like any weight:
# $\partial f / \partial \alpha = \min(0, z)$. To watch it learn, we fit a PReLU to data produced by
# a leaky ReLU with slope $-0.3$ (a "V"-like response) plus noise, starting from $\alpha = 0.25$.

# %%
rng = np.random.default_rng(0)
z_data = rng.normal(size=200).astype(np.float32)
noise = 0.05 * rng.normal(size=200).astype(np.float32)
y_data = np.where(z_data > 0, z_data, -0.3 * z_data) + noise
z_data, y_data = ag.tensor(z_data), ag.tensor(y_data)

unit = nn.PReLU(init=0.25)
opt = optim.SGD(unit.parameters(), lr=0.2)
history = [unit.weight.item()]
for step_number in range(40):
    opt.zero_grad()
    loss = F.mse_loss(unit(z_data), y_data)
    loss.backward()
    if step_number == 0:
        negative = z_data.numpy() < 0
        residual = (0.25 * z_data.numpy() - y_data.numpy())
        by_hand = (2 * residual * z_data.numpy())[negative].sum() / len(negative)
        print(f"first step: engine dJ/dalpha = {unit.weight.grad.item():.5f}, "
              f"by hand mean 2 (f(z) - y) min(0, z) = {by_hand:.5f}")
        assert np.isclose(unit.weight.grad.item(), by_hand, rtol=1e-4)
    opt.step()
    history.append(unit.weight.item())
print(f"learned slope alpha = {unit.weight.item():.3f} (data made with -0.3)")
assert abs(unit.weight.item() + 0.3) < 0.03

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.plot(history)
ax1.axhline(-0.3, color="k", ls=":", label="slope used to make the data")
ax1.set(xlabel="SGD step", ylabel=r"PReLU slope $\alpha$", title="The negative slope is learned")
ax1.legend()
order = np.argsort(z_data.numpy())
ax2.scatter(z_data.numpy(), y_data.numpy(), s=8, alpha=0.5, label="data")
with ag.no_grad():
    ax2.plot(z_data.numpy()[order], unit(z_data).numpy()[order], "r", lw=2,
             label=rf"PReLU, $\alpha$ = {unit.weight.item():.2f}")
ax2.set(xlabel="$z$", ylabel="$f(z)$", title="Fitted PReLU")
ax2.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# **Summary.** The engine differentiates every activation for us — `backward()` on $\sum f(z)$
# gives $f'(z)$ — and the results match the closed forms. The step function gives no gradient,
# sigmoid and tanh give small ones for large $|z|$, ReLU gives 0 or 1, and a PReLU's slope is
# just one more parameter. Next: [03 · the perceptron and XOR](03_xor_perceptron.ipynb).
