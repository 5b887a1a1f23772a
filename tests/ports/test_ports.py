"""Programs written the way PyTorch's tutorials and examples are, run unchanged on both libraries.

Each ``prog_*.py`` exposes ``run(lib)``, returning a dict of results (losses per step, final
weights, gradients, logged lines), ``check(result)``, the sanity checks that hold on either
library (the loss falls, the accuracy beats chance), and ``RTOL``/``ATOL``, how closely the
two libraries must agree (about 1e-8 relative in float64, 1e-4 in float32). A program may add
``LOOSE`` (tolerances for single keys) and ``VARIANTS`` (keyword arguments for runs that the
two libraries cannot agree on number for number, such as shuffled batches or dropout masks,
which draw from each library's own random generator; those get the sanity checks only).

Without PyTorch every program still runs on autograd_core and passes its sanity checks; the
comparisons skip.

Where this project differs from PyTorch, the program is left as PyTorch code has it and the
difference is listed below: ``BLOCKED`` for a program that cannot run (its tests are expected
to fail with the given exception), ``KNOWN_DIFFERENCES`` for single results that differ (left
out of the comparison and checked on their own, expected to differ).
"""

from __future__ import annotations

import functools
import importlib
import math
import re
from pathlib import Path

import numpy as np
import pytest
from ports_lib import ag_lib, plain, torch_lib

HERE = Path(__file__).resolve().parent
PROGRAMS = sorted(p.stem for p in HERE.glob("prog_*.py"))

# (program, variant or None) -> (the exception autograd_core raises, where and why)
BLOCKED: dict[tuple[str, str | None], tuple[type[BaseException], str]] = {}

# (program, result key) -> how autograd_core's value differs from PyTorch's
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("prog_autoencoder", "dtype"): (
        "str(tensor.dtype) is 'float64' on autograd_core and 'torch.float64' on PyTorch: "
        "autograd_core's dtypes are NumPy dtypes (autograd_core/__init__.py: "
        "float64 = double = _np.dtype(_np.float64))"
    ),
}


def _program(name):
    return importlib.import_module(name)


@functools.cache
def _result(name: str, which: str, variant: str | None = None):
    prog = _program(name)
    kwargs = prog.VARIANTS[variant] if variant else {}
    lib = torch_lib() if which == "torch" else ag_lib()
    return plain(prog.run(lib, **kwargs))


def _blocked(name: str, variant: str | None = None):
    if (name, variant) not in BLOCKED:
        return []
    exc, reason = BLOCKED[(name, variant)]
    return [pytest.mark.xfail(raises=exc, reason=reason, strict=False)]


def _params(names):
    return [pytest.param(n, marks=_blocked(n), id=n.removeprefix("prog_")) for n in names]


# -- comparison ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _same_text(a: str, b: str, rtol: float, path: str) -> None:
    """Logged lines: equal, or equal but for numbers within rtol plus one printed digit."""
    if a == b:
        return
    assert _NUMBER.split(a) == _NUMBER.split(b), f"{path}: {a!r} != {b!r}"
    for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
        digits = len(x.split(".")[1].split("e")[0].split("E")[0]) if "." in x else 0
        ulp = 10.0 ** -digits
        assert abs(float(x) - float(y)) <= ulp + rtol * abs(float(x)), (
            f"{path}: {a!r} != {b!r}")


