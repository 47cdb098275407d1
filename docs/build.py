"""Fill the generated blocks of the docs, so the code they show cannot go stale.

A block in a Markdown file looks like this:

    <!-- generated: show examples/seed.py:f --argnums 0,1,2 -->
    ```python
    ...replaced by the command's output...
    ```
    <!-- end generated -->

The command after `generated:` is one of:

- an `s2sgrad` CLI command (`show ...`, `transpile ...`, `check ...`); `... | def NAME`
  keeps only the function NAME of the Python it prints;
- `run FILE.py [LANG]`: what a script prints, highlighted as LANG (default: text);
- `python ARGS...`: what `python ARGS...` prints, run in a new interpreter from the
  repository root, for output that must not see what earlier blocks did in this process
  (the rule coverage report, `python -m s2sgrad.rules.coverage`, would list the rules the
  snippets register);
- `include FILE.py:NAME`: the source of the function NAME in FILE.py;
- `session FILE.py`: FILE.py run statement by statement and shown as an interactive
  session (`>>>` lines, then what each statement printed or evaluated to). A statement may
  raise only when a comment line just above it says `raises`; the traceback is then shown
  shortened to the exception's type and message;
- `bench SCRIPT.py [ARGS...]`: what `python SCRIPT.py ARGS...` printed when it was last
  recorded, in `docs/bench/SCRIPT.txt`. `python docs/build.py --bench` reruns every such
  script that exists and records it again. Timings change from run to run, so `--check`
  compares the block with the recorded run and never reruns a benchmark.

`python docs/build.py` rewrites the blocks; `--check` only reports stale ones
(tests/test_docs.py runs it, so every snippet and example the docs show is run by the tests).
Both work on every page, `docs/*.md` and README.md, or only on the files named after them
(`python docs/build.py docs/coverage.md`).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import pathlib
import re
import runpy
import shlex
import subprocess
import sys
from typing import Any, Iterator

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = ROOT / "docs" / "bench"
BLOCK = re.compile(r"(<!-- generated: (?P<cmd>.+?) -->\n)(?P<body>.*?)(<!-- end generated -->)",
                   re.S)


def run(command: str) -> str:
    """The Markdown a block's command produces, run in this process from the repository root."""
    command, _, keep = command.partition(" | def ")
    args = shlex.split(command)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), _cwd(ROOT):
        handler = {"run": _run_script, "python": _python, "include": _include,
                   "session": _session, "bench": _bench}.get(args[0], _cli)
        lang = handler(args)
    text = out.getvalue().rstrip()
    if keep:
        text = _function_source(text, keep.strip())
    return f"```{lang}\n{text}\n```\n"


def _cli(args: list[str]) -> str:
    from s2sgrad.tools.cli import main

    if main(args) != 0:
        raise SystemExit(f"docs command failed: {' '.join(args)}")
    return "python" if args[0] in ("show", "transpile") and "ssa" not in args else "text"


def _run_script(args: list[str]) -> str:
    """`run FILE.py [LANG]`: what the script prints, shown as LANG (default: text)."""
    runpy.run_path(str(ROOT / args[1]), run_name="__main__")
    return args[2] if len(args) > 2 else "text"


