"""Hand-written NumPy baselines: forward, hand-derived backward and optimizer update.

These are the yardstick every engine is measured against, so they are written the way an
expert would write a fixed-shape training step: buffers for activations, gradients and
optimizer state are allocated once, matmuls write into them with ``out=``, activations are
applied in place, and the Adam/SGD updates are in-place operations over one scratch buffer per
parameter (no temporaries per step). Layouts and formulas match PyTorch's so that gradients
and updates agree to rounding.

Every runner has the same small interface used by ``bench.py``:

``grads()``  forward + backward at the current parameters, no update; returns (loss, grads).
``step()``   the timed unit (a training step, or forward + backward for the chains).
``params()`` copies of the current parameters.
``prepare()`` (optional) untimed work done before each ``step()`` (K: the forward pass).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from workloads import ADAM_BETAS, ADAM_EPS, CHAIN_CYCLE

# --------------------------------------------------------------------------- optimizers


class Adam:
    """torch.optim.Adam (no weight decay, no amsgrad), updated in place."""

    def __init__(self, params, grads, lr, betas=ADAM_BETAS, eps=ADAM_EPS):
        self.params, self.grads = params, grads
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self, grads=None):
        """``grads`` overrides the buffers given at construction (for engines that hand
        back fresh gradient arrays each step)."""
        grads = self.grads if grads is None else grads
        self.t += 1
        b1, b2 = self.b1, self.b2
        step_size = self.lr / (1.0 - b1**self.t)
        bc2_sqrt = math.sqrt(1.0 - b2**self.t)
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp):
            m *= b1
            np.multiply(g, 1.0 - b1, out=tmp)
            m += tmp
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp /= bc2_sqrt
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p -= tmp


class SGD:
    """Plain SGD, p -= lr * g, through one scratch buffer per parameter."""

    def __init__(self, params, grads, lr):
        self.params, self.grads, self.lr = params, grads, lr
        self.tmp = [np.empty_like(p) for p in params]

    def step(self, grads=None):
        grads = self.grads if grads is None else grads
        for p, g, tmp in zip(self.params, grads, self.tmp):
            np.multiply(g, self.lr, out=tmp)
            p -= tmp


# --------------------------------------------------------------------------- layers


class Dense:
    """y = x W^T + b with preallocated output and gradient buffers (batch size fixed)."""

    def __init__(self, weight, bias, batch):
        self.W, self.b = weight, bias
        n_out, n_in = weight.shape
        self.gW, self.gb = np.empty_like(weight), np.empty_like(bias)
        self.y = np.empty((batch, n_out), weight.dtype)
        self.dx = np.empty((batch, n_in), weight.dtype)
        self.x = None

    def forward(self, x):
        self.x = x
        np.matmul(x, self.W.T, out=self.y)
        self.y += self.b
        return self.y

    def backward(self, dy, need_dx=True):
        np.matmul(dy.T, self.x, out=self.gW)
        np.sum(dy, axis=0, out=self.gb)
        if need_dx:
            np.matmul(dy, self.W, out=self.dx)
            return self.dx
        return None


class Conv1dCL:
    """Conv1d by im2col on channels-last activations (N, L, C).

    Channels-last lets the im2col matrix and the output be plain 2-D matmul operands with no
    transposes; the weight keeps PyTorch's (out, in, kernel) layout, whose (in, kernel) order is
    exactly the column order of the im2col matrix.
    """

    def __init__(self, weight, bias, batch, length, stride, padding):
        self.W, self.b = weight, bias
        self.O, self.C, self.K = weight.shape
        self.N, self.L, self.s, self.p = batch, length, stride, padding
        self.Lp = length + 2 * padding
        self.Lout = (self.Lp - self.K) // stride + 1
        dt = weight.dtype
        self.xp = np.zeros((batch, self.Lp, self.C), dt)  # pads stay zero
        self.cols = np.empty((batch * self.Lout, self.C * self.K), dt)
        self.cols4 = self.cols.reshape(batch, self.Lout, self.C, self.K)
        self.win = sliding_window_view(self.xp, self.K, axis=1)[:, ::stride]
        self.y = np.empty((batch * self.Lout, self.O), dt)
        self.gW, self.gb = np.empty_like(weight), np.empty_like(bias)
        self.dcols = np.empty_like(self.cols)
        self.dxp = np.empty_like(self.xp)

    def forward(self, x):
        """x: (N, L, C); returns (N*Lout, O), channels-last rows."""
        self.xp[:, self.p:self.p + self.L] = x
        np.copyto(self.cols4, self.win)
        np.matmul(self.cols, self.W.reshape(self.O, -1).T, out=self.y)
        self.y += self.b
        return self.y

    def backward(self, dy, need_dx=True):
        np.matmul(dy.T, self.cols, out=self.gW.reshape(self.O, -1))
        np.sum(dy, axis=0, out=self.gb)
        if not need_dx:
            return None
        np.matmul(dy, self.W.reshape(self.O, -1), out=self.dcols)
        d4 = self.dcols.reshape(self.N, self.Lout, self.C, self.K)
        self.dxp.fill(0)
        span = self.s * (self.Lout - 1) + 1
        for k in range(self.K):
            self.dxp[:, k:k + span:self.s] += d4[:, :, :, k]
        return self.dxp[:, self.p:self.p + self.L]


def softmax_xent(logits, y, rows):
    """Mean cross-entropy; overwrites ``logits`` with d loss / d logits."""
    n = logits.shape[0]
    logits -= logits.max(axis=1, keepdims=True)
    picked = logits[rows, y].sum()
    np.exp(logits, out=logits)
    s = logits.sum(axis=1, keepdims=True)
    loss = (np.log(s).sum() - picked) / n
    logits /= s
    logits[rows, y] -= 1.0
    logits *= 1.0 / n
    return loss


class _Model:
    """Common plumbing: named parameters, gradient buffers and the optimizer."""

    names: list[str]

    def _finish(self, params, grads, opt, lr):
        self.names = list(params)
        self._params = params
        self._grads = grads
        plist = [params[k] for k in self.names]
        glist = [grads[k] for k in self.names]
        self.opt = Adam(plist, glist, lr) if opt == "adam" else SGD(plist, glist, lr)

    def grads(self):
        loss = self.forward_backward()
        return float(loss), {k: self._grads[k].copy() for k in self.names}

    def step(self):
        self.forward_backward()
        self.opt.step()

    def params(self):
        return {k: v.copy() for k, v in self._params.items()}


def _dense_grads(layers):
    out = {}
    for name, layer in layers.items():
        out[f"{name}.weight"], out[f"{name}.bias"] = layer.gW, layer.gb
    return out


class LogReg(_Model):
    """A: logits = x W^T + b."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        self.x, self.y = d["x"], d["y"]
        self.rows = np.arange(len(self.y))
        self.fc = Dense(p["fc.weight"], p["fc.bias"], len(self.y))
        self._finish(p, _dense_grads({"fc": self.fc}), "adam", prob.hyper["lr"])

    def forward_backward(self):
        logits = self.fc.forward(self.x)
        loss = softmax_xent(logits, self.y, self.rows)
        self.fc.backward(logits, need_dx=False)
        return loss


