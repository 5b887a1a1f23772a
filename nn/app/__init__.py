"""The main job (``python -m nn``): the MNIST-1D paper's benchmark and a digits autoencoder.

The package is laid out by stage, and nothing in ``nn`` imports it, so ``import nn`` never
pulls in matplotlib:

- :mod:`.recipe`: the paper's models, hyperparameters and published accuracies.
- :mod:`.loop`: step-counted training on top of :class:`nn.Trainer`, with periodic evaluation.
- :mod:`.classify` and :mod:`.autoencode`: the two experiments.
- :mod:`.plots`, :mod:`.graph` and :mod:`.report`: pictures, the graph of one step, tables.
- :mod:`.cli`: the command line (``main``).
"""

from .cli import main

__all__ = ["main"]
