"""The notebooks under notebooks/: each runs top to bottom in a fresh kernel, is committed with
the outputs of such a run, has its source beside it (NN_name.py, Jupytext's percent format)
with the same cells, is built by notebooks/build.py and nothing else, and is listed in
notebooks/README.md, whose curriculum table covers every row of CURRICULUM.md.

The kernel gets the repository root on PYTHONPATH, so the notebooks import autograd_core, nn
and optim whether or not the project is installed (`pip install -e .` also works), MPLBACKEND=Agg
(no display needed), and one BLAS thread: the notebooks multiply small matrices, for which BLAS
threads on a busy 2-core machine only spin and slow everything down many times over.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))
INDEX = NOTEBOOK_DIR / "README.md"
BUILD = NOTEBOOK_DIR / "build.py"
CURRICULUM_CANDIDATES = (ROOT / "docs" / "CURRICULUM.md",)
CELL_TIMEOUT_S = 300  # a safety net against a hung kernel, not a speed requirement
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

by_name = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


def _code_cells(nb: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(index, cell) of every code cell with some source; empty cells are never executed."""
    return [(i, c) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def _source(cell: dict[str, Any]) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _failure_report(path: Path, nb: Any, error: BaseException) -> str:
    """Which cell failed, its source and its traceback, without terminal colours."""
    cells = _code_cells(nb)
    failed = next(((i, c) for i, c in cells
                   if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    if failed is None:  # a timeout or a dead kernel: the last cell that started running
        started = [(i, c) for i, c in cells if c.get("execution_count") is not None]
        failed = started[-1] if started else cells[0]
    index, cell = failed
    tracebacks = ["\n".join(o.get("traceback", [])) for o in cell.get("outputs", [])
                  if o.get("output_type") == "error"]
    detail = "\n".join(tracebacks) or str(error)
    return ANSI_ESCAPE.sub("", f"{path.name}: cell {index} failed ({type(error).__name__})\n"
                                f"----- cell source -----\n{_source(cell)}\n"
                                f"----- error -----\n{detail}")


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 8, f"expected the course notebooks in {NOTEBOOK_DIR}"


@by_name
def test_notebook_runs_top_to_bottom(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ipykernel  # noqa: F401  (the kernel the notebooks run in)
    import nbclient
    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    python_path = [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(python_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    nb = nbformat.read(path, as_version=4)
    for _, cell in _code_cells(nb):  # so that a failure report cannot blame a stale cell
        cell.outputs, cell.execution_count = [], None
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        pytest.fail(_failure_report(path, nb, error), pytrace=False)


@by_name
def test_notebook_is_committed_with_outputs(path: Path) -> None:
    """Readers on the web see the stored outputs, so they must come from one clean run."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = _code_cells(nb)
    assert cells, f"{path.name} has no code"
    counts = [c.get("execution_count") for _, c in cells]
    not_run = [i for i, c in cells if c.get("execution_count") is None]
    assert not not_run, (f"{path.name}: code cells {not_run} were never executed; run the "
                         "notebook top to bottom and save it with its outputs")
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not those of one top-to-bottom run in a "
        "fresh kernel")
    errors = [i for i, c in cells if any(o.get("output_type") == "error" for o in c["outputs"])]
    assert not errors, f"{path.name}: cells {errors} are stored with an error output"
    assert any(c["outputs"] for _, c in cells), f"{path.name}: no cell has an output"
    plots = any("plt." in _source(c) for _, c in cells)
    pngs = any("image/png" in o.get("data", {}) for _, c in cells for o in c["outputs"])
    assert pngs or not plots, (f"{path.name} draws with matplotlib but stores no PNG: it was "
                               "saved from a run without the inline backend")


def _build_module() -> ModuleType:
    """notebooks/build.py, imported from its path (notebooks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("notebooks_build", BUILD)
    assert spec is not None and spec.loader is not None, f"cannot import {BUILD}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@by_name
def test_notebook_has_a_source_with_the_same_cells(path: Path) -> None:
    """What the .ipynb shows is what its .py says: edits go to the source, then a rebuild."""
    build = _build_module()
    source = path.with_suffix(".py")
    assert source.is_file(), (f"{path.name} has no source {source.name}; write one with "
                              f"`jupytext --to py:percent {path.name}`")
    import nbformat

    have = build.cells(nbformat.read(path, as_version=4))
    want = build.cells(build.read_source(source))
    assert [c[0] for c in have] == [c[0] for c in want], (
        f"{path.name} and {source.name} have different cells: rebuild with "
        f"`PYTHONPATH=. .venv/bin/python notebooks/build.py {path.stem[:2]}`")
    differ = [i for i, (a, b) in enumerate(zip(have, want)) if a != b]
    assert not differ, (f"cells {differ} of {path.name} differ from {source.name}: rebuild with "
                        f"`PYTHONPATH=. .venv/bin/python notebooks/build.py {path.stem[:2]}`")


def test_build_check_passes() -> None:
    """`build.py --check`: every source has its notebook, in Jupytext's percent format."""
    problems = _build_module().check()
    assert not problems, "\n".join(problems)


def test_check_catches_a_source_that_drifted(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    build = _build_module()
    original = NOTEBOOKS[0]
    for suffix in (".ipynb", ".py"):
        copy = original.with_suffix(suffix)
        (tmp_path / copy.name).write_bytes(copy.read_bytes())
    monkeypatch.setattr(build, "HERE", tmp_path)
    assert build.check() == []
    source = tmp_path / original.with_suffix(".py").name
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\n# %%\nprint('new')\n", encoding="utf-8")
    assert any("differs" in p for p in build.check())
    header_end = text.index("# ---\n", 1) + len("# ---\n")
    source.write_text(text[header_end:], encoding="utf-8")  # the same cells, no header
    assert any("header" in p for p in build.check())
    (tmp_path / "99_orphan.py").write_text("# %%\n1\n", encoding="utf-8")
    source.unlink()
    problems = build.check()
    assert any("has no source" in p for p in problems), problems
    assert any("99_orphan.py was never built" in p for p in problems), problems


def test_there_is_one_build_path() -> None:
    """No second builder: notebooks/ holds the notebooks, their sources and build.py, and no
    other Python file in the repository writes a notebook."""
    stems = {p.stem for p in NOTEBOOKS}
    allowed = {BUILD.name} | {f"{s}.py" for s in stems}
    python_files = sorted(str(p.relative_to(NOTEBOOK_DIR)) for p in NOTEBOOK_DIR.rglob("*.py")
                          if ".ipynb_checkpoints" not in p.parts)
    extra = [name for name in python_files if name not in allowed]
    assert not extra, f"notebooks/ has Python files that are neither sources nor build.py: {extra}"
    writers = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if any(part.startswith(".") or part.endswith(".egg-info") or part == "__pycache__"
               for part in rel.parts) or path == BUILD:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.search(r"\b(nbformat|jupytext)\.writes?\(", text):
            writers.append(str(rel))
    assert not writers, f"only notebooks/build.py may write notebooks, but so do {writers}"


def _index_text() -> str:
    assert INDEX.is_file(), f"missing the notebooks index {INDEX}"
    return INDEX.read_text(encoding="utf-8")


def _normalized(text: str) -> str:
    return " ".join(text.split()).lower()


def test_index_lists_every_notebook_and_only_existing_ones() -> None:
    index = _index_text()
    linked = set(re.findall(r"\(([^()\s]+\.ipynb)\)", index))
    missing = [p.name for p in NOTEBOOKS if p.name not in linked]
    assert not missing, f"{INDEX.name} does not link {missing}"
    dangling = sorted(name for name in linked if not (NOTEBOOK_DIR / name).is_file())
    assert not dangling, f"{INDEX.name} links notebooks that do not exist: {dangling}"


def _curriculum_concepts(text: str) -> list[str]:
    """The first column of every body row of the markdown table in CURRICULUM.md."""
    rows = [line for line in text.splitlines() if line.lstrip().startswith("|")]
    body = [r for r in rows[1:] if not re.fullmatch(r"\s*\|[\s|:-]+\|\s*", r)]
    return [r.strip().strip("|").split("|")[0].strip() for r in body]


def test_curriculum_table_parses() -> None:
    table = ("| concept | library | shown in |\n|---|---|---|\n"
             "| neuron, z = w·a + b | `nn.Linear` | intro |\n| dropout | `nn.Dropout` | reg |\n")
    assert _curriculum_concepts(table) == ["neuron, z = w·a + b", "dropout"]


def test_every_curriculum_concept_is_in_the_index() -> None:
    curriculum = next((p for p in CURRICULUM_CANDIDATES if p.is_file()), None)
    looked = ", ".join(str(p) for p in CURRICULUM_CANDIDATES)
    assert curriculum is not None, f"CURRICULUM.md not found (looked in {looked})"
    concepts = _curriculum_concepts(curriculum.read_text(encoding="utf-8"))
    assert len(concepts) >= 10, f"could not read the curriculum table in {curriculum}"
    index = _normalized(_index_text())
    absent = [c for c in concepts if _normalized(c) not in index]
    assert not absent, f"{INDEX.name} does not cover these curriculum rows: {absent}"
