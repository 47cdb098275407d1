"""Forward mode: `Function -> Function` computing Jacobian-vector products.

The tangent program interleaves each statement with the statements that compute its
tangent (`d` + the value's name), in program order. `tan` maps a value to the atom holding its
tangent; a missing entry is a symbolic zero. The new function takes the primal parameters
followed by one tangent parameter per differentiated input, and returns the primal results
followed by their tangents.

- An `Assign` adds the contributions of the arguments that have tangents; where to find the
  formula is decided by the rule (see `rules.registry`): an explicit JVP, the primitive
  itself for linear and multilinear primitives, or the VJP formula of an elementwise one.
- An `If` yields the tangents of its outs from both branches (zero where one branch has none).
- A loop carries the tangents of its carried values. Loop-invariant tangents are just read.

Because the reverse transform's output is ordinary IR (its stacks are linear primitives),
forward mode applies to it too: that is forward-over-reverse, for Hessians.

With `batch=n` (vector mode, `transforms/batching.py`) every tangent carries a leading axis
of n tangents, so one sweep pushes n directions forward: n columns of a Jacobian.
"""

from __future__ import annotations

import operator
from dataclasses import replace
from typing import Any, Callable

import numpy as np

from ..analysis import kinds as K
from ..analysis.activity import check_index, forward_activity
from ..analysis.dicts import dict_trees
from ..analysis.kinds import Aval, ValueKind
from .. import runtime
from ..errors import MissingRuleError
from ..ir.builder import clone
from ..ir.core import (Assign, Atom, Block, Const, For, Function, If, NameSupply, Stmt, Var,
                       While)
from ..ir.printer import prim_name
from ..rules.dicts import tree_zeros
from ..rules.registry import Rule, lookup
from . import dtypes
from .rule_lowering import RuleLowerer, rule_source
from .reverse_items import check_keywords

Tan = dict[Var, Atom]


def forward(fn: Function, wrt: list[int], param_kinds: list[K.Aval]) -> Function:
    """The JVP program: params `[*params, *tangents]`, results `[*results, *tangents]`."""
    kinds = dict(fn.avals) or K.infer(fn, param_kinds)
    return forward_with(ForwardSweep(NameSupply.for_function(fn), kinds), fn, wrt)


def forward_with(fw: "ForwardSweep", fn: Function, wrt: list[int]) -> Function:
    """The JVP program that the sweep `fw` (plain, or batched: `batching.py`) builds."""
    kinds = fw.kinds
    fw.dicts = dict_trees(fn.body)
    tangents = [fw.names.var("d" + fn.params[i].name) for i in wrt]
    tan: Tan = {fn.params[i]: t for i, t in zip(wrt, tangents)}
    for i, t in zip(wrt, tangents):
        kinds[t] = fw.tangent_kind(fn.params[i])
    body = fw.block(clone(fn.body), tan)
    fw.out = body
    outs = [tan.get(r) or fw.zero(r) if isinstance(r, Var) else fw.const_zero(r)
            for r in fn.results]
    outs = [dtypes.in_dtype(fw.emit, t, r, fw.kinds, None, "d")
            for t, r in zip(outs, fn.results)]
    return replace(fn, params=[*fn.params, *tangents], body=body,
                   results=[*fn.results, *outs], defaults=(), avals=kinds, split=None,
                   alias_check=None, arguments=())


class JvpLowerer(RuleLowerer):
    """Lowers a VJP formula as a JVP: `unbroadcast` is the identity in forward mode."""

    def apply(self, prim: Callable[..., Any], args: list[Atom], node: Any,
              kwargs: dict[str, Atom] | None = None) -> Atom:
        if prim is runtime.unbroadcast:
            return args[0]
        return super().apply(prim, args, node, kwargs)


