"""The docs' generated code blocks are what s2sgrad generates today."""

import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_docs_are_up_to_date():
    build = runpy.run_path(str(ROOT / "docs" / "build.py"))
    assert build["main"](["--check"]) == 0, "run: python docs/build.py"


def test_coverage_page_is_the_report_of_a_new_interpreter():
    """docs/coverage.md shows what `python -m s2sgrad.rules.coverage` prints in a new
    process: rules registered in this one (the snippets register some) do not leak in."""
    import s2sgrad
    from s2sgrad.rules import registry

    def unlisted(x):
        return x

    s2sgrad.defnondiff(unlisted)
    try:
        build = runpy.run_path(str(ROOT / "docs" / "build.py"))
        assert build["main"](["--check", str(ROOT / "docs" / "coverage.md")]) == 0, \
            "run: python docs/build.py docs/coverage.md"
    finally:
        registry._RULES.pop(registry._key(unlisted))


def test_check_reports_a_stale_page_and_leaves_it_alone(tmp_path, capsys):
    build = runpy.run_path(str(ROOT / "docs" / "build.py"))
    current = (ROOT / "docs" / "coverage.md").read_text()
    stale = current.replace("\ntotal: ", "\ntotal (an old run): ")
    assert stale != current
    page = tmp_path / "coverage.md"
    page.write_text(stale)
    assert build["main"](["--check", str(page)]) == 1
    assert page.read_text() == stale
    assert f"stale: {page}" in capsys.readouterr().out
    assert build["main"]([str(page)]) == 0
    assert page.read_text() == current
