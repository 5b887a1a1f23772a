"""Checkpoints that run no code when loaded: ``ag.save(obj, path)`` and ``ag.load(path)``
(``torch.save``/``torch.load``), also reachable as ``nn.save``/``nn.load``.

A checkpoint is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays), read back with
``np.load(..., allow_pickle=False)`` and nothing else, so loading a file from a stranger cannot
execute code the way unpickling a ``torch.save`` file can.

Layout (format version 1):

- ``__nn_checkpoint__.npy``: a uint8 array holding UTF-8 JSON
  ``{"format": "nn.checkpoint", "version": 1, "tree": ...}``. The tree is the saved object with
  every array replaced by a reference to its archive entry.
- ``a0.npy``, ``a1.npy``, ...: one entry per array, in the order they occur in the tree.

Tree nodes: ``null``/``true``/``false``/numbers/strings stand for themselves and a JSON list for a
Python list; JSON objects are tagged by their ``"$"`` key: ``dict`` (``items``: ``[key, value]``
pairs, keys str or int, so optimizer states keyed by parameter index survive), ``odict``
(an ``OrderedDict``), ``tuple``, ``float`` (``nan``/``inf``/``-inf``), and ``tensor``,
``ndarray``, ``scalar`` (an ``entry`` name; a NumPy scalar is stored as a 0-d array).

``load`` gives back what was saved: Tensors come back as Tensors (detached; ``requires_grad``
kept), NumPy arrays as arrays, NumPy scalars as scalars, so
``model.load_state_dict(ag.load(path))`` and
``optimizer.load_state_dict(ag.load(path)["optimizer"])`` work as with ``torch.load``.

Files are written atomically: to a temporary file in the same directory, flushed and fsynced,
then moved over the target with ``os.replace``, so a crash mid-write leaves any old file whole.
Before reading an array, ``load`` checks the sizes the zip directory and each ``.npy`` header
declare against each other, against the file's size and against ``max_bytes``, so a small
hostile file cannot make it allocate gigabytes.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import zipfile
import zlib
from collections import OrderedDict
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format

from .devices import device
from .tensor import Tensor

__all__ = ["CheckpointError", "DEFAULT_MAX_BYTES", "FORMAT", "VERSION", "load", "save"]

FORMAT = "nn.checkpoint"
VERSION = 1
HEADER_ENTRY = "__nn_checkpoint__"
DEFAULT_MAX_BYTES = 4 * 2**30
_MAX_ENTRIES = 1 << 20
_MAX_NPY_HEADER = 10_000

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"


class CheckpointError(ValueError):
    """A file that is not a readable nn checkpoint; the message says what is wrong with it."""


PathLike = str | os.PathLike


# -- encoding ---------------------------------------------------------------------------------
class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._open: set[int] = set()

    def array(self, tag: str, arr: np.ndarray, where: str, **extra: Any) -> dict:
        if arr.dtype.hasobject:
            raise TypeError(
                f"save: the array at {where} has dtype {arr.dtype}, which holds Python "
                "objects; checkpoints store only numeric, bool and string arrays (no pickle)"
            )
        name = f"a{len(self.arrays)}"
        self.arrays[name] = arr
        return {"$": tag, "entry": name, **extra}

    def encode(self, obj: Any, where: str) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            if math.isfinite(obj):
                return float(obj)
            return {"$": "float", "value": repr(float(obj))}
        if isinstance(obj, Tensor):
            extra = {"requires_grad": True} if obj.requires_grad else {}
            return self.array("tensor", np.asarray(obj._data), where, **extra)
        if isinstance(obj, np.ndarray):
            return self.array("ndarray", obj, where)
        if isinstance(obj, np.generic):
            return self.array("scalar", np.asarray(obj), where)
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self._open:
                raise ValueError(f"save: {where} contains itself; cannot save a cycle")
            self._open.add(id(obj))
            try:
                return self._container(obj, where)
            finally:
                self._open.discard(id(obj))
        raise TypeError(
            f"save: cannot store {type(obj).__name__} at {where}; checkpoints hold dicts, "
            "lists, tuples, str, int, float, bool, None, Tensors, NumPy arrays and NumPy "
            "scalars (nothing that would need pickle)"
        )

    def _container(self, obj: dict | list | tuple, where: str) -> Any:
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if isinstance(key, (bool, np.bool_)) or not isinstance(key, (str, int, np.integer)):
                    raise TypeError(
                        f"save: dict key {key!r} at {where} is a {type(key).__name__}; "
                        "checkpoint dict keys must be str or int"
                    )
                key = key if isinstance(key, str) else int(key)
                items.append([key, self.encode(value, f"{where}[{key!r}]")])
            return {"$": "odict" if type(obj) is OrderedDict else "dict", "items": items}
        encoded = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        return {"$": "tuple", "items": encoded} if isinstance(obj, tuple) else encoded


def _header_array(tree: Any) -> np.ndarray:
    text = json.dumps(
        {"format": FORMAT, "version": VERSION, "tree": tree}, allow_nan=False, ensure_ascii=False
    )
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def save(obj: Any, f: PathLike | IO[bytes], *, compress: bool = False) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of them) as a checkpoint.

    ``f`` is a path, written atomically, or a binary file object, written in place.
    ``compress=True`` deflates the arrays (smaller files, slower save and load).
    """
    encoder = _Encoder()
    try:
        tree = encoder.encode(obj, "root")
        header = _header_array(tree)
    except RecursionError as err:
        raise ValueError("save: the object nests too deeply to save") from err
    entries = {HEADER_ENTRY: header, **encoder.arrays}
    writer = np.savez_compressed if compress else np.savez

    def write(stream: IO[bytes]) -> None:
        writer(stream, allow_pickle=False, **entries)

    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), write)
    elif hasattr(f, "write"):
        write(f)
    else:
        raise TypeError(
            f"save: f must be a path or a binary file object; got {type(f).__name__}"
        )


