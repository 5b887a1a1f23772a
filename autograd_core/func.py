"""torch.func's namespace: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap and
functional_call, with torch.func's signatures, return conventions and error messages, on pytrees.

The differentiating transforms are those of functional.py, with torch.func's stricter checks in
front. vmap runs the function once per slice along the mapped dimensions and stacks the results:
the answers are those of torch.func's batching rules, at the cost of a Python loop.
functional_call works on anything shaped like a module (named_parameters, named_buffers, a call),
so the engine stays below the libraries built on it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import functional as _f
from .arguments import check_callable
from .functions.shape import stack
from .pytree import TreeSpec, broadcast_prefix, tree_flatten, tree_unflatten
from .rng import default_generator
from .tensor import Tensor

__all__ = [
    "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
    "functional_call",
]

ArgNums = int | tuple[int, ...]
_RANDOMNESS = ("error", "different", "same")


def _check_argnums(argnums: Any, n: int) -> None:
    if isinstance(argnums, int):
        nums: tuple = (argnums,)
    elif isinstance(argnums, tuple) and all(isinstance(a, int) for a in argnums):
        nums = argnums
        if not nums:
            raise RuntimeError("argnums must be non-empty")
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    wrapped = []
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
        wrapped.append(a % n)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"argnums elements must be unique, got {tuple(wrapped)}")


def _aux_pair(out: Any, api: str) -> None:
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")


def _only_tensors(out: Any, api: str) -> None:
    leaves, _ = tree_flatten(out)
    if not leaves:
        raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got "
                           f"output = {out})")
    for o in leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(o)}")


def _checked(func: Callable[..., Any], has_aux: bool, check: Callable[[Any], None],
             api: str) -> Callable[..., Any]:
    """func with torch.func's checks on what it returns, run before anything is differentiated."""

    def run(*args: Any, **kwargs: Any) -> Any:
        res = func(*args, **kwargs)
        if has_aux:
            _aux_pair(res, api)
            check(res[0])
        else:
            check(res)
        return res

    return run


# -- gradients ---------------------------------------------------------------------------------
def grad_and_value(func: Callable[..., Any], argnums: ArgNums = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """(gradient, value), or (gradient, (value, aux)) with has_aux; func returns a 0-d Tensor."""
    check_callable(func, "grad_and_value", "func")
    api = "grad_and_value(f)(*args)"

    def scalar(out: Any) -> None:
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got {type(out)}")
        if out.ndim != 0:
            raise RuntimeError(f"{api}: Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.ndim} dims. Maybe you wanted to use the vjp or jacrev "
                               "APIs instead?")

    vg = _f.value_and_grad(_checked(func, has_aux, scalar, api), argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_argnums(argnums, len(args))
        value, g = vg(*args, **kwargs)
        return g, value

    return wrapper


def grad(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False
         ) -> Callable[..., Any]:
    """The gradient of a function returning a 0-d Tensor, structured like the arguments named by
    argnums; (gradient, aux) with has_aux."""
    check_callable(func, "grad", "func")
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """(output, vjp_fn), or (output, vjp_fn, aux). vjp_fn(cotangents), with cotangents structured
    exactly like the output, returns a tuple with one gradient per primal."""
    check_callable(func, "vjp", "func")
    api = "vjp(f, *primals)"

    def floating(out: Any) -> None:
        _only_tensors(out, api)
        for o in tree_flatten(out)[0]:
            if o.dtype.kind not in "fc":
                raise RuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or "
                                   f"complex Tensors, got Tensor with dtype {o.dtype}")

    value, pull, aux, ospec = _f._vjp(_checked(func, has_aux, floating, api), primals, has_aux,
                                      "vjp")

    def vjp_fn(cotangents: Any, *, retain_graph: bool = True,
               create_graph: bool | None = None) -> tuple:
        """The graph is kept whatever retain_graph says, so vjp_fn can always be called again."""
        leaves, spec = tree_flatten(cotangents)
        if spec != ospec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree "
                               f"structure of outputs to the function. cotangents: {spec}, "
                               f"primal output: {ospec}")
        return pull(leaves, create_graph)

    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> tuple:
    """(output, J·tangents), or with aux third; primals is a tuple (f is called as f(*primals))
    and tangents has exactly its structure."""
    check_callable(func, "jvp", "func")
    api = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    _, t_spec = tree_flatten(tangents)
    if not p_leaves:
        raise RuntimeError(f"{api}: Expected primals to contain at least one Tensor.")
    if p_spec != t_spec:
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents "
                           f"also must be. Got primals with structure {p_spec} and tangents with "
                           f"structure {t_spec}")

    def tensors(out: Any) -> None:
        for o in tree_flatten(out)[0]:
            if not isinstance(o, Tensor):
                raise RuntimeError(f"{api}: expected f(*args) to return only tensors, got "
                                   f"unsupported type {type(o)}")

    value, tout, aux, dependent = _f._jvp(_checked(func, has_aux, tensors, api), primals,
                                          tangents, has_aux, "jvp")
    if strict and not all(dependent):
        raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is "
                           "independent of the inputs. This is not allowed with strict=True.")
    return (value, tout, aux) if has_aux else (value, tout)


