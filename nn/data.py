"""Datasets and mini-batch loading, as ``torch.utils.data``.

A :class:`DataLoader` over a :class:`TensorDataset` (or a :class:`Subset` of one, as
:func:`random_split` makes) gathers each batch with one fancy index per array instead of a
Python loop over samples, so loading costs little next to a training step. Any other object with
``__len__`` and ``__getitem__`` works too, batched by stacking its samples.

Shuffling is reproducible: with ``seed`` given, epoch ``e`` uses a permutation derived from
``(seed, e)`` alone, so a resumed run that sets the epoch sees the same order as an
uninterrupted one; without ``seed`` the order is drawn from the engine's global generator, which
``ag.manual_seed`` controls.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_core import Tensor
from autograd_core.rng import Generator, default_generator, numpy_generator

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]


class Dataset:
    """Base class for map-style datasets: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


def _as_array(data: Any, position: int) -> np.ndarray:
    try:
        # Tensor's own conversion: lists of Python floats become float32, arrays keep dtype.
        arr = Tensor(data)._data
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"TensorDataset: argument {position} ({type(data).__name__}) is not numeric "
            f"array data: {err}"
        ) from err
    if arr.ndim == 0:
        raise ValueError(
            f"TensorDataset: argument {position} is 0-d; every tensor needs a first "
            "(sample) dimension"
        )
    return arr


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: ``dataset[i] == (t0[i], t1[i], ...)``."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        arrays = tuple(_as_array(t, i) for i, t in enumerate(tensors))
        lengths = [a.shape[0] for a in arrays]
        if len(set(lengths)) != 1:
            shapes = ", ".join(f"argument {i}: {a.shape}" for i, a in enumerate(arrays))
            raise ValueError(
                f"TensorDataset: all tensors must have the same first dimension (number of "
                f"samples); got {shapes}"
            )
        self.arrays: tuple[np.ndarray, ...] = arrays

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(Tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor(a[_index(index)]) for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return f"TensorDataset({shapes})"


def _index(index: Any) -> Any:
    return index._data if isinstance(index, Tensor) else index


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        idx = np.asarray(_index(indices))
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            raise TypeError(
                f"Subset indices must be a 1-D sequence of integers; got shape {idx.shape}, "
                f"dtype {idx.dtype}"
            )
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(
                f"Subset indices must lie in [-{n}, {n}) for a dataset of {n} samples; got "
                f"range [{idx.min()}, {idx.max()}]"
            )
        self.dataset = dataset
        self.indices: np.ndarray = np.where(idx < 0, idx + n, idx).astype(np.int64)

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index: Any) -> Any:
        picked = self.indices[_index(index)]
        if isinstance(picked, np.ndarray):
            return [self.dataset[int(i)] for i in picked]
        return self.dataset[int(picked)]


