"""nn.Module and nn.Parameter: registration, traversal, modes, state dicts, dtype casts, hooks,
the module scope the graph drawer reads; and nn.utils (clipping, flat parameter vectors)."""

import copy
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.modes import state


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.scale = nn.Parameter(ag.ones(1))
        self.block = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
        self.register_buffer("steps", ag.zeros(1))
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.block(self.fc1(x).relu()) * self.scale)


# -- Parameter ------------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_that_requires_grad_and_shares_memory():
    t = ag.randn(2, 3)
    p = nn.Parameter(t)
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p._data is t._data
    frozen = nn.Parameter(np.zeros(3), requires_grad=False)
    assert not frozen.requires_grad and frozen.dtype == np.float64
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad._data, np.full((2, 3), 2.0))
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert nn.Parameter().shape == (0,)


def test_parameter_of_an_integer_array_is_refused():
    with pytest.raises(TypeError, match="floating-point"):
        nn.Parameter(np.arange(3))


def test_result_of_an_op_on_a_parameter_is_a_plain_tensor_in_the_graph():
    p = nn.Parameter(ag.ones(2))
    y = p * 3
    assert type(y) is ag.Tensor and not y.is_leaf


# -- registration and traversal -------------------------------------------------------------
def test_attributes_register_in_assignment_order():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias", "block.1.weight",
        "block.1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in net.named_children()] == ["fc1", "block", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "block", "block.0", "block.1",
                                                   "fc2"]
    assert [n for n, _ in net.named_buffers()] == [
        "steps", "block.1.running_mean", "block.1.running_var", "block.1.num_batches_tracked"]
    assert len(list(net.parameters())) == 9
    assert len(list(net.parameters(recurse=False))) == 1
    assert net.num_parameters() == 3 * 4 + 4 + 1 + 16 + 4 + 4 + 4 + 8 + 2


def test_state_dict_orders_own_params_then_buffers_then_children():
    keys = list(Net().state_dict())
    assert keys == ["scale", "steps", "fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias",
                    "block.1.weight", "block.1.bias", "block.1.running_mean",
                    "block.1.running_var", "block.1.num_batches_tracked", "fc2.weight",
                    "fc2.bias"]


def test_state_dict_values_are_detached_tensors_sharing_memory():
    net = Net()
    sd = net.state_dict()
    assert all(isinstance(v, ag.Tensor) and not v.requires_grad for v in sd.values())
    assert sd["fc1.weight"]._data is net.fc1.weight._data
    kept = net.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is net.fc1.weight


def test_shared_parameters_and_modules_are_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert seq.num_parameters() == 6


def test_reassigning_and_deleting_attributes_updates_the_registries():
    net = Net()
    net.fc1 = nn.Linear(3, 4, bias=False)
    assert "fc1.bias" not in dict(net.named_parameters())
    net.fc1 = None
    assert "fc1" not in dict(net.named_children())
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError):
        net.scale  # noqa: B018
    net.steps = ag.ones(1)
    assert net.state_dict()["steps"].item() == 1.0


def test_assigning_a_plain_tensor_over_a_parameter_is_an_error():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        lin.weight = ag.zeros(2, 2)
    lin.bias = None
    assert lin.bias is None and "bias" not in dict(lin.named_parameters())


def test_register_parameter_buffer_and_module_validate_names():
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", nn.Parameter(ag.ones(1)))
    with pytest.raises(TypeError):
        m.register_parameter("w", ag.ones(1))
    m.register_buffer("b", np.zeros(2), persistent=False)
    assert isinstance(m.b, ag.Tensor) and "b" not in m.state_dict()
    assert "b" in dict(m.named_buffers())
    with pytest.raises(TypeError):
        m.add_module("x", object())
    m.add_module("lin", nn.Linear(1, 1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("lin", ag.ones(1))
    assert m.get_submodule("lin") is m.lin and m.get_parameter("lin.weight") is m.lin.weight


def test_assigning_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_missing_forward_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(ag.ones(1))


# -- modes and gradients --------------------------------------------------------------------
def test_train_and_eval_propagate_to_every_submodule():
    net = Net()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError):
        net.train("yes")


def test_zero_grad_sets_to_none_or_zeros_in_place():
    net = Net()
    net(ag.randn(5, 3)).sum().backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert all(g is not None for g in grads.values())
    net.zero_grad(set_to_none=False)
    for n, p in net.named_parameters():
        assert p.grad is grads[n] and not p.grad._data.any()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_false_freezes_the_parameters():
    net = Net()
    net.fc1.requires_grad_(False)
    net(ag.randn(5, 3)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc1.bias.grad is None
    assert net.fc2.weight.grad is not None
    assert net.num_parameters(trainable_only=True) == net.num_parameters() - 16


def test_apply_visits_children_before_parents():
    order = []
    Net().apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "Linear", "BatchNorm1d", "Sequential", "Linear", "Net"]


# -- dtype casts ----------------------------------------------------------------------------
def test_double_and_float_cast_params_grads_and_float_buffers_in_place():
    net = Net()
    weight = net.fc1.weight
    net(ag.randn(4, 3)).sum().backward()
    assert net.double() is net
    assert net.fc1.weight is weight and weight.dtype == np.float64
    assert weight.grad.dtype == np.float64
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.block[1].running_var.dtype == np.float64
    assert net.block[1].num_batches_tracked.dtype == np.int64
    out = net(ag.randn(4, 3, dtype=np.float64))
    assert out.dtype == np.float64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.block[1].running_mean.dtype == np.float32
    net.to(np.float64)
    assert net.fc2.bias.dtype == np.float64
    assert net.to("cpu") is net


# -- load_state_dict ------------------------------------------------------------------------
def _values(model):
    return {k: np.array(v._data, copy=True) for k, v in model.state_dict().items()}


def _assert_untouched(model, before):
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v._data, before[k], err_msg=k)