def _atomic_write(path: str, write: Any) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a directory, not a file path")
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    # 0o666 so that the process umask sets the final permissions, as for open(path, "wb")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- loading ----------------------------------------------------------------------------------
def load(f: PathLike | IO[bytes], map_location: Any = None, *, weights_only: bool = True,
         mmap: bool | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Read a checkpoint written by :func:`save`; never executes code from the file.

    ``map_location`` and ``weights_only`` are taken as ``torch.load`` takes them: the file holds
    data only, so ``weights_only`` changes nothing, and every Tensor lands on the CPU, the one
    device there is. ``max_bytes`` caps the total uncompressed size the archive may declare.
    Raises FileNotFoundError for a missing path and CheckpointError for any file that is not a
    whole, well-formed checkpoint (empty, truncated, not a zip, a pickle, a foreign ``.npz``,
    a bad structure, sizes over the limit).
    """
    _check_map_location(map_location)
    if mmap:
        raise NotImplementedError(
            "load: mmap=True is not supported; checkpoints are read into memory (leave mmap out)")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if not os.path.exists(path):
            raise FileNotFoundError(f"load: checkpoint file {path!r} does not exist")
        if os.path.isdir(path):
            raise IsADirectoryError(f"load: {path!r} is a directory, not a checkpoint file")
        with open(path, "rb") as stream:
            return _load_stream(stream, os.fstat(stream.fileno()).st_size, repr(path), max_bytes)
    if hasattr(f, "read") and hasattr(f, "seek"):
        start = f.tell()
        size = f.seek(0, os.SEEK_END) - start
        f.seek(start)
        return _load_stream(f, size, "the checkpoint stream", max_bytes)
    raise TypeError(
        f"load: f must be a path or a seekable binary file object; got {type(f).__name__}"
    )


def _check_map_location(where: Any) -> None:
    """Accepts every way of naming the CPU; anything else names a device that is not here."""
    if where is None or callable(where):
        return
    if isinstance(where, dict):
        targets = list(where.values())
    else:
        targets = [where]
    for t in targets:
        if device(t).type != "cpu":
            raise RuntimeError(
                f"load: map_location {where!r} names device {t!r}; autograd_core runs on the "
                "CPU only, so load without map_location or with map_location='cpu'")


def _load_stream(stream: IO[bytes], size: int, name: str, max_bytes: int) -> Any:
    start = stream.tell()
    _check_magic(stream.read(8), size, name)
    stream.seek(start)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            RuntimeError) as err:  # RuntimeError: encrypted or unsupported zip features
        raise CheckpointError(
            f"load: {name} is truncated or corrupt: it starts like a zip archive but its zip "
            f"directory cannot be read ({err})"
        ) from err
    with archive:
        infos = _check_directory(archive, size, name, max_bytes)
        for info in infos.values():
            _check_npy_entry(archive, info, name)
    stream.seek(start)
    with np.load(stream, allow_pickle=False) as npz:
        header = _read_entry(npz, HEADER_ENTRY, name)
        tree = _parse_header(header, name)
        decoder = _Decoder(npz, name, set(infos) - {HEADER_ENTRY})
        try:
            result = decoder.decode(tree, "root")
        except RecursionError as err:
            raise CheckpointError(
                f"load: {name} has a bad checkpoint structure: it nests too deeply"
            ) from err
        decoder.check_all_used()
    return result


def _check_magic(head: bytes, size: int, name: str) -> None:
    if size == 0:
        raise CheckpointError(f"load: {name} is empty (0 bytes); it holds no checkpoint")
    if head[:1] == b"\x80":
        raise CheckpointError(
            f"load: {name} is a pickle file; load never unpickles (unpickling can run "
            "arbitrary code). Load it in its own program, convert tensors to NumPy arrays and "
            "save them"
        )
    if head.startswith(_NPY_MAGIC):
        raise CheckpointError(
            f"load: {name} is a single .npy array, not a checkpoint; read it with "
            "np.load(path, allow_pickle=False)"
        )
    if not head.startswith(_ZIP_MAGICS):
        raise CheckpointError(
            f"load: {name} is not a zip/npz archive (it starts with {head[:8]!r}), so not "
            "a checkpoint"
        )


def _check_directory(
    archive: zipfile.ZipFile, size: int, name: str, max_bytes: int
) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        raise CheckpointError(
            f"load: {name} is a PyTorch torch.save archive, which holds a pickle; load "
            "never unpickles. Load it with torch, convert with {k: v.numpy() for k, v in ...}, "
            "and save the result"
        )
    if HEADER_ENTRY + ".npy" not in names:
        raise CheckpointError(
            f"load: {name} is a zip/npz archive but not a checkpoint (it has no "
            f"{HEADER_ENTRY!r} entry; a plain np.savez file reads with np.load)"
        )
    if len(infos) > _MAX_ENTRIES:
        raise CheckpointError(f"load: {name} has {len(infos)} entries, over {_MAX_ENTRIES}")
    if len(set(names)) != len(names):
        raise CheckpointError(f"load: {name} is corrupt: its zip directory repeats a name")
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise CheckpointError(
            f"load: {name} declares {declared} bytes of uncompressed data, over the "
            f"max_bytes limit of {max_bytes}; pass a larger max_bytes only for a file you trust"
        )
    stored = sum(info.compress_size for info in infos)
    if stored > size:
        raise CheckpointError(
            f"load: {name} is truncated or corrupt: its zip directory declares {stored} "
            f"bytes of entry data but the file has {size} bytes"
        )
    result = {}
    for info in infos:
        if not info.filename.endswith(".npy") or info.is_dir():
            raise CheckpointError(
                f"load: {name} is not a checkpoint: entry {info.filename!r} is not a "
                ".npy array"
            )
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise CheckpointError(
                f"load: {name} is corrupt: stored entry {info.filename!r} declares "
                f"{info.file_size} bytes but occupies {info.compress_size}"
            )
        result[info.filename[: -len(".npy")]] = info
    return result


def _check_npy_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Compare the size an entry's .npy header claims with what the zip directory declares."""
    entry = info.filename
    try:
        with archive.open(info) as member:
            version = npy_format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(member, _MAX_NPY_HEADER)
            elif version == (2, 0):
                shape, _, dtype = npy_format.read_array_header_2_0(member, _MAX_NPY_HEADER)
            else:
                raise CheckpointError(
                    f"load: {name} entry {entry!r} uses .npy format version {version}, "
                    "which nn checkpoints do not use"
                )
            offset = member.tell()
    except CheckpointError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, RuntimeError) as err:
        raise CheckpointError(
            f"load: {name} is truncated or corrupt: entry {entry!r} has no readable .npy "
            f"header ({err})"
        ) from err
    if dtype.hasobject:
        raise CheckpointError(
            f"load: {name} entry {entry!r} is an object array, which only pickle can "
            "read; load refuses it (unpickling can run arbitrary code)"
        )
    claimed = offset + math.prod(shape) * dtype.itemsize
    if claimed != info.file_size:
        raise CheckpointError(
            f"load: {name} is corrupt: entry {entry!r} claims shape {shape} of {dtype} "
            f"({claimed} bytes with its header) but the zip directory declares {info.file_size}"
        )


