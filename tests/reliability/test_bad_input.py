"""Bad input across the public API: a clear error that names the function, never a silent answer,
and the exception type PyTorch raises where PyTorch raises.

Two tables drive it. The generic probes run over every public function of `ag`, `ag.linalg`,
`ag.special` and `nn.functional`, every `nn` module and every optimizer: each is first called
with a valid baseline (found from a short list of argument patterns, or given in BASELINES), then
with a string where its first argument goes and with an unknown keyword; a module is built with a
float where a size goes, an optimizer gets a negative learning rate. CASES are specific bad calls
(dims, sizes, strides, probabilities, indices, ranks, in-place changes of leaves, gradients of
the wrong shape), each run on PyTorch too when torch==2.13.0 is installed. A meta-test fails for
any public function, module or optimizer that neither table reaches.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the oracle is optional
    torch = TF = None

ERRORS = (TypeError, ValueError, RuntimeError, IndexError, NotImplementedError, KeyError)


def _x(*shape: int) -> ag.Tensor:
    return ag.tensor(np.random.default_rng(0).uniform(0.2, 0.9, shape))


# argument patterns tried in order until one works: the baseline a probe then spoils
PATTERNS: list[Callable[[], tuple]] = [
    lambda: (_x(3, 4),), lambda: (_x(3, 4), _x(3, 4)), lambda: (_x(3, 4), 1),
    lambda: (_x(3, 4), _x(3, 4), _x(3, 4)), lambda: (_x(4, 4),), lambda: (_x(2, 3, 4),),
    lambda: (_x(2, 3, 8, 8),), lambda: (_x(2, 3, 8, 8), _x(4, 3, 3, 3)), lambda: (_x(2, 3, 8),),
    lambda: (_x(2, 3, 8), _x(4, 3, 3)), lambda: (_x(3, 4), 2), lambda: ([_x(3, 4), _x(3, 4)],),
    lambda: (_x(3, 4), 0, ag.tensor([[0, 1, 2, 0]])), lambda: (_x(3), _x(3)),
    lambda: (_x(3, 4), _x(4)), lambda: (_x(3, 4), _x(4, 5)), lambda: (_x(4),),
    lambda: (_x(2, 4, 4), _x(2, 4, 4)), lambda: (_x(3, 4), ag.tensor([0, 1, 3])),
    lambda: (2, 3), lambda: (_x(3, 4), (4, 3)), lambda: (_x(3, 4), (1, 0)),
    lambda: (_x(2, 3, 8, 8), 2), lambda: (_x(2, 3, 8), 2), lambda: (_x(3, 4), 0, 1),
    lambda: (_x(3, 4), 0, ag.tensor([0, 2])), lambda: (_x(3, 4), 0, ag.tensor([0, 2]), _x(2, 4)),
    lambda: (_x(3, 4), _x(3, 4) > 0.5), lambda: (_x(3, 4), _x(3, 4) > 0.5, 0.0),
    lambda: (_x(3, 4), 0, ag.tensor([[0, 1, 2, 0]]), _x(1, 4)),
    lambda: (_x(3, 4), 0, ag.tensor([[0, 1, 2, 0]]), _x(1, 4), "sum"),
    lambda: ("ij,jk->ik", _x(2, 3), _x(3, 4)), lambda: (_x(3, 3), _x(3, 4), _x(4, 3)),
    lambda: (_x(3), _x(3, 4), _x(4)), lambda: (_x(3, 3), _x(3), _x(3)),
    lambda: (_x(2, 3, 3), _x(2, 3, 4), _x(2, 4, 3)), lambda: (_x(3, 3), _x(2, 3, 4), _x(2, 4, 3)),
    lambda: (ag.tensor([[2.0, 0.5], [0.5, 1.0]]),), lambda: (3, 3), lambda: (_x(4, 4), 3),
    lambda: (1, _x(3, 4)), lambda: (ag.tensor([[2.0, 0.5], [0.5, 1.0]]), _x(2, 3)),
    lambda: ([_x(3, 4), _x(4, 2)],), lambda: (_x(2, 3, 8, 8), (2, 2)),
    lambda: (_x(1, 2, 4, 4, 4), _x(3, 2, 2, 2, 2)), lambda: (_x(1, 2, 5), _x(2, 3, 3)),
    lambda: (_x(1, 2, 5, 5), _x(2, 3, 3, 3)), lambda: (_x(1, 2, 4, 4, 4), _x(2, 3, 2, 2, 2)),
    lambda: (_x(3, 4), _x(3, 4), ag.ones(3)), lambda: (_x(1, 4, 3, 3), 2),
    lambda: (_x(3, 4), (4,)), lambda: (_x(2, 3, 8), 2, 2), lambda: (_x(2, 3, 8, 8), 2, 2),
    lambda: (_x(1, 12, 9), (4, 4), 2), lambda: (ag.tensor([[1, 2, 3], [4, 5, 6]]), _x(10, 4)),
]

# public callables that are not functions of Tensors, with why they are left to CASES
NOT_PROBED = {
    "default_generator", "manual_seed", "initial_seed", "is_anomaly_enabled", "is_grad_enabled",
    "get_default_device", "get_default_dtype", "set_default_device", "save", "load",
    "check_dim", "promote_types", "is_tensor", "apply", "is_floating_point", "public_caller",
    "integer", "ArgumentError", "set_default_dtype", "set_grad_enabled",
}


@pytest.fixture(autouse=True)
def _global_state_kept():
    """A probe that happens to succeed must not leave the default dtype or grad mode changed."""
    dtype, grad = ag.get_default_dtype(), ag.is_grad_enabled()
    yield
    ag.set_default_dtype(dtype)
    ag.set_grad_enabled(grad)


def _public(mod: Any, names: list[str]) -> list[tuple[str, Callable]]:
    out = []
    for n in names:
        f = getattr(mod, n, None)
        if (callable(f) and not isinstance(f, type) and inspect.isroutine(f)
                and n not in NOT_PROBED and not n.startswith("_")):
            out.append((f"{mod.__name__}.{n}", f))
    return out


def _functions() -> list[tuple[str, Callable]]:
    found = (_public(ag, ag.__all__)
             + _public(ag.linalg, [n for n in dir(ag.linalg) if not n.startswith("_")])
             + _public(ag.special, list(ag.special.__all__))
             + _public(F, [n for n in dir(F) if not n.startswith("_")
                           and getattr(getattr(F, n), "__module__", "").startswith(
                               ("nn", "autograd_core"))]))
    seen: set[int] = set()
    unique = []
    for name, f in found:
        if id(f) not in seen:
            seen.add(id(f))
            unique.append((name, f))
    return unique


FUNCTIONS = _functions()


def _baseline(f: Callable) -> tuple | None:
    for pattern in PATTERNS:
        args = pattern()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f(*args)
        except Exception:  # noqa: BLE001  (a pattern that does not fit: try the next)
            continue
        return args
    return None


def _names_for(f: Callable, qualified: str) -> set[str]:
    """The names an error may use for f: its own and the aliases bound to it."""
    names = {qualified.rsplit(".", 1)[1], getattr(f, "__name__", "")}
    for mod in (ag, ag.linalg, ag.special, F):
        names |= {n for n in dir(mod) if getattr(mod, n, None) is f}
    return {n for n in names if n}


def _first_parameter(f: Callable) -> str | None:
    """The name of f's first parameter, the one a probe spoils (None when f takes *args)."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None
    if not params or params[0].kind is inspect.Parameter.VAR_POSITIONAL:
        return None
    return params[0].name


