"""Rules for Python's operators and the builtins abs, min, max, pow, float and int."""

from __future__ import annotations

import math
import operator

import numpy as np

from ..runtime import (logical_and, logical_or, seq_onehot, setitem, unbroadcast, written,
                               zeros_like)
from .. import runtime
from .registry import deflinear, defelementwise, defmultilinear, defnondiff, defvjp

defvjp(operator.add, lambda g, ans, x, y: unbroadcast(g, x),
       lambda g, ans, x, y: unbroadcast(g, y))
defvjp(operator.sub, lambda g, ans, x, y: unbroadcast(g, x),
       lambda g, ans, x, y: unbroadcast(-g, y))
defvjp(operator.mul, lambda g, ans, x, y: unbroadcast(g * y, x),
       lambda g, ans, x, y: unbroadcast(g * x, y))
defvjp(operator.truediv, lambda g, ans, x, y: unbroadcast(g / y, x),
       lambda g, ans, x, y: unbroadcast(-g * ans / y, y))
defvjp(operator.neg, lambda g, ans, x: -g)
defvjp(operator.pos, lambda g, ans, x: g)
defvjp(operator.mod, lambda g, ans, x, y: unbroadcast(g, x),
       lambda g, ans, x, y: unbroadcast(-g * (x // y), y))
defvjp(float, lambda g, ans, x: g)


def _pow_x(g, ans, x, y):
    """g * y * x**(y-1), with g multiplied last: an adjoint that is a broadcast seed then
    meets an array of its own shape, so the broadcast can be dropped."""
    if np.ndim(y) == 0 and y == 2:  # folds when the exponent is a constant: no power call
        return unbroadcast(g * (2.0 * x), x)
    if np.ndim(y) != 0:  # x ** 0 is 1 even at x = 0, where x ** -1 would divide by zero
        return unbroadcast(g * (y * x ** np.where(y == 0, 1.0, y - 1)), x)
    if y == 0:
        return unbroadcast(g * 0.0, x)
    return unbroadcast(g * (y * x ** (y - 1)), x)


def _pow_x_scalar(g, ans, x, y):
    """As `_pow_x`: the derivative of x ** 0 is 0, even at x = 0."""
    return 0.0 if y == 0 else g * y * x ** (y - 1)


def _pow_y(g, ans, x, y):
    return unbroadcast(g * ans * np.log(np.where(x > 0, x, 1.0)), y)


defvjp(operator.pow, _pow_x, _pow_y,
       scalar=(_pow_x_scalar, lambda g, ans, x, y: g * ans * math.log(x) if x > 0 else 0.0))
defvjp(pow, _pow_x, _pow_y,
       scalar=(_pow_x_scalar, lambda g, ans, x, y: g * ans * math.log(x) if x > 0 else 0.0))
defvjp(abs, lambda g, ans, x: g * (x > 0) - g * (x < 0),
       scalar=(lambda g, ans, x: g if x >= 0 else -g,))
defvjp(min, lambda g, ans, x, y: unbroadcast(g * (x <= y), x),
       lambda g, ans, x, y: unbroadcast(g * (x > y), y),
       scalar=(lambda g, ans, x, y: g if x <= y else 0.0,
               lambda g, ans, x, y: 0.0 if x <= y else g))
defvjp(max, lambda g, ans, x, y: unbroadcast(g * (x >= y), x),
       lambda g, ans, x, y: unbroadcast(g * (x < y), y),
       scalar=(lambda g, ans, x, y: g if x >= y else 0.0,
               lambda g, ans, x, y: 0.0 if x >= y else g))

# Reading an item of a tuple, list or array. (Building a tuple is structural: see reverse.)
defvjp(operator.getitem, lambda g, ans, x, i: seq_onehot(x, i, g), None)

# x_1 = setitem(x, i, v): the overwritten items get no adjoint; v gets what landed on it, and
# where an integer index repeats a place only the last write landed (see runtime.written).
defvjp(setitem, lambda g, ans, x, i, v: setitem(g, i, 0.0), None,
       lambda g, ans, x, i, v: unbroadcast(written(g, i), v))
# x_1 = index_add(x, i, v) is `np.add.at`: every write lands, repeated places accumulate.
defvjp(runtime.index_add, lambda g, ans, x, i, v: g, None,
       lambda g, ans, x, i, v: unbroadcast(g[i], v))
# written(g, i) is linear in g; its transpose puts each surviving item back in its place.
defvjp(written, lambda g, ans, x, i: setitem(zeros_like(x), i, g), None)

defelementwise(operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
               operator.pos, operator.mod, float, operator.pow, pow, abs, min, max)
defmultilinear(operator.matmul)
deflinear(operator.getitem)
deflinear(setitem, 0, 2)
deflinear(written, 0)
deflinear(runtime.index_add, 0, 2)
deflinear(runtime.item_add, 0, 2)
deflinear(runtime.seq_onehot, 2)
deflinear(runtime.unbroadcast)
deflinear(runtime.broadcast_like, 0)
defvjp(runtime.broadcast_like, lambda g, ans, t, like: unbroadcast(g, t), None)
deflinear(runtime.make_tuple, ...)
deflinear(runtime.make_list, ...)
deflinear(runtime.stack_push, ...)
deflinear(runtime.stack_pop, 0)
defnondiff(runtime.scalar_seed, runtime.zeros_like, runtime.stack_new, runtime.stop_gradient)

# Not operator.or_: `d | e` merges dicts, whose items are differentiable. It has no rule yet,
# so an active dict reaching it raises; on ints and booleans nothing is ever active.
defnondiff(operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
           operator.not_, operator.is_, operator.is_not, operator.contains, operator.floordiv,
           operator.and_, operator.xor, operator.invert, operator.lshift, operator.rshift,
           logical_and, logical_or, int, round, len, bool, range, math.floor, math.ceil,
           math.trunc, math.isnan, math.isinf, math.isfinite, isinstance, callable)
deflinear(runtime.make_dict, 1, ...)  # linear in its values, not its keys; see rules/dicts.py
