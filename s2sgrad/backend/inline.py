"""Fold single-use temporaries back into the expression that reads them.

Three-address code names every intermediate (`u2 = math.sin(u1); u3 = dt * u2`). Where a
temporary is read exactly once, by the very next statement's own expression (not inside a
nested block, so it runs exactly as often), the definition is folded into that use:
`u3 = dt * math.sin(u1)`, `if x > 0:`, `while not broke and k < 5:`. Comments are never
crossed, so adjoint code stays under its comment. Only temporaries `u<N>` (and their
renamings `u<N>_<M>`) and their adjoints `bu<N>` (and `neg_bu<N>`) are folded; the user's
names and the adjoints of the user's names stay.

After folding, `a + -b` is written `a - b` and `a - -b` is written `a + b` (also as `+=` and
`-=`): IEEE arithmetic defines subtraction as adding the negation, so the values are the
same, and the program before optimization (`show(stage="forward")`) reads naturally too.

The second half of the module inlines in the other sense: `helper_definitions` gives the
source of the runtime helpers a generated function calls, made standalone, so that
`s2sgrad transpile` can copy them into a module that does not import s2sgrad.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import re
import symtable
import sys
import textwrap
from collections import Counter
from typing import Any

from .. import runtime

_TEMP = re.compile(r"(neg_)?b?u\d+(_\d+)*$")


def inline_temporaries(fdef: ast.FunctionDef) -> None:
    uses = Counter(n.id for n in ast.walk(fdef)
                   if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
    _block(fdef.body, uses)
    _Subtractions().visit(fdef)


class _Subtractions(ast.NodeTransformer):
    """`a + -b` -> `a - b`, `a - -b` -> `a + b`, and the same for `+=` and `-=`."""

    _FLIP = {ast.Add: ast.Sub, ast.Sub: ast.Add}

    def _flipped(self, node: ast.BinOp | ast.AugAssign, right: ast.expr) -> None:
        if type(node.op) in self._FLIP and isinstance(right, ast.UnaryOp) and \
                isinstance(right.op, ast.USub):
            node.op = self._FLIP[type(node.op)]()
            if isinstance(node, ast.BinOp):
                node.right = right.operand
            else:
                node.value = right.operand

    def visit_BinOp(self, node: ast.BinOp) -> ast.BinOp:
        self.generic_visit(node)
        self._flipped(node, node.right)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AugAssign:
        self.generic_visit(node)
        self._flipped(node, node.value)
        return node


def _block(body: list[ast.stmt], uses: Counter) -> None:
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef):  # the pullback of split motion
            _block(stmt.body, uses)
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                _block(inner, uses)
    i = len(body) - 2
    while i >= 0:
        if _fold(body, i, uses):
            del body[i]
        i -= 1
    _while_true(body)


def _fold(body: list[ast.stmt], i: int, uses: Counter) -> bool:
    stmt, nxt = body[i], body[i + 1]
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name) and _TEMP.match(stmt.targets[0].id)):
        return False
    name = stmt.targets[0].id
    if uses[name] != 1:
        return False
    for head in _heads(nxt):
        for node in ast.walk(head):
            for field, value in ast.iter_fields(node):
                if isinstance(value, ast.Name) and value.id == name:
                    setattr(node, field, stmt.value)
                    return True
                if isinstance(value, list):
                    for k, item in enumerate(value):
                        if isinstance(item, ast.Name) and item.id == name:
                            value[k] = stmt.value
                            return True
        if isinstance(head, ast.Name) and head.id == name:
            _set_head(nxt, head, stmt.value)
            return True
    return False


def _heads(stmt: ast.stmt) -> list[ast.expr]:
    """The expressions a statement evaluates once, before any nested block."""
    if isinstance(stmt, (ast.Assign, ast.Return)) and stmt.value is not None:
        return [stmt.value]
    if isinstance(stmt, ast.Expr) and not (isinstance(stmt.value, ast.Name)
                                           and stmt.value.id.startswith("#")):
        return [stmt.value]
    if isinstance(stmt, (ast.If, ast.While)):
        return [stmt.test]
    if isinstance(stmt, ast.For):
        return [stmt.iter]
    return []


def _set_head(stmt: ast.stmt, old: ast.expr, new: ast.expr) -> None:
    for field in ("value", "test", "iter"):
        if getattr(stmt, field, None) is old:
            setattr(stmt, field, new)


def _while_true(body: list[ast.stmt]) -> None:
    """`while True: if not c: break` followed by the body becomes `while c:`."""
    for stmt in body:
        if isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant) and \
                stmt.test.value is True and stmt.body and isinstance(stmt.body[0], ast.If):
            first = stmt.body[0]
            if first.body and isinstance(first.body[0], ast.Break) and len(first.body) == 1 \
                    and not first.orelse and isinstance(first.test, ast.UnaryOp) and \
                    isinstance(first.test.op, ast.Not):
                stmt.test = first.test.operand
                stmt.body = stmt.body[1:] or [ast.Pass()]


# -- runtime helpers, copied into a standalone module (`s2sgrad transpile`) ----------------


def free_names(tree: ast.AST) -> set[str]:
    """The names `tree` (a def, a class or a module) reads and does not define itself.

    Python's own symbol tables decide: a name is free when some scope of `tree` refers to it
    as a global, or the outermost scope reads it without binding it. Annotations are not
    looked at (the module is written so that they are never evaluated).
    """
    module = tree if isinstance(tree, ast.Module) else ast.Module(body=[tree], type_ignores=[])
    table = symtable.symtable(ast.unparse(_without_annotations(module)), "<s2sgrad>", "exec")
    top = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    found: set[str] = set()

    def visit(scope: symtable.SymbolTable, outermost: bool) -> None:
        for sym in scope.get_symbols():
            if sym.is_referenced() and (outermost or sym.is_global()):
                found.add(sym.get_name())
        for child in scope.get_children():
            visit(child, False)

    visit(table, True)
    return found - top


def _without_annotations(tree: ast.AST) -> ast.AST:
    tree = copy.deepcopy(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.annotation = None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts:
                stmts[:] = [_plain_assign(s) for s in stmts] or [ast.Pass()]
    return ast.fix_missing_locations(tree)


def _plain_assign(stmt: ast.stmt) -> ast.stmt:
    if not isinstance(stmt, ast.AnnAssign):
        return stmt
    if stmt.value is None:
        return ast.Pass()
    return ast.Assign(targets=[stmt.target], value=stmt.value, lineno=stmt.lineno)


def is_helper(obj: Any) -> bool:
    """Whether `obj` is a function or class that can be copied: one of the runtime module,
    or a module-level helper of a rules module (which the rules' code calls)."""
    module = getattr(obj, "__module__", None) or ""
    home = sys.modules.get(module)
    return (inspect.isfunction(obj) or inspect.isclass(obj)) and home is not None and \
        (module == runtime.__name__ or module.startswith(_RULES)) and \
        getattr(home, obj.__name__, None) is obj


_RULES = __name__.rpartition(".backend")[0] + ".rules."


def helper_definitions(helpers: list[Any]) -> tuple[list[tuple[str, str]], set[str]]:
    """The source of runtime `helpers` and of every helper they use, standalone.

    Returns `(definitions, modules)`: `(name, source)` pairs, classes first, and the modules
    the definitions read ("numpy", "math"). Annotations are dropped, and an s2sgrad
    exception a helper imports becomes a small class of the same name whose base is the
    builtin exception it derives from, so the copies need nothing from s2sgrad.
    """
    todo, seen = list(helpers), {h.__name__ for h in helpers}
    defs: list[tuple[str, str, bool]] = []
    modules: set[str] = set()
    while todo:
        obj = todo.pop(0)
        tree = ast.parse(textwrap.dedent(inspect.getsource(obj))).body[0]
        tree = _without_annotations(tree)
        home = sys.modules[obj.__module__]
        extra = _replace_package_imports(tree, obj.__module__)
        for name, source in extra:
            if name not in seen:
                seen.add(name)
                defs.append((name, source, True))
        defs.append((obj.__name__, ast.unparse(tree), inspect.isclass(obj)))
        for name in sorted(free_names(tree)):
            value = vars(home).get(name, _NOT_FOUND)
            if value is _NOT_FOUND or name in seen:
                continue
            if inspect.ismodule(value):
                modules.add(value.__name__.partition(".")[0])
            elif is_helper(value):
                seen.add(name)
                todo.append(value)
    ordered = [d for d in defs if d[2]] + [d for d in defs if not d[2]]
    return [(name, source) for name, source, _ in ordered], modules


_NOT_FOUND = object()


def _replace_package_imports(tree: ast.AST, package: str) -> list[tuple[str, str]]:
    """Drop `from ..errors import X` inside a helper; return stand-ins for what it named."""
    extra: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if not isinstance(stmts, list) or not stmts:
                continue
            kept = []
            for stmt in stmts:
                if isinstance(stmt, ast.ImportFrom) and stmt.level > 0:
                    base = package.rsplit(".", stmt.level)[0]
                    module = importlib.import_module(f"{base}.{stmt.module}" if stmt.module
                                                     else base)
                    for alias in stmt.names:
                        value = getattr(module, alias.name)
                        extra.append((alias.asname or alias.name,
                                      _exception_stand_in(alias.asname or alias.name, value)))
                else:
                    kept.append(stmt)
            stmts[:] = kept or [ast.Pass()]
    return extra


def _exception_stand_in(name: str, cls: Any) -> str:
    if not (inspect.isclass(cls) and issubclass(cls, Exception)):
        raise TypeError(f"a runtime helper imports {cls!r}, which cannot be copied")
    base = next(c for c in cls.__mro__ if c.__module__ == "builtins")
    return (f"class {name}({base.__name__}):\n"
            f"    \"\"\"Raised where s2sgrad would raise its {cls.__name__}.\"\"\"\n\n"
            f"    def __init__(self, message, loc=None, hint=None):\n"
            f"        super().__init__(message if hint is None else "
            f"message + '\\nhint: ' + hint)\n")