def _torch_twin(qualified: str) -> Callable | None:
    if torch is None:
        return None
    mod, name = qualified.rsplit(".", 1)
    where = {"autograd_core": torch, "autograd_core.linalg": torch.linalg,
             "autograd_core.special": torch.special, "nn.functional": TF}.get(mod)
    return getattr(where, name, None) if where is not None else None


def _clear(err: BaseException, names: set[str]) -> bool:
    text = str(err)
    return any(re.search(rf"(^|[^A-Za-z0-9_]){re.escape(n)}\b", text) for n in names)


@pytest.mark.parametrize("qualified, f", FUNCTIONS, ids=[q for q, _ in FUNCTIONS])
def test_a_string_for_a_tensor_is_refused_by_name(qualified: str, f: Callable) -> None:
    base = _baseline(f)
    if base is None:
        pytest.skip("no baseline among the patterns: covered by CASES")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ERRORS) as caught:
            f("not a tensor", *base[1:])
    assert _clear(caught.value, _names_for(f, qualified)), (
        f"{qualified}: the error does not name the function: {caught.value!r}")
    first = _first_parameter(f)
    if first is not None:
        assert re.search(rf"\b{re.escape(first)}\b", str(caught.value)), (
            f"{qualified}: the error does not name the argument {first!r}: {caught.value!r}")
    twin = _torch_twin(qualified)
    if twin is not None:
        torch_base = tuple(torch.tensor(a.numpy()) if isinstance(a, ag.Tensor) else a
                           for a in base[1:])
        try:
            twin("not a tensor", *torch_base)
        except Exception as e:  # noqa: BLE001
            if isinstance(e, TypeError):
                assert isinstance(caught.value, TypeError), (
                    f"{qualified}: PyTorch raises TypeError, this raises {caught.value!r}")


