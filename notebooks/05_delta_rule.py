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
# # 05 · The delta rule: backpropagation layer by layer
#
# The notes define the **error** of neuron $j$ in layer $l$ as the derivative of the loss with
# respect to its weighted input, $\delta^{(l)}_j \equiv \partial J / \partial z^{(l)}_j$, and derive
# four equations:
#
# $$
# \begin{aligned}
# \delta^{(L)} &= \frac{\partial J}{\partial a^{(L)}} \odot f'(z^{(L)}) &\text{(output layer)}\\
# \delta^{(l)} &= \big((W^{(l+1)})^\top \delta^{(l+1)}\big) \odot f'(z^{(l)}) &\text{(back one layer)}\\
# \frac{\partial J}{\partial b^{(l)}} &= \delta^{(l)}, \qquad
# \frac{\partial J}{\partial w^{(l)}_{ji}} = a^{(l-1)}_i\, \delta^{(l)}_j &\text{(parameters)}
# \end{aligned}
# $$
#
# Here we compute every $\delta$ **by hand in NumPy** for a small sigmoid network on real
# handwritten digits, and check that it is exactly what the engine computes: the engine's
# gradient with respect to $z^{(l)}$ *is* $\delta^{(l)}$, and we can read it with `retain_grad()` or
# a hook.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import optim
from nn.datasets import load_digits

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## Data, network and loss
#
# Twenty 8×8 digit images ($m = 20$, 64 inputs in $[0, 1]$), one-hot targets $y$ for the ten
# classes, and the network of the notes: sigmoid units everywhere, 64-16-10, trained on
# the mean squared error
#
# $$J = \frac{1}{m} \sum_{k=1}^{m} \tfrac12 \lVert a^{(L)}(x^{(k)}) - y^{(k)} \rVert^2 .$$
#
# We work in float64 so that "equal" can mean equal to 12 digits. In code the $m$ examples are
# the rows of a matrix, so $z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$ becomes $Z^{(l)} = A^{(l-1)}
# W^{(l)\top} + b^{(l)}$, and $\delta^{(l)}$ becomes an $m \times n_l$ matrix with one row per example.

# %%
digits = load_digits()
m = 20
X = digits["x"][:m].astype(np.float64)
labels = digits["y"][:m]
Y = np.eye(10)[labels]

net = nn.MLP([64, 16, 10], activation="sigmoid", output_activation="sigmoid").double()
W1, b1 = net[0].weight.detach().numpy().copy(), net[0].bias.detach().numpy().copy()
W2, b2 = net[2].weight.detach().numpy().copy(), net[2].bias.detach().numpy().copy()
print(net)
print("labels:", labels)

fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for ax, image, label in zip(axes, digits["images"][:10], labels):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(f"y = {label}")
    ax.axis("off")
fig.suptitle("The first ten training images", y=1.08)
plt.show()

# %% [markdown]
# ## Backpropagation by hand
#
# Forward pass, then the four equations. For this loss $\partial J/\partial a^{(L)} = (a^{(L)} -
# y)/m$ and for the sigmoid $f'(z) = f(z)(1 - f(z))$. In the row convention
# $(W^{(l+1)})^\top \delta^{(l+1)}$ is `delta @ W`, $\partial J / \partial W^{(l)} = \sum_k
# \delta^{(l)}_k a^{(l-1)\top}_k$ is `delta.T @ a`, and $\partial J / \partial b^{(l)}$ sums $\delta$
# over the examples.

# %%
sigmoid = lambda z: 1 / (1 + np.exp(-z))
sigmoid_prime = lambda z: sigmoid(z) * (1 - sigmoid(z))

# forward propagation
a0 = X
z1 = a0 @ W1.T + b1
a1 = sigmoid(z1)
z2 = a1 @ W2.T + b2
a2 = sigmoid(z2)
J = 0.5 * ((a2 - Y) ** 2).sum(axis=1).mean()

# output error, then one layer back
delta2 = (a2 - Y) / m * sigmoid_prime(z2)          # δ(L) = ∂J/∂a ⊙ f'(z(L))
delta1 = (delta2 @ W2) * sigmoid_prime(z1)         # δ(l) = (W(l+1)ᵀ δ(l+1)) ⊙ f'(z(l))

# parameter gradients
dW2, db2 = delta2.T @ a1, delta2.sum(axis=0)       # ∂J/∂w = a δᵀ, ∂J/∂b = δ
dW1, db1 = delta1.T @ a0, delta1.sum(axis=0)
print(f"J = {J:.6f}")
print("δ(2) of the first example:", delta2[0])
print("δ(1) of the first example:", delta1[0])

