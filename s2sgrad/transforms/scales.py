"""Constant scale factors, combined where the result is bit for bit the same:
`Function -> Function`.

Reverse mode multiplies an adjoint by one constant per rule: the adjoint of `100.0 * v` is
`100.0 * g`, that of `u ** 2` is `g * (2.0 * u)`, and the seed of a sum is 1. Floating-point
multiplication is not associative, so `k1 * (k2 * a)` is rewritten as `(k1 * k2) * a` only
when both round the same way in every case:

    k1 * (k2 * a)  ->  (k1 * k2) * a   when k2 = ±2**j with j >= 0, and |k1| >= 1

Multiplying by ±2**j is exact, so both sides are the one rounding of the same real product;
and where `k2 * a` overflows, `|k1 * k2 * a|` is at least as large and overflows to the same
infinity. The inner product must have no other reader (otherwise nothing is saved) and `a`
must be a float64 value, so that the constants are not first rounded to a narrower type.

    1.0 * a, a * 1.0, a / 1.0  ->  a   when a is a float64 array

The product is a copy of `a`, so it can be dropped when nobody could tell the copy from the
original: `a` was made by this function with arithmetic, or every reader of the product is
arithmetic that makes a new array anyway. A gradient thus never hands the caller's own
array (or a view of it) back, and nothing updates an array in place through a second name.
(`simplify` does the same for scalars.)
"""

from __future__ import annotations

import math
import operator
from collections import Counter

import numpy as np

from ..analysis import kinds as K
from ..ir.builder import substitute
from ..ir.core import Assign, Atom, Const, Function, Var, walk
from .broadcasts import number
from .signs import use_counts
from ..analysis.kinds import ValueKind

_FRESH = {operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
          operator.pow, operator.matmul}


def fold_scales(fn: Function) -> Function:
    defs = {s.out: s for s in walk(fn.body) if isinstance(s, Assign) and len(s.outs) == 1}
    uses = use_counts(fn)
    private = _private(fn, uses)
    mapping: dict[Var, Atom] = {}
    for s in walk(fn.body):
        if not isinstance(s, Assign) or s.kwargs or len(s.args) != 2 or len(s.outs) != 1:
            continue
        s.args = [mapping.get(a, a) if isinstance(a, Var) else a for a in s.args]
        copied = _copy_of(s, defs, fn.avals, s.out in private)
        if copied is not None:
            mapping[s.out] = copied
        elif s.prim is operator.mul:
            _combine(s, defs, uses, fn.avals)
    substitute(fn.body, mapping)
    fn.results = [mapping.get(a, a) if isinstance(a, Var) else a for a in fn.results]
    return fn


def _float64(a: Atom, avals: K.Avals) -> bool:
    aval = K.kind(a, avals)
    return aval.dtype == "float64" and aval.kind in (ValueKind.ARRAY, K.SCALAR)


def _arithmetic(s: object) -> bool:
    return isinstance(s, Assign) and (s.prim in _FRESH or isinstance(s.prim, np.ufunc))


def _private(fn: Function, uses: Counter) -> set[Var]:
    """Values read only by arithmetic (each read counted), never returned or kept."""
    arithmetic_reads: Counter = Counter()
    for s in walk(fn.body):
        if _arithmetic(s):
            arithmetic_reads.update(a for a in [*s.args, *s.kwargs.values()]
                                    if isinstance(a, Var))
    results = {a for a in fn.results if isinstance(a, Var)}
    return {v for v, n in arithmetic_reads.items() if n == uses[v] and v not in results}


def _copy_of(s: Assign, defs: dict[Var, Assign], avals: K.Avals, private: bool
             ) -> Atom | None:
    """`a` when `s` multiplies or divides the float64 array `a` by 1.0, and the copy is
    either of an array made here by arithmetic or read only by arithmetic."""
    x, y = s.args
    if s.prim is operator.mul and number(x) and x.value == 1:
        x, y = y, x
    elif s.prim not in (operator.mul, operator.truediv):
        return None
    if not (number(y) and y.value == 1 and isinstance(x, Var)):
        return None
    aval = K.kind(x, avals)
    if aval.kind != ValueKind.ARRAY or aval.dtype != "float64":
        return None
    return x if private or _arithmetic(defs.get(x)) else None


def _combine(s: Assign, defs: dict[Var, Assign], uses: Counter, avals: K.Avals) -> None:
    """`k1 * (k2 * a)` in any operand order becomes `(k1 * k2) * a` when that is exact."""
    for k, t in (s.args, s.args[::-1]):
        inner = defs.get(t) if isinstance(t, Var) else None
        if not (number(k) and inner is not None and inner.prim is operator.mul and
                not inner.kwargs and uses[t] == 1 and abs(k.value) >= 1):
            continue
        for k2, a in (inner.args, inner.args[::-1]):
            if number(k2) and _power_of_two(k2.value) and _float64(a, avals):
                product = float(k.value) * float(k2.value)
                if math.isfinite(product):
                    s.args = [Const(product), a] if s.args[0] is k else [a, Const(product)]
                    return


def _power_of_two(value: float) -> bool:
    mantissa, exponent = math.frexp(abs(value))
    return math.isfinite(value) and mantissa == 0.5 and exponent >= 1
