"""Conv3d, ConvTranspose1d/2d/3d and the padding modes of Conv1d/2d/3d against their PyTorch
twins (weights loaded with strict=True from the twin's state_dict as NumPy arrays; outputs,
input and parameter gradients, float64 and float32), plus the checks that need no torch:
state_dict layout, output shapes, default init bounds, output_size, errors."""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn

try:
    import torch
except ImportError:  # the torch-free tests below still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle")


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _twin(ours, theirs, dtype):
    theirs = theirs.to(getattr(torch, np.dtype(dtype).name))
    ours.to(dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()},
                         strict=True)
    return ours, theirs


def check(ours, theirs, x, dtype=np.float64, forward_kwargs=None, train=True):
    """Same output, input gradient and parameter gradients as the twin."""
    kw = forward_kwargs or {}
    ours, theirs = _twin(ours, theirs, dtype)
    ours.train(train)
    theirs.train(train)
    x = x.astype(dtype)
    xo = ag.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out_o, out_t = ours(xo, **kw), theirs(xt, **kw)
    assert out_o.shape == tuple(out_t.shape)
    proj = _randn(*out_t.shape, seed=1).astype(dtype)
    (out_o * ag.tensor(proj)).sum().backward()
    (out_t * torch.tensor(proj)).sum().backward()
    tol = dict(rtol=1e-9, atol=1e-11) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), **tol)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **tol)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), err_msg=name, **tol)
    return ours, theirs


# -- parity with PyTorch --------------------------------------------------------------------
CONV_T = [
    ("ConvTranspose1d", (4, 6, 3), {}, (2, 4, 7)),
    ("ConvTranspose1d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 7)),
    ("ConvTranspose1d", (4, 6, 3), dict(stride=3, dilation=2, output_padding=2, groups=2,
                                         bias=False), (2, 4, 5)),
    ("ConvTranspose1d", (4, 6, 2), dict(stride=2), (4, 6)),  # unbatched
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1), (2, 4, 5, 4)),
    ("ConvTranspose2d", (4, 6, (3, 2)), dict(stride=(2, 3), padding=(1, 0), dilation=(1, 2),
                                              output_padding=(1, 2), groups=2), (2, 4, 4, 5)),
    ("ConvTranspose2d", (3, 2, 4), dict(stride=2, padding=1, bias=False), (3, 4, 4)),
    ("ConvTranspose3d", (4, 2, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 3, 3, 2)),
    ("ConvTranspose3d", (2, 3, (2, 3, 1)), dict(stride=(1, 2, 2), dilation=(2, 1, 1)),
     (2, 3, 2, 3)),
]


@needs_torch
@pytest.mark.parametrize("cls,args,kwargs,shape", CONV_T)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_transpose_matches_torch(cls, args, kwargs, shape, dtype):
    torch.manual_seed(0)
    check(getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs),
          _randn(*shape), dtype)


@needs_torch
@pytest.mark.parametrize("cls,args,kwargs,shape,size", [
    ("ConvTranspose1d", (2, 3, 3), dict(stride=3, padding=1), (2, 2, 5), [15]),
    ("ConvTranspose1d", (2, 3, 3), dict(stride=3, padding=1), (2, 2, 5), (2, 3, 14)),
    ("ConvTranspose2d", (2, 3, 3), dict(stride=2, padding=1), (1, 2, 4, 5), (8, 9)),
    ("ConvTranspose2d", (2, 3, 3), dict(stride=2, padding=1), (2, 4, 5), (3, 7, 10)),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2), (1, 2, 2, 3, 2), (5, 6, 4)),
])
def test_conv_transpose_output_size(cls, args, kwargs, shape, size):
    torch.manual_seed(0)
    ours, theirs = check(getattr(nn, cls)(*args, **kwargs),
                         getattr(torch.nn, cls)(*args, **kwargs), _randn(*shape),
                         forward_kwargs=dict(output_size=size))
    x = _randn(*shape)
    out = ours(ag.tensor(x), output_size=size)
    assert out.shape[-1] == list(size)[-1]
    bad = [s + 5 for s in size]
    with pytest.raises(ValueError, match=f"{cls}: requested an output size"):
        ours(ag.tensor(x), output_size=bad)
    with pytest.raises(ValueError):
        theirs(torch.tensor(x), output_size=bad)


CONV = [
    ("Conv3d", (4, 6, 3), {}, (2, 4, 5, 5, 4)),
    ("Conv3d", (4, 6, (3, 2, 1)), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1),
                                       groups=2), (2, 4, 6, 5, 4)),
    ("Conv3d", (2, 3, 3), dict(padding="same", bias=False), (2, 4, 5, 3)),
    ("Conv3d", (2, 3, 2), dict(padding="valid"), (1, 2, 3, 3, 3)),
]
for mode in ("reflect", "replicate", "circular", "zeros"):
    CONV += [
        ("Conv1d", (2, 3, 3), dict(padding=2, padding_mode=mode), (2, 2, 6)),
        ("Conv1d", (2, 3, 4), dict(padding="same", dilation=2, padding_mode=mode), (2, 2, 9)),
        ("Conv2d", (2, 4, 3), dict(padding=(1, 2), stride=2, padding_mode=mode, groups=2),
         (2, 2, 5, 6)),
        ("Conv2d", (2, 3, (2, 3)), dict(padding="same", padding_mode=mode), (2, 4, 5)),
        ("Conv3d", (2, 3, 3), dict(padding=(1, 2, 1), padding_mode=mode), (1, 2, 3, 4, 3)),
    ]


