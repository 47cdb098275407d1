"""Optimize: `Function -> Function` cleanup passes run after a transform.

- `cse` (in `cse.py`): common-subexpression elimination by scoped value numbering;
- `dce`: dead-code elimination by backward liveness over structured IR. A statement stays
  when one of its outs is live; an `if` keeps the φ outs that are live; a loop keeps the
  carried values that are live after it or feed a live carried value (a fixed point), and
  disappears when none is left.
- `drop_broadcasts` (in `broadcasts.py`): `np.broadcast_to(g, shape)` read only by
  elementwise operators whose other operand has that shape is replaced by `g`;
- `fold_scales` (in `scales.py`): `k1 * (k2 * a)` becomes `(k1 * k2) * a` and `1.0 * a`
  becomes `a`, where that is exact;
- `fold_signs` (in `signs.py`): unary minuses move outward and cancel or become
  subtractions;
- `copy_propagate`: a statement that is an identity on its argument (see `simplify`) is
  removed and its uses read the argument; a loop-carried value that never changes is
  replaced by its init; an `if` with empty branches whose φ picks `True` or `False`
  (`if c: broke = True else: broke = False`) is the boolean condition itself.

Primitives are pure, except the loop stacks, whose pushes are kept alive by the pops.
"""

from __future__ import annotations

from dataclasses import replace

from ..analysis import kinds as K
from .. import runtime
from ..analysis.generators import draws
from ..ir.builder import substitute
from ..ir.core import Assign, Atom, Block, Const, For, Function, If, Var, While, walk
from . import simplify
from .broadcasts import drop_broadcasts
from .cse import cse
from .scales import fold_scales
from .signs import fold_signs

_CONTAINERS = (runtime.make_tuple, runtime.make_list, runtime.make_dict)


def optimize(fn: Function) -> Function:
    """The passes, in order: copy propagation, broadcasts, scale factors, dead code, copy
    propagation again (branches emptied by dead code), signs (which count only live reads),
    common subexpressions, dead code."""
    fn = copy_propagate(fn, fn.avals)
    fn = drop_broadcasts(fn)
    fn = fold_scales(fn)
    fn = copy_propagate(dce(fn), fn.avals)
    fn = fold_signs(fn)
    fn = cse(fn)
    return dce(fn)


def copy_propagate(fn: Function, kinds: dict[Var, str]) -> Function:
    mapping: dict[Var, Atom] = {}
    body = _propagate(fn.body, mapping, kinds, _seen_outside(fn))
    substitute(body, mapping)
    results = [mapping.get(a, a) if isinstance(a, Var) else a for a in fn.results]
    return _replace(fn, body, results)


def _seen_outside(fn: Function) -> set[Var]:
    """Values the caller may see: results, and what goes into tuples, lists and dicts."""
    seen = {a for a in fn.results if isinstance(a, Var)}
    for s in walk(fn.body):
        if isinstance(s, Assign) and s.prim in _CONTAINERS:
            seen.update(a for a in s.args if isinstance(a, Var))
    return seen


def _propagate(block: Block, mapping: dict[Var, Atom], kinds: dict[Var, str],
               outside: set[Var]) -> Block:
    out: Block = []
    for s in block:
        if isinstance(s, (For, While)):
            _unchanged_carried(s, mapping)
        if isinstance(s, Assign) and len(s.outs) == 1 and not s.kwargs:
            args = [_resolve(a, mapping) for a in s.args]
            s.prim = simplify.plainer(s.prim, args) or s.prim
            simpler = simplify.rewrite(s.prim, args, kinds)
            if simpler is not None:
                mapping[s.out] = _resolve(simpler, mapping)
                continue
        if isinstance(s, If):
            s.then = _propagate(s.then, mapping, kinds, outside)
            s.orelse = _propagate(s.orelse, mapping, kinds, outside)
            picked = _picked(s, mapping, kinds, outside)
            if picked is not None:
                mapping.update(picked)
                continue
        elif isinstance(s, For):
            s.body = _propagate(s.body, mapping, kinds, outside)
        elif isinstance(s, While):
            s.cond_block = _propagate(s.cond_block, mapping, kinds, outside)
            s.body = _propagate(s.body, mapping, kinds, outside)
        out.append(s)
    return out


