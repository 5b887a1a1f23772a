"""Benchmark harness: autograd_core against hand-written NumPy, PyTorch and peer libraries.

    python benchmarks/bench.py [--quick] [--only A,B,K] [--engines numpy,torch]
                               [--threads 1] [--markdown PATH]

For each workload every engine is built from the same initial arrays (one seeded NumPy
generator), its loss and gradients are checked against the hand-written NumPy reference and,
for training workloads, its parameters after two optimizer steps too. An engine that disagrees
is reported loudly and not timed. The engines that agree are then warmed up and timed
round-robin (the order rotates every repeat), each repeat running enough steps to last about
``--target`` seconds. Reported: median time per step over the repeats, the min-max spread, and
the ratio to the workload's baseline. Nothing here asserts on timings.

Thread counts are pinned before NumPy is imported (OMP/OpenBLAS/MKL environment variables)
and passed to ``torch.set_num_threads``, so every engine gets the same number of BLAS threads.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

WORKLOAD_ORDER = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "K1", "K10"]
ENGINE_ORDER = ["numpy", "python", "torch", "torch-compile", "autograd_core",
                "autograd_core-compiled", "mygrad", "hips-autograd", "micrograd", "micrograd-deep"]
# micrograd on the vector chains (F, K): 50,000 to 500,000 Values per step, too slow for --quick.
QUICK_SKIP = {(k, "micrograd"): "not run with --quick (500,000 Value nodes per step)"
              for k in ("F", "K10")}
QUICK_SKIP["K1", "micrograd"] = "not run with --quick (50,000 Value nodes per step)"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter repeats (~1 min)")
    ap.add_argument("--only", default="", help="comma-separated workloads: A..I, K, J "
                    "(K runs K1 and K10; J is the memory probe); default all")
    ap.add_argument("--engines", default="", help="comma-separated engines; default all")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS / torch intra-op threads for every engine (default 1)")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per engine")
    ap.add_argument("--target", type=float, default=None,
                    help="seconds per repeat per engine (sets steps per repeat)")
    ap.add_argument("--slow", type=float, default=1.0,
                    help="engines slower than this many seconds per step get 2 single-step "
                         "repeats (1 past three times this; with --quick: not timed)")
    ap.add_argument("--markdown", default=os.path.join(HERE, "results.md"),
                    help="where to write the markdown report ('' for none)")
    ap.add_argument("--_memprobe", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 5
    if args.target is None:
        args.target = 0.04 if args.quick else 0.15
    return args


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    for var in THREAD_VARS:
        os.environ[var] = str(ARGS.threads)
for p in (HERE, ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)

import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402
import reference_numpy  # noqa: E402
import workloads  # noqa: E402

# --------------------------------------------------------------------------- engines


@dataclass
class Engine:
    name: str
    version: str | None
    builders: dict = field(default_factory=dict)
    note: str = ""


def load_engines(threads: int, wanted: set[str] | None, verbose=True) -> dict[str, Engine]:
    """Import every engine that is available; a missing or broken one is skipped."""
    out: dict[str, Engine] = {
        "numpy": Engine("numpy", np.__version__, dict(reference_numpy.BUILDERS)),
        "python": Engine("python", platform.python_version(),
                         dict(reference_numpy.PYTHON_BUILDERS)),
    }

    def skip(name, why):
        if verbose:
            print(f"[skip] {name}: {why}")
        out[name] = Engine(name, None, note=why)

    if not wanted or "torch" in wanted:
        try:
            import reference_torch

            reference_torch.configure(threads)
            out["torch"] = Engine("torch", reference_torch.VERSION,
                                  dict(reference_torch.BUILDERS))
        except ImportError as exc:
            skip("torch", f"not importable ({exc})")
    if not wanted or "torch-compile" in wanted:
        try:
            import reference_torch

            reference_torch.configure(threads)
            out["torch-compile"] = Engine("torch-compile", reference_torch.VERSION,
                                          dict(reference_torch.COMPILED_BUILDERS))
        except ImportError as exc:
            skip("torch-compile", f"not importable ({exc})")
    if not wanted or "autograd_core" in wanted:
        try:
            import engine_impl

            out["autograd_core"] = Engine("autograd_core", engine_impl.VERSION,
                                          dict(engine_impl.BUILDERS))
        except Exception as exc:  # the engine may be absent or half-written
            skip("autograd_core", f"import failed: {type(exc).__name__}: {exc}")
    if not wanted or "autograd_core-compiled" in wanted:
        try:
            import engine_impl

            out["autograd_core-compiled"] = Engine("autograd_core-compiled", engine_impl.VERSION,
                                                   dict(engine_impl.COMPILED_BUILDERS))
        except Exception as exc:
            skip("autograd_core-compiled", f"import failed: {type(exc).__name__}: {exc}")
    if not wanted or wanted & {"mygrad", "hips-autograd", "micrograd", "micrograd-deep"}:
        import reference_peers

        for name, (ver, builders) in reference_peers.engines().items():
            if wanted and name not in wanted:
                continue
            if ver is None:
                skip(name, builders)
            else:
                out[name] = Engine(name, ver, builders)
    if wanted:
        out = {k: v for k, v in out.items() if k in wanted or k == "numpy"}
    return out


def is_unsupported(exc) -> bool:
    """reference_peers.Unsupported: a documented limitation, reported but not a failure."""
    return type(exc).__name__ == "Unsupported"


# --------------------------------------------------------------------------- checks


def compare(ref, got, rtol):
    """Elementwise |got - ref| <= rtol * (|ref| + max|ref|); returns (ok, worst, message)."""
    ref = np.asarray(ref, dtype=np.float64)
    got_arr = np.asarray(got)
    if got_arr.shape != ref.shape:
        return False, np.inf, f"shape {got_arr.shape} != {ref.shape}"
    got64 = got_arr.astype(np.float64)
    if not np.all(np.isfinite(got64)):
        return False, np.inf, "non-finite values"
    scale = max(float(np.max(np.abs(ref), initial=0.0)), 1e-30)
    err = np.abs(got64 - ref)
    tol = rtol * (np.abs(ref) + scale)
    worst = float(np.max(err / (np.abs(ref) + scale), initial=0.0))
    if np.all(err <= tol):
        return True, worst, ""
    i = np.unravel_index(int(np.argmax(err - tol)), ref.shape) if ref.ndim else ()
    where = f"at {tuple(int(j) for j in i)}: " if ref.ndim else ""
    return False, worst, (f"{where}got {float(got64[i]):.9g}, expected {float(ref[i]):.9g} "
                          f"(rel. err {worst:.2e})")


def check_dicts(kind, ref: dict, got: dict, rtol, dtype):
    problems, notes, worst = [], [], 0.0
    if set(ref) != set(got):
        return [f"{kind}: names differ: missing {sorted(set(ref) - set(got))}, "
                f"extra {sorted(set(got) - set(ref))}"], notes, np.inf
    for k in ref:
        ok, w, msg = compare(ref[k], got[k], rtol)
        worst = max(worst, w)
        if not ok:
            problems.append(f"{kind} {k}: {msg}")
        gdt = np.asarray(got[k]).dtype
        if gdt != dtype and gdt.kind == "f":
            notes.append(f"{kind} {k} is {gdt}, expected {dtype}")
    return problems, notes, worst


@dataclass
class Row:
    engine: str
    status: str = "ok"  # ok | mismatch | error | unsupported
    message: str = ""
    notes: list = field(default_factory=list)
    worst: float = 0.0
    steps: int = 0
    repeats: int = 0
    check_s: float = 0.0  # wall time of one step during the check (a first estimate)
    times: list = field(default_factory=list)  # seconds per step, one per repeat
    runner: object = None

    @property
    def median(self):
        return statistics.median(self.times) if self.times else float("nan")


def check_engine(prob, engine: Engine, ref) -> Row:
    """Build the engine's runner and compare it with the NumPy reference before timing."""
    row = Row(engine.name)
    builder = engine.builders[prob.impl]
    t0 = time.perf_counter()
    n_steps = 1
    try:
        runner = builder(prob)
        t0 = time.perf_counter()
        loss, grads = runner.grads()
        problems, notes, worst = check_dicts("grad", ref["grads"], grads, prob.rtol, prob.dtype)
        ok, w, msg = compare(ref["loss"], loss, prob.rtol)
        if not ok:
            problems.insert(0, f"loss: {msg}")
        worst = max(worst, w)
        if prob.kind == "train" and not problems:
            runner.step()
            runner.step()
            n_steps = 3
            p_problems, p_notes, _ = check_dicts("param after 2 steps", ref["params"],
                                                  runner.params(), 10 * prob.rtol, prob.dtype)
            problems += p_problems
            notes += p_notes
    except Exception as exc:
        if is_unsupported(exc):
            row.status, row.message = "unsupported", str(exc)
        else:
            row.status = "error"
            row.message = f"{type(exc).__name__}: {exc}"
            tb = traceback.format_exc(limit=-4)
            print(f"!!! {prob.key} / {engine.name}: ERROR while checking\n{tb}")
        return row
    row.check_s = (time.perf_counter() - t0) / n_steps
    row.notes, row.worst = sorted(set(notes)), worst
    if problems:
        row.status = "mismatch"
        row.message = "; ".join(problems[:4]) + (" ..." if len(problems) > 4 else "")
        bar = "!" * 78
        print(f"{bar}\n!!! {prob.key} / {engine.name}: GRADIENT CHECK FAILED, row not timed")
        for p in problems[:10]:
            print(f"!!!   {p}")
        print(bar)
        return row
    row.runner = runner
    return row