@pytest.mark.parametrize("qualified, f", FUNCTIONS, ids=[q for q, _ in FUNCTIONS])
def test_an_unknown_keyword_is_refused_by_name(qualified: str, f: Callable) -> None:
    base = _baseline(f)
    if base is None:
        pytest.skip("no baseline among the patterns: covered by CASES")
    with pytest.raises(TypeError) as caught:
        f(*base, no_such_argument=1)
    assert _clear(caught.value, _names_for(f, qualified)), caught.value


# -- specific bad calls, beside PyTorch ---------------------------------------------------------
class Lib:
    """The few names a case uses, bound to one library."""

    def __init__(self, which: str) -> None:
        self.is_torch = which == "torch"
        self.t = torch if self.is_torch else ag
        self.F = TF if self.is_torch else F
        self.nn = torch.nn if self.is_torch else nn
        self.optim = torch.optim if self.is_torch else optim

    def x(self, *shape: int, grad: bool = False) -> Any:
        return self.t.tensor(np.random.default_rng(1).uniform(0.2, 0.9, shape),
                             requires_grad=grad)

    def ints(self, values: Any) -> Any:
        return self.t.tensor(np.asarray(values, dtype=np.int64))


def _inplace_on_leaf(L: Lib) -> Any:
    w = L.x(3, grad=True)
    w -= 0.1
    return w


def _grad_of_wrong_shape(L: Lib) -> Any:
    w = L.x(3, grad=True)
    w.grad = L.x(4)
    return w


def _grad_of_wrong_type(L: Lib) -> Any:
    w = L.x(3, grad=True)
    w.grad = [1.0, 2.0, 3.0]
    return w


