"""Lean call paths for `jacobian(mode="auto")` and `hvp`.

Both are called in loops (Newton steps, Krylov solvers), so the Python around the compiled
code matters. Each compiles once per *signature* of its arguments (`vector_mode.signature`:
classes, array shapes and dtypes, pytree structures) and afterwards runs one dictionary
lookup, a staleness check and the compiled function.

`AutoJacobian` picks the sweep direction per signature, as `jacobian` documents (forward
when there are fewer inputs than outputs), and then the cheapest program for it:

- float arguments and scalar outputs: the fused program of `jacfwd` or `jacrev`, whose
  dispatcher code it takes over, so a call costs what a call of that dispatcher costs;
- forward otherwise: vector mode (`vector_mode.py`), or one `jvp` per column;
- reverse with one scalar output: the gradient program itself (J is the gradient);
- reverse otherwise: one pullback call per output element.
"""

from __future__ import annotations

import types
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from .. import pipeline, pytree
from ..backend.cache import COMPILE_LOCK, Cache, Deps, fresh
from ..rules import registry
from ..analysis.kinds import aval_of
from ..ir.verify import verify
from ..transforms.optimize import optimize
from . import vector_mode
from .arguments import bind, check_floats
from .grads import grad, jacfwd, jacrev
from .flat import saved_generators, size, sweeps
from .sweeps import generic_jacfwd, generic_jacrev
from .vector_mode import signature

_HVPS = Cache()  # Hessian-vector programs per function and signature; None: none


def _plain(fun: Callable[..., Any]) -> bool:
    """A user's function (not one s2sgrad made, such as a gradient)."""
    return not hasattr(fun, "__s2sgrad__") and type(fun).__name__ != "Derived"


def _flat(args: Sequence[Any]) -> bool:
    return not any(isinstance(a, (tuple, list, dict)) for a in args)


# -- Hessian-vector products ----------------------------------------------------------------


def hvp_program(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
                ) -> Callable[..., Any] | None:
    """`program(*primals, *tangents) -> H v` (one entry per argument when there are
    several), for a plain function of arrays and floats given all its arguments; None in
    other cases, which `jacobians.hvp` handles through `jvp`."""
    sig = signature(primals)
    key = (fun, getattr(fun, "__code__", None), sig)
    entry = _HVPS.entry(key) or _HVPS.make_entry(key, lambda: _hvp_entry(fun, primals))
    made = entry[0]
    if made is None or signature(tangents) != sig:  # tangents unlike their primals
        return None
    return made


def _hvp_entry(fun: Callable[..., Any], primals: Sequence[Any]
               ) -> tuple[Callable[..., Any] | None, Deps]:
    check_floats(fun, primals, range(len(primals)))  # once per signature: it has types
    if _plain(fun) and _flat(primals) and len(primals) == len(pipeline.signature(fun).params):
        return _compile_hvp(fun, tuple(primals)), pipeline.lower_with_deps(fun)[1]
    return None, ()


def _compile_hvp(fun: Callable[..., Any], primals: tuple[Any, ...]) -> Callable[..., Any]:
    """Forward over reverse, keeping only the tangents of the gradient: the gradient itself
    is not returned, so the code that only it needs is removed."""
    nums = tuple(range(len(primals)))
    steps = (pipeline.Options("grad", nums if len(nums) > 1 else (0,), len(nums) > 1, False),
             pipeline.Options("jvp", nums, True, False))
    program = pipeline.build(fun, steps, [aval_of(p) for p in primals], stop_after="forward")
    k = len(program.results) // 2
    program.results = program.results[k:]
    program.name = f"hvp_{program.name[len('jvp_grad_'):]}".replace("<lambda>", "lambda")
    return pipeline.compile_program(verify(optimize(program)), "hvp")[0]


# -- Jacobians by the cheaper mode ----------------------------------------------------------