def reference_result(prob):
    ref = reference_numpy.BUILDERS[prob.impl](prob)
    loss, grads = ref.grads()
    out = {"loss": loss, "grads": grads}
    if prob.kind == "train":
        ref.step()
        ref.step()
        out["params"] = ref.params()
    return out


# --------------------------------------------------------------------------- timing


def run_steps(runner, n):
    """Seconds spent in ``step()`` over n steps; ``prepare()``, where present, is untimed."""
    prepare = getattr(runner, "prepare", None)
    if prepare is None:
        t0 = time.perf_counter()
        for _ in range(n):
            runner.step()
        return time.perf_counter() - t0
    total = 0.0
    for _ in range(n):
        prepare()
        t0 = time.perf_counter()
        runner.step()
        total += time.perf_counter() - t0
    return total


def warm_up(row: Row, target: float, warm: float):
    """Run steps for about ``warm`` seconds and size one repeat to last about ``target``."""
    n, wall0 = 0, time.perf_counter()
    while True:
        run_steps(row.runner, 1)
        n += 1
        wall = time.perf_counter() - wall0
        if wall >= warm or (n >= 1 and wall > 4 * target):
            break
    per_step = wall / n
    row.steps = max(1, int(round(target / per_step)))


def time_rows(rows: list[Row]):
    """Round-robin: every repeat visits every engine, starting one later each time."""
    for r in range(max((row.repeats for row in rows), default=0)):
        k = r % len(rows)
        for row in rows[k:] + rows[:k]:
            if row.status != "ok" or len(row.times) >= row.repeats:
                continue
            gc.collect()
            try:
                row.times.append(run_steps(row.runner, row.steps) / row.steps)
            except Exception as exc:
                row.status, row.message = "error", f"{type(exc).__name__}: {exc}"
                print(f"!!! {row.engine}: ERROR while timing: {row.message}")


