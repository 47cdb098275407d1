"""A persistent cache of generated code, so a new process skips the compiler.

An entry is the generated source of one specialization (one function, one set of options,
one set of argument kinds), the objects its namespace names, and the globals the compiler
baked into it. Its key hashes:

- the source text of the function, its file and first line, its code object (bytecode,
  names, constants, line and column table: two lambdas on one line share their text), its
  module and qualified name, and its defaults (exactly, see `_exact`);
- the options and the argument kinds and structures;
- s2sgrad's version and the size and modification time of each of its own files (so
  editing a rule invalidates everything), Python's and NumPy's versions;
- the source of every derivative rule the user registered (`defvjp`, `custom_vjp`, ...).

The globals that the function and its callees read (callees, constants) are not known
before compiling, so they are checked when an entry is loaded: each is looked up again by
module and name, and its fingerprint (`_exact`: a function as in the key, a value's
exact bytes, a user class's contents) must match what was stored. A program whose parts cannot be fingerprinted (closures,
objects' attributes, functions passed as arguments, values that do not pickle) is not
cached. Entries live in `$S2SGRAD_CACHE_DIR`, else `$XDG_CACHE_HOME/s2sgrad`, else
`~/.cache/s2sgrad`; `S2SGRAD_NO_CACHE=1` turns the cache off. Unreadable entries are misses.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pickle
import platform
import sys
import tempfile
import types
from typing import Any, Callable

import numpy as np

from ..errors import is_library
from ..frontend.parse import function_lines
from ..rules import registry
from ..version import __version__

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_FORMAT = 1
Record = tuple[str, str, str]  # (module name or "module:Class", name, fingerprint)


class _ModuleName(str):
    """A module in a stored namespace, by name (modules do not pickle)."""


class _Named(tuple):
    """A function or ufunc in a stored namespace, as (module, name): found again by import,
    not pickled (pickling some ufuncs goes through deprecated NumPy paths)."""


def _portable(value: Any) -> Any:
    if isinstance(value, types.ModuleType):
        return _ModuleName(value.__name__)
    if callable(value) and not isinstance(value, type):
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
        module = getattr(value, "__module__", None) or _owner(value, name)
        if module and name and _lookup(module, name) is value:
            return _Named((module, name))
    return value


def _owner(value: Any, name: str | None) -> str | None:
    """The imported module that has `value` under `name` (for ufuncs with no __module__)."""
    for mod_name, module in list(sys.modules.items()):
        if name and getattr(module, "__dict__", {}).get(name) is value:  # no __getattr__
            return mod_name
    return None


def _lookup(module: str, name: str) -> Any:
    try:
        value: Any = importlib.import_module(module)
        for part in name.split("."):
            value = getattr(value, part)
        return value
    except (ImportError, AttributeError):
        return None


def _restored(value: Any) -> Any:
    if isinstance(value, _ModuleName):
        return importlib.import_module(value)
    if isinstance(value, _Named):
        found = _lookup(*value)
        if found is None:
            raise Uncacheable(f"{value[0]}.{value[1]} is gone")
        return found
    return value


class Uncacheable(Exception):
    """Some part of the program cannot be fingerprinted, so it is compiled every time."""


def enabled() -> bool:
    return os.environ.get("S2SGRAD_NO_CACHE", "") in ("", "0")


def directory() -> str:
    explicit = os.environ.get("S2SGRAD_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "s2sgrad")


def key(fun: Callable[..., Any], opts: Any, spec: tuple) -> str | None:
    """The entry's file stem, or None when `fun` or `spec` cannot be fingerprinted."""
    try:
        parts = [_environment(), _user_rules(), str(fun.__module__), fun.__qualname__,
                 _function_print(fun), repr(opts), _plain_repr(spec)]
    except Uncacheable:
        return None
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


def load(stem: str) -> tuple[str, str, dict[str, Any], tuple] | None:
    """`(function name, source text, namespace, deps)` of a stored entry whose globals
    still match."""
    path = os.path.join(directory(), stem + ".pickle")
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f)
        if entry.get("format") != _FORMAT:
            return None
        deps = tuple(_resolve(record) for record in entry["globals"])
        names = {k: _restored(v) for k, v in entry["namespace"].items()}
        return entry["name"], entry["text"], names, deps
    except Exception:  # missing, stale, truncated, written by another version: a miss
        return None


