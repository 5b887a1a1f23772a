"""Bilinear, Embedding's options, Softmin, Softmax2d, Threshold, the channel-wise and alpha
dropouts, CosineSimilarity, PairwiseDistance, Unflatten, LayerNorm's options and Identity:
closed forms and invariants without PyTorch, then PyTorch twins in float64 (outputs and
gradients, train and eval)."""

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

try:
    import torch
except ImportError:  # pragma: no cover - the invariant tests still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle")
F64 = "float64"


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def leaf(a):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# -- without PyTorch ----------------------------------------------------------------------------
def test_bilinear_closed_form_init_and_errors():
    ag.manual_seed(0)
    m = nn.Bilinear(3, 4, 2, dtype=F64)
    assert m.weight.shape == (2, 3, 4) and m.bias.shape == (2,)
    bound = 1 / math.sqrt(3)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    x1, x2 = rand(5, 3), rand(5, 4, seed=1)
    out = m(ag.tensor(x1), ag.tensor(x2)).detach().numpy()
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    expected = np.einsum("bi,oij,bj->bo", x1, w, x2) + b
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert nn.Bilinear(3, 4, 2, bias=False).bias is None
    with pytest.raises(RuntimeError, match="input2 size does not match weight size: got 3 but "
                                           "expected 4"):
        m(ag.tensor(x1), ag.tensor(x1))
    with pytest.raises(RuntimeError, match="input batch dimensions do not match at dim 0: got 5 "
                                           "and 4"):
        m(ag.tensor(x1), ag.tensor(rand(4, 4)))
    with pytest.raises(RuntimeError, match="All tensors must have the same dtype, got input1: "
                                           "float32, input2: float64, weight: float64"):
        m(ag.tensor(x1.astype(np.float32)), ag.tensor(x2))


def test_embedding_padding_row_gets_no_gradient_and_sparse_is_refused():
    emb = nn.Embedding(5, 3, padding_idx=1, dtype=F64)
    assert np.all(emb.weight.detach().numpy()[1] == 0)
    idx = np.array([[1, 2, 1], [4, 1, 2]])
    (emb(idx) ** 2).sum().backward()
    g = emb.weight.grad.numpy()
    assert np.all(g[1] == 0) and np.all(g[0] == 0) and np.any(g[2] != 0)
    with pytest.raises(NotImplementedError, match="Embedding: sparse=True is not supported"):
        nn.Embedding(5, 3, sparse=True)
    with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 3, padding_idx=5)


def test_embedding_max_norm_renormalizes_looked_up_rows_in_place():
    w = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    emb = nn.Embedding.from_pretrained(ag.tensor(w), max_norm=1.0)
    assert not emb.weight.requires_grad
    out = emb(np.array([0, 1])).numpy()
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), [1.0, 0.5], rtol=1e-6)
    np.testing.assert_allclose(emb.weight.numpy()[2], [6.0, 8.0])  # not looked up: untouched
    np.testing.assert_allclose(np.linalg.norm(emb.weight.numpy()[0]), 1.0, rtol=1e-6)


