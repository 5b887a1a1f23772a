"""Transposed and 3-D convolution, fold/unfold, interpolate, adaptive max pooling, power-average
pooling and max unpooling: values, gradients and second derivatives against PyTorch over many
geometries (skipped without torch), and the properties that need no oracle: finite-difference
checks, the adjoint identity <conv(x), y> = <x, conv_transpose(y)>, fold(unfold(x)) counts,
and the errors."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn.functional as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the properties below still run
    torch = None
    TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is the oracle")
RNG = np.random.default_rng(20261206)


def _rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def _compare(ours_fn, theirs_fn, arrays, diff, *, atol=1e-10, second=True, grad=True):
    """Value, first derivative (a random cotangent) and second derivative (of the squared
    first derivative) of ours_fn and theirs_fn at the same arrays, for the inputs in diff."""
    ts = [torch.tensor(a, requires_grad=i in diff) if a is not None else None
          for i, a in enumerate(arrays)]
    ours = [ag.tensor(a, requires_grad=i in diff) if a is not None else None
            for i, a in enumerate(arrays)]
    to = theirs_fn(*ts)
    ao = ours_fn(*ours)
    assert ao.shape == tuple(to.shape)
    np.testing.assert_allclose(ao.detach().numpy(), to.detach().numpy(), atol=atol, rtol=1e-7)
    if not grad:
        return
    u = RNG.standard_normal(ao.shape).astype(arrays[0].dtype)
    tx = [ts[i] for i in diff]
    ax = [ours[i] for i in diff]
    tg = torch.autograd.grad(to, tx, torch.tensor(u), create_graph=second)
    agr = ag.autograd.grad(ao, ax, ag.tensor(u), create_graph=second)
    for a, t in zip(agr, tg):
        np.testing.assert_allclose(a.detach().numpy(), t.detach().numpy(), atol=10 * atol,
                                   rtol=1e-7)
    if not second:
        return
    # the second derivative through every first derivative (a bias's is constant)
    keep = [i for i, t in enumerate(tg) if t.requires_grad]
    if not keep:
        return
    tt = sum((tg[i] ** 2).sum() for i in keep)
    at = sum((agr[i] ** 2).sum() for i in keep)
    t2 = torch.autograd.grad(tt, tx, allow_unused=True)
    a2 = ag.autograd.grad(at, ax, allow_unused=True)
    for a, t in zip(a2, t2):
        if t is None:
            assert a is None or np.allclose(a.numpy(), 0)
            continue
        np.testing.assert_allclose(a.numpy(), t.numpy(), atol=100 * atol, rtol=1e-6)


# -- transposed convolution ----------------------------------------------------------------------
# (stride, padding, output_padding, dilation, groups): output_padding below the stride, and
# past the stride where the dilation allows it
TRANSPOSED = [
    (1, 0, 0, 1, 1), (2, 0, 1, 1, 1), (2, 1, 1, 1, 2), (3, 2, 2, 1, 1), (1, 0, 1, 2, 1),
    (2, 1, 0, 2, 2), (3, 0, 2, 3, 1), (1, 2, 0, 3, 2), (2, 2, 1, 2, 1),
]


@needs_torch
@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("geom", TRANSPOSED)
def test_conv_transpose_matches_pytorch(nsp, geom):
    s, p, op, d, g = geom
    size = (5, 4, 3)[:nsp]
    k = (3, 2, 2)[:nsp]
    cin, cout = 2 * g, 3 * g
    if nsp == 3:  # mixed per-axis values in 3-D: stride and dilation as tuples
        s, d, p = (s, 1, s), (d, d, 1), (p, min(p, 1), 0)
        op = (op, 0, min(op, s[2] - 1))
    x, w, b = _rand(2, cin, *size), _rand(cin, cout // g, *k), _rand(cout)
    name = f"conv_transpose{nsp}d"
    _compare(lambda x, w, b: getattr(F, name)(x, w, b, s, p, op, g, d),
             lambda x, w, b: getattr(TF, name)(x, w, b, s, p, op, g, d), [x, w, b], (0, 1, 2))


@needs_torch
@settings(max_examples=15)
@given(data=st.data())
def test_conv_transpose2d_drawn_geometries(data):
    draw = data.draw
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    op = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d))
    g = draw(st.sampled_from([1, 2, 3]))
    size = tuple(draw(st.integers(1, 6)) for _ in range(2))
    out = [(n - 1) * si - 2 * pi + di * (ki - 1) + 1 + o
           for n, si, pi, di, ki, o in zip(size, s, p, d, k, op)]
    if min(out) < 1:
        with pytest.raises(ValueError, match="conv_transpose2d"):
            F.conv_transpose2d(ag.zeros(1, g, *size), ag.zeros(g, 1, *k), None, s, p, op, g, d)
        return
    x, w = _rand(2, g, *size), _rand(g, 2, *k)
    bias = _rand(2 * g) if draw(st.booleans()) else None
    diff = (0, 1, 2) if bias is not None else (0, 1)
    _compare(lambda x, w, b: F.conv_transpose2d(x, w, b, s, p, op, g, d),
             lambda x, w, b: TF.conv_transpose2d(x, w, b, s, p, op, g, d), [x, w, bias], diff)


@needs_torch
def test_conv_transpose_unbatched_and_float32():
    x, w = _rand(3, 5, 4, dtype=np.float32), _rand(3, 2, 3, 3, dtype=np.float32)
    _compare(lambda x, w: F.conv_transpose2d(x, w, stride=2, output_padding=1),
             lambda x, w: TF.conv_transpose2d(x, w, stride=2, output_padding=1), [x, w],
             (0, 1), atol=2e-5, second=False)
    x1 = _rand(3, 7)
    w1 = _rand(3, 2, 4)
    _compare(lambda x, w: F.conv_transpose1d(x, w, padding=1),
             lambda x, w: TF.conv_transpose1d(x, w, padding=1), [x1, w1], (0, 1))


def test_conv_transpose_is_the_adjoint_of_conv():
    for nsp, (s, p, d, g) in itertools.product([1, 2, 3], [(1, 0, 1, 1), (2, 1, 1, 2),
                                                           (3, 1, 2, 1), (2, 0, 3, 2)]):
        size = (9, 8, 7)[:nsp]
        k = (3, 2, 2)[:nsp]
        x, w = _rand(2, 2 * g, *size), _rand(3 * g, 2, *k)
        conv = getattr(F, f"conv{nsp}d")
        y = conv(ag.tensor(x), ag.tensor(w), None, s, p, d, g).numpy()
        v = _rand(*y.shape)
        # the cells of x past the last window need output_padding to be reached
        op = tuple(n + 2 * p - ((m - 1) * s + d * (ki - 1) + 1)
                   for n, m, ki in zip(size, y.shape[2:], k))
        xt = getattr(F, f"conv_transpose{nsp}d")(ag.tensor(v), ag.tensor(w), None, s, p, op,
                                                 g, d).numpy()
        assert xt.shape == x.shape
        assert np.isclose(np.vdot(y, v), np.vdot(x, xt), rtol=1e-10)


def test_conv_transpose_gradcheck_to_second_order():
    x = ag.tensor(_rand(1, 2, 3, 3), requires_grad=True)
    w = ag.tensor(_rand(2, 2, 2, 2), requires_grad=True)
    b = ag.tensor(_rand(4), requires_grad=True)

    def f(x, w, b):
        return F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2,
                                  dilation=2)

    assert ag.gradcheck(f, (x, w, b))
    assert ag.gradgradcheck(f, (x, w, b))
    x1 = ag.tensor(_rand(1, 2, 2, 2, 3), requires_grad=True)
    w1 = ag.tensor(_rand(2, 1, 2, 1, 2), requires_grad=True)
    assert ag.gradgradcheck(lambda x, w: F.conv_transpose3d(x, w, stride=(1, 2, 2)), (x1, w1))


def test_conv_transpose_errors():
    x, w = ag.zeros(1, 4, 5, 5), ag.zeros(4, 2, 3, 3)
    with pytest.raises(ValueError, match="output_padding must be smaller than either stride "
                                         "or dilation"):
        F.conv_transpose2d(x, w, stride=1, output_padding=1)
    with pytest.raises(ValueError, match=r"expects input with 4 channels.*\(1, 3, 5, 5\)"):
        F.conv_transpose2d(ag.zeros(1, 3, 5, 5), w)
    with pytest.raises(ValueError, match="not divisible by groups=3"):
        F.conv_transpose2d(x, w, groups=3)
    with pytest.raises(ValueError, match="too small"):
        F.conv_transpose2d(ag.zeros(1, 4, 1, 1), w, padding=2)
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        F.conv_transpose2d(x, w, ag.zeros(3))
    with pytest.raises(ValueError, match="conv_transpose1d: input must have shape"):
        F.conv_transpose1d(x, ag.zeros(4, 2, 3))
    with pytest.raises(ValueError, match="string padding"):
        F.conv_transpose2d(x, w, padding="same")
    with pytest.raises(ValueError, match="stride must be positive"):
        F.conv_transpose2d(x, w, stride=0)


# -- conv3d and grouped convolutions -----------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("stride, padding, dilation, groups", [
    (1, 0, 1, 1), (2, 1, 1, 2), (1, "same", 2, 2), (2, "valid", 1, 1), (1, "same", 1, 4),
    ((1, 2, 1), (1, 0, 2), (2, 1, 1), 1),
])
def test_convNd_matches_pytorch(nsp, stride, padding, dilation, groups):
    if isinstance(stride, tuple):
        stride, padding, dilation = stride[:nsp], padding[:nsp], dilation[:nsp]
    size, k = (7, 6, 5)[:nsp], (3, 2, 4)[:nsp]
    x, w, b = _rand(2, 4, *size), _rand(8, 4 // groups, *k), _rand(8)
    name = f"conv{nsp}d"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on padding='same' with even kernels
        _compare(lambda x, w, b: getattr(F, name)(x, w, b, stride, padding, dilation, groups),
                 lambda x, w, b: getattr(TF, name)(x, w, b, stride, padding, dilation, groups),
                 [x, w, b], (0, 1, 2))


@needs_torch
def test_conv3d_unbatched():
    x, w = _rand(2, 4, 5, 3), _rand(3, 2, 2, 3, 1)
    _compare(F.conv3d, TF.conv3d, [x, w], (0, 1))


def test_conv3d_gradcheck_and_errors():
    x = ag.tensor(_rand(1, 2, 3, 3, 3), requires_grad=True)
    w = ag.tensor(_rand(2, 1, 2, 2, 2), requires_grad=True)
    assert ag.gradgradcheck(lambda x, w: F.conv3d(x, w, padding="same", groups=2), (x, w))
    with pytest.raises(ValueError, match="conv3d: input must have shape"):
        F.conv3d(ag.zeros(2, 3, 4, dtype=ag.float64), w)
    with pytest.raises(ValueError, match="not supported for strided"):
        F.conv3d(x, w, stride=2, padding="same", groups=2)
    with pytest.raises(ValueError, match="groups=2"):
        F.conv3d(ag.zeros(1, 3, 3, 3, 3, dtype=ag.float64), w, groups=2)


# -- fold and unfold ------------------------------------------------------------------------------
FOLD_GEOMETRIES = [
    ((5, 6), 2, 1, 0, 1), ((7, 5), (3, 2), 1, 1, 2), ((8, 8), 3, 2, 1, (2, 3)),
    ((6, 9), (2, 3), (2, 1), (0, 2), 1), ((4, 4), 1, 1, 0, 1), ((9, 7), 3, 3, 2, 2),
]


@needs_torch
@pytest.mark.parametrize("size, k, d, p, s", FOLD_GEOMETRIES)
def test_unfold_and_fold_match_pytorch(size, k, d, p, s):
    x = _rand(2, 3, *size)
    _compare(lambda x: F.unfold(x, k, d, p, s), lambda x: TF.unfold(x, k, d, p, s), [x], (0,))
    cols = TF.unfold(torch.tensor(x), k, d, p, s).numpy()
    c = _rand(*cols.shape)
    _compare(lambda c: F.fold(c, size, k, d, p, s), lambda c: TF.fold(c, size, k, d, p, s),
             [c], (0,))
    _compare(lambda c: F.fold(c, size, k, d, p, s), lambda c: TF.fold(c, size, k, d, p, s),
             [c[0]], (0,))  # unbatched
    _compare(lambda x: F.unfold(x, k, d, p, s), lambda x: TF.unfold(x, k, d, p, s), [x[0]],
             (0,))


def test_fold_of_unfold_counts_the_windows_over_each_cell():
    ones = ag.ones(1, 1, 5, 5)
    counts = F.fold(F.unfold(ones, 3, padding=1), (5, 5), 3, padding=1).numpy()[0, 0]
    per_axis = np.array([2, 3, 3, 3, 2])
    np.testing.assert_array_equal(counts, np.outer(per_axis, per_axis))
    x = ag.tensor(_rand(2, 3, 6, 7), requires_grad=True)
    # non-overlapping blocks that tile the input: fold inverts unfold exactly
    np.testing.assert_array_equal(F.fold(F.unfold(x, (2, 7), stride=(2, 7)), (6, 7), (2, 7),
                                         stride=(2, 7)).detach().numpy(), x.detach().numpy())
    assert ag.gradgradcheck(lambda x: F.fold(F.unfold(x, 2, 2, 1, 2) ** 2, (6, 7), 2, 2, 1, 2),
                            (x,))


def test_fold_unfold_errors():
    with pytest.raises(ValueError, match="unfold: only 3-D"):
        F.unfold(ag.zeros(1, 1, 1, 4, 4), 2)
    with pytest.raises(ValueError, match="no sliding block fits"):
        F.unfold(ag.zeros(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"divisible by the product of kernel_size \(2, 2\)"):
        F.fold(ag.zeros(1, 6, 9), (4, 4), 2)
    with pytest.raises(ValueError, match=r"3 \* 3 = 9 sliding blocks.*is 10"):
        F.fold(ag.zeros(1, 4, 10), (4, 4), 2)
    with pytest.raises(ValueError, match="fold: only 2-D"):
        F.fold(ag.zeros(1, 1, 4, 9), (4, 4), 2)


# -- interpolate ----------------------------------------------------------------------------------
MODES = {3: ["nearest", "nearest-exact", "linear", "area"],
         4: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
         5: ["nearest", "nearest-exact", "trilinear", "area"]}
CASES = [(nd, mode) for nd, modes in MODES.items() for mode in modes]


def _interp_kwargs(rng, nd, mode, sizes):
    kw = {"mode": mode}
    if mode not in ("nearest", "nearest-exact", "area"):
        kw["align_corners"] = bool(rng.integers(2))
    if rng.integers(2):
        kw["size"] = tuple(int(v) for v in rng.integers(1, 10, size=nd - 2))
    else:
        kw["scale_factor"] = tuple(float(v) for v in rng.choice(
            [0.5, 0.75, 1.0, 1.6, 2.0, 2.5, 3.0], size=nd - 2))
        if any(int(n * f) < 1 for n, f in zip(sizes, kw["scale_factor"])):
            kw["scale_factor"] = 2.0
        if rng.integers(2):
            kw["recompute_scale_factor"] = True
    return kw


@needs_torch
@pytest.mark.parametrize("nd, mode", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_matches_pytorch(nd, mode, dtype):
    rng = np.random.default_rng(nd * 100 + len(mode) + (dtype == np.float32))
    for _ in range(6):
        sizes = tuple(int(v) for v in rng.integers(1, 7, size=nd - 2))
        kw = _interp_kwargs(rng, nd, mode, sizes)
        x = _rand(2, 3, *sizes, dtype=dtype)
        # PyTorch's nearest backward recomputes the indices from the sizes alone, which
        # disagrees with its own forward when a scale_factor is kept; ours is the adjoint of
        # the forward (checked below), so only the values are compared there
        grad = not (mode.startswith("nearest") and "scale_factor" in kw
                    and not kw.get("recompute_scale_factor"))
        _compare(lambda x, kw=kw: F.interpolate(x, **kw),
                 lambda x, kw=kw: TF.interpolate(x, **kw), [x],
                 (0,), atol=1e-12 if dtype == np.float64 else 3e-6, grad=grad, second=False)


@needs_torch
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias_matches_pytorch(mode):
    rng = np.random.default_rng(len(mode))
    for trial in range(10):
        sizes = tuple(int(v) for v in rng.integers(4, 16, size=2))
        kw = {"mode": mode, "antialias": True, "align_corners": bool(trial % 2)}
        if trial % 3:
            # an output width of 1 is left out: PyTorch then gives every output row the
            # first row's weights
            kw["size"] = tuple(int(v) for v in rng.integers(2, 16, size=2))
        else:
            kw["scale_factor"] = (0.3, 0.75) if trial % 2 else (1.5, 0.5)
        x = _rand(1, 2, *sizes)
        _compare(lambda x, kw=kw: F.interpolate(x, **kw),
                 lambda x, kw=kw: TF.interpolate(x, **kw), [x], (0,), second=False)


@needs_torch
def test_interpolate_aliases_and_identity():
    x = _rand(1, 2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ours, theirs in ((F.upsample, TF.upsample), (F.upsample_nearest,
                                                         TF.upsample_nearest),
                             (F.upsample_bilinear, TF.upsample_bilinear)):
            np.testing.assert_allclose(ours(ag.tensor(x), scale_factor=2).numpy(),
                                       theirs(torch.tensor(x), scale_factor=2).numpy(),
                                       atol=1e-12)
    same = F.interpolate(ag.tensor(x), size=(3, 4), mode="bilinear")
    np.testing.assert_array_equal(same.numpy(), x)


def test_interpolate_is_linear_with_the_adjoint_as_gradient():
    """Every mode is a linear map A: the gradient of <A x, u> is A^T u, so <A x, u> equals
    <x, grad>, and the second derivative is zero (checked by gradgradcheck)."""
    for nd, mode in CASES:
        for kw in ({"size": (5, 3, 4)[: nd - 2]}, {"scale_factor": 2.3}, {"scale_factor": 0.6}):
            if mode not in ("nearest", "nearest-exact", "area"):
                kw = dict(kw, align_corners=mode == "bicubic")
            x = ag.tensor(_rand(1, 2, *(4, 3, 5)[: nd - 2]), requires_grad=True)
            y = F.interpolate(x, mode=mode, **kw)
            u = _rand(*y.shape)
            (g,) = ag.autograd.grad(y, x, ag.tensor(u))
            assert np.isclose(np.vdot(y.detach().numpy(), u), np.vdot(x.detach().numpy(),
                                                                       g.numpy()))
    x = ag.tensor(_rand(1, 1, 3, 4), requires_grad=True)
    assert ag.gradgradcheck(lambda x: F.interpolate(x, (5, 3), mode="bicubic") ** 2, (x,))
    assert ag.gradcheck(lambda x: F.interpolate(x, scale_factor=1.5, mode="area"), (x,))


def test_interpolate_errors():
    x = ag.zeros(1, 2, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, mode="nearest", align_corners=True)
    with pytest.raises(NotImplementedError, match="got 4D input, but linear mode needs 3D"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(NotImplementedError, match="got 4D input, but trilinear mode needs 5D"):
        F.interpolate(x, size=3, mode="trilinear")
    with pytest.raises(NotImplementedError, match="only 3-D, 4-D and 5-D"):
        F.interpolate(ag.zeros(2, 4), size=3)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(3, 3, 3))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(ValueError, match="anti-alias option is restricted"):
        F.interpolate(ag.zeros(1, 1, 4), size=3, mode="linear", antialias=True)
    with pytest.raises(NotImplementedError, match="mode 'lanczos'"):
        F.interpolate(x, size=3, mode="lanczos")
    with pytest.raises(ValueError, match="output size"):
        F.interpolate(x, scale_factor=0.1)


# -- adaptive max pooling, lp pooling, max unpooling ---------------------------------------------
@needs_torch
@pytest.mark.parametrize("nsp", [1, 2])
def test_adaptive_max_pool_matches_pytorch_with_indices(nsp):
    rng = np.random.default_rng(nsp)
    name = f"adaptive_max_pool{nsp}d"
    ours_fn, theirs_fn = getattr(F, name), getattr(TF, name)
    for trial in range(12):
        sizes = tuple(int(v) for v in rng.integers(1, 9, size=nsp))
        out = tuple(int(v) for v in rng.integers(1, 7, size=nsp))
        arg = out[0] if nsp == 1 else ((None, out[1]) if trial % 4 == 0 else out)
        x = _rand(2, 3, *sizes) if trial % 3 else _rand(3, *sizes)
        if trial == 5:  # ties: the first maximum in the window is chosen, as PyTorch does
            x = np.round(x)
        _compare(lambda x, a=arg: ours_fn(x, a), lambda x, a=arg: theirs_fn(x, a), [x],
                 (0,), second=False)  # piecewise linear: no second derivative
        _, ours = getattr(F, name)(ag.tensor(x), arg, return_indices=True)
        _, theirs = getattr(TF, name)(torch.tensor(x), arg, return_indices=True)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == np.int64


@needs_torch
@pytest.mark.parametrize("nsp", [1, 2])
@pytest.mark.parametrize("norm_type", [1, 2, 3.5])
def test_lp_pool_matches_pytorch(nsp, norm_type):
    rng = np.random.default_rng(int(norm_type * 10) + nsp)
    ours_fn, theirs_fn = getattr(F, f"lp_pool{nsp}d"), getattr(TF, f"lp_pool{nsp}d")
    for _ in range(4):
        sizes = tuple(int(v) for v in rng.integers(3, 8, size=nsp))
        k = tuple(int(v) for v in rng.integers(1, 4, size=nsp))
        s = None if rng.integers(2) else tuple(int(v) for v in rng.integers(1, 3, size=nsp))
        ceil = bool(rng.integers(2))
        k_, s_ = (k[0], None if s is None else s[0]) if nsp == 1 else (k, s)
        x = np.abs(_rand(2, 3, *sizes)) + 0.1
        args = (norm_type, k_, s_, ceil)
        _compare(lambda x, a=args: ours_fn(x, *a), lambda x, a=args: theirs_fn(x, *a), [x],
                 (0,))


@needs_torch
@pytest.mark.parametrize("k, s, p", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 3, 0)])
def test_max_unpool_matches_pytorch(k, s, p):
    x = _rand(2, 3, 7, 6)
    pooled, idx = TF.max_pool2d(torch.tensor(x), k, s, p, return_indices=True)
    size = (2, 3, 7, 6) if k == 2 else (7, 6)  # PyTorch's default can be too small here
    _compare(lambda v: F.max_unpool2d(v, ag.tensor(idx.numpy()), k, s, p, size),
             lambda v: TF.max_unpool2d(v, idx, k, s, p, size), [pooled.numpy()], (0,),
             second=False)
    x1 = _rand(2, 3, 9)
    pooled, idx = TF.max_pool1d(torch.tensor(x1), k, s, p, return_indices=True)
    _compare(lambda v: F.max_unpool1d(v, ag.tensor(idx.numpy()), k, s, p),
             lambda v: TF.max_unpool1d(v, idx, k, s, p), [pooled.numpy()], (0,), second=False)


def test_pooling_round_trip_and_gradchecks():
    x = ag.tensor(_rand(2, 2, 6, 6), requires_grad=True)
    pooled, idx = ag.max_pool2d(x, 2, return_indices=True)
    back = F.max_unpool2d(pooled, idx, 2)
    kept = back.detach().numpy() != 0
    np.testing.assert_array_equal(back.detach().numpy()[kept], x.detach().numpy()[kept])
    assert kept.sum() == pooled.numel()
    assert ag.gradgradcheck(lambda x: F.lp_pool2d(x, 2, 2, ceil_mode=True), (x,))
    y = ag.tensor(np.arange(35.0).reshape(1, 1, 5, 7) % 11, requires_grad=True)
    out, where = F.adaptive_max_pool2d(y, (2, 3), return_indices=True)
    np.testing.assert_array_equal(out.detach().numpy().ravel(),
                                  y.detach().numpy().ravel()[where.numpy().ravel()])
    assert ag.gradcheck(lambda y: F.adaptive_max_pool2d(y, (2, 3)), (y,))
    v = ag.tensor(_rand(1, 2, 3), requires_grad=True)
    where1 = ag.tensor(np.array([[[0, 3, 5], [1, 2, 4]]]))
    assert ag.gradcheck(lambda v: F.max_unpool1d(v, where1, 2), (v,))
    assert ag.gradcheck(lambda v: F.lp_pool1d(v.abs() + 0.5, 3.0, 2, 1), (v,))
    w1 = ag.tensor(_rand(2, 1, 3), requires_grad=True)
    assert ag.gradgradcheck(lambda v, w: F.conv_transpose1d(v, w, stride=3, output_padding=2),
                            (v, w1))


def test_pooling_errors():
    with pytest.raises(ValueError, match="adaptive_max_pool2d: input must have 3 or 4"):
        F.adaptive_max_pool2d(ag.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="output_size needs 2 values"):
        F.adaptive_max_pool2d(ag.zeros(1, 4, 4), (1, 2, 3))
    with pytest.raises(IndexError, match="invalid max index 99"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.tensor(np.array([[[[0, 1], [2, 99]]]])), 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(ag.ones(1, 1, 2, 2), ag.zeros(1, 1, 2, 2, dtype=ag.int64), 2,
                       output_size=(9, 9))
    with pytest.raises(ValueError, match="indices of shape"):
        F.max_unpool1d(ag.ones(1, 1, 2), ag.zeros(1, 1, 3, dtype=ag.int64), 2)


@pytest.mark.parametrize("fn", [
    lambda x: F.conv_transpose2d(x, ag.ones(2, 3, 2, 2), stride=2),
    lambda x: F.conv2d(x, ag.ones(4, 1, 3, 3), groups=2),
    lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
    lambda x: F.unfold(x, 2),
    lambda x: F.adaptive_max_pool2d(x, 3),
    lambda x: F.lp_pool2d(x, 2, 2),
    lambda x: ag.max_pool2d(x, 2),
])
def test_an_empty_batch_runs_both_ways(fn):
    x = ag.zeros(0, 2, 4, 4, requires_grad=True)
    y = fn(x)
    assert y.shape[0] == 0 and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.shape == x.shape
