"""Reverse mode: `Function -> Function` in joint motion (forward sweep, then reverse sweep).

The algorithm is source transformation over structured SSA, block by block:

- a block's statements are visited last to first; each emits its adjoint statements into the
  reverse block and returns the forward statements that replace it;
- `adj` maps each active value to the atom holding its adjoint; a missing entry is a symbolic
  zero, the first contribution is bound directly and later ones are added;
- a VJP rule is lowered from its Python source with the statement's atoms bound to its
  parameters, so the adjoint code is ordinary IR that reads forward values as locals;
- an `if` is reversed by an `if` on the same condition; values the reverse branch reads are
  exported from the forward branch as extra φ outs (undefined on the other path);
- a loop is reversed by a loop over the same iterations backwards. Loop-carried values and
  loop-invariant values that receive adjoints are carried by the reverse loop. Values the
  reverse body reads that are defined in the forward body are pushed onto one list per loop and
  popped in the reverse loop. A `while` loop also counts its trips. Nothing else is stored.
"""

from __future__ import annotations

import operator
from dataclasses import replace
from typing import Any, Callable

import numpy as np

from ..analysis import kinds as K
from ..analysis.activity import active_vars
from ..analysis.dicts import dict_values, surely_dict
from .. import runtime
from ..errors import NonScalarOutputError
from ..ir.builder import clone, defined_in, substitute
from ..ir.core import (UNDEF, Assign, Atom, Block, Const, For, Function, If, NameSupply, Stmt,
                       Var, While, free_vars)
from ..rules.registry import lookup
from . import dtypes, stacks
from .reverse_items import check_keywords, container_adjoint, missing_rule
from .rule_lowering import RuleLowerer, rule_source
from ..analysis.kinds import ValueKind

Adj = dict[Var, Atom]


def reverse(fn: Function, wrt: list[int], param_kinds: list[K.Aval], seeds: bool = False
            ) -> Function:
    """The gradient program: results are `[*fn.results, *grads]`.

    Joint motion by default: one function, the output's adjoint seeded with 1.0. With `seeds`
    (split motion, for `vjp`), the adjoints of all results are extra parameters, a marker
    statement separates the forward sweep from the reverse sweep, and the reverse sweep
    works on copies of the loop stacks, so it can run many times.
    """
    outputs = list(fn.results) if seeds else fn.results[:1]
    wrt_vars = [fn.params[i] for i in wrt]
    kinds = K.infer(fn, param_kinds)
    names = NameSupply.for_function(fn)
    rev = _Reverser(names, active_vars(fn, wrt_vars, outputs, kinds), kinds)
    rev.dicts = dict_values(fn.body)
    adj: Adj = {}
    sweep: Block = []
    rev.out = sweep
    seed_params = _seed(rev, fn, outputs, adj, seeds)
    forward = rev.block_pair(clone(fn.body), adj, sweep)
    rev.out = sweep
    grads = []
    for p in wrt_vars:  # each in its argument's dtype
        g = adj.get(p) or rev.zero(p)
        have = None if seeds else K.kind(g, rev.kinds)
        grads.append(dtypes.in_dtype(rev.emit, g, p, rev.kinds, have, "b"))
    if seeds:
        sweep = stacks.copy_stacks(rev.names, rev.stacks, forward, sweep, grads)
        forward.append(Assign([], runtime.sweep_marker, []))
    return replace(fn, params=[*fn.params, *seed_params], body=forward + sweep,
                   results=[*fn.results, *grads], avals=rev.kinds, split=None,
                   alias_check=None, arguments=())


def _seed(rev: "_Reverser", fn: Function, outputs: list[Atom], adj: Adj, seeds: bool
          ) -> list[Var]:
    """Seed the adjoints of the outputs: 1.0 for `grad`, parameters for `vjp`."""
    params: list[Var] = []
    for k, out in enumerate(outputs):
        if seeds:
            g = rev.names.var("g" + (out.name if isinstance(out, Var) else str(k)))
            rev.kinds[g] = K.kind(out, rev.kinds)
            params.append(g)
        else:
            g = Const(1.0)
        if isinstance(out, Var) and out in rev.active:
            if not seeds and out in rev.dicts and surely_dict(fn.body, out):
                raise NonScalarOutputError("the function's output is a dict; grad needs a "
                                           "scalar output", fn.loc, "return one of its items, "
                                           "or use has_aux=True to return the dict as well")
            if not seeds and not K.is_scalar(out, rev.kinds) and \
                    K.kind(out, rev.kinds).shape != ():  # only known at run time: check it
                at = [Const(fn.name), Const(fn.loc.filename), Const(fn.loc.lineno)] \
                    if fn.loc is not None else []
                g = rev.emit(runtime.scalar_seed, [out, *at], "b" + out.name, fn.loc)
            rev.accum(out, g, adj)
    return params


