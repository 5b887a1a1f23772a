"""Layers: gradients by finite differences (float64), closed-form behaviour, shapes, default
initialization and clear errors. PyTorch parity lives in test_torch_parity_layers.py."""

import math
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn


def rand(*shape, seed=0, scale=1.0):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape) * scale,
                     requires_grad=True)


def gradcheck_module(module, *inputs, seed=None, atol=1e-6, rtol=1e-4):
    """Checks the gradient w.r.t. every float input and every parameter."""
    module.double()
    params = [p for p in module.parameters() if p.requires_grad]
    n = len(inputs)

    def f(*args):
        if seed is not None:
            ag.manual_seed(seed)
        out = module(*args[:n])
        return out[0] if isinstance(out, tuple) else out

    assert ag.gradcheck(f, list(inputs) + params, atol=atol, rtol=rtol)


# -- gradients ------------------------------------------------------------------------------
@pytest.mark.parametrize("module,shape", [
    (nn.Linear(3, 2), (4, 3)),
    (nn.Linear(3, 2, bias=False), (2, 2, 3)),
    (nn.Conv1d(2, 3, 3, stride=2, padding=1), (2, 2, 7)),
    (nn.Conv1d(2, 4, 2, dilation=2, groups=2, padding="same"), (1, 2, 6)),
    (nn.Conv1d(2, 2, 3, padding=2, padding_mode="reflect"), (1, 2, 5)),
    (nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular"), (1, 2, 5)),
    (nn.Conv2d(2, 2, (2, 3), stride=(1, 2), padding=1), (1, 2, 4, 5)),
    (nn.Conv2d(2, 2, 3, groups=2, padding="same", bias=False), (1, 2, 4, 4)),
    (nn.AvgPool1d(3, 2, 1), (2, 2, 7)),
    (nn.AvgPool2d(2, 1, ceil_mode=True), (1, 2, 4, 3)),
    (nn.AdaptiveAvgPool1d(3), (2, 2, 7)),
    (nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 4)),
    (nn.Flatten(), (2, 3, 2)),
    (nn.LayerNorm(4), (3, 4)),
    (nn.LayerNorm((2, 3), bias=False), (2, 2, 3)),
    (nn.BatchNorm1d(3), (4, 3)),
    (nn.BatchNorm1d(3), (3, 3, 2)),
    (nn.BatchNorm2d(2), (2, 2, 2, 3)),
    (nn.BatchNorm1d(3, affine=False), (4, 3)),
    (nn.PReLU(), (3, 4)),
    (nn.PReLU(3), (2, 3, 2)),
    (nn.Sigmoid(), (3, 4)), (nn.Tanh(), (3, 4)), (nn.Softplus(2.0, 3.0), (3, 4)),
    (nn.Softmax(1), (3, 4)), (nn.LogSoftmax(0), (3, 4)), (nn.ELU(), (3, 4)),
    (nn.SiLU(), (3, 4)), (nn.LogSigmoid(), (3, 4)), (nn.Softsign(), (3, 4)),
    (nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), (5, 3)),
    (nn.MLP([3, 4, 4, 2], activation="tanh", residual=True), (5, 3)),
])
def test_gradients_match_finite_differences(module, shape):
    gradcheck_module(module, rand(*shape))


@pytest.mark.parametrize("module,shape", [
    (nn.MaxPool1d(3, 2, 1), (2, 2, 7)),
    (nn.MaxPool2d(2, ceil_mode=True), (1, 2, 5, 4)),
    (nn.ReLU(), (3, 4)), (nn.LeakyReLU(0.1), (3, 4)), (nn.ReLU6(), (3, 4)),
    (nn.Hardtanh(-0.5, 0.5), (3, 4)),
])
def test_piecewise_layers_away_from_kinks_and_ties(module, shape):
    n = int(np.prod(shape))
    values = (np.random.default_rng(0).permutation(n) - n / 2 + 0.5) * 0.137
    x = ag.tensor(values.reshape(shape), requires_grad=True)
    gradcheck_module(module, x)


def test_batchnorm_in_eval_mode_gradients():
    bn = nn.BatchNorm2d(2).double()
    bn(rand(4, 2, 3, 3, scale=2.0))  # some running statistics
    bn.eval()
    gradcheck_module(bn, rand(2, 2, 2, 2, seed=1))


