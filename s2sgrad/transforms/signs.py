"""Sign folding: `Function -> Function`.

Reverse mode produces many unary minuses: the adjoint of `1 / u` is `-g * ans / u`, that of
`exp(-z)` passes a minus through `z`. Each costs an operation, and two in a row cancel. The
pass moves a minus outward through its one use, in the same block, until it cancels or is
absorbed by an addition or subtraction:

    (-a) * b, a * (-b), (-a) / b  ->  -(a * b) ...   (then the outer minus moves on)
    c + (-a), (-a) + c             ->  c - a
    c - (-a)                       ->  c + a
    (-a) - c                       ->  -(a + c)
    -(-a)                          ->  a
    -1.0 * a                       ->  -a
    x[i] += -a                     ->  x[i] -= a      (an adjoint accumulated at an index)

Negation is exact in IEEE arithmetic and commutes with products and quotients bit for bit,
and `c + (-a)` is `c - a` by definition, so the results are unchanged. Scalars and float
arrays are rewritten. On arrays a minus moves outward only onto an array of the same shape
as the one it leaves (`(-a) * b` with `b` broadcasting `a` to a bigger shape stays), so no
rewrite negates more numbers than before.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from dataclasses import replace
from typing import Callable

from ..analysis import kinds as K
from .. import runtime
from ..ir.builder import substitute
from ..ir.core import (Assign, Atom, Block, Const, For, Function, If, NameSupply, Var, While,
                       walk)
from ..analysis.kinds import ValueKind

_MOVES = (operator.mul, operator.truediv, operator.add, operator.sub, operator.neg)
_FLIP_UPDATE = {runtime.item_add: runtime.item_sub, runtime.item_sub: runtime.item_add}


def fold_signs(fn: Function) -> Function:
    pass_ = _Signs(fn)
    body = pass_.block(fn.body)
    substitute(body, pass_.mapping)
    results = [pass_.resolve(a) for a in fn.results]
    renamed = pass_.renamed()
    substitute(body, renamed)
    results = [renamed.get(a, a) if isinstance(a, Var) else a for a in results]
    return replace(fn, body=body, results=results)


class _Signs:
    def __init__(self, fn: Function):
        self.kinds = fn.avals
        self.names = NameSupply.for_function(fn)
        self.uses = use_counts(fn)
        self.mapping: dict[Var, Atom] = {}  # `-(-a)`: the out now reads `a`
        self.absorbed: set[Var] = set()  # minuses that a later statement took in
        self.flips: list[tuple[Assign, Var]] = []  # (computes the positive, its negation)
        self.cancelled: dict[Var, str] = {}  # positive value -> the name of `-(-value)`

    def resolve(self, a: Atom) -> Atom:
        while isinstance(a, Var) and a in self.mapping:
            a = self.mapping[a]
        return a

    def block(self, block: Block) -> Block:
        negs: dict[Var, Atom] = {}  # `n = -a` defined in this block, with one use: n -> a
        out: Block = []
        for s in block:
            if isinstance(s, If):
                s.then, s.orelse = self.block(s.then), self.block(s.orelse)
            elif isinstance(s, For):
                s.body = self.block(s.body)
            elif isinstance(s, While):
                s.cond_block, s.body = self.block(s.cond_block), self.block(s.body)
            elif self._movable(s):
                self._rewrite(s, negs, out)
                continue
            elif s.prim in _FLIP_UPDATE and len(s.args) == 3 and s.args[2] in negs:
                self.absorbed.add(s.args[2])  # x[i] += -a is x[i] -= a
                s.prim, s.args = _FLIP_UPDATE[s.prim], [*s.args[:2], negs[s.args[2]]]
            out.append(s)
        return [s for s in out if not (isinstance(s, Assign) and s.outs[:1] and
                                       s.outs[0] in self.absorbed)]

    def renamed(self) -> dict[Var, Atom]:
        """A positive value whose minus a `-(-a)` cancelled is what the outer minus made,
        and takes its name (`bu8`), which is free now. Other positive values keep the name
        `neg_bu11`: they are the negation of the adjoint `bu11`, and say so (temporaries
        `u<N>` just get a new number)."""
        mapping: dict[Var, Atom] = {}
        for s, negated in self.flips:
            if s.out in self.cancelled:
                mapping[s.out] = Var(self.cancelled[s.out])
                self.kinds[mapping[s.out]] = self.kinds.get(s.out, K.ANY)
                s.outs = [mapping[s.out]]
        return mapping

    def _movable(self, s: Assign) -> bool:
        if s.prim not in _MOVES or len(s.outs) != 1 or s.kwargs or s.inplace:
            return False
        aval = K.kind(s.out, self.kinds)
        return aval.kind == K.SCALAR or (aval.kind == ValueKind.ARRAY and aval.is_float)

    def _same_size(self, s: Assign, args: list[Atom], inner: list[Atom | None]
                   ) -> list[Atom | None]:
        """The minuses `s` may take in: on an array result that stays negated, only when a
        negated operand has the result's shape (the minus moves onto as many numbers)."""
        out = K.kind(s.out, self.kinds)
        if out.kind == K.SCALAR or s.prim is operator.neg or not any(
                i is not None for i in inner):
            return inner
        if not _absorbed(s.prim, args, [i is not None for i in inner])[1]:
            return inner
        if out.shape is not None and any(
                i is not None and K.kind(a, self.kinds).shape == out.shape
                for a, i in zip(args, inner)):
            return inner
        return [None] * len(inner)

    def _rewrite(self, s: Assign, negs: dict[Var, Atom], out: Block) -> None:
        args = [self.resolve(a) for a in s.args]
        if s.prim is operator.mul and self._minus_one_times(args) is not None:
            s.prim, args = operator.neg, [self._minus_one_times(args)]
        inner = [negs.get(a) if isinstance(a, Var) else None for a in args]
        inner = self._same_size(s, args, inner)
        self.absorbed.update(a for a, i in zip(args, inner) if i is not None)
        if s.prim is operator.neg and inner[0] is not None:
            self.mapping[s.out] = inner[0]  # -(-a) is a
            if isinstance(inner[0], Var):
                self.cancelled.setdefault(inner[0], s.out.name)
            return
        plain = [i if i is not None else a for a, i in zip(args, inner)]
        prim, flipped = _absorbed(s.prim, plain, [i is not None for i in inner])
        s.args = [plain[1], plain[0]] if _swapped(s.prim, inner) else plain
        s.prim = prim
        if flipped:  # compute the positive value, and keep the minus as its own statement
            result = s.out
            temporary = re.fullmatch(r"u\d+(_\d+)*", result.name)
            positive = self.names.var(result.name if temporary else "neg_" + result.name)
            self.kinds[positive] = K.kind(result, self.kinds)
            s.outs = [positive]
            out.append(s)
            self.flips.append((s, result))
            s = Assign([result], operator.neg, [positive], {}, s.loc, s.adjoint)
        if s.prim is operator.neg and self.uses[s.out] == 1:
            negs[s.out] = s.args[0]
        out.append(s)


    def _minus_one_times(self, args: list[Atom]) -> Atom | None:
        """`x` in `-1.0 * x` or `x * -1.0`, when `x` is a float (so `-x` is the same)."""
        for one, x in (args, args[::-1]):
            if isinstance(one, Const) and type(one.value) in (int, float) and \
                    one.value == -1 and K.kind(x, self.kinds).is_float and \
                    K.kind(x, self.kinds).kind in (K.SCALAR, ValueKind.ARRAY):
                return x
        return None


