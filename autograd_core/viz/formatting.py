"""Short, readable text for shapes, numbers, arrays and op arguments.

Labels show what a reader needs at a glance (the op's non-default arguments, a tensor's shape,
a number or five summary statistics); tooltips carry the long form.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .escape import shorten

TINY = 6  # tensors with at most this many elements show their values, larger ones statistics
PARAM_CHARS = 40  # one argument's text in a label; tooltips get PARAM_CHARS_FULL
PARAM_CHARS_FULL = 400


def shape_text(shape: tuple[int, ...]) -> str:
    return "scalar" if len(shape) == 0 else "\u00d7".join(str(n) for n in shape)


def number(x: Any) -> str:
    """Four significant digits; integers and booleans as they are."""
    if type(x) is float:
        return _float(x)
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (complex, np.complexfloating)):
        return f"{complex(x):.4g}"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return _float(v)


def _float(v: float) -> str:
    if v != v:
        return "nan"
    if v in (_INF, -_INF):
        return "inf" if v > 0 else "-inf"
    return f"{v:.4g}"


_INF = float("inf")


def values_text(a: np.ndarray, limit: int = TINY) -> str:
    """The elements themselves, nested like the array: `2.5`, `[1, 2]`, `[[1, 2], [3, 4]]`."""
    a = np.asarray(a)
    if a.ndim == 0:
        return number(a.item())
    flat = [number(v) for v in a.reshape(-1)[:limit].tolist()]
    if a.size > limit:
        return "[" + ", ".join(flat) + ", \u2026]"
    return _nest(flat, a.shape)


def _nest(flat: list[str], shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return "[" + ", ".join(flat) + "]"
    step = len(flat) // shape[0] if shape[0] else 0
    parts = [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
    return "[" + ", ".join(parts) + "]"


def stats(a: np.ndarray) -> dict[str, Any]:
    """mean, std, min, max and L2 norm over the finite elements, plus counts of NaN and inf."""
    a = np.asarray(a)
    out: dict[str, Any] = {"size": int(a.size)}
    if a.size == 0:
        return out
    if a.dtype.kind == "c":
        a = np.abs(a)
    x = a.astype(np.float64, copy=False)
    finite = np.isfinite(x)
    n_nan = int(np.isnan(x).sum())
    n_inf = int(x.size - finite.sum()) - n_nan
    if n_nan:
        out["nan"] = n_nan
    if n_inf:
        out["inf"] = n_inf
    v = x[finite] if (n_nan or n_inf) else x.reshape(-1)
    if v.size:
        out["mean"] = float(v.mean())
        out["std"] = float(v.std())
        out["min"] = float(v.min())
        out["max"] = float(v.max())
        out["norm"] = l2_norm(v)
    return out


def l2_norm(v: np.ndarray) -> float:
    """The Euclidean norm without overflow for huge or underflow for tiny entries."""
    m = float(np.max(np.abs(v))) if v.size else 0.0
    if m == 0.0 or not np.isfinite(m):
        return m
    return m * float(np.sqrt(np.sum(np.square(v / m))))


def summary_lines(a: np.ndarray) -> list[str]:
    """Label lines for an array: its values when tiny, else its statistics."""
    a = np.asarray(a)
    if a.size <= TINY:
        return [values_text(a)]
    s = stats(a)
    lines = []
    if "mean" in s:
        lines.append(f"mean {number(s['mean'])}  std {number(s['std'])}")
        lines.append(f"min {number(s['min'])}  max {number(s['max'])}")
        lines.append(f"norm {number(s['norm'])}")
    bad = [f"{k} \u00d7{s[k]}" for k in ("nan", "inf") if k in s]
    if bad:
        lines.append(", ".join(bad))
    return lines


def summary_full(a: np.ndarray) -> str:
    """One line for a tooltip: the values of a tiny array; else the first ones and statistics."""
    a = np.asarray(a)
    if a.size <= TINY:
        return values_text(a)
    s = stats(a)
    parts = [values_text(a, limit=10)]
    parts += [f"{k} {number(s[k])}" for k in ("mean", "std", "min", "max", "norm", "nan", "inf")
              if k in s]
    return "; ".join(parts)


# -- op arguments ------------------------------------------------------------------------------
def value_text(v: Any, limit: int = PARAM_CHARS) -> str:
    """An op argument: numbers, tuples, slices, dtypes, arrays (by values or by shape)."""
    return shorten(_value(v), limit)


def _value(v: Any) -> str:
    if v is None or isinstance(v, (bool, np.bool_)):
        return str(v)
    if isinstance(v, (int, float, complex, np.number)):
        return number(v)
    if v is Ellipsis:
        return "..."
    if isinstance(v, slice):
        return _slice(v)
    if isinstance(v, np.ndarray):
        if v.size <= TINY and v.ndim <= 1:
            return values_text(v)
        return f"{v.dtype}[{shape_text(v.shape)}]"
    if isinstance(v, tuple):
        inner = ", ".join(_value(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, np.dtype):
        return str(v)
    if isinstance(v, type):
        return v.__name__
    if isinstance(v, str):
        return repr(v)
    return type(v).__name__


def _slice(s: slice) -> str:
    start = "" if s.start is None else _value(s.start)
    stop = "" if s.stop is None else _value(s.stop)
    text = f"{start}:{stop}"
    return text if s.step is None else f"{text}:{_value(s.step)}"


def index_text(index: Any, limit: int = PARAM_CHARS) -> str:
    """A getitem index as it was written: `[:, 0]`, `[1:3, None]`, `[bool[4×5]]`."""
    items = index if isinstance(index, tuple) else (index,)
    return shorten("[" + ", ".join(_value(i) for i in items) + "]", limit)


_SHAPE_PARAMS = {"reshape", "broadcast_to", "sum_to"}
_HIDDEN_TYPES = {"FunctionCtx"}
_defaults: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def forward_defaults(op: Any) -> dict[str, Any]:
    """The keyword defaults of an op's forward: arguments left at them are not worth a label."""
    try:
        return _defaults[op]
    except (KeyError, TypeError):
        pass
    import inspect

    try:
        sig = inspect.signature(op.forward)
        found = {k: p.default for k, p in sig.parameters.items()
                 if p.default is not inspect.Parameter.empty}
    except (TypeError, ValueError, AttributeError):
        found = {}
    try:
        _defaults[op] = found
    except TypeError:
        pass
    return found