class ResMLP(_Model):
    """B: h1 = relu(L1 x); h2 = relu(L2 h1) + h1; logits = L3 h2."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        self.x, self.y = d["x"], d["y"]
        n = len(self.y)
        self.rows = np.arange(n)
        self.l1 = Dense(p["linear1.weight"], p["linear1.bias"], n)
        self.l2 = Dense(p["linear2.weight"], p["linear2.bias"], n)
        self.l3 = Dense(p["linear3.weight"], p["linear3.bias"], n)
        self.h2 = np.empty_like(self.l2.y)
        self.mask = np.empty(self.l2.y.shape, bool)
        grads = _dense_grads({"linear1": self.l1, "linear2": self.l2, "linear3": self.l3})
        self._finish(p, grads, "adam", prob.hyper["lr"])

    def forward_backward(self):
        h1 = self.l1.forward(self.x)
        np.maximum(h1, 0, out=h1)
        a2 = self.l2.forward(h1)
        np.maximum(a2, 0, out=a2)
        np.add(a2, h1, out=self.h2)
        logits = self.l3.forward(self.h2)
        loss = softmax_xent(logits, self.y, self.rows)
        dh2 = self.l3.backward(logits)
        np.greater(a2, 0, out=self.mask)
        da2 = np.multiply(dh2, self.mask, out=a2)  # a2 is no longer needed
        dh1 = self.l2.backward(da2)
        dh1 += dh2
        np.greater(h1, 0, out=self.mask)
        dh1 *= self.mask
        self.l1.backward(dh1, need_dx=False)
        return loss


class MLP3(_Model):
    """C: 784-256-256-10 ReLU MLP, SGD."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        self.x, self.y = d["x"], d["y"]
        n = len(self.y)
        self.rows = np.arange(n)
        self.l1 = Dense(p["fc1.weight"], p["fc1.bias"], n)
        self.l2 = Dense(p["fc2.weight"], p["fc2.bias"], n)
        self.l3 = Dense(p["fc3.weight"], p["fc3.bias"], n)
        self.mask1 = np.empty(self.l1.y.shape, bool)
        self.mask2 = np.empty(self.l2.y.shape, bool)
        grads = _dense_grads({"fc1": self.l1, "fc2": self.l2, "fc3": self.l3})
        self._finish(p, grads, "sgd", prob.hyper["lr"])

    def forward_backward(self):
        h1 = self.l1.forward(self.x)
        np.maximum(h1, 0, out=h1)
        h2 = self.l2.forward(h1)
        np.maximum(h2, 0, out=h2)
        logits = self.l3.forward(h2)
        loss = softmax_xent(logits, self.y, self.rows)
        d = self.l3.backward(logits)
        np.greater(h2, 0, out=self.mask2)
        d *= self.mask2
        d = self.l2.backward(d)
        np.greater(h1, 0, out=self.mask1)
        d *= self.mask1
        self.l1.backward(d, need_dx=False)
        return loss


