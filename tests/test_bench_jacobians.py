"""The Jacobian benchmark runs (a smoke run: few repeats; the timings are not asserted)."""

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_jacobian_benchmark_smoke_run(capsys):
    script = runpy.run_path(str(ROOT / "benchmarks" / "bench_jacobians.py"))
    assert script["main"](["--quick"]) == 0
    out = capsys.readouterr().out
    assert "(b) Rosenbrock H v" in out and "targets missed:" in out


def test_a_wrong_hand_written_jacobian_fails_the_check():
    script = runpy.run_path(str(ROOT / "benchmarks" / "bench_jacobians.py"))
    case = script["cases"](True)[0]
    case.hand = {"hand": lambda x1, x2, x3: ((x2 - x3, x1, -x1), (0.0, 0.0, 0.0))}
    try:
        script["check"](case)
    except AssertionError as exc:
        assert "(a)" in str(exc)
    else:
        raise AssertionError("the check accepted a wrong Jacobian")
