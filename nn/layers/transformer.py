"""Attention and the transformer: MultiheadAttention, the encoder and decoder layers and
stacks, and Transformer, with PyTorch's constructor arguments, parameter names, layouts,
initialization and mask conventions, so a PyTorch twin's state_dict loads with strict=True.

Masks follow PyTorch: a bool mask is True where attention is *not* allowed (it becomes -inf
before the softmax); a float mask is added to the scores. attn_mask is (L, S) or
(N * num_heads, L, S); key_padding_mask is (N, S). Everything is composed from the engine's
matmul, softmax, dropout and layer norm, so gradients come from their rules.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_core as ag

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._util import param_dtype, size_arg
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

Tensor = ag.Tensor


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else ag.tensor(x)


def _gelu(x: Tensor) -> Tensor:
    """The exact (erf) GELU, PyTorch's default: x * Phi(x)."""
    return 0.5 * x * (1.0 + ag.erf(x * (1.0 / math.sqrt(2.0))))


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return _gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise TypeError(f"activation must be 'relu', 'gelu' or a callable; got "
                        f"{type(activation).__name__}")
    return activation


def _relu_or_gelu(fn: Any) -> bool:
    """What PyTorch's fast paths accept as the feed-forward activation."""
    if isinstance(fn, Module):
        return type(fn).__name__ in ("ReLU", "GELU")
    return fn is F.relu or fn is _gelu or fn is getattr(F, "gelu", _gelu)


