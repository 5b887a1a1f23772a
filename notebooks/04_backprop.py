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
# # 04 · Backpropagation is the chain rule on a graph
#
# The notes' first example of backpropagation is
#
# $$f(x, y, z) = (x + y)\,z \qquad \text{at } x = -2,\; y = 5,\; z = -4 .$$
#
# Introduce the intermediate $q = x + y$, so $f = q z$. The **forward pass** computes the values;
# the **backward pass** goes from $f$ back to the inputs, multiplying at each step the gradient
# that arrives from above (the *upstream* gradient) by the operation's own **local derivative**:
#
# $$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q}\,\frac{\partial q}{\partial x}.$$
#
# We do it by hand, then let the engine do it and draw the graph it recorded with every value
# and gradient. Then: vector-valued steps (vector-Jacobian products) and a graph in which one
# variable is used twice.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## By hand
#
# | step | value | local derivatives | gradient of $f$ |
# |---|---|---|---|
# | $q = x + y$ | $3$ | $\partial q/\partial x = 1,\ \partial q/\partial y = 1$ | $\partial f/\partial q = z = -4$ |
# | $f = q z$ | $-12$ | $\partial f/\partial q = z,\ \partial f/\partial z = q$ | $\partial f/\partial f = 1$ |
#
# so $\partial f/\partial z = q = 3$ and $\partial f/\partial x = \partial f/\partial y = (-4)(1) = -4$.

# %%
x, y, z = -2.0, 5.0, -4.0
# forward
q = x + y
f = q * z
# backward, from the output to the inputs
df_df = 1.0
df_dq = z * df_df            # local derivative of q*z with respect to q is z
df_dz = q * df_df            # ... with respect to z is q
df_dx = 1.0 * df_dq          # local derivative of x+y with respect to x is 1
df_dy = 1.0 * df_dq
print(f"q = {q}, f = {f}")
print(f"df/dx = {df_dx}, df/dy = {df_dy}, df/dz = {df_dz}, df/dq = {df_dq}")

# %% [markdown]
# ## By the engine
#
# Tensors created with `requires_grad=True` are recorded: every operation on them adds a node
# to a graph. `f.backward()` walks that graph backwards and leaves $\partial f/\partial x$ in
# `x.grad`. Intermediate tensors like $q$ do not keep their gradient (and backward frees the values
# it saved); inside `ag.viz.keep_grads()` the engine keeps, for the pictures, the value and the
# gradient of *every* node of the pass, without a `retain_grad()` on each.

# %%
x = ag.tensor(-2.0, requires_grad=True, name="x")
y = ag.tensor(5.0, requires_grad=True, name="y")
z = ag.tensor(-4.0, requires_grad=True, name="z")
q = x + y
q.name = "q"
f = q * z
f.name = "f"
with ag.viz.keep_grads() as kept:
    f.backward()                       # a plain backward: no retain_graph, no retain_grad
print("x.grad =", x.grad, " y.grad =", y.grad, " z.grad =", z.grad, " q:", kept.grad(q))
assert (x.grad.item(), y.grad.item(), z.grad.item(), kept.grad(q).item()) == \
    (df_dx, df_dy, df_dz, df_dq)

# %% [markdown]
# The graph the engine recorded. Blue boxes are the inputs (leaves), ellipses the operations,
# the yellow box the output; each box shows its value (`data`) and its gradient $\partial f/\partial
# (\cdot)$ (`grad`). Read it right to left to follow the backward pass: the `mul` node sends $z = -4$
# back to $q$ and $q = 3$ back to $z$; the `add` node copies $-4$ to both $x$ and $y$.

# %%
ag.viz.draw_graph(f, show_values=True, show_grads=True, rankdir="LR")

