"""Parse: a Python function object to its AST, with every free name resolvable.

`parse(fn)` reads the source with `inspect.getsource`, dedents and parses it, shifts line
numbers so they are the file's own, and runs the fence. A `lambda` is found among the lambdas
on its line by comparing bytecode, and becomes a one-line `def`.

`Source.resolve(name)` gives the object a free name denotes when the function is compiled:
a closure cell, a global of the function's module, or a builtin.
"""

from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import linecache
import os
import sys
import textwrap
import threading
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..errors import (LIBRARY_DIRS, Loc, SourceUnavailableError, StaleSourceError,
                      UnsupportedSyntaxError, caller_loc, is_library)
from .fence import fence
from .source_check import matches

_MISSING = object()
# s2sgrad's own rules are not checked against their files (about 0.1 ms each on a first
# compile); the persistent cache's key has every one of its files' size and mtime
_OWN = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_LAMBDAS: dict[int, dict[int, list[ast.Lambda]]] = {}


@dataclass
class Source:
    fn: Callable[..., Any]
    tree: ast.FunctionDef
    filename: str
    col_shift: int
    closure: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, types.CellType] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return getattr(self.fn, "__name__", "<function>")

    @property
    def globals(self) -> dict[str, Any]:
        return getattr(self.fn, "__globals__", {})

    def loc(self, node: ast.AST) -> Loc:
        return Loc(self.filename, getattr(node, "lineno", self.tree.lineno),
                   getattr(node, "col_offset", 0) + self.col_shift)

    def resolve(self, name: str, node: ast.AST | None = None) -> Any:
        for scope in (self.closure, self.globals, vars(builtins)):
            value = scope.get(name, _MISSING)
            if value is not _MISSING:
                if scope is self.globals and not isinstance(value, types.ModuleType):
                    _record(scope, name, value)
                elif scope is self.closure and name in self.cells:
                    _record(self.cells[name], "cell_contents", value)
                return value
        raise UnsupportedSyntaxError(
            f"name '{name}' is not defined", self.loc(node or self.tree),
            "define it before the function is differentiated")


Reads = list[tuple[dict, str, Any]]


class _Recording(threading.local):
    """Each thread's stack of open `recording_globals` lists: threads compiling at once
    (each lowering its own function) record into their own lists."""

    def __init__(self) -> None:
        self.stack: list[Reads] = []


_RECORDING = _Recording()


@contextmanager
def recording_globals() -> Iterator[Reads]:
    """Collect `(module globals, name, value)` for each global the code inside resolves, so
    a compiled derivative can tell when one of them was rebound (modules excepted). The
    lists are per thread."""
    reads: Reads = []
    stack = _RECORDING.stack
    stack.append(reads)
    try:
        yield reads
    finally:
        stack.pop()


def _record(scope: Any, name: str, value: Any) -> None:
    stack = _RECORDING.stack
    if stack:
        stack[-1].append((scope, name, value))


def record_attribute(obj: Any, name: str, value: Any) -> None:
    """Record `obj.name` read at compile time, so rebinding it is seen like rebinding a
    global: in the instance's `__dict__` by key (`self.w`, `helpers.scale` of a user
    module); otherwise, on objects of the user's classes, by attribute, which Python
    resolves anew on each check (a class attribute read through `self`, a `__slots__`
    value, a property's value, a staticmethod; a method by its function on the class).
    Attributes of library objects (`math.log`, `x.shape`) are taken as fixed."""
    if not _RECORDING.stack:
        return
    reads = _RECORDING.stack[-1]
    if isinstance(obj, types.ModuleType):
        if not is_library(obj) and vars(obj).get(name, _MISSING) is value:
            reads.append((vars(obj), name, value))
        return
    if not _user_class(obj if isinstance(obj, type) else type(obj)):
        return
    attrs = getattr(obj, "__dict__", None)
    if type(attrs) is dict and attrs.get(name, _MISSING) is value:
        reads.append((attrs, name, value))
    elif isinstance(value, types.MethodType) and value.__self__ is obj:
        cls = type(obj)  # a bound method is new at each read: check the class's function
        if _stable(cls, name, value.__func__):
            reads.append((cls, name, value.__func__))
            if type(attrs) is dict:  # and that the instance does not shadow it
                reads.append((attrs, name, ABSENT))
    elif _stable(obj, name, value):
        reads.append((obj, name, value))


