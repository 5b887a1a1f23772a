"""Reproducible train/test splits."""

from __future__ import annotations

import math

import numpy as np


def train_test_split(
    x: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split paired arrays into training and held-out parts.

    Deterministic for a given seed, so experiments compare models on the same test set.
    The test part has ``ceil(test_fraction * len(x))`` rows, as in scikit-learn, and the
    result is ordered ``(x_train, x_test, y_train, y_test)`` like scikit-learn's.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y have different lengths: {len(x)} and {len(y)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n = len(x)
    n_test = math.ceil(test_fraction * n)
    if not 0 < n_test < n:
        raise ValueError(f"cannot split {n} rows with test_fraction={test_fraction}")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return x[train], x[test], y[train], y[test]
