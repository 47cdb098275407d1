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
and their operand, helpers that may hand back an argument itself (`unbroadcast(g, x)` is `g`
when the shapes already agree) and that argument, containers and their items, φ-nodes and
their inputs, loop-carried values and their inits and next values.
"""

from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from .. import runtime
from ..errors import AliasedArgumentsError, UnsupportedSyntaxError
from ..ir.builder import block_reads, defined_in, reads
from ..ir.core import Assign, Atom, Block, Const, For, Function, If, Stmt, Var, While, walk
from ..rules.dicts import dict_item, dict_onehot, dict_without
from ..rules.registry import lookup
from .kinds import Avals, ValueKind, run_on_stand_ins

_VIEWS = {np.reshape, np.transpose, np.ravel, np.squeeze, np.expand_dims, np.swapaxes,
          np.moveaxis, np.diagonal, np.broadcast_to, np.atleast_1d, np.atleast_2d,
          np.atleast_3d, np.asarray, np.flip, np.fliplr, np.flipud, np.rot90,
          np.diag, np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit,
          np.broadcast_arrays, np.meshgrid, np.lib.stride_tricks.as_strided,
          np.lib.stride_tricks.sliding_window_view,
          runtime.attr("T"), runtime.attr("mT"), runtime.attr("flat"), runtime.attr("base"),
          runtime.method("reshape"), runtime.method("transpose"),
          runtime.method("ravel"), runtime.method("view"), runtime.method("squeeze"),
          runtime.method("swapaxes"), runtime.method("diagonal"), runtime.attr("real"),
          runtime.written, *[getattr(np, n) for n in ("matrix_transpose", "permute_dims",
                                                      "unstack") if hasattr(np, n)]}
# primitives that may return one of their arguments itself (or a view of it), by position;
# `broadcast_like(t, ans)` returns `t` itself or a broadcast of it
_PASS_THROUGH = {runtime.unbroadcast: 0, runtime.as_result: 0, runtime.seq_onehot: 2,
                 dict_item: 0, dict_without: 0, dict_onehot: 1, np.real: 0, np.asanyarray: 0,
                 np.ascontiguousarray: 0, np.asfortranarray: 0, np.asarray_chkfinite: 0,
                 np.require: 0, runtime.stop_gradient: 0, runtime.broadcast_like: 0,
                 **{runtime.attr(n): 0 for n in ("S", "U", "Vh", "Q", "R", "L", "eigenvalues",
                                                 "eigenvectors", "sign", "logabsdet")}}
# ... only when called with `copy=False` (or `copy=None`): `np.array(x, copy=False)` is `x`
_UNLESS_COPIED = {np.array: 0, runtime.method("astype"): 0}
_UPDATES = set(runtime.UPDATES)
_READ_ONLY = {np.broadcast_to, np.broadcast_arrays, runtime.broadcast_like}
_CONTAINERS = {runtime.make_tuple, runtime.make_list, runtime.make_dict, runtime.stack_push}


class Groups:
    """Union-find over variables that may share storage."""

    def __init__(self) -> None:
        self.parent: dict[Var, Var] = {}

    def find(self, v: Var) -> Var:
        root = v
        while self.parent.get(root, root) is not root:
            root = self.parent[root]
        while v is not root:  # path compression: the next find is one step
            self.parent[v], v = root, self.parent[v]
        return root

    def union(self, a: object, b: object) -> None:
        if isinstance(a, Var) and isinstance(b, Var):
            ra, rb = self.find(a), self.find(b)
            if ra is not rb:
                self.parent[ra] = rb

    def members(self, v: Var, universe: set[Var]) -> set[Var]:
        root = self.find(v)
        return {u for u in universe if self.find(u) is root}


def storage_groups(block: Block, avals: Avals, groups: Groups | None = None) -> Groups:
    groups = groups or Groups()
    for s in block:
        if isinstance(s, Assign):
            if s.prim in _VIEWS or s.prim in (runtime.stack_pop, operator.getitem):
                if s.prim is operator.getitem and _advanced(s.args[1], avals):
                    continue  # x[[0, 1]], x[mask]: NumPy copies
                for o in s.outs:
                    if avals.get(o) is None or avals[o].kind != ValueKind.SCALAR:  # scalars: copies
                        groups.union(o, s.args[0])
            elif s.prim in _CONTAINERS:
                for a in s.args:
                    groups.union(s.outs[0], a)
            elif len(s.outs) == 1 and (avals.get(s.out) is None or
                                       avals[s.out].kind != ValueKind.SCALAR):
                for a in may_share(s, avals):
                    groups.union(s.out, a)
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


def _advanced(index: Atom, avals: Avals) -> bool:
    """Whether `x[index]` is NumPy's advanced indexing, which copies: a list or an array
    of integers or booleans, alone or in a tuple (a plain tuple of ints is basic)."""
    if isinstance(index, Var):
        aval = avals.get(index)
        return aval is not None and aval.kind == ValueKind.ARRAY
    value = index.value
    parts = value if isinstance(value, tuple) else (value,)
    return any(isinstance(p, (list, np.ndarray)) for p in parts)


def passed_through(s: Assign) -> Atom | None:
    """The argument that `s` (not a view primitive) may return itself or a view of:
    `unbroadcast(g, x)` is `g` when the shapes agree, `np.einsum` of one operand may be a
    view of it, `np.array(x, copy=False)` is `x`."""
    if s.prim in _PASS_THROUGH and _PASS_THROUGH[s.prim] < len(s.args):
        return s.args[_PASS_THROUGH[s.prim]]
    if s.prim is np.einsum and len(s.args) == 2 and not s.kwargs:
        return s.args[1]
    if s.prim in _UNLESS_COPIED and s.args and _may_not_copy(s):
        return s.args[_UNLESS_COPIED[s.prim]]
    return None


def _may_not_copy(s: Assign) -> bool:
    copy = s.kwargs.get("copy")
    return copy is not None and not (isinstance(copy, Const) and copy.value is True)


def may_share(s: Assign, avals: Avals) -> list[Atom]:
    """The arguments whose storage the result of `s` (not a view primitive, container or
    getitem) may share: the one a known primitive passes through; for a primitive whose
    behaviour s2sgrad does not know, those its result shares memory with when it is run on
    stand-in values, or, when it cannot be run, every argument that may be an array."""
    through = passed_through(s)
    if through is not None or _known(s.prim):
        return [through] if through is not None else []
    args = [*s.args, *s.kwargs.values()]
    ran = run_on_stand_ins(s.prim, s.args, s.kwargs, avals)
    if ran is None:
        return [a for a in args if isinstance(a, Var) and
                (avals.get(a) is None or avals[a].kind != ValueKind.SCALAR)]
    ins, out = ran
    return [a for a, v in zip(s.args, ins) if isinstance(a, Var) and _holds_memory_of(out, v)]


def _known(prim: object) -> bool:
    """Whether s2sgrad knows if `prim` returns views: NumPy's ufuncs, `math`, `operator`,
    its runtime helpers, and the NumPy functions, methods and attributes it has rules for
    (the views among them are listed above). Not the helpers its rules call, nor
    functions of yours with rules (`defvjp`, `custom_vjp`): those are run on stand-ins."""
    module = getattr(prim, "__module__", None) or ""
    if isinstance(prim, np.ufunc) or module in ("math", "_operator", "operator", "builtins"):
        return True
    accessor = isinstance(prim, (type(runtime.attr("x")), type(runtime.method("x"))))
    if module == runtime.__name__ and not accessor:
        return True
    return lookup(prim) is not None and (accessor or module.startswith("numpy"))


def _holds_memory_of(out: object, value: object) -> bool:
    """Whether `out` (an array, a flat iterator, or a tuple or list of them) shares memory
    with the array `value`."""
    if not isinstance(value, np.ndarray):
        return False
    if isinstance(out, (tuple, list)):
        return any(_holds_memory_of(o, value) for o in out)
    if isinstance(out, np.flatiter):
        out = out.base
    return isinstance(out, np.ndarray) and np.may_share_memory(out, value)


def reads_after(block: Block, tail: set[Var], wanted: Callable[[Stmt], bool]
                ) -> dict[int, set[Var]]:
    """For the statements `wanted` picks (by position), the variables read after them (in
    this block, then `tail`). Only those are kept: a set per statement of a long block
    would take time and memory quadratic in its length."""
    out: dict[int, set[Var]] = {}
    acc = set(tail)
    for j in reversed(range(len(block))):
        if wanted(block[j]):
            out[j] = set(acc)
        acc |= reads(block[j])
    return out


def check_updates(fn: Function, avals: Avals) -> None:
    """Raise when an updated array is still seen through another name afterwards.

    After `x_1 = setitem(x, i, v)`, Python shows the new contents through every name that
    refers to the same array. A value that shares storage with `x` and was defined before
    the update still holds the old contents here, so reading it later is an error.
    """
    _check_writable(fn, avals)  # first: there Python raises, whatever else reads it
    groups = storage_groups(fn.body, avals)
    order = definition_order(fn)
    _check(fn.body, {a for a in fn.results if isinstance(a, Var)}, groups, avals, order)


def _check_writable(fn: Function, avals: Avals) -> None:
    """Raise at an update of an array NumPy makes read-only (`np.broadcast_to(x, s)`,
    `sliding_window_view`, `.imag` of a real array, or an index of one), where Python
    raises ValueError: the compiled code, which updates copies, would not."""
    made = {s.outs[0]: s for s in walk(fn.body) if isinstance(s, Assign) and len(s.outs) == 1}
    for s in walk(fn.body):
        if not (isinstance(s, Assign) and s.inplace and isinstance(s.args[0], Var)):
            continue
        maker = made.get(s.args[0])
        while maker is not None and maker.prim is operator.getitem and \
                not _advanced(maker.args[1], avals) and isinstance(maker.args[0], Var):
            maker = made.get(maker.args[0])
        ran = run_on_stand_ins(maker.prim, maker.args, maker.kwargs, avals) \
            if maker is not None else None
        if ran is not None and isinstance(ran[1], np.ndarray) and not ran[1].flags.writeable:
            raise UnsupportedSyntaxError(
                "this line writes into a read-only array (a broadcast, a sliding window or "
                "the imaginary part of a real array), where Python raises ValueError",
                s.loc, "write into a copy: y = y.copy() first, or build the values with "
                "np.where")


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
    after = reads_after(block, tail, lambda s: not isinstance(s, Assign) or s.inplace)
    for j, later in sorted(after.items()):
        s = block[j]
        if isinstance(s, Assign):
            _check_one(s, later, groups, avals, order)
        for child, child_tail in _children(s, later):
            _check(child, child_tail, groups, avals, order)


def _children(s: Stmt, later: set[Var]) -> list[tuple[Block, set[Var]]]:

    if isinstance(s, If):
        return [(s.then, later | _vars(s.then_results)), (s.orelse, later | _vars(s.else_results))]
    if isinstance(s, Assign):
        return []

    inside = defined_in(s.body) | set(s.carried) | ({s.index} if isinstance(s, For) else set())
    again = block_reads(s.body, s.next)
    if isinstance(s, While):
        again |= block_reads(s.cond_block, [s.cond])
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
    if not isinstance(old, Var) or avals.get(old) is None or avals[old].kind == ValueKind.SCALAR:
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

    The array must be the function's own (no argument shares its storage), writable (not a
    broadcast), never kept by reference (pushed, put in a container, viewed), and nothing
    sharing its storage may be read afterwards, the reverse sweep included.
    """
    return {k for k, (_, seen) in _updates(fn).items() if not seen}


