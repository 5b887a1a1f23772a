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
# # 12 · Batch normalization, dropout, and fighting overfitting
#
# *Lecture 3* of the notes collects the tools that make deep networks train and generalize:
# **batch normalization** ("use mini-batch statistics at training time, population statistics at
# test time"), **dropout** ("define it as a layer": a random mask at training time, a rescaling at
# test time), and four strategies against overfitting: pick a simpler model, **stop early**,
# impose smoothness with **weight decay**, and **bag** multiple models. The CS771 notes add:
# "neural nets can overfit... early stopping: stop when validation error starts increasing".
#
# The layers are checked against the notes' formulas on real numbers; then the regularizers are
# compared on a deliberately small training set of digits. (Ioffe and Szegedy,
# <https://arxiv.org/abs/1502.03167>; Srivastava et al., *Dropout*, JMLR 2014.)

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim
from nn.training import EarlyStopping, accuracy

ag.manual_seed(0)
np.set_printoptions(precision=4, suppress=True)
plt.rcParams["figure.dpi"] = 72

digits = nn.datasets.load_digits()
x_all, y_all = digits["x"], digits["y"]

# %% [markdown]
# ## Batch normalization in training: the batch's statistics
#
# The notes' algorithm, for each feature over a mini-batch $\mathcal B = \{x_1, \dots, x_m\}$:
#
# $$\mu_\mathcal{B} = \frac1m \sum_i x_i, \qquad
#   \sigma_\mathcal{B}^2 = \frac1m \sum_i (x_i - \mu_\mathcal{B})^2, \qquad
#   \hat x_i = \frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma_\mathcal{B}^2 + \epsilon}}, \qquad
#   y_i = \gamma \hat x_i + \beta .$$
#
# Below, the pre-activations $z$ of a `Linear(64, 3)` layer on a batch of 8 digits go through
# `nn.BatchNorm1d(3)` in training mode ($\gamma = 1, \beta = 0$ at initialization) and through
# the formulas by hand.

# %%
layer = nn.Linear(64, 3)
bn = nn.BatchNorm1d(3)
batch = ag.tensor(x_all[:8])
z = layer(batch).detach()
print("z (8 samples x 3 features):\n", z.numpy())
print("feature means:", z.numpy().mean(0), " feature stds:", z.numpy().std(0))

bn.train()
out = bn(z).detach().numpy()
mu, var = z.numpy().mean(0), z.numpy().var(0)              # biased variance, as in the notes
gamma, beta = bn.weight.detach().numpy(), bn.bias.detach().numpy()
by_hand = (z.numpy() - mu) / np.sqrt(var + bn.eps) * gamma + beta
print("\nBatchNorm1d output:\n", out)
print("means:", out.mean(0), " stds:", out.std(0))
assert np.allclose(out, by_hand, atol=1e-5)
assert np.allclose(out.mean(0), 0, atol=1e-5) and np.allclose(out.std(0), 1, atol=1e-3)

# %% [markdown]
# Each training-mode call also updates the layer's estimate of the population statistics, an
# exponential moving average with `momentum` $= 0.1$ (starting from mean 0 and variance 1; the
# running variance uses the unbiased batch variance, as PyTorch does):
#
# $$\text{running\_mean} \leftarrow 0.9\,\text{running\_mean} + 0.1\,\mu_\mathcal{B},$$
# $$\text{running\_var} \leftarrow 0.9\,\text{running\_var}
#   + 0.1\,\tfrac{m}{m-1}\sigma_\mathcal{B}^2.$$

# %%
print("running_mean:", bn.running_mean.numpy(), " expected:", 0.1 * mu)
print("running_var: ", bn.running_var.numpy(), " expected:", 0.9 + 0.1 * var * 8 / 7)
assert np.allclose(bn.running_mean.numpy(), 0.1 * mu, atol=1e-6)
assert np.allclose(bn.running_var.numpy(), 0.9 + 0.1 * var * 8 / 7, atol=1e-5)

# %% [markdown]
# ## At test time: the running (population) statistics
#
# After 300 more training-mode batches of 32 random digits the running averages have converged
# near the statistics of $z$ over the whole data set. In evaluation mode (`bn.eval()`) the layer
# normalizes with them instead of the batch's: a fixed affine map, so a test sample's output no
# longer depends on which other samples share its batch.