class _Reverser:
    def __init__(self, names: NameSupply, active: set[Var], kinds: dict[Var, str]):
        self.names, self.active, self.kinds = names, active, kinds
        self.dicts: set[Var] = set()  # values that may be dicts: their adjoints are dicts
        self.out: Block = []
        self.stacks: list[Var] = []  # the filled stacks the forward loops leave
        self.negations: dict[Var, Atom] = {}  # adjoints defined as `-a`: a + c folds to c - a

    # -- helpers --------------------------------------------------------------------------
    def emit(self, prim: Callable[..., Any], args: list[Atom], hint: str, loc: Any) -> Var:
        out = self.names.var(hint)
        self.out.append(Assign([out], prim, args, {}, loc, adjoint=True))
        self.kinds[out] = K.evaluate(prim, args, {}, self.kinds)
        return out

    def joined(self, like: K.Aval, *atoms: Atom) -> K.Aval:
        """The kind of an adjoint that is one of `atoms` (see `dtypes.joined`)."""
        return dtypes.joined(like, [K.kind(a, self.kinds) for a in atoms])

    def zero(self, like: Var) -> Atom:
        """A materialized zero adjoint for `like` (symbolic zeros need no code)."""
        aval = K.kind(like, self.kinds)
        if aval.kind == K.SCALAR:
            return Const(0.0)
        if aval.kind == ValueKind.ARRAY and aval.is_float:  # in its value's dtype, as its kind says
            dtype = [Const(aval.dtype)] if aval.dtype != "float64" else []
            out = self.emit(np.zeros, [Const(aval.shape), *dtype], "z" + like.name, None)
            self.kinds[out] = aval
            return out
        return self.emit(runtime.zeros_like, [like], "z" + like.name, None)

    def accum(self, v: Var, c: Atom, adj: Adj, renameable: bool = False, loc: Any = None
              ) -> None:
        """Add contribution `c` to the adjoint of `v`."""
        if isinstance(c, Const) and not isinstance(c.value, bool) and c.value == 0:
            return
        if v not in adj:
            last = self.out[-1] if self.out else None
            if renameable and isinstance(last, Assign) and last.outs == [c]:
                new = self.names.var("b" + v.name)
                last.outs = [new]
                self.kinds[new] = self.kinds.pop(c, K.ANY)  # type: ignore[arg-type]
                c = new
                if last.prim is operator.neg:
                    self.negations[new] = last.args[0]
            adj[v] = c
            return
        if adj[v] in self.negations and isinstance(c, Var):  # (-a) + c is c - a
            last = self.out[-1] if self.out else None
            shared = c is adj[v] or sum(a is adj[v] for a in adj.values()) > 1
            if isinstance(last, Assign) and last.outs == [adj[v]] and not shared:
                # unread yet, and no other value's adjoint: rewrite it
                last.prim, last.args = operator.sub, [c, self.negations.pop(adj[v])]
            else:
                adj[v] = self.emit(operator.sub, [c, self.negations[adj[v]]], "b" + v.name,
                                   loc)
            return
        last = self.out[-1] if self.out else None
        if renameable and isinstance(last, Assign) and last.outs == [c] and \
                last.prim is operator.neg:  # a + (-b) is a - b
            self.out.pop()
            adj[v] = self.emit(operator.sub, [adj[v], last.args[0]], "b" + v.name, loc)
            return
        adj[v] = self.emit(operator.add, [adj[v], c], "b" + v.name, loc)

    def apply_rule(self, rule: Callable[..., Any], g: Atom, s: Assign) -> tuple[Atom, bool]:
        src = rule_source(rule)
        lw = RuleLowerer(src, self.names, self.kinds)
        lw.bind(rule, [g, s.out, *s.args], s, self.out)
        start = len(self.out)
        lw.stmts(list(src.tree.body))
        value = lw.atom(lw.env["%retval"])
        for stmt in self.out[start:]:
            stmt.loc = s.loc
            if isinstance(stmt, Assign):
                stmt.adjoint = True
        return value, value in lw.temps

    # -- blocks ---------------------------------------------------------------------------
    def block_pair(self, block: Block, adj: Adj, rev: Block) -> Block:
        """Emit the adjoint of `block` into `rev`; return the forward block to run first."""
        forward = list(block)
        saved, self.out = self.out, rev
        try:
            for i in reversed(range(len(block))):
                forward[i:i + 1] = self.stmt(block[i], adj)
        finally:
            self.out = saved
        return forward

    def stmt(self, s: Stmt, adj: Adj) -> list[Stmt]:
        if isinstance(s, Assign):
            self.assign(s, adj)
            return [s]
        if isinstance(s, If):
            return self.if_(s, adj)
        return self.loop(s, adj)

    def assign(self, s: Assign, adj: Adj) -> None:
        if len(s.outs) != 1 or s.out not in adj or s.out not in self.active:
            return
        g = adj[s.out]
        if container_adjoint(self, s, g, adj):
            return
        if s.prim is operator.getitem and K.kind(s.args[0], self.kinds).kind == ValueKind.ARRAY:
            return self._getitem_array(s, g, adj)
        rule = lookup(s.prim)
        if rule is None:
            raise missing_rule(s)
        check_keywords(s, self.active)
        scalar = all(K.is_scalar(a, self.kinds) for a in s.args)
        order = [2, 1, 0] if s.prim is runtime.setitem else range(len(s.args))
        for i in order:
            a = s.args[i]
            if isinstance(a, Var) and a in self.active:
                vjp = rule.vjp(i, scalar)
                if vjp is None and rule.differentiable(i):  # linear, or a JVP only
                    raise missing_rule(s, rule, i)
                if vjp is not None:
                    c, renameable = self.apply_rule(vjp, g, s)
                    self.accum(a, c, adj, renameable, s.loc)

    def _getitem_array(self, s: Assign, g: Atom, adj: Adj) -> None:
        """The adjoint of `y = x[i]` on an array: add `g` into x's adjoint at `i`."""
        x, index = s.args
        if not (isinstance(x, Var) and x in self.active):
            return
        base = adj.get(x) or self.zero(x)
        if isinstance(base, Const):  # a scalar zero: x is a 0-d array
            base = self.emit(np.zeros, [Const(K.kind(x, self.kinds).shape)], "z" + x.name, s.loc)
        basic = _basic_index(index, self.kinds)
        prim = runtime.item_add if basic else runtime.index_add
        adj[x] = self.emit(prim, [base, index, g], "b" + x.name, s.loc)
        self.kinds[adj[x]] = K.kind(x, self.kinds)

    # -- if -------------------------------------------------------------------------------
    def if_(self, s: If, adj: Adj) -> list[Stmt]:
        inner = defined_in(s.then) | defined_in(s.orelse) | set(s.outs)
        branches = []
        for block, results in ((s.then, s.then_results), (s.orelse, s.else_results)):
            adj_b = dict(adj)
            rev_b: Block = []
            saved, self.out = self.out, rev_b
            for r, o in zip(results, s.outs):
                if o in adj and isinstance(r, Var) and r in self.active:
                    self.accum(r, adj[o], adj_b)
            self.out = saved
            fwd_b = self.block_pair(block, adj_b, rev_b)
            branches.append((fwd_b, rev_b, adj_b))
        changed = []
        for v in dict.fromkeys([*branches[0][2], *branches[1][2]]):
            a, b = branches[0][2].get(v), branches[1][2].get(v)
            if v in inner or (a is adj.get(v) and b is adj.get(v)):
                continue
            if a is b:  # the same adjoint on both paths (defined before the if)
                adj[v] = a  # type: ignore[assignment]
            else:
                changed.append(v)
        results = []
        for fwd_b, rev_b, adj_b in branches:
            saved, self.out = self.out, rev_b
            results.append([adj_b.get(v) or self.zero(v) for v in changed])
            self.out = saved
        forward = self._export(s, branches[0][0], branches[0][1], branches[1][0], branches[1][1],
                               results)
        if changed:
            outs = [self.names.var("b" + v.name) for v in changed]
            self.out.append(If(s.cond, branches[0][1], branches[1][1], results[0], results[1],
                               outs, s.loc))
            for k, (v, o) in enumerate(zip(changed, outs)):
                adj[v] = o
                self.kinds[o] = self.joined(K.kind(v, self.kinds), results[0][k], results[1][k])
        return [forward]

    def _export(self, s: If, fwd_t: Block, rev_t: Block, fwd_e: Block, rev_e: Block,
                rev_results: list[list[Atom]]) -> If:
        """The forward `if`, with the values its reverse branches read as extra outs (in
        their statements or directly as their results, e.g. the adjoint `u2` of `b * u2`)."""
        then_res, else_res, outs = list(s.then_results), list(s.else_results), list(s.outs)
        for fwd, rev, res, own, other in ((fwd_t, rev_t, rev_results[0], then_res, else_res),
                                          (fwd_e, rev_e, rev_results[1], else_res, then_res)):
            needed = sorted(free_vars(rev, res) & defined_in(fwd), key=lambda v: v.name)
            mapping: dict[Var, Atom] = {}
            for v in needed:
                out = self.names.var(v.name)
                own.append(v)
                other.append(Const(UNDEF))
                outs.append(out)
                self.kinds[out] = K.kind(v, self.kinds)
                mapping[v] = out
            substitute(rev, mapping)
            res[:] = [mapping.get(a, a) if isinstance(a, Var) else a for a in res]
        return If(s.cond, fwd_t, fwd_e, then_res, else_res, outs, s.loc)

    # -- loops ----------------------------------------------------------------------------
    def loop(self, s: For | While, adj: Adj) -> list[Stmt]:
        live = [k for k, c in enumerate(s.carried) if c in self.active]
        inner = defined_in(s.body) | set(s.carried) | defined_in(s.cond_block if isinstance(
            s, While) else []) | ({s.index} if isinstance(s, For) else set())
        invariant = sorted((v for v in free_vars(s.body, s.next)
                            if v in self.active and v not in inner), key=lambda v: v.name)
        if not live and not invariant:
            return [s]
        r_carried = [self.names.var("b" + s.carried[k].name) for k in live] + \
                    [self.names.var("b" + v.name) for v in invariant]
        inits = [adj.get(s.outs[k]) or self.zero(s.outs[k]) for k in live] + \
                [adj.get(v) or self.zero(v) for v in invariant]
        for v, kind in zip(r_carried, [*[s.carried[k] for k in live], *invariant]):
            self.kinds[v] = K.kind(kind, self.kinds)
        adj_b: Adj = dict(zip(invariant, r_carried[len(live):]))
        rev_b: Block = []
        saved, self.out = self.out, rev_b
        for k, rc in zip(live, r_carried):
            n = s.next[k]
            if isinstance(n, Var) and n in self.active:
                self.accum(n, rc, adj_b)
        self.out = saved
        fwd_body = self.block_pair(s.body, adj_b, rev_b)
        saved, self.out = self.out, rev_b
        r_next = [adj_b.get(s.carried[k]) or self.zero(s.carried[k]) for k in live] + \
                 [adj_b[v] for v in invariant]
        self.out = saved
        inner |= defined_in(fwd_body)  # with the values nested ifs export
        return self._finish_loop(s, adj, live, invariant, fwd_body, rev_b, r_carried, inits,
                                 r_next, inner)

    def _finish_loop(self, s: For | While, adj: Adj, live: list[int], invariant: list[Var],
                     fwd_body: Block, rev_b: Block, r_carried: list[Var], inits: list[Atom],
                     r_next: list[Atom], inner: set[Var]) -> list[Stmt]:
        before: list[Stmt] = []
        fwd = _copy_loop(s, fwd_body)
        if isinstance(s, For):
            index = self.names.var(s.index.name)
            substitute(rev_b, {s.index: index})
            start, stop, step, backwards = s.start, s.stop, s.step, True
        needed = sorted(free_vars(rev_b, r_next) & inner, key=lambda v: v.name)
        stack_out = stacks.push(self.names, fwd, needed, before, self.stacks) \
            if needed else None
        if isinstance(s, While):  # one push per trip: the stack's length counts them
            trips = stacks.count_trips(self.names, fwd, self.stacks) if stack_out is None \
                else self.emit(len, [stack_out], "trips", s.loc)
            index = self.names.var("_")
            start, stop, step, backwards = Const(0), trips, Const(1), False
        if stack_out is not None:
            stack, rest, r_next = stacks.pop(self.names, self.kinds, rev_b, needed, r_next)
            r_carried, inits, r_next = [stack, *r_carried], [stack_out, *inits], [rest, *r_next]
        outs = [self.names.var(v.name) for v in r_carried]
        for o, c, i, n in zip(outs, r_carried, inits, r_next):
            self.kinds[o] = self.joined(self.kinds.get(c, K.ANY), i, n)
        self.out.append(For(start, stop, step, index, r_carried, inits, rev_b, r_next, outs,
                            backwards, s.loc))
        outs = outs[len(outs) - len(live) - len(invariant):]
        for v, o in zip(invariant, outs[len(live):]):
            adj[v] = o  # the reverse loop started from adj[v], so this replaces it
        for k, o in zip(live, outs):
            init = s.inits[k]
            if isinstance(init, Var) and init in self.active:
                self.accum(init, o, adj)
        return [*before, fwd]



def _basic_index(index: Atom, kinds: K.Avals) -> bool:
    """An index that names each item at most once: ints, slices, None, Ellipsis."""
    if isinstance(index, Var):
        aval = K.kind(index, kinds)
        return aval.kind == K.SCALAR and aval.is_integral and aval.dtype != "bool"
    items = index.value if isinstance(index.value, tuple) else (index.value,)
    return all(isinstance(i, (int, slice)) or i is None or i is Ellipsis for i in items) \
        and not any(isinstance(i, bool) for i in items)


def _copy_loop(s: For | While, body: Block) -> For | While:
    if isinstance(s, For):
        return For(s.start, s.stop, s.step, s.index, list(s.carried), list(s.inits), body,
                   list(s.next), list(s.outs), s.reverse, s.loc)
    return While(list(s.carried), list(s.inits), s.cond_block, s.cond, body, list(s.next),
                 list(s.outs), s.loc)
