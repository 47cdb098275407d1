"""Which values may be dicts: the reverse transform gives those a dict of adjoints.

A dict comes from a display (`make_dict`) or from `d[k] = v` on a dict, and travels through
branches, loops and the items of tuples, lists and dicts. What a call with no rule (a
method, `dict(...)`, `d | e`) or a linear primitive (`.copy()`) makes of a value that may
be or hold a dict is taken to be possibly both, so no dict is missed; arithmetic is not.
"""

from __future__ import annotations

import operator

from .. import runtime
from ..ir.core import Assign, Atom, Block, If, Stmt, Var, walk
from ..rules.registry import lookup

_SEQUENCES = (runtime.make_tuple, runtime.make_list)


def dict_values(body: Block) -> set[Var]:
    """The values of `body` that may be dicts."""
    return _dicts(body)[0]


def dict_trees(body: Block) -> set[Var]:
    """The values of `body` that may be dicts or have a dict among their items."""
    is_dict, holds = _dicts(body)
    return is_dict | holds


def _dicts(body: Block) -> tuple[set[Var], set[Var]]:
    is_dict: set[Var] = set()
    holds: set[Var] = set()  # tuples, lists and dicts that may have a dict inside
    while True:
        before = len(is_dict) + len(holds)
        for s in walk(body):
            _step(s, is_dict, holds)
        if len(is_dict) + len(holds) == before:
            return is_dict, holds


def _step(s: Stmt, is_dict: set[Var], holds: set[Var]) -> None:
    if isinstance(s, Assign):
        _assign(s, is_dict, holds)
        return
    if isinstance(s, If):
        pairs = [(o, a) for o, a, b in zip(s.outs, s.then_results, s.else_results)
                 for a in (a, b)]
    else:
        pairs = [*zip(s.carried, s.inits), *zip(s.carried, s.next), *zip(s.outs, s.carried)]
    for out, src in pairs:
        for found in (is_dict, holds):
            if src in found:
                found.add(out)


def _assign(s: Assign, is_dict: set[Var], holds: set[Var]) -> None:
    def some(atoms: list[Atom], found: set[Var]) -> bool:
        return any(isinstance(a, Var) and a in found for a in atoms)

    args = [*s.args, *s.kwargs.values()]
    either = is_dict | holds
    if s.prim is runtime.make_dict:
        is_dict.update(s.outs)
        if some(s.args[1:], either):
            holds.update(s.outs)
    elif s.prim in _SEQUENCES:
        if some(s.args, either):
            holds.update(s.outs)
    elif s.prim is runtime.setitem:
        if some(s.args[:1], is_dict):
            is_dict.update(s.outs)
        if some(s.args[:1], holds) or some(s.args[2:], either):
            holds.update(s.outs)
    elif s.prim is operator.getitem:
        if some(s.args[:1], holds):
            is_dict.update(s.outs)
            holds.update(s.outs)
    elif some(args, either) and _opaque(s.prim):
        is_dict.update(s.outs)
        holds.update(s.outs)


def _opaque(prim: object) -> bool:
    rule = lookup(prim)
    return rule is None or rule.linear is not None


def surely_dict(body: Block, v: Atom) -> bool:
    """Whether `v` is a dict on every path: a display, an item set in one, or a branch
    result that is one of those on both paths."""
    for s in walk(body):
        if v in getattr(s, "outs", ()):
            if isinstance(s, Assign):
                return s.prim is runtime.make_dict or (
                    s.prim is runtime.setitem and surely_dict(body, s.args[0]))
            if isinstance(s, If):
                k = s.outs.index(v)  # type: ignore[arg-type]
                return surely_dict(body, s.then_results[k]) and \
                    surely_dict(body, s.else_results[k])
            return False
    return False
