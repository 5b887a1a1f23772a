"""One BLAS thread while training: the models here multiply matrices of a few thousand entries,
where extra threads only add synchronisation. On a busy 2-core machine the default pool made
an MLP step about 9 times and a CNN step about 14 times slower.

The limit has to be set after NumPy is loaded (``python -m experiments`` imports NumPy before
any of this code runs, so the environment variables come too late). threadpoolctl does that
when it is installed; otherwise the OpenBLAS that NumPy loaded is found among the process's
libraries (Linux) and told directly.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Callable, Iterator
from pathlib import Path

_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "")


def _openblas_controls() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    """(set_num_threads, get_num_threads) of the OpenBLAS in this process, if one is found."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = sorted({line.split()[-1] for line in maps.splitlines()
                    if "openblas" in line.lower() and line.split()[-1].startswith("/")})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    setter.argtypes, setter.restype = [ctypes.c_int], None
                    getter.argtypes, getter.restype = [], ctypes.c_int
                    return setter, getter
    return None


@contextlib.contextmanager
def blas_threads(count: int) -> Iterator[bool]:
    """Limit the BLAS thread pool to `count` threads while the block runs (0: leave it alone);
    yields whether a limit could be applied."""
    if count == 0:
        yield False
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=count, user_api="blas"):
            yield True
        return
    controls = _openblas_controls()
    if controls is None:
        yield False
        return
    set_threads, get_threads = controls
    before = get_threads()
    set_threads(count)
    try:
        yield True
    finally:
        set_threads(before)