# %%
rng = np.random.default_rng(0)
with ag.no_grad():
    for _ in range(300):
        bn(layer(ag.tensor(x_all[rng.choice(len(x_all), 32)])))
    z_all = layer(ag.tensor(x_all)).numpy()
print("running_mean:", bn.running_mean.numpy(), " mean of z over all 1797 digits:", z_all.mean(0))
print("running_var: ", bn.running_var.numpy(), " var of z over all 1797 digits: ", z_all.var(0))
assert np.allclose(bn.running_mean.numpy(), z_all.mean(0), atol=0.05)

sample = z[:1]                                 # the first digit's z
other_batch = layer(ag.tensor(x_all[100:107])).detach()
together_a = ag.cat([sample, z[1:]])           # the first digit with its own batch
together_b = ag.cat([sample, other_batch])     # ... and with seven other digits
with ag.no_grad():
    bn.train()
    train_a, train_b = bn(together_a)[0].numpy(), bn(together_b)[0].numpy()
    bn.eval()
    eval_a, eval_b = bn(together_a)[0].numpy(), bn(together_b)[0].numpy()
print("training mode, same digit in two batches:", train_a, train_b)
print("eval mode,     same digit in two batches:", eval_a, eval_b)
running = (sample.numpy()[0] - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + bn.eps)
assert not np.allclose(train_a, train_b)
assert np.allclose(eval_a, eval_b) and np.allclose(eval_a, running * gamma + beta)

# %% [markdown]
# Since evaluation-mode batch normalization is affine, it "can be incorporated into the adjacent
# multiplicative layer" (the notes): a single `Linear` with $W' = \operatorname{diag}(s) W$ and
# $b' = s\,(b - \text{running\_mean}) + \beta$, where $s = \gamma / \sqrt{\text{running\_var} +
# \epsilon}$, computes the same thing.

# %%
s = gamma / np.sqrt(bn.running_var.numpy() + bn.eps)
W, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
folded = nn.Linear(64, 3)
folded.load_state_dict({"weight": s[:, None] * W,
                        "bias": s * (b - bn.running_mean.numpy()) + beta})
with ag.no_grad():
    two_layers, one_layer = bn(layer(ag.tensor(x_all))).numpy(), folded(ag.tensor(x_all)).numpy()
print("largest difference over all digits:", np.abs(two_layers - one_layer).max())
assert np.allclose(two_layers, one_layer, atol=1e-5)

# %% [markdown]
# ## Dropout as a layer
#
# The notes define dropout by a random mask: forward $y = x \odot n$ with $n_j \sim
# \text{Bernoulli}(p)$ (keep each unit with probability $p$), backward
# $\partial z / \partial x = \partial z / \partial y \odot n$, and at test time all units active
# but scaled by $p$, so that each unit's output equals its expectation during training.
#
# `nn.Dropout(p)` follows PyTorch, where `p` is the probability of **dropping** a unit, and uses
# the equivalent *inverted* form: the survivors are scaled by $1/(1-p)$ during training, so that
# at test time (`eval()`) the layer is the identity. The expectation is the same: for each unit,
# $\mathbb E[y_j] = (1 - p) \cdot x_j / (1 - p) = x_j$.

# %%
drop = nn.Dropout(p=0.5)
inked = x_all[0][x_all[0] > 0][:8]                        # 8 inked pixels of the first digit
x_row = ag.tensor(inked, requires_grad=True)
drop.train()
print("input:          ", x_row.detach().numpy())
for _ in range(3):
    print("training output:", drop(x_row).detach().numpy())
drop.eval()
print("eval output:    ", drop(x_row).detach().numpy())
assert np.array_equal(drop(x_row).detach().numpy(), x_row.detach().numpy())

# %% [markdown]
# Over 20,000 masks the mean training output matches the test-time output, about half of the
# units are dropped, and every surviving value is exactly $x_j / (1 - p)$. The gradient is the
# upstream gradient times the same mask and scale.

# %%
drop.train()
with ag.no_grad():
    samples = np.stack([drop(x_row).numpy() for _ in range(20000)])
