"""What `detect_anomaly` records and checks: where each op was created, and the first NaN or inf.

An error should point at the user's line, not at library code, so the creation site is the
innermost frame outside the packages listed in LIBRARY_PACKAGES. The engine lists itself;
packages built on it add their own names (nn and optim do) without the engine knowing them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from typing import Any

import numpy as np

LIBRARY_PACKAGES: set[str] = {"autograd_core"}
_dirs_cache: dict[frozenset, tuple[str, ...]] = {}


def register_library_package(name: str) -> None:
    """Frames inside package `name` are library code: anomaly reports skip them."""
    LIBRARY_PACKAGES.add(name)


def _library_dirs() -> tuple[str, ...]:
    key = frozenset(LIBRARY_PACKAGES)
    dirs = _dirs_cache.get(key)
    if dirs is None:
        found = []
        for name in sorted(key):
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.submodule_search_locations:
                found += [os.path.join(os.path.abspath(d), "")
                          for d in spec.submodule_search_locations]
        dirs = _dirs_cache[key] = tuple(found)
    return dirs


def creation_site() -> list:
    """The stack below the first library frame: the user's code that created a node."""
    stack = traceback.extract_stack()
    lib = _library_dirs()
    user = [f for f in stack if not os.path.abspath(f.filename).startswith(lib)]
    return user or stack


def where(t: Any) -> str:
    trace = (t._meta or {}).get("trace")
    if not trace:
        return "(creation site not recorded)"
    f = trace[-1]
    return f'File "{f.filename}", line {f.lineno}, in {f.name}: {f.line}'


def backward_name(op_name: str) -> str:
    """PyTorch's name for an op's backward node: mul -> MulBackward."""
    return "".join(p.capitalize() for p in op_name.split("_")) + "Backward"


def check_forward(t: Any) -> None:
    """Records where node t was created, and raises if its value holds NaN or inf."""
    t._meta_dict()["trace"] = creation_site()
    d = t._data
    if d.dtype.kind in "fc" and not np.isfinite(d).all():
        bad = "nan" if np.isnan(d).any() else "inf"
        raise FloatingPointError(
            f"detect_anomaly: op '{t._op.name}' produced {bad} in its forward output "
            f"(shape {d.shape}); created at {where(t)}"
        )


def check_backward(t: Any, i: int, g: Any) -> None:
    """Raises if the gradient that node t's rule sent to its input i holds NaN or inf."""
    arr = g._data if hasattr(g, "_op") else g
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        bad = "nan" if np.isnan(arr).any() else "inf"
        raise FloatingPointError(
            f"detect_anomaly: the backward of op '{t._op.name}' ({backward_name(t._op.name)}) "
            f"produced {bad} in the gradient of its input {i} (shape {np.shape(arr)}); "
            f"the op was created at {where(t)}"
        )


_HELPER_NAMES = frozenset({"fn", "method", "wrapper", "ensure_tensor", "apply"})


_NOTHING = object()


def public_caller(value: Any = _NOTHING) -> str:
    """The public function a bad argument was passed to: the outermost public function of the
    engine or of a registered library package on the stack (`hstack`, not the `atleast_1d` it
    calls), and the parameter that holds `value` when one does ("hstack: argument 'tensors'").
    Looked up only when an error is being raised, so naming them costs nothing when all is
    well."""
    lib = (os.path.join(os.path.dirname(os.path.abspath(__file__)), ""), *_library_dirs())
    frame = sys._getframe(1)
    found, where = "tensor", None
    while frame is not None and frame.f_code.co_filename.startswith(lib):
        name = frame.f_code.co_name
        if name.startswith("__") and name.endswith("__") and name != "__init__":
            found, where = name[2:-2], frame  # an operator: __mul__ is mul
        elif not name.startswith(("_", "<")) and name not in _HELPER_NAMES:
            found, where = name, frame
        frame = frame.f_back
    arg = _parameter_holding(where, value) if where is not None else None
    return found if arg is None else f"{found}: argument '{arg}'"


def _parameter_holding(frame: Any, value: Any) -> str | None:
    if value is _NOTHING:
        return None
    code = frame.f_code
    n = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x04)
    local = frame.f_locals
    for pname in code.co_varnames[:n]:
        v = local.get(pname, _NOTHING)
        if (v is value or (isinstance(v, (list, tuple)) and any(e is value for e in v))
                or (isinstance(v, str) and isinstance(value, str) and value in v)):
            return pname
    return None
