"""The MNIST-1D classifiers, trained with the paper's recipe on locally generated data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import autograd_core as ag
import optim
from nn import functional as F
from nn.data import TensorDataset
from nn.datasets import load_mnist1d
from nn.module import Module
from nn.training import accuracy

from .loop import TrainingRun, train_for_steps
from .recipe import PAPER_ACCURACY, PAPER_RECIPE, TITLES, Recipe, build_classifier, count_parameters


@dataclass
class ClassifierResult:
    name: str
    model: Module
    run: TrainingRun
    parameters: int

    @property
    def title(self) -> str:
        return TITLES[self.name]

    @property
    def test_accuracy(self) -> float:
        return self.run.curves.last("test_accuracy")

    @property
    def paper_accuracy(self) -> float:
        return PAPER_ACCURACY[self.name]

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "parameters": self.parameters,
            "steps": self.run.steps,
            "test_accuracy": self.test_accuracy,
            "paper_test_accuracy": self.paper_accuracy,
            "train_accuracy": self.run.curves.last("train_accuracy"),
            "test_loss": self.run.curves.last("test_loss"),
            "seconds": self.run.seconds,
            "eval_seconds": self.run.eval_seconds,
            "ms_per_step": self.run.ms_per_step,
            "curves": self.run.curves.to_dict(),
        }


def mnist1d_arrays() -> dict[str, np.ndarray]:
    """The paper's MNIST-1D set (its default arguments and seed), generated locally."""
    return load_mnist1d()


def train_classifier(
    name: str,
    data: dict[str, np.ndarray],
    recipe: Recipe = PAPER_RECIPE,
    seed: int = 0,
    progress: bool = True,
) -> ClassifierResult:
    """Initialise the paper's model `name` from `seed` and train it with `recipe` (Adam on the
    cross-entropy loss), evaluating on the training and test sets as it goes."""
    ag.manual_seed(seed)
    model = build_classifier(name, data["x"].shape[1], int(data["y"].max()) + 1)
    optimizer = optim.Adam(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    run = train_for_steps(
        model, F.cross_entropy, optimizer,
        TensorDataset(data["x"], data["y"]),
        {"train": TensorDataset(data["x"], data["y"]),
         "test": TensorDataset(data["x_test"], data["y_test"])},
        steps=recipe.steps, batch_size=recipe.batch_size, eval_every=recipe.eval_every,
        seed=seed, metrics={"accuracy": accuracy}, description=f"{TITLES[name]:>19}",
        progress=progress, watch="test_accuracy",
    )
    return ClassifierResult(name, model, run, count_parameters(model))
