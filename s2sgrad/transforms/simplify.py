"""Local algebraic simplification of one primitive application.

`rewrite(prim, args, kinds)` returns a simpler atom for `prim(*args)` or None. It folds
number constants, drops `unbroadcast` between scalars, and removes identities (`x*1`, `x+0`,
`x/1`, `x**1`). Identities that would change a value's type or alias an array are applied only
to values known to be Python scalars.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

from ..analysis import kinds as K
from .. import runtime
from ..ir.core import Atom, Const, Var
from ..analysis.kinds import ValueKind

_NUMBERS = (int, float)


def _is(atom: Atom, value: float) -> bool:
    return isinstance(atom, Const) and isinstance(atom.value, _NUMBERS) and \
        not isinstance(atom.value, bool) and atom.value == value


def _float_scalar(atom: Atom, kinds: dict[Var, K.Aval]) -> bool:
    """A value that `x * 1.0` would leave unchanged: a float scalar, not an int or array."""
    if isinstance(atom, Const):
        return isinstance(atom.value, float)
    aval = K.kind(atom, kinds)
    return aval.kind == K.SCALAR and aval.is_float


def plainer(prim: Callable[..., Any], args: list[Atom]) -> Callable[..., Any] | None:
    """A plainer primitive that computes the same: `written(g, 2)` is just `g[2]`."""
    if prim is runtime.written and isinstance(args[1], Const) and \
            not runtime.may_repeat(args[1].value):
        return operator.getitem
    return None


def rewrite(prim: Callable[..., Any], args: list[Atom], kinds: dict[Var, K.Aval]) -> Atom | None:
    if prim is runtime.unbroadcast:
        g, x = (K.kind(a, kinds) for a in args)
        same = g.shape is not None and g.shape == x.shape and g.kind == x.kind
        return args[0] if same or g.kind == x.kind == K.SCALAR else None
    if prim in (operator.is_, operator.is_not) and len(args) == 2 and any(
            isinstance(a, Const) and a.value is None for a in args):
        other = args[1] if isinstance(args[0], Const) and args[0].value is None else args[0]
        if isinstance(other, Var) and K.kind(other, kinds).kind in (ValueKind.ARRAY, K.SCALAR):
            return Const(prim is operator.is_not)  # an array or a number is not None
    if len(args) != 2:
        return None
    x, y = args
    if prim is operator.mul:
        if _is(x, 1) and _float_scalar(y, kinds):
            return y
        if _is(y, 1) and _float_scalar(x, kinds):
            return x
    elif prim is operator.add:
        if _is(x, 0) and _float_scalar(y, kinds):
            return y
        if _is(y, 0) and _float_scalar(x, kinds):
            return x
    elif prim in (operator.sub,):
        if _is(y, 0) and _float_scalar(x, kinds):
            return x
    elif prim in (operator.truediv, operator.pow):
        if _is(y, 1) and _float_scalar(x, kinds):
            return x
    return None