def test_load_state_dict_round_trip_accepts_tensors_and_numpy_arrays():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va._data, vb._data, err_msg=k)
    c = Net()
    w = c.fc1.weight
    result = c.load_state_dict({k: np.array(v._data) for k, v in a.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert c.fc1.weight is w  # copied in place: optimizers keep their references
    np.testing.assert_array_equal(w._data, a.fc1.weight._data)
    assert c.block[1].num_batches_tracked.dtype == np.int64


@pytest.mark.parametrize("mutate,message", [
    (lambda sd: sd.pop("fc2.bias"), 'Missing key\\(s\\) in state_dict: "fc2.bias"'),
    (lambda sd: sd.__setitem__("extra", np.ones(1)), 'Unexpected key\\(s\\) in state_dict: '
                                                     '"extra"'),
    (lambda sd: sd.__setitem__("fc1.weight", np.ones((4, 4), np.float32)),
     "size mismatch for fc1.weight"),
    (lambda sd: sd.__setitem__("block.1.num_batches_tracked", np.array(1.5)),
     "dtype mismatch for block.1.num_batches_tracked"),
    (lambda sd: sd.__setitem__("fc2.bias", np.array(["a", "b"])), "not numeric"),
])
def test_load_state_dict_errors_leave_the_model_untouched(mutate, message):
    source, target = Net(), Net()
    sd = {k: np.array(v._data) + 1 if v.dtype.kind == "f" else np.array(v._data)
          for k, v in source.state_dict().items()}
    mutate(sd)
    before = _values(target)
    with pytest.raises(RuntimeError, match=message):
        target.load_state_dict(sd)
    _assert_untouched(target, before)


def test_load_state_dict_reports_every_problem_at_once():
    net = Net()
    sd = {k: np.array(v._data) for k, v in net.state_dict().items()}
    sd.pop("scale")
    sd["bogus"] = np.ones(2)
    sd["fc2.weight"] = np.ones((3, 3), np.float32)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    text = str(err.value)
    assert '"scale"' in text and '"bogus"' in text and "fc2.weight" in text


def test_load_state_dict_non_strict_returns_the_mismatched_keys():
    net = Net()
    sd = {k: np.array(v._data) * 0 for k, v in net.state_dict().items() if k != "fc2.bias"}
    sd["other"] = np.ones(1)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["other"]
    assert not net.fc1.weight._data.any() and net.fc2.bias._data.any()
    with pytest.raises(RuntimeError, match="size mismatch"):  # shapes are checked even so
        net.load_state_dict({"fc2.bias": np.ones(5)}, strict=False)


def test_load_state_dict_casts_between_float_widths_like_torch():
    net = Net()
    sd = {k: np.asarray(v._data).astype(np.float64) if v.dtype.kind == "f" else v._data
          for k, v in net.state_dict().items()}
    sd["fc1.bias"] = np.array([1, 2, 3, 4])  # integers into float: a safe cast
    net.load_state_dict(sd)
    assert net.fc1.weight.dtype == np.float32
    np.testing.assert_array_equal(net.fc1.bias._data, [1, 2, 3, 4])


def test_load_state_dict_with_assign_adopts_values():
    net = Net()
    sd = {k: np.array(v._data) for k, v in net.state_dict().items()}
    sd["fc1.weight"] = np.full((4, 3), 7.0, np.float32)
    net.load_state_dict(sd, assign=True)
    assert np.all(net.fc1.weight._data == 7) and net.fc1.weight._data is not sd["fc1.weight"]


def test_loading_after_a_forward_invalidates_that_graph_instead_of_corrupting_it():
    lin = nn.Linear(2, 1)
    out = lin(ag.randn(3, 2)).sum()
    lin.load_state_dict({"weight": np.ones((1, 2), np.float32), "bias": np.zeros(1,
                                                                                   np.float32)})
    with pytest.raises(RuntimeError, match="modified in place"):
        out.backward()


# -- call, scope and hooks ------------------------------------------------------------------
def test_call_pushes_the_module_on_the_scope_stack_during_forward():
    net = Net()
    seen = []

    def hook(module, args, out):
        seen.append(state.scope)

    net.block[0].register_forward_hook(hook)
    out = net(ag.randn(2, 3))
    assert state.scope == ()
    assert out._scope == (net, net.fc2)
    # the hook runs after forward, outside the module's own scope entry
    assert seen == [(net, net.block)]


def test_scope_is_restored_when_forward_raises():
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError):
        lin(ag.ones(4, 5))
    assert state.scope == ()


def test_forward_hooks_can_replace_inputs_and_outputs_and_be_removed():
    lin = nn.Linear(2, 2)
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: out + 1)
    out = lin(ag.ones(1, 2))
    np.testing.assert_allclose(out._data, lin.bias._data[None] + 1, rtol=1e-6)
    h1.remove()
    h2.remove()
    np.testing.assert_allclose(lin(ag.zeros(1, 2))._data, lin.bias._data[None], rtol=1e-6)


