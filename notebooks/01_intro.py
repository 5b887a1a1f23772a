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
# # 01 · A neuron, a layer, a network: forward propagation
#
# The notes describe a neuron as a weighted sum followed by a non-linearity,
#
# $$z = w \cdot a + b, \qquad a_{\text{out}} = f(z),$$
#
# and a network as layers of such neurons, where $w^{(l)}_{ji}$ is the weight from neuron $i$ of
# layer $l-1$ to neuron $j$ of layer $l$. Forward propagation computes, layer by layer,
#
# $$z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}, \qquad a^{(l)} = f(z^{(l)}), \qquad a^{(0)} = x .$$
#
# This notebook does that by hand for a small 2-3-1 network with sigmoid units, printing every
# $z$ and $a$, and then builds the same network with `nn.Linear`, `nn.Sequential` and `nn.MLP`.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## One neuron
#
# A neuron with three inputs: weights $w$, bias $b$ and the sigmoid $f(z) = 1/(1+e^{-z})$.

# %%
a_in = np.array([0.5, -1.0, 2.0], dtype=np.float32)   # activations from the previous layer
w = np.array([0.8, 0.2, -0.5])
b = 0.1

z = w @ a_in + b
a_out = 1 / (1 + np.exp(-z))
terms = " + ".join(f"({wi:g})({ai:g})" for wi, ai in zip(w, a_in))
print(f"z = w·a + b = {terms} + {b} = {z:.4f}")
print(f"a = f(z) = sigmoid({z:.4f}) = {a_out:.4f}")

# %% [markdown]
# `nn.Linear(3, 1)` is exactly this neuron: it holds a weight of shape (out, in) = (1, 3), the
# row $w^\top$, and a bias of shape (1,). We copy our numbers into it and compare.

# %%
neuron = nn.Linear(3, 1)
neuron.load_state_dict({"weight": w[None, :], "bias": np.array([b])})
z_lin = neuron(ag.tensor(a_in[None, :]))
print("nn.Linear:", z_lin, "  after sigmoid:", ag.sigmoid(z_lin))
assert np.allclose(z_lin.detach().numpy(), z, atol=1e-6)

# %% [markdown]
# ## A 2-3-1 network, layer by layer
#
# Layer 1 has three sigmoid neurons fed by the two inputs, layer 2 one sigmoid neuron fed by
# layer 1. The weights are written out so that you can redo the arithmetic on paper.

# %%
W1 = np.array([[0.5, -0.4],
               [0.3,  0.8],
               [-0.7, 0.2]])          # (3, 2): row j holds the weights into neuron j
b1 = np.array([0.1, -0.2, 0.05])
W2 = np.array([[1.2, -0.6, 0.9]])     # (1, 3)
b2 = np.array([-0.3])
x = np.array([1.0, 2.0], dtype=np.float32)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


a0 = x
z1 = W1 @ a0 + b1
a1 = sigmoid(z1)
z2 = W2 @ a1 + b2
a2 = sigmoid(z2)
for name, value in [("a(0) = x", a0), ("z(1)", z1), ("a(1)", a1), ("z(2)", z2), ("a(2)", a2)]:
    print(f"{name:9s} {value}")

# %% [markdown]
# The first entry of $z^{(1)}$, written out: $0.5 \cdot 1 + (-0.4) \cdot 2 + 0.1 = -0.2$.
#
# ## The same network with `nn.Sequential`
#
# `nn.Sequential` chains modules: Linear, Sigmoid, Linear, Sigmoid. We load the weights above
# into it (the state-dict keys `0.weight`, `2.weight`, ... are PyTorch's) and record each
# module's output with a forward hook, so that every $z$ and $a$ can be compared.

# %%
net = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1), nn.Sigmoid())
net.load_state_dict({"0.weight": W1, "0.bias": b1, "2.weight": W2, "2.bias": b2})
print(net)

