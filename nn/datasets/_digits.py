"""The UCI 8x8 handwritten digits, shipped with the package so they load offline."""

from __future__ import annotations

import functools
import gzip
from importlib import resources

import numpy as np

_N, _SIDE = 1797, 8


@functools.cache
def _raw() -> np.ndarray:
    ref = resources.files(__package__).joinpath("data", "digits.csv.gz")
    with ref.open("rb") as fh, gzip.open(fh, "rt") as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.int64)
    if table.shape != (_N, _SIDE * _SIDE + 1):
        raise ValueError(f"digits.csv.gz has shape {table.shape}, expected {(_N, 65)}")
    table.setflags(write=False)
    return table


def load_digits() -> dict[str, np.ndarray]:
    """Optical Recognition of Handwritten Digits (Alpaydin and Kaynak 1998, UCI; CC BY 4.0).

    The 1797 writer-independent test images of the UCI set, the same data as
    ``sklearn.datasets.load_digits`` but read from a file inside this package, so neither
    scikit-learn nor a network connection is needed. Each image counts the ink pixels in
    4x4 blocks of a 32x32 bitmap (0..16); they are divided by 16 here so that inputs lie
    in [0, 1], which suits the default initialisations.

    Returns a dict of fresh arrays: ``x`` float32 (1797, 64), ``images`` float32
    (1797, 8, 8) (the same values as ``x``, as images) and ``y`` int64 (1797,) in 0..9.
    """
    table = _raw()
    x = table[:, :-1].astype(np.float32) / np.float32(16.0)
    y = table[:, -1].copy()
    return {"x": x, "y": y, "images": x.reshape(_N, _SIDE, _SIDE).copy()}
