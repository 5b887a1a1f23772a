"""Parametrizations, as ``torch.nn.utils.parametrize``: a parameter computed from others.

``register_parametrization(module, "weight", P())`` moves the parameter into
``module.parametrizations.weight.original`` (or ``original0``, ``original1``, ... when
``P.right_inverse`` splits it into several tensors) and turns ``module.weight`` into a property
that returns ``P(original)`` on every access, so gradients reach the originals, optimizers train
them and state dicts carry them under PyTorch's keys. The module's class is swapped for a
generated subclass (``ParametrizedLinear`` and so on) that holds the property, as PyTorch does,
and is restored once the last parametrization is removed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

import autograd_core as ag

from ..layers.container import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

Tensor = ag.Tensor

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]

_cache_enabled = 0
_cache: dict[tuple[int, str], Tensor] = {}


@contextmanager
def cached() -> Iterator[None]:
    """Inside the block each parametrized tensor is computed once and reused (for recurrent
    models that read the same weight at every step); the cache is dropped on exit."""
    global _cache_enabled, _cache
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _set_values(original: Tensor, value: Tensor) -> None:
    """Gives ``original`` the values (and shape) of ``value`` while keeping the object itself,
    so optimizers and references that hold it still see it (PyTorch's ``set_``)."""
    arr = value._data if isinstance(value, Tensor) else np.asarray(value)
    with ag.no_grad():
        if arr.shape == original.shape:
            original.copy_(arr)
        else:
            original._data = np.array(arr, dtype=original.dtype, copy=True)
            original._bump()


def _register_tensor(owner: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        owner.register_parameter(name, value)
    else:
        owner.register_buffer(name, value)


def _check_value(what: str, value: Any, like: Tensor | None = None) -> None:
    if not isinstance(value, Tensor):
        raise ValueError(f"{what} must return a tensor. Got {type(value).__name__}.")
    if like is not None and value.dtype != like.dtype:
        raise ValueError(f"{what} may not change the dtype of the tensor, unless the `unsafe` "
                         f"flag is enabled.\nunparametrized dtype: {like.dtype}\n"
                         f"parametrized dtype: {value.dtype}")
    if like is not None and value.shape != like.shape:
        raise ValueError(f"{what} may not change the shape of the tensor, unless the `unsafe` "
                         f"flag is enabled.\nunparametrized shape: {tuple(like.shape)}\n"
                         f"parametrized shape: {tuple(value.shape)}")


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the tensor(s) they start from
    (``original``, or ``original0``, ``original1``, ... when ``right_inverse`` returns several)."""

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False
                 ) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        with ag.no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change "
                                 f"the dtype.\noriginal.dtype: {original.dtype}\n"
                                 f"right_inverse(original).dtype: {new.dtype}")
            _set_values(original, new)
            _register_tensor(self, "original", original)
        else:
            for i, value in enumerate(new):
                if not isinstance(value, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of "
                                     f"tensors (list, tuple...). Got element {i} of the "
                                     f"sequence with type {type(value).__name__}.")
                arr = np.array(value._data, copy=True)
                if isinstance(original, Parameter):
                    t: Tensor = Parameter(arr, requires_grad=original.requires_grad)
                else:
                    t = ag.Tensor(arr, requires_grad=original.requires_grad)
                _register_tensor(self, f"original{i}", t)
        if not unsafe:
            z = self()
            _check_value("A parametrization", z, original)

    def _originals(self) -> list[Tensor]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def right_inverse(self, value: Tensor) -> None:
        """Sets the originals so that the parametrized tensor equals ``value`` (through every
        parametrization's ``right_inverse``, last first)."""
        with ag.no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got "
                                     f"{type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype "
                                     f"{value.dtype} while `original` has dtype "
                                     f"{self.original.dtype}")
                _set_values(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError("'right_inverse' must return a sequence of tensors. Got "
                                 f"{type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                 f"{self.ntensors}. Got a sequence of length {len(value)}.")
            for i, (orig, new) in enumerate(zip(self._originals(), value)):
                if not isinstance(new, Tensor):
                    raise ValueError(f"`right_inverse` must return a sequence of tensors. Got "
                                     f"element {i} of type {type(new).__name__}")
                if orig.dtype != new.dtype:
                    raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype "
                                     f"{new.dtype} while `original{i}` has dtype {orig.dtype}")
                _set_values(orig, new)

    def forward(self) -> Tensor:  # type: ignore[override]
        mods = list(self)
        x = mods[0](*self._originals())
        for m in mods[1:]:
            x = m(x)
        return x


def _parametrized_class(cls: type) -> type:
    """The generated subclass that carries the properties (one per module, as in PyTorch)."""

    def __setattr__(self: Module, name: str, value: Any) -> None:
        params = self.__dict__.get("_modules", {}).get("parametrizations")
        if params is not None and name in params:
            params[name].right_inverse(value)
            return
        cls.__setattr__(self, name, value)

    def __getstate__(self: Module) -> Any:
        raise RuntimeError(
            f"Serialization of parametrized modules is only supported through state_dict(): "
            f"save {cls.__name__}'s state_dict() (nn.save) and load it into a module "
            "parametrized the same way")

    def __deepcopy__(self: Module, memo: dict[int, Any]) -> Module:
        replica = self.__class__.__new__(self.__class__)
        memo[id(self)] = replica
        replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return replica

    return type(f"Parametrized{cls.__name__}", (cls,),
                {"__setattr__": __setattr__, "__getstate__": __getstate__,
                 "__deepcopy__": __deepcopy__, "_unparametrized_class": cls})


def _property(name: str) -> property:
    def get(self: Module) -> Tensor:
        chain = self.parametrizations[name]
        if not _cache_enabled:
            return chain()
        key = (id(self), name)
        value = _cache.get(key)
        if value is None:
            value = _cache[key] = chain()
        return value

    def set(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(get, set)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Makes ``module.<tensor_name>`` the output of ``parametrization`` applied to the tensor
    it replaces (or appends to the parametrizations already there); returns ``module``.

    Unless ``unsafe``, the parametrization is run once to check that it keeps the tensor's
    dtype and shape.
    """
    if not isinstance(parametrization, Module):
        raise TypeError("register_parametrization: the parametrization must be an nn.Module; "
                        f"got {type(parametrization).__name__}")
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            _check_value("A parametrization", x, y)
            if hasattr(parametrization, "right_inverse"):
                z = parametrization.right_inverse(x)
                _check_value("right_inverse", z, y)
        chain = module.parametrizations[tensor_name]
        chain.append(parametrization)
        chain.unsafe |= unsafe
        return module
    if tensor_name in module._parameters or tensor_name in module._buffers:
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(f"Module '{module._get_name()}' has its '{tensor_name}' set to "
                             "None: there is nothing to parametrize")
        chain = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            cls = module.__class__
            module.__class__ = _parametrized_class(cls)
            module.parametrizations = ModuleDict()
        setattr(module.__class__, tensor_name, _property(tensor_name))
        module.parametrizations[tensor_name] = chain
        return module
    raise ValueError(f"Module '{module._get_name()}' does not have a parameter, a buffer, or a "
                     f"parametrized element with name '{tensor_name}'")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has any parametrization (or one on ``tensor_name``)."""
    params = module.__dict__.get("_modules", {}).get("parametrizations")
    if params is None or not isinstance(params, ModuleDict):
        return False
    if tensor_name is None:
        return len(params) > 0
    return tensor_name in params


def type_before_parametrizations(module: Module) -> type:
    """The module's own class, not the generated Parametrized subclass."""
    if is_parametrized(module):
        return module.__class__._unparametrized_class  # type: ignore[attr-defined]
    return type(module)


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Turns ``module.<tensor_name>`` back into a plain parameter (or buffer): its current
    parametrized value when ``leave_parametrized``, else the original tensor."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module._get_name()} does not have a parametrization on "
                         f"{tensor_name}")
    chain = module.parametrizations[tensor_name]
    if chain.is_tensor:
        original = chain.original
        if leave_parametrized:
            with ag.no_grad():
                value = getattr(module, tensor_name)
            if value.dtype != original.dtype:
                raise ValueError(f"remove_parametrizations: the parametrized '{tensor_name}' "
                                 f"has dtype {value.dtype}, the original {original.dtype}")
            _set_values(original, value)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        with ag.no_grad():
            value = getattr(module, tensor_name)
        arr = np.array(value._data, copy=True)
        first = chain.original0
        if isinstance(first, Parameter):
            original = Parameter(arr, requires_grad=first.requires_grad)
        else:
            original = ag.Tensor(arr, requires_grad=first.requires_grad)
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_tensor(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__._unparametrized_class  # type: ignore[attr-defined]
    return module
