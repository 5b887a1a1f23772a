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
# # 19 · Generative autoencoders: from a code to a distribution
#
# The autoencoder of notebook 13 compresses each digit to a code $h = f(x)$ and decodes it
# back. It is not a *generative* model: nothing says where in code space the digits live, so
# there is no way to pick a new code that decodes to a new digit. A **variational
# autoencoder** (VAE; Kingma and Welling, <https://arxiv.org/abs/1312.6114>) changes two
# things:
#
# - the encoder outputs a distribution over codes, $q(z \mid x) = \mathcal N(\mu(x),
#   \operatorname{diag}\sigma^2(x))$, and the decoder sees a *draw* $z$ from it;
# - the loss adds the Kullback-Leibler divergence from $q(z \mid x)$ to a fixed prior
#   $p(z) = \mathcal N(0, I)$, which pulls every digit's codes towards the same region.
#
# Together they give the **evidence lower bound** (ELBO) on $\log p(x)$, maximized in training:
#
# $$\log p(x) \ge \mathrm{ELBO}(x) = \mathbb E_{z \sim q(z\mid x)}\left[\log p(x \mid z)\right]
#   - \mathrm{KL}\left(q(z \mid x)\,\|\,p(z)\right).$$
#
# Then a new digit is one line: draw $z \sim \mathcal N(0, I)$ and decode it. This notebook
# shows the two ingredients on their own (the **reparameterization trick** that lets a
# gradient pass through a random draw, and the **KL term** in closed form), then trains an
# autoencoder and a VAE of the same size on the 8×8 digits and compares their codes, their
# **samples from the prior** and a **latent-space interpolation**.

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
# ## The reparameterization trick
#
# Training needs $\nabla_{\mu,\sigma}\, \mathbb E_{z \sim \mathcal N(\mu, \sigma^2)}[\ell(z)]$.
# A number drawn by a random generator has no graph: nothing connects it to $\mu$ and
# $\sigma$, so backprop cannot reach them. The trick is to draw the noise alone,
# $\varepsilon \sim \mathcal N(0, 1)$, and *compute* the sample from it,
#
# $$z = \mu + \sigma\, \varepsilon,$$
#
# which has the same distribution and is an ordinary differentiable function of $\mu$ and
# $\sigma$; the average over draws of the gradient is then an unbiased estimate of the
# gradient of the expectation. A check where the answer is known:
# $\mathbb E[z^2] = \mu^2 + \sigma^2$, so the gradients are $2\mu$ and $2\sigma$.

# %%
mu = ag.tensor(1.5, requires_grad=True)
sigma = ag.tensor(0.8, requires_grad=True)

drawn = ag.tensor(np.random.default_rng(0).normal(1.5, 0.8, 100_000))   # sampled directly
print("a direct draw: requires_grad =", drawn.requires_grad, "(no path back to mu, sigma)")

eps = ag.randn(100_000, dtype=ag.float64)
z = mu + sigma * eps                                                  # reparameterized
(z**2).mean().backward()
print(f"d/dmu    E[z^2]: estimate {mu.grad.item():.4f}, exact 2 mu    = {2 * 1.5:.4f}")
print(f"d/dsigma E[z^2]: estimate {sigma.grad.item():.4f}, exact 2 sigma = {2 * 0.8:.4f}")
assert not drawn.requires_grad
assert abs(mu.grad.item() - 3.0) < 0.03 and abs(sigma.grad.item() - 1.6) < 0.03

# %% [markdown]
# ## The KL term
#
# For a diagonal Gaussian $q = \mathcal N(\mu, \sigma^2)$ against $p = \mathcal N(0, 1)$ the
# KL divergence $\mathbb E_q[\log q(z) - \log p(z)]$ has a closed form, summed over the
# latent dimensions:
#
# $$\mathrm{KL}(q\,\|\,p) = \tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2
#   \right).$$
#
# It is 0 only for $\mu = 0, \sigma = 1$: it charges a code for moving away from the origin
# ($\mu^2$) and for being more certain than the prior ($\sigma < 1$), which is what keeps the
# codes packed where the prior will later draw from. The formula against a Monte Carlo
# estimate of the expectation, for a 2-D example:

