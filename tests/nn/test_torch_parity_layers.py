"""Parity with PyTorch: the same weights (loaded with load_state_dict(strict=True) from a torch
model's state dict as NumPy arrays) give the same outputs, input gradients and parameter
gradients, in float64 to tight tolerance, for every layer and loss; plus state_dict names,
reprs, BatchNorm running statistics, GRU and the default-init bounds."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

pytestmark = pytest.mark.torch

RTOL, ATOL = 1e-9, 1e-11


def _np_state(tmodel):
    return {k: v.detach().numpy() for k, v in tmodel.state_dict().items()}


def _twin(ours, theirs):
    """Both models in float64 with torch's weights loaded into ours (strict)."""
    theirs = theirs.double()
    ours.double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(_np_state(theirs), strict=True)
    return ours, theirs


def _run_both(ours, theirs, x, *extra, seed=0, train=True):
    """Forward and backward a random projection of the output through both models; returns
    the (ours, theirs) outputs, input grads and parameter grads."""
    ours.train(train)
    theirs.train(train)
    xo = ag.tensor(x, requires_grad=x.dtype.kind == "f")
    xt = torch.tensor(x, requires_grad=x.dtype.kind == "f")
    out_o = ours(xo, *extra)
    out_t = theirs(xt, *[torch.tensor(e) if isinstance(e, np.ndarray) else e for e in extra])
    if isinstance(out_t, tuple):
        out_o, out_t = out_o[0], out_t[0]
    proj = np.random.default_rng(seed).standard_normal(tuple(out_t.shape))
    (out_o * ag.tensor(proj)).sum().backward()
    (out_t * torch.tensor(proj)).sum().backward()
    return out_o, out_t, xo, xt


def _assert_parity(ours, theirs, out_o, out_t, xo, xt, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(out_o._data, out_t.detach().numpy(), rtol=rtol, atol=atol)
    if xt.requires_grad:
        np.testing.assert_allclose(xo.grad._data, xt.grad.numpy(), rtol=rtol, atol=atol)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        tp = tparams[name]
        assert (p.grad is None) == (tp.grad is None), name
        if p.grad is not None:
            np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=name)


def check(ours, theirs, x, *extra, train=True, rtol=RTOL, atol=ATOL):
    ours, theirs = _twin(ours, theirs)
    out_o, out_t, xo, xt = _run_both(ours, theirs, x, *extra, train=train)
    _assert_parity(ours, theirs, out_o, out_t, xo, xt, rtol, atol)
    return ours, theirs


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- layers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    check(nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias), randn(4, 5))
    check(nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias), randn(2, 4, 5))


@pytest.mark.parametrize("kwargs", [
    dict(), dict(stride=2, padding=1), dict(padding=2, dilation=2), dict(groups=2),
    dict(padding="same"), dict(padding="same", dilation=2, kernel_size=4), dict(padding="valid"),
    dict(bias=False), dict(padding=2, padding_mode="reflect"),
    dict(padding=1, padding_mode="replicate"), dict(padding=1, padding_mode="circular"),
])
def test_conv1d(kwargs):
    kw = dict(kernel_size=3) | kwargs
    check(nn.Conv1d(4, 6, **kw), torch.nn.Conv1d(4, 6, **kw), randn(2, 4, 11))


@pytest.mark.parametrize("kwargs", [
    dict(), dict(stride=(2, 1), padding=(1, 2)), dict(dilation=2, padding=1), dict(groups=2),
    dict(padding="same"), dict(bias=False), dict(padding=1, padding_mode="reflect"),
])
def test_conv2d(kwargs):
    kw = dict(kernel_size=3) | kwargs
    check(nn.Conv2d(2, 4, **kw), torch.nn.Conv2d(2, 4, **kw), randn(2, 2, 7, 6))


def test_conv_unbatched_input():
    check(nn.Conv1d(2, 3, 3), torch.nn.Conv1d(2, 3, 3), randn(2, 8))
    check(nn.Conv2d(2, 3, 3), torch.nn.Conv2d(2, 3, 3), randn(2, 5, 5))


