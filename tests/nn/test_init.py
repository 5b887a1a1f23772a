"""nn.init: PyTorch's gains, fans, bounds and distributions; in-place semantics; orthogonality;
and LSUV (layer outputs of unit variance on the given batch)."""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import init


def weight(*shape, dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fans_include_the_receptive_field():
    assert init._calculate_fan_in_and_fan_out(weight(30, 20)) == (20, 30)
    assert init._calculate_fan_in_and_fan_out(weight(8, 4, 3, 2)) == (24, 48)
    assert init._calculate_fan_in_and_fan_out(weight(8, 4, 5)) == (20, 40)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(weight(5))


@pytest.mark.parametrize("fn,kwargs,shape,bound", [
    (init.xavier_uniform_, {}, (200, 300), math.sqrt(6 / 500)),
    (init.xavier_uniform_, {"gain": 2.0}, (64, 32, 3), 2 * math.sqrt(6 / (96 + 192))),
    (init.kaiming_uniform_, {}, (300, 200), math.sqrt(6 / 200)),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}, (300, 200), 1 / math.sqrt(200)),
    (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, (300, 200),
     math.sqrt(6 / 300)),
    (init.uniform_, {"a": -0.3, "b": 0.3}, (100, 100), 0.3),
])
def test_uniform_initializers_fill_the_bound(fn, kwargs, shape, bound):
    w = weight(*shape)
    fn(w, **kwargs)
    assert np.abs(w._data).max() <= bound * (1 + 1e-6)
    assert abs(w._data.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert abs(w._data.mean()) < 0.03 * bound


@pytest.mark.parametrize("fn,kwargs,shape,std", [
    (init.xavier_normal_, {}, (200, 300), math.sqrt(2 / 500)),
    (init.kaiming_normal_, {}, (300, 200), math.sqrt(2 / 200)),
    (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "tanh"}, (30, 20, 10),
     5 / 3 / math.sqrt(300)),
    (init.normal_, {"mean": 0.0, "std": 0.02}, (300, 300), 0.02),
])
def test_normal_initializers_have_the_right_spread(fn, kwargs, shape, std):
    w = weight(*shape)
    fn(w, **kwargs)
    assert abs(w._data.std() - std) < 0.03 * std
    assert abs(w._data.mean()) < 0.03 * std


def test_initializers_work_in_place_without_recording_a_graph():
    w = weight(4, 5)
    array = w._data
    assert init.xavier_uniform_(w) is w and w._data is array
    assert w.is_leaf and w.requires_grad and w.dtype == np.float32
    assert ag.is_grad_enabled()
    assert init.zeros_(w) is w and not w._data.any()
    assert init.ones_(w) is w and np.all(w._data == 1)
    assert init.constant_(w, 0.25) is w and np.all(w._data == 0.25)
    with pytest.raises(TypeError, match="Tensor"):
        init.normal_(np.zeros(3))


def test_initializers_follow_the_global_seed():
    a, b = weight(5, 5), weight(5, 5)
    ag.manual_seed(11)
    init.kaiming_normal_(a)
    ag.manual_seed(11)
    init.kaiming_normal_(b)
    np.testing.assert_array_equal(a._data, b._data)


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (5, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = weight(*shape, dtype=np.float64)
    init.orthogonal_(w, gain=2.0)
    m = w._data.reshape(shape[0], -1) / 2.0
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-12)


def test_trunc_normal_eye_and_dirac():
    w = weight(200, 50)
    init.trunc_normal_(w, std=1.0, a=-0.5, b=1.0)
    assert w._data.min() >= -0.5 and w._data.max() <= 1.0
    e = weight(3, 4)
    init.eye_(e)
    np.testing.assert_array_equal(e._data, np.eye(3, 4))
    conv = nn.Conv1d(3, 3, 3, padding=1, bias=False)
    init.dirac_(conv.weight)
    x = ag.randn(2, 3, 7)
    np.testing.assert_allclose(conv(x)._data, x._data, rtol=1e-6)


def test_empty_tensors_are_left_alone():
    w = weight(0, 3)
    assert init.kaiming_uniform_(w) is w and init.orthogonal_(w) is w


# -- LSUV ------------------------------------------------------------------------------------
def _layer_output_vars(model, x, kinds=(nn.Linear, nn.Conv1d, nn.Conv2d)):
    seen = []
    handles = [m.register_forward_hook(lambda m, a, out: seen.append(float(out._data.var())))
               for m in model.modules() if isinstance(m, kinds)]
    with ag.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return seen


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.MLP([10, 64, 64, 64, 3], activation="tanh"), (128, 10)),
    (lambda: nn.Sequential(nn.Conv1d(2, 8, 3), nn.ReLU(), nn.Conv1d(8, 8, 3, stride=2),
                           nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6, 4)), (64, 2, 15)),
    (lambda: nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2)),
     (32, 1, 6, 6)),
])
def test_lsuv_makes_every_layer_output_unit_variance(make, shape):
    ag.manual_seed(0)
    model = make()
    x = ag.randn(*shape) * 5 + 1
    before = _layer_output_vars(model, x)
    assert init.lsuv_(model, x, tol=0.05) is model
    after = _layer_output_vars(model, x)
    assert all(abs(v - 1) < 0.05 for v in after), after
    assert any(abs(v - 1) > 0.05 for v in before)
    assert model.training
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            assert not m.bias._data.any()


def test_lsuv_follows_the_forward_order_of_a_custom_module():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(16, 2)  # registered first, called last
            self.trunk = nn.Linear(4, 16)

        def forward(self, x):
            return self.head(self.trunk(x).relu())

    model = TwoHeads().eval()
    x = ag.randn(256, 4) * 3
    init.lsuv_(model, x, tol=0.02)
    assert not model.training
    assert all(abs(v - 1) < 0.02 for v in _layer_output_vars(model, x))


def test_lsuv_errors():
    with pytest.raises(ValueError, match="no Linear, Conv1d or Conv2d"):
        init.lsuv_(nn.Sequential(nn.ReLU()), ag.randn(4, 3))
    with pytest.raises(ValueError, match="variance"):
        init.lsuv_(nn.MLP([3, 4, 2]), ag.zeros(8, 3))
    with pytest.raises(TypeError, match="nn.Module"):
        init.lsuv_(lambda x: x, ag.randn(2, 2))