def updates_blocked_by_reads(fn: Function) -> list[tuple[Assign, set[Var]]]:
    """The updates that would write into their array but for values sharing its storage
    that are read afterwards, each with those values."""
    return [(s, seen) for s, seen in _updates(fn).values() if seen]


def _updates(fn: Function) -> dict[int, tuple[Assign, set[Var]]]:
    """Per update of an array that is the function's own, writable and never kept by
    reference: the values sharing its storage that are read after it."""
    groups = storage_groups(fn.body, fn.avals)
    blocked = set(fn.params) | captured_vars(fn.body) | read_only_vars(fn.body)
    bad_roots = {groups.find(v) for v in blocked}
    found: dict[int, tuple[Assign, set[Var]]] = {}
    _scan(fn.body, _vars(fn.results), groups, bad_roots, found, definition_order(fn))
    return found


def _scan(block: Block, tail: set[Var], groups: Groups, bad_roots: set[Var],
          found: dict[int, tuple[Assign, set[Var]]], order: dict[Var, int]) -> None:
    after = reads_after(block, tail, lambda s: not isinstance(s, Assign) or _update(s))
    for j, later in sorted(after.items()):
        s = block[j]
        if isinstance(s, Assign):
            old, mine = s.args[0], order.get(s.outs[0], 0)
            if groups.find(old) not in bad_roots:
                found[id(s)] = (s, {v for v in groups.members(old, later)
                                    if order.get(v, 0) < mine})
        for child, child_tail in _children(s, later):
            _scan(child, child_tail, groups, bad_roots, found, order)


