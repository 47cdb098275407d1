"""Gradient time of s2sgrad against hand-written NumPy gradients.

    python benchmarks/bench_numpy.py              # full run, about 30 seconds
    python benchmarks/bench_numpy.py --quick      # smoke run, a few seconds
    python benchmarks/bench_numpy.py --json out.json

For each workload of benchmarks/workloads_numpy.py (the seeds' MLP at batch 64, vectorized
Rosenbrock at n = 1000) it times, in one process and taking turns (see
_timing.measure_interleaved): the primal function, the hand-written gradient, s2sgrad's
gradient called as a user calls it (through the function `s2sgrad.grad` returns), and the
generated gradient function called directly on the flattened arguments.

It first checks that the hand-written gradient equals s2sgrad's to 1e-10 relative at three
points, so that both compute the same thing, and exits with status 1 if not. A missed
target does not change the exit status. Targets: s2sgrad/hand-written <= 1.1 for the MLP and
<= 1.2 for Rosenbrock; s2sgrad/primal <= 3 for the MLP.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import sys
from typing import Any, Callable

# One BLAS thread unless the caller chose otherwise: with a thread per core, a matmul shares
# the cores with whatever else runs and its time swings by 10x; the ratios then say little.
# (Read when NumPy is first imported: it has no effect if NumPy already is.)
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import _timing as T  # noqa: E402
from workloads_numpy import WORKLOADS, Workload  # noqa: E402

import s2sgrad  # noqa: E402
from s2sgrad import pytree  # noqa: E402

REL_TOL = 1e-10
CHECK_SEEDS = (0, 1, 2)


# -- correctness ------------------------------------------------------------------------------

def _arrays(tree: Any) -> list[np.ndarray]:
    return [np.asarray(leaf) for leaf in pytree.flatten(tree)[0]]


def check_gradients(w: Workload, grad_fn: Callable[..., Any]) -> float:
    """The largest difference between hand-written and s2sgrad gradients, relative to the
    largest entry of each gradient array, over `CHECK_SEEDS`; raises AssertionError when it
    exceeds REL_TOL or the two differ in structure."""
    worst = 0.0
    for seed in CHECK_SEEDS:
        args = w.make_args(seed)
        hand, auto = w.hand_grad(*args), grad_fn(*args)
        if pytree.flatten(hand)[1] != pytree.flatten(auto)[1]:
            raise AssertionError(f"workload ({w.key}): the hand-written gradient and "
                                 "s2sgrad's have different structures")
        for h, g in zip(_arrays(hand), _arrays(auto)):
            scale = max(float(np.max(np.abs(h))), 1e-300)
            rel = float(np.max(np.abs(h - g))) / scale
            worst = max(worst, rel)
            if not rel <= REL_TOL:
                raise AssertionError(f"workload ({w.key}), seed {seed}: hand-written and "
                                     f"s2sgrad gradients differ by {rel:.2e} (relative)")
    return worst


# -- the benchmark ------------------------------------------------------------------------

def direct_call(grad_fn: Callable[..., Any], args: tuple) -> Callable[..., Any]:
    """The generated gradient function of the last specialization, called on the flattened
    arguments (bound here, once), behind a function that takes the user's arguments."""
    transformed = grad_fn.__s2sgrad__
    fn = transformed.compiled[transformed.last][0]
    leaves = tuple(leaf for a in args for leaf in pytree.flatten(a)[0])

    def direct(*_: Any) -> Any:
        return fn(*leaves)
    return direct


def run_workload(w: Workload, repeats: int, target_s: float) -> dict[str, Any]:
    grad_fn = s2sgrad.grad(w.primal)
    args = w.make_args(0)
    max_rel = check_gradients(w, grad_fn)
    grad_fn(*args)  # the last specialization is the one timed directly
    fns = {"primal": w.primal, "hand": w.hand_grad, "s2sgrad": grad_fn,
           "s2sgrad_direct": direct_call(grad_fn, args)}
    timings = T.measure_interleaved(fns, args, repeats=repeats, target_s=target_s)
    med = {k: t.median for k, t in timings.items()}
    r_hand, r_primal = med["s2sgrad"] / med["hand"], med["s2sgrad"] / med["primal"]
    targets = {"s2sgrad_hand": [w.hand_target, r_hand <= w.hand_target]}
    if w.primal_target is not None:
        targets["s2sgrad_primal"] = [w.primal_target, r_primal <= w.primal_target]
    return {
        "key": w.key, "title": w.title, "max_rel_diff": max_rel,
        "timings": {k: t.as_dict() for k, t in timings.items()},
        "primal_s": med["primal"], "hand_s": med["hand"], "s2sgrad_s": med["s2sgrad"],
        "s2sgrad_direct_s": med["s2sgrad_direct"],
        "ratio_s2sgrad_hand": r_hand, "ratio_s2sgrad_primal": r_primal,
        "ratio_hand_primal": med["hand"] / med["primal"],
        "ratio_direct_hand": med["s2sgrad_direct"] / med["hand"],
        "targets": targets,
    }


