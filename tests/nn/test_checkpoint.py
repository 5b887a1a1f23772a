"""Tests for nn.checkpoint: round trips, atomic writes, and a clear error for every bad file.

Nothing here may ever unpickle: the hostile files carry a payload that would create a marker
file if it ran, and each test asserts that the marker does not exist.
"""

import io
import json
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core import Tensor
from nn import checkpoint
from nn.checkpoint import CheckpointError, load, save


class _CreatesMarker:
    """Unpickling this creates the file at ``path``: proof that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _assert_equal_trees(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_equal_trees(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_equal_trees(x, y)
    elif isinstance(a, (Tensor, np.ndarray, np.generic)):
        x, y = np.asarray(a), np.asarray(b)
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert a == b


# -- round trips ------------------------------------------------------------------------------
def test_flat_state_dict_round_trips_with_types_dtypes_and_shapes(tmp_path):
    state = OrderedDict(
        [
            ("fc.weight", ag.randn(3, 2)),
            ("fc.bias", ag.zeros(3, dtype=np.float64)),
            ("bn.num_batches_tracked", ag.tensor(7)),
            ("mask", np.array([True, False])),
            ("half", np.arange(4, dtype=np.float16).reshape(2, 2)),
            ("empty", np.zeros((0, 3), dtype=np.float32)),
            ("fortran", np.asfortranarray(np.arange(6.0).reshape(2, 3))),
            ("scale", np.float32(0.5)),
            ("names", np.array(["a", "bc"])),
        ]
    )
    path = tmp_path / "state.npz"
    save(state, path)
    loaded = load(path)
    _assert_equal_trees(state, loaded)
    assert not loaded["fc.weight"].requires_grad


def test_nested_optimizer_like_state_round_trips(tmp_path):
    obj = {
        "model": {"w": ag.ones(2, requires_grad=True)},
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": np.full(2, 0.25)}, 1: {}},
            "param_groups": [
                {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0, 1],
                 "amsgrad": False, "foreach": None, "name": "ünïcode"}
            ],
        },
        "epoch": 3,
        "specials": [float("nan"), float("inf"), -float("inf"), -0.0, 2**70],
        "empty": [(), {}, []],
    }
    save(obj, tmp_path / "ckpt.npz")
    loaded = load(tmp_path / "ckpt.npz")
    _assert_equal_trees(obj, loaded)
    assert loaded["model"]["w"].requires_grad
    assert list(loaded["optimizer"]["state"]) == [0, 1]
    assert str(loaded["specials"][3]) == "-0.0"


def test_round_trip_through_file_objects_and_with_compression(tmp_path):
    state = {"w": np.linspace(0, 1, 1000)}
    buffer = io.BytesIO()
    save(state, buffer)
    buffer.seek(0)
    _assert_equal_trees(state, load(buffer))
    save(state, tmp_path / "plain.npz")
    save(state, tmp_path / "small.npz", compress=True)
    assert os.path.getsize(tmp_path / "small.npz") < os.path.getsize(tmp_path / "plain.npz")
    _assert_equal_trees(state, load(tmp_path / "small.npz"))


def test_the_file_is_an_npz_that_numpy_reads_without_pickle(tmp_path):
    save({"w": np.arange(3)}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as npz:
        header = json.loads(npz[checkpoint.HEADER_ENTRY].tobytes().decode())
        assert header["format"] == checkpoint.FORMAT and header["version"] == checkpoint.VERSION
        assert [k for k in npz.files if k != checkpoint.HEADER_ENTRY] == ["a0"]


def test_save_writes_exactly_the_given_path(tmp_path):
    save({"a": 1}, tmp_path / "model.ckpt")
    assert os.listdir(tmp_path) == ["model.ckpt"]
    assert load(str(tmp_path / "model.ckpt")) == {"a": 1}


# -- what save refuses ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "obj, error, match",
    [
        ({"f": lambda: 0}, TypeError, r"cannot store function at root\['f'\]"),
        ({"s": {1, 2}}, TypeError, "cannot store set"),
        ({"a": np.array([object()])}, TypeError, r"root\['a'\] has dtype object"),
        ({(1, 2): 0}, TypeError, "keys must be str or int"),
        ({True: 0}, TypeError, "keys must be str or int"),
        ({"b": b"bytes"}, TypeError, "cannot store bytes"),
    ],
)
def test_save_refuses_what_only_pickle_could_store_and_leaves_the_old_file(
    tmp_path, obj, error, match
):
    path = tmp_path / "c.npz"
    save({"old": 1}, path)
    with pytest.raises(error, match=match):
        save(obj, path)
    assert load(path) == {"old": 1}
    assert os.listdir(tmp_path) == ["c.npz"]


def test_save_refuses_cycles(tmp_path):
    cyclic = {"a": []}
    cyclic["a"].append(cyclic)
    with pytest.raises(ValueError, match="contains itself"):
        save(cyclic, tmp_path / "c.npz")


def test_save_refuses_absurd_nesting(tmp_path):
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nests too deeply"):
        save(deep, tmp_path / "c.npz")
    assert not os.listdir(tmp_path)


def test_save_to_a_missing_directory_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({}, tmp_path / "nope" / "c.npz")


# -- atomic writes ----------------------------------------------------------------------------
def test_a_crash_before_the_rename_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    save({"w": np.zeros(4)}, path)
    before = path.read_bytes()

    def crash(src, dst):
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        save({"w": np.ones(4)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.npz"]  # the temporary file is cleaned up


def test_a_crash_midway_through_writing_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    save({"w": np.zeros(4)}, path)
    before = path.read_bytes()

    def half_write(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", half_write)
    with pytest.raises(KeyboardInterrupt):
        save({"w": np.ones(4)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["c.npz"]


def test_save_fsyncs_the_data_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1]
    )
    save({"w": np.ones(2)}, tmp_path / "c.npz")
    assert events[:2] == ["fsync", "replace"]


# -- load: a clear error for each bad file ----------------------------------------------------
def _write(path, data):
    path.write_bytes(data)
    return path


def _npz_bytes(entries, compression=zipfile.ZIP_STORED):
    """An archive of raw .npy entries (name -> array or raw bytes), with nothing checked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, value in entries.items():
            if isinstance(value, bytes):
                zf.writestr(name + ".npy", value)
            else:
                member = io.BytesIO()
                np.lib.format.write_array(member, value, allow_pickle=True)
                zf.writestr(name + ".npy", member.getvalue())
    return buffer.getvalue()


