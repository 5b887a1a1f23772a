"""Backpropagation through time: an LSTM's forward and backward over L and 10L steps, time per
step for hand-written NumPy, PyTorch (CPU) and autograd_core side by side, and the engine's
peak memory at both lengths (linear: time per step and memory per step about equal).

    PYTHONPATH=. .venv/bin/python benchmarks/lstm_bptt.py [--steps 100] [--batch 32]
        [--input 32] [--hidden 128] [--repeats 5] [--threads 1] [--quick]

One step of the benchmark = forward over the whole sequence, loss = sum(output * P) for a fixed
random P, backward to the input, the initial states and every weight; the reported figure is
that time divided by the number of time steps. Every engine starts from the same float32
arrays and its loss and gradients are checked against the NumPy reference before timing; a
mismatch is reported and that engine is not timed. Engines are timed round-robin (the order
rotates every repeat) and the median over the repeats is reported. Nothing here asserts on
timings.
"""

from __future__ import annotations

import argparse
import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=100, help="L; the long run has 10 L")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--input", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="L = 30, 3 repeats")
    args = ap.parse_args(argv)
    if args.quick:
        args.steps, args.repeats = 30, 3
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    for var in THREAD_VARS:
        os.environ[var] = str(ARGS.threads)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import gc  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402


def make_problem(steps, batch, n_in, hidden, seed=0):
    """PyTorch's LSTM layout (gates i, f, g, o) and init bounds, one seeded generator."""
    rng = np.random.default_rng(seed)
    k = 1 / np.sqrt(hidden)
    f32 = np.float32
    return {
        "weight_ih_l0": rng.uniform(-k, k, (4 * hidden, n_in)).astype(f32),
        "weight_hh_l0": rng.uniform(-k, k, (4 * hidden, hidden)).astype(f32),
        "bias_ih_l0": rng.uniform(-k, k, 4 * hidden).astype(f32),
        "bias_hh_l0": rng.uniform(-k, k, 4 * hidden).astype(f32),
        "x": rng.standard_normal((steps, batch, n_in)).astype(f32),
        "h0": rng.standard_normal((1, batch, hidden)).astype(f32) * f32(0.1),
        "c0": rng.standard_normal((1, batch, hidden)).astype(f32) * f32(0.1),
        "proj": rng.standard_normal((steps, batch, hidden)).astype(f32),
    }


# --------------------------------------------------------------------------- hand-written NumPy
class NumpyLSTM:
    """What an expert writes for fixed shapes: the input projection of all steps in one matmul,
    gates kept for the backward, and the weight gradients as one matmul over all steps."""

    def __init__(self, p):
        self.p = p

    def step(self):
        p = self.p
        w_ih, w_hh = p["weight_ih_l0"], p["weight_hh_l0"]
        x, proj = p["x"], p["proj"]
        steps, batch, n_in = x.shape
        hid = w_hh.shape[1]
        pre = (x.reshape(-1, n_in) @ w_ih.T + (p["bias_ih_l0"] + p["bias_hh_l0"])).reshape(
            steps, batch, 4 * hid)
        gates = np.empty((steps, batch, 4 * hid), np.float32)  # activated i, f, g, o
        hs = np.empty((steps + 1, batch, hid), np.float32)
        cs = np.empty((steps + 1, batch, hid), np.float32)
        tcs = np.empty((steps, batch, hid), np.float32)
        hs[0], cs[0] = p["h0"][0], p["c0"][0]
        for t in range(steps):
            z = pre[t] + hs[t] @ w_hh.T
            a = gates[t]
            np.negative(z, out=a)
            np.exp(a, out=a)
            a += 1
            np.reciprocal(a, out=a)  # sigmoid everywhere, then tanh on the g block
            np.tanh(z[:, 2 * hid:3 * hid], out=a[:, 2 * hid:3 * hid])
            i, f, g, o = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:3 * hid], a[:, 3 * hid:]
            cs[t + 1] = f * cs[t] + i * g
            tcs[t] = np.tanh(cs[t + 1])
            hs[t + 1] = o * tcs[t]
        loss = float((hs[1:] * proj).sum(dtype=np.float64))
        dz = np.empty_like(gates)
        dh = np.zeros((batch, hid), np.float32)
        dc = np.zeros((batch, hid), np.float32)
        for t in range(steps - 1, -1, -1):
            a = gates[t]
            i, f, g, o = a[:, :hid], a[:, hid:2 * hid], a[:, 2 * hid:3 * hid], a[:, 3 * hid:]
            dh += proj[t]
            dc += dh * o * (1 - tcs[t] ** 2)
            d = dz[t]
            d[:, :hid] = dc * g * i * (1 - i)
            d[:, hid:2 * hid] = dc * cs[t] * f * (1 - f)
            d[:, 2 * hid:3 * hid] = dc * i * (1 - g * g)
            d[:, 3 * hid:] = dh * tcs[t] * o * (1 - o)
            dc *= f
            dh = d @ w_hh
        flat = dz.reshape(-1, 4 * hid)
        db = flat.sum(0)
        return loss, {
            "weight_ih_l0": flat.T @ x.reshape(-1, n_in),
            "weight_hh_l0": flat.T @ hs[:-1].reshape(-1, hid),
            "bias_ih_l0": db, "bias_hh_l0": db,
            "x": (flat @ w_ih).reshape(x.shape), "h0": dh[None], "c0": dc[None],
        }


