"""Lowering a derivative rule's source where it is applied.

The transforms (reverse, forward and vector mode) lower a rule's body into the program with
its parameters bound to the statement's atoms (`RuleLowerer.bind`), so constant arguments
fold and the emitted code reads like the rule. A rule that calls
`rules.numpy_common.unsupported` meets a case it cannot differentiate: that is a
`MissingRuleError` at the user's line, raised here when the rule always reaches the call,
or by the call itself, given that line, when a branch decided at run time reaches it.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..analysis import kinds as K
from .. import runtime
from ..errors import MissingRuleError
from ..frontend.lower import Lowerer
from ..frontend.lower_expr import Tup
from ..frontend.parse import Source, parse
from ..ir.core import Assign, Atom, Block, Const, NameSupply, Var
from ..rules.numpy_common import unsupported
from . import simplify


class RuleLowerer(Lowerer):
    """Lowers a rule's source, simplifying as it goes and tracking scalar kinds."""

    def __init__(self, src: Source, names: NameSupply, kinds: dict[Var, str]):
        super().__init__(src, names)
        self.kinds = kinds
        self.ret_arities = set()
        self.top: Block = []  # the block the rule is applied in
        self.at: Any = None  # the user's line it is applied for

    def bind(self, rule: Callable[..., Any], values: list[Atom], s: Assign, block: Block
             ) -> None:
        """Bind the rule's parameters to `values`, then to their defaults and `s`'s keyword
        arguments, to lower its body into `block` for the user's statement `s`. A `*rest`
        parameter holds the values left over, as a tuple the compiler sees."""
        params = self.src.tree.args
        names = [a.arg for a in params.args]
        env: dict[str, Any] = dict(zip(names, values))
        if params.vararg is not None:
            env[params.vararg.arg] = Tup(tuple(values[len(names):]))
        defaults = rule.__defaults__ or ()
        for name, value in zip(names[len(names) - len(defaults):], defaults):
            env.setdefault(name, Const(value))
        env.update(s.kwargs)
        env["%ret"] = Const(False)
        self.env, self.block, self.top, self.at = env, block, block, s.loc

    def unsupported(self, args: list[Atom], node: Any) -> Atom:
        """A call of `unsupported(x, what, hint)` in a rule: the error, at the user's line,
        now if the rule always reaches it, else when the branch that reaches it runs."""
        what, hint = (args + [Const("")] * 3)[1:3]
        if self.block is self.top and isinstance(what, Const) and isinstance(hint, Const):
            raise MissingRuleError(f"no derivative rule for {what.value}", self.at,
                                   hint.value or None)
        at = [Const(self.at.filename), Const(self.at.lineno), Const(self.at.col)] \
            if self.at is not None else []
        return self.emit(unsupported, [args[0], what, hint, *at], node)

    def apply(self, prim: Callable[..., Any], args: list[Atom], node: Any,
              kwargs: dict[str, Atom] | None = None) -> Atom:
        if prim is unsupported:
            return self.unsupported(list(args), node)
        if not kwargs:
            simpler = simplify.rewrite(prim, args, self.kinds)
            if simpler is not None:
                return simpler
        if prim is runtime.unbroadcast and not kwargs:
            summed = self._sum_to(args[0], args[1], node)
            if summed is not None:
                return summed
        out = super().apply(prim, args, node, kwargs)
        known = self.kinds.get(out) if isinstance(out, Var) else None
        if known is not None and known.value is not None and self.block and \
                self.block[-1].outs == [out]:  # a size or shape known at compile time
            self.block.pop()
            return Const(known.value)
        return out

    def joined(self, out: Var, a: Atom, b: Atom) -> None:
        self.kinds[out] = K.join(K.kind(a, self.kinds), K.kind(b, self.kinds))

    def _named(self, value: Any, name: str) -> Any:
        """A rule's local (`hit = x == ans`) takes the name and keeps the kind (shape)."""
        out = super()._named(value, name)
        if out is not value and value in self.kinds:
            self.kinds[out] = self.kinds[value]
        return out

    def emit(self, prim: Callable[..., Any], args: list[Atom], node: Any,
             hint: str | None = None, kwargs: dict[str, Atom] | None = None) -> Var:
        out = super().emit(prim, args, node, hint, kwargs)
        self.kinds[out] = K.evaluate(prim, args, kwargs or {}, self.kinds)
        return out

    def _sum_to(self, g: Atom, x: Atom, node: Any) -> Atom | None:
        """`unbroadcast(g, x)` as explicit sums over the broadcast axes, when shapes are known."""
        gs, xs = K.kind(g, self.kinds).shape, K.kind(x, self.kinds).shape
        if gs is None or xs is None or len(gs) < len(xs):
            return None
        lead = len(gs) - len(xs)
        ones = tuple(i for i, n in enumerate(xs) if n == 1 and gs[lead + i] != 1)
        out = g
        if lead:
            axis = Const(0 if lead == 1 else tuple(range(lead)))
            out = self.apply(np.sum, [out], node, {"axis": axis})
        if ones:
            axis = Const(ones[0] if len(ones) == 1 else ones)
            out = self.apply(np.sum, [out], node, {"axis": axis, "keepdims": Const(True)})
        return out


_SOURCES: dict[Any, Source] = {}


def rule_source(rule: Callable[..., Any]) -> Source:
    """The parsed source of a rule, once per rule."""
    if rule not in _SOURCES:
        _SOURCES[rule] = parse(rule, rule=True)
    return _SOURCES[rule]