@pytest.mark.parametrize("shape, dim", [((4,), 0), ((3, 4), 1), ((2, 3, 4), 0), ((2, 2, 3, 4), 1)])
def test_softmin_without_dim_picks_pytorchs_implicit_dim_and_warns(shape, dim):
    x = rand(*shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        out = nn.Softmin()(ag.tensor(x)).numpy()
    np.testing.assert_allclose(out, nn.Softmin(dim)(ag.tensor(x)).numpy(), rtol=1e-15)


def test_softmin_softmax2d_threshold_closed_forms():
    x = rand(2, 3, 4, 5)
    out = nn.Softmin(dim=1)(ag.tensor(x)).numpy()
    e = np.exp(-x - (-x).max(1, keepdims=True))
    np.testing.assert_allclose(out, e / e.sum(1, keepdims=True), rtol=1e-12)
    s2 = nn.Softmax2d()(ag.tensor(x)).numpy()
    np.testing.assert_allclose(s2.sum(1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax2d()(ag.tensor(x[0])).numpy(), s2[0], rtol=1e-12)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
        nn.Softmax2d()(ag.tensor(x[0, 0]))
    t = nn.Threshold(0.1, -7.0)(ag.tensor(x)).numpy()
    np.testing.assert_array_equal(t, np.where(x > 0.1, x, -7.0))
    np.testing.assert_array_equal(F.threshold(ag.tensor(x), 0.0, 0.0).numpy(), np.maximum(x, 0))


@pytest.mark.parametrize("cls, shape", [(nn.Dropout1d, (40, 30, 7)), (nn.Dropout1d, (300, 7)),
                                        (nn.Dropout2d, (40, 30, 4, 5))])
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    ag.manual_seed(1)
    x = np.abs(rand(*shape)) + 0.1
    m = cls(p=0.3)
    out = m(ag.tensor(x)).numpy()
    flat_out = out if len(shape) == 2 else out.reshape(shape[:2] + (-1,))
    flat_x = x.reshape(flat_out.shape)
    dropped = np.all(flat_out == 0, axis=-1)
    kept = np.all(flat_out != 0, axis=-1)
    assert np.all(dropped | kept)  # a channel is dropped whole or kept whole
    np.testing.assert_allclose(flat_out[kept], flat_x[kept] / 0.7, rtol=1e-12)
    assert dropped.mean() == pytest.approx(0.3, abs=0.06)
    m.eval()
    np.testing.assert_array_equal(m(ag.tensor(x)).numpy(), x)


def test_dropout_family_errors_and_edge_probabilities():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError, match="got -0.1"):
        nn.AlphaDropout(-0.1)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a "
                                           "4D input"):
        nn.Dropout1d()(ag.zeros(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="assuming that channel-wise 1D dropout"):
        nn.Dropout2d()(ag.ones(2, 3, 4))
    x = ag.tensor(rand(3, 4, 5))
    for cls in (nn.Dropout1d, nn.AlphaDropout, nn.FeatureAlphaDropout):
        np.testing.assert_array_equal(cls(0.0)(x).numpy(), x.numpy())
        np.testing.assert_array_equal(cls(1.0)(x).numpy(), 0 * x.numpy())


@pytest.mark.parametrize("cls", [nn.AlphaDropout, nn.FeatureAlphaDropout])
def test_alpha_dropout_keeps_zero_mean_and_unit_variance(cls):
    ag.manual_seed(3)
    x = rand(400, 300, 6, seed=4)
    out = cls(p=0.2)(ag.tensor(x)).numpy()
    assert out.mean() == pytest.approx(0.0, abs=0.02)
    assert out.std() == pytest.approx(1.0, abs=0.02)
    a = 1 / math.sqrt((1.7580993408473766**2 * 0.2 + 1) * 0.8)
    dropped_value = -1.7580993408473766 * a * 0.8
    dropped = np.isclose(out, dropped_value, rtol=0, atol=1e-12)
    assert dropped.mean() == pytest.approx(0.2, abs=0.02)
    np.testing.assert_allclose(out[~dropped], a * x[~dropped] + 1.7580993408473766 * a * 0.2,
                               rtol=1e-12)
    if cls is nn.FeatureAlphaDropout:
        assert np.all(dropped.all(-1) | (~dropped).all(-1))


def test_distances_closed_forms():
    a, b = rand(4, 5), rand(4, 5, seed=1)
    cos = nn.CosineSimilarity()(ag.tensor(a), ag.tensor(b)).numpy()
    expected = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(cos, expected, rtol=1e-12)
    d = nn.PairwiseDistance(p=1.0, keepdim=True)(ag.tensor(a), ag.tensor(b)).numpy()
    np.testing.assert_allclose(d, np.abs(a - b + 1e-6).sum(1, keepdims=True), rtol=1e-12)


def test_unflatten_infers_minus_one_and_reports_bad_sizes():
    x = ag.tensor(rand(2, 12))
    assert nn.Unflatten(1, (3, -1))(x).shape == (2, 3, 4)
    assert nn.Unflatten(-1, [2, 2, 3])(x).shape == (2, 2, 2, 3)
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[5, 2\] don't multiply "
                                           r"up to the size of dim 1 \(12\)"):
        nn.Unflatten(1, (5, 2))(x)
    with pytest.raises(TypeError, match="found element of type float at pos 0"):
        nn.Unflatten(1, (2.0, 6))
    with pytest.raises(TypeError, match="must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 12)


def test_layer_norm_options_and_errors():
    x = rand(3, 4, 5)
    m = nn.LayerNorm([4, 5], elementwise_affine=True, bias=False, dtype=F64)
    assert m.bias is None and m.weight.shape == (4, 5)
    assert list(m.state_dict()) == ["weight"]
    out = m(ag.tensor(x)).detach().numpy()
    mu = x.mean((1, 2), keepdims=True)
    var = x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - mu) / np.sqrt(var + 1e-5), rtol=1e-10)
    assert list(nn.LayerNorm(5, elementwise_affine=False).state_dict()) == []
    with ag.no_grad():
        m.weight.fill_(3.0)
    m.reset_parameters()
    assert np.all(m.weight.detach().numpy() == 1)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4, 5\], expected input "
                                           r"with shape \[\*, 4, 5\], but got input of "
                                           r"size\[3, 5, 4\]"):
        m(ag.tensor(rand(3, 5, 4)))
    with pytest.raises(RuntimeError, match="mixed dtype"):
        m(ag.tensor(x.astype(np.float32)))


