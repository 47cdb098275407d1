"""Uses of values that Python itself would reject, found from the abstract values before
any code runs, so that the error names the user's line instead of coming from inside the
generated code: the truth value of an array of more than one element (`if x > 0:` on an
array) and a `math` function of an array (`math.sin(x)`).
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any, Iterator

import numpy as np

from ..errors import ArgumentError, Loc, ShapeError
from .. import runtime
from ..ir.core import Assign, Atom, Block, Const, For, Function, If, Stmt, Var, While
from .kinds import Avals, ValueKind

_TRUTH = {operator.not_, operator.truth, bool}
_ITERABLES = {"prod", "fsum", "dist", "sumprod"}  # math functions that take a sequence


def check_uses(fn: Function, avals: Avals) -> None:
    """Raise at the first statement that needs the truth value of an array of several
    elements, or passes an array to a function of the `math` module. Only statements that
    run whenever the function does are checked: not those inside a branch, which may be
    one the arguments never take (`if np.ndim(x) == 0: if x > 0: ...`), nor those in the
    body of a loop that may run zero times (`for i in range(n)` with `n == 0`), nor the
    right operand of `and`/`or`. Elsewhere Python's own error comes from the generated
    code."""
    made = {s.outs[0]: s for s in _unconditional(fn.body)
            if isinstance(s, Assign) and len(s.outs) == 1}
    for s in _unconditional(fn.body):
        if isinstance(s, (If, While)) and not _short_circuit(made.get(s.cond)):
            _check_truth(s.cond, avals, s.loc or fn.loc, "if" if isinstance(s, If)
                         else "while")
        elif isinstance(s, Assign) and (s.prim in _TRUTH or _short_circuit(s)) and s.args:
            name = ("and" if s.prim is runtime.logical_and else "or") if _short_circuit(s) \
                else getattr(s.prim, "__name__", "")
            _check_truth(s.args[0], avals, s.loc or fn.loc, name)
        elif isinstance(s, Assign) and getattr(s.prim, "__module__", None) == "math" and \
                getattr(s.prim, "__name__", "") not in _ITERABLES:
            _check_math(s, avals, s.loc or fn.loc)


def _short_circuit(s: Stmt | None) -> bool:
    """`a and b`, `a or b`: the truth of `a` is always taken, that of `b` only sometimes
    (the result is `b` only when `a` lets it through)."""
    return isinstance(s, Assign) and s.prim in (runtime.logical_and, runtime.logical_or)


def _unconditional(block: Block) -> Iterator[Stmt]:
    """The statements of `block` that run whenever it does: not those of its `if`
    branches, nor of the bodies of loops that may run zero times (a `while` loop's first
    test always runs; a `for` body only when its range is known not to be empty)."""
    for s in block:
        yield s
        if isinstance(s, While):
            yield from _unconditional(s.cond_block)
        if isinstance(s, For) and _runs(s):
            yield from _unconditional(s.body)


def _runs(s: For) -> bool:
    """Whether a `for` loop surely runs its body at least once (a constant, non-empty
    range)."""
    bounds = (s.start, s.stop, s.step)
    if not all(isinstance(b, Const) and type(b.value) is int for b in bounds) or \
            s.step.value == 0:
        return False
    return len(range(s.start.value, s.stop.value, s.step.value)) > 0


def _shape(a: Atom, avals: Avals) -> tuple[int, ...] | None:
    aval = avals.get(a) if isinstance(a, Var) else None
    return aval.shape if aval is not None and aval.kind == ValueKind.ARRAY else None


def _check_truth(cond: Atom, avals: Avals, loc: Loc | None, what: str) -> None:
    shape = _shape(cond, avals)
    if shape is not None and math.prod(shape) != 1:
        cond = _condition_text(loc, what)
        raise ShapeError(
            f"'{what}' needs one truth value, but this condition is an array of shape "
            f"{shape}", loc, f"say which one: np.all({cond}) or np.any({cond}); to choose "
            f"per element, compute both values and take np.where({cond}, value_if_true, "
            "value_if_false)")


def _condition_text(loc: Loc | None, what: str = "") -> str:
    """The condition as written on an `if`/`while` line (for `and`/`or`, its left
    operand), else a placeholder."""
    text = loc.source_line().strip() if loc is not None else ""
    for head in ("if ", "elif ", "while "):
        if text.startswith(head) and text.endswith(":"):
            text = text[len(head):-1].strip()
            return _left_operand(text) if what in ("and", "or") else text
    return "condition"


def _left_operand(text: str) -> str:
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return "condition"
    return ast.unparse(tree.values[0]) if isinstance(tree, ast.BoolOp) else "condition"


def _check_math(s: Assign, avals: Avals, loc: Loc | None) -> None:
    name = getattr(s.prim, "__name__", "")
    for a in s.args:
        shape = _shape(a, avals)
        if shape:  # ndim > 0: math functions take Python numbers
            raise ArgumentError(
                f"math.{name} takes a number, but its argument is an array of shape {shape}",
                loc, elementwise_hint(name))


def elementwise_hint(name: str) -> str:
    """What to write instead of `math.<name>` of an array: the NumPy function, or where
    NumPy has none, SciPy's (whose derivative s2sgrad needs a rule for)."""
    numpy_name = _NUMPY_NAMES.get(name, name)
    if numpy_name in _NUMPY_LACKS or not hasattr(np, numpy_name):
        scipy_name = _SCIPY_NAMES.get(name)
        if scipy_name is None:
            return f"NumPy has no elementwise {name}: loop over the items with math.{name}"
        return (f"NumPy has no {name}; SciPy's is elementwise: scipy.special.{scipy_name} "
                f"(register its derivative with s2sgrad.defvjp)")
    return f"use the NumPy function, which works elementwise: np.{numpy_name}"


_NUMPY_NAMES: dict[str, Any] = {"pow": "power", "fabs": "abs", "atan": "arctan",
                                "asin": "arcsin", "acos": "arccos", "atan2": "arctan2",
                                "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}
_NUMPY_LACKS = {"remainder"}  # np.remainder is Python's %, not math.remainder
_SCIPY_NAMES = {"erf": "erf", "erfc": "erfc", "gamma": "gamma", "lgamma": "gammaln",
                "factorial": "factorial", "comb": "comb", "perm": "perm"}
