"""Helpers that several NumPy rule modules share: axes made non-negative, inverse
permutations, and the error of a rule that meets a case it cannot handle."""

from __future__ import annotations

import numpy as np

from ..errors import Loc, MissingRuleError
from .registry import defnondiff


def nonneg_axis(axis, ndim):
    """`axis` (an int or a tuple) made non-negative."""
    if isinstance(axis, tuple):
        return tuple(int(a) % ndim for a in axis)
    return int(axis) % ndim


def inverse_perm(axes, ndim):
    """The axes that undo `np.transpose(x, axes)`."""
    return tuple(int(i) for i in np.argsort([int(a) % ndim for a in axes]))


def unsupported(x, what, hint="", filename="", lineno=0, col=0):
    """A rule meets a case it cannot differentiate (`what`). The transforms raise
    `MissingRuleError` at the user's line when they lower a call of this in a rule; where the
    call sits in a branch taken only at run time, they pass that line here, and the call
    raises the same error then."""
    loc = Loc(filename, lineno, col) if filename else None
    raise MissingRuleError(f"no derivative rule for {what}", loc, hint or None)


defnondiff(unsupported)  # it never returns: a program that calls it has no derivative to take