ABSENT = object()  # recorded for a key a dict must not hold


def _stable(obj: Any, name: str, value: Any) -> bool:
    """Whether reading `obj.name` again gives `value` itself (a property computing a new
    object, or a classmethod, does not: such a value is taken as fixed)."""
    try:
        return getattr(obj, name) is value
    except Exception:
        return False


def _user_class(cls: type) -> bool:
    """A class defined in the user's code (not Python's, an installed package's or ours)."""
    module = sys.modules.get(getattr(cls, "__module__", None) or "")
    return module is not None and not is_library(module) and \
        not module.__name__.startswith("s2sgrad")


def record_function(fn: types.FunctionType) -> None:
    """Record what a function's compiled code depends on besides its globals: its code
    object (IPython's autoreload replaces it) and its defaults (callees' are baked in; the
    dispatcher binds the differentiated function's own)."""
    if not _RECORDING.stack or (fn.__module__ or "").startswith("s2sgrad") or \
            fn.__code__.co_filename.startswith(LIBRARY_DIRS):
        return
    _record(fn, "__code__", fn.__code__)
    for attr in ("__defaults__", "__kwdefaults__"):  # None: no call used a default
        if getattr(fn, attr) is not None:
            _record(fn, attr, getattr(fn, attr))


def parse(fn: Callable[..., Any], rule: bool = False) -> Source:
    """Read, parse and fence the source of `fn` (a derivative rule, if `rule`). A bound
    method, a `functools.partial`, an `lru_cache` wrapper or a callable object is the Python
    function behind it, with the values it binds (`self`, the partial's arguments) taken as
    closure constants."""
    target, bound = unwrap(fn)
    if target is not fn:
        return _with_bound(parse(target, rule), bound)
    code = getattr(fn, "__code__", None)
    if not isinstance(fn, types.FunctionType) or code is None:
        raise SourceUnavailableError(
            f"cannot read the source of {fn!r}: it is not a Python function", caller_loc(),
            hint="differentiate a function written in Python (a def or a lambda in a .py "
            "file)")
    try:
        src, current = _read(fn, rule)
    except SourceUnavailableError:
        current = False  # perhaps lines cached before the file changed: read it again
    if not current:
        linecache.checkcache(code.co_filename)  # the module may have been reloaded since
        src, current = _read(fn, rule)
        if not current:
            raise _stale(fn)
    return src


def _read(fn: types.FunctionType, rule: bool) -> tuple[Source, bool]:
    """The parsed and fenced source of `fn`, and whether it is the code that runs (the
    file may have been edited since the module was imported)."""
    code = fn.__code__
    filename = code.co_filename
    record_function(fn)
    if code.co_name == "<lambda>":  # also a lambda that functools.wraps renamed
        node = _lambda_node(fn, filename)
        src = Source(fn, _lambda_as_def(node), filename, 0, _closure_values(fn), _cells(fn))
        fence(src.tree, src.loc, rule)
        # the file's AST stays in _FILES, so the node's id names this text
        return src, filename.startswith(_OWN) or matches(
            code, node, id(node), fn.__globals__, lambda: _file_ast(filename))
    try:
        lines, start = function_lines(fn)
    except (OSError, TypeError) as exc:
        if filename.startswith("<"):
            raise _no_file(f"'{fn.__name__}'", filename) from None
        raise SourceUnavailableError(
            f"cannot read the source of '{fn.__name__}' (defined in {filename}): {exc}",
            Loc(filename, code.co_firstlineno),
            "define the function in a .py file; functions typed at a REPL or made by "
            "exec() have no source s2sgrad can read") from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    shift = _indent(text) - _indent(dedented)
    tree = _function_node(fn, dedented, filename, max(start, 1), shift)
    src = Source(fn, tree, filename, shift, _closure_values(fn), _cells(fn))
    fence(tree, src.loc, rule)
    return src, filename.startswith(_OWN) or matches(
        code, tree, text, fn.__globals__, lambda: _file_ast(filename))


