"""An autoencoder that squeezes the 8x8 UCI digits through a 2-D code, so the code can be drawn.

Nothing tells it the labels; how well the digits separate in the code plane (measured by the
accuracy of a k-nearest-neighbour vote among training codes) shows what it learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import autograd_core as ag
import optim
from nn import functional as F
from nn.data import TensorDataset
from nn.datasets import load_digits, train_test_split
from nn.models import Autoencoder

from .loop import TrainingRun, train_for_steps
from .recipe import count_parameters


@dataclass(frozen=True)
class AutoencoderRecipe:
    steps: int = 4000
    batch_size: int = 64
    lr: float = 1e-3
    eval_every: int = 250
    hidden: tuple[int, ...] = (128, 32)
    code_size: int = 2
    test_fraction: float = 0.2
    neighbours: int = 5


@dataclass
class AutoencoderResult:
    model: Autoencoder
    run: TrainingRun
    parameters: int
    sizes: list[int]
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    codes_train: np.ndarray
    codes_test: np.ndarray
    knn_accuracy: float
    neighbours: int

    @property
    def test_loss(self) -> float:
        return self.run.curves.last("test_loss")

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        with ag.no_grad():
            return self.model(ag.tensor(x)).numpy()

    def to_dict(self) -> dict:
        return {
            "title": "autoencoder",
            "sizes": self.sizes,
            "parameters": self.parameters,
            "steps": self.run.steps,
            "train_samples": int(len(self.x_train)),
            "test_samples": int(len(self.x_test)),
            "test_mse": self.test_loss,
            "train_mse": self.run.curves.last("train_loss"),
            "code_knn_test_accuracy": self.knn_accuracy,
            "knn_neighbours": self.neighbours,
            "seconds": self.run.seconds,
            "eval_seconds": self.run.eval_seconds,
            "ms_per_step": self.run.ms_per_step,
            "curves": self.run.curves.to_dict(),
        }


def knn_accuracy(train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray,
                 test_labels: np.ndarray, k: int) -> float:
    """Fraction of test codes whose k nearest training codes vote for the right label (ties
    go to the smallest label)."""
    d2 = ((test_codes[:, None, :] - train_codes[None, :, :]) ** 2).sum(-1)
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
    votes = train_labels[nearest]
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    counts = np.stack([(votes == c).sum(1) for c in range(classes)], axis=1)
    return float(np.mean(counts.argmax(1) == test_labels))


def train_autoencoder(recipe: AutoencoderRecipe = AutoencoderRecipe(), seed: int = 0,
                      progress: bool = True) -> AutoencoderResult:
    """Train on a seeded 80/20 split of the digits with Adam on the per-pixel squared error;
    the decoder ends in a sigmoid because the pixels lie in [0, 1]."""
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits["x"], digits["y"], test_fraction=recipe.test_fraction, seed=seed)
    sizes = [x_train.shape[1], *recipe.hidden, recipe.code_size]
    ag.manual_seed(seed)
    model = Autoencoder(sizes, output_activation="sigmoid")
    optimizer = optim.Adam(model.parameters(), lr=recipe.lr)
    run = train_for_steps(
        model, F.mse_loss, optimizer, TensorDataset(x_train, x_train),
        {"train": TensorDataset(x_train, x_train), "test": TensorDataset(x_test, x_test)},
        steps=recipe.steps, batch_size=recipe.batch_size, eval_every=recipe.eval_every,
        seed=seed, description=f"{'autoencoder':>19}", progress=progress, watch="test_loss",
    )
    model.eval()
    with ag.no_grad():
        codes_train = model.encode(ag.tensor(x_train)).numpy()
        codes_test = model.encode(ag.tensor(x_test)).numpy()
    knn = knn_accuracy(codes_train, y_train, codes_test, y_test, recipe.neighbours)
    return AutoencoderResult(model, run, count_parameters(model), sizes + sizes[-2::-1],
                             x_train, x_test, y_train, y_test, codes_train, codes_test, knn,
                             recipe.neighbours)