def _float_mask(mask: Any, name: str, dtype: np.dtype) -> Tensor | None:
    """A bool mask becomes 0 / -inf in the query's dtype; a float mask is used as it is."""
    if mask is None:
        return None
    m = _as_tensor(mask)
    if m.dtype == np.bool_:
        return ag.Tensor(np.where(m._data, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind != "f":
        raise TypeError(f"only bool and floating types of {name} are supported; got dtype "
                        f"{m.dtype}")
    if m.dtype != dtype:
        raise TypeError(f"{name} of dtype {m.dtype} does not match the query's dtype {dtype}")
    return m


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection of MultiheadAttention: a Linear under the name PyTorch gives it
    (it shows in reprs)."""


class MultiheadAttention(Module):
    """Attention over num_heads heads of size embed_dim // num_heads, as
    torch.nn.MultiheadAttention.

    forward(query (L, N, E), key (S, N, kdim), value (S, N, vdim)) (batch first with
    batch_first=True; unbatched (L, E) too) returns (output (L, N, E), weights): the weights
    are (N, L, S) averaged over heads, (N, num_heads, L, S) with average_attn_weights=False, or
    None with need_weights=False.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        embed_dim = size_arg(embed_dim, "embed_dim", type(self).__name__)
        num_heads = size_arg(num_heads, "num_heads", type(self).__name__)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim must be divisible by num_heads; got embed_dim="
                             f"{embed_dim} and num_heads={num_heads}")
        dt = param_dtype(dtype)
        self.embed_dim = int(embed_dim)
        self.kdim = int(kdim) if kdim is not None else self.embed_dim
        self.vdim = int(vdim) if vdim is not None else self.embed_dim
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.num_heads = int(num_heads)
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        self.head_dim = self.embed_dim // self.num_heads
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dt))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.empty((e, e), dt))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dt))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dt))
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * e, dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, e), dt))
            self.bias_v = Parameter(np.empty((1, 1, e), dt))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = bool(add_zero_attn)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's order: Xavier-uniform projections, zero biases, Xavier-normal bias_k/v
        (out_proj's weight keeps its Linear initialization)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _projections(self, q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return ag.linear(q, wq, bq), ag.linear(k, wk, bk), ag.linear(v, wv, bv)

    def _check(self, q: Tensor, k: Tensor, v: Tensor, kpm: Tensor | None,
               mask: Tensor | None) -> bool:
        name = type(self).__name__
        if q.ndim == 3:
            if k.ndim != 3 or v.ndim != 3:
                raise ValueError(f"{name}: For batched (3-D) `query`, expected `key` and "
                                 f"`value` to be 3-D but found {k.ndim}-D and {v.ndim}-D tensors "
                                 "respectively")
            if kpm is not None and kpm.ndim != 2:
                raise ValueError(f"{name}: For batched (3-D) `query`, expected "
                                 f"`key_padding_mask` to be `None` or 2-D but found "
                                 f"{kpm.ndim}-D tensor instead")
            if mask is not None and mask.ndim not in (2, 3):
                raise ValueError(f"{name}: For batched (3-D) `query`, expected `attn_mask` to "
                                 f"be `None`, 2-D or 3-D but found {mask.ndim}-D tensor instead")
            batched = True
        elif q.ndim == 2:
            if k.ndim != 2 or v.ndim != 2:
                raise ValueError(f"{name}: For unbatched (2-D) `query`, expected `key` and "
                                 f"`value` to be 2-D but found {k.ndim}-D and {v.ndim}-D tensors "
                                 "respectively")
            if kpm is not None and kpm.ndim != 1:
                raise ValueError(f"{name}: For unbatched (2-D) `query`, expected "
                                 f"`key_padding_mask` to be `None` or 1-D but found "
                                 f"{kpm.ndim}-D tensor instead")
            if mask is not None and mask.ndim not in (2, 3):
                raise ValueError(f"{name}: For unbatched (2-D) `query`, expected `attn_mask` "
                                 f"to be `None`, 2-D or 3-D but found {mask.ndim}-D tensor "
                                 "instead")
            batched = False
        else:
            raise ValueError(f"{name}: query should be unbatched 2D or batched 3D tensor but "
                             f"received {q.ndim}-D query tensor")
        if q.shape[-1] != self.embed_dim:
            raise ValueError(f"{name}: was expecting embedding dimension of {self.embed_dim}, "
                             f"but got {q.shape[-1]} (query of shape {tuple(q.shape)})")
        if k.shape[-1] != self.kdim or v.shape[-1] != self.vdim:
            raise ValueError(f"{name}: expected key (..., {self.kdim}) and value (..., "
                             f"{self.vdim}); got key {tuple(k.shape)} and value "
                             f"{tuple(v.shape)}")
        if k.shape[:-1] != v.shape[:-1]:
            raise ValueError(f"{name}: key shape {tuple(k.shape)} does not match value shape "
                             f"{tuple(v.shape)}")
        return batched

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True, is_causal: bool = False
                ) -> tuple[Tensor, Tensor | None]:
        q, k, v = _as_tensor(query), _as_tensor(key), _as_tensor(value)
        kpm = None if key_padding_mask is None else _as_tensor(key_padding_mask)
        mask = None if attn_mask is None else _as_tensor(attn_mask)
        batched = self._check(q, k, v, kpm, mask)
        if is_causal and mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                               "the Transformer module method `generate_square_subsequent_mask` "
                               "to create this mask.")
        if not batched:
            q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
            if kpm is not None:
                kpm = kpm.unsqueeze(0)
        elif self.batch_first:
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        out, weights = self._attend(q, k, v, kpm, mask, need_weights, average_attn_weights)
        if not batched:
            out = out.squeeze(1)
            if weights is not None:
                weights = weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _attend(self, query: Tensor, key: Tensor, value: Tensor, kpm: Tensor | None,
                mask: Tensor | None, need_weights: bool, average: bool
                ) -> tuple[Tensor, Tensor | None]:
        """query (L, N, E), key (S, N, kdim), value (S, N, vdim): PyTorch's
        multi_head_attention_forward, step by step."""
        name = type(self).__name__
        tgt, n, e = query.shape
        src = key.shape[0]
        if key.shape[1] != n:
            raise ValueError(f"{name}: query has batch {n} but key has batch {key.shape[1]}")
        heads, hd = self.num_heads, self.head_dim
        dt = query.dtype
        mask = _float_mask(mask, "attn_mask", dt)
        kpm = _float_mask(kpm, "key_padding_mask", dt)
        if kpm is not None and tuple(kpm.shape) != (n, src):
            raise RuntimeError(f"{name}: expecting key_padding_mask shape of {(n, src)}, but "
                               f"got {tuple(kpm.shape)}")
        if mask is not None:
            if mask.ndim == 2:
                if tuple(mask.shape) != (tgt, src):
                    raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(mask.shape)}, "
                                       f"but should be {(tgt, src)}.")
                mask = mask.unsqueeze(0)
            elif tuple(mask.shape) != (n * heads, tgt, src):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(mask.shape)}, but "
                                   f"should be {(n * heads, tgt, src)}.")
        q, k, v = self._projections(query, key, value)
        if self.bias_k is not None:
            k = ag.cat([k, self.bias_k.expand(1, n, e)], 0)
            v = ag.cat([v, self.bias_v.expand(1, n, e)], 0)
            if mask is not None:
                mask = ag.pad(mask, (0, 1))
            if kpm is not None:
                kpm = ag.pad(kpm, (0, 1))
        q = q.reshape(tgt, n * heads, hd).transpose(0, 1)
        k = k.reshape(k.shape[0], n * heads, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], n * heads, hd).transpose(0, 1)
        if self.add_zero_attn:
            zeros = ag.Tensor(np.zeros((n * heads, 1, hd), dt))
            k = ag.cat([k, zeros], 1)
            v = ag.cat([v, zeros], 1)
            if mask is not None:
                mask = ag.pad(mask, (0, 1))
            if kpm is not None:
                kpm = ag.pad(kpm, (0, 1))
        s = k.shape[1]
        if kpm is not None:
            kpm = kpm.reshape(n, 1, 1, s).expand(n, heads, 1, s).reshape(n * heads, 1, s)
            mask = kpm if mask is None else mask + kpm
        scores = ag.matmul(q * math.sqrt(1.0 / hd), k.transpose(-2, -1))
        if mask is not None:
            scores = scores + mask
        weights = ag.softmax(scores, -1)
        if self.training and self.dropout > 0:
            weights = F.dropout(weights, self.dropout, True)
        out = ag.matmul(weights, v)  # (N * heads, L, hd)
        out = out.transpose(0, 1).reshape(tgt * n, e)
        out = self.out_proj(out).reshape(tgt, n, e)
        if not need_weights:
            return out, None
        weights = weights.reshape(n, heads, tgt, s)
        if average:
            weights = weights.mean(1)
        return out, weights

    def extra_repr(self) -> str:
        return ""