def _header(doc):
    return np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)


def _good_doc(tree):
    return {"format": checkpoint.FORMAT, "version": checkpoint.VERSION, "tree": tree}


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "missing.npz")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        load(tmp_path)


def test_empty_file(tmp_path):
    with pytest.raises(CheckpointError, match=r"is empty \(0 bytes\)"):
        load(_write(tmp_path / "c.npz", b""))


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated_file(tmp_path, keep):
    save({"w": np.arange(1000.0), "b": np.ones(10)}, tmp_path / "whole.npz")
    data = (tmp_path / "whole.npz").read_bytes()
    cut = _write(tmp_path / "cut.npz", data[: int(len(data) * keep)])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load(cut)


def test_flipped_bytes_in_array_data_fail_the_crc_check(tmp_path):
    save({"w": np.arange(1000.0)}, tmp_path / "c.npz")
    data = bytearray((tmp_path / "c.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(CheckpointError, match="corrupt"):
        load(_write(tmp_path / "c.npz", bytes(data)))


def test_not_a_zip(tmp_path):
    with pytest.raises(CheckpointError, match="not a zip/npz archive"):
        load(_write(tmp_path / "c.npz", b"hello, I am a text file\n"))


def test_a_single_npy_array(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="single .npy array"):
        load(tmp_path / "a.npy")


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_a_pickle_disguised_as_npz_never_runs(tmp_path, protocol):
    marker = tmp_path / "code-ran"
    path = _write(tmp_path / "c.npz", pickle.dumps({"w": _CreatesMarker(marker)}, protocol))
    with pytest.raises(CheckpointError, match="pickle file; load never unpickles"):
        load(path)
    assert not marker.exists()


def test_a_torch_save_style_zip_with_a_pickle_inside_never_runs(tmp_path):
    marker = tmp_path / "code-ran"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(_CreatesMarker(marker)))
        zf.writestr("archive/version", "3\n")
    with pytest.raises(CheckpointError, match="PyTorch torch.save archive"):
        load(_write(tmp_path / "model.pt", buffer.getvalue()))
    assert not marker.exists()


def test_an_object_array_carrying_a_pickle_never_runs(tmp_path):
    marker = tmp_path / "code-ran"
    payload = np.array([_CreatesMarker(marker)], dtype=object)
    header = _header(_good_doc({"$": "ndarray", "entry": "a0"}))
    path = _write(tmp_path / "c.npz", _npz_bytes({checkpoint.HEADER_ENTRY: header,
                                                 "a0": payload}))
    with pytest.raises(CheckpointError, match="object array"):
        load(path)
    assert not marker.exists()


def test_an_npz_that_is_not_ours(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        load(tmp_path / "plain.npz")


def test_a_zip_with_entries_that_are_not_arrays(tmp_path):
    data = _npz_bytes({checkpoint.HEADER_ENTRY: _header(_good_doc(1)),
                       "notes.txt": b"hi"})
    data = data.replace(b"notes.txt.npy", b"notes.txt.txt")
    with pytest.raises(CheckpointError, match="is not a .npy array"):
        load(_write(tmp_path / "c.npz", data))


@pytest.mark.parametrize(
    "header, match",
    [
        (np.frombuffer(b"{not json", dtype=np.uint8), "not valid UTF-8 JSON"),
        (np.frombuffer(b"\xff\xfe", dtype=np.uint8), "not valid UTF-8 JSON"),
        (np.zeros(3, dtype=np.float32), "1-D uint8 JSON bytes"),
        (_header({"format": "something else", "version": 1, "tree": 1}), "not an"),
        (_header([1, 2]), "not an"),
        (_header({"format": checkpoint.FORMAT, "version": "1", "tree": 1}), "version"),
        (_header(_good_doc({"$": "bogus"})), "unknown node type 'bogus'"),
        (_header(_good_doc({"no": "tag"})), "unexpected node"),
        (_header(_good_doc({"$": "dict", "items": [["a"]]})), r"not a \[key, value\] pair"),
        (_header(_good_doc({"$": "dict", "items": [[1.5, 0]]})), "not a str or int"),
        (_header(_good_doc({"$": "dict", "items": [["a", 1], ["a", 2]]})), "appears twice"),
        (_header(_good_doc({"$": "tuple"})), "needs an 'items' list"),
        (_header(_good_doc({"$": "float", "value": "1e400"})), "float node"),
        (_header(_good_doc({"$": "ndarray", "entry": "a7"})), "names no array"),
        (_header(_good_doc({"$": "ndarray", "entry": checkpoint.HEADER_ENTRY})), "names no"),
    ],
)
def test_bad_structures(tmp_path, header, match):
    path = _write(tmp_path / "c.npz", _npz_bytes({checkpoint.HEADER_ENTRY: header}))
    with pytest.raises(CheckpointError, match=match):
        load(path)


def test_a_header_nested_too_deeply(tmp_path):
    deep = np.frombuffer(b'{"format": "nn.checkpoint", "version": 1, "tree": '
                         + b"[" * 100_000 + b"]" * 100_000 + b"}", dtype=np.uint8)
    path = _write(tmp_path / "c.npz", _npz_bytes({checkpoint.HEADER_ENTRY: deep}))
    with pytest.raises(CheckpointError, match="nests too deeply"):
        load(path)


def test_bad_structure_errors_say_where(tmp_path):
    tree = {"$": "dict", "items": [["model", {"$": "dict", "items": [["w", {"$": "x"}]]}]]}
    path = _write(tmp_path / "c.npz",
                  _npz_bytes({checkpoint.HEADER_ENTRY: _header(_good_doc(tree))}))
    with pytest.raises(CheckpointError, match=r"at root\['model'\]\['w'\]"):
        load(path)


def test_entries_the_header_does_not_mention(tmp_path):
    data = _npz_bytes({checkpoint.HEADER_ENTRY: _header(_good_doc(1)), "a0": np.ones(2)})
    with pytest.raises(CheckpointError, match=r"entries \['a0'\] are not referenced"):
        load(_write(tmp_path / "c.npz", data))


def test_a_newer_format_version(tmp_path):
    doc = {"format": checkpoint.FORMAT, "version": checkpoint.VERSION + 1, "tree": 1}
    data = _npz_bytes({checkpoint.HEADER_ENTRY: _header(doc)})
    with pytest.raises(CheckpointError, match="format version 2; this library reads versions up"):
        load(_write(tmp_path / "c.npz", data))


# -- load: size limits (zip bombs) ------------------------------------------------------------
def test_declared_sizes_over_max_bytes_are_refused_before_reading(tmp_path):
    state = {"w": np.zeros(2_000_000, dtype=np.uint8)}
    save(state, tmp_path / "c.npz", compress=True)
    assert os.path.getsize(tmp_path / "c.npz") < 20_000
    with pytest.raises(CheckpointError, match="over the max_bytes limit of 1000000"):
        load(tmp_path / "c.npz", max_bytes=1_000_000)
    _assert_equal_trees(state, load(tmp_path / "c.npz", max_bytes=3_000_000))


def test_an_npy_header_claiming_more_than_the_zip_declares_is_refused(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    entry = header.getvalue() + b"\x00" * 16
    doc = _good_doc({"$": "ndarray", "entry": "a0"})
    data = _npz_bytes({checkpoint.HEADER_ENTRY: _header(doc), "a0": entry})
    with pytest.raises(CheckpointError, match=r"claims shape \(1000000000000,\)"):
        load(_write(tmp_path / "c.npz", data))


def test_a_directory_declaring_more_data_than_the_file_holds_is_refused(tmp_path):
    save({"w": np.arange(100.0)}, tmp_path / "c.npz")
    data = bytearray((tmp_path / "c.npz").read_bytes())
    # Inflate the compressed size of the first central-directory record.
    at = data.find(b"PK\x01\x02")
    (size,) = struct.unpack_from("<I", data, at + 20)
    struct.pack_into("<I", data, at + 20, size + 10**6)
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load(_write(tmp_path / "c.npz", bytes(data)))


# -- with real models ---------------------------------------------------------------------------
def _snapshot(model):
    return {k: np.array(v.detach().numpy()) for k, v in model.state_dict().items()}


def test_a_model_round_trips_pytorch_style(tmp_path):
    source, target = nn.MLP([3, 5, 2]), nn.MLP([3, 5, 2])
    nn.save(source.state_dict(), tmp_path / "mlp.npz")
    target.load_state_dict(nn.load(tmp_path / "mlp.npz"))
    x = ag.randn(4, 3)
    np.testing.assert_array_equal(target(x).detach().numpy(), source(x).detach().numpy())


@pytest.mark.parametrize(
    "make_saved, make_target, match",
    [
        (lambda nn: nn.Linear(3, 2), lambda nn: nn.Linear(4, 2), "size mismatch for weight"),
        (lambda nn: nn.MLP([3, 4, 2]), lambda nn: nn.Linear(3, 2), "Unexpected key"),
        (lambda nn: nn.Linear(3, 2), lambda nn: nn.MLP([3, 4, 2]), "Missing key"),
    ],
)
def test_loading_another_architecture_raises_and_leaves_the_model_untouched(
    tmp_path, make_saved, make_target, match
):
    nn.save(make_saved(nn).state_dict(), tmp_path / "other.npz")
    model = make_target(nn)
    before = _snapshot(model)
    with pytest.raises(RuntimeError, match=match):
        model.load_state_dict(nn.load(tmp_path / "other.npz"))
    after = _snapshot(model)
    assert after.keys() == before.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


def test_a_float_value_for_an_integer_buffer_is_refused_untouched(tmp_path):
    state = nn.BatchNorm1d(3).state_dict()
    state["num_batches_tracked"] = np.array(2.5)
    nn.save(state, tmp_path / "bn.npz")
    model = nn.BatchNorm1d(3)
    before = _snapshot(model)
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        model.load_state_dict(nn.load(tmp_path / "bn.npz"))
    for key, value in _snapshot(model).items():
        np.testing.assert_array_equal(value, before[key])
