"""The pipeline: the one place that lists the compiler's stages in order.

    parse -> fence -> lower -> verify -> cse -> verify -> reverse -> package results
          -> verify -> optimize -> verify -> codegen (ast) -> astor -> compile() + linecache

`lower(f)` gives the primal SSA (cached per function). `gradient_program` runs the stages
for one specialization and can stop after any of them; `compile_program` turns the final IR
into a Python function.
"""

from __future__ import annotations

import os
import types
from dataclasses import dataclass, replace
from typing import Any, Callable

from .analysis.activity import complex_active
from .analysis.aliasing import ArgumentsAlias, check_updates, written_params
from .analysis.kinds import infer
from .analysis.uses import check_uses
from . import runtime
from .backend.cache import Cache, Deps
from .backend.compile import compile_source, to_source
from .backend.to_ast import to_module
from .errors import NonDifferentiableError, NonScalarOutputError, S2SGradError
from .frontend.lower import lower as _lower
from .frontend.parse import parse, record_function, recording_globals, unwrap
from .ir.core import Assign, Atom, Block, Function, NameSupply
from .ir.verify import verify
from .rules import registry
from .transforms.cse import cse
from .transforms.forward import forward
from .transforms.jacobian import jacobian
from .transforms.optimize import dce, optimize
from .transforms.outputs import check_value, guard_paths
from .transforms.results import own_results
from .transforms.views import detach_views
from .transforms.reverse import reverse

STAGES = ("ssa", "forward", "reverse", "optimized")
# (scope, name, value): `scope.get(name) is value` when scope is a dict (module globals,
# an instance's __dict__; value ABSENT: the key must be missing), else
# `scope.<name> is value` (a closure cell's contents, a function's code, an attribute)
_PRIMALS = Cache()  # the lowered SSA, per function, code and argument structure
_SIGNATURES: dict[Any, tuple["Signature", tuple[Any, Any]]] = {}


@dataclass(frozen=True)
class Options:
    """One transformation: `mode` is "grad" or "value_and_grad" (reverse mode, `argnums`
    the inputs to differentiate) or "jvp" (forward mode, `argnums` the inputs with tangents)."""

    mode: str
    argnums: tuple[int, ...]
    argnums_is_tuple: bool
    has_aux: bool


@dataclass(frozen=True)
class Signature:
    """What the API needs to know about a function before lowering it."""

    name: str
    params: tuple[str, ...]
    defaults: tuple
    loc: Any


def signature(f: Callable[..., Any]) -> Signature:
    """Parse and fence `f` (raising on unsupported syntax) and describe its parameters
    (cached per function and code object, for as long as its defaults are the same)."""
    key = (f, getattr(f, "__code__", None))
    entry = _SIGNATURES.get(key)
    now = defaults_of(f)
    if entry is None or entry[1][0] is not now[0] or entry[1][1] is not now[1]:
        _SIGNATURES[key] = entry = (_signature(f), now)
    return entry[0]


def defaults_of(f: Callable[..., Any]) -> tuple[Any, Any]:
    """`__defaults__` and `__kwdefaults__` of the Python function behind `f`."""
    fn = unwrap(f)[0]
    return getattr(fn, "__defaults__", None), getattr(fn, "__kwdefaults__", None)


def _signature(f: Callable[..., Any]) -> Signature:
    src = parse(f)
    args, fn = src.tree.args, src.fn  # fn: the function behind a bound method or partial
    names = tuple(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])
    defaults = tuple(fn.__defaults__ or ()) + tuple(
        (fn.__kwdefaults__ or {})[a.arg] for a in args.kwonlyargs
        if a.arg in (fn.__kwdefaults__ or {}))
    return Signature(src.name, names, defaults, src.loc(src.tree))


def lower(f: Callable[..., Any], treedefs: tuple | None = None) -> Function:
    """Parse, fence, lower and verify `f` (cached per function, code and argument structure,
    for as long as the globals it read still name the same objects)."""
    return lower_with_deps(f, treedefs)[0]


def lower_with_deps(f: Callable[..., Any], treedefs: tuple | None = None
                    ) -> tuple[Function, Deps]:
    """`lower(f)` and the globals baked into it: `(module globals, name, value)` for every
    global of `f` and of the functions inlined into it (callees, constants)."""
    key = (f, getattr(f, "__code__", None), treedefs)
    return _PRIMALS.entry(key) or _PRIMALS.make_entry(key, lambda: _lowered(f, treedefs))


