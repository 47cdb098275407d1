"""Codegen: IR to a Python `ast.Module` (`Function -> ast.Module`).

Out of SSA: every `Var` becomes a Python local. Loop-carried values are assigned before the
loop and at the end of each iteration; branch results are assigned at the end of each branch.
`names.py` picks the Python names so that most of those copies disappear.

Operators print as operators, tuples as tuples, `getattr` and `getitem` as attribute and item
access, the loop stacks as `list.append` / `list.pop`. Anything else is a call to the object,
named as the user would name it (`math.sin`, `np.tanh`, `abs`), with the object bound in the
module's namespace. Comments are `ast.Name` nodes whose text starts with `#`; astor prints
them verbatim, so they are real comments in the source that is compiled.
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
import os
from typing import Any

import numpy as np

from ..ir.core import (UNDEF, Assign, Atom, Block, Const, For, Function, If, Var, While,
                       atoms_read, walk)
from .. import runtime
from ..analysis.aliasing import in_place_updates
from ..ir.builder import defined_in
from .inline import inline_temporaries
from .names import python_names
from ..ir.builder import block_reads as reads_in
from ..analysis.kinds import ValueKind

_BINOP = {operator.add: ast.Add, operator.sub: ast.Sub, operator.mul: ast.Mult,
          operator.truediv: ast.Div, operator.floordiv: ast.FloorDiv, operator.mod: ast.Mod,
          operator.pow: ast.Pow, operator.matmul: ast.MatMult, operator.and_: ast.BitAnd,
          operator.or_: ast.BitOr, operator.xor: ast.BitXor, operator.lshift: ast.LShift,
          operator.rshift: ast.RShift}
_CMP = {operator.lt: ast.Lt, operator.le: ast.LtE, operator.gt: ast.Gt, operator.ge: ast.GtE,
        operator.eq: ast.Eq, operator.ne: ast.NotEq, operator.is_: ast.Is,
        operator.is_not: ast.IsNot}
_UNARY = {operator.neg: ast.USub, operator.pos: ast.UAdd, operator.not_: ast.Not,
          operator.invert: ast.Invert}
_LITERALS = (int, float, bool, str, type(None))
_ARITH = (operator.add, operator.sub, operator.mul, operator.truediv)


def _printable(value: Any) -> bool:
    """A constant codegen writes out: literals, and slices and tuples of them, and `...`."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, _LITERALS) or value is Ellipsis:
        return True
    if isinstance(value, slice):
        return all(_printable(v) for v in (value.start, value.stop, value.step))
    return isinstance(value, tuple) and all(_printable(v) for v in value)


def to_module(fn: Function, namespace: dict[str, Any]) -> ast.Module:
    """The module defining `fn`; objects it references are added to `namespace`."""
    gen = _Codegen(fn, namespace)
    params = fn.params
    if fn.split is None:
        body = gen.block(fn.body) + [_return([gen.atom(a) for a in fn.results])]
    else:  # split motion: the reverse sweep becomes a closure that can run many times
        k = fn.split
        at = next(i for i, s in enumerate(fn.body) if isinstance(s, Assign) and
                  s.prim is runtime.sweep_marker)
        inner = gen.block(fn.body[at + 1:]) + [_return([gen.atom(a) for a in fn.results[k:]])]
        pullback = _def("pullback", [gen.name(p) for p in fn.params[-k:]], inner)
        outs = _return([gen.atom(a) for a in fn.results[:k]]).value
        body = gen.block(fn.body[:at]) + [pullback, ast.Return(ast.Tuple(
            [outs, ast.Name("pullback", ast.Load())], ast.Load()))]
        params = fn.params[:-k]
    if fn.alias_check is not None:
        body.insert(0, _alias_check(fn.alias_check, [gen.name(p) for p in params], namespace))
    fdef = _def(fn.name, [gen.name(p) for p in params], body)
    inline_temporaries(fdef)
    return ast.fix_missing_locations(ast.Module(body=[fdef], type_ignores=[]))


