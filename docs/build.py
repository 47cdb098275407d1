"""Fill the generated blocks of the docs, so the code they show cannot go stale.

A block in a Markdown file looks like this:

    <!-- generated: show examples/seed.py:f --argnums 0,1,2 -->
    ```python
    ...replaced by the command's output...
    ```
    <!-- end generated -->

The command after `generated:` is an `s2sgrad` CLI command, or `run FILE.py` to show
what a script prints. `python docs/build.py` rewrites the blocks; `--check` only reports
stale ones (tests/test_docs.py runs it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import pathlib
import re
import runpy
import shlex
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- generated: (?P<cmd>.+?) -->\n)(?P<body>.*?)(<!-- end generated -->)",
                   re.S)


def run(command: str) -> str:
    """The output of one command, run in this process from the repository root."""
    args = shlex.split(command)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), _cwd(ROOT):
        if args[0] == "run":
            runpy.run_path(str(ROOT / args[1]), run_name="__main__")
            lang = "text"
        else:
            from s2sgrad.cli import main

            if main(args) != 0:
                raise SystemExit(f"docs command failed: {command}")
            lang = "python" if args[0] in ("show", "transpile") and "ssa" not in args \
                else "text"
    return f"```{lang}\n{out.getvalue().rstrip()}\n```\n"


@contextlib.contextmanager
def _cwd(path: pathlib.Path):
    import os

    old = os.getcwd()
    os.chdir(path)
    sys.path.insert(0, str(path))
    try:
        yield
    finally:
        os.chdir(old)
        sys.path.remove(str(path))


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + run(m.group("cmd")) + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale blocks only")
    args = parser.parse_args(argv)
    stale = []
    for path in sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]:
        text = path.read_text()
        new = render(text)
        if new != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(new)
    if stale:
        print(("stale: " if args.check else "updated: ") + ", ".join(map(str, stale)))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
