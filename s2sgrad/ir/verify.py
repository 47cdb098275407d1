"""The IR verifier: checks single assignment and block scoping (see `core`)."""

from __future__ import annotations

from .core import Assign, Atom, Block, For, Function, If, Var, While


class IRError(AssertionError):
    """The IR breaks an invariant: a bug in s2sgrad, never in the user's code."""


def verify(fn: Function) -> Function:
    """Raise `IRError` unless `fn` is well formed; return `fn` so stages can chain."""
    assigned: set[Var] = set()
    scope = set(fn.params)
    _define(fn.params, assigned, scope)
    _block(fn.body, assigned, scope)
    _use(fn.results, scope, "function results")
    return fn


def _define(vars_: list[Var], assigned: set[Var], scope: set[Var]) -> None:
    for v in vars_:
        if not isinstance(v, Var):
            raise IRError(f"{v!r} is not a Var")
        if v in assigned:
            raise IRError(f"{v} is assigned twice")
        assigned.add(v)
        scope.add(v)


def _use(atoms: list[Atom], scope: set[Var], where: str) -> None:
    for a in atoms:
        if isinstance(a, Var) and a not in scope:
            raise IRError(f"{a} is read in {where} but not defined in scope")


def _block(block: Block, assigned: set[Var], scope: set[Var]) -> None:
    for s in block:
        if isinstance(s, Assign):
            _use([*s.args, *s.kwargs.values()], scope, f"{s.outs} = {s.prim}")
        elif isinstance(s, If):
            _use([s.cond], scope, "if condition")
            for blk, res in ((s.then, s.then_results), (s.orelse, s.else_results)):
                inner = set(scope)
                _block(blk, assigned, inner)
                _use(res, inner, "if results")
                if len(res) != len(s.outs):
                    raise IRError(f"if yields {len(res)} values for {len(s.outs)} outs")
        else:
            _loop(s, assigned, scope)
        _define(s.outs, assigned, scope)


def _loop(s: For | While, assigned: set[Var], scope: set[Var]) -> None:
    _use(s.inits, scope, "loop inits")
    if isinstance(s, For):
        _use([s.start, s.stop, s.step], scope, "range bounds")
    inner = set(scope)
    _define(s.carried, assigned, inner)
    if isinstance(s, For):
        _define([s.index], assigned, inner)
    else:
        cond_scope = set(inner)
        _block(s.cond_block, assigned, cond_scope)
        _use([s.cond], cond_scope, "while condition")
    _block(s.body, assigned, inner)
    _use(s.next, inner, "loop next values")
    if not len(s.carried) == len(s.inits) == len(s.next) == len(s.outs):
        raise IRError("loop carried/inits/next/outs lengths differ")
