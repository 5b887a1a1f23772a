"""Regenerate notebooks from their Python sources in notebooks/src/ and store the outputs.

    PYTHONPATH=. .venv/bin/python notebooks/_build.py              # every source
    PYTHONPATH=. .venv/bin/python notebooks/_build.py 04 07_regr   # sources whose name starts so

A source is a plain Python file in the "percent" format that Jupytext, VS Code and Spyder read:
`# %%` starts a code cell and `# %% [markdown]` a markdown cell whose lines are comments. Keeping
the source in Python keeps the diffs readable; the .ipynb next to it is what people open, so it
is executed here in a fresh kernel (cwd notebooks/, inline PNG figures) and saved with its
outputs. Timing metadata is left out so that a rebuild only changes what really changed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCES = HERE / "src"
CELL_TIMEOUT_S = 120
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def parse_percent(text: str) -> list[nbformat.NotebookNode]:
    """Cells of a percent-format source: `# %%` opens code, `# %% [markdown]` markdown."""
    cells: list[nbformat.NotebookNode] = []
    kind, lines = None, []

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if kind == "markdown":
            body = "\n".join(_uncomment(line) for line in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif kind == "code" and body.strip():
            cells.append(nbformat.v4.new_code_cell(body))

    for line in text.splitlines():
        if line.startswith("# %%"):
            flush()
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def _uncomment(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    if line.rstrip() == "#":
        return ""
    raise ValueError(f"markdown lines must start with '# ': {line!r}")


def build(source: Path) -> float:
    """Write and execute notebooks/<source stem>.ipynb; returns the execution time in seconds."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    nb.cells = parse_percent(source.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{i:02d}"
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env_path) if p)
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend stores figures as PNG
    # small matrices: extra BLAS threads only spin, and slow a busy machine down many times
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}}, record_timing=False)
    target = HERE / f"{source.stem}.ipynb"
    start = time.perf_counter()
    try:
        client.execute()
    finally:  # a failed run is written too, so that its outputs can be inspected
        elapsed = time.perf_counter() - start
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.validate(nb)
        nbformat.write(nb, target)
    return elapsed


def main(argv: list[str]) -> int:
    sources = sorted(SOURCES.glob("[0-9]*.py"))
    if argv:
        sources = [s for s in sources if any(s.stem.startswith(a) for a in argv)]
        if not sources:
            print(f"no source in {SOURCES} starts with {argv}", file=sys.stderr)
            return 1
    for source in sources:
        print(f"{source.stem}: {build(source):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
