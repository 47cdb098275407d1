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

As in JAX, the arguments a Jacobian, Hessian or `hvp` differentiates must be floating-point
(`InputTypeError`, as `grad` raises, for ints, bools and integer or boolean arrays). `jvp`
and `vjp` differentiate every argument, so they accept ints and bools as constants: in
`jvp` such an argument's tangent must be zero (JAX's float0), and `vjp`'s pullback gives it
a zero cotangent.

`sweeps` counts forward and reverse sweeps, so tests and examples can show the cost.
Arguments may be pytrees (tuples, lists and dicts of floats and arrays); Jacobians come in
JAX's layout (see `_assemble`).
"""

from __future__ import annotations

import types
from collections import Counter
from typing import Any, Callable, Sequence

import numpy as np

from . import derived, fastpaths, generators, pickling, pipeline, pytree, vector_mode
from .analysis.kinds import aval_of
from .derived import Derived, derivative_of  # noqa: F401  (api.py imports them from here)
from .arguments import (bind, check_argnums, check_cotangents, check_floats, check_jvp_leaves,
                        check_real, check_sequences, reject_complex)
from .errors import S2SGradError
from .frontend.parse import canonical

sweeps: Counter = Counter()
_COMPILED: dict[tuple, tuple[Callable[..., Any], pipeline.Deps]] = {}


def _base(fun: Callable[..., Any], treedefs: tuple | None
          ) -> tuple[Callable[..., Any], tuple]:
    """The user's function and the transformations already applied to it (grad: one)."""
    t = getattr(fun, "__s2sgrad__", None)
    if t is None:
        return fun, ()
    return t.fun, (t.opts if treedefs is None else t._leaf_options(treedefs),)


def _flatten(args: Sequence[Any]) -> tuple[list[Any], tuple | None]:
    """The leaves of all arguments, and their structures (None when all are leaves)."""
    if all(a.__class__ is float or a.__class__ is np.ndarray for a in args):
        return list(args), None  # the common case, without flattening
    flat = [pytree.flatten(a) for a in args]
    treedefs = tuple(td for _, td in flat)
    simple = all(td == pytree.LEAF for td in treedefs)
    return [leaf for leaves, _ in flat for leaf in leaves], None if simple else treedefs


def _compiled(fun: Callable[..., Any], step: pipeline.Options, leaves: Sequence[Any],
              treedefs: tuple | None) -> Callable[..., Any]:
    base, steps = _base(fun, treedefs)
    steps = steps + (step,)
    kinds = tuple(aval_of(a) for a in leaves)
    key = (base, getattr(base, "__code__", None), steps, kinds, treedefs)
    if key not in _COMPILED or not pipeline.fresh(_COMPILED[key][1]):
        with pipeline.COMPILE_LOCK:
            program = pipeline.build(base, steps, list(kinds), treedefs=treedefs)
            _COMPILED[key] = (pipeline.compile_program(program, step.mode)[0],
                              pipeline.lower_with_deps(base, treedefs)[1])
    return _COMPILED[key][0]


def _regroup(fun: Callable[..., Any], out: Any, treedefs: tuple | None) -> Any:
    """Flat leaf gradients back into their arguments' structure (when `fun` is a grad)."""
    t = getattr(fun, "__s2sgrad__", None)
    if t is None or treedefs is None:
        return out
    return t._regroup(out, treedefs)


def _loc(fun: Callable[..., Any]) -> Any:
    """Where the user's function is defined, for error messages."""
    return pipeline.signature(_base(fun, None)[0]).loc


def _zero(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, x.dtype if x.dtype.kind == "f" else float)
    return 0.0


def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]
        ) -> tuple[Any, Any]:
    """`(fun(*primals), J @ tangents)` in one forward sweep. Primals may be pytrees; each
    tangent has the structure of its primal (missing trailing tangents are zero)."""
    check_sequences("jvp", primals, tangents)
    fun = canonical(fun)
    if isinstance(fun, Derived):
        reject_complex(tangents, "tangent", "s2sgrad.jvp(f, (x,), (v.real,))")
        return fun.jvp(primals, tangents)
    primals = bind(fun, primals, "jvp")
    tangents = tuple(tangents) + tuple(pytree.unflatten(td, [_zero(x) for x in leaves])
                                       for leaves, td in map(pytree.flatten,
                                                             primals[len(tangents):]))
    leaves, treedefs = _flatten(primals)
    tleaves, _ = _flatten(tangents)
    check_jvp_leaves(fun, primals, tangents, leaves, tleaves)
    step = pipeline.Options("jvp", tuple(range(len(leaves))), True, False)
    sweeps["forward"] += 1
    res = _compiled(fun, step, leaves, treedefs)(*leaves, *tleaves)
    res = res if isinstance(res, tuple) else (res,)
    k = len(res) // 2
    out, tout = (res[0], res[k]) if k == 1 else (res[:k], res[k:])
    return _regroup(fun, out, treedefs), _regroup(fun, tout, treedefs)


