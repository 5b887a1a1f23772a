"""The surface PyTorch programs touch first: dtypes and promotion, devices, `.data`, in-place
methods, NumPy interoperability, everyday Tensor methods, and clear errors for what is absent.

Promotion is compared with torch.result_type when PyTorch is installed; the closed-form cases
below hold without it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_core as ag
import nn

try:
    import torch
except ImportError:  # the oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (torch==2.13.0) not installed")

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]


def _np_dtype(name: str) -> np.dtype:
    return np.dtype(np.bool_ if name == "bool" else name)


def _ours(name: str, shape: tuple) -> ag.Tensor:
    return ag.tensor(np.ones(shape, dtype=_np_dtype(name)))


# -- dtypes and promotion -------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("op", ["add", "mul", "sub", "div", "maximum", "where"])
@pytest.mark.parametrize("other", ["tensor", "0-d", "scalar"])
def test_promotion_table_equals_torch_result_type(op: str, other: str) -> None:
    if op == "maximum" and other == "scalar":
        pytest.skip("torch.maximum takes Tensors only")
    wrong = []
    scalars = [True, 3, 2.5]
    for a in DTYPES:
        partners = DTYPES if other != "scalar" else scalars
        for b in partners:
            if op == "sub" and (a == "bool" or b in ("bool", True)):
                continue  # torch refuses subtraction of bools
            ta = torch.ones(3, dtype=getattr(torch, a))
            oa = _ours(a, (3,))
            if other == "scalar":
                tb, ob = b, b
            else:
                shape = (3,) if other == "tensor" else ()
                tb, ob = torch.ones(shape, dtype=getattr(torch, b)), _ours(b, shape)
            if op == "where":
                cond = torch.tensor([True, False, True])
                expected = torch.where(cond, ta, tb).dtype
                got = ag.where(ag.tensor([True, False, True]), oa, ob).dtype
            else:
                expected = getattr(torch, op)(ta, tb).dtype
                got = getattr(ag, op)(oa, ob).dtype
            if str(expected).replace("torch.", "") != got.name:
                wrong.append(f"{a} {op} {b!r}: torch {expected}, ours {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("a", "b", "expected"), [
    (np.float32, np.int64, np.float32),
    (np.uint8, np.int8, np.int16),
    (np.bool_, np.uint8, np.uint8),
    (np.int32, np.int64, np.int64),
])
def test_promote_types_closed_forms(a: type, b: type, expected: type) -> None:
    assert ag.promote_types(np.dtype(a), np.dtype(b)) == np.dtype(expected)


def test_weak_python_numbers_and_zero_dim_tensors() -> None:
    f32 = ag.ones(3)
    assert (f32 + 2.5).dtype == ag.float32
    assert (f32 + ag.tensor(2.5, dtype=ag.float64)).dtype == ag.float32  # a 0-d Tensor is weak
    assert (ag.ones(3, dtype=ag.int32) + ag.tensor(2.5, dtype=ag.float64)).dtype == ag.float64
    assert (ag.ones(3, dtype=ag.int64) + 2.5).dtype == ag.float32
    assert (f32 ** ag.ones(3, dtype=ag.int64)).dtype == ag.float32
    assert (ag.arange(3) / ag.arange(1, 4)).dtype == ag.float32  # true division of integers
    assert (ag.arange(3) ** 2.5).dtype == ag.float32
    assert ag.exp(ag.arange(3)).dtype == ag.float32
    assert ag.exp(ag.tensor([True])).dtype == ag.float32


def test_set_default_dtype_changes_python_floats_and_creation() -> None:
    assert ag.get_default_dtype() == ag.float32
    try:
        ag.set_default_dtype(ag.float64)
        assert ag.tensor([1.5]).dtype == ag.float64
        assert ag.zeros(2).dtype == ag.float64
        assert (ag.arange(3) / 2).dtype == ag.float64
    finally:
        ag.set_default_dtype(ag.float32)
    with pytest.raises(TypeError, match="floating"):
        ag.set_default_dtype(ag.int64)


def test_dtype_aliases_are_pytorch_names() -> None:
    assert ag.float == ag.float32 and ag.double == ag.float64 and ag.half == ag.float16
    assert ag.long == ag.int64 and ag.int == ag.int32 and ag.short == ag.int16
    assert ag.bool == np.bool_ and ag.uint8 == np.uint8 and ag.int8 == np.int8
    assert ag.ones(2, dtype=ag.long).dtype == np.int64


def test_layers_refuse_a_dtype_mismatch_as_pytorch_does() -> None:
    layer = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match="same dtype"):
        layer(ag.tensor(np.ones((1, 2))))
    with pytest.raises(RuntimeError, match="should be the same"):
        nn.Conv1d(1, 1, 2)(ag.tensor(np.ones((1, 1, 4))))
    with pytest.raises(RuntimeError, match="same dtype"):
        ag.ones(2, 3) @ ag.ones(3, 2, dtype=ag.float64)
    assert layer.double()(ag.tensor(np.ones((1, 2)))).dtype == ag.float64


# -- devices ----------------------------------------------------------------------------------
CREATORS = [
    lambda d: ag.tensor([1.0], device=d), lambda d: ag.zeros(2, device=d),
    lambda d: ag.ones(2, device=d), lambda d: ag.empty(2, device=d),
    lambda d: ag.full((2,), 1.0, device=d), lambda d: ag.arange(3, device=d),
    lambda d: ag.linspace(0, 1, 3, device=d), lambda d: ag.eye(2, device=d),
    lambda d: ag.rand(2, device=d), lambda d: ag.randn(2, device=d),
    lambda d: ag.randint(0, 3, (2,), device=d), lambda d: ag.randperm(3, device=d),
    lambda d: ag.zeros_like(ag.ones(2), device=d), lambda d: ag.ones_like(ag.ones(2), device=d),
    lambda d: ag.full_like(ag.ones(2), 3.0, device=d), lambda d: ag.as_tensor([1.0], device=d),
]


@pytest.mark.parametrize("make", CREATORS)
def test_every_creation_function_takes_the_cpu_and_refuses_cuda(make) -> None:
    for d in ("cpu", ag.device("cpu"), "cpu:0", None):
        assert make(d).device == ag.device("cpu")
    with pytest.raises(RuntimeError, match="no 'cuda' device"):
        make("cuda")


def test_to_in_all_of_pytorchs_forms() -> None:
    x = ag.ones(2, requires_grad=True)
    assert x.to("cpu") is x and x.to(ag.device("cpu")) is x and x.cpu() is x
    assert x.to(ag.float64).dtype == ag.float64
    assert x.to("cpu", ag.float64).dtype == ag.float64
    assert x.to(device="cpu", dtype=ag.double).dtype == ag.float64
    assert x.to(ag.zeros(1, dtype=ag.float16)).dtype == ag.float16
    y = x.to(ag.float32, copy=True)
    assert y is not x and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])  # the cast is differentiable
    with pytest.raises(RuntimeError, match="not available"):
        x.cuda()
    with pytest.raises(RuntimeError, match="not available"):
        nn.Linear(1, 1).to("cuda")
    assert not ag.cuda.is_available() and ag.cuda.device_count() == 0
    assert not ag.accelerator.is_available()
    assert str(ag.device("cpu")) == "cpu" and repr(ag.device("cpu")) == "device(type='cpu')"


# -- .data ----------------------------------------------------------------------------------
def test_data_is_a_tensor_sharing_memory_that_records_nothing() -> None:
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    d = w.data
    assert isinstance(d, ag.Tensor) and not d.requires_grad and d.grad_fn is None
    w.data -= 0.1 * w.grad  # micrograd's and older PyTorch's update line
    np.testing.assert_allclose(w.numpy() if not w.requires_grad else w.detach().numpy(),
                               [0.8, 1.6], rtol=1e-6)
    assert w.is_leaf and w.requires_grad
    w.grad.data.zero_()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    w.data = ag.tensor([5.0, 6.0])  # replacing the values, as PyTorch allows
    np.testing.assert_array_equal(w.detach().numpy(), [5.0, 6.0])


def test_in_place_methods_change_the_tensor_itself() -> None:
    x = ag.zeros(4)
    alias = x
    x.fill_(2.0).add_(ag.ones(4), alpha=3).mul_(2).sub_(1).div_(2)
    np.testing.assert_allclose(alias.numpy(), [4.5] * 4)
    x.masked_fill_(ag.tensor([True, False, True, False]), 0.0).clamp_(1, 3)
    np.testing.assert_allclose(alias.numpy(), [1, 3, 1, 3])
    x.pow_(2).sqrt_().neg_().abs_()
    np.testing.assert_allclose(alias.numpy(), [1, 3, 1, 3])
    ag.manual_seed(0)
    x.normal_(0, 1).uniform_(0, 1)
    assert ((alias.numpy() >= 0) & (alias.numpy() < 1)).all()
    ints = ag.zeros(2, dtype=ag.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        ints.exp_()


# -- NumPy interoperability ------------------------------------------------------------------
def test_numpy_ufuncs_and_functions_differentiate() -> None:
    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64)
    g = ag.grad(lambda t: np.sum(np.tanh(t) ** 2))(x)
    np.testing.assert_allclose(g.numpy(), 2 * np.tanh(x.numpy()) / np.cosh(x.numpy()) ** 2)
    y = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = np.mean(np.concatenate([y, np.exp(y)], axis=0), axis=1)
    assert isinstance(out, ag.Tensor) and out.shape == (4,)
    out.sum().backward()
    expected = (1 + np.exp(np.arange(6.0).reshape(2, 3))) / 3
    np.testing.assert_allclose(y.grad.numpy(), expected)


def test_an_ndarray_updated_in_place_with_a_tensor_records_nothing() -> None:
    a = np.ones(3)
    t = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with ag.no_grad():
        a -= t
    assert type(a) is np.ndarray
    np.testing.assert_array_equal(a, [0.0, -1.0, -2.0])


def test_numpy_without_a_gradient_rule_refuses_a_tensor_that_requires_grad() -> None:
    x = ag.tensor([1.5, 2.5], requires_grad=True)
    with pytest.raises(TypeError, match="numpy.floor has no gradient rule"):
        np.floor(x)
    assert np.shape(x) == (2,)  # metadata passes
    np.testing.assert_array_equal(np.floor(x.detach()).numpy(), [1.0, 2.0])


# -- everyday methods -------------------------------------------------------------------------
def test_everyday_methods() -> None:
    x = ag.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert x.eq(1).tolist() == [[True, False], [False, False]]
    assert x.gt(0).any().item() and not x.gt(0).all().item()
    assert x.nonzero().tolist() == [[0, 0], [1, 1]]
    assert x.equal(x.clone()) and not x.equal(x[0])
    assert x.isclose(x + 1e-9).all().item()
    assert x.view_as(ag.zeros(4)).shape == (4,) and x.reshape_as(ag.zeros(1, 4)).shape == (1, 4)
    assert x.type_as(ag.zeros(1, dtype=ag.int64)).dtype == ag.int64
    assert x.new_zeros(3).dtype == x.dtype and x.new_ones(2, 2).shape == (2, 2)
    assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0] and x.new_tensor([1]).dtype == x.dtype
    assert x.dim() == 2 and x.element_size() == 4 and x.nbytes == 16
    assert f"{ag.tensor(3.14159):.3f}" == "3.142"
    with pytest.raises(TypeError):
        f"{x:.3f}"


def test_from_numpy_shares_memory_and_as_tensor_avoids_copies() -> None:
    a = np.zeros(3, dtype=np.float32)
    t = ag.from_numpy(a)
    a[0] = 5.0
    assert t[0].item() == 5.0
    assert ag.as_tensor(t) is t
    s = ag.as_tensor(a)
    s.add_(1)
    assert a[1] == 1.0
    with ag.inference_mode():
        assert not (ag.ones(1, requires_grad=True) * 2).requires_grad


def test_absent_features_say_so_and_name_what_works() -> None:
    with pytest.raises(TypeError, match="complex numbers are not supported"):
        ag.tensor([1 + 2j])
    with pytest.raises(NotImplementedError, match="two real Tensors"):
        ag.zeros(2, dtype=ag.complex64)
    with pytest.raises(NotImplementedError, match="dense Tensor"):
        ag.sparse_coo_tensor([[0]], [1.0], (1,))


@needs_torch
def test_promotion_results_equal_torch_values() -> None:
    """Not only the dtypes: mixed-dtype arithmetic gives PyTorch's numbers."""
    for a, b in itertools.product(["int32", "float32", "float64"], repeat=2):
        ta = torch.arange(1, 4, dtype=getattr(torch, a))
        tb = torch.arange(2, 5, dtype=getattr(torch, b))
        oa, ob = ag.tensor(ta.numpy()), ag.tensor(tb.numpy())
        np.testing.assert_allclose((oa / ob).numpy(), (ta / tb).numpy(), rtol=1e-6)