# --------------------------------------------------------------------------- reporting


def fmt_time(s):
    if s != s:  # nan
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1.0:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r):
    if r != r:
        return "-"
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def row_summary(row: Row, base_median):
    if row.status == "ok" and row.times:
        ratio = row.median / base_median if base_median == base_median else float("nan")
        return ratio, f"{fmt_time(row.median)} ({fmt_ratio(ratio)}×)"
    label = {"mismatch": "GRAD MISMATCH", "error": "ERROR", "unsupported": "n/a",
             "skipped": "not timed"}
    return float("nan"), label.get(row.status, row.status)


def print_workload(prob, rows: list[Row], baseline: str):
    base = next((r for r in rows if r.engine == baseline and r.times), None)
    base_med = base.median if base else float("nan")
    print(f"  {'engine':16s} {'median/step':>12s} {'min – max':>24s} {'× ' + baseline:>12s}"
          f" {'steps×rep':>10s}  max rel. err")
    for row in rows:
        if row.status == "ok" and row.times:
            ratio = row.median / base_med
            spread = f"{fmt_time(min(row.times))} – {fmt_time(max(row.times))}"
            print(f"  {row.engine:16s} {fmt_time(row.median):>12s} {spread:>24s} "
                  f"{fmt_ratio(ratio):>12s} {f'{row.steps}×{len(row.times)}':>10s}"
                  f"  {row.worst:.1e}")
        else:
            print(f"  {row.engine:16s} {row.status.upper():>12s}  {row.message}")
        for note in row.notes:
            print(f"  {'':16s} note: {note}")