# --------------------------------------------------------------------------- PyTorch
class TorchLSTM:
    def __init__(self, p, threads):
        import torch

        torch.set_num_threads(threads)
        self.torch = torch
        hid = p["weight_hh_l0"].shape[1]
        self.m = torch.nn.LSTM(p["x"].shape[2], hid)
        self.m.load_state_dict({k: torch.from_numpy(v) for k, v in p.items()
                                if k.startswith(("weight", "bias"))}, strict=True)
        self.p = p

    def step(self):
        torch, p = self.torch, self.p
        self.m.zero_grad()
        x, h0, c0 = (torch.tensor(p[k], requires_grad=True) for k in ("x", "h0", "c0"))
        out, _ = self.m(x, (h0, c0))
        loss = (out * torch.from_numpy(p["proj"])).sum()
        loss.backward()
        grads = {k: v.grad.numpy() for k, v in self.m.named_parameters()}
        grads.update(x=x.grad.numpy(), h0=h0.grad.numpy(), c0=c0.grad.numpy())
        return float(loss.detach()), grads


# --------------------------------------------------------------------------- autograd_core
class EngineLSTM:
    def __init__(self, p):
        import autograd_core as ag
        import nn

        self.ag = ag
        hid = p["weight_hh_l0"].shape[1]
        self.m = nn.LSTM(p["x"].shape[2], hid)
        self.m.load_state_dict({k: v for k, v in p.items() if k.startswith(("weight", "bias"))},
                               strict=True)
        self.p = p

    def step(self):
        ag, p = self.ag, self.p
        self.m.zero_grad()
        x, h0, c0 = (ag.tensor(p[k], requires_grad=True) for k in ("x", "h0", "c0"))
        out, _ = self.m(x, (h0, c0))
        loss = (out * ag.tensor(p["proj"])).sum()
        loss.backward()
        grads = {k: v.grad.numpy() for k, v in self.m.named_parameters()}
        grads.update(x=x.grad.numpy(), h0=h0.grad.numpy(), c0=c0.grad.numpy())
        return float(loss.item()), grads


# --------------------------------------------------------------------------- harness
def agrees(ref, got, rtol=1e-3):
    """|got - ref| <= rtol * (|ref| + max|ref|) elementwise, loss and every gradient (float32
    over hundreds of steps: a looser rtol than bench.py's single-step 1e-4)."""
    loss_r, g_r = ref
    loss_g, g_g = got
    bad = []
    if abs(loss_g - loss_r) > rtol * 2 * abs(loss_r):
        bad.append(f"loss {loss_g} vs {loss_r}")
    for k, r in g_r.items():
        g = np.asarray(g_g[k], dtype=np.float64)
        r = r.astype(np.float64)
        if g.shape != r.shape or np.any(np.abs(g - r) > rtol * (np.abs(r) + np.abs(r).max())):
            bad.append(k)
    return bad


def engine_peak_memory(p):
    """Peak bytes NumPy allocates (traced) during one engine forward and backward."""
    runner = EngineLSTM(p)
    gc.collect()
    tracemalloc.start()
    runner.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def fmt(s):
    return f"{s * 1e6:8.1f} µs" if s < 1e-3 else f"{s * 1e3:8.2f} ms"


def main(args) -> int:
    lengths = [args.steps, 10 * args.steps]
    print(f"LSTM forward + backward to input, states and weights: batch {args.batch}, input "
          f"{args.input}, hidden {args.hidden}, float32, {args.threads} thread(s); median of "
          f"{args.repeats} repeats, engines round-robin")
    status = 0
    table = {}
    for steps in lengths:
        p = make_problem(steps, args.batch, args.input, args.hidden)
        runners = {"numpy": NumpyLSTM(p)}
        try:
            runners["torch"] = TorchLSTM(p, args.threads)
        except ImportError as exc:
            print(f"[skip] torch: {exc}")
        runners["autograd_core"] = EngineLSTM(p)
        ref = runners["numpy"].step()
        for name in list(runners):
            if name == "numpy":
                continue
            bad = agrees(ref, runners[name].step())
            if bad:
                print(f"!!! {name} at L={steps}: MISMATCH in {', '.join(bad)}; not timed")
                del runners[name]
                status = 1
        times = {name: [] for name in runners}
        order = list(runners)
        for r in range(args.repeats):
            k = r % len(order)
            for name in order[k:] + order[:k]:
                gc.collect()
                t0 = time.perf_counter()
                runners[name].step()
                times[name].append((time.perf_counter() - t0) / steps)
        table[steps] = {name: statistics.median(ts) for name, ts in times.items()}
    names = ["numpy", "torch", "autograd_core"]
    print(f"\n{'L':>6} | " + " | ".join(f"{n:>24}" for n in names) + " | engine/torch")
    for steps, row in table.items():
        cells = []
        for n in names:
            if n in row:
                cells.append(f"{fmt(row[n])} ({row[n] / row['numpy']:5.2f}×)")
            else:
                cells.append(f"{'-':>24}")
        vs = (f"{row['autograd_core'] / row['torch']:.2f}×" if "torch" in row
              and "autograd_core" in row else "-")
        print(f"{steps:>6} | " + " | ".join(f"{c:>24}" for c in cells) + f" | {vs}")
    print("(time per time step; in parentheses the ratio to hand-written NumPy)")
    if all("autograd_core" in table[s] for s in lengths):
        ratio = table[lengths[1]]["autograd_core"] / table[lengths[0]]["autograd_core"]
        print(f"\nautograd_core time per step at {lengths[1]} vs {lengths[0]} steps: "
              f"{ratio:.2f} (linear: about 1)")
    mems = [engine_peak_memory(make_problem(s, args.batch, args.input, args.hidden))
            for s in lengths]
    print(f"autograd_core peak traced memory: {mems[0] / 2**20:.1f} MiB at {lengths[0]} steps, "
          f"{mems[1] / 2**20:.1f} MiB at {lengths[1]} steps (ratio {mems[1] / mems[0]:.2f}; "
          f"linear: about 10)")
    return status


if __name__ == "__main__":
    sys.exit(main(ARGS))