# %% [markdown]
# ## Backprop step by step
#
# `ag.viz.backprop_frames` replays the pass that `keep_grads` recorded, one frame per rule in
# the order in which the engine ran them: the orange operation is the one whose rule runs, the
# red arrows carry the gradients it sends back to its inputs, and each box shows the gradient
# gathered so far. Drag the slider or press play (where the notebook's scripts run; elsewhere
# the frames are shown one below another). `frames.save_html("backprop.html")` writes the same
# player as one page that needs no network, `frames.save_frames("frames/")` numbered SVGs.

# %%
print([frame.caption for frame in ag.viz.backprop_frames(f).frames][1:-1])
ag.viz.backprop_frames(f)

# %% [markdown]
# A shortcut: a Tensor that has a graph *is* displayed as its graph (shapes and operations,
# without the numbers) when it is the last value of a notebook cell.

# %%
(x + y) * z

# %% [markdown]
# ## Watching the messages with hooks
#
# `register_hook` calls a function with the gradient as it arrives at a tensor during the
# backward pass — here in the order the engine visits them, from $f$ towards the inputs.

# %%
x = ag.tensor(-2.0, requires_grad=True)
y = ag.tensor(5.0, requires_grad=True)
z = ag.tensor(-4.0, requires_grad=True)
q = x + y
f = q * z
arrivals = []
for name, t in [("q", q), ("z", z), ("x", x), ("y", y)]:
    t.register_hook(lambda grad, name=name: arrivals.append((name, grad.item())))
f.backward()
print(" -> ".join(f"{name}: {g:g}" for name, g in arrivals))
assert arrivals[0][0] in ("q", "z") and {n for n, _ in arrivals[2:]} == {"x", "y"}

# %% [markdown]
# ## Vectors: vector-Jacobian products
#
# For vector-valued steps $y = g(x)$ the local derivative is a Jacobian matrix $J = \partial y /
# \partial x$ and the chain rule multiplies matrices. Backpropagation never builds $J$: each
# operation only knows how to compute the **vector-Jacobian product** $u^\top J$ for the upstream
# gradient $u = \partial f / \partial y$. For $y = W x$ this is $W^\top u$; for an element-wise
# $y = \sigma(x)$ it is $u \odot \sigma'(x)$ (the Jacobian is diagonal).
#
# `ag.vjp` exposes this directly. We compare it with the full Jacobian from `ag.jacobian`, which
# the engine builds one row (one VJP) at a time.

# %%
W = ag.tensor([[1.0, -2.0], [0.5, 3.0], [-1.0, 1.0]], dtype=ag.float64)
layer = lambda x: ag.sigmoid(W @ x)             # R^2 -> R^3
x0 = ag.tensor([0.5, -1.0], dtype=ag.float64)
u = ag.tensor([1.0, 0.0, -2.0], dtype=ag.float64)

out, vjp_fn = ag.vjp(layer, x0)
(u_J,) = vjp_fn(u)
J = ag.jacobian(layer)(x0).numpy()
s = out.numpy()
by_hand = W.numpy().T @ (u.numpy() * s * (1 - s))   # W^T (u ⊙ sigma'(z))
print("Jacobian J (3x2):\n", J)
print("u^T J from ag.vjp     :", u_J.numpy())
print("u^T J from the matrix :", u.numpy() @ J)
print("W^T (u ⊙ σ'(z)) by hand:", by_hand)
assert np.allclose(u_J.numpy(), u.numpy() @ J) and np.allclose(u_J.numpy(), by_hand)

# %% [markdown]
# ## One neuron with a loss, as a graph
#
# The same machinery on a sigmoid neuron $a = \sigma(w \cdot x + b)$ with the squared error
# $J = \tfrac12 (a - t)^2$. The picture shows the vectors $w$ and $x$ and their gradients; note
# $\partial J/\partial w = x\,\delta$ with $\delta = \partial J / \partial z = (a - t)\,\sigma'(z)$ —
# the delta rule of notebook 05 in its smallest form.