def machine_info(threads: int, engines: dict[str, Engine]) -> list[tuple[str, str]]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor() or "unknown"
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    info = [("CPU", cpu), ("cores", f"{os.cpu_count()} logical, {affinity} usable"),
            ("OS", platform.platform()), ("Python", platform.python_version()),
            ("load average at start", " ".join(f"{v:.2f}" for v in os.getloadavg()))]
    for name in ENGINE_ORDER:
        e = engines.get(name)
        if e is not None and e.version and name not in ("python", "micrograd-deep"):
            info.append((name, e.version))
    blas = []
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lib = os.path.basename(pool.get("filepath", ""))
            blas.append(f"{pool.get('internal_api')} {pool.get('version') or ''} "
                        f"({lib}, {pool.get('num_threads')} threads)".replace("  ", " "))
    except ImportError:
        blas.append("threadpoolctl not installed")
    info.append(("thread pools", "; ".join(sorted(blas)) or "none found"))
    torch_threads = ""
    if "torch" in engines and engines["torch"].version:
        import torch

        torch_threads = f", torch.get_num_threads() = {torch.get_num_threads()}"
    info.append(("threads", f"{threads} (OMP/OPENBLAS/MKL_NUM_THREADS={threads}"
                 f"{torch_threads})"))
    return info


# --------------------------------------------------------------------------- memory (J)


def rss_mib():
    """Resident set size and its peak, from /proc/self/status."""
    vals = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, v = line.split(":")
                vals[key] = int(v.split()[0]) / 1024
    return vals.get("VmRSS", float("nan")), vals.get("VmHWM", float("nan"))


IMPORT_PROBES = [
    ("python (bare)", ""),
    ("numpy", "import numpy"),
    ("autograd_core, nn, optim", "import autograd_core, nn, optim"),
    ("torch", "import torch"),
    ("mygrad", "import mygrad"),
    ("autograd (HIPS)", "import autograd, autograd.numpy"),
    ("micrograd", "import micrograd.engine, micrograd.nn"),
]


def probe_code(stmt):
    return (f"{stmt}\nrss = hwm = None\nfor l in open('/proc/self/status'):\n"
            f"    k = l.split(':')[0]\n    if k in ('VmRSS', 'VmHWM'):\n"
            f"        v = int(l.split()[1]) / 1024\n"
            f"        rss, hwm = (v, hwm) if k == 'VmRSS' else (rss, v)\n"
            f"print(rss, hwm)")


def memory_probe_imports(quick=False):
    """RSS after each set of imports; with ``quick`` only bare Python, NumPy and the engine."""
    out = []
    for label, stmt in IMPORT_PROBES[:3] if quick else IMPORT_PROBES:
        proc = subprocess.run([sys.executable, "-c", probe_code(stmt)], cwd=ROOT,
                              capture_output=True, text=True, env=os.environ.copy())
        if proc.returncode != 0:
            err = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            out.append((label, None, err))
        else:
            rss, _ = (float(v) for v in proc.stdout.split())
            out.append((label, rss, ""))
    return out


def memory_probe_steps(engine_names, threads):
    out = []
    for name in engine_names:
        cmd = [sys.executable, os.path.abspath(__file__), "--threads", str(threads),
               "--_memprobe", name]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
            err = (proc.stderr.strip().splitlines() or lines or ["failed"])[-1]
            out.append((name, None, err))
        else:
            out.append((name, json.loads(lines[-1]), ""))
    return out


def memprobe_main(name, threads):
    """In a fresh process: RSS after building workload C, after 1 step and after 20 more."""
    engines = load_engines(threads, {name}, verbose=False)
    e = engines.get(name)
    if e is None or "C" not in e.builders:
        print(f"engine {name} unavailable: {e.note if e else ''}", file=sys.stderr)
        return 2
    prob = workloads.make("C")
    r0, _ = rss_mib()
    runner = e.builders["C"](prob)
    gc.collect()
    r_built, _ = rss_mib()
    runner.step()
    gc.collect()
    r1, _ = rss_mib()
    for _ in range(20):
        runner.step()
    gc.collect()
    r21, hwm = rss_mib()
    print(json.dumps({"start": r0, "built": r_built, "after_1": r1, "after_21": r21,
                      "peak": hwm}))
    return 0


