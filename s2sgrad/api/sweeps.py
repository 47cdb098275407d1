"""Derivatives by sweeps over leaf programs: `jvp`, `vjp`, and the Jacobians made of one
sweep per column or row (`generic_jacfwd`, `generic_jacrev`) for what the fused programs
(`transforms/jacobian.py`) and vector mode do not take.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import pipeline, pytree
from ..errors import S2SGradError
from ..frontend.parse import canonical
from . import derived, vector_mode
from .arguments import (bind, check_cotangents, check_floats, check_jvp_leaves, check_real,
                        check_sequences, reject_complex)
from .derived import Derived
from .flat import (assemble, compiled, cotangent_shapes, flatten_args, float_array,
                     leaf_slices, loc_of, regroup, saved_generators, size, sweeps, unflatten_like,
                     unit, zero_like)


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
    tangents = tuple(tangents) + tuple(pytree.unflatten(td, [zero_like(x) for x in leaves])
                                       for leaves, td in map(pytree.flatten,
                                                             primals[len(tangents):]))
    leaves, treedefs = flatten_args(primals)
    tleaves, _ = flatten_args(tangents)
    check_jvp_leaves(fun, primals, tangents, leaves, tleaves)
    step = pipeline.Options("jvp", tuple(range(len(leaves))), True, False)
    sweeps["forward"] += 1
    res = compiled(fun, step, leaves, treedefs)(*leaves, *tleaves)
    res = res if isinstance(res, tuple) else (res,)
    k = len(res) // 2
    out, tout = (res[0], res[k]) if k == 1 else (res[:k], res[k:])
    return regroup(fun, out, treedefs), regroup(fun, tout, treedefs)


def vjp(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """`(fun(*primals), pullback)`; `pullback(u)` returns `uᵀ J` for every argument, each
    in the structure of its argument (zero for an int or bool one, which is a constant, as
    JAX's float0 cotangent is). The pullback can be called many times."""
    fun = canonical(fun)
    if isinstance(fun, Derived):
        return derived.vjp_of(fun, primals)
    primals = bind(fun, primals, "vjp")
    leaves, treedefs = flatten_args(primals)
    check_real(fun, primals, leaves)
    step = pipeline.Options("vjp", tuple(range(len(leaves))), True, False)
    sweeps["forward"] += 1
    out, inner = compiled(fun, step, leaves, treedefs)(*leaves)
    out = regroup(fun, out, treedefs)

    shapes = cotangent_shapes(out)
    every = tuple(range(len(treedefs or ())))

    def pullback(*cotangent: Any) -> tuple:
        check_cotangents(out, shapes, cotangent)  # cheap when they fit
        sweeps["reverse"] += 1
        grads = inner(*cotangent)
        grads = list(grads) if isinstance(grads, tuple) else [grads]
        if treedefs is None:
            return tuple(grads)
        return tuple(pytree.regroup(treedefs, every, grads))

    return out, pullback


def generic_jacfwd(fun: Callable[..., Any], argnums: int | tuple[int, ...],
                   vector: bool = True) -> Callable[..., Any]:
    """The Jacobian by forward mode for any arguments: vector mode when it applies (and
    `vector`), else one `jvp` per input element."""
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
        leaves, _ = flatten_args(args)
        positions = leaf_slices(args)
        cols: dict[int, list[list[np.ndarray]]] = {}
        out = None
        drawn = saved_generators(fun, args)
        for i in nums:
            for p in positions[i]:
                cols[p] = []
                for k in range(size(leaves[p])):
                    drawn.rewind()  # each sweep draws what one call of fun draws
                    tleaves = [zero_like(x) for x in leaves]
                    tleaves[p] = unit(leaves[p], k)
                    tangents = unflatten_like(args, tleaves)
                    out, t = jvp(fun, args, tangents)
                    cols[p].append([np.asarray(c, dtype=float)
                                    for c in pytree.flatten(t)[0]])
        out_leaves = pytree.flatten(out)[0]

        def block(o: int, i: int, l: int) -> np.ndarray:
            p = positions[i][l]
            stacked = np.stack([c[o] for c in cols[p]], axis=-1)
            return stacked.reshape(np.shape(out_leaves[o]) + np.shape(leaves[p]))

        return assemble(out, args, nums, is_tuple, block)

    return jac


def generic_jacrev(fun: Callable[..., Any], argnums: int | tuple[int, ...]
                   ) -> Callable[..., Any]:
    """The Jacobian by reverse mode for any arguments: one pullback call per output
    element."""
    if isinstance(fun, Derived):  # scalar in and out: the same row, by forward sweeps
        return derived.jacobian_of(fun, argnums)
    is_tuple = isinstance(argnums, tuple)
    nums = argnums if is_tuple else (argnums,)

    def jac(*args: Any) -> Any:
        args = bind(fun, args, "the Jacobian")
        check_floats(fun, args, nums)
        out, pullback = vjp(fun, *args)
        out_leaves, out_td = pytree.flatten(out)
        if out_td != pytree.LEAF and not (out_td[0] == pytree.Node.TUPLE and all(
                c == pytree.LEAF for c in out_td[1])):
            raise S2SGradError("reverse-mode Jacobians take a function that returns an array, "
                               "a float or a tuple of them", loc_of(fun), "use jacfwd")
        rows: list[list[Any]] = [[] for _ in out_leaves]
        for o, y in enumerate(out_leaves):
            for k in range(size(y)):
                cot = [zero_like(v) for v in out_leaves]
                cot[o] = unit(y, k)
                rows[o].append([pytree.flatten(g)[0] for g in pullback(*cot)])

        def block(o: int, i: int, l: int) -> np.ndarray:
            shape = np.shape(out_leaves[o]) + np.shape(pytree.flatten(args[i])[0][l])
            if not rows[o]:  # an empty output: no rows, as jacfwd gives
                return np.zeros(shape)
            stacked = np.stack([float_array(r[i][l]) for r in rows[o]])
            return stacked.reshape(shape)

        return assemble(out, args, nums, is_tuple, block)

    return jac
