"""The benchmark scripts run (a smoke run: few repeats; the timings are not asserted)."""

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_scalar_benchmark_smoke_run():
    script = runpy.run_path(str(ROOT / "benchmarks" / "bench_scalar.py"))
    assert script["main"](["--quick"]) == 0


def test_compile_benchmark_measures_a_cold_and_a_warm_process():
    script = runpy.run_path(str(ROOT / "benchmarks" / "bench_compile.py"))
    result = script["measure"](script["WORKLOADS"][0], 1)  # the seed: two quick processes
    assert result["cold_s"] > 0 and result["warm_s"] > 0
