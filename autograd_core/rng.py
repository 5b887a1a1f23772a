"""The one seeded random generator behind rand, randn, randperm, init and dropout."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Seeds the generator, so runs repeat exactly (torch.manual_seed)."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def default_generator() -> np.random.Generator:
    """The generator in use now: a later manual_seed replaces it, so ask each time."""
    return _generator
