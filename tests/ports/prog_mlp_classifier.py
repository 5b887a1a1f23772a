"""An nn.Module classifier trained with DataLoader, SGD with momentum and CrossEntropyLoss.

Written the way the "Quickstart" and "Optimizing model parameters" tutorials are: a
``NeuralNetwork`` module, ``train_loop`` and ``test_loop`` functions, ``model.train()`` and
``model.eval()``, accuracy from ``argmax(dim=1)``, a device picked at run time, and
``f"{loss:.4f}"`` logging. The data are three Gaussian blobs in the plane (float32).

Batches come in order (``shuffle=False``) so that both libraries see the same ones. With
``shuffle=True`` the order comes from ``torch.manual_seed`` or from a seeded
``torch.Generator`` passed to the DataLoader, and only the sanity checks apply, since the two
libraries draw different permutations.
"""

import numpy as np
from ports_lib import numpy_init_

RTOL, ATOL = 1e-4, 1e-5


def make_blobs(n_per_class, seed):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    X = np.concatenate([c + 0.9 * rng.standard_normal((n_per_class, 2)) for c in centers])
    y = np.repeat(np.arange(3), n_per_class)
    perm = rng.permutation(len(y))
    return X[perm].astype(np.float32), y[perm].astype(np.int64)


def run(lib, shuffle=False, generator_seed=None, epochs=5, batch_size=32, learning_rate=0.05):
    torch, nn, optim, data = lib.torch, lib.nn, lib.optim, lib.data
    torch.manual_seed(0)

    device = "cuda" if torch.cuda.is_available() else "cpu"

    X_train, y_train = make_blobs(80, seed=0)
    X_test, y_test = make_blobs(40, seed=1)
    training_data = data.TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train))
    test_data = data.TensorDataset(torch.tensor(X_test), torch.tensor(y_test))
    if generator_seed is None:
        train_dataloader = data.DataLoader(training_data, batch_size=batch_size, shuffle=shuffle)
    else:
        g = torch.Generator()
        g.manual_seed(generator_seed)
        train_dataloader = data.DataLoader(training_data, batch_size=batch_size, shuffle=shuffle,
                                           generator=g)
    test_dataloader = data.DataLoader(test_data, batch_size=batch_size)

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(2, 32),
                nn.ReLU(),
                nn.Linear(32, 32),
                nn.ReLU(),
                nn.Linear(32, 3),
            )

        def forward(self, x):
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork()
    numpy_init_(torch, model, seed=3)
    model = model.to(device)

    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9)

    log, train_losses = [], []

    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)

            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

            train_losses.append(loss.item())
            if batch % 3 == 0:
                current = batch * batch_size + len(X)
                log.append(f"loss: {loss:.4f}  [{current:>5d}/{size:>5d}]")

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct, correct_eq = 0, 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
                correct_eq += pred.argmax(dim=1).eq(y).sum().item()
        test_loss /= num_batches
        correct /= size
        log.append(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, "
                   f"Avg loss: {test_loss:>8f} \n")
        return test_loss, correct, correct_eq

    history = []
    for t in range(epochs):
        log.append(f"Epoch {t + 1}\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer)
        history.append(test_loop(test_dataloader, model, loss_fn))

    with torch.no_grad():
        probs = nn.Softmax(dim=1)(model(torch.tensor(X_test[:4]).to(device)))

    return {
        "device": str(next(model.parameters()).device),
        "train_losses": train_losses,
        "test_losses": [h[0] for h in history],
        "test_accuracy": [h[1] for h in history],
        "test_correct_eq": [h[2] for h in history],
        "log": log,
        "probs": probs.cpu().numpy(),
        "state_dict": {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()},
        "training_flag_after_eval": model.training,
    }


def check(res):
    assert res["device"] == "cpu"
    losses = res["train_losses"]
    assert np.mean(losses[-3:]) < 0.5 * np.mean(losses[:3])
    assert res["test_accuracy"][-1] > 0.8  # chance is 1/3
    assert res["test_correct_eq"][-1] == round(res["test_accuracy"][-1] * 120)
    assert np.allclose(res["probs"].sum(axis=1), 1.0, atol=1e-5)
    assert not res["training_flag_after_eval"]


VARIANTS = {
    "shuffled": {"shuffle": True},
    "seeded_generator": {"shuffle": True, "generator_seed": 0},
}