# -- generators, save and load, autograd.grad's options ------------------------------------
def test_a_generator_is_a_stream_of_its_own() -> None:
    g = ag.Generator().manual_seed(7)
    first = ag.randn(5, generator=g).numpy()
    ag.manual_seed(0)
    ag.rand(3)  # the global stream moves; g's does not
    again = ag.randn(5, generator=ag.Generator().manual_seed(7)).numpy()
    np.testing.assert_array_equal(first, again)
    assert g.initial_seed() == 7
    state = g.get_state()
    assert state.dtype == np.uint8 and state.shape == (40,)
    after = [ag.rand(4, generator=g).numpy(), ag.randint(0, 10, (6,), generator=g).numpy(),
             ag.randperm(8, generator=g).numpy(), ag.empty(3).normal_(generator=g).numpy()]
    g.set_state(state)
    replay = [ag.rand(4, generator=g).numpy(), ag.randint(0, 10, (6,), generator=g).numpy(),
              ag.randperm(8, generator=g).numpy(), ag.empty(3).normal_(generator=g).numpy()]
    for a, b in zip(after, replay):
        np.testing.assert_array_equal(a, b)
    assert ag.Generator().manual_seed(-1).initial_seed() == 2**64 - 2  # PyTorch's mapping


def test_generator_errors_name_the_fault() -> None:
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.Generator(device="cuda")
    with pytest.raises(TypeError, match="randn: generator must be"):
        ag.randn(2, generator=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="40 bytes"):
        ag.Generator().set_state(ag.zeros(3, dtype=ag.uint8))


