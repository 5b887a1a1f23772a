"""Small datasets for examples, tests and teaching, all available without a download.

Every loader returns plain NumPy arrays (float32 inputs, int64 labels), so this package
depends on nothing else in the project and the arrays feed ``nn.data.TensorDataset`` or
``autograd_core.tensor`` directly.

- :func:`load_mnist1d`: MNIST-1D, generated locally with the paper's settings.
- :func:`load_digits`: the UCI 8x8 handwritten digits, shipped inside the package.
- :func:`make_xor`, :func:`make_moons`, :func:`make_spirals`: seeded 2-D toy problems.
- :func:`train_test_split`: a seeded shuffle-and-split.
"""

from ._digits import load_digits
from ._mnist1d import clear_cache, default_cache_dir, load_mnist1d
from ._split import train_test_split
from ._toy import make_moons, make_spirals, make_xor

__all__ = [
    "clear_cache",
    "default_cache_dir",
    "load_digits",
    "load_mnist1d",
    "make_moons",
    "make_spirals",
    "make_xor",
    "train_test_split",
]