@pytest.mark.parametrize("ours,theirs,shape", [
    (nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1), (2, 3, 9)),
    (nn.MaxPool1d(2, ceil_mode=True), torch.nn.MaxPool1d(2, ceil_mode=True), (2, 3, 9)),
    (nn.MaxPool2d(2), torch.nn.MaxPool2d(2), (2, 3, 6, 6)),
    (nn.MaxPool2d(3, 2, 1, dilation=1), torch.nn.MaxPool2d(3, 2, 1), (1, 2, 7, 5)),
    (nn.AvgPool1d(3, 2, 1), torch.nn.AvgPool1d(3, 2, 1), (2, 3, 9)),
    (nn.AvgPool1d(3, 2, 1, count_include_pad=False),
     torch.nn.AvgPool1d(3, 2, 1, count_include_pad=False), (2, 3, 9)),
    (nn.AvgPool2d(2), torch.nn.AvgPool2d(2), (2, 3, 6, 6)),
    (nn.AvgPool2d(3, 2, 1, ceil_mode=True), torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True),
     (1, 2, 8, 7)),
    (nn.AdaptiveAvgPool1d(4), torch.nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
    (nn.AdaptiveAvgPool2d((3, 2)), torch.nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1), (2, 3, 4, 4)),
    (nn.Flatten(), torch.nn.Flatten(), (2, 3, 4, 5)),
    (nn.Flatten(0, 2), torch.nn.Flatten(0, 2), (2, 3, 4, 5)),
    (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)), (4, 6, 2)),
    (nn.Identity(), torch.nn.Identity(), (3, 4)),
])
def test_stateless_layers(ours, theirs, shape):
    # distinct values: no ties inside max-pool windows
    x = np.random.default_rng(1).permutation(np.prod(shape)).reshape(shape) / 7.0
    check(ours, theirs, x)


@pytest.mark.parametrize("ours,theirs", [
    (nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)), (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()), (nn.Softplus(), torch.nn.Softplus()),
    (nn.Softplus(2.0, 1.0), torch.nn.Softplus(2.0, 1.0)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (nn.LogSoftmax(dim=-1),
                                                   torch.nn.LogSoftmax(dim=-1)),
    (nn.Softmax(dim=0), torch.nn.Softmax(dim=0)), (nn.PReLU(), torch.nn.PReLU()),
    (nn.PReLU(4, 0.1), torch.nn.PReLU(4, 0.1)), (nn.ELU(0.7), torch.nn.ELU(0.7)),
    (nn.SELU(), torch.nn.SELU()), (nn.SiLU(), torch.nn.SiLU()), (nn.ReLU6(), torch.nn.ReLU6()),
    (nn.Hardtanh(-0.5, 0.8), torch.nn.Hardtanh(-0.5, 0.8)),
    (nn.LogSigmoid(), torch.nn.LogSigmoid()), (nn.Softsign(), torch.nn.Softsign()),
])
def test_activations(ours, theirs):
    x = randn(3, 4, 5) * 3
    check(ours, theirs, x)


def test_prelu_per_channel_learns_the_same_slopes():
    ours, theirs = check(nn.PReLU(3), torch.nn.PReLU(3), randn(4, 3, 5))
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=RTOL)


def test_dropout_in_eval_is_identity_and_in_training_matches_torch_scaling():
    check(nn.Dropout(0.3), torch.nn.Dropout(0.3), randn(5, 6), train=False)
    x = np.ones((2000,))
    out = nn.Dropout(0.25)(ag.tensor(x))._data
    kept = out[out != 0]
    np.testing.assert_allclose(kept, 1 / 0.75)  # torch scales survivors by 1/(1-p) as well


@pytest.mark.parametrize("ours,theirs,shape", [
    (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4), (8, 4)),
    (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4), (5, 4, 6)),
    (nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3), (4, 3, 5, 5)),
    (nn.BatchNorm1d(4, affine=False), torch.nn.BatchNorm1d(4, affine=False), (8, 4)),
    (nn.BatchNorm1d(4, momentum=None), torch.nn.BatchNorm1d(4, momentum=None), (8, 4)),
    (nn.BatchNorm1d(4, track_running_stats=False),
     torch.nn.BatchNorm1d(4, track_running_stats=False), (8, 4)),
    (nn.BatchNorm2d(3, momentum=0.3, eps=1e-3), torch.nn.BatchNorm2d(3, momentum=0.3, eps=1e-3),
     (4, 3, 2, 3)),
])
def test_batchnorm_training_steps_running_stats_and_eval(ours, theirs, shape):
    ours, theirs = _twin(ours, theirs)
    with torch.no_grad():
        if theirs.affine:
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-0.5, 0.5)
    ours.load_state_dict(_np_state(theirs))
    for step in range(4):
        x = randn(*shape, seed=step) * (1 + step) + step
        for m in (ours, theirs):
            m.zero_grad()
        out_o, out_t, xo, xt = _run_both(ours, theirs, x, seed=step, train=True)
        _assert_parity(ours, theirs, out_o, out_t, xo, xt)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[key]), value.numpy(),
                                   rtol=RTOL, atol=ATOL, err_msg=key)
    for m in (ours, theirs):
        m.zero_grad()
    out_o, out_t, xo, xt = _run_both(ours, theirs, randn(*shape, seed=9), train=False)
    _assert_parity(ours, theirs, out_o, out_t, xo, xt)