class AutoJacobian:
    """`jacobian(fun, argnums, mode="auto")`: see the module docstring."""

    def __init__(self, fun: Callable[..., Any], argnums: int | tuple[int, ...], fused: bool):
        self.fun, self.argnums, self.fused = fun, argnums, fused
        self.nums = argnums if isinstance(argnums, tuple) else (argnums,)
        self.choices: dict[tuple, tuple[Callable[..., Any], bool]] = {}
        self.namespace: dict[str, Any] = {"_pick": self.pick}
        name = f"jacobian_{getattr(fun, '__name__', 'f')}".replace("<lambda>", "lambda")
        text = f"def {name}(*args):\n    return _pick(*args)\n"
        self.function = types.FunctionType(compile(text, f"<s2sgrad {name}>", "exec")
                                           .co_consts[0], self.namespace, name)
        self.closed = self.function.__code__
        self.n_params = -1  # known after the first call binds the defaults
        with COMPILE_LOCK:
            _AUTO.add(self)

    def close(self) -> None:
        """Send the next call to `pick` again (the adopted code's guard does not test the
        rules' generation: see `api.close_guards`)."""
        self.function.__code__ = self.closed
        self.function.__defaults__ = self.function.__kwdefaults__ = None

    def pick(self, *args: Any) -> Any:
        if len(args) != self.n_params:
            args = bind(self.fun, args, "the Jacobian")
            self.n_params = len(args)
        choice = self.choices.get(signature(args))
        if choice is None:
            choice = self.choices[signature(args)] = self.choose(args)
        fn, adopt = choice
        out = fn(*args)
        if adopt:
            self.adopt(fn)
        return out

    def choose(self, args: tuple) -> tuple[Callable[..., Any], bool]:
        """The Jacobian function for arguments like `args`, and whether its dispatcher's
        code can be taken over (fused float programs)."""
        check_floats(self.fun, args, self.nums)  # once per signature: it has the types
        drawn = saved_generators(self.fun, args)
        out = self.fun(*pytree.copied(args))  # for its structure; fun may write args
        drawn.rewind()  # the Jacobian's run draws what this one drew
        n = sum(size(x) for i in self.nums for x in pytree.flatten(args[i])[0])
        out_leaves = pytree.flatten(out)[0]
        forward = n < sum(size(y) for y in out_leaves)
        if not self.fused:
            return (jacfwd if forward else jacrev)(self.fun, self.argnums, False), False
        floats = all(type(args[i]) is float for i in self.nums) and _flat(args) and \
            all(np.ndim(y) == 0 and not isinstance(y, np.ndarray) for y in out_leaves) and \
            _plain(self.fun)
        if floats and not isinstance(out, (list, dict)):
            return (jacfwd if forward else jacrev)(self.fun, self.argnums, True), True
        if forward:
            return self.vector(args) or generic_jacfwd(self.fun, self.argnums, True), False
        if not isinstance(out, (tuple, list, dict)) and np.ndim(out) == 0:
            return self.gradient(args), False
        return generic_jacrev(self.fun, self.argnums), False

    def vector(self, args: tuple) -> Callable[..., Any] | None:
        """The vector-mode Jacobian for arguments like `args`, if every primitive has a
        vector-mode rule."""
        is_tuple = isinstance(self.argnums, tuple)
        plan, deps = vector_mode.plan_entry(self.fun, self.nums, is_tuple, args)
        if plan is None:
            return None
        slow = generic_jacfwd(self.fun, self.argnums, True)

        def jacobian(*a: Any) -> Any:
            if not fresh(deps):
                return slow(*a)
            sweeps["forward"] += 1
            return plan(a)

        return jacobian

    def gradient(self, args: tuple) -> Callable[..., Any]:
        """The Jacobian of a function with one scalar output: its gradient, computed by the
        compiled gradient program called directly (no per-call checks of the arguments)."""
        g = grad(self.fun, self.argnums)
        if not _flat(args):
            return g
        g(*args)  # checks the argument types once, and compiles
        t = g.__s2sgrad__
        key = (None, tuple(aval_of(a) for a in args))
        program, deps = t.specialize(key)[0], t.compiled.deps(key)

        def jacobian(*a: Any) -> Any:
            return program(*a) if fresh(deps) else g(*a)

        return jacobian

    def adopt(self, dispatcher: Callable[..., Any]) -> None:
        """Run `dispatcher`'s code as this function's own: its guard checks the argument
        types and staleness, and anything it does not accept comes back to `pick`."""
        t = getattr(dispatcher, "__s2sgrad__", None)
        if t is None or not t.codes or \
                self.function.__code__ is dispatcher.__code__:
            return
        self.namespace.update(t.namespace)
        self.namespace["_slow"] = self.pick
        self.function.__code__ = dispatcher.__code__
        self.function.__defaults__ = dispatcher.__defaults__
        self.function.__kwdefaults__ = dispatcher.__kwdefaults__


_AUTO: "weakref.WeakSet[AutoJacobian]" = weakref.WeakSet()


def close_adopted() -> None:
    """A rule was registered again: every `jacobian` that runs a dispatcher's code as its
    own goes back to choosing, whose dispatchers recompile."""
    with COMPILE_LOCK:
        for auto in list(_AUTO):
            auto.close()


registry.on_change(close_adopted)