def test_dropout_gradient_with_a_fixed_mask():
    gradcheck_module(nn.Dropout(0.4), rand(4, 5), seed=3)


def test_embedding_weight_gradient_sums_repeated_indices():
    emb = nn.Embedding(5, 3).double()
    idx = np.array([[0, 2, 2], [4, 2, 0]])
    assert ag.gradcheck(lambda w: emb(idx), [emb.weight])
    emb(idx).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad._data[:, 0], [2, 0, 3, 0, 1])


@pytest.mark.parametrize("kwargs,shape", [
    (dict(), (3, 2, 2)), (dict(batch_first=True, bias=False), (2, 3, 2)),
    (dict(num_layers=2, bidirectional=True), (2, 1, 2)), (dict(), (3, 2)),
])
def test_gru_gradients(kwargs, shape):
    gru = nn.GRU(2, 2, **kwargs)
    gradcheck_module(gru, rand(*shape))


def test_gru_gradient_with_respect_to_h0_and_cell():
    gru = nn.GRU(2, 3).double()
    h0 = rand(1, 2, 3, seed=1)
    assert ag.gradcheck(lambda x, h: gru(x, h)[1], [rand(3, 2, 2), h0])
    gradcheck_module(nn.GRUCell(2, 3), rand(2, 2), rand(2, 3, seed=4))


# -- Linear and Conv --------------------------------------------------------------------------
def test_linear_is_x_w_transposed_plus_b():
    lin = nn.Linear(3, 2)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out = lin(ag.tensor(x))
    np.testing.assert_allclose(out._data, x @ lin.weight._data.T + lin.bias._data, rtol=1e-6)
    assert out._op.name == "linear"  # one fused node
    assert lin.weight.shape == (2, 3) and lin.weight.dtype == np.float32


@pytest.mark.parametrize("make,fan_in", [
    (lambda: nn.Linear(20, 30), 20), (lambda: nn.Conv1d(4, 6, 5), 20),
    (lambda: nn.Conv2d(6, 3, (3, 2), groups=3), 12),
])
def test_default_init_is_uniform_within_one_over_sqrt_fan_in(make, fan_in):
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    for p in layer.parameters():
        assert np.abs(p._data).max() <= bound
    assert np.abs(layer.weight._data).max() > 0.7 * bound  # spread over the whole interval


def test_default_init_is_reproducible_under_manual_seed():
    ag.manual_seed(123)
    a = nn.Linear(4, 3)
    ag.manual_seed(123)
    b = nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight._data, b.weight._data)
    np.testing.assert_array_equal(a.bias._data, b.bias._data)
    c = nn.Linear(4, 3)
    assert not np.array_equal(a.weight._data, c.weight._data)


@pytest.mark.parametrize("make", [lambda: nn.Linear(0, 3), lambda: nn.Conv1d(0, 3, 2)])
def test_zero_fan_in_gives_a_zero_bias_as_in_pytorch(make):
    np.testing.assert_array_equal(make().bias._data, np.zeros(3, np.float32))


def test_default_init_draws_the_weight_then_the_bias():
    ag.manual_seed(7)
    conv = nn.Conv1d(2, 3, 4)
    ag.manual_seed(7)
    bound = 1 / math.sqrt(2 * 4)
    weight = nn.init.uniform_(ag.tensor(np.empty((3, 2, 4))), -bound, bound)
    bias = nn.init.uniform_(ag.tensor(np.empty(3)), -bound, bound)
    np.testing.assert_allclose(conv.weight._data, weight._data, rtol=1e-6)
    np.testing.assert_allclose(conv.bias._data, bias._data, rtol=1e-6)


def test_layers_take_a_dtype():
    assert nn.Linear(2, 2, dtype=np.float64).weight.dtype == np.float64
    assert nn.Conv1d(1, 1, 2, dtype=ag.float64).bias.dtype == np.float64
    with pytest.raises(TypeError, match="floating point"):
        nn.Linear(2, 2, dtype=np.int64)