# --------------------------------------------------------------------------- main


def selection(only: str):
    if not only:
        return list(WORKLOAD_ORDER), True
    names = [s.strip().upper() for s in only.split(",") if s.strip()]
    keys = []
    for n in names:
        if n == "K":
            keys += ["K1", "K10"]
        elif n in WORKLOAD_ORDER:
            keys.append(n)
        elif n != "J":
            raise SystemExit(f"unknown workload {n!r}; choose from A..I, K, J")
    return [k for k in WORKLOAD_ORDER if k in keys], "J" in names


def check_workload(key, prob, engines, args) -> list[Row]:
    """One checked row per engine that implements the workload."""
    ref = reference_result(prob)
    rows = []
    for name in ENGINE_ORDER:
        e = engines.get(name)
        if e is None or e.version is None or prob.impl not in e.builders:
            continue
        if name == "micrograd-deep":
            # Only informative where plain micrograd hit the recursion limit.
            plain = next((r for r in rows if r.engine == "micrograd"), None)
            if args.quick or (plain is not None and plain.status != "unsupported"):
                continue
        if args.quick and (key, name) in QUICK_SKIP:
            rows.append(Row(name, "skipped", QUICK_SKIP[key, name]))
            continue
        row = check_engine(prob, e, ref)
        if row.status != "ok":
            row.runner = None
        rows.append(row)
        gc.collect()
    return rows


def plan_timing(rows: list[Row], args) -> bool:
    """Warm up and size the repeats of every checked row; False if one raised."""
    ok = True
    warm = min(0.5, 0.5 * args.target)
    for row in rows:
        if row.status != "ok":
            continue
        if row.check_s > args.slow:
            # Seconds per step: the check already warmed it up; time a few single steps
            # (or, with --quick, none) so that one engine does not dominate the run.
            if args.quick:
                row.status, row.runner = "skipped", None
                row.message = f"not timed with --quick (~{fmt_time(row.check_s)} per step)"
                continue
            row.steps = 1
            row.repeats = min(args.repeats, 2 if row.check_s < 3 * args.slow else 1)
            continue
        row.repeats = args.repeats
        try:
            warm_up(row, args.target, warm)
        except Exception as exc:
            row.status, row.message = "error", f"{type(exc).__name__}: {exc}"
            ok = False
            print(f"!!! {row.engine}: ERROR while warming up: {row.message}")
    return ok