def _stale(fn: types.FunctionType) -> StaleSourceError:
    code, module = fn.__code__, fn.__module__
    hint = "run the script again" if module in (None, "__main__") else \
        f"importlib.reload(sys.modules[{module!r}]), then differentiate the reloaded " \
        "function (or restart Python)"
    return StaleSourceError(
        f"the source of '{fn.__name__}' in {code.co_filename} is not the code that runs: "
        "the file was edited after it was imported (or an import hook rewrote the code)",
        Loc(code.co_filename, code.co_firstlineno), hint)


def call_signature(fun: Any) -> inspect.Signature:
    """The parameters of what calling `fun` runs: a `functools.wraps` wrapper's own, not the
    wrapped function's (`inspect.signature` follows `__wrapped__`); an `lru_cache` wrapper
    (C code, no signature of its own) takes its function's."""
    try:
        return inspect.signature(fun, follow_wrapped=False)
    except ValueError:
        return inspect.signature(fun)


def unwrap(fn: Any) -> tuple[Any, tuple]:
    """The function that calling `fn` runs, and the leading positional arguments it binds:
    `obj.method` is `(method's function, (obj,))`, `functools.partial(f, a)` is
    `(f, (a,))`, an `lru_cache` wrapper its `__wrapped__`, a callable object its
    `__call__`. A plain function (or anything else) is `(fn, ())`."""
    if isinstance(fn, types.MethodType):
        inner, more = unwrap(fn.__func__)
        return inner, (*more, fn.__self__)
    if isinstance(fn, functools.partial):
        if fn.keywords:
            raise _partial_error(fn)
        inner, more = unwrap(fn.func)
        return inner, (*more, *fn.args)
    if hasattr(fn, "cache_info") and callable(getattr(fn, "__wrapped__", None)):
        return unwrap(fn.__wrapped__)  # functools.lru_cache / cache: the same values
    call = getattr(type(fn), "__call__", None)
    if isinstance(call, types.FunctionType) and not isinstance(fn, (type, types.FunctionType)):
        if isinstance(inspect.getattr_static(type(fn), "__call__"), staticmethod):
            return unwrap(call)  # a staticmethod binds nothing
        return unwrap(types.MethodType(call, fn))
    return fn, ()


def canonical(fn: Any) -> Any:
    """`fn` as the transforms key and read it: a callable object whose `__call__` is a
    staticmethod is that function (it binds nothing, and `inspect.signature` of the object
    drops its first parameter), and one that cannot be a dictionary key (a dataclass) is its
    `__call__` with the object bound, keyed by identity. Anything else is `fn`."""
    if isinstance(fn, (type, types.FunctionType, types.MethodType, functools.partial)):
        return fn
    call = inspect.getattr_static(type(fn), "__call__", None)
    if isinstance(call, staticmethod):
        return call.__func__
    if isinstance(call, types.FunctionType) and getattr(type(fn), "__hash__", None) is None:
        return functools.partial(call, fn)
    return fn


def _partial_error(fn: functools.partial) -> SourceUnavailableError:
    """Keyword arguments of a partial stay overridable: the hint binds them in a lambda."""
    name = getattr(fn.func, "__name__", "f")
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    rest = [p.name for p in call_signature(fn).parameters.values() if p.kind in positional]
    call = [repr(a) for a in fn.args] + rest + [f"{k}={v!r}" for k, v in fn.keywords.items()]
    return SourceUnavailableError(
        f"cannot differentiate functools.partial({name}, ...) with keyword arguments",
        _def_loc(fn.func), f"bind them in a lambda: s2sgrad.grad(lambda {', '.join(rest)}: "
        f"{name}({', '.join(call)}))")


