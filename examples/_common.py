"""What the examples share: command-line options, a headless matplotlib, timing, checks.

Every example takes `--small` (a quick run with small sizes, used by the smoke tests) and
`--out DIR` (where its PNGs go; `examples/out/` by default). Timings use the repository's
`benchmarks/_timing.py`, so the examples measure the way the benchmarks do: medians of
repeats, with the functions being compared taking turns.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from typing import Any, Callable, Sequence

import matplotlib
import numpy as np
from threadpoolctl import threadpool_limits

matplotlib.use("Agg")  # no display needed: the examples only write PNG files
threadpool_limits(1)  # one BLAS thread, as in benchmarks/: steadier timings on a shared machine

import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "examples" / "out"
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import fmt_time, measure_interleaved  # noqa: E402,F401


def parse_args(argv: Sequence[str] | None, description: str) -> argparse.Namespace:
    """The options every example accepts: `--small` and `--out DIR`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", action="store_true",
                        help="a quick run with small sizes (what the smoke tests use)")
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT,
                        help=f"directory for the PNG files (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def save(fig: Any, out: pathlib.Path, name: str) -> pathlib.Path:
    """Write `fig` as `out/name`, close it, and say where it went."""
    path = out / name
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    shown = path.resolve()
    print(f"saved {shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown}")
    return path


def median_times(fns: dict[str, Callable[..., Any]], args: Sequence[Any] = (),
                 small: bool = False) -> dict[str, float]:
    """Seconds per call of each function (median over repeats, measured taking turns)."""
    timings = measure_interleaved(fns, args, repeats=3 if small else 7,
                                  target_s=0.003 if small else 0.03)
    return {name: t.median for name, t in timings.items()}


def max_rel_error(got: Any, want: Any) -> float:
    """The largest |got - want| relative to the largest |want| (0 when both are zero)."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(float(np.max(np.abs(want))), 1e-300)
    return float(np.max(np.abs(got - want))) / scale


def require(ok: bool, what: str) -> None:
    """Stop the example with a clear message when a check fails (an example that prints a
    wrong gradient next to a right one would teach the wrong thing)."""
    if not ok:
        raise SystemExit(f"check failed: {what}")
    print(f"check passed: {what}")
