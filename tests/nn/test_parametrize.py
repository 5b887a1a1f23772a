"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm), the hook-based
nn.utils.weight_norm / spectral_norm, and clip_grad_value_: invariants that hold without PyTorch,
then PyTorch twins in float64 (outputs, gradients, buffers, state dicts), train and eval."""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.utils import parametrizations as P
from nn.utils import parametrize

try:
    import torch
except ImportError:  # pragma: no cover - the invariant tests still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle")
F64 = "float64"


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


class Symmetric(nn.Module):
    """X -> triu(X) + triu(X, 1)^T, with a right inverse (its own upper triangle)."""

    def forward(self, x):
        n = x.shape[0]
        upper = ag.tensor(np.triu(np.ones((n, n))))
        strict = ag.tensor(np.triu(np.ones((n, n)), 1))
        return x * upper + (x * strict).T

    def right_inverse(self, a):
        return a * ag.tensor(np.triu(np.ones(a.shape)))


class Scale(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s

    def forward(self, x):
        return x * self.s


class SplitSum(nn.Module):
    """Two tensors that sum to the weight: right_inverse splits it in halves."""

    def forward(self, a, b):
        return a + b

    def right_inverse(self, w):
        return w * 0.5, w * 0.5


# -- parametrize, without PyTorch ---------------------------------------------------------------
def test_register_moves_the_parameter_and_swaps_the_class():
    m = nn.Linear(4, 4, dtype=F64)
    w0 = m.weight
    parametrize.register_parametrization(m, "weight", Symmetric())
    assert type(m).__name__ == "ParametrizedLinear" and isinstance(m, nn.Linear)
    assert parametrize.type_before_parametrizations(m) is nn.Linear
    assert parametrize.is_parametrized(m) and parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "bias")
    assert m.parametrizations.weight.original is w0  # the same object, upper triangle kept
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    assert [k for k, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original"]
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert "(0): Symmetric()" in repr(m) and repr(m).startswith("ParametrizedLinear(")


def test_gradients_reach_the_original_and_an_optimizer_trains_it():
    m = nn.Linear(3, 3, dtype=F64)
    parametrize.register_parametrization(m, "weight", Symmetric())
    opt = optim.SGD(m.parameters(), lr=0.1)
    x = ag.tensor(rand(5, 3))
    before = m.parametrizations.weight.original.detach().numpy().copy()
    m(x).pow(2).sum().backward()
    g = m.parametrizations.weight.original.grad.numpy()
    assert np.allclose(np.tril(g, -1), 0)  # the lower triangle does not reach the weight
    opt.step()
    assert not np.allclose(m.parametrizations.weight.original.detach().numpy(), before)
    np.testing.assert_allclose(m.weight.detach().numpy(), m.weight.detach().numpy().T)


def test_assignment_goes_through_right_inverse():
    m = nn.Linear(3, 3, dtype=F64)
    parametrize.register_parametrization(m, "weight", Symmetric())
    a = rand(3, 3, seed=1)
    a = a + a.T
    m.weight = ag.tensor(a)
    np.testing.assert_allclose(m.weight.detach().numpy(), a)
    m.weight = nn.Parameter(ag.tensor(a * 2))  # a Parameter too
    np.testing.assert_allclose(m.weight.detach().numpy(), 2 * a)
    assert "weight" not in m._parameters


def test_chained_parametrizations_apply_in_order_and_cached_computes_once():
    m = nn.Linear(3, 3, dtype=F64)
    parametrize.register_parametrization(m, "weight", Symmetric())
    parametrize.register_parametrization(m, "weight", Scale(3.0))
    orig = m.parametrizations.weight.original.detach().numpy()
    sym = np.triu(orig) + np.triu(orig, 1).T
    np.testing.assert_allclose(m.weight.detach().numpy(), 3 * sym)
    assert m.weight is not m.weight
    with parametrize.cached():
        w = m.weight
        assert m.weight is w
    assert m.weight is not w


def test_remove_leaves_the_value_or_the_original():
    m = nn.Linear(3, 3, dtype=F64)
    orig = m.weight
    parametrize.register_parametrization(m, "weight", Scale(2.0))
    raw = orig.detach().numpy().copy()
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and m.weight is orig
    np.testing.assert_allclose(m.weight.detach().numpy(), 2 * raw)
    assert list(m.state_dict()) == ["bias", "weight"] and not hasattr(m, "parametrizations")
    parametrize.register_parametrization(m, "weight", Scale(2.0), unsafe=True)
    parametrize.register_parametrization(m, "bias", Scale(5.0))
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_allclose(m.weight.detach().numpy(), 2 * raw)
    assert type(m).__name__ == "ParametrizedLinear"  # bias is still parametrized
    parametrize.remove_parametrizations(m, "bias")
    assert type(m) is nn.Linear


def test_several_originals_from_right_inverse():
    m = nn.Linear(2, 3, dtype=F64)
    w = m.weight.detach().numpy().copy()
    parametrize.register_parametrization(m, "weight", SplitSum())
    chain = m.parametrizations.weight
    np.testing.assert_allclose(chain.original0.detach().numpy(), w / 2)
    assert isinstance(chain.original1, nn.Parameter)
    np.testing.assert_allclose(m.weight.detach().numpy(), w)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(m, "weight")
    np.testing.assert_allclose(m.weight.detach().numpy(), w)


def test_buffers_can_be_parametrized():
    m = nn.BatchNorm1d(3).double()
    parametrize.register_parametrization(m, "running_var", Scale(2.0))
    assert "parametrizations.running_var.original" in m.state_dict()
    assert "parametrizations.running_var.original" not in dict(m.named_parameters())
    np.testing.assert_allclose(m.running_var.detach().numpy(), 2.0)


def test_parametrize_errors():
    m = nn.Linear(3, 3)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a "
                                         "parametrized element with name 'kernel'"):
        parametrize.register_parametrization(m, "kernel", Scale(1.0))
    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(m, "weight", _Shrink())
    parametrize.register_parametrization(m, "weight", _Shrink(), unsafe=True)
    assert m.weight.shape == (3,)
    with pytest.raises(ValueError, match="does not have a parametrization on bias"):
        parametrize.remove_parametrizations(m, "bias")
    with pytest.raises(RuntimeError, match="_Shrink does not implement right_inverse"):
        m.weight = ag.zeros(3)
    with pytest.raises(TypeError, match="must be an nn.Module"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", lambda w: w)


def test_deepcopy_state_dict_round_trip_and_pickling_refused():
    import copy
    import pickle

    model = nn.Sequential(nn.Linear(3, 4, dtype=F64), nn.Tanh(), nn.Linear(4, 2, dtype=F64))
    P.spectral_norm(model[0])
    P.weight_norm(model[2])
    twin = copy.deepcopy(model)
    assert type(twin[0]).__name__ == "ParametrizedLinear"
    assert twin[0].parametrizations.weight.original is not model[0].parametrizations.weight.original
    opt = optim.Adam(model.parameters(), lr=0.01)
    x = ag.tensor(rand(6, 3))
    for _ in range(3):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    twin.load_state_dict(model.state_dict(), strict=True)
    model.eval()
    twin.eval()
    np.testing.assert_allclose(twin(x).detach().numpy(), model(x).detach().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only "
                                           "supported through state_dict"):
        pickle.dumps(model)


class _Shrink(nn.Module):
    def forward(self, x):
        return x[0]


# -- weight_norm and spectral_norm, without PyTorch ---------------------------------------------
@pytest.mark.parametrize("dim, axes", [(0, (1, 2, 3)), (1, (0, 2, 3)), (None, None),
                                       (-1, None), (3, (0, 1, 2))])
def test_weight_norm_magnitude_is_g(dim, axes):
    conv = nn.Conv2d(2, 4, 3, dtype=F64)
    P.weight_norm(conv, dim=dim)
    g = conv.parametrizations.weight.original0.detach().numpy()
    w = conv.weight.detach().numpy()
    norm = np.sqrt((w**2).sum(axis=axes, keepdims=axes is not None))
    np.testing.assert_allclose(norm, g, rtol=1e-12)
    with ag.no_grad():
        conv.parametrizations.weight.original0.mul_(3.0)
    w3 = conv.weight.detach().numpy()
    np.testing.assert_allclose(w3, 3 * w, rtol=1e-12)


@pytest.mark.parametrize("dim", [2, 5, -3])
def test_weight_norm_dim_out_of_range(dim):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         rf"\[-2, 1\], but got {dim}\)"):
        P.weight_norm(nn.Linear(3, 4), dim=dim)


def test_spectral_norm_of_the_normalized_weight_approaches_one():
    ag.manual_seed(0)
    lin = nn.Linear(20, 30, dtype=F64)
    P.spectral_norm(lin)
    assert lin.parametrizations.weight[0]._u.shape == (30,)
    assert lin.parametrizations.weight[0]._v.shape == (20,)
    for _ in range(30):
        _ = lin.weight  # each training read runs one power iteration
    top = np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False)[0]
    assert top == pytest.approx(1.0, abs=1e-6)


def test_spectral_norm_eval_mode_does_not_update_u_and_v():
    lin = nn.Linear(5, 4, dtype=F64)
    P.spectral_norm(lin, n_power_iterations=2)
    sn = lin.parametrizations.weight[0]
    lin.eval()
    u, v = sn._u.numpy().copy(), sn._v.numpy().copy()
    w1 = lin.weight.detach().numpy()
    w2 = lin.weight.detach().numpy()
    np.testing.assert_array_equal(sn._u.numpy(), u)
    np.testing.assert_array_equal(sn._v.numpy(), v)
    np.testing.assert_array_equal(w1, w2)
    lin.train()
    _ = lin.weight
    assert not np.array_equal(sn._u.numpy(), u)


def test_spectral_norm_of_a_vector_normalizes_it_and_dims_are_checked():
    m = nn.Linear(3, 4, dtype=F64)
    P.spectral_norm(m, "bias")
    assert np.linalg.norm(m.bias.detach().numpy()) == pytest.approx(1.0)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\] but got 2\)"):
        P.spectral_norm(nn.Linear(3, 4), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations=0"):
        P.spectral_norm(nn.Linear(3, 4), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        P.spectral_norm(nn.Linear(3, 4), "kernel")


def test_hook_based_weight_norm_and_spectral_norm_round_trip():
    m = nn.Linear(3, 4, dtype=F64)
    w = m.weight.detach().numpy().copy()
    with pytest.warns(FutureWarning, match="deprecated"):
        nn.utils.weight_norm(m)
    assert list(m.state_dict()) == ["bias", "weight_g", "weight_v"]
    np.testing.assert_allclose(m.weight_g.detach().numpy(),
                               np.linalg.norm(w, axis=1, keepdims=True))
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"), \
            pytest.warns(FutureWarning):
        nn.utils.weight_norm(m)
    nn.utils.remove_weight_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(m.weight.detach().numpy(), w, rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in Linear"):
        nn.utils.remove_weight_norm(m)

    nn.utils.spectral_norm(m)
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    for _ in range(40):
        m(ag.tensor(rand(2, 3)))
    assert np.linalg.svd(m.weight.detach().numpy(), compute_uv=False)[0] == pytest.approx(
        1.0, abs=1e-6)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(m)
    nn.utils.remove_spectral_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in Linear"):
        nn.utils.remove_spectral_norm(m)


def test_clip_grad_value_clamps_every_element():
    a = ag.tensor(np.zeros(4), requires_grad=True)
    b = ag.tensor(np.zeros((2, 2)), requires_grad=True)
    (a * ag.tensor(np.array([-3.0, -0.5, 0.5, 3.0]))).sum().backward()
    (b * ag.tensor(np.array([[10.0, -10.0], [0.1, 0.0]]))).sum().backward()
    c = ag.tensor(np.zeros(2), requires_grad=True)  # no gradient: skipped
    assert nn.utils.clip_grad_value_([a, b, c], 1.0, foreach=True) is None
    np.testing.assert_array_equal(a.grad.numpy(), [-1, -0.5, 0.5, 1])
    np.testing.assert_array_equal(b.grad.numpy(), [[1, -1], [0.1, 0]])
    nn.utils.clip_grad_value_(a, 0.25)
    np.testing.assert_array_equal(a.grad.numpy(), [-0.25, -0.25, 0.25, 0.25])


# -- PyTorch twins ------------------------------------------------------------------------------
def _sd(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def _assert_state_equal(ours, theirs, rtol=1e-12):
    o, t = _sd(ours), _sd(theirs)
    assert list(o) == list(t)
    for k in t:
        np.testing.assert_allclose(o[k], t[k], rtol=rtol, atol=1e-13, err_msg=k)


def _assert_grads_equal(ours, theirs, rtol=1e-10):
    o = dict(ours.named_parameters())
    t = dict(theirs.named_parameters())
    assert list(o) == list(t)
    for k in t:
        np.testing.assert_allclose(o[k].grad.numpy(), t[k].grad.numpy(), rtol=rtol, atol=1e-12,
                                   err_msg=k)


def _twins(kind):
    if kind == "linear":
        return nn.Linear(5, 4, dtype=F64), torch.nn.Linear(5, 4, dtype=torch.float64), (3, 5)
    if kind == "conv":
        return (nn.Conv2d(2, 3, 3, dtype=F64), torch.nn.Conv2d(2, 3, 3, dtype=torch.float64),
                (2, 2, 5, 5))
    if kind == "conv1d":
        return (nn.Conv1d(3, 4, 2, dtype=F64), torch.nn.Conv1d(3, 4, 2, dtype=torch.float64),
                (2, 3, 6))
    raise AssertionError(kind)


def _step_both(ours, theirs, shape, steps=4, seed=0):
    """Forward, backward and an SGD step on each twin, comparing as they go."""
    o_opt = optim.SGD(ours.parameters(), lr=0.05, momentum=0.9)
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9)
    for i in range(steps):
        x = rand(*shape, seed=seed + i)
        out_o = ours(ag.tensor(x))
        out_t = theirs(torch.tensor(x))
        np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=f"output at step {i}")
        (out_o**2).sum().backward()
        (out_t**2).sum().backward()
        _assert_grads_equal(ours, theirs)
        o_opt.step()
        t_opt.step()
        o_opt.zero_grad()
        t_opt.zero_grad()
        _assert_state_equal(ours, theirs, rtol=1e-9)


@needs_torch
@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
def test_weight_norm_matches_torch(kind, dim):
    ours, theirs, shape = _twins(kind)
    P.weight_norm(ours, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    ours.load_state_dict(_sd(theirs), strict=True)
    _assert_state_equal(ours, theirs)
    _step_both(ours, theirs, shape)
    ours.eval()
    theirs.eval()
    _step_both(ours, theirs, shape, steps=2, seed=10)


@needs_torch
@pytest.mark.parametrize("kind, dim", [("linear", None), ("linear", 1), ("conv", None),
                                       ("conv", 1), ("conv", -1), ("conv1d", 2)])
@pytest.mark.parametrize("n_iter", [1, 3])
def test_spectral_norm_matches_torch_train_and_eval(kind, dim, n_iter):
    ours, theirs, shape = _twins(kind)
    P.spectral_norm(ours, n_power_iterations=n_iter, dim=dim, eps=1e-10)
    torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=n_iter, dim=dim,
                                                  eps=1e-10)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(_sd(theirs), strict=True)  # PyTorch's u and v, as its random draw
    _step_both(ours, theirs, shape)
    ours.eval()
    theirs.eval()
    frozen = _sd(ours)
    _step_both(ours, theirs, shape, steps=2, seed=10)
    sn = ours.parametrizations.weight[0]
    np.testing.assert_array_equal(sn._u.numpy(), frozen["parametrizations.weight.0._u"])


@needs_torch
def test_custom_parametrizations_match_torch_and_remove_like_it():
    class TSymmetric(torch.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(0, 1)

        def right_inverse(self, a):
            return a.triu()

    class TSplitSum(torch.nn.Module):
        def forward(self, a, b):
            return a + b

        def right_inverse(self, w):
            return w * 0.5, w * 0.5

    ours, theirs = nn.Linear(4, 4, dtype=F64), torch.nn.Linear(4, 4, dtype=torch.float64)
    ours.load_state_dict(_sd(theirs))
    parametrize.register_parametrization(ours, "weight", Symmetric())
    parametrize.register_parametrization(ours, "bias", SplitSum())
    torch.nn.utils.parametrize.register_parametrization(theirs, "weight", TSymmetric())
    torch.nn.utils.parametrize.register_parametrization(theirs, "bias", TSplitSum())
    _assert_state_equal(ours, theirs)
    assert repr(ours).replace("Symmetric", "S").replace("SplitSum", "P") == repr(
        theirs).replace("TSymmetric", "S").replace("TSplitSum", "P")
    _step_both(ours, theirs, (3, 4))
    a = rand(4, 4, seed=5)
    ours.weight = ag.tensor(a + a.T)
    with torch.no_grad():
        theirs.weight = torch.tensor(a + a.T)
    _assert_state_equal(ours, theirs)
    parametrize.remove_parametrizations(ours, "weight", leave_parametrized=False)
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(ours, "bias")
    torch.nn.utils.parametrize.remove_parametrizations(theirs, "bias")
    _assert_state_equal(ours, theirs)
    assert type(ours).__name__ == type(theirs).__name__ == "Linear"


@needs_torch
@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_hook_based_weight_norm_matches_torch(kind, dim):
    ours, theirs, shape = _twins(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nn.utils.weight_norm(ours, dim=dim)
        torch.nn.utils.weight_norm(theirs, dim=dim)
    ours.load_state_dict(_sd(theirs), strict=True)
    _step_both(ours, theirs, shape)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    _assert_state_equal(ours, theirs)


@needs_torch
@pytest.mark.parametrize("kind, dim", [("linear", None), ("conv", None), ("conv", 1)])
@pytest.mark.parametrize("n_iter", [1, 2])
def test_hook_based_spectral_norm_matches_torch(kind, dim, n_iter):
    ours, theirs, shape = _twins(kind)
    nn.utils.spectral_norm(ours, n_power_iterations=n_iter, dim=dim)
    torch.nn.utils.spectral_norm(theirs, n_power_iterations=n_iter, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(_sd(theirs), strict=True)
    _step_both(ours, theirs, shape)
    ours.eval()
    theirs.eval()
    _step_both(ours, theirs, shape, steps=2, seed=7)
    nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    _assert_state_equal(ours, theirs)


@needs_torch
def test_clip_grad_value_matches_torch():
    grads = [rand(3, 4, seed=1) * 3, rand(5, seed=2)]
    ours = [ag.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        (o * ag.tensor(g)).sum().backward()
        (t * torch.tensor(g)).sum().backward()
    nn.utils.clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


@needs_torch
@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_parametrized_recurrent_weights_match_torch_under_cached(cls):
    """Each read of a parametrized weight recomputes it (a power iteration for spectral_norm),
    and PyTorch's recurrent modules read their weights more than once per call, so both sides
    run under cached(): one evaluation per forward, as recurrent models should."""
    ours = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True, dtype=F64)
    theirs = getattr(torch.nn, cls)(3, 4, num_layers=2, bidirectional=True,
                                    dtype=torch.float64)
    P.weight_norm(ours, "weight_hh_l0")
    torch.nn.utils.parametrizations.weight_norm(theirs, "weight_hh_l0")
    P.spectral_norm(ours, "weight_ih_l1_reverse")
    torch.nn.utils.parametrizations.spectral_norm(theirs, "weight_ih_l1_reverse")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(_sd(theirs), strict=True)
    for step in range(2):
        x = rand(5, 2, 3, seed=step)
        with parametrize.cached():
            y_o, _ = ours(ag.tensor(x))
        with torch.nn.utils.parametrize.cached():
            y_t, _ = theirs(torch.tensor(x))
        np.testing.assert_allclose(y_o.detach().numpy(), y_t.detach().numpy(), rtol=1e-10,
                                   atol=1e-13)
        y_o.pow(2).sum().backward()
        y_t.pow(2).sum().backward()
        _assert_grads_equal(ours, theirs)
        _assert_state_equal(ours, theirs)
