"""MultiheadAttention and the transformer modules: against PyTorch twins (weights loaded with
load_state_dict(strict=True); outputs, attention weights and every gradient in float64 and
float32, with bool and float masks), and, without PyTorch, names, copies, a gradient check and
the errors."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

try:
    import torch
except ImportError:  # the parity tests need it; the rest do not
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle")
pytestmark = pytest.mark.filterwarnings(  # PyTorch's own advice, about its fast paths
    "ignore:.*(mismatched key_padding_mask|enable_nested_tensor|nested tensors).*:UserWarning")

TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-4, atol=3e-5)}


def randn(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _twin(ours, theirs, dtype):
    theirs = theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    ours.to(dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()},
                         strict=True)
    return ours, theirs


def _close(a, b, dtype, what=""):
    a = a._data if isinstance(a, ag.Tensor) else np.asarray(a)
    b = b.detach().numpy()
    assert a.dtype == b.dtype, what
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


def _run(ours, theirs, arrays, kwargs_o, kwargs_t, dtype, seed=11):
    """Calls both with the arrays as leaves; compares every Tensor result, then the gradients
    of a random projection of them with respect to the inputs and the parameters."""
    xo = [ag.tensor(a, requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ro, rt = ours(*xo, **kwargs_o), theirs(*xt, **kwargs_t)
    ro, rt = (list(ro), list(rt)) if isinstance(rt, tuple) else ([ro], [rt])
    lo, lt = 0, 0
    for i, (a, b) in enumerate(zip(ro, rt)):
        assert (a is None) == (b is None)
        if b is None:
            continue
        _close(a, b, dtype, f"result {i}")
        proj = randn(*b.shape, seed=seed + i, dtype=dtype)
        lo, lt = lo + (a * ag.tensor(proj)).sum(), lt + (b * torch.tensor(proj)).sum()
    lo.backward()
    lt.backward()
    for i, (a, b) in enumerate(zip(xo, xt)):
        _close(a.grad, b.grad, dtype, f"grad of input {i}")
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert (p.grad is None) == (tparams[name].grad is None), name
        if p.grad is not None:
            _close(p.grad, tparams[name].grad, dtype, name)
    return ro


def _masks(lib, dtype, n, heads, tgt, src, which):
    """(attn_mask, key_padding_mask) in lib's types: no row is masked everywhere."""
    causal = np.triu(np.ones((tgt, src), bool), k=1 + max(src - tgt, 0))
    kpm = np.zeros((n, src), bool)
    kpm[1:, -1] = True
    float3 = randn(n * heads, tgt, src, seed=5, dtype=dtype)
    conv = ag.tensor if lib is ag else torch.tensor
    return {
        "none": (None, None),
        "bool2d": (conv(causal), None),
        "float3d": (conv(float3), None),
        "kpm": (None, conv(kpm)),
        "both": (conv(np.where(causal, -np.inf, 0.0).astype(dtype)), conv(kpm)),
        "bool_both": (conv(causal), conv(kpm)),
    }[which]


MHA_CASES = [
    dict(), dict(batch_first=True), dict(kdim=3, vdim=5), dict(add_bias_kv=True),
    dict(add_zero_attn=True), dict(bias=False), dict(add_bias_kv=True, add_zero_attn=True,
                                                     kdim=3, vdim=2, batch_first=True),
]


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("masks", ["none", "bool2d", "float3d", "kpm", "both", "bool_both"])
@pytest.mark.parametrize("kwargs", MHA_CASES)
def test_multihead_attention_matches_torch(kwargs, masks, dtype):
    e, heads, n, tgt, src = 8, 2, 3, 4, 5
    ours, theirs = _twin(nn.MultiheadAttention(e, heads, **kwargs),
                         torch.nn.MultiheadAttention(e, heads, **kwargs), dtype)
    bf = kwargs.get("batch_first", False)
    lead_q, lead_k = ((n, tgt), (n, src)) if bf else ((tgt, n), (src, n))
    q = randn(*lead_q, e, dtype=dtype)
    k = randn(*lead_k, kwargs.get("kdim", e), seed=1, dtype=dtype)
    v = randn(*lead_k, kwargs.get("vdim", e), seed=2, dtype=dtype)
    mo, ko = _masks(ag, dtype, n, heads, tgt, src, masks)
    mt, kt = _masks(torch, dtype, n, heads, tgt, src, masks)
    for need, avg in ((True, True), (True, False), (False, True)):
        ours.zero_grad()
        theirs.zero_grad()
        res = _run(ours, theirs, [q, k, v],
                   dict(attn_mask=mo, key_padding_mask=ko, need_weights=need,
                        average_attn_weights=avg),
                   dict(attn_mask=mt, key_padding_mask=kt, need_weights=need,
                        average_attn_weights=avg), dtype)
        if need:
            extra = kwargs.get("add_bias_kv", False) + kwargs.get("add_zero_attn", False)
            assert res[1].shape == ((n, tgt, src + extra) if avg else
                                    (n, heads, tgt, src + extra))


