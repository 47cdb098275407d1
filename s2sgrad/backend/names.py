"""Python names for SSA values: coalescing that removes copies and reuses the user's names.

SSA gives each version of a variable its own name (`x`, `x_1`, `x_2`). Python does not need
that, and code reads better without it. A value may take the name of another ("alias") when
the other is dead from that point on, so no read can see the wrong value:

1. a loop's outs take the names of its carried values (they hold the same value on exit);
2. a loop's next value takes its carried value's name when the carried value is not read
   after the statement that defines the next value (for an `if` out, nor inside a branch
   after the branch value is defined);
3. a value defined in a branch and yielded as a result takes the name of the `if`'s out,
   or (3b), when the other branch yields a constant, the out takes the branch value's name;
4. the stack a push or pop returns takes the name of the stack it was given;
5. a statement's output takes the name of an argument of the same family (`bx_2 = bx_1 + c`
   becomes `bx = bx + c`) when the argument is defined in the same block and dead after it;
6. a loop's carried value takes the name of its init, of the same family, when the init is
   dead after the loop and not read inside it;
7. `x_1 = setitem(x, i, v)` done in place (see `analysis.aliasing`) keeps the name `x`.

Last, a name with a version suffix (`bd_1`, `u4_1_1`) drops it when no other value's name
has the same stem: the first version was optimized away, so `bd` is free.

Each name is the target of at most one such rule, so the chains stay linear and safe. No
rule gives an update's out (`out = x.copy(); out[i] += v`) the name of its index or value,
which the copy would overwrite before they are read.
"""

from __future__ import annotations

import re

from ..ir.core import Assign, Atom, Block, Const, For, Function, If, Var, While, walk
from ..ir.builder import block_reads, defined_in, reads
from .. import runtime

_SUFFIX = re.compile(r"(_\d+)+$")


def python_names(fn: Function, in_place: set[int] = frozenset()) -> dict[Var, str]:
    alias: dict[Var, Var] = {}
    targets: set[Var] = set()
    for s in walk(fn.body):
        if id(s) in in_place:  # rule 7: an update in place keeps the array's name
            alias[s.outs[0]] = s.args[0]  # type: ignore[union-attr]
            targets.add(s.args[0])  # type: ignore[union-attr,arg-type]
    _visit(fn.body, fn.results, set(fn.params), alias, targets)
    if fn.split is not None:
        _closure_safe(fn, alias)
    names: dict[Var, str] = {}

    def name(v: Var) -> str:
        if v not in names:
            names[v] = name(alias[v]) if v in alias else v.name
        return names[v]

    for v in list(alias):
        name(v)
    _plain_suffixes(fn, names)
    return names


def _plain_suffixes(fn: Function, names: dict[Var, str]) -> None:
    """`bd_1` becomes `bd` when nothing else is named `bd` or `bd_<n>`. A parameter keeps
    the user's name (`k_1` stays `k_1`: a keyword call names it)."""
    final = {v: names.get(v, v.name) for v in defined_in(fn.body) | set(fn.params)}
    taken = set(final.values()) | set(fn.reserved)
    stems: dict[str, set[str]] = {}
    for n in set(final.values()):
        stems.setdefault(_SUFFIX.sub("", n), set()).add(n)
    plain = {next(iter(ns)): stem for stem, ns in stems.items()
             if len(ns) == 1 and stem not in taken and stem.isidentifier()}
    params = set(fn.params)
    for v, n in final.items():
        if n in plain and v not in params:
            names[v] = plain[n]


def _closure_safe(fn: Function, alias: dict[Var, Var]) -> None:
    """Split motion: the reverse sweep becomes a closure (`pullback`) that reads the forward
    sweep's locals by name. A name the closure assigns is local to all of the closure, so a
    value it defines must not take the name of a forward value it reads (`bx = g * bx`
    would make the forward `bx` unreadable there)."""
    at = next(i for i, s in enumerate(fn.body)
              if isinstance(s, Assign) and s.prim is runtime.sweep_marker)
    k = len(fn.params) - fn.split  # type: ignore[operator]

    def defined(block: Block) -> list[Var]:
        out: list[Var] = []
        for s in walk(block):
            out += s.outs
            if isinstance(s, (For, While)):
                out += s.carried
            if isinstance(s, For):
                out.append(s.index)
        return out

    def root(v: Var) -> Var:
        while v in alias:
            v = alias[v]
        return v

    inner = [*fn.params[k:], *defined(fn.body[at + 1:])]
    read = block_reads(fn.body[at + 1:], fn.results[fn.split:])  # type: ignore[misc]
    outer = {root(v) for v in [*fn.params[:k], *defined(fn.body[:at])] if v in read}
    for v in inner:  # in program order, so a later value may still join an earlier one
        if v in alias and root(v) in outer:
            del alias[v]


def _visit(block: Block, tail: list[Atom], params: set[Var], alias: dict[Var, Var],
           targets: set[Var]) -> None:
    last = {a: len(block) for a in tail if isinstance(a, Var)}  # the last statement reading
    for j in reversed(range(len(block))):
        for v in reads(block[j]):
            last.setdefault(v, j)
    local = set(params)
    for j, s in enumerate(block):
        after = _ReadAfter(last, j)
        if isinstance(s, Assign):
            _assign(s, after, local, alias, targets)
        elif isinstance(s, If):
            _if_names(s, alias, targets)
            for blk, res in ((s.then, s.then_results), (s.orelse, s.else_results)):
                _visit(blk, res, set(), alias, targets)
        else:
            _loop_inits(s, after, local, alias, targets)
            _loop(s, alias, targets)
        local.update(s.outs)


