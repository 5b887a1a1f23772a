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
# # 18 · Recurrent networks: unrolling, backprop through time, and the LSTM's gates
#
# A feed-forward network sees an input of fixed size. Text, audio and time series are
# *sequences* $x_1, x_2, \dots, x_T$ of any length, and what matters at step $t$ often happened
# many steps earlier. A **recurrent** network reads one element at a time and carries a
# hidden state $h_t$ from step to step, with the *same* weights at every step:
#
# $$h_t = \tanh\left(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\right), \qquad h_0 = 0.$$
#
# This notebook shows, on real numbers:
#
# - **unrolling through time**: the recurrence is a loop, and the loop is a deep feed-forward
#   network with one layer per step, all sharing $W_{hh}$;
# - **backpropagation through time** (BPTT): backprop on that unrolled graph; the gradient of a
#   shared weight is the sum of one term per step;
# - **vanishing gradients across steps**: the error signal is multiplied by one Jacobian per
#   step on its way back, so the influence of early inputs dies out exponentially, measured as
#   the gradient norm per time step for a plain RNN and an LSTM;
# - the **LSTM's gates** (Hochreiter and Schmidhuber 1997) as the remedy: an additive cell
#   state whose gradient is scaled by the forget gate alone, which training (or its
#   initialization) can hold near 1.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)
plt.rcParams["figure.dpi"] = 72
rng = np.random.default_rng(0)

# %% [markdown]
# ## Unrolling: the recurrence is a loop
#
# `nn.RNN(input_size, hidden_size)` holds $W_{ih}$ (`weight_ih_l0`), $W_{hh}$ (`weight_hh_l0`)
# and the two biases, with PyTorch's names and initialization $U(\pm 1/\sqrt{H})$. The same
# computation written as a Python loop over the steps gives the same hidden states.

# %%
H = 4
rnn = nn.RNN(input_size=1, hidden_size=H, batch_first=True)
x = ag.tensor(rng.standard_normal((1, 5, 1)).astype(np.float32))   # one sequence of 5 steps

out, h_last = rnn(x)                 # out: h_1 ... h_T, shape (batch, T, H)
W_ih, W_hh = rnn.weight_ih_l0, rnn.weight_hh_l0
b = rnn.bias_ih_l0 + rnn.bias_hh_l0

h = ag.zeros(1, H)
by_hand = []
for t in range(x.shape[1]):
    h = ag.tanh(x[:, t] @ W_ih.T + h @ W_hh.T + b)    # the same weights at every step
    by_hand.append(h)
by_hand = ag.stack(by_hand, dim=1)
print("nn.RNN h_t:\n", out.detach().numpy()[0])
print("loop   h_t:\n", by_hand.detach().numpy()[0])
assert np.allclose(out.detach().numpy(), by_hand.detach().numpy(), atol=1e-6)
assert np.allclose(h_last.detach().numpy()[0], out.detach().numpy()[:, -1], atol=1e-6)

# %% [markdown]
# The graph of three steps of the loop, unrolled (biases left out to keep it small): one
# `tanh` layer per step, and the same leaf `W_hh` feeding every step's matrix product. That is all "unrolling" means; the engine records
# it as it runs the loop, so BPTT needs no code of its own.

# %%
W_ih.name, W_hh.name = "W_ih", "W_hh"
U, W = W_ih.T, W_hh.T                # transposed once, used at every step
h = ag.zeros(1, H)
for t in range(3):
    h = ag.tanh(x[:, t] @ U + h @ W)
h.name = "h_3"
ag.viz.draw_graph(h.sum(), rankdir="LR")

