"""The `s2sgrad` command line (also `python -m s2sgrad`).

    s2sgrad transpile FILE.py:FUNC [--mode reverse|forward|both] [--argnums 0,1] [-o OUT.py]
    s2sgrad show FILE.py:FUNC [--stage ssa|forward|reverse|optimized] [--argnums 0,1]
    s2sgrad check FILE.py:FUNC [--args 0.3,1.2] [--argnums 0,1] [--seed N]

Exit codes: 0 on success, 1 for an error in the user's code or input (one line on stderr,
or the whole traceback with -v; for `check`, also a gradient that differs from finite
differences), 2 for misuse of the command line (argparse's convention). docs/cli.md has the
details.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.machinery
import importlib.util
import inspect
import math
import os
import sys
import traceback
from typing import Any, Callable, Sequence

from .errors import S2SGradError
from .pipeline import STAGES
from .frontend.parse import call_signature
from .transpile import MODES


class UserError(Exception):
    """A problem with the user's input: reported in one line, exit code 1."""


# -- arguments ------------------------------------------------------------------------------
def _target(text: str) -> tuple[str, str]:
    path, sep, name = text.rpartition(":")
    if not sep or not path or not name:
        raise argparse.ArgumentTypeError(f"expected FILE.py:FUNC, got {text!r}")
    if not name.isidentifier():
        raise argparse.ArgumentTypeError(f"{name!r} is not a Python name (in {text!r})")
    return path, name


def _argnums(text: str) -> int | tuple[int, ...]:
    try:
        nums = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected integers like 0 or 0,1, got {text!r}") from None
    if len(set(nums)) != len(nums):
        raise argparse.ArgumentTypeError(f"an argument is named twice in {text!r}")
    return nums[0] if len(nums) == 1 else nums


def _values(text: str) -> list[float | int]:
    """`0.3,1.2,5`: numbers; those written as integers stay ints (e.g. a loop count)."""
    out: list[float | int] = []
    for item in text.split(","):
        item = item.strip()
        try:
            out.append(int(item))
        except ValueError:
            try:
                out.append(float(item))
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"expected numbers like 0.3,1.2, got {text!r}") from None
    return out


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


# -- loading the user's function ------------------------------------------------------------
def load_function(path: str, name: str) -> Callable[..., Any]:
    """Import the file at `path` (as a module of its own) and return its function `name`."""
    if not os.path.exists(path):
        raise UserError(f"no such file: {path}")
    if not os.path.isfile(path):
        raise UserError(f"not a file: {path}")
    module_name = "_s2sgrad_user_" + os.path.splitext(os.path.basename(path))[0]
    loader = importlib.machinery.SourceFileLoader(module_name, path)
    spec = importlib.util.spec_from_file_location(module_name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[module_name] = module  # as import does: dataclasses and pickle look here
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)
    try:  # what the file prints must not mix with a module written to stdout
        with contextlib.redirect_stdout(sys.stderr):
            loader.exec_module(module)
    except SyntaxError as exc:
        where = f"{exc.filename or path}:{exc.lineno}" if exc.lineno else path
        raise UserError(f"{where}: syntax error: {exc.msg}") from exc
    except (Exception, SystemExit) as exc:
        lines = [f for f in traceback.extract_tb(exc.__traceback__)
                 if os.path.abspath(f.filename) == os.path.abspath(path)]
        where = f"{path}:{lines[-1].lineno}" if lines else path
        message = str(exc).splitlines()[0] if str(exc) else ""
        raise UserError(f"{where}: {type(exc).__name__}"
                        f"{': ' + message if message else ''} (while importing the file)"
                        ) from exc
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    fn = getattr(module, name, None)
    if fn is None:
        raise UserError(f"no function {name!r} in {path}")
    if not callable(fn):
        raise UserError(f"{name!r} in {path} is a {type(fn).__name__}, not a function")
    return fn


