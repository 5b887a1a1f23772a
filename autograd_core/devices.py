"""Devices, as PyTorch names them. Every Tensor lives in main memory ("cpu"); the names exist so
that programs written for PyTorch (`device=`, `.to(device)`, `torch.cuda.is_available()`) run
unchanged, and so that asking for an accelerator gives an error that says what to do instead.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

_NO_ACCELERATOR = (
    "this library computes with NumPy on the CPU and has no {what}; use device='cpu' (or "
    "leave device out), and test for one with ag.cuda.is_available(), which is False"
)


class device:  # noqa: N801  (torch.device)
    """A device name: 'cpu' or 'cpu:0'. Other kinds are refused when used, not when named."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu'; got {type!r}")
        kind, _, num = type.partition(":")
        if num:
            if index is not None:
                raise ValueError(f"device: {type!r} already names an index; got index={index}")
            if not num.isdigit():
                raise ValueError(f"device: invalid device string {type!r}")
            index = int(num)
        self.type = kind
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{extra})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")
_default = CPU


def check(d: Any, where: str) -> device:
    """The device a `device=` argument names, or an error for anything but the CPU."""
    if d is None:
        return _default
    dev = d if isinstance(d, device) else device(d) if isinstance(d, str) else None
    if dev is None:
        if isinstance(d, int):
            raise RuntimeError(f"{where}: device {d} is an accelerator index; "
                               + _NO_ACCELERATOR.format(what="accelerator"))
        raise TypeError(f"{where}: expected a device or a string such as 'cpu'; got {d!r}")
    if dev.type != "cpu":
        raise RuntimeError(f"{where}: device '{dev}' is not available: "
                           + _NO_ACCELERATOR.format(what=f"'{dev.type}' device"))
    if dev.index not in (None, 0):
        raise RuntimeError(f"{where}: there is one CPU device, 'cpu' (index 0); got '{dev}'")
    return CPU


def is_device_like(x: Any) -> bool:
    """Whether an argument of .to(...) names a device rather than a dtype."""
    if isinstance(x, device):
        return True
    if isinstance(x, str):
        return x.partition(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla")
    return False


def set_default_device(d: Any) -> None:
    global _default
    _default = check(d, "set_default_device")


def get_default_device() -> device:
    return _default


def _no(what: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(_NO_ACCELERATOR.format(what=what))

    return refuse


# torch.cuda and torch.accelerator, as far as a program asks before choosing the CPU
cuda = SimpleNamespace(
    is_available=lambda: False,
    device_count=lambda: 0,
    is_initialized=lambda: False,
    manual_seed=lambda seed: None,
    manual_seed_all=lambda seed: None,
    synchronize=lambda device=None: None,
    empty_cache=lambda: None,
    current_device=_no("CUDA device"),
    get_device_name=_no("CUDA device"),
    set_device=_no("CUDA device"),
)
accelerator = SimpleNamespace(
    is_available=lambda: False,
    device_count=lambda: 0,
    current_accelerator=lambda check_available=False: None,
    synchronize=lambda device=None: None,
)
backends = SimpleNamespace(
    mps=SimpleNamespace(is_available=lambda: False, is_built=lambda: False),
    cudnn=SimpleNamespace(is_available=lambda: False, deterministic=False, benchmark=False),
)
