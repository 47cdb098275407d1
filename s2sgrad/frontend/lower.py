"""Lower: a parsed Python function to structured SSA (`Source -> Function`).

The algorithm is direct SSA construction over structured code. An environment maps each
Python name to its current SSA value; an `if` lowers both branches with copies of it and
joins them with φ outs; a loop turns the names its body assigns into carried block
parameters (MLIR's iter_args).

Jumps become data. `return`, `break` and `continue` set flags held in the environment under
the hidden names `%ret`, `%brk` and `%cont` (and `%retval` for the value). After each
statement the lowerer looks at the flags: if one is certainly set the rest of the block is
dead; if one may be set, the rest is wrapped in `if not flag:`. When one branch of an `if`
certainly leaves, the statements after the `if` move into the other branch instead, so
`if c: return a` followed by more code lowers to a plain if/else. A `for` loop whose body
can break or return becomes a `while` loop over an explicit counter.
"""

from __future__ import annotations

import ast
import operator
import types
from typing import Any

import numpy as np

from .. import pytree
from .. import runtime
from ..ir.core import UNDEF, Atom, Const, Function, If, NameSupply, Var
from ..rules.registry import lookup
from .lower_expr import BINOPS, Env, Tup, Value
from .lower_loops import HINTS as _HINTS
from .lower_loops import LoopLowering
from .lower_loops import assigned as _assigned
from ..errors import LIBRARY_DIRS
from .parse import Source, call_signature, parse

FLAGS = ("%ret", "%brk", "%cont")


def lower(src: Source, treedefs: tuple | None = None) -> Function:
    """Lower the function in `src` to SSA IR.

    `treedefs` gives the structure of container arguments (see `pytree`): each becomes a
    static structure of leaf parameters, so items resolve at compile time.
    """
    args = [a.arg for a in _all_args(src.tree.args)]
    every = {n.id for n in ast.walk(src.tree) if isinstance(n, ast.Name)} | set(args)
    taken = every - set(args) - set(_assigned(src.tree.body))  # the globals it reads
    lw = Lowerer(src, NameSupply(taken, every))
    lw.ret_arities = set()
    params: list[Var] = []
    owners: list[tuple[str, bool, bool]] = []
    kwonly = {a.arg for a in src.tree.args.kwonlyargs}
    for a, td in zip(args, treedefs or [pytree.LEAF] * len(args)):
        leaves = [lw.names.var(p) for p in pytree.leaf_paths(td, a)]
        params += leaves
        owners += [(a, a in kwonly, td != pytree.LEAF)] * len(leaves)
        lw.env[a] = _static(td, iter(leaves))
    lw.env["%ret"] = Const(False)
    body = list(src.tree.body)
    if not body or not isinstance(body[-1], ast.Return):
        body.append(ast.Return(value=None, lineno=src.tree.end_lineno or src.tree.lineno,
                               col_offset=0))
    lw.stmts(body)
    results, is_tuple = lw.results()
    defaults = tuple(src.fn.__defaults__ or ()) if treedefs is None else ()
    kwdefaults = (src.fn.__kwdefaults__ or {}) if treedefs is None else {}
    defaults += tuple(kwdefaults[a.arg] for a in src.tree.args.kwonlyargs if a.arg in kwdefaults)
    return Function(src.name, params, lw.block, results, src.loc(src.tree), frozenset(taken),
                    returns_tuple=is_tuple, defaults=defaults, arguments=tuple(owners))


def container_hint(target: ast.Subscript, base: Tup) -> str:
    """An array holds items that can be written; a dict is built whole."""
    name = target.value.id if isinstance(target.value, ast.Name) else None
    if base.keys is not None or name is None:
        return "build a new container with every item in one display"
    return (f"make {name} a NumPy array, whose items can be written: "
            f"{name} = np.zeros({len(base.items)})")


_MAX_INLINE_DEPTH = 16


def _inlinable(fn: Any) -> bool:
    """A Python function of the user's (not a library's) with no derivative rule of its own."""
    if isinstance(fn, types.MethodType):
        return _inlinable(fn.__func__)
    if not isinstance(fn, types.FunctionType) or lookup(fn) is not None or \
            getattr(fn, "__s2sgrad_custom__", False):
        return False
    filename = fn.__code__.co_filename
    return not filename.startswith(LIBRARY_DIRS) and not filename.startswith("<") and \
        not (fn.__module__ or "").startswith("s2sgrad.")


