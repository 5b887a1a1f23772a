"""The results as a console table, a Markdown file and a JSON file."""

from __future__ import annotations

import json
import os
from collections.abc import Container, Sequence
from typing import Any

from .autoencode import AutoencoderResult
from .classify import ClassifierResult
from .recipe import Recipe

HEADER = ("model", "parameters", "test accuracy", "paper", "train accuracy", "time", "ms/step")


def _rows(results: Sequence[ClassifierResult]) -> list[tuple[str, ...]]:
    return [
        (r.title, f"{r.parameters:,}", f"{100 * r.test_accuracy:.1f} %",
         f"{100 * r.paper_accuracy:.0f} %", f"{100 * r.run.curves.last('train_accuracy'):.1f} %",
         f"{r.run.seconds:.1f} s", f"{r.run.ms_per_step:.2f}")
        for r in results
    ]


def classifier_caption(recipe: Recipe, seed: int) -> str:
    return (f"MNIST-1D test accuracy, trained here beside the paper's (Adam, lr {recipe.lr:g}, "
            f"batch {recipe.batch_size}, {recipe.steps} steps, seed {seed})")


def text_table(results: Sequence[ClassifierResult]) -> str:
    return _aligned([HEADER, *_rows(results)])


def autoencoder_line(result: AutoencoderResult) -> str:
    return (f"digits autoencoder {'-'.join(map(str, result.sizes))}, {result.run.steps} steps: "
            f"test MSE {result.test_loss:.4f}, {result.neighbours}-NN test accuracy on the 2-D "
            f"codes {100 * result.knn_accuracy:.1f} %, {result.run.seconds:.1f} s")


BASELINE_HEADER = ("model", "data", "parameters", "steps", "test measure (lower is better)",
                   "model's", "baseline", "baseline's", "time")
BASELINE_CAPTION = "Generative and sequence models beside a simple baseline, on held-out data"


def _baseline_rows(results: Sequence[Any]) -> list[tuple[str, ...]]:
    return [(r.row_title, r.data, f"{r.parameters:,}", str(r.run.steps), r.measure,
             f"{r.test_mse:.4f}", r.baseline_name, f"{r.baseline:.4f}", f"{r.run.seconds:.1f} s")
            for r in results]


def baseline_notes(results: Sequence[Any]) -> list[str]:
    """One line per model with what the table has no room for (the VAE's ELBO, the other
    baselines)."""
    return [r.note() for r in results]


def baseline_table(results: Sequence[Any]) -> str:
    return _aligned([BASELINE_HEADER, *_baseline_rows(results)], left={0, 1, 4, 6})


def _aligned(rows: list[tuple[str, ...]], left: Container[int] = (0,)) -> str:
    """Columns padded to their widest cell: text in `left` on the left, numbers right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c.ljust(w) if i in left else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(classifiers: Sequence[ClassifierResult], autoencoder: AutoencoderResult | None,
             recipe: Recipe, seed: int, total_seconds: float, note: str | None = None,
             against_baselines: Sequence[Any] = ()) -> str:
    parts = ["# Results", ""]
    if note:
        parts += [f"> {note}", ""]
    if classifiers:
        parts += [classifier_caption(recipe, seed) + ".", ""]
        parts.append("| " + " | ".join(HEADER) + " |")
        parts.append("|" + "|".join(["---"] + ["---:"] * (len(HEADER) - 1)) + "|")
        parts += ["| " + " | ".join(row) + " |" for row in _rows(classifiers)]
        parts.append("")
        parts += ["Paper: Greydanus and Kobak, *Scaling down deep learning with MNIST-1D* "
                  "(2020); time is wall time on this machine, evaluations included.", ""]
    if autoencoder is not None:
        a = autoencoder
        parts += ["| autoencoder | parameters | steps | test MSE | "
                  f"{a.neighbours}-NN accuracy on codes | time |",
                  "|---|---:|---:|---:|---:|---:|",
                  f"| {'-'.join(map(str, a.sizes))} | {a.parameters:,} | {a.run.steps} | "
                  f"{a.test_loss:.4f} | {100 * a.knn_accuracy:.1f} % | {a.run.seconds:.1f} s |",
                  ""]
    if against_baselines:
        parts += [BASELINE_CAPTION + ".", ""]
        parts.append("| " + " | ".join(BASELINE_HEADER) + " |")
        parts.append("|" + "|".join(["---"] * 2 + ["---:"] * 2 + ["---"] + ["---:"] + ["---"]
                                    + ["---:"] * 2) + "|")
        parts += ["| " + " | ".join(row) + " |" for row in _baseline_rows(against_baselines)]
        parts.append("")
        parts += [f"- {line}" for line in baseline_notes(against_baselines)]
        parts.append("")
    parts.append(f"Total wall time: {total_seconds:.1f} s.")
    return "\n".join(parts) + "\n"


def write_json(path: str | os.PathLike, payload: dict[str, Any]) -> str:
    out = os.fspath(path)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2, allow_nan=True)
        f.write("\n")
    return out
