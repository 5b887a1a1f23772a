"""The public functions of the engine (`ag.sum`, `ag.conv2d`, ...), grouped by concern.

Each normalizes its arguments (PyTorch's and NumPy's spellings alike), checks them with errors
that name the function, and runs one registered primitive or composes a few.
"""

from .comparison import (
    all, allclose, any, count_nonzero, eq, equal, ge, greater, greater_equal, gt, isclose,
    isfinite, isinf, isnan, le, less, less_equal, logical_and, logical_not, logical_or,
    logical_xor, lt, ne, nonzero, not_equal,
)
from .convolution import (
    avg_pool1d, avg_pool2d, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
    conv_transpose3d, max_pool1d, max_pool2d,
)
from .linalg import dot, einsum, ger, inner, linear, matmul, mm, bmm, outer, tensordot
from .linalg import (
    addbmm, addmm, addmv, addr, baddbmm, cdist, cholesky_inverse, cholesky_solve, det,
    diag, diag_embed, diagonal, dist, kron, logdet, matrix_exp, matrix_power, mv, pinverse,
    slogdet, trace, tril, tril_indices, triu, triu_indices,
)
from .linalg import inv as inverse
from .linalg import torch_cholesky as cholesky
from .linalg import torch_cross as cross
from .linalg import torch_qr as qr
from .linalg import torch_svd as svd
from .indexing import *  # noqa: F403  (the names are listed in indexing.__all__)
from .indexing import __all__ as _indexing_names
from .special import *  # noqa: F403  (the names are listed in special.__all__)
from .special import __all__ as _special_names
from .pointwise import (
    abs, add, clamp, clip, cos, div, divide, exp, exp2, heaviside, leaky_relu, log, log1p,
    log2, log10, maximum, minimum, mul, multiply, neg, negative, pow, reciprocal, relu, rsqrt,
    sigmoid, sign, sin, softplus, sqrt, square, sub, subtract, tan, tanh, true_divide, where,
)
from .reductions import (
    amax, amin, aminmax, argmax, argmin, cumprod, cumsum, log_softmax, logcumsumexp,
    logsumexp, max, mean, min, nanmean, nansum, norm, prod, softmax, std, std_mean, sum, var,
    var_mean,
)
from .shape import (
    broadcast_tensors, broadcast_to, cast, cat, chunk, clone, concat, concatenate, expand,
    expand_as, flatten, flip, moveaxis, movedim, pad, permute, repeat,
    ravel, repeat_interleave, reshape, split, squeeze, stack, swapaxes, tile,
    transpose, unbind, unsqueeze, view,
)
from .sorting import (
    argsort, cummax, cummin, kthvalue, median, msort, nanmedian, nanquantile, quantile, sort,
    topk,
)
from .linalg import torch_norm as norm  # noqa: E402, F811  (torch.norm: vector and matrix norms)

__all__ = [
    "aminmax", "argsort", "cummax", "cummin", "cumprod", "cumsum", "kthvalue", "logcumsumexp",
    "median", "msort", "nanmean", "nanmedian", "nanquantile", "nansum", "quantile", "sort",
    "std_mean", "topk", "var_mean",
    "all", "any", "count_nonzero", "eq", "equal", "ge", "greater", "greater_equal", "gt",
    "isclose", "le", "less", "less_equal", "logical_and", "logical_not", "logical_or",
    "logical_xor", "lt", "ne", "nonzero", "not_equal",
    "abs", "add", "allclose", "amax", "amin", "argmax", "argmin", "avg_pool1d", "avg_pool2d",
    "bmm", "broadcast_tensors", "broadcast_to", "cast", "cat", "chunk", "clamp", "clip", "clone",
    "concat", "concatenate", "conv1d", "conv2d", "cos", "div", "divide", "dot", "einsum", "exp",
    "exp2", "expand", "expand_as", "flatten", "flip", "ger", "heaviside", "inner",
    "isfinite", "isinf", "isnan", "leaky_relu", "linear", "log", "log10", "log1p", "log2",
    "log_softmax", "logsumexp", "matmul", "max", "max_pool1d", "max_pool2d", "maximum", "mean",
    "min", "minimum", "mm", "moveaxis", "movedim", "mul", "multiply", "neg", "negative", "norm",
    "outer", "pad", "permute", "pow", "prod", "ravel", "reciprocal", "relu", "repeat",
    "repeat_interleave", "reshape", "rsqrt", "sigmoid", "sign", "sin", "softmax", "softplus",
    "split", "sqrt", "square", "squeeze", "stack", "std", "sub", "subtract", "sum",
    "swapaxes", "tan", "tanh", "tensordot", "tile", "transpose",
    "true_divide", "unbind", "unsqueeze", "var", "view", "where",
]
__all__ += _indexing_names
__all__ += [
    "addbmm", "addmm", "addmv", "addr", "baddbmm", "cdist", "cholesky", "cholesky_inverse",
    "cholesky_solve", "cross", "det", "diag", "diag_embed", "diagonal", "dist", "inverse",
    "kron", "logdet", "matrix_exp", "matrix_power", "mv", "pinverse", "qr", "slogdet", "svd",
    "trace", "tril", "tril_indices", "triu", "triu_indices",
]
__all__ += ["conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]

__all__ += _special_names
