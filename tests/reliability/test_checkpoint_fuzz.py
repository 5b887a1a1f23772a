"""Fuzzing the checkpoint loader: nn.load and Module.load_state_dict on damaged and hostile files.

Every case must end in one of two ways: a clear error (CheckpointError from nn.load, whose
message starts with "load:", or load_state_dict's RuntimeError naming the key at fault) with
the model untouched, or a successful load of exactly the saved values (a flipped bit in a byte
that nothing reads). No code from the file may run, and no bare KeyError, zlib.error,
BadZipFile, EOFError or UnicodeDecodeError may escape.
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from nn.checkpoint import CheckpointError


def _model() -> nn.Module:
    import autograd_core as ag

    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))


def _state(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: np.array(v._data if hasattr(v, "data") else v, copy=True)
            for k, v in model.state_dict().items()}


def _saved(model: nn.Module, compress: bool = False) -> bytes:
    buf = io.BytesIO()
    nn.save(model.state_dict(), buf, compress=compress)
    return buf.getvalue()


def _fresh_model() -> nn.Module:
    """Same architecture, different values: a load that changes anything is visible."""
    import autograd_core as ag

    ag.manual_seed(1)
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    return m


GOOD_MODEL = _model()
GOOD_STATE = _state(GOOD_MODEL)
GOOD = _saved(GOOD_MODEL)
GOOD_COMPRESSED = _saved(GOOD_MODEL, compress=True)


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a)


def load_into_model(data: bytes, tmp_path: Path | None = None) -> str:
    """Loads bytes into a fresh model: 'loaded' (exactly the saved values) or 'refused' (a clear
    error, model untouched); any other exception fails the test."""
    model = _fresh_model()
    before = _state(model)
    try:
        if tmp_path is not None:
            path = tmp_path / "model.ckpt"
            path.write_bytes(data)
            state = nn.load(path)
        else:
            state = nn.load(io.BytesIO(data))
    except CheckpointError as err:
        assert str(err).startswith("load: "), f"unclear message: {err}"
        assert _same(_state(model), before)
        return "refused"
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError) as err:
        assert "state_dict" in str(err) or "load_state_dict" in str(err), str(err)
        assert _same(_state(model), before), "a failed load_state_dict changed the model"
        return "refused"
    assert _same(_state(model), GOOD_STATE), "a damaged file loaded different values"
    return "loaded"


def test_the_clean_file_loads_exactly():
    assert load_into_model(GOOD) == "loaded"
    assert load_into_model(GOOD_COMPRESSED) == "loaded"


@pytest.mark.parametrize("data", [GOOD, GOOD_COMPRESSED], ids=["stored", "deflated"])
def test_every_truncation_is_refused(data):
    for n in range(len(data)):
        assert load_into_model(data[:n]) == "refused", f"a {n}-byte prefix loaded"


def test_the_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.ckpt"
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        nn.load(path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.load(tmp_path / "missing.ckpt")


def _flip(data: bytes, position: int, bit: int) -> bytes:
    b = bytearray(data)
    b[position] ^= 1 << bit
    return bytes(b)


@pytest.mark.parametrize("data", [GOOD, GOOD_COMPRESSED], ids=["stored", "deflated"])
def test_a_flipped_bit_in_every_byte(data):
    outcomes = {"loaded": 0, "refused": 0}
    for position in range(len(data)):
        outcomes[load_into_model(_flip(data, position, position % 8))] += 1
    assert outcomes["refused"] > len(data) // 2  # most bytes matter: the fuzz reaches them


def _central_directory_patch(offset: int, value: int) -> bytes:
    data = bytearray(GOOD)
    data[data.find(b"PK\x01\x02") + offset] = value
    return bytes(data)


@pytest.mark.parametrize("offset, value", [(10, 99), (8, 1), (6, 0xFF)],
                         ids=["unknown compression method", "encryption flag",
                              "zip version needed"])
def test_unsupported_zip_features_give_a_checkpoint_error(offset, value):
    with pytest.raises(CheckpointError, match="^load: "):
        nn.load(io.BytesIO(_central_directory_patch(offset, value)))


@settings(max_examples=settings.default.max_examples * 4)
@given(position=st.integers(0, len(GOOD) - 1), bit=st.integers(0, 7),
       second=st.integers(0, len(GOOD) - 1), value=st.integers(0, 255))
def test_random_byte_damage(position, bit, second, value):
    data = bytearray(_flip(GOOD, position, bit))
    data[second] = value
    load_into_model(bytes(data))


# -- hostile files -------------------------------------------------------------------------------
class _Payload:
    """Unpickling this creates the marker file: the proof that code from a file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _pickle_payload(marker: Path) -> bytes:
    data = pickle.dumps(_Payload(marker))
    pickle.loads(data)  # the payload is live: it does create the marker
    assert marker.exists()
    marker.unlink()
    return data


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _npy(arr: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def test_pickles_never_run(tmp_path):
    marker = tmp_path / "code_ran"
    payload = _pickle_payload(marker)
    object_array = np.empty(1, dtype=object)
    object_array[0] = _Payload(marker)
    good = _members(GOOD)
    hostile = {
        "a bare pickle": payload,
        "a torch.save-style zip": _zip({"archive/data.pkl": payload,
                                        "archive/version": b"3\n"}),
        "an object array in a checkpoint": _zip({**good,
                                                 "a0.npy": _npy(object_array, True)}),
        "an object array as an extra entry": _zip({**good,
                                                   "a99.npy": _npy(object_array, True)}),
        "a pickle named like an array": _zip({**good, "a0.npy": payload}),
    }
    for what, data in hostile.items():
        assert load_into_model(data, tmp_path) == "refused", what
        assert not marker.exists(), f"{what}: code from the file ran"


def _patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrites the uncompressed size that the zip's central directory declares for member."""
    b = bytearray(data)
    name = member.encode()
    pos = 0
    while (pos := b.find(b"PK\x01\x02", pos)) != -1:
        name_len = struct.unpack_from("<H", b, pos + 28)[0]
        if bytes(b[pos + 46: pos + 46 + name_len]) == name:
            struct.pack_into("<I", b, pos + 24, size)
            return bytes(b)
        pos += 4
    raise AssertionError(f"{member} not found")


def test_zip_bombs_are_refused_before_they_expand(tmp_path):
    # an honest bomb: 64 MiB of zeros that deflate to about 64 KiB, against a 16 MiB limit
    header = _members(GOOD)["__nn_checkpoint__.npy"]
    zeros = _npy(np.zeros(8 * 2**20))
    bomb = _zip({"__nn_checkpoint__.npy": header, "a0.npy": zeros}, zipfile.ZIP_DEFLATED)
    assert len(bomb) < 2**20
    path = tmp_path / "bomb.ckpt"
    path.write_bytes(bomb)
    with pytest.raises(CheckpointError, match="max_bytes"):
        nn.load(path, max_bytes=16 * 2**20)

    # a disguised one: a small file whose directory declares 3 GB for each of two entries
    deflated = _zip(_members(GOOD), zipfile.ZIP_DEFLATED)
    lying = _patch_declared_size(deflated, "a0.npy", 3 * 10**9)
    lying = _patch_declared_size(lying, "a1.npy", 3 * 10**9)
    assert load_into_model(lying) == "refused"
    with pytest.raises(CheckpointError, match="max_bytes"):
        nn.load(io.BytesIO(lying))

    # one entry declaring 3 GB (under the default limit) while its .npy header says otherwise
    one_lie = _patch_declared_size(deflated, "a0.npy", 3 * 10**9)
    with pytest.raises(CheckpointError, match="corrupt"):
        nn.load(io.BytesIO(one_lie))


def test_foreign_files_are_refused():
    cases = {
        "text": b"hello, this is not a checkpoint\n",
        "a .npy file": _npy(np.arange(5.0)),
        "a plain npz": _zip({"x.npy": _npy(np.arange(3.0))}),
        "a zip of text": _zip({"__nn_checkpoint__.npy": b"not an array"}),
        "a header that is not JSON": _zip(
            {**_members(GOOD), "__nn_checkpoint__.npy": _npy(np.frombuffer(b"{oops",
                                                                           np.uint8))}),
        "an unknown format version": _zip(
            {**_members(GOOD), "__nn_checkpoint__.npy": _npy(np.frombuffer(
                b'{"format": "nn.checkpoint", "version": 99, "tree": null}', np.uint8))}),
    }
    for what, data in cases.items():
        assert load_into_model(data) == "refused", what


# -- well-formed files with the wrong contents ----------------------------------------------
def _variants() -> dict[str, dict]:
    good = {k: v.copy() for k, v in GOOD_STATE.items()}
    renamed = dict(good)
    renamed["0.wieght"] = renamed.pop("0.weight")
    extra = {**good, "2.weight": np.ones(2, np.float32)}
    missing = {k: v for k, v in good.items() if k != "1.running_var"}
    transposed = {**good, "0.weight": good["0.weight"].T.copy()}
    last_wrong = {**good, "1.num_batches_tracked": np.zeros(3, np.int64)}
    float_into_int = {**good, "1.num_batches_tracked": np.array(1.5)}
    complex_into_float = {**good, "0.bias": good["0.bias"].astype(np.complex64)}
    strings = {**good, "0.bias": np.array(["a", "b"])}
    return {"renamed key": renamed, "unexpected key": extra, "missing key": missing,
            "wrong shape": transposed, "wrong shape in the last entry": last_wrong,
            "float into an integer buffer": float_into_int,
            "complex into float": complex_into_float, "strings": strings}


@pytest.mark.parametrize("what", sorted(_variants()))
def test_wrong_keys_shapes_and_dtypes_leave_the_model_untouched(what, tmp_path):
    state = _variants()[what]
    nn.save(state, tmp_path / "variant.ckpt")
    loaded = nn.load(tmp_path / "variant.ckpt")
    for direct in (state, loaded):
        model = _fresh_model()
        before = _state(model)
        with pytest.raises((RuntimeError, TypeError)) as err:
            model.load_state_dict(direct)
        msg = str(err.value)
        assert "state_dict" in msg, msg
        named = [k for k in set(state) ^ set(GOOD_STATE)] or [
            k for k in state if not (np.shape(state[k]) == GOOD_STATE[k].shape
                                     and state[k].dtype == GOOD_STATE[k].dtype)]
        assert any(k in msg for k in named), f"the message names none of {named}: {msg}"
        assert _same(_state(model), before), f"{what}: the model was changed"


def test_width_casts_load_like_pytorch():
    """float64 values into float32 parameters are cast, as PyTorch's copy_ does."""
    state = {k: (v.astype(np.float64) if v.dtype == np.float32 else v)
             for k, v in GOOD_STATE.items()}
    model = _fresh_model()
    model.load_state_dict(state)
    assert _same(_state(model), GOOD_STATE)
