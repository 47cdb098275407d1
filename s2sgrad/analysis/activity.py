"""Activity analysis: which SSA values need adjoints.

A value is *varied* when it depends, through differentiable arguments, on an input being
differentiated, and *useful* when the differentiated output depends on it. Active values are
both. Both are classic monotone dataflow problems; on structured IR they are one forward and
one backward walk, iterated over each loop until the sets stop growing.
"""

from __future__ import annotations

import operator
from typing import Container

import numpy as np

from ..errors import MissingRuleError
from ..ir.core import Assign, Atom, Block, Const, For, Function, If, Var, While, walk
from ..rules.registry import lookup
from .kinds import Aval, ValueKind

_FLOAT = Aval(ValueKind.ANY)


def diff_args(s: Assign) -> list[int]:
    """Argument positions a derivative can flow through (all of them when no rule exists)."""
    rule = lookup(s.prim)
    if rule is None:
        return list(range(len(s.args)))
    return [i for i in range(len(s.args)) if rule.differentiable(i)]


def _diff_atoms(s: Assign) -> list[Atom]:
    """The arguments a derivative can flow through, and the keyword arguments: no rule
    has a formula for those, so a derivative reaching one must be reported, not lost."""
    rule = lookup(s.prim)
    keywords = list(s.kwargs.values()) if rule is None or not rule.nondiff else []
    return [s.args[i] for i in diff_args(s)] + keywords


def active_vars(fn: Function, wrt: list[Var], outputs: list[Atom], avals: dict | None = None
                ) -> set[Var]:
    """Values that are varied and useful; integer and boolean values never are."""
    varied = set(wrt)
    forward_activity(fn.body, varied)
    if avals:
        varied = {v for v in varied if not avals.get(v, _FLOAT).is_integral}
    useful = {o for o in outputs if isinstance(o, Var)}
    _backward(fn.body, useful)
    _check_indexes(fn.body, varied, useful)
    return varied & useful


def _check_indexes(block: Block, varied: set[Var], useful: set[Var]) -> None:
    """`check_index` on every item read whose result the output depends on."""
    for s in block:
        if isinstance(s, Assign):
            if any(o in useful for o in s.outs):
                check_index(s, varied)
        elif isinstance(s, If):
            _check_indexes(s.then, varied, useful)
            _check_indexes(s.orelse, varied, useful)
        else:
            if isinstance(s, While):
                _check_indexes(s.cond_block, varied, useful)
            _check_indexes(s.body, varied, useful)


def check_index(s: Assign, varied: Container[Var]) -> None:
    """`table[key]` where `table` is an object with an `[]` of its own (not a list, tuple,
    dict, string or array) and `key` varies: no rule says how its items depend on the key,
    so that is an error, never a derivative of zero."""
    if s.prim is not operator.getitem or not isinstance(s.args[0], Const):
        return
    table, key = s.args[0].value, s.args[1]
    if isinstance(table, (list, tuple, dict, str, np.ndarray)) or not isinstance(key, Var) \
            or key not in varied:
        return
    name = type(table).__name__
    raise MissingRuleError(f"no derivative rule for indexing a {name} object with a value "
                           f"that depends on the differentiated input", s.loc,
                           "compute the value with NumPy operations, or look it up in a "
                           "function of your own with a rule: s2sgrad.defvjp(lookup, ...)")


def forward_activity(block: Block, v: set[Var]) -> None:
    for s in block:
        if isinstance(s, Assign):
            if any(isinstance(a, Var) and a in v for a in _diff_atoms(s)):
                v.update(s.outs)
        elif isinstance(s, If):
            forward_activity(s.then, v)
            forward_activity(s.orelse, v)
            for out, a, b in zip(s.outs, s.then_results, s.else_results):
                if a in v or b in v:
                    v.add(out)
        else:
            _loop_forward(s, v)


def _loop_forward(s: For | While, v: set[Var]) -> None:
    while True:
        before = len(v)
        for c, init, nxt in zip(s.carried, s.inits, s.next):
            if init in v or nxt in v:
                v.add(c)
        forward_activity(s.body, v)
        if len(v) == before:
            break
    v.update(o for o, c in zip(s.outs, s.carried) if c in v)


def _backward(block: Block, u: set[Var]) -> None:
    for s in reversed(block):
        if isinstance(s, Assign):
            if any(o in u for o in s.outs):
                u.update(a for a in _diff_atoms(s) if isinstance(a, Var))
        elif isinstance(s, If):
            for out, a, b in zip(s.outs, s.then_results, s.else_results):
                if out in u:
                    u.update(x for x in (a, b) if isinstance(x, Var))
            _backward(s.then, u)
            _backward(s.orelse, u)
        else:
            _loop_backward(s, u)


def _loop_backward(s: For | While, u: set[Var]) -> None:
    u.update(c for c, o in zip(s.carried, s.outs) if o in u)
    while True:
        before = len(u)
        u.update(n for c, n in zip(s.carried, s.next) if c in u and isinstance(n, Var))
        _backward(s.body, u)
        u.update(c for c, n in zip(s.carried, s.next) if n in u)
        if len(u) == before:
            break
    u.update(i for c, i in zip(s.carried, s.inits) if c in u and isinstance(i, Var))


def complex_active(fn: Function, wrt: list[Var], outputs: list[Atom], avals: dict
                   ) -> Assign | None:
    """The first active statement that reads or makes a complex value, or None. s2sgrad
    follows no convention for derivatives through complex values, so such a program is
    rejected. (A loop-carried value that turns complex has no known dtype: the complex
    operand that makes it so is what gets caught.)"""
    active = active_vars(fn, wrt, outputs, avals)
    for s in walk(fn.body):
        if isinstance(s, Assign) and any(o in active for o in s.outs) and any(
                _is_complex(a, avals) for a in [*s.outs, *s.args, *s.kwargs.values()]):
            return s
    return None


def _is_complex(atom: Atom, avals: dict) -> bool:
    if isinstance(atom, Var):
        dtype = avals.get(atom, _FLOAT).dtype
        return dtype is not None and np.dtype(dtype).kind == "c"
    value = getattr(atom, "value", None)
    return isinstance(value, (complex, np.complexfloating)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "c")
