"""nn.MLP and nn.Autoencoder: structure, residual blocks (the MNIST-1D MLPBase), activation
specs, learning XOR with hand-written updates, and the autoencoder's L1 activity penalty."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F


# -- MLP structure --------------------------------------------------------------------------
def test_mlp_layout_matches_an_equivalent_sequential():
    mlp = nn.MLP([4, 8, 8, 3])
    assert isinstance(mlp, nn.Sequential)
    assert [type(m).__name__ for m in mlp] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert list(mlp.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight",
                                      "4.bias"]
    seq = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                        nn.Linear(8, 3))
    seq.load_state_dict(mlp.state_dict())
    x = ag.randn(5, 4)
    np.testing.assert_array_equal(mlp(x)._data, seq(x)._data)


def test_mlp_options_place_batchnorm_activation_and_dropout_per_hidden_layer():
    mlp = nn.MLP([4, 8, 2], activation="tanh", output_activation=nn.Sigmoid, dropout=0.2,
                 batch_norm=True, bias=False)
    assert [type(m).__name__ for m in mlp] == ["Linear", "BatchNorm1d", "Tanh", "Dropout",
                                               "Linear", "Sigmoid"]
    assert mlp[0].bias is None
    out = mlp.eval()(ag.randn(3, 4))
    assert out.shape == (3, 2) and ((out._data > 0) & (out._data < 1)).all()


def test_mlp_residual_blocks_are_only_where_sizes_match():
    mlp = nn.MLP([40, 100, 100, 10], residual=True)
    assert [skip for _, _, skip in mlp._blocks] == [False, True, False]


def test_mlp_residual_forward_is_the_mnist1d_mlpbase():
    """greydanus/mnist1d MLPBase: h = relu(linear1(x)); h = h + relu(linear2(h)); linear3(h)."""
    mlp = nn.MLP([40, 100, 100, 10], residual=True).double()
    x = ag.tensor(np.random.default_rng(0).standard_normal((7, 40)))
    l1, l2, l3 = mlp[0], mlp[2], mlp[4]
    h = l1(x).relu()
    h = h + l2(h).relu()
    np.testing.assert_allclose(mlp(x)._data, l3(h)._data, rtol=1e-12)
    assert ag.gradcheck(lambda z: mlp(z), [ag.tensor(x._data[:2], requires_grad=True)])


def test_mlp_activation_specs():
    assert isinstance(nn.MLP([2, 3, 1], activation="leaky_relu")[1], nn.LeakyReLU)
    assert isinstance(nn.MLP([2, 3, 1], activation=nn.Tanh)[1], nn.Tanh)
    shared = nn.PReLU()
    mlp = nn.MLP([2, 3, 3, 1], activation=shared)
    assert mlp[1] is not shared and mlp[3] is not mlp[1]  # each layer learns its own slope
    assert len(list(mlp.parameters())) == 8
    factory = nn.MLP([2, 3, 1], activation=lambda: nn.LeakyReLU(0.3))
    assert factory[1].negative_slope == 0.3
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP([2, 3, 1], activation="swish")
    with pytest.raises(TypeError):
        nn.MLP([2, 3, 1], activation=lambda: "relu")
    with pytest.raises(ValueError, match="sizes"):
        nn.MLP([3])
    with pytest.raises(ValueError, match="dropout"):
        nn.MLP([2, 3, 1], dropout=1.0)


# -- learning -------------------------------------------------------------------------------
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


def test_mlp_learns_xor_with_adam_written_inline():
    ag.manual_seed(0)
    model = nn.MLP([2, 8, 1], activation="tanh")
    params = list(model.parameters())
    m = [np.zeros_like(p._data) for p in params]
    v = [np.zeros_like(p._data) for p in params]
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    x, y = ag.tensor(XOR_X), ag.tensor(XOR_Y)
    first = None
    for step in range(1, 301):
        model.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        loss.backward()
        first = first if first is not None else loss.item()
        with ag.no_grad():
            for p, mi, vi in zip(params, m, v):
                g = p.grad._data
                mi[...] = b1 * mi + (1 - b1) * g
                vi[...] = b2 * vi + (1 - b2) * g * g
                mhat, vhat = mi / (1 - b1**step), vi / (1 - b2**step)
                p._data -= lr * mhat / (np.sqrt(vhat) + eps)
    assert loss.item() < 0.05 < first
    pred = (model(x)._data > 0).astype(np.float32)
    np.testing.assert_array_equal(pred, XOR_Y)


def test_mlp_learns_xor_with_plain_sgd():
    ag.manual_seed(1)
    model = nn.MLP([2, 16, 2])
    x, t = ag.tensor(XOR_X), XOR_Y[:, 0].astype(np.int64)
    for _ in range(400):
        model.zero_grad()
        loss = F.cross_entropy(model(x), t)
        loss.backward()
        for p in model.parameters():
            p._data -= 0.5 * p.grad._data
    assert loss.item() < 0.05
    np.testing.assert_array_equal(model(x)._data.argmax(1), t)


# -- Autoencoder ----------------------------------------------------------------------------
def test_autoencoder_mirrors_the_encoder_and_exposes_encode_decode():
    ae = nn.Autoencoder([12, 6, 2], output_activation=nn.Sigmoid)
    assert ae.encoder.sizes == [12, 6, 2] and ae.decoder.sizes == [2, 6, 12]
    assert list(ae.state_dict())[:2] == ["encoder.0.weight", "encoder.0.bias"]
    x = ag.rand(5, 12)
    z = ae.encode(x)
    assert z.shape == (5, 2)
    out = ae(x)
    assert out.shape == (5, 12) and ((out._data > 0) & (out._data < 1)).all()
    np.testing.assert_array_equal(ae.decode(z)._data, out._data)
    assert ae.last_code.shape == (5, 2)


def test_autoencoder_flattens_images_and_reshapes_back():
    ae = nn.Autoencoder([16, 3], decoder_sizes=[3, 8, 16])
    out = ae(ag.rand(2, 1, 4, 4))
    assert out.shape == (2, 1, 4, 4)
    with pytest.raises(ValueError, match="code size"):
        nn.Autoencoder([16, 3], decoder_sizes=[4, 16])


def test_l1_penalty_is_the_mean_over_the_batch_of_the_summed_absolute_code():
    ae = nn.Autoencoder([6, 4, 3], l1_penalty=0.1, code_activation="relu").double()
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 6)))
    ae(x)
    z = ae.last_code._data
    assert ae.penalty().item() == pytest.approx(0.1 * np.abs(z).sum(1).mean())
    assert ag.gradcheck(lambda *ps: (ae(x), ae.penalty())[1],
                        [p for p in ae.encoder.parameters()])
    ae.penalty().backward()
    assert all(p.grad is None for p in ae.decoder.parameters())
    assert nn.Autoencoder([6, 3]).penalty().item() == 0.0
    with pytest.raises(ValueError, match="l1_penalty"):
        nn.Autoencoder([6, 3], l1_penalty=-1)


def _train_autoencoder(l1_penalty):
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    data = ag.tensor((rng.standard_normal((64, 3)) @ rng.standard_normal((3, 12)))
                     .astype(np.float32))
    ae = nn.Autoencoder([12, 8], code_activation="relu", l1_penalty=l1_penalty)
    first = None
    for _ in range(150):
        ae.zero_grad()
        recon = F.mse_loss(ae(data), data)
        (recon + ae.penalty()).backward()
        first = first if first is not None else recon.item()
        for p in ae.parameters():
            p._data -= 0.05 * p.grad._data
    with ag.no_grad():
        code = ae.encode(data)._data
    return first, recon.item(), np.abs(code).mean()


def test_autoencoder_training_reduces_the_error_and_the_penalty_makes_codes_sparser():
    first, last, activity = _train_autoencoder(0.0)
    assert last < 0.5 * first
    _, _, sparse_activity = _train_autoencoder(0.05)
    assert sparse_activity < 0.8 * activity