def jacrev(func: Callable[..., Any], argnums: ArgNums = 0, *, has_aux: bool = False,
           chunk_size: int | None = None) -> Callable[..., Any]:
    """The Jacobian by reverse mode, one backward pass per output element: for each output leaf,
    a block shaped output.shape + input.shape per differentiated input leaf. chunk_size is
    accepted for torch's signature; the rows are computed one at a time whatever it is."""
    check_callable(func, "jacrev", "func")
    if chunk_size is not None and not chunk_size > 0:
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    api = "jacrev(f, ...)(*args)"
    jac = _f.jacobian(_checked(func, has_aux, lambda o: _only_tensors(o, api), api), argnums,
                      has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_argnums(argnums, len(args))
        return jac(*args, **kwargs)

    return wrapper


def jacfwd(func: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable[..., Any]:
    """The Jacobian by forward mode (one forward pass, then one J·e per input element). func runs
    once, so randomness only decides whether drawing random numbers in it is an error."""
    check_callable(func, "jacfwd", "func")
    _check_randomness(randomness)
    api = "jacfwd(f, ...)(*args)"
    inner = _checked(func, has_aux, lambda o: _only_tensors(o, api), api)
    if randomness == "error":
        inner = _refusing_randomness(inner)
    jac = _f.jacfwd(inner, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_argnums(argnums, len(args))
        return jac(*args, **kwargs)

    return wrapper


def hessian(func: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """Forward over reverse, as torch.func: jacfwd(jacrev(func, argnums), argnums)."""
    check_callable(func, "hessian", "func")
    return jacfwd(jacrev(func, argnums), argnums)


# -- vmap --------------------------------------------------------------------------------------
def _check_randomness(randomness: str) -> None:
    if randomness not in _RANDOMNESS:
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def _random_error() -> RuntimeError:
    return RuntimeError("vmap: called random operation while in randomness error mode. Please "
                        "either use the 'same' or 'different' randomness flags on vmap or perform "
                        "the randomness operation out of vmap")


def _refusing_randomness(func: Callable[..., Any]) -> Callable[..., Any]:
    """func, raising when it draws from the generator (its state moves)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        gen = default_generator()
        before = gen.bit_generator.state
        out = func(*args, **kwargs)
        if default_generator() is not gen or gen.bit_generator.state != before:
            raise _random_error()
        return out

    return run


def _name(func: Any) -> str:
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def _batched_inputs(in_dims: Any, args: tuple, func: Any
                    ) -> tuple[int, list[int | None], list[Any], TreeSpec]:
    """The batch size, one in_dim per leaf of args (normalized), the leaves, their structure."""
    where = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add "
                         "inputs, or you are trying to vmap over a function with no inputs. The "
                         "latter is unsupported.")
    flat_args, spec = tree_flatten(args)
    flat_dims = broadcast_prefix(in_dims, spec)
    if flat_dims is None:
        dims_spec = tree_flatten(in_dims, is_leaf=lambda x: x is None)[1]
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {dims_spec} but inputs has structure {spec}.")
    for i, (arg, d) in enumerate(zip(flat_args, flat_dims)):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either an "
                             "integer dimension or None.")
        if not isinstance(arg, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type "
                             f"{type(arg)}. We cannot vmap over non-Tensor arguments, please use "
                             "None as the respective in_dim")
        if not -arg.ndim <= d < arg.ndim:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor "
                             f"of dimensionality {arg.ndim} so expected in_dim to satisfy "
                             f"-{arg.ndim} <= in_dim < {arg.ndim}.")
        flat_dims[i] = d % arg.ndim
    sizes = [a.shape[d] for a, d in zip(flat_args, flat_dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return sizes[0], flat_dims, flat_args, spec


def _check_out_dims(out_dims: Any, func: Any) -> None:
    if isinstance(out_dims, int):
        return
    for d in tree_flatten(out_dims, is_leaf=lambda x: x is None)[0]:
        if d is not None and (not isinstance(d, int) or isinstance(d, bool)):
            raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be "
                             "an int, None or a python collection of ints representing where in "
                             "the outputs the vmapped dimension should appear.")


def _flat_out_dims(out_dims: Any, out: Any, spec: TreeSpec, func: Any) -> list[int | None]:
    def incompatible() -> ValueError:
        dims_spec = tree_flatten(out_dims, is_leaf=lambda x: x is None)[1]
        return ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is "
                          "not compatible with the structure of `outputs`. out_dims has "
                          f"structure {dims_spec} but outputs has structure {spec}.")

    if isinstance(out, Tensor):
        if out_dims is None or isinstance(out_dims, int):
            return [out_dims]
        if isinstance(out_dims, tuple) and len(out_dims) == 1:
            return list(out_dims)
        raise incompatible()
    flat = broadcast_prefix(out_dims, spec)
    if flat is None:
        raise incompatible()
    return flat


def _unbatched(values: list[Any], func: Any) -> Any:
    """An output with out_dim=None: the same in every slice, or torch's error for a batched one."""
    first = values[0]
    if isinstance(first, Tensor):
        for v in values[1:]:
            if v is not first and not (isinstance(v, Tensor) and v.shape == first.shape
                                       and np.array_equal(v._data, first._data)):
                name = _name(func)
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor "
                                 "when out_dim is None")
    return first


def _stacked(values: list[Any], out_dim: int, func: Any) -> Tensor:
    for v in values:
        if not isinstance(v, Tensor):
            name = _name(func)
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(v)}. Did you mean to set out_dims= to None for output?")
    nd = values[0].ndim
    if not -(nd + 1) <= out_dim < nd + 1:
        raise ValueError(f"vmap({_name(func)}, ...): out_dim={out_dim} is out of range for an "
                         f"output with {nd} dims (expected {-(nd + 1)} <= out_dim < {nd + 1})")
    return stack(values, out_dim % (nd + 1))


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable[..., Any]:
    """func mapped over a dimension of its inputs, as torch.func.vmap.

    in_dims (an int, None, or a tuple with one entry per positional argument, nested like the
    argument) says which dimension of each Tensor is mapped, None for one passed whole to every
    slice; keyword arguments are never mapped. out_dims places the mapped dimension in each
    output; an output with out_dim None must come out the same from every slice (torch refuses
    one that depends on the mapped inputs; a loop can only compare the values). randomness:
    'error' refuses random draws inside func, 'different' lets every slice draw its own, 'same'
    gives every slice the same draws. The function runs once per slice (chunk_size is checked
    and otherwise changes nothing), on slices that stay in the graph, so vmap composes with the
    differentiating transforms both ways.
    """
    check_callable(func, "vmap", "func")
    _check_randomness(randomness)
    if chunk_size is not None and not chunk_size > 0:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _check_out_dims(out_dims, func)
        n, flat_dims, flat_args, spec = _batched_inputs(in_dims, args, func)
        if n == 0:
            raise ValueError(f"vmap({_name(func)}, ...): the mapped dimension has size 0, and "
                             "vmap runs the function once per slice, so it needs at least one")
        gen = default_generator()
        start = gen.bit_generator.state
        results: list[list[Any]] = []
        out_spec = out_first = None
        for i in range(n):
            sliced = [a if d is None else a[(slice(None),) * d + (i,)]
                      for a, d in zip(flat_args, flat_dims)]
            if randomness == "same":
                gen.bit_generator.state = start
            before = gen.bit_generator.state if randomness == "error" else None
            out = func(*tree_unflatten(sliced, spec), **kwargs)
            if before is not None and (default_generator() is not gen
                                       or gen.bit_generator.state != before):
                raise _random_error()
            leaves, o_spec = tree_flatten(out)
            if out_spec is None:
                out_spec, out_first = o_spec, out
            elif o_spec != out_spec:
                raise ValueError(f"vmap({_name(func)}, ...): the outputs of different slices "
                                 f"differ in structure: {out_spec} and {o_spec}")
            results.append(leaves)
        assert out_spec is not None
        dims = _flat_out_dims(out_dims, out_first, out_spec, func)
        flat_out = []
        for k, d in enumerate(dims):
            column = [r[k] for r in results]
            flat_out.append(_unbatched(column, func) if d is None
                            else _stacked(column, d, func))
        return tree_unflatten(flat_out, out_spec)

    functools.update_wrapper(wrapped, func, assigned=("__name__", "__qualname__", "__doc__"),
                             updated=())
    return wrapped


# -- functional_call ---------------------------------------------------------------------------
_MISSING = object()


def _named_tensors(module: Any) -> dict[str, Any]:
    """Every parameter and buffer name, tied ones under each of their names."""
    named: dict[str, Any] = {}
    for method in ("named_parameters", "named_buffers"):
        fn = getattr(module, method, None)
        if fn is None:
            continue
        try:
            items = fn(remove_duplicate=False)
        except TypeError:
            items = fn()
        named.update(items)
    return named


def _untie(named: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """values, with a value given for one name of a tied tensor given for all of its names."""
    groups: dict[int, list[str]] = {}
    for name, t in named.items():
        groups.setdefault(id(t), []).append(name)
    tied = {name: g for g in groups.values() if len(g) > 1 for name in g}
    out = dict(values)
    for key in values:
        if key not in tied:
            continue
        group = tied[key]
        if len({id(values[n]) for n in group if n in values}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(group)}, "
                             "which are tied. Consider using tie_weights=False")
        for n in group:
            out[n] = values[key]
    return out


def _swap(module: Any, name: str, value: Any) -> Any:
    """Puts value at the dotted name and returns what was there (_MISSING for nothing).

    A registered parameter or buffer is replaced in its module's table, as torch does, which
    bypasses the type check of attribute assignment (a plain Tensor where a Parameter was);
    any other name is set as an attribute, and deleted again when value is _MISSING.
    """
    *path, leaf = name.split(".")
    owner = module
    for part in path:
        owner = getattr(owner, part)
    tables = getattr(owner, "__dict__", {})
    for registry in ("_parameters", "_buffers"):
        table = tables.get(registry)
        if isinstance(table, dict) and leaf in table:
            old = table[leaf]
            table[leaf] = value
            return old
    old = getattr(owner, leaf, _MISSING)
    if value is _MISSING:
        delattr(owner, leaf)
    else:
        setattr(owner, leaf, value)
    return old


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """module(*args, **kwargs) with its parameters and buffers replaced, for this call only, by
    the Tensors of parameter_and_buffer_dicts (a dict from dotted names, or several dicts), so a
    module's output can be differentiated with respect to a dict of weights."""
    if isinstance(parameter_and_buffer_dicts, dict):
        values = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        dicts = list(parameter_and_buffer_dicts)
        if not all(isinstance(d, dict) for d in dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be "
                             "dictionaries")
        counts: dict[str, int] = {}
        for d in dicts:
            for k in d:
                counts[k] = counts.get(k, 0) + 1
        repeated = [k for k, c in counts.items() if c > 1]
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        values = {k: v for d in dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(parameter_and_buffer_dicts)}")
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    named = _named_tensors(module)
    given = _untie(named, values) if tie_weights else dict(values)
    if strict:
        errors = []
        unexpected = [k for k in given if k not in named]
        missing = [k for k in named if k not in given]
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            kind = getattr(module, "_get_name", lambda: type(module).__name__)()
            raise RuntimeError(f"Error(s) in reparametrizing for {kind}:\n\t" + "\n\t".join(errors))
    swapped: list[tuple[str, Any]] = []
    try:
        for name, value in given.items():
            swapped.append((name, _swap(module, name, value)))
        return module(*args, **kwargs)
    finally:
        for name, old in reversed(swapped):
            now = _swap(module, name, old)
            if name in values and values is parameter_and_buffer_dicts:
                values[name] = now  # as torch: a Tensor the module replaced comes back