def main(args) -> int:
    t_start = time.perf_counter()
    wanted = {s.strip() for s in args.engines.split(",") if s.strip()} or None
    keys, run_j = selection(args.only)
    engines = load_engines(args.threads, wanted)
    info = machine_info(args.threads, engines)
    print("Machine:")
    for k, v in info:
        print(f"  {k:13s} {v}")
    print(f"Settings: repeats={args.repeats}, ~{args.target}s per repeat per engine, "
          f"seed={workloads.SEED}{', quick' if args.quick else ''}")

    gc.collect()
    gc.freeze()  # the libraries' own objects: keeps every later gc.collect() cheap
    results = []  # (prob, rows, baseline)
    failed = False
    # K1 and K10 are timed in one round-robin, so that their ratio does not depend on how
    # the machine's load changed between them.
    groups = [[k] for k in keys if k not in ("K1", "K10")]
    if any(k in keys for k in ("K1", "K10")):
        groups.append([k for k in keys if k in ("K1", "K10")])
    for group in groups:
        t_group = time.perf_counter()
        checked = []
        print()
        for key in group:
            prob = workloads.make(key)
            print(f"[{key}] checking gradients ...", flush=True)
            rows = check_workload(key, prob, engines, args)
            failed |= any(r.status in ("mismatch", "error") for r in rows)
            checked.append((prob, rows))
        all_rows = [r for _, rows in checked for r in rows]
        failed |= not plan_timing(all_rows, args)
        # Freeze everything alive now (libraries, lazily imported modules, the built models), so
        # that during timing the cyclic collector sees only what the timed steps allocate: an
        # engine whose steps leave cyclic garbage (micrograd) otherwise runs 2-4x slower or
        # faster depending on which other libraries happen to be loaded.
        # Frozen objects are still freed by reference counting when the runners are dropped;
        # only cyclic leftovers of this group stay behind, which is harmless here.
        gc.collect()
        gc.freeze()
        time_rows([r for r in all_rows if r.status == "ok"])
        failed |= any(r.status == "error" for r in all_rows)
        for row in all_rows:
            row.runner = None
        gc.collect()
        for i, (prob, rows) in enumerate(checked):
            print(f"{'' if i == 0 else chr(10)}== {prob.key}: {prob.title}")
            print_workload(prob, rows, prob.baseline)
            results.append((prob, rows, prob.baseline))
        print(f"  ({time.perf_counter() - t_group:.1f} s)")

    scaling = k_scaling(results)
    if scaling:
        print("\n== K: backward time 10N / N (about 10 means linear in the number of ops)")
        for name, t1, t10, r_med, r_min, msg in scaling:
            if msg:
                print(f"  {name:16s} {msg}")
            else:
                print(f"  {name:16s} {fmt_time(t1):>10s} -> {fmt_time(t10):>10s}   "
                      f"ratio {r_med:5.1f} (medians), {r_min:5.1f} (minima)")

    mem = None
    if run_j:
        print("\n== J: memory (fresh subprocesses)")
        imports = memory_probe_imports(args.quick)
        for label, rss, err in imports:
            print(f"  import {label:26s} " + (f"{rss:8.1f} MiB" if rss else f"failed: {err}"))
        names = ("numpy", "autograd_core") if args.quick else \
            ("numpy", "torch", "autograd_core", "mygrad", "hips-autograd")
        names = [n for n in names
                 if n in engines and engines[n].version and (not wanted or n in wanted)]
        steps = memory_probe_steps(names, args.threads)
        for name, d, err in steps:
            if d is None:
                print(f"  C steps {name:16s} failed: {err}")
            else:
                print(f"  C steps {name:16s} built {d['built']:7.1f} MiB, after 1 step "
                      f"{d['after_1']:7.1f}, after 21 {d['after_21']:7.1f} "
                      f"(growth {d['after_21'] - d['after_1']:+.1f} MiB), "
                      f"peak {d['peak']:.1f}")
        mem = (imports, steps)

    elapsed = time.perf_counter() - t_start
    print(f"\nTotal time {elapsed:.0f} s.")
    if args.markdown:
        write_markdown(args.markdown, info, args, engines, results, mem, elapsed)
        print(f"Wrote {os.path.relpath(args.markdown)}")
    if failed:
        print("\n!!! Some engines failed their gradient check or raised errors (see above).")
    return 1 if failed else 0


def k_scaling(results):
    """(engine, median N, median 10N, ratio of medians, ratio of minima, message) rows."""
    k1 = next((rows for p, rows, _ in results if p.key == "K1"), None)
    k10 = next((rows for p, rows, _ in results if p.key == "K10"), None)
    if not (k1 and k10):
        return []
    out = []
    for row1 in k1:
        row10 = next((r for r in k10 if r.engine == row1.engine), None)
        if row10 is None:
            continue
        if row1.times and row10.times:
            out.append((row1.engine, row1.median, row10.median, row10.median / row1.median,
                        min(row10.times) / min(row1.times), ""))
        else:
            msg = f"N: {row1.status}, 10N: {row10.status} {row10.message or row1.message}"
            out.append((row1.engine, None, None, None, None, msg.replace("|", "/")))
    return out


