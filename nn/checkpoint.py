"""Checkpoints for models, optimizers and schedulers under nn's name: the engine's ``save`` and
``load`` (see :mod:`autograd_core.serialization` for the file format and its safety)."""

from autograd_core.serialization import (
    DEFAULT_MAX_BYTES,
    FORMAT,
    HEADER_ENTRY,
    VERSION,
    CheckpointError,
    load,
    save,
)

__all__ = ["CheckpointError", "DEFAULT_MAX_BYTES", "FORMAT", "HEADER_ENTRY", "VERSION", "load",
           "save"]
