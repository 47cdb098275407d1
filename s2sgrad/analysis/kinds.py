"""Kind inference: which values are certainly Python scalars (int, float, bool).

Compiled code is specialized on the kinds of its arguments. Knowing that a value is a scalar
lets the optimizer drop `unbroadcast` and pick the scalar form of a rule (`math.log` rather
than `np.log`). Everything not proved scalar is "any".
"""

from __future__ import annotations

import math
import operator
from typing import Any

from ..backend import runtime
from ..ir.core import UNDEF, Assign, Atom, Block, Const, For, Function, If, Var, While

SCALAR, ANY = "scalar", "any"
_SCALAR_TYPES = (int, float, bool)
_SCALAR_PRIMS = {abs, min, max, pow, float, int, round, bool, runtime.unbroadcast,
                 runtime.logical_and, runtime.logical_or, runtime.zeros_like}


def kind_of_value(value: Any) -> str:
    return SCALAR if isinstance(value, _SCALAR_TYPES) else ANY


def infer(fn: Function, param_kinds: list[str]) -> dict[Var, str]:
    kinds = dict(zip(fn.params, param_kinds))
    _block(fn.body, kinds)
    return kinds


def kind(atom: Atom, kinds: dict[Var, str]) -> str:
    if isinstance(atom, Const):
        return SCALAR if isinstance(atom.value, _SCALAR_TYPES) or atom.value is UNDEF else ANY
    return kinds.get(atom, ANY)


def _scalar_prim(prim: Any) -> bool:
    return prim in _SCALAR_PRIMS or getattr(prim, "__module__", None) in ("math", "_operator",
                                                                         "operator")


def _join(*ks: str) -> str:
    return SCALAR if all(k == SCALAR for k in ks) else ANY


def _block(block: Block, kinds: dict[Var, str]) -> None:
    for s in block:
        if isinstance(s, Assign):
            args = [kind(a, kinds) for a in s.args]
            k = SCALAR if _scalar_prim(s.prim) and _join(*args) == SCALAR and \
                s.prim is not operator.getitem and s.prim is not operator.matmul else ANY
            if s.prim is math.frexp or s.prim is math.modf:
                k = ANY
            kinds.update((o, k) for o in s.outs)
        elif isinstance(s, If):
            _block(s.then, kinds)
            _block(s.orelse, kinds)
            for o, a, b in zip(s.outs, s.then_results, s.else_results):
                kinds[o] = _join(kind(a, kinds), kind(b, kinds))
        else:
            _loop(s, kinds)


def _loop(s: For | While, kinds: dict[Var, str]) -> None:
    for c, i in zip(s.carried, s.inits):
        kinds[c] = kind(i, kinds)
    if isinstance(s, For):
        kinds[s.index] = SCALAR
    for _ in range(len(s.carried) + 1):
        _block(s.cond_block, kinds) if isinstance(s, While) else None
        _block(s.body, kinds)
        changed = False
        for c, n in zip(s.carried, s.next):
            k = _join(kinds[c], kind(n, kinds))
            changed |= k != kinds[c]
            kinds[c] = k
        if not changed:
            break
    kinds.update((o, kinds[c]) for o, c in zip(s.outs, s.carried))
