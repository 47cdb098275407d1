"""The code of the dispatcher that `grad(f)` returns, after a first call has armed it.

A dispatcher starts by sending every call to the slow path (`Transformed.slow_call`), which
checks the arguments and compiles a specialization for them. The slow path then swaps the
dispatcher's `__code__` for code that runs that specialization behind one guard, so that a
repeated call with arguments like the last ones costs little more than the gradient itself:

- plain arguments (floats, arrays): the guard checks each argument's class, and an array's
  shape and dtype; the compiled gradient's own body follows (`guarded_code`), or a call of
  it when the body cannot be inlined (`dispatch_code`);
- pytree arguments (lists, tuples and dicts of leaves): the guard also checks each
  container's class and length and each dict's keys, in order, and binds the leaves to
  locals; the compiled leaf-level function is called with them, and the gradients are put
  back into the arguments' structure by a literal expression (`tree_code`).

Every guard also checks that each global, closure cell, attribute and function code object
baked into the compiled code still names the same object (registering a rule again closes
the guards instead: `api.close_guards`). Anything the guard does not accept goes to the slow path, which recompiles when it
must and arms the code for the new arguments.

Threads: the slow path runs under `backend.cache.COMPILE_LOCK`; calls that pass the guard take no
lock. Each code made for a specialization reads names of its own in the dispatcher's
namespace (`_T0_3`, `_fast_3`, ... for suffix `_3`), written before the code is swapped in
by one assignment of `__code__`, so a call running any code the dispatcher ever had reads
that code's values. Arming the same code again rewrites its guard values with the new
call's, which are values of the same specialization: a call that passes a mix of old and
new ones still fits it. Globals of an inlined body are never rebound: a body whose globals
would rebind a name another body reads is called instead (`dispatch_code`).
"""

from __future__ import annotations

import ast
import inspect
import itertools
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from .. import pipeline, pytree
from ..backend.cache import Deps
from ..analysis.kinds import Aval, ValueKind
from ..backend.compile import compile_source
from ..frontend.parse import ABSENT, call_signature

if TYPE_CHECKING:
    from .transformed import Transformed

# the namespace entries the pytree code reads (besides `_P...` names of its own)
_BUILTINS = {"_Plist": list, "_Ptuple": tuple, "_Pdict": dict, "_Plen": len}


class Never:
    """A type no argument has: guards start closed."""


def name_of(t: Transformed) -> str:
    return f"{t.opts.mode}_{t.info.name}".replace("<lambda>", "lambda")


def signature_parts(t: Transformed, extra: bool = False) -> tuple[str, str, list[str]]:
    """The dispatcher's name, its parameter list and its parameters' names. With `extra`,
    the list ends with `*_Pextra`, which takes surplus positional arguments to the slow
    path, so its error can name the user's function (armed code keeps the exact
    signature: a catch-all parameter would cost every call about 10 ns)."""
    params, names = [], []
    for i, (name, p) in enumerate(call_signature(t.fun).parameters.items()):
        text = name
        if p.default is not inspect.Parameter.empty:
            t.namespace[f"_DEF{i}"] = p.default
            text += f"=_DEF{i}"
        if p.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in params:
            params.append("*")
        params.append(text)
        names.append(name)
    if extra:
        params.insert(params.index("*") if "*" in params else len(params), "*_Pextra")
        params = [p for p in params if p != "*"]
    return name_of(t), ", ".join(params), names


def dispatch_parts(t: Transformed, deps: Deps, arrays: tuple[int, ...], p: str
                   ) -> tuple[str, str, str, str]:
    """The dispatcher's name, parameter list, call arguments and guard, whose values are
    named with suffix `p`. The guard checks the argument types and that every global baked
    into the compiled code (`deps`) still names the same object; any change takes the slow
    path, which recompiles."""
    name, params, names = signature_parts(t)
    guards = []
    for i, arg in enumerate(names):
        guards.append(f"{arg}.__class__ is _T{i}{p}")  # a little faster than type()
        if i in arrays:
            guards.append(f"{arg}.shape == _S{i}{p} and {arg}.dtype is _D{i}{p}")
        t.namespace.setdefault(f"_T{i}{p}", Never)
    for k, (scope, key, value) in enumerate(pipeline.guarded(deps)):
        t.namespace[f"_G{k}{p}"], t.namespace[f"_V{k}{p}"] = scope, value
        guards.append(dep_test(scope, key, value, (f"_G{k}{p}", f"_V{k}{p}")))
    return name, params, ", ".join(names), " and ".join(guards)


def dep_test(scope: Any, key: str, value: Any, names: tuple[str, str]) -> str:
    """The guard's identity test of one dependency (`Deps`), whose scope and
    value the namespace holds under `names`: a dict's entry, a key a dict must not hold,
    or an attribute (a closure cell's contents, a function's code, an object's attribute).
    """
    g, v = names
    if type(scope) is dict:
        return f"{key!r} not in {g}" if value is ABSENT else f"{g}.get({key!r}) is {v}"
    return f"{g}.{key} is {v}" if key.isidentifier() else f"getattr({g}, {key!r}) is {v}"