x_np = x_row.detach().numpy()
kept = samples != 0
print("mean of 20000 training outputs:", samples.mean(0))
print(f"fraction dropped: {1 - kept.mean():.4f}")
assert np.allclose(samples.mean(0), x_np, atol=0.02)
assert abs(kept.mean() - 0.5) < 0.01
assert np.allclose(samples[kept], np.broadcast_to(x_np / (1 - 0.5), samples.shape)[kept])

y_row = drop(x_row)
upstream = np.arange(1.0, 9.0, dtype=np.float32)
y_row.backward(ag.tensor(upstream))
mask_scale = np.where(y_row.detach().numpy() != 0, 1 / (1 - 0.5), 0.0)
print("y:             ", y_row.detach().numpy())
print("upstream dJ/dy:", upstream)
print("dJ/dx:         ", x_row.grad.numpy())
assert np.allclose(x_row.grad.numpy(), upstream * mask_scale)

# %% [markdown]
# ## Overfitting on a small training set
#
# 120 training digits, 500 for validation, the other 1177 for testing. An MLP with two hidden
# layers of 128 units (25,000 weights, 200 per training example) and SGD with momentum
# (η = 0.05, μ = 0.9, batches of 20) for 100 epochs, through `nn.fit`. Without regularization the
# training loss goes to zero while the validation loss, after a minimum, rises again.

# %%
order = np.random.default_rng(0).permutation(len(y_all))
train_idx, val_idx, test_idx = order[:120], order[120:620], order[620:]
val_loader = nn.data.DataLoader(nn.data.TensorDataset(x_all[val_idx], y_all[val_idx]),
                                batch_size=500)


def train(epochs=100, weight_decay=0.0, callbacks=(), idx=train_idx, seed=0):
    """A fresh MLP trained on the digits `idx`; returns the model and its History."""
    ag.manual_seed(seed)
    model = nn.MLP([64, 128, 128, 10])
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=weight_decay)
    loader = nn.data.DataLoader(nn.data.TensorDataset(x_all[idx], y_all[idx]), batch_size=20,
                                shuffle=True, seed=seed)
    history = nn.fit(model, F.cross_entropy, opt, loader, epochs=epochs, val_loader=val_loader,
                     metrics={"accuracy": accuracy}, callbacks=list(callbacks), verbose=False)
    return model, history


def test_accuracy(model):
    model.eval()
    with ag.no_grad():
        return accuracy(model(ag.tensor(x_all[test_idx])), y_all[test_idx])


def weight_norm(model):
    weights = [p.detach().numpy() for name, p in model.named_parameters()
               if name.endswith("weight")]
    return np.sqrt(sum((w**2).sum() for w in weights))


plain, plain_h = train()
decayed, decayed_h = train(weight_decay=3e-3)
stopper = EarlyStopping(monitor="val_loss", patience=10, restore_best=True)
stopped, stopped_h = train(callbacks=[stopper])

# %% [markdown]
# **Weight decay.** The notes' cost with weight decay is $J + \frac\lambda2 \sum w^2$, whose
# gradient adds $\lambda w$; `optim.SGD(..., weight_decay=λ)` adds exactly that term, here
# $\lambda = 3\cdot10^{-3}$. It keeps the weights small and the validation loss from rising.
#
# **Early stopping.** `nn.training.EarlyStopping(monitor="val_loss", patience=10,
# restore_best=True)` ends training once the validation loss has not improved for 10 epochs,
# and puts back the weights of the best epoch (in the plots: the dashed green line marks the best
# epoch, the solid one the last).

# %%
fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(16, 4.3))
for (name, h), color in zip([("no regularization", plain_h), ("weight decay", decayed_h),
                             ("early stopping", stopped_h)], ["C3", "C0", "C2"]):
    ax0.semilogy(h["loss"], color=color, label=name)
    ax1.plot(h["val_loss"], color=color, label=name)
    ax2.plot(h["val_accuracy"], color=color, label=name)
for ax in (ax0, ax1, ax2):
    ax.axvline(stopper.best_epoch, color="C2", lw=0.8, ls="--")
    ax.axvline(stopper.stopped_epoch, color="C2", lw=0.8)
    ax.set_xlabel("epoch")
    ax.legend()
ax0.set(ylabel="cross-entropy", title="training loss")
ax1.set(ylabel="cross-entropy", ylim=(0.2, 0.7), title="validation loss")
ax2.set(ylabel="accuracy", ylim=(0.75, 0.95), title="validation accuracy")
plt.tight_layout()
plt.show()

