"""Smoke runs of examples/: each example runs with small sizes, passes its own checks
(gradients against finite differences or a second mode) and writes its plots."""

import importlib
import pathlib
import runpy

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"

# example module -> the PNG files it must write
PLOTS = {
    "backprop_vs_numerical": ["backprop_vs_numerical.png"],
    "forward_vs_reverse": ["forward_vs_reverse.png"],
    "tiny_network": [],
    "train_mlp": ["train_mlp.png"],
    "newton_hvp": ["newton_hvp.png"],
    "jacobian_chain_order": ["jacobian_chain_order.png"],
    "scipy_minimize": ["scipy_minimize.png"],
}

for _extra in ("matplotlib", "scipy", "sklearn", "tqdm"):
    pytest.importorskip(_extra, reason='the examples need: pip install -e ".[examples]"')


@pytest.fixture(autouse=True)
def _examples_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_example_runs_small_and_writes_its_plots(name, tmp_path, capsys):
    module = importlib.import_module(name)
    assert module.main(["--small", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "check passed" in printed and "check failed" not in printed
    for png in PLOTS[name]:
        path = tmp_path / png
        assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png


def test_every_example_is_smoke_tested():
    scripts = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    helpers = {"mlp", "seed", "loops", "mlp_params"}  # modules the examples and docs use
    assert scripts - helpers == set(PLOTS)


def test_seed_example_prints_its_gradient(capsys):
    runpy.run_path(str(EXAMPLES / "seed.py"), run_name="__main__")
    assert "def grad_f(x1, x2, x3):" in capsys.readouterr().out


def test_mlp_params_example_transpiles_and_agrees(capsys):
    runpy.run_path(str(EXAMPLES / "mlp_params.py"), run_name="__main__")
    assert "differ by at most" in capsys.readouterr().out