# (name, the functions it covers, call(L), the exception this library raises, words its
# message must hold)
CASES: list[tuple[str, tuple[str, ...], Callable[[Lib], Any], type, str]] = [
    ("sum dim out of range", ("sum",), lambda L: L.x(2, 3).sum(5), IndexError, "sum"),
    ("float dim", ("sum",), lambda L: L.x(2, 3).sum(dim=1.0), TypeError, "sum"),
    ("flatten start after end", ("flatten",), lambda L: L.t.flatten(L.x(2, 3, 4), 2, 1),
     RuntimeError, "flatten"),
    ("chunk into 0", ("chunk",), lambda L: L.t.chunk(L.x(4), 0), RuntimeError, "chunk"),
    ("negative size", ("zeros", "ones", "empty"), lambda L: L.t.zeros(-1), RuntimeError,
     "negative dimension"),
    ("huge size", ("zeros",), lambda L: L.t.zeros(10**7, 10**7), RuntimeError, "zeros"),
    ("full of a string", ("full",), lambda L: L.t.full((2,), "a"), TypeError, "full"),
    ("rand with an integer dtype", ("rand", "randn", "rand_like", "randn_like"),
     lambda L: L.t.rand(3, dtype=L.t.int64), RuntimeError, "rand"),
    ("randint low >= high", ("randint",), lambda L: L.t.randint(5, 2, (3,)), RuntimeError,
     "randint"),
    ("randperm of -1", ("randperm",), lambda L: L.t.randperm(-1), RuntimeError, "randperm"),
    ("arange of a string", ("arange", "linspace", "eye"), lambda L: L.t.arange("a"),
     TypeError, "arange"),
    ("tensor of strings", ("tensor", "as_tensor", "from_numpy"), lambda L: L.t.tensor("abc"),
     TypeError, "tensor"),
    ("where with one value", ("where",),
     lambda L: L.t.where(L.t.tensor([True, False]), L.x(2)), TypeError, "where"),
    ("gather with a negative index", ("gather", "take_along_dim"),
     lambda L: L.t.gather(L.x(3), 0, L.ints([-1])), RuntimeError, "out of bounds"),
    ("gather with float indices", ("gather",),
     lambda L: L.t.gather(L.x(3), 0, L.t.tensor([1.0])), RuntimeError, "int64"),
    ("index_select out of range", ("index_select", "index_add", "index_copy", "masked_fill",
                                   "masked_select", "narrow", "scatter", "scatter_add",
                                   "scatter_reduce", "unflatten"),
     lambda L: L.t.index_select(L.x(3), 0, L.ints([3])), IndexError, "index_select"),
    ("mm of a 3-D Tensor", ("mm", "addmm", "addmv", "addr", "addbmm", "baddbmm"),
     lambda L: L.t.mm(L.x(2, 2, 2), L.x(2, 2)), RuntimeError, "mm"),
    ("bmm of 2-D Tensors", ("bmm",), lambda L: L.t.bmm(L.x(2, 2), L.x(2, 2)), RuntimeError,
     "bmm"),
    ("reshape to the wrong size", ("reshape", "permute", "expand", "broadcast_to", "repeat",
                                   "moveaxis"),
     lambda L: L.x(6).reshape(4, 2), RuntimeError, "reshape"),
    ("einsum with a bad equation", ("einsum",),
     lambda L: L.t.einsum("ij,jk->iz", L.x(2, 3), L.x(3, 4)), RuntimeError, "einsum"),
    ("cholesky of a non-PD matrix", ("cholesky",),
     lambda L: L.t.linalg.cholesky(L.t.tensor([[1.0, 2.0], [2.0, 1.0]])), RuntimeError,
     "positive-definite"),
    ("multi_dot of one matrix", ("multi_dot",),
     lambda L: L.t.linalg.multi_dot([L.x(2, 2)]), RuntimeError, "multi_dot"),
    ("solve_triangular without upper", ("solve_triangular",),
     lambda L: L.t.linalg.solve_triangular(L.x(2, 2), L.x(2, 2)), TypeError,
     "solve_triangular"),
    ("matrix_power of a non-square", ("matrix_power",),
     lambda L: L.t.linalg.matrix_power(L.x(2, 3), 2), RuntimeError, "matrix_power"),
    ("polygamma of negative order", ("polygamma",),
     lambda L: L.t.polygamma(-1, L.x(3)), RuntimeError, "polygamma"),
    ("polygamma of a string order", ("polygamma",),
     lambda L: L.t.polygamma("a", L.x(3)), TypeError, "polygamma"),
    ("tril_indices of a string", ("tril_indices", "triu_indices"),
     lambda L: L.t.tril_indices("a", 3), TypeError, "tril_indices"),
    ("max_pool2d with kernel 0", ("max_pool2d", "avg_pool2d"),
     lambda L: L.F.max_pool2d(L.x(1, 1, 4, 4), 0), RuntimeError, "kernel_size"),
    ("max_pool2d with a negative stride", ("max_pool2d",),
     lambda L: L.F.max_pool2d(L.x(1, 1, 4, 4), 2, stride=-1), RuntimeError, "stride"),
    ("conv2d with stride 0", ("conv2d",),
     lambda L: L.F.conv2d(L.x(1, 1, 4, 4), L.x(1, 1, 2, 2), stride=0), RuntimeError,
     "stride"),
    ("conv2d with negative padding", ("conv2d",),
     lambda L: L.F.conv2d(L.x(1, 1, 4, 4), L.x(1, 1, 2, 2), padding=-1), RuntimeError,
     "padding"),
    ("adaptive_avg_pool2d to size 0", ("adaptive_avg_pool2d",),
     lambda L: L.F.adaptive_avg_pool2d(L.x(1, 1, 4, 4), 0), RuntimeError,
     "adaptive_avg_pool2d"),
    ("embedding with a negative index", ("embedding",),
     lambda L: L.F.embedding(L.ints([-1]), L.x(3, 2)), IndexError, "embedding"),
    ("embedding with float indices", ("embedding",),
     lambda L: L.F.embedding(L.t.tensor([1.0]), L.x(3, 2)), TypeError, "integers"),
    ("one_hot of a negative class", ("one_hot",),
     lambda L: L.F.one_hot(L.ints([-1]), 3), ValueError, "one_hot"),
    ("binary_cross_entropy of NaN", ("binary_cross_entropy",),
     lambda L: L.F.binary_cross_entropy(L.t.tensor([float("nan")]), L.t.tensor([1.0])),
     RuntimeError, "between 0 and 1"),
    ("binary_cross_entropy with a target of 2", ("binary_cross_entropy",),
     lambda L: L.F.binary_cross_entropy(L.t.tensor([0.5]), L.t.tensor([2.0])), RuntimeError,
     "between 0 and 1"),
    ("l1_loss against None", ("l1_loss", "mse_loss"),
     lambda L: L.F.l1_loss(L.x(3), None), TypeError, "l1_loss"),
    ("cross_entropy with a class out of range", ("cross_entropy", "nll_loss"),
     lambda L: L.F.cross_entropy(L.x(2, 3), L.ints([0, 5])), IndexError, "out of bounds"),
    ("batch_norm with running stats of the wrong size", ("batch_norm",),
     lambda L: L.F.batch_norm(L.x(2, 3), L.t.zeros(4), L.t.ones(4)), RuntimeError,
     "batch_norm"),
    ("layer_norm of a shape that does not fit", ("layer_norm",),
     lambda L: L.F.layer_norm(L.x(2, 3), (4,)), RuntimeError, "layer_norm"),
    ("dropout with p = 2", ("dropout",), lambda L: L.F.dropout(L.x(3), 2.0), ValueError,
     "dropout probability"),
    ("contrastive_loss of mismatched shapes", ("contrastive_loss",),
     lambda L: F.contrastive_loss(L.x(2, 3), L.x(3, 3), L.t.ones(2)), ValueError,
     "contrastive_loss"),
    ("an in-place change of a leaf that requires grad", ("isub",), _inplace_on_leaf,
     RuntimeError, "leaf"),
    ("a .grad of the wrong shape", ("grad",), _grad_of_wrong_shape, RuntimeError,
     "different size"),
    ("a .grad of the wrong type", ("grad",), _grad_of_wrong_type, TypeError, "grad"),
    ("hessian with repeated argnums", ("hessian", "jacobian", "jacfwd"),
     lambda L: ag.hessian(lambda a: (a * a).sum(), argnums=(0, 0))(ag.randn(2)), ValueError,
     "argnums"),
    ("grad of a non-callable", ("grad", "value_and_grad", "vjp", "jvp", "hvp", "vmap",
                                "elementwise_grad"),
     lambda L: ag.grad("not a function"), TypeError, "grad"),
    ("gradcheck of a non-callable", ("gradcheck",),
     lambda L: ag.gradcheck("not a function", (ag.randn(2, requires_grad=True),)), TypeError,
     "gradcheck"),
    ("max_unpool2d with indices of another shape", ("max_unpool1d", "max_unpool2d"),
     lambda L: L.F.max_unpool2d(L.x(1, 1, 2, 2), L.ints(np.zeros((1, 1, 3, 3))), 2),
     ValueError, "max_unpool2d"),
    ("multilabel_margin_loss with float targets", ("multilabel_margin_loss",),
     lambda L: L.F.multilabel_margin_loss(L.x(2, 3), L.x(2, 3)), TypeError,
     "multilabel_margin_loss"),
    ("draw_graph of a string", ("draw_graph", "to_svg", "backprop_frames", "save_html"),
     lambda L: ag.viz.draw_graph("not a tensor"), TypeError, "draw_graph"),
    ("draw_graph with max_nodes -1", ("draw_graph",),
     lambda L: ag.viz.draw_graph((ag.tensor(1.0, requires_grad=True) * 2), max_nodes=-1),
     ValueError, "max_nodes"),
    ("draw_graph colored by an unknown key", ("draw_graph",),
     lambda L: ag.viz.draw_graph((ag.tensor(1.0, requires_grad=True) * 2), color_by="nope"),
     ValueError, "color_by"),
    ("SGD with a negative learning rate", ("SGD",),
     lambda L: L.optim.SGD([L.x(2, grad=True)], lr=-1.0), ValueError, "learning rate"),
    ("Adam with beta 1.5", ("Adam",),
     lambda L: L.optim.Adam([L.x(2, grad=True)], betas=(1.5, 0.9)), ValueError, "beta"),
    ("Dropout with p = -0.1", ("Dropout",), lambda L: L.nn.Dropout(-0.1), ValueError,
     "dropout probability"),
    ("set_default_dtype of an integer dtype", ("set_default_dtype",),
     lambda L: ag.set_default_dtype(ag.int64), TypeError, "set_default_dtype"),
    ("load of a missing file", ("load",), lambda L: ag.load("/nonexistent/c.pt"),
     FileNotFoundError, "load"),
    ("manual_seed of a string", ("manual_seed",), lambda L: L.t.manual_seed("a"), TypeError,
     "seed"),
]