# %%
w = ag.tensor([0.8, 0.2, -0.5], dtype=ag.float64, requires_grad=True, name="w")
b = ag.tensor(0.1, dtype=ag.float64, requires_grad=True, name="b")
x_in = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, name="x")
target = 1.0
z_n = w @ x_in + b
z_n.name = "z"
a_n = ag.sigmoid(z_n)
a_n.name = "a"
loss = 0.5 * (a_n - target) ** 2
loss.name = "J"
with ag.viz.keep_grads() as kept:
    loss.backward()
delta = (a_n.item() - target) * a_n.item() * (1 - a_n.item())
print(f"delta = (a - t) sigma'(z) = {delta:.5f};  engine dJ/dz = {kept.grad(z_n).item():.5f}")
assert np.allclose(w.grad.numpy(), x_in.numpy() * delta) and np.isclose(b.grad.item(), delta)
ag.viz.draw_graph(loss, show_values=True, show_grads=True)

# %% [markdown]
# The neuron's backward pass step by step: the gradient $1$ of $J$ enters at the bottom, and the
# frame where the `add` rule runs sends $\delta$ itself to $b$ and on to $w \cdot x$.

# %%
ag.viz.backprop_frames(loss)

# %% [markdown]
# ## Any DAG is fine: a variable used twice
#
# Backpropagation works on any directed acyclic graph, not only on chains. When a variable feeds
# several operations, its gradient is the **sum over the paths** — the multivariate chain rule of
# the notes, $\frac{\partial f}{\partial x} = \sum_k \frac{\partial f}{\partial y_k}
# \frac{\partial y_k}{\partial x}$. Take
#
# $$s = x + y, \quad p = x y, \quad f = s\,p \qquad \text{at } x = 3,\ y = -2 .$$
#
# By hand: $s = 1$, $p = -6$, $f = -6$; $\partial f/\partial s = p = -6$, $\partial f / \partial p =
# s = 1$, so
# $\partial f/\partial x = \underbrace{(-6)(1)}_{\text{via } s} + \underbrace{(1)(y)}_{\text{via } p}
# = -8$ and $\partial f/\partial y = (-6)(1) + (1)(x) = -3$. (Check: $f = x^2 y + x y^2$, so
# $\partial f / \partial x = 2xy + y^2 = -8$.)

# %%
x = ag.tensor(3.0, requires_grad=True, name="x")
y = ag.tensor(-2.0, requires_grad=True, name="y")
s = x + y
s.name = "s"
p = x * y
p.name = "p"
f = s * p
f.name = "f"
with ag.viz.keep_grads():
    f.backward()
print(f"f = {f.item()}, df/dx = {x.grad.item()}, df/dy = {y.grad.item()}")
assert (x.grad.item(), y.grad.item()) == (-8.0, -3.0)
ag.viz.draw_graph(f, show_values=True, show_grads=True, rankdir="LR")

# %% [markdown]
# Step by step, the sum over the paths is visible: $x$ first receives $-6$ from the `add` rule,
# and when the `mul` rule of $p$ runs its second message $-2$ is added to it ("adds up").

# %%
assert any("adds up" in frame.caption for frame in ag.viz.backprop_frames(f).frames)
ag.viz.backprop_frames(f)

# %% [markdown]
# The engine got the sum right because it visits every node only after all of the node's
# consumers, adding up what they send back. That one ordering rule is why the shape of the graph
# does not matter.
#
# ## Why not differentiate numerically?
#
# A finite difference needs one extra evaluation of $f$ *per input*; the backward pass costs a
# small multiple of one evaluation of $f$ in total, whatever the number of inputs. With millions
# of weights that is the whole story. Below, the gradient of $\sum \tanh(Wx)$ with respect to
# $x$ for growing input sizes $n$, both ways, with the cost counted in the engine's own
# operations. The graph is data: following `grad_fn.next_functions` from a result back to the
# leaves visits every operation that produced it, and one evaluation of $f$ records three
# (`matmul`, `tanh`, `sum`). Central differences evaluate $f$ twice per input, each time on an
# input that records its graph, so that their operations are counted rather than assumed. The
# backward pass runs with `create_graph=True`, which makes the engine record the operations of
# the backward pass itself as a graph of their own, counted the same way. (Numerical differences
# remain the right tool for *checking* gradients: notebook 06.)

