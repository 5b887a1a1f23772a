"""A variational autoencoder on the 8x8 UCI digits, beside PCA with the same code size.

The plain autoencoder squeezes each digit to a point; the VAE squeezes it to a Gaussian
q(z|x) = N(mu, diag(sigma^2)) and is trained on the evidence lower bound (ELBO),
E_q[log p(x|z)] - KL(q(z|x) || N(0, I)). The KL term pulls the codes towards the prior, so
decoding draws from N(0, I) gives digits: the model generates, not only compresses. The pixels
lie in [0, 1], so p(x|z) is a product of Bernoulli distributions whose means the decoder gives
(the cross-entropy with the grey levels as soft targets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import autograd_core as ag
import optim
from nn import functional as F
from nn import layers as L
from nn.data import TensorDataset
from nn.datasets import load_digits, train_test_split
from nn.module import Module

from .loop import TrainingRun, train_for_steps
from .recipe import count_parameters

VAEOutput = tuple[ag.Tensor, ag.Tensor, ag.Tensor]


@dataclass(frozen=True)
class VAERecipe:
    steps: int = 2000
    batch_size: int = 64
    lr: float = 3e-3
    eval_every: int = 250
    hidden: int = 128
    latent: int = 2
    test_fraction: float = 0.2
    elbo_samples: int = 16
    prior_samples: int = 40


class VAE(Module):
    """An MLP encoder to the mean and log-variance of q(z|x), and an MLP decoder from z to
    the logits of the pixels' Bernoulli means.

    forward(x) returns (logits, mu, logvar) with z drawn by the reparameterization
    z = mu + exp(logvar / 2) * eps, eps ~ N(0, I): the draw is a deterministic, differentiable
    function of mu and logvar, so the ELBO's gradient reaches the encoder."""

    def __init__(self, pixels: int = 64, hidden: int = 128, latent: int = 2) -> None:
        super().__init__()
        self.encoder = L.Sequential(L.Linear(pixels, hidden), L.ReLU())
        self.mu = L.Linear(hidden, latent)
        self.logvar = L.Linear(hidden, latent)
        self.decoder = L.Sequential(L.Linear(latent, hidden), L.ReLU(), L.Linear(hidden, pixels))
        self.latent = latent

    def encode(self, x: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor]:
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z: ag.Tensor) -> ag.Tensor:
        return self.decoder(z)

    def forward(self, x: ag.Tensor, generator: ag.Generator | None = None) -> VAEOutput:
        mu, logvar = self.encode(x)
        eps = ag.randn(*mu.shape, generator=generator, dtype=mu.dtype)
        z = mu + (0.5 * logvar).exp() * eps
        return self.decode(z), mu, logvar


def reconstruction_nll(out: VAEOutput, x: ag.Tensor) -> ag.Tensor:
    """-log p(x|z) in nats per image: the Bernoulli cross-entropy summed over pixels."""
    logits = out[0]
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / logits.shape[0]