def write_markdown(path, info, args, engines, results, mem, elapsed):
    md = ["# Benchmark results", "",
          "Generated by `python benchmarks/bench.py"
          + (" --quick" if args.quick else "") + (f" --only {args.only}" if args.only else "")
          + (f" --engines {args.engines}" if args.engines else "") + "`. "
          f"Median time per step over {args.repeats} repeats (~{args.target} s each per "
          "engine, engines interleaved round-robin); the ratio is to the workload's baseline "
          "(hand-written NumPy unless noted). Gradients of every engine were checked against "
          "the NumPy reference before timing.", "", "## Machine", ""]
    md += [f"- **{k}**: {v}" for k, v in info]
    md += [f"- **load average at end**: {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
           f"- **total run time**: {elapsed:.0f} s", ""]
    skipped = [f"{e.name} ({e.note})" for e in engines.values() if e.version is None]
    if skipped:
        md += ["Skipped engines: " + "; ".join(skipped) + ".", ""]

    cols = [n for n in ENGINE_ORDER if any(r.engine == n for _, rows, _ in results for r in rows)]
    if results:
        md += ["## Summary", "", "Median time per step (ratio to the baseline).", "",
               "| workload | baseline | " + " | ".join(cols) + " |",
               "|---|---|" + "---|" * len(cols)]
        for prob, rows, baseline in results:
            base = next((r for r in rows if r.engine == baseline and r.times), None)
            bm = base.median if base else float("nan")
            cells = []
            for c in cols:
                row = next((r for r in rows if r.engine == c), None)
                cells.append(row_summary(row, bm)[1] if row else "")
            md.append(f"| {prob.key} | {baseline} | " + " | ".join(cells) + " |")
        md += [""]
        md += ["## Details", ""]
        for prob, rows, baseline in results:
            base = next((r for r in rows if r.engine == baseline and r.times), None)
            bm = base.median if base else float("nan")
            md += [f"### {prob.key}: {prob.title}", "",
                   f"| engine | median / step | min – max | × {baseline} | steps × repeats "
                   "| max rel. grad err | notes |", "|---|---|---|---|---|---|---|"]
            for row in rows:
                notes = "; ".join(row.notes)
                if row.status == "ok" and row.times:
                    md.append(f"| {row.engine} | {fmt_time(row.median)} | "
                              f"{fmt_time(min(row.times))} – {fmt_time(max(row.times))} | "
                              f"{fmt_ratio(row.median / bm)} | {row.steps} × {len(row.times)}"
                              f" | {row.worst:.1e} | {notes} |")
                else:
                    msg = row.message.replace("|", "/")
                    md.append(f"| {row.engine} | {row.status.upper()} | | | | | {msg} |")
            md.append("")
        scaling = k_scaling(results)
        if scaling:
            n1 = next(p for p, _, _ in results if p.key == "K1").hyper["n_ops"]
            md += ["## K: backward time against graph size", "",
                   f"Backward pass only, chain of N = {n1} and 10N = {10 * n1} elementwise "
                   "ops on a 100-vector. A ratio near 10 means backward is linear in the number "
                   "of ops; the ratio of minima is less sensitive to machine load.", "",
                   "| engine | backward, N | backward, 10N | ratio of medians | ratio of minima |",
                   "|---|---|---|---|---|"]
            for name, t1, t10, r_med, r_min, msg in scaling:
                if msg:
                    md.append(f"| {name} | {msg} | | | |")
                else:
                    md.append(f"| {name} | {fmt_time(t1)} | {fmt_time(t10)} | {r_med:.1f} | "
                              f"{r_min:.1f} |")
            md.append("")
    if mem:
        imports, steps = mem
        base = next((rss for label, rss, _ in imports if label.startswith("python")), None)
        md += ["## J: memory", "", "Resident set size in a fresh Python process after the "
               "imports (MiB; the difference to bare Python in parentheses).", "",
               "| imports | RSS |", "|---|---|"]
        for label, rss, err in imports:
            cell = (f"{rss:.1f} (+{rss - base:.1f})" if rss and base else
                    f"{rss:.1f}" if rss else f"failed: {err}")
            md.append(f"| {label} | {cell} |")
        md += ["", "Workload C (784-256-256-10, SGD) in a fresh process per engine: RSS after "
               "building the model, after 1 step, after 21 steps; growth over the last 20 "
               "steps should be about zero.", "",
               "| engine | built | after 1 step | after 21 steps | growth (20 steps) | peak |",
               "|---|---|---|---|---|---|"]
        for name, d, err in steps:
            if d is None:
                md.append(f"| {name} | failed: {err} | | | | |")
            else:
                md.append(f"| {name} | {d['built']:.1f} | {d['after_1']:.1f} | "
                          f"{d['after_21']:.1f} | {d['after_21'] - d['after_1']:+.1f} | "
                          f"{d['peak']:.1f} |")
        md.append("")
    notes = []
    for prob, rows, _ in results:
        for row in rows:
            if row.status != "ok" and row.message:
                notes.append(f"- {prob.key} / {row.engine}: {row.status}: {row.message}")
    if notes:
        md += ["## Problems and limitations", ""] + notes + [""]
    with open(path, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    if ARGS._memprobe:
        sys.exit(memprobe_main(ARGS._memprobe, ARGS.threads))
    sys.exit(main(ARGS))
