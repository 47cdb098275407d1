"""Whether the source text s2sgrad read for a function is the code that runs.

`parse` reads a function's text from its file (through `linecache`). When the file was
edited after the module was imported, that text is not what the function runs, and
differentiating it would give the derivative of a function nobody calls. So the text is
compiled again and compared with the live code object: instructions, names, variables,
flags and constants, recursively, but not lines and columns (nor the two ways of loading
a method, which depend on where the module's imports were compiled).

First the function's own AST is compiled where it was defined (inside the classes and
functions its `co_qualname` names, its free variables bound in the enclosing function,
the globals it reads that are modules declared as imports, under its `from __future__`
flags) and compared byte for byte, then, if that differs, instruction by instruction. When that does not match, the whole current file is compiled (once
per file version) and the code object at the function's line and qualified name is the
judge. A match is remembered per (code object, text).
"""

from __future__ import annotations

import __future__
import ast
import copy
import dis
import types
from typing import Any, Callable, Hashable

_FUTURE = 0
for _feature in __future__.all_feature_names:
    _FUTURE |= getattr(__future__, _feature).compiler_flag
_MATCHED: set[tuple[types.CodeType, Hashable]] = set()
_FILES: dict[int, types.CodeType | None] = {}  # a file's AST (by id) compiled whole
_NO_ARGS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[],
                         kw_defaults=[], kwarg=None, defaults=[])


def matches(code: types.CodeType, node: ast.FunctionDef | ast.Lambda, token: Hashable,
            scope: dict[str, Any], whole_file: Callable[[], ast.Module | None]) -> bool:
    """Whether `node` (a def or lambda parsed from the function's file) compiles to `code`.
    `token` names the text `node` was parsed from, so a second check of the same pair is a
    set lookup; `scope` is the function's globals. When compiling `node` alone does not give `code` (its enclosing scopes
    cannot be rebuilt, or the compiler read something else of the module), the judge is
    the whole current file, compiled."""
    if (code, token) in _MATCHED:
        return True
    compiled = _recompiled(code, node, scope)
    same = compiled is not None and (_raw(compiled) == _raw(code) or
                                     _shape(compiled) == _shape(code))
    if not same:
        same = _in_file(code, whole_file())
    if same:
        _MATCHED.add((code, token))
    return same


def _in_file(code: types.CodeType, module: ast.Module | None) -> bool:
    """Whether the file's current text, compiled whole, has `code` at its line (exact, but
    it compiles the whole file: once per file version). True when there is no text."""
    if module is None:
        return True
    if id(module) not in _FILES:  # the parser's cache keeps `module`, so its id is stable
        try:
            _FILES[id(module)] = compile(module, code.co_filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, TypeError):
            _FILES[id(module)] = None
    top = _FILES[id(module)]
    found = top and _find(top, _qualname(code), code.co_firstlineno)
    return found is not None and _shape(found) == _shape(code)


def _recompiled(code: types.CodeType, node: ast.FunctionDef | ast.Lambda,
                scope: dict[str, Any]) -> types.CodeType | None:
    """`node` compiled alone inside the scopes `code.co_qualname` names, the globals it
    reads that are modules declared as imports (as they usually are: then the bytecode is
    the same byte for byte); None when the scopes cannot be rebuilt or do not compile."""
    body = _enclosed(code, _statement(node))
    if body is None:
        return None
    modules = sorted(n for n in _names(code) if isinstance(scope.get(n), types.ModuleType))
    imports = [ast.Import(names=[ast.alias(name="sys", asname=n)]) for n in modules]
    module = ast.fix_missing_locations(ast.Module(body=imports + body, type_ignores=[]))
    try:
        top = compile(module, code.co_filename, "exec", flags=code.co_flags & _FUTURE,
                      dont_inherit=True)
    except (SyntaxError, ValueError, TypeError):
        return None
    return _find(top, _qualname(code))


