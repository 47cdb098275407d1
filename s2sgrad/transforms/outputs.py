"""The output `grad` differentiates must be a number: checks at compile time and at run time.

`check_value` rejects, when the gradient is compiled, an output that is never a number:
None on every path (a forgotten `return`), a str, a bool, an array whose shape is known not
to hold one element. When only some paths give None or a str (`if x > 0: return x * x`
falls off the end otherwise), the function compiles as Python runs it, and
`guard_paths` makes those paths raise `NonScalarOutputError` when a call takes them.
"""

from __future__ import annotations

import ast
import math
from dataclasses import replace
from typing import Any, Callable

from .. import runtime
from ..errors import Loc, NonScalarOutputError
from ..frontend.parse import parse
from ..ir.builder import clone
from ..ir.core import Assign, Atom, Block, Const, Function, If, NameSupply, Var, walk
from ..analysis.kinds import ValueKind


def check_value(f: Callable[..., Any], primal: Function, avals: Any) -> None:
    """Raise when `primal`'s output is known, at compile time, not to be a scalar number."""
    out = primal.results[0]
    values = branch_values(primal, out)
    if values and all(not_a_number(v) for v in values):
        raise _not_a_number_error(f, primal, values[0])
    aval = avals.get(out) if isinstance(out, Var) else None
    if _is_bool(out, aval):
        loc = _defined_at(primal, out) if isinstance(out, Var) else None
        raise NonScalarOutputError(
            f"'{primal.name}' returns a bool (a comparison or a test such as np.allclose), "
            "which has no derivative", loc or primal.loc, "return the float quantity the "
            "test looks at, e.g. np.sum((a - b) ** 2) instead of np.allclose(a, b)")
    if aval is not None and aval.kind == ValueKind.ARRAY and aval.shape is not None and \
            math.prod(aval.shape) != 1:
        raise NonScalarOutputError(
            f"'{primal.name}' returns an array of shape {aval.shape}; grad needs a scalar "
            "output (a float, or an array of one element)",
            _defined_at(primal, out) or primal.loc,
            "reduce it to a scalar (e.g. with np.sum), or use jacfwd or jacrev for its "
            "Jacobian")


def _not_a_number_error(f: Callable[..., Any], primal: Function, c: Const
                        ) -> NonScalarOutputError:
    none = c.value is None
    loc = return_loc(f, c.value)
    shown = "None" if none else f"{type(c.value).__name__} {c.value!r}"[:80]
    if none and not _has_return(f):
        shown = "None: it has no return statement"
    return NonScalarOutputError(
        f"'{primal.name}' returns {shown}; grad needs a scalar output", loc or primal.loc,
        "end the function with return and the value to differentiate" if none else
        "return the number to differentiate")


def guard_paths(f: Callable[..., Any], primal: Function) -> Function:
    """`primal`, where a branch that gives the output None or a str (and not a number)
    raises `NonScalarOutputError` at run time, at the `return` that gives it when there is
    exactly one, else at the `def` line. Unchanged (the same object) when there is none."""
    out = primal.results[0]
    if not any(not_a_number(v) for v in branch_values(primal, out)):
        return primal
    body = clone(primal.body)
    names = NameSupply.for_function(primal)
    phis = {o: (s, k) for s in walk(body) if isinstance(s, If) for k, o in enumerate(s.outs)}
    todo, seen = [out], set()
    while todo:
        a = todo.pop()
        if a not in phis or a in seen:
            continue
        seen.add(a)
        s, k = phis[a]
        for block, results in ((s.then, s.then_results), (s.orelse, s.else_results)):
            value = results[k]
            if not_a_number(value):
                results[k] = _raising(block, names, f, primal, value)
            elif isinstance(value, Var):
                todo.append(value)
    return replace(primal, body=body, arguments=())


def _raising(block: Block, names: NameSupply, f: Callable[..., Any], primal: Function,
             value: Const) -> Var:
    """Append to `block` a call that raises the error for `value`; return its variable."""
    loc = return_loc(f, value.value) or primal.loc
    v = names.var("no_output")
    block.append(Assign([v], runtime.output_error, [
        value, Const(primal.name), Const(loc.filename), Const(loc.lineno), Const(loc.col)],
        loc=loc))
    return v


def not_a_number(a: Atom) -> bool:
    return isinstance(a, Const) and (a.value is None or isinstance(a.value, (str, bytes)))


def branch_values(fn: Function, out: Atom) -> list[Atom]:
    """The values that may reach `out` through the φ-nodes of `if`s (a `return` in one
    branch and not in the other)."""
    phis = {o: (a, b) for s in walk(fn.body) if isinstance(s, If)
            for o, a, b in zip(s.outs, s.then_results, s.else_results)}
    found, todo, seen = [], [out], set()
    while todo:
        a = todo.pop()
        if isinstance(a, Var) and a in phis and a not in seen:
            seen.add(a)
            todo.extend(phis[a])
        elif not (isinstance(a, Var) and a in seen):
            found.append(a)
    return found


def return_loc(f: Callable[..., Any], value: Any) -> Loc | None:
    """The `return` of `f` that gives the constant `value` (None: a bare `return` too),
    when it is the only place that can give it (for None: `f` never falls off its end)."""
    src = parse(f)
    found = [node for node in ast.walk(src.tree) if isinstance(node, ast.Return) and (
        node.value is None and value is None or
        isinstance(node.value, ast.Constant) and type(node.value.value) is type(value) and
        node.value.value == value)]
    body = src.tree.body if isinstance(src.tree.body, list) else []
    if len(found) != 1 or value is None and _falls_off(body):
        return None
    return src.loc(found[0])


def _falls_off(body: list[ast.stmt]) -> bool:
    """Whether running `body` may reach its end (conservative: loops may)."""
    if not body:
        return True
    last = body[-1]
    if isinstance(last, ast.Return):
        return False
    if isinstance(last, ast.If):
        return _falls_off(last.body) or _falls_off(last.orelse)
    return True


def _has_return(f: Callable[..., Any]) -> bool:
    return any(isinstance(node, ast.Return) for node in ast.walk(parse(f).tree))


def _is_bool(out: Atom, aval: Any) -> bool:
    if isinstance(out, Const):
        return type(out.value).__name__ in ("bool", "bool_")
    return aval is not None and aval.dtype == "bool"


def _defined_at(fn: Function, v: Var) -> Any:
    return next((s.loc for s in walk(fn.body) if v in s.outs and s.loc is not None), None)