def _original(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The user's function behind `grad(f)` and other s2sgrad wrappers (a user's own
    `functools.wraps` decorator is kept: its wrapper is what a call runs)."""
    return inspect.unwrap(fn, stop=lambda f: not hasattr(f, "__s2sgrad__"))


# -- commands -------------------------------------------------------------------------------
def _show(args: argparse.Namespace) -> None:
    from . import api
    from .display import print_code

    fn = load_function(*args.target)
    print_code(api.stage_text(fn, args.stage, args.argnums))  # coloured on a terminal


def _transpile(args: argparse.Namespace) -> None:
    from .transpile import transpile

    path, name = args.target
    fn = _original(load_function(path, name))
    text = transpile(fn, args.mode, args.argnums, name=name)
    if args.output is None:
        sys.stdout.write(text)
        return
    if os.path.exists(args.output) and os.path.samefile(args.output, path):
        raise UserError(f"will not overwrite the input file {path} with the module")
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise UserError(f"cannot write {args.output}: {exc.strerror or exc}") from exc


def _check(args: argparse.Namespace) -> int:
    import numpy as np

    import s2sgrad

    path, name = args.target
    fn = _original(load_function(path, name))
    params = list(call_signature(fn).parameters.values())
    s2sgrad.grad(fn)  # parses and fences: unsupported syntax is reported before running
    values = _arguments(fn, name, params, args.args, args.seed)
    nums = _check_argnums(name, params, values, args.argnums)
    for i in nums:
        values[i] = float(values[i])
    shown = ", ".join(f"{p.name}={v!r}" for p, v in zip(params, values))
    value = _call(lambda: fn(*values), f"{name}({shown})")
    if not isinstance(value, (int, float)) and np.ndim(value) != 0:
        raise UserError(f"{name}({shown}) returned {type(value).__name__}; check needs a "
                        "function with one float output")
    columns: dict[str, list[float]] = {}
    if args.mode in ("reverse", "both"):
        grads = _call(lambda: s2sgrad.grad(fn, argnums=nums)(*values), "the gradient")
        columns["reverse mode"] = [float(g) for g in grads]
    if args.mode in ("forward", "both"):
        columns["forward mode"] = [float(_call(lambda: s2sgrad.jvp(
            fn, values, [float(j == i) for j in range(len(values))])[1], "the jvp"))
            for i in nums]
    numeric = _call(lambda: s2sgrad.numerical_grad(fn, *values, argnums=nums, eps=args.eps),
                    "the finite differences")
    numeric = [float(n) for n in numeric]
    print(f"check {name}({shown}) with respect to {', '.join(params[i].name for i in nums)}")
    rows, worst_abs, worst_rel, ok = [], 0.0, 0.0, True
    for k, i in enumerate(nums):
        n = numeric[k]
        got = [col[k] for col in columns.values()]
        errs = [abs(g - n) for g in got]
        rels = [abs(g - n) / max(abs(g), abs(n)) if g != n else 0.0 for g in got]
        ok = ok and all(e <= args.atol + args.rtol * abs(n) for e in errs) and \
            all(math.isfinite(g) for g in got)
        worst_abs, worst_rel = max([worst_abs, *errs]), max([worst_rel, *rels])
        rows.append([params[i].name, *map(repr, got), repr(n), f"{max(errs):.1e}",
                     f"{max(rels):.1e}"])
    header = ["argument", *columns, "central differences", "abs error", "rel error"]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    verdict = "within" if ok else "NOT within"
    print(f"largest abs error {worst_abs:.1e}, largest rel error {worst_rel:.1e}: {verdict} "
          f"rtol={args.rtol:g}, atol={args.atol:g}")
    if not ok:
        _error(f"the derivative of {name!r} differs from central differences "
               f"(largest abs error {worst_abs:.1e})")
        return 1
    return 0


def _arguments(fn: Callable[..., Any], name: str, params: list[inspect.Parameter],
               given: list[float | int] | None, seed: int) -> list[Any]:
    """The values to check at: `--args`, then defaults; or random floats, then defaults."""
    import numpy as np

    required = [p.name for p in params if p.default is inspect.Parameter.empty]
    if given is None:
        rng = np.random.default_rng(seed)
        return [round(float(rng.uniform(0.1, 0.9)), 4) if p.default is inspect.Parameter.empty
                else p.default for p in params]
    if len(given) > len(params) or len(given) < len(required):
        need = f"{len(required)} to {len(params)}" if len(required) < len(params) \
            else str(len(params))
        names = ", ".join(p.name for p in params)
        raise UserError(f"{name}({names}) takes {need} arguments; --args gave {len(given)}")
    return list(given) + [p.default for p in params[len(given):]]


def _check_argnums(name: str, params: list[inspect.Parameter], values: list[Any],
                   argnums: int | tuple[int, ...] | None) -> tuple[int, ...]:
    n = len(params)
    if argnums is None:  # every argument that is a float
        nums = tuple(i for i, v in enumerate(values) if isinstance(v, float))
        if not nums:
            raise UserError(f"no float argument of {name!r} to differentiate: write 1.0 "
                            "rather than 1 in --args, or pass --argnums")
        return nums
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for i in nums:
        if not -n <= i < n:
            raise UserError(f"--argnums {i} is out of range: {name!r} takes {n} arguments")
    out = tuple(i % n for i in nums)
    for i in out:
        if not isinstance(values[i], (int, float)) or isinstance(values[i], bool):
            raise UserError(f"argument {params[i].name!r} of {name!r} is "
                            f"{type(values[i]).__name__} {values[i]!r}; check differentiates "
                            "float arguments")
    return out


def _call(thunk: Callable[[], Any], what: str) -> Any:
    """Run user code (or code derived from it), turning its exceptions into one line."""
    try:
        return thunk()
    except S2SGradError:
        raise
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else ""
        raise UserError(f"{what} raised {type(exc).__name__}"
                        f"{': ' + message if message else ''}") from exc


# -- the parser -----------------------------------------------------------------------------
_EPILOG = """examples:
  s2sgrad transpile model.py:loss --mode both --argnums 0,1 -o loss_grad.py
  s2sgrad show model.py:loss --stage ssa
  s2sgrad check model.py:loss --args 0.3,1.2

