"""The module being written: the user's function, what it reads, and generated code.

Every name the module reads is defined in it: `math` and `numpy` are imported, numbers and
arrays are written as literals, the user's own functions that `f` calls are copied from
their source, and the runtime helpers the generated code calls are copied from
`runtime.py` (see `backend/inline.py`). Anything else (another library, an object
with no source) is refused with a `TranspileError` that names it, since the module must run
where s2sgrad is not installed.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import os
import sysconfig
import textwrap
import types
from typing import Any, Callable

import numpy as np

from ...backend.compile import to_source
from ...backend.inline import free_names, helper_definitions, is_helper
from ...backend.to_ast import to_module
from ...errors import Loc, S2SGradError
from ...frontend.parse import parse

_LITERALS = (bool, int, float, complex, str, bytes, type(None))
_MISSING = object()


class TranspileError(S2SGradError):
    """The function reads something a standalone module cannot define, or takes an
    argument whose kind a module cannot be generated for."""


class Module:
    """The definitions of the module being written, each name bound to one object."""

    def __init__(self, name: str):
        self.name = name
        self.imports: dict[str, None] = {}
        self.from_imports: dict[str, None] = {}
        self.constants: list[str] = []
        self.helpers: list[Any] = []
        self.functions: list[str] = []  # the user's functions, callees first
        self.generated: list[str] = []
        self.names: dict[str, Any] = {}  # top-level name -> the object it is bound to
        self.objects: dict[int, str] = {}  # id of an object -> its name in the module
        self.aliases: list[str] = []  # `g = f` for a copied function read by two names
        self.future = False
        self.wrong_kind = False  # a guard raises _wrong_kind
        self.copied: set[int] = set()

    # -- the user's code ------------------------------------------------------------------
    def add_primal(self, fn: Callable[..., Any], name: str, reserved: list[str]
                   ) -> ast.FunctionDef:
        """Copy the user's function as `name`; the generated code will define `reserved`."""
        self._claim(self.name, fn)
        for taken in reserved:
            self._claim(taken, taken)
        return self._copy_function(fn, name)

    def _copy_function(self, fn: Callable[..., Any], name: str) -> ast.FunctionDef:
        """Copy `fn`'s source (without decorators) as `name`, after what it reads."""
        self.copied.add(id(fn))
        self.objects[id(fn)] = name
        text, tree = _function_source(fn, name)
        if _has_annotations(tree):
            self.future = True
        closure = _closure(fn)
        for free in sorted(free_names(tree)):
            value = closure.get(free, _MISSING)
            if value is _MISSING:
                value = getattr(fn, "__globals__", {}).get(free, _MISSING)
            if value is _MISSING:
                value = vars(builtins).get(free, _MISSING)
            if value is _MISSING:  # an undefined name: the copy fails as the original does
                continue
            self._define(free, value, fn, rename=False)
        self.functions.append(text)
        return tree

    # -- generated code -------------------------------------------------------------------
    def add_generated(self, program: Any, fname: str,
                      finish: Callable[[ast.FunctionDef], None]) -> None:
        """Write `program` as `fname`; `finish` gives it the user's parameters, its guard
        and its docstring. The names the code reads are defined in the module."""
        namespace: dict[str, Any] = {}
        program.alias_check = None  # an s2sgrad object: the module must stand alone
        fdef = to_module(program, namespace).body[0]
        assert isinstance(fdef, ast.FunctionDef)
        fdef.name = fname
        taken = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)}
        for ref, value in namespace.items():
            if ref == "__name__":
                continue
            bound = self._define(ref, value, None, rename=True, avoid=taken)
            if bound != ref:
                for node in ast.walk(fdef):
                    if isinstance(node, ast.Name) and node.id == ref:
                        node.id = bound
        finish(fdef)
        if any(isinstance(n, ast.Name) and n.id == "np" for n in ast.walk(fdef)):
            self._numpy()  # the guard tests arrays
        if any(isinstance(n, ast.Name) and n.id == "_wrong_kind" for n in ast.walk(fdef)):
            self.wrong_kind = True
        self.generated.append(to_source(ast.fix_missing_locations(
            ast.Module(body=[fdef], type_ignores=[]))))

    # -- one name -------------------------------------------------------------------------
    def _define(self, name: str, value: Any, user: Callable[..., Any] | None, rename: bool,
                avoid: set[str] = frozenset()) -> str:
        """Make `name` denote `value` in the module; return the name actually used."""
        if _same(self.names.get(name, _MISSING), value):
            return name
        if vars(builtins).get(name, _MISSING) is value and name not in self.names:
            return name
        known = self.objects.get(id(value))
        if known is not None and rename and not inspect.ismodule(value):
            return known
        if name in self.names:
            if not rename:
                raise TranspileError(
                    f"cannot transpile: '{name}' denotes two different things in the "
                    "code to copy", _where(user), "rename one of them")
            base, k = name, 1
            while name in self.names or name in avoid:
                name, k = f"{base}_{k}", k + 1
        self._claim(name, value)
        if known is not None and id(value) in self.copied:
            self.aliases.append(f"{name} = {known}")
        else:
            self._bind(name, value, user)
        return name

    def _claim(self, name: str, value: Any) -> None:
        self.names[name] = value
        if not isinstance(value, _LITERALS):
            self.objects.setdefault(id(value), name)

    def _bind(self, name: str, value: Any, user: Callable[..., Any] | None) -> None:
        if inspect.ismodule(value):
            self._import_module(name, value, user)
        elif _builtin_name(value) is not None:
            self.constants.append(f"{name} = {_builtin_name(value)}")
        elif _home(value) is not None:
            module, attr = _home(value)  # type: ignore[misc]
            self.from_imports[f"from {module} import {attr}" +
                              (f" as {name}" if name != attr else "")] = None
        elif is_helper(value):
            self.helpers.append(value)
            if name != value.__name__:
                self.aliases.append(f"{name} = {value.__name__}")
        elif _is_constant(value):
            self.constants.append(f"{name} = {self._literal(value)}")
        elif isinstance(value, types.FunctionType) and not _from_package(value):
            if hasattr(value, "__s2sgrad__"):
                raise _refused(name, value, user, "it was made by s2sgrad")
            if _in_library(value):
                raise _refused(name, value, user, "it is a function of the library "
                               f"'{value.__module__}', which is not copied")
            real = value.__name__
            if real != name and real.isidentifier() and real not in self.names:
                self._claim(real, value)  # copied under its own name, then aliased
                self._copy_function(value, real)
                self.aliases.append(f"{name} = {real}")
            else:
                self._copy_function(value, name)
        else:
            what = "made by s2sgrad" if _from_package(value) else "not a number, an array, " \
                "a function with source, or part of math or numpy"
            raise _refused(name, value, user, f"it is {what}")

    def _import_module(self, name: str, module: types.ModuleType,
                       user: Callable[..., Any] | None) -> None:
        full = module.__name__
        top = full.partition(".")[0]
        if top not in ("math", "numpy"):
            raise _refused(name, module, user, "a transpiled module may import only math "
                           "and numpy")
        if name == full:
            line = f"import {full}"
        elif "." in full and name == full.rpartition(".")[2]:
            line = f"from {full.rpartition('.')[0]} import {name}"
        else:
            line = f"import {full} as {name}"
        self.imports[line] = None

    def _literal(self, value: Any) -> str:
        if isinstance(value, float) and not math.isfinite(value):
            return f"float({str(value)!r})"
        if type(value) is list:
            return "[" + ", ".join(self._literal(v) for v in value) + "]"
        if isinstance(value, tuple):
            items = [self._literal(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, (np.ndarray, np.generic)):
            np_name = self._numpy()
            if isinstance(value, np.generic):
                return f"{np_name}.{value.dtype.name}({value.item()!r})"
            return f"{np_name}.array({value.tolist()!r}, dtype={np_name}.{value.dtype.name})"
        return repr(value)

    def _numpy(self) -> str:
        """A name for numpy: `np`, imported if it is not bound to something else."""
        if self.names.get("np", np) is not np:
            raise TranspileError("cannot write an array: the name 'np' is taken",
                                 hint="rename what the user's code calls np")
        self.names["np"] = np
        self.imports["import numpy as np"] = None
        return "np"

    # -- the text -------------------------------------------------------------------------
    def text(self, header: str, doc: str, wrong_kind: str) -> str:
        """The module: `header` and the docstring `doc`, then the definitions (the helper
        `wrong_kind` if a guard raises it)."""
        definitions, modules = helper_definitions(self.helpers)
        for helper, _ in definitions:
            bound = self.names.get(helper, _MISSING)
            if bound is not _MISSING and getattr(bound, "__name__", None) != helper:
                raise TranspileError(f"cannot transpile: the name '{helper}' is needed for "
                                     "a runtime helper", hint="rename the user's one")
        if "numpy" in modules:
            self._numpy()
        if "math" in modules:
            self.imports["import math"] = None
        sections = [header + "\n" + doc]
        if self.future:
            sections.append("from __future__ import annotations")
        imports = sorted(self.imports) + sorted(self.from_imports)
        if imports:
            sections.append("\n".join(imports))
        if self.constants:
            sections.append("\n".join(self.constants))
        sections += [source for _, source in definitions]
        if self.wrong_kind:
            sections.append(wrong_kind)
        sections += self.functions
        if self.aliases:
            sections.append("\n".join(self.aliases))
        sections += self.generated
        return "\n\n\n".join(s.strip("\n") for s in sections) + "\n"


def _function_source(fn: Callable[..., Any], name: str) -> tuple[str, ast.FunctionDef]:
    """`fn`'s def statement as the user wrote it, without decorators, named `name`."""
    if fn.__name__ == "<lambda>":
        tree = parse(fn).tree
        tree = ast.FunctionDef(name=name, args=tree.args, body=tree.body, decorator_list=[],
                               returns=None, type_comment=None)
        ast.fix_missing_locations(ast.copy_location(tree, tree.body[0]))
        return ast.unparse(tree), tree
    try:
        lines, _ = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise TranspileError(f"cannot read the source of '{fn.__name__}': {exc}",
                             hint="define it in a .py file") from None
    text = textwrap.dedent("".join(lines))
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef))
    text = "\n".join(text.splitlines()[node.lineno - 1:node.end_lineno])
    node.decorator_list = []
    if node.name != name:  # copied under the name it is read by
        node.name = name
        first, _, rest = text.partition("\n")
        text = first.replace(f"def {fn.__name__}", f"def {name}", 1) + "\n" + rest
    return text, node


