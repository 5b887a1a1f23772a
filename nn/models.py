"""Ready-made models: nn.MLP and nn.Autoencoder."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import autograd_core as ag

from . import layers as L
from .module import Module

ActivationSpec = str | type | Module | Callable[[], Module] | None

_ACTIVATIONS: dict[str, type] = {
    "relu": L.ReLU, "leaky_relu": L.LeakyReLU, "prelu": L.PReLU, "sigmoid": L.Sigmoid,
    "tanh": L.Tanh, "softplus": L.Softplus, "elu": L.ELU, "selu": L.SELU, "silu": L.SiLU,
    "relu6": L.ReLU6, "hardtanh": L.Hardtanh, "softsign": L.Softsign, "identity": L.Identity,
    "linear": L.Identity,
}


def make_activation(spec: ActivationSpec) -> Module | None:
    """A fresh activation module from a name ("relu", "tanh", ...), a Module class, a Module
    instance (deep-copied, so layers never share a learnable PReLU by accident) or a factory."""
    if spec is None:
        return None
    if isinstance(spec, str):
        key = spec.lower().replace("-", "_")
        if key not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {spec!r}; known names: "
                             f"{', '.join(sorted(_ACTIVATIONS))}")
        return _ACTIVATIONS[key]()
    if isinstance(spec, Module):
        return copy.deepcopy(spec)
    if callable(spec):
        module = spec()
        if not isinstance(module, Module):
            raise TypeError(f"activation factory {spec!r} returned {type(module).__name__}, "
                            "not an nn.Module")
        return module
    raise TypeError(f"activation must be a name, a Module class, a Module or a factory; got "
                    f"{type(spec).__name__}")


class MLP(L.Sequential):
    """A multilayer perceptron: Linear layers of the given sizes, e.g. MLP([40, 100, 100, 10]).

    Each hidden layer is Linear -> [BatchNorm1d] -> activation -> [Dropout]; the last layer is
    Linear -> [output_activation]. With residual=True a hidden layer whose input and output
    sizes match adds its input to its output (h = h + block(h)); MLP([40, 100, 100, 10],
    residual=True) is exactly the MNIST-1D paper's MLPBase. The modules sit in one Sequential,
    so state_dict keys ("0.weight", "2.weight", ...) match the equivalent torch.nn.Sequential.
    The block structure is fixed at construction: do not insert or delete modules afterwards.
    """

    def __init__(self, sizes: Sequence[int], activation: ActivationSpec = L.ReLU,
                 output_activation: ActivationSpec = None, dropout: float = 0.0,
                 batch_norm: bool = False, residual: bool = False, bias: bool = True,
                 dtype: Any = None) -> None:
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or any(s <= 0 for s in sizes):
            raise ValueError(f"MLP: sizes must list at least an input and an output size, all "
                             f"positive; got {sizes}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1); got {dropout}")
        self.sizes = sizes
        self.residual = residual
        blocks = []
        modules: list[Module] = []
        last = len(sizes) - 2
        for i in range(len(sizes) - 1):
            start = len(modules)
            modules.append(L.Linear(sizes[i], sizes[i + 1], bias=bias, dtype=dtype))
            if i < last:
                if batch_norm:
                    modules.append(L.BatchNorm1d(sizes[i + 1], dtype=dtype))
                modules.append(make_activation(activation))
                if dropout:
                    modules.append(L.Dropout(dropout))
                skip = residual and sizes[i] == sizes[i + 1]
            else:
                act = make_activation(output_activation)
                if act is not None:
                    modules.append(act)
                skip = False
            blocks.append((start, len(modules), skip))
        for m in modules:
            self.append(m)
        self._blocks = tuple(blocks)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        mods = list(self._modules.values())
        h = input
        for start, end, skip in self._blocks:
            out = h
            for m in mods[start:end]:
                out = m(out)
            h = h + out if skip else out
        return h


class Autoencoder(Module):
    """An MLP encoder to a narrow code and an MLP decoder back, e.g. Autoencoder([784, 128, 32]).

    decoder_sizes defaults to the encoder's sizes reversed. `encode(x)` gives the code,
    `decode(z)` the reconstruction, and `forward(x)` = decode(encode(x)); inputs with more than
    two dimensions (images) are flattened and the reconstruction reshaped back. For a sparse
    autoencoder set l1_penalty > 0 (and usually code_activation="relu"): after each forward,
    `penalty()` returns l1_penalty * mean over the batch of sum_j |code_j| for the code of that
    forward pass, a Tensor in the graph, so the training loop adds it to the reconstruction
    loss: `loss = F.mse_loss(model(x), x) + model.penalty()`.
    """

    def __init__(self, encoder_sizes: Sequence[int], decoder_sizes: Sequence[int] | None = None,
                 activation: ActivationSpec = L.ReLU, output_activation: ActivationSpec = None,
                 code_activation: ActivationSpec = None, l1_penalty: float = 0.0,
                 dropout: float = 0.0, batch_norm: bool = False, dtype: Any = None) -> None:
        super().__init__()
        enc = [int(s) for s in encoder_sizes]
        dec = list(reversed(enc)) if decoder_sizes is None else [int(s) for s in decoder_sizes]
        if len(enc) < 2:
            raise ValueError(f"Autoencoder: encoder_sizes needs at least 2 sizes; got {enc}")
        if dec[0] != enc[-1]:
            raise ValueError(f"Autoencoder: the decoder must start at the code size {enc[-1]}; "
                             f"got decoder_sizes {dec}")
        if l1_penalty < 0:
            raise ValueError(f"Autoencoder: l1_penalty must be non-negative; got {l1_penalty}")
        self.encoder = MLP(enc, activation, code_activation, dropout, batch_norm, dtype=dtype)
        self.decoder = MLP(dec, activation, output_activation, dropout, batch_norm, dtype=dtype)
        self.l1_penalty = float(l1_penalty)
        self.code_size = enc[-1]
        self.last_code: ag.Tensor | None = None

    def encode(self, x: ag.Tensor) -> ag.Tensor:
        x = x if isinstance(x, ag.Tensor) else ag.tensor(x)
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        return self.encoder(x)

    def decode(self, z: ag.Tensor) -> ag.Tensor:
        return self.decoder(z)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        z = self.encode(x)
        self.last_code = z
        out = self.decode(z)
        return out.reshape(x.shape) if x.ndim > 2 else out

    def penalty(self, code: ag.Tensor | None = None) -> ag.Tensor:
        """The L1 activity penalty of `code` (by default the last forward pass's code)."""
        z = self.last_code if code is None else code
        if z is None or self.l1_penalty == 0.0:
            dtype = ag.float32 if z is None else z.dtype
            return ag.zeros((), dtype=dtype)
        per_sample = ag.abs(z).sum(-1)
        return per_sample.mean() * self.l1_penalty

    def extra_repr(self) -> str:
        return f"l1_penalty={self.l1_penalty}" if self.l1_penalty else ""
