"""Pytrees: nested tuples, lists, namedtuples and dicts, with anything else at the leaves.

The transforms flatten their arguments and results into a list of leaves, work on the leaves, and
rebuild the same structure, as JAX and torch.func do: a gradient with respect to
`[(W1, b1), (W2, b2)]` comes back as `[(gW1, gb1), (gW2, gb2)]`. None is an empty subtree, as in
JAX: it holds no leaf and comes back as None, so a missing entry (a layer without bias) passes
through a transform untouched.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "TreeSpec", "LEAF", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure",
    "tree_map", "broadcast_prefix",
]


class TreeSpec:
    """The shape of a pytree without its leaves: what `tree_unflatten` needs to rebuild it."""

    __slots__ = ("type", "context", "children", "num_leaves")

    def __init__(self, type_: type | None, context: Any, children: tuple[TreeSpec, ...]) -> None:
        self.type = type_
        self.context = context
        self.children = children
        self.num_leaves = 1 if type_ is None else sum(c.num_leaves for c in children)

    def is_leaf(self) -> bool:
        return self.type is None

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeSpec) and self.type is other.type
                and self.context == other.context and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.type, self.num_leaves))

    def __repr__(self) -> str:
        t = self.type
        if t is None:
            return "*"
        if t is type(None):
            return "None"
        inner = [repr(c) for c in self.children]
        if t is tuple:
            return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"
        if t is list:
            return "[" + ", ".join(inner) + "]"
        if issubclass(t, dict):
            keys = self.context[1] if t is defaultdict else self.context
            body = "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(keys, inner)) + "}"
            return body if t is dict else f"{t.__name__}({body})"
        fields = ", ".join(f"{f}={c}" for f, c in zip(self.context, inner))
        return f"{t.__name__}({fields})"


LEAF = TreeSpec(None, None, ())
_NONE = TreeSpec(type(None), None, ())


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _children(node: Any) -> tuple[list, Any] | None:
    """(children, context) when node is a container, None when it is a leaf."""
    t = type(node)
    if t is tuple or t is list:
        return list(node), None
    if t is dict or t is OrderedDict:
        return list(node.values()), list(node.keys())
    if t is defaultdict:
        return list(node.values()), (node.default_factory, list(node.keys()))
    if _is_namedtuple(node):
        return list(node), tuple(t._fields)
    return None


def _rebuild(spec: TreeSpec, children: list) -> Any:
    t = spec.type
    if t is tuple:
        return tuple(children)
    if t is list:
        return children
    if t is type(None):
        return None
    if t is dict or t is OrderedDict:
        return t(zip(spec.context, children))
    if t is defaultdict:
        factory, keys = spec.context
        return defaultdict(factory, zip(keys, children))
    return t(*children)  # a namedtuple


def _flatten(node: Any, leaves: list, is_leaf: Callable[[Any], bool] | None) -> TreeSpec:
    if is_leaf is not None and is_leaf(node):
        leaves.append(node)
        return LEAF
    if node is None:
        return _NONE
    found = _children(node)
    if found is None:
        leaves.append(node)
        return LEAF
    children, context = found
    specs = tuple(_flatten(c, leaves, is_leaf) for c in children)
    return TreeSpec(type(node), context, specs)


def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list[Any], TreeSpec]:
    """The leaves, left to right (dicts in insertion order), and the structure that held them."""
    leaves: list[Any] = []
    spec = _flatten(tree, leaves, is_leaf)
    return leaves, spec


def _unflatten(spec: TreeSpec, it: Iterator[Any]) -> Any:
    if spec.type is None:
        return next(it)
    return _rebuild(spec, [_unflatten(c, it) for c in spec.children])


def tree_unflatten(leaves: Any, spec: TreeSpec) -> Any:
    """The structure of spec with the given leaves put back in order."""
    leaves = list(leaves)
    if len(leaves) != spec.num_leaves:
        raise ValueError(f"tree_unflatten: the structure {spec} holds {spec.num_leaves} leaves; "
                         f"got {len(leaves)}")
    return _unflatten(spec, iter(leaves))


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> TreeSpec:
    return tree_flatten(tree, is_leaf)[1]


def tree_map(fn: Callable[..., Any], tree: Any, *rests: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
    """fn applied leaf by leaf; further trees must have the same structure as the first."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = []
    for r in rests:
        r_leaves, r_spec = tree_flatten(r, is_leaf)
        if r_spec != spec:
            raise ValueError(f"tree_map: the trees differ in structure: {spec} and {r_spec}")
        others.append(r_leaves)
    return tree_unflatten([fn(*xs) for xs in zip(leaves, *others)], spec)


def broadcast_prefix(prefix: Any, spec: TreeSpec) -> list[Any] | None:
    """One value per leaf of spec, read from prefix, a tree that stops early: where prefix has a
    non-container (an int, None), that value covers the whole subtree below (vmap's in_dims).
    None when prefix does not fit spec."""
    out: list[Any] = []
    return out if _broadcast(prefix, spec, out) else None


def _broadcast(prefix: Any, spec: TreeSpec, out: list) -> bool:
    found = None if prefix is None else _children(prefix)
    if found is None:
        out.extend([prefix] * spec.num_leaves)
        return True
    if spec.type is not type(prefix):
        return False
    children, context = found
    if spec.type in (dict, OrderedDict, defaultdict):
        keys = spec.context[1] if spec.type is defaultdict else spec.context
        if set(prefix.keys()) != set(keys):
            return False
        children = [prefix[k] for k in keys]
    elif context != spec.context or len(children) != len(spec.children):
        return False
    return all(_broadcast(c, s, out) for c, s in zip(children, spec.children))
