"""Entry point of the main job, for the ``autograd-demo`` command; see :mod:`nn.app`."""

from .app.cli import main

__all__ = ["main"]
