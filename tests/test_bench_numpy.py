"""The NumPy benchmark runs: a smoke run (few repeats; the timings are not asserted, but the
hand-written gradients must agree with s2sgrad's, or main returns 1)."""

import json
import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_numpy_benchmark_smoke_run(tmp_path, capsys):
    script = runpy.run_path(str(ROOT / "benchmarks" / "bench_numpy.py"))
    out = tmp_path / "numpy.json"
    assert script["main"](["--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "(m) seed MLP, batch 64" in printed and "(r) Rosenbrock, n = 1000" in printed
    results = json.loads(out.read_text())["results"]
    assert [r["key"] for r in results] == ["m", "r"]
    assert all(r["max_rel_diff"] <= 1e-10 for r in results)