def kl_to_prior(out: VAEOutput, x: ag.Tensor | None = None) -> ag.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) in nats per image, in closed form:
    1/2 sum(mu^2 + sigma^2 - 1 - log sigma^2)."""
    _, mu, logvar = out
    return 0.5 * (mu * mu + logvar.exp() - 1.0 - logvar).sum() / mu.shape[0]


def negative_elbo(out: VAEOutput, x: ag.Tensor) -> ag.Tensor:
    """The loss: -ELBO = reconstruction NLL + KL, nats per image (one draw of z each)."""
    return reconstruction_nll(out, x) + kl_to_prior(out)


@dataclass
class VAEResult:
    model: VAE
    run: TrainingRun
    parameters: int
    latent: int
    x_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_elbo: float
    test_reconstruction_nll: float
    test_kl: float
    test_mse: float
    baselines: dict[str, float]
    prior_samples: np.ndarray
    latent_grid: np.ndarray
    grid_values: np.ndarray
    codes_test: np.ndarray

    title = "VAE"
    data = "UCI digits"
    measure = "reconstruction MSE per pixel"

    @property
    def row_title(self) -> str:
        return f"VAE ({self.latent}-D latent)"

    @property
    def baseline_name(self) -> str:
        return f"PCA, {self.latent} components"

    def note(self) -> str:
        return (f"VAE: test ELBO {self.test_elbo:.2f} nats per image (reconstruction "
                f"-log p(x|z) {self.test_reconstruction_nll:.2f}, KL {self.test_kl:.2f}); "
                f"{len(self.prior_samples)} digits decoded from the prior; mean-image "
                f"baseline {self.baselines['mean image']:.4f}")

    @property
    def baseline(self) -> float:
        return self.baselines[self.baseline_name]

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "latent": self.latent,
            "parameters": self.parameters,
            "steps": self.run.steps,
            "train_samples": int(len(self.x_train)),
            "test_samples": int(len(self.x_test)),
            "test_elbo": self.test_elbo,
            "test_reconstruction_nll": self.test_reconstruction_nll,
            "test_kl": self.test_kl,
            "test_mse": self.test_mse,
            "baseline": self.baseline_name,
            "baselines_test_mse": dict(self.baselines),
            "beats_baseline": self.test_mse < self.baseline,
            "seconds": self.run.seconds,
            "eval_seconds": self.run.eval_seconds,
            "ms_per_step": self.run.ms_per_step,
            "curves": self.run.curves.to_dict(),
        }


def pca_reconstruction_mse(x_train: np.ndarray, x_test: np.ndarray, k: int) -> float:
    """Test MSE per pixel of the best linear code of size k fitted on the training set:
    projection onto its top k principal directions."""
    mean = x_train.mean(0)
    _, _, vt = np.linalg.svd(x_train - mean, full_matrices=False)
    rebuilt = (x_test - mean) @ vt[:k].T @ vt[:k] + mean
    return float(np.mean((rebuilt - x_test) ** 2))


def train_vae(recipe: VAERecipe = VAERecipe(), seed: int = 0,
              progress: bool = True) -> VAEResult:
    """Train on the same seeded 80/20 split of the digits as the autoencoder, with Adam on the
    negative ELBO; then score it on the test set and decode draws from the prior."""
    digits = load_digits()
    x_train, x_test, _, y_test = train_test_split(
        digits["x"], digits["y"], test_fraction=recipe.test_fraction, seed=seed)
    ag.manual_seed(seed)
    model = VAE(x_train.shape[1], recipe.hidden, recipe.latent)
    optimizer = optim.Adam(model.parameters(), lr=recipe.lr)
    run = train_for_steps(
        model, negative_elbo, optimizer, TensorDataset(x_train, x_train),
        {"train": TensorDataset(x_train, x_train), "test": TensorDataset(x_test, x_test)},
        steps=recipe.steps, batch_size=recipe.batch_size, eval_every=recipe.eval_every,
        seed=seed, metrics={"reconstruction": reconstruction_nll, "kl": kl_to_prior},
        description=f"{'VAE':>19}", progress=progress, watch="test_loss",
    )
    model.eval()
    draws = ag.Generator().manual_seed(seed)
    xt = ag.tensor(x_test)
    with ag.no_grad():
        nll = kl = 0.0
        for _ in range(recipe.elbo_samples):
            out = model(xt, generator=draws)
            nll += float(reconstruction_nll(out, xt)) / recipe.elbo_samples
            kl += float(kl_to_prior(out)) / recipe.elbo_samples
        mu, _ = model.encode(xt)
        rebuilt = model.decode(mu).sigmoid().numpy()
        z = ag.randn(recipe.prior_samples, recipe.latent, generator=draws, dtype=mu.dtype)
        samples = model.decode(z).sigmoid().numpy()
        values = np.linspace(-2.0, 2.0, 9)
        grid = np.stack(np.meshgrid(values, values[::-1]), -1).reshape(-1, 2)
        grid_images = (model.decode(ag.tensor(grid.astype(x_test.dtype))).sigmoid().numpy()
                       if recipe.latent == 2 else np.zeros((0, x_test.shape[1])))
    mean_image = float(np.mean((x_train.mean(0) - x_test) ** 2))
    baselines = {"mean image": mean_image,
                 f"PCA, {recipe.latent} components": pca_reconstruction_mse(
                     x_train, x_test, recipe.latent)}
    return VAEResult(model, run, count_parameters(model), recipe.latent, x_train, x_test,
                     y_test, -(nll + kl), nll, kl, float(np.mean((rebuilt - x_test) ** 2)),
                     baselines, samples, grid_images, values, mu.numpy())