@pytest.mark.parametrize("kwargs,shape", [
    (dict(normalized_shape=5), (3, 5)),
    (dict(normalized_shape=(4, 5)), (2, 3, 4, 5)),
    (dict(normalized_shape=5, elementwise_affine=False), (3, 5)),
    (dict(normalized_shape=5, bias=False, eps=1e-3), (3, 5)),
])
def test_layernorm(kwargs, shape):
    ours, theirs = _twin(nn.LayerNorm(**kwargs), torch.nn.LayerNorm(**kwargs))
    if ours.weight is not None:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
        ours.load_state_dict(_np_state(theirs))
    out_o, out_t, xo, xt = _run_both(ours, theirs, randn(*shape) * 3 + 1)
    _assert_parity(ours, theirs, out_o, out_t, xo, xt)


@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2), dict(padding_idx=-1),
                                    dict(scale_grad_by_freq=True)])
def test_embedding(kwargs):
    idx = np.array([[0, 2, 4, 2], [5, 1, 2, 0]])
    ours, theirs = _twin(nn.Embedding(6, 3, **kwargs), torch.nn.Embedding(6, 3, **kwargs))
    out_o = ours(ag.tensor(idx))
    out_t = theirs(torch.tensor(idx))
    proj = randn(*out_t.shape)
    (out_o * ag.tensor(proj)).sum().backward()
    (out_t * torch.tensor(proj)).sum().backward()
    np.testing.assert_allclose(out_o._data, out_t.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=RTOL)