# %%
def operations(t, leave_out=frozenset()):
    """The operations recorded in the graph behind t, each once (those in leave_out excluded)."""
    found, stack = set(), [t.grad_fn]
    while stack:
        fn = stack.pop()
        if isinstance(fn, ag.GradFn) and fn not in found and fn not in leave_out:
            found.add(fn)
            stack.extend(next_fn for next_fn, _ in fn.next_functions)
    return found


sizes = [10, 50, 100, 200, 400]
ops_numerical, ops_backward = [], []
for n in sizes:
    W_n = ag.randn(n, n, dtype=ag.float64) / np.sqrt(n)
    x_n = ag.randn(n, dtype=ag.float64, requires_grad=True)
    func = lambda v, W_n=W_n: ag.tanh(W_n @ v).sum()

    value = func(x_n)                    # one backward pass: the forward operations, ...
    forward = operations(value)
    (grad_engine,) = ag.autograd.grad(value, x_n, create_graph=True)
    backward = operations(grad_engine, leave_out=forward)   # ... then its own
    ops_backward.append(len(forward) + len(backward))

    eps, base, count, grad_numeric = 1e-6, x_n.detach().numpy(), 0, []
    for e in np.eye(n):                  # central differences: two evaluations per input
        plus = func(ag.tensor(base + eps * e, requires_grad=True))
        minus = func(ag.tensor(base - eps * e, requires_grad=True))
        count += len(operations(plus)) + len(operations(minus))
        grad_numeric.append((plus.item() - minus.item()) / (2 * eps))
    ops_numerical.append(count)
    assert np.allclose(grad_engine.detach().numpy(), grad_numeric, atol=1e-6)

print("forward:", sorted(fn.name() for fn in forward))
print("backward:", sorted(fn.name() for fn in backward))
print(f"{'n':>5s} {'central differences':>20s} {'backward pass':>14s}")
for n, numerical, backprop in zip(sizes, ops_numerical, ops_backward):
    print(f"{n:5d} {numerical:20d} {backprop:14d}")
assert ops_numerical == [6 * n for n in sizes] and len(set(ops_backward)) == 1

fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(sizes, ops_numerical, "s-", label="central differences (2n evaluations of f)")
ax.loglog(sizes, ops_backward, "o-", label="forward + one backward pass")
ax.set(xlabel="number of inputs n", ylabel="operations recorded by the engine",
       title="Cost of a full gradient")
ax.legend()
plt.show()

# %% [markdown]
# Central differences cost $2n \times 3 = 6n$ operations, growing with $n$; the backward pass
# costs the same 9 for every $n$: the three of the forward pass and six of its own, the
# vector-Jacobian products of `tanh` ($u \odot (1 - \tanh^2)$: two products and a subtraction
# over $n$ numbers) and of `matmul` ($W^\top u$, a product with the same $n \times n$ matrix as
# the forward pass, between two reshapes). Steps that act on constants only leave no node and
# are not counted: `sum`'s vector-Jacobian product, which spreads the seed
# $\partial f / \partial f = 1$ over its input, and the transpose of $W$. In both methods the
# products with $W$ dominate the work, so the counts compare the work too: at $n = 400$ the
# finite differences do a few hundred times more.

# %% [markdown]
# **Summary.** Each operation knows only its local derivative (as a vector-Jacobian product);
# the backward pass multiplies upstream gradients by them in reverse order and adds the
# contributions of every path. Next: [05 · the delta rule](05_delta_rule.ipynb) — the same
# computation written layer by layer for a neural network.
