"""Lowering loops to structured SSA (the loop half of `lower._Lowerer`).

- `for x in range(...)` becomes a `For` over its bounds, carrying every name the body may
  assign (`assigned`); a body that can `break` or `return` becomes a `While` over a counter
  instead, with the exit flags carried and tested in its condition.
- `for x in seq` over a tuple or list known when the code is compiled is unrolled (up to
  `UNROLL_LIMIT` items); over an array or other sequence it is a counted loop that indexes it.
- `while test:` becomes a `While` whose condition block evaluates `test` and the flags.

The methods use `stmts`, `assign`, `join` and `_atom_in`, which `lower._Lowerer` defines.
"""

from __future__ import annotations

import ast
import operator
from typing import Callable

from ..errors import UnsupportedSyntaxError
from ..ir.core import UNDEF, Atom, Const, For, Var, While
from .fence import is_at_call
from .lower_expr import ExprLowerer, Tup, Value

HINTS = {"%ret": "returned", "%retval": "result", "%brk": "broke", "%k": "k"}
UNROLL_LIMIT = 32


def assigned(stmts: list[ast.stmt]) -> list[str]:
    """Names a list of statements may assign, in first-assignment order."""
    names: dict[str, None] = {}
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names[node.id] = None
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                root = node.value
                while isinstance(root, ast.Subscript):
                    root = root.value
                if isinstance(root, ast.Name):  # x[i] = v rebinds x to the updated array
                    names[root.id] = None
            elif isinstance(node, ast.Expr) and is_at_call(node.value):
                names[node.value.args[0].id] = None  # np.add.at(x, i, v) rebinds x too
    return list(names)


def contains(stmts: list[ast.stmt], kinds: tuple[type, ...], into_loops: bool) -> bool:
    for stmt in stmts:
        if isinstance(stmt, kinds):
            return True
        if isinstance(stmt, (ast.For, ast.While)) and not into_loops:
            continue
        children = [getattr(stmt, f, []) for f in ("body", "orelse")]
        if any(contains(c, kinds, into_loops) for c in children if isinstance(c, list)):
            return True
    return False



