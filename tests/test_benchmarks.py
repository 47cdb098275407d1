"""The benchmark scripts run (a smoke run: few repeats; the timings are not asserted)."""

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_scalar_benchmark_smoke_run():
    script = runpy.run_path(str(ROOT / "benchmarks" / "bench_scalar.py"))
    assert script["main"](["--quick"]) == 0
