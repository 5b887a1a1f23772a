"""A convolutional autoencoder on the 8x8 UCI digits: strided convolutions down to an 8-number
code, transposed convolutions back up, beside PCA with the same code size.

A transposed convolution is the adjoint of a strided convolution: where the convolution maps
each 3x3 patch to one output value, the transposed one spreads each input value over a 3x3
patch of a twice larger output, so 2x2 -> 4x4 -> 8x8 undoes the encoder's 8x8 -> 4x4 -> 2x2 with
weights of its own.
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

from .generative import pca_reconstruction_mse
from .loop import TrainingRun, train_for_steps
from .recipe import count_parameters


@dataclass(frozen=True)
class ConvAERecipe:
    steps: int = 1500
    batch_size: int = 64
    lr: float = 1e-2
    eval_every: int = 250
    channels: tuple[int, int] = (16, 32)
    code_size: int = 8
    test_fraction: float = 0.2


class ConvAutoencoder(Module):
    """Conv2d(1, 16, 3, stride 2) -> Conv2d(16, 32, 3, stride 2) -> Linear to the code; Linear
    back to 32 channels of 2x2 -> ConvTranspose2d(32, 16) -> ConvTranspose2d(16, 1) -> sigmoid.

    Each transposed convolution (kernel 3, stride 2, padding 1) needs output_padding=1 to land
    on exactly twice its input's size: a stride-2 convolution maps both 7 and 8 pixels to 4,
    and output_padding picks 8."""

    def __init__(self, code_size: int = 8, channels: tuple[int, int] = (16, 32),
                 side: int = 8) -> None:
        super().__init__()
        c1, c2 = channels
        self.side = side
        self.inner = side // 4
        self.encoder = L.Sequential(
            L.Conv2d(1, c1, 3, stride=2, padding=1), L.ReLU(),
            L.Conv2d(c1, c2, 3, stride=2, padding=1), L.ReLU(),
            L.Flatten(), L.Linear(c2 * self.inner ** 2, code_size))
        self.expand = L.Linear(code_size, c2 * self.inner ** 2)
        self.decoder = L.Sequential(
            L.ReLU(), L.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1),
            L.ReLU(), L.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=1),
            L.Sigmoid())
        self.channels = channels

    def encode(self, x: ag.Tensor) -> ag.Tensor:
        return self.encoder(x.reshape(x.shape[0], 1, self.side, self.side))

    def decode(self, code: ag.Tensor) -> ag.Tensor:
        h = self.expand(code).reshape(code.shape[0], self.channels[1], self.inner, self.inner)
        return self.decoder(h).reshape(code.shape[0], self.side * self.side)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.decode(self.encode(x))


@dataclass
class ConvAEResult:
    model: ConvAutoencoder
    run: TrainingRun
    parameters: int
    code_size: int
    x_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    test_mse: float
    baselines: dict[str, float]

    title = "conv autoencoder"
    data = "UCI digits"
    measure = "reconstruction MSE per pixel"

    @property
    def row_title(self) -> str:
        return f"conv autoencoder ({self.code_size}-D code)"

    @property
    def baseline_name(self) -> str:
        return f"PCA, {self.code_size} components"

    @property
    def baseline(self) -> float:
        return self.baselines[self.baseline_name]

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        with ag.no_grad():
            return self.model(ag.tensor(x)).numpy()

    def pca_reconstruct(self, x: np.ndarray) -> np.ndarray:
        mean = self.x_train.mean(0)
        _, _, vt = np.linalg.svd(self.x_train - mean, full_matrices=False)
        return (x - mean) @ vt[:self.code_size].T @ vt[:self.code_size] + mean

    def note(self) -> str:
        return (f"conv autoencoder: 8x8 -> 4x4 -> 2x2 by strided convolutions, back by two "
                f"ConvTranspose2d; mean-image baseline {self.baselines['mean image']:.4f}")

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "code_size": self.code_size,
            "parameters": self.parameters,
            "steps": self.run.steps,
            "test_mse": self.test_mse,
            "baseline": self.baseline_name,
            "baselines_test_mse": dict(self.baselines),
            "beats_baseline": self.test_mse < self.baseline,
            "seconds": self.run.seconds,
            "eval_seconds": self.run.eval_seconds,
            "ms_per_step": self.run.ms_per_step,
            "curves": self.run.curves.to_dict(),
        }


def train_conv_autoencoder(recipe: ConvAERecipe = ConvAERecipe(), seed: int = 0,
                           progress: bool = True) -> ConvAEResult:
    """Train on the autoencoder's seeded 80/20 split with Adam on the per-pixel squared
    error, and score PCA with as many components as the code has numbers."""
    digits = load_digits()
    x_train, x_test, _, y_test = train_test_split(
        digits["x"], digits["y"], test_fraction=recipe.test_fraction, seed=seed)
    ag.manual_seed(seed)
    model = ConvAutoencoder(recipe.code_size, recipe.channels)
    optimizer = optim.Adam(model.parameters(), lr=recipe.lr)
    run = train_for_steps(
        model, F.mse_loss, optimizer, TensorDataset(x_train, x_train),
        {"train": TensorDataset(x_train, x_train), "test": TensorDataset(x_test, x_test)},
        steps=recipe.steps, batch_size=recipe.batch_size, eval_every=recipe.eval_every,
        seed=seed, description=f"{'conv autoencoder':>19}", progress=progress,
        watch="test_loss",
    )
    model.eval()
    baselines = {"mean image": float(np.mean((x_train.mean(0) - x_test) ** 2)),
                 f"PCA, {recipe.code_size} components": pca_reconstruction_mse(
                     x_train, x_test, recipe.code_size)}
    return ConvAEResult(model, run, count_parameters(model), recipe.code_size, x_train, x_test,
                        y_test, run.curves.last("test_loss"), baselines)
