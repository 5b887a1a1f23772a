"""A GRU (batch_first, two layers) learning to continue sine waves, then generating on its own.

Training sequences are sine waves of random phase and frequency; at every step the model
predicts the next value (teacher forcing). After training, ``generate`` warms the hidden state
up on the start of a test wave and feeds each prediction back in, carrying ``h`` from call to
call, as the char-RNN and time-sequence-prediction examples do.
"""

import numpy as np
from ports_lib import numpy_init_

RTOL, ATOL = 1e-8, 1e-11


def make_waves(n, length, seed):
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    freq = rng.uniform(0.15, 0.35, (n, 1))
    t = np.arange(length + 1)[None, :]
    waves = np.sin(freq * t + phase)
    return waves[:, :-1, None], waves[:, 1:, None]  # input, next value


def run(lib, steps=40, hidden_size=12):
    torch, nn, optim = lib.torch, lib.nn, lib.optim

    class SineGRU(nn.Module):
        def __init__(self, hidden_size, num_layers=2):
            super().__init__()
            self.gru = nn.GRU(input_size=1, hidden_size=hidden_size, num_layers=num_layers,
                              batch_first=True)
            self.head = nn.Linear(hidden_size, 1)

        def forward(self, x, h=None):
            out, h = self.gru(x, h)
            return self.head(out), h

    model = SineGRU(hidden_size).double()
    numpy_init_(torch, model, seed=13)
    param_names = [n for n, _ in model.named_parameters()]

    x_np, y_np = make_waves(16, 30, seed=14)
    inputs, targets = torch.from_numpy(x_np), torch.from_numpy(y_np)
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.02)

    losses = []
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        prediction, _ = model(inputs)
        loss = criterion(prediction, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    @torch.no_grad()
    def generate(model, warmup, n_future):
        model.eval()
        out, h = model(warmup)
        last = out[:, -1:, :]
        generated = []
        for _ in range(n_future):
            generated.append(last)
            last, h = model(last, h)
        return torch.cat(generated, dim=1), h

    test_x, test_y = make_waves(3, 40, seed=15)
    warmup = torch.from_numpy(test_x[:, :20])
    future, h_n = generate(model, warmup, 20)
    truth = test_y[:, 19:39, 0]
    gen_error = float(np.abs(future.squeeze(-1).numpy() - truth).mean())

    zero_h0 = torch.zeros(2, 3, hidden_size, dtype=torch.float64)
    with torch.no_grad():
        out_default, _ = model(warmup)
        out_zero_h0, _ = model(warmup, zero_h0)

    return {
        "param_names": param_names,
        "losses": losses,
        "generated": future.squeeze(-1).numpy(),
        "h_n_shape": list(h_n.shape),
        "h_n": h_n.numpy(),
        "generation_error": gen_error,
        "zero_h0_same": bool(torch.equal(out_default, out_zero_h0)),
        "gru_weight_hh_l1": model.gru.weight_hh_l1.detach().numpy(),
    }


def check(res):
    assert res["param_names"] == [
        "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
        "gru.weight_ih_l1", "gru.weight_hh_l1", "gru.bias_ih_l1", "gru.bias_hh_l1",
        "head.weight", "head.bias"]
    l = res["losses"]
    assert l[-1] < 0.2 * l[0], l
    assert res["h_n_shape"] == [2, 3, 12]
    assert res["generation_error"] < 0.5  # a sine of amplitude 1
    assert res["zero_h0_same"]