def test_embedding_max_norm_renormalizes_rows_like_torch():
    ours, theirs = _twin(nn.Embedding(6, 3, max_norm=1.0), torch.nn.Embedding(6, 3, max_norm=1.0))
    idx = np.array([0, 3, 3, 5])
    out_o, out_t = ours(ag.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_allclose(out_o._data, out_t.detach().numpy(), rtol=1e-7)
    np.testing.assert_allclose(ours.weight._data, theirs.weight.detach().numpy(), rtol=1e-7)


# -- GRU ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,shape", [
    (dict(), (5, 3, 4)),
    (dict(batch_first=True), (3, 5, 4)),
    (dict(num_layers=2), (4, 2, 4)),
    (dict(bias=False), (4, 2, 4)),
    (dict(bidirectional=True, batch_first=True), (2, 4, 4)),
    (dict(num_layers=2, bidirectional=True), (3, 2, 4)),
    (dict(), (6, 4)),  # unbatched
])
def test_gru(kwargs, shape):
    ours, theirs = _twin(nn.GRU(4, 3, **kwargs), torch.nn.GRU(4, 3, **kwargs))
    for with_h0 in (False, True):
        for m in (ours, theirs):
            m.zero_grad()
        x = randn(*shape)
        dirs = 2 if kwargs.get("bidirectional") else 1
        layers = kwargs.get("num_layers", 1)
        batch = () if len(shape) == 2 else (shape[0] if kwargs.get("batch_first") else shape[1],)
        h0 = randn(dirs * layers, *batch, 3, seed=5)
        xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        h0o = ag.tensor(h0, requires_grad=True)
        h0t = torch.tensor(h0, requires_grad=True)
        out_o, hn_o = ours(xo, h0o) if with_h0 else ours(xo)
        out_t, hn_t = theirs(xt, h0t) if with_h0 else theirs(xt)
        np.testing.assert_allclose(out_o._data, out_t.detach().numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(hn_o._data, hn_t.detach().numpy(), rtol=RTOL, atol=ATOL)
        p1, p2 = randn(*out_t.shape, seed=2), randn(*hn_t.shape, seed=3)
        ((out_o * ag.tensor(p1)).sum() + (hn_o * ag.tensor(p2)).sum()).backward()
        ((out_t * torch.tensor(p1)).sum() + (hn_t * torch.tensor(p2)).sum()).backward()
        _assert_parity(ours, theirs, out_o, out_t, xo, xt)
        if with_h0:
            np.testing.assert_allclose(h0o.grad._data, h0t.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_gru_cell():
    ours, theirs = _twin(nn.GRUCell(4, 3), torch.nn.GRUCell(4, 3))
    h = randn(2, 3, seed=1)
    out_o, out_t, xo, xt = _run_both(ours, theirs, randn(2, 4), h)
    _assert_parity(ours, theirs, out_o, out_t, xo, xt)


# -- containers, names, reprs -----------------------------------------------------------------
def _conv_net(lib):
    return lib.Sequential(
        lib.Conv2d(1, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(4, 4, 3, groups=2, bias=False), lib.Flatten(), lib.Dropout(0.2),
        lib.Linear(4 * 2 * 2, 8), lib.LayerNorm(8), lib.PReLU(), lib.Linear(8, 3),
    )


def test_sequential_conv_net_state_dict_names_and_parity():
    ours, theirs = check(_conv_net(nn), _conv_net(torch.nn), randn(2, 1, 8, 8), train=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (n1, p1), (n2, p2) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n1 == n2 and p1.shape == tuple(p2.shape)
    for (n1, b1), (n2, b2) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert n1 == n2 and b1.dtype == b2.numpy().dtype


def test_state_dict_names_of_gru_and_nested_modules_match_torch():
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
            self.heads = torch.nn.ModuleList([torch.nn.Linear(8, 2), torch.nn.Linear(8, 1)])
            self.norm = torch.nn.BatchNorm1d(8)

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(3, 4, num_layers=2, bidirectional=True)
            self.heads = nn.ModuleList([nn.Linear(8, 2), nn.Linear(8, 1)])
            self.norm = nn.BatchNorm1d(8)

    theirs, ours = Net(), Ours()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()}, strict=True)
    for k, v in theirs.state_dict().items():
        got = np.asarray(ours.state_dict()[k])
        assert got.dtype == v.numpy().dtype and got.shape == tuple(v.shape)
        np.testing.assert_array_equal(got, v.numpy())


@pytest.mark.parametrize("make", [
    lambda lib: lib.Linear(3, 4), lambda lib: lib.Linear(3, 4, bias=False),
    lambda lib: lib.Conv1d(1, 25, 5, stride=2, padding=1),
    lambda lib: lib.Conv2d(2, 4, (3, 2), dilation=2, groups=2, bias=False, padding="same"),
    lambda lib: lib.Conv1d(2, 4, 3, padding=1, padding_mode="reflect"),
    lambda lib: lib.MaxPool1d(2), lambda lib: lib.MaxPool2d(3, 2, 1),
    lambda lib: lib.AvgPool1d(2), lambda lib: lib.AvgPool2d(2, 1),
    lambda lib: lib.Flatten(), lambda lib: lib.Dropout(0.2), lambda lib: lib.BatchNorm1d(5),
    lambda lib: lib.BatchNorm2d(3, momentum=None, affine=False),
    lambda lib: lib.BatchNorm1d(3, bias=False), lambda lib: lib.LayerNorm(3, bias=False),
    lambda lib: lib.LayerNorm((4, 5)), lambda lib: lib.Embedding(10, 3, padding_idx=0),
    lambda lib: lib.ReLU(), lambda lib: lib.LeakyReLU(0.2), lambda lib: lib.PReLU(3),
    lambda lib: lib.Sigmoid(), lambda lib: lib.Tanh(), lambda lib: lib.Softplus(),
    lambda lib: lib.Softmax(dim=1), lambda lib: lib.LogSoftmax(dim=-1),
    lambda lib: lib.Identity(), lambda lib: lib.GRU(3, 4, num_layers=2, batch_first=True),
    lambda lib: lib.GRU(3, 4, bidirectional=True, dropout=0.1, num_layers=2),
    lambda lib: lib.MSELoss(), lambda lib: lib.CrossEntropyLoss(), lambda lib: lib.BCELoss(),
    lambda lib: lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1)),
    lambda lib: lib.ModuleList([lib.Linear(2, 2), lib.Linear(2, 2), lib.ReLU()]),
    lambda lib: lib.AdaptiveAvgPool2d((2, 3)),
])
def test_repr_matches_torch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_mnist1d_mlpbase_is_mlp_with_residual():
    """The MNIST-1D paper's MLPBase (greydanus/mnist1d): h = relu(l1 x); h = h + relu(l2 h)."""

    class MLPBase(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear1 = torch.nn.Linear(40, 100)
            self.linear2 = torch.nn.Linear(100, 100)
            self.linear3 = torch.nn.Linear(100, 10)

        def forward(self, x):
            h = self.linear1(x).relu()
            h = h + self.linear2(h).relu()
            return self.linear3(h)

    theirs = MLPBase().double()
    ours = nn.MLP([40, 100, 100, 10], residual=True).double()
    renamed = dict(zip(ours.state_dict(), _np_state(theirs).values()))
    ours.load_state_dict(renamed, strict=True)
    x = randn(16, 40)
    target = np.random.default_rng(0).integers(0, 10, 16)
    xo, xt = ag.tensor(x), torch.tensor(x)
    lo = F.cross_entropy(ours(xo), target)
    lt = TF.cross_entropy(theirs(xt), torch.tensor(target))
    lo.backward()
    lt.backward()
    assert abs(lo.item() - lt.item()) < 1e-12
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), rtol=1e-9, atol=1e-12)


