"""Aliasing: may two values share storage, and may an update happen in place?

`x[i] = v` and `x += y` are lowered to new SSA values (`x_1 = setitem(x, i, v)`,
`x_1 = x + y`), marked `inplace`. That keeps Python's meaning as long as nothing else still
refers to the old array: in Python, another name bound to it, a view of it, or a container
holding it would see the update. `check_updates` raises an error when such a value is read
after the update, rather than compute something Python would not.

The same facts decide where codegen may update an array in place instead of copying it:
the array must be one the function made itself (not an argument, nor a view of one), and
nothing may read it or share its storage afterwards.

Values that may share storage are grouped with a union-find over: view-returning primitives
and their operand, containers and their items, φ-nodes and their inputs, loop-carried values
and their inits and next values.
"""

from __future__ import annotations

import operator

import numpy as np

from ..backend import runtime
from ..errors import UnsupportedSyntaxError
from ..ir.core import Assign, Block, For, Function, If, Stmt, Var, While
from .kinds import Avals

_VIEWS = {np.reshape, np.transpose, np.ravel, np.squeeze, np.expand_dims, np.swapaxes,
          np.moveaxis, np.diagonal, np.broadcast_to, np.atleast_1d, np.atleast_2d,
          np.atleast_3d, np.asarray, np.flip, np.fliplr, np.flipud, np.rot90,
          np.diag, np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit,
          runtime.attr("T"), runtime.method("reshape"), runtime.method("transpose"),
          runtime.method("ravel"), runtime.method("view"), runtime.method("squeeze"),
          runtime.method("swapaxes"), runtime.method("diagonal"), runtime.attr("real"),
          runtime.written}
# Results that may be (a view of) their first argument only: `broadcast_like(t, ans)` returns
# `t` itself or a broadcast of it, and only reads the shape of `ans`.
_FIRST_VIEWS = {runtime.stack_pop, operator.getitem, runtime.broadcast_like}
_UPDATES = set(runtime.UPDATES)
_CONTAINERS = {runtime.make_tuple, runtime.make_list, runtime.make_dict, runtime.stack_push}


class Groups:
    """Union-find over variables that may share storage."""

    def __init__(self) -> None:
        self.parent: dict[Var, Var] = {}

    def find(self, v: Var) -> Var:
        while self.parent.get(v, v) is not v:
            v = self.parent[v]
        return v

    def union(self, a: object, b: object) -> None:
        if isinstance(a, Var) and isinstance(b, Var):
            self.parent[self.find(a)] = self.find(b)

    def members(self, v: Var, universe: set[Var]) -> set[Var]:
        root = self.find(v)
        return {u for u in universe if self.find(u) is root}


def storage_groups(block: Block, avals: Avals, groups: Groups | None = None) -> Groups:
    groups = groups or Groups()
    for s in block:
        if isinstance(s, Assign):
            if s.prim in _VIEWS or s.prim in _FIRST_VIEWS:
                for o in s.outs:
                    if avals.get(o) is None or avals[o].kind != "scalar":  # scalars: copies
                        groups.union(o, s.args[0])
            elif s.prim in _CONTAINERS:
                for a in s.args:
                    groups.union(s.outs[0], a)
        elif isinstance(s, If):
            storage_groups(s.then, avals, groups)
            storage_groups(s.orelse, avals, groups)
            for o, a, b in zip(s.outs, s.then_results, s.else_results):
                groups.union(o, a)
                groups.union(o, b)
        else:
            if isinstance(s, While):
                storage_groups(s.cond_block, avals, groups)
            storage_groups(s.body, avals, groups)
            for c, i, n, o in zip(s.carried, s.inits, s.next, s.outs):
                groups.union(c, i)
                groups.union(c, n)
                groups.union(o, c)
    return groups


def reads_after(block: Block, tail: set[Var]) -> list[set[Var]]:
    """For each statement, the variables read after it (in this block, then `tail`)."""
    from ..backend.names import reads

    out: list[set[Var]] = [set()] * len(block)
    acc = set(tail)
    for j in reversed(range(len(block))):
        out[j] = set(acc)
        acc |= reads(block[j])
    return out


def check_updates(fn: Function, avals: Avals) -> None:
    """Raise when an updated array is still seen through another name afterwards.

    After `x_1 = setitem(x, i, v)`, Python shows the new contents through every name that
    refers to the same array. A value that shares storage with `x` and was defined before
    the update still holds the old contents here, so reading it later is an error.
    """
    groups = storage_groups(fn.body, avals)
    order = definition_order(fn)
    _check(fn.body, {a for a in fn.results if isinstance(a, Var)}, groups, avals, order)