class AutoEncoder(_Model):
    """D: 784-128(ReLU)-32(linear code)-128(ReLU)-784(sigmoid), MSE against the input."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        self.x = d["x"]
        n = self.x.shape[0]
        self.e1 = Dense(p["enc1.weight"], p["enc1.bias"], n)
        self.e2 = Dense(p["enc2.weight"], p["enc2.bias"], n)
        self.d1 = Dense(p["dec1.weight"], p["dec1.bias"], n)
        self.d2 = Dense(p["dec2.weight"], p["dec2.bias"], n)
        self.diff = np.empty_like(self.x)
        self.mask_e = np.empty(self.e1.y.shape, bool)
        self.mask_d = np.empty(self.d1.y.shape, bool)
        grads = _dense_grads({"enc1": self.e1, "enc2": self.e2, "dec1": self.d1,
                              "dec2": self.d2})
        self._finish(p, grads, "adam", prob.hyper["lr"])

    def forward_backward(self):
        h1 = self.e1.forward(self.x)
        np.maximum(h1, 0, out=h1)
        code = self.e2.forward(h1)
        h3 = self.d1.forward(code)
        np.maximum(h3, 0, out=h3)
        out = self.d2.forward(h3)
        # sigmoid(z) = 0.5 * tanh(z / 2) + 0.5: no overflow for large |z|, all in place.
        out *= 0.5
        np.tanh(out, out=out)
        out *= 0.5
        out += 0.5
        diff = np.subtract(out, self.x, out=self.diff)
        loss = np.vdot(diff, diff) / diff.size
        # d loss / d z = 2 (out - x) / size * out * (1 - out)
        diff *= 2.0 / diff.size
        diff *= out
        np.subtract(1.0, out, out=out)
        diff *= out
        d = self.d2.backward(diff)
        np.greater(h3, 0, out=self.mask_d)
        d *= self.mask_d
        d = self.d1.backward(d)
        d = self.e2.backward(d)
        np.greater(h1, 0, out=self.mask_e)
        d *= self.mask_e
        self.e1.backward(d, need_dx=False)
        return loss


class TanhMLP(_Model):
    """E: 2-16-16-1 tanh MLP, MSE, SGD, float64."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        self.x, self.t = d["x"], d["y"]
        n = self.x.shape[0]
        self.l1 = Dense(p["fc1.weight"], p["fc1.bias"], n)
        self.l2 = Dense(p["fc2.weight"], p["fc2.bias"], n)
        self.l3 = Dense(p["fc3.weight"], p["fc3.bias"], n)
        self.tmp = np.empty_like(self.l1.y)
        grads = _dense_grads({"fc1": self.l1, "fc2": self.l2, "fc3": self.l3})
        self._finish(p, grads, "sgd", prob.hyper["lr"])

    def _tanh_backward(self, d, h):
        # d *= 1 - h^2, with h the tanh output
        np.multiply(h, h, out=self.tmp)
        np.subtract(1.0, self.tmp, out=self.tmp)
        d *= self.tmp

    def forward_backward(self):
        h1 = self.l1.forward(self.x)
        np.tanh(h1, out=h1)
        h2 = self.l2.forward(h1)
        np.tanh(h2, out=h2)
        out = self.l3.forward(h2)
        out -= self.t  # out now holds the residual
        loss = np.vdot(out, out) / out.size
        out *= 2.0 / out.size
        d = self.l3.backward(out)
        self._tanh_backward(d, h2)
        d = self.l2.backward(d)
        self._tanh_backward(d, h1)
        self.l1.backward(d, need_dx=False)
        return loss


