"""Forward mode and Jacobians: jvp, vjp, jacfwd, jacrev, jacobian, hessian, hvp.

All of them compile a chain of transformations (`pipeline.build`) once per kind of
arguments and call the generated code:

- `jvp(f, primals, tangents)`: one forward sweep, `(f(x), J v)`;
- `vjp(f, *primals)`: split motion, `(f(x), pullback)`, where `pullback(u)` gives `uᵀ J` and
  can be called again without re-running the forward sweep;
- `jacfwd` builds J column by column with n forward sweeps, `jacrev` row by row with m
  pullback calls, and `jacobian(mode="auto")` picks the one with fewer sweeps;
- `hessian(f) = jacfwd(grad(f))` (forward-over-reverse) and `hvp(f, x, v)` is one forward
  sweep over the gradient program.

`sweeps` counts forward and reverse sweeps, so tests and examples can show the cost.
Arguments are floats or NumPy arrays (containers are supported by `grad` only, for now).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Sequence

import numpy as np

from . import pipeline
from .analysis.kinds import aval_of
from .errors import S2SGradError

sweeps: Counter = Counter()
_COMPILED: dict[tuple, Callable[..., Any]] = {}


def _base(fun: Callable[..., Any]) -> tuple[Callable[..., Any], tuple]:
    t = getattr(fun, "__s2sgrad__", None)
    if t is None:
        return fun, ()
    if t.last is not None and t.last[0] is not None:
        raise S2SGradError("forward mode does not take tuple, list or dict arguments yet",
                           t.info.loc, "pass floats or arrays")
    return t.fun, (t.opts,)


def _compiled(fun: Callable[..., Any], step: pipeline.Options, args: Sequence[Any]
              ) -> Callable[..., Any]:
    base, steps = _base(fun)
    steps = steps + (step,)
    kinds = tuple(aval_of(a) for a in args)
    for a in args:
        if isinstance(a, (tuple, list, dict)):
            raise S2SGradError("forward mode and vjp take floats or arrays, not containers",
                               hint="pass the leaves as separate arguments")
    key = (base, getattr(base, "__code__", None), steps, kinds)
    if key not in _COMPILED:
        program = pipeline.build(base, steps, list(kinds))
        _COMPILED[key] = pipeline.compile_program(program, step.mode)[0]
    return _COMPILED[key]


def _bind(fun: Callable[..., Any], args: Sequence[Any]) -> tuple:
    base, _ = _base(fun)
    sig = pipeline.signature(base)
    missing = len(sig.params) - len(args)
    if 0 < missing <= len(sig.defaults):
        args = (*args, *sig.defaults[len(sig.defaults) - missing:])
    return tuple(args)


def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
        ) -> tuple[Any, Any]:
    """`(fun(*primals), J @ tangents)` in one forward sweep."""
    primals = _bind(fun, primals)
    tangents = tuple(tangents) + tuple(0.0 * np.asarray(p) if isinstance(p, np.ndarray)
                                       else 0.0 for p in primals[len(tangents):])
    n = len(primals)
    fn = _compiled(fun, pipeline.Options("jvp", tuple(range(n)), True, False), primals)
    sweeps["forward"] += 1
    res = fn(*primals, *tangents)
    res = res if isinstance(res, tuple) else (res,)
    k = len(res) // 2
    return (res[0], res[k]) if k == 1 else (res[:k], res[k:])


def vjp(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """`(fun(*primals), pullback)`; `pullback(u)` returns `uᵀ J` for every argument."""
    primals = _bind(fun, primals)
    fn = _compiled(fun, pipeline.Options("vjp", tuple(range(len(primals))), True, False),
                   primals)
    sweeps["forward"] += 1
    out, inner = fn(*primals)

    def pullback(*cotangent: Any) -> tuple:
        sweeps["reverse"] += 1
        grads = inner(*cotangent)
        return grads if isinstance(grads, tuple) else (grads,)

    return out, pullback


def _unit(x: Any, k: int) -> Any:
    if isinstance(x, np.ndarray):
        e = np.zeros(x.shape)
        e.flat[k] = 1.0
        return e
    return 1.0


def _size(x: Any) -> int:
    return int(np.size(x))


def jacfwd(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Jacobian by forward mode: one sweep per input element."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)

    def jac(*args: Any) -> Any:
        args = _bind(fun, args)
        blocks = [_columns(fun, args, i) for i in nums]
        return tuple(blocks) if isinstance(argnums, tuple) else blocks[0]

    return jac


def _columns(fun: Callable[..., Any], args: tuple, i: int) -> Any:
    x = args[i]
    cols = []
    for k in range(_size(x)):
        tangents = [0.0 * np.asarray(a) if isinstance(a, np.ndarray) else 0.0 for a in args]
        tangents[i] = _unit(x, k)
        out, t = jvp(fun, args, tangents)
        cols.append(np.asarray(t, dtype=float))
    stacked = np.stack(cols, axis=-1)  # out_shape + (n,)
    return stacked.reshape(np.shape(out) + np.shape(x)) if np.ndim(x) or np.ndim(out) \
        else float(stacked.ravel()[0])


def jacrev(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one pullback call per output element."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)

    def jac(*args: Any) -> Any:
        args = _bind(fun, args)
        out, pullback = vjp(fun, *args)
        flat = np.asarray(out, dtype=float)  # a tuple of scalar outputs is a vector
        rows: list[list[Any]] = [[] for _ in nums]
        for k in range(flat.size):
            grads = pullback(*_cotangent(out, k))
            for r, i in zip(rows, nums):
                r.append(np.asarray(grads[i], dtype=float))
        blocks = [np.stack(r).reshape(flat.shape + np.shape(args[i]))
                  if flat.ndim or np.ndim(args[i]) else float(r[0])
                  for r, i in zip(rows, nums)]
        return tuple(blocks) if isinstance(argnums, tuple) else blocks[0]

    return jac


def _cotangent(out: Any, k: int) -> tuple:
    """The k-th unit cotangent, in the structure of the output."""
    if isinstance(out, tuple):
        return tuple(1.0 if j == k else 0.0 for j in range(len(out)))
    return (_unit(out, k) if isinstance(out, np.ndarray) else 1.0,)


def jacobian(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
             mode: str = "auto") -> Callable[..., Any]:
    """The Jacobian; `mode="auto"` uses forward mode when there are fewer inputs than
    outputs and reverse mode otherwise (`"forward"` and `"reverse"` force one)."""
    if mode not in ("auto", "forward", "reverse"):
        raise S2SGradError(f"unknown mode {mode!r}", hint="use auto, forward or reverse")
    nums = argnums if isinstance(argnums, tuple) else (argnums,)

    def jac(*args: Any) -> Any:
        chosen = mode
        if mode == "auto":
            n = sum(_size(_bind(fun, args)[i]) for i in nums)
            m = _size(_output_shape(fun, args))
            chosen = "forward" if n < m else "reverse"
        build = jacfwd if chosen == "forward" else jacrev
        return build(fun, argnums)(*args)

    return jac


def _output_shape(fun: Callable[..., Any], args: tuple) -> Any:
    """The output, for its size (the primal only; cheap next to a Jacobian)."""
    out = fun(*args)
    return np.zeros(np.shape(out)) if not isinstance(out, tuple) else np.zeros(len(out))


def hessian(fun: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Hessian by forward-over-reverse: `jacfwd(grad(fun))`."""
    from .api import grad

    return jacfwd(grad(fun, argnums), argnums)


def hvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian-vector product `H v`: one forward sweep over the gradient program."""
    from .api import grad

    nums = tuple(range(len(primals)))
    g = grad(fun, argnums=nums if len(nums) > 1 else 0)
    _, t = jvp(g, primals, tangents)
    return t


class Derived:
    """A derivative of a derivative: `grad(grad(f))`, `grad(grad(grad(f)))`, ...

    It is the program `build(base, steps)` called with the user's arguments followed by
    fixed tangent vectors (one block per forward step), of which it returns result `pick`.
    `grad` of it adds one more forward step, whose tangent is the unit vector of the
    argument being differentiated: forward-over-...-over-reverse.
    """

    def __init__(self, base: Callable[..., Any], steps: tuple, n_args: int,
                 extras: tuple, pick: int):
        self.base, self.steps, self.n_args, self.extras, self.pick = \
            base, steps, n_args, extras, pick

    def __call__(self, *args: Any) -> Any:
        args = _bind(self.base, args)[:self.n_args]
        return self.results(args, self.extras)[self.pick]

    def results(self, args: tuple, extras: tuple) -> tuple:
        full = (*args, *extras)
        key = (self.base, getattr(self.base, "__code__", None), self.steps,
               tuple(aval_of(a) for a in full))
        if key not in _COMPILED:
            program = pipeline.build(self.base, self.steps, [aval_of(a) for a in full])
            _COMPILED[key] = pipeline.compile_program(program, "derivative")[0]
        sweeps["forward"] += 1
        out = _COMPILED[key](*full)
        return out if isinstance(out, tuple) else (out,)

    def grad(self, argnum: int) -> "Derived":
        n_params = self.n_args + len(self.extras)
        step = pipeline.Options("jvp", tuple(range(n_params)), True, False)
        n_results = self._n_results()
        zeros = tuple(0.0 for _ in range(n_params))
        unit = zeros[:argnum] + (1.0,) + zeros[argnum + 1:]
        return Derived(self.base, self.steps + (step,), self.n_args, self.extras + unit,
                       n_results + self.pick)

    def _n_results(self) -> int:
        program = pipeline.build(self.base, self.steps,
                                 [aval_of(1.0)] * (self.n_args + len(self.extras)))
        return len(program.results)


def derivative_of(fun: Callable[..., Any], argnum: int) -> Derived:
    """`grad` of a function s2sgrad made (a gradient, or a Derived), for float arguments."""
    if isinstance(fun, Derived):
        return fun.grad(argnum)
    t = getattr(fun, "__s2sgrad__")
    opts = t.opts
    if opts.mode != "grad" or opts.has_aux or opts.argnums_is_tuple:
        raise S2SGradError("grad of a derivative needs a scalar derivative: grad(f) with one "
                           "integer argnums", t.info.loc, "use hessian or jacfwd instead")
    inner = Derived(t.fun, (opts,), len(t.info.params), (), 0)
    return inner.grad(argnum)