exit codes: 0 success, 1 error in the input or the user's code (one line on stderr; -v
for the traceback) or a failed check, 2 misuse of the command line."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2sgrad", description="Source-to-source automatic differentiation for Python.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbose = "print the full traceback on errors"
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose)
    common = argparse.ArgumentParser(add_help=False)  # -v after the command works too
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help=verbose)
    target = dict(type=_target, metavar="FILE.py:FUNC",
                  help="the function FUNC defined in the Python file FILE.py")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_transpile, _add_show, _add_check):
        add(sub, common, target)
    return parser


def _add_transpile(sub: Any, common: argparse.ArgumentParser, target: dict) -> None:
    tr = sub.add_parser(
        "transpile", parents=[common], help="write FUNC and its derivatives as a standalone "
        "Python module", description="Write a Python module that defines FUNC (copied from "
        "FILE.py), grad_FUNC and value_and_grad_FUNC (reverse mode) and jvp_FUNC (forward "
        "mode). It imports only math and numpy, and runs where s2sgrad is not installed.")
    tr.add_argument("target", **target)
    tr.add_argument("--mode", choices=MODES, default="reverse",
                    help="reverse: grad_FUNC and value_and_grad_FUNC; forward: jvp_FUNC; "
                    "both: all three (default: reverse)")
    tr.add_argument("--argnums", type=_argnums, default=0, metavar="I[,J...]",
                    help="the arguments to differentiate, e.g. 0 or 0,1 (default: 0)")
    tr.add_argument("-o", "--output", metavar="OUT.py",
                    help="write the module to OUT.py (default: standard output)")
    tr.set_defaults(run=_transpile)


def _add_show(sub: Any, common: argparse.ArgumentParser, target: dict) -> None:
    show = sub.add_parser(
        "show", parents=[common], help="print one stage of the compilation of FUNC",
        description="Print one stage of the compilation of FUNC's derivative.")
    show.add_argument("target", **target)
    show.add_argument("--stage", choices=STAGES, default="optimized",
                      help="ssa: the function in SSA form; forward: the forward-mode (jvp) "
                      "code; reverse/optimized: the gradient code before/after "
                      "optimization (default: optimized)")
    show.add_argument("--argnums", type=_argnums, default=0, metavar="I[,J...]",
                      help="the arguments to differentiate, e.g. 0 or 0,1,2 (default: 0)")
    show.set_defaults(run=_show)


def _add_check(sub: Any, common: argparse.ArgumentParser, target: dict) -> None:
    check = sub.add_parser(
        "check", parents=[common], help="compare FUNC's derivative with finite differences",
        description="Compare s2sgrad's derivative of FUNC with central finite differences "
        "(s2sgrad.numerical_grad) at the given arguments, or at random floats in "
        "[0.1, 0.9] (4 decimals) for the arguments without a default. Exits with 0 when "
        "they agree within the tolerance, 1 when they do not.")
    check.add_argument("target", **target)
    check.add_argument("--args", type=_values, metavar="X[,Y...]",
                       help="argument values, e.g. 0.3,1.2; values written as integers (5) "
                       "are passed as ints; missing trailing arguments take their defaults")
    check.add_argument("--argnums", type=_argnums, default=None, metavar="I[,J...]",
                       help="the arguments to differentiate (default: every float argument)")
    check.add_argument("--seed", type=int, default=0,
                       help="seed of the random arguments (default: 0)")
    check.add_argument("--mode", choices=MODES, default="reverse",
                       help="check reverse mode (grad), forward mode (jvp) or both "
                       "(default: reverse)")
    check.add_argument("--rtol", type=_positive, default=1e-5,
                       help="relative tolerance (default: 1e-5)")
    check.add_argument("--atol", type=_positive, default=1e-6,
                       help="absolute tolerance (default: 1e-6)")
    check.add_argument("--eps", type=_positive, default=1e-6,
                       help="finite-difference step (default: 1e-6)")
    check.set_defaults(run=_check)


def _error(message: str) -> None:
    print(f"s2sgrad: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.run(args)
    except BrokenPipeError:  # the reader went away (`s2sgrad transpile ... | head`)
        with contextlib.suppress(Exception):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (UserError, S2SGradError) as exc:
        if args.verbose:
            traceback.print_exc()
        else:
            lines = str(exc).splitlines()
            hint = getattr(exc, "hint", None)
            _error((lines[0] if lines else type(exc).__name__) +
                   (f" (hint: {hint})" if hint else ""))
        return 1
    except Exception as exc:  # a bug in s2sgrad itself
        if args.verbose:
            traceback.print_exc()
        else:
            first = (str(exc).splitlines() or [""])[0]
            _error(f"internal error: {type(exc).__name__}: {first} (run with -v for the "
                   "traceback, and please report it)")
        return 1
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