@needs_torch
@pytest.mark.parametrize("mask", [False, True])
def test_multihead_attention_unbatched_and_causal_match_torch(mask):
    ours, theirs = _twin(nn.MultiheadAttention(6, 3), torch.nn.MultiheadAttention(6, 3),
                         np.float64)
    q, k, v = randn(4, 6), randn(4, 6, seed=1), randn(4, 6, seed=2)
    causal = np.triu(np.ones((4, 4), bool), k=1)
    kw_o = dict(attn_mask=ag.tensor(causal), is_causal=True) if mask else {}
    kw_t = dict(attn_mask=torch.tensor(causal), is_causal=True) if mask else {}
    kpm = np.array([False, False, False, True])
    kw_o["key_padding_mask"], kw_t["key_padding_mask"] = ag.tensor(kpm), torch.tensor(kpm)
    res = _run(ours, theirs, [q, k, v], kw_o, kw_t, np.float64)
    assert res[0].shape == (4, 6) and res[1].shape == (4, 4)


def _act(name, lib):
    if name == "callable":
        return F.silu if lib is nn else torch.nn.functional.silu
    return name


LAYER_CASES = [
    dict(), dict(norm_first=True), dict(activation="gelu", batch_first=True),
    dict(activation="callable", norm_first=True, bias=False), dict(layer_norm_eps=1e-3),
]


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", LAYER_CASES)
def test_encoder_layer_matches_torch(kwargs, dtype):
    kw = dict(kwargs, dropout=0.0)
    act = kw.pop("activation", "relu")
    ours, theirs = _twin(nn.TransformerEncoderLayer(8, 2, 16, activation=_act(act, nn), **kw),
                         torch.nn.TransformerEncoderLayer(8, 2, 16, activation=_act(act, torch),
                                                          **kw), dtype)
    bf = kw.get("batch_first", False)
    x = randn(*((3, 5) if bf else (5, 3)), 8, dtype=dtype)
    causal = np.triu(np.ones((5, 5), bool), k=1)
    kpm = np.zeros((3, 5), bool)
    kpm[0, -2:] = True
    _run(ours, theirs, [x], {}, {}, dtype)
    ours.zero_grad()
    theirs.zero_grad()
    _run(ours, theirs, [x],
         dict(src_mask=ag.tensor(causal), src_key_padding_mask=ag.tensor(kpm)),
         dict(src_mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(kpm)), dtype)


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", LAYER_CASES)
def test_decoder_layer_matches_torch(kwargs, dtype):
    kw = dict(kwargs, dropout=0.0)
    act = kw.pop("activation", "relu")
    ours, theirs = _twin(nn.TransformerDecoderLayer(8, 2, 16, activation=_act(act, nn), **kw),
                         torch.nn.TransformerDecoderLayer(8, 2, 16, activation=_act(act, torch),
                                                          **kw), dtype)
    bf = kw.get("batch_first", False)
    tgt = randn(*((3, 4) if bf else (4, 3)), 8, dtype=dtype)
    mem = randn(*((3, 6) if bf else (6, 3)), 8, seed=1, dtype=dtype)
    causal = nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype)
    mkpm = np.zeros((3, 6), bool)
    mkpm[2, -3:] = True
    _run(ours, theirs, [tgt, mem],
         dict(tgt_mask=causal, memory_key_padding_mask=ag.tensor(mkpm), tgt_is_causal=True),
         dict(tgt_mask=torch.tensor(causal._data), memory_key_padding_mask=torch.tensor(mkpm),
              tgt_is_causal=True), dtype)


