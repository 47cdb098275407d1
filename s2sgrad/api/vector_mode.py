"""Vector mode for `jacfwd`: all n columns of a Jacobian in one forward sweep.

The program is the forward transform with a batch axis (`transforms/batching.py`): each
differentiated leaf of shape `s` gets a tangent of shape `(n, *s)`, and the n tangent
directions together are the n unit vectors, so the tangent of an output of shape `o` comes
back as `(n, *o)`: the Jacobian with the input axis first. `program` compiles it once per
kind of arguments, or returns None, and records why in `fallbacks`, when some primitive on
the differentiated path has no vector-mode rule; the caller then uses one sweep per column.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..analysis import generators
from .. import pipeline, pytree
from ..backend.cache import Cache, Deps
from ..analysis.aliasing import check_updates
from ..analysis.kinds import aval_of, infer
from ..ir.verify import verify
from ..transforms.batching import NotBatchable, batched_forward
from ..transforms.optimize import optimize
from .flat import assemble, base_of, flatten_args, leaf_slices, regroup

fallbacks: dict[str, str] = {}  # the function's name -> why vector mode was not used
_PROGRAMS = Cache()  # per function, steps, kinds, structures and wrt; None: no program
_SEEDS: dict[tuple, list[np.ndarray]] = {}


def program(base: Callable[..., Any], steps: tuple, kinds: tuple, treedefs: tuple | None,
            wrt: tuple[int, ...], n: int) -> Callable[..., Any] | None:
    """The compiled vector-mode Jacobian program of `base` after `steps` (e.g. a `grad`),
    taking the leaves and then one batched tangent per leaf in `wrt`; None if it has none."""
    key = (base, getattr(base, "__code__", None), steps, kinds, treedefs, wrt)

    def build() -> tuple[Callable[..., Any] | None, Deps]:
        deps = pipeline.lower_with_deps(base, treedefs)[1]
        name = getattr(base, "__name__", "f")
        try:
            fn = pipeline.compile_program(_build(base, steps, kinds, treedefs, wrt, n),
                                          f"jacfwd({name})")[0]
            fallbacks.pop(name, None)
        except NotBatchable as exc:
            fn, fallbacks[name] = None, str(exc)
        return fn, deps

    return _PROGRAMS.make(key, build)


def _build(base: Callable[..., Any], steps: tuple, kinds: tuple, treedefs: tuple | None,
           wrt: tuple[int, ...], n: int) -> Any:
    primal = pipeline.lower(base, treedefs)
    avals = infer(primal, list(kinds))
    if steps:  # forward over what `steps` made (reverse mode, for a Hessian)
        prog = pipeline.build(base, steps, list(kinds), stop_after="reverse",
                              treedefs=treedefs)
    else:
        prog = primal
        check_updates(prog, avals)
        pipeline.check_real(prog, pipeline.Options("jvp", tuple(wrt), True, False), avals)
    prog = verify(batched_forward(prog, list(wrt), list(kinds), n))
    prog.results = prog.results[len(prog.results) // 2:]  # the tangents: the Jacobian
    prog.name = f"jacfwd_{prog.name}".replace("<lambda>", "lambda")
    return pipeline.with_alias_check(verify(optimize(prog)), primal, avals)


def seeds(shapes: tuple[tuple[int, ...], ...], dtypes: tuple[np.dtype, ...] | None = None
          ) -> list[np.ndarray]:
    """The batched tangents of leaves of these shapes that together make the n unit vectors
    (n = their total size): slices of one identity matrix, cached per shapes. A leaf of
    another float dtype than float64 gets its slice in its own dtype (a tangent has its
    primal's dtype)."""
    dtypes = dtypes or tuple(np.dtype(float) for _ in shapes)
    if (shapes, dtypes) not in _SEEDS:
        n = sum(int(np.prod(s)) for s in shapes)
        eye = np.eye(n)
        eye.setflags(write=False)
        out, k = [], 0
        for s, dtype in zip(shapes, dtypes):
            size = int(np.prod(s))
            block = eye[:, k:k + size].reshape((n, *s))
            if dtype != block.dtype:
                block = block.astype(dtype)
                block.setflags(write=False)
            out.append(block)
            k += size
        _SEEDS[shapes, dtypes] = out
    return _SEEDS[shapes, dtypes]


def signature(args: Sequence[Any]) -> tuple:
    """What a compiled program depends on, for each argument: the class of a leaf, the
    shape and dtype of an array, and the structure of a tuple, list or dict."""
    out: list[Any] = []
    for a in args:
        cls = a.__class__
        if isinstance(a, np.ndarray):
            out.append((cls, a.shape, a.dtype))
        elif cls in (tuple, list, dict):
            leaves, treedef = pytree.flatten(a)
            out.append((treedef, signature(leaves)))
        else:
            out.append(cls)
    return tuple(out)


class Plan:
    """The vector-mode Jacobian of one function for one signature of its arguments: the
    compiled program, its seeds, and where each differentiated leaf's columns are."""

    def __init__(self, fun: Callable[..., Any], program: Callable[..., Any], args: tuple,
                 nums: tuple[int, ...], is_tuple: bool, values: tuple = ()):
        leaves, self.treedefs = flatten_args(args)
        self.positions = leaf_slices(args)
        wrt = [p for i in nums for p in self.positions[i]]
        self.shapes = [np.shape(leaves[p]) for p in range(len(leaves))]
        self.sizes = [int(np.prod(shape)) for shape in self.shapes]
        self.starts = dict(zip(wrt, np.cumsum([0, *[self.sizes[p] for p in wrt]]).tolist()))
        self.fun, self.program, self.nums, self.is_tuple = fun, program, nums, is_tuple
        self.seeds = seeds(tuple(self.shapes[p] for p in wrt),
                           tuple(np.result_type(leaves[p]) for p in wrt))
        drawn = generators.Rewind([*values, *pytree.flatten(args)[0]])
        out = fun(*pytree.copied(args))  # for the output's structure; fun may write args
        drawn.rewind()  # the program draws what this run drew
        out_leaves, self.out_td = pytree.flatten(out)
        self.out_shapes = [np.shape(y) for y in out_leaves]
        self.flat_out = self.out_td == pytree.LEAF or (self.out_td[0] == pytree.Node.TUPLE and all(
            td == pytree.LEAF for td in self.out_td[1]))

    def __call__(self, args: tuple) -> Any:
        leaves = args if self.treedefs is None else flatten_args(args)[0]
        tout = self.program(*leaves, *self.seeds)
        if self.treedefs is None and self.flat_out:  # arrays and floats
            if self.out_td == pytree.LEAF:
                return self.row(tout, 0)
            return tuple(self.row(t, o) for o, t in enumerate(tout))
        tout = regroup(self.fun, tout, self.treedefs)
        t_leaves = _leaves_like(self.out_td, tout)
        skeleton = pytree.unflatten(self.out_td, [None] * len(t_leaves))
        return assemble(skeleton, args, self.nums, self.is_tuple, lambda o, i, l: self.block(
            t_leaves[o], o, self.positions[i][l]))

    def row(self, tangent: Any, o: int) -> Any:
        """The Jacobian of output leaf `o`, per differentiated argument."""
        blocks = [self.block(tangent, o, p) for i in self.nums for p in self.positions[i]]
        return tuple(blocks) if self.is_tuple else blocks[0]

    def block(self, tangent: Any, o: int, p: int) -> Any:
        """d output o / d leaf p, of shape `output shape + leaf shape`, from the output's
        batched tangent `(n, *output shape)`."""
        shape, start = self.shapes[p], self.starts[p]
        if tangent.__class__ is not np.ndarray:  # the output does not depend on the inputs
            zero = np.zeros(self.out_shapes[o] + shape)
            return float(zero) if zero.ndim == 0 else zero
        if not tangent.flags.writeable:  # a broadcast: the blocks must be arrays of their own
            tangent = tangent.copy()
        if shape == ():
            one = tangent[start]
            return float(one) if one.ndim == 0 else one
        rows = tangent[start:start + self.sizes[p]]
        if rows.ndim == 1:
            return rows.reshape(shape)
        last_first = rows.transpose((*range(1, rows.ndim), 0))  # the batch axis last
        return last_first.reshape(rows.shape[1:] + shape)


def _leaves_like(treedef: Any, value: Any) -> list[Any]:
    """The leaves of `value` taken along `treedef` (a tangent may hold a sequence adjoint
    where the output has a tuple)."""
    if treedef == pytree.LEAF:
        return [value]
    if treedef[0] == pytree.Node.STATIC:
        return []
    if treedef[0] == pytree.Node.DICT:
        return [v for k, td in zip(treedef[1], treedef[2]) for v in _leaves_like(td, value[k])]
    return [v for k, td in enumerate(treedef[1]) for v in _leaves_like(td, value[k])]


_PLANS = Cache()  # per function, argnums and argument signature; None: no plan


def plan(fun: Callable[..., Any], nums: tuple[int, ...], is_tuple: bool, args: tuple
         ) -> Plan | None:
    """The vector-mode Jacobian of `fun` for arguments like `args` (bound, defaults
    included), or None when vector mode does not apply (`fallbacks` says why)."""
    return plan_entry(fun, nums, is_tuple, args)[0]


def plan_entry(fun: Callable[..., Any], nums: tuple[int, ...], is_tuple: bool, args: tuple
               ) -> tuple[Plan | None, Deps]:
    """`plan(...)` and the globals baked into it, which must still be current to use it."""
    key = (fun, nums, is_tuple, signature(args))
    return _PLANS.entry(key) or _PLANS.make_entry(
        key, lambda: _plan(fun, nums, is_tuple, args))


def _plan(fun: Callable[..., Any], nums: tuple[int, ...], is_tuple: bool, args: tuple
          ) -> tuple[Plan | None, Deps]:
    leaves, treedefs = flatten_args(args)
    base, steps = base_of(fun, treedefs)
    positions = leaf_slices(args)
    wrt = tuple(p for i in nums for p in positions[i])
    n = sum(int(np.size(leaves[p])) for p in wrt)
    kinds = tuple(aval_of(a) for a in leaves)
    fn = program(base, steps, kinds, treedefs, wrt, n)
    deps = pipeline.lower_with_deps(base, treedefs)[1]
    made = None if fn is None else \
        Plan(fun, fn, args, nums, is_tuple, tuple(v for _, _, v in deps))
    return made, deps
