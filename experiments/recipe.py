"""The MNIST-1D paper's benchmark (Greydanus and Kobak 2020): models, recipe and results.

The models are the paper's ``LinearBase``, ``MLPBase`` and ``ConvBase`` (greydanus/mnist1d,
``notebooks/models.py``), with the same layer names, so their ``state_dict`` keys match the
paper's PyTorch models.
"""

from __future__ import annotations

from dataclasses import dataclass

import autograd_core as ag
from nn import layers as L
from nn.models import MLP
from nn.module import Module

CLASSIFIERS = ("logreg", "mlp", "cnn")

TITLES = {
    "logreg": "logistic regression",
    "mlp": "MLP",
    "cnn": "CNN",
    "autoencoder": "autoencoder",
    "convae": "conv autoencoder",
    "vae": "VAE",
    "forecaster": "LSTM forecaster",
}

# Test accuracies published with the dataset (README of greydanus/mnist1d and the paper).
PAPER_ACCURACY = {"logreg": 0.32, "mlp": 0.68, "cnn": 0.94}


@dataclass(frozen=True)
class Recipe:
    """How a model is trained: Adam for `steps` mini-batches (not epochs) of `batch_size`."""

    steps: int = 6000
    batch_size: int = 100
    lr: float = 1e-2
    weight_decay: float = 0.0
    eval_every: int = 250


PAPER_RECIPE = Recipe()


class LogisticRegression(Module):
    """Softmax regression: one Linear layer whose logits go to the cross-entropy loss."""

    def __init__(self, in_features: int = 40, classes: int = 10) -> None:
        super().__init__()
        self.linear = L.Linear(in_features, classes)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.linear(x)


class PaperCNN(Module):
    """Three stride-2 Conv1d layers of 25 channels with ReLU, then a Linear layer on the
    flattened features: 40 samples shrink to 19, 10 and 5 positions, so 25 * 5 = 125 inputs."""

    def __init__(self, length: int = 40, classes: int = 10, channels: int = 25) -> None:
        super().__init__()
        self.conv1 = L.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = L.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = L.Conv1d(channels, channels, 3, stride=2, padding=1)
        positions = length
        for kernel in (5, 3, 3):
            positions = (positions + 2 - kernel) // 2 + 1
        self.linear = L.Linear(channels * positions, classes)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        h = x.reshape(x.shape[0], 1, x.shape[-1])
        h = self.conv1(h).relu()
        h = self.conv2(h).relu()
        h = self.conv3(h).relu()
        return self.linear(h.reshape(h.shape[0], -1))


def build_classifier(name: str, in_features: int = 40, classes: int = 10) -> Module:
    """A freshly initialised paper model by short name ("logreg", "mlp" or "cnn")."""
    if name == "logreg":
        return LogisticRegression(in_features, classes)
    if name == "mlp":
        return MLP([in_features, 100, 100, classes], residual=True)
    if name == "cnn":
        return PaperCNN(in_features, classes)
    raise ValueError(f"unknown classifier {name!r}; expected one of {CLASSIFIERS}")


def count_parameters(model: Module) -> int:
    return sum(p.numel() for p in model.parameters())
