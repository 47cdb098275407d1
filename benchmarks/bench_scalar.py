"""Gradient time of s2sgrad against hand-written gradients, on scalar (float) workloads.

    python benchmarks/bench_scalar.py              # full run, 10-20 seconds
    python benchmarks/bench_scalar.py --quick      # smoke run, about a second
    python benchmarks/bench_scalar.py --json out.json

For each workload of benchmarks/workloads_scalar.py it times, in one process:

- the primal function, the hand-written gradient and s2sgrad's gradient (called through
  the function `s2sgrad.grad` returns, as a user calls it), as medians of repeats that
  take turns (see _timing.measure_interleaved);
- the first call of `s2sgrad.grad(f, argnums=...)(*args)`, compilation included, on a
  fresh function object so that no cache of s2sgrad's holds it (checked, see `cold_compile`).

It first checks that the hand-written gradient equals s2sgrad's to 1e-10 relative at
several points, so that both compute the same thing, and exits with status 1 if not (or if
a compile meant to be cold was not). A missed target does not change the exit status.
Targets: s2sgrad/hand-written <= 1.5, s2sgrad/primal <= 3, first call <= 20 ms for
(a) and (b) and <= 100 ms for (c).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import types
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import _timing as T  # noqa: E402
from workloads_scalar import WORKLOADS, Workload  # noqa: E402

import s2sgrad  # noqa: E402
from s2sgrad import pipeline  # noqa: E402

RATIO_HAND_TARGET = 1.5
RATIO_PRIMAL_TARGET = 3.0
REL_TOL = 1e-10


# -- correctness ------------------------------------------------------------------------------

def check_points(w: Workload, count: int = 5) -> list[tuple]:
    """The benchmark point plus `count` nearby points (differentiated arguments moved by up
    to 10%), so that a hand-written gradient cannot agree with s2sgrad by luck."""
    rng = random.Random(w.key)
    points = [w.args]
    for _ in range(count):
        args = list(w.args)
        for i in w.argnums:
            args[i] = args[i] * (1.0 + rng.uniform(-0.1, 0.1))
        points.append(tuple(args))
    return points


def check_gradients(w: Workload, grad_fn: Callable[..., Any]) -> float:
    """The largest relative difference between hand-written and s2sgrad gradients; raises
    AssertionError when it exceeds REL_TOL."""
    worst = 0.0
    for args in check_points(w):
        hand, auto = w.hand_grad(*args), grad_fn(*args)
        assert len(hand) == len(auto) == len(w.argnums), (w.key, hand, auto)
        for h, g in zip(hand, auto):
            rel = abs(h - g) / max(abs(h), abs(g), 1e-300)
            worst = max(worst, rel)
            if rel > REL_TOL:
                raise AssertionError(f"workload ({w.key}): hand-written {hand} != s2sgrad "
                                     f"{auto} at {args} (relative difference {rel:.2e})")
    return worst


# -- compile time ---------------------------------------------------------------------------

def fresh_function(f: types.FunctionType) -> types.FunctionType:
    """A new function object with `f`'s code: s2sgrad's caches, keyed by function, miss."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                           f.__closure__)
    g.__kwdefaults__ = f.__kwdefaults__
    g.__qualname__, g.__module__, g.__doc__ = f.__qualname__, f.__module__, f.__doc__
    return g


def cold_compile(w: Workload) -> float:
    """Seconds for `s2sgrad.grad(f, argnums)` plus its first call, for a fresh `f`.

    Checks that it really was cold: the dispatcher is new, it had no compiled
    specialization before the call and has one after, and the primal SSA was lowered anew
    (pipeline's cache of lowered functions grew)."""
    f = fresh_function(w.primal)
    primals = getattr(pipeline, "_PRIMALS", None)   # internals: checked only if present
    before = len(primals) if primals is not None else None
    t0 = T.now()
    df = s2sgrad.grad(f, argnums=w.argnums)
    t1 = T.now()
    transformed = df.__s2sgrad__
    compiled = getattr(transformed, "compiled", None)
    n_compiled = len(compiled) if compiled is not None else 0
    t2 = T.now()
    df(*w.args)
    t3 = T.now()
    assert transformed.fun is f, "s2sgrad returned a cached dispatcher"
    if compiled is not None:
        assert n_compiled == 0 and len(compiled) == 1, "the gradient was compiled before"
    if before is not None:
        assert len(primals) == before + 1, "the primal SSA came from a cache"
    return (t1 - t0) + (t3 - t2)


# -- the benchmark ------------------------------------------------------------------------

