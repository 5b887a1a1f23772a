"""autograd_core: a NumPy reverse-mode automatic differentiation engine.

    import autograd_core as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""

from . import ops  # registers every primitive  # noqa: I001
from .tensor import Tensor, GradFn, _bind_operator_ops

_bind_operator_ops()

from .creation import (  # noqa: E402
    arange, empty, eye, full, full_like, linspace, manual_seed, ones, ones_like, rand, randint,
    randn, randperm, tensor, zeros, zeros_like, default_generator,
)
from .functions import *  # noqa: E402,F403
from .functions import (  # noqa: E402
    abs, max, min, pow, sum, MaxResult,  # noqa: A004
)
from .modes import (  # noqa: E402
    detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad, set_grad_enabled,
)
from .engine import backward as _backward  # noqa: E402
from . import engine as autograd  # noqa: E402  (ag.autograd.grad, as torch.autograd.grad)
from .function import Function, FunctionCtx  # noqa: E402
from .functional import grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp  # noqa: E402
from .gradcheck import GradcheckError, gradcheck  # noqa: E402
from .ops.registry import REGISTRY  # noqa: E402
from . import viz  # noqa: E402  (graphviz itself is imported only when drawing)

float32 = __import__("numpy").float32
float64 = __import__("numpy").float64
float16 = __import__("numpy").float16
int64 = __import__("numpy").int64
int32 = __import__("numpy").int32
bool_ = __import__("numpy").bool_
long = int64
double = float64

__version__ = "0.1.0"