@needs_torch
@pytest.mark.parametrize("cls", ["TransformerEncoderLayer", "TransformerDecoderLayer"])
def test_unbatched_layers_match_torch(cls):
    ours, theirs = _twin(getattr(nn, cls)(8, 2, 16, dropout=0.0),
                         getattr(torch.nn, cls)(8, 2, 16, dropout=0.0), np.float64)
    args = [randn(5, 8)] + ([randn(3, 8, seed=1)] if "Decoder" in cls else [])
    res = _run(ours, theirs, args, {}, {}, np.float64)
    assert res[0].shape == (5, 8)


@needs_torch
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_decoder_stacks_and_transformer_match_torch(norm_first, train):
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=16, dropout=0.0, norm_first=norm_first)
    ours, theirs = _twin(nn.Transformer(**kw), torch.nn.Transformer(**kw), np.float64)
    ours.train(train)
    theirs.train(train)
    src, tgt = randn(6, 2, 8), randn(5, 2, 8, seed=1)
    tmask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ag.float64)
    skpm = np.array([[False] * 6, [False] * 4 + [True] * 2])
    _run(ours, theirs, [src, tgt],
         dict(tgt_mask=tmask, src_key_padding_mask=ag.tensor(skpm),
              memory_key_padding_mask=ag.tensor(skpm)),
         dict(tgt_mask=torch.tensor(tmask._data), src_key_padding_mask=torch.tensor(skpm),
              memory_key_padding_mask=torch.tensor(skpm)), np.float64)
    layer_o = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    enc_o, enc_t = _twin(nn.TransformerEncoder(layer_o, 3, nn.LayerNorm(8)),
                         torch.nn.TransformerEncoder(layer_t, 3, torch.nn.LayerNorm(8),
                                                     enable_nested_tensor=False), np.float64)
    enc_o.train(train)
    enc_t.train(train)
    _run(enc_o, enc_t, [src], {}, {}, np.float64)


@needs_torch
@pytest.mark.parametrize("kwargs", [dict(batch_first=True), dict(batch_first=True,
                                                                 activation="gelu"),
                                    dict(batch_first=True, norm_first=True), dict()])
def test_inference_with_padding_matches_torch_fast_path(kwargs):
    """Under no_grad in eval, PyTorch runs the encoder on nested tensors and returns 0 at padded
    positions (before the final norm); elsewhere it computes them. Both cases match."""
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, **kwargs),
                                         2, torch.nn.LayerNorm(8)).eval()
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, **kwargs), 2,
                                 nn.LayerNorm(8)).eval()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()}, strict=True)
    x = randn(2, 5, 8, dtype=np.float32)
    if not kwargs.get("batch_first"):
        x = x.transpose(1, 0, 2).copy()
    kpm = np.array([[False, False, False, True, True], [False] * 5])
    with torch.no_grad():
        want = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
        want_layer = theirs.layers[0](torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with ag.no_grad():
        got = ours(ag.tensor(x), src_key_padding_mask=ag.tensor(kpm))
        got_layer = ours.layers[0](ag.tensor(x), src_key_padding_mask=ag.tensor(kpm))
    _close(got, want, np.float32)
    _close(got_layer, want_layer, np.float32)


@needs_torch
def test_square_subsequent_mask_names_and_reprs_match_torch():
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(4)._data,
                                  torch.nn.Transformer.generate_square_subsequent_mask(4))
    assert nn.Transformer.generate_square_subsequent_mask(3).dtype == np.float32
    for make in (lambda lib: lib.MultiheadAttention(6, 2, kdim=3, add_bias_kv=True),
                 lambda lib: lib.TransformerEncoderLayer(8, 2, 16),
                 lambda lib: lib.TransformerDecoderLayer(8, 2, 16, bias=False),
                 lambda lib: lib.Transformer(8, 2, 1, 1, 16)):
        ours, theirs = make(nn), make(torch.nn)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(nn.TransformerEncoderLayer(8, 2, 16)) == \
        repr(torch.nn.TransformerEncoderLayer(8, 2, 16))


