"""Build the notebooks from their sources, or check that they agree with them.

    PYTHONPATH=. .venv/bin/python notebooks/build.py              # every notebook
    PYTHONPATH=. .venv/bin/python notebooks/build.py 04 13_auto   # those whose name starts so
    PYTHONPATH=. .venv/bin/python notebooks/build.py --check      # compare, execute nothing

The source of notebooks/NN_name.ipynb is notebooks/NN_name.py, a Jupytext "percent" file: a
`# ---` header that names the kernel, then `# %%` before each code cell and `# %% [markdown]`
before each markdown cell, whose lines are comments. Jupytext, Jupyter with the Jupytext
extension, VS Code and Spyder read it as a notebook, and ruff lints it as the Python file it is.

A build reads the source with Jupytext, runs it in a fresh kernel (cwd notebooks/, the
repository root on PYTHONPATH, one BLAS thread, matplotlib's inline backend so that figures are
stored as PNG) and writes the .ipynb with its outputs. What the .ipynb stores is kept free of
anything that changes from one run to the next, so that rebuilding an unchanged source gives a
byte-identical file: cell ids are "NN-ii" (notebook number, cell index), there is no timing
metadata, the notebook metadata is the kernel's alone, text printed by one cell in a row is one
output however the kernel happened to flush it, and object addresses in plain-text reprs
("<graphviz.graphs.Digraph at 0x7f...>") are dropped. What no build can pin down is the last
digits of floating-point results, which depend on the machine's BLAS and SIMD code paths, so
that on another machine a rebuild can change digits in notebooks whose sources did not change
(and a training run can carry them further, into the accuracies it prints).

`--check` reads every notebook and its source and reports those whose cells differ (type,
source or metadata), a notebook without a source and a source without a notebook. It runs
nothing, so it takes a second; tests/notebooks/test_notebooks.py runs it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAME = re.compile(r"\d\d_\w+")  # NN_name: the notebooks and their sources
FORMAT = "py:percent"
CELL_TIMEOUT_S = 120
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# cell metadata that only records how Jupytext laid the cell out in the text file
LAYOUT_KEYS = frozenset({"lines_to_next_cell", "lines_to_end_of_cell_marker", "cell_marker",
                         "region_name"})
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def sources() -> list[Path]:
    """notebooks/NN_name.py, sorted."""
    return sorted(p for p in HERE.glob("*.py") if NAME.fullmatch(p.stem))


def notebooks() -> list[Path]:
    """notebooks/NN_name.ipynb, sorted."""
    return sorted(p for p in HERE.glob("*.ipynb") if NAME.fullmatch(p.stem))


def read_source(path: Path) -> nbformat.NotebookNode:
    """The cells of a source as a new notebook, ready to run: kernel metadata, ids NN-ii."""
    parsed = jupytext.read(path, fmt=FORMAT)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": {"name": "python"}}
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}
    for i, cell in enumerate(parsed.cells):
        new = make[cell.cell_type](cell.source, metadata=_metadata(cell))
        new.id = f"{path.stem[:2]}-{i:02d}"
        nb.cells.append(new)
    return nb


def _metadata(cell: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cell.get("metadata", {}).items() if k not in LAYOUT_KEYS}


def normalize(nb: nbformat.NotebookNode) -> None:
    """Remove what differs between two runs of the same notebook."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        outputs: list[nbformat.NotebookNode] = []
        for output in cell.outputs:
            data = output.get("data", {})
            if "text/plain" in data:
                data["text/plain"] = ADDRESS.sub(">", data["text/plain"])
            last = outputs[-1] if outputs else None
            if (output.output_type == "stream" and last is not None
                    and last.output_type == "stream" and last.name == output.name):
                last.text += output.text  # where the kernel flushed its buffer depends on timing
            else:
                outputs.append(output)
        cell.outputs = outputs


def kernel_env() -> dict[str, str]:
    """The environment of the kernel that runs a notebook."""
    env = dict(os.environ)
    python_path = [str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(python_path))
    # without MPLBACKEND the kernel selects the inline backend, which stores figures as PNG
    env.pop("MPLBACKEND", None)
    # small matrices: extra BLAS threads only spin, and slow a busy machine down many times
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    env["PYTHONHASHSEED"] = "0"  # the same order of iteration over sets of strings every run
    return env


def build(source: Path) -> float:
    """Run a source and write notebooks/<its name>.ipynb; returns the run time in seconds."""
    nb = read_source(source)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name=KERNEL["name"],
                            resources={"metadata": {"path": str(HERE)}}, record_timing=False)
    start = time.perf_counter()
    try:
        client.execute(env=kernel_env())
    finally:  # a failed run is written too, so that its outputs can be inspected
        elapsed = time.perf_counter() - start
        normalize(nb)
        nbformat.validate(nb)
        nbformat.write(nb, source.with_suffix(".ipynb"))
    return elapsed


def cells(nb: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(type, source, metadata) of every cell: what a notebook and its source must share."""
    out = []
    for cell in nb["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        metadata = {k: v for k, v in _metadata(cell).items() if k != "execution"}
        out.append((cell["cell_type"], source, metadata))
    return out


def check() -> list[str]:
    """Every disagreement between the notebooks and their sources; empty when there is none."""
    problems = []
    built = {p.stem: p for p in notebooks()}
    written = {p.stem: p for p in sources()}
    for stem in sorted(built.keys() - written.keys()):
        problems.append(f"{built[stem].name} has no source {stem}.py")
    for stem in sorted(written.keys() - built.keys()):
        problems.append(f"{written[stem].name} was never built: no {stem}.ipynb")
    for stem in sorted(built.keys() & written.keys()):
        header = jupytext.read(written[stem]).metadata
        layout = header.get("jupytext", {}).get("text_representation", {})
        if layout.get("format_name") != "percent" or "format_version" not in layout:
            problems.append(f"{stem}.py does not start with Jupytext's header of the percent "
                            "format (`jupytext --to py:percent` writes one)")
            continue
        if header.get("kernelspec") != KERNEL:
            problems.append(f"{stem}.py names the kernel {header.get('kernelspec')}, "
                            f"the build runs {KERNEL}")
        want = cells(read_source(written[stem]))
        have = cells(nbformat.read(built[stem], as_version=4))
        if have != want:
            where = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b),
                         min(len(have), len(want)))
            problems.append(f"{stem}.ipynb differs from {stem}.py from cell {where} on "
                            f"({len(have)} cells against {len(want)}); rebuild it")
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prefixes", nargs="*",
                        help="build the notebooks whose name starts with one of these")
    parser.add_argument("--check", action="store_true",
                        help="execute nothing; check that every notebook's cells are its source's")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"{len(notebooks())} notebooks agree with their sources")
        return 1 if problems else 0
    chosen = [s for s in sources()
              if not args.prefixes or any(s.stem.startswith(p) for p in args.prefixes)]
    if not chosen:
        print(f"no source in {HERE} starts with {args.prefixes}", file=sys.stderr)
        return 1
    for source in chosen:
        print(f"{source.stem}: {build(source):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