def dispatch_text(t: Transformed, deps: Deps, arrays: tuple[int, ...], p: str
                  ) -> str:
    """A dispatcher that calls the compiled function (`_fast{p}`) when the guard holds and
    `_slow` otherwise."""
    name, params, args, test = dispatch_parts(t, deps, arrays, p)
    return (f"def {name}({params}):\n"
            f"    if {test or f'_fast{p} is not None'}:\n        return _fast{p}({args})\n"
            f"    return _slow({args})\n")


def first_text(t: Transformed) -> str:
    """The dispatcher before its first call: everything goes to the slow path, surplus
    positional arguments included."""
    name, params, names = signature_parts(t, extra=True)
    return f"def {name}({params}):\n    return _slow({', '.join([*names, '*_Pextra'])})\n"


def dispatch_code(t: Transformed, deps: Deps, arrays: tuple[int, ...], p: str
                  ) -> Any:
    name = name_of(t)
    fn = compile_source(dispatch_text(t, deps, arrays, p), name, t.namespace,
                        f"dispatch {name}")
    return fn.__code__


def guarded_code(t: Transformed, deps: Deps, fn: Any, text: str,
                 arrays: tuple[int, ...], p: str) -> Any | None:
    """The compiled gradient's own body behind the dispatcher's guard, so a call that fits
    the last specialization runs it in one frame instead of two; the globals the body reads
    are added to the dispatcher's namespace. None when the generated function's parameters
    are not the dispatcher's, or a global the body reads names another object there (then
    the two-frame dispatcher is used)."""
    code = _guarded(t, deps, text, arrays, p)
    if code is None:
        return None
    ns, own = t.namespace, fn.__globals__
    read = {k for k in _names(code) if k in own and not k.startswith("__")}
    if any(ns.get(k, own[k]) is not own[k] for k in read):
        return None
    ns.update((k, own[k]) for k in read)
    return code


def _names(code: Any) -> set[str]:
    """The names `code` and the code objects nested in it load (globals among them)."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names(const)
    return names


def _guarded(t: Transformed, deps: Deps, text: str, arrays: tuple[int, ...],
             p: str) -> Any | None:
    name, params, args, test = dispatch_parts(t, deps, arrays, p)
    fdef = next((n for n in ast.parse(text).body
                 if isinstance(n, ast.FunctionDef) and n.name == name), None)
    if fdef is None or not test or fdef.args.kwonlyargs or fdef.args.vararg or \
            ", ".join(a.arg for a in fdef.args.args) != args:
        return None
    lines = text.splitlines(keepends=True)
    head = "".join(lines[:fdef.lineno - 1])  # the "generated by" comment
    body = "".join(lines[fdef.body[0].lineno - 1:fdef.end_lineno])
    guarded = (f"{head}def {name}({params}):\n"
               f"    if not ({test}):\n        return _slow({args})\n{body}")
    return compile_source(guarded, name, t.namespace, f"{t.opts.mode}({t.info.name})"
                          ).__code__


# -- pytree arguments ---------------------------------------------------------------------

class TreeGuard:
    """The guard of a dispatcher for pytree arguments, walked from one call's arguments.

    `clauses` test the containers and leaves, `leaves` are the expressions passed to the
    compiled function, in the order `pytree.flatten` gives, and `nodes` say how to build
    each argument's gradient. `values` are the namespace entries the clauses read: they are
    the call's own (leaf classes, dtype objects, static functions), so the slow path writes
    them at every arming, while the code is compiled once per specialization. `ok` is
    False when a class check cannot stand for the slow path's checks (see `leaf`).
    """

    def __init__(self, p: str) -> None:
        self.p = p  # the suffix of the values' names
        self.clauses: list[str] = []
        self.leaves: list[str] = []
        self.nodes: list[Any] = []
        self.values: dict[str, Any] = dict(_BUILTINS)
        self.count = 0
        self.ok = True

    def local(self, expr: str, stem: str) -> tuple[str, str]:
        """`expr` as first used (bound to a new local unless it is a parameter) and as
        used afterwards."""
        if expr.isidentifier():
            return expr, expr
        self.count += 1
        name = f"_P{stem}{self.count}"
        return f"({name} := {expr})", name

    def walk(self, expr: str, td: pytree.Treedef, value: Any, kinds: Iterator[Aval],
             wrt: bool) -> Any:
        """Clauses for `value`, named `expr`, of structure `td`; returns its node."""
        if td == pytree.LEAF:
            return self.leaf(expr, value, next(kinds), wrt)
        head, name = self.local(expr, "c")
        n = len(self.values)
        if td[0] == pytree.Node.STATIC:  # compared as the specialization key compares it
            c, k = f"_PC{n}{self.p}", f"_PK{n}{self.p}"
            self.values[c], self.values[k] = value.__class__, value
            self.clauses.append(f"{head}.__class__ is {c} and {name} == {k}")
            return (pytree.Node.STATIC, name)
        if td[0] == pytree.Node.DICT:
            self.values[f"_PN{n}{self.p}"] = td[1]
            keys = f"_Pn{n}"  # the call's own key objects, for the gradient's dict
            self.clauses.append(f"{head}.__class__ is _Pdict and "
                                f"({keys} := _Ptuple({name})) == _PN{n}{self.p}")
            items = [(_key(k, keys, i), value[k], d)
                     for i, (k, d) in enumerate(zip(td[1], td[2]))]
            return (pytree.Node.DICT, [self.walk(f"{name}[{k}]", d, v, kinds, wrt)
                             for k, v, d in items], keys)
        self.clauses.append(f"{head}.__class__ is _P{td[0]} and _Plen({name}) == "
                            f"{len(td[1])}")
        return (td[0], [self.walk(f"{name}[{i}]", d, value[i], kinds, wrt)
                        for i, d in enumerate(td[1])])

    def leaf(self, expr: str, value: Any, kind: Aval, wrt: bool) -> tuple[str]:
        """The leaf's class, and an array's shape and dtype: as much as the specialization
        key holds. A class check stands for the slow path's float check of a differentiated
        leaf only for floats, arrays and NumPy scalars whose class gives their dtype; other
        leaves, and callable ones (which the slow path may take as static), leave `ok` off.
        """
        head, name = self.local(expr, "a")
        j = len(self.leaves)
        p = self.p
        self.values[f"_PT{j}{p}"] = value.__class__
        test = f"{head}.__class__ is _PT{j}{p}"
        if kind.kind == ValueKind.ARRAY:
            self.values[f"_PS{j}{p}"], self.values[f"_PD{j}{p}"] = value.shape, value.dtype
            test += f" and {name}.shape == _PS{j}{p} and {name}.dtype is _PD{j}{p}"
        elif isinstance(value, np.generic):
            self.ok &= np.dtype(value.__class__) == value.dtype
        elif wrt:
            self.ok &= isinstance(value, float)
        self.ok &= not callable(value)
        self.clauses.append(test)
        self.leaves.append(name)
        return ("leaf",)


def _key(key: Any, keys: str, i: int) -> str:
    """A dict key in the guard's subscripts: a literal when it prints as one."""
    return repr(key) if type(key) in (str, int) else f"{keys}[{i}]"