@needs_torch
@pytest.mark.parametrize("cls,args,kwargs,shape", CONV)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_conv_matches_torch(cls, args, kwargs, shape, dtype):
    torch.manual_seed(0)
    check(getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs),
          _randn(*shape), dtype)


@needs_torch
@pytest.mark.parametrize("cls,args,kwargs", [
    ("Conv1d", (2, 4, 3), dict(padding=1, padding_mode="reflect", groups=2, bias=False)),
    ("Conv2d", (2, 4, 3), dict(padding="same", padding_mode="circular")),
    ("Conv3d", (4, 2, 3), dict(stride=2, groups=2, dilation=2)),
    ("ConvTranspose1d", (2, 4, 3), dict(output_padding=1, stride=2, groups=2)),
    ("ConvTranspose2d", (2, 4, 3), dict(padding=1, dilation=2, bias=False)),
    ("ConvTranspose3d", (2, 4, (1, 2, 3)), dict(stride=(1, 2, 3))),
])
def test_repr_and_state_dict_layout(cls, args, kwargs):
    ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                 "output_padding", "groups", "padding_mode", "transposed"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


@needs_torch
def test_conv_transpose_inverts_conv_shapes_in_an_autoencoder():
    """The decoder of a convolutional autoencoder: train and eval give the twin's outputs."""
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
                         nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1))
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, stride=2, padding=1), torch.nn.ReLU(),
        torch.nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1, output_padding=1))
    for train in (True, False):
        check(ours, theirs, _randn(2, 1, 8, 8), train=train)
        ours.zero_grad()
        theirs.zero_grad()


# -- without torch --------------------------------------------------------------------------
@pytest.mark.parametrize("cls,args,kwargs,weight", [
    (nn.ConvTranspose1d, (4, 6, 3), dict(groups=2), (4, 3, 3)),
    (nn.ConvTranspose2d, (4, 6, (3, 2)), {}, (4, 6, 3, 2)),
    (nn.ConvTranspose3d, (2, 6, 2), dict(groups=2), (2, 3, 2, 2, 2)),
    (nn.Conv3d, (4, 6, (1, 2, 3)), dict(groups=2), (6, 2, 1, 2, 3)),
])
def test_state_dict_keys_and_shapes(cls, args, kwargs, weight):
    m = cls(*args, **kwargs)
    sd = m.state_dict()
    assert list(sd) == ["weight", "bias"]
    assert sd["weight"].shape == weight
    assert sd["bias"].shape == (args[1],)
    assert list(cls(*args, **kwargs, bias=False).state_dict()) == ["weight"]
    assert m.weight.dtype == np.float32
    assert cls(*args, **kwargs, dtype=ag.float64).weight.dtype == np.float64


@pytest.mark.parametrize("m,shape,out", [
    (nn.ConvTranspose1d(2, 3, 3, stride=2), (4, 2, 5), (4, 3, 11)),
    (nn.ConvTranspose1d(2, 3, 3, stride=2, padding=1, output_padding=1), (2, 5), (3, 10)),
    (nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1), (1, 2, 7, 5), (1, 3, 14, 10)),
    (nn.ConvTranspose2d(2, 3, 3, dilation=2), (1, 2, 4, 4), (1, 3, 8, 8)),
    (nn.ConvTranspose3d(2, 3, 2, stride=2), (1, 2, 2, 3, 4), (1, 3, 4, 6, 8)),
    (nn.Conv3d(2, 3, 3, padding=1), (2, 2, 4, 5, 6), (2, 3, 4, 5, 6)),
    (nn.Conv3d(2, 3, 3, stride=2), (2, 5, 5, 7), (3, 2, 2, 3)),
    (nn.Conv2d(2, 3, 3, padding=2, padding_mode="reflect"), (1, 2, 4, 4), (1, 3, 6, 6)),
])
def test_output_shapes(m, shape, out):
    assert m(ag.randn(*shape)).shape == out


def test_output_size_picks_output_padding():
    m = nn.ConvTranspose2d(2, 2, 3, stride=3, padding=1)
    x = ag.randn(1, 2, 4, 4)
    assert m(x).shape == (1, 2, 10, 10)
    for size in (10, 11, 12):
        assert m(x, output_size=(size, size + (size < 12))).shape == (1, 2, size,
                                                                      size + (size < 12))
    assert m(x, output_size=[1, 2, 11, 12]).shape == (1, 2, 11, 12)
    with pytest.raises(ValueError, match="ConvTranspose2d: requested an output size of "
                                         r"\[13, 10\], but valid sizes range from \[10, 10\] "
                                         r"to \[12, 12\]"):
        m(x, output_size=(13, 10))
    with pytest.raises(ValueError, match="ConvTranspose2d: for 4D input, output_size must "
                                         "have 2 or 4 elements"):
        m(x, output_size=(10, 10, 10))


