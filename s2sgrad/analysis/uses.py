"""Uses of values that Python itself would reject, found from the abstract values before
any code runs, so that the error names the user's line instead of coming from inside the
generated code: the truth value of an array of more than one element (`if x > 0:` on an
array) and a `math` function of an array (`math.sin(x)`).
"""

from __future__ import annotations

import math
import operator
from typing import Any, Iterator

from ..errors import ArgumentError, Loc, ShapeError
from ..ir.core import Assign, Atom, Block, For, Function, If, Stmt, Var, While
from .kinds import Avals

_TRUTH = {operator.not_, operator.truth, bool}
_ITERABLES = {"prod", "fsum", "dist", "sumprod"}  # math functions that take a sequence


def check_uses(fn: Function, avals: Avals) -> None:
    """Raise at the first statement that needs the truth value of an array of several
    elements, or passes an array to a function of the `math` module. Only statements that
    run whenever the function does are checked (not those inside a branch, which may be
    one the arguments never take: `if np.ndim(x) == 0: if x > 0: ...`); elsewhere Python's
    own error comes from the generated code."""
    for s in _unconditional(fn.body):
        if isinstance(s, (If, While)):
            _check_truth(s.cond, avals, s.loc or fn.loc, "if" if isinstance(s, If)
                         else "while")
        elif isinstance(s, Assign) and s.prim in _TRUTH and s.args:
            _check_truth(s.args[0], avals, s.loc or fn.loc, getattr(s.prim, "__name__", ""))
        elif isinstance(s, Assign) and getattr(s.prim, "__module__", None) == "math" and \
                getattr(s.prim, "__name__", "") not in _ITERABLES:
            _check_math(s, avals, s.loc or fn.loc)


def _unconditional(block: Block) -> Iterator[Stmt]:
    """The statements of `block`, and of the loops in it, but not of its `if` branches."""
    for s in block:
        yield s
        if isinstance(s, While):
            yield from _unconditional(s.cond_block)
        if isinstance(s, (For, While)):
            yield from _unconditional(s.body)


def _shape(a: Atom, avals: Avals) -> tuple[int, ...] | None:
    aval = avals.get(a) if isinstance(a, Var) else None
    return aval.shape if aval is not None and aval.kind == "array" else None


def _check_truth(cond: Atom, avals: Avals, loc: Loc | None, what: str) -> None:
    shape = _shape(cond, avals)
    if shape is not None and math.prod(shape) != 1:
        cond = _condition_text(loc)
        raise ShapeError(
            f"'{what}' needs one truth value, but this condition is an array of shape "
            f"{shape}", loc, f"say which one: np.all({cond}) or np.any({cond}); to choose "
            f"per element, compute both values and take np.where({cond}, value_if_true, "
            "value_if_false)")


def _condition_text(loc: Loc | None) -> str:
    """The condition as written on an `if`/`while` line, else a placeholder."""
    text = loc.source_line().strip() if loc is not None else ""
    for head in ("if ", "elif ", "while "):
        if text.startswith(head) and text.endswith(":"):
            return text[len(head):-1].strip()
    return "condition"


def _check_math(s: Assign, avals: Avals, loc: Loc | None) -> None:
    name = getattr(s.prim, "__name__", "")
    for a in s.args:
        shape = _shape(a, avals)
        if shape:  # ndim > 0: math functions take Python numbers
            numpy_name = "np." + _NUMPY_NAMES.get(name, name)
            raise ArgumentError(
                f"math.{name} takes a number, but its argument is an array of shape {shape}",
                loc, f"use the NumPy function, which works elementwise: {numpy_name}")


_NUMPY_NAMES: dict[str, Any] = {"pow": "power", "fabs": "abs", "atan": "arctan",
                                "asin": "arcsin", "acos": "arccos", "atan2": "arctan2",
                                "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}
