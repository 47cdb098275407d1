"""The broadcasting matrix: binary operators on every pair of shapes from SHAPES.

A shape of None is a Python float; () is a 0-d array. Each function is a closure over its
operator (and, for `with_constant`, over a constant operand), defined here so that s2sgrad can
read its source.
"""

from __future__ import annotations

import operator

import numpy as np

N, M = 3, 2
SHAPES = (None, (), (N,), (1, N), (M, 1), (M, N))
OPS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
       "truediv": operator.truediv, "pow": operator.pow, "maximum": np.maximum}


def binary(op):
    def fn(x, y):
        return op(x, y)
    return fn


def with_constant(op, c, left):
    """`op(x, c)` (or `op(c, x)` when not `left`) with a constant operand c."""
    def fn(x):
        if left:
            return op(x, c)
        return op(c, x)
    return fn
