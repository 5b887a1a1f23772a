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


def check(ours, theirs, *inputs, dtype=np.float64, train=True, kwargs=None, grad=None,
          tol=None):
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
    tol = tol or _tol(dtype)
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


# -- activations ----------------------------------------------------------------------------
ACTS = [
    ("GELU", (), {}), ("GELU", ("tanh",), {}), ("Mish", (), {}), ("Hardswish", (), {}),
    ("Hardsigmoid", (), {}), ("GLU", (), {}), ("GLU", (1,), {}), ("CELU", (), {}),
    ("CELU", (0.7,), {}), ("Tanhshrink", (), {}), ("Softshrink", (), {}),
    ("Softshrink", (0.9,), {}), ("Hardshrink", (), {}), ("Hardshrink", (1.2,), {}),
    ("RReLU", (), {}), ("RReLU", (0.2, 0.4), {}),
]


@needs_torch
@pytest.mark.parametrize("cls,args,kwargs", ACTS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations_match_torch(cls, args, kwargs, dtype):
    ours, theirs = same(cls, *args, **kwargs)
    assert repr(ours) == repr(theirs)
    x = _randn(3, 4, 6) * 3
    tol = None
    if dtype == np.float64 and (cls == "Hardsigmoid" or (cls == "CELU" and args)):
        # PyTorch's CPU backward of these rounds a constant to float32 even in float64
        # (hardsigmoid's 1.0f / 6.0f; celu's 1 / alpha): ours is the exact derivative
        tol = dict(rtol=1e-7, atol=1e-9)
    # RReLU draws slopes in training; its deterministic mode (eval) is the twin's
    check(ours, theirs, x, dtype=dtype, train=cls != "RReLU", tol=tol)


@needs_torch
@pytest.mark.parametrize("cls,args", [("Mish", ()), ("Hardswish", ()), ("Hardsigmoid", ()),
                                      ("CELU", (1.3,)), ("RReLU", ())])
def test_inplace_activations_match_torch(cls, args):
    ours, theirs = same(cls, *args, inplace=True)
    ours.eval()
    theirs.eval()
    assert repr(ours) == repr(theirs)
    x = _randn(4, 5) * 3
    xo = ag.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ho, ht = xo * 1.0, xt * 1.0
    out_o, out_t = ours(ho), theirs(ht)
    assert out_o is ho
    np.testing.assert_allclose(ho.detach().numpy(), ht.detach().numpy(), rtol=1e-12)
    (out_o * ag.tensor(x)).sum().backward()
    (out_t * torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-9)


def test_rrelu_training_draws_slopes_from_the_engine_generator():
    m = nn.RReLU(0.1, 0.3)
    x = ag.tensor(-np.ones((200, 50)), requires_grad=True)
    ag.manual_seed(5)
    y = m(x)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.005
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    ag.manual_seed(5)
    np.testing.assert_array_equal(-m(x).detach().numpy(), slopes)
    m.eval()
    np.testing.assert_allclose(m(x).detach().numpy(), -0.2)


def test_activation_defaults_and_errors():
    assert nn.GELU().approximate == "none"
    assert nn.GLU().dim == -1 and nn.CELU().alpha == 1.0
    assert (nn.RReLU().lower, nn.RReLU().upper) == (1 / 8, 1 / 3)
    assert nn.Softshrink().lambd == 0.5 and nn.Hardshrink().lambd == 0.5
    assert repr(nn.Hardswish(inplace=True)) == "Hardswish()"
    with pytest.raises(RuntimeError, match="GELU: .*approximate argument must be either none "
                                           "or tanh"):
        nn.GELU("fast")(ag.randn(3))
    with pytest.raises(RuntimeError, match="GLU: .*Halving dimension must be even"):
        nn.GLU()(ag.randn(2, 3))
    with pytest.raises(RuntimeError, match="Softshrink: .*lambda must be greater or equal to 0"):
        nn.Softshrink(-1.0)(ag.randn(3))
    with pytest.raises(RuntimeError, match="RReLU: .*Lower bound should be less than or equal"):
        nn.RReLU(0.5, 0.1)(ag.randn(3))


# -- EmbeddingBag ---------------------------------------------------------------------------
def _bag_check(ours, theirs, dtype, *inputs, **kw):
    """PyTorch 2.13's CPU embedding_bag divides by the wrong count under scale_grad_by_freq
    (pytorch/pytorch#190063): that case is checked against the documented rule instead, the
    twin's unscaled gradient divided by each row's frequency in the batch."""
    by_freq = ours.scale_grad_by_freq
    theirs.scale_grad_by_freq = False
    theirs.to(getattr(torch, np.dtype(dtype).name))
    ours.to(dtype)
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd, strict=True)
    ins_o = [None if v is None else ag.tensor(v) for v in inputs]
    ins_t = [None if v is None else torch.tensor(v) for v in inputs]
    psw = kw.get("per_sample_weights")
    kw_o, kw_t = {}, {}
    if psw is not None:
        kw_o["per_sample_weights"] = ag.tensor(psw.astype(dtype), requires_grad=True)
        kw_t["per_sample_weights"] = torch.tensor(psw.astype(dtype), requires_grad=True)
    out_o, out_t = ours(*ins_o, **kw_o), theirs(*ins_t, **kw_t)
    tol = _tol(dtype)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), **tol)
    proj = _randn(*out_t.shape, seed=3).astype(dtype)
    (out_o * ag.tensor(proj)).sum().backward()
    (out_t * torch.tensor(proj)).sum().backward()
    want = theirs.weight.grad.numpy()
    if by_freq:
        counts = np.bincount(np.ravel(inputs[0]), minlength=want.shape[0])
        want = want / np.maximum(counts, 1)[:, None]
    np.testing.assert_allclose(ours.weight.grad.numpy(), want, **tol)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                               **tol)  # max_norm renormalizes the looked-up rows in place
    if psw is not None:
        np.testing.assert_allclose(kw_o["per_sample_weights"].grad.numpy(),
                                   kw_t["per_sample_weights"].grad.numpy(), **tol)


FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 7])
OFFSETS = np.array([0, 4, 4, 7])


@needs_torch
@pytest.mark.parametrize("kwargs,inputs,psw", [
    (dict(mode="mean"), (FLAT, OFFSETS), None),
    (dict(mode="sum"), (FLAT, OFFSETS), np.linspace(0.5, 2, FLAT.size)),
    (dict(mode="max"), (FLAT, OFFSETS), None),
    (dict(mode="sum", padding_idx=2), (FLAT, OFFSETS), None),
    (dict(mode="mean", padding_idx=-6), (FLAT.reshape(2, 5), None), None),
    (dict(mode="max", padding_idx=4), (FLAT.reshape(5, 2), None), None),
    (dict(mode="sum", include_last_offset=True), (FLAT, np.array([0, 3, 3, 8, 10])), None),
    (dict(mode="mean", max_norm=1.0), (FLAT, OFFSETS), None),
    (dict(mode="sum", max_norm=0.5, norm_type=1.0), (FLAT.reshape(2, 5), None), None),
    (dict(mode="mean", scale_grad_by_freq=True), (FLAT, OFFSETS), None),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_bag_matches_torch(kwargs, inputs, psw, dtype):
    ours, theirs = same("EmbeddingBag", 10, 3, **kwargs)
    assert repr(ours) == repr(theirs)
    _bag_check(ours, theirs, dtype, *inputs, per_sample_weights=psw)


@needs_torch
def test_embedding_bag_from_pretrained_matches_torch():
    w = _randn(6, 4)
    for freeze in (True, False):
        ours = nn.EmbeddingBag.from_pretrained(w, freeze=freeze, mode="sum", padding_idx=1)
        theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=freeze,
                                                       mode="sum", padding_idx=1)
        assert repr(ours) == repr(theirs)
        assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
        idx = np.array([[1, 2, 3], [0, 1, 5]])
        np.testing.assert_allclose(ours(idx).detach().numpy(), theirs(torch.tensor(idx))
                                   .detach().numpy(), rtol=1e-12)


def test_embedding_bag_defaults_and_errors():
    ag.manual_seed(0)
    e = nn.EmbeddingBag(2000, 8, padding_idx=3)
    w = e.weight.detach().numpy()
    assert list(e.state_dict()) == ["weight"] and w.shape == (2000, 8)
    assert w.dtype == np.float32 and e.mode == "mean"
    assert not w[3].any()
    assert abs(w.mean()) < 0.03 and abs(w.std() - 1) < 0.03
    assert repr(e) == "EmbeddingBag(2000, 8, mode='mean', padding_idx=3)"
    with pytest.raises(AssertionError, match="EmbeddingBag: padding_idx must be within"):
        nn.EmbeddingBag(3, 2, padding_idx=3)
    with pytest.raises(ValueError, match="EmbeddingBag: padding_idx must be within"):
        nn.EmbeddingBag(3, 2, padding_idx=-4)
    with pytest.raises(ValueError, match=r"EmbeddingBag: shape of weight \(3, 3\) does not "
                                         "match"):
        nn.EmbeddingBag(3, 2, _weight=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="EmbeddingBag.from_pretrained: .*2-dimensional"):
        nn.EmbeddingBag.from_pretrained(np.zeros(3))
    with pytest.raises(IndexError, match="EmbeddingBag: .*not in the valid range"):
        nn.EmbeddingBag(3, 2)(np.array([0, 3]), np.array([0]))
    with pytest.raises(ValueError, match="EmbeddingBag: .*mode has to be one of"):
        nn.EmbeddingBag(3, 2, mode="median")(np.array([[0, 1]]))
    with pytest.raises(NotImplementedError, match="EmbeddingBag: .*per_sample_weights"):
        nn.EmbeddingBag(3, 2)(np.array([[0, 1]]), per_sample_weights=np.ones((1, 2)))
    with pytest.raises(ValueError, match="EmbeddingBag: .*offsets has to be None"):
        nn.EmbeddingBag(3, 2)(np.array([[0, 1]]), np.array([0]))


# -- losses ---------------------------------------------------------------------------------
def _loss_inputs(name, dtype, seed=0):
    """(inputs, which are differentiated) for each loss."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 5)).astype(dtype)
    sign = np.where(rng.random(4) < 0.5, -1.0, 1.0).astype(dtype)
    if name == "PoissonNLLLoss":
        return (x, rng.poisson(2.0, (4, 5)).astype(dtype)), (0,)
    if name == "PoissonNLLLoss-rate":
        return (np.abs(x) + 0.1, rng.poisson(2.0, (4, 5)).astype(dtype)), (0,)
    if name == "GaussianNLLLoss":
        return (x, rng.standard_normal((4, 5)).astype(dtype),
                (rng.random((4, 1)) + 0.1).astype(dtype)), (0, 2)
    if name == "MarginRankingLoss":
        return (x[:, 0], x[:, 1], sign), (0, 1)
    if name in ("TripletMarginLoss", "TripletMarginWithDistanceLoss"):
        return (x, rng.standard_normal((4, 5)).astype(dtype),
                rng.standard_normal((4, 5)).astype(dtype)), (0, 1, 2)
    if name == "CosineEmbeddingLoss":
        return (x, rng.standard_normal((4, 5)).astype(dtype), sign), (0, 1)
    if name == "HingeEmbeddingLoss":
        return (np.abs(x), np.where(rng.random((4, 5)) < 0.5, -1.0, 1.0).astype(dtype)), (0,)
    if name == "SoftMarginLoss":
        return (x, np.where(rng.random((4, 5)) < 0.5, -1.0, 1.0).astype(dtype)), (0,)
    if name == "MultiLabelSoftMarginLoss":
        return (x, (rng.random((4, 5)) < 0.5).astype(dtype)), (0,)
    if name == "MultiLabelMarginLoss":
        return (x, np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 1, 2, 3, 4],
                             [4, 4, 1, -1, 0]])), (0,)
    raise KeyError(name)


LOSSES = [
    ("PoissonNLLLoss", {}), ("PoissonNLLLoss", dict(full=True, reduction="sum")),
    ("PoissonNLLLoss-rate", dict(log_input=False, eps=1e-4)),
    ("GaussianNLLLoss", {}), ("GaussianNLLLoss", dict(full=True, eps=0.2, reduction="none")),
    ("MarginRankingLoss", {}), ("MarginRankingLoss", dict(margin=0.5, reduction="sum")),
    ("TripletMarginLoss", {}), ("TripletMarginLoss", dict(margin=2.0, p=1.0, swap=True,
                                                          reduction="none")),
    ("TripletMarginWithDistanceLoss", dict(margin=0.3)),
    ("TripletMarginWithDistanceLoss", dict(swap=True, reduction="sum")),
    ("CosineEmbeddingLoss", {}), ("CosineEmbeddingLoss", dict(margin=0.2, reduction="none")),
    ("HingeEmbeddingLoss", {}), ("HingeEmbeddingLoss", dict(margin=0.7, reduction="sum")),
    ("SoftMarginLoss", {}), ("SoftMarginLoss", dict(reduction="none")),
    ("MultiLabelSoftMarginLoss", {}),
    ("MultiLabelSoftMarginLoss", dict(reduction="sum")),
    ("MultiLabelMarginLoss", {}), ("MultiLabelMarginLoss", dict(reduction="none")),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs", LOSSES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_losses_match_torch(name, kwargs, dtype):
    cls = name.split("-")[0]
    ours, theirs = same(cls, **kwargs)
    if cls != "TripletMarginWithDistanceLoss" or hasattr(nn, "PairwiseDistance"):
        assert repr(ours) == repr(theirs)  # the default distance is a PairwiseDistance child
    inputs, grad = _loss_inputs(name, dtype)
    check(ours, theirs, *inputs, dtype=dtype, grad=grad)


@needs_torch
def test_weighted_and_custom_distance_losses_match_torch():
    w = np.array([0.5, 1.0, 2.0, 0.1, 3.0])
    ours = nn.MultiLabelSoftMarginLoss(weight=w)
    theirs = torch.nn.MultiLabelSoftMarginLoss(weight=torch.tensor(w))
    inputs, grad = _loss_inputs("MultiLabelSoftMarginLoss", np.float64)
    check(ours, theirs, *inputs, grad=grad)

    def cosine_distance(a, b, lib):
        return 1 - lib.nn.functional.cosine_similarity(a, b) if lib is torch else \
            1 - nn.functional.cosine_similarity(a, b)

    ours = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: cosine_distance(a, b, nn), margin=0.4)
    theirs = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: cosine_distance(a, b, torch), margin=0.4)
    inputs, grad = _loss_inputs("TripletMarginLoss", np.float64)
    check(ours, theirs, *inputs, grad=grad)


def test_loss_defaults_and_errors():
    assert nn.PoissonNLLLoss().log_input is True and nn.PoissonNLLLoss().eps == 1e-8
    assert nn.GaussianNLLLoss().eps == 1e-6 and nn.HingeEmbeddingLoss().margin == 1.0
    assert nn.TripletMarginLoss().p == 2.0 and nn.MarginRankingLoss().margin == 0.0
    assert list(nn.MultiLabelSoftMarginLoss(weight=[1.0, 2.0]).state_dict()) == ["weight"]
    assert nn.SoftMarginLoss(reduction="sum").reduction == "sum"
    with pytest.raises(ValueError, match="TripletMarginLoss: margin must be greater than 0"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: margin must be"):
        nn.TripletMarginWithDistanceLoss(margin=-1.0)
    with pytest.raises(ValueError, match="reduction"):
        nn.SoftMarginLoss(reduction="avg")
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)  # full is keyword-only, as in PyTorch
    with pytest.raises((RuntimeError, ValueError), match="MarginRankingLoss: "):
        nn.MarginRankingLoss()(ag.randn(3), ag.randn(3, 1), ag.ones(3))
    with pytest.raises((RuntimeError, ValueError), match="GaussianNLLLoss: "):
        nn.GaussianNLLLoss()(ag.randn(3, 2), ag.randn(3, 2), ag.ones(4))
    x = ag.randn(4, 5, requires_grad=True)
    loss = nn.SoftMarginLoss()(x, np.sign(np.random.default_rng(0).standard_normal((4, 5))))
    loss.backward()
    assert loss.shape == () and x.grad.shape == (4, 5)
