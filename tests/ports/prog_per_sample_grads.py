"""Per-sample gradients with torch.func, as in the "Per-sample-gradients" tutorial.

The model's parameters are pulled out into a dict of detached tensors; ``functional_call``
runs the model with them; ``grad`` differentiates the loss of one sample with respect to that
dict; ``vmap`` over the batch dimension of the data and targets (``in_dims=(None, 0, 0)``)
gives every sample's gradient at once. The same gradients are computed again the slow way,
one ``torch.autograd.grad`` per sample, by ``vmap(grad_and_value(...))``, and with the
tutorial's ``functional_call(model, (params, buffers), ...)``.
"""

import numpy as np
from ports_lib import numpy_init_

RTOL, ATOL = 1e-9, 1e-12


def run(lib, batch_size=8):
    torch, nn, F, func, autograd = lib.torch, lib.nn, lib.F, lib.func, lib.autograd
    functional_call, grad, vmap, grad_and_value = (
        func.functional_call, func.grad, func.vmap, func.grad_and_value)

    class SimpleMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(6, 16)
            self.fc2 = nn.Linear(16, 8)
            self.fc3 = nn.Linear(8, 4)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = torch.tanh(self.fc2(x))
            return self.fc3(x)

    model = SimpleMLP().to(torch.float64)
    numpy_init_(torch, model, seed=7)

    rng = np.random.default_rng(8)
    data = torch.from_numpy(rng.standard_normal((batch_size, 6)))
    targets = torch.from_numpy(rng.integers(0, 4, batch_size))

    def loss_fn(predictions, targets):
        return F.cross_entropy(predictions, targets)

    # the slow way: one backward per sample
    def compute_grad(sample, target):
        sample = sample.unsqueeze(0)
        target = target.unsqueeze(0)
        prediction = model(sample)
        loss = loss_fn(prediction, target)
        return autograd.grad(loss, list(model.parameters()))

    per_sample = [compute_grad(data[i], targets[i]) for i in range(batch_size)]
    loop_grads = [torch.stack(shards) for shards in zip(*per_sample)]

    # the torch.func way
    params = {k: v.detach() for k, v in model.named_parameters()}

    def compute_loss(params, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = functional_call(model, params, (batch,))
        loss = loss_fn(predictions, targets)
        return loss

    ft_compute_grad = grad(compute_loss)
    ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, 0, 0))
    ft_per_sample_grads = ft_compute_sample_grad(params, data, targets)

    same = all(
        torch.allclose(per_sample_grad, ft_per_sample_grads[name], atol=1e-10, rtol=1e-8)
        for per_sample_grad, (name, _) in zip(loop_grads, model.named_parameters())
    )

    # the tutorial's form: parameters and buffers as a tuple of dicts
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss_with_buffers(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        return loss_fn(predictions, targets)

    ft_with_buffers = vmap(grad(compute_loss_with_buffers), in_dims=(None, None, 0, 0))(
        params, buffers, data, targets)

    grads_and_losses = vmap(grad_and_value(compute_loss), in_dims=(None, 0, 0))
    gv_grads, gv_losses = grads_and_losses(params, data, targets)

    # the mean of the per-sample gradients is the batch gradient
    model.zero_grad()
    loss_fn(model(data), targets).backward()
    batch_grad_matches = all(
        torch.allclose(p.grad, ft_per_sample_grads[n].mean(0), atol=1e-12)
        for n, p in model.named_parameters())

    return {
        "per_sample_grads": {k: v.numpy() for k, v in ft_per_sample_grads.items()},
        "loop_grads": [g.numpy() for g in loop_grads],
        "shapes": {k: list(v.shape) for k, v in ft_per_sample_grads.items()},
        "loop_equals_vmap": bool(same),
        "grad_and_value_grads": {k: v.numpy() for k, v in gv_grads.items()},
        "with_buffers_grads": {k: v.numpy() for k, v in ft_with_buffers.items()},
        "grad_and_value_losses": gv_losses.numpy(),
        "batch_grad_matches": bool(batch_grad_matches),
        "params_still_require_grad": all(p.requires_grad for p in model.parameters()),
    }


def check(res):
    assert res["loop_equals_vmap"] and res["batch_grad_matches"]
    assert res["shapes"]["fc1.weight"] == [8, 16, 6] and res["shapes"]["fc3.bias"] == [8, 4]
    for k, v in res["per_sample_grads"].items():
        np.testing.assert_allclose(res["grad_and_value_grads"][k], v, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(res["with_buffers_grads"][k], v, rtol=1e-10, atol=1e-13)
    assert res["grad_and_value_losses"].shape == (8,) and (res["grad_and_value_losses"] > 0).all()
    assert res["params_still_require_grad"]