@pytest.mark.parametrize("layer,shape,expected", [
    (nn.Conv1d(1, 25, 5, stride=2, padding=1), (3, 1, 40), (3, 25, 19)),
    (nn.Conv1d(2, 4, 4, padding="same", dilation=3), (1, 2, 9), (1, 4, 9)),
    (nn.Conv1d(2, 4, 4, padding="valid"), (1, 2, 9), (1, 4, 6)),
    (nn.Conv2d(3, 8, 3, stride=2, padding=1), (2, 3, 9, 8), (2, 8, 5, 4)),
    (nn.Conv2d(3, 8, 3), (3, 6, 5), (8, 4, 3)),
    (nn.MaxPool2d(2), (1, 2, 5, 5), (1, 2, 2, 2)),
    (nn.AvgPool1d(4), (2, 3, 8), (2, 3, 2)),
    (nn.Flatten(), (2, 3, 4, 5), (2, 60)),
    (nn.Flatten(0, -2), (2, 3, 4), (6, 4)),
    (nn.Unflatten(1, (3, 4)), (2, 12), (2, 3, 4)),
])
def test_output_shapes(layer, shape, expected):
    assert layer(ag.randn(*shape)).shape == expected


def test_conv_argument_errors():
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv1d(3, 4, 2, groups=2)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv1d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(2, 2, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="channels"):
        nn.Conv1d(3, 4, 2)(ag.randn(1, 2, 5))
    with pytest.raises(ValueError):
        nn.Linear(3, 2)(ag.randn(4, 5))


# -- activations ----------------------------------------------------------------------------
def test_activation_values():
    x = ag.tensor([-2.0, -0.5, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(nn.ReLU()(x)._data, [0, 0, 0, 0.5, 3])
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(x)._data, [-0.2, -0.05, 0, 0.5, 3], rtol=1e-6)
    np.testing.assert_allclose(nn.Sigmoid()(x)._data, 1 / (1 + np.exp(-x._data)), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x)._data, np.tanh(x._data), rtol=1e-6)
    np.testing.assert_allclose(nn.Softplus()(x)._data, np.log1p(np.exp(x._data)), rtol=1e-6)
    np.testing.assert_allclose(nn.PReLU()(x)._data, [-0.5, -0.125, 0, 0.5, 3])
    s = nn.Softmax(dim=0)(x)._data
    np.testing.assert_allclose(s, np.exp(x._data) / np.exp(x._data).sum(), rtol=1e-6)
    np.testing.assert_allclose(nn.LogSoftmax(dim=0)(x)._data, np.log(s), rtol=1e-5)
    assert nn.Identity(3, unused=True)(x) is x


def test_prelu_slope_gradient_is_sum_of_negative_inputs():
    prelu = nn.PReLU()
    x = ag.tensor([[-2.0, 1.0], [-0.5, 3.0]])
    prelu(x).sum().backward()
    np.testing.assert_allclose(prelu.weight.grad._data, [-2.5])
    per_channel = nn.PReLU(2)
    per_channel(x).sum().backward()
    np.testing.assert_allclose(per_channel.weight.grad._data, [-2.5, 0.0])
    with pytest.raises(ValueError, match="channels"):
        nn.PReLU(3)(x)


# -- dropout --------------------------------------------------------------------------------
def test_dropout_train_masks_and_scales_eval_is_identity():
    drop = nn.Dropout(0.3)
    x = ag.ones(200, 50)
    out = drop(x)._data
    zero_frac = (out == 0).mean()
    assert abs(zero_frac - 0.3) < 0.02
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.03  # expectation preserved
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert not nn.Dropout(1.0)(x)._data.any()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_follows_the_global_seed():
    ag.manual_seed(7)
    a = nn.Dropout()(ag.ones(50))._data
    ag.manual_seed(7)
    b = nn.Dropout()(ag.ones(50))._data
    np.testing.assert_array_equal(a, b)


def test_model_train_and_eval_switch_dropout_and_batchnorm():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
    x = ag.randn(16, 4)
    model.eval()
    np.testing.assert_array_equal(model(x)._data, model(x)._data)
    assert model[1].num_batches_tracked.item() == 0
    model.train()
    assert not np.array_equal(model(x)._data, model(x)._data)
    assert model[1].num_batches_tracked.item() == 2