def _def_loc(fn: Any) -> Loc | None:
    code = getattr(fn, "__code__", None)
    return Loc(code.co_filename, code.co_firstlineno) if code is not None else None


def _with_bound(src: Source, bound: tuple) -> Source:
    """`src` with its first `len(bound)` parameters bound to `bound`'s values, which the
    body then reads as closure constants (`self.w` is the object's attribute)."""
    args = src.tree.args
    positional = [*args.posonlyargs, *args.args]
    names = [a.arg for a in positional[:len(bound)]]
    if len(names) < len(bound):
        raise SourceUnavailableError(
            f"'{src.name}' is called with {len(bound)} bound arguments (self or a partial's "
            f"arguments), more than its {len(positional)} positional parameters",
            src.loc(src.tree), "differentiate a def that takes the remaining arguments")
    rest = positional[len(bound):]
    tree = copy.copy(src.tree)  # the lambda index shares its nodes: do not change them
    tree.args = copy.copy(args)
    tree.args.posonlyargs = [a for a in rest if a in args.posonlyargs]
    tree.args.args = [a for a in rest if a in args.args]
    tree.args.defaults = args.defaults[max(len(args.defaults) - len(rest), 0):]
    closure = {**src.closure, **dict(zip(names, bound))}
    cells = {k: c for k, c in src.cells.items() if k not in names}
    return Source(src.fn, tree, src.filename, src.col_shift, closure, cells)


def _no_file(what: str, filename: str) -> SourceUnavailableError:
    """A function made by exec() or eval(), or typed at a prompt: it has no file, so the
    error names the line that asked for its derivative instead."""
    return SourceUnavailableError(
        f"cannot read the source of {what}: it was made by exec() or eval(), or typed at "
        f"an interactive prompt (its file is {filename}), which keeps no source; the line "
        "shown is the one that asked for its derivative", caller_loc(),
        "define the function with def (or a lambda) in a .py file and import it")


def function_lines(fn: types.FunctionType) -> tuple[list[str], int]:
    """`inspect.getsourcelines(fn)`, without its tokenizer when the code object tells where
    the function ends: from its first line (decorators included) through the last line
    that has bytecode, then any deeper-indented lines that finish that statement. Falls
    back to `inspect` when the block does not parse as one function. Both read the lines of
    `fn`'s own code object: for a `functools.wraps` wrapper, the wrapper's, which is what a
    call runs (`inspect` given the function would follow `__wrapped__`)."""
    code = fn.__code__
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    start, last = code.co_firstlineno, _last_line(code)
    if not lines or not 0 < start <= last <= len(lines):
        return inspect.getsourcelines(code)
    indent = _indent(lines[start - 1])
    end = last
    while end < len(lines) and lines[end].strip() and \
            (_indent(lines[end]) > indent or lines[end].lstrip()[0] in ")]}"):
        end += 1
    block = lines[start - 1:end]
    try:
        body = ast.parse(textwrap.dedent("".join(block))).body
    except SyntaxError:
        return inspect.getsourcelines(code)
    if len(body) != 1 or getattr(body[0], "name", None) != code.co_name:
        return inspect.getsourcelines(code)
    return block, start


def _last_line(code: types.CodeType) -> int:
    """The last source line with bytecode in `code` or the code nested in it."""
    last = max((line for _, _, line in code.co_lines() if line), default=code.co_firstlineno)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            last = max(last, _last_line(const))
    return last


def _indent(text: str) -> int:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return len(first) - len(first.lstrip())


