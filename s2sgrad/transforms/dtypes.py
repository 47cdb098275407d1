"""Derivatives in their value's dtype: float32 in, float32 out (as in JAX and PyTorch).

Rules are written with Python floats and NumPy's defaults (`np.broadcast_to(1.0, shape)`,
`np.zeros(shape)`), which are float64 and promote a float32 computation. Rather than
thread dtypes through every rule, the transforms cast what they return: a gradient to its
argument's dtype (`reverse`), an output's tangent to the output's dtype (`forward`). The
cast is emitted only where the abstract values say the dtypes may differ, so float64 code,
the common case, is unchanged and pays nothing.
"""

from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np

from ..analysis import kinds as K
from ..ir.core import Atom, Const

Emit = Callable[[Callable[..., Any], list[Atom], str, Any], Atom]


def needs_cast(want: K.Aval, have: K.Aval) -> bool:
    """Whether a derivative of abstract value `have` must be cast for a value `want`: only
    when `want` is a float of another dtype than float64 (a float32 array, an np.float16
    scalar) and `have` is not known to be of that dtype already."""
    return want.kind in (K.SCALAR, "array") and want.is_float and want.dtype != "float64" \
        and np.dtype(want.dtype).kind == "f" and have.dtype != want.dtype


def cast(emit: Emit, d: Atom, want: K.Aval, hint: str) -> Atom:
    """`d` in `want`'s dtype: `np.asarray(d, dtype)`, and its item for a NumPy scalar."""
    out = emit(np.asarray, [d, Const(want.dtype)], hint, None)
    if want.kind == K.SCALAR:
        out = emit(operator.getitem, [out, Const(())], hint, None)
    return out
