"""The main job (`python -m experiments`): quick runs in-process and as a subprocess, files,
CLI errors; and that the library itself stays light (`import nn` pulls in no plotting)."""

import contextlib
import io
import json
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from experiments import threads
from experiments.cli import main, select_models

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
PICTURES = ("mnist1d_curves.png", "autoencoder_curves.png", "autoencoder_codes.png",
            "autoencoder_reconstructions.png", "conv_autoencoder.png", "vae_curves.png",
            "vae_samples.png",
            "forecast_curves.png", "forecast_examples.png")
QUICK_STEPS = 300


def run_main(args):
    """main(args) with stdout captured; returns (exit status, printed text)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(args)
    return status, out.getvalue()


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("quick")
    status, printed = run_main(["--quick", "--quiet", "--out", str(out)])
    return status, printed, out


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# -- the quick run, in-process ------------------------------------------------------------------
def test_quick_run_succeeds_and_prints_the_table_beside_the_paper(quick_run):
    status, printed, _ = quick_run
    assert status == 0
    for title, paper in (("logistic regression", "32 %"), ("MLP", "68 %"), ("CNN", "94 %")):
        line = next(line for line in printed.splitlines() if line.startswith(title))
        assert paper in line, line
    assert "paper" in printed and "test accuracy" in printed
    assert f"{QUICK_STEPS} steps" in printed
    assert "5-NN test accuracy on the 2-D codes" in printed
    for name in (*PICTURES, "mlp_step_graph.svg", "results.json", "results.md"):
        assert name in printed, f"the summary does not list {name}"


def test_quick_run_writes_readable_pictures(quick_run):
    _, _, out = quick_run
    for name in PICTURES:
        width, height = png_size(out / name)
        assert width >= 300 and height >= 200, (name, width, height)
        assert (out / name).stat().st_size > 5000


def test_graph_svg_parses_and_boxes_the_mlp_step_by_module(quick_run):
    _, _, out = quick_run
    root = ET.parse(out / "mlp_step_graph.svg").getroot()
    assert root.tag == f"{SVG}svg"
    classes = [(g.get("class") or "").split() for g in root.iter(f"{SVG}g")]
    assert ["graph"] in classes
    clusters = sum("cluster" in c for c in classes)
    assert clusters >= 6  # the MLP and its five modules: Linear, ReLU, Linear, ReLU, Linear
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for expected in ("0.weight", "2.weight", "4.bias", "grad RMS", "gradient size"):
        assert expected in text, f"{expected!r} is not in the graph"


def test_results_json_holds_accuracies_times_and_curves(quick_run):
    _, _, out = quick_run
    results = json.loads((out / "results.json").read_text())
    models = results["mnist1d"]["models"]
    assert set(models) == {"logreg", "mlp", "cnn"}
    paper = {"logreg": 0.32, "mlp": 0.68, "cnn": 0.94}
    for name, entry in models.items():
        assert entry["paper_test_accuracy"] == paper[name]
        assert 0.0 <= entry["test_accuracy"] <= 1.0
        assert entry["seconds"] > 0 and entry["steps"] == QUICK_STEPS
        curves = entry["curves"]
        assert curves["step"][0] == 0 and curves["step"][-1] == QUICK_STEPS
        for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
            assert len(curves[key]) == len(curves["step"])
        assert curves["test_accuracy"][-1] == entry["test_accuracy"]
    assert results["mnist1d"]["recipe"]["lr"] == 0.01
    assert results["mnist1d"]["recipe"]["batch_size"] == 100
    assert results["total_seconds"] > sum(m["seconds"] for m in models.values())
    assert set(results["files"]) >= {*PICTURES, "mlp_step_graph.svg"}
    md = (out / "results.md").read_text()
    assert "| MLP |" in md and "68 %" in md


def test_quick_run_learns(quick_run):
    # 300 steps are far from the paper's 6000, but every model must beat chance (10 %)
    # clearly and the ordering CNN > logistic regression must already show.
    _, _, out = quick_run
    results = json.loads((out / "results.json").read_text())
    acc = {k: v["test_accuracy"] for k, v in results["mnist1d"]["models"].items()}
    assert acc["logreg"] > 0.2 and acc["mlp"] > 0.4 and acc["cnn"] > 0.6
    assert acc["cnn"] > acc["logreg"]
    ae = results["digits_autoencoder"]
    assert ae["curves"]["test_loss"][-1] < 0.5 * ae["curves"]["test_loss"][0]
    assert ae["code_knn_test_accuracy"] > 0.3
    assert ae["sizes"][0] == ae["sizes"][-1] == 64 and min(ae["sizes"]) == 2



def test_quick_run_has_the_generative_and_sequence_rows_beside_their_baselines(quick_run):
    _, printed, out = quick_run
    lines = printed.splitlines()
    assert "Generative and sequence models beside a simple baseline" in printed
    vae = next(line for line in lines if line.startswith("VAE (2-D latent)"))
    assert "PCA, 2 components" in vae and "reconstruction MSE" in vae
    conv = next(line for line in lines if line.startswith("conv autoencoder (8-D code)"))
    assert "PCA, 8 components" in conv
    lstm = next(line for line in lines if line.startswith("LSTM forecaster (24 in, 24 out)"))
    assert "linear AR (least squares)" in lstm
    assert "test ELBO" in printed and "last-value baseline" in printed
    md = (out / "results.md").read_text()
    assert "| VAE (2-D latent) | UCI digits |" in md
    assert "| conv autoencoder (8-D code) | UCI digits |" in md
    assert "| LSTM forecaster (24 in, 24 out) | damped pendulum |" in md
    results = json.loads((out / "results.json").read_text())
    assert results["models"][-3:] == ["convae", "vae", "forecaster"]
    for key in ("conv_autoencoder.png", "vae_curves.png", "vae_samples.png", "forecast_curves.png",
                "forecast_examples.png"):
        assert key in results["files"]


def test_quick_run_beats_the_baselines(quick_run):
    # even 300 steps are enough for both to beat their simple baselines on the test set
    _, _, out = quick_run
    results = json.loads((out / "results.json").read_text())
    vae = results["digits_vae"]
    assert vae["steps"] == QUICK_STEPS and vae["latent"] == 2
    assert vae["beats_baseline"] and vae["baseline"] == "PCA, 2 components"
    pca, mean_image = (vae["baselines_test_mse"][k] for k in ("PCA, 2 components", "mean image"))
    assert vae["test_mse"] < pca < mean_image
    # the ELBO is the negative of its two parts, a bound below 0 nats, with a KL that is used
    assert vae["test_elbo"] == pytest.approx(-(vae["test_reconstruction_nll"] + vae["test_kl"]))
    assert vae["test_kl"] > 0.5 and vae["test_elbo"] < 0
    assert vae["curves"]["test_loss"][-1] < 0.8 * vae["curves"]["test_loss"][0]
    conv = results["digits_conv_autoencoder"]
    assert conv["steps"] == QUICK_STEPS and conv["code_size"] == 8
    assert conv["beats_baseline"] and conv["baseline"] == "PCA, 8 components"
    assert conv["test_mse"] < conv["baselines_test_mse"]["PCA, 8 components"]
    assert conv["test_mse"] == conv["curves"]["test_loss"][-1]
    fc = results["pendulum_forecaster"]
    assert fc["beats_baseline"] and fc["baseline"] == "linear AR (least squares)"
    baselines = fc["baselines_test_mse"]
    assert fc["test_mse"] < baselines["linear AR (least squares)"] < baselines["last value"]
    assert len(fc["test_mse_by_step"]) == fc["horizon"] == 24
    assert fc["curves"]["step"][-1] == QUICK_STEPS
    assert fc["curves"]["test_loss"][-1] < 0.05 * fc["curves"]["test_loss"][0]
    assert fc["recipe"]["window"] == 24

# -- options ------------------------------------------------------------------------------------
def test_same_seed_same_numbers_and_another_seed_differs(tmp_path):
    def numbers(seed, folder):
        status, _ = run_main(["--model", "logreg", "--model", "mlp", "--steps", "30",
                              "--no-plots", "--quiet", "--seed", str(seed),
                              "--out", str(tmp_path / folder)])
        assert status == 0
        results = json.loads((tmp_path / folder / "results.json").read_text())
        return {name: entry["curves"] for name, entry in results["mnist1d"]["models"].items()}

    first, again, other = numbers(3, "a"), numbers(3, "b"), numbers(4, "c")
    assert first == again
    assert first["mlp"]["train_loss"] != other["mlp"]["train_loss"]


def test_no_plots_and_dataset_selection(tmp_path):
    status, printed = run_main(["--dataset", "digits", "--steps", "20", "--no-plots",
                                "--quiet", "--out", str(tmp_path)])
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "results.md"]
    results = json.loads((tmp_path / "results.json").read_text())
    assert "mnist1d" not in results and results["models"] == ["autoencoder", "convae", "vae"]
    assert "digits_vae" in results and "digits_conv_autoencoder" in results
    assert "pendulum_forecaster" not in results
    assert "not comparable with the paper" in (tmp_path / "results.md").read_text()
    assert "MNIST-1D test accuracy" not in printed


@pytest.mark.parametrize(("models", "dataset", "expected"), [
    (None, "all", ["logreg", "mlp", "cnn", "autoencoder", "convae", "vae", "forecaster"]),
    (["cnn,logreg"], "all", ["logreg", "cnn"]),
    (["cnn", "MLP"], "all", ["mlp", "cnn"]),
    (["all"], "mnist1d", ["logreg", "mlp", "cnn"]),
    (None, "digits", ["autoencoder", "convae", "vae"]),
    (["mlp, autoencoder"], "digits", ["autoencoder"]),
    (None, "pendulum", ["forecaster"]),
    (["forecaster,vae"], "all", ["vae", "forecaster"]),
])
def test_select_models(models, dataset, expected):
    assert select_models(models, dataset) == expected


@pytest.mark.parametrize(("args", "message"), [
    (["--model", "resnet"], "unknown model 'resnet'"),
    (["--dataset", "digits", "--model", "mlp"], "autoencoder, convae and vae on digits"),
    (["--dataset", "pendulum", "--model", "vae"], "forecaster on pendulum"),
    (["--model", ","], "no model names"),
    (["--steps", "0"], "positive integer"),
    (["--steps", "ten"], "expected an integer"),
    (["--seed", "-1"], "seed must be in"),
    (["--dataset", "cifar"], "invalid choice"),
])
def test_bad_arguments_exit_with_a_message(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ("--dataset", "--model", "--steps", "--seed", "--out", "--quick",
                   "--no-plots", "--quiet", "--threads"):
        assert option in text


def test_an_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(SystemExit) as exc:
        main(["--out", str(blocker / "results"), "--steps", "1", "--model", "logreg"])
    assert exc.value.code == 2
    assert "cannot create the output folder" in capsys.readouterr().err


# -- as a command -------------------------------------------------------------------------------
def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    return env


def test_python_dash_m_experiments_quick(tmp_path):
    out = tmp_path / "results"
    proc = subprocess.run([sys.executable, "-m", "experiments", "--quick", "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, env=_env(),
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "paper" in proc.stdout and "94 %" in proc.stdout
    assert f"{QUICK_STEPS}/{QUICK_STEPS}" in proc.stderr  # the progress bars
    for name in PICTURES:
        png_size(out / name)
    ET.parse(out / "mlp_step_graph.svg")
    results = json.loads((out / "results.json").read_text())
    assert set(results["mnist1d"]["models"]) == {"logreg", "mlp", "cnn"}


def test_console_script_help():
    script = Path(sys.executable).with_name("autograd-demo")
    if not script.exists():
        pytest.skip("the package is not installed (pip install -e .), so autograd-demo is absent")
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=_env(),
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "--quick" in proc.stdout


# -- the library stays light ---------------------------------------------------------------------
HEAVY = ("matplotlib", "mnist1d", "graphviz", "scipy", "torch")


def test_importing_the_library_pulls_in_no_plotting_data_or_oracle_packages():
    # the main job's extras (matplotlib, mnist1d) and the optional test oracle belong to
    # `experiments` and the tests; `import nn, optim` must work without them and stay fast.
    code = ("import nn, optim, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{set(HEAVY)!r}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


def test_load_mnist1d_without_mnist1d_names_the_extra_to_install(monkeypatch):
    from nn.datasets import _mnist1d

    monkeypatch.setitem(sys.modules, "mnist1d", None)  # import now fails
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(ImportError, match=r"'demo' extra"):
        _mnist1d._generate(12345)


# -- BLAS threads -------------------------------------------------------------------------------
def test_blas_threads_limits_and_restores_without_threadpoolctl(monkeypatch):
    controls = threads._openblas_controls()
    if controls is None:
        pytest.skip("no OpenBLAS found in this process (NumPy built against another BLAS)")
    _, get_threads = controls
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import now fails
    before = get_threads()
    with threads.blas_threads(1) as limited:
        assert limited
        assert get_threads() == 1
    assert get_threads() == before


def test_blas_threads_with_threadpoolctl():
    import threadpoolctl
    with threads.blas_threads(1) as limited:
        assert limited
        counts = [i["num_threads"] for i in threadpoolctl.threadpool_info()
                  if i["user_api"] == "blas"]
        assert counts and all(c == 1 for c in counts)


def test_blas_threads_zero_leaves_the_pool_alone():
    with threads.blas_threads(0) as limited:
        assert not limited


# -- the pieces of the new models -------------------------------------------------------------
def test_pendulum_series_are_seeded_bounded_and_damped():
    from experiments.forecast import pendulum_series

    a, b = pendulum_series(50, 200, seed=7), pendulum_series(50, 200, seed=7)
    assert a.dtype.name == "float32" and a.shape == (50, 200)
    assert np.array_equal(a, b) and not np.array_equal(a, pendulum_series(50, 200, seed=8))
    clean = pendulum_series(50, 200, seed=7, noise=0.0)
    assert np.abs(clean).max() < np.pi  # started below the top with too little energy to pass it
    assert np.abs(clean[:, -50:]).max() < np.abs(clean[:, :50]).max()  # the damping shows


def test_linear_ar_recovers_a_linear_recurrence():
    from experiments.forecast import linear_ar_forecast

    # x_t = 2 cos(w) x_(t-1) - x_(t-2) holds for any sine of frequency w: a linear fit is exact
    rng = np.random.default_rng(0)
    t = np.arange(12)
    phases = rng.uniform(0, 2 * np.pi, 40)
    series = np.sin(0.3 * t[None, :] + phases[:, None])
    forecast = linear_ar_forecast(series[:30, :8], series[:30, 8:], series[30:, :8])
    assert np.allclose(forecast, series[30:, 8:], atol=1e-8)


def test_vae_pieces():
    import autograd_core as ag
    from experiments.generative import VAE, kl_to_prior, pca_reconstruction_mse

    ag.manual_seed(0)
    model = VAE(pixels=64, hidden=16, latent=3)
    x = ag.tensor(np.random.default_rng(0).random((5, 64)).astype(np.float32))
    logits, mu, logvar = model(x)
    assert logits.shape == (5, 64) and mu.shape == logvar.shape == (5, 3)
    zeros = ag.zeros(5, 3)
    assert float(kl_to_prior((logits, zeros, zeros))) == 0.0  # q equal to the prior
    assert float(kl_to_prior((logits, zeros + 1.0, zeros))) == pytest.approx(1.5)  # 3 * 1/2
    data = np.random.default_rng(1).random((30, 6))
    assert pca_reconstruction_mse(data, data, 6) == pytest.approx(0.0, abs=1e-20)
