"""Resampling, padding, pooling, activation, bag and loss modules against their PyTorch twins
(outputs and input/parameter gradients, float64 and float32, train and eval), plus the checks
that need no torch: output shapes, reprs, state_dict layout, errors naming the module."""

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


def _tol(dtype):
    return dict(rtol=1e-9, atol=1e-11) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)


def check(ours, theirs, *inputs, dtype=np.float64, train=True, kwargs=None, grad=None):
    """Same outputs (the first of a tuple is projected for backward), input gradients and
    parameter gradients as the twin. `grad` lists which inputs are differentiated (default:
    the floating ones)."""
    kw = kwargs or {}
    theirs = theirs.to(getattr(torch, np.dtype(dtype).name))
    ours.to(dtype)
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict(sd, strict=True)
    ours.train(train)
    theirs.train(train)
    ins_o, ins_t = [], []
    for i, v in enumerate(inputs):
        v = np.asarray(v)
        if v.dtype.kind == "f":
            v = v.astype(dtype)
        req = v.dtype.kind == "f" if grad is None else i in grad
        ins_o.append(ag.tensor(v, requires_grad=req))
        ins_t.append(torch.tensor(v, requires_grad=req))
    out_o, out_t = ours(*ins_o, **kw), theirs(*ins_t, **kw)
    extra_o, extra_t = (), ()
    if isinstance(out_t, tuple):
        out_o, extra_o = out_o[0], out_o[1:]
        out_t, extra_t = out_t[0], out_t[1:]
    tol = _tol(dtype)
    assert out_o.shape == tuple(out_t.shape)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), **tol)
    for a, b in zip(extra_o, extra_t):
        np.testing.assert_array_equal(np.asarray(a.detach().numpy()), b.detach().numpy())
    if out_t.requires_grad:
        proj = _randn(*out_t.shape, seed=1).astype(dtype)
        (out_o * ag.tensor(proj)).sum().backward()
        (out_t * torch.tensor(proj)).sum().backward()
        for i, (a, b) in enumerate(zip(ins_o, ins_t)):
            if b.requires_grad:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), err_msg=f"input {i}",
                                           **tol)
        tp = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            if tp[name].grad is None:
                assert p.grad is None or not np.any(p.grad.numpy()), name
            else:
                np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(),
                                           err_msg=name, **tol)
    return ours, theirs, out_o


def same(cls, *args, **kwargs):
    """The module and its twin built with the same arguments (twin drawn from torch's seed)."""
    torch.manual_seed(0)
    return getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)


