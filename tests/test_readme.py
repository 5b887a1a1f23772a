"""The README's Python examples run as a reader would run them: every ```python block, in order,
in one fresh interpreter whose working directory is an empty folder, with the repository root on
PYTHONPATH. A block that raises fails the test with its number and the error; a `print(...)`
whose line ends in a comment must print that comment's text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TIMEOUT_S = 300  # a hung interpreter fails the test; the blocks take seconds

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
PRINTED = re.compile(r"^\s*print\(.*\)\s+#\s*(.+?)\s*$")

# Runs each block in one shared namespace; on the first exception it prints the traceback,
# then the block's number and line in README.md with the error, and exits with status 1.
RUNNER = """
import json, sys, traceback
blocks = json.load(open(sys.argv[1], encoding="utf-8"))
ns = {"__name__": "__main__"}
for number, line, source in blocks:
    try:
        exec(compile(source, f"README.md block {number} (line {line})", "exec"), ns)
    except BaseException as e:
        sys.stdout.flush()
        traceback.print_exc()
        print(f"README.md block {number} (line {line}) raised {type(e).__name__}: {e}",
              file=sys.stderr)
        sys.exit(1)
"""


def python_blocks(text: str) -> list[tuple[int, int, str]]:
    """(number from 1, line of its first code line in the file, source) of every python block."""
    return [(n, text.count("\n", 0, m.start(1)) + 1, m.group(1))
            for n, m in enumerate(FENCE.finditer(text), start=1)]


def expected_prints(source: str) -> list[str]:
    """The comment after each `print(...)` line: what the line prints."""
    return [m.group(1) for m in map(PRINTED.match, source.splitlines()) if m]


def test_blocks_are_found() -> None:
    text = "intro\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\nprint(x)  # 1\n```\n"
    blocks = python_blocks(text)
    assert [(n, line) for n, line, _ in blocks] == [(1, 3), (2, 10)]
    assert blocks[1][2] == "print(x)  # 1\n"
    assert expected_prints(blocks[1][2]) == ["1"]


def test_readme_examples_run_in_order(tmp_path: Path) -> None:
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 4, f"expected the README's python examples, found {len(blocks)} blocks"
    (tmp_path / "blocks.json").write_text(json.dumps(blocks), encoding="utf-8")
    (tmp_path / "run_readme.py").write_text(RUNNER, encoding="utf-8")
    work = tmp_path / "cwd"
    work.mkdir()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    env.update(MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, str(tmp_path / "run_readme.py"), str(tmp_path / "blocks.json")],
        cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stderr[-6000:] or f"exit status {proc.returncode}"

    printed = [line.strip() for line in proc.stdout.splitlines()]
    for number, _, source in blocks:
        for expected in expected_prints(source):
            assert expected in printed, (
                f"README.md block {number} says a print gives {expected!r}; the output was:\n"
                + proc.stdout[-3000:]
            )

    # the graph example writes its picture into the working directory
    svg = work / "step.svg"
    assert svg.is_file() and svg.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
