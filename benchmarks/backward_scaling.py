"""Does backward cost grow linearly with the number of ops? Times backward() on graphs of N
and 10N ops and prints the ratio (linear: about 10; the target is at most 11).

Graphs:
  chain     y -> y * a + b, N ops deep (one path, the depth case)
  wide      N/2 products x * c_i of one leaf, summed by a balanced tree of adds (depth log N)
  stack     N separate scalar leaves times constants, joined by one ag.stack (an N-way node)

    PYTHONPATH=. .venv/bin/python benchmarks/backward_scaling.py [--n 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable

import numpy as np

import autograd_core as ag

TARGET_RATIO = 11.0


def chain(n_ops: int) -> tuple[ag.Tensor, list[ag.Tensor]]:
    x = ag.tensor(np.ones(4), requires_grad=True)
    y = x
    for _ in range(n_ops // 2):
        y = y * 0.999
        y = y + 0.001
    return y.sum(), [x]


def wide(n_ops: int) -> tuple[ag.Tensor, list[ag.Tensor]]:
    x = ag.tensor(np.ones(4), requires_grad=True)
    level = [x * float(c) for c in np.linspace(-1, 1, n_ops // 2)]
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0].sum(), [x]


def stack(n_ops: int) -> tuple[ag.Tensor, list[ag.Tensor]]:
    leaves = [ag.tensor(1.0, dtype=np.float64, requires_grad=True) for _ in range(n_ops // 2)]
    s = ag.stack([x * 0.5 for x in leaves])
    return s.sum(), leaves


def time_backward(build: Callable, n_ops: int, repeat: int) -> float:
    """Best of `repeat` timings of backward() alone (graph building is not timed)."""
    best = float("inf")
    for _ in range(repeat):
        root, keep = build(n_ops)
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            root.backward()
            best = min(best, time.perf_counter() - t0)
        finally:
            gc.enable()
        del root, keep
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="ops in the smaller graph")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--graphs", nargs="*", default=["chain", "wide", "stack"],
                        choices=["chain", "wide", "stack"])
    args = parser.parse_args()
    builders = {"chain": chain, "wide": wide, "stack": stack}
    n = args.n
    print(f"{'graph':8} {'N ops':>10} {'backward':>10} {'10N ops':>10} {'backward':>10} "
          f"{'ratio':>7}  verdict (target <= {TARGET_RATIO:g})")
    for name in args.graphs:
        small = time_backward(builders[name], n, args.repeat)
        large = time_backward(builders[name], 10 * n, args.repeat)
        ratio = large / small
        verdict = "ok" if ratio <= TARGET_RATIO else "SUPERLINEAR"
        print(f"{name:8} {n:>10,} {small * 1e3:>8.1f}ms {10 * n:>10,} {large * 1e3:>8.1f}ms "
              f"{ratio:>7.2f}  {verdict}")


if __name__ == "__main__":
    main()