# -- batch norm -----------------------------------------------------------------------------
def test_batchnorm_training_normalizes_with_biased_variance_and_updates_running_stats():
    bn = nn.BatchNorm1d(3).double()
    x = np.random.default_rng(0).standard_normal((6, 3)) * [1.0, 2.0, 3.0] + [0.0, 1.0, -2.0]
    out = bn(ag.tensor(x))._data
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-10)
    np.testing.assert_allclose(bn.running_mean._data, 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var._data, 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    y = np.random.default_rng(1).standard_normal((2, 3))
    expected = (y - bn.running_mean._data) / np.sqrt(bn.running_var._data + 1e-5)
    np.testing.assert_allclose(bn(ag.tensor(y))._data, expected, rtol=1e-10)


def test_batchnorm2d_statistics_are_per_channel_over_batch_and_space():
    bn = nn.BatchNorm2d(2).double()
    with ag.no_grad():
        bn.weight.copy_(np.array([2.0, 3.0]))
        bn.bias.copy_(np.array([0.5, -1.0]))
    x = np.random.default_rng(2).standard_normal((3, 2, 4, 5)) * 4 + 1
    out = bn(ag.tensor(x))._data
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), [0.5, -1.0], atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), [2.0, 3.0], rtol=1e-4)


def test_batchnorm_momentum_none_keeps_the_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [np.random.default_rng(s).standard_normal((5, 2)) + s for s in range(3)]
    for b in batches:
        bn(ag.tensor(b))
    np.testing.assert_allclose(bn.running_mean._data, np.mean([b.mean(0) for b in batches], 0))


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert bn.running_mean is None and "running_mean" not in bn.state_dict()
    x = ag.randn(8, 2)
    np.testing.assert_allclose(bn(x)._data.mean(0), 0, atol=1e-6)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ag.randn(1, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(ag.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(ag.randn(2, 3))
    with pytest.raises(ValueError, match="channels"):
        nn.BatchNorm1d(3)(ag.randn(4, 2))
    nn.BatchNorm1d(3).eval()(ag.randn(1, 3))  # one sample is fine in eval


def test_layernorm_closed_form():
    ln = nn.LayerNorm((2, 3)).double()
    x = np.random.default_rng(0).standard_normal((4, 2, 3)) * 3
    flat = x.reshape(4, -1)
    expected = (flat - flat.mean(1, keepdims=True)) / np.sqrt(flat.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(ln(ag.tensor(x))._data, expected.reshape(x.shape), rtol=1e-10)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        ln(ag.randn(4, 3, 2))


# -- embedding ------------------------------------------------------------------------------
def test_embedding_lookup_padding_and_errors():
    emb = nn.Embedding(4, 2, padding_idx=1)
    assert not emb.weight._data[1].any()
    idx = ag.tensor(np.array([[1, 2], [3, 1]]))
    out = emb(idx)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out._data[0, 1], emb.weight._data[2])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad._data[1], [0, 0])
    np.testing.assert_array_equal(emb.weight.grad._data[2], [1, 1])
    with pytest.raises(IndexError, match="out of range"):
        emb(np.array([4]))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([0.5]))
    frozen = nn.Embedding.from_pretrained(np.eye(3, dtype=np.float32))
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(np.array([2]))._data, [[0, 0, 1]])


# -- containers -----------------------------------------------------------------------------
def test_sequential_indexing_slicing_and_editing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail._modules) == ["1", "2"]
    x = ag.randn(4, 2)
    np.testing.assert_array_equal(seq(x)._data, c(b(a(x)))._data)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and seq[1] is c
    seq.insert(1, nn.Tanh())
    assert isinstance(seq[1], nn.Tanh) and len(seq) == 4
    assert isinstance(seq.pop(), nn.Sigmoid) and len(seq) == 3
    seq[0] = nn.Linear(2, 3)
    assert seq[0] is not a
    with pytest.raises(IndexError):
        seq[5]  # noqa: B018
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["enc.weight", "enc.bias"]
    assert named.enc is named[0]