def test_identity_ignores_its_arguments():
    m = nn.Identity(54, unused_argument1=0.1, unused_argument2=False)
    x = ag.tensor(rand(2, 3))
    assert m(x) is x and repr(m) == "Identity()"


# -- PyTorch twins ------------------------------------------------------------------------------
def _load(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()},
                         strict=True)


def _compare(ours, theirs, inputs, grad_inputs=True, rtol=1e-10, modes=("train", "eval")):
    """Same outputs and gradients (inputs and parameters) for both modes."""
    for mode in modes:
        getattr(ours, mode)()
        getattr(theirs, mode)()
        o_in = [leaf(a) if grad_inputs else ag.tensor(a) for a in inputs]
        t_in = [torch.tensor(a, requires_grad=grad_inputs) for a in inputs]
        o_out, t_out = ours(*o_in), theirs(*t_in)
        np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol,
                                   atol=1e-12, err_msg=mode)
        cot = rand(*t_out.shape, seed=9)
        (o_out * ag.tensor(cot)).sum().backward()
        (t_out * torch.tensor(cot)).sum().backward()
        if grad_inputs:
            for o, t in zip(o_in, t_in):
                np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=rtol,
                                           atol=1e-12, err_msg=mode)
        o_p, t_p = dict(ours.named_parameters()), dict(theirs.named_parameters())
        assert list(o_p) == list(t_p)
        for k in t_p:
            if t_p[k].grad is None:
                assert o_p[k].grad is None
                continue
            np.testing.assert_allclose(o_p[k].grad.numpy(), t_p[k].grad.numpy(), rtol=rtol,
                                       atol=1e-12, err_msg=f"{mode} {k}")
        ours.zero_grad()
        theirs.zero_grad()


@needs_torch
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [(6,), (2, 3), ()])
def test_bilinear_matches_torch(bias, batch):
    ours = nn.Bilinear(3, 4, 5, bias=bias, dtype=F64)
    theirs = torch.nn.Bilinear(3, 4, 5, bias=bias, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    _load(ours, theirs)
    _compare(ours, theirs, [rand(*batch, 3), rand(*batch, 4, seed=1)])


@needs_torch
@pytest.mark.parametrize("kwargs", [
    {},
    {"padding_idx": 2},
    {"padding_idx": -1, "scale_grad_by_freq": True},
    {"max_norm": 1.5},
    {"max_norm": 0.8, "norm_type": 1.0, "padding_idx": 0},
    {"max_norm": 1.2, "norm_type": 3.0, "scale_grad_by_freq": True},
])
def test_embedding_matches_torch(kwargs):
    ours = nn.Embedding(7, 4, dtype=F64, **kwargs)
    theirs = torch.nn.Embedding(7, 4, dtype=torch.float64, **kwargs)
    assert repr(ours) == repr(theirs)
    _load(ours, theirs)
    idx = np.array([[0, 2, 2, 5], [6, 2, 0, 1]])
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        o_out, t_out = ours(idx), theirs(torch.tensor(idx))
        np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
        cot = rand(2, 4, 4, seed=2)
        (o_out * ag.tensor(cot)).sum().backward()
        (t_out * torch.tensor(cot)).sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-12, atol=1e-15)
        # max_norm renormalized the looked-up rows of both tables in place
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-12)
        ours.zero_grad()
        theirs.zero_grad()


@needs_torch
@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained_matches_torch(freeze):
    w = rand(6, 3)
    ours = nn.Embedding.from_pretrained(ag.tensor(w), freeze=freeze, padding_idx=4,
                                        max_norm=1.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=4,
                                                max_norm=1.0)
    assert ours.weight.requires_grad == theirs.weight.requires_grad
    assert repr(ours) == repr(theirs)
    idx = np.array([4, 1, 3, 3])
    np.testing.assert_allclose(ours(idx).detach().numpy(),
                               theirs(torch.tensor(idx)).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-12)