class ConvNet(_Model):
    """H: the MNIST-1D paper's ConvBase (conv k5/k3/k3, stride 2, padding 1, 25 channels)."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        x, self.y = d["x"], d["y"]
        n, c, length = x.shape
        self.x = np.ascontiguousarray(x.transpose(0, 2, 1))  # (N, L, 1) channels-last
        self.rows = np.arange(n)
        self.c1 = Conv1dCL(p["conv1.weight"], p["conv1.bias"], n, length, 2, 1)
        self.c2 = Conv1dCL(p["conv2.weight"], p["conv2.bias"], n, self.c1.Lout, 2, 1)
        self.c3 = Conv1dCL(p["conv3.weight"], p["conv3.bias"], n, self.c2.Lout, 2, 1)
        self.lin = Dense(p["linear.weight"], p["linear.bias"], n)
        self.flat = np.empty((n, self.c3.O * self.c3.Lout), x.dtype)
        self.masks = [np.empty(c.y.shape, bool) for c in (self.c1, self.c2, self.c3)]
        grads = _dense_grads({"conv1": self.c1, "conv2": self.c2, "conv3": self.c3,
                              "linear": self.lin})
        self._finish(p, grads, "adam", prob.hyper["lr"])

    def forward_backward(self):
        n = self.x.shape[0]
        c1, c2, c3 = self.c1, self.c2, self.c3
        h1 = c1.forward(self.x)
        np.maximum(h1, 0, out=h1)
        h2 = c2.forward(h1.reshape(n, c1.Lout, c1.O))
        np.maximum(h2, 0, out=h2)
        h3 = c3.forward(h2.reshape(n, c2.Lout, c2.O))
        np.maximum(h3, 0, out=h3)
        # PyTorch flattens (N, C, L) channel-major.
        np.copyto(self.flat.reshape(n, c3.O, c3.Lout),
                  h3.reshape(n, c3.Lout, c3.O).transpose(0, 2, 1))
        logits = self.lin.forward(self.flat)
        loss = softmax_xent(logits, self.y, self.rows)
        dflat = self.lin.backward(logits)
        # Each ReLU mask is taken before its activation buffer is reused for the gradient.
        m1, m2, m3 = self.masks
        np.greater(h3, 0, out=m3)
        np.copyto(h3.reshape(n, c3.Lout, c3.O),
                  dflat.reshape(n, c3.O, c3.Lout).transpose(0, 2, 1))
        h3 *= m3
        d = c3.backward(h3)
        np.greater(h2, 0, out=m2)
        np.multiply(d, m2.reshape(d.shape), out=h2.reshape(d.shape))
        d = c2.backward(h2)
        np.greater(h1, 0, out=m1)
        np.multiply(d, m1.reshape(d.shape), out=h1.reshape(d.shape))
        c1.backward(h1, need_dx=False)
        return loss


# --------------------------------------------------------------------------- chains


_SIN, _MUL, _ADD, _TANH, _EXP = range(5)
_OPCODE = {"sin": _SIN, "mul": _MUL, "add": _ADD, "tanh": _TANH, "exp": _EXP}


class Chain:
    """F and K: y0 = x, then n_ops elementwise ops cycling through CHAIN_CYCLE; loss = sum(y).

    All intermediate values live in one (n_ops + 1, n) array written with ``out=``; the
    backward pass walks it in reverse with one gradient vector and one scratch vector.
    """

    def __init__(self, prob):
        p = prob.params()
        self.x, self.w = p["x"], p["w"]
        self.n_ops = prob.hyper["n_ops"]
        self.codes = [_OPCODE[CHAIN_CYCLE[i % len(CHAIN_CYCLE)]] for i in range(self.n_ops)]
        n = self.x.shape[0]
        self.vals = np.empty((self.n_ops + 1, n))
        self.g, self.tmp = np.empty(n), np.empty(n)
        self.gx, self.gw = np.empty(n), np.empty(n)

    def forward(self):
        vals, x, w = self.vals, self.x, self.w
        vals[0] = x
        for i, code in enumerate(self.codes):
            a, out = vals[i], vals[i + 1]
            if code == _SIN:
                np.sin(a, out=out)
            elif code == _MUL:
                np.multiply(a, w, out=out)
            elif code == _ADD:
                np.add(a, x, out=out)
            elif code == _TANH:
                np.tanh(a, out=out)
            else:
                np.exp(a, out=out)
        return vals[-1].sum()

    def backward(self):
        vals, w, g, tmp, gx, gw = self.vals, self.w, self.g, self.tmp, self.gx, self.gw
        g.fill(1.0)
        gx.fill(0.0)
        gw.fill(0.0)
        for i in range(self.n_ops - 1, -1, -1):
            code = self.codes[i]
            if code == _SIN:
                np.cos(vals[i], out=tmp)
                g *= tmp
            elif code == _MUL:
                np.multiply(g, vals[i], out=tmp)
                gw += tmp
                g *= w
            elif code == _ADD:
                gx += g
            elif code == _TANH:
                out = vals[i + 1]
                np.multiply(out, out, out=tmp)
                np.subtract(1.0, tmp, out=tmp)
                g *= tmp
            else:
                g *= vals[i + 1]
        gx += g  # y0 = x

    def grads(self):
        loss = self.forward()
        self.backward()
        return float(loss), {"x": self.gx.copy(), "w": self.gw.copy()}

    def step(self):
        self.forward()
        self.backward()

    def params(self):
        return {"x": self.x.copy(), "w": self.w.copy()}


class ChainBackward(Chain):
    """K: the forward pass is untimed set-up; only the backward pass is timed."""

    def prepare(self):
        self.forward()

    def step(self):
        self.backward()


class ScalarChainNumpy:
    """G on NumPy float64 scalars (np.tanh): shows NumPy's per-call cost on scalars."""

    tanh = staticmethod(np.tanh)

    def __init__(self, prob):
        p = prob.params()
        self.a, self.b, self.y0 = (self._scalar(p[k]) for k in ("a", "b", "y0"))
        self.n = prob.hyper["n_steps"]

    @staticmethod
    def _scalar(v):
        return np.float64(v)

    def forward_backward(self):
        a, b, tanh = self.a, self.b, self.tanh
        ys = [self.y0]
        y = self.y0
        for _ in range(self.n):
            y = tanh(a * y + b)
            ys.append(y)
        g, ga, gb = 1.0, 0.0, 0.0
        for k in range(self.n, 0, -1):
            yk = ys[k]
            d = g * (1.0 - yk * yk)
            ga += d * ys[k - 1]
            gb += d
            g = d * a
        return y, {"a": ga, "b": gb, "y0": g}

    def grads(self):
        loss, g = self.forward_backward()
        return float(loss), {k: np.asarray(v, dtype=np.float64) for k, v in g.items()}

    def step(self):
        self.forward_backward()

    def params(self):
        return {k: np.array(float(getattr(self, k))) for k in ("a", "b", "y0")}


