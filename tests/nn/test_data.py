"""Tests for nn.data: datasets, batching, seeded shuffling, splits and collation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import Tensor
from nn.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def _ids(loader):
    """The sample ids each batch carries (the dataset's first tensor is arange(n))."""
    return [batch[0].numpy().tolist() for batch in loader]


def _id_dataset(n):
    return TensorDataset(np.arange(n), np.arange(n) * 10.0)


# -- TensorDataset ----------------------------------------------------------------------------
def test_tensor_dataset_items_are_tuples_of_tensors_with_the_rows():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = ag.tensor([0, 1, 2, 3])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    item = ds[2]
    assert isinstance(item, tuple) and len(item) == 2
    assert all(isinstance(t, Tensor) for t in item)
    np.testing.assert_array_equal(item[0].numpy(), x[2])
    assert item[1].item() == 2
    assert [t.shape for t in ds.tensors] == [(4, 3), (4,)]


def test_tensor_dataset_takes_lists_as_tensor_would():
    ds = TensorDataset([[1.0, 2.0], [3.0, 4.0]], [0, 1])
    assert ds.arrays[0].dtype == np.float32
    assert ds.arrays[1].dtype == np.int64


def test_tensor_dataset_rejects_mismatched_first_dims_naming_the_shapes():
    with pytest.raises(ValueError, match=r"same first dimension.*\(5, 2\).*\(4,\)"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))


def test_tensor_dataset_rejects_nothing_scalars_and_non_numeric_data():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float32(3.0))
    with pytest.raises(TypeError, match="argument 1"):
        TensorDataset(np.zeros(2), [object(), object()])