# %% [markdown]
# ## The same numbers from the engine
#
# The network runs on Tensors. A forward hook on each `nn.Linear` receives its output $z^{(l)}$;
# calling `retain_grad()` on it asks the engine to keep $\partial J / \partial z^{(l)}$ in `z.grad`
# after the backward pass. As a second, independent witness, a tensor hook (`register_hook`)
# records the same gradient as it flows past during the backward pass.

# %%
z_tensors, hooked = {}, {}


def keep_z(layer_number):
    def hook(module, inputs, z):
        z.retain_grad()
        z.register_hook(lambda grad: hooked.__setitem__(layer_number, grad.numpy().copy()))
        z_tensors[layer_number] = z
    return hook


handles = [net[0].register_forward_hook(keep_z(1)), net[2].register_forward_hook(keep_z(2))]
output = net(ag.tensor(X))
loss = 0.5 * ((output - ag.tensor(Y)) ** 2).sum(dim=1).mean()
net.zero_grad()
loss.backward()
for h in handles:
    h.remove()

checks = {
    "J": (loss.item(), J),
    "δ(2) = z(2).grad": (z_tensors[2].grad.numpy(), delta2),
    "δ(1) = z(1).grad": (z_tensors[1].grad.numpy(), delta1),
    "δ(1) from register_hook": (hooked[1], delta1),
    "∂J/∂W(2)": (net[2].weight.grad.numpy(), dW2),
    "∂J/∂b(2)": (net[2].bias.grad.numpy(), db2),
    "∂J/∂W(1)": (net[0].weight.grad.numpy(), dW1),
    "∂J/∂b(1)": (net[0].bias.grad.numpy(), db1),
}
for name, (engine, by_hand) in checks.items():
    print(f"{name:26s} max |engine - by hand| = {np.max(np.abs(engine - by_hand)):.1e}")
    assert np.allclose(engine, by_hand, rtol=1e-10, atol=1e-14), name

# %% [markdown]
# Every quantity agrees to rounding error: the engine's backward pass *is* the delta rule (it
# just never names $\delta$ — each node passes $\partial J/\partial(\text{its output})$ to its
# inputs, and for a `linear` node's output that is $\delta$).
#
# ## The delta rule, step by step
#
# The same backward pass on a network small enough to read every number: 2 inputs, 2 sigmoid
# hidden units, 1 sigmoid output, one example, $J = \tfrac12 (a^{(2)} - y)^2$. Recorded with
# `ag.viz.keep_grads()` and replayed by `ag.viz.backprop_frames`, one frame per rule in the
# engine's order: the gradient reaching the output of the second `linear` is $\delta^{(2)}$; the
# `linear` rule sends $W^{(2)\top} \delta^{(2)}$ back into the hidden layer, the sigmoid rule
# multiplies it by $f'(z^{(1)})$ to give $\delta^{(1)}$, and each `linear` rule sends
# $\delta\, a^\top$ to its weights and $\delta$ to its bias.

# %%
ag.manual_seed(1)
tiny = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid()).double()
x_small = ag.tensor([[1.0, -0.5]], dtype=ag.float64)
J_small = 0.5 * ((tiny(x_small) - 1.0) ** 2).sum()
with ag.viz.keep_grads():
    J_small.backward()
small_frames = ag.viz.backprop_frames(J_small, params=tiny)
print(len(small_frames), "frames:", [frame.caption.split(":")[0] for frame in small_frames.frames])
ag.viz.backprop_frames(J_small, params=tiny)

# %% [markdown]
# ## What the deltas look like
#
# Left: $\delta^{(2)}$ for each example and output unit. Its sign says which way each output should
# move: negative (blue) for the correct class, whose output should grow. Middle: $\delta^{(1)}$,
# smaller, because backpropagation multiplies by $W^\top$ and by $\sigma'(z) \le 1/4$ at every
# layer. Right: $\partial J/\partial w$ for one hidden unit, a weighted sum of the input images
# ($\sum_k \delta^{(1)}_{kj} a^{(0)}_k$), shown as an 8×8 picture.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), gridspec_kw={"width_ratios": [1, 1.4, 0.9]})
limit = np.abs(delta2).max()
im = axes[0].imshow(delta2, cmap="coolwarm", vmin=-limit, vmax=limit, aspect="auto")
axes[0].scatter(labels, np.arange(m), marker="o", facecolors="none", edgecolors="k", s=30)
axes[0].set(xlabel="output unit j", ylabel="example k", title="δ(2) (circles: true class)")
fig.colorbar(im, ax=axes[0])
limit = np.abs(delta1).max()
im = axes[1].imshow(delta1, cmap="coolwarm", vmin=-limit, vmax=limit, aspect="auto")
axes[1].set(xlabel="hidden unit j", ylabel="example k", title="δ(1)")
for ax in axes[:2]:
    ax.set_yticks(range(0, m, 5))
