"""Command line of the main job: ``python -m experiments`` (or ``autograd-demo``)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import report
from .convae import ConvAERecipe
from .forecast import ForecastRecipe
from .generative import VAERecipe
from .recipe import CLASSIFIERS, PAPER_RECIPE, TITLES, Recipe
from .threads import blas_threads

MODELS = (*CLASSIFIERS, "autoencoder", "convae", "vae", "forecaster")
DATASET_OF = {"logreg": "mnist1d", "mlp": "mnist1d", "cnn": "mnist1d", "autoencoder": "digits",
              "convae": "digits", "vae": "digits", "forecaster": "pendulum"}
DATASETS = ("mnist1d", "digits", "pendulum")
QUICK_STEPS = 300

DESCRIPTION = """\
Train the MNIST-1D paper's logistic regression, MLP and CNN with the paper's recipe (Adam,
lr 0.01, batch 100, 6000 steps) on MNIST-1D generated locally, and print their test accuracy
beside the paper's; train an autoencoder with a 2-D code, a convolutional autoencoder with
transposed convolutions and a variational autoencoder on the UCI handwritten digits, and an LSTM
that forecasts a simulated damped pendulum, each of the last three beside a simple baseline
(PCA with the same code size; a least-squares linear forecast); write loss curves, the digits'
codes and reconstructions, digits sampled from the VAE's prior and forecasts (PNG), the graph of
one MLP training step colored by gradient (SVG), results.json and results.md to the output
folder."""

EPILOG = """\
examples:
  python -m experiments                    the whole job: under a minute
  python -m experiments --quick            a fast first look, 300 steps per model: about 15 s
  python -m experiments --model mlp,cnn --steps 2000 --out /tmp/run
  python -m experiments --dataset digits   the three autoencoders: about 15 s
  python -m experiments --model forecaster the LSTM forecaster only: about 8 s

Times after set-up, with one BLAS thread, on a 2-core AMD EPYC machine shared with other work
(December 2026): the whole job took 32 s before the conv autoencoder, the VAE and the
forecaster, the CNN 20 s of it; those three add about 20 s under heavy load (16 s of it
training). Depending on the other load, runs there have taken 28 to 75 s."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m experiments", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=(*DATASETS, "all"), default="all",
                        help="mnist1d: the three classifiers; digits: the autoencoder, the "
                             "conv autoencoder and the VAE; pendulum: the forecaster (default: "
                             "all)")
    parser.add_argument("--model", action="append", metavar="NAME",
                        help=f"which models to train, from {', '.join(MODELS)} or all; repeat "
                             "the option or give a comma list (default: all)")
    parser.add_argument("--steps", type=_positive_int, metavar="N",
                        help=f"training steps (mini-batches) per model (default: "
                             f"{PAPER_RECIPE.steps} for the classifiers as in the paper, 4000 "
                             f"for the autoencoder, {ConvAERecipe.steps} for the conv "
                             f"autoencoder, {VAERecipe.steps} for the VAE, "
                             f"{ForecastRecipe.steps} for the forecaster)")
    parser.add_argument("--eval-every", type=_positive_int, metavar="N",
                        help="evaluate on the training and test sets every N steps for the "
                             "curves (default: 250, 50 for the forecaster, or steps/10 for "
                             "short runs)")
    parser.add_argument("--seed", type=_seed, default=0, metavar="S",
                        help="seed of the initial weights, batch order and digits split "
                             "(default: 0); MNIST-1D itself is always the paper's data")
    parser.add_argument("--out", default="results", metavar="DIR",
                        help="output folder, created if needed (default: ./results)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: {QUICK_STEPS} steps per model unless --steps is given")
    parser.add_argument("--no-plots", action="store_true",
                        help="write only results.json and results.md (no PNG or SVG)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars or progress messages; the results table and "
                             "the list of files are still printed")
    parser.add_argument("--no-compile", action="store_true",
                        help="run every training step eagerly instead of through ag.compile "
                             "(the results are the same)")
    parser.add_argument("--threads", type=_non_negative_int, default=1, metavar="N",
                        help="BLAS threads while training (default: 1, the fastest for these "
                             "small models; 0 leaves the BLAS default)")
    return parser


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer; got {text!r}")
    return value