def _compare(expected, actual, rtol, atol, path="result", loose=None):
    loose = loose or {}
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: a dict on PyTorch, {type(actual)} here"
        assert list(expected) == list(actual), f"{path}: keys {list(expected)} != {list(actual)}"
        for k in expected:
            r, a = loose.get(k, (rtol, atol)) if path == "result" else (rtol, atol)
            _compare(expected[k], actual[k], r, a, f"{path}[{k!r}]")
        return
    if isinstance(expected, str) or expected is None:
        if isinstance(expected, str) and isinstance(actual, str):
            _same_text(expected, actual, rtol, path)
        else:
            assert expected == actual, f"{path}: {expected!r} != {actual!r}"
        return
    if isinstance(expected, (bool, int, np.bool_, np.integer)) and not isinstance(
            expected, (float, np.floating)):
        assert type(actual) is type(expected) or np.asarray(actual).dtype.kind in "biu", (
            f"{path}: {type(expected).__name__} on PyTorch, {type(actual).__name__} here")
        assert expected == actual, f"{path}: {expected!r} != {actual!r}"
        return
    if isinstance(expected, list) and any(isinstance(e, (str, dict, list, np.ndarray))
                                          for e in expected):
        assert isinstance(actual, list), f"{path}: a list on PyTorch, {type(actual)} here"
        assert len(actual) == len(expected), f"{path}: {len(expected)} != {len(actual)} items"
        for i, (e, a) in enumerate(zip(expected, actual)):
            _compare(e, a, rtol, atol, f"{path}[{i}]")
        return
    e, a = np.asarray(expected), np.asarray(actual)
    assert e.shape == a.shape, f"{path}: shape {e.shape} on PyTorch, {a.shape} here"
    if e.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e, err_msg=path)
        return
    assert e.dtype == a.dtype or a.dtype.kind == "f", f"{path}: dtype {e.dtype} != {a.dtype}"
    np.testing.assert_allclose(a.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol,
                               err_msg=path)


# -- tests --------------------------------------------------------------------------------------

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning")  # from inside torch.func


def test_the_programs_are_here():
    assert len(PROGRAMS) >= 12, PROGRAMS
    for name, variant in BLOCKED:
        assert name in PROGRAMS, name
        assert variant is None or variant in _program(name).VARIANTS, (name, variant)
    for name in PROGRAMS:
        prog = _program(name)
        assert callable(prog.run) and callable(prog.check), name
        assert 0 < prog.RTOL <= 1e-4 and 0 <= prog.ATOL <= 1e-4, name


@pytest.mark.parametrize("name", _params(PROGRAMS))
def test_runs_on_autograd_core(name):
    """The program runs on autograd_core alone and its results make sense."""
    _program(name).check(_result(name, "ag"))


@pytest.mark.torch
@pytest.mark.parametrize("name", _params(PROGRAMS))
def test_same_numbers_as_pytorch(name):
    """Every number the program reports agrees with PyTorch's to the program's tolerance."""
    pytest.importorskip("torch")
    prog = _program(name)
    expected = _result(name, "torch")
    prog.check(expected)  # the program itself is sound on PyTorch
    actual = _result(name, "ag")
    skip = {k for (n, k) in KNOWN_DIFFERENCES if n == name}
    expected = {k: v for k, v in expected.items() if k not in skip}
    actual = {k: v for k, v in actual.items() if k not in skip}
    _compare(expected, actual, prog.RTOL, prog.ATOL, loose=getattr(prog, "LOOSE", {}))


VARIANT_CASES = [
    pytest.param(name, variant, which, marks=_blocked(name, variant) if which == "ag" else [],
                 id=f"{name.removeprefix('prog_')}-{variant}-{which}")
    for name in PROGRAMS
    for variant in getattr(_program(name), "VARIANTS", {})
    for which in ("ag", "torch")
]


@pytest.mark.parametrize("name, variant, which", VARIANT_CASES)
def test_variant_passes_sanity_checks(name, variant, which):
    """Runs whose randomness comes from each library's own generator: sanity checks only."""
    if which == "torch":
        pytest.importorskip("torch")
    _program(name).check(_result(name, which, variant))


@pytest.mark.torch
@pytest.mark.parametrize(
    "name, key",
    [pytest.param(n, k, marks=pytest.mark.xfail(reason=why, strict=False), id=f"{n}-{k}")
     for (n, k), why in KNOWN_DIFFERENCES.items()])
def test_known_difference(name, key):
    """Each listed difference on its own: expected to fail until autograd_core matches."""
    pytest.importorskip("torch")
    prog = _program(name)
    expected, actual = _result(name, "torch")[key], _result(name, "ag")[key]
    _compare({key: expected}, {key: actual}, prog.RTOL, prog.ATOL)


def test_same_text_allows_one_printed_digit():
    _same_text("loss: 0.1234 [ 32/ 240]", "loss: 0.1235 [ 32/ 240]", 1e-4, "x")
    with pytest.raises(AssertionError):
        _same_text("loss: 0.1234", "loss: 0.1237", 1e-4, "x")
    with pytest.raises(AssertionError):
        _same_text("loss: 0.1234", "Loss: 0.1234", 1e-4, "x")
    assert math.isclose(1.0, 1.0)
