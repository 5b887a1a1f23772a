"""An LSTM that forecasts a damped pendulum, beside a linear autoregressive fit.

Each series is the angle of a pendulum, theta'' = -sin(theta) - gamma theta', from a random
start and with a random damping, sampled every 0.2 s with a little measurement noise; all of
it is generated from the seed. The model reads the first `window` samples and predicts the next
`horizon` at once. A pendulum is a good test for a recurrent network because it is *not*
linear: its period grows with the swing, so no fixed linear filter of the past predicts every
series well, while a model that reads the amplitude off the window can.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import autograd_core as ag
import optim
from nn import functional as F
from nn import layers as L
from nn.data import TensorDataset
from nn.module import Module

from .loop import TrainingRun, train_for_steps
from .recipe import count_parameters


@dataclass(frozen=True)
class ForecastRecipe:
    steps: int = 400
    batch_size: int = 64
    lr: float = 1e-2
    eval_every: int = 50
    hidden: int = 32
    window: int = 24
    horizon: int = 24
    train_series: int = 3000
    test_series: int = 600
    dt: float = 0.2
    noise: float = 0.02


def pendulum_series(count: int, length: int, seed: int, dt: float = 0.2,
                    noise: float = 0.02) -> np.ndarray:
    """`count` noisy pendulum angles of `length` samples, float32 (count, length).

    Integrated with classical Runge-Kutta, four substeps per sample, so the only error that
    matters is the noise added on purpose. The start angle is uniform in +-2.6 rad (almost
    upside down, where the period is longest), the start velocity in +-0.5 rad/s (too little
    to swing over the top) and the damping gamma in [0.02, 0.2] per second."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-2.6, 2.6, count)
    omega = rng.uniform(-0.5, 0.5, count)
    gamma = rng.uniform(0.02, 0.2, count)

    def slope(th: np.ndarray, om: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return om, -np.sin(th) - gamma * om

    out = np.empty((count, length))
    h = dt / 4
    for t in range(length):
        out[:, t] = theta
        for _ in range(4):
            a = slope(theta, omega)
            b = slope(theta + h / 2 * a[0], omega + h / 2 * a[1])
            c = slope(theta + h / 2 * b[0], omega + h / 2 * b[1])
            d = slope(theta + h * c[0], omega + h * c[1])
            theta = theta + h / 6 * (a[0] + 2 * b[0] + 2 * c[0] + d[0])
            omega = omega + h / 6 * (a[1] + 2 * b[1] + 2 * c[1] + d[1])
    return (out + noise * rng.standard_normal(out.shape)).astype(np.float32)


class Forecaster(Module):
    """An LSTM reads the window one sample at a time; a Linear layer maps its last hidden
    state to all `horizon` future values at once (no feeding predictions back, so an error
    early in the horizon does not compound), as changes from the last sample seen: the next
    value is close to the last one, so the network only learns the motion."""

    def __init__(self, hidden: int = 32, horizon: int = 24) -> None:
        super().__init__()
        self.lstm = L.LSTM(1, hidden, batch_first=True)
        self.head = L.Linear(hidden, horizon)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        _, (h, _) = self.lstm(x.unsqueeze(-1))
        return x[:, -1:] + self.head(h[-1])


def linear_ar_forecast(x_train: np.ndarray, y_train: np.ndarray,
                       x_test: np.ndarray) -> np.ndarray:
    """The least-squares linear autoregression: each future value as an affine function of the
    whole window, fitted on the training windows (one least-squares solve for all horizons)."""
    design = np.c_[x_train, np.ones(len(x_train))].astype(np.float64)
    coef, *_ = np.linalg.lstsq(design, y_train.astype(np.float64), rcond=None)
    return np.c_[x_test, np.ones(len(x_test))] @ coef


@dataclass
class ForecastResult:
    model: Forecaster
    run: TrainingRun
    parameters: int
    window: int
    horizon: int
    dt: float
    x_test: np.ndarray
    y_test: np.ndarray
    forecast: np.ndarray
    ar_forecast: np.ndarray
    test_mse: float
    baselines: dict[str, float]
    mse_by_step: np.ndarray
    ar_mse_by_step: np.ndarray

    title = "LSTM forecaster"
    data = "damped pendulum"
    baseline_name = "linear AR (least squares)"

    @property
    def row_title(self) -> str:
        return f"LSTM forecaster ({self.window} in, {self.horizon} out)"

    @property
    def measure(self) -> str:
        return f"MSE over the next {self.horizon} samples"

    def note(self) -> str:
        return (f"LSTM forecaster: test MSE {self.horizon} steps ahead "
                f"{self.mse_by_step[-1]:.4f} (linear AR {self.ar_mse_by_step[-1]:.4f}); "
                f"last-value baseline {self.baselines['last value']:.4f}")

    @property
    def baseline(self) -> float:
        return self.baselines[self.baseline_name]

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "parameters": self.parameters,
            "steps": self.run.steps,
            "window": self.window,
            "horizon": self.horizon,
            "test_series": int(len(self.x_test)),
            "test_mse": self.test_mse,
            "baseline": self.baseline_name,
            "baselines_test_mse": dict(self.baselines),
            "beats_baseline": self.test_mse < self.baseline,
            "test_mse_by_step": self.mse_by_step.tolist(),
            "ar_test_mse_by_step": self.ar_mse_by_step.tolist(),
            "seconds": self.run.seconds,
            "eval_seconds": self.run.eval_seconds,
            "ms_per_step": self.run.ms_per_step,
            "curves": self.run.curves.to_dict(),
        }


def train_forecaster(recipe: ForecastRecipe = ForecastRecipe(), seed: int = 0,
                     progress: bool = True) -> ForecastResult:
    """Generate the series from `seed`, train with Adam on the mean squared error of the whole
    horizon (learning rate decayed to 0 on a cosine), and score both baselines on the same
    test series."""
    length = recipe.window + recipe.horizon
    train = pendulum_series(recipe.train_series, length, seed, recipe.dt, recipe.noise)
    test = pendulum_series(recipe.test_series, length, seed + 1, recipe.dt, recipe.noise)
    x_train, y_train = train[:, :recipe.window], train[:, recipe.window:]
    x_test, y_test = test[:, :recipe.window], test[:, recipe.window:]
    ag.manual_seed(seed)
    model = Forecaster(recipe.hidden, recipe.horizon)
    optimizer = optim.Adam(model.parameters(), lr=recipe.lr)
    schedule = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=recipe.steps)

    run = train_for_steps(
        model, F.mse_loss, optimizer, TensorDataset(x_train, y_train),
        {"train": TensorDataset(x_train[:recipe.test_series], y_train[:recipe.test_series]),
         "test": TensorDataset(x_test, y_test)},
        steps=recipe.steps, batch_size=recipe.batch_size, eval_every=recipe.eval_every,
        seed=seed, description=f"{'LSTM forecaster':>19}", progress=progress,
        watch="test_loss", scheduler=schedule,
    )
    model.eval()
    with ag.no_grad():
        forecast = model(ag.tensor(x_test)).numpy()
    ar = linear_ar_forecast(x_train, y_train, x_test)
    baselines = {"last value": float(np.mean((x_test[:, -1:] - y_test) ** 2)),
                 "linear AR (least squares)": float(np.mean((ar - y_test) ** 2))}
    return ForecastResult(model, run, count_parameters(model), recipe.window, recipe.horizon,
                          recipe.dt, x_test, y_test, forecast, ar,
                          float(np.mean((forecast - y_test) ** 2)), baselines,
                          np.mean((forecast - y_test) ** 2, axis=0),
                          np.mean((ar - y_test) ** 2, axis=0))