class ScalarChainPython(ScalarChainNumpy):
    """G's reference: plain Python floats with math.tanh and a hand-written backward."""

    tanh = staticmethod(math.tanh)

    @staticmethod
    def _scalar(v):
        return float(v)


class ScalarMLP(_Model):
    """I: micrograd's 2-16-16-1 ReLU MLP on one sample, vectorized per layer."""

    def __init__(self, prob):
        p, d = prob.params(), prob.inputs()
        self.x, self.t = d["x"], float(d["y"])
        self.W = [p[f"l{i}.w"] for i in range(3)]
        self.b = [p[f"l{i}.b"] for i in range(3)]
        self.gW = [np.empty_like(w) for w in self.W]
        self.gb = [np.empty_like(b) for b in self.b]
        grads = {}
        for i in range(3):
            grads[f"l{i}.w"], grads[f"l{i}.b"] = self.gW[i], self.gb[i]
        self._finish(p, grads, "sgd", prob.hyper["lr"])

    def forward_backward(self):
        W, b, gW, gb = self.W, self.b, self.gW, self.gb
        h1 = W[0] @ self.x + b[0]
        np.maximum(h1, 0, out=h1)
        h2 = W[1] @ h1 + b[1]
        np.maximum(h2, 0, out=h2)
        out = W[2] @ h2 + b[2]
        r = out[0] - self.t
        loss = r * r
        gb[2][0] = 2.0 * r
        np.multiply(gb[2][0], h2, out=gW[2][0])
        d2 = W[2][0] * gb[2][0]
        d2 *= h2 > 0
        gb[1][:] = d2
        np.outer(d2, h1, out=gW[1])
        d1 = W[1].T @ d2
        d1 *= h1 > 0
        gb[0][:] = d1
        np.outer(d1, self.x, out=gW[0])
        return loss


BUILDERS = {
    "A": LogReg,
    "B": ResMLP,
    "C": MLP3,
    "D": AutoEncoder,
    "E": TanhMLP,
    "F": Chain,
    "G": ScalarChainNumpy,
    "H": ConvNet,
    "I": ScalarMLP,
    "K": ChainBackward,
}

PYTHON_BUILDERS = {"G": ScalarChainPython}
