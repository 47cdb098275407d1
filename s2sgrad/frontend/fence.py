"""The fence: reject what s2sgrad cannot differentiate, before any other work is done.

`fence(tree, loc)` walks the body of a parsed function in source order and raises
`UnsupportedSyntaxError` at the first construct outside the supported subset, with the file,
line and column, the source line, and a hint saying what to write instead. The subset is what
the lowering handles; anything not listed as supported is rejected.
"""

from __future__ import annotations

import ast
from typing import Callable

from ..errors import Loc, UnsupportedSyntaxError

_REJECTED: dict[type, tuple[str, str]] = {
    ast.Try: ("'try' statements are not supported",
              "move error handling outside the differentiated function"),
    ast.With: ("'with' statements are not supported",
               "move the context manager outside the differentiated function"),
    ast.AsyncWith: ("'async with' is not supported", "differentiate a plain function"),
    ast.AsyncFor: ("'async for' is not supported", "differentiate a plain function"),
    ast.AsyncFunctionDef: ("async functions are not supported", "use a plain def"),
    ast.ClassDef: ("class definitions are not supported inside a differentiated function",
                   "define the class at module level"),
    ast.Delete: ("'del' is not supported", "let the name go out of scope instead"),
    ast.Global: ("'global' is not supported", "pass the value as an argument and return it"),
    ast.Nonlocal: ("'nonlocal' is not supported", "pass the value as an argument and return it"),
    ast.Raise: ("'raise' is not supported", "check inputs before calling the function"),
    ast.Assert: ("'assert' is not supported", "check inputs before calling the function"),
    ast.Import: ("'import' inside the function is not supported",
                 "import at module level"),
    ast.ImportFrom: ("'import' inside the function is not supported",
                     "import at module level"),
    ast.Lambda: ("lambda inside a differentiated function is not supported",
                 "define the function with def at module level"),
    ast.NamedExpr: ("assignment expressions (:=) are not supported",
                    "assign on a line of its own"),
    ast.ListComp: ("list comprehensions are not supported", "write an explicit for loop"),
    ast.SetComp: ("set comprehensions are not supported", "write an explicit for loop"),
    ast.DictComp: ("dict comprehensions are not supported", "write an explicit for loop"),
    ast.GeneratorExp: ("generator expressions are not supported",
                       "write an explicit for loop"),
    ast.Await: ("'await' is not supported", "differentiate a plain function"),
    ast.Yield: ("generators ('yield') are not supported", "return a value instead"),
    ast.YieldFrom: ("generators ('yield from') are not supported", "return a value instead"),
    ast.JoinedStr: ("f-strings are not supported", "format strings outside the function"),
    ast.Starred: ("starred expressions (*x) are not supported", "pass arguments by name"),
    ast.Set: ("set literals are not supported", "use a tuple"),
}
_MATCH = getattr(ast, "Match", None)
_TRYSTAR = getattr(ast, "TryStar", None)
if _MATCH is not None:
    _REJECTED[_MATCH] = ("'match' statements are not supported", "use if/elif/else")
if _TRYSTAR is not None:
    _REJECTED[_TRYSTAR] = _REJECTED[ast.Try]


def fence(tree: ast.FunctionDef, loc: Callable[[ast.AST], Loc], rule: bool = False) -> None:
    """Raise `UnsupportedSyntaxError` at the first unsupported construct of `tree`'s body
    (a derivative `rule` may have a `*rest` parameter: the transforms bind it)."""
    _signature(tree, loc, rule)
    for stmt in tree.body:
        for node in _walk(stmt):
            _check(node, loc)


def _walk(node: ast.AST):
    """Nodes in source order (ast.walk is breadth-first)."""
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk(child)


def _signature(tree: ast.FunctionDef, loc: Callable[[ast.AST], Loc], rule: bool) -> None:
    if tree.args.vararg is not None and not rule or tree.args.kwarg is not None:
        raise UnsupportedSyntaxError("*args and **kwargs parameters are not supported",
                                     loc(tree), "name each parameter")


def _check(node: ast.AST, loc: Callable[[ast.AST], Loc]) -> None:
    if type(node) in _REJECTED:
        message, hint = _REJECTED[type(node)]
        raise UnsupportedSyntaxError(message, loc(node), hint)
    if isinstance(node, ast.FunctionDef):
        raise UnsupportedSyntaxError(
            "nested function definitions are not supported yet", loc(node),
            "define the helper at module level; calls to it are differentiated")
    if isinstance(node, (ast.For, ast.While)) and node.orelse:
        raise UnsupportedSyntaxError(f"'{type(node).__name__.lower()} ... else' is not "
                                     "supported", loc(node), "use a flag variable")
    if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant) and \
            not is_at_call(node.value):
        raise UnsupportedSyntaxError(
            "expression statements are not supported", loc(node), expression_hint(node.value))
    if isinstance(node, ast.Call) and any(k.arg is None for k in node.keywords):
        raise UnsupportedSyntaxError("**kwargs in calls is not supported", loc(node),
                                     "pass arguments by name")
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        _targets(node, loc)


def _targets(node: ast.AST, loc: Callable[[ast.AST], Loc]) -> None:
    if isinstance(node, ast.AnnAssign) and node.value is None:
        raise UnsupportedSyntaxError("annotations without a value are not supported",
                                     loc(node), "assign a value")
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        for t in _walk(target):
            if isinstance(t, ast.Attribute) and isinstance(t.ctx, ast.Store):
                raise UnsupportedSyntaxError("assignment to an attribute is not supported",
                                             loc(t), "build a new value instead of "
                                             "updating an object")


def expression_hint(node: ast.expr) -> str:
    """What to write instead of a call made for its effect: a new list for `a.append(v)`,
    the sorted copy for `x.sort()`, nothing for `print(...)`."""
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        obj, args = func.value.id, [ast.unparse(a) for a in node.args]
        if func.attr == "append" and len(args) == 1 and not node.keywords:
            return f"build a new list instead of changing this one: {obj} = {obj} + [{args[0]}]"
        if func.attr == "sort" and not args and not node.keywords:
            return f"use the sorted copy: {obj} = np.sort({obj})"
    if isinstance(func, ast.Name) and func.id == "print":
        return ("the differentiated function must be pure: remove the print, and print the "
                "arguments or the result outside the function")
    return ("the differentiated function must be pure: remove the call or move it outside "
            "(np.add.at(x, i, v) is the one in-place call supported)")


def is_at_call(node: ast.expr) -> bool:
    """`np.add.at(x, i, v)`: the one expression statement allowed (lowering checks the ufunc)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        node.func.attr == "at" and len(node.args) == 3 and isinstance(node.args[0], ast.Name)