def random_split(
    dataset: Any, lengths: Sequence[int | float], seed: int | None = None, *,
    generator: Generator | None = None,
) -> list[Subset]:
    """Split into non-overlapping random subsets of the given sizes (or fractions summing to 1).

    Fractions are floored and the remainder handed out one sample at a time from the first
    subset on, as ``torch.utils.data.random_split`` does. ``seed=None`` draws the permutation
    from the engine's global generator, or from ``generator`` when one is given.
    """
    if seed is not None and generator is not None:
        raise ValueError("random_split: pass seed= or generator=, not both")
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split needs at least one length")
    if all(isinstance(v, numbers.Integral) for v in lengths):
        sizes = [int(v) for v in lengths]
        if any(v < 0 for v in sizes):
            raise ValueError(f"random_split lengths must be non-negative; got {lengths}")
    elif math.isclose(sum(lengths), 1.0) and all(0 <= v <= 1 for v in lengths):
        sizes = [int(math.floor(n * v)) for v in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
    else:
        raise ValueError(
            f"random_split lengths must be integers summing to the dataset size ({n}) or "
            f"fractions summing to 1; got {lengths}"
        )
    if sum(sizes) != n:
        raise ValueError(
            f"random_split lengths sum to {sum(sizes)} but the dataset has {n} samples"
        )
    rng = numpy_generator(generator, "random_split") if generator is not None else _rng_for(seed)
    order = rng.permutation(n)
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def _rng_for(seed: int | None, epoch: int | None = None) -> np.random.Generator:
    if seed is None:
        return default_generator()
    entropy = [int(seed)] if epoch is None else [int(seed), int(epoch)]
    return np.random.default_rng(entropy)


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and arrays stack along a new first dimension; Python ints, floats and bools become
    int64, float64 and bool Tensors (PyTorch's choice); tuples and lists collate per position
    into a list, dicts per key; strings stay a list.
    """
    first = samples[0]
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        arrays = [np.asarray(s) for s in samples]
        shapes = {a.shape for a in arrays}
        if len(shapes) != 1:
            raise ValueError(
                f"default_collate: samples have different shapes {sorted(shapes)}; cannot "
                "stack them into one batch (pass a collate_fn that pads them)"
            )
        return Tensor(np.stack(arrays))
    if isinstance(first, bool):
        return Tensor(np.array(samples, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor(np.array(samples, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor(np.array(samples, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, Sequence):
        sizes = {len(s) for s in samples}
        if len(sizes) != 1:
            raise ValueError(
                f"default_collate: samples have different numbers of fields {sorted(sizes)}"
            )
        return [default_collate(list(field)) for field in zip(*samples)]
    raise TypeError(
        f"default_collate: cannot batch samples of type {type(first).__name__}; return "
        "Tensors, arrays, numbers, or tuples/lists/dicts of them, or pass a collate_fn"
    )


def _fast_source(dataset: Any) -> tuple[tuple[np.ndarray, ...], np.ndarray | None] | None:
    """The arrays behind a TensorDataset, possibly seen through Subsets, and the index map."""
    index_map = None
    while isinstance(dataset, Subset):
        index_map = dataset.indices if index_map is None else dataset.indices[index_map]
        dataset = dataset.dataset
    if type(dataset) is TensorDataset:
        return dataset.arrays, index_map
    return None


class DataLoader:
    """Iterate over ``dataset`` in mini-batches of stacked Tensors.

    Each pass (epoch) visits every sample exactly once (the last, short batch dropped when
    ``drop_last``). ``len(loader)`` is the number of batches per epoch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        seed: int | None = None,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        *,
        generator: Generator | None = None,
    ) -> None:
        positive_int = isinstance(batch_size, numbers.Integral) and batch_size >= 1
        if isinstance(batch_size, bool) or not positive_int:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer; got {batch_size!r}"
            )
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: dataset of type {type(dataset).__name__} needs __len__ and "
                "__getitem__"
            )
        if seed is not None and not isinstance(seed, numbers.Integral):
            raise TypeError(f"DataLoader: seed must be an int or None; got {seed!r}")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: pass seed= or generator=, not both")
        if generator is not None:
            numpy_generator(generator, "DataLoader")  # checks its type now, not at iteration
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self.generator = generator
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose order the next pass uses (to resume a seeded run exactly)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray | None:
        n = len(self.dataset)
        if not self.shuffle:
            return None
        if self.generator is not None:
            return self.generator._numpy.permutation(n)
        return _rng_for(self.seed, self.epoch if self.seed is not None else None).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        self.epoch += 1
        n = len(self.dataset)
        stops = range(self.batch_size, n + self.batch_size, self.batch_size)
        batches = [(s - self.batch_size, min(s, n)) for s in stops][: len(self)]
        fast = _fast_source(self.dataset) if self.collate_fn is None else None
        if fast is not None:
            return self._iter_arrays(fast, order, batches)
        return self._iter_generic(order, batches)

    def _iter_arrays(
        self,
        source: tuple[tuple[np.ndarray, ...], np.ndarray | None],
        order: np.ndarray | None,
        batches: list[tuple[int, int]],
    ) -> Iterator[list[Tensor]]:
        arrays, index_map = source
        for start, stop in batches:
            if order is None and index_map is None:
                # copies, so that changing a batch in place never changes the dataset
                yield [Tensor(a[start:stop].copy()) for a in arrays]
                continue
            idx = np.arange(start, stop) if order is None else order[start:stop]
            if index_map is not None:
                idx = index_map[idx]
            yield [Tensor(a[idx]) for a in arrays]

    def _iter_generic(
        self, order: np.ndarray | None, batches: list[tuple[int, int]]
    ) -> Iterator[Any]:
        collate = self.collate_fn or default_collate
        for start, stop in batches:
            idx = range(start, stop) if order is None else order[start:stop].tolist()
            yield collate([self.dataset[i] for i in idx])

    def __repr__(self) -> str:
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"seed={self.seed}, drop_last={self.drop_last})"
        )