# -- without PyTorch ----------------------------------------------------------------------------
def test_stacks_hold_independent_deep_copies():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    enc = nn.TransformerEncoder(layer, 3)
    ws = [m.linear1.weight for m in enc.layers]
    assert len({id(w) for w in ws}) == 3 and all(w is not layer.linear1.weight for w in ws)
    np.testing.assert_array_equal(ws[0]._data, layer.linear1.weight._data)
    assert len(list(enc.parameters())) == 3 * len(list(layer.parameters()))


def test_initialization():
    mha = nn.MultiheadAttention(8, 2, add_bias_kv=True)
    assert not mha.in_proj_bias._data.any() and not mha.out_proj.bias._data.any()
    bound = np.sqrt(6 / (8 + 24))
    assert np.abs(mha.in_proj_weight._data).max() <= bound
    assert mha.bias_k.shape == (1, 1, 8)
    t = nn.Transformer(8, 2, 1, 1, 16)
    w = t.encoder.layers[0].linear1.weight._data
    assert np.abs(w).max() <= np.sqrt(6 / (8 + 16))
    assert all(p.dtype == np.float32 for p in t.parameters())


def test_attention_gradcheck_with_masks():
    mha = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    q = ag.tensor(randn(3, 2, 4), requires_grad=True)
    kv = ag.tensor(randn(5, 2, 4, seed=1), requires_grad=True)
    kpm = ag.tensor(np.array([[False] * 5, [False, False, True, True, False]]))
    mask = ag.tensor(randn(3, 5, seed=2))

    def f(q, kv):
        out, w = mha(q, kv, kv, key_padding_mask=kpm, attn_mask=mask)
        return ag.cat([out.reshape(-1), w.reshape(-1)])

    assert ag.gradcheck(f, [q, kv])


def test_causal_mask_blocks_the_future():
    mha = nn.MultiheadAttention(4, 1).double()
    x = ag.tensor(randn(5, 1, 4))
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ag.float64)
    _, w = mha(x, x, x, attn_mask=mask)
    assert np.allclose(np.triu(w._data[0], 1), 0)
    np.testing.assert_allclose(w._data.sum(-1), 1)
    x2 = x._data.copy()
    x2[3:] += 1.0  # changing later steps leaves the first three outputs as they were
    out1 = mha(x, x, x, attn_mask=mask)[0]._data
    out2 = mha(ag.tensor(x2), ag.tensor(x2), ag.tensor(x2), attn_mask=mask)[0]._data
    np.testing.assert_allclose(out1[:3], out2[:3])


def test_gelu_activation_is_the_erf_form():
    from nn.layers.transformer import _gelu

    x = np.linspace(-3, 3, 7)
    from math import erf
    np.testing.assert_allclose(_gelu(ag.tensor(x))._data,
                               [0.5 * v * (1 + erf(v / np.sqrt(2))) for v in x], rtol=1e-12)


def test_errors_name_the_module_and_shapes():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    mha = nn.MultiheadAttention(4, 2)
    x = ag.zeros(3, 2, 4)
    with pytest.raises(ValueError, match=r"MultiheadAttention: was expecting embedding "
                                         r"dimension of 4, but got 5"):
        mha(ag.zeros(3, 2, 5), x, x)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(2, 3\), but "
                                           r"should be \(3, 3\)"):
        mha(x, x, x, attn_mask=ag.zeros(2, 3))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is \(2, 3, 3\), but should be "
                                           r"\(4, 3, 3\)"):
        mha(x, x, x, attn_mask=ag.zeros(2, 3, 3))
    with pytest.raises(RuntimeError, match=r"expecting key_padding_mask shape of \(2, 3\), "
                                           r"but got \(2, 4\)"):
        mha(x, x, x, key_padding_mask=ag.zeros(2, 4, dtype=ag.bool))
    with pytest.raises(ValueError, match="expected `key` and `value` to be 3-D"):
        mha(x, ag.zeros(3, 4), ag.zeros(3, 4))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    t = nn.Transformer(4, 2, 1, 1, 8)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        t(ag.zeros(3, 2, 4), ag.zeros(3, 1, 4))
    with pytest.raises(RuntimeError, match="feature number of src and tgt must be equal to "
                                           "d_model"):
        t(ag.zeros(3, 2, 4), ag.zeros(3, 2, 5))
