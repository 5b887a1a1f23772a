"""Adjusters for the nn.functional activation primitives (autograd_core/ops/activations.py):
values moved off the kinks of hardswish and hardsigmoid at -3 and 3, and off the kinks and
jumps of the shrinks at -lambd and lambd. Their inputs come from the "elementwise" sampler.

Imported at the end of registry_samplers.py, which it extends.
"""

from __future__ import annotations

import registry_samplers as rs

_PM3 = rs._unary_away(lambda p: [-3.0, 3.0])
_PM_LAMBD = rs._unary_away(lambda p: [-p["lambd"], p["lambd"]])

rs.AWAY_FROM_KINKS.update({
    "hardswish": _PM3,
    "hardsigmoid": _PM3,
    "softshrink": _PM_LAMBD,
    "hardshrink": _PM_LAMBD,
})
