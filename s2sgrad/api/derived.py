"""Derivatives of derivatives: `grad(grad(f))`, and the Jacobians, Hessians, `jvp`, `vjp` and
`hvp` of those.

A `Derived` is a compiled chain of steps, reverse mode then forward mode, over the user's
function, called with the user's arguments and fixed tangent vectors. Every derivative of it
is one more forward step: `grad` seeds the unit vector of one argument, `jvp` the caller's
tangents. A Derived has scalar arguments and a scalar output, so its Jacobian is a row of
partial derivatives, one forward sweep each; `jacrev` of one computes the same row so.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import pipeline
from ..backend.cache import Cache, Deps
from ..analysis.kinds import aval_of
from ..errors import S2SGradError
from . import pickling
from .arguments import bind, check_floats, check_tangents, is_float, reject_complex
from .flat import sweeps

_SOURCES = Cache()  # (code, text) per base function, steps and kinds


class Derived:
    """A derivative of a derivative: `grad(grad(f))`, `grad(grad(grad(f)))`, ...

    It is the program `build(base, steps)` called with the user's arguments followed by
    fixed tangent vectors (one block per forward step), of which it returns result `pick`.
    `wrt` lists the arguments differentiated along the way, which must be floats.
    """

    def __init__(self, base: Callable[..., Any], steps: tuple, n_args: int,
                 extras: tuple, pick: int, wrt: tuple[int, ...] = ()):
        self.base, self.steps, self.n_args, self.extras, self.pick = \
            base, steps, n_args, extras, pick
        self.wrt = wrt
        self._n: int | None = None  # the number of results of the program
        self._children: dict[int, Derived] = {}  # grad(argnum), made once
        self._tangent: Derived | None = None  # the step `jvp` runs

    def __call__(self, *args: Any) -> Any:
        args = self.bind(args)
        return self.results(args, self.extras)[self.pick]

    def __reduce__(self) -> tuple:
        """Pickled by reference: the function by name, the steps made again on loading."""
        ref = pickling.check_findable(self.base, "grad")
        return pickling.rebuild_derived, (ref, self.steps, self.n_args, self.extras,
                                          self.pick, self.wrt)

    def bind(self, args: Sequence[Any]) -> tuple:
        """The arguments with defaults filled in, checked: the differentiated ones must be
        floating-point scalars."""
        args = bind(self.base, tuple(args), "the derivative")[:self.n_args]
        check_floats(self.base, args, self.wrt)
        for i in self.wrt:
            if isinstance(args[i], (tuple, list, dict)) or np.ndim(args[i]) != 0:
                raise S2SGradError(
                    f"a derivative of a derivative takes float arguments; argument {i} has "
                    f"shape {np.shape(args[i])}", pipeline.signature(self.base).loc,
                    "for arrays use hessian(f) or jacfwd(grad(f))")
        return args

    def results(self, args: tuple, extras: tuple) -> tuple:
        full = (*args, *extras)
        self.last = tuple(aval_of(a) for a in full)
        sweeps["forward"] += 1
        out = self._compiled(self.last)[0](*full)
        return out if isinstance(out, tuple) else (out,)

    def _compiled(self, kinds: tuple) -> tuple[Callable[..., Any], str]:
        key = (self.base, getattr(self.base, "__code__", None), self.steps, kinds)
        made = _SOURCES.get(key)  # no closure made on the path that runs at every call
        return made if made is not None else _SOURCES.make(key, lambda: self._build(kinds))

    def _build(self, kinds: tuple) -> tuple[tuple[Callable[..., Any], str], Deps]:
        program = pipeline.build(self.base, self.steps, list(kinds))
        return (pipeline.compile_program(program, "derivative"),
                pipeline.lower_with_deps(self.base)[1])

    def source(self) -> str:
        """The generated code of the last call (of float arguments before any call)."""
        kinds = getattr(self, "last", None) or tuple(
            aval_of(a) for a in (*(1.0,) * self.n_args, *self.extras))
        return self._compiled(kinds)[1]

    def grad(self, argnum: int) -> "Derived":
        """The derivative along argument `argnum`: one more forward step."""
        if not -self.n_args <= argnum < self.n_args:
            raise S2SGradError(f"argnums {argnum} is out of range: the function takes "
                               f"{self.n_args} arguments", pipeline.signature(self.base).loc,
                               f"use argnums between 0 and {self.n_args - 1}")
        argnum %= self.n_args
        if argnum not in self._children:
            unit = tuple(1.0 if k == argnum else 0.0 for k in range(self.n_args))
            self._children[argnum] = self._step(unit, (*self.wrt, argnum))
        return self._children[argnum]

    def jvp(self, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
        """`(self(*primals), the derivative along tangents)` in one forward sweep."""
        args = self.bind(primals)
        tangents = (*tangents, *(0.0,) * (self.n_args - len(tangents)))
        check_tangents(self.base, args, tangents)
        if self._tangent is None:
            self._tangent = self._step((0.0,) * self.n_args, self.wrt)
        out = self._tangent.results(args, (*self.extras, *tangents, *(0.0,) * len(self.extras)))
        return out[self.pick], out[self._tangent.pick]

    def _step(self, tangents: tuple, wrt: tuple[int, ...]) -> "Derived":
        """This program with one more forward step, along `tangents` (the extras, fixed
        tangents of the steps before, are constants: zero)."""
        n_params = self.n_args + len(self.extras)
        step = pipeline.Options("jvp", tuple(range(n_params)), True, False)
        if self._n is None:
            self._n = len(pipeline.build(self.base, self.steps,
                                         [aval_of(1.0)] * n_params).results)
        return Derived(self.base, self.steps + (step,), self.n_args,
                       (*self.extras, *tangents, *(0.0,) * len(self.extras)),
                       self._n + self.pick, wrt)


def as_derived(fun: Callable[..., Any]) -> Derived | None:
    """`fun` as a Derived: itself, or a scalar gradient `grad(f)` with one integer argnums;
    None for anything else."""
    if isinstance(fun, Derived):
        return fun
    t = getattr(fun, "__s2sgrad__", None)
    if t is None or t.opts.mode != "grad" or t.opts.has_aux or t.opts.argnums_is_tuple:
        return None
    return Derived(t.fun, (t.opts,), len(t.info.params), (), 0, t.opts.argnums)


def derivative_of(fun: Callable[..., Any], argnum: int) -> Derived:
    """`grad` of a function s2sgrad made (a gradient, or a Derived), for float arguments."""
    inner = as_derived(fun)
    if inner is None:
        raise S2SGradError("grad of a derivative needs a scalar derivative: grad(f) with one "
                           "integer argnums", fun.__s2sgrad__.info.loc,
                           "use hessian or jacfwd instead")
    return inner.grad(argnum)


def jacobian_of(fun: Derived, argnums: int | tuple[int, ...]) -> Callable[..., Any]:
    """`jacfwd`, `jacrev` and `jacobian` of a Derived: its partial derivatives, one forward
    sweep each, in JAX's layout for a scalar output."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    columns = [fun.grad(i) for i in nums]

    def jac(*args: Any) -> Any:
        out = tuple(c(*args) for c in columns)
        return out if isinstance(argnums, tuple) else out[0]

    return jac


