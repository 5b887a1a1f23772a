"""torch.special: `ag.special.erf(x)`, `ag.special.ndtri(p)`, ... The special functions, and
the elementwise functions torch.special also names, as differentiable functions."""

from .functions import exp2, log1p, log_softmax, logsumexp, softmax
from .functions.special import (
    digamma,
    entr,
    erf,
    erfc,
    erfcx,
    erfinv,
    expit,
    expm1,
    i0,
    i0e,
    i1,
    i1e,
    lgamma,
    log_ndtr,
    logit,
    ndtr,
    ndtri,
    polygamma,
    round,
    sinc,
    xlog1py,
    xlogy,
)

psi = digamma
gammaln = lgamma

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln",
    "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "ndtr",
    "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
]