def _alias_check(check: Any, params: list[str], namespace: dict[str, Any]) -> ast.stmt:
    """`if _may_share(x, y) or ...: _check_aliases(x, y, ...)`: one bounds test per pair of
    a written argument and another (`np.may_share_memory`, about 0.2 us); the exact test
    and the error only when one may share."""
    namespace["_check_aliases"], namespace["_may_share"] = check, np.may_share_memory
    names = params[:len(check.params)]
    tests = [ast.Call(ast.Name("_may_share", ast.Load()), [ast.Name(names[i], ast.Load()),
                                                           ast.Name(names[j], ast.Load())], [])
             for i, j in check.pairs()]
    call = ast.Call(ast.Name("_check_aliases", ast.Load()),
                    [ast.Name(n, ast.Load()) for n in names], [])
    test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)
    return ast.If(test, [ast.Expr(call)], [])


def _return(values: list[ast.expr]) -> ast.Return:
    return ast.Return(values[0] if len(values) == 1 else ast.Tuple(values, ast.Load()))


def _def(name: str, params: list[str], body: list[ast.stmt]) -> ast.FunctionDef:
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    return ast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                           type_comment=None)


class _Codegen:
    def __init__(self, fn: Function, namespace: dict[str, Any]):
        self.in_place = in_place_updates(fn)
        self.names = python_names(fn, self.in_place)
        self.taken = {self.name(v) for v in defined_in(fn.body) | set(fn.params)}  # not refs
        self.ns = namespace
        self.refs: dict[int, str] = {}
        self.last_line: int | None = None
        self.avals = fn.avals
        self.unused = _unused_trip_counts(fn) | self._shared_stacks(fn)
        self.throwaway = self._throwaway(fn)

    def _throwaway(self, fn: Function) -> str:
        """The name of loop indices no code reads: `_`, unless a value is called that."""
        used = {self.name(v) for v in fn.params}
        for s in walk(fn.body):
            used.update(self.name(v) for v in s.outs)
            if isinstance(s, (For, While)):
                used.update(self.name(v) for v in s.carried)
            if isinstance(s, For) and _index_used(s):
                used.add(self.name(s.index))
        name = "_"
        while name in used:
            name += "_"
        return name

    def _shared_stacks(self, fn: Function) -> set[Var]:
        """Copies of stacks for a pullback that only loops walking them backwards read: the
        pullback may share the forward sweep's stack, which nothing mutates."""
        shared: set[Var] = set()
        for s in fn.body:
            if not (isinstance(s, Assign) and s.prim is runtime.stack_copy):
                continue
            users = [u for u in walk(fn.body) if s.out in atoms_read(u)]
            if users and all(isinstance(u, For) and _iterated_stack(u) is not None and
                             u.inits[_iterated_stack(u)] is s.out and
                             s.out not in (*u.inits[:_iterated_stack(u)],
                                           *u.inits[_iterated_stack(u) + 1:])
                             for u in users) and s.out not in reads_in([], fn.results):
                shared.add(s.out)
                self.names[s.out] = self.name(s.args[0])
        return shared

    def name(self, v: Var) -> str:
        return self.names.get(v, v.name)

    def load(self, v: Var) -> ast.Name:
        return ast.Name(self.name(v), ast.Load())

    def store(self, v: Var) -> ast.Name:
        return ast.Name(self.name(v), ast.Store())

    # -- atoms and references ------------------------------------------------------------
    def atom(self, a: Atom) -> ast.expr:
        return self.load(a) if isinstance(a, Var) else self.const(a.value)

    def const(self, value: Any) -> ast.expr:
        if value is UNDEF:
            return ast.Constant(None)
        if isinstance(value, float) and not math.isfinite(value):
            return self.ref(value, "inf" if value > 0 else "nan" if value != value else "ninf")
        if isinstance(value, np.generic):
            return self.numpy_scalar(value)
        if isinstance(value, _LITERALS):
            return ast.Constant(value)
        if isinstance(value, tuple) and all(_printable(v) for v in value):
            return ast.Tuple([self.const(v) for v in value], ast.Load())
        if isinstance(value, slice) and _printable(value):  # inside x[...]: see index()
            return ast.Call(ast.Name("slice", ast.Load()), [
                self.const(v) for v in (value.start, value.stop, value.step)], [])
        if value is Ellipsis:
            return ast.Constant(Ellipsis)
        return self.ref(value, getattr(value, "__name__", "c"))

    def numpy_scalar(self, value: np.generic) -> ast.expr:
        """`np.float64(0.4)`: a NumPy scalar keeps its type (a global `np.float64(2.5)`
        folds into one), written as the call that makes it."""
        kind = type(value)
        if getattr(np, kind.__name__, None) is not kind or value.dtype.kind not in "biufc" \
                or (value.dtype.kind in "fc" and not np.isfinite(value)):
            return self.ref(value, "c")
        self.ns["np"] = np
        make = ast.Attribute(ast.Name("np", ast.Load()), kind.__name__, ast.Load())
        return ast.Call(make, [ast.Constant(value.item())], [])

    def _as_float(self, a: Atom, other: Atom, emitted: ast.expr) -> ast.expr:
        """`1 - x` as `1.0 - x` when `x` is a float scalar: the same value, and CPython's
        float-with-float arithmetic is the fast path."""
        if isinstance(a, Const) and type(a.value) is int and isinstance(other, Var):
            aval = self.avals.get(other)
            if aval is not None and aval.kind == ValueKind.SCALAR and aval.is_float:
                return ast.Constant(float(a.value))
        return emitted

    def index(self, a: Atom) -> ast.expr:
        """An index as written inside `x[...]`: slices as `a:b:c`."""
        if isinstance(a, Const) and isinstance(a.value, slice) and _printable(a.value):
            return ast.Slice(*[self.const(v) if v is not None else None
                               for v in (a.value.start, a.value.stop, a.value.step)])
        if isinstance(a, Const) and isinstance(a.value, tuple) and _printable(a.value):
            return ast.Tuple([self.index(Const(v)) for v in a.value], ast.Load())
        return self.atom(a)

    def ref(self, obj: Any, hint: str) -> ast.expr:
        """An expression that names `obj`: `math.sin`, `np.exp`, `abs`, or a bound name."""
        mod = getattr(obj, "__module__", None)
        name = getattr(obj, "__name__", None)
        if name and getattr(builtins, name, None) is obj:  # first: np.str warns
            return ast.Name(name, ast.Load())
        if mod == "math" and getattr(math, name or "", None) is obj:
            self.ns["math"] = math
            return ast.Attribute(ast.Name("math", ast.Load()), name, ast.Load())
        if name and getattr(np, name, None) is obj and not isinstance(obj, (int, float)):
            self.ns["np"] = np
            return ast.Attribute(ast.Name("np", ast.Load()), name, ast.Load())
        if name and getattr(np.linalg, name, None) is obj and mod == "numpy.linalg":
            self.ns["np"] = np
            linalg = ast.Attribute(ast.Name("np", ast.Load()), "linalg", ast.Load())
            return ast.Attribute(linalg, name, ast.Load())
        if id(obj) not in self.refs:
            base = hint.strip("<>").replace(".", "_") or "c"
            ref, n = base, 0
            while ref in self.ns and self.ns[ref] is not obj or ref in self.taken:
                n += 1
                ref = f"{base}_{n}"
            self.ns[ref] = obj
            self.refs[id(obj)] = ref
        return ast.Name(self.refs[id(obj)], ast.Load())

    # -- statements -----------------------------------------------------------------------
    def block(self, block: Block) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in block:
            if isinstance(s, Assign):
                if s.outs and all(v in self.unused for v in s.outs):
                    continue
                out += self.comment(s) + self.assign(s)
            elif isinstance(s, If):
                out += self.if_(s)
            elif isinstance(s, For):
                out += self.for_(s)
            else:
                out += self.while_(s)
        return out

    def comment(self, s: Assign) -> list[ast.stmt]:
        if not s.adjoint or s.loc is None or s.loc.lineno == self.last_line:
            return []
        self.last_line = s.loc.lineno
        text = s.loc.source_line().strip()
        where = f"{os.path.basename(s.loc.filename)}:{s.loc.lineno}"
        word = s.adjoint if isinstance(s.adjoint, str) else "adjoint"
        return [ast.Expr(ast.Name(f"# {word} of: {text}   [{where}]", ast.Load()))]

    def assign(self, s: Assign) -> list[ast.stmt]:
        p, args = s.prim, [self.atom(a) for a in s.args]
        if p is runtime.stack_push:
            item = args[1] if len(args) == 2 else ast.Tuple(args[1:], ast.Load())
            call = ast.Call(ast.Attribute(args[0], "append", ast.Load()), [item], [])
            return [ast.Expr(call)]
        if p is runtime.stack_pop:
            targets = [self.store(v) for v in s.outs[1:]]
            target = targets[0] if len(targets) == 1 else ast.Tuple(targets, ast.Store())
            pop = ast.Call(ast.Attribute(args[0], "pop", ast.Load()), [], [])
            return [ast.Assign([target], pop)]
        if p in runtime.UPDATES:
            return self.setitem(s, args)
        targets = [self.store(v) for v in s.outs]
        target = targets[0] if len(targets) == 1 else ast.Tuple(targets, ast.Store())
        return [ast.Assign([target], self.expr(s, args))]

    def setitem(self, s: Assign, args: list[ast.expr]) -> list[ast.stmt]:
        """`x[i] = v` (or `x[i] += v`) in place when allowed, else on a copy first."""
        out: list[ast.stmt] = []
        if id(s) not in self.in_place:
            copy = ast.Call(ast.Attribute(args[0], "copy", ast.Load()), [], [])
            out.append(ast.Assign([self.store(s.out)], copy))
        if s.prim is runtime.setitem:
            item = ast.Subscript(self.load(s.out), self.index(s.args[1]), ast.Store())
            return out + [ast.Assign([item], args[2])]
        if s.prim in (runtime.item_add, runtime.item_sub):
            item = ast.Subscript(self.load(s.out), self.index(s.args[1]), ast.Store())
            op = ast.Add() if s.prim is runtime.item_add else ast.Sub()
            return out + [ast.AugAssign(item, op, args[2])]
        self.ns["np"] = np
        add_at = ast.Attribute(ast.Attribute(ast.Name("np", ast.Load()), "add", ast.Load()),
                               "at", ast.Load())
        return out + [ast.Expr(ast.Call(add_at, [self.load(s.out), args[1], args[2]], []))]

    def expr(self, s: Assign, args: list[ast.expr]) -> ast.expr:
        p = s.prim
        if p in _BINOP and len(args) == 2:
            if p in _ARITH:
                args = [self._as_float(a, other, e) for a, other, e in
                        zip(s.args, s.args[::-1], args)]
            return ast.BinOp(args[0], _BINOP[p](), args[1])
        if p in _CMP and len(args) == 2:
            return ast.Compare(args[0], [_CMP[p]()], [args[1]])
        if p in _UNARY and len(args) == 1:
            return ast.UnaryOp(_UNARY[p](), args[0])
        if p in (runtime.logical_and, runtime.logical_or):
            op = ast.And() if p is runtime.logical_and else ast.Or()
            return ast.BoolOp(op, args)
        if p is operator.contains:
            return ast.Compare(args[1], [ast.In()], [args[0]])
        if isinstance(p, type(runtime.attr("x"))):
            return ast.Attribute(args[0], p.name, ast.Load())
        if p is operator.getitem:
            return ast.Subscript(args[0], self.index(s.args[1]), ast.Load())
        if p in (runtime.make_tuple, runtime.make_list):
            return (ast.Tuple if p is runtime.make_tuple else ast.List)(args, ast.Load())
        if p is runtime.make_dict:
            return ast.Dict([self.const(k) for k in s.args[0].value], args[1:])
        if p is runtime.stack_new:
            return ast.List([], ast.Load())
        kws = [ast.keyword(k, self.atom(v)) for k, v in s.kwargs.items()]
        if isinstance(p, type(runtime.method("x"))):
            return ast.Call(ast.Attribute(args[0], p.name, ast.Load()), args[1:], kws)
        return ast.Call(self.ref(p, getattr(p, "__name__", "f")), args, kws)

    def copies(self, targets: list[Var], values: list[Atom]) -> list[ast.stmt]:
        """`t = v` for each pair whose names differ, as one parallel assignment."""
        pairs = [(t, v) for t, v in zip(targets, values)
                 if not (isinstance(v, Var) and self.name(v) == self.name(t))]
        if not pairs:
            return []
        if len(pairs) == 1:
            return [ast.Assign([self.store(pairs[0][0])], self.atom(pairs[0][1]))]
        return [ast.Assign([ast.Tuple([self.store(t) for t, _ in pairs], ast.Store())],
                           ast.Tuple([self.atom(v) for _, v in pairs], ast.Load()))]

    def if_(self, s: If) -> list[ast.stmt]:
        then = self.block(s.then) + self.copies(s.outs, s.then_results)
        orelse = self.block(s.orelse) + self.copies(s.outs, s.else_results)
        test = self.atom(s.cond)
        if not then and not orelse:
            return []
        if not then:
            return [ast.If(ast.UnaryOp(ast.Not(), test), orelse, [])]
        return [ast.If(test, then, orelse)]

    def for_(self, s: For) -> list[ast.stmt]:
        bounds = [self.atom(a) for a in (s.start, s.stop, s.step)]
        if _is_const(s.step, 1):
            bounds = bounds[1:2] if _is_const(s.start, 0) else bounds[:2]
        it: ast.expr = ast.Call(ast.Name("range", ast.Load()), bounds, [])
        if s.reverse:
            it = ast.Call(ast.Name("reversed", ast.Load()), [it], [])
        used = _index_used(s)
        index: ast.expr = self.store(s.index) if used else ast.Name(self.throwaway, ast.Store())
        k = _iterated_stack(s)
        body_ir, nxt, carried = s.body, s.next, s.carried
        if k is not None:  # `for item in reversed(stack)` instead of `item = stack.pop()`
            pop = s.body[0]
            targets = [self.store(v) for v in pop.outs[1:]]
            item = targets[0] if len(targets) == 1 else ast.Tuple(targets, ast.Store())
            stack = ast.Call(ast.Name("reversed", ast.Load()), [self.load(s.carried[k])], [])
            index, it = (ast.Tuple([index, item], ast.Store()), ast.Call(
                ast.Name("zip", ast.Load()), [it, stack], [])) if used else (item, stack)
            body_ir = s.body[1:]
            nxt, carried = s.next[:k] + s.next[k + 1:], s.carried[:k] + s.carried[k + 1:]
        body = self.block(body_ir) + self.copies(carried, nxt)
        loop = ast.For(index, it, body or [ast.Pass()], [], None)
        return self.copies(s.carried, s.inits) + [loop] + self.copies(s.outs, s.carried)

    def while_(self, s: While) -> list[ast.stmt]:
        cond = self.block(s.cond_block)
        test = self.atom(s.cond)
        body = self.block(s.body) + self.copies(s.carried, s.next)
        if cond:
            brk = ast.If(ast.UnaryOp(ast.Not(), test), [ast.Break()], [])
            loop = ast.While(ast.Constant(True), cond + [brk] + body, [])
        else:
            loop = ast.While(test, body or [ast.Pass()], [])
        return self.copies(s.carried, s.inits) + [loop] + self.copies(s.outs, s.carried)