def test_dataloader_and_random_split_draw_from_a_generator() -> None:
    ds = nn.data.TensorDataset(ag.arange(10))

    def orders(seed: int) -> list[list[int]]:
        loader = nn.data.DataLoader(ds, batch_size=10, shuffle=True,
                                    generator=ag.Generator().manual_seed(seed))
        return [next(iter(loader))[0].tolist() for _ in range(3)]

    a, b = orders(3), orders(3)
    assert a == b and a[0] != a[1]  # reproducible, and a new order each epoch
    assert sorted(a[0]) == list(range(10))
    parts = nn.data.random_split(ds, [6, 4], generator=ag.Generator().manual_seed(1))
    again = nn.data.random_split(ds, [6, 4], generator=ag.Generator().manual_seed(1))
    assert [list(p.indices) for p in parts] == [list(p.indices) for p in again]
    with pytest.raises(ValueError, match="not both"):
        nn.data.DataLoader(ds, shuffle=True, seed=0, generator=ag.Generator())


def test_save_and_load_take_torch_arguments(tmp_path) -> None:
    assert ag.save is nn.save and ag.load is nn.load
    state = {"w": ag.randn(2, 3), "step": 4}
    ag.save(state, tmp_path / "c.pt")
    for kwargs in ({}, {"weights_only": True}, {"weights_only": False},
                   {"map_location": "cpu"}, {"map_location": ag.device("cpu")},
                   {"map_location": {"cuda:0": "cpu"}}):
        back = ag.load(tmp_path / "c.pt", **kwargs)
        np.testing.assert_array_equal(back["w"].numpy(), state["w"].numpy())
        assert back["step"] == 4
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.load(tmp_path / "c.pt", map_location="cuda")