def _seed(text: str) -> int:
    value = _int(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"the seed must be in [0, 2**32); got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer; got {text!r}") from None


def select_models(model_args: Sequence[str] | None, dataset: str) -> list[str]:
    """The models to train, in the job's order, from --model values and --dataset.

    Raises ValueError naming the unknown model, or saying that the two options exclude
    every model."""
    wanted: set[str] = set()
    for value in model_args or ["all"]:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name == "all":
                wanted.update(MODELS)
            elif name in MODELS:
                wanted.add(name)
            else:
                raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)} "
                                 "or all")
    if not wanted:
        raise ValueError("--model was given no model names")
    chosen = [m for m in MODELS if m in wanted and dataset in ("all", DATASET_OF[m])]
    if not chosen:
        asked = ", ".join(m for m in MODELS if m in wanted)
        raise ValueError(f"--dataset {dataset} has none of the models asked for ({asked}): "
                         "logreg, mlp and cnn train on mnist1d, autoencoder, convae and vae "
                         "on digits, forecaster on pendulum")
    return chosen


def _eval_every(steps: int, asked: int | None, default: int = 250) -> int:
    return asked if asked is not None else min(default, max(1, steps // 10))


def _with_steps(recipe: Any, steps: int | None, eval_every: int | None) -> Any:
    """`recipe` with the command line's step count and evaluation period, where given."""
    recipe = recipe if steps is None else replace(recipe, steps=steps)
    return replace(recipe, eval_every=_eval_every(recipe.steps, eval_every, recipe.eval_every))


class _Printer:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def progress(self, text: str = "") -> None:
        if not self.quiet:
            print(text, flush=True)

    def always(self, text: str = "") -> None:
        print(text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the main job with command-line arguments `argv` (default: sys.argv[1:]); returns
    the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        models = select_models(args.model, args.dataset)
    except ValueError as err:
        parser.error(str(err))
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        parser.error(f"cannot create the output folder {out}: {err}")
    with blas_threads(args.threads) as limited:
        return _run(args, models, out, limited, list(sys.argv[1:] if argv is None else argv))


def _run(args: argparse.Namespace, models: list[str], out: Path, limited: bool,
         argv: list[str]) -> int:
    from . import loop
    from .autoencode import AutoencoderRecipe, train_autoencoder
    from .classify import mnist1d_arrays, train_classifier
    from .convae import train_conv_autoencoder
    from .forecast import train_forecaster
    from .generative import train_vae

    loop.COMPILE = not args.no_compile
    say = _Printer(args.quiet)
    started = time.perf_counter()
    steps = args.steps if args.steps is not None else (QUICK_STEPS if args.quick else None)
    recipe = PAPER_RECIPE if steps is None else replace(PAPER_RECIPE, steps=steps)
    recipe = replace(recipe, eval_every=_eval_every(recipe.steps, args.eval_every))
    ae_recipe = AutoencoderRecipe()
    ae_recipe = ae_recipe if steps is None else replace(ae_recipe, steps=steps)
    ae_recipe = replace(ae_recipe, eval_every=_eval_every(ae_recipe.steps, args.eval_every))
    convae_recipe = _with_steps(ConvAERecipe(), steps, args.eval_every)
    vae_recipe = _with_steps(VAERecipe(), steps, args.eval_every)
    forecast_recipe = _with_steps(ForecastRecipe(), steps, args.eval_every)
    note = _note(args, recipe)
    say.progress(f"main job: {', '.join(TITLES[m] for m in models)}; results in {out}/")
    if note:
        say.progress(f"note: {note}")
    if args.threads and not limited:
        say.progress("note: could not limit the BLAS threads here; OPENBLAS_NUM_THREADS=1 in "
                     "the environment is usually much faster")

    files: dict[str, str] = {}
    classifiers = []
    classifier_names = [m for m in models if m in CLASSIFIERS]
    data_info: dict[str, float] = {}
    if classifier_names:
        t0 = time.perf_counter()
        data = mnist1d_arrays()
        data_seconds = time.perf_counter() - t0
        data_info = {"train": len(data["x"]), "test": len(data["x_test"]),
                     "load_seconds": data_seconds}
        say.progress(f"MNIST-1D: {len(data['x'])} training and {len(data['x_test'])} test "
                     f"signals of length {data['x'].shape[1]} (paper's data, generated "
                     f"locally in {data_seconds:.1f} s); Adam, lr {recipe.lr:g}, batch "
                     f"{recipe.batch_size}, {recipe.steps} steps "
                     f"({recipe.steps * recipe.batch_size / len(data['x']):g} epochs)")
        for name in classifier_names:
            result = train_classifier(name, data, recipe, seed=args.seed,
                                      progress=not args.quiet)
            classifiers.append(result)
            say.progress(f"{result.title}: test accuracy {100 * result.test_accuracy:.1f} % "
                         f"(paper {100 * result.paper_accuracy:.0f} %) in "
                         f"{result.run.seconds:.1f} s")
        mlp = next((r for r in classifiers if r.name == "mlp"), None)
        if mlp is not None and not args.no_plots:
            from .graph import save_step_graph

            batch = slice(0, recipe.batch_size)
            path = save_step_graph(mlp.model, data["x"][batch], data["y"][batch],
                                   out / "mlp_step_graph.svg")
            files[Path(path).name] = ("the graph of one training step of the trained MLP, "
                                      "tensors colored by gradient size, boxed by module")

    autoencoder = None
    if "autoencoder" in models:
        say.progress(f"UCI digits: autoencoder with a {ae_recipe.code_size}-D code, Adam, lr "
                     f"{ae_recipe.lr:g}, batch {ae_recipe.batch_size}, {ae_recipe.steps} steps")
        autoencoder = train_autoencoder(ae_recipe, seed=args.seed, progress=not args.quiet)
        say.progress(report.autoencoder_line(autoencoder))

    against: list[Any] = []
    if "convae" in models:
        r = convae_recipe
        say.progress(f"UCI digits: conv autoencoder with an {r.code_size}-D code (Conv2d down, "
                     f"ConvTranspose2d up), Adam, lr {r.lr:g}, batch {r.batch_size}, {r.steps} "
                     "steps")
        against.append(train_conv_autoencoder(r, seed=args.seed, progress=not args.quiet))
        say.progress(against[-1].note())
    if "vae" in models:
        r = vae_recipe
        say.progress(f"UCI digits: VAE with a {r.latent}-D latent, Adam, lr {r.lr:g}, batch "
                     f"{r.batch_size}, {r.steps} steps")
        against.append(train_vae(r, seed=args.seed, progress=not args.quiet))
        say.progress(against[-1].note())
    if "forecaster" in models:
        r = forecast_recipe
        say.progress(f"damped pendulum: {r.train_series} training and {r.test_series} test "
                     f"series generated from the seed; LSTM with {r.hidden} units reads "
                     f"{r.window} samples and predicts the next {r.horizon}; Adam, lr {r.lr:g} "
                     f"on a cosine to 0, batch {r.batch_size}, {r.steps} steps")
        against.append(train_forecaster(r, seed=args.seed, progress=not args.quiet))
        say.progress(against[-1].note())

    if not args.no_plots:
        files.update(_plots(classifiers, autoencoder, against, out))
    total = time.perf_counter() - started
    files["results.md"] = "the tables above, in Markdown"
    files["results.json"] = "every number, with the curves and the settings"
    (out / "results.md").write_text(
        report.markdown(classifiers, autoencoder, recipe, args.seed, total, note, against),
        encoding="utf-8")
    payload = _payload(args, argv, models, recipe, ae_recipe, classifiers, autoencoder, files,
                       total, data_info, limited, note)
    entries = {"conv autoencoder": ("digits_conv_autoencoder", convae_recipe),
               "VAE": ("digits_vae", vae_recipe),
               "LSTM forecaster": ("pendulum_forecaster", forecast_recipe)}
    for result in against:
        key, used = entries[result.title]
        payload[key] = {"recipe": {**asdict(used), "optimizer": "Adam"}, **result.to_dict()}
    report.write_json(out / "results.json", payload)

    say.always()
    if classifiers:
        say.always(report.classifier_caption(recipe, args.seed))
        say.always(report.text_table(classifiers))
        say.always()
    if autoencoder is not None:
        say.always(report.autoencoder_line(autoencoder))
        say.always()
    if against:
        say.always(report.BASELINE_CAPTION)
        say.always(report.baseline_table(against))
        for line in report.baseline_notes(against):
            say.always(f"  {line}")
        say.always()
    say.always(f"total wall time {total:.1f} s; wrote to {out.resolve()}/:")
    width = max(len(name) for name in files)
    for name, what in files.items():
        say.always(f"  {name.ljust(width)}  {what}")
    return 0


def _note(args: argparse.Namespace, recipe: Recipe) -> str | None:
    if recipe.steps == PAPER_RECIPE.steps:
        return None
    mode = "quick mode: " if args.quick and args.steps is None else ""
    return (f"{mode}{recipe.steps} steps per model instead of the paper's "
            f"{PAPER_RECIPE.steps}, so accuracies are not comparable with the paper's")


def _plots(classifiers: list, autoencoder: Any, against: list, out: Path) -> dict[str, str]:
    from . import plots

    files = {}
    if classifiers:
        plots.save_classifier_curves(classifiers, out / "mnist1d_curves.png")
        files["mnist1d_curves.png"] = ("loss and accuracy on the training and test sets "
                                       "against steps, per model, with the paper's accuracy")
    if autoencoder is not None:
        plots.save_autoencoder_curves(autoencoder, out / "autoencoder_curves.png")
        plots.save_codes(autoencoder, out / "autoencoder_codes.png")
        plots.save_reconstructions(autoencoder, out / "autoencoder_reconstructions.png")
        files["autoencoder_curves.png"] = "the autoencoder's training and test loss"
        files["autoencoder_codes.png"] = ("the 2-D codes of the training and test digits, "
                                          "colored by digit")
        files["autoencoder_reconstructions.png"] = ("test digits (top) and their "
                                                    "reconstructions (bottom)")
    for result in against:
        if result.title == "conv autoencoder":
            plots.save_conv_autoencoder(result, out / "conv_autoencoder.png")
            files["conv_autoencoder.png"] = ("the conv autoencoder's training and test loss "
                                             "beside PCA's, and test digits rebuilt by both")
        elif result.title == "VAE":
            plots.save_vae_curves(result, out / "vae_curves.png")
            plots.save_vae_samples(result, out / "vae_samples.png")
            files["vae_curves.png"] = ("the VAE's loss (-ELBO) and, on the test digits, its "
                                       "reconstruction and KL terms")
            files["vae_samples.png"] = ("digits decoded from draws of the VAE's prior, and "
                                        "from a grid of its latent plane")
        else:
            plots.save_forecast_curves(result, out / "forecast_curves.png")
            plots.save_forecast_examples(result, out / "forecast_examples.png")
            files["forecast_curves.png"] = ("the LSTM forecaster's training and test loss, with "
                                            "the baselines' test loss")
            files["forecast_examples.png"] = ("test series with the LSTM's and the linear "
                                              "forecast, and the error against steps ahead")
    return files


def _payload(args: argparse.Namespace, argv: list[str], models: list[str], recipe: Recipe,
             ae_recipe: Any, classifiers: list, autoencoder: Any, files: dict[str, str],
             total: float, data_info: dict[str, float], limited: bool,
             note: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "arguments": argv,
        "models": models,
        "seed": args.seed,
        "quick": bool(args.quick),
        "note": note,
        "total_seconds": total,
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "cpus": os.cpu_count(), "blas_threads": args.threads if limited else None},
        "files": files,
    }
    if classifiers:
        payload["mnist1d"] = {
            "recipe": {**asdict(recipe), "optimizer": "Adam"},
            "data": data_info,
            "models": {r.name: r.to_dict() for r in classifiers},
        }
    if autoencoder is not None:
        payload["digits_autoencoder"] = {"recipe": {**asdict(ae_recipe), "optimizer": "Adam"},
                                         **autoencoder.to_dict()}
    return payload