def _iterated_stack(s: For) -> int | None:
    """The carried stack a reverse loop pops once per iteration and reads nowhere else, so
    the loop can iterate over it backwards: the forward loop pushed once per iteration and
    the reverse loop runs as many times, and the stack is left intact (a pullback may run
    again)."""
    if not s.body:
        return None
    pop = s.body[0]
    if not (isinstance(pop, Assign) and pop.prim is runtime.stack_pop):
        return None
    stack, rest = pop.args[0], pop.outs[0]
    if stack not in s.carried:
        return None
    k = s.carried.index(stack)
    if s.next[k] is not rest or stack in reads_in(s.body[1:], s.next) or \
            rest in reads_in(s.body[1:], s.next[:k] + s.next[k + 1:]):
        return None
    return k


def _unused_trip_counts(fn: Function) -> set[Var]:
    """Trip counts (`trips = len(stack)`) that only bound loops emitted as iterations over
    their stack without an index, so no emitted code reads them."""
    loops = [s for s in walk(fn.body) if isinstance(s, For) and isinstance(s.stop, Var)
             and _iterated_stack(s) is not None and not _index_used(s)]
    counts = {s.stop for s in loops}
    counts -= {a for s in walk(fn.body) if not (isinstance(s, For) and s in loops)
               for a in atoms_read(s) if isinstance(a, Var)}
    counts -= {a for s in loops for a in (s.start, s.step, *s.inits)}
    counts -= reads_in([], fn.results) | {r for s in walk(fn.body) for r in _tails(s)}
    return counts


def _index_used(s: For) -> bool:
    """Whether the emitted loop names its index (a reverse loop's `_` index never)."""
    return s.index in reads_in(s.body, s.next) or not (
        s.reverse or s.index.name.startswith("_"))


def _tails(s: Any) -> set[Var]:
    """The variables a statement's blocks yield (if results, loop next values)."""
    atoms = [*s.then_results, *s.else_results] if isinstance(s, If) else \
        [*s.next] if isinstance(s, (For, While)) else []
    if isinstance(s, While):
        atoms.append(s.cond)
    return {a for a in atoms if isinstance(a, Var)}


def _is_const(a: Atom, value: int) -> bool:
    return isinstance(a, Const) and type(a.value) is int and a.value == value