def _static(td: pytree.Treedef, leaves) -> Value:
    if td == pytree.LEAF:
        return next(leaves)
    if td[0] == pytree.Node.STATIC:
        return Const(td[1])
    if td[0] == pytree.Node.DICT:
        return Tup(tuple(_static(c, leaves) for c in td[2]), keys=td[1])
    return Tup(tuple(_static(c, leaves) for c in td[1]), is_list=td[0] == pytree.Node.LIST)


def _all_args(args: ast.arguments) -> list[ast.arg]:
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


class Lowerer(LoopLowering):
    ret_arities: set[int | None]
    depth: int = 0

    # -- calls into the user's own Python functions: inlined ------------------------------
    def call(self, fn: Any, node: ast.Call) -> Value:
        if not _inlinable(fn):
            return super().call(fn, node)
        if self.depth >= _MAX_INLINE_DEPTH:
            raise self.error(node, f"calls to '{fn.__name__}' nest more than "
                             f"{_MAX_INLINE_DEPTH} deep", "recursion must stop at a depth "
                             "known when the code is compiled, e.g. a constant argument")
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords}
        if isinstance(fn, types.MethodType):  # obj.method(...): bind obj as the first argument
            fn, args = fn.__func__, [Const(fn.__self__), *args]
        try:
            bound = call_signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            raise self.error(node, f"bad call to '{fn.__name__}': {exc}",
                             "check the arguments") from None
        bound.apply_defaults()
        return self.inline(parse(fn), dict(bound.arguments))

    def inline(self, src: Source, env: dict[str, Any]) -> Value:
        """Lower the body of `src` here, with its parameters bound to `env`'s values."""
        sub = Lowerer(src, self.names)
        sub.ret_arities, sub.depth, sub.temps = set(), self.depth + 1, self.temps
        sub.env = {k: v if isinstance(v, (Var, Const, Tup)) else Const(v)
                   for k, v in env.items()}
        for v in sub.env.values():  # a parameter holds it: `s = param` must not rename it
            self.pin(v)
        sub.env["%ret"] = Const(False)
        sub.block = self.block
        body = list(src.tree.body)
        if not body or not isinstance(body[-1], ast.Return):
            body.append(ast.Return(value=None, lineno=src.tree.end_lineno or src.tree.lineno,
                                   col_offset=0))
        sub.stmts(body)
        self.block = sub.block
        return sub.env.get("%retval", Const(None))

    # -- blocks and control-flow flags -----------------------------------------------------
    def stmts(self, stmts: list[ast.stmt]) -> None:
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            if isinstance(stmt, ast.If):
                if self.if_stmt(stmt, rest):
                    return
            else:
                self.stmt(stmt)
            if self.exited():
                return
            pending = [f for f in FLAGS if isinstance(self.env.get(f), Var)]
            if pending and rest:
                self.guarded(pending, rest, stmt)
                return

    def resume(self, rest: list[ast.stmt], node: ast.AST) -> None:
        """Lower `rest` after `node`, guarded by any flag `node` may have set."""
        pending = [f for f in FLAGS if isinstance(self.env.get(f), Var)]
        if pending:
            self.guarded(pending, rest, node)
        else:
            self.stmts(rest)

    def exited(self) -> bool:
        return any(self.env.get(f) == Const(True) for f in FLAGS)

    def guarded(self, flags: list[str], rest: list[ast.stmt], node: ast.AST) -> None:
        """Lower `if not flags[0]: <rest>`, nesting one guard per possibly-set flag."""
        flag = self.env[flags[0]]

        def run() -> None:
            self.env[flags[0]] = Const(False)
            if flags[1:]:
                self.guarded(flags[1:], rest, node)
            else:
                self.stmts(rest)

        taken_env = dict(self.env)
        taken_env[flags[0]] = Const(True)
        orelse, else_env, _ = self.sub(dict(self.env), run)
        self.join(flag, [], orelse, taken_env, else_env, node)

    def join(self, cond: Atom, then: list, orelse: list, env_t: Env, env_e: Env,
             node: ast.AST) -> None:
        """Emit `If(cond, then, orelse)` with a φ for every name whose value differs."""
        then_res: list[Atom] = []
        else_res: list[Atom] = []
        outs: list[Var] = []
        merged: Env = {}
        for name in dict.fromkeys([*env_t, *env_e]):
            a, b = env_t.get(name, Const(UNDEF)), env_e.get(name, Const(UNDEF))
            merged[name] = self._phi(name, a, b, then, orelse, then_res, else_res, outs)
        self.env = merged
        self.block.append(If(cond, then, orelse, then_res, else_res, outs, self.src.loc(node)))

    def _phi(self, name: str, a: Value, b: Value, then: list, orelse: list,
             then_res: list, else_res: list, outs: list) -> Value:
        if a is b or (isinstance(a, Const) and a == b):
            return a
        if isinstance(a, Tup) and isinstance(b, Tup) and len(a.items) == len(b.items) \
                and a.keys == b.keys:
            return Tup(tuple(self._phi(name, x, y, then, orelse, then_res, else_res, outs)
                             for x, y in zip(a.items, b.items)), a.is_list, a.keys)
        if isinstance(a, Tup) and b == Const(UNDEF):
            b = Tup((Const(UNDEF),) * len(a.items), a.is_list, a.keys)
            return self._phi(name, a, b, then, orelse, then_res, else_res, outs)
        if isinstance(b, Tup) and a == Const(UNDEF):
            a = Tup((Const(UNDEF),) * len(b.items), b.is_list, b.keys)
            return self._phi(name, a, b, then, orelse, then_res, else_res, outs)
        then_res.append(self._atom_in(then, a))
        else_res.append(self._atom_in(orelse, b))
        out = self.names.var(_HINTS.get(name, name.lstrip("%")))
        outs.append(out)
        return out

    def _atom_in(self, block: list, value: Value) -> Atom:
        saved = self.block
        self.block = block
        try:
            return self.atom(value)
        finally:
            self.block = saved

    # -- statements ---------------------------------------------------------------------
    def stmt(self, node: ast.stmt) -> None:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, f"'{type(node).__name__}' statements are not supported",
                             "see docs/limitations.md")
        method(node)

    def _Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Constant):
            return
        fn = self.expr(call.func) if isinstance(call, ast.Call) else None
        if not (isinstance(fn, Const) and getattr(fn.value, "__self__", None) is np.add):
            raise self.error(node, "expression statements are not supported",
                             "the differentiated function must be pure: remove the call "
                             "(np.add.at(x, i, v) is the one in-place call supported)")
        target, index, value = call.args  # np.add.at(x, i, v): x = index_add(x, i, v)
        args = [self.expr_atom(a) for a in (target, index, value)]
        out = self.emit(runtime.index_add, args, node)
        self.block[-1].inplace = True
        self.assign(ast.copy_location(ast.Name(target.id, ast.Store()), target), out)

    def _Pass(self, node: ast.Pass) -> None:
        pass

    def _Assign(self, node: ast.Assign) -> None:
        value = self.expr(node.value)
        if len(node.targets) > 1:  # `a = b = v`: no name may take over v's temporaries
            self.pin(value)
        for target in node.targets:
            self.assign(target, value)

    def _AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.expr(node.value))

    def _AugAssign(self, node: ast.AugAssign) -> None:
        load = ast.copy_location(type(node.target)(**{
            f: getattr(node.target, f) for f in node.target._fields if f != "ctx"},
            ctx=ast.Load()), node.target)
        current = self.expr_atom(load)
        value = self.apply(BINOPS[type(node.op)], [current, self.expr_atom(node.value)], node)
        if isinstance(node.target, ast.Name) and isinstance(value, Var) and self.block and \
                self.block[-1].outs == [value]:
            self.block[-1].inplace = True  # Python updates a mutable `x` in place
        self.assign(node.target, value)

    def assign(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = self._named(value, target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for i, elt in enumerate(target.elts):
                self.assign(elt, self._item(value, i, len(target.elts), target))
        elif isinstance(target, ast.Subscript):
            self._store_item(target, value)
        else:
            raise self.error(target, "assignment to an attribute is not supported",
                             "build a new value instead of updating an object")

    def _store_item(self, target: ast.Subscript, value: Value) -> None:
        """`x[i] = v` becomes `x_1 = setitem(x, i, v)`, then `x` names `x_1`."""
        base = self.expr(target.value)
        index = self.expr(target.slice)
        if isinstance(base, Tup):
            raise self.error(target, "cannot update an item of a tuple, list or dict: "
                             "s2sgrad keeps them as fixed collections of values",
                             container_hint(target, base))
        out = self.emit(runtime.setitem, [self.atom(base, target), self.atom(index, target),
                                          self.atom(value, target)], target)
        self.block[-1].inplace = True
        load = ast.copy_location(type(target.value)(**{
            f: getattr(target.value, f) for f in target.value._fields if f != "ctx"},
            ctx=ast.Store()), target.value)
        self.assign(load, out)

    def pin(self, value: Value) -> None:
        """`value` is bound to a name already: no assignment may rename its temporaries."""
        pending = [value]
        while pending:
            v = pending.pop()
            if isinstance(v, Tup):
                pending.extend(v.items)
            else:
                self.temps.discard(v)

    def _named(self, value: Value, name: str) -> Value:
        """Give the user's name to the temporary that holds an assigned value."""
        last = self.block[-1] if self.block else None
        if isinstance(value, Var) and value in self.temps and last is not None \
                and last.outs == [value]:
            renamed = self.names.var(name)
            last.outs = [renamed]
            return renamed
        return value

    def _item(self, value: Value, i: int, n: int, node: ast.AST) -> Value:
        if isinstance(value, Tup):
            if len(value.items) != n:
                raise self.error(node, f"cannot unpack {len(value.items)} values into {n}",
                                 "make both sides the same length")
            return value.items[i]
        if isinstance(value, Const):
            return Const(value.value[i])
        return self.apply(operator.getitem, [value, Const(i)], node)

    def _Return(self, node: ast.Return) -> None:
        value = self.expr(node.value) if node.value is not None else Const(None)
        self.ret_arities.add(len(value.items) if isinstance(value, Tup) else None)
        self.env["%retval"] = value
        self.env["%ret"] = Const(True)

    def _Break(self, node: ast.Break) -> None:
        self.env["%brk"] = Const(True)

    def _Continue(self, node: ast.Continue) -> None:
        self.env["%cont"] = Const(True)

    def if_stmt(self, node: ast.If, rest: list[ast.stmt]) -> bool:
        """Lower an `if`; return True when it also lowered (or killed) `rest`."""
        cond = self.expr_atom(node.test)
        if isinstance(cond, Const):
            self.stmts(node.body if cond.value else node.orelse)
            return False
        then, env_t, _ = self.sub(dict(self.env), lambda: self.stmts(node.body))
        orelse, env_e, _ = self.sub(dict(self.env), lambda: self.stmts(node.orelse))
        t_exit, e_exit = self._leaves(env_t), self._leaves(env_e)
        consumed = bool(rest) and (t_exit or e_exit)
        if rest and t_exit and not e_exit:
            orelse, env_e, _ = self.sub(env_e, lambda: (self.block.extend(orelse),
                                                        self.resume(rest, node)))
        elif rest and e_exit and not t_exit:
            then, env_t, _ = self.sub(env_t, lambda: (self.block.extend(then),
                                                      self.resume(rest, node)))
        self.join(cond, then, orelse, env_t, env_e, node)
        return consumed

    def _leaves(self, env: Env) -> bool:
        return any(env.get(f) == Const(True) for f in FLAGS)

    # -- the function's results ------------------------------------------------------------
    def results(self) -> tuple[list[Atom], bool]:
        value = self.env.get("%retval", Const(None))
        if isinstance(value, Tup):
            return [self.atom(v) for v in value.items], True
        arity = next(iter(self.ret_arities)) if len(self.ret_arities) == 1 else None
        if arity is not None and isinstance(value, Var):
            return [self.apply(operator.getitem, [value, Const(i)], None)
                    for i in range(arity)], True
        return [self.atom(value)], False
