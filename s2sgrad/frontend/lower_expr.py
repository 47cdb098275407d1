"""Expressions to three-address SSA: the expression half of `lower`.

A lowered expression is a `Value`: an `Atom`, or a `Tup` when Python builds a tuple or list
the compiler can see (`a, b = b, a`, `return x, y`). Static tuples never reach the IR unless
they must (a loop carries one, or a call receives one), so unpacking costs nothing.

`and`, `or`, chained comparisons and `x if c else y` keep Python's short-circuit meaning by
lowering to an `If`. Operands that are only comparisons of names use eager `logical_and` /
`logical_or` instead, which print back as `a and b`.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Any, Callable, Union

import numpy as np

from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..ir.core import UNDEF, Assign, Atom, Const, If, NameSupply, Var
from .parse import record_attribute

BINOPS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
UNARY: dict[type, Callable[..., Any]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
    ast.Invert: operator.invert,
}
COMPARE: dict[type, Callable[..., Any]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_,
    ast.IsNot: operator.is_not, ast.In: operator.contains, ast.NotIn: operator.contains,
}
_FOLDABLE = (int, float, bool, complex, str, type(None), tuple)  # tuple: axes, shapes


@dataclass(frozen=True)
class Tup:
    """A tuple, list or dict the compiler can see; `keys` is set for a dict."""

    items: tuple["Value", ...]
    is_list: bool = False
    keys: tuple | None = None

    def lookup(self, key: Any) -> "Value":
        if self.keys is not None:
            return self.items[self.keys.index(key)]
        picked = self.items[key]
        return Tup(tuple(picked), self.is_list) if isinstance(key, slice) else picked


Value = Union[Var, Const, Tup]
Env = dict[str, Value]


class ExprLowerer:
    """State and expression lowering shared with the statement lowerer."""

    def __init__(self, src: Any, names: NameSupply):
        self.src = src
        self.names = names
        self.block: list = []
        self.env: Env = {}
        self.temps: set[Var] = set()

    # -- emitting -------------------------------------------------------------------------
    def emit(self, prim: Callable[..., Any], args: list[Atom], node: ast.AST | None,
             hint: str | None = None, kwargs: dict[str, Atom] | None = None) -> Var:
        out = self.names.var(hint) if hint else self.names.temp()
        if not hint:
            self.temps.add(out)
        loc = self.src.loc(node) if node is not None else None
        self.block.append(Assign([out], prim, list(args), kwargs or {}, loc))
        return out

    def atom(self, value: Value, node: ast.AST | None = None) -> Atom:
        """A value as one atom: a static tuple is built at run time."""
        if not isinstance(value, Tup):
            return value
        items = [self.atom(v, node) for v in value.items]
        if value.keys is not None:
            return self.emit(runtime.make_dict, [Const(value.keys), *items], node)
        if all(isinstance(a, Const) for a in items):
            seq = [a.value for a in items]
            return Const(seq if value.is_list else tuple(seq))
        return self.emit(runtime.make_list if value.is_list else runtime.make_tuple,
                         items, node)

    def sub(self, env: Env, lower: Callable[[], Any]) -> tuple[list, Env, Any]:
        """Lower into a fresh block with its own environment."""
        saved = self.block, self.env
        self.block, self.env = [], env
        try:
            result = lower()
            return self.block, self.env, result
        finally:
            self.block, self.env = saved

    def error(self, node: ast.AST, message: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(message, self.src.loc(node), hint)

    # -- expressions ----------------------------------------------------------------------
    def expr(self, node: ast.expr) -> Value:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, f"'{type(node).__name__}' expressions are not supported",
                             "rewrite the expression with arithmetic, calls and names")
        return method(node)

    def expr_atom(self, node: ast.expr) -> Atom:
        return self.atom(self.expr(node), node)

    def _Constant(self, node: ast.Constant) -> Value:
        return Const(node.value)

    def _Name(self, node: ast.Name) -> Value:
        if node.id in self.env:
            value = self.env[node.id]
            if value == Const(UNDEF):
                raise self.error(node, f"'{node.id}' is used before it is assigned",
                                 "assign it on every path before this line")
            return value
        return Const(self.src.resolve(node.id, node))

    def _Tuple(self, node: ast.Tuple) -> Value:
        return Tup(tuple(self.expr(e) for e in node.elts))

    def _List(self, node: ast.List) -> Value:
        return Tup(tuple(self.expr(e) for e in node.elts), is_list=True)

    def _Dict(self, node: ast.Dict) -> Value:
        keys = [self.expr(k) if k is not None else None for k in node.keys]
        if not all(isinstance(k, Const) for k in keys):
            raise self.error(node, "dict keys must be constants",
                             "write the dict with literal keys, like {'loss': x}")
        values = [self.expr_atom(v) for v in node.values]
        return self.emit(runtime.make_dict, [Const(tuple(k.value for k in keys)), *values],
                         node)

    def _BinOp(self, node: ast.BinOp) -> Value:
        a, b = self.expr_atom(node.left), self.expr_atom(node.right)
        return self.apply(BINOPS[type(node.op)], [a, b], node)

    def _UnaryOp(self, node: ast.UnaryOp) -> Value:
        return self.apply(UNARY[type(node.op)], [self.expr_atom(node.operand)], node)

    def apply(self, prim: Callable[..., Any], args: list[Atom], node: ast.AST,
              kwargs: dict[str, Atom] | None = None) -> Atom:
        """Emit `prim(*args)`, folding it when every argument is a number constant."""
        if not kwargs and all(isinstance(a, Const) and isinstance(a.value, _FOLDABLE)
                              for a in args) and _pure(prim):
            try:
                return Const(prim(*[a.value for a in args]))
            except Exception:
                pass
        return self.emit(prim, args, node, kwargs=kwargs)

    def _Compare(self, node: ast.Compare) -> Value:
        left = self.expr_atom(node.left)
        return self._chain(left, list(zip(node.ops, node.comparators)), node)

    def _chain(self, left: Atom, rest: list, node: ast.Compare) -> Atom:
        op, right_node = rest[0]
        right = self.expr_atom(right_node)
        value = self._compare(op, left, right, node)
        if len(rest) == 1:
            return value
        return self.short_circuit(value, lambda: self._chain(right, rest[1:], node),
                                  is_and=True, node=node)

    def _compare(self, op: ast.cmpop, a: Atom, b: Atom, node: ast.AST) -> Atom:
        if isinstance(op, (ast.In, ast.NotIn)):
            found = self.apply(operator.contains, [b, a], node)
            return self.apply(operator.not_, [found], node) if isinstance(op, ast.NotIn) \
                else found
        return self.apply(COMPARE[type(op)], [a, b], node)

    def _BoolOp(self, node: ast.BoolOp) -> Value:
        is_and = isinstance(node.op, ast.And)
        if all(_is_plain_test(v) for v in node.values):
            value = self.expr_atom(node.values[0])
            for v in node.values[1:]:
                prim = runtime.logical_and if is_and else runtime.logical_or
                value = self.apply(prim, [value, self.expr_atom(v)], node)
            return value
        return self._bool_chain(node.values, is_and, node)

    def _bool_chain(self, values: list[ast.expr], is_and: bool, node: ast.AST) -> Atom:
        first = self.expr_atom(values[0])
        if len(values) == 1:
            return first
        return self.short_circuit(first, lambda: self._bool_chain(values[1:], is_and, node),
                                  is_and, node)

    def short_circuit(self, first: Atom, rest: Callable[[], Atom], is_and: bool,
                      node: ast.AST) -> Atom:
        """`first and rest()` / `first or rest()`, evaluating `rest` only when needed."""
        if isinstance(first, Const):
            return rest() if bool(first.value) == is_and else first
        block, _, value = self.sub(dict(self.env), rest)
        out = self.names.temp()
        then, orelse = (block, []) if is_and else ([], block)
        results = ([value], [first]) if is_and else ([first], [value])
        self.block.append(If(first, then, orelse, *results, [out], self.src.loc(node)))
        return out

    def _IfExp(self, node: ast.IfExp) -> Value:
        cond = self.expr_atom(node.test)
        if isinstance(cond, Const):
            return self.expr(node.body if cond.value else node.orelse)
        then, _, a = self.sub(dict(self.env), lambda: self.expr_atom(node.body))
        orelse, _, b = self.sub(dict(self.env), lambda: self.expr_atom(node.orelse))
        out = self.names.temp()
        self.block.append(If(cond, then, orelse, [a], [b], [out], self.src.loc(node)))
        self.joined(out, a, b)
        return out

    def joined(self, out: Var, a: Atom, b: Atom) -> None:
        """`out` is `a` on one path and `b` on the other (subclasses track kinds)."""

    def _Attribute(self, node: ast.Attribute) -> Value:
        base = self.expr(node.value)
        if isinstance(base, Const):
            try:
                value = getattr(base.value, node.attr)
                record_attribute(base.value, node.attr, value)
                return Const(value)
            except AttributeError:
                raise self.error(node, f"{base.value!r} has no attribute '{node.attr}'",
                                 "check the spelling") from None
        return self.apply(runtime.attr(node.attr), [self.atom(base, node)], node)

    def _Subscript(self, node: ast.Subscript) -> Value:
        base = self.expr(node.value)
        index = self.expr(node.slice)
        if isinstance(base, Tup) and isinstance(index, Const):
            try:
                return base.lookup(index.value)
            except (IndexError, TypeError, KeyError, ValueError) as exc:
                raise self.error(node, f"bad index: {exc!r}", "check the index") from None
        if isinstance(base, Const) and _is_concatenator(base.value):
            items = index if isinstance(index, Tup) and not index.is_list else Tup((index,))
            return self.apply(runtime.index_concat, [base, self.atom(items, node)], node)
        return self.apply(operator.getitem, [self.atom(base, node), self.atom(index, node)],
                          node)

    def _Slice(self, node: ast.Slice) -> Value:
        parts = [self.expr_atom(p) if p is not None else Const(None)
                 for p in (node.lower, node.upper, node.step)]
        if all(isinstance(p, Const) for p in parts):
            return Const(slice(*[p.value for p in parts]))
        return self.emit(slice, parts, node)

    def _Call(self, node: ast.Call) -> Value:
        if isinstance(node.func, ast.Attribute):
            base = self.expr(node.func.value)
            if isinstance(base, Tup) and base.keys is not None and not node.args:
                view = {"keys": base.keys, "values": None, "items": None}
                if node.func.attr in view:
                    return self._dict_view(base, node.func.attr)
            if not isinstance(base, Const):
                args = [self.atom(base, node)] + [self.expr_atom(a) for a in node.args]
                return self.apply(runtime.method(node.func.attr), args, node,
                                  self._kwargs(node))
        fn = self.expr(node.func)
        if not isinstance(fn, Const) or not callable(fn.value):
            raise self.error(node, "only calls to functions known when the code is compiled "
                             "are supported", "call a module-level function by its name")
        return self.call(fn.value, node)

    def _dict_view(self, d: Tup, which: str) -> Tup:
        keys = tuple(Const(k) for k in d.keys or ())
        if which == "keys":
            return Tup(keys)
        if which == "values":
            return Tup(d.items)
        return Tup(tuple(Tup((k, v)) for k, v in zip(keys, d.items)))

    def _kwargs(self, node: ast.Call) -> dict[str, Atom]:
        return {k.arg: self.expr_atom(k.value) for k in node.keywords}

    def call(self, fn: Any, node: ast.Call) -> Value:
        args = [self.expr(a) for a in node.args]
        if fn in (min, max) and not node.keywords:
            if len(args) == 1 and isinstance(args[0], Tup):
                args = list(args[0].items)
            if len(args) >= 2:
                value = self.atom(args[0], node)
                for arg in args[1:]:
                    value = self.apply(fn, [value, self.atom(arg, node)], node)
                return value
        if fn in (tuple, list) and len(args) == 1 and isinstance(args[0], Tup):
            return Tup(args[0].items, is_list=fn is list)
        if fn is len and len(args) == 1 and isinstance(args[0], Tup):
            return Const(len(args[0].items))
        if fn is range:
            raise self.error(node, "range() is only supported as the iterable of a for loop",
                             "write the loop as `for i in range(...)`")
        atoms = [self.atom(a, node) for a in args]
        return self.apply(fn, atoms, node, self._kwargs(node))


def _is_concatenator(value: Any) -> bool:
    """Whether `value` is `np.r_` or `np.c_`, whose `[...]` joins arrays (and ranges)."""
    return value is np.r_ or value is np.c_


def _pure(prim: Any) -> bool:
    return prim in BINOPS.values() or prim in UNARY.values() or prim in COMPARE.values() \
        or getattr(prim, "__module__", None) == "math" \
        or prim in (abs, min, max, float, int, pow, round, bool)


def _is_plain_test(node: ast.expr) -> bool:
    """A comparison of names/constants (or `not` of one): safe to evaluate eagerly."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _is_plain_test(node.operand)
    if isinstance(node, ast.Name):
        return node.id.startswith("%")
    if isinstance(node, ast.Compare):
        return all(isinstance(e, (ast.Name, ast.Constant))
                   for e in [node.left, *node.comparators]) and not any(
            isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
    return False

