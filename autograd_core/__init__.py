"""autograd_core: a NumPy reverse-mode automatic differentiation engine.

    import autograd_core as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])

The layers, bottom up (docs/ARCHITECTURE.md draws them): `ops` (each primitive's forward and
gradient rules, on arrays), `tensor` (the Tensor, which records the ops applied to it),
`functions` (the public functions), `engine` (backward), `functional`, `func` and `autograd`
(grad, vjp, jacobian, vmap, ... on nested containers), `function` (user-defined ops),
`gradcheck`, `interop` (NumPy called on Tensors) and `viz` (pictures of the graph).
"""

import numpy as _np

from . import ops
from .arguments import check_dim
from .tensor import GradFn, MaxResult, Tensor
from .functions import *  # noqa: F403  (the names are listed in functions.__all__)
from .functions import __all__ as _function_names
from .creation import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones,
    ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from . import devices
from .devices import accelerator, backends, cuda, device, get_default_device, set_default_device
from . import dtypes
from .dtypes import get_default_dtype, promote_types, set_default_dtype
from .unsupported import (
    cdouble, cfloat, chalf, complex32, complex64, complex128, sparse, sparse_coo_tensor,
    sparse_csr_tensor, view_as_complex, view_as_real,
)
from .serialization import load, save
from .rng import Generator, default_generator, initial_seed, manual_seed
from .modes import (
    detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled, no_grad,
    set_grad_enabled,
)
from . import engine
from .function import Function, FunctionCtx
from .functional import (
    elementwise_grad, grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp,
)
from . import pytree
from . import autograd  # torch.autograd: grad, backward, Function, functional
from . import func  # torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call
from .func import vmap
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.registry import REGISTRY
from . import interop
from . import special  # torch.special
from . import linalg  # torch.linalg
from . import viz  # graphviz itself is imported only when drawing
from . import compiler  # ag.compile: a step traced once, then replayed on arrays
from .compiler import TraceError, compile  # noqa: A004

dtype = _np.dtype  # a dtype is a NumPy dtype: ag.float32 == np.float32
float16 = half = _np.dtype(_np.float16)
float32 = _np.dtype(_np.float32)
float64 = double = _np.dtype(_np.float64)
uint8 = _np.dtype(_np.uint8)
int8 = _np.dtype(_np.int8)
int16 = short = _np.dtype(_np.int16)
int32 = _np.dtype(_np.int32)
int64 = long = _np.dtype(_np.int64)
bool_ = _np.dtype(_np.bool_)


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    if not isinstance(input, Tensor):
        raise TypeError(f"numel: argument 'input' must be a Tensor; got {type(input).__name__}")
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


__version__ = "0.1.0"

__all__ = [
    "Tensor", "GradFn", "MaxResult", "tensor", "arange", "empty", "eye", "full", "full_like",
    "linspace", "ones", "ones_like", "rand", "randint", "randn", "randperm", "zeros",
    "zeros_like", "default_generator", "manual_seed", "Generator", "initial_seed", "save",
    "load", "detect_anomaly", "enable_grad",
    "is_anomaly_enabled", "is_grad_enabled", "no_grad", "set_grad_enabled", "autograd",
    "Function", "FunctionCtx", "grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad",
    "vjp", "elementwise_grad", "vmap", "func", "pytree",
    "GradcheckError", "gradcheck", "REGISTRY", "ops", "viz", "check_dim",
    "float16", "float32", "float64", "int32", "int64", "bool_", "long", "double",
    "as_tensor", "from_numpy", "empty_like", "rand_like", "randn_like", "devices", "device",
    "accelerator", "backends", "cuda", "get_default_device", "set_default_device", "dtypes",
    "get_default_dtype", "set_default_dtype", "promote_types", "inference_mode", "dtype",
    "half", "uint8", "int8", "int16", "short", "is_tensor", "numel", "is_floating_point",
    "float", "int", "bool", "cdouble", "cfloat", "chalf", "complex32", "complex64",
    "complex128", "sparse", "sparse_coo_tensor", "sparse_csr_tensor", "view_as_complex",
    "view_as_real", "special", "linalg",
    *_function_names,
]

# PyTorch's short names, bound last: inside this module they would hide the builtins
float = float32  # noqa: A001
int = int32  # noqa: A001
bool = bool_  # noqa: A001