def test_default_init_bounds():
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias,
    with fan_in from weight dim 1: out/groups * kernel for a transposed conv."""
    ag.manual_seed(0)
    m = nn.ConvTranspose2d(64, 32, 3, groups=2)
    bound = 1 / math.sqrt(16 * 9)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert np.abs(b).max() <= bound
    m = nn.Conv3d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 27)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert abs(m.weight.detach().numpy().std() - bound / math.sqrt(3)) < 0.05 * bound
    ag.manual_seed(3)
    a = nn.ConvTranspose1d(4, 4, 3).weight.detach().numpy()
    ag.manual_seed(3)
    assert np.array_equal(a, nn.ConvTranspose1d(4, 4, 3).weight.detach().numpy())


def test_reset_parameters_redraws():
    m = nn.ConvTranspose1d(3, 3, 2)
    w = m.weight.detach().numpy().copy()
    m.reset_parameters()
    assert not np.array_equal(w, m.weight.detach().numpy())


def test_constructor_errors_name_module_and_value():
    with pytest.raises(ValueError, match="ConvTranspose2d: in_channels must be divisible by "
                                         "groups; got in_channels=3, groups=2"):
        nn.ConvTranspose2d(3, 4, 2, groups=2)
    with pytest.raises(ValueError, match="ConvTranspose1d: out_channels must be divisible"):
        nn.ConvTranspose1d(4, 3, 2, groups=2)
    with pytest.raises(ValueError, match="Conv3d: groups must be a positive integer; got 0"):
        nn.Conv3d(4, 4, 2, groups=0)
    with pytest.raises(ValueError, match='ConvTranspose2d: only "zeros" padding mode'):
        nn.ConvTranspose2d(2, 2, 2, padding_mode="reflect")
    with pytest.raises(ValueError, match="Conv3d: padding_mode must be one of"):
        nn.Conv3d(2, 2, 2, padding_mode="mirror")
    with pytest.raises(ValueError, match="ConvTranspose1d: padding must be an int"):
        nn.ConvTranspose1d(2, 2, 2, padding="same")
    with pytest.raises(ValueError, match="Conv3d: padding='same' is not supported for strided"):
        nn.Conv3d(2, 2, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="Conv3d: kernel_size must be positive"):
        nn.Conv3d(2, 2, (3, 0, 1))
    with pytest.raises(TypeError, match="floating point"):
        nn.ConvTranspose1d(2, 2, 2, dtype=ag.int64)


def test_forward_errors_name_module_and_shape():
    with pytest.raises(RuntimeError, match=r"ConvTranspose2d: expected 3D \(unbatched\) or 4D "
                                           r"\(batched\) input.*\(2, 5\)"):
        nn.ConvTranspose2d(2, 2, 2)(ag.randn(2, 5))
    with pytest.raises(RuntimeError, match=r"Conv3d: expected input with 3 channels; got "
                                           r"input of shape \(1, 2, 3, 3, 3\)"):
        nn.Conv3d(3, 2, 2)(ag.randn(1, 2, 3, 3, 3))
    with pytest.raises(ValueError, match="ConvTranspose1d: output_padding must be"):
        nn.ConvTranspose1d(2, 2, 2, output_padding=1)(ag.randn(1, 2, 3))
    m = nn.ConvTranspose1d(2, 2, 2).double()
    with pytest.raises(RuntimeError, match="ConvTranspose1d: .*type"):
        m(ag.randn(1, 2, 3))
    with pytest.raises(ValueError, match="ConvTranspose1d: .*too small"):
        nn.ConvTranspose1d(2, 2, 2, padding=3)(ag.randn(1, 2, 2))
    assert nn.Conv1d(4, 4, 1, groups=np.int64(2)).groups == 2
    with pytest.raises(RuntimeError, match="Conv1d: .*Padding size should be less than"):
        nn.Conv1d(2, 2, 2, padding=3, padding_mode="reflect")(ag.randn(1, 2, 3))


def test_gradcheck_conv_transpose_and_padding_modes():
    ag.manual_seed(0)
    for m, shape in ((nn.ConvTranspose2d(2, 2, 2, stride=2, groups=2, output_padding=1),
                      (1, 2, 2, 3)),
                     (nn.Conv2d(2, 1, 3, padding=1, padding_mode="circular"), (1, 2, 3, 4)),
                     (nn.Conv1d(1, 1, 3, padding=2, padding_mode="reflect"), (1, 1, 4))):
        m.double()
        x = ag.randn(*shape, dtype=ag.float64, requires_grad=True)
        assert ag.gradcheck(lambda x, w, m=m: m(x), (x, m.weight))