def _absorbed(prim: Callable, args: list[Atom], neg: list[bool]
              ) -> tuple[Callable, bool]:
    """The primitive to apply to the un-negated `args`, and whether its result is negated."""
    if prim is operator.neg or not any(neg):
        return prim, False
    if prim in (operator.mul, operator.truediv):
        return prim, neg[0] != neg[1]
    if prim is operator.add:
        return (operator.add, True) if all(neg) else (operator.sub, False)
    # subtraction: (-a) - c is -(a + c); c - (-a) is c + a; (-a) - (-b) is b - a
    if all(neg):
        return operator.sub, False
    return (operator.add, True) if neg[0] else (operator.add, False)


def _swapped(prim: Callable, inner: list[Atom | None]) -> bool:
    """Whether the absorbed form reads its arguments the other way round."""
    if prim is operator.add:
        return inner[0] is not None and inner[1] is None  # (-a) + c is c - a
    return prim is operator.sub and all(i is not None for i in inner)  # b - a


def use_counts(fn: Function) -> Counter:
    """How many times each variable is read, anywhere in `fn` (nested blocks included)."""
    reads: list[Atom] = list(fn.results)
    for s in walk(fn.body):
        if isinstance(s, Assign):
            reads += [*s.args, *s.kwargs.values()]
        elif isinstance(s, If):
            reads += [s.cond, *s.then_results, *s.else_results]
        elif isinstance(s, For):
            reads += [s.start, s.stop, s.step, *s.inits, *s.next]
        else:
            reads += [*s.inits, s.cond, *s.next]
    return Counter(a for a in reads if isinstance(a, Var))
