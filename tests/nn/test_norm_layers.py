"""GroupNorm, InstanceNorm1d/2d/3d, LocalResponseNorm and RMSNorm against their PyTorch twins
(weights and buffers loaded with strict=True from the twin's state_dict as NumPy arrays;
outputs, input and parameter gradients in float64 and float32, train and eval; InstanceNorm's
running statistics step for step), plus the checks that need no torch."""

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


def _load_twin(ours, theirs, dtype):
    theirs.to(getattr(torch, np.dtype(dtype).name))
    ours.to(dtype)
    with torch.no_grad():  # weights that are not the default, so the affine part is tested
        for i, p in enumerate(theirs.parameters()):
            p.copy_(torch.tensor(_randn(*p.shape, seed=10 + i)))
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict(sd, strict=True)


def step(ours, theirs, x, dtype, train, seed=1):
    """One forward and backward through both; compares output and gradients, then zeroes."""
    ours.train(train)
    theirs.train(train)
    x = x.astype(dtype)
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_o, out_t = ours(xo), theirs(xt)
    tol = _tol(dtype)
    assert out_o.shape == tuple(out_t.shape)
    np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), **tol)
    proj = _randn(*out_t.shape, seed=seed).astype(dtype)
    (out_o * ag.tensor(proj)).sum().backward()
    (out_t * torch.tensor(proj)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **tol)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), err_msg=name, **tol)
    tb = dict(theirs.named_buffers())
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(np.asarray(b.numpy()), tb[name].numpy(), err_msg=name, **tol)
    ours.zero_grad()
    theirs.zero_grad()


def check(cls, args, kwargs, shape, dtype=np.float64, modes=(True, False)):
    torch.manual_seed(0)
    ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    _load_twin(ours, theirs, dtype)
    for i, train in enumerate(modes):
        step(ours, theirs, _randn(*shape, seed=100 + i) * 2 + 0.5, dtype, train, seed=i)
    return ours, theirs


CASES = [
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (3, 6), dict(affine=False), (2, 6, 3, 4)),
    ("GroupNorm", (1, 4), dict(eps=1e-3, bias=False), (2, 4)),
    ("GroupNorm", (4, 4), {}, (2, 4, 2, 3, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 6)),
    ("InstanceNorm1d", (3,), dict(affine=True), (3, 7)),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 6)),
    ("InstanceNorm2d", (4,), dict(track_running_stats=True, momentum=0.3), (2, 4, 3, 5)),
    ("InstanceNorm2d", (4,), dict(affine=True, bias=False, eps=1e-3), (2, 4, 3, 5)),
    ("InstanceNorm2d", (2,), dict(track_running_stats=True, affine=True), (2, 3, 4)),
    ("InstanceNorm3d", (2,), dict(affine=True, track_running_stats=True), (2, 2, 3, 2, 4)),
    ("InstanceNorm3d", (2,), dict(track_running_stats=True, momentum=None), (2, 3, 2, 4)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 4)),
    ("LocalResponseNorm", (2,), dict(alpha=0.5, beta=0.6, k=2.0), (2, 6, 3, 4)),
    ("LocalResponseNorm", (5,), dict(alpha=1e-2), (2, 4, 2, 2, 3)),
    ("RMSNorm", (5,), {}, (3, 5)),
    ("RMSNorm", ((3, 4),), dict(eps=1e-3), (2, 5, 3, 4)),
    ("RMSNorm", ([4],), dict(elementwise_affine=False), (2, 3, 4)),
    ("RMSNorm", (4,), dict(eps=None), (4,)),
]