def _case_ids() -> list[str]:
    return [c[0] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=_case_ids())
def test_each_bad_call_gets_a_clear_error(case) -> None:
    name, _, call, exc, words = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as caught:
            call(Lib("ag"))
    assert words.lower() in str(caught.value).lower(), (name, caught.value)


@pytest.mark.torch
@pytest.mark.parametrize("case", CASES, ids=_case_ids())
def test_pytorch_refuses_the_same_calls(case) -> None:
    """Every bad call in the table is one PyTorch refuses too (or the case says otherwise)."""
    pytest.importorskip("torch")
    name, _, call, exc, _ = case
    if name in LIBRARY_ONLY:
        pytest.skip(LIBRARY_ONLY[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as caught:  # noqa: PT011  (any refusal)
            call(Lib("torch"))
    if name in SAME_TYPE:
        assert isinstance(caught.value, exc), (name, caught.value)


# cases whose call only makes sense here, or where PyTorch answers instead of raising
LIBRARY_ONLY = {
    "huge size": "PyTorch's allocator refusal depends on the machine's overcommit settings",
    "contrastive_loss of mismatched shapes": "contrastive_loss is this library's own",
    "hessian with repeated argnums": "the transform is ag.hessian",
    "grad of a non-callable": "torch.func.grad refuses only when called",
    "set_default_dtype of an integer dtype": "PyTorch raises TypeError too, from C++",
    "load of a missing file": "torch.load unpickles; the files differ",
    "draw_graph of a string": "the pictures are this library's own",
    "draw_graph with max_nodes -1": "the pictures are this library's own",
    "draw_graph colored by an unknown key": "the pictures are this library's own",
    "solve_triangular without upper": "PyTorch's message is a generic signature mismatch",
    "adaptive_avg_pool2d to size 0": "PyTorch returns an empty Tensor",
    "arange of a string": "PyTorch raises TypeError from its argument parser",
}
# cases where this library raises the very exception type PyTorch raises
SAME_TYPE = {
    "sum dim out of range", "float dim", "flatten start after end", "chunk into 0",
    "negative size", "rand with an integer dtype", "randint low >= high", "gather with a "
    "negative index", "gather with float indices", "mm of a 3-D Tensor", "bmm of 2-D Tensors",
    "reshape to the wrong size", "cholesky of a non-PD matrix", "embedding with a negative "
    "index", "binary_cross_entropy of NaN", "binary_cross_entropy with a target of 2",
    "an in-place change of a leaf that requires grad", "a .grad of the wrong shape",
    "a .grad of the wrong type", "SGD with a negative learning rate", "Adam with beta 1.5",
    "Dropout with p = -0.1", "dropout with p = 2", "full of a string", "tensor of strings",
    "einsum with a bad equation", "max_pool2d with kernel 0", "max_pool2d with a negative "
    "stride", "conv2d with stride 0", "conv2d with negative padding", "batch_norm with running "
    "stats of the wrong size", "layer_norm of a shape that does not fit",
}


# -- modules and optimizers ---------------------------------------------------------------------
def _modules() -> list[tuple[str, type]]:
    return sorted((n, c) for n, c in vars(nn).items()
                  if isinstance(c, type) and issubclass(c, nn.Module) and c is not nn.Module
                  and not n.startswith("_"))


def _optimizers() -> list[tuple[str, type]]:
    return sorted((n, c) for n, c in vars(optim).items()
                  if isinstance(c, type) and issubclass(c, optim.Optimizer)
                  and c is not optim.Optimizer)


@pytest.mark.parametrize("name, cls", _optimizers(), ids=[n for n, _ in _optimizers()])
def test_every_optimizer_refuses_a_negative_learning_rate(name: str, cls: type) -> None:
    if "lr" not in inspect.signature(cls).parameters:
        pytest.skip(f"{name} takes no learning rate")
    with pytest.raises(ValueError, match="learning rate"):
        cls([ag.randn(2, requires_grad=True)], lr=-1.0)
    with pytest.raises(TypeError):
        cls("not parameters")


MODULE_PATTERNS: list[tuple] = [(3, 4), (3, 4, 2), (3,), (4, 2), (6, 3, 2), ((4,),), ()]


def _module_baseline(cls: type) -> tuple | None:
    for args in MODULE_PATTERNS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cls(*args)
        except Exception:  # noqa: BLE001  (a pattern that does not fit: try the next)
            continue
        return args
    return None


def _sized(cls: type) -> bool:
    """Whether the first constructor argument is a size (an int that sets a shape)."""
    params = [p for p in inspect.signature(cls).parameters.values() if p.name != "self"]
    return bool(params) and params[0].name in SIZE_NAMES


SIZE_NAMES = {"in_features", "in1_features", "in_channels", "num_features", "num_embeddings",
              "input_size", "embed_dim", "d_model", "num_groups", "num_channels",
              "normalized_shape", "num_parameters"}
MODULES = _modules()


@pytest.mark.parametrize("name, cls", MODULES, ids=[n for n, _ in MODULES])
def test_a_float_size_is_refused_by_name(name: str, cls: type) -> None:
    base = _module_baseline(cls)
    if base is None or not base or not _sized(cls) or not isinstance(base[0], int):
        pytest.skip(f"{name} takes no leading size")
    with pytest.raises(TypeError) as caught:
        cls(2.5, *base[1:])
    assert name in str(caught.value), caught.value
    with pytest.raises((ValueError, RuntimeError)):
        cls(-1, *base[1:])


# -- the tables cover the API -------------------------------------------------------------------
def test_every_public_function_is_probed_or_has_a_case() -> None:
    covered = {n for case in CASES for n in case[1]}
    missing = [q for q, f in FUNCTIONS
               if _baseline(f) is None and not (_names_for(f, q) & covered)]
    assert not missing, (
        "public functions that no probe reaches (no baseline among PATTERNS) and no CASES "
        f"row names: {missing}; add a pattern or a case")
