"""Gradients the caller owns: `Function -> Function`, run last on a reverse-mode program.

A gradient handed back must be an array the caller may update in place, as with any NumPy
result: not an argument or a view of one, not a read-only broadcast (the adjoint of
`np.sum(x)` is `np.broadcast_to(1.0, np.shape(x))`), not a value the pullback of `vjp`
keeps from the forward sweep (it would hand the same array to every call), and not an
array another gradient also returns. Where the storage groups of `analysis.aliasing` say a
gradient may be one of these, it is copied at the end. A broadcast that is returned as it
is becomes `np.full(shape, value)` instead: one allocation, and no broadcast at all.
Gradients that are already new arrays, the usual case, are returned as they are.
"""

from __future__ import annotations

import numpy as np

from ..analysis import kinds as K
from ..analysis.aliasing import Groups, read_only_vars, storage_groups
from .. import runtime
from ..ir.core import Assign, Atom, Block, Function, NameSupply, Var
from ..analysis.kinds import ValueKind

_SEQUENCES = (runtime.make_tuple, runtime.make_list)


def own_results(fn: Function, grads: range) -> Function:
    """Copy the gradients among `fn.results[k]` for `k` in `grads` that the caller could
    not safely own; the tuples and lists built at the top level to hold them are looked
    into (and do not join their items' storage groups)."""
    defs = {o: s for s in fn.body if isinstance(s, Assign) for o in s.outs}
    packing = _packing([fn.results[k] for k in grads], defs)
    groups = storage_groups([s for s in fn.body if not any(s is p for p in packing)],
                            fn.avals)
    kept = set(fn.params) | read_only_vars(fn.body) | _before_sweep(fn.body)
    owner = _Owner(fn, groups, {groups.find(v) for v in kept}, defs)
    fn.results = [owner.own(a) if k in grads else a for k, a in enumerate(fn.results)]
    return fn


def _packing(results: list[Atom], defs: dict[Var, Assign]) -> list[Assign]:
    """The statements that build tuples and lists of `results`, nested ones included."""
    out: list[Assign] = []
    for a in results:
        built = defs.get(a) if isinstance(a, Var) else None
        if built is not None and built.prim in _SEQUENCES and not built.kwargs:
            out += [built, *_packing(built.args, defs)]
    return out


def _before_sweep(body: Block) -> set[Var]:
    """The values the forward sweep of a split (`vjp`) program keeps for its pullback."""
    out: set[Var] = set()
    for s in body:
        if isinstance(s, Assign) and s.prim is runtime.sweep_marker:
            return out
        out.update(s.outs)
    return set()


class _Owner:
    def __init__(self, fn: Function, groups: Groups, unsafe: set[Var],
                 defs: dict[Var, Assign]):
        self.fn, self.groups, self.unsafe, self.defs = fn, groups, unsafe, defs
        self.names = NameSupply.for_function(fn)
        self.claimed: set[Var] = set()

    def own(self, a: Atom) -> Atom:
        """`a`, or an array of its value that nothing else holds."""
        if not isinstance(a, Var) or K.is_scalar(a, self.fn.avals):
            return a
        built = self.defs.get(a)
        if built is not None and built.prim in _SEQUENCES and not built.kwargs:
            items = [self.own(item) for item in built.args]
            if all(x is y for x, y in zip(items, built.args)):
                return a
            return self._emit(built.prim, items, a)
        root = self.groups.find(a)
        if root not in self.unsafe and root not in self.claimed:
            self.claimed.add(root)
            return a
        if built is not None and _fillable(built) and root not in self.claimed:
            built.prim, built.args = np.full, [built.args[1], built.args[0]]
            self.claimed.add(root)
            return a
        if K.kind(a, self.fn.avals).kind == ValueKind.ARRAY:
            return self._emit(runtime.method("copy"), [a], a)
        return self._emit(runtime.owned, [a], a)

    def _emit(self, prim: object, args: list[Atom], like: Var) -> Var:
        out = self.names.var(like.name)
        self.fn.body.append(Assign([out], prim, args))
        if like in self.fn.avals:
            self.fn.avals[out] = self.fn.avals[like]
        return out


def _fillable(s: Assign) -> bool:
    """`np.broadcast_to(value, shape)` made by adjoint code (not the user's), which
    `np.full(shape, value)` computes writably."""
    return s.prim is np.broadcast_to and len(s.args) == 2 and not s.kwargs and s.adjoint