# %% [markdown]
# ## Backpropagation through time
#
# Take a loss that depends on the last state only, $J = \sum_j h_{T,j}$. Write
# $a_t = W_{ih} x_t + W_{hh} h_{t-1} + b$ for step $t$'s weighted input and
# $\delta_t = \partial J / \partial a_t$ for its error, as in the delta rule (notebook 05). The
# same chain rule, run backwards along the unrolled loop, gives
#
# $$\delta_t = \left(W_{hh}^\top \delta_{t+1}\right) \odot \tanh'(a_t), \qquad
#   \frac{\partial J}{\partial W_{hh}} = \sum_{t=1}^{T} \delta_t\, h_{t-1}^\top :$$
#
# one term per step, because $W_{hh}$ is used at every step. The engine's `W_hh.grad` equals the
# sum of the per-step terms built from the $\delta_t$ it computed (`retain_grad` on each $a_t$).

# %%
T = 12
xs = ag.tensor(rng.standard_normal((8, T, 1)).astype(np.float32))
rnn.zero_grad()
h, states, pre = ag.zeros(8, H), [], []
for t in range(T):
    states.append(h)
    a = xs[:, t] @ W_ih.T + h @ W_hh.T + b
    a.retain_grad()
    pre.append(a)
    h = ag.tanh(a)
h.sum().backward()

terms = [p.grad.numpy().T @ s.detach().numpy() for p, s in zip(pre, states)]
print("engine's dJ/dW_hh:\n", W_hh.grad.numpy())
print("sum over steps of delta_t h_(t-1)^T:\n", sum(terms))
assert np.allclose(W_hh.grad.numpy(), sum(terms), atol=1e-5)

fig, ax = plt.subplots(figsize=(7, 3.2))
ax.bar(range(1, T + 1), [np.linalg.norm(term) for term in terms])
ax.set(yscale="log", xlabel="time step t", ylabel=r"$\|\delta_t h_{t-1}^\top\|$",
       title=r"each step's share of $\partial J/\partial W_{hh}$ (loss at step 12)")
plt.show()

# %% [markdown]
# The shares fall off fast as $t$ moves away from the loss: the weights hear mostly about the
# last few steps. Step 1's term is zero since $h_0 = 0$; the rest is the subject of the next
# section.
#
# ## Vanishing gradients across steps
#
# Each step back multiplies the error by the step's Jacobian,
# $\partial h_t / \partial h_{t-1} = \operatorname{diag}(\tanh'(a_t))\, W_{hh}$, so
#
# $$\frac{\partial h_T}{\partial h_t} = \prod_{k=t+1}^{T} \operatorname{diag}(\tanh'(a_k))\,
#   W_{hh}, \qquad \left\|\frac{\partial h_T}{\partial h_t}\right\| \le
#   \prod_{k=t+1}^{T} \|W_{hh}\|\, \max_j \tanh'(a_{k,j}),$$
#
# the same product of derivatives as in a deep sigmoid network (notebook 11), now with one
# factor per *time step*, and the same weights in every factor. If the factor is below 1 the
# gradient vanishes exponentially with the distance $T - t$; above 1, it explodes.
#
# The measurement: 32 random sequences of $T = 60$ steps, loss $J = \sum_j h_{T,j}$ (the last
# state only), and the norm of $\partial J / \partial x_t$, the gradient that reaches the input
# of step $t$: how much the network's training signal can still say about what happened
# $T - t$ steps ago.

# %%
T, H = 60, 32


def gradient_per_step(model, seed=1):
    """||dJ/dx_t|| per step t (RMS over the batch) for J = the sum of the last output."""
    draws = np.random.default_rng(seed)
    inputs = ag.tensor(draws.standard_normal((32, T, 1)).astype(np.float32), requires_grad=True)
    outputs, _ = model(inputs)
    outputs[:, -1].sum().backward()
    return np.linalg.norm(inputs.grad.numpy()[:, :, 0], axis=0) / np.sqrt(32)


ag.manual_seed(0)
plain = nn.RNN(1, H, batch_first=True)
lstm = nn.LSTM(1, H, batch_first=True)
grads = {"plain RNN (tanh)": gradient_per_step(plain), "LSTM": gradient_per_step(lstm)}
for name, g in grads.items():
    rate = np.exp(np.polyfit(np.arange(20, T), np.log(g[20:]), 1)[0])
    print(f"{name:18s} gradient at t = 60: {g[-1]:.2e}, at t = 1: {g[0]:.2e}; "
          f"each step back multiplies it by {1 / rate:.2f}")

