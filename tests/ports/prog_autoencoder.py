"""An autoencoder of two nn.Sequential halves, trained with MSELoss, AdamW and gradient clipping.

The data are 16-pixel "images" in [0, 1] that lie near a 3-D subspace; the code is 3-D. Each
step clips the gradient's global norm with ``nn.utils.clip_grad_norm_`` (its return value, the
norm before clipping, is logged) and lets AdamW apply decoupled weight decay. Initial weights
are built in NumPy and loaded with ``load_state_dict``. In float64 (``model.double()``): in
float32 the two libraries' rounding differences grow through AdamW's normalized steps by about
a factor of ten per epoch, to 2e-3 in the gradient norms after eight epochs.
"""

import numpy as np

RTOL, ATOL = 1e-8, 1e-11


def make_data(n, seed):
    basis = np.random.default_rng(0).standard_normal((3, 16))
    rng = np.random.default_rng(seed)
    codes = rng.standard_normal((n, 3))
    x = 1 / (1 + np.exp(-(codes @ basis) / 2)) + 0.02 * rng.standard_normal((n, 16))
    return np.clip(x, 0, 1)


def run(lib, epochs=8, batch_size=32, max_norm=0.01):
    torch, nn, optim, data = lib.torch, lib.nn, lib.optim, lib.data

    class AutoEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(
                nn.Linear(16, 12), nn.ReLU(),
                nn.Linear(12, 3),
            )
            self.decoder = nn.Sequential(
                nn.Linear(3, 12), nn.ReLU(),
                nn.Linear(12, 16), nn.Sigmoid(),
            )

        def forward(self, x):
            encoded = self.encoder(x)
            decoded = self.decoder(encoded)
            return encoded, decoded

    model = AutoEncoder().double()
    rng = np.random.default_rng(17)
    state = {}
    for key, value in model.state_dict().items():
        shape = tuple(value.shape)
        bound = 1 / np.sqrt(shape[1]) if len(shape) == 2 else 0.1
        state[key] = torch.from_numpy(rng.uniform(-bound, bound, shape))
    missing_unexpected = model.load_state_dict(state)

    train = torch.from_numpy(make_data(256, seed=18))
    test = torch.from_numpy(make_data(64, seed=19))
    loader = data.DataLoader(data.TensorDataset(train), batch_size=batch_size, shuffle=False)

    criterion = nn.MSELoss()
    optimizer = optim.AdamW(model.parameters(), lr=2e-2, weight_decay=1e-2)

    losses, grad_norms, test_losses = [], [], []
    for _ in range(epochs):
        model.train()
        running = 0.0
        for (x,) in loader:
            _, decoded = model(x)
            loss = criterion(decoded, x)
            optimizer.zero_grad()
            loss.backward()
            total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
            grad_norms.append(float(total_norm))
            optimizer.step()
            running += loss.item() * x.size(0)
        losses.append(running / len(loader.dataset))
        model.eval()
        with torch.no_grad():
            test_losses.append(criterion(model(test)[1], test).item())

    clipped_norm = float(torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters())))
    with torch.no_grad():
        codes, _ = model(test[:5])

    return {
        "missing_keys": list(missing_unexpected.missing_keys),
        "unexpected_keys": list(missing_unexpected.unexpected_keys),
        "epoch_losses": losses,
        "test_losses": test_losses,
        "grad_norms": grad_norms,
        "last_clipped_norm": clipped_norm,
        "codes": codes.numpy(),
        "decoder_weight": model.decoder[2].weight.detach().numpy(),
        "dtype": str(model.encoder[0].weight.dtype),
    }


def check(res):
    assert res["missing_keys"] == [] and res["unexpected_keys"] == []
    l = res["epoch_losses"]
    assert l[-1] < 0.5 * l[0], l
    assert res["test_losses"][-1] < 0.5 * res["test_losses"][0]
    # clipping: the norm after clipping is max_norm whenever it was larger before
    assert res["grad_norms"][-1] > 0.01
    assert abs(res["last_clipped_norm"] - 0.01) < 1e-6
    assert res["codes"].shape == (5, 3)
    assert res["dtype"].endswith("float64")
