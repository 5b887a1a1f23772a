"""Small helpers the layers share."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_core as ag


def param_dtype(dtype: Any) -> np.dtype:
    """Parameters are float32 unless a dtype is given (device arguments are ignored)."""
    dt = np.dtype(ag.float32 if dtype is None else dtype)
    if dt.kind not in "fc":
        raise TypeError(f"parameters must be floating point; got dtype {dt}")
    return dt


def ntuple(value: Any, n: int, what: str) -> tuple:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"{what} needs {n} values; got {value}")
    return value