def _update(s: Assign) -> bool:
    return s.prim in _UPDATES and isinstance(s.args[0], Var)


def read_only_vars(block: Block) -> set[Var]:
    """Variables made by a primitive whose result NumPy marks read-only (a broadcast)."""
    return {o for s in walk(block) if isinstance(s, Assign) and s.prim in _READ_ONLY
            for o in s.outs}


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



def written_params(fn: Function, avals: Avals) -> dict[int, Assign]:
    """The parameters (by position) that Python would update in place, each with the first
    statement that does: `x[i] = v` or `x += y` on an argument array or a view of one.
    Compiled code works on copies, so a caller passing one array twice would see another
    result than Python's; `ArgumentsAlias` checks for that at run time."""
    groups = storage_groups(fn.body, avals)
    roots = {groups.find(p): i for i, p in enumerate(fn.params)
             if avals.get(p) is None or avals[p].kind != ValueKind.SCALAR}
    found: dict[int, Assign] = {}
    for s in walk(fn.body):
        if isinstance(s, Assign) and s.inplace and isinstance(s.args[0], Var):
            i = roots.get(groups.find(s.args[0]))
            if i is not None and (avals.get(s.args[0]) is None or
                                  avals[s.args[0]].kind != ValueKind.SCALAR):
                found.setdefault(i, s)
    return found


