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
from .convae import ConvAEResult
from .forecast import ForecastResult
from .generative import VAEResult

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


def save_vae_curves(result: VAEResult, path: str | os.PathLike) -> str:
    """The loss (the negative ELBO) on the left; its two parts on the test set on the right,
    where the KL term shows how much the codes are allowed to say about each image."""
    curves = result.run.curves
    fig = Figure(figsize=(10.0, 4.0), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(curves.steps, curves.values["train_loss"], **TRAIN_STYLE)
    left.plot(curves.steps, curves.values["test_loss"], **TEST_STYLE)
    left.set_ylabel("-ELBO (nats per image)")
    left.set_title(f"VAE with a {result.latent}-D latent: the loss")
    right.plot(curves.steps, curves.values["test_reconstruction"], color="tab:green",
               label="reconstruction -log p(x|z)")
    right.set_ylabel("reconstruction (nats per image)")
    kl_ax = right.twinx()
    kl_ax.plot(curves.steps, curves.values["test_kl"], color="tab:purple",
               label="KL(q(z|x) || N(0, I))")
    kl_ax.set_ylabel("KL (nats per image)")
    kl_ax.set_ylim(bottom=0)
    right.set_title("its two parts, on the test digits")
    right.legend(handles=[*right.get_lines(), *kl_ax.get_lines()], loc="upper right")
    for ax in (left, right):
        ax.set_xlabel(f"training step (batch of {result.run.batch_size})")
        ax.grid(alpha=0.3)
    left.legend()
    return _save(fig, path)


def save_vae_samples(result: VAEResult, path: str | os.PathLike) -> str:
    """Digits decoded from draws of the prior N(0, I) (left) and, for a 2-D latent, from a
    grid of latent points (right): the map of what the decoder has learned."""
    side = int(round(np.sqrt(result.x_test.shape[1])))
    has_grid = len(result.latent_grid) > 0
    fig = Figure(figsize=(11.5 if has_grid else 6.5, 5.4), layout="constrained")
    axes = fig.subplots(1, 2 if has_grid else 1, squeeze=False)[0]
    columns = 8
    samples = result.prior_samples.reshape(-1, side, side)
    axes[0].imshow(_mosaic(samples, columns), cmap="gray_r", vmin=0.0, vmax=1.0,
                   interpolation="nearest")
    axes[0].set_title(f"{len(samples)} draws z ~ N(0, I), decoded")
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    if has_grid:
        values = result.grid_values
        n = len(values)
        grid = result.latent_grid.reshape(-1, side, side)
        axes[1].imshow(_mosaic(grid, n), cmap="gray_r", vmin=0.0, vmax=1.0,
                       interpolation="nearest")
        ticks = (np.arange(n) + 0.5) * (side + 1)
        axes[1].set_xticks(ticks, [f"{v:g}" for v in values])
        axes[1].set_yticks(ticks, [f"{v:g}" for v in values[::-1]])
        axes[1].set_xlabel("latent z1")
        axes[1].set_ylabel("latent z2")
        axes[1].set_title("the decoder over a grid of the latent plane")
    fig.suptitle("VAE on the UCI digits: images generated from the prior (pixel means of "
                 "p(x|z))")
    return _save(fig, path)


def save_forecast_curves(result: ForecastResult, path: str | os.PathLike) -> str:
    """The LSTM's training and test loss against steps, on a log scale, with the baselines'
    test MSE as horizontal lines."""
    curves = result.run.curves
    fig = Figure(figsize=(6.8, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.semilogy(curves.steps, curves.values["train_loss"], **TRAIN_STYLE)
    ax.semilogy(curves.steps, curves.values["test_loss"], **TEST_STYLE)
    for (name, value), style in zip(result.baselines.items(), (":", "--")):
        ax.axhline(value, color="black", linestyle=style, label=f"{name} (test)")
    ax.set_xlabel(f"training step (batch of {result.run.batch_size})")
    ax.set_ylabel(f"MSE over the next {result.horizon} samples")
    ax.set_title(f"LSTM forecaster on the damped pendulum ({result.parameters:,} parameters)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return _save(fig, path)


def save_forecast_examples(result: ForecastResult, path: str | os.PathLike,
                           count: int = 4) -> str:
    """A few test series, each with the window the model read, the truth, and the LSTM's and
    the linear fit's forecasts; the last panel shows the error against steps ahead."""
    fig = Figure(figsize=(4.0 * (count + 1), 3.6), layout="constrained")
    axes = fig.subplots(1, count + 1)
    # from small swings to large ones, whose period is longer: spread over the amplitudes
    order = np.argsort(np.abs(result.x_test).max(1))
    picks = order[(np.linspace(0.15, 0.99, count) * (len(order) - 1)).astype(int)]
    past = np.arange(result.window) * result.dt
    future = (result.window + np.arange(result.horizon)) * result.dt
    for ax, i in zip(axes, picks):
        ax.plot(past, result.x_test[i], color="black", label="window (input)")
        ax.plot(future, result.y_test[i], color="gray", linewidth=3, alpha=0.5, label="truth")
        ax.plot(future, result.forecast[i], color="tab:blue", label="LSTM")
        ax.plot(future, result.ar_forecast[i], color="tab:orange", linestyle="--",
                label="linear AR")
        ax.axvline(past[-1], color="black", linewidth=0.5)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("angle (rad)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    ahead = np.arange(1, result.horizon + 1)
    last = axes[-1]
    last.semilogy(ahead, result.mse_by_step, color="tab:blue", label="LSTM")
    last.semilogy(ahead, result.ar_mse_by_step, color="tab:orange", linestyle="--",
                  label="linear AR")
    last.set_xlabel("steps ahead")
    last.set_ylabel("test MSE")
    last.set_title("error against the horizon")
    last.grid(alpha=0.3, which="both")
    last.legend()
    fig.suptitle(f"Forecasting {result.horizon} samples ({result.horizon * result.dt:g} s) "
                 f"from the last {result.window}: test series")
    return _save(fig, path)


def _mosaic(images: np.ndarray, columns: int) -> np.ndarray:
    """Images (n, h, w) tiled in rows of `columns`, one blank pixel between them."""
    n, h, w = images.shape
    rows = -(-n // columns)
    out = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    for k, image in enumerate(images):
        r, c = divmod(k, columns)
        out[r * (h + 1): r * (h + 1) + h, c * (w + 1): c * (w + 1) + w] = image
    return out


def save_conv_autoencoder(result: ConvAEResult, path: str | os.PathLike) -> str:
    """The training and test loss beside PCA's test error (left), and the first test image of
    each digit with its reconstruction by the network and by PCA with as many components as the
    code has numbers (right)."""
    curves = result.run.curves
    fig = Figure(figsize=(12.5, 4.0), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=(1.0, 1.6))
    ax = left.subplots()
    ax.semilogy(curves.steps, curves.values["train_loss"], **TRAIN_STYLE)
    ax.semilogy(curves.steps, curves.values["test_loss"], **TEST_STYLE)
    ax.axhline(result.baseline, color="black", linestyle=":",
               label=f"{result.baseline_name} (test)")
    ax.set_xlabel(f"training step (batch of {result.run.batch_size})")
    ax.set_ylabel("reconstruction MSE per pixel")
    ax.set_title(f"conv autoencoder ({result.parameters:,} parameters)")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    picks = [int(np.flatnonzero(result.y_test == d)[0]) for d in range(10)
             if np.any(result.y_test == d)]
    originals = result.x_test[picks]
    rows = {"original": originals, "conv AE": result.reconstruct(originals),
            f"PCA {result.code_size}": result.pca_reconstruct(originals)}
    axes = right.subplots(len(rows), len(picks), squeeze=False)
    side = int(round(np.sqrt(originals.shape[1])))
    for r, (name, images) in enumerate(rows.items()):
        for c in range(len(picks)):
            axes[r][c].imshow(images[c].reshape(side, side), cmap="gray_r", vmin=0.0, vmax=1.0,
                              interpolation="nearest")
            axes[r][c].set_xticks([])
            axes[r][c].set_yticks([])
        axes[r][0].set_ylabel(name)
    right.suptitle(f"test digits rebuilt from {result.code_size} numbers")
    return _save(fig, path)