def hessian_of(fun: Derived, argnums: int | tuple[int, ...]) -> Callable[..., Any]:
    """The Hessian of a Derived: `H[i][j]` is its derivative along i, then along j."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    rows = [jacobian_of(fun.grad(i), argnums) for i in nums]

    def hess(*args: Any) -> Any:
        out = tuple(r(*args) for r in rows)
        return out if isinstance(argnums, tuple) else out[0]

    return hess


def vjp_of(fun: Derived, primals: Sequence[Any]) -> tuple[Any, Callable[..., Any]]:
    """`vjp` of a Derived: the pullback scales its partial derivatives (zero for an int or
    bool argument, a constant), computed on the first call."""
    args = fun.bind(primals)
    grads: list[Any] = []

    def pullback(u: Any) -> tuple:
        reject_complex((u,), "cotangent", "pullback(1.0)")
        if not grads:
            grads.extend(fun.grad(i)(*args) if is_float(a) else 0.0
                         for i, a in enumerate(args))
        return tuple(u * g for g in grads)

    return fun(*args), pullback


def hvp_of(fun: Derived, primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """`hvp` of a Derived: the derivative of each partial derivative along `tangents`."""
    out = tuple(fun.grad(i).jvp(primals, tangents)[1] for i in range(len(primals)))
    return out if len(out) > 1 else out[0]


pickling.register("derived", Derived)  # unpickling makes them again