@needs_torch
@pytest.mark.parametrize("cls,args,kwargs,shape", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch_in_train_and_eval(cls, args, kwargs, shape, dtype):
    check(cls, args, kwargs, shape, dtype)


@needs_torch
@pytest.mark.parametrize("cls,kwargs,shape", [
    ("InstanceNorm1d", dict(track_running_stats=True), (4, 3, 5)),
    ("InstanceNorm2d", dict(track_running_stats=True, affine=True, momentum=0.5), (2, 3, 4, 4)),
    ("InstanceNorm3d", dict(track_running_stats=True, momentum=None), (2, 3, 2, 2, 3)),
])
def test_instance_norm_running_stats_over_steps(cls, kwargs, shape):
    """Several training steps move the running statistics as PyTorch moves them (never
    num_batches_tracked); eval then normalizes with them."""
    torch.manual_seed(0)
    ours, theirs = getattr(nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
    _load_twin(ours, theirs, np.float64)
    for i in range(4):
        step(ours, theirs, _randn(*shape, seed=i) * (i + 1) + i, np.float64, True, seed=i)
    assert int(ours.num_batches_tracked.numpy()) == int(theirs.num_batches_tracked) == 0
    step(ours, theirs, _randn(*shape, seed=9), np.float64, False)
    # momentum=None passes 0 to instance_norm in PyTorch: the statistics stay where they began
    assert np.allclose(ours.running_mean.numpy(), 0) == (kwargs["momentum"] is None
                                                         if "momentum" in kwargs else False)


@needs_torch
def test_state_dict_layouts_match_torch():
    pairs = [(nn.GroupNorm(2, 4, bias=False), torch.nn.GroupNorm(2, 4, bias=False)),
             (nn.GroupNorm(2, 4, affine=False), torch.nn.GroupNorm(2, 4, affine=False)),
             (nn.InstanceNorm2d(3), torch.nn.InstanceNorm2d(3)),
             (nn.InstanceNorm3d(3, affine=True, track_running_stats=True),
              torch.nn.InstanceNorm3d(3, affine=True, track_running_stats=True)),
             (nn.RMSNorm((2, 3)), torch.nn.RMSNorm((2, 3))),
             (nn.RMSNorm(3, elementwise_affine=False), torch.nn.RMSNorm(3,
                                                                        elementwise_affine=False)),
             (nn.LocalResponseNorm(2), torch.nn.LocalResponseNorm(2))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        mine = ours.state_dict()
        assert list(mine) == list(theirs.state_dict())
        for k, v in theirs.state_dict().items():
            assert mine[k].shape == tuple(v.shape), k
            np.testing.assert_array_equal(np.asarray(mine[k].numpy()), v.numpy())


# -- without torch --------------------------------------------------------------------------
def test_defaults_and_buffers():
    g = nn.GroupNorm(2, 6)
    assert list(g.state_dict()) == ["weight", "bias"]
    assert g.weight.detach().numpy().tolist() == [1.0] * 6
    assert g.bias.detach().numpy().tolist() == [0.0] * 6
    assert g.weight.dtype == np.float32
    i = nn.InstanceNorm2d(3)
    assert (i.affine, i.track_running_stats, i.momentum, i.eps) == (False, False, 0.1, 1e-5)
    assert i.state_dict() == {}
    i = nn.InstanceNorm1d(3, affine=True, track_running_stats=True, dtype=ag.float64)
    sd = i.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var",
                        "num_batches_tracked"]
    assert sd["running_var"].numpy().tolist() == [1.0] * 3
    assert sd["num_batches_tracked"].dtype == np.int64
    assert i.weight.dtype == np.float64
    r = nn.RMSNorm([2, 3])
    assert r.normalized_shape == (2, 3) and r.eps is None
    assert r.weight.shape == (2, 3)
    assert list(nn.RMSNorm(3, elementwise_affine=False).state_dict()) == []


def test_reset_parameters_restores_defaults():
    g = nn.GroupNorm(2, 4)
    i = nn.InstanceNorm1d(4, affine=True, track_running_stats=True)
    r = nn.RMSNorm(4)
    for m in (g, i, r):
        with ag.no_grad():
            for p in m.parameters():
                p.fill_(3.0)
    i(ag.randn(2, 4, 5))
    for m in (g, i, r):
        m.reset_parameters()
        assert m.weight.detach().numpy().tolist() == [1.0] * 4
    assert i.running_mean.numpy().tolist() == [0.0] * 4


def test_outputs_are_normalized():
    x = ag.randn(4, 6, 5, 3) * 3 + 2
    y = nn.GroupNorm(3, 6)(x).detach().numpy().reshape(4, 3, -1)
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(-1), 1, atol=1e-3)
    y = nn.InstanceNorm2d(6)(x).numpy().reshape(4, 6, -1)
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-5)
    y = nn.RMSNorm(3)(x).detach().numpy()
    np.testing.assert_allclose((y ** 2).mean(-1), 1, atol=1e-4)
    y = nn.InstanceNorm1d(6)(ag.randn(6, 7))  # unbatched
    assert y.shape == (6, 7)


def test_rms_norm_eps_none_is_the_dtype_epsilon():
    x = ag.tensor(np.zeros((2, 3)) + 1e-9)
    y = nn.RMSNorm(3, elementwise_affine=False)(x).numpy()
    np.testing.assert_allclose(y, 1e-9 / np.sqrt(1e-18 + np.finfo(np.float64).eps))


def test_errors_name_the_module():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(5\) must be divisible by "
                                         r"num_groups \(2\)"):
        nn.GroupNorm(2, 5)
    with pytest.raises(RuntimeError, match=r"GroupNorm: expected input of shape \(N, 4, \*\); "
                                           r"got \(2, 3, 5\)"):
        nn.GroupNorm(2, 4)(ag.randn(2, 3, 5))
    with pytest.raises(RuntimeError, match="GroupNorm: mixed dtype"):
        nn.GroupNorm(2, 4)(ag.randn(2, 4, 5, dtype=ag.float64))
    with pytest.raises(ValueError, match=r"InstanceNorm2d: expected 3D or 4D input \(got 2D"):
        nn.InstanceNorm2d(3)(ag.randn(3, 4))
    with pytest.raises(ValueError, match="InstanceNorm1d: expected input's size at dim=1 to "
                                         r"match num_features \(4\), but got: 3"):
        nn.InstanceNorm1d(4, affine=True)(ag.randn(2, 3, 5))
    with pytest.warns(UserWarning, match="InstanceNorm1d: input's size at dim=1 does not match"):
        nn.InstanceNorm1d(4)(ag.randn(2, 3, 5))
    with pytest.raises(ValueError, match="InstanceNorm1d: .*more than 1 spatial element"):
        nn.InstanceNorm1d(3)(ag.randn(2, 3, 1))
    with pytest.raises(RuntimeError, match=r"RMSNorm: Given normalized_shape=\[3\], expected "
                                           r"input with shape \[\*, 3\], but got input of size "
                                           r"\[2, 4\]"):
        nn.RMSNorm(3)(ag.randn(2, 4))
    with pytest.raises(ValueError, match="LocalResponseNorm: .*3D or higher"):
        nn.LocalResponseNorm(2)(ag.randn(2, 4))