recorded = {}
labels = ["z(1)", "a(1)", "z(2)", "a(2)"]
handles = [module.register_forward_hook(
               lambda module, inputs, output, label=label: recorded.__setitem__(label, output))
           for module, label in zip(net, labels)]
out = net(ag.tensor(x[None, :]))
for h in handles:
    h.remove()

for label, by_hand in zip(labels, [z1, a1, z2, a2]):
    engine = recorded[label].detach().numpy()[0]
    print(f"{label}: engine {engine}   by hand {by_hand}")
    assert np.allclose(engine, by_hand, atol=1e-6)

# %% [markdown]
# ## Many examples at once
#
# In code the examples of a batch are the *rows* of a matrix $A$ of shape (m, inputs), so a
# layer computes $Z = A W^\top + b$: the same equation as the notes, once per row. Here are five
# points at once; the first row is the point $x$ from above.

# %%
X = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 1.0], [2.0, -1.0], [0.5, 0.5]], dtype=np.float32)
Z1 = X @ W1.T + b1
A2 = sigmoid(sigmoid(Z1) @ W2.T + b2)
out = net(ag.tensor(X))
print(np.c_[A2, out.detach().numpy()])
assert np.allclose(out.detach().numpy(), A2, atol=1e-6)

# %% [markdown]
# ## `nn.MLP`: the same layout from a list of sizes
#
# `nn.MLP([2, 3, 1], activation="sigmoid", output_activation="sigmoid")` builds exactly this
# Sequential. Its parameters have the same names, so the same weights load into it and it
# computes the same function.

# %%
mlp = nn.MLP([2, 3, 1], activation="sigmoid", output_activation="sigmoid")
print(mlp)
print([name for name, _ in mlp.named_parameters()])
mlp.load_state_dict(net.state_dict())
assert np.allclose(mlp(ag.tensor(X)).detach().numpy(), A2, atol=1e-6)
print("parameters:", sum(p.numel() for p in mlp.parameters()), "= 3*2 + 3 + 1*3 + 1")

# %% [markdown]
# ## What the forward pass looks like to the engine
#
# Every operation on Tensors is recorded, so the forward pass is a graph. `ag.viz.draw_graph`
# draws it: boxes are tensors, ellipses are operations, and each module's operations sit in a
# box named after the module. (A Tensor with a graph also shows this picture when it is the last
# value of a notebook cell.)

# %%
out = mlp(ag.tensor(x[None, :], name="x"))
ag.viz.draw_graph(out, show_values=True, params=mlp)

# %% [markdown]
# ## The function the network computes
#
# The output $a^{(2)}$ is a smooth function of the two inputs. Each hidden neuron contributes a
# sigmoid "ramp" across the line $z_j^{(1)} = 0$ (dashed); the output neuron mixes the three.

# %%
g = np.linspace(-4, 4, 200)
G1, G2 = np.meshgrid(g, g)
grid = np.c_[G1.ravel(), G2.ravel()]
with ag.no_grad():
    surface = mlp(ag.tensor(grid, dtype=ag.float32)).numpy().reshape(G1.shape)

fig, ax = plt.subplots(figsize=(6, 5))
filled = ax.contourf(G1, G2, surface, levels=20, cmap="viridis")
fig.colorbar(filled, ax=ax, label="network output $a^{(2)}$")
for j in range(3):   # hidden unit j's line z_j = W1[j] · x + b1[j] = 0
    ax.plot(g, -(W1[j, 0] * g + b1[j]) / W1[j, 1], "w--", lw=1)
ax.plot(*x, "r*", ms=14, label=f"x = (1, 2): output {a2[0]:.3f}")
ax.set(xlim=(-4, 4), ylim=(-4, 4), xlabel="input $x_1$", ylabel="input $x_2$",
       title="Output of the 2-3-1 sigmoid network")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# **Summary.** A layer is `nn.Linear` ($z = W a + b$) followed by an activation ($a = f(z)$);
# forward propagation applies the layers in turn, which is what `nn.Sequential` and `nn.MLP` do.
# Next: [02 · activation functions](02_activations.ipynb) and their derivatives.