# -- printing and copying -------------------------------------------------------------------
def test_repr_nests_children_like_torch():
    text = repr(nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1))))
    assert text == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                    "  (1): Sequential(\n    (0): ReLU()\n    (1): Dropout(p=0.1, inplace=False)"
                    "\n  )\n)")


def test_deepcopy_gives_independent_parameters():
    net = Net()
    twin = copy.deepcopy(net)
    assert isinstance(twin.fc1.weight, nn.Parameter)
    twin.fc1.weight._data[...] = 0
    assert net.fc1.weight._data.any()
    x = ag.randn(2, 3)
    net.eval()
    twin.eval()
    assert twin(x).shape == net(x).shape


# -- nn.utils ---------------------------------------------------------------------------------
def _with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(ag.zeros(*np.shape(g), dtype=np.float64))
        p.grad = ag.tensor(np.array(g, dtype=np.float64))
        params.append(p)
    return params


def test_clip_grad_norm_scales_by_max_norm_over_total_norm_plus_eps():
    params = _with_grads([3.0, 0.0], [[4.0]])
    total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, ag.Tensor) and total.item() == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad._data, [3 * coef, 0.0])
    np.testing.assert_allclose(params[1].grad._data, [[4 * coef]])


def test_clip_grad_norm_leaves_small_gradients_and_supports_other_norms():
    params = _with_grads([0.3, -0.4])
    assert nn.utils.clip_grad_norm_(params, 10.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(params[0].grad._data, [0.3, -0.4])
    params = _with_grads([1.0, -3.0], [2.0])
    assert nn.utils.clip_grad_norm_(params, 1.5, norm_type=math.inf).item() == 3.0
    np.testing.assert_allclose(params[0].grad._data, np.array([1.0, -3.0]) * 1.5 / (3 + 1e-6))
    params = _with_grads([1.0, -3.0], [2.0])
    assert nn.utils.clip_grad_norm_(params, 100, norm_type=1).item() == pytest.approx(6.0)
    nan = _with_grads([np.nan])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(nan, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([nn.Parameter(ag.ones(2))], 1.0).item() == 0.0


def test_clip_grad_value_clamps_elementwise():
    params = _with_grads([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad._data, [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == (net.num_parameters(),) and vec.requires_grad
    np.testing.assert_array_equal(vec._data[:6], net[0].weight._data.reshape(-1))
    (vec * ag.arange(vec.shape[0], dtype=np.float32)).sum().backward()
    np.testing.assert_array_equal(net[0].weight.grad._data.reshape(-1), np.arange(6))
    new = np.arange(vec.shape[0], dtype=np.float32)
    nn.utils.vector_to_parameters(ag.tensor(new), net.parameters())
    np.testing.assert_array_equal(net[1].bias._data, [new[-1]])
    np.testing.assert_array_equal(net[0].bias._data, new[6:8])
    with pytest.raises(ValueError, match="elements"):
        nn.utils.vector_to_parameters(ag.zeros(3), net.parameters())