# -- the transformer -----------------------------------------------------------------------------
def _clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and layer norm
    (after the residual by default, before the block with norm_first=True), as
    torch.nn.TransformerEncoderLayer."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        d_model = size_arg(d_model, "d_model", type(self).__name__)
        nhead = size_arg(nhead, "nhead", type(self).__name__)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = _as_tensor(src)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, mask: Any, kpm: Any, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=kpm, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention over the encoder's memory and a feed-forward
    block, each with a residual connection and layer norm, as
    torch.nn.TransformerDecoderLayer."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        d_model = size_arg(d_model, "d_model", type(self).__name__)
        nhead = size_arg(nhead, "nhead", type(self).__name__)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x, mem = _as_tensor(tgt), _as_tensor(memory)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), mem, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                              tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, mem, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, mask: Any, kpm: Any, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=kpm, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, mask: Any, kpm: Any, is_causal: bool
                   ) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=mask, key_padding_mask=kpm,
                                need_weights=False, is_causal=is_causal)[0]
        return self.dropout2(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer applied in turn, then the optional norm."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        out = _as_tensor(src)
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                        is_causal=bool(is_causal) and mask is not None)
        padded = self._nested_padding(out, mask, src_key_padding_mask)
        if padded is not None:
            out = out * ag.Tensor((~padded)[..., None].astype(out.dtype))
        if self.norm is not None:
            out = self.norm(out)
        return out

    def _nested_padding(self, src: Tensor, mask: Any, kpm: Any) -> np.ndarray | None:
        """Where PyTorch's inference fast path would run the stack on nested tensors, its
        output is 0 at the padded positions (before the final norm); this returns those
        positions (N, S) in exactly that case, so evaluation matches it, and None otherwise."""
        if kpm is None or mask is not None or src.ndim != 3 or not self.enable_nested_tensor:
            return None
        first = self.layers[0] if len(self.layers) else None
        if not isinstance(first, TransformerEncoderLayer) or first.training:
            return None
        attn = first.self_attn
        if (first.norm_first or not attn.batch_first or not attn._qkv_same_embed_dim
                or attn.in_proj_bias is None or not _relu_or_gelu(first.activation)
                or first.norm1.eps != first.norm2.eps or attn.num_heads % 2 == 1):
            return None
        tensors = [src] + list(first.parameters())
        if ag.is_grad_enabled() and any(t.requires_grad for t in tensors):
            return None
        k = _as_tensor(kpm)._data
        padded = k if k.dtype == np.bool_ else k != 0
        if self.mask_check and np.any(padded[:, :-1] & ~padded[:, 1:]):
            return None  # PyTorch's check: the padding must be at the end of each sequence
        return padded


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer applied in turn, then the optional norm."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        out = _as_tensor(tgt)
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=bool(tgt_is_causal) and tgt_mask is not None,
                        memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(Module):
    """Encoder-decoder transformer (Vaswani et al. 2017), as torch.nn.Transformer: an encoder
    and a decoder stack, each ending in a LayerNorm; every matrix parameter Xavier-uniform."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = F.relu,
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        d_model = size_arg(d_model, "d_model", type(self).__name__)
        nhead = size_arg(nhead, "nhead", type(self).__name__)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dtype)
            self.encoder = TransformerEncoder(
                layer, num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, dtype=dtype)
            self.decoder = TransformerDecoder(
                layer, num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self.d_model = int(d_model)
        self.nhead = int(nhead)
        self.batch_first = bool(batch_first)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        src, tgt = _as_tensor(src), _as_tensor(tgt)
        batched = src.ndim == 3
        b = 0 if self.batch_first else 1
        if batched and src.shape[b] != tgt.shape[b]:
            raise RuntimeError(f"the batch number of src and tgt must be equal (src "
                               f"{tuple(src.shape)}, tgt {tuple(tgt.shape)})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}); got src {tuple(src.shape)}, tgt "
                               f"{tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None
                                        ) -> Tensor:
        """The causal mask: -inf above the diagonal (a step never sees later steps), 0
        elsewhere, as a float Tensor (the default dtype unless given)."""
        dt = np.dtype(ag.get_default_dtype() if dtype is None else dtype)
        return ag.Tensor(np.triu(np.full((sz, sz), -np.inf, dtype=dt), k=1))
