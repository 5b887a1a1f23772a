"""The job's PNG figures, drawn with matplotlib's object API.

Figures are made with ``matplotlib.figure.Figure`` and saved by its own Agg canvas, never
through pyplot, so no display is needed and the caller's pyplot backend is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .autoencode import AutoencoderResult
from .classify import ClassifierResult

DPI = 120
TRAIN_STYLE = {"color": "tab:blue", "label": "train"}
TEST_STYLE = {"color": "tab:orange", "label": "test"}


def save_classifier_curves(results: Sequence[ClassifierResult], path: str | os.PathLike) -> str:
    """Loss (top row) and accuracy (bottom row) against steps, one column per model, with the
    paper's test accuracy as a dotted line."""
    fig = Figure(figsize=(4.2 * len(results), 6.4), layout="constrained")
    axes = fig.subplots(2, len(results), squeeze=False, sharex="col")
    for column, result in enumerate(results):
        curves = result.run.curves
        steps = curves.steps
        loss_ax, acc_ax = axes[0][column], axes[1][column]
        loss_ax.plot(steps, curves.values["train_loss"], **TRAIN_STYLE)
        loss_ax.plot(steps, curves.values["test_loss"], **TEST_STYLE)
        loss_ax.set_title(f"{result.title} ({result.parameters:,} parameters)")
        loss_ax.set_ylabel("cross-entropy loss")
        loss_ax.set_ylim(bottom=0)
        loss_ax.grid(alpha=0.3)
        loss_ax.legend()
        acc_ax.plot(steps, 100 * np.asarray(curves.values["train_accuracy"]), **TRAIN_STYLE)
        acc_ax.plot(steps, 100 * np.asarray(curves.values["test_accuracy"]), **TEST_STYLE)
        acc_ax.axhline(100 * result.paper_accuracy, color="black", linestyle=":",
                       label=f"paper test ({100 * result.paper_accuracy:.0f} %)")
        acc_ax.set_ylim(0, 102)
        acc_ax.set_xlabel(f"training step (batch of {result.run.batch_size})")
        acc_ax.set_ylabel("accuracy (%)")
        acc_ax.grid(alpha=0.3)
        acc_ax.legend(loc="lower right")
    fig.suptitle("MNIST-1D: the paper's models trained with its recipe (Adam, learning rate "
                 "0.01)")
    return _save(fig, path)


def save_autoencoder_curves(result: AutoencoderResult, path: str | os.PathLike) -> str:
    curves = result.run.curves
    fig = Figure(figsize=(6.0, 4.0), layout="constrained")
    ax = fig.subplots()
    ax.plot(curves.steps, curves.values["train_loss"], **TRAIN_STYLE)
    ax.plot(curves.steps, curves.values["test_loss"], **TEST_STYLE)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"training step (batch of {result.run.batch_size})")
    ax.set_ylabel("reconstruction loss (mean squared error)")
    ax.set_title(f"digits autoencoder {'-'.join(map(str, result.sizes))}")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def save_codes(result: AutoencoderResult, path: str | os.PathLike) -> str:
    """The 2-D codes of every digit image, colored by the digit they show (the labels were
    never used in training); test images are drawn larger, with a black edge, and a second
    legend says so."""
    fig = Figure(figsize=(7.5, 6.4), layout="constrained")
    ax = fig.subplots()
    colors = _digit_colors()
    for digit in range(10):
        train = result.codes_train[result.y_train == digit]
        test = result.codes_test[result.y_test == digit]
        ax.scatter(train[:, 0], train[:, 1], s=9, color=colors[digit], alpha=0.55,
                   linewidths=0, label=str(digit))
        ax.scatter(test[:, 0], test[:, 1], s=22, color=colors[digit], edgecolors="black",
                   linewidths=0.5)
        everything = np.concatenate([train, test])
        if len(everything):
            cx, cy = np.median(everything, axis=0)
            ax.annotate(str(digit), (cx, cy), ha="center", va="center", fontsize=13,
                        fontweight="bold", color="white",
                        bbox={"boxstyle": "circle,pad=0.2", "fc": colors[digit], "ec": "black"})
    ax.set_xlabel("code dimension 1")
    ax.set_ylabel("code dimension 2")
    ax.set_title(f"UCI digits in the autoencoder's 2-D code (test k-NN accuracy "
                 f"{100 * result.knn_accuracy:.1f} %)")
    legend = ax.legend(title="digit", loc="center left", bbox_to_anchor=(1.0, 0.5),
                       markerscale=2.0, frameon=False)
    for handle in legend.legend_handles:
        handle.set_alpha(1.0)
    ax.add_artist(legend)
    # a second key for the marker styles, in a light gray that no digit has
    key = "#cfcfcf"
    train_key = ax.scatter([], [], s=9, color=key, linewidths=0,
                           label=f"training image ({len(result.codes_train)})")
    test_key = ax.scatter([], [], s=22, color=key, edgecolors="black", linewidths=0.5,
                          label=f"test image ({len(result.codes_test)})")
    median_key = Line2D([], [], linestyle="none", marker="o", markersize=11,
                        markerfacecolor=key, markeredgecolor="black",
                        label="median of a digit's codes")
    ax.legend(handles=[train_key, test_key, median_key], title="marker (color: digit)",
              loc="lower left", bbox_to_anchor=(1.0, 0.0), markerscale=1.5, frameon=False)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def save_reconstructions(result: AutoencoderResult, path: str | os.PathLike) -> str:
    """The first test image of each digit (top row) above its reconstruction (bottom row)."""
    picks = [int(np.flatnonzero(result.y_test == d)[0]) for d in range(10)
             if np.any(result.y_test == d)]
    originals = result.x_test[picks]
    rebuilt = result.reconstruct(originals)
    fig = Figure(figsize=(1.0 * len(picks) + 1.2, 2.9), layout="constrained")
    axes = fig.subplots(2, len(picks), squeeze=False)
    side = int(round(np.sqrt(originals.shape[1])))
    for column, index in enumerate(picks):
        for row, images in enumerate((originals, rebuilt)):
            ax = axes[row][column]
            ax.imshow(images[column].reshape(side, side), cmap="gray_r", vmin=0.0, vmax=1.0,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(str(int(result.y_test[index])))
    axes[0][0].set_ylabel("original")
    axes[1][0].set_ylabel("rebuilt")
    fig.suptitle("Digits autoencoder: test images (top) and their reconstructions from a "
                 "2-D code (bottom)")
    return _save(fig, path)


def _digit_colors() -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i) for i in range(10)]


def _save(fig: Figure, path: str | os.PathLike) -> str:
    out = os.fspath(path)
    fig.savefig(out, dpi=DPI, format="png")
    return out
