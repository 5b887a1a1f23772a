"""Recurrent layers: RNN (tanh, relu), LSTM (with projections), GRU and their cells, with
PyTorch's equations, constructor arguments, parameter names, layouts and initialization, so a
PyTorch twin's state_dict loads with strict=True.

    RNN   h' = act(W_ih x + b_ih + W_hh h + b_hh)
    LSTM  i, f, g, o = gates of W_ih x + b_ih + W_hh h + b_hh   (stacked in that order)
          c' = sigmoid(f) * c + sigmoid(i) * tanh(g),   h' = sigmoid(o) * tanh(c')
          h' = W_hr h'                                   (proj_size > 0 only)
    GRU   r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
          n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h

Backpropagation through time is the engine's ordinary (iterative) backward over the unrolled
graph. Two choices keep its memory linear and its time near linear in the sequence length:
every step is a separate small graph (nothing slices one big sequence-wide Tensor step by step,
whose gradient would be a full sequence-sized array per step, quadratic in all), and an input
sequence that needs its own gradient is cut into steps by halving (`_split_steps`): each level
of cuts costs one pass over it, n log n in all.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import autograd_core as ag

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ._util import param_dtype, size_arg

Tensor = ag.Tensor
State = tuple  # (h,) for RNN and GRU, (h, c) for LSTM


class RecurrentShapeError(ValueError, RuntimeError):
    """A recurrent layer's input or state has the wrong shape. PyTorch raises ValueError for
    some of these and RuntimeError for others; this is both, so either `except` catches it."""


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


# -- the steps -----------------------------------------------------------------------------------
# A step takes the input x (N, H_in), the state and the weights its `prepare` made once per
# forward. RNN and LSTM add the two projections before anything else, so they run as one
# product of [x, h] with [W_ih, W_hh] (and one bias b_ih + b_hh): fewer graph nodes and
# fewer arrays kept per step than two products and a sum. GRU needs W_hn h + b_hn apart.
def _prepare_fused(w: tuple) -> tuple:
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    bias = None if b_ih is None else b_ih + b_hh
    return (ag.cat([w_ih, w_hh], 1), bias, w_hr)


def _prepare_gru(w: tuple) -> tuple:
    return w


def _gates(x: Tensor, h: Tensor, w: tuple) -> Tensor:
    return ag.linear(ag.cat([x, h], 1), w[0], w[1])


def _step_tanh(x: Tensor, state: State, w: tuple) -> State:
    return (ag.tanh(_gates(x, state[0], w)),)


def _step_relu(x: Tensor, state: State, w: tuple) -> State:
    return (ag.relu(_gates(x, state[0], w)),)


def _step_lstm(x: Tensor, state: State, w: tuple) -> State:
    h, c = state
    hid = c.shape[-1]
    gates = _gates(x, h, w)
    s = ag.sigmoid(gates)  # the g block's sigmoid is unused: one wide op beats three narrow
    g = ag.tanh(gates[:, 2 * hid:3 * hid])
    c = s[:, hid:2 * hid] * c + s[:, :hid] * g
    h = s[:, 3 * hid:] * ag.tanh(c)
    if w[2] is not None:
        h = ag.linear(h, w[2])
    return (h, c)


def _step_gru(x: Tensor, state: State, w: tuple) -> State:
    h = state[0]
    hid = h.shape[-1]
    gi = ag.linear(x, w[0], w[2])
    gh = ag.linear(h, w[1], w[3])
    rz = ag.sigmoid(gi[:, :2 * hid] + gh[:, :2 * hid])
    n = ag.tanh(gi[:, 2 * hid:] + rz[:, :hid] * gh[:, 2 * hid:])
    return (n + rz[:, hid:] * (h - n),)


Step = Callable[[Tensor, State, tuple], State]
_STEPS: dict[str, tuple[Callable[[tuple], tuple], Step]] = {
    "RNN_TANH": (_prepare_fused, _step_tanh), "RNN_RELU": (_prepare_fused, _step_relu),
    "LSTM": (_prepare_fused, _step_lstm), "GRU": (_prepare_gru, _step_gru),
}
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _split_steps(x: Tensor, sizes: Sequence[int], squeeze: bool) -> list[Tensor]:
    """Cuts x along dim 0 into consecutive pieces of the given sizes (squeezing dim 0 when each
    is one row). When x needs a gradient, the cuts halve ranges level by level: a cut's gradient
    is an array the size of what it cuts, so halving costs O(n log n) where one cut per piece
    out of the whole would cost O(n^2)."""
    n = len(sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    if not (x.requires_grad and ag.is_grad_enabled()):
        if squeeze:
            return [x[i] for i in range(n)]
        return [x[offsets[i]:offsets[i + 1]] for i in range(n)]
    out: list[Any] = [None] * n
    work = [(x, 0, n)]
    while work:
        t, a, b = work.pop()
        if b - a == 1:
            out[a] = t[0] if squeeze else t
            continue
        m = (a + b) // 2
        cut = int(offsets[m] - offsets[a])
        work.append((t[:cut], a, m))
        work.append((t[cut:], m, b))
    return out


def _run_direction(step: Callable, xs: list[Tensor], sizes: Sequence[int], state0: State,
                   w: tuple, reverse: bool) -> tuple[list[Tensor], State]:
    """One layer in one direction. sizes[t] is the batch at step t (non-increasing, as packed
    sequences are); rows past it have ended and keep their last state."""
    steps = len(xs)
    outs: list[Any] = [None] * steps
    if not reverse:
        state, cur, done = state0, sizes[0], []
        for t in range(steps):
            bs = sizes[t]
            if bs < cur:
                done.append(tuple(s[bs:cur] for s in state))
                state = tuple(s[:bs] for s in state)
                cur = bs
            state = step(xs[t], state, w)
            outs[t] = state[0]
        if done:
            state = tuple(ag.cat([state[k]] + [d[k] for d in reversed(done)], 0)
                          for k in range(len(state)))
        return outs, state
    full = state0[0].shape[0]
    cur = sizes[-1]
    state = state0 if cur == full else tuple(s[:cur] for s in state0)
    for t in range(steps - 1, -1, -1):
        bs = sizes[t]
        if bs > cur:  # sequences that start here (in reverse) join with their initial state
            state = tuple(ag.cat([s, s0[cur:bs]], 0) for s, s0 in zip(state, state0))
            cur = bs
        state = step(xs[t], state, w)
        outs[t] = state[0]
    return outs, state


def _reset_uniform(module: Module) -> None:
    """PyTorch's recurrent init: every parameter, in registration order, from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
    bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def _check_sizes(name: str, input_size: Any, hidden_size: Any) -> None:
    for what, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"{name}: {what} should be of type int, got: {type(v).__name__}")
    if hidden_size <= 0:
        raise ValueError(f"{name}: hidden_size must be greater than zero; got {hidden_size}")
    if input_size < 0:
        raise ValueError(f"{name}: input_size must be non-negative; got {input_size}")