# -- resampling and padding -----------------------------------------------------------------
RESAMPLE = [
    ("Upsample", (), dict(scale_factor=2), (2, 3, 5)),
    ("Upsample", (), dict(scale_factor=(2, 3), mode="nearest"), (2, 3, 4, 5)),
    ("Upsample", (), dict(size=(7, 3), mode="bilinear"), (2, 3, 4, 5)),
    ("Upsample", (), dict(scale_factor=1.7, mode="bilinear", align_corners=True), (1, 2, 4, 5)),
    ("Upsample", (), dict(scale_factor=1.5, mode="bicubic", recompute_scale_factor=True),
     (1, 2, 4, 5)),
    ("Upsample", (), dict(size=9, mode="linear"), (2, 3, 5)),
    ("Upsample", (), dict(scale_factor=2, mode="trilinear"), (1, 2, 3, 2, 3)),
    ("Upsample", (), dict(size=(3, 2), mode="area"), (1, 2, 7, 5)),
    ("Upsample", (), dict(scale_factor=2.5, mode="nearest-exact"), (1, 2, 3, 4)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3), (2, 2, 3, 4)),
    ("UpsamplingNearest2d", (), dict(size=(5, 7)), (2, 2, 3, 4)),
    ("UpsamplingBilinear2d", (), dict(scale_factor=2), (2, 2, 3, 4)),
    ("UpsamplingBilinear2d", (), dict(size=(6, 5)), (2, 2, 3, 4)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 4)),
    ("PixelShuffle", (3,), {}, (9, 2, 2)),
    ("PixelUnshuffle", (2,), {}, (2, 3, 4, 6)),
    ("PixelUnshuffle", (3,), {}, (2, 1, 2, 6, 3)),
    ("Unfold", ((2, 3),), dict(padding=1, stride=(2, 1), dilation=(1, 2)), (2, 3, 5, 6)),
    ("Unfold", (2,), {}, (3, 4, 4)),
    ("Fold", ((4, 5), (2, 2)), {}, (2, 12, 12)),
    ("Fold", (5, 3), dict(padding=1, stride=2), (18, 9)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 8)),
    ("AdaptiveMaxPool1d", (4,), dict(return_indices=True), (3, 7)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveMaxPool2d", ((None, 3),), dict(return_indices=True), (2, 3, 4, 7)),
    ("AdaptiveMaxPool2d", (4,), dict(return_indices=True), (2, 9, 6)),
    ("LPPool1d", (2, 3), {}, (2, 3, 8)),
    ("LPPool1d", (3.0, 2), dict(stride=1, ceil_mode=True), (2, 3, 7)),
    ("LPPool2d", (2, (2, 3)), dict(stride=(1, 2)), (2, 3, 5, 7)),
    ("LPPool2d", (1.5, 2), dict(ceil_mode=True), (2, 5, 5)),
]
PADS = []
for kind, nsp in (("Zero", 1), ("Zero", 2), ("Zero", 3), ("Constant", 1), ("Constant", 2),
                  ("Constant", 3), ("Reflection", 1), ("Reflection", 2), ("Reflection", 3),
                  ("Replication", 1), ("Replication", 2), ("Replication", 3), ("Circular", 1),
                  ("Circular", 2), ("Circular", 3)):
    extra = (1.5,) if kind == "Constant" else ()
    shape = (2, 3) + (4, 5, 3)[:nsp]
    pads = (2, 1, 0, 3, 1, 2)[:2 * nsp]
    PADS.append((f"{kind}Pad{nsp}d", (2,) + extra, {}, shape))
    PADS.append((f"{kind}Pad{nsp}d", (pads,) + extra, {}, shape[1:]))  # unbatched
    if kind in ("Zero", "Constant", "Replication", "Reflection"):  # negative entries crop
        PADS.append((f"{kind}Pad{nsp}d", (tuple(-p if i % 3 == 1 else p
                                                for i, p in enumerate(pads)),) + extra, {},
                     shape))