s = np.linalg.svd(plain.weight_hh_l0.detach().numpy(), compute_uv=False)
with ag.no_grad():
    states, _ = plain(ag.tensor(rng.standard_normal((32, T, 1)).astype(np.float32)))
slope = (1 - states.numpy() ** 2).mean()
rms = np.sqrt(np.mean(s**2))
print(f"\nplain RNN: singular values of W_hh from {s[-1]:.2f} to {s[0]:.2f}, RMS {rms:.2f}; "
      f"mean tanh'(a) {slope:.2f}; RMS x mean tanh' = {rms * slope:.2f}")
assert grads["plain RNN (tanh)"][0] < 1e-10 * grads["plain RNN (tanh)"][-1]

# %% [markdown]
# With the default initialization both vanish: after 60 steps the gradient that reaches the
# first input is many orders of magnitude below the last one. For the plain RNN the bound
# allows a factor of about $\|W_{hh}\| \approx 1$ per step, and $\tanh'$ is close to 1 for
# these small states; but an error pointing in no particular direction is scaled by $W_{hh}$'s
# typical (root-mean-square) singular value, about $1/\sqrt 3$ for PyTorch's uniform
# initialization, so each step back roughly halves it: $0.5^{59} \approx 10^{-18}$. Why the
# LSTM's gates help, and why they do not help here yet, comes from its cell state.
#
# ## The LSTM's gates
#
# An LSTM keeps a second state, the cell $c_t$, and three gates computed from $x_t$ and
# $h_{t-1}$, each a sigmoid in $(0, 1)$: input $i_t$, forget $f_t$, output $o_t$, with a
# candidate $g_t = \tanh(\cdot)$:
#
# $$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).$$
#
# The cell is updated by *addition*, not by a matrix product and a squashing function. Along
# the cell path, $\partial c_t / \partial c_{t-1} = \operatorname{diag}(f_t)$: the error passes
# back scaled by the forget gate only, with no $W_{hh}$ and no $\tanh'$ in the way. Where
# $f_t \approx 1$ the error is carried back unchanged over many steps (Hochreiter and
# Schmidhuber's "constant error carousel"); the network itself decides, through the gate's
# weights, what to keep and for how long.
#
# At PyTorch's default initialization the gate biases are near 0, so $f_t \approx \sigma(0) =
# 0.5$: the cell forgets half of itself each step, and the gradient along the cell path
# shrinks like $0.5^{T-t}$. The usual fix (Gers et al. 2000; Jozefowicz et al. 2015) is to
# start the forget gate's bias positive, so that the LSTM starts by remembering. In PyTorch's
# layout the four gates are stacked as $(i, f, g, o)$, so the forget gate's biases are rows
# $H$ to $2H$ of `bias_ih_l0` and `bias_hh_l0`.

# %%
def forget_gates(model, seed=1):
    """The forget gate f_t of every unit, step and sequence, recomputed from the weights."""
    draws = np.random.default_rng(seed)
    inputs = draws.standard_normal((32, T, 1)).astype(np.float32)
    with ag.no_grad():
        outputs, _ = model(ag.tensor(inputs))
    h_prev = np.concatenate([np.zeros((32, 1, H), np.float32), outputs.numpy()[:, :-1]], axis=1)
    p = {k: v.detach().numpy() for k, v in model.named_parameters()}
    gates = inputs @ p["weight_ih_l0"].T + h_prev @ p["weight_hh_l0"].T
    gates += p["bias_ih_l0"] + p["bias_hh_l0"]
    return 1 / (1 + np.exp(-gates[..., H:2 * H]))


ag.manual_seed(0)
remembering = nn.LSTM(1, H, batch_first=True)
with ag.no_grad():
    remembering.bias_ih_l0[H:2 * H] = 1.5    # the forget gate's bias, in both bias vectors
    remembering.bias_hh_l0[H:2 * H] = 1.5
