"""The `s2sgrad` command line: `s2sgrad show FILE.py:FUNC [--stage ...] [--argnums ...]`.

Exit codes: 0 on success, 1 for an error in the user's code or input (one line, or the whole
traceback with -v), 2 for misuse of the command line (argparse's convention).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import traceback
from typing import Any, Callable, Sequence

from . import api, pipeline
from .errors import S2SGradError


class UserError(Exception):
    """A problem with the user's input: reported in one line, exit code 1."""


def load_function(spec: str) -> Callable[..., Any]:
    """Import FILE.py and return its function FUNC, from the spec `FILE.py:FUNC`."""
    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise UserError(f"expected FILE.py:FUNC, got {spec!r}")
    if not os.path.isfile(path):
        raise UserError(f"no such file: {path}")
    module_name = "_s2sgrad_user_" + os.path.splitext(os.path.basename(path))[0]
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        module_spec.loader.exec_module(module)  # type: ignore[union-attr]
    except SyntaxError as exc:
        raise UserError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from exc
    finally:
        sys.path.pop(0)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise UserError(f"{path} has no function named {name!r}")
    return fn


def _argnums(text: str) -> int | tuple[int, ...]:
    try:
        nums = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 0 or 0,1, got {text!r}")
    return nums[0] if len(nums) == 1 else nums


def _show(args: argparse.Namespace) -> None:
    fn = load_function(args.target)
    print(api.stage_text(fn, args.stage, args.argnums))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2sgrad", description="Source-to-source automatic differentiation for Python.")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print the full traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print a compilation stage of a function's gradient")
    show.add_argument("target", help="FILE.py:FUNC")
    show.add_argument("--stage", choices=pipeline.STAGES, default="optimized",
                      help="ssa: the function in SSA form; reverse/optimized: the gradient "
                      "code before/after optimization (default: optimized)")
    show.add_argument("--argnums", type=_argnums, default=0,
                      help="arguments to differentiate, e.g. 0 or 0,1,2 (default: 0)")
    show.set_defaults(run=_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (UserError, S2SGradError) as exc:
        if args.verbose:
            traceback.print_exc()
        else:
            first = str(exc).splitlines()[0]
            hint = getattr(exc, "hint", None)
            print(f"s2sgrad: error: {first}" + (f" (hint: {hint})" if hint else ""),
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
