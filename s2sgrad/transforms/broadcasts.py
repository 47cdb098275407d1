"""Explicit broadcasts of a constant or scalar, folded away: `Function -> Function`.

The VJP of a reduction spreads the adjoint back over the input's shape with
`np.broadcast_to(g, shape)`; the seed of `np.sum(u)` is `np.broadcast_to(1.0, shape)`. The
pass does two things with such a broadcast `b`, in program order:

1. Constant arithmetic on it is done once, on the constant: `b * 100.0`, `100.0 * b`,
   `b / 2.0` and `-b` become `np.broadcast_to(c * 100.0, shape)` and so on, when `c` and
   the other operand are float or int constants. Each item of the array is that same
   double-precision product, so the values are unchanged.
2. An elementwise operator that reads `b` reads `g` itself instead when its other operand is
   an array of exactly `shape` with the dtype of `g` (`np.broadcast_to(g, (16, 4)) * y`,
   `y` of shape (16, 4)): NumPy's own broadcasting in the operator gives the same array.
   The result's shape and dtype are unchanged, since the operands broadcast to `shape`
   either way and type promotion between two values of one dtype does not depend on their
   shapes. Each read is decided on its own; the other operand must not be a broadcast too
   (two broadcasts added together must keep one of them). A broadcast left without readers
   goes to dead-code elimination.
"""

from __future__ import annotations

import operator

import numpy as np

from ..analysis import kinds as K
from ..ir.core import Assign, Atom, Const, Function, walk
from ..analysis.kinds import ValueKind

_ELEMENTWISE = (operator.add, operator.sub, operator.mul, operator.truediv)
_NUMBER = (int, float)


def drop_broadcasts(fn: Function) -> Function:
    broadcasts: dict[Atom, Assign] = {}
    for s in walk(fn.body):
        if not isinstance(s, Assign):
            continue
        _fold_constant(s, broadcasts)
        if _is_broadcast(s):
            broadcasts[s.out] = s
        elif s.prim in _ELEMENTWISE and not s.kwargs and len(s.args) == 2:
            _absorb(s, broadcasts, fn.avals)
    return fn


def _is_broadcast(s: Assign) -> bool:
    return s.prim is np.broadcast_to and len(s.outs) == 1 and len(s.args) == 2 and \
        not s.kwargs and isinstance(s.args[1], Const)


def number(a: Atom) -> bool:
    return isinstance(a, Const) and type(a.value) in _NUMBER


def _fold_constant(s: Assign, broadcasts: dict[Atom, Assign]) -> None:
    """`np.broadcast_to(c, shape) * k` (or `k *`, `/ k`, `-`) becomes a broadcast of the
    constant `c * k`, computed here with the same float arithmetic NumPy would use."""
    if s.kwargs or len(s.outs) != 1:
        return
    args = s.args
    if s.prim is operator.neg and len(args) == 1 and args[0] in broadcasts:
        b, value = broadcasts[args[0]], None
    elif s.prim in (operator.mul, operator.truediv) and len(args) == 2 and \
            args[0] in broadcasts and number(args[1]):
        b, value = broadcasts[args[0]], args[1].value
    elif s.prim is operator.mul and len(args) == 2 and args[1] in broadcasts and \
            number(args[0]):
        b, value = broadcasts[args[1]], args[0].value
    else:
        return
    c = b.args[0]
    if not (isinstance(c, Const) and type(c.value) is float) or \
            (s.prim is operator.truediv and value == 0):
        return
    folded = -c.value if value is None else \
        c.value / value if s.prim is operator.truediv else c.value * value
    s.prim, s.args = np.broadcast_to, [Const(float(folded)), b.args[1]]


def _absorb(s: Assign, broadcasts: dict[Atom, Assign], avals: K.Avals) -> None:
    args = list(s.args)
    for k, (mine, other) in enumerate(((args[0], args[1]), (args[1], args[0]))):
        if mine in broadcasts and other not in broadcasts and \
                _absorbs(broadcasts[mine], other, avals):
            s.args[k] = broadcasts[mine].args[0]
            return


def _absorbs(broadcast: Assign, other: Atom, avals: K.Avals) -> bool:
    """Whether `op(broadcast_to(g, shape), other)` equals `op(g, other)`: `other` is an
    array of exactly `shape`, of the same dtype as `g`."""
    g, shape = K.kind(broadcast.args[0], avals), broadcast.args[1].value
    target = K.kind(other, avals)
    shape = shape if isinstance(shape, tuple) else (shape,)
    return target.kind == ValueKind.ARRAY and target.shape == shape and g.dtype is not None and \
        g.dtype == target.dtype