class LoopLowering(ExprLowerer):
    def _For(self, node: ast.For) -> None:
        if node.orelse:
            raise self.error(node, "for/else is not supported", "use a flag variable")
        it = node.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and \
                self._resolves_to_range(it.func) and not it.keywords:
            bounds = [self.expr_atom(a) for a in it.args]
            start, stop, step = _range_bounds(bounds, self, it)
            return self.range_loop(node, start, stop, step)
        seq = self.expr(it)
        if isinstance(seq, Tup) and seq.keys is not None:
            seq = self._dict_view(seq, "keys")
        if isinstance(seq, Const) and type(seq.value) is tuple and \
                len(seq.value) <= UNROLL_LIMIT:  # a tuple known at compile time (rule strides)
            seq = Tup(tuple(Const(v) for v in seq.value))
        if isinstance(seq, Tup) and len(seq.items) <= UNROLL_LIMIT:
            return self.unrolled(node, seq)
        seq_atom = self.atom(seq, it)
        n = self.apply(len, [seq_atom], it)
        self.range_loop(node, Const(0), n, Const(1), seq=seq_atom)

    def _resolves_to_range(self, name: ast.Name) -> bool:
        return name.id not in self.env and self.src.resolve(name.id, name) is range

    def unrolled(self, node: ast.For, seq: Tup) -> None:
        """`for x in (a, b, c)`: the body once per item, in order."""
        saved = self.env.get("%brk"), self.env.get("%cont")
        self.env["%brk"] = Const(False)
        self._unroll_from(node, seq.items)
        self._restore_loop_flags(saved)

    def _unroll_from(self, node: ast.For, items: tuple) -> None:
        for i, item in enumerate(items):
            self.env["%cont"] = Const(False)
            self.assign(node.target, item)
            self.stmts(node.body)
            self.env.pop("%cont", None)
            if self.env.get("%brk") == Const(True) or self.env.get("%ret") == Const(True):
                return
            pending = [f for f in ("%ret", "%brk") if isinstance(self.env.get(f), Var)]
            if pending and i + 1 < len(items):
                return self._unroll_guarded(node, items[i + 1:], pending)

    def _unroll_guarded(self, node: ast.For, items: tuple, flags: list[str]) -> None:
        flag = self.env[flags[0]]
        taken_env = dict(self.env)

        def run() -> None:
            self.env[flags[0]] = Const(False)
            if flags[1:]:  # one guard per possibly-set flag, as in `guarded`
                self._unroll_guarded(node, items, flags[1:])
            else:
                self._unroll_from(node, items)

        orelse, else_env, _ = self.sub(dict(self.env), run)
        self.join(flag, [], orelse, taken_env, else_env, node)

    def _restore_loop_flags(self, saved: tuple) -> None:
        for name, value in zip(("%brk", "%cont"), saved):
            if value is None:
                self.env.pop(name, None)
            else:
                self.env[name] = value

    def range_loop(self, node: ast.For, start: Atom, stop: Atom, step: Atom,
                   seq: Atom | None = None) -> None:
        exits = contains(node.body, (ast.Break, ast.Return), into_loops=False) or \
            contains(node.body, (ast.Return,), into_loops=True)
        if exits:
            return self.counted_while(node, start, stop, step, seq)
        names = [n for n in assigned([node]) if not n.startswith("%")]
        index = self.names.var(self._index_hint(node))
        carried, inits = self.carry(names, node)
        body_env = dict(self.env)
        body_env.update(zip(names, carried))

        def body() -> None:
            self._bind_target(node, index, seq)
            self._loop_body(node.body)

        block, end_env, _ = self.sub(body_env, body)
        nxt = [self._atom_in(block, end_env.get(n, Const(UNDEF))) for n in names]
        outs = [self.names.var(n) for n in names]
        self.block.append(For(start, stop, step, index, carried, inits, block, nxt, outs,
                              loc=self.src.loc(node)))
        self.env.update(zip(names, outs))

    def _index_hint(self, node: ast.For) -> str:
        return node.target.id if isinstance(node.target, ast.Name) else "k"

    def _bind_target(self, node: ast.For, index: Var, seq: Atom | None) -> None:
        value: Value = index
        if seq is not None:
            value = self.apply(operator.getitem, [seq, index], node.target)
        self.assign(node.target, value)

    def _loop_body(self, body: list[ast.stmt]) -> None:
        """Lower a loop body in its own environment (made by `sub`), flags cleared."""
        self.env["%brk"], self.env["%cont"] = Const(False), Const(False)
        self.stmts(body)

    def carry(self, names: list[str], node: ast.AST) -> tuple[list[Var], list[Atom]]:
        carried = [self.names.var(HINTS.get(n, n.lstrip("%"))) for n in names]
        inits = [self.atom(self.env.get(n, Const(UNDEF)), node) for n in names]
        return carried, inits

    def counted_while(self, node: ast.For, start: Atom, stop: Atom, step: Atom,
                      seq: Atom | None) -> None:
        """A for loop that can break or return, as a while loop over a counter."""
        saved = {h: self.env[h] for h in ("%k", "%stop", "%step") if h in self.env}
        self.env["%k"], self.env["%stop"], self.env["%step"] = start, stop, step
        if isinstance(step, Const):
            op = ast.Lt() if step.value > 0 else ast.Gt()
            test: ast.expr = ast.Compare(_n("%k"), [op], [_n("%stop")])
        else:
            test = ast.IfExp(ast.Compare(_n("%step"), [ast.Gt()], [ast.Constant(0)]),
                             ast.Compare(_n("%k"), [ast.Lt()], [_n("%stop")]),
                             ast.Compare(_n("%k"), [ast.Gt()], [_n("%stop")]))
        ast.copy_location(test, node)
        for sub in ast.walk(test):
            ast.copy_location(sub, node)

        def body() -> None:
            self._bind_target(node, self.env["%k"], seq)
            self._loop_body(node.body)
            k = self.apply(operator.add, [self.env["%k"], step], node)
            self.env["%k"] = k

        names = ["%k", *[n for n in assigned([node]) if not n.startswith("%")]]
        self.while_loop(node, test, body, names, node.body)
        for hidden in ("%k", "%stop", "%step"):
            self.env.pop(hidden, None)
        self.env.update(saved)

    def _While(self, node: ast.While) -> None:
        if node.orelse:
            raise self.error(node, "while/else is not supported", "use a flag variable")
        names = assigned(node.body)
        self.while_loop(node, node.test, lambda: self._loop_body(node.body), names, node.body)

    def while_loop(self, node: ast.stmt, test: ast.expr, body: Callable[[], None],
                   names: list[str], stmts: list[ast.stmt]) -> None:
        guards: list[ast.expr] = []
        if contains(stmts, (ast.Break,), into_loops=False):
            names.append("%brk")
            guards.append(ast.UnaryOp(ast.Not(), _n("%brk")))
        if contains(stmts, (ast.Return,), into_loops=True):
            names += ["%ret", "%retval"]
            guards.append(ast.UnaryOp(ast.Not(), _n("%ret")))
        full = ast.BoolOp(ast.And(), [*guards, test]) if guards else test
        for sub in ast.walk(full):
            if not hasattr(sub, "lineno"):
                ast.copy_location(sub, test)
        saved_brk = self.env.get("%brk")
        self.env["%brk"] = Const(False)
        carried, inits = self.carry(names, node)
        cond_env = dict(self.env)
        cond_env.update(zip(names, carried))
        cond_block, _, cond = self.sub(dict(cond_env), lambda: self.expr_atom(full))

        def run_body() -> None:
            body()
            if "%brk" in names:
                self.env.setdefault("%brk", Const(False))

        block, end_env, _ = self.sub(dict(cond_env), run_body)
        nxt = [self._atom_in(block, end_env.get(n, Const(UNDEF))) for n in names]
        outs = [self.names.var(HINTS.get(n, n.lstrip("%"))) for n in names]
        self.block.append(While(carried, inits, cond_block, cond, block, nxt, outs,
                                self.src.loc(node)))
        self.env.update(zip(names, outs))
        self._restore_loop_flags((saved_brk, self.env.get("%cont")))


def _n(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _range_bounds(bounds: list[Atom], lw: ExprLowerer, node: ast.Call) -> tuple[Atom, ...]:
    if not 1 <= len(bounds) <= 3:
        raise UnsupportedSyntaxError("range() takes 1 to 3 arguments", lw.src.loc(node),
                                     "write range(stop), range(start, stop) or "
                                     "range(start, stop, step)")
    if len(bounds) == 1:
        return Const(0), bounds[0], Const(1)
    if len(bounds) == 2:
        return bounds[0], bounds[1], Const(1)
    return tuple(bounds)  # type: ignore[return-value]

