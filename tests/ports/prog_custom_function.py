"""Custom autograd Functions: the Legendre-polynomial fit of the "defining new autograd
Functions" tutorial, an exp that saves its output, and a straight-through clamp inside a model.

``LegendrePolynomial3`` saves its input with ``ctx.save_for_backward``; ``MyExp`` saves its
result; ``StraightThroughClamp`` takes non-tensor arguments (its bounds), returns ``None`` for
them from ``backward``, and passes the gradient through unchanged (the straight-through
estimator used for quantized networks). ``torch.autograd.gradcheck`` checks the first two in
float64; the clamp is used as the hidden activation of a small regression model trained with
SGD.
"""

import math

import numpy as np
from ports_lib import numpy_init_

RTOL, ATOL = 1e-9, 1e-12


def run(lib, steps=300):
    torch, nn, optim, autograd = lib.torch, lib.nn, lib.optim, lib.autograd

    class LegendrePolynomial3(autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class MyExp(autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            result, = ctx.saved_tensors
            return grad_output * result

    class StraightThroughClamp(autograd.Function):
        @staticmethod
        def forward(ctx, input, min_value, max_value):
            return input.clamp(min_value, max_value)

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, None, None

    # 1. the tutorial's fit of sin(x) with a + b * P3(c + d * x)
    dtype = torch.float64
    x = torch.linspace(-math.pi, math.pi, 500, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    legendre_losses = []
    for t in range(steps):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 50 == 49:
            legendre_losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    # 2. gradcheck in double precision
    rng = np.random.default_rng(5)
    inp = torch.tensor(rng.standard_normal((4, 3)), dtype=torch.double, requires_grad=True)
    gradcheck_exp = autograd.gradcheck(MyExp.apply, (inp,), eps=1e-6, atol=1e-4)
    gradcheck_legendre = autograd.gradcheck(LegendrePolynomial3.apply, (inp,), eps=1e-6,
                                            atol=1e-4)
    out = MyExp.apply(inp)
    out.sum().backward()
    exp_grad = inp.grad.clone()

    # 3. the straight-through clamp as a model's activation
    class ClampNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(3, 16)
            self.fc2 = nn.Linear(16, 1)

        def forward(self, x):
            h = StraightThroughClamp.apply(self.fc1(x), -1.0, 1.0)
            return self.fc2(h)

    X = torch.from_numpy(rng.uniform(-2, 2, (64, 3)))
    target = torch.from_numpy(np.sin(X.numpy()).sum(axis=1, keepdims=True))
    model = ClampNet().double()
    numpy_init_(torch, model, seed=6)
    opt = optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.MSELoss()
    clamp_losses, first_grads = [], None
    for _ in range(40):
        opt.zero_grad()
        loss = loss_fn(model(X), target)
        loss.backward()
        if first_grads is None:
            first_grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
        opt.step()
        clamp_losses.append(loss.item())

    return {
        "legendre_losses": legendre_losses,
        "legendre_coefficients": [a.item(), b.item(), c.item(), d.item()],
        "gradcheck_exp": bool(gradcheck_exp),
        "gradcheck_legendre": bool(gradcheck_legendre),
        "exp_grad": exp_grad.numpy(),
        "exp_out_requires_grad": out.requires_grad,
        "clamp_losses": clamp_losses,
        "clamp_first_grads": first_grads,
        "fc1_weight": model.fc1.weight.detach().numpy(),
    }


def check(res):
    l = res["legendre_losses"]
    assert l[-1] < l[0]
    assert res["gradcheck_exp"] and res["gradcheck_legendre"]
    assert res["exp_out_requires_grad"]
    c = res["clamp_losses"]
    assert c[-1] < 0.5 * c[0]
    # straight-through: fc1 gets a gradient even where the clamp saturates
    assert np.abs(res["clamp_first_grads"]["fc1.weight"]).min() > 0
