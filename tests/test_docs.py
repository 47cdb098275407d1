"""The docs' generated code blocks are what s2sgrad generates today."""

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_docs_are_up_to_date():
    build = runpy.run_path(str(ROOT / "docs" / "build.py"))
    assert build["main"](["--check"]) == 0, "run: python docs/build.py"
