"""Jacobians, Hessian-vector products and vector mode: s2sgrad against hand-written code.

    python benchmarks/bench_jacobians.py              # full run, about 20 seconds
    python benchmarks/bench_jacobians.py --quick      # smoke run, a few seconds
    python benchmarks/bench_jacobians.py --json out.json

Each workload of benchmarks/workloads_jacobians.py is timed in one process, s2sgrad's
function called as a user calls it, interleaved with the hand-written versions
(`_timing.measure_interleaved`). Before timing, every s2sgrad result is checked against
each hand-written one at the benchmark point and at nearby points (relative difference at
most 1e-10, or 1e-8 where an identity-seeded hand version sums in another order); a
mismatch exits with status 1. Targets, as ratios s2sgrad / hand-written:

- (a) the seed's full Jacobian by `jacobian`, `jacfwd` and `jacrev`: <= 1.5;
- (b) `hvp` of the Rosenbrock function at n = 1000: <= 1.5;
- (c), (d) `jacobian(mode="auto")` of R^1000 -> R and R -> R^1000: <= 2 against the
  faster of the two hand-written modes.

(e) reports, with no target, `jacfwd` in vector mode (one sweep) against one `jvp` per
column (`fused=False`), and the fused float program against vector mode on the seed:
the measurements behind the choice between them (see docs/architecture.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import _timing as T  # noqa: E402
import workloads_jacobians as W  # noqa: E402

import s2sgrad  # noqa: E402
from s2sgrad.api import sweeps  # noqa: E402


@dataclass
class Case:
    """One row: s2sgrad's function against hand-written ones on the same arguments."""

    key: str
    title: str
    s2sgrad: dict[str, Callable[..., Any]]
    hand: dict[str, Callable[..., Any]]
    points: list[tuple]  # the benchmark point first
    target: float | None  # on s2sgrad / the fastest hand-written version
    rel_tol: float = 1e-10
    results: dict[str, Any] = field(default_factory=dict)


