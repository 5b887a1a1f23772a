"""Small 2-D classification problems whose difficulty is known in advance."""

from __future__ import annotations

import math

import numpy as np


def _check(n: int, noise: float) -> None:
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")


def _shuffled(rng: np.random.Generator, x: np.ndarray, y: np.ndarray):
    # Mix the classes so that a loader without shuffling still sees all of them per batch.
    order = rng.permutation(len(y))
    return np.ascontiguousarray(x[order], dtype=np.float32), y[order].astype(np.int64)


def make_xor(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at (+-1, +-1), labelled 1 where the two signs differ.

    The classic problem no linear model solves (at best 3 of the 4 blobs), so it shows
    that a hidden layer is doing something. Corners are used in turn, so the classes are
    balanced; ``noise`` is the standard deviation of each blob.
    Returns ``x`` float32 (n, 2) and ``y`` int64 (n,) in {0, 1}.
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]])
    which = np.arange(n) % 4
    x = corners[which] + noise * rng.standard_normal((n, 2))
    y = (which >= 2).astype(np.int64)
    return _shuffled(rng, x, y)


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as ``sklearn.datasets.make_moons``.

    Nonlinear but smooth, for showing a curved decision boundary. Class 0 is the upper
    moon (n - n // 2 points), class 1 the lower one; ``noise`` is the standard deviation
    of the Gaussian noise added to each coordinate.
    Returns ``x`` float32 (n, 2) and ``y`` int64 (n,) in {0, 1}.
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    n_upper = n - n // 2
    n_lower = n // 2
    a = np.linspace(0.0, math.pi, n_upper)
    b = np.linspace(0.0, math.pi, n_lower)
    upper = np.stack([np.cos(a), np.sin(a)], axis=1)
    lower = np.stack([1.0 - np.cos(b), 0.5 - np.sin(b)], axis=1)
    x = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    return _shuffled(rng, x, y)


def make_spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n spiral data).

    Hard for linear models and for shallow nets with few units, so it separates
    architectures. Points run from the centre out to radius 1 over 4 radians of angle;
    ``noise`` is the standard deviation of the Gaussian jitter of the angle, in radians.
    The n points are shared between the classes as evenly as possible.
    Returns ``x`` float32 (n, 2) and ``y`` int64 (n,) in 0..classes-1.
    """
    _check(n, noise)
    if classes < 2:
        raise ValueError(f"classes must be at least 2, got {classes}")
    rng = np.random.default_rng(seed)
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    xs, ys = [], []
    for k, m in enumerate(counts):
        r = np.linspace(0.0, 1.0, m)
        theta = np.linspace(4.0 * k, 4.0 * (k + 1), m) + noise * rng.standard_normal(m)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(m, k, np.int64))
    return _shuffled(rng, np.concatenate(xs), np.concatenate(ys))
