"""Which module made each op, and what the model calls its modules and parameters.

An op records `_scope`, the owners pushed with `ag.modes.scope` while it ran, outermost first
(nn pushes each Module during its forward). Names come from the outermost owner's
`named_modules()` and `named_parameters()` (PyTorch's dotted paths, `encoder.0.weight`), or from
the `params=` given to draw_graph, which take precedence. Owners are used by duck typing, so
the engine never imports the library that defines them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .walk import TensorGraph

Chain = tuple[int, ...]  # ids of the modules in a scope, outermost first


def chain_of(t: Any) -> Chain:
    scope = t._scope
    return tuple(id(m) for m in scope) if scope else ()


def common_prefix(a: Chain, b: Chain) -> Chain:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


def is_module(obj: Any) -> bool:
    return callable(getattr(obj, "named_parameters", None)) and callable(
        getattr(obj, "named_modules", None)
    )


class ModuleNames:
    """Paths of modules, names of parameters and parameter counts, looked up by identity."""

    def __init__(self, graph: TensorGraph, params: Any = None) -> None:
        self.modules: dict[int, Any] = {}  # id -> module, for every module in a scope
        self.order: dict[int, int] = {}  # id -> order of first appearance (stable cluster ids)
        self.path: dict[int, str] = {}
        self.param_name: dict[int, str] = {}
        self._counts: dict[int, int | None] = {}
        naming_roots: list[Any] = []
        if params is not None:
            if is_module(params):
                naming_roots.append(params)
            elif isinstance(params, Mapping):
                self._name_from_mapping(params)
            else:
                raise TypeError(
                    "draw_graph: params must be an nn.Module or a dict of name -> Tensor, not "
                    f"{type(params).__name__}"
                )
        for t in graph.tensors:
            for m in t._scope or ():
                self.modules.setdefault(id(m), m)
            if t._scope:
                naming_roots.append(t._scope[0])
        seen: set[int] = set()
        for root in naming_roots:
            if id(root) in seen or not is_module(root):
                continue
            seen.add(id(root))
            for name, m in root.named_modules():
                self.path.setdefault(id(m), name)
                self.order.setdefault(id(m), len(self.order))
            for name, p in root.named_parameters():
                self.param_name.setdefault(id(p), name)
        for mid in self.modules:  # modules no naming root reaches: after the others
            self.order.setdefault(mid, len(self.order))

    def _name_from_mapping(self, params: Mapping) -> None:
        from ..tensor import Tensor

        for name, t in params.items():
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"draw_graph: params[{name!r}] is a {type(t).__name__}, not a Tensor"
                )
            self.param_name.setdefault(id(t), str(name))

    # -- tensors ---------------------------------------------------------------------------------
    def is_parameter(self, t: Any) -> bool:
        return id(t) in self.param_name or type(t).__name__ == "Parameter"

    # -- modules ---------------------------------------------------------------------------------
    def module(self, mid: int) -> Any:
        return self.modules[mid]

    def class_name(self, mid: int) -> str:
        return type(self.modules[mid]).__name__

    def module_path(self, mid: int) -> str:
        """The dotted path; '' for an outermost module, which is shown by its class."""
        return self.path.get(mid, "")

    def title(self, mid: int) -> str:
        return self.module_path(mid) or self.class_name(mid)

    def chain_text(self, chain: Chain) -> str:
        """Where an op ran, as a reader would say it: `Autoencoder > encoder > encoder.0`."""
        return " > ".join(self.title(m) for m in chain) if chain else "(no module)"

    def param_count(self, mid: int) -> int | None:
        if mid not in self._counts:
            self._counts[mid] = _count(self.modules[mid])
        return self._counts[mid]

    def parameters(self, mid: int) -> list[Any]:
        m = self.modules[mid]
        try:
            return list(m.parameters()) if callable(getattr(m, "parameters", None)) else []
        except Exception:
            return []


def _count(module: Any) -> int | None:
    fn = getattr(module, "parameters", None)
    if not callable(fn):
        return None
    total = 0
    seen: set[int] = set()
    for p in fn():
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += int(np.size(p))
    return total
