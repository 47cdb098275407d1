"""`Transformed`: one transformation (`grad`, `value_and_grad`, `jacfwd`, `jacrev`) of one
function, its compiled specializations and the dispatcher that calls them.

`grad(f)` parses, fences and lowers `f` at once, so bad syntax is reported where the
decorator is applied. It returns a small generated dispatcher with `f`'s own signature. The
dispatcher checks the argument types (and pytree structures) against the specialization it
used last and calls the compiled gradient directly; on a new combination of argument kinds
(Python scalar or anything else) it compiles once more and caches the result. The
dispatcher's code is made in dispatch.py.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import weakref
from types import FunctionType
from typing import Any, Callable

import numpy as np

from . import dispatch, pickling
from ..backend import diskcache
from .. import pipeline, pytree
from ..backend.cache import COMPILE_LOCK, Cache, Deps
from .arguments import (check_argnums, check_callable, check_positional, input_type_error,
                        is_float)
from ..analysis.kinds import Aval, FLOAT, ValueKind, kind_of_value
from ..backend.compile import compile_source, pretty
from .display import Source, attach
from ..frontend.parse import call_signature, canonical
from ..errors import ArgumentError, MissingRuleError, NonScalarOutputError, S2SGradError
from ..rules import registry
from ..transforms.jacobian import ScalarOutputsOnly
from .sweeps import generic_jacfwd, generic_jacrev

_TRANSFORMS: dict[tuple, Callable[..., Any]] = {}
_LIVE: "weakref.WeakSet[Transformed]" = weakref.WeakSet()  # those with a dispatcher


class Transformed:
    """One transformation of one function: its compiled specializations."""

    def __init__(self, fun: Callable[..., Any], opts: pipeline.Options):
        self.fun, self.opts = fun, opts
        self.info = pipeline.signature(fun)  # parses and fences now: errors show up early
        self.compiled = Cache()  # per specialization: (code, text), with what it read
        self.last: tuple[Aval, ...] | None = None
        self.namespace: dict[str, Any] = {}
        self.unfused: set[tuple[Aval, ...]] = set()  # kinds whose Jacobian has array outputs
        # per specialization: its function, the dispatcher's code for it, its names' suffix
        self.codes: dict[tuple, tuple[Callable[..., Any], Any, str]] = {}
        self._suffixes = itertools.count()
        n = len(self.info.params)
        for i in opts.argnums:
            if not -n <= i < n:
                raise S2SGradError(f"argnums {i} is out of range: '{self.info.name}' takes "
                                   f"{n} arguments", self.info.loc,
                                   "use argnums=0" if n == 1 else
                                   f"use argnums between 0 and {n - 1}")
            check_positional(fun, self.info, i % n)
        self.opts = pipeline.Options(opts.mode, tuple(i % n for i in opts.argnums),
                                     opts.argnums_is_tuple, opts.has_aux)

    def specialize(self, key: tuple) -> tuple[Callable[..., Any], str]:
        """Compile for `key` = (argument structures or None, leaf abstract values)."""
        made = self.compiled.make(key, lambda: self._build(key))
        self.last = key
        return made

    def _build(self, key: tuple) -> tuple[tuple[Callable[..., Any], str], Deps]:
        """The specialization for `key` from the disk cache, else compiled (and stored)."""
        treedefs, kinds = key
        stem = diskcache.key(self.fun, self.opts, key) \
            if diskcache.enabled() and isinstance(self.fun, FunctionType) else None
        loaded = self._load(stem) if stem is not None else None
        if loaded is not None:
            return loaded
        opts = self.opts if treedefs is None else self.leaf_options(treedefs)
        program = pipeline.gradient_program(self.fun, opts, list(kinds), treedefs=treedefs)
        fn, text = pipeline.compile_program(program, self._label)
        deps = pipeline.lower_with_deps(self.fun, treedefs)[1]
        if stem is not None:
            diskcache.store(stem, fn.__name__, text, fn.__globals__, pipeline.stored_deps(deps))
        return (fn, text), deps

    @property
    def _label(self) -> str:
        return f"{self.opts.mode}({self.info.name})"

    def _load(self, stem: str) -> tuple[tuple[Callable[..., Any], str], Deps] | None:
        """The specialization from the disk cache, if an entry is there and valid."""
        hit = diskcache.load(stem)
        if hit is None:
            return None
        name, text, names, deps = hit
        namespace = {"__name__": "s2sgrad.generated", **names}
        code = compile_source(text, name, namespace, self._label)
        return (code, text), pipeline.loaded_deps(self.fun, deps)

    def slow_call(self, *args: Any) -> Any:
        if len(args) > len(self.info.params):
            raise self._too_many(len(args))
        args = self._bind(self._new_defaults(args))
        if self.opts.mode in ("jacfwd", "jacrev"):
            return self._jacobian_call(args)
        flat = [pytree.flatten(a) for a in args]
        treedefs = tuple(td for _, td in flat)
        leaves = [leaf for group, _ in flat for leaf in group]
        self._check_inputs(args, flat)
        kinds = tuple(kind_of_value(a) for a in leaves)
        simple = all(td == pytree.LEAF for td in treedefs)
        key = (None if simple else treedefs, kinds)
        try:
            with COMPILE_LOCK:
                fn, _ = self.specialize(key)
        except MissingRuleError as exc:
            raise self._object_argument(exc, args) from None
        if not simple:  # the compiled code runs without the lock
            out = self._run(fn, tuple(leaves))
            with COMPILE_LOCK:
                self._arm_tree(fn, key, args, treedefs)
            return self.regroup(out, treedefs)
        out = self._run(fn, args)  # before arming: a call that fails comes here again
        with COMPILE_LOCK:
            self._arm(fn, key, args, kinds)
        return out

    def _new_defaults(self, args: tuple) -> tuple:
        """After `f.__defaults__` or `__kwdefaults__` was rebound: the dispatcher takes the
        new ones from now on, and in this call, which it bound with the old ones, an
        argument that is an old default object itself is taken as left out."""
        d = getattr(self, "dispatcher", None)
        if d is None or pipeline.signature(self.fun) is self.info:
            return args
        info = pipeline.signature(self.fun)
        if info.params != self.info.params:
            raise S2SGradError(
                f"the parameters of '{self.info.name}' changed after its "
                f"{self.opts.mode.replace('_', ' ')} was made (its code was replaced)",
                info.loc, f"make it again: s2sgrad.{self.opts.mode}({self.info.name})")
        params = call_signature(self.fun).parameters
        positional = [k for k, p in params.items() if p.kind is not p.KEYWORD_ONLY]
        given = d.__defaults__ or ()
        old = dict(zip(positional[len(positional) - len(given):], given),
                   **(d.__kwdefaults__ or {}))
        new = {k: p.default for k, p in params.items() if p.default is not p.empty}
        args = tuple(new.get(k, a) if k in old and a is old[k] else a
                     for k, a in zip(self.info.params, args))
        d.__defaults__ = tuple(p.default for p in params.values() if p.default is not p.empty
                               and p.kind is not p.KEYWORD_ONLY) or None
        d.__kwdefaults__ = {k: p.default for k, p in params.items() if p.default is not
                            p.empty and p.kind is p.KEYWORD_ONLY} or None
        self.info = info
        return args

    def _run(self, fn: Callable[..., Any], args: tuple) -> Any:
        """Call the compiled code; an output found not to be a scalar only at run time
        (its shape depends on data) is reported at the function's definition."""
        try:
            return fn(*args)
        except NonScalarOutputError as exc:
            if exc.loc is not None:
                raise
            raise NonScalarOutputError(f"'{self.info.name}': {exc.message}", self.info.loc,
                                       exc.hint) from None

    def _object_argument(self, exc: MissingRuleError, args: tuple) -> MissingRuleError:
        """A method called on an object passed as an argument: the hint binds the object
        in a lambda, which makes its methods known when the code is compiled."""
        method = getattr(exc, "method", None)
        params = self.info.params
        i = next((i for i, a in enumerate(args) if method is not None and
                  i not in self.opts.argnums and hasattr(a, method)), None)
        if i is None or len(params) != len(args) or not self.info.name.isidentifier():
            return exc
        rest = [p for k, p in enumerate(params) if k != i]
        nums = [rest.index(params[k]) for k in self.opts.argnums]
        argnums = "" if nums == [0] else \
            f", argnums={tuple(nums) if self.opts.argnums_is_tuple else nums[0]}"
        code = (f"s2sgrad.{self.opts.mode}(lambda {', '.join(rest)}: "
                f"{self.info.name}({', '.join(params)}){argnums})")
        return MissingRuleError(
            exc.message, exc.loc, f"'{params[i]}' is an argument, so its .{method}() is "
            f"not known when the code is compiled; bind it in a lambda instead: {code}, "
            f"with {params[i]} your object")

    def _too_many(self, given: int) -> ArgumentError:
        """Python's own error for too many arguments, naming the user's function."""
        name, shown = dispatch.name_of(self), str(call_signature(self.fun))
        params = [p for p in call_signature(self.fun).parameters.values()
                  if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        extra = given - len(self.info.params)
        n = len(params)
        return ArgumentError(
            f"{name}() takes {n} positional argument{'s' * (n != 1)} but {n + extra} were "
            f"given: the {self.opts.mode.replace('_', ' ')} of '{self.info.name}' takes the "
            f"arguments of {self.info.name}{shown}", self.info.loc,
            f"call it with the arguments you would pass to {self.info.name}{shown}")

    def _arm(self, fn: Callable[..., Any], key: tuple, args: tuple, kinds: tuple[Aval, ...]
             ) -> None:
        """Make the dispatcher run `fn` (compiled for `key`) directly for arguments like
        these: the same types, and for arrays the same shapes and dtypes (which the kinds
        carry). Called with the lock held; see dispatch.py for why calls need none."""
        if not self._current(fn, key):
            return
        arrays = tuple(i for i, k in enumerate(kinds) if k.kind == ValueKind.ARRAY)
        entry = self.codes.get(key)
        if entry is None or entry[0] is not fn:
            p = self._suffix(fn)
            deps, text = self.compiled.deps(key), self.compiled[key][1]
            code = dispatch.guarded_code(self, deps, fn, text, arrays, p) or \
                dispatch.dispatch_code(self, deps, arrays, p)
            entry = self.codes[key] = (fn, code, p)
        _, code, p = entry
        for i, a in enumerate(args):  # values of this specialization: see dispatch.py
            self.namespace[f"_T{i}{p}"] = type(a)
            if i in arrays:
                self.namespace[f"_S{i}{p}"], self.namespace[f"_D{i}{p}"] = a.shape, a.dtype
        self.dispatcher.__code__ = code  # one assignment: calls see the old code or this

    def _current(self, fn: Callable[..., Any], key: tuple) -> bool:
        """Whether `fn` is still the code compiled for `key` (another thread may have
        recompiled it since), and there is a dispatcher to arm."""
        return self.dispatcher is not None and self.compiled.is_fresh(key) and \
            self.compiled[key][0] is fn

    def _suffix(self, fn: Callable[..., Any]) -> str:
        """A new suffix for the names one dispatcher code reads (`_fast_3` is `fn`)."""
        p = f"_{next(self._suffixes)}"
        self.namespace[f"_fast{p}"] = fn
        return p

    def _arm_tree(self, fn: Callable[..., Any], key: tuple, args: tuple, treedefs: tuple
                  ) -> None:
        """Make the dispatcher run `fn` directly for pytree arguments like these: the same
        structures, dict keys and leaf types; the guard's values are this call's own."""
        if not self._current(fn, key):
            return
        entry = self.codes.get(key)
        new = entry is None or entry[0] is not fn
        p = self._suffix(fn) if new else entry[2]
        guard = dispatch.tree_guard(self, args, treedefs, key[1], self.compiled.deps(key), p)
        if guard is None:
            return
        if new:
            entry = self.codes[key] = (fn, dispatch.tree_code(self, guard), p)
        self.namespace.update(guard.values)
        self.dispatcher.__code__ = entry[1]

    def _jacobian_call(self, args: tuple) -> Any:
        """The fused Jacobian program when the differentiated arguments are floats and the
        outputs scalars; otherwise (arrays, pytrees) one sweep per call."""

        argnums = self.opts.argnums if self.opts.argnums_is_tuple else self.opts.argnums[0]
        generic = generic_jacfwd if self.opts.mode == "jacfwd" else generic_jacrev
        kinds = tuple(kind_of_value(a) for a in args)
        if any(isinstance(a, (tuple, list, dict)) for a in args) or kinds in self.unfused or \
                not all(type(args[i]) is float for i in self.opts.argnums):
            return generic(self.fun, argnums)(*args)
        try:
            with COMPILE_LOCK:
                fn, _ = self.specialize((None, kinds))
                self._arm(fn, (None, kinds), args, kinds)
        except ScalarOutputsOnly:
            self.unfused.add(kinds)
            return generic(self.fun, argnums)(*args)
        return fn(*args)

    def leaf_options(self, treedefs: tuple) -> pipeline.Options:
        wrt = pytree.leaves_of(treedefs, self.opts.argnums)
        return pipeline.Options(self.opts.mode, wrt, True, self.opts.has_aux)

    def regroup(self, out: Any, treedefs: tuple) -> Any:
        """Put flat leaf gradients back into the structure of each differentiated argument."""
        mode, aux = self.opts.mode, self.opts.has_aux
        flat = out if mode == "grad" and not aux else out[0] if mode == "grad" else out[1]
        grads = pytree.regroup(treedefs, self.opts.argnums, flat)
        g = tuple(grads) if self.opts.argnums_is_tuple else grads[0]
        if mode == "grad":
            return (g, out[1]) if aux else g
        return out[0], g

    def _bind(self, args: tuple) -> tuple:
        n, defaults = len(self.info.params), self.info.defaults
        if len(args) < n:
            args = (*args, *defaults[len(defaults) - (n - len(args)):])
        return args

    def _check_inputs(self, args: tuple, flat: list) -> None:

        for i in self.opts.argnums:
            for a in flat[i][0]:
                if not is_float(a):
                    raise input_type_error(self.fun, i, a)

    def source(self) -> str:
        key = self.last or (None, tuple(FLOAT for _ in self.info.params))
        with COMPILE_LOCK:
            return self.specialize(key)[1]


def dispatcher(t: Transformed) -> Callable[..., Any]:
    """A function with `fun`'s signature that calls the last specialization when it fits."""
    t.dispatcher = None
    ns = t.namespace
    ns["_slow"] = t.slow_call
    name = dispatch.name_of(t)
    fn = compile_source(dispatch.first_text(t), name, ns, f"dispatch {name}")
    fn.__s2sgrad__ = t
    fn.__doc__ = f"The {t.opts.mode.replace('_', ' ')} of {t.info.name}, made by s2sgrad."
    fn.__wrapped__ = t.fun
    attach(fn, lambda: Source(pretty(t.source())))  # Jupyter shows the generated code
    pickling.name(fn, t.opts.mode, t.fun, **options_of(t.opts))  # pickled by reference
    t.dispatcher, t.closed = fn, fn.__code__
    with COMPILE_LOCK:
        _LIVE.add(t)
    return fn


def options_of(opts: pipeline.Options) -> dict[str, Any]:
    """The keyword arguments of the transform that makes `opts` (for pickling)."""
    nums = opts.argnums if opts.argnums_is_tuple else opts.argnums[0]
    return {"argnums": nums, **({"has_aux": True} if opts.has_aux else {})}


def close_guards() -> None:
    """A rule was registered (again): every dispatcher sends its next call to the slow
    path, where the rules' generation, a dependency of every compiled program, is found
    changed and what used the old rule is compiled again. A walk at registration time
    instead of one more test in every guard at each call."""
    with COMPILE_LOCK:  # no arming in between, no dispatcher added meanwhile
        for t in list(_LIVE):
            if t.dispatcher is not None:
                t.dispatcher.__code__ = t.closed


registry.on_change(close_guards)


def transform(fun: Callable[..., Any], mode: str, argnums: int | tuple[int, ...],
               has_aux: bool) -> Callable[..., Any]:
    check_callable(fun)
    check_argnums(argnums, fun)
    fun = canonical(fun)  # a callable dataclass by identity; a staticmethod __call__
    is_tuple = isinstance(argnums, (tuple, list))
    nums = tuple(argnums) if is_tuple else (argnums,)
    opts = pipeline.Options(mode, nums, is_tuple, has_aux)
    if mode in ("grad", "value_and_grad") and binds_data(fun):
        bound = BoundGradient.make(fun, opts)
        if bound is not None:
            return bound
    key = (fun, getattr(fun, "__code__", None), opts)
    if key not in _TRANSFORMS:
        with COMPILE_LOCK:
            if key not in _TRANSFORMS:
                _TRANSFORMS[key] = dispatcher(Transformed(fun, opts))
    return _TRANSFORMS[key]


def binds_data(fun: Any) -> bool:
    """A `functools.partial` of a plain function that binds floats and arrays only."""
    return isinstance(fun, functools.partial) and not fun.keywords and \
        isinstance(fun.func, FunctionType) and not hasattr(fun.func, "__s2sgrad__") and \
        all(type(v) is float or isinstance(v, np.floating) or
            isinstance(v, np.ndarray) and v.dtype.kind in "fiub" for v in fun.args)


class BoundGradient:
    """`grad(functools.partial(f, *values))` where the values are floats and arrays: the
    gradient of `f` itself with the values passed as run-time arguments, so a partial made
    afresh for each call (a new batch each step) reuses `f`'s compiled code, and no cache
    keeps the values. Transforms of this gradient (`grad` of it, `hessian`, `source`) read
    `__s2sgrad__`: the partial's own transformation (its values as constants), made when
    first asked for."""

    def __init__(self, fun: functools.partial, inner: Callable[..., Any],
                 opts: pipeline.Options):
        self._partial, self._inner, self._opts = fun, inner, opts
        self._made: Transformed | None = None
        self.__name__ = self.__qualname__ = inner.__name__
        self.__doc__ = inner.__doc__

    @staticmethod
    def make(fun: functools.partial, opts: pipeline.Options) -> "BoundGradient | None":
        """None when `opts.argnums` is not in range for the partial (the partial's own
        transformation then reports it)."""
        n_bound = len(fun.args)
        n = len(pipeline.signature(fun.func).params) - n_bound
        if not all(-n <= i < n for i in opts.argnums):
            return None
        nums = tuple(i % n + n_bound for i in opts.argnums)
        inner = transform(fun.func, opts.mode, nums if opts.argnums_is_tuple else nums[0],
                           opts.has_aux)
        return BoundGradient(fun, inner, opts)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._inner(*self._partial.args, *args, **kwargs)

    def __reduce__(self) -> tuple:
        """By reference: the partial's function by name, its bound values by value."""
        return pickling.reduction(self._opts.mode, self._partial.func,
                                  options_of(self._opts), self._partial.args)

    @property
    def __s2sgrad__(self) -> Transformed:
        if self._made is None:
            self._made = dispatcher(Transformed(self._partial, self._opts)).__s2sgrad__
        return self._made