def test_module_list_registers_and_behaves_like_a_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    layers.extend([nn.ReLU()])
    assert len(layers) == 5 and len(list(layers.parameters())) == 8
    assert isinstance(layers[-1], nn.ReLU) and len(layers[1:3]) == 2
    layers.insert(0, nn.Tanh())
    assert isinstance(layers[0], nn.Tanh) and list(layers._modules)[-1] == "5"
    del layers[0]
    assert isinstance(layers[0], nn.Linear)
    assert "(0-2): 3 x Linear(in_features=2, out_features=2, bias=True)" in repr(layers)
    with pytest.raises(NotImplementedError):
        layers(ag.ones(2))


def test_module_dict_and_parameter_list():
    d = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(d.keys()) == ["a", "b"] and "a" in d and len(d) == 2
    assert list(d.state_dict()) == ["a.weight", "a.bias"]
    pl = nn.ParameterList([ag.ones(2), nn.Parameter(ag.zeros(3))])
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    assert all(isinstance(p, nn.Parameter) for p in pl)


# -- GRU ------------------------------------------------------------------------------------
def _gru_reference(x, h, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's documented GRU equations, one step at a time, in NumPy."""
    sig = lambda v: 1 / (1 + np.exp(-v))
    hs = []
    for xt in x:
        gi, gh = xt @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        ir, iz, in_ = np.split(gi, 3, axis=-1)
        hr, hz, hn = np.split(gh, 3, axis=-1)
        r, z = sig(ir + hr), sig(iz + hz)
        n = np.tanh(in_ + r * hn)
        h = (1 - z) * n + z * h
        hs.append(h)
    return np.stack(hs), h


def test_gru_matches_the_documented_equations_with_gates_r_z_n():
    gru = nn.GRU(3, 4).double()
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    h0 = np.random.default_rng(1).standard_normal((1, 2, 4))
    out, h_n = gru(ag.tensor(x), ag.tensor(h0))
    ref_out, ref_h = _gru_reference(x, h0[0], *(p._data for p in gru.parameters()))
    np.testing.assert_allclose(out._data, ref_out, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(h_n._data[0], ref_h, rtol=1e-12, atol=1e-15)
    assert [n for n, _ in gru.named_parameters()] == ["weight_ih_l0", "weight_hh_l0",
                                                      "bias_ih_l0", "bias_hh_l0"]
    assert gru.weight_ih_l0.shape == (12, 3) and gru.weight_hh_l0.shape == (12, 4)


@pytest.mark.parametrize("kwargs,shape,out_shape,h_shape", [
    (dict(), (7, 3, 2), (7, 3, 5), (1, 3, 5)),
    (dict(batch_first=True), (3, 7, 2), (3, 7, 5), (1, 3, 5)),
    (dict(num_layers=3), (7, 3, 2), (7, 3, 5), (3, 3, 5)),
    (dict(bidirectional=True, batch_first=True), (3, 7, 2), (3, 7, 10), (2, 3, 5)),
    (dict(num_layers=2, bidirectional=True), (7, 2), (7, 10), (4, 5)),
])
def test_gru_shapes(kwargs, shape, out_shape, h_shape):
    out, h_n = nn.GRU(2, 5, **kwargs)(ag.randn(*shape))
    assert out.shape == out_shape and h_n.shape == h_shape


def test_gru_batch_first_is_a_transpose_and_last_output_is_h_n():
    gru = nn.GRU(2, 3).double()
    gru_bf = nn.GRU(2, 3, batch_first=True).double()
    gru_bf.load_state_dict(gru.state_dict())
    x = np.random.default_rng(0).standard_normal((4, 2, 2))
    out, h_n = gru(ag.tensor(x))
    out_bf, h_n_bf = gru_bf(ag.tensor(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(out_bf._data, out._data.transpose(1, 0, 2))
    np.testing.assert_allclose(h_n_bf._data, h_n._data)
    np.testing.assert_allclose(h_n._data[0], out._data[-1])


def test_gru_errors():
    gru = nn.GRU(2, 3)
    with pytest.raises(ValueError, match="input_size"):
        gru(ag.randn(4, 2, 5))
    with pytest.raises(ValueError, match="hidden size"):
        gru(ag.randn(4, 2, 2), ag.zeros(2, 2, 3))
    with pytest.raises(ValueError, match="2D or 3D"):
        gru(ag.randn(2))