def test_autograd_grad_options() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([3.0], requires_grad=True)
    (gx,) = ag.autograd.grad((x ** 2).sum(), x, only_inputs=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    gx, gy = ag.autograd.grad((x ** 3).sum(), [x, y], materialize_grads=True)
    np.testing.assert_allclose(gy.numpy(), [0.0])
    with pytest.raises(ValueError, match="materialize_grads"):
        ag.autograd.grad((x ** 3).sum(), [x, y], allow_unused=False, materialize_grads=True)
    # is_grads_batched: rows of a Jacobian in one call, the rows of the identity as cotangents
    out = ag.stack([x[0] * x[1], ag.sin(x[0]) + x[1] ** 2])
    (jac,) = ag.autograd.grad(out, x, ag.eye(2), is_grads_batched=True)
    a, b = 1.0, 2.0
    np.testing.assert_allclose(jac.numpy(), [[b, a], [np.cos(a), 2 * b]])


@needs_torch
def test_batched_grads_match_torch() -> None:
    rng = np.random.default_rng(0)
    w, cotangents = rng.standard_normal((3, 4)), rng.standard_normal((5, 3, 3))
    ours = ag.tensor(w, requires_grad=True)
    (g,) = ag.autograd.grad(ag.tanh(ours @ ours.T), ours, ag.tensor(cotangents),
                            is_grads_batched=True, create_graph=True)
    theirs = torch.tensor(w, requires_grad=True)
    (e,) = torch.autograd.grad(torch.tanh(theirs @ theirs.T), theirs, torch.tensor(cotangents),
                               is_grads_batched=True, create_graph=True)
    assert g.shape == (5, 3, 4)
    np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), rtol=1e-12)
    (gg,) = ag.autograd.grad((g ** 2).sum(), ours)
    (ee,) = torch.autograd.grad((e ** 2).sum(), theirs)
    np.testing.assert_allclose(gg.numpy(), ee.numpy(), rtol=1e-10)
