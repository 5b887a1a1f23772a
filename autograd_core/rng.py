"""The seeded random generators behind rand, randn, randperm, init, dropout and shuffling.

One global generator, replaced by ``manual_seed``, serves every draw that names none; a
``Generator`` object carries a stream of its own for the draws that name it (``generator=``),
as ``torch.Generator`` does.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from .devices import device as _device

_generator = np.random.default_rng(0)
_initial_seed = 0


def manual_seed(seed: int) -> np.random.Generator:
    """Seeds the generator, so runs repeat exactly (torch.manual_seed)."""
    global _generator, _initial_seed
    _initial_seed = _check_seed(seed, "manual_seed")
    _generator = np.random.default_rng(_initial_seed)
    return _generator


def initial_seed() -> int:
    """The seed last given to manual_seed (torch.initial_seed)."""
    return _initial_seed


def default_generator() -> np.random.Generator:
    """The generator in use now: a later manual_seed replaces it, so ask each time."""
    return _generator


def _check_seed(seed: Any, where: str) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{where}: the seed must be an int; got {type(seed).__name__}")
    seed = int(seed)
    if not -(1 << 63) <= seed < (1 << 64):
        raise RuntimeError(f"{where}: the seed {seed} is outside [-2**63, 2**64)")
    return seed + 0xFFFF_FFFF_FFFF_FFFF if seed < 0 else seed  # PyTorch's mapping


_STATE_BYTES = 40  # PCG64: state and increment (128 bits each), the cached 32-bit half


class Generator:
    """A random stream of its own (torch.Generator), for draws that pass ``generator=``.

    ``get_state`` returns the whole state as a uint8 Tensor and ``set_state`` restores it, so a
    stream can be saved with a checkpoint and resumed exactly.
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = _device(device)
        if self.device.type != "cpu":
            raise RuntimeError(
                f"Generator: device {self.device} is not available; autograd_core runs on the "
                "CPU only (use device='cpu')")
        self._seed = 67280421310721  # PyTorch's default seed for a fresh Generator
        self._numpy = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        self._seed = _check_seed(seed, "Generator.manual_seed")
        self._numpy = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Seeds from the operating system's entropy and returns that seed."""
        return self.manual_seed(secrets.randbits(63))._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Any:
        from .tensor import Tensor  # here, not above: the Tensor's own draws come from this module

        st = self._numpy.bit_generator.state
        raw = (st["state"]["state"].to_bytes(16, "little")
               + st["state"]["inc"].to_bytes(16, "little")
               + int(st["has_uint32"]).to_bytes(4, "little")
               + int(st["uinteger"]).to_bytes(4, "little"))
        return Tensor(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        raw = np.asarray(getattr(new_state, "_data", new_state))
        if raw.dtype != np.uint8 or raw.shape != (_STATE_BYTES,):
            raise RuntimeError(
                f"Generator.set_state: expected a uint8 Tensor of {_STATE_BYTES} bytes from "
                f"get_state; got dtype {raw.dtype} and shape {tuple(raw.shape)}")
        b = raw.tobytes()
        bit = np.random.PCG64()
        bit.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(b[:16], "little"),
                      "inc": int.from_bytes(b[16:32], "little")},
            "has_uint32": int.from_bytes(b[32:36], "little"),
            "uinteger": int.from_bytes(b[36:40], "little"),
        }
        self._numpy = np.random.Generator(bit)
        return self

    def __repr__(self) -> str:
        return f"Generator(device='{self.device.type}', initial_seed={self._seed})"


def numpy_generator(generator: Generator | None, where: str) -> np.random.Generator:
    """The NumPy stream a draw uses: the given Generator's, else the global one."""
    if generator is None:
        return _generator
    if not isinstance(generator, Generator):
        raise TypeError(
            f"{where}: generator must be an autograd_core.Generator or None; got "
            f"{type(generator).__name__}")
    return generator._numpy