def _python(args: list[str]) -> str:
    """`python ARGS...`: what the command prints, run in a new interpreter."""
    done = subprocess.run([sys.executable, *args[1:]], cwd=ROOT, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise SystemExit(f"docs command failed (exit {done.returncode}): {' '.join(args)}\n"
                         f"{done.stderr[-2000:]}")
    print(done.stdout)
    return "text"


def _include(args: list[str]) -> str:
    path, _, name = args[1].partition(":")
    print(_function_source((ROOT / path).read_text(), name))
    return "python"


def _function_source(text: str, name: str) -> str:
    """The source of the top-level function `name` in `text`, decorators included."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            return "\n".join(text.splitlines()[first - 1:node.end_lineno])
    raise SystemExit(f"docs: no function {name!r} to show")


@contextlib.contextmanager
def _cwd(path: pathlib.Path) -> Iterator[None]:
    import os

    old = os.getcwd()
    os.chdir(path)
    sys.path.insert(0, str(path))
    try:
        yield
    finally:
        os.chdir(old)
        sys.path.remove(str(path))


# -- sessions --------------------------------------------------------------------------------

def _session(args: list[str]) -> str:
    """Run a snippet file one statement at a time and print it as an interactive session.

    Each statement is compiled on its own with its own line numbers, under the file's
    relative name, so s2sgrad reads the functions it defines from the file itself."""
    path = args[1]
    text = (ROOT / path).read_text()
    lines = text.splitlines()
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": path}
    tree = ast.parse(text)
    body = _statements(tree)
    end = body[0].lineno - 1 if body else 0  # after the docstring
    for node in body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        comments = [ln for ln in lines[end:start - 1] if ln.strip()]
        for comment in comments:
            print(f">>> {comment}")
        for k, line in enumerate(lines[start - 1:node.end_lineno]):
            print(f"{'>>>' if k == 0 else '...'} {line}".rstrip())
        end = node.end_lineno
        _execute(node, path, namespace, allowed=any("raises" in c for c in comments))
    return "pycon"


def _statements(tree: ast.Module) -> list[ast.stmt]:
    """The module's statements, without its docstring."""
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _execute(node: ast.stmt, path: str, namespace: dict[str, Any], allowed: bool) -> None:
    """Run one statement as the interpreter's prompt does: an expression's value is shown."""
    code = compile(ast.Interactive(body=[node]), path, "single")
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
    except Exception as exc:  # shown as the interpreter shows it, when the snippet says so
        if not allowed:
            raise SystemExit(f"{path}:{node.lineno}: the snippet raised "
                             f"{type(exc).__name__}: {exc}") from exc
        kind = type(exc)
        out.write(f"Traceback (most recent call last):\n  ...\n"
                  f"{kind.__module__}.{kind.__qualname__}: {exc}\n")
    if out.getvalue().strip():
        print(out.getvalue().rstrip())


# -- benchmark tables ------------------------------------------------------------------------

def _bench(args: list[str]) -> str:
    recorded = BENCH / f"{pathlib.Path(args[1]).stem}.txt"
    if recorded.exists():
        print(recorded.read_text().rstrip())
    else:
        print(f"(no run recorded yet: `python docs/build.py --bench` runs {args[1]} "
              "and records what it prints here)")
    return "text"


def record_benchmarks(texts: list[str]) -> None:
    """Run each script named by a `bench` block once (if it exists), keeping what it prints
    in docs/bench/. A script that fails keeps its last recorded run."""
    BENCH.mkdir(exist_ok=True)
    commands = {m.group("cmd") for t in texts for m in BLOCK.finditer(t)
                if m.group("cmd").startswith("bench ")}
    for command in sorted(commands):
        args = shlex.split(command)[1:]
        if not (ROOT / args[0]).exists():
            print(f"skipping {args[0]}: it does not exist yet")
            continue
        print(f"running {' '.join(args)} ...", flush=True)
        done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"  failed (exit {done.returncode}); keeping the last recorded run\n"
                  f"{done.stderr[-2000:]}")
            continue
        (BENCH / f"{pathlib.Path(args[0]).stem}.txt").write_text(done.stdout)


# -- the command line ------------------------------------------------------------------------

def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + run(m.group("cmd")) + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale blocks only")
    parser.add_argument("--bench", action="store_true",
                        help="first rerun the benchmarks and record their output in docs/bench/")
    parser.add_argument("files", nargs="*", type=pathlib.Path,
                        help="only these Markdown files (default: docs/*.md and README.md)")
    args = parser.parse_args(argv)
    paths = [path.resolve() for path in args.files] or \
        sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
    if args.bench:
        record_benchmarks([path.read_text() for path in paths])
    stale = []
    for path in paths:
        text = path.read_text()
        new = render(text)
        if new != text:
            stale.append(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
            if not args.check:
                path.write_text(new)
    if stale:
        print(("stale: " if args.check else "updated: ") + ", ".join(map(str, stale)))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
