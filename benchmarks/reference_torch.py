"""PyTorch (CPU): the workloads of ``torch_api.py``, idiomatic eager code, default settings.

Models are ordinary ``torch.nn`` modules loaded from the shared initial state dict; the data
tensors are created once (``torch.from_numpy``), as a training loop on preloaded data would.
Thread count is set by ``bench.py`` through :func:`configure`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch_api import make_builders

VERSION = torch.__version__


def configure(threads: int) -> None:
    """Same intra-op thread count as the BLAS used by NumPy."""
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or parallel work already started
        pass


BUILDERS = make_builders(torch, nn, F, torch.optim, from_numpy=torch.from_numpy)


def _compiled(make):
    """The same runner with its model's forward compiled by ``torch.compile`` (forward and
    backward are compiled; the optimizer step stays eager, as in PyTorch's own tutorials).
    Compiling ``forward`` rather than the module keeps the parameters' names."""

    def build(prob):
        runner = make(prob)
        runner.model.forward = torch.compile(runner.model.forward)
        return runner

    return build


# the module-based workloads; the scalar loops of G and I would unroll thousands of ops into
# one graph, and F and K keep their loss between forward and backward
COMPILED_BUILDERS = {k: _compiled(b) for k, b in BUILDERS.items() if k in "ABCDEH"}