def _closure(fn: Callable[..., Any]) -> dict[str, Any]:
    code = getattr(fn, "__code__", None)
    cells = getattr(fn, "__closure__", None) or ()
    out = {}
    for var, cell in zip(code.co_freevars if code else (), cells):
        try:
            out[var] = cell.cell_contents
        except ValueError:  # an empty cell
            pass
    return out


def _has_annotations(tree: ast.AST) -> bool:
    return any(isinstance(n, ast.arg) and n.annotation is not None or
               isinstance(n, ast.FunctionDef) and n.returns is not None for n in ast.walk(tree))


def _same(a: Any, b: Any) -> bool:
    """The same object, or equal literals that print the same (so `inf` is defined once)."""
    return a is b or type(a) is type(b) and isinstance(a, _LITERALS) and repr(a) == repr(b)


def _is_constant(value: Any) -> bool:
    if type(value) in (tuple, list):  # a list: an index the derivative code reads
        return all(_is_constant(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufc" and value.size <= 100_000
    return isinstance(value, _LITERALS) or isinstance(value, np.generic) and \
        value.dtype.kind in "biufc"


def _builtin_name(value: Any) -> str | None:
    name = getattr(value, "__name__", None)
    if name and not isinstance(value, _LITERALS) and vars(builtins).get(name) is value:
        return name
    return None


def _home(value: Any) -> tuple[str, str] | None:
    """(module, name) for a public member of math or numpy (or a numpy submodule)."""
    name = getattr(value, "__name__", None)
    if not isinstance(name, str) or inspect.ismodule(value) or isinstance(value, _LITERALS):
        return None
    if getattr(math, name, None) is value:
        return "math", name
    module = getattr(value, "__module__", None) or "numpy"
    if not module.startswith("numpy"):
        return None
    parts = [p for p in module.split(".") if not p.startswith("_")]
    while parts:
        candidate = np
        for p in parts[1:]:
            candidate = getattr(candidate, p, None)
        if getattr(candidate, name, None) is value:
            return ".".join(parts), name
        parts.pop()
    return None


def _in_library(fn: Callable[..., Any]) -> bool:
    """Whether `fn` is defined in the standard library or in an installed package."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return True
    filename = os.path.realpath(code.co_filename)
    paths = sysconfig.get_paths()
    roots = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib",
                                                   "platlib") if k in paths}
    return any(filename.startswith(root + os.sep) for root in roots)


def _from_package(value: Any) -> bool:
    module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "")
    return str(module).partition(".")[0] == "s2sgrad"


def _where(fn: Callable[..., Any] | None) -> Loc | None:
    code = getattr(fn, "__code__", None)
    return Loc(code.co_filename, code.co_firstlineno) if code else None


def _refused(name: str, value: Any, user: Callable[..., Any] | None, why: str
             ) -> TranspileError:
    reader = f"'{user.__name__}' reads" if user is not None else "the derivative code reads"
    if inspect.ismodule(value):
        what = f"the module '{name}'" + (f" ({value.__name__})" if name != value.__name__
                                         else "")
    else:
        what = f"'{name}' (a {type(value).__name__})"
    return TranspileError(f"cannot transpile: {reader} {what}, and {why}",
                          _where(user), "a transpiled module defines everything it uses; "
                          "pass the value as an argument or use math or numpy")