@needs_torch
@pytest.mark.parametrize("build, shape", [
    (lambda lib: lib.Softmin(dim=1), (3, 4, 5)),
    (lambda lib: lib.Softmin(dim=-1), (6,)),
    (lambda lib: lib.Softmax2d(), (2, 3, 4, 5)),
    (lambda lib: lib.Softmax2d(), (3, 4, 5)),
    (lambda lib: lib.Threshold(0.2, -3.0), (4, 5)),
    (lambda lib: lib.Threshold(-0.5, 0.5), (2, 3, 4)),
    (lambda lib: lib.CosineSimilarity(), (4, 6)),
    (lambda lib: lib.CosineSimilarity(dim=-1, eps=1e-6), (2, 3, 6)),
    (lambda lib: lib.PairwiseDistance(), (5, 6)),
    (lambda lib: lib.PairwiseDistance(p=1.0, keepdim=True), (5, 6)),
    (lambda lib: lib.PairwiseDistance(p=3.0, eps=1e-3), (2, 5, 6)),
    (lambda lib: lib.Unflatten(1, (2, -1)), (3, 6, 2)),
    (lambda lib: lib.Unflatten(-1, [3, 2]), (4, 6)),
    (lambda lib: lib.Identity(3, foo=4), (2, 3)),
])
def test_parameterless_layers_match_torch(build, shape):
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    two = isinstance(ours, (nn.CosineSimilarity, nn.PairwiseDistance))
    inputs = [rand(*shape), rand(*shape, seed=1)] if two else [rand(*shape)]
    _compare(ours, theirs, inputs)


@needs_torch
@pytest.mark.parametrize("shapes", [((4, 1, 6), (1, 5, 6)), ((6,), (3, 6))])
def test_distances_broadcast_like_torch(shapes):
    a, b = rand(*shapes[0]), rand(*shapes[1], seed=1)
    for build in (lambda lib: lib.CosineSimilarity(dim=-1),
                  lambda lib: lib.PairwiseDistance(p=2.0)):
        _compare(build(nn), build(torch.nn), [a, b], modes=("train",))


@needs_torch
@pytest.mark.parametrize("normalized_shape, kwargs", [
    (5, {}),
    ((4, 5), {}),
    ([3, 4, 5], {"eps": 1e-3}),
    ((4, 5), {"bias": False}),
    (5, {"elementwise_affine": False}),
    ((4, 5), {"elementwise_affine": False, "bias": False}),
])
def test_layer_norm_matches_torch(normalized_shape, kwargs):
    ours = nn.LayerNorm(normalized_shape, dtype=F64, **kwargs)
    theirs = torch.nn.LayerNorm(normalized_shape, dtype=torch.float64, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():  # non-trivial affine parameters
        for p in theirs.parameters():
            p.copy_(torch.tensor(rand(*p.shape, seed=5)))
    _load(ours, theirs)
    _compare(ours, theirs, [rand(2, 3, 4, 5)])


@needs_torch
@pytest.mark.parametrize("name, shape", [("Dropout1d", (8, 6, 5)), ("Dropout1d", (60, 5)),
                                         ("Dropout2d", (8, 6, 3, 4)), ("AlphaDropout", (8, 9)),
                                         ("FeatureAlphaDropout", (8, 6, 3, 4))])
@pytest.mark.parametrize("p", [0.0, 0.4, 1.0])
def test_dropouts_match_torch_where_the_masks_agree(name, shape, p):
    """The masks are random on both sides: where both keep (or both drop) an element, the
    outputs and gradients must agree; eval mode is the identity on both."""
    ag.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = getattr(nn, name)(p), getattr(torch.nn, name)(p)
    assert repr(ours) == repr(theirs)
    x = np.abs(rand(*shape)) + 0.5
    o_in, t_in = leaf(x), torch.tensor(x, requires_grad=True)
    o_out, t_out = ours(o_in), theirs(t_in)
    o_out.sum().backward()
    t_out.sum().backward()
    o_keep = o_in.grad.numpy() != 0
    t_keep = t_in.grad.numpy() != 0
    o_y, t_y = o_out.detach().numpy(), t_out.detach().numpy()
    for where in (o_keep & t_keep, ~o_keep & ~t_keep):
        np.testing.assert_allclose(o_y[where], t_y[where], rtol=1e-12)
        np.testing.assert_allclose(o_in.grad.numpy()[where], t_in.grad.numpy()[where],
                                   rtol=1e-12)
    if 0 < p < 1:
        assert (o_keep & t_keep).any() and (~o_keep & ~t_keep).any()
    ours.eval()
    theirs.eval()
    _compare(ours, theirs, [x], modes=("eval",))


@needs_torch
def test_dropout2d_warnings_match_torch():
    x = rand(2, 3, 4)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        nn.Dropout2d()(ag.tensor(x))
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.nn.Dropout2d()(torch.tensor(x))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
