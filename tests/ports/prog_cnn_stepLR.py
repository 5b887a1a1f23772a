"""A small CNN (Conv2d, BatchNorm2d, MaxPool2d, Dropout) trained with Adam and a StepLR schedule.

In the shape of the CIFAR-10 tutorial and the MNIST example: a ``Net`` whose ``forward`` uses
``F.relu``, ``F.max_pool2d`` and ``torch.flatten(x, 1)``, ``log_softmax`` with ``F.nll_loss``,
``scheduler.step()`` once per epoch, and a test pass in ``eval()`` mode that sums the loss with
``reduction='sum'`` and counts ``pred.eq(target.view_as(pred))``.

The images are 1x12x12 pictures of a horizontal bar, a vertical bar or a diagonal, with
noise. The compared run is in float64 (``model.to(device, torch.float64)``): in float32 the
rounding differences of the two libraries grow through Adam, whose step ``m / sqrt(v)`` is of
order ``lr`` even for gradients at rounding level, to about 1e-2 in the test loss after two
epochs. Dropout draws its masks from each library's own generator, so the compared run uses
``p=0`` (and eval mode, where Dropout is the identity, in the test pass); the variant with
``p=0.25`` in float32 runs the same program with the sanity checks only.
"""

import numpy as np
from ports_lib import numpy_init_

RTOL, ATOL = 1e-8, 1e-10


def make_images(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = 0.3 * rng.standard_normal((n, 1, 12, 12))
    for i, label in enumerate(y):
        k = rng.integers(2, 10)
        if label == 0:
            X[i, 0, k, 1:11] += 1.0
        elif label == 1:
            X[i, 0, 1:11, k] += 1.0
        else:
            idx = np.arange(1, 11)
            X[i, 0, idx, idx] += 1.0
    return X, y.astype(np.int64)


def run(lib, p_drop=0.0, epochs=4, batch_size=32, dtype="float64"):
    torch, nn, F, optim, data = lib.torch, lib.nn, lib.F, lib.optim, lib.data
    torch.manual_seed(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)  # BatchNorm follows
            self.bn1 = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 16, kernel_size=3, stride=1, padding=1)
            self.pool = nn.MaxPool2d(2, 2)
            self.dropout = nn.Dropout(p_drop)
            self.fc1 = nn.Linear(16 * 3 * 3, 32)
            self.fc2 = nn.Linear(32, 3)

        def forward(self, x):
            x = self.pool(F.relu(self.bn1(self.conv1(x))))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            x = self.dropout(x)
            x = F.relu(self.fc1(x))
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    X_train, y_train = make_images(192, seed=0)
    X_test, y_test = make_images(96, seed=1)
    X_train, X_test = X_train.astype(dtype), X_test.astype(dtype)
    train_loader = data.DataLoader(
        data.TensorDataset(torch.from_numpy(X_train), torch.from_numpy(y_train)),
        batch_size=batch_size, shuffle=False)
    test_loader = data.DataLoader(
        data.TensorDataset(torch.from_numpy(X_test), torch.from_numpy(y_test)),
        batch_size=64)

    model = Net()
    numpy_init_(torch, model, seed=4)
    model.to(device, getattr(torch, dtype))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

    def train(model, device, train_loader, optimizer, epoch, losses):
        model.train()
        for data_, target in train_loader:
            data_, target = data_.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data_)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    def test(model, device, test_loader):
        model.eval()
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data_, target in test_loader:
                data_, target = data_.to(device), target.to(device)
                output = model(data_)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        return test_loss, correct / len(test_loader.dataset)

    train_losses, test_losses, test_accs, lrs = [], [], [], []
    for epoch in range(1, epochs + 1):
        train(model, device, train_loader, optimizer, epoch, train_losses)
        test_loss, acc = test(model, device, test_loader)
        test_losses.append(test_loss)
        test_accs.append(acc)
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()

    return {
        "train_losses": train_losses,
        "test_losses": test_losses,
        "test_accuracy": test_accs,
        "lrs": lrs,
        "lr_after": optimizer.param_groups[0]["lr"],
        "bn_running_mean": model.bn1.running_mean.cpu().numpy(),
        "bn_running_var": model.bn1.running_var.cpu().numpy(),
        "bn_num_batches_tracked": int(model.bn1.num_batches_tracked),
        "conv1_weight": model.conv1.weight.detach().cpu().numpy(),
        "fc2_bias": model.fc2.bias.detach().cpu().numpy(),
    }


def check(res):
    losses = res["train_losses"]
    assert np.mean(losses[-3:]) < 0.5 * np.mean(losses[:3])
    assert res["test_accuracy"][-1] > 0.7  # chance is 1/3
    assert res["lrs"] == [1e-2, 1e-2, 5e-3, 5e-3] and res["lr_after"] == 2.5e-3
    assert res["bn_num_batches_tracked"] == 4 * 6


VARIANTS = {"dropout_float32": {"p_drop": 0.25, "dtype": "float32"}}
