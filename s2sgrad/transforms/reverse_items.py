"""Reverse mode for containers, and the errors for what it cannot differentiate.

Building a tuple, list or dict is structural: each item's adjoint is read back out of the
container's adjoint. A tuple's or list's adjoint is a sequence (`seq_onehot` makes one for
an item read, see rules/operators.py); a dict's is a dict (see rules/dicts.py), since its
items are found by key. Reading and writing the items of a dict have adjoints of their own
here, because the generic rules for `x[i]` and `x[i] = v` work by position.

An active value that reaches a primitive with no VJP for it is an error, never a zero.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Container

from ..analysis import kinds as K
from .. import runtime
from ..errors import MissingRuleError, NonDifferentiableError
from ..ir.core import Assign, Atom, Const, Var
from ..ir.printer import prim_name
from ..rules.dicts import dict_item, dict_onehot, dict_without
from ..rules.registry import Rule

if TYPE_CHECKING:
    from .reverse import Adj, _Reverser

_SEQUENCES = (runtime.make_tuple, runtime.make_list)


def container_adjoint(rev: "_Reverser", s: Assign, g: Atom, adj: "Adj") -> bool:
    """Emit the adjoint of `s` if it builds a container or reads or writes a dict's item;
    return whether it did."""
    if s.prim in _SEQUENCES:
        for i, a in enumerate(s.args):
            if _active(rev, a):
                item = rev.emit(operator.getitem, [g, Const(i)], "b" + a.name, s.loc)
                rev.accum(a, item, adj, loc=s.loc)
        return True
    if s.prim is runtime.make_dict:
        keys = s.args[0].value  # type: ignore[union-attr]
        for k, a in enumerate(s.args[1:]):
            if _active(rev, a) and keys[k] not in keys[k + 1:]:  # else overwritten
                _item(rev, g, Const(keys[k]), a, adj, s)
        return True
    if not (s.args and s.args[0] in rev.dicts):
        return False
    if s.prim is operator.getitem:
        d, key = s.args
        if _active(rev, d):
            c = rev.emit(dict_onehot, [key, g], "b" + d.name, s.loc)  # type: ignore[union-attr]
            rev.accum(d, c, adj, loc=s.loc)  # type: ignore[arg-type]
        return True
    if s.prim is runtime.setitem:
        d, key, value = s.args
        if _active(rev, value):
            _item(rev, g, key, value, adj, s)  # type: ignore[arg-type]
        if _active(rev, d):
            c = rev.emit(dict_without, [g, key], "b" + d.name, s.loc)  # type: ignore[union-attr]
            rev.accum(d, c, adj, loc=s.loc)  # type: ignore[arg-type]
        return True
    return False


def _active(rev: "_Reverser", a: Atom) -> bool:
    return isinstance(a, Var) and a in rev.active


def _item(rev: "_Reverser", g: Atom, key: Atom, value: Var, adj: "Adj", s: Assign) -> None:
    """Add the item `key` of the dict adjoint `g` to the adjoint of `value`."""
    like: Atom = Const(0.0) if K.is_scalar(value, rev.kinds) else value  # its zero's shape
    c = rev.emit(dict_item, [g, key, like], "b" + value.name, s.loc)
    rev.kinds[c] = K.kind(value, rev.kinds)
    rev.accum(value, c, adj, loc=s.loc)


def check_keywords(s: Assign, active: Container[Var]) -> None:
    """Rules differentiate positional arguments only: an active keyword argument is an error."""
    for name, a in s.kwargs.items():
        if isinstance(a, Var) and a in active:
            raise NonDifferentiableError(
                f"cannot differentiate with respect to the keyword argument '{name}' of "
                f"{prim_name(s.prim)}", s.loc, f"pass '{name}' as a positional argument")


def missing_rule(s: Assign, rule: Rule | None = None, argnum: int = 0) -> MissingRuleError:
    """No VJP for `s.prim`: it has no rule at all, or `rule` has none for argument
    `argnum` (a forward-mode rule only, or a linear primitive with no transpose)."""
    name = prim_name(s.prim)
    if s.prim is operator.or_:
        return MissingRuleError("no derivative rule for '|' (operator.or_)", s.loc,
                                "merging dicts with '|' has no derivative yet: build one dict "
                                "display with every key")
    if rule is not None:
        which = f"argument {argnum + 1} of {name}" if rule.vjps else name
        return MissingRuleError(
            f"no reverse-mode (VJP) rule for {which}", s.loc,
            f"register one: s2sgrad.defvjp({name}, ...), with a rule for each argument")
    if isinstance(s.prim, type(runtime.method("x"))):
        exc = MissingRuleError(
            f"no derivative rule for {name}: the object it is called on is only known when "
            "the code runs", s.loc, "make the object known when the code is compiled: a "
            "global, a closure variable, or bound in a lambda instead of passed as an "
            "argument")
        exc.method = s.prim.name  # the API names the argument and the lambda to write
        return exc
    if getattr(s.prim, "__code__", None) is not None:
        hint = (f"s2sgrad does not differentiate through calls to other Python functions yet; "
                f"inline '{name}' or register a rule: s2sgrad.defvjp({name}, "
                f"lambda g, ans, x: ...)")
    else:
        hint = f"register a rule: s2sgrad.defvjp({name}, lambda g, ans, x: g * ...)"
    return MissingRuleError(f"no derivative rule for {name}", s.loc, hint)
