"""Samplers for the convolution and resampling ops: `conv` with groups, `conv_transpose`
(stride, padding, output_padding past the stride, dilation, groups) and `resample`/
`resample_adjoint` (the per-axis interpolation taps).

Imported at the end of registry_samplers.py, which it extends; the `conv` sampler here
replaces the plain one so that grouped convolutions are checked too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import registry_samplers as rs
from hypothesis import strategies as st

from autograd_core.ops.registry import Op


@st.composite
def _geometry(draw: Any) -> dict:
    nsp = draw(st.sampled_from([1, 1, 2, 2, 3]))
    small = nsp == 3
    return {
        "nsp": nsp,
        "k": tuple(draw(st.integers(1, 2 if small else 3)) for _ in range(nsp)),
        "s": tuple(draw(st.integers(1, 2 if small else 3)) for _ in range(nsp)),
        "p": tuple(draw(st.integers(0, 1)) for _ in range(nsp)),
        "d": tuple(draw(st.integers(1, 2)) for _ in range(nsp)),
        "groups": draw(st.sampled_from([1, 1, 2])),
        "batch": draw(st.integers(1, 2)),
    }


def _bias(draw: Any, rng: np.random.Generator, args: list, n: int) -> rs.Case | None:
    if draw(st.booleans()):
        args.append(rs.uniform(rng, (n,), -2, 2))
        return (0, 1, 2)
    args.append(None)
    return (0, 1)


@st.composite
def conv(draw: Any, op: Op) -> rs.Case:
    """conv(x (N, C, *L), weight (O, C/groups, *K), bias (O,) or None, stride, padding,
    dilation, groups)."""
    g = draw(_geometry())
    groups = g["groups"]
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    spatial = tuple(max((k - 1) * d + 1 - 2 * p, 1) + draw(st.integers(0, 2))
                    for k, d, p in zip(g["k"], g["d"], g["p"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = [rs.uniform(rng, (g["batch"], cin) + spatial, -2, 2),
            rs.uniform(rng, (cout, cin // groups) + g["k"], -2, 2)]
    diff = _bias(draw, rng, args, cout)
    params = {"stride": g["s"], "padding": g["p"], "dilation": g["d"], "groups": groups}
    return rs.Case(args, params, diff)


@st.composite
def conv_transpose(draw: Any, op: Op) -> rs.Case:
    """conv_transpose(x (N, Cin, *L), weight (Cin, Cout/groups, *K), bias (Cout,) or None,
    stride, padding, output_padding (below stride or dilation), dilation, groups)."""
    g = draw(_geometry())
    groups = g["groups"]
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    op_ = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(g["s"], g["d"]))
    spatial = []
    for k, s, p, d, o in zip(g["k"], g["s"], g["p"], g["d"], op_):
        n = draw(st.integers(1, 3))
        while (n - 1) * s - 2 * p + d * (k - 1) + 1 + o < 1:
            n += 1
        spatial.append(n)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = [rs.uniform(rng, (g["batch"], cin) + tuple(spatial), -2, 2),
            rs.uniform(rng, (cin, cout // groups) + g["k"], -2, 2)]
    diff = _bias(draw, rng, args, cout)
    params = {"stride": g["s"], "padding": g["p"], "output_padding": op_,
              "dilation": g["d"], "groups": groups}
    return rs.Case(args, params, diff)


rs.SAMPLERS["conv"] = conv
rs.SAMPLERS["conv_transpose"] = conv_transpose


@st.composite
def _taps(draw: Any) -> tuple[tuple, int, int, np.ndarray, np.ndarray | None, Any]:
    """A shape, an axis, the output size, taps (index, weight or None): monotone runs as the
    interpolation modes make them, or arbitrary indices with repeats anywhere."""
    shape = draw(rs.hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=rs.MAX_SIDE))
    axis = draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    out = draw(st.integers(1, 5))
    taps = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    index = rng.integers(0, n, size=(out, taps))
    if draw(st.booleans()):
        index = np.sort(index, axis=0)
    weight = None if taps == 1 and draw(st.booleans()) else rs.uniform(rng, (out, taps), -1, 1)
    return shape, rs._maybe_negative(draw, axis, len(shape)), out, index, weight, rng


@st.composite
def resample(draw: Any, op: Op) -> rs.Case:
    shape, axis, _, index, weight, rng = draw(_taps())
    return rs.Case([rs.uniform(rng, shape, -2, 2)],
                   {"index": index, "weight": weight, "axis": axis}, (0,))


@st.composite
def resample_adjoint(draw: Any, op: Op) -> rs.Case:
    shape, axis, out, index, weight, rng = draw(_taps())
    gshape = list(shape)
    gshape[axis] = out
    return rs.Case([rs.uniform(rng, tuple(gshape), -2, 2)],
                   {"index": index, "weight": weight, "axis": axis, "size": shape[axis]}, (0,))


rs.SAMPLERS["resample"] = resample
rs.SAMPLERS["resample_adjoint"] = resample_adjoint
