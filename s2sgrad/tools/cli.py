"""The `s2sgrad` command line (also `python -m s2sgrad`).

    s2sgrad transpile FILE.py:FUNC [--mode reverse|forward|both] [--argnums 0,1] [--args SPEC]
                      [-o OUT.py]
    s2sgrad show FILE.py:FUNC [--stage ssa|forward|reverse|optimized] [--argnums 0,1]
                 [--args SPEC]
    s2sgrad check FILE.py:FUNC [--args 0.3,1.2] [--argnums 0,1] [--seed N]

`--args` names the arguments' kinds or values in one grammar for every command (`argspec`).

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
import os
import sys
import traceback
from typing import Any, Callable, Sequence

import numpy as np

from .. import pytree
from ..api import argspec
from ..api.display import print_code
from ..api.sweeps import jvp
from ..api.testing import numerical_grad
from ..api.grads import grad, stage_text
from ..errors import S2SGradError
from ..frontend.parse import call_signature
from ..pipeline import STAGES
from .transpile import MODES, transpile
from .transpile.signature import leaf_exprs


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
    fn = load_function(*args.target)
    print_code(stage_text(fn, args.stage, args.argnums, args.args))  # coloured on a terminal


def _transpile(args: argparse.Namespace) -> None:
    path, name = args.target
    fn = _original(load_function(path, name))
    text = transpile(fn, args.mode, args.argnums, name=name, args=args.args)
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
    path, name = args.target
    fn = _original(load_function(path, name))
    params = list(call_signature(fn).parameters.values())
    grad(fn)  # parses and fences: unsupported syntax is reported before running
    values = argspec.examples(argspec.resolve(fn, args.args), args.seed)
    nums = _check_argnums(name, params, values, args.argnums)
    for i in nums:
        values[i] = _floats(values[i])
    shown = ", ".join(f"{p.name}={_shown(v)}" for p, v in zip(params, values))
    value = _call(lambda: fn(*pytree.copied(tuple(values))), f"{name}({shown})")
    if not isinstance(value, (int, float)) and np.ndim(value) != 0:
        raise UserError(f"{name}({shown}) returned {type(value).__name__}; check needs a "
                        "function with one float output")
    labels = [label for i in nums for label in _leaf_labels(params[i].name, values[i])]
    columns: dict[str, list[np.ndarray]] = {}
    if args.mode in ("reverse", "both"):
        grads = _call(lambda: grad(fn, argnums=nums)(*values), "the gradient")
        columns["reverse mode"] = [np.asarray(g, dtype=float) for i, g in zip(nums, grads)
                                   for g in pytree.flatten(g)[0]]
    if args.mode in ("forward", "both"):
        columns["forward mode"] = _call(lambda: _by_jvp(fn, values, nums), "the jvp")
    numeric = _call(lambda: _numeric(fn, values, nums, args.eps), "the finite differences")
    print(f"check {name}({shown}) with respect to {', '.join(params[i].name for i in nums)}")
    return _report(name, labels, columns, numeric, args.rtol, args.atol)


def _report(name: str, labels: list[str], columns: dict[str, list[np.ndarray]],
            numeric: list[np.ndarray], rtol: float, atol: float) -> int:
    """The table of each leaf's derivatives and errors, and the verdict."""
    rows, worst_abs, worst_rel, ok = [], 0.0, 0.0, True
    for k, label in enumerate(labels):
        n = numeric[k]
        got = [col[k] for col in columns.values()]
        errs = [float(np.max(np.abs(g - n), initial=0.0)) for g in got]
        rels = [float(np.max(np.where(g != n, np.abs(g - n) / np.maximum(
            np.maximum(np.abs(g), np.abs(n)), 1e-300), 0.0), initial=0.0)) for g in got]
        ok = ok and all(bool(np.all(np.abs(g - n) <= atol + rtol * np.abs(n))) and
                        bool(np.all(np.isfinite(g))) for g in got)
        worst_abs, worst_rel = max([worst_abs, *errs]), max([worst_rel, *rels])
        rows.append([label, *map(_cell, got), _cell(n), f"{max(errs):.1e}",
                     f"{max(rels):.1e}"])
    header = ["argument", *columns, "central differences", "abs error", "rel error"]
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    verdict = "within" if ok else "NOT within"
    print(f"largest abs error {worst_abs:.1e}, largest rel error {worst_rel:.1e}: {verdict} "
          f"rtol={rtol:g}, atol={atol:g}")
    if not ok:
        _error(f"the derivative of {name!r} differs from central differences "
               f"(largest abs error {worst_abs:.1e})")
        return 1
    return 0


def _floats(value: Any) -> Any:
    """A differentiated argument: its int leaves as floats."""
    leaves, td = pytree.flatten(value)
    return pytree.unflatten(td, [float(x) if type(x) is int else x for x in leaves])


