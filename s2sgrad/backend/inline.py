"""Fold single-use temporaries back into the expression that reads them.

Three-address code names every intermediate (`u2 = math.sin(u1); u3 = dt * u2`). Where a
temporary is read exactly once, by the very next statement's own expression (not inside a
nested block, so it runs exactly as often), the definition is folded into that use:
`u3 = dt * math.sin(u1)`, `if x > 0:`, `while not broke and k < 5:`. Comments are never
crossed, so adjoint code stays under its comment. Only `u<N>` temporaries are folded; the
user's names and adjoint names stay.
"""

from __future__ import annotations

import ast
import re
from collections import Counter

_TEMP = re.compile(r"u\d+$")


def inline_temporaries(fdef: ast.FunctionDef) -> None:
    uses = Counter(n.id for n in ast.walk(fdef)
                   if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
    _block(fdef.body, uses)


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
