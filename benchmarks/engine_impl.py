"""The workloads for autograd_core, through its public API only (shared/API.md).

They are the PyTorch code of ``torch_api.py`` with ``autograd_core``, ``nn`` and ``optim``
imported in place of ``torch``: ``nn.Module`` models loaded with ``load_state_dict`` from the
shared NumPy state dict, ``nn.functional`` losses, ``optim.Adam``/``optim.SGD``,
``loss.backward()`` and ``p.grad``. No engine internals, so they measure what users of the
public API get.
"""

from __future__ import annotations

from torch_api import make_builders

import autograd_core as ag
import nn
import optim
from nn import functional as F


def _version():
    for mod in (ag, nn, optim):
        v = getattr(mod, "__version__", None)
        if v:
            return str(v)
    return "working tree"


VERSION = _version()

BUILDERS = make_builders(ag, nn, F, optim, from_numpy=ag.tensor)
