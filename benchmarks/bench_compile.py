"""Compile time in a new process, with the persistent cache cold and warm.

Each sample is a new Python process that imports s2sgrad and the workload, then times
`s2sgrad.grad(f, argnums)(*args)`: the first call, which parses, compiles (or loads from
the disk cache) and runs the gradient. One more call is timed and subtracted, so what is
left is the compile. The process runs `f(*args)` once before timing, so NumPy's one-time
start-up (BLAS threads, first-touch memory) is not counted as compiling. "cold" runs start from an empty cache directory; "warm" runs reuse a
directory that one earlier process filled. Medians of the samples are reported.

    python benchmarks/bench_compile.py            # 7 processes per cell
    python benchmarks/bench_compile.py --quick    # 2 processes per cell
    python benchmarks/bench_compile.py --json out.json

Target (issue 6): the MLP gradient, warm, <= 5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import _timing as T  # noqa: E402

WARM_TARGET_S = 0.005
# (label, module, function, argnums, expression building the arguments in the child)
WORKLOADS = [
    ("(a) seed f(x1,x2,x3)", "workloads_scalar", "seed", (0, 1, 2), "(0.3, 1.2, 2.1)"),
    ("(b) seed-003 network", "workloads_scalar", "net", (0, 1, 2, 3, 4, 5, 6),
     "(0.6, -0.4, 1.1, 0.7, 0.1, -0.2, 0.05, 0.5, 1.0)"),
    ("(c) 1000-step Euler loop", "workloads_scalar", "integrate", (0, 1, 2),
     "(1.1, 0.7, 0.3, 0.01, 1000)"),
    ("MLP 784-256-256-256-10, batch 64", "workloads_numpy", "mlp_loss", 0,
     "workloads_numpy.mlp_args()"),
]

CHILD = """
import json, sys, time
sys.path.insert(0, {here!r})
import s2sgrad, {module}
args = {args}
{module}.{function}(*args)  # NumPy's first matmul starts BLAS threads: not ours to time
t0 = time.perf_counter()
g = s2sgrad.grad({module}.{function}, argnums={argnums!r})
g(*args)
t1 = time.perf_counter()
g(*args)
t2 = time.perf_counter()
json.dump({{"first": t1 - t0, "again": t2 - t1}}, sys.stdout)
"""


def sample(w: tuple, cache_dir: str) -> float:
    """One new process: the first call's time minus a second call's."""
    label, module, function, argnums, args = w
    code = CHILD.format(here=HERE, module=module, function=function, argnums=argnums,
                        args=args)
    env = {**os.environ, "S2SGRAD_CACHE_DIR": cache_dir}
    env.pop("S2SGRAD_NO_CACHE", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300, check=True)
    times = json.loads(done.stdout)
    return times["first"] - times["again"]


def measure(w: tuple, runs: int) -> dict[str, Any]:
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as empty:
            cold.append(sample(w, empty))
    with tempfile.TemporaryDirectory() as filled:
        sample(w, filled)
        warm = [sample(w, filled) for _ in range(runs)]
    return {"workload": w[0], "cold_s": statistics.median(cold),
            "warm_s": statistics.median(warm), "cold_samples_s": cold,
            "warm_samples_s": warm}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 processes per cell")
    parser.add_argument("--runs", type=int, default=None, help="processes per cell")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 7)
    results = [measure(w, runs) for w in WORKLOADS]
    rows = []
    for r in results:
        target = r["workload"].startswith("MLP")
        verdict = f" {T.verdict(r['warm_s'] <= WARM_TARGET_S)}" if target else ""
        rows.append([r["workload"], T.fmt_time(r["cold_s"]), T.fmt_time(r["warm_s"]) + verdict,
                     T.fmt_ratio(r["cold_s"] / r["warm_s"])])
    print(f"first grad() call in a new process, compile only: median of {runs} processes")
    T.print_table(["workload", "cache cold", f"cache warm (MLP <= {WARM_TARGET_S * 1e3:g} ms)",
                   "cold/warm"], rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": runs, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