rows = [("no regularization", plain, plain_h), ("weight decay", decayed, decayed_h),
        ("early stopping", stopped, stopped_h)]
print(f"{'':18s} {'epochs':>6s} {'train loss':>10s} {'val loss':>9s} {'|W|':>6s} {'test acc':>8s}")
for name, model, h in rows:
    model.eval()
    with ag.no_grad():
        val_loss = float(F.cross_entropy(model(ag.tensor(x_all[val_idx])),
                                         ag.tensor(y_all[val_idx])))
    print(f"{name:18s} {len(h['loss']):6d} {h['loss'][-1]:10.4f} {val_loss:9.3f} "
          f"{weight_norm(model):6.1f} {test_accuracy(model):8.1%}")

val = np.array(plain_h["val_loss"])
print(f"\nno regularization: validation loss lowest at epoch {val.argmin()} ({val.min():.3f}), "
      f"{val[-1]:.3f} at the end")
assert plain_h["loss"][-1] < 0.01 and val[-1] > 1.03 * val.min()        # it overfits
assert decayed_h["val_loss"][-1] < val[-1] and weight_norm(decayed) < weight_norm(plain)
assert stopper.stopped_epoch < 99 and stopper.best_epoch == int(np.argmin(stopped_h["val_loss"]))

# %% [markdown]
# The restored model really is the best epoch's: its validation loss, recomputed, equals the
# lowest one in the history.

# %%
stopped.eval()
with ag.no_grad():
    restored = float(F.cross_entropy(stopped(ag.tensor(x_all[val_idx])),
                                     ag.tensor(y_all[val_idx])))
print(f"best epoch {stopper.best_epoch}: logged {min(stopped_h['val_loss']):.5f}, "
      f"recomputed after restore {restored:.5f}")
assert np.isclose(restored, min(stopped_h["val_loss"]), rtol=1e-5)

# %% [markdown]
# ## Bagging: an ensemble of networks
#
# *Bootstrap aggregating*: each of 7 networks is trained on its own bootstrap sample (120 digits
# drawn with replacement from the 120, so each sees about 63 % of them, some twice) with its own
# random initialization; the ensemble averages their predicted class probabilities. The members
# make different mistakes, and averaging cancels part of them.

# %%
members = []
rng = np.random.default_rng(1)
for k in range(7):
    bootstrap = rng.choice(train_idx, size=len(train_idx), replace=True)
    model, _ = train(epochs=60, idx=bootstrap, seed=10 + k)
    model.eval()
    members.append(model)

with ag.no_grad():
    probs = [F.softmax(m(ag.tensor(x_all[test_idx])), dim=1).numpy() for m in members]
member_acc = [float((p.argmax(1) == y_all[test_idx]).mean()) for p in probs]
ensemble_acc = float((np.mean(probs, axis=0).argmax(1) == y_all[test_idx]).mean())

fig, ax = plt.subplots(figsize=(8, 3.8))
ax.bar(range(1, 8), member_acc, color="C7", label="members")
ax.bar(8.5, ensemble_acc, color="C0", label="ensemble (mean probability)")
ax.axhline(np.mean(member_acc), color="k", lw=0.8, ls="--", label="members' mean")
ax.set(xticks=[*range(1, 8), 8.5], xticklabels=[*map(str, range(1, 8)), "bag"],
       ylim=(0.8, 0.95), ylabel="test accuracy", title="7 MLPs on bootstrap samples of 120 digits")
ax.legend(loc="lower left")
plt.show()
print("members:", [f"{a:.1%}" for a in member_acc])
print(f"mean member {np.mean(member_acc):.1%}, best member {max(member_acc):.1%}, "
      f"ensemble {ensemble_acc:.1%}")
assert ensemble_acc > max(member_acc)

# %% [markdown]
# **Summary.** Batch normalization normalizes with the batch's statistics while training and with
# running estimates of the population's at test time, where it is an affine map that folds into
# the previous layer. Dropout zeroes units at random while training and, in its inverted form,
# scales the survivors so that the expected output equals the test-time output. On 120 training
# digits the unregularized network fits the training set perfectly while its validation loss
# climbs; weight decay and early stopping keep the validation loss down, and an ensemble of
# networks trained on bootstrap samples beats each of its members.