class ArgumentsAlias:
    """Called first by compiled code whose function writes into an argument: raises when
    that argument shares memory with another one (`f(a, a)`), where Python's result would
    depend on the sharing and the compiled code's would not."""

    def __init__(self, fn: Function, written: dict[int, Assign], avals: Avals):
        self.name, self.params = fn.name, tuple(p.name for p in fn.params)
        self.owners = fn.arguments or tuple((p, False, False) for p in self.params)
        self.written = tuple((i, s.loc) for i, s in sorted(written.items()))
        self.arrays = tuple(j for j, p in enumerate(fn.params)
                            if avals.get(p) is None or avals[p].kind != ValueKind.SCALAR)

    def pairs(self) -> list[tuple[int, int]]:
        """(written argument, other argument) positions the check compares: only arguments
        that may hold an array (none, for a function of one array)."""
        return [(i, j) for i, _ in self.written for j in self.arrays if j != i]

    def __call__(self, *args: object) -> None:
        locs = dict(self.written)
        for i, j in self.pairs():
            if _shares(args[i], args[j]):
                a, b = self._shown(i), self._shown(j)
                raise AliasedArgumentsError(
                    f"arguments {a} and {b} of '{self.name}' share memory, and "
                    f"'{self.name}' writes into {a} here; s2sgrad never updates a caller's "
                    "arrays, so it cannot give Python's result", locs[i], self._hint(i, j))

    def _shown(self, k: int) -> str:
        name, _, container = self.owners[k]
        return f"'{name}' (one of its items)" if container else f"'{name}'"

    def _hint(self, i: int, j: int) -> str:
        """A call with a copy of argument `j`, in the user's signature."""
        if self.owners[i][0] == self.owners[j][0]:
            return (f"give each item of '{self.owners[j][0]}' its own array, e.g. by copying "
                    "one of the two with .copy()")
        call = _copied(self.owners, self.owners[j][0])
        prefix = "import copy; " if "copy.deepcopy" in call else ""
        return f"pass a copy of one of them, e.g. {prefix}{self.name}({call})"


def _shares(a: object, b: object) -> bool:
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=10_000))
    except np.exceptions.TooHardError:
        return True


def _copied(owners: tuple, copied: str) -> str:
    """The arguments of a call in the user's signature (`k=k` for keyword-only ones), with
    the one named `copied` copied (`copy.deepcopy` for a list, tuple or dict)."""
    parts, seen = [], set()
    for name, kwonly, container in owners:
        if name in seen:
            continue
        seen.add(name)
        value = name if name != copied else \
            f"copy.deepcopy({name})" if container else f"{name}.copy()"
        parts.append(f"{name}={value}" if kwonly else value)
    return ", ".join(parts)