def vjp(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """`(fun(*primals), pullback)`; `pullback(u)` returns `uᵀ J` for every argument, each
    in the structure of its argument (zero for an int or bool one, which is a constant, as
    JAX's float0 cotangent is). The pullback can be called many times."""
    fun = canonical(fun)
    if isinstance(fun, Derived):
        return derived.vjp_of(fun, primals)
    primals = bind(fun, primals, "vjp")
    leaves, treedefs = _flatten(primals)
    check_real(fun, primals, leaves)
    step = pipeline.Options("vjp", tuple(range(len(leaves))), True, False)
    sweeps["forward"] += 1
    out, inner = _compiled(fun, step, leaves, treedefs)(*leaves)
    out = _regroup(fun, out, treedefs)

    shapes = _cotangent_shapes(out)
    starts = None if treedefs is None else \
        np.cumsum([0, *(pytree.num_leaves(td) for td in treedefs)]).tolist()

    def pullback(*cotangent: Any) -> tuple:
        check_cotangents(out, shapes, cotangent)  # cheap when they fit
        sweeps["reverse"] += 1
        grads = inner(*cotangent)
        grads = list(grads) if isinstance(grads, tuple) else [grads]
        if starts is None:
            return tuple(grads)
        return tuple(pytree.unflatten(td, grads[a:b])
                     for td, a, b in zip(treedefs, starts[:-1], starts[1:]))

    return out, pullback


def _cotangent_shapes(out: Any) -> list[tuple] | None:
    """For an output that is an array, a float or a tuple of them, the shape of each
    cotangent the pullback takes (one per value); None for other structures (a dict's
    cotangent may leave keys out: its structure is checked when the pullback is called)."""
    if out.__class__ is np.ndarray or out.__class__ is float:
        return [np.shape(out)]
    out_leaves, out_td = pytree.flatten(out)
    return [np.shape(v) for v in out_leaves] if out_td == pytree.LEAF or (
        out_td[0] == "tuple" and all(c == pytree.LEAF for c in out_td[1])) else None


def _unit(x: Any, k: int) -> Any:
    if isinstance(x, np.ndarray):
        e = np.zeros(x.shape, x.dtype if x.dtype.kind == "f" else float)
        e.flat[k] = 1.0
        return e
    return 1.0


def _size(x: Any) -> int:
    return int(np.size(x))


def _assemble(out: Any, args: tuple, nums: tuple[int, ...], is_tuple: bool,
              block: Callable[[int, int, int], np.ndarray]) -> Any:
    """The Jacobian in JAX's layout: the output's structure outermost, then (for a tuple
    `argnums`) one entry per differentiated argument, then that argument's structure. Each
    leaf is `block(o, i, l)`, of shape `out_leaf.shape + in_leaf.shape`, for output leaf
    `o`, argument `i` and that argument's leaf `l`."""
    out_leaves, out_td = pytree.flatten(out)
    per_out = []
    for o in range(len(out_leaves)):
        per_arg = []
        for i in nums:
            in_leaves, in_td = pytree.flatten(args[i])
            per_arg.append(pytree.unflatten(in_td, [_scalar(block(o, i, l))
                                                    for l in range(len(in_leaves))]))
        per_out.append(tuple(per_arg) if is_tuple else per_arg[0])
    return pytree.unflatten(out_td, per_out)


def _scalar(x: np.ndarray) -> Any:
    return float(x) if np.ndim(x) == 0 else x


def _leaf_slices(args: tuple) -> list[list[int]]:
    """For each argument, the positions of its leaves among all leaves."""
    out, k = [], 0
    for a in args:
        n = len(pytree.flatten(a)[0])
        out.append(list(range(k, k + n)))
        k += n
    return out


def jacfwd(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           fused: bool = True) -> Callable[..., Any]:
    """The Jacobian by forward mode. With float arguments and scalar outputs (and `fused`),
    one sweep per input element, compiled into one program (`transforms/jacobian.py`);
    otherwise, with `fused`, one sweep in vector mode (`vector_mode.py`) when every
    primitive has a vector-mode rule; else one `jvp` call per input element."""
    check_argnums(argnums, fun)
    if fused and not hasattr(fun, "__s2sgrad__") and not isinstance(fun, Derived):
        from .api import _transform

        return _transform(fun, "jacfwd", argnums, False)
    return _named(_jacfwd(fun, argnums, fused), "jacfwd", fun, argnums=argnums, fused=fused)


def _named(made: Callable[..., Any], mode: str, fun: Any, **options: Any
           ) -> Callable[..., Any]:
    """`made`, a function, named for pickling by reference (`pickling.name`)."""
    if isinstance(made, types.FunctionType) and not hasattr(made, "__s2sgrad_recipe__"):
        pickling.name(made, mode, fun, **options)
    return made


def _jacfwd(fun: Callable[..., Any], argnums: int | tuple[int, ...], vector: bool = True
            ) -> Callable[..., Any]:
    fun = canonical(fun)
    if isinstance(fun, Derived):
        return derived.jacobian_of(fun, argnums)
    is_tuple = isinstance(argnums, tuple)
    nums = argnums if is_tuple else (argnums,)

    def jac(*args: Any) -> Any:
        args = bind(fun, args, "the Jacobian")
        check_floats(fun, args, nums)
        plan = vector_mode.plan(fun, nums, is_tuple, args) if vector else None
        if plan is not None:
            sweeps["forward"] += 1
            return plan(args)
        leaves, _ = _flatten(args)
        positions = _leaf_slices(args)
        cols: dict[int, list[list[np.ndarray]]] = {}
        out = None
        drawn = saved_generators(fun, args)
        for i in nums:
            for p in positions[i]:
                cols[p] = []
                for k in range(_size(leaves[p])):
                    drawn.rewind()  # each sweep draws what one call of fun draws
                    tleaves = [_zero(x) for x in leaves]
                    tleaves[p] = _unit(leaves[p], k)
                    tangents = _unflatten_like(args, tleaves)
                    out, t = jvp(fun, args, tangents)
                    cols[p].append([np.asarray(c, dtype=float)
                                    for c in pytree.flatten(t)[0]])
        out_leaves = pytree.flatten(out)[0]

        def block(o: int, i: int, l: int) -> np.ndarray:
            p = positions[i][l]
            stacked = np.stack([c[o] for c in cols[p]], axis=-1)
            return stacked.reshape(np.shape(out_leaves[o]) + np.shape(leaves[p]))

        return _assemble(out, args, nums, is_tuple, block)

    return jac


def saved_generators(fun: Callable[..., Any], args: tuple) -> generators.Rewind:
    """The generators `fun` may draw from, saved: those among what it read when compiled
    and among its arguments `args`, and the global ones."""
    leaves, treedefs = _flatten(args)
    try:
        base = _base(fun, treedefs)[0]
        read = [v for _, _, v in pipeline.lower_with_deps(base, treedefs)[1]]
    except S2SGradError:  # not a function s2sgrad reads (a composed derivative)
        read = []
    return generators.Rewind([*read, *leaves])


def _float_array(g: Any) -> np.ndarray:
    """A gradient as an array of its own float dtype (float64 for Python numbers)."""
    g = np.asarray(g)
    return g if g.dtype.kind == "f" else g.astype(float)


def _unflatten_like(args: tuple, leaves: list[Any]) -> tuple:
    out, k = [], 0
    for a in args:
        n = len(pytree.flatten(a)[0])
        out.append(pytree.unflatten(pytree.flatten(a)[1], leaves[k:k + n]))
        k += n
    return tuple(out)


def jacrev(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           fused: bool = True) -> Callable[..., Any]:
    """The Jacobian by reverse mode: one reverse sweep per output element. With float
    arguments and scalar outputs (and `fused`), one program runs the forward sweep once and
    all reverse sweeps; otherwise each reverse sweep is one pullback call."""
    check_argnums(argnums, fun)
    if fused and not hasattr(fun, "__s2sgrad__") and not isinstance(fun, Derived):
        from .api import _transform

        return _transform(fun, "jacrev", argnums, False)
    return _named(_jacrev(fun, argnums), "jacrev", fun, argnums=argnums, fused=fused)


def _jacrev(fun: Callable[..., Any], argnums: int | tuple[int, ...]) -> Callable[..., Any]:
    if isinstance(fun, Derived):  # scalar in and out: the same row, by forward sweeps
        return derived.jacobian_of(fun, argnums)
    is_tuple = isinstance(argnums, tuple)
    nums = argnums if is_tuple else (argnums,)

    def jac(*args: Any) -> Any:
        args = bind(fun, args, "the Jacobian")
        check_floats(fun, args, nums)
        out, pullback = vjp(fun, *args)
        out_leaves, out_td = pytree.flatten(out)
        if out_td != pytree.LEAF and not (out_td[0] == "tuple" and all(
                c == pytree.LEAF for c in out_td[1])):
            raise S2SGradError("reverse-mode Jacobians take a function that returns an array, "
                               "a float or a tuple of them", _loc(fun), "use jacfwd")
        rows: list[list[Any]] = [[] for _ in out_leaves]
        for o, y in enumerate(out_leaves):
            for k in range(_size(y)):
                cot = [_zero(v) for v in out_leaves]
                cot[o] = _unit(y, k)
                rows[o].append([pytree.flatten(g)[0] for g in pullback(*cot)])

        def block(o: int, i: int, l: int) -> np.ndarray:
            shape = np.shape(out_leaves[o]) + np.shape(pytree.flatten(args[i])[0][l])
            if not rows[o]:  # an empty output: no rows, as jacfwd gives
                return np.zeros(shape)
            stacked = np.stack([_float_array(r[i][l]) for r in rows[o]])
            return stacked.reshape(shape)

        return _assemble(out, args, nums, is_tuple, block)

    return jac


def jacobian(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
             mode: str = "auto", fused: bool = True) -> Callable[..., Any]:
    """The Jacobian; `mode="auto"` uses forward mode when there are fewer inputs than
    outputs and reverse mode otherwise (`"forward"` and `"reverse"` force one)."""
    if mode not in ("auto", "forward", "reverse"):
        raise S2SGradError(f"unknown mode {mode!r}", hint="use auto, forward or reverse")
    check_argnums(argnums, fun)
    fun = canonical(fun)
    if mode != "auto":
        return (jacfwd if mode == "forward" else jacrev)(fun, argnums, fused)
    if isinstance(fun, Derived):
        return derived.jacobian_of(fun, argnums)
    return _named(fastpaths.AutoJacobian(fun, argnums, fused).function, "jacobian", fun,
                  argnums=argnums, fused=fused)


def hessian(fun: Callable[..., Any], argnums: int | tuple[int, ...] = 0
            ) -> Callable[..., Any]:
    """The Hessian by forward-over-reverse: `jacfwd(grad(fun))`, in JAX's layout. Of a
    derivative (a scalar `grad(f)`, or `grad(grad(f))`), two more forward steps."""
    fun = canonical(fun)
    inner = derived.as_derived(fun)
    if inner is not None:
        return _named(derived.hessian_of(inner, argnums), "hessian", fun, argnums=argnums)
    from .api import grad

    return _named(jacfwd(grad(fun, argnums), argnums), "hessian", fun, argnums=argnums)


def hvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian-vector product `H v`: one forward sweep over the gradient program. With
    one argument it returns `H v`; with several, a tuple with one entry per argument."""
    check_sequences("hvp", primals, tangents)
    fun = canonical(fun)
    if isinstance(fun, Derived):
        reject_complex(tangents, "tangent", "s2sgrad.hvp(f, (x,), (v.real,))")
        return derived.hvp_of(fun, primals, tangents)
    program = fastpaths.hvp_program(fun, primals, tangents)
    if program is not None:
        sweeps["forward"] += 1
        return program(*primals, *tangents)
    from .api import grad

    bind(fun, primals, "hvp")  # too many primals: an ArgumentError naming the function
    nums = tuple(range(len(primals)))
    g = grad(fun, argnums=nums if len(nums) > 1 else 0)
    _, t = jvp(g, primals, tangents)
    return t
