"""Helpers that several NumPy rule modules share: axes made non-negative, inverse
permutations, and the run-time error of a rule that meets a case it cannot handle."""

from __future__ import annotations

import numpy as np


def _axis(axis, ndim):
    """`axis` (an int or a tuple) made non-negative."""
    if isinstance(axis, tuple):
        return tuple(int(a) % ndim for a in axis)
    return int(axis) % ndim


def _inverse_perm(axes, ndim):
    """The axes that undo `np.transpose(x, axes)`."""
    return tuple(int(i) for i in np.argsort([int(a) % ndim for a in axes]))


def _unsupported(x, what):
    """Raise at run time: the rule that calls this cannot handle `what` yet."""
    raise NotImplementedError(f"s2sgrad has no derivative rule for {what} yet")
