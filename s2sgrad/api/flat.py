"""Arguments as flat leaves, for the derivatives that work on leaves (`jvp`, `vjp`, the
Jacobians, vector mode): flattening and leaf positions, the compiled leaf programs, the
Jacobian's layout, and `sweeps`, the count of forward and reverse sweeps run.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Sequence

import numpy as np

from .. import pipeline, pytree
from ..backend.cache import Cache, Deps
from ..analysis import generators
from ..analysis.kinds import aval_of
from ..errors import S2SGradError


sweeps: Counter = Counter()


_COMPILED = Cache()  # leaf programs, per function, steps, kinds and structures


def base_of(fun: Callable[..., Any], treedefs: tuple | None
          ) -> tuple[Callable[..., Any], tuple]:
    """The user's function and the transformations already applied to it (grad: one)."""
    t = getattr(fun, "__s2sgrad__", None)
    if t is None:
        return fun, ()
    return t.fun, (t.opts if treedefs is None else t.leaf_options(treedefs),)


def flatten_args(args: Sequence[Any]) -> tuple[list[Any], tuple | None]:
    """The leaves of all arguments, and their structures (None when all are leaves)."""
    if all(a.__class__ is float or a.__class__ is np.ndarray for a in args):
        return list(args), None  # the common case, without flattening
    flat = [pytree.flatten(a) for a in args]
    treedefs = tuple(td for _, td in flat)
    simple = all(td == pytree.LEAF for td in treedefs)
    return [leaf for leaves, _ in flat for leaf in leaves], None if simple else treedefs


def compiled(fun: Callable[..., Any], step: pipeline.Options, leaves: Sequence[Any],
              treedefs: tuple | None) -> Callable[..., Any]:
    base, steps = base_of(fun, treedefs)
    steps = steps + (step,)
    kinds = tuple(aval_of(a) for a in leaves)
    key = (base, getattr(base, "__code__", None), steps, kinds, treedefs)
    made = _COMPILED.get(key)  # no closure made on the path that runs at every call
    return made if made is not None else _COMPILED.make(
        key, lambda: _leaf_program(base, steps, kinds, treedefs, step.mode))


def _leaf_program(base: Callable[..., Any], steps: tuple, kinds: tuple,
                  treedefs: tuple | None, label: str) -> tuple[Callable[..., Any], Deps]:
    program = pipeline.build(base, steps, list(kinds), treedefs=treedefs)
    return (pipeline.compile_program(program, label)[0],
            pipeline.lower_with_deps(base, treedefs)[1])


def regroup(fun: Callable[..., Any], out: Any, treedefs: tuple | None) -> Any:
    """Flat leaf gradients back into their arguments' structure (when `fun` is a grad)."""
    t = getattr(fun, "__s2sgrad__", None)
    if t is None or treedefs is None:
        return out
    return t.regroup(out, treedefs)


def loc_of(fun: Callable[..., Any]) -> Any:
    """Where the user's function is defined, for error messages."""
    return pipeline.signature(base_of(fun, None)[0]).loc


def zero_like(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, x.dtype if x.dtype.kind == "f" else float)
    return 0.0


def cotangent_shapes(out: Any) -> list[tuple] | None:
    """For an output that is an array, a float or a tuple of them, the shape of each
    cotangent the pullback takes (one per value); None for other structures (a dict's
    cotangent may leave keys out: its structure is checked when the pullback is called)."""
    if out.__class__ is np.ndarray or out.__class__ is float:
        return [np.shape(out)]
    out_leaves, out_td = pytree.flatten(out)
    return [np.shape(v) for v in out_leaves] if out_td == pytree.LEAF or (
        out_td[0] == pytree.Node.TUPLE and all(c == pytree.LEAF for c in out_td[1])) else None


def unit(x: Any, k: int) -> Any:
    if isinstance(x, np.ndarray):
        e = np.zeros(x.shape, x.dtype if x.dtype.kind == "f" else float)
        e.flat[k] = 1.0
        return e
    return 1.0


def size(x: Any) -> int:
    return int(np.size(x))


def assemble(out: Any, args: tuple, nums: tuple[int, ...], is_tuple: bool,
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


def leaf_slices(args: tuple) -> list[list[int]]:
    """For each argument, the positions of its leaves among all leaves."""
    starts = pytree.leaf_starts(tuple(pytree.flatten(a)[1] for a in args))
    return [list(range(a, b)) for a, b in zip(starts[:-1], starts[1:])]


def saved_generators(fun: Callable[..., Any], args: tuple) -> generators.Rewind:
    """The generators `fun` may draw from, saved: those among what it read when compiled
    and among its arguments `args`, and the global ones."""
    leaves, treedefs = flatten_args(args)
    try:
        base = base_of(fun, treedefs)[0]
        read = [v for _, _, v in pipeline.lower_with_deps(base, treedefs)[1]]
    except S2SGradError:  # not a function s2sgrad reads (a composed derivative)
        read = []
    return generators.Rewind([*read, *leaves])


def float_array(g: Any) -> np.ndarray:
    """A gradient as an array of its own float dtype (float64 for Python numbers)."""
    g = np.asarray(g)
    return g if g.dtype.kind == "f" else g.astype(float)


def unflatten_like(args: tuple, leaves: list[Any]) -> tuple:
    """`leaves` put into the structures of `args`."""
    treedefs = tuple(pytree.flatten(a)[1] for a in args)
    return tuple(pytree.regroup(treedefs, tuple(range(len(args))), leaves))