fig.colorbar(im, ax=axes[1])
unit = int(np.argmax(np.abs(dW1).sum(axis=1)))
limit = np.abs(dW1[unit]).max()
im = axes[2].imshow(dW1[unit].reshape(8, 8), cmap="coolwarm", vmin=-limit, vmax=limit)
axes[2].set(title=f"∂J/∂w into hidden unit {unit}", xticks=[], yticks=[])
fig.colorbar(im, ax=axes[2])
fig.tight_layout()
plt.show()
print(f"mean |δ(2)| = {np.abs(delta2).mean():.2e},  mean |δ(1)| = {np.abs(delta1).mean():.2e}")

# %% [markdown]
# ## Training with the hand-written gradients
#
# Gradient descent $W \leftarrow W - \eta\, \partial J/\partial W$ with our NumPy backprop, and the
# same with the engine and `optim.SGD`, from the same starting weights: the two runs follow the
# same trajectory step for step. We also add the notes' weight decay term $\frac{\lambda}{2}\sum
# w^2$ (weights only, not biases), whose gradient adds $\lambda W$ to $\partial J/\partial W$.

# %%
eta, lam, steps = 2.0, 1e-3, 300


def numpy_backprop_step(params):
    W1, b1, W2, b2 = params
    a1 = sigmoid(X @ W1.T + b1)
    a2 = sigmoid(a1 @ W2.T + b2)
    J = 0.5 * ((a2 - Y) ** 2).sum(axis=1).mean() + lam / 2 * ((W1**2).sum() + (W2**2).sum())
    delta2 = (a2 - Y) / m * a2 * (1 - a2)
    delta1 = (delta2 @ W2) * a1 * (1 - a1)
    grads = (delta1.T @ X + lam * W1, delta1.sum(0), delta2.T @ a1 + lam * W2, delta2.sum(0))
    return [p - eta * g for p, g in zip(params, grads)], J


params, losses_numpy = [W1, b1, W2, b2], []
for _ in range(steps):
    params, J_value = numpy_backprop_step(params)
    losses_numpy.append(J_value)

net.load_state_dict({"0.weight": W1, "0.bias": b1, "2.weight": W2, "2.bias": b2})
opt = optim.SGD(net.parameters(), lr=eta)
X_t, Y_t = ag.tensor(X), ag.tensor(Y)
losses_engine = []
for _ in range(steps):
    opt.zero_grad()
    out = net(X_t)
    penalty = lam / 2 * ((net[0].weight ** 2).sum() + (net[2].weight ** 2).sum())
    loss = 0.5 * ((out - Y_t) ** 2).sum(dim=1).mean() + penalty
    loss.backward()
    opt.step()
    losses_engine.append(loss.item())

final = dict(zip(["0.weight", "0.bias", "2.weight", "2.bias"], params))
for name, value in net.state_dict().items():
    assert np.allclose(value.numpy(), final[name], rtol=1e-9, atol=1e-12), name
assert np.allclose(losses_engine, losses_numpy, rtol=1e-9)
with ag.no_grad():
    accuracy = (net(X_t).numpy().argmax(1) == labels).mean()
print(f"after {steps} steps: J = {losses_engine[-1]:.4f}, training accuracy {accuracy:.0%}; "
      "NumPy and engine weights agree")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(losses_numpy, lw=4, alpha=0.4, label="NumPy delta rule")
ax.plot(losses_engine, "k--", lw=1.5, label="engine + optim.SGD")
ax.set(xlabel="gradient-descent step", ylabel="J (with weight decay)",
       title="Same gradients, same training run")
ax.legend()
plt.show()

# %% [markdown]
# **Summary.** $\delta^{(l)} = \partial J / \partial z^{(l)}$ computed with the notes' equations
# equals the engine's gradient at every layer, and so do the parameter gradients $a\,\delta^\top$
# and $\delta$; training with either gives the same weights. Next:
# [06 · gradient checking](06_gradient_checking.ipynb), for when you write a backward pass yourself
# and want to know it is right.