# -- the multi-layer modules ---------------------------------------------------------------------
class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters per layer and direction, the unrolled loop,
    batch_first, unbatched input, packed sequences and dropout between layers."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        _check_sizes(name, input_size, hidden_size)
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if not isinstance(num_layers, numbers.Integral) or num_layers <= 0:
            raise ValueError(f"{name}: num_layers must be an integer greater than zero; got "
                             f"{num_layers}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        dt = param_dtype(dtype)
        self.mode = mode
        self.input_size = size_arg(input_size, "input_size", type(self).__name__)
        self.hidden_size = size_arg(hidden_size, "hidden_size", type(self).__name__, least=1)
        self.num_layers = size_arg(num_layers, "num_layers", type(self).__name__, least=1)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = size_arg(proj_size, "proj_size", type(self).__name__)
        dirs = 2 if self.bidirectional else 1
        gate = _GATES[mode] * self.hidden_size
        real = self.proj_size or self.hidden_size
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else real * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (gate, layer_in)), ("weight_hh", (gate, real))]
                if self.bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if self.proj_size:
                    shapes.append(("weight_hr", (self.proj_size, self.hidden_size)))
                for pname, shape in shapes:
                    setattr(self, pname + sfx, Parameter(np.empty(shape, dt)))
                    self._flat_weights_names.append(pname + sfx)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def flatten_parameters(self) -> None:
        """Kept for PyTorch code that calls it: weights here are never fragmented (it is a
        cuDNN matter), so there is nothing to do."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional
                                                                     else 1))
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per]] for i in range(0, len(names), per)]

    def _weights(self, layer: int, d: int) -> tuple:
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        # getattr, not _parameters: a parametrized weight (weight_norm) is a property
        return (getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx),
                getattr(self, "bias_ih" + sfx, None), getattr(self, "bias_hh" + sfx, None),
                getattr(self, "weight_hr" + sfx, None))

    def _name(self) -> str:
        return type(self).__name__

    def _check_state(self, h: Tensor, expected: tuple, label: str) -> None:
        if tuple(h.shape) != expected:
            raise RecurrentShapeError(f"{self._name()}: Expected {label} size {expected}, got "
                                      f"{list(h.shape)}")

    def _initial_states(self, hx: Any, batch: int, batched: bool, dtype: np.dtype,
                        sorted_indices: Tensor | None) -> State:
        dirs = 2 if self.bidirectional else 1
        real = self.proj_size or self.hidden_size
        shapes = [(self.num_layers * dirs, batch, real)]
        if self.mode == "LSTM":
            shapes.append((self.num_layers * dirs, batch, self.hidden_size))
        if hx is None:
            return tuple(ag.Tensor(np.zeros(s, dtype=dtype)) for s in shapes)
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0); got "
                                f"{type(hx).__name__}")
            states = tuple(_as_tensor(s) for s in hx)
            dims = tuple(s.ndim for s in states)
            want = 3 if batched else 2
            if dims != (want, want):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RecurrentShapeError(
                    f"LSTM: For {kind} input, hx and cx should also be {want}-D but got "
                    f"({dims[0]}-D, {dims[1]}-D) tensors")
            labels = ("hidden[0]", "hidden[1]")
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{self._name()}: hx must be a Tensor; got a "
                                f"{type(hx).__name__}")
            states = (_as_tensor(hx),)
            want = 3 if batched else 2
            if states[0].ndim != want:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RecurrentShapeError(f"{self._name()}: For {kind} input, hx should also "
                                          f"be {want}-D but got {states[0].ndim}-D tensor")
            labels = ("hidden",)
        if not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        for s, shape, label in zip(states, shapes, labels):
            if s.dtype != dtype:
                raise RuntimeError(f"{self._name()}: input and hidden tensors are not the same "
                                   f"dtype, found input tensor with {dtype} and hidden tensor "
                                   f"with {s.dtype}")
            self._check_state(s, shape, label)
        if sorted_indices is not None:
            states = tuple(ag.index_select(s, 1, sorted_indices) for s in states)
        return states

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        name = self._name()
        packed = isinstance(input, PackedSequence)
        w0 = self.weight_ih_l0
        if packed:
            x = input.data
            sizes = [int(b) for b in np.asarray(input.batch_sizes._data)]
            batch = sizes[0]
            batched = True
            if x.ndim != 2:
                raise RecurrentShapeError(f"{name}: packed input data must be 2-D (total steps, "
                                          f"input_size); got shape {tuple(x.shape)}")
        else:
            x = _as_tensor(input)
            if x.ndim not in (2, 3):
                raise RecurrentShapeError(f"{name}: Expected input to be 2D or 3D, got "
                                          f"{x.ndim}D tensor instead")
            batched = x.ndim == 3
            if not batched:
                x = x.unsqueeze(1)
            elif self.batch_first:
                x = x.transpose(0, 1)
            batch = x.shape[1]
            sizes = [batch] * x.shape[0]
        if x.shape[-1] != self.input_size:
            raise RecurrentShapeError(f"{name}: input.size(-1) must be equal to input_size. "
                                      f"Expected {self.input_size}, got {x.shape[-1]} (input "
                                      f"of shape {tuple(x.shape)})")
        if x.dtype != w0.dtype:
            raise RuntimeError(f"{name}: input must have the type {w0.dtype}, got type "
                               f"{x.dtype}; convert the input with .to({w0.dtype}) or the "
                               f"module with .to({x.dtype})")
        if not sizes:
            raise RecurrentShapeError(f"{name}: the input has no time steps (shape "
                                      f"{tuple(x.shape)})")
        sorted_idx = input.sorted_indices if packed else None
        states0 = self._initial_states(hx, batch, batched, x.dtype, sorted_idx)
        output, finals = self._unroll(x, sizes, packed, states0)
        if packed:
            if input.unsorted_indices is not None:
                finals = tuple(ag.index_select(s, 1, input.unsorted_indices) for s in finals)
            output = PackedSequence(output, input.batch_sizes, input.sorted_indices,
                                    input.unsorted_indices)
        elif not batched:
            output = output.squeeze(1)
            finals = tuple(s.squeeze(1) for s in finals)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (finals if self.mode == "LSTM" else finals[0])

    def _unroll(self, x: Tensor, sizes: list[int], packed: bool, states0: State
                ) -> tuple[Tensor, State]:
        prepare, step = _STEPS[self.mode]
        dirs = 2 if self.bidirectional else 1
        xs = _split_steps(x, sizes if packed else [1] * len(sizes), squeeze=not packed)
        finals: list[State] = []
        per_dir: list[list[Tensor]] = []
        for layer in range(self.num_layers):
            per_dir = []
            for d in range(dirs):
                k = layer * dirs + d
                s0 = tuple(s[k] for s in states0)
                outs, fin = _run_direction(step, xs, sizes, s0, prepare(self._weights(layer, d)),
                                           reverse=bool(d))
                per_dir.append(outs)
                finals.append(fin)
            if layer == self.num_layers - 1:
                break
            if dirs == 1:
                xs = per_dir[0]
            else:
                xs = [ag.cat([f, r], -1) for f, r in zip(*per_dir)]
            if self.dropout and self.training:
                xs = [F.dropout(t, self.dropout, True) for t in xs]
        join = ag.cat if packed else ag.stack
        output = join(per_dir[0], 0) if dirs == 1 else ag.cat([join(o, 0) for o in per_dir], -1)
        states = tuple(ag.stack([f[i] for f in finals], 0) for i in range(len(states0)))
        return output, states

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
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


class RNN(RNNBase):
    """Elman RNN with tanh or relu, as torch.nn.RNN.

    Input (L, N, H_in), (N, L, H_in) with batch_first, unbatched (L, H_in), or a
    PackedSequence; h_0 (D * num_layers, N, H). Returns (output, h_n): output (L, N, D * H)
    holds the last layer's state at every step (a PackedSequence for packed input), h_n every
    layer's and direction's final state.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory, as torch.nn.LSTM, with proj_size (h projected by weight_hr).

    Takes and returns the state as a pair (h, c): h of shape (D * num_layers, N, proj_size or
    hidden_size), c of shape (D * num_layers, N, hidden_size). Otherwise as RNN.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, as torch.nn.GRU (gates stacked r, z, n). Otherwise as RNN."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