grads["LSTM, forget bias +3"] = gradient_per_step(remembering)

for name, model in [("LSTM", lstm), ("LSTM, forget bias +3", remembering)]:
    f = forget_gates(model)
    print(f"{name:22s} mean forget gate {f.mean():.2f}; f^59 = {f.mean() ** 59:.1e}")

fig, ax = plt.subplots(figsize=(8, 4.5))
for (name, g), color in zip(grads.items(), ["C3", "C0", "C2"]):
    ax.semilogy(np.arange(1, T + 1), g, color=color, label=name)
ax.set(xlabel="time step t (the loss reads the state at t = 60)",
       ylabel=r"$\|\partial J / \partial x_t\|$",
       title="how much of the gradient reaches each time step")
ax.legend()
ax.grid(alpha=0.3, which="both")
plt.show()

g_open, g_lstm = grads["LSTM, forget bias +3"], grads["LSTM"]
assert g_open[0] > 1e-3 * g_open[-1]                  # still within 3 decades after 59 steps
assert g_open[0] > 1e6 * g_lstm[0]

# %% [markdown]
# With the forget gates held near 0.95 from the start, the gradient that reaches step 1 is
# within a few decades of the last step's, where the plain RNN's and the default LSTM's have
# fallen by more than ten: the cell carries the error back almost unchanged. (It is still a
# little below the last step's, through the other paths, and because $0.95^{59}$ is not 1.)
# For the plain RNN, the first step's share is $10^{-17}$ of the last step's, far below
# float32's resolution of about $10^{-7}$: added to the other steps' gradients it does not
# change a single bit, so nothing the first input does can be learned from this loss. The
# LSTM's cell path is what lets it learn from events many steps back; Hochreiter and
# Schmidhuber's experiments bridged time lags of over 1000 steps.
#
# ## Exploding gradients
#
# The product of Jacobians can also grow. A ReLU RNN (`nonlinearity="relu"`, so the
# derivative is 1 wherever a unit is active) whose recurrent weights are scaled up has a
# factor above 1 per step, and the gradient that reaches early steps is *larger* than the
# last step's. Gates do not prevent that; the usual guard is to rescale the gradient before
# each step, `nn.utils.clip_grad_norm_(model.parameters(), max_norm)`.

# %%
ag.manual_seed(0)
exploding = nn.RNN(1, H, nonlinearity="relu", batch_first=True)
with ag.no_grad():
    exploding.weight_hh_l0 *= 3.0
g_exp = gradient_per_step(exploding)
print(f"ReLU RNN with W_hh x 3: gradient at t = 60 {g_exp[-1]:.2e}, at t = 1 {g_exp[0]:.2e}")
total = nn.utils.clip_grad_norm_(exploding.parameters(), max_norm=1.0)
after = np.sqrt(sum((p.grad.numpy() ** 2).sum() for p in exploding.parameters()))
print(f"parameter gradient norm {float(total):.2e}, after clip_grad_norm_(max_norm=1): "
      f"{after:.3f}")
assert g_exp[0] > 1e3 * g_exp[-1]
assert abs(after - 1.0) < 1e-3

# %% [markdown]
# **Summary.** A recurrent network is a loop, and running the loop records a deep
# feed-forward graph, one layer per step with shared weights, so backprop through time is
# ordinary backprop on it: a shared weight's gradient is the sum of one term per step. Going
# back one step multiplies the error by $\operatorname{diag}(f'(a_t))\, W_{hh}$, so over many
# steps it vanishes (or explodes) exponentially, here by more than ten orders of magnitude
# over 60 steps. The LSTM adds a cell state updated by addition and gated by the forget gate;
# with that gate near 1 the error flows back over the whole sequence. The main job's LSTM
# forecaster (`python -m experiments --model forecaster`) puts `nn.LSTM` to work on a
# simulated pendulum, beside a linear forecast.
