"""The workloads for autograd_core, through its public API only (shared/API.md).

They are the PyTorch code of ``torch_api.py`` with ``autograd_core``, ``nn`` and ``optim``
imported in place of ``torch``: ``nn.Module`` models loaded with ``load_state_dict`` from the
shared NumPy state dict, ``nn.functional`` losses, ``optim.Adam``/``optim.SGD``,
``loss.backward()`` and ``p.grad``. No engine internals, so they measure what users of the
public API get.

``COMPILED_BUILDERS`` run the same runners with their training step (and the loss and backward
that the gradient check reads) wrapped in ``ag.compile``: the first two calls trace, later ones
replay, so the check calls the step twice before the call it compares.
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


def _compiled(make):
    def build(prob):
        runner = make(prob)
        plain_grads = runner.grads
        runner.step = ag.compile(runner.step)
        if hasattr(runner, "_loss"):
            runner._loss = ag.compile(runner._loss)
        else:
            runner._run = ag.compile(runner._run)

        def grads():
            for _ in range(2):  # trace, check; the third call replays
                plain_grads()
            return plain_grads()

        runner.grads = grads
        return runner

    return build


# F and K keep the loss between their forward and backward, outside one step
COMPILED_BUILDERS = {k: _compiled(b) for k, b in BUILDERS.items() if k not in ("F", "K")}
