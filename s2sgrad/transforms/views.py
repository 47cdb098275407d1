"""Copy a slice rather than the whole array: `Function -> Function`, run last.

The adjoint of a slice read-modify-write (`y[1:3] += w`) reads `by[1:3]`, a view, then
zeroes `by[1:3]`, and reads the view again afterwards. Codegen updates `by` in place only
when nothing sharing its storage is read after the update (see
`analysis.aliasing.in_place_updates`), so it would copy all of `by` first. When the only
such values are views made by indexing that very array in the same block (possibly handed
on by a helper that may return its argument, such as `unbroadcast`), this pass copies each
view where it is made instead (`u = by[1:3].copy()`): the same values, a copy the size of
the slice, and the update then happens in place.
"""

from __future__ import annotations

import operator

from ..analysis.aliasing import passed_through, updates_blocked_by_reads
from .. import runtime
from ..ir.core import Assign, Atom, Block, For, Function, If, NameSupply, Var, While

_COPY = runtime.method("copy")


def detach_views(fn: Function) -> Function:
    defs: dict[Var, tuple[Assign, int]] = {}  # each value's statement and block
    _definitions(fn.body, defs)
    home = {id(s): b for s, b in defs.values()}
    detach: dict[int, Assign] = {}
    for update, seen in updates_blocked_by_reads(fn):
        views = [_indexing_of(v, update.args[0], defs) for v in seen]
        if all(v is not None and home[id(v)] == home.get(id(update)) for v in views):
            detach.update((id(v), v) for v in views)  # type: ignore[union-attr]
    if detach:
        _copy_views(fn.body, detach, NameSupply.for_function(fn), fn)
    return fn


def _definitions(block: Block, defs: dict[Var, tuple[Assign, int]]) -> None:
    for s in block:
        if isinstance(s, Assign):
            defs.update((o, (s, id(block))) for o in s.outs)
        for child in _blocks(s):
            _definitions(child, defs)


def _indexing_of(v: Atom, array: Atom, defs: dict[Var, tuple[Assign, int]]) -> Assign | None:
    """The statement `u = array[index]` that `v` is, or is handed back from; else None."""
    s = defs[v][0] if isinstance(v, Var) and v in defs else None
    while s is not None and passed_through(s) is not None:
        a = passed_through(s)
        s = defs[a][0] if isinstance(a, Var) and a in defs else None
    if s is None or s.prim is not operator.getitem or s.args[0] is not array or s.kwargs:
        return None
    return s


def _copy_views(block: Block, detach: dict[int, Assign], names: NameSupply,
                fn: Function) -> None:
    """`u = x[i]` becomes `t = x[i]; u = t.copy()` for the statements in `detach`."""
    for k in reversed(range(len(block))):
        s = block[k]
        if id(s) in detach:
            view = names.temp()
            if s.out in fn.avals:
                fn.avals[view] = fn.avals[s.out]
            block.insert(k + 1, Assign([s.out], _COPY, [view], loc=s.loc, adjoint=s.adjoint))
            s.outs = [view]
        for child in _blocks(s):
            _copy_views(child, detach, names, fn)


def _blocks(s: object) -> list[Block]:
    if isinstance(s, If):
        return [s.then, s.orelse]
    if isinstance(s, While):
        return [s.cond_block, s.body]
    return [s.body] if isinstance(s, For) else []
