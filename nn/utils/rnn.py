"""Variable-length batches for the recurrent layers, as torch.nn.utils.rnn.

A PackedSequence stores a batch of sequences time-major without padding: ``data`` holds, for
each step t, the rows of the ``batch_sizes[t]`` sequences that are still running, longest
sequence first, so a recurrent layer never computes on padding. Packing and unpacking are one
gather each (a single graph node whose gradient is one scatter), so they cost the same
whatever the number of sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

import autograd_core as ag

Tensor = ag.Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "pack_sequence", "unpad_sequence",
           "unpack_sequence"]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _index(x: Any) -> Tensor | None:
    if x is None:
        return None
    return ag.Tensor(np.asarray(x._data if isinstance(x, Tensor) else x, dtype=np.int64))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation q with q[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation._data if isinstance(permutation, Tensor) else permutation)
    out = np.empty_like(p, dtype=np.int64)
    out[p] = np.arange(p.size, dtype=np.int64)
    return ag.Tensor(out)


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """(data, batch_sizes, sorted_indices, unsorted_indices), a named tuple as in PyTorch.

    sorted_indices[i] is the original batch position of the i-th longest sequence (None when
    the batch came sorted); unsorted_indices is its inverse. Build one with
    pack_padded_sequence or pack_sequence rather than by hand.
    """

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> PackedSequence:
        if batch_sizes is None:
            raise ValueError("PackedSequence: batch_sizes is required; build packed sequences "
                             "with pack_padded_sequence or pack_sequence")
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, _t(data), _index(batch_sizes), _index(sorted_indices),
                               _index(unsorted_indices))

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Casts or moves data only; the index Tensors stay int64, as in PyTorch."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def float(self) -> PackedSequence:
        return self.to(ag.float32)

    def double(self) -> PackedSequence:
        return self.to(ag.float64)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _lengths(lengths: Any) -> np.ndarray:
    arr = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if arr.ndim != 1:
        raise ValueError(f"pack_padded_sequence: lengths must be 1-D; got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"pack_padded_sequence: lengths must be integers; got dtype "
                            f"{arr.dtype}")
    return arr.astype(np.int64)


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Packs a padded batch (T, B, *) (or (B, T, *) with batch_first) whose sequence b has
    lengths[b] valid steps. enforce_sorted=False sorts the batch by length itself and records
    the permutation, so the layer's results come back in the caller's order."""
    x = _t(input)
    lens = _lengths(lengths)
    if x.ndim < 2:
        raise ValueError(f"pack_padded_sequence: input must be at least 2-D (T, B, *); got "
                         f"shape {tuple(x.shape)}")
    if batch_first:
        x = x.transpose(0, 1)
    steps, batch = x.shape[0], x.shape[1]
    if lens.size != batch:
        raise ValueError(f"pack_padded_sequence: expected {batch} lengths, one per sequence "
                         f"of the batch; got {lens.size}")
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if lens.size and lens.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {int(lens.max())} is longer than "
                           f"the {steps} steps of the input of shape {tuple(x.shape)}")
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order = None
        sorted_lens = lens
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_lens = lens[order]
    max_len = int(sorted_lens[0]) if lens.size else 0
    batch_sizes = (sorted_lens[None, :] > np.arange(max_len)[:, None]).sum(1)
    cols = np.arange(batch) if order is None else order
    rows = np.concatenate([t * batch + cols[:bs] for t, bs in enumerate(batch_sizes)]) \
        if max_len else np.zeros(0, np.int64)
    data = x.reshape((steps * batch,) + tuple(x.shape[2:]))[rows]
    return PackedSequence(data, batch_sizes, order, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """The inverse of pack_padded_sequence: (padded, lengths), in the batch's original order,
    padded to total_length steps when given (so the result fits a fixed-length target)."""
    data = sequence.data
    sizes = np.asarray(sequence.batch_sizes._data, dtype=np.int64)
    max_len = sizes.size
    batch = int(sizes[0]) if max_len else 0
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        steps = int(total_length)
    else:
        steps = max_len
    # source row of every (t, sorted position b) in data; the padding row for t past the end
    pad_row = int(sizes.sum())
    src = np.full((steps, batch), pad_row, dtype=np.int64)
    offset = 0
    for t, bs in enumerate(sizes):
        src[t, :bs] = offset + np.arange(bs)
        offset += bs
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # per sorted position
    if sequence.unsorted_indices is not None:
        unsorted = np.asarray(sequence.unsorted_indices._data)
        src = src[:, unsorted]
        lengths = lengths[unsorted]
    pad = ag.Tensor(np.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype))
    padded = ag.cat([data, pad], 0)[src.reshape(-1)]
    padded = padded.reshape((steps, batch) + tuple(data.shape[1:]))
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, ag.Tensor(lengths.astype(np.int64))


def pad_sequence(sequences: Tensor | Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stacks sequences of shapes (L_i, *) into (max L, B, *) (or (B, max L, *)), filling with
    padding_value after each sequence (padding_side='right') or before it ('left')."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    seqs = list(ag.unbind(sequences, 0)) if isinstance(sequences, Tensor) else \
        [_t(s) for s in sequences]
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs):
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)}; every "
                               f"sequence must be (L, {', '.join(map(str, trailing))}) like "
                               "sequence 0")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        extra = longest - s.shape[0]
        before, after = (extra, 0) if padding_side == "left" else (0, extra)
        padded.append(ag.pad(s, (0, 0) * len(trailing) + (before, after), value=padding_value)
                      if extra else s)
    return ag.stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of sequences (L_i, *): pad_sequence, then pack_padded_sequence."""
    seqs = [_t(s) for s in sequences]
    lengths = [s.shape[0] for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False
                   ) -> list[Tensor]:
    """The list of sequences, each cut to its length, that pad_sequence would pad."""
    x = _t(padded_sequences)
    if not batch_first:
        x = x.transpose(0, 1)
    lens = _lengths(lengths)
    return [x[i, :int(n)] for i, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences, in the original batch order, that a PackedSequence holds."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
