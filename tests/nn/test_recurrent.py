"""RNN, LSTM, GRU, their cells and nn.utils.rnn: against PyTorch twins (weights loaded with
load_state_dict(strict=True); outputs, final states and every gradient in float64 and float32),
and, without PyTorch, names and shapes, gradient checks, a 1,000-step backward and the errors."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.utils import rnn as R

try:
    import torch
except ImportError:  # the parity tests need it; the rest do not
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is the oracle")
pytestmark = pytest.mark.filterwarnings("ignore:.*not supported with oneDNN.*:UserWarning")

TOL = {np.float64: dict(rtol=1e-9, atol=1e-11), np.float32: dict(rtol=2e-4, atol=2e-5)}


def randn(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _twin(ours, theirs, dtype):
    theirs = theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    ours.to(dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()},
                         strict=True)
    return ours, theirs


def _close(a, b, dtype, what=""):
    a = a._data if isinstance(a, ag.Tensor) else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.dtype == b.dtype, what
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


def _param_grads(ours, theirs, dtype):
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert (p.grad is None) == (tparams[name].grad is None), name
        if p.grad is not None:
            _close(p.grad, tparams[name].grad, dtype, name)


def _flat(out):
    """The Tensors of a (output, state) result: state may be a Tensor or an (h, c) pair."""
    o, s = out
    if isinstance(o, tuple):  # a PackedSequence
        o = o.data
    return [o] + (list(s) if isinstance(s, tuple) else [s])


def _make(kind, lib, *args, **kwargs):
    if kind == "RNN_RELU":
        return lib.RNN(*args, nonlinearity="relu", **kwargs)
    return getattr(lib, kind)(*args, **kwargs)


CASES = [
    dict(), dict(batch_first=True), dict(num_layers=2), dict(bias=False),
    dict(bidirectional=True, batch_first=True), dict(num_layers=2, bidirectional=True),
    dict(num_layers=3, bidirectional=True, batch_first=True),
]
KINDS = ["RNN", "RNN_RELU", "LSTM", "GRU"]


def _states(kind, kwargs, batch, hidden, seed, proj=0):
    dirs = 2 if kwargs.get("bidirectional") else 1
    shape = (dirs * kwargs.get("num_layers", 1),) + batch
    h = randn(*shape, proj or hidden, seed=seed)
    if kind == "LSTM":
        return (h, randn(*shape, hidden, seed=seed + 1))
    return h


def _wrap(state, lib):
    if state is None:
        return None
    mk = (lambda a: ag.tensor(a, requires_grad=True)) if lib is ag else \
        (lambda a: torch.tensor(a, requires_grad=True))
    return tuple(mk(s) for s in state) if isinstance(state, tuple) else mk(state)


def _leaves(state):
    return [] if state is None else list(state) if isinstance(state, tuple) else [state]


def _compare(ours, theirs, x, hx, dtype, seed=3):
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ho, ht = _wrap(hx, ag), _wrap(hx, torch)
    res_o, res_t = _flat(ours(xo, ho)), _flat(theirs(xt, ht))
    loss_o, loss_t = 0, 0
    for i, (a, b) in enumerate(zip(res_o, res_t)):
        _close(a, b, dtype, f"result {i}")
        proj = randn(*b.shape, seed=seed + i, dtype=dtype)
        loss_o = loss_o + (a * ag.tensor(proj)).sum()
        loss_t = loss_t + (b * torch.tensor(proj)).sum()
    loss_o.backward()
    loss_t.backward()
    _close(xo.grad, xt.grad, dtype, "input grad")
    for a, b in zip(_leaves(ho), _leaves(ht)):
        _close(a.grad, b.grad, dtype, "state grad")
    _param_grads(ours, theirs, dtype)


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", CASES)
@pytest.mark.parametrize("kind", KINDS)
def test_layers_match_torch(kind, kwargs, dtype):
    ours, theirs = _twin(_make(kind, nn, 4, 5, **kwargs), _make(kind, torch.nn, 4, 5, **kwargs),
                         dtype)
    bf = kwargs.get("batch_first")
    x = randn(*((3, 6, 4) if bf else (6, 3, 4)), dtype=dtype)
    _compare(ours, theirs, x, None, dtype)
    hx = _states(kind, kwargs, (3,), 5, seed=7)
    hx = tuple(h.astype(dtype) for h in hx) if isinstance(hx, tuple) else hx.astype(dtype)
    ours.zero_grad()
    theirs.zero_grad()
    _compare(ours, theirs, x, hx, dtype)


@needs_torch
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("kwargs", [dict(), dict(num_layers=2, bidirectional=True)])
def test_unbatched_input_matches_torch(kind, kwargs):
    ours, theirs = _twin(_make(kind, nn, 4, 5, **kwargs), _make(kind, torch.nn, 4, 5, **kwargs),
                         np.float64)
    x = randn(6, 4)
    _compare(ours, theirs, x, None, np.float64)
    _compare(ours, theirs, x, _states(kind, kwargs, (), 5, seed=2), np.float64)


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [dict(), dict(num_layers=2, bidirectional=True),
                                    dict(batch_first=True, bias=False)])
def test_lstm_with_projections_matches_torch(kwargs, dtype):
    ours, theirs = _twin(nn.LSTM(4, 6, proj_size=3, **kwargs),
                         torch.nn.LSTM(4, 6, proj_size=3, **kwargs), dtype)
    for name, p in ours.named_parameters():
        assert p.shape == tuple(theirs.get_parameter(name).shape)
    x = randn(*((2, 5, 4) if kwargs.get("batch_first") else (5, 2, 4)), dtype=dtype)
    _compare(ours, theirs, x, None, dtype)
    h, c = _states("LSTM", kwargs, (2,), 6, seed=4, proj=3)
    _compare(ours, theirs, x, (h.astype(dtype), c.astype(dtype)), dtype)


@needs_torch
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("kind,kwargs", [
    ("LSTM", dict()), ("GRU", dict(num_layers=2, bidirectional=True)),
    ("RNN", dict(bidirectional=True)), ("LSTM", dict(num_layers=2, bidirectional=True,
                                                     proj_size=2)),
    ("RNN_RELU", dict(num_layers=2, batch_first=True)),
])
def test_packed_sequences_match_torch(kind, kwargs, enforce_sorted):
    ours, theirs = _twin(_make(kind, nn, 3, 4, **kwargs), _make(kind, torch.nn, 3, 4, **kwargs),
                         np.float64)
    lengths = [5, 4, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4, 4]
    bf = kwargs.get("batch_first", False)
    x = randn(*((5, 5, 3) if bf else (5, 5, 3)))
    for with_state in (False, True):
        xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        po = R.pack_padded_sequence(xo, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
        pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first=bf,
                                                     enforce_sorted=enforce_sorted)
        hx = _states(kind, kwargs, (5,), 4, seed=8, proj=kwargs.get("proj_size", 0)) \
            if with_state else None
        ho, ht = _wrap(hx, ag), _wrap(hx, torch)
        out_o, st_o = ours(po, ho)
        out_t, st_t = theirs(pt, ht)
        assert isinstance(out_o, R.PackedSequence)
        _close(out_o.batch_sizes, out_t.batch_sizes, np.float64)
        pad_o, len_o = R.pad_packed_sequence(out_o, batch_first=bf, total_length=6)
        pad_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(out_t, batch_first=bf,
                                                              total_length=6)
        _close(len_o, len_t, np.float64)
        res_o = [pad_o] + _leaves(st_o)
        res_t = [pad_t] + _leaves(st_t)
        loss_o, loss_t = 0, 0
        for i, (a, b) in enumerate(zip(res_o, res_t)):
            _close(a, b, np.float64, f"result {i}")
            proj = randn(*b.shape, seed=i)
            loss_o = loss_o + (a * ag.tensor(proj)).sum()
            loss_t = loss_t + (b * torch.tensor(proj)).sum()
        loss_o.backward()
        loss_t.backward()
        _close(xo.grad, xt.grad, np.float64, "input grad")
        for a, b in zip(_leaves(ho), _leaves(ht)):
            _close(a.grad, b.grad, np.float64, "state grad")
        _param_grads(ours, theirs, np.float64)
        ours.zero_grad()
        theirs.zero_grad()


@needs_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["RNNCell", "RNNCell_relu", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(kind, batched, dtype):
    name, _, act = kind.partition("_")
    kw = dict(nonlinearity=act) if act else {}
    ours, theirs = _twin(getattr(nn, name)(4, 3, **kw), getattr(torch.nn, name)(4, 3, **kw),
                         dtype)
    lead = (2,) if batched else ()
    x = randn(*lead, 4, dtype=dtype)
    for hx in (None, "given"):
        if hx is not None:
            hx = randn(*lead, 3, seed=1, dtype=dtype)
            if name == "LSTMCell":
                hx = (hx, randn(*lead, 3, seed=2, dtype=dtype))
        xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ho, ht = _wrap(hx, ag), _wrap(hx, torch)
        ro, rt = ours(xo, ho), theirs(xt, ht)
        ro, rt = (list(ro), list(rt)) if isinstance(rt, tuple) else ([ro], [rt])
        lo, lt = 0, 0
        for i, (a, b) in enumerate(zip(ro, rt)):
            _close(a, b, dtype)
            proj = randn(*b.shape, seed=5 + i, dtype=dtype)
            lo, lt = lo + (a * ag.tensor(proj)).sum(), lt + (b * torch.tensor(proj)).sum()
        lo.backward()
        lt.backward()
        _close(xo.grad, xt.grad, dtype)
        for a, b in zip(_leaves(ho), _leaves(ht)):
            _close(a.grad, b.grad, dtype)
        _param_grads(ours, theirs, dtype)
        ours.zero_grad()
        theirs.zero_grad()


@needs_torch
@pytest.mark.parametrize("make", [
    lambda lib: lib.RNN(3, 4), lambda lib: lib.RNN(3, 4, 2, nonlinearity="relu", dropout=0.5),
    lambda lib: lib.LSTM(3, 4, proj_size=2, num_layers=2, bidirectional=True, bias=False),
    lambda lib: lib.GRU(3, 4, batch_first=True), lambda lib: lib.RNNCell(3, 4, False, "relu"),
    lambda lib: lib.LSTMCell(3, 4), lambda lib: lib.GRUCell(3, 4, bias=False),
])
def test_names_shapes_and_repr_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]


@needs_torch
def test_dropout_between_layers_only_in_training():
    ours = nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    x = ag.tensor(randn(5, 2, 3))
    ours.eval()
    a, b = ours(x)[0], ours(x)[0]
    np.testing.assert_array_equal(a._data, b._data)
    ours.train()
    c = ours(x)[0]
    assert not np.allclose(a._data, c._data)
    theirs = torch.nn.LSTM(3, 4, num_layers=2, dropout=0.5).double()
    theirs.load_state_dict({k: torch.tensor(v._data) for k, v in ours.state_dict().items()})
    theirs.eval()
    _close(a, theirs(torch.tensor(x._data))[0], np.float64)


# -- nn.utils.rnn -------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    seqs = [randn(n, 2, seed=n) for n in (3, 5, 1)]
    so = [ag.tensor(s, requires_grad=True) for s in seqs]
    st = [torch.tensor(s, requires_grad=True) for s in seqs]
    a = R.pad_sequence(so, batch_first=batch_first, padding_value=-1.5, padding_side=side)
    b = torch.nn.utils.rnn.pad_sequence(st, batch_first=batch_first, padding_value=-1.5,
                                        padding_side=side)
    _close(a, b, np.float64)
    proj = randn(*b.shape, seed=9)
    (a * ag.tensor(proj)).sum().backward()
    (b * torch.tensor(proj)).sum().backward()
    for x, y in zip(so, st):
        _close(x.grad, y.grad, np.float64)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce", [([4, 3, 3, 1], True), ([1, 4, 3, 2], False)])
def test_pack_and_pad_packed_match_torch(batch_first, lengths, enforce):
    x = randn(*((4, 4, 2) if batch_first else (4, 4, 2)))
    po = R.pack_padded_sequence(ag.tensor(x), lengths, batch_first, enforce)
    pt = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first,
                                                 enforce)
    for a, b in zip(po, pt):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a._data, b.numpy())
    for total in (None, 6):
        a, la = R.pad_packed_sequence(po, batch_first, 7.0, total)
        b, lb = torch.nn.utils.rnn.pad_packed_sequence(pt, batch_first, 7.0, total)
        _close(a, b, np.float64)
        np.testing.assert_array_equal(la._data, lb.numpy())
        assert la.dtype == np.int64
    seqs = [randn(n, 2, seed=n) for n in lengths]
    for a, b in zip(R.unpack_sequence(R.pack_sequence([ag.tensor(s) for s in seqs], enforce)),
                    seqs):
        np.testing.assert_array_equal(a._data, b)
    padded = R.pad_sequence([ag.tensor(s) for s in seqs], batch_first)
    for a, b in zip(R.unpad_sequence(padded, ag.tensor(lengths), batch_first), seqs):
        np.testing.assert_array_equal(a._data, b)


def test_packed_sequence_fields_and_errors():
    p = R.pack_sequence([ag.ones(3, 2), ag.ones(1, 2), ag.ones(2, 2)], enforce_sorted=False)
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert p.batch_sizes.tolist() == [3, 2, 1]
    assert p.sorted_indices.tolist() == [0, 2, 1] and p.unsorted_indices.tolist() == [0, 2, 1]
    assert p.double().data.dtype == np.float64
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        R.pack_padded_sequence(ag.ones(3, 2, 1), [1, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(ag.ones(3, 2, 1), [3, 0])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        R.pad_packed_sequence(p, total_length=2)
    with pytest.raises(ValueError, match="padding_side"):
        R.pad_sequence([ag.ones(2)], padding_side="middle")


# -- without PyTorch ----------------------------------------------------------------------------
def test_state_dict_names_and_shapes():
    m = nn.LSTM(3, 6, num_layers=2, bidirectional=True, proj_size=2)
    keys = [(k, tuple(v.shape)) for k, v in m.state_dict().items()]
    assert keys[:5] == [("weight_ih_l0", (24, 3)), ("weight_hh_l0", (24, 2)),
                        ("bias_ih_l0", (24,)), ("bias_hh_l0", (24,)), ("weight_hr_l0", (2, 6))]
    assert keys[5][0] == "weight_ih_l0_reverse" and ("weight_ih_l1", (24, 4)) in keys
    assert len(keys) == 20
    assert [k for k in nn.RNN(2, 3, bias=False).state_dict()] == ["weight_ih_l0",
                                                                  "weight_hh_l0"]
    assert nn.GRU(2, 3).weight_hh_l0.shape == (9, 3)
    assert [k for k in nn.LSTMCell(2, 3).state_dict()] == ["weight_ih", "weight_hh",
                                                           "bias_ih", "bias_hh"]
    bound = 1 / np.sqrt(6)
    assert all(np.abs(p._data).max() <= bound for p in m.parameters())
    assert all(p.dtype == np.float32 for p in m.parameters())


@pytest.mark.parametrize("make,n_states", [
    (lambda: nn.LSTMCell(2, 3), 2), (lambda: nn.RNNCell(2, 3, nonlinearity="relu"), 1),
    (lambda: nn.GRUCell(2, 3), 1),
])
def test_cells_gradcheck(make, n_states):
    cell = make().double()
    x = ag.tensor(randn(2, 2), requires_grad=True)
    hs = [ag.tensor(randn(2, 3, seed=i + 1), requires_grad=True) for i in range(n_states)]

    def f(x, *hs):
        out = cell(x, tuple(hs) if n_states == 2 else hs[0])
        return ag.stack(list(out)) if isinstance(out, tuple) else out

    assert ag.gradcheck(f, [x, *hs])
    assert ag.gradcheck(lambda w: f(x, *hs), [cell.weight_hh])


def test_second_order_through_an_lstm_cell_and_a_gru():
    cell = nn.LSTMCell(2, 2).double()
    gru = nn.GRU(2, 2).double()
    x = ag.tensor(randn(2, 2), requires_grad=True)
    hc = (ag.tensor(randn(2, 2, seed=1)), ag.tensor(randn(2, 2, seed=2)))
    assert ag.gradgradcheck(lambda x: ag.stack(list(cell(x, hc))), [x])
    xs = ag.tensor(randn(3, 1, 2), requires_grad=True)
    assert ag.gradgradcheck(lambda xs: gru(xs)[0], [xs])


def test_packed_bidirectional_lstm_gradcheck():
    m = nn.LSTM(2, 3, bidirectional=True, proj_size=2).double()
    x = ag.tensor(randn(4, 3, 2), requires_grad=True)

    def f(x):
        out, (h, c) = m(R.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False))
        return ag.cat([R.pad_packed_sequence(out)[0].reshape(-1), h.reshape(-1),
                       c.reshape(-1)])

    assert ag.gradcheck(f, [x])


def test_thousand_step_lstm_backward_runs_with_every_gradient():
    """Backprop through 1,000 steps: the engine's loop is iterative and each step cuts its input
    from the sequence by halving, so nothing here recurses or grows quadratically."""
    import inspect
    import sys

    m = nn.LSTM(4, 8, num_layers=2)
    x = ag.tensor(randn(1000, 3, 4, dtype=np.float32), requires_grad=True)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)  # far below 1,000 steps
    try:
        out, (h, c) = m(x)
        (out.sum() + c.sum()).backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad.shape == (1000, 3, 4) and np.isfinite(x.grad._data).all()
    assert np.abs(x.grad._data[0]).sum() > 0  # the first step's gradient arrives
    assert all(p.grad is not None for p in m.parameters())


def test_split_steps_by_halving_keeps_gradients_linear():
    from nn.layers.recurrent import _split_steps

    x = ag.tensor(randn(9, 2), requires_grad=True)
    parts = _split_steps(x, [4, 3, 1, 1], squeeze=False)
    assert [p.shape[0] for p in parts] == [4, 3, 1, 1]
    ag.cat([p * float(i + 1) for i, p in enumerate(parts)]).sum().backward()
    np.testing.assert_array_equal(x.grad._data[:, 0], [1] * 4 + [2] * 3 + [3, 4])


def test_batch_first_is_a_transpose():
    m = nn.GRU(2, 3, num_layers=2, bidirectional=True).double()
    mb = nn.GRU(2, 3, num_layers=2, bidirectional=True, batch_first=True).double()
    mb.load_state_dict(m.state_dict())
    x = randn(4, 2, 2)
    out, h = m(ag.tensor(x))
    out_b, h_b = mb(ag.tensor(x.transpose(1, 0, 2)))
    np.testing.assert_allclose(out_b._data, out._data.transpose(1, 0, 2))
    np.testing.assert_allclose(h_b._data, h._data)


def test_errors_name_the_module_and_shapes():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: Expected input to be 2D or 3D, got 4D"):
        lstm(ag.zeros(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) must be equal to "
                                           r"input_size. Expected 3, got 5"):
        lstm(ag.zeros(2, 2, 5))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(2, 2, 4\), got "
                                           r"\[1, 2, 4\]"):
        lstm(ag.zeros(2, 2, 3), (ag.zeros(1, 2, 4), ag.zeros(2, 2, 4)))
    with pytest.raises(RuntimeError, match=r"hx and cx should also be 3-D"):
        lstm(ag.zeros(2, 2, 3), (ag.zeros(2, 4), ag.zeros(2, 4)))
    with pytest.raises(RuntimeError, match="GRU: Expected hidden size"):
        nn.GRU(3, 4)(ag.zeros(2, 2, 3), ag.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match="RNN: For unbatched 2-D input, hx should also be"):
        nn.RNN(3, 4)(ag.zeros(2, 3), ag.zeros(1, 1, 4))
    with pytest.raises(RuntimeError, match="input must have the type float32, got type "
                                           "float64"):
        nn.RNN(3, 4)(ag.zeros(2, 3, dtype=ag.float64))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D"):
        nn.LSTMCell(3, 4)(ag.zeros(1, 2, 3))
    with pytest.raises(RuntimeError, match="RNNCell: input has inconsistent input_size: got 2 "
                                           "expected 3"):
        nn.RNNCell(3, 4)(ag.zeros(2, 2))
    with pytest.raises(RuntimeError, match="GRUCell: Input batch size 2 doesn't match hidden0 "
                                           "batch size 3"):
        nn.GRUCell(3, 4)(ag.zeros(2, 3), ag.zeros(3, 4))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


def test_lstm_memory_grows_linearly_with_sequence_length():
    """Peak NumPy memory of forward plus backward at 10x the steps is about 10x (no timing)."""
    import tracemalloc

    m = nn.LSTM(3, 8)
    peaks = []
    for steps in (60, 600):
        x = ag.tensor(randn(steps, 4, 3, dtype=np.float32), requires_grad=True)
        tracemalloc.start()
        out, _ = m(x)
        out.sum().backward()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        m.zero_grad()
    assert 7 < peaks[1] / peaks[0] < 13, peaks