def store(stem: str, name: str, text: str, namespace: dict[str, Any], deps: tuple) -> bool:
    """Write an entry (atomically); False when it cannot be stored. Never raises."""
    try:
        records = [_record(scope, name, value) for scope, name, value in deps]
        names = {k: _portable(v) for k, v in namespace.items()
                 if not k.startswith("__") and k != name}
        data = pickle.dumps({"format": _FORMAT, "name": name, "text": text, "namespace": names,
                             "globals": records}, protocol=pickle.HIGHEST_PROTOCOL)
        os.makedirs(directory(), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory(), suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(directory(), stem + ".pickle"))
        return True
    except Exception:  # unpicklable objects, a read-only disk: just not cached
        return False


def _record(scope: Any, name: str, value: Any) -> Record:
    """A module global by (module, name), or an attribute of a module-level class by
    ("module:Class.qualname", name); anything else (`self.w`) is not cached."""
    if isinstance(scope, type):
        where = f"{scope.__module__}:{scope.__qualname__}"
        if _class_at(where) is not scope:
            raise Uncacheable(f"{where} is not reachable by its name")
        return where, name, _fingerprint(value)
    module = scope.get("__name__") if isinstance(scope, dict) else None
    if not isinstance(module, str) or getattr(sys.modules.get(module), "__dict__", None) \
            is not scope:
        raise Uncacheable(f"{name} is not a module global")  # e.g. `self.w`
    return module, name, _fingerprint(value)


def _class_at(where: str) -> Any:
    module, qualname = where.split(":")
    obj: Any = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj


def _resolve(record: Record) -> tuple[Any, str, Any]:
    module, name, print_ = record
    scope: Any = _class_at(module) if ":" in module else sys.modules[module].__dict__
    value = getattr(scope, name) if ":" in module else scope[name]
    if _fingerprint(value) != print_:
        raise Uncacheable(f"{module}.{name} changed")
    return scope, name, value


def _fingerprint(value: Any) -> str:
    """What a global's value is, exactly: see `_exact`."""
    return _exact(value, ())


def _exact(value: Any, seen: tuple) -> str:
    """A text that changes whenever `value` does: floats by their hex digits, arrays by
    dtype, shape and bytes, containers item by item, functions by source and code, user
    classes by their contents, library functions and classes by name. Never `repr()` (it
    rounds floats and elides the middle of big arrays). Raises Uncacheable otherwise."""
    kind = type(value)
    if value is None or kind in (bool, int, str, bytes):
        return f"{kind.__name__}:{value!r}"
    if kind is float:
        return "float:" + value.hex()
    if kind is complex:
        return f"complex:{value.real.hex()},{value.imag.hex()}"
    if any(value is s for s in seen) and isinstance(value, type):
        return f"class {value.__qualname__} again"  # Ops.default = Ops
    if len(seen) > 40 or any(value is s for s in seen):
        raise Uncacheable("a value that contains itself")
    inner = (*seen, value)
    if kind in (tuple, list):
        return f"{kind.__name__}(" + ",".join(_exact(v, inner) for v in value) + ")"
    if kind is dict:
        return "dict(" + ",".join(f"{_exact(k, inner)}:{_exact(v, inner)}"
                                  for k, v in value.items()) + ")"
    if kind is np.ndarray or isinstance(value, np.generic):
        return _array_print(value)
    if isinstance(value, types.FunctionType):
        return "function " + _function_print(value)
    if isinstance(value, type):
        return _class_print(value, inner)
    if isinstance(value, types.ModuleType):
        return "module " + value.__name__
    if isinstance(value, (types.BuiltinFunctionType, np.ufunc)):
        return f"named {getattr(value, '__module__', '')}.{value.__qualname__}" \
            if hasattr(value, "__qualname__") else f"named {value!r}"
    raise Uncacheable(f"cannot fingerprint {kind.__name__}")


def _array_print(value: Any) -> str:
    """An array or NumPy scalar: its dtype (byte order and fields included), shape and the
    hash of its bytes."""
    if value.dtype.hasobject:
        raise Uncacheable("an array of Python objects")
    data = np.ascontiguousarray(value).tobytes()
    return f"array:{value.dtype.str}:{value.dtype!r}:{np.shape(value)}:{type(value).__name__}:" \
        + hashlib.sha256(data).hexdigest()