class ForwardSweep:
    def __init__(self, names: NameSupply, kinds: K.Avals):
        self.names, self.kinds = names, kinds
        self.out: Block = []
        self.stacks: set[Var] = set()  # loop stacks: their zero tangent is an empty stack
        self.dicts: set[Var] = set()  # values that may be or hold dicts: zeros with their keys

    def emit(self, prim: Callable[..., Any], args: list[Atom], hint: str, loc: Any,
             kwargs: dict[str, Atom] | None = None) -> Var:
        out = self.names.var(hint)
        self.out.append(Assign([out], prim, args, dict(kwargs or {}), loc, adjoint="tangent"))
        self.kinds[out] = K.evaluate(prim, args, kwargs or {}, self.kinds)
        return out

    def tangent_kind(self, primal: Atom) -> Aval:
        """The abstract value of `primal`'s tangent: the primal's own."""
        return K.kind(primal, self.kinds)

    def const_zero(self, c: Const) -> Atom:
        """The tangent of a constant: zeros of its shape and structure (an array, or a tuple,
        list or dict of them), 0.0 for anything else."""
        return Const(zero_tree(c.value))

    def zero(self, like: Atom) -> Atom:
        if like in self.stacks:
            return self.emit(runtime.stack_new, [], "d" + _name(like), None)
        aval = K.kind(like, self.kinds)
        if aval.kind == K.SCALAR:
            return Const(0.0)
        if aval.kind == ValueKind.ARRAY:
            out = self.emit(np.zeros, [Const(aval.shape)], "z" + _name(like), None)
            self.kinds[out] = Aval(ValueKind.ARRAY, aval.shape, "float64")
            return out
        zeros = tree_zeros if like in self.dicts else runtime.zeros_like
        return self.emit(zeros, [like], "z" + _name(like), None)

    def add(self, a: Atom | None, b: Atom, hint: str, loc: Any) -> Atom:
        if a is None:
            return b
        return self.emit(operator.add, [a, b], hint, loc)

    # -- blocks ---------------------------------------------------------------------------
    def block(self, block: Block, tan: Tan) -> Block:
        saved, self.out = self.out, []
        try:
            for s in block:
                self.stmt(s, tan)
            return self.out
        finally:
            self.out = saved

    def stmt(self, s: Stmt, tan: Tan) -> None:
        if isinstance(s, Assign):
            if s.prim is runtime.stack_new:
                self.stacks.update(s.outs)
            self.out.append(s)
            self.assign(s, tan)
        elif isinstance(s, If):
            self.if_(s, tan)
        else:
            self.loop(s, tan)

    def assign(self, s: Assign, tan: Tan) -> None:
        active = [i for i, a in enumerate(s.args) if isinstance(a, Var) and a in tan]
        if not active and not rule_keywords(s, tan):
            return
        check_index(s, tan)
        rule = lookup(s.prim)
        if rule is None:
            raise missing_jvp(s)
        if rule.nondiff:
            return
        check_keywords(s, tan)
        if rule.linear is not None:
            return self.linear(s, rule, tan)
        total: Atom | None = None
        for i in active:
            c = self.contribution(s, rule, i, tan[s.args[i]])  # type: ignore[index]
            if c is not None:
                total = self.add(total, c, "d" + s.out.name, s.loc)
        if total is not None:
            if rule.elementwise:  # an argument smaller than the result gives a smaller tangent
                total = self.broadcast(total, s.out, s.loc)
            tan[s.out] = self.rename(total, "d" + s.out.name)

    def broadcast(self, t: Atom, out: Var, loc: Any) -> Atom:
        """The tangent `t` of an elementwise result, broadcast to the result's shape."""
        want, have = K.kind(out, self.kinds), K.kind(t, self.kinds)
        if want.kind == ValueKind.ANY or want.kind == ValueKind.ARRAY and want.shape is None:
            return self.emit(runtime.broadcast_like, [t, out], "d" + out.name, loc)
        if want.kind != ValueKind.ARRAY or have.shape == want.shape:
            return t
        return self.emit(np.broadcast_to, [t, Const(want.shape)], "d" + out.name, loc)

    def rename(self, atom: Atom, hint: str) -> Atom:
        last = self.out[-1] if self.out else None
        if isinstance(atom, Var) and isinstance(last, Assign) and last.outs == [atom] and \
                atom.name.startswith(("u", "_")):
            new = self.names.var(hint)
            last.outs = [new]
            self.kinds[new] = self.kinds.pop(atom, K.ANY)
            return new
        return atom

    def contribution(self, s: Assign, rule: Rule, i: int, t: Atom) -> Atom | None:
        if not rule.differentiable(i):  # declared: no derivative flows through argument i
            return None
        if i < len(rule.jvps) and rule.jvps[i] is not None:
            return self.apply_rule(rule.jvps[i], t, s, RuleLowerer)
        if rule.multilinear:
            args = list(s.args)
            args[i] = t
            return self.emit(s.prim, args, "d" + s.out.name, s.loc, s.kwargs)
        if rule.elementwise:
            scalar = all(K.is_scalar(a, self.kinds) for a in s.args)
            vjp = rule.vjp(i, scalar)
            return None if vjp is None else self.apply_rule(vjp, t, s, JvpLowerer)
        raise missing_jvp(s)

    def linear(self, s: Assign, rule: Rule, tan: Tan) -> None:
        """A primitive linear in some arguments: apply it to their tangents."""
        args = list(s.args)
        for i in rule.linear_args(len(s.args)):  # optional arguments left out are skipped
            a = s.args[i]
            args[i] = tan.get(a) or self.zero(a) if isinstance(a, Var) else self.const_zero(a)
        outs = [self.names.var("d" + o.name) for o in s.outs]
        self.out.append(Assign(outs, s.prim, args, dict(s.kwargs), s.loc, adjoint="tangent"))
        for o, d in zip(s.outs, outs):
            tan[o] = d
            self.kinds[d] = self.tangent_kind(o)

    def apply_rule(self, rule: Callable[..., Any], t: Atom, s: Assign, kind: type) -> Atom:
        return self.lower_rule(rule, [t, s.out, *s.args], s, kind)

    def lower_rule(self, rule: Callable[..., Any], values: list[Atom], s: Assign,
                   kind: type) -> Atom:
        """Lower `rule`'s source here with its parameters bound to `values` (then to their
        defaults and `s`'s keyword arguments); return the atom it returns."""
        src = rule_source(rule)
        lw = kind(src, self.names, self.kinds)
        lw.bind(rule, values, s, self.out)
        start = len(self.out)
        lw.stmts(list(src.tree.body))
        value = lw.atom(lw.env["%retval"])
        for stmt in self.out[start:]:
            stmt.loc = s.loc
            if isinstance(stmt, Assign):
                stmt.adjoint = "tangent"
        return value

    # -- control flow ---------------------------------------------------------------------
    def if_(self, s: If, tan: Tan) -> None:
        branches = []
        for block, results in ((s.then, s.then_results), (s.orelse, s.else_results)):
            t_b = dict(tan)
            body = self.block(block, t_b)
            branches.append((body, t_b, results))
        has = [k for k, _ in enumerate(s.outs)
               if any(isinstance(r[k], Var) and r[k] in t for _, t, r in branches)]
        extra = []
        for body, t_b, results in branches:
            saved, self.out = self.out, body
            extra.append([t_b.get(results[k]) or self.zero(results[k])  # type: ignore
                          for k in has])
            self.out = saved
        douts = [self.names.var("d" + s.outs[k].name) for k in has]
        self.out.append(If(s.cond, branches[0][0], branches[1][0],
                           [*s.then_results, *extra[0]], [*s.else_results, *extra[1]],
                           [*s.outs, *douts], s.loc))
        for k, d in zip(has, douts):
            tan[s.outs[k]] = d
            self.kinds[d] = self.tangent_kind(s.outs[k])

    def loop(self, s: For | While, tan: Tan) -> None:
        varied = self._varied_carried(s, tan)
        dcarried = [self.names.var("d" + s.carried[k].name) for k in varied]
        dinits = [tan.get(s.inits[k]) or self.zero(s.inits[k])  # type: ignore[arg-type]
                  for k in varied]
        t_body = dict(tan)
        for k, d in zip(varied, dcarried):
            t_body[s.carried[k]] = d
            self.kinds[d] = self.tangent_kind(s.carried[k])
        body = self.block(s.body, t_body)
        saved, self.out = self.out, body
        dnext = [t_body.get(s.next[k]) or self.zero(s.next[k])  # type: ignore[arg-type]
                 for k in varied]
        self.out = saved
        douts = [self.names.var("d" + s.outs[k].name) for k in varied]
        carried, inits = [*s.carried, *dcarried], [*s.inits, *dinits]
        nxt, outs = [*s.next, *dnext], [*s.outs, *douts]
        if isinstance(s, For):
            self.out.append(For(s.start, s.stop, s.step, s.index, carried, inits, body, nxt,
                                outs, s.reverse, s.loc))
        else:
            self.out.append(While(carried, inits, s.cond_block, s.cond, body, nxt, outs, s.loc))
        for k, d in zip(varied, douts):
            tan[s.outs[k]] = d
            self.kinds[d] = self.tangent_kind(s.outs[k])

    def _varied_carried(self, s: For | While, tan: Tan) -> list[int]:
        """Carried values that can have a tangent: a fixed point over the loop body."""
        varied = {v for v in tan}
        varied |= {c for c, i in zip(s.carried, s.inits) if i in varied}
        while True:
            before = len(varied)
            forward_activity(s.body, varied)
            varied |= {c for c, n in zip(s.carried, s.next) if n in varied}
            if len(varied) == before:
                break
        return [k for k, c in enumerate(s.carried)
                if c in varied and not K.kind(c, self.kinds).is_integral]


def zero_tree(value: Any, lead: tuple[int, ...] = ()) -> Any:
    """Float zeros with the structure of a constant `value`, each array leaf (and, when `lead`
    is given, each number) with `lead` prepended to its shape; 0.0 for a number."""
    if isinstance(value, (tuple, list)):
        return type(value)(zero_tree(v, lead) for v in value)
    if isinstance(value, dict):
        return {k: zero_tree(v, lead) for k, v in value.items()}
    if isinstance(value, np.ndarray) or (lead and isinstance(value, (int, float, np.generic))):
        return np.zeros(lead + np.shape(value))
    return 0.0


def rule_keywords(s: Assign, tan: Tan) -> bool:
    """Whether a keyword argument of `s` has a tangent."""
    return any(isinstance(a, Var) and a in tan for a in s.kwargs.values())


def _name(a: Atom) -> str:
    return a.name if isinstance(a, Var) else "c"


def missing_jvp(s: Assign) -> MissingRuleError:
    name = prim_name(s.prim)
    return MissingRuleError(f"no forward-mode (JVP) rule for {name}", s.loc,
                            f"register one: s2sgrad.defjvp({name}, lambda t, ans, x: ...)")