def definition_order(fn: Function) -> dict[Var, int]:
    """A number per variable, increasing in program order (loop outs after their body)."""
    order: dict[Var, int] = {p: 0 for p in fn.params}

    def visit(block: Block) -> None:
        for s in block:
            if isinstance(s, (For, While)):
                order.update((c, len(order)) for c in s.carried)
                if isinstance(s, For):
                    order[s.index] = len(order)
            for child, _ in _children(s, set()):
                visit(child)
            order.update((o, len(order)) for o in s.outs)

    visit(fn.body)
    return order


def _check(block: Block, tail: set[Var], groups: Groups, avals: Avals,
           order: dict[Var, int]) -> None:
    after = reads_after(block, tail)
    for s, later in zip(block, after):
        if isinstance(s, Assign) and s.inplace:
            _check_one(s, later, groups, avals, order)
        for child, child_tail in _children(s, later):
            _check(child, child_tail, groups, avals, order)


def _children(s: Stmt, later: set[Var]) -> list[tuple[Block, set[Var]]]:
    from ..backend.names import _block_reads

    if isinstance(s, If):
        return [(s.then, later | _vars(s.then_results)), (s.orelse, later | _vars(s.else_results))]
    if isinstance(s, Assign):
        return []
    from ..ir.builder import defined_in

    inside = defined_in(s.body) | set(s.carried) | ({s.index} if isinstance(s, For) else set())
    again = _block_reads(s.body, s.next)
    if isinstance(s, While):
        again |= _block_reads(s.cond_block, [s.cond])
    loop_reads = later | (again - inside)  # values from outside are read again next time
    blocks = [(s.body, loop_reads | _vars(s.next))]
    if isinstance(s, While):
        blocks.append((s.cond_block, loop_reads))
    return blocks


def _vars(atoms: list) -> set[Var]:
    return {a for a in atoms if isinstance(a, Var)}


def _check_one(s: Assign, later: set[Var], groups: Groups, avals: Avals,
               order: dict[Var, int]) -> None:
    old = s.args[0]
    if not isinstance(old, Var) or avals.get(old) is None or avals[old].kind == "scalar":
        return
    mine = order.get(s.outs[0], 0)
    shared = {v for v in groups.members(old, later) if order.get(v, 0) < mine}
    if shared:
        names = ", ".join(sorted(v.name for v in shared))
        raise UnsupportedSyntaxError(
            "this in-place update changes an array that is still used through another "
            f"name or view ({names}); s2sgrad cannot keep Python's meaning here", s.loc,
            "make a copy first (y = x.copy()), or stop using the other name after the update")


def in_place_updates(fn: Function) -> set[int]:
    """The updates (`setitem`, `index_add`, by id) that may write into their array.

    The array must be the function's own (no argument shares its storage), never kept by
    reference (pushed, put in a container, viewed), and nothing sharing its storage may be
    read afterwards, the reverse sweep included.
    """
    groups = storage_groups(fn.body, fn.avals)
    universe = _all_vars(fn)
    blocked = set(fn.params) | captured_vars(fn.body)
    bad_roots = {groups.find(v) for v in blocked}
    found: set[int] = set()
    _scan(fn.body, _vars(fn.results), groups, universe, bad_roots, found,
          definition_order(fn))
    return found


def _scan(block: Block, tail: set[Var], groups: Groups, universe: set[Var],
          bad_roots: set[Var], found: set[int], order: dict[Var, int]) -> None:
    for s, later in zip(block, reads_after(block, tail)):
        if isinstance(s, Assign) and s.prim in _UPDATES and isinstance(s.args[0], Var):
            old, mine = s.args[0], order.get(s.outs[0], 0)
            seen = {v for v in groups.members(old, later) if order.get(v, 0) < mine}
            if groups.find(old) not in bad_roots and not seen:
                found.add(id(s))
        for child, child_tail in _children(s, later):
            _scan(child, child_tail, groups, universe, bad_roots, found, order)


def _all_vars(fn: Function) -> set[Var]:
    from ..ir.builder import defined_in

    return defined_in(fn.body) | set(fn.params)


def captured_vars(block: Block) -> set[Var]:
    """Variables whose reference is kept: pushed, put in containers, or viewed."""
    out: set[Var] = set()
    for s in block:
        if isinstance(s, Assign) and (s.prim in _CONTAINERS or s.prim in _VIEWS):
            out |= _vars(s.args)
        elif isinstance(s, Assign) and s.prim is runtime.broadcast_like:
            out |= _vars(s.args[:1])
        for child in _children(s, set()):
            out |= captured_vars(child[0])
    return out