def _is_default(v: Any, default: Any) -> bool:
    if v is default:
        return True
    try:
        return type(v) is type(default) and bool(v == default)
    except Exception:
        return False


def op_param_items(op: Any, params: dict | None, full: bool = False) -> list[str]:
    """`key=value` texts for an op's static arguments (only non-default ones unless `full`)."""
    if not params:
        return []
    name = getattr(op, "name", "")
    defaults = {} if full else forward_defaults(op)
    limit = PARAM_CHARS_FULL if full else PARAM_CHARS
    items = []
    for key, v in params.items():
        if type(v).__name__ in _HIDDEN_TYPES or str(key).startswith("_"):
            continue
        if key in defaults and _is_default(v, defaults[key]):
            continue
        if name == "getitem" and key == "index":
            items.append(("index=" if full else "") + index_text(v, limit))
        elif name in _SHAPE_PARAMS and key == "shape" and isinstance(v, tuple) and not full:
            items.append("\u2192 " + shape_text(v))
        else:
            items.append(f"{key}={value_text(v, limit)}")
    return items


def call_text(op_name: str, args: tuple | None, arrays: tuple | None) -> str:
    """The op's name, and when some arguments are constants, a call showing them: `mul(·, 2)`."""
    if not args or all(a is not None for a in args):
        return op_name
    parts = []
    for i, a in enumerate(args):
        if a is not None:
            parts.append("\u00b7")
        elif arrays is None or i >= len(arrays):
            parts.append("const")
        else:
            parts.append(value_text(arrays[i], 16))
    return f"{op_name}({', '.join(parts)})"