# -- the cells -----------------------------------------------------------------------------------
class RNNCellBase(Module):
    """One step of a recurrent layer on (N, H_in) or unbatched (H_in,) input."""

    _mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size)
        dt = param_dtype(dtype)
        self.input_size = size_arg(input_size, "input_size", type(self).__name__)
        self.hidden_size = size_arg(hidden_size, "hidden_size", type(self).__name__, least=1)
        self.bias = bool(bias)
        g = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((g, self.input_size), dt))
        self.weight_hh = Parameter(np.empty((g, self.hidden_size), dt))
        if self.bias:
            self.bias_ih = Parameter(np.empty(g, dt))
            self.bias_hh = Parameter(np.empty(g, dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self)

    def _prepare(self, input: Any, hx: Any, n_states: int) -> tuple[Tensor, State, bool]:
        name = type(self).__name__
        x = _as_tensor(input)
        if x.ndim not in (1, 2):
            raise RecurrentShapeError(f"{name}: Expected input to be 1D or 2D, got {x.ndim}D "
                                      "instead")
        if x.shape[-1] != self.input_size:
            raise RecurrentShapeError(f"{name}: input has inconsistent input_size: got "
                                      f"{x.shape[-1]} expected {self.input_size} (input of "
                                      f"shape {tuple(x.shape)})")
        if x.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{name}: input must have the type {self.weight_ih.dtype}, got "
                               f"type {x.dtype}")
        batched = x.ndim == 2
        if not batched:
            x = x.unsqueeze(0)
        n = x.shape[0]
        if hx is None:
            states = tuple(ag.Tensor(np.zeros((n, self.hidden_size), x.dtype))
                           for _ in range(n_states))
            return x, states, batched
        if n_states == 2:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0); got "
                                f"{type(hx).__name__}")
            states = tuple(_as_tensor(s) for s in hx)
        else:
            states = (_as_tensor(hx),)
        fixed = []
        for i, s in enumerate(states):
            label = f"hx[{i}]" if n_states == 2 else "hidden"
            if s.ndim not in (1, 2):
                raise RecurrentShapeError(f"{name}: Expected {label} to be 1D or 2D, got "
                                          f"{s.ndim}D instead")
            if s.ndim != x.ndim - (0 if batched else 1):
                raise RecurrentShapeError(f"{name}: {label} of shape {tuple(s.shape)} does not "
                                          f"fit input of shape {tuple(input.shape)}: both "
                                          "batched (2-D) or both unbatched (1-D)")
            if not batched:
                s = s.unsqueeze(0)
            if s.shape[1] != self.hidden_size:
                raise RecurrentShapeError(f"{name}: hidden{i} has inconsistent hidden_size: "
                                          f"got {s.shape[1]}, expected {self.hidden_size}")
            if s.shape[0] != n:
                raise RecurrentShapeError(f"{name}: Input batch size {n} doesn't match "
                                          f"hidden{i} batch size {s.shape[0]}")
            fixed.append(s)
        return x, tuple(fixed), batched

    def _weights(self) -> tuple:
        return (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One Elman step, h' = act(W_ih x + b_ih + W_hh h + b_hh), as torch.nn.RNNCell."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, state, batched = self._prepare(input, hx, 1)
        w = self._weights()
        step = _step_tanh if self.nonlinearity == "tanh" else _step_relu
        h = step(x, state, _prepare_fused(w))[0]
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: (input, (h, c)) -> (h', c'), as torch.nn.LSTMCell."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, state, batched = self._prepare(input, hx, 2)
        w = self._weights()
        h, c = _step_lstm(x, state, _prepare_fused(w))
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: (input (N, H_in), hidden (N, H)) -> next hidden (N, H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, state, batched = self._prepare(input, hx, 1)
        w = self._weights()
        h = _step_gru(x, state, w)[0]
        return h if batched else h.squeeze(0)