def _lowered(f: Callable[..., Any], treedefs: tuple | None) -> tuple[Function, Deps]:
    with recording_globals() as reads:
        rules = registry.generation()
        primal = verify(cse(verify(_lower(parse(f), treedefs))))
    reads.append(rules)
    return primal, tuple({(id(g), name): (g, name, v) for g, name, v in reads}.values())


def stored_deps(deps: Deps) -> Deps:
    """The dependencies the disk cache records: not the functions' code and defaults,
    which their fingerprints cover, nor the rules, which its key covers."""
    rules = registry.generation()[0]
    return tuple((g, name, v) for g, name, v in deps if g is not rules and not (
        isinstance(g, types.FunctionType) and name in _FUNCTION_ATTRS))


def guarded(deps: Deps) -> Deps:
    """The dependencies a dispatcher's guard tests at each call: all but the rules'
    generation, whose change closes the guards instead (`registry.on_change`)."""
    rules = registry.generation()[0]
    return tuple(d for d in deps if d[0] is not rules)


def loaded_deps(f: Callable[..., Any], deps: Deps) -> Deps:
    """A disk-cache entry's dependencies with those `stored_deps` left out, as they are
    in this process: the code and defaults of `f` and of the functions among `deps`, and
    the rules' generation."""
    functions = [unwrap(f)[0], *(v for _, _, v in deps if isinstance(v, types.FunctionType))]
    with recording_globals() as reads:
        for fn in functions:
            if isinstance(fn, types.FunctionType):
                record_function(fn)
    return (*deps, *reads, registry.generation())


_FUNCTION_ATTRS = ("__code__", "__defaults__", "__kwdefaults__")


def gradient_program(f: Callable[..., Any], opts: Options, param_kinds: list[Any],
                     stop_after: str | None = None, treedefs: tuple | None = None) -> Function:
    return build(f, (opts,), param_kinds, stop_after, treedefs)


def build(f: Callable[..., Any], steps: tuple[Options, ...], param_kinds: list[Any],
          stop_after: str | None = None, treedefs: tuple | None = None) -> Function:
    """Run the stages for one specialization: lower, then each transformation in `steps`
    (reverse first if at all, then forward ones), then optimize."""
    primal = lower(f, treedefs)
    avals = infer(primal, list(param_kinds))
    check_uses(primal, avals)
    check_updates(primal, avals)
    if stop_after == "ssa":
        return primal
    check_real(primal, steps[0], avals)
    program, kinds = primal, list(param_kinds)
    for i, opts in enumerate(steps):
        if opts.mode in ("jacfwd", "jacrev") and i == 0 and len(steps) == 1:
            program = verify(jacobian(program, list(opts.argnums), kinds, opts.mode[3:]
                                      .replace("fwd", "forward").replace("rev", "reverse")))
            program = verify(_package_jacobian(program, primal, opts))
        elif opts.mode == "vjp" and i == 0:
            program = verify(reverse(program, list(opts.argnums), kinds, seeds=True))
            program.split = len(program.results) - len(opts.argnums)
            program.name = f"vjp_{program.name}".replace("<lambda>", "lambda")
        elif opts.mode == "jvp":
            program = verify(forward(program, list(opts.argnums), kinds))
            kinds = kinds + [kinds[j] for j in opts.argnums]
            program.name = f"jvp_{program.name}".replace("<lambda>", "lambda")
        elif i > 0:
            raise S2SGradError(
                "reverse mode of a derivative program is not supported yet", program.loc,
                "use forward-over-reverse instead: hessian(f), jacfwd(grad(f)) or hvp")
        else:
            _check_output(program, opts)
            check_value(f, program, avals)
            program = verify(guard_paths(f, program))
            program = verify(_package(reverse(program, list(opts.argnums), kinds), program,
                                      opts))
        if stop_after in ("reverse", "forward") and i == len(steps) - 1:
            return with_alias_check(program, primal, avals)
    program = verify(optimize(program))
    if len(steps) == 1 and steps[0].mode in _REVERSE_MODES:
        program = verify(dce(own_results(program, _gradient_positions(program, steps[0]))))
    return with_alias_check(verify(detach_views(program)), primal, avals)


def with_alias_check(program: Function, primal: Function, avals: dict) -> Function:
    """`program`, checking first that the arguments `primal` writes into share no memory
    with the others (only when it writes into any: otherwise nothing is checked)."""
    written = written_params(primal, avals)
    check = ArgumentsAlias(primal, written, avals) if written else None
    if check is not None and check.pairs():
        program.alias_check = check
    return program