def _function_node(fn: Callable[..., Any], text: str, filename: str, start: int,
                   shift: int) -> ast.FunctionDef:
    try:
        module = ast.parse(text)
    except SyntaxError as exc:
        loc = Loc(filename, start + (exc.lineno or 1) - 1, (exc.offset or 1) - 1 + shift)
        raise UnsupportedSyntaxError(
            f"cannot parse the source of '{fn.__name__}': {exc.msg}", loc,
            "check the function's source file") from None
    ast.increment_lineno(module, start - 1)
    for node in module.body:
        if isinstance(node, ast.FunctionDef):
            return node
    raise SourceUnavailableError(
        f"the source of '{fn.__name__}' is not a def statement", Loc(filename, start),
        "write the function with def")


_FILES: dict[tuple[str, int], ast.Module] = {}


def _lambdas(filename: str) -> dict[int, list[ast.Lambda]]:
    """The lambdas of a file by first line (built once per file version: rule modules hold
    hundreds, and each rule applied looks its lambda up)."""
    module = _file_ast(filename)
    if module is None:
        return {}
    if id(module) not in _LAMBDAS:
        index: dict[int, list[ast.Lambda]] = {}
        for node in ast.walk(module):
            if isinstance(node, ast.Lambda):
                index.setdefault(node.lineno, []).append(node)
        _LAMBDAS[id(module)] = index
    return _LAMBDAS[id(module)]


def _file_ast(filename: str) -> ast.Module | None:
    lines = linecache.getlines(filename)
    key = (filename, hash(tuple(lines)))
    if key not in _FILES:
        try:
            _FILES[key] = ast.parse("".join(lines))
        except SyntaxError:
            return None
    return _FILES[key]


def _lambda_node(fn: Callable[..., Any], filename: str) -> ast.Lambda:
    """A lambda's AST, found among the lambdas of its file by line, arguments and columns."""
    code = fn.__code__
    found = [node for node in _lambdas(filename).get(code.co_firstlineno, ())
             if [a.arg for a in _args(node.args)] == list(code.co_varnames[:_nargs(code)])]
    if len(found) > 1:
        found = [n for n in found if _spans(n, code)] or found[:0]
    if not found and filename.startswith("<") and not linecache.getlines(filename):
        raise _no_file("this lambda", filename)
    if len(found) != 1:
        raise SourceUnavailableError(
            f"cannot read the source of this lambda (defined in {filename})",
            Loc(filename, code.co_firstlineno), "define the function with def in a .py file")
    return found[0]


def _lambda_as_def(node: ast.Lambda) -> ast.FunctionDef:
    """The lambda as a one-line def named `<lambda>` (sharing its nodes)."""
    ret = ast.Return(value=node.body)
    ast.copy_location(ret, node.body)
    fdef = ast.FunctionDef(name="<lambda>", args=node.args, body=[ret], decorator_list=[],
                           returns=None, type_comment=None)
    ast.copy_location(fdef, node)
    fdef.end_lineno, fdef.end_col_offset = node.end_lineno, node.end_col_offset
    return fdef


def _args(args: ast.arguments) -> list[ast.arg]:
    return [*args.posonlyargs, *args.args, *args.kwonlyargs]


def _nargs(code: types.CodeType) -> int:
    return code.co_argcount + code.co_kwonlyargcount


def _spans(node: ast.Lambda, code: types.CodeType) -> bool:
    """Whether the code's instructions lie inside the lambda's columns (Python 3.11+)."""
    positions = getattr(code, "co_positions", None)
    if positions is None:
        return False
    cols = [(ln, c) for ln, _, c, end in positions()
            if ln is not None and c is not None and end is not None and end > c]
    return bool(cols) and all(
        (node.lineno, node.col_offset) <= (ln, c) <= (node.end_lineno, node.end_col_offset)
        for ln, c in cols if ln >= node.lineno)


def _closure_values(fn: Callable[..., Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            values[name] = cell.cell_contents
        except ValueError:  # an empty cell: the name is assigned after the def
            pass
    return values


def _cells(fn: Callable[..., Any]) -> dict[str, types.CellType]:
    return dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))


def source_lines(loc: Loc) -> str:
    return linecache.getline(loc.filename, loc.lineno).strip()