def tree_guard(t: Transformed, args: tuple, treedefs: tuple, kinds: tuple[Aval, ...],
               deps: Deps, p: str) -> TreeGuard | None:
    """The guard for a call with these arguments, its values named with suffix `p`; None
    when it cannot stand for the slow path's checks, or a parameter's name would clash with
    the generated code's names."""
    names = t.info.params
    if any(a.startswith("_P") or a == "_slow" for a in names):
        return None
    guard, it = TreeGuard(p), iter(kinds)
    for i, (arg, td, value) in enumerate(zip(names, treedefs, args)):
        guard.nodes.append(guard.walk(arg, td, value, it, i in t.opts.argnums))
    for k, (scope, key, value) in enumerate(pipeline.guarded(deps)):
        guard.values[f"_PG{k}{p}"], guard.values[f"_PV{k}{p}"] = scope, value
        guard.clauses.append(dep_test(scope, key, value, (f"_PG{k}{p}", f"_PV{k}{p}")))
    return guard if guard.ok else None


def tree_code(t: Transformed, guard: TreeGuard) -> Any:
    """The dispatcher's code for pytree arguments: the guard, a call of the compiled
    leaf-level function (`_fast{guard.p}`), and the result `Transformed._regroup` would
    build from it."""
    name, params, names = signature_parts(t)
    mode, aux = t.opts.mode, t.opts.has_aux
    flat = "_Pr" if mode == "grad" and not aux else "_Pf"
    count = itertools.count()
    grads = [_built(guard.nodes[i], flat, count) for i in t.opts.argnums]
    g = _tuple(grads) if t.opts.argnums_is_tuple else grads[0]
    out = g if flat == "_Pr" else f"({g}, _Pr[1])" if mode == "grad" else f"(_Pr[0], {g})"
    text = (f"def {name}({params}):\n"
            f"    if not ({' and '.join(guard.clauses)}):\n"
            f"        return _slow({', '.join(names)})\n"
            f"    _Pr = _fast{guard.p}({', '.join(guard.leaves)})\n" +
            (f"    _Pf = _Pr[{0 if mode == 'grad' else 1}]\n" if flat == "_Pf" else "") +
            f"    return {out}\n")
    return compile_source(text, name, t.namespace, f"dispatch {name}").__code__


def _built(node: Any, flat: str, count: Iterator[int]) -> str:
    """The expression that builds one argument's gradient from the flat gradients."""
    if node[0] == "leaf":
        return f"{flat}[{next(count)}]"
    if node[0] == pytree.Node.STATIC:
        return node[1]
    parts = [_built(child, flat, count) for child in node[1]]
    if node[0] == pytree.Node.LIST:
        return f"[{', '.join(parts)}]"
    if node[0] == pytree.Node.TUPLE:
        return _tuple(parts)
    return "{" + ", ".join(f"{node[2]}[{i}]: {p}" for i, p in enumerate(parts)) + "}"


def _tuple(parts: list[str]) -> str:
    return "(" + "".join(f"{p}, " for p in parts) + ")"