def _leaf_labels(name: str, value: Any) -> list[str]:
    spec = pytree.unflatten(pytree.flatten(value)[1], pytree.flatten(value)[0])
    return leaf_exprs(name, spec)


def _shown(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}" if value.ndim != 1 else f"array({value.shape[0]})"
    if type(value) in (dict, list, tuple):
        leaves, td = pytree.flatten(value)
        return repr(pytree.unflatten(td, [_Shown(_shown(x)) for x in leaves]))
    return repr(value)


class _Shown(str):
    def __repr__(self) -> str:
        return str(self)


def _cell(value: np.ndarray) -> str:
    if value.ndim == 0:
        return repr(float(value))
    return np.array2string(value.ravel(), precision=6, threshold=4, max_line_width=10**6)


def _leaves_function(fn: Callable[..., Any], values: list[Any], nums: tuple[int, ...]
                     ) -> tuple[Callable[..., Any], list[Any]]:
    """`fn` as a function of the differentiated arguments' leaves, and those leaves."""
    flat = [pytree.flatten(values[i]) for i in nums]

    def of_leaves(*leaves: Any) -> Any:
        args, k = list(pytree.copied(tuple(values))), 0
        for i, (group, td) in zip(nums, flat):
            args[i] = pytree.unflatten(td, list(leaves[k:k + len(group)]))
            k += len(group)
        return fn(*args)

    return of_leaves, [x for group, _ in flat for x in group]


def _numeric(fn: Callable[..., Any], values: list[Any], nums: tuple[int, ...], eps: float
             ) -> list[np.ndarray]:
    g, leaves = _leaves_function(fn, values, nums)
    out = numerical_grad(g, *leaves, argnums=tuple(range(len(leaves))), eps=eps)
    return [np.asarray(x, dtype=float) for x in out]


def _by_jvp(fn: Callable[..., Any], values: list[Any], nums: tuple[int, ...]
            ) -> list[np.ndarray]:
    """Each leaf's derivative by one jvp per element, along a unit tangent."""
    flat = [pytree.flatten(v) for v in values]
    zero = [[np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0 for x in leaves]
            for leaves, _ in flat]
    out = []
    for i in nums:
        for k, x in enumerate(flat[i][0]):
            column = np.zeros(np.shape(x))
            for e in range(column.size):
                leaves = [list(z) for z in zero]
                leaves[i][k] = np.zeros_like(x) if isinstance(x, np.ndarray) else 1.0
                if isinstance(x, np.ndarray):
                    leaves[i][k].flat[e] = 1.0
                tangents = [pytree.unflatten(td, ls) for (_, td), ls in zip(flat, leaves)]
                column.flat[e] = float(jvp(fn, values, tangents)[1])
            out.append(column)
    return out


def _check_argnums(name: str, params: list[inspect.Parameter], values: list[Any],
                   argnums: int | tuple[int, ...] | None) -> tuple[int, ...]:
    n = len(params)
    if argnums is None:  # every argument of floats
        nums = tuple(i for i, v in enumerate(values) if _real(v))
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
        leaves = pytree.flatten(values[i])[0]
        if not leaves or not all(_real(x) or type(x) is int for x in leaves):
            raise UserError(f"argument {params[i].name!r} of {name!r} is "
                            f"{type(values[i]).__name__} {_shown(values[i])}; check "
                            "differentiates floats and float arrays")
    return out


def _real(value: Any) -> bool:
    """Whether every leaf of `value` is a float or a float array."""
    leaves = pytree.flatten(value)[0]
    return bool(leaves) and all(type(x) is float or isinstance(x, np.ndarray) and
                                x.dtype.kind == "f" for x in leaves)


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
    _add_args(tr, "the kinds of the arguments the module is generated for")
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
    _add_args(show, "the kinds of the arguments to compile for")
    show.set_defaults(run=_show)


def _add_check(sub: Any, common: argparse.ArgumentParser, target: dict) -> None:
    check = sub.add_parser(
        "check", parents=[common], help="compare FUNC's derivative with finite differences",
        description="Compare s2sgrad's derivative of FUNC with central finite differences "
        "(s2sgrad.numerical_grad) at the given arguments, or at random floats in "
        "[0.1, 0.9] (4 decimals) for the arguments without a default. Exits with 0 when "
        "they agree within the tolerance, 1 when they do not.")
    check.add_argument("target", **target)
    _add_args(check, "the arguments: values (0.3,1.2; 5 stays an int) or kinds, whose "
              "values are drawn with --seed")
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


def _add_args(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--args", metavar="SPEC", help=f"{what}, as a call's arguments: "
        '"x=array(3,4), w=float, k=int, params=dict(W=array(3,4), b=array(4))" '
        "(docs/cli.md has the grammar; default: the annotations, the defaults, else floats)")


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
