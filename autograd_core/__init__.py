"""autograd_core: a NumPy reverse-mode automatic differentiation engine.

    import autograd_core as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])

The layers, bottom up (docs/ARCHITECTURE.md draws them): `ops` (each primitive's forward and
gradient rules, on arrays), `tensor` (the Tensor, which records the ops applied to it),
`functions` (the public functions), `engine` (backward), `functional` (grad, vjp, jacobian,
...), `function` (user-defined ops), `gradcheck`, and `viz` (pictures of the graph).
"""

import numpy as _np

from . import ops
from .arguments import check_dim
from .tensor import GradFn, MaxResult, Tensor
from .functions import *  # noqa: F403  (the names are listed in functions.__all__)
from .functions import __all__ as _function_names
from .creation import (
    arange, empty, eye, full, full_like, linspace, ones, ones_like, rand, randint, randn,
    randperm, tensor, zeros, zeros_like,
)
from .rng import default_generator, manual_seed
from .modes import (
    detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad, set_grad_enabled,
)
from . import engine
from . import engine as autograd  # ag.autograd.grad, as torch.autograd.grad
from .function import Function, FunctionCtx
from .functional import grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from .gradcheck import GradcheckError, gradcheck
from .ops.registry import REGISTRY
from . import interop
from . import viz  # graphviz itself is imported only when drawing

float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64
bool_ = _np.bool_
long = int64
double = float64

__version__ = "0.1.0"

__all__ = [
    "Tensor", "GradFn", "MaxResult", "tensor", "arange", "empty", "eye", "full", "full_like",
    "linspace", "ones", "ones_like", "rand", "randint", "randn", "randperm", "zeros",
    "zeros_like", "default_generator", "manual_seed", "detect_anomaly", "enable_grad",
    "is_anomaly_enabled", "is_grad_enabled", "no_grad", "set_grad_enabled", "autograd",
    "Function", "FunctionCtx", "grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad",
    "vjp", "GradcheckError", "gradcheck", "REGISTRY", "ops", "viz", "check_dim",
    "float16", "float32", "float64", "int32", "int64", "bool_", "long", "double",
    *_function_names,
]