# -- losses ---------------------------------------------------------------------------------
def _loss_parity(ours_fn, theirs_fn, *arrays, grad=(0,), rtol=RTOL, atol=1e-12):
    ins_o = [ag.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
    ins_t = [torch.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
    lo, lt = ours_fn(*ins_o), theirs_fn(*ins_t)
    np.testing.assert_allclose(lo._data, lt.detach().numpy(), rtol=rtol, atol=atol)
    proj = randn(*lt.shape, seed=4)
    (lo * ag.tensor(proj)).sum().backward()
    (lt * torch.tensor(proj)).sum().backward()
    for i in grad:
        np.testing.assert_allclose(ins_o[i].grad._data, ins_t[i].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"input {i}")


REDUCTIONS = ["none", "sum", "mean"]
rng = np.random.default_rng(0)
X = rng.standard_normal((6, 5))
Y = rng.standard_normal((6, 5))
P = rng.uniform(0.05, 0.95, (6, 5))
B = rng.uniform(0, 1, (6, 5))
T = rng.integers(0, 5, 6)
T_IGN = np.where(np.arange(6) == 2, -100, T)
W = rng.uniform(0.5, 2, 5)
PROBS = rng.dirichlet(np.ones(5), 6)
X4 = rng.standard_normal((3, 5, 2, 4))
T4 = rng.integers(0, 5, (3, 2, 4))


def _module_pair(name, **kw):
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    return getattr(nn, name)(**kw), getattr(torch.nn, name)(**tkw)


LOSS_CASES = [
    ("MSELoss", {}, (X, Y), (0, 1)),
    ("L1Loss", {}, (X, Y), (0, 1)),
    ("HuberLoss", {}, (X * 2, Y), (0, 1)),
    ("HuberLoss", {"delta": 0.3}, (X, Y), (0, 1)),
    ("SmoothL1Loss", {"beta": 0.5}, (X, Y), (0, 1)),
    ("CrossEntropyLoss", {}, (X, T), (0,)),
    ("CrossEntropyLoss", {"weight": W}, (X, T), (0,)),
    ("CrossEntropyLoss", {"weight": W, "ignore_index": -100}, (X, T_IGN), (0,)),
    ("CrossEntropyLoss", {"label_smoothing": 0.15}, (X, T_IGN), (0,)),
    ("CrossEntropyLoss", {"label_smoothing": 0.15, "weight": W}, (X, T_IGN), (0,)),
    ("CrossEntropyLoss", {"ignore_index": 3}, (X, T), (0,)),
    ("CrossEntropyLoss", {}, (X, PROBS), (0, 1)),
    ("CrossEntropyLoss", {"weight": W, "label_smoothing": 0.2}, (X, PROBS), (0, 1)),
    ("CrossEntropyLoss", {"weight": W}, (X4, T4), (0,)),
    ("CrossEntropyLoss", {}, (X[0], T[0]), (0,)),
    ("NLLLoss", {}, (X, T), (0,)),
    ("NLLLoss", {"weight": W}, (X, T_IGN), (0,)),
    ("NLLLoss", {"weight": W}, (X4, T4), (0,)),
    ("BCELoss", {}, (P, B), (0, 1)),
    ("BCELoss", {"weight": W}, (P, B), (0, 1)),
    ("BCEWithLogitsLoss", {}, (X, B), (0, 1)),
    ("BCEWithLogitsLoss", {"weight": W, "pos_weight": W[::-1].copy()}, (X, B), (0, 1)),
    ("MultiMarginLoss", {}, (X, T), (0,)),
    ("MultiMarginLoss", {"p": 2, "margin": 0.7, "weight": W}, (X, T), (0,)),
    ("KLDivLoss", {}, (np.log(PROBS), PROBS[::-1].copy()), (0, 1)),
    ("KLDivLoss", {"log_target": True}, (np.log(PROBS), np.log(PROBS[::-1])), (0, 1)),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs,arrays,grad", LOSS_CASES)
def test_loss_modules(name, kwargs, arrays, grad, reduction):
    ours, theirs = _module_pair(name, reduction=reduction, **kwargs)
    ours.double()
    _loss_parity(ours, theirs, *arrays, grad=grad)


def test_kl_div_batchmean():
    ours, theirs = _module_pair("KLDivLoss", reduction="batchmean")
    _loss_parity(ours, theirs, np.log(PROBS), PROBS[::-1].copy(), grad=(0, 1))


def test_loss_state_dicts_hold_weights_like_torch():
    for name, kw in [("CrossEntropyLoss", {"weight": W}), ("NLLLoss", {"weight": W}),
                     ("BCEWithLogitsLoss", {"pos_weight": W, "weight": W})]:
        ours, theirs = _module_pair(name, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("x", [1000.0, -1000.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_at_huge_logits_match_torch(x, dtype):
    logits = np.array([[x, -x, 0.0], [0.0, x, -x]], dtype=dtype)
    target = np.array([1, 1])
    _loss_parity(lambda a: F.cross_entropy(a, target),
                 lambda a: TF.cross_entropy(a, torch.tensor(target)), logits, rtol=1e-6)
    bt = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=dtype)
    _loss_parity(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"),
                 lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction="none"),
                 logits, bt, grad=(0, 1), rtol=1e-6)


def test_binary_cross_entropy_at_zero_and_one_matches_torch():
    p = np.array([0.0, 1.0, 1e-300, 0.5, 1.0 - 1e-16])
    y = np.array([1.0, 0.0, 0.5, 0.3, 0.0])
    _loss_parity(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                 lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"), p, y, grad=(0,),
                 rtol=1e-8)


def test_functional_activations_match_torch():
    x = randn(4, 6) * 3
    for ours, theirs in [
        (lambda t: F.relu(t), TF.relu), (lambda t: F.leaky_relu(t, 0.3),
                                         lambda t: TF.leaky_relu(t, 0.3)),
        (F.sigmoid, torch.sigmoid), (F.tanh, torch.tanh),
        (lambda t: F.softplus(t, 0.5, 2.0), lambda t: TF.softplus(t, 0.5, 2.0)),
        (lambda t: F.softmax(t, 1), lambda t: TF.softmax(t, 1)),
        (lambda t: F.log_softmax(t, 0), lambda t: TF.log_softmax(t, 0)),
        (lambda t: F.normalize(t, 2.0, 1), lambda t: TF.normalize(t, 2.0, 1)),
        (lambda t: F.dropout(t, 0.5, training=False), lambda t: TF.dropout(t, 0.5, False)),
    ]:
        _loss_parity(ours, theirs, x)


def test_functional_norms_and_distances_match_torch():
    x, y = randn(4, 6), randn(4, 6, seed=1)
    _loss_parity(lambda a, b: F.pairwise_distance(a, b),
                 lambda a, b: TF.pairwise_distance(a, b), x, y, grad=(0, 1))
    _loss_parity(lambda a, b: F.cosine_similarity(a, b),
                 lambda a, b: TF.cosine_similarity(a, b), x, y, grad=(0, 1))
    w = np.ones(3) * 0.2
    _loss_parity(lambda a, b: F.prelu(a, b), lambda a, b: TF.prelu(a, b), randn(2, 3, 4), w,
                 grad=(0, 1))
    idx = np.array([3, 0, 2])
    assert np.array_equal(F.one_hot(ag.tensor(idx))._data,
                          TF.one_hot(torch.tensor(idx)).numpy())
    assert np.array_equal(F.one_hot(ag.tensor(idx), 6)._data,
                          TF.one_hot(torch.tensor(idx), 6).numpy())


def test_functional_batch_and_layer_norm_match_torch():
    x = randn(6, 3, 4)
    rm_o, rv_o = ag.zeros(3, dtype=np.float64), ag.ones(3, dtype=np.float64)
    rm_t, rv_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    w, b = randn(3, seed=1), randn(3, seed=2)
    _loss_parity(lambda a, ww, bb: F.batch_norm(a, rm_o, rv_o, ww, bb, True, 0.2),
                 lambda a, ww, bb: TF.batch_norm(a, rm_t, rv_t, ww, bb, True, 0.2),
                 x, w, b, grad=(0, 1, 2))
    np.testing.assert_allclose(rm_o._data, rm_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv_o._data, rv_t.numpy(), rtol=1e-12)
    _loss_parity(lambda a, ww, bb: F.batch_norm(a, rm_o, rv_o, ww, bb, False),
                 lambda a, ww, bb: TF.batch_norm(a, rm_t, rv_t, ww, bb, False),
                 x, w, b, grad=(0, 1, 2))
    w2, b2 = randn(4, seed=3), randn(4, seed=4)
    _loss_parity(lambda a, ww, bb: F.layer_norm(a, (4,), ww, bb),
                 lambda a, ww, bb: TF.layer_norm(a, (4,), ww, bb), x, w2, b2, grad=(0, 1, 2))


# -- default initialization ---------------------------------------------------------------------
@pytest.mark.parametrize("make,fan_in", [
    (lambda lib: lib.Linear(50, 40), 50), (lambda lib: lib.Conv1d(6, 30, 5, groups=2), 15),
    (lambda lib: lib.Conv2d(4, 20, (3, 2)), 24),
])
def test_default_init_bounds_and_spread_match_torch(make, fan_in):
    ours, theirs = make(nn), make(torch.nn)
    bound = 1 / math.sqrt(fan_in)
    for name, tp in theirs.named_parameters():
        ap = getattr(ours, name)._data
        assert ap.dtype == np.float32 and ap.shape == tuple(tp.shape)
        assert np.abs(ap).max() <= bound
        assert np.abs(tp.detach().numpy()).max() <= bound
        # uniform on [-bound, bound]: standard deviation bound / sqrt(3)
        if ap.size >= 400:
            assert abs(ap.std() - bound / math.sqrt(3)) < 0.1 * bound
            assert abs(ap.std() - tp.detach().numpy().std()) < 0.1 * bound


def test_gru_and_embedding_default_init_match_torch_distributions():
    ours, theirs = nn.GRU(8, 20), torch.nn.GRU(8, 20)
    bound = 1 / math.sqrt(20)
    for name, tp in theirs.named_parameters():
        ap = getattr(ours, name)._data
        assert ap.shape == tuple(tp.shape) and np.abs(ap).max() <= bound
    emb = nn.Embedding(200, 10, padding_idx=3).weight._data
    assert abs(emb.std() - 1) < 0.1 and abs(emb.mean()) < 0.1
    assert not emb[3].any()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_pointwise_losses_match_torch(reduction):
    w = rng.uniform(0.5, 2, X.shape)
    for ours, theirs in [(F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss)]:
        _loss_parity(lambda a, b, o=ours: o(a, b, reduction=reduction, weight=ag.tensor(w)),
                     lambda a, b, t=theirs: t(a, b, reduction=reduction, weight=torch.tensor(w)),
                     X, Y, grad=(0, 1))
    _loss_parity(lambda a, b: F.huber_loss(a, b, reduction, 0.5, weight=w),
                 lambda a, b: TF.huber_loss(a, b, reduction, 0.5, weight=torch.tensor(w)),
                 X, Y, grad=(0, 1))