def _read_entry(npz: Any, key: str, name: str) -> np.ndarray:
    try:
        return npz[key]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError,
            RuntimeError) as err:
        raise CheckpointError(
            f"load: {name} is truncated or corrupt: entry {key!r} cannot be read ({err})"
        ) from err


def _parse_header(header: np.ndarray, name: str) -> Any:
    def bad(why: str) -> CheckpointError:
        return CheckpointError(f"load: {name} has a bad checkpoint structure: {why}")

    if header.dtype != np.uint8 or header.ndim != 1:
        raise bad(f"the {HEADER_ENTRY!r} entry should be 1-D uint8 JSON bytes, not "
                  f"{header.dtype} of shape {header.shape}")
    try:
        doc = json.loads(header.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise bad(f"its header is not valid UTF-8 JSON ({err})") from err
    except RecursionError as err:
        raise bad("its header nests too deeply") from err
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "tree" not in doc:
        raise bad(f"its header is not an {FORMAT!r} document")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise bad(f"its format version {version!r} is not a positive integer")
    if version > VERSION:
        raise CheckpointError(
            f"load: {name} was written in checkpoint format version {version}; this "
            f"library reads versions up to {VERSION}"
        )
    return doc["tree"]


class _Decoder:
    def __init__(self, npz: Any, name: str, entries: set[str]) -> None:
        self.npz = npz
        self.name = name
        self.unused = set(entries)
        self.entries = frozenset(entries)

    def bad(self, where: str, why: str) -> CheckpointError:
        return CheckpointError(
            f"load: {self.name} has a bad checkpoint structure at {where}: {why}"
        )

    def decode(self, node: Any, where: str) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, f"{where}[{i}]") for i, v in enumerate(node)]
        if not isinstance(node, dict) or not isinstance(node.get("$"), str):
            raise self.bad(where, f"unexpected node {_short(node)}")
        tag = node["$"]
        if tag in ("dict", "odict"):
            return self._dict(node, where, OrderedDict if tag == "odict" else dict)
        if tag == "tuple":
            items = node.get("items")
            if not isinstance(items, list):
                raise self.bad(where, "a tuple node needs an 'items' list")
            return tuple(self.decode(v, f"{where}[{i}]") for i, v in enumerate(items))
        if tag == "float":
            value = node.get("value")
            if value not in ("nan", "inf", "-inf"):
                raise self.bad(where, f"float node with value {value!r}")
            return float(value)
        if tag in ("tensor", "ndarray", "scalar"):
            return self._array(node, tag, where)
        raise self.bad(where, f"unknown node type {tag!r}")

    def _dict(self, node: dict, where: str, kind: type) -> dict:
        items = node.get("items")
        if not isinstance(items, list):
            raise self.bad(where, "a dict node needs an 'items' list")
        out = kind()
        for pair in items:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise self.bad(where, f"dict item {_short(pair)} is not a [key, value] pair")
            key, value = pair
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise self.bad(where, f"dict key {_short(key)} is not a str or int")
            if key in out:
                raise self.bad(where, f"dict key {key!r} appears twice")
            out[key] = self.decode(value, f"{where}[{key!r}]")
        return out

    def _array(self, node: dict, tag: str, where: str) -> Any:
        entry = node.get("entry")
        if not isinstance(entry, str) or entry not in self.entries or entry == HEADER_ENTRY:
            raise self.bad(where, f"array reference {entry!r} names no array in the archive")
        self.unused.discard(entry)
        arr = _read_entry(self.npz, entry, self.name)
        if tag == "scalar":
            if arr.ndim != 0:
                raise self.bad(where, f"scalar entry {entry!r} has shape {arr.shape}")
            return arr[()]
        if tag == "tensor":
            requires_grad = node.get("requires_grad", False)
            if not isinstance(requires_grad, bool):
                raise self.bad(where, f"requires_grad must be a bool, not {requires_grad!r}")
            if requires_grad and arr.dtype.kind not in "fc":
                raise self.bad(where, f"requires_grad on a {arr.dtype} tensor")
            return Tensor(arr, requires_grad=requires_grad)
        return arr

    def check_all_used(self) -> None:
        if self.unused:
            raise CheckpointError(
                f"load: {self.name} has a bad checkpoint structure: archive entries "
                f"{sorted(self.unused)} are not referenced by its header"
            )


def _short(node: Any) -> str:
    text = repr(node)
    return text if len(text) <= 60 else text[:57] + "..."