def _picked(s: If, mapping: dict[Var, Atom], kinds: dict[Var, K.Aval], outside: set[Var]
            ) -> dict[Var, Atom] | None:
    """The outs of an `if` with empty branches, when each is what both branches give or is
    the condition itself (`True` on one side, `False` on the other, on a boolean). The
    condition may be a NumPy bool where Python's φ gives `True`, so it only stands in for
    a value the caller never sees."""
    if s.then or s.orelse:
        return None
    cond = _resolve(s.cond, mapping)
    boolean = K.kind(cond, kinds).dtype == "bool"
    picked: dict[Var, Atom] = {}
    for o, t, e in zip(s.outs, s.then_results, s.else_results):
        t, e = _resolve(t, mapping), _resolve(e, mapping)
        if t is e or (isinstance(t, Const) and isinstance(e, Const) and t == e and
                      type(t.value) is type(e.value)):
            picked[o] = t
        elif boolean and o not in outside and t == Const(True) and e == Const(False):
            picked[o] = cond
        else:
            return None
    return picked


def _unchanged_carried(s: For | While, mapping: dict[Var, Atom]) -> None:
    """A carried value whose next value is itself is its init: read the init instead."""
    for c, i, n, o in zip(s.carried, s.inits, s.next, s.outs):
        if n is c:
            init = _resolve(i, mapping)
            mapping[c] = init
            mapping[o] = init


def _resolve(a: Atom, mapping: dict[Var, Atom]) -> Atom:
    while isinstance(a, Var) and a in mapping:
        a = mapping[a]
    return a


def dce(fn: Function) -> Function:
    live = {a for a in fn.results if isinstance(a, Var)}
    return _replace(fn, _dce(fn.body, live), fn.results)


def _replace(fn: Function, body: Block, results: list[Atom]) -> Function:
    return replace(fn, body=body, results=results)


def _vars(atoms: list[Atom]) -> set[Var]:
    return {a for a in atoms if isinstance(a, Var)}


def _dce(block: Block, live: set[Var]) -> Block:
    out: Block = []
    for s in reversed(block):
        if isinstance(s, Assign):
            if any(o in live for o in s.outs) or s.prim in runtime.EFFECTS or \
                    draws(s.prim):  # a draw no value is read from still moves the generator
                live |= _vars([*s.args, *s.kwargs.values()])
                out.append(s)
        elif isinstance(s, If):
            kept = _dce_if(s, live)
            if kept is not None:
                out.append(kept)
        else:
            kept = _dce_loop(s, live)
            if kept is not None:
                out.append(kept)
    out.reverse()
    return out


def _dce_if(s: If, live: set[Var]) -> If | None:
    keep = [k for k, o in enumerate(s.outs) if o in live]
    then_live = _vars([s.then_results[k] for k in keep])
    else_live = _vars([s.else_results[k] for k in keep])
    then, orelse = _dce(s.then, then_live), _dce(s.orelse, else_live)
    if not keep and not then and not orelse:
        return None
    live |= then_live | else_live | _vars([s.cond])
    return If(s.cond, then, orelse, [s.then_results[k] for k in keep],
              [s.else_results[k] for k in keep], [s.outs[k] for k in keep], s.loc)


def _dce_loop(s: For | While, live: set[Var]) -> For | While | None:
    keep = {k for k, o in enumerate(s.outs) if o in live}
    while True:
        inner = _vars([s.next[k] for k in sorted(keep)])
        body = _dce(s.body, inner)
        cond_live = _vars([s.cond]) if isinstance(s, While) else set()
        cond_block = _dce(s.cond_block, cond_live) if isinstance(s, While) else []
        grown = {k for k, c in enumerate(s.carried) if c in inner | cond_live} - keep
        if not grown:
            break
        keep |= grown
    if not keep and not body:  # a body left with only draws runs for them
        return None
    ks = sorted(keep)
    live |= inner | cond_live | _vars([s.inits[k] for k in ks])
    pick = (lambda xs: [xs[k] for k in ks])
    if isinstance(s, For):
        live |= _vars([s.start, s.stop, s.step])
        return For(s.start, s.stop, s.step, s.index, pick(s.carried), pick(s.inits), body,
                   pick(s.next), pick(s.outs), s.reverse, s.loc)
    return While(pick(s.carried), pick(s.inits), cond_block, s.cond, body, pick(s.next),
                 pick(s.outs), s.loc)


