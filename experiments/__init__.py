"""The experiments this project runs and reports (``python -m experiments``, the main job):
the MNIST-1D paper's benchmark, a digits autoencoder, and a convolutional autoencoder, a VAE and
an LSTM forecaster beside simple baselines, trained with ``nn`` and ``optim``.

It is a separate package on top of the library: ``nn`` never imports it, so ``import nn``
pulls in neither matplotlib nor mnist1d. It is laid out by stage:

- :mod:`.recipe`: the paper's models, hyperparameters and published accuracies.
- :mod:`.loop`: step-counted training on top of :class:`nn.Trainer`, with periodic evaluation.
- :mod:`.classify` and :mod:`.autoencode`: the benchmark and the autoencoder.
- :mod:`.convae`, :mod:`.generative` and :mod:`.forecast`: the conv autoencoder, the VAE and
  the LSTM forecaster, each scored beside a simple baseline (PCA; a least-squares linear
  forecast).
- :mod:`.plots`, :mod:`.graph` and :mod:`.report`: pictures, the graph of one step, tables.
- :mod:`.cli`: the command line (``main``).
"""

from .cli import main

__all__ = ["main"]
