"""MNIST-1D, generated locally so that loading it never touches the network."""

from __future__ import annotations

import os
import random
import tempfile
import threading
import zipfile
from importlib import metadata
from pathlib import Path

import numpy as np

DEFAULT_SEED = 42  # the seed in mnist1d.data.get_dataset_args(), i.e. the published data
_KEYS = ("x", "y", "x_test", "y_test", "t")
_SHAPES = {"x": (4000, 40), "y": (4000,), "x_test": (1000, 40), "y_test": (1000,), "t": (40,)}
_DTYPES = {
    "x": np.float32,
    "y": np.int64,
    "x_test": np.float32,
    "y_test": np.int64,
    "t": np.float32,
}

_memory: dict[int, dict[str, np.ndarray]] = {}
_lock = threading.Lock()


def default_cache_dir() -> Path:
    """Where generated datasets are kept between runs.

    ``$AUTOGRAD_CORE_CACHE`` wins, then ``$XDG_CACHE_HOME/autograd_core``, then
    ``~/.cache/autograd_core``, so tests and sandboxes can redirect it.
    """
    env = os.environ.get("AUTOGRAD_CORE_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "autograd_core"


def clear_cache(disk: bool = False, cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Forget generated MNIST-1D arrays, so the next load regenerates them.

    With ``disk=True`` the cached ``mnist1d-*.npz`` files are deleted as well.
    """
    with _lock:
        _memory.clear()
    if disk:
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        for path in folder.glob("mnist1d-*.npz"):
            path.unlink(missing_ok=True)


_MISSING = (
    "load_mnist1d needs the optional 'mnist1d' package, which generates the data locally: "
    "install the 'demo' extra (pip install 'autograd-core[demo]', or pip install -e '.[demo]' "
    "in a checkout) or mnist1d itself (pip install mnist1d)"
)


def _mnist1d_version() -> str:
    try:
        return metadata.version("mnist1d")
    except metadata.PackageNotFoundError as err:
        raise ImportError(_MISSING) from err


def _generate(seed: int) -> dict[str, np.ndarray]:
    # mnist1d is imported here, not at the top, so that `import nn` does not need it (nor
    # the matplotlib it imports). It reseeds Python's and NumPy's global generators; put
    # them back afterwards so that loading data does not change the caller's random stream.
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as err:
        raise ImportError(_MISSING) from err

    np_state = np.random.get_state()
    py_state = random.getstate()
    try:
        args = get_dataset_args()
        args.seed = seed
        raw = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return {k: np.ascontiguousarray(raw[k], dtype=_DTYPES[k]) for k in _KEYS}


def _valid(data: dict[str, np.ndarray]) -> bool:
    return all(
        k in data and data[k].shape == _SHAPES[k] and data[k].dtype == _DTYPES[k] for k in _KEYS
    )


def _read(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in _KEYS}
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return data if _valid(data) else None


def _write(path: Path, data: dict[str, np.ndarray]) -> None:
    # Write to a temporary file in the same folder and rename it into place, so that a
    # concurrent reader never sees a half-written file. The cache is an optimisation:
    # an unwritable folder only costs regeneration next time.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def load_mnist1d(
    seed: int | None = None,
    *,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, np.ndarray]:
    """MNIST-1D (Greydanus and Kobak 2020): 4000 train and 1000 test signals of length 40.

    The data are generated here with the paper's arguments
    (``mnist1d.data.get_dataset_args()`` and ``make_dataset``), which reproduce the
    published set, instead of being downloaded. ``seed=None`` means the paper's seed (42);
    another seed draws a new dataset from the same distribution.

    Returns a dict of fresh arrays: ``x`` float32 (4000, 40), ``y`` int64 (4000,),
    ``x_test`` float32 (1000, 40), ``y_test`` int64 (1000,) and ``t`` float32 (40,), the
    positions of the samples along the signal (for plotting).

    Generation takes about a second, so results are kept in memory and, with ``cache=True``,
    as ``.npz`` files under ``cache_dir`` (default: :func:`default_cache_dir`).
    """
    seed = DEFAULT_SEED if seed is None else int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")
    with _lock:
        data = _memory.get(seed)
        if data is None:
            version = _mnist1d_version()
            folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
            path = folder / f"mnist1d-{version}-seed{seed}.npz"
            data = _read(path) if cache else None
            if data is None:
                data = _generate(seed)
                if cache:
                    _write(path, data)
            _memory[seed] = data
    return {k: v.copy() for k, v in data.items()}