_SLOTS = ("__dict__", "__weakref__", "__annotations__")


def _class_print(cls: type, seen: tuple) -> str:
    """A library class (int, np.ndarray) by name; a user class by the contents of each user
    class in its MRO (methods by source and code, attributes by value), not its name."""
    named = f"class {cls.__module__}.{cls.__qualname__}"
    module = sys.modules.get(cls.__module__)
    if module is None or is_library(module):
        return named
    parts = [named]
    parts += [_exact(klass, seen) for klass in cls.__mro__[1:]]
    for name, member in sorted(vars(cls).items()):
        if name not in _SLOTS:
            parts.append(f"{name}={_member_print(member, seen)}")
    return "{" + ";".join(parts) + "}"


def _member_print(member: Any, seen: tuple) -> str:
    if isinstance(member, (staticmethod, classmethod)):
        return f"{type(member).__name__} {_exact(member.__func__, seen)}"
    if isinstance(member, property):
        return "property " + ",".join(_exact(f, seen) for f in
                                      (member.fget, member.fset, member.fdel))
    if isinstance(member, (types.MemberDescriptorType, types.GetSetDescriptorType)):
        return "slot"  # a __slots__ entry: its value lives in the instances
    return _exact(member, seen)


def _function_print(fn: Any) -> str:
    """A Python function: its source text, where it starts (file and line: stored error
    locations name lines), its code (two lambdas on one line share the text; the bytecode,
    constants and column table tell them apart) and its defaults, exactly. Closures are not
    cached."""
    if not isinstance(fn, types.FunctionType) or fn.__closure__:
        raise Uncacheable("a closure or not a Python function")
    try:
        text = "".join(function_lines(fn)[0])
    except (OSError, TypeError):
        raise Uncacheable("no source") from None
    code = fn.__code__
    parts = [text, code.co_filename, str(code.co_firstlineno), _code_print(code),
             _exact(fn.__defaults__, ()), _exact(fn.__kwdefaults__, ())]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _code_print(code: types.CodeType) -> str:
    """The bytecode, names, constants and line-and-column table of a code object and of the
    code objects nested in it."""
    consts = [_code_print(c) if isinstance(c, types.CodeType) else _const_print(c)
              for c in code.co_consts]
    return "|".join([code.co_code.hex(), code.co_linetable.hex(), repr(code.co_names),
                     repr(code.co_varnames), repr(code.co_freevars), repr(code.co_cellvars),
                     f"{code.co_argcount},{code.co_posonlyargcount},{code.co_kwonlyargcount}"
                     f",{code.co_flags}", "(" + ",".join(consts) + ")"])


def _const_print(value: Any) -> str:
    """A constant of a code object (literals, tuples and frozensets of them), exactly;
    frozensets sorted, since their order follows string hashes, which vary by process."""
    if isinstance(value, frozenset):
        return "frozenset(" + ",".join(sorted(_const_print(v) for v in value)) + ")"
    if isinstance(value, tuple):
        return "tuple(" + ",".join(_const_print(v) for v in value) + ")"
    if type(value) in (float, complex):
        return _exact(value, ())
    return f"{type(value).__name__}:{value!r}"  # int, str, bytes, None, Ellipsis


def _plain_repr(value: Any) -> str:
    text = repr(value)
    if " at 0x" in text:  # an object without a stable text: a function passed as argument
        raise Uncacheable("no stable repr")
    return text


_ENVIRONMENT: list[str] = []


def _environment() -> str:
    """s2sgrad's version and files, Python's and NumPy's versions (computed once)."""
    if not _ENVIRONMENT:

        stats = []
        for root, _, files in os.walk(_PACKAGE_DIR):
            for name in sorted(files):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(root, name))
                    stats.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
        _ENVIRONMENT.append("|".join([__version__, platform.python_version(), np.__version__,
                                      *sorted(stats)]))
    return _ENVIRONMENT[0]


def _user_rules() -> str:
    """The source of every rule registered from outside s2sgrad: they shape the code."""

    prints = []
    for prim, parts in registry.user_rules():
        prints.append(f"{getattr(prim, '__module__', '')}.{getattr(prim, '__qualname__', prim)}")
        for fn in parts:
            prints.append(_exact(fn, ()))
    return "|".join(prints)
