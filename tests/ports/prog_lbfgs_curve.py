"""Fitting a damped oscillation with L-BFGS: ``optimizer.step(closure)``.

The model is an ``nn.Module`` with four scalar ``nn.Parameter``s,
``y = a * exp(-b * t) * cos(w * t + phi)``. The closure zeroes the gradients, computes the
loss, calls ``backward`` and returns the loss, as L-BFGS re-evaluates the function several
times per step. Fitted twice: with the strong-Wolfe line search and with fixed steps.
"""

import numpy as np

RTOL, ATOL = 1e-8, 1e-11


def run(lib, outer_steps=8):
    torch, nn, F, optim = lib.torch, lib.nn, lib.F, lib.optim

    class DampedOscillation(nn.Module):
        def __init__(self, init):
            super().__init__()
            a, b, w, phi = init
            self.a = nn.Parameter(torch.tensor(a, dtype=torch.float64))
            self.b = nn.Parameter(torch.tensor(b, dtype=torch.float64))
            self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))
            self.phi = nn.Parameter(torch.tensor(phi, dtype=torch.float64))

        def forward(self, t):
            return self.a * torch.exp(-self.b * t) * torch.cos(self.w * t + self.phi)

    rng = np.random.default_rng(16)
    t_np = np.linspace(0, 6, 80)
    y_np = 1.5 * np.exp(-0.4 * t_np) * np.cos(2.2 * t_np + 0.3) + 0.02 * rng.standard_normal(80)
    t, y = torch.from_numpy(t_np), torch.from_numpy(y_np)
    init = (1.0, 0.2, 2.0, 0.0)

    def fit(**kwargs):
        model = DampedOscillation(init)
        optimizer = optim.LBFGS(model.parameters(), max_iter=4, history_size=5, **kwargs)
        evaluations = []

        def closure():
            optimizer.zero_grad()
            loss = F.mse_loss(model(t), y)
            loss.backward()
            evaluations.append(loss.item())
            return loss

        step_losses = []
        for _ in range(outer_steps):
            loss = optimizer.step(closure)
            step_losses.append(loss.item())
        with torch.no_grad():
            final = F.mse_loss(model(t), y).item()
        return {
            "step_losses": step_losses,
            "evaluations": evaluations,
            "n_evaluations": len(evaluations),
            "final_loss": final,
            "params": [p.item() for p in model.parameters()],
            "n_iter": optimizer.state[optimizer.param_groups[0]["params"][0]]["n_iter"],
        }

    return {
        "strong_wolfe": fit(line_search_fn="strong_wolfe"),
        "fixed_step": fit(lr=0.5),
    }


def check(res):
    sw = res["strong_wolfe"]
    assert sw["final_loss"] < 1e-3, sw["final_loss"]  # the noise alone is 4e-4
    np.testing.assert_allclose(sw["params"], [1.5, 0.4, 2.2, 0.3], atol=0.05)
    fs = res["fixed_step"]
    assert fs["final_loss"] < fs["step_losses"][0]
