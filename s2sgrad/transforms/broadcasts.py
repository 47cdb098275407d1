"""Drop explicit broadcasts that the next operator would do anyway: `Function -> Function`.

The VJP of a reduction spreads the adjoint back over the input's shape with
`np.broadcast_to(g, shape)`. Often the only reader is an elementwise operator whose other
operand already has that shape (`np.broadcast_to(g, (16, 4)) * y`, with `y` of shape
(16, 4)), and NumPy's own broadcasting in the operator gives the same array, so the
operator can read `g` itself and the broadcast is left for dead-code elimination.

It is done only when every read of the broadcast is such an operator, the other operand
is not a broadcast itself (two broadcasts added together must keep one of them), and its
dtype is the dtype of `g`. Then the result's shape and dtype are unchanged: the
operands broadcast to `shape` either way, and NumPy's type promotion between two values of
the same dtype does not depend on their shapes.
"""

from __future__ import annotations

import operator
from collections import Counter

import numpy as np

from ..analysis import kinds as K
from ..ir.builder import substitute
from ..ir.core import Assign, Atom, Const, For, Function, If, Var, While, atoms_read, walk

_ELEMENTWISE = (operator.add, operator.sub, operator.mul, operator.truediv)


def drop_broadcasts(fn: Function) -> Function:
    broadcasts = {s.out: s for s in walk(fn.body) if _is_broadcast(s)}
    if not broadcasts:
        return fn
    reads = _reads(fn)
    absorbed: Counter = Counter()
    for s in walk(fn.body):
        if isinstance(s, Assign) and s.prim in _ELEMENTWISE and not s.kwargs and \
                len(s.args) == 2:
            for mine, other in ((s.args[0], s.args[1]), (s.args[1], s.args[0])):
                if mine in broadcasts and other not in broadcasts and \
                        _absorbs(broadcasts[mine], other, fn.avals):
                    absorbed[mine] += 1
    mapping: dict[Var, Atom] = {b: broadcasts[b].args[0] for b, n in absorbed.items()
                                if n == reads[b]}
    substitute(fn.body, mapping)
    return fn


def _is_broadcast(s: object) -> bool:
    return isinstance(s, Assign) and s.prim is np.broadcast_to and len(s.outs) == 1 and \
        len(s.args) == 2 and not s.kwargs and isinstance(s.args[1], Const)


def _absorbs(broadcast: Assign, other: Atom, avals: K.Avals) -> bool:
    """Whether `op(broadcast_to(g, shape), other)` equals `op(g, other)`: `other` is an
    array of exactly `shape`, of the same dtype as `g`."""
    g, shape = K.kind(broadcast.args[0], avals), broadcast.args[1].value
    target = K.kind(other, avals)
    shape = shape if isinstance(shape, tuple) else (shape,)
    return target.kind == "array" and target.shape == shape and g.dtype is not None and \
        g.dtype == target.dtype


def _reads(fn: Function) -> Counter:
    """How many times each variable is read anywhere in `fn`."""
    atoms: list[Atom] = list(fn.results)
    for s in walk(fn.body):
        atoms += atoms_read(s)
        if isinstance(s, If):
            atoms += [*s.then_results, *s.else_results]
        elif isinstance(s, (For, While)):
            atoms += s.next
            if isinstance(s, While):
                atoms.append(s.cond)
    return Counter(a for a in atoms if isinstance(a, Var))