def _near(point: tuple, rng: np.random.Generator) -> tuple:
    return tuple(a * (1.0 + rng.uniform(-0.05, 0.05, size=np.shape(a)))
                 if not isinstance(a, float) else a * (1.0 + rng.uniform(-0.05, 0.05))
                 for a in point)


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(0)
    x = np.linspace(-1.2, 1.4, 1000)
    v = np.cos(np.arange(1000.0))
    w = np.linspace(-1.0, 1.0, 1000)
    seed_args = (0.3, 1.2, 2.1)
    argnums = (0, 1, 2)

    def hvp(x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return s2sgrad.hvp(W.rosen, (x,), (v,))

    def points(p: tuple) -> list[tuple]:
        return [p] + [_near(p, rng) for _ in range(2 if quick else 4)]

    return [
        Case("a", "seed f: R^3 -> R^2 (floats)",
             {"jacobian": s2sgrad.jacobian(W.seed, argnums),
              "jacfwd": s2sgrad.jacfwd(W.seed, argnums),
              "jacrev": s2sgrad.jacrev(W.seed, argnums)},
             {"hand": W.seed_jacobian}, points(seed_args), 1.5),
        Case("b", "Rosenbrock H v, n = 1000", {"hvp": hvp}, {"hand": W.rosen_hvp},
             points((x, v)), 1.5),
        Case("c", "R^1000 -> R, mode=auto", {"jacobian": s2sgrad.jacobian(W.logistic)},
             {"hand reverse": W.logistic_reverse, "hand forward": W.logistic_forward},
             points((w,)), 2.0, rel_tol=1e-8),
        Case("d", "R -> R^1000, mode=auto", {"jacobian": s2sgrad.jacobian(W.decay)},
             {"hand forward": W.decay_forward, "hand reverse": W.decay_reverse},
             points((0.7,)), 2.0, rel_tol=1e-8),
        Case("e", "R^60 -> R^40 layer, jacfwd",
             {"vector mode": s2sgrad.jacfwd(W.layer),
              "one jvp per column": s2sgrad.jacfwd(W.layer, fused=False)},
             {"hand": W.layer_jacobian}, points((np.linspace(-1.0, 1.0, 60),)), None),
        Case("e", "seed f: jacfwd on floats",
             {"fused sweeps": s2sgrad.jacfwd(W.seed, argnums),
              "vector mode": sweeps.generic_jacfwd(W.seed, argnums, True)},
             {"hand": W.seed_jacobian}, points(seed_args), None),
    ]


# -- correctness -----------------------------------------------------------------------------

def _leaves(tree: Any) -> list[np.ndarray]:
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [np.asarray(tree, dtype=float)]


def check(case: Case) -> float:
    """The largest relative difference between any s2sgrad and hand-written result;
    raises AssertionError above the case's tolerance."""
    worst = 0.0
    for args in case.points:
        for sname, sfn in case.s2sgrad.items():
            got = _leaves(sfn(*args))
            for hname, hfn in case.hand.items():
                want = _leaves(hfn(*args))
                assert len(got) == len(want), (case.key, sname, hname)
                for g, h in zip(got, want):
                    scale = max(float(np.max(np.abs(h), initial=0.0)), 1e-300)
                    rel = float(np.max(np.abs(g - h), initial=0.0)) / scale
                    worst = max(worst, rel)
                    if rel > case.rel_tol or np.shape(g) != np.shape(h):
                        raise AssertionError(f"({case.key}) {sname} != {hname} at {args!r:.60}"
                                             f" (relative difference {rel:.1e})")
    return worst


# -- the benchmark ------------------------------------------------------------------------

def run(case: Case, repeats: int, target_s: float) -> dict[str, Any]:
    worst = check(case)
    fns = {**{f"hand: {k}": f for k, f in case.hand.items()},
           **{f"s2sgrad: {k}": f for k, f in case.s2sgrad.items()}}
    timings = T.measure_interleaved(fns, case.points[0], repeats=repeats, target_s=target_s)
    med = {k: t.median for k, t in timings.items()}
    best_hand = min(med[f"hand: {k}"] for k in case.hand)
    rows = {}
    for k in case.s2sgrad:
        ratio = med[f"s2sgrad: {k}"] / best_hand
        met = None if case.target is None else ratio <= case.target
        rows[k] = {"s2sgrad_s": med[f"s2sgrad: {k}"], "ratio": ratio, "met": met}
    return {"key": case.key, "title": case.title, "target": case.target,
            "max_rel_diff": worst, "hand_s": {k: med[f"hand: {k}"] for k in case.hand},
            "rows": rows, "timings": {k: t.as_dict() for k, t in timings.items()}}


def table(results: list[dict[str, Any]]) -> str:
    headers = ["workload", "s2sgrad", "time", "best hand-written", "ratio", "target"]
    rows = []
    for r in results:
        hand_name, hand_s = min(r["hand_s"].items(), key=lambda kv: kv[1])
        for name, row in r["rows"].items():
            verdict = "-" if row["met"] is None else \
                f"<= {r['target']:g} {'MET' if row['met'] else 'MISSED'}"
            rows.append([f"({r['key']}) {r['title']}", name, T.fmt_time(row["s2sgrad_s"]),
                         f"{T.fmt_time(hand_s)} ({hand_name})", T.fmt_ratio(row["ratio"]),
                         verdict])
    return T.format_table(headers, rows, "llrrrl")


def vector_summary(results: list[dict[str, Any]]) -> str:
    """The two ratios behind the vector-mode decisions."""
    layer, seed = [r for r in results if r["key"] == "e"]
    per_column = layer["rows"]["one jvp per column"]["s2sgrad_s"]
    vector = layer["rows"]["vector mode"]["s2sgrad_s"]
    fused = seed["rows"]["fused sweeps"]["s2sgrad_s"]
    seed_vector = seed["rows"]["vector mode"]["s2sgrad_s"]
    return (f"vector mode: {T.fmt_ratio(per_column / vector)} faster than one jvp per column "
            f"on the 60-column layer; on float code the fused sweeps are "
            f"{T.fmt_ratio(seed_vector / fused)} faster than vector mode (seed, 3 columns)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 3 short repeats")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--repeats", type=int, default=None, help="timing repeats (default 21)")
    p.add_argument("--clock", choices=sorted(T.CLOCKS), default="wall",
                   help="wall: elapsed time (default); cpu: this process's CPU time")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 21)
    target_s = 0.003 if args.quick else T.TARGET_S
    T.set_clock(args.clock)
    try:
        results = [run(c, repeats, target_s) for c in cases(args.quick)]
    except AssertionError as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return 1
    print(f"s2sgrad Jacobian benchmarks ({'quick' if args.quick else 'full'} run): Python "
          f"{platform.python_version()}, NumPy {np.__version__}, {args.clock} clock, median "
          f"of {repeats} repeats, interleaved")
    print()
    print(table(results))
    print()
    print(vector_summary(results))
    missed = [f"({r['key']}) {name}" for r in results for name, row in r["rows"].items()
              if row["met"] is False]
    print(T.missed_line(missed))
    if args.json:
        T.write_json(args.json, {"numpy": np.__version__, "clock": args.clock,
                                 "quick": args.quick, "repeats": repeats}, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