def _enclosed(code: types.CodeType, stmt: ast.stmt) -> list[ast.stmt] | None:
    """`stmt` inside the classes and functions of `code`'s qualified name, its free
    variables bound in the innermost enclosing function; None when that cannot be done."""
    body = [stmt]
    free = [name for name in code.co_freevars if name != "__class__"]
    scopes = _qualname(code).split(".")[:-1]
    while scopes:
        name = scopes.pop()
        if name == "<locals>":
            if not scopes or not scopes[-1].isidentifier():
                return None
            cells = [ast.Assign(targets=[ast.Name(id=v, ctx=ast.Store())],
                                value=ast.Constant(value=None)) for v in free]
            body = [ast.FunctionDef(name=scopes.pop(), args=_NO_ARGS, body=cells + body,
                                    decorator_list=[], returns=None, type_comment=None)]
            free = []
        elif name.isidentifier():
            body = [ast.ClassDef(name=name, bases=[], keywords=[], body=body,
                                 decorator_list=[])]
        else:
            return None
        ast.copy_location(body[0], stmt)
    return None if free else body


def _names(code: types.CodeType) -> set[str]:
    """The global and attribute names `code` and the code nested in it read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _qualname(code: types.CodeType) -> str:
    return getattr(code, "co_qualname", code.co_name)  # Python 3.10 has no co_qualname


def _statement(node: ast.FunctionDef | ast.Lambda) -> ast.stmt:
    """The def without its decorators (they run in the enclosing scope, not in the
    function's code), or the lambda as an expression statement. `node` is not changed:
    the lambda index shares it."""
    if isinstance(node, ast.Lambda):
        return ast.copy_location(ast.Expr(value=node), node)
    bare = copy.copy(node)
    bare.decorator_list = []
    return bare


def _find(code: types.CodeType, qualname: str, line: int | None = None
          ) -> types.CodeType | None:
    """The first code object named `qualname` (starting at `line`, if given) nested in
    `code`, outermost first."""
    nested = [c for c in code.co_consts if isinstance(c, types.CodeType)]
    for const in nested:
        if _qualname(const) == qualname and line in (None, const.co_firstlineno):
            return const
    for const in nested:
        found = _find(const, qualname, line)
        if found is not None:
            return found
    return None


def _shape(code: types.CodeType) -> tuple:
    """What a code object does, without where its lines are."""
    return (_instructions(code), code.co_names, code.co_varnames, code.co_freevars,
            code.co_cellvars, code.co_argcount, code.co_posonlyargcount,
            code.co_kwonlyargcount, code.co_flags,
            tuple(_shape(c) if isinstance(c, types.CodeType) else _constant(c)
                  for c in code.co_consts))


def _raw(code: types.CodeType) -> tuple:
    """`_shape` with the bytecode as it is: quick to compare, and equal in the usual case."""
    return (code.co_code, getattr(code, "co_exceptiontable", b""), code.co_names,
            code.co_varnames, code.co_freevars, code.co_cellvars, code.co_argcount,
            code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags,
            tuple(_raw(c) if isinstance(c, types.CodeType) else _constant(c)
                  for c in code.co_consts))


def _instructions(code: types.CodeType) -> tuple:
    """The instructions as (operation, argument), jumps by target instruction. A method
    load (`np.sum(x)`) compiles to LOAD_GLOBAL + LOAD_METHOD, or to LOAD_GLOBAL (with a
    NULL) + LOAD_ATTR when `np` is imported in the same compilation (a module's imports
    may be in another cell or statement), so the two are one operation; EXTENDED_ARG and
    NOP, which follow from offsets and line numbers, are left out."""
    kept: list[dis.Instruction] = []
    index: dict[int, int] = {}
    for ins in dis.get_instructions(code):
        index[ins.offset] = len(kept)
        if ins.opname not in ("EXTENDED_ARG", "NOP", "CACHE"):
            kept.append(ins)
    return tuple((_SAME.get(ins.opname, ins.opname),
                  index.get(ins.argval) if ins.opcode in _JUMPS else
                  None if isinstance(ins.argval, types.CodeType) else _constant(ins.argval))
                 for ins in kept)


_SAME = {"LOAD_METHOD": "LOAD_ATTR"}
_JUMPS = set(dis.hasjrel) | set(dis.hasjabs) | set(getattr(dis, "hasjump", ()))


def _constant(value: Any) -> Any:
    """A constant by type and exact text (0.0 and -0.0 differ; a frozenset's order
    does not matter)."""
    if isinstance(value, frozenset):
        return ("frozenset", tuple(sorted(repr(v) for v in value)))
    if isinstance(value, tuple):
        return ("tuple", tuple(_constant(v) for v in value))
    return (type(value).__name__, repr(value))