_REVERSE_MODES = ("grad", "value_and_grad", "vjp")


def _gradient_positions(program: Function, opts: Options) -> range:
    """Which of a reverse-mode program's results are gradients (not values or aux)."""
    n = len(program.results)
    if opts.mode == "vjp":
        return range(program.split or 0, n)
    if opts.mode == "value_and_grad":
        return range(1, 2)
    return range(0, 1) if opts.has_aux else range(0, n)


def compile_program(program: Function, label: str) -> tuple[Callable[..., Any], str]:
    namespace: dict[str, Any] = {"__name__": "s2sgrad.generated"}
    loc = program.loc
    where = f" from {os.path.basename(loc.filename)}:{loc.lineno}" if loc else ""
    text = to_source(to_module(program, namespace), f"# generated by s2sgrad{where}")
    return compile_source(text, program.name, namespace, label), text


def check_real(primal: Function, opts: Options, avals: dict) -> None:
    """Reject a complex value on the path from a differentiated argument to the output."""
    outputs = primal.results[:1] if opts.has_aux or opts.mode in ("grad", "value_and_grad") \
        else primal.results
    s = complex_active(primal, [primal.params[i] for i in opts.argnums], outputs, avals)
    if s is not None:
        raise NonDifferentiableError(
            "this line computes a complex value from the differentiated arguments; s2sgrad "
            "differentiates real floating-point code only (it has no convention for complex "
            "derivatives)", s.loc, "compute with the real and imaginary parts as separate "
            "float arrays, e.g. np.abs(x * 1j) ** 2 is x ** 2")


def _check_output(primal: Function, opts: Options) -> None:
    n = len(primal.results)
    if opts.has_aux and (not primal.returns_tuple or n != 2):
        raise NonScalarOutputError(
            f"'{primal.name}' must return a pair (output, aux) when has_aux=True",
            primal.loc, "return output, aux")
    if not opts.has_aux and primal.returns_tuple:
        raise NonScalarOutputError(
            f"'{primal.name}' returns a tuple of {n} values; grad needs one scalar output",
            primal.loc, "return a single float, use has_aux=True to return extra values, "
            "or take one output")


def _tuple_builder(program: Function, body: Block) -> Callable[[list[Atom], str], Atom]:
    """`tup(items, hint)`: append `hint = (*items,)` to `body` and return the new variable."""
    names = NameSupply.for_function(program)

    def tup(items: list[Atom], hint: str) -> Atom:
        out = names.var(hint)
        body.append(Assign([out], runtime.make_tuple, items))
        return out

    return tup


def _package_jacobian(program: Function, primal: Function, opts: Options) -> Function:
    """Nest the fused Jacobian's rows in JAX's layout: per output (when `f` returns a
    tuple), per argument (when `argnums` is a tuple)."""
    n_out, n_in = len(primal.results), len(opts.argnums)
    flat = program.results[n_out:]
    body = list(program.body)
    tup = _tuple_builder(program, body)

    rows = [flat[o * n_in:(o + 1) * n_in] for o in range(n_out)]
    rows = [tup(r, "row") if opts.argnums_is_tuple else r[0] for r in rows]
    result = tup(rows, "jac") if primal.returns_tuple else rows[0]
    return replace(program, name=f"{opts.mode}_{primal.name}".replace("<lambda>", "lambda"),
                   body=body, results=[result], returns_tuple=False, split=None,
                   alias_check=None, arguments=())


def _package(program: Function, primal: Function, opts: Options) -> Function:
    """Set the program's results to what the API returns: grads, value, aux."""
    n = len(primal.results)
    values, grads = program.results[:n], program.results[n:]
    body = list(program.body)
    tup = _tuple_builder(program, body)

    if opts.mode == "grad" and not opts.has_aux:
        results = [grads[0]] if not opts.argnums_is_tuple else \
            list(grads) if len(grads) > 1 else [tup(grads, "grads")]
    else:
        g = tup(grads, "grads") if opts.argnums_is_tuple else grads[0]
        if opts.mode == "grad":
            results = [g, values[1]]
        else:
            results = [tup(values, "value") if opts.has_aux else values[0], g]
    return replace(program, name=f"{opts.mode}_{primal.name}".replace("<lambda>", "lambda"),
                   body=body, results=results, returns_tuple=False, split=None,
                   alias_check=None, arguments=())