class _ReadAfter:
    """The variables read after statement `j` of a block (`v in reads_after`), from the
    position of each variable's last read: a set per statement would be quadratic."""

    def __init__(self, last: dict[Var, int], j: int) -> None:
        self.last, self.j = last, j

    def __contains__(self, v: object) -> bool:
        return self.last.get(v, -1) > self.j  # type: ignore[arg-type]


def _assign(s: Assign, read_after: _ReadAfter, local: set[Var], alias: dict[Var, Var],
            targets: set[Var]) -> None:
    if s.prim in (runtime.stack_push, runtime.stack_pop) and isinstance(s.args[0], Var):
        alias[s.outs[0]] = s.args[0]
        return
    if len(s.outs) != 1 or s.out in alias:
        return
    family = _SUFFIX.sub("", s.out.name)
    for a in s.args:
        if isinstance(a, Var) and a in local and a not in targets and a not in read_after \
                and _SUFFIX.sub("", a.name) == family and not _writes_first(s, a):
            alias[s.out] = a
            targets.add(a)
            return


def _writes_first(s: object, v: Var) -> bool:
    """Whether `s` writes its out before it reads `v`: an update that is not done in place is
    written as `out = x.copy(); out[i] += v`, so `v` (an index or value) must keep a name of
    its own. (Rule 7 gives an update done in place the name of `x` before any rule runs.)"""
    return isinstance(s, Assign) and s.prim in runtime.UPDATES and v in s.args[1:]


def _if_names(s: If, alias: dict[Var, Var], targets: set[Var]) -> None:
    """Rules 3 and 3b: a branch result and the `if`'s out share one name."""
    for k, o in enumerate(s.outs):
        sides = [(s.then_results[k], s.then, s.then_results),
                 (s.else_results[k], s.orelse, s.else_results)]
        movable = [r for r, blk, res in sides if _own(r, blk, res) and r not in alias]
        exported = any(isinstance(r, Const) for r, _, _ in sides)
        if o not in alias and exported:
            for r, blk, res in sides:
                if _own(r, blk, res) and r not in targets:
                    alias[o] = r  # rule 3b: the out takes the branch value's name
                    targets.add(r)
                    movable = [m for m in movable if m is not r]
                    break
        for r in movable:
            alias[r] = o  # rule 3: the branch value takes the out's name
            targets.add(o)


def _own(r: Atom, block: Block, results: list[Atom]) -> bool:
    """Whether `r` is defined by a top-level statement of `block` and yielded once."""
    return isinstance(r, Var) and results.count(r) == 1 and any(r in st.outs for st in block)


def _branch_results_done(block: Block, r: Atom, results: list[Atom], c: Var) -> bool:
    """`c` is not read in `block` after `r` is defined there, nor by the other results."""
    others = [a for a in results if a is not r]
    if c in others:
        return False
    for m, st in enumerate(block):
        if isinstance(r, Var) and r in st.outs:
            if isinstance(st, If) and not _branches_allow(st, r, c) or _writes_first(st, c):
                return False  # a nested branch (or an update) writes r's name, then reads c
            return c not in block_reads(block[m + 1:], [])
    return True


def _branches_allow(stmt: object, n: Var, c: Var) -> bool:
    """Rule 2 for an `if` out: each branch must be done with `c` once it makes `n`."""
    if not isinstance(stmt, If):
        return True
    k = stmt.outs.index(n)
    return _branch_results_done(stmt.then, stmt.then_results[k], stmt.then_results, c) and \
        _branch_results_done(stmt.orelse, stmt.else_results[k], stmt.else_results, c)


def _loop_inits(s: For | While, read_after: _ReadAfter, local: set[Var],
                alias: dict[Var, Var], targets: set[Var]) -> None:
    """Rule 6: a carried value takes the name of its init when the init dies at the loop."""
    inside = reads(s) - {a for a in s.inits if isinstance(a, Var)} | \
        block_reads(s.body, s.next)
    for c, i in zip(s.carried, s.inits):
        if isinstance(i, Var) and i in local and i not in targets and i not in read_after \
                and i not in inside and s.inits.count(i) == 1 and c not in alias \
                and _SUFFIX.sub("", c.name) == _SUFFIX.sub("", i.name):
            alias[c] = i
            targets.add(i)


def _loop(s: For | While, alias: dict[Var, Var], targets: set[Var]) -> None:
    for o, c in zip(s.outs, s.carried):
        alias[o] = c
    position = {v: j for j, st in enumerate(s.body) if isinstance(st, (Assign, If))
                for v in st.outs}
    for k, (c, n) in enumerate(zip(s.carried, s.next)):
        if not isinstance(n, Var) or n not in position or n in alias or c in targets \
                or s.next.count(n) != 1:
            continue
        j = position[n]
        later = block_reads(s.body[j + 1:], [a for i, a in enumerate(s.next) if i != k])
        if c not in later and _branches_allow(s.body[j], n, c) \
                and not _writes_first(s.body[j], c):
            alias[n] = c
            targets.add(c)
    params = set(s.carried) | ({s.index} if isinstance(s, For) else set())
    if isinstance(s, While):
        _visit(s.cond_block, [s.cond], set(), alias, targets)
    _visit(s.body, s.next, params, alias, targets)
