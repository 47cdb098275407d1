"""Common-subexpression elimination: `Function -> Function`.

A dominator-scoped value numbering on structured IR: walking the blocks in program order, a
table maps (primitive, arguments, keyword arguments) to the first variable that computed it.
A statement visible from an enclosing block or earlier in the same block dominates the ones
after it, so a later identical statement is dropped and its uses read the first variable.
Only pure primitives take part: not the loop stacks, not random number generators, and not
calls into functions s2sgrad has no rule for.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from ..analysis.aliasing import storage_groups
from .. import runtime
from ..ir.builder import substitute
from ..ir.core import Assign, Atom, Block, Const, For, Function, If, Var, While, walk
from ..rules.registry import lookup

_IMPURE = {runtime.stack_new, runtime.stack_push, runtime.stack_pop, runtime.make_list,
           runtime.make_dict, runtime.scalar_seed}


def cse(fn: Function) -> Function:
    mapping: dict[Var, Atom] = {}
    body = _block(fn.body, {}, mapping, _written(fn))
    substitute(body, mapping)
    results = [mapping.get(a, a) if isinstance(a, Var) else a for a in fn.results]
    return replace(fn, body=body, results=results)


def _pure(prim: Any) -> bool:
    if prim in _IMPURE or "random" in (getattr(prim, "__module__", None) or ""):
        return False
    return lookup(prim) is not None or isinstance(prim, (type(runtime.attr("x")),))


def _key(s: Assign, mapping: dict[Var, Atom]) -> tuple | None:
    def norm(a: Atom) -> Any:
        a = mapping.get(a, a) if isinstance(a, Var) else a
        return ("v", id(a)) if isinstance(a, Var) else ("c", type(a.value), _hashable(a))

    try:
        return (id(s.prim), tuple(norm(a) for a in s.args),
                tuple(sorted((k, norm(v)) for k, v in s.kwargs.items())))
    except TypeError:
        return None


def _hashable(c: Const) -> Any:
    """A key equal for equal constants. Slices (unhashable before Python 3.12) and tuples of
    them compare by their parts, each tagged with its type so that `x[1]` and `x[1.0]`, or
    `x[True]`, stay apart; other unhashable values by identity."""
    def part(v: Any) -> Any:
        if isinstance(v, slice):
            return ("slice", part(v.start), part(v.stop), part(v.step))
        if isinstance(v, tuple):
            return ("tuple", *map(part, v))
        hash(v)
        return (type(v), v)

    try:
        return part(c.value)
    except TypeError:
        return id(c.value)


def _written(fn: Function) -> Callable[[Var], bool]:
    """Whether an in-place update (`y[0] = v`, `y += v`) may write into a value's storage.
    Two equal calls that each return a new array (`np.zeros(2)` twice) are two arrays: once
    one of them is written into, they must stay apart. Nor is a call that reads such storage
    shared: `np.sin(v)` before and after `v += w` read one SSA value but, through another
    name for `v`, see different contents. Without shapes, any value may share storage with
    what it was indexed or viewed from."""
    groups = storage_groups(fn.body, {})
    roots = {groups.find(s.args[0]) for s in walk(fn.body)
             if isinstance(s, Assign) and s.inplace and s.args and isinstance(s.args[0], Var)}
    return lambda v: bool(roots) and groups.find(v) in roots


def _block(block: Block, seen: dict, mapping: dict[Var, Atom],
           written: Callable[[Var], bool]) -> Block:
    seen = dict(seen)  # what this block computes is not visible to its parent
    out: Block = []
    for s in block:
        if isinstance(s, Assign) and len(s.outs) == 1 and _pure(s.prim) and \
                not written(s.out) and not any(isinstance(a, Var) and written(a)
                                               for a in s.args):
            key = _key(s, mapping)
            if key is not None and key in seen:
                mapping[s.out] = seen[key]
                continue
            if key is not None:
                seen[key] = s.out
        elif isinstance(s, If):
            s.then = _block(s.then, seen, mapping, written)
            s.orelse = _block(s.orelse, seen, mapping, written)
        elif isinstance(s, For):
            s.body = _block(s.body, seen, mapping, written)
        elif isinstance(s, While):
            s.cond_block = _block(s.cond_block, seen, mapping, written)
            s.body = _block(s.body, seen, mapping, written)
        out.append(s)
    return out
