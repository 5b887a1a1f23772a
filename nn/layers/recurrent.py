"""GRU: PyTorch's gate equations, parameter names and layout.

    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
    z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

weight_ih_l{k} is (3 * hidden_size, input_size) with the gates stacked in the order r, z, n.
The input projections of a whole sequence are one matrix product per layer; only the
recurrent part runs step by step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_core as ag

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._util import param_dtype


def _gru_step(gi: ag.Tensor, h: ag.Tensor, w_hh: Parameter, b_hh: Parameter | None,
              hidden: int) -> ag.Tensor:
    gh = ag.linear(h, w_hh, b_hh)
    rz = ag.sigmoid(gi[..., : 2 * hidden] + gh[..., : 2 * hidden])
    r = rz[..., :hidden]
    z = rz[..., hidden:]
    n = ag.tanh(gi[..., 2 * hidden:] + r * gh[..., 2 * hidden:])
    return n + z * (h - n)


def _reset_uniform(module: Module) -> None:
    """PyTorch's recurrent init: every parameter, in registration order, from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
    bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class GRUCell(Module):
    """One GRU step: (input (N, H_in), hidden (N, H)) -> next hidden (N, H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype)
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bias
        h = self.hidden_size
        self.weight_ih = Parameter(np.empty((3 * h, self.input_size), dt))
        self.weight_hh = Parameter(np.empty((3 * h, h), dt))
        if bias:
            self.bias_ih = Parameter(np.empty(3 * h, dt))
            self.bias_hh = Parameter(np.empty(3 * h, dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def forward(self, input: ag.Tensor, hx: ag.Tensor | None = None) -> ag.Tensor:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"GRUCell: expected input (N, {self.input_size}) or "
                             f"({self.input_size},); got {x.shape}")
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        if hx is None:
            h = ag.Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        else:
            h = hx if batched else hx.unsqueeze(0)
        gi = ag.linear(x, self.weight_ih, self.bias_ih)
        out = _gru_step(gi, h, self.weight_hh, self.bias_hh, self.hidden_size)
        return out if batched else out.squeeze(0)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class GRU(Module):
    """Multi-layer gated recurrent unit, as torch.nn.GRU.

    Input (L, N, H_in), or (N, L, H_in) with batch_first=True, or unbatched (L, H_in); optional
    h0 of shape (D * num_layers, N, H). Returns (output, h_n): output (L, N, D * H) (batch first
    when batch_first) holds the last layer's hidden state at every step, h_n
    (D * num_layers, N, H) the final state of every layer and direction. Dropout (in training)
    acts on the outputs of every layer but the last.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        dt = param_dtype(dtype)
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        dirs = 2 if bidirectional else 1
        h = self.hidden_size
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else h * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                setattr(self, "weight_ih" + sfx, Parameter(np.empty((3 * h, layer_in), dt)))
                setattr(self, "weight_hh" + sfx, Parameter(np.empty((3 * h, h), dt)))
                if bias:
                    setattr(self, "bias_ih" + sfx, Parameter(np.empty(3 * h, dt)))
                    setattr(self, "bias_hh" + sfx, Parameter(np.empty(3 * h, dt)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def _weights(self, layer: int, d: int) -> tuple:
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        p = self._parameters
        return (p["weight_ih" + sfx], p["weight_hh" + sfx], p.get("bias_ih" + sfx),
                p.get("bias_hh" + sfx))

    def forward(self, input: ag.Tensor, hx: ag.Tensor | None = None) -> tuple:
        x = input if isinstance(input, ag.Tensor) else ag.tensor(input)
        if x.ndim not in (2, 3):
            raise ValueError(f"GRU: expected input to be 2D or 3D, got {x.ndim}D instead")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"GRU: input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {x.shape[-1]}")
        batched = x.ndim == 3
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        steps, n = x.shape[0], x.shape[1]
        dirs = 2 if self.bidirectional else 1
        h = self.hidden_size
        state_shape = (self.num_layers * dirs, n, h)
        if hx is None:
            h0 = None
        else:
            h0 = hx if isinstance(hx, ag.Tensor) else ag.tensor(hx)
            if not batched:
                if h0.ndim != 2:
                    raise ValueError(f"GRU: for unbatched 2-D input, hx should also be 2-D but "
                                     f"got {h0.ndim}-D tensor")
                h0 = h0.unsqueeze(1)
            if h0.shape != state_shape:
                raise ValueError(f"GRU: expected hidden size {state_shape}, got {h0.shape}")
        zeros = ag.Tensor(np.zeros((n, h), dtype=x.dtype))
        layer_in = x
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, d)
                gi_all = ag.linear(layer_in, w_ih, b_ih)  # (L, N, 3H): all steps at once
                state = zeros if h0 is None else h0[layer * dirs + d]
                order = range(steps - 1, -1, -1) if d else range(steps)
                seq: list[Any] = [None] * steps
                for t in order:
                    state = _gru_step(gi_all[t], state, w_hh, b_hh, h)
                    seq[t] = state
                finals.append(state)
                outs.append(ag.stack(seq, 0))
            layer_out = outs[0] if dirs == 1 else ag.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_out = F.dropout(layer_out, self.dropout, True)
            layer_in = layer_out
        h_n = ag.stack(finals, 0)
        output = layer_in
        if not batched:
            return output.squeeze(1), h_n.squeeze(1)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, h_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s