def _judged(r: dict[str, Any], name: str, ratio: float) -> str:
    target = r["targets"].get(name)
    if target is None:
        return f"{T.fmt_ratio(ratio)} (no target)"
    return f"{T.fmt_ratio(ratio)} {T.verdict(target[1])} (<={target[0]:g})"


def main_table(results: list[dict[str, Any]]) -> str:
    headers = ["workload", "primal", "hand grad", "s2sgrad grad", "s2s/hand", "s2s/primal"]
    rows = [[f"({r['key']}) {r['title']}", T.fmt_time(r["primal_s"]), T.fmt_time(r["hand_s"]),
             T.fmt_time(r["s2sgrad_s"]),
             _judged(r, "s2sgrad_hand", r["ratio_s2sgrad_hand"]),
             _judged(r, "s2sgrad_primal", r["ratio_s2sgrad_primal"])] for r in results]
    return T.format_table(headers, rows)


def detail_table(results: list[dict[str, Any]]) -> str:
    headers = ["workload", "hand/primal", "s2sgrad direct", "direct/hand", "dispatch cost",
               "timing spread", "max rel diff"]
    rows = []
    for r in results:
        spread = max((max(t["samples_s"]) - min(t["samples_s"])) / t["median_s"]
                     for t in r["timings"].values())
        rows.append([f"({r['key']})", T.fmt_ratio(r["ratio_hand_primal"]),
                     T.fmt_time(r["s2sgrad_direct_s"]), T.fmt_ratio(r["ratio_direct_hand"]),
                     T.fmt_time(r["s2sgrad_s"] - r["s2sgrad_direct_s"]), f"{spread * 100:.0f}%",
                     f"{r['max_rel_diff']:.1e}"])
    return T.format_table(headers, rows)


def _threads() -> str:
    """The BLAS thread settings from the environment (matmul timings depend on them)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    set_ = [f"{n}={os.environ[n]}" for n in names if n in os.environ]
    return ", ".join(set_) if set_ else "BLAS threads: library default"


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse instead of returning it to the system
    (`mallopt`: no heap trimming, no mmap for blocks under 256 MB). Otherwise every call
    that allocates megabytes of temporaries page-faults them in again. Returns False where
    there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_trim_threshold, 2 ** 30) and
                libc.mallopt(m_mmap_threshold, 2 ** 28))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 3 repeats of ~5 ms per function")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--repeats", type=int, default=None, help="timing repeats (default 21)")
    p.add_argument("--clock", choices=sorted(T.CLOCKS), default="wall",
                   help="wall: elapsed time (default); cpu: this process's CPU time")
    p.add_argument("--keep-memory", action="store_true",
                   help="keep freed memory in the process (glibc mallopt), so that large "
                   "temporaries do not page-fault on every call")
    return p.parse_args(argv)


def report(args: argparse.Namespace, results: list[dict[str, Any]], repeats: int,
           loads: tuple[float | None, float | None]) -> None:
    print(f"s2sgrad NumPy benchmarks ({'quick' if args.quick else 'full'} run): Python "
          f"{platform.python_version()}, NumPy {np.__version__} on {platform.machine()}, "
          f"{args.clock} clock, median of {repeats} repeats; {_threads()}; freed memory "
          f"{'kept (--keep-memory)' if args.keep_memory else 'returned to the system'}")
    print(T.load_line(*loads))
    print()
    print(main_table(results))
    print()
    print(detail_table(results))
    print()
    print(f"hand-written and s2sgrad gradients agree to {REL_TOL:g} relative at "
          f"{len(CHECK_SEEDS)} points per workload.")
    missed = [f"({r['key']}) {name}" for r in results
              for name, (_, ok) in r["targets"].items() if not ok]
    print(T.missed_line(missed))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 21)
    target_s = 0.005 if args.quick else T.TARGET_S
    T.set_clock(args.clock)
    if args.keep_memory and not keep_freed_memory():
        print("--keep-memory: no glibc here; ignored", file=sys.stderr)
        args.keep_memory = False
    load_before = T.loadavg()
    try:
        results = [run_workload(w, repeats, target_s) for w in WORKLOADS]
    except AssertionError as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return 1
    load_after = T.loadavg()
    report(args, results, repeats, (load_before, load_after))
    if args.json:
        meta = {"numpy": np.__version__, "clock": args.clock, "threads": _threads(),
                "keep_memory": args.keep_memory, "loadavg_before": load_before,
                "loadavg_after": load_after, "quick": args.quick, "repeats": repeats,
                "target_repeat_s": target_s}
        T.write_json(args.json, meta, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
