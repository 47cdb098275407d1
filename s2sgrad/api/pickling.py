"""Pickling derivatives by reference: `pickle.dumps(grad(f))` stores how to make the
derivative again (the transform, `f`'s module and qualified name, the options), never the
compiled code, and unpickling in another process (multiprocessing, a `spawn`
ProcessPoolExecutor) imports `f`'s module and compiles there.

Objects (a `grad` of a `functools.partial` binding data, `grad(grad(f))`) pickle through
`__reduce__`, which returns `(rebuild, (transform, reference, options, ...))`. Functions
cannot: pickle stores any function as a global, by its `__module__` and `__qualname__`,
and never asks it. So a derivative that is a function (the dispatcher `grad(f)` returns,
a Hessian) is named as a global of this module, its qualified name the recipe itself:
`grad('model/loss', argnums=(0, 1))`. Looking that name up here gives the object itself
in the process that made it (after checking that `f` can be found by name), and in any
other process the derivative made again (module `__getattr__` below).

A reference is `module/qualname` with dots written as colons (pickle splits global names at
dots). A function that cannot be found by its name (a lambda, a function defined inside
another) raises `S2SGradError` when its derivative is pickled.
"""

from __future__ import annotations

import ast
import functools
import importlib
import types
import weakref
from typing import Any, Callable

from ..errors import Loc, S2SGradError

_NAMED: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
_MAKERS: dict[str, Callable[..., Any]] = {}  # mode -> what makes it (`register`)
_MODES = ("grad", "value_and_grad", "jacfwd", "jacrev", "hessian", "jacobian")


def name(obj: Any, mode: str, fun: Any, **options: Any) -> Any:
    """Give `obj`, a function s2sgrad made as `mode(fun, **options)`, a global name of this
    module that pickle stores and finds again; returns `obj`."""
    shown = "".join(f", {k}={v!r}" for k, v in options.items())
    recipe = f"{mode}({reference(fun)!r}{shown})"
    unique, n = recipe, 1
    while _NAMED.get(unique) not in (None, obj):
        n += 1
        unique = f"{recipe}~{n}"
    _NAMED[unique] = obj
    obj.__s2sgrad_recipe__ = (mode, fun)
    obj.__module__, obj.__qualname__ = __name__, unique
    return obj


def reference(fun: Any) -> str:
    """`module/qualname` of `fun`, dots written as colons ("?" parts when it has none)."""
    module = getattr(fun, "__module__", None) or "?"
    qualname = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or "?"
    if module == __name__:  # a derivative named here: its recipe is its name
        return f"{module.replace('.', ':')}/{qualname}"
    return f"{module}/{qualname}".replace(".", ":")


def resolve(ref: str) -> Any:
    """The function `ref` names: its module imported, its qualified name looked up, and
    through a derivative `@grad` made of it (`module.f` is then the derivative)."""
    module, _, qualname = ref.partition("/")
    module = module.replace(":", ".")
    if module == __name__:
        return __getattr__(qualname)
    obj: Any = importlib.import_module(module)
    for part in qualname.replace(":", ".").split("."):
        obj = getattr(obj, part)
    while hasattr(obj, "__s2sgrad__") and callable(getattr(obj, "__wrapped__", None)):
        obj = obj.__wrapped__
    return obj


def check_findable(fun: Any, mode: str) -> str:
    """The reference of `fun`, after checking that looking it up gives `fun` itself."""
    ref = reference(fun)
    try:
        found = resolve(ref) if isinstance(fun, types.FunctionType) else None
    except (ImportError, AttributeError, S2SGradError):
        found = None
    if found is fun:
        return ref
    what = getattr(fun, "__qualname__", None) or repr(fun)[:60]
    code = getattr(fun, "__code__", None)
    loc = Loc(code.co_filename, code.co_firstlineno) if code is not None else None
    simple = getattr(fun, "__name__", "f").replace("<lambda>", "f")
    raise S2SGradError(
        f"cannot pickle the {mode.replace('_', ' ')} of '{what}': a derivative is pickled "
        f"by reference, as its function's module and name, and '{what}' cannot be found by "
        "its name (a lambda, a function defined inside another, a bound method or partial, "
        "or a name since rebound)", loc,
        f"define it with def at module level and pickle s2sgrad.{mode}({simple}) of that: "
        f"def {simple}(x): return x * x")


def reduction(mode: str, fun: Any, options: dict, bound: tuple = ()) -> tuple:
    """What `__reduce__` of an object `mode(fun, **options)` returns (`bound`: values a
    `functools.partial` of `fun` binds)."""
    return rebuild, (mode, check_findable(fun, mode), options, bound)


def register(mode: str, maker: Callable[..., Any]) -> None:
    """`maker(fun, **options)` makes the objects of `mode` again when they are unpickled
    (each transform registers itself where it is defined)."""
    _MAKERS[mode] = maker


def rebuild(mode: str, ref: str, options: dict, bound: tuple = ()) -> Any:
    """`mode(fun, **options)` made again from the reference of `fun`."""
    fun = resolve(ref)
    return _MAKERS[mode](functools.partial(fun, *bound) if bound else fun, **options)


def rebuild_derived(ref: str, steps: tuple, n_args: int, extras: tuple, pick: int,
                    wrt: tuple) -> Any:
    """A derivative of a derivative (`grad(grad(f))`) made again."""
    return _MAKERS["derived"](resolve(ref), steps, n_args, extras, pick, wrt)


def named(made: Callable[..., Any], mode: str, fun: Any, **options: Any
          ) -> Callable[..., Any]:
    """`made`, a function, named for pickling by reference (`name`), unless it has a recipe
    of its own already."""
    if isinstance(made, types.FunctionType) and not hasattr(made, "__s2sgrad_recipe__"):
        name(made, mode, fun, **options)
    return made


def _parse(qualname: str) -> tuple[str, str, dict]:
    """The transform, reference and options a recipe name holds (AttributeError if it is
    not one: other lookups of this module's attributes)."""
    try:
        call = ast.parse(qualname.split("~")[0], mode="eval").body
    except SyntaxError:
        raise AttributeError(qualname) from None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and
            call.func.id in _MODES and len(call.args) == 1 and
            isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
        raise AttributeError(qualname)
    options = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    return call.func.id, call.args[0].value, options


def __getattr__(qualname: str) -> Any:
    """A derivative by its recipe name: the one this process made (once its function is
    found to be findable by name), else made again."""
    obj = _NAMED.get(qualname)
    if obj is not None:
        mode, fun = obj.__s2sgrad_recipe__
        check_findable(fun, mode)
        return obj
    mode, ref, options = _parse(qualname)
    return rebuild(mode, ref, options)