# %%
def kl_closed_form(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over the last dimension."""
    return 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(-1)


m, logvar = ag.tensor([0.7, -1.2]), ag.tensor([-0.5, 0.3])
s = (0.5 * logvar).exp()
draws = m + s * ag.randn(200_000, 2)
log_q = (-0.5 * ((draws - m) / s) ** 2 - ag.log(s) - 0.5 * np.log(2 * np.pi)).sum(-1)
log_p = (-0.5 * draws**2 - 0.5 * np.log(2 * np.pi)).sum(-1)
monte_carlo = (log_q - log_p).mean().item()
print(f"closed form {kl_closed_form(m, logvar).item():.4f}, Monte Carlo {monte_carlo:.4f}")
assert abs(kl_closed_form(m, logvar).item() - monte_carlo) < 0.02

# %% [markdown]
# ## An autoencoder and a VAE of the same shape
#
# One class serves for both: an encoder 64 → 128 → $(\mu, \log\sigma^2)$ with a 2-D latent,
# and a decoder 2 → 128 → 64 that outputs the logits of the pixels. The pixels are grey levels
# in $[0, 1]$, so $p(x \mid z)$ is a product of Bernoulli distributions with those means, and
# $-\log p(x \mid z)$ is the binary cross-entropy summed over the pixels (with the grey levels as
# soft targets). The **autoencoder** decodes $z = \mu$ and is trained on the reconstruction term
# alone; the **VAE** decodes a reparameterized draw and adds the KL term, so its loss is
# $-\mathrm{ELBO}$ in nats per image.

# %%
class VAE(nn.Module):
    def __init__(self, latent=2, hidden=128):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, hidden), nn.ReLU())
        self.mu, self.logvar = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 64))

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        """Pixel means in [0, 1]."""
        return self.decoder(z).sigmoid()


def losses(model, x, variational):
    """(loss, reconstruction -log p(x|z), KL), each in nats per image."""
    mu, logvar = model.encode(x)
    z = mu + (0.5 * logvar).exp() * ag.randn(*mu.shape) if variational else mu
    recon = F.binary_cross_entropy_with_logits(model.decoder(z), x, reduction="sum") / len(x)
    kl = kl_closed_form(mu, logvar).mean()
    return (recon + kl if variational else recon), recon, kl


def train(variational, steps=1500, seed=0):
    ag.manual_seed(seed)
    model = VAE()
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loader = nn.data.DataLoader(nn.data.TensorDataset(x_train), batch_size=64, shuffle=True,
                                seed=seed)
    history, step = [], 0
    while step < steps:
        for (x,) in loader:
            opt.zero_grad()
            loss, _, _ = losses(model, x, variational)
            loss.backward()
            opt.step()
            history.append(loss.item())
            step += 1
            if step == steps:
                break
    return model, history


ae, ae_history = train(variational=False)
vae, vae_history = train(variational=True)

xt = ag.tensor(x_test)
with ag.no_grad():
    scores = {}
    for name, model, variational in [("autoencoder", ae, False), ("VAE", vae, True)]:
        _, recon, kl = losses(model, xt, variational)
        mse = np.mean((model.decode(model.encode(xt)[0]).numpy() - x_test) ** 2)
        scores[name] = (recon.item(), kl.item(), mse)
        print(f"{name:12s} test: reconstruction {recon.item():6.2f} nats, KL {kl.item():5.2f} "
              f"nats, -ELBO {recon.item() + kl.item():6.2f}; MSE per pixel from mu {mse:.4f}")
assert scores["VAE"][1] < 0.2 * scores["autoencoder"][1]     # the KL term keeps q near the prior

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(ae_history, lw=0.6, label="autoencoder: -log p(x|z)")
ax.plot(vae_history, lw=0.6, label="VAE: -ELBO")
ax.set(ylim=(15, 60), xlabel="training step (batch of 64)", ylabel="nats per image",
       title="training loss")
ax.legend()
plt.show()

# %% [markdown]
# The autoencoder reconstructs a little better: the VAE pays for the noise in its codes and
# for staying near the prior. Its KL says how much information its codes carry about each
# image (a few nats), while the autoencoder's codes are points, infinitely precise; its "KL",
# computed from the $\log\sigma^2$ head that it never trained, means nothing except that its
# codes lie far from the prior.
#
# ## Where the codes lie
#
# The codes $\mu(x)$ of the test digits, with the circles where the prior $\mathcal N(0, I)$
# puts 39 % and 86 % of its draws (radius 1 and 2):

# %%
with ag.no_grad():
    codes = {"autoencoder": ae.encode(xt)[0].numpy(), "VAE": vae.encode(xt)[0].numpy()}

fig, axes = plt.subplots(1, 2, figsize=(13, 5.5))
for ax, (name, c) in zip(axes, codes.items()):
    sc = ax.scatter(c[:, 0], c[:, 1], c=y_test, cmap="tab10", s=10)
    for r in (1, 2):
        ax.add_patch(plt.Circle((0, 0), r, fill=False, ls="--", color="k"))
    ax.set(aspect="equal", xlabel="z1", ylabel="z2",
           title=f"{name}: codes mu(x) of the test digits")
fig.colorbar(sc, ax=axes, ticks=range(10), label="digit")
plt.show()
inside = {name: np.mean(np.linalg.norm(c, axis=1) < 2) for name, c in codes.items()}
for name, share in inside.items():
    print(f"{name:12s} {share:.0%} of the test codes lie within radius 2 of the origin")
assert inside["VAE"] > 0.8 and inside["autoencoder"] < 0.5

# %% [markdown]
# ## Samples from the prior
#
# Draw $z \sim \mathcal N(0, I)$ and decode. For the VAE this is what the KL term prepared:
# the prior's draws fall where the training codes are, in proportion. For the autoencoder
# nothing relates the prior to its codes: the draws land in the middle patch of its code
# space, which holds a few of the digits only. To put a number on it, 400 draws are decoded,
# and each sample is labelled with the class of its nearest training image (least squared
# error): how the samples spread over the ten digits.

# %%
z = ag.randn(400, 2, generator=ag.Generator().manual_seed(1))
with ag.no_grad():
    samples = {"autoencoder": ae.decode(z).numpy(), "VAE": vae.decode(z).numpy()}

fig, axes = plt.subplots(4, 20, figsize=(14, 3.4))
for block, (name, images) in enumerate(samples.items()):
    for k in range(40):
        ax = axes[2 * block + k // 20, k % 20]
        ax.imshow(images[k].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set(xticks=[], yticks=[])
    axes[2 * block, 0].set_ylabel(name, rotation=0, ha="right", va="center")
fig.suptitle("the first 40 draws z ~ N(0, I), decoded: autoencoder (top two rows), "
             "VAE (bottom two)")
plt.show()


def nearest_class(images):
    """The label of the closest training image to each image."""
    d = ((images[:, None, :] - x_train[None, :, :]) ** 2).mean(-1)
    return y_train[d.argmin(1)]


spread = {name: np.bincount(nearest_class(images), minlength=10) / len(images)
          for name, images in samples.items()}
fig, ax = plt.subplots(figsize=(8, 3.2))
for shift, (name, share) in zip((-0.2, 0.2), spread.items()):
    ax.bar(np.arange(10) + shift, 100 * share, width=0.4, label=name)
ax.set(xticks=range(10), xlabel="class of the nearest training digit",
       ylabel="% of the 400 samples", title="what the prior's draws decode to")
ax.legend()
plt.show()
for name, share in spread.items():
    print(f"{name:12s} classes reached {np.count_nonzero(share)}/10, the most common one takes "
          f"{share.max():.0%} of the samples")
assert spread["VAE"].max() < 0.2 and spread["autoencoder"].max() > 0.3
assert np.count_nonzero(spread["VAE"]) > np.count_nonzero(spread["autoencoder"])

# %% [markdown]
# ## Interpolating in the latent space
#
# A path from one digit to another: encode both, walk along the straight line between the two
# codes, and decode each point. The decoder is a smooth function of the code, so the images
# change gradually, and the path passes through the digits whose codes lie between the two
# ends: in a 2-D latent space a straight path from the 0s to the 7s has to cross other
# classes' regions. In the VAE's space those regions are packed around the origin, so the
# path is short and each point on it is one the decoder saw in training (as noisy draws
# around the codes); in the autoencoder's it may cross gaps between clusters.

# %%
a, b = int(np.flatnonzero(y_test == 0)[0]), int(np.flatnonzero(y_test == 7)[0])
weights = np.linspace(0, 1, 10)
paths = {}
with ag.no_grad():
    for name, model in [("autoencoder", ae), ("VAE", vae)]:
        za, zb = model.encode(ag.tensor(x_test[[a, b]]))[0].numpy()
        line = np.stack([(1 - w) * za + w * zb for w in weights]).astype(x_test.dtype)
        paths[name] = model.decode(ag.tensor(line)).numpy()

fig, axes = plt.subplots(3, 10, figsize=(11, 3.8))
rows = {"inputs": [x_test[a]] + [np.full(64, np.nan)] * 8 + [x_test[b]], **paths}
for r, (name, images) in enumerate(rows.items()):
    for c in range(10):
        axes[r, c].imshow(np.asarray(images[c]).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        axes[r, c].set(xticks=[], yticks=[])
        if r == 0 and 0 < c < 9:
            axes[r, c].axis("off")
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center")
for c, w in enumerate(weights):
    axes[-1, c].set_xlabel(f"{w:.2f}")
fig.suptitle("decoding (1 - w) z(0) + w z(7) for w from 0 to 1")
plt.show()
for name, images in paths.items():
    print(f"{name:12s} the path decodes to images nearest to training digits "
          f"{''.join(map(str, nearest_class(images)))}")

# %% [markdown]
# **Summary.** A VAE is an autoencoder whose codes are distributions: the encoder gives
# $\mu$ and $\sigma$, the decoder reads a draw $z = \mu + \sigma\varepsilon$ (the
# reparameterization trick, which lets the gradient through the draw), and the KL term pulls
# $q(z \mid x)$ towards $\mathcal N(0, I)$. The loss is the negative ELBO, reconstruction plus
# KL. It reconstructs slightly worse than the plain autoencoder of the same shape, but its
# codes fill the prior, so decoding draws from $\mathcal N(0, I)$ gives digits, and the path
# between two codes passes through digits. The main job trains this VAE on the same split and
# reports its ELBO beside PCA (`python -m experiments --model vae`).