# -- DataLoader: coverage and length ----------------------------------------------------------
@given(
    n=st.integers(0, 40),
    batch_size=st.integers(1, 12),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    seed=st.one_of(st.none(), st.integers(0, 2**31)),
)
def test_each_epoch_visits_every_sample_once(n, batch_size, shuffle, drop_last, seed):
    loader = DataLoader(_id_dataset(n), batch_size, shuffle=shuffle, seed=seed,
                        drop_last=drop_last)
    for _ in range(2):
        batches = _ids(loader)
        assert len(batches) == len(loader)
        expected_len = n // batch_size if drop_last else -(-n // batch_size)
        assert len(loader) == expected_len
        assert all(len(b) == batch_size for b in batches[:-1])
        if drop_last and batches:
            assert len(batches[-1]) == batch_size
        seen = [i for b in batches for i in b]
        assert len(seen) == len(set(seen))
        if drop_last:
            assert len(seen) == (n // batch_size) * batch_size
        else:
            assert sorted(seen) == list(range(n))
        if not shuffle:
            assert seen == list(range(len(seen)))


def test_batches_pair_rows_and_stack_along_a_new_first_dimension():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10) % 3
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, seed=1)
    for xb, yb in loader:
        assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
        assert xb.dtype == np.float32 and yb.dtype == np.int64
        np.testing.assert_array_equal(xb.numpy()[:, 0] // 2 % 3, yb.numpy())
    shapes = [(xb.shape, yb.shape) for xb, yb in loader]
    assert shapes == [((4, 2), (4,)), ((4, 2), (4,)), ((2, 2), (2,))]


def test_a_batch_changed_in_place_leaves_the_dataset_alone():
    ds = TensorDataset(np.zeros((4, 2)))
    for (xb,) in DataLoader(ds, batch_size=2):
        xb[...] = 7.0
    for (xb,) in DataLoader(ds, batch_size=2, shuffle=True, seed=0):
        xb[...] = 7.0
    assert not ds.arrays[0].any()


# -- DataLoader: shuffling ----------------------------------------------------------------------
def test_seeded_shuffle_repeats_per_seed_and_changes_across_epochs():
    a = DataLoader(_id_dataset(50), batch_size=50, shuffle=True, seed=7)
    b = DataLoader(_id_dataset(50), batch_size=50, shuffle=True, seed=7)
    c = DataLoader(_id_dataset(50), batch_size=50, shuffle=True, seed=8)
    a_epochs = [_ids(a)[0] for _ in range(3)]
    b_epochs = [_ids(b)[0] for _ in range(3)]
    assert a_epochs == b_epochs
    assert a_epochs[0] != a_epochs[1] != a_epochs[2]
    assert a_epochs[0] != list(range(50))
    assert _ids(c)[0] != a_epochs[0]


def test_seeded_order_depends_only_on_seed_and_epoch():
    loader = DataLoader(_id_dataset(30), batch_size=30, shuffle=True, seed=3)
    orders = [_ids(loader)[0] for _ in range(4)]
    ag.manual_seed(123)  # the global generator plays no part when a seed is given
    resumed = DataLoader(_id_dataset(30), batch_size=30, shuffle=True, seed=3)
    resumed.set_epoch(2)
    assert _ids(resumed)[0] == orders[2]
    assert _ids(resumed)[0] == orders[3]


def test_unseeded_shuffle_follows_ag_manual_seed():
    loader = DataLoader(_id_dataset(40), batch_size=40, shuffle=True)
    ag.manual_seed(5)
    first = [_ids(loader)[0] for _ in range(2)]
    ag.manual_seed(5)
    again = [_ids(loader)[0] for _ in range(2)]
    assert first == again
    assert first[0] != first[1]
    ag.manual_seed(6)
    assert _ids(loader)[0] != first[0]


# -- DataLoader: the fast path and generic datasets --------------------------------------------
def test_tensor_datasets_batch_without_per_sample_getitem(monkeypatch):
    ds = _id_dataset(9)

    def refuse(self, index):
        raise AssertionError("per-sample __getitem__ on the fast path")

    monkeypatch.setattr(TensorDataset, "__getitem__", refuse)
    assert sum(_ids(DataLoader(ds, batch_size=4, shuffle=True, seed=0)), []) != []
    subset = Subset(Subset(ds, [8, 6, 4, 2, 0]), [4, 0, 2])
    assert _ids(DataLoader(subset, batch_size=2)) == [[0, 8], [4]]


class _Squares(Dataset):
    """A generic map-style dataset: each sample is (array, int label)."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.full(3, i * i, dtype=np.float32), i % 2


def test_generic_datasets_collate_by_stacking_and_agree_with_the_fast_path():
    batches = list(DataLoader(_Squares(), batch_size=3, shuffle=True, seed=4))
    assert [len(b) for b in batches] == [2, 2, 2]
    xs = np.concatenate([b[0].numpy() for b in batches])
    labels = np.concatenate([b[1].numpy() for b in batches])
    assert batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(np.sqrt(xs[:, 0]).astype(int) % 2, labels)
    ids = np.sqrt(xs[:, 0]).astype(int).tolist()
    fast = DataLoader(_id_dataset(7), batch_size=3, shuffle=True, seed=4)
    assert ids == sum(_ids(fast), [])


def test_default_collate_follows_pytorch_for_numbers_dicts_and_strings():
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([1.5, 2.0]).dtype == np.float64
    assert default_collate([True, False]).dtype == np.bool_
    batch = default_collate([{"x": np.ones(2), "name": "a"}, {"x": np.zeros(2), "name": "b"}])
    assert batch["x"].shape == (2, 2) and batch["name"] == ["a", "b"]
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object()])


def test_collate_fn_replaces_stacking():
    loader = DataLoader(_Squares(), batch_size=4, collate_fn=lambda samples: len(samples))
    assert list(loader) == [4, 3]


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, None])
def test_loader_rejects_bad_batch_sizes(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_id_dataset(3), batch_size=bad)


def test_loader_rejects_objects_that_are_not_datasets():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(iter([1, 2, 3]))


# -- random_split and Subset ------------------------------------------------------------------
def test_random_split_partitions_and_repeats_with_a_seed():
    ds = _id_dataset(10)
    parts = random_split(ds, [3, 7], seed=1)
    assert [len(p) for p in parts] == [3, 7]
    ids = [[p[i][0].item() for i in range(len(p))] for p in parts]
    assert sorted(ids[0] + ids[1]) == list(range(10))
    again = random_split(ds, [3, 7], seed=1)
    assert [p.indices.tolist() for p in again] == [p.indices.tolist() for p in parts]
    assert random_split(ds, [3, 7], seed=2)[0].indices.tolist() != parts[0].indices.tolist()


def test_random_split_fractions_hand_the_remainder_out_in_order():
    parts = random_split(_id_dataset(10), [0.33, 0.33, 0.34], seed=0)
    assert [len(p) for p in parts] == [4, 3, 3]


def test_random_split_without_seed_follows_ag_manual_seed():
    ag.manual_seed(9)
    a = random_split(_id_dataset(20), [10, 10])[0].indices.tolist()
    ag.manual_seed(9)
    assert random_split(_id_dataset(20), [10, 10])[0].indices.tolist() == a


@pytest.mark.parametrize("lengths", [[3, 3], [5, 6], [-1, 11], [0.5, 0.2], []])
def test_random_split_rejects_lengths_that_do_not_add_up(lengths):
    with pytest.raises(ValueError, match="random_split"):
        random_split(_id_dataset(10), lengths)


def test_subset_indexes_through_and_checks_bounds():
    sub = Subset(_id_dataset(5), [4, -1, 0])
    assert [sub[i][0].item() for i in range(3)] == [4, 4, 0]
    with pytest.raises(IndexError, match=r"\[-5, 5\)"):
        Subset(_id_dataset(5), [5])
    with pytest.raises(TypeError, match="integers"):
        Subset(_id_dataset(5), [0.5])