@needs_torch
@pytest.mark.parametrize("cls,args,kwargs,shape", RESAMPLE + PADS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parameterless_modules_match_torch(cls, args, kwargs, shape, dtype):
    ours, theirs = same(cls, *args, **kwargs)
    x = _randn(*shape)
    if cls.startswith("LPPool"):  # x^p of a negative x is NaN for fractional p, in both
        x = np.abs(x) + 0.1
    check(ours, theirs, x, dtype=dtype)
    assert repr(ours) == repr(theirs)


@needs_torch
@pytest.mark.parametrize("nsp,k,s,p,shape,output_size", [
    (1, 2, None, 0, (2, 3, 8), None),
    (1, 3, 2, 1, (3, 9), None),
    (1, 3, 2, 1, (2, 3, 9), [10]),
    (2, 2, None, 0, (2, 3, 4, 6), None),
    (2, (3, 2), (2, 1), (1, 0), (2, 2, 7, 5), (1, 2, 8, 5)),
    (2, 2, 2, 0, (3, 5, 5), (5, 5)),
])
def test_max_unpool_matches_torch(nsp, k, s, p, shape, output_size):
    x = _randn(*shape)
    tpool = getattr(torch.nn, f"MaxPool{nsp}d")(k, s, p, return_indices=True)
    pooled, idx = tpool(torch.tensor(x))
    ours, theirs = same(f"MaxUnpool{nsp}d", k, s, p)
    check(ours, theirs, pooled.numpy(), idx.numpy(), kwargs=dict(output_size=output_size))
    assert repr(ours) == repr(theirs)
    # the engine's own MaxPool indices feed the engine's MaxUnpool
    pool = getattr(nn, f"MaxPool{nsp}d")(k, s, p, return_indices=True)
    out, ind = pool(ag.tensor(x))
    np.testing.assert_array_equal(ours(out, ind, output_size).numpy(),
                                  theirs(pooled, idx, output_size).numpy())


# -- without torch --------------------------------------------------------------------------
@pytest.mark.parametrize("m,shape,out", [
    (nn.Upsample(scale_factor=2), (1, 2, 3, 4), (1, 2, 6, 8)),
    (nn.Upsample(size=5, mode="linear"), (1, 2, 3), (1, 2, 5)),
    (nn.UpsamplingBilinear2d(size=(3, 7)), (1, 1, 2, 2), (1, 1, 3, 7)),
    (nn.PixelShuffle(2), (1, 8, 3, 3), (1, 2, 6, 6)),
    (nn.PixelUnshuffle(2), (1, 2, 6, 6), (1, 8, 3, 3)),
    (nn.Unfold(3, padding=1), (2, 3, 4, 5), (2, 27, 20)),
    (nn.Fold((4, 5), 3, padding=1), (2, 27, 20), (2, 3, 4, 5)),
    (nn.AdaptiveMaxPool2d((2, None)), (2, 3, 5, 7), (2, 3, 2, 7)),
    (nn.LPPool2d(2, 2), (1, 3, 4, 6), (1, 3, 2, 3)),
    (nn.ZeroPad2d((1, 2, 0, 3)), (1, 2, 4, 5), (1, 2, 7, 8)),
    (nn.ConstantPad1d((-1, 2), 3.0), (2, 5), (2, 6)),
    (nn.ReflectionPad3d(1), (2, 3, 3, 3), (2, 5, 5, 5)),
    (nn.ReplicationPad1d((0, 4)), (1, 2, 3), (1, 2, 7)),
    (nn.CircularPad2d((1, 1, 2, 2)), (2, 3, 3), (2, 7, 5)),
])
def test_output_shapes(m, shape, out):
    x = ag.randn(*shape, requires_grad=True)
    y = m(x)
    assert y.shape == out
    y.sum().backward()
    assert x.grad.shape == x.shape


def test_pad_values_and_reprs():
    x = ag.tensor(np.arange(1.0, 4.0).reshape(1, 3))
    assert nn.ConstantPad1d((1, 2), 7.0)(x).numpy().tolist() == [[7, 1, 2, 3, 7, 7]]
    assert nn.ReflectionPad1d(2)(x).numpy().tolist() == [[3, 2, 1, 2, 3, 2, 1]]
    assert nn.ReplicationPad1d((1, 2))(x).numpy().tolist() == [[1, 1, 2, 3, 3, 3]]
    assert nn.CircularPad1d((2, 1))(x).numpy().tolist() == [[2, 3, 1, 2, 3, 1]]
    assert nn.ZeroPad1d(1)(x).numpy().tolist() == [[0, 1, 2, 3, 0]]
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ConstantPad3d(1, 2.5)) == \
        "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=2.5)"
    assert repr(nn.ReflectionPad2d((1, 0, 2, 3))) == "ReflectionPad2d((1, 0, 2, 3))"
    assert repr(nn.Upsample(scale_factor=(2, 3))) == \
        "Upsample(scale_factor=(2.0, 3.0), mode='nearest')"
    assert repr(nn.UpsamplingBilinear2d(size=4)) == "UpsamplingBilinear2d(size=4, mode='bilinear')"
    assert repr(nn.MaxUnpool1d(2, padding=1)) == \
        "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(1,))"
    assert repr(nn.LPPool1d(2, 3)) == \
        "LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    assert repr(nn.Fold(3, 2)) == \
        "Fold(output_size=3, kernel_size=2, dilation=1, padding=0, stride=1)"
    for m in (nn.Upsample(scale_factor=2), nn.PixelShuffle(2), nn.Fold(3, 2), nn.Unfold(2),
              nn.AdaptiveMaxPool1d(2), nn.LPPool2d(2, 2), nn.MaxUnpool2d(2), nn.ZeroPad2d(1)):
        assert m.state_dict() == {} and list(m.parameters()) == []