def run_workload(w: Workload, first_s: float, repeats: int, compile_repeats: int,
                 target_s: float) -> dict[str, Any]:
    grad_fn = s2sgrad.grad(w.primal, argnums=w.argnums)
    max_rel = check_gradients(w, grad_fn)
    fns = {"primal": w.primal, "hand": w.hand_grad, "s2sgrad": grad_fn}
    fast = getattr(grad_fn, "__s2sgrad__", None)
    fast = fast.namespace.get("_fast") if fast is not None else None
    if fast is not None:     # the compiled gradient without the dispatcher's type checks
        fns["s2sgrad_direct"] = fast
    timings = T.measure_interleaved(fns, w.args, repeats=repeats, target_s=target_s)
    compiles = [cold_compile(w) for _ in range(compile_repeats)]
    med = {k: t.median for k, t in timings.items()}
    compile_med = statistics.median(compiles)
    compile_judged = max(compile_med, first_s)
    r_hand, r_primal = med["s2sgrad"] / med["hand"], med["s2sgrad"] / med["primal"]
    return {
        "key": w.key, "title": w.title, "argnums": list(w.argnums),
        "max_rel_diff": max_rel,
        "timings": {k: t.as_dict() for k, t in timings.items()},
        "primal_s": med["primal"], "hand_s": med["hand"], "s2sgrad_s": med["s2sgrad"],
        "s2sgrad_direct_s": med.get("s2sgrad_direct"),
        "ratio_s2sgrad_hand": r_hand, "ratio_s2sgrad_primal": r_primal,
        "ratio_hand_primal": med["hand"] / med["primal"],
        "first_call_in_process_s": first_s,
        "first_call_cold_median_s": compile_med, "first_call_cold_samples_s": compiles,
        "targets": {
            "s2sgrad_hand": [RATIO_HAND_TARGET, r_hand <= RATIO_HAND_TARGET],
            "s2sgrad_primal": [RATIO_PRIMAL_TARGET, r_primal <= RATIO_PRIMAL_TARGET],
            "first_call_ms": [w.compile_target_ms,
                              compile_judged * 1e3 <= w.compile_target_ms],
        },
    }


def main_table(results: list[dict[str, Any]]) -> str:
    headers = ["workload", "primal", "hand grad", "s2sgrad grad",
               f"s2s/hand (<={RATIO_HAND_TARGET:g})", f"s2s/primal (<={RATIO_PRIMAL_TARGET:g})",
               "1st grad() call", "(target)"]
    rows = []
    for r in results:
        tg = r["targets"]
        judged = max(r["first_call_cold_median_s"], r["first_call_in_process_s"])
        rows.append([
            f"({r['key']}) {r['title']}", T.fmt_time(r["primal_s"]), T.fmt_time(r["hand_s"]),
            T.fmt_time(r["s2sgrad_s"]),
            f"{T.fmt_ratio(r['ratio_s2sgrad_hand'])} {T.verdict(tg['s2sgrad_hand'][1])}",
            f"{T.fmt_ratio(r['ratio_s2sgrad_primal'])} {T.verdict(tg['s2sgrad_primal'][1])}",
            f"{T.fmt_time(judged)} {T.verdict(tg['first_call_ms'][1])}",
            f"<= {tg['first_call_ms'][0]:g} ms",
        ])
    return T.format_table(headers, rows)


def detail_table(results: list[dict[str, Any]]) -> str:
    headers = ["workload", "hand/primal", "s2sgrad direct", "dispatch cost",
               "1st call: in process", "cold, median", "timing spread", "max rel diff"]
    rows = []
    for r in results:
        direct = r["s2sgrad_direct_s"]
        spread = max((max(t["samples_s"]) - min(t["samples_s"])) / t["median_s"]
                     for t in r["timings"].values())
        rows.append([
            f"({r['key']})", T.fmt_ratio(r["ratio_hand_primal"]),
            T.fmt_time(direct) if direct else "-",
            T.fmt_time(r["s2sgrad_s"] - direct) if direct else "-",
            T.fmt_time(r["first_call_in_process_s"]),
            T.fmt_time(r["first_call_cold_median_s"]),
            f"{spread * 100:.0f}%", f"{r['max_rel_diff']:.1e}",
        ])
    return T.format_table(headers, rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 3 repeats of ~5 ms and 2 compiles per workload")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--repeats", type=int, default=None, help="timing repeats (default 31)")
    p.add_argument("--clock", choices=sorted(T.CLOCKS), default="wall",
                   help="wall: elapsed time (default); cpu: this process's CPU time, which "
                   "leaves out time spent waiting for other processes")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 31)
    compile_repeats = 2 if args.quick else 11
    target_s = 0.005 if args.quick else T.TARGET_S
    T.set_clock(args.clock)
    load_before = T.loadavg()
    # The first compile of each workload, before anything else runs in this process:
    # for (a) it includes s2sgrad's one-time work (parsing the derivative rules it uses).
    results = []
    cache_setting = os.environ.get("S2SGRAD_NO_CACHE")
    os.environ["S2SGRAD_NO_CACHE"] = "1"  # cold compiles run the compiler, not the disk cache
    try:
        first = {w.key: cold_compile(w) for w in WORKLOADS}
        for w in WORKLOADS:
            results.append(run_workload(w, first[w.key], repeats, compile_repeats, target_s))
    except AssertionError as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if cache_setting is None:
            del os.environ["S2SGRAD_NO_CACHE"]
        else:
            os.environ["S2SGRAD_NO_CACHE"] = cache_setting
    load_after = T.loadavg()
    print(f"s2sgrad scalar benchmarks ({'quick' if args.quick else 'full'} run): Python "
          f"{platform.python_version()} on {platform.machine()}, {args.clock} clock, "
          f"median of {repeats} repeats; 1st grad() call: the worse of the process's first "
          f"compile and the median of {compile_repeats} cold compiles")
    print(T.load_line(load_before, load_after))
    print()
    print(main_table(results))
    print()
    print(detail_table(results))
    print()
    print(f"hand-written and s2sgrad gradients agree to {REL_TOL:g} relative at "
          f"{len(check_points(WORKLOADS[0]))} points per workload.")
    missed = [f"({r['key']}) {name}" for r in results
              for name, (_, ok) in r["targets"].items() if not ok]
    print(T.missed_line(missed))
    if args.json:
        meta = {"clock": args.clock, "loadavg_before": load_before, "loadavg_after": load_after,
                "quick": args.quick, "repeats": repeats, "compile_repeats": compile_repeats,
                "target_repeat_s": target_s}
        T.write_json(args.json, meta, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
