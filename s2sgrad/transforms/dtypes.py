"""Derivatives in their value's dtype: float32 in, float32 out (as in JAX and PyTorch).

Rules are written with Python floats and NumPy's defaults (`np.broadcast_to(1.0, shape)`,
`np.zeros(shape)`), which are float64 and promote a float32 computation. Rather than
thread dtypes through every rule, the transforms cast what they return: a gradient to its
argument's dtype (`reverse`), an output's tangent to the output's dtype (`forward`). The
cast is emitted only where the abstract values say the dtypes may differ, so float64 code,
the common case, is unchanged and pays nothing.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, Callable, Sequence

import numpy as np

from ..analysis import kinds as K
from ..ir.core import Atom, Const, Var
from ..analysis.kinds import ValueKind

Emit = Callable[[Callable[..., Any], list[Atom], str, Any], Atom]


def needs_cast(want: K.Aval, have: K.Aval) -> bool:
    """Whether a derivative of abstract value `have` must be cast for a value `want`: only
    when `want` is a float of another dtype than float64 (a float32 array, an np.float16
    scalar) and `have` is not known to be of that dtype already."""
    return want.kind in (K.SCALAR, ValueKind.ARRAY) and want.is_float and want.dtype != "float64" \
        and np.dtype(want.dtype).kind == "f" and have.dtype != want.dtype


def cast(emit: Emit, d: Atom, want: K.Aval, hint: str) -> Atom:
    """`d` in `want`'s dtype: `np.asarray(d, dtype)`, and its item for a NumPy scalar."""
    out = emit(np.asarray, [d, Const(want.dtype)], hint, None)
    if want.kind == K.SCALAR:
        out = emit(operator.getitem, [out, Const(())], hint, None)
    return out


def in_dtype(emit: Emit, d: Atom, value: Atom, avals: K.Avals, have: K.Aval | None,
             prefix: str) -> Atom:
    """Derivative `d` of `value` in `value`'s dtype (float32 for a float32 argument or
    output). `have` is what the abstract values know of `d`'s dtype; None when `d` comes
    from the caller (tangents, cotangents), whose dtype they only assume: then it is cast."""
    want = K.kind(value, avals)
    if not isinstance(value, Var) or not needs_cast(want, K.ANY if have is None else have):
        return d
    return cast(emit, d, want, prefix + value.name)


def joined(like: K.Aval, avals: Sequence[K.Aval]) -> K.Aval:
    """The abstract value of a derivative that is one of `avals` (the results of an `if`'s
    branches, a loop's first and next values), given `like` (its value's): `like`'s kind
    and shape, with the dtype NumPy promotes theirs to, so a float64 branch is not taken
    for float32 (and the result is cast); no dtype when one is unknown."""
    names = {a.dtype for a in avals}
    if like.dtype is None or len(names) == 1 and like.dtype in names:
        return like
    dtype = None if None in names else np.result_type(*names, like.dtype).name
    return dataclasses.replace(like, dtype=dtype)