def test_max_unpool_inverts_max_pool_at_the_maxima():
    x = ag.randn(2, 3, 6, 6)
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    back = nn.MaxUnpool2d(2)(out, idx)
    assert back.shape == x.shape
    kept = back.numpy() != 0
    np.testing.assert_array_equal(back.numpy()[kept], x.numpy()[kept])
    assert kept.sum() == out.numel()


def test_adaptive_max_pool_indices():
    x = ag.tensor(np.array([[[1.0, 5.0, 2.0, 0.0, 3.0, 4.0]]]))
    out, idx = nn.AdaptiveMaxPool1d(3, return_indices=True)(x)
    assert out.numpy().tolist() == [[[5.0, 2.0, 4.0]]]
    assert idx.numpy().tolist() == [[[1, 2, 5]]]


def test_resampling_and_padding_errors_name_the_module():
    with pytest.raises(ValueError, match=r"CircularPad2d: expected 3D or 4D input \(got 2D"):
        nn.CircularPad2d(1)(ag.randn(3, 4))
    with pytest.raises(NotImplementedError, match="ReflectionPad1d: expected 2D or 3D input"):
        nn.ReflectionPad1d(1)(ag.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="ReflectionPad1d: .*Padding size should be less"):
        nn.ReflectionPad1d(3)(ag.randn(1, 2, 3))
    with pytest.raises(RuntimeError, match="ConstantPad3d: padding .* needs an input with at "
                                           "least 3 dimensions"):
        nn.ConstantPad3d(1, 0.0)(ag.randn(3, 4))
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4 "
                                         r"ints; got \(1, 2, 3\)"):
        nn.ZeroPad2d((1, 2, 3))
    with pytest.raises(RuntimeError, match="PixelShuffle: pixel_shuffle expects its input's "
                                           "'channel' dimension to be divisible"):
        nn.PixelShuffle(2)(ag.randn(1, 6, 2, 2))
    with pytest.raises(RuntimeError, match="PixelUnshuffle: .*divisible by downscale_factor"):
        nn.PixelUnshuffle(2)(ag.randn(1, 1, 3, 4))
    with pytest.raises(ValueError, match="Upsample: .*either size or scale_factor"):
        nn.Upsample()(ag.randn(1, 1, 3))
    with pytest.raises(NotImplementedError, match="Upsample: .*bilinear mode needs 4D"):
        nn.Upsample(scale_factor=2, mode="bilinear")(ag.randn(1, 1, 3))
    with pytest.raises(ValueError, match="Fold: .*sliding blocks"):
        nn.Fold((4, 4), 2)(ag.randn(1, 4, 8))
    with pytest.raises(ValueError, match="Unfold: .*3-D .* or 4-D"):
        nn.Unfold(2)(ag.randn(4, 4))
    with pytest.raises(ValueError, match="AdaptiveMaxPool2d: .*output_size"):
        nn.AdaptiveMaxPool2d((1, 2, 3))(ag.randn(1, 4, 4))
    with pytest.raises(ValueError, match="MaxUnpool2d: .*invalid output_size"):
        out, idx = nn.MaxPool2d(2, return_indices=True)(ag.randn(1, 1, 4, 4))
        nn.MaxUnpool2d(2)(out, idx, output_size=(9, 9))
