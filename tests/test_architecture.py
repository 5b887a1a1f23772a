"""The import rules of docs/ARCHITECTURE.md, checked on the source: each layer imports only the
layers below it, the engine names no package above it, and the heavy third-party libraries are
imported only where (and when) they are needed.

Imports are read from the syntax tree, including those inside functions, so a lazy import is
still a dependency; only the package namespace itself (`import autograd_core as ag`, whose
attributes are looked up when a method runs) is allowed upward, from the Tensor.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd_core", "nn", "optim", "experiments")

E = "autograd_core"
# module or subpackage -> what it may import from this project (prefixes; itself always allowed)
ALLOWED: dict[str, set[str]] = {
    f"{E}.ops": {f"{E}.dtypes"},
    f"{E}.dtypes": set(),
    f"{E}.devices": set(),
    f"{E}.unsupported": set(),
    f"{E}.arguments": set(),
    f"{E}.rng": {f"{E}.devices", f"{E}.tensor"},  # tensor inside get_state: tensor draws from rng
    f"{E}.modes": set(),
    f"{E}.anomaly": set(),
    f"{E}.tensor": {f"{E}.ops", f"{E}.dtypes", f"{E}.arguments", f"{E}.modes", f"{E}.anomaly",
                    f"{E}.rng", f"{E}.unsupported"},
    f"{E}.scalar": {f"{E}.tensor", f"{E}.ops", f"{E}.modes", f"{E}.anomaly"},
    f"{E}.functions": {f"{E}.tensor", f"{E}.scalar", f"{E}.ops", f"{E}.dtypes",
                       f"{E}.arguments", f"{E}.modes", f"{E}.compiler"},
    f"{E}.creation": {f"{E}.tensor", f"{E}.scalar", f"{E}.rng", f"{E}.dtypes", f"{E}.devices",
                      f"{E}.arguments", f"{E}.anomaly", f"{E}.compiler"},
    f"{E}.engine": {f"{E}.tensor", f"{E}.scalar", f"{E}.ops", f"{E}.modes", f"{E}.anomaly"},
    f"{E}.function": {f"{E}.tensor", f"{E}.ops", f"{E}.modes"},
    f"{E}.pytree": set(),
    f"{E}.functional": {f"{E}.engine", f"{E}.functions", f"{E}.tensor", f"{E}.modes",
                        f"{E}.arguments",
                        f"{E}.ops", f"{E}.pytree"},
    f"{E}.func": {f"{E}.functional", f"{E}.functions", f"{E}.pytree", f"{E}.rng",
                  f"{E}.arguments",
                  f"{E}.tensor"},
    f"{E}.autograd": {f"{E}.engine", f"{E}.function", f"{E}.functions", f"{E}.gradcheck",
                      f"{E}.modes", f"{E}.ops", f"{E}.pytree", f"{E}.tensor"},
    f"{E}.gradcheck": {f"{E}.engine", f"{E}.tensor", f"{E}.modes", f"{E}.arguments"},
    f"{E}.interop": {f"{E}.functions", f"{E}.tensor", f"{E}.modes"},
    f"{E}.viz": {f"{E}.tensor", f"{E}.engine"},
    f"{E}.serialization": {f"{E}.tensor", f"{E}.devices"},
    f"{E}.special": {f"{E}.functions"},
    f"{E}.linalg": {f"{E}.functions"},
    f"{E}.compiler": {f"{E}.engine", f"{E}.tensor", f"{E}.ops", f"{E}.modes", f"{E}.anomaly",
                      f"{E}.pytree", f"{E}.rng", f"{E}.dtypes", f"{E}.scalar"},
    "nn": {E},
    "optim": {E},
    "experiments": {E, "nn", "optim"},
}
# the package namespace, looked up at call time: Tensor methods call the public functions
NAMESPACE_USERS = {f"{E}.tensor"}

# third-party imports allowed anywhere in a package, and those allowed only inside a function
THIRD_PARTY = {
    "autograd_core": ({"numpy"}, {"graphviz"}),
    "nn": ({"numpy", "tqdm"}, {"mnist1d"}),
    "optim": ({"numpy"}, set()),
    "experiments": ({"numpy", "matplotlib", "tqdm"}, {"mnist1d", "threadpoolctl", "graphviz"}),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, at module level?, line) for every import statement in the file."""
    name = _module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(), filename=str(path))
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                if node.module:
                    found.append((".".join(base + [node.module]), id(node) in top, node.lineno))
                else:  # from . import a, b: each name is a submodule
                    found += [(".".join(base + [a.name]), id(node) in top, node.lineno)
                              for a in node.names]
            else:
                found.append((node.module, id(node) in top, node.lineno))
    return found


def _sources() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]


def _layer(module: str) -> str:
    """The most specific ALLOWED key that module belongs to."""
    keys = [k for k in ALLOWED if module == k or module.startswith(k + ".")]
    if not keys:
        raise AssertionError(f"{module} belongs to no layer of docs/ARCHITECTURE.md")
    return max(keys, key=len)


def _within(module: str, prefixes: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_every_module_belongs_to_a_layer() -> None:
    for path in _sources():
        if _module_name(path) not in PACKAGES:
            _layer(_module_name(path))


def test_each_layer_imports_only_the_layers_below_it() -> None:
    broken = []
    for path in _sources():
        me = _module_name(path)
        if me in PACKAGES:  # a package's __init__ gathers its public names from every layer
            continue
        layer = _layer(me)
        allowed = ALLOWED[layer] | {layer}
        for target, _, line in _imports(path):
            if target.split(".")[0] not in PACKAGES:
                continue
            if target == E and me in NAMESPACE_USERS:
                continue
            if not _within(target, allowed):
                broken.append(f"{path.relative_to(ROOT)}:{line} ({layer}) imports {target}")
    assert not broken, "imports against the layering:\n" + "\n".join(broken)


def test_the_engine_names_no_package_above_it() -> None:
    for path in (ROOT / E).rglob("*.py"):
        text = path.read_text()
        for above in ("nn", "optim", "experiments"):
            for target, _, line in _imports(path):
                assert target.split(".")[0] != above, f"{path}:{line} imports {target}"
            assert f'"{above}"' not in text, f"{path} names the package {above!r}"


def test_third_party_imports_stay_where_they_are_needed() -> None:
    broken = []
    for path in _sources():
        package = _module_name(path).split(".")[0]
        anywhere, lazily = THIRD_PARTY[package]
        for target, at_top, line in _imports(path):
            root = target.split(".")[0]
            if root in PACKAGES or root in sys.stdlib_module_names or root == "__future__":
                continue
            if root in anywhere or (root in lazily and not at_top):
                continue
            where = "at module level" if at_top else "inside a function"
            broken.append(f"{path.relative_to(ROOT)}:{line} imports {target} {where}")
    assert not broken, "third-party imports out of place:\n" + "\n".join(broken)


@pytest.mark.parametrize(("statement", "forbidden"), [
    ("import autograd_core", {"graphviz", "matplotlib", "tqdm", "nn", "optim", "scipy", "torch"}),
    ("import nn, optim", {"graphviz", "matplotlib", "mnist1d", "scipy", "torch", "experiments"}),
])
def test_importing_a_package_loads_nothing_heavier_than_it_needs(statement: str,
                                                                 forbidden: set[str]) -> None:
    code = (f"{statement}\nimport sys\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert not forbidden & set(out), f"{statement} loaded {sorted(forbidden & set(out))}"
