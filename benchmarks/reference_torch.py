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
