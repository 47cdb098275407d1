"""Rules for NumPy's elementwise functions of one and two arguments.

A binary rule unbroadcasts its adjoint to the argument's shape; between scalars the
simplifier removes that call. `defelementwise` at the end lets each VJP double as a JVP.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ..runtime import unbroadcast
from .registry import defelementwise, defvjp, lookup

# -- elementwise functions of one argument ---------------------------------------------------

defvjp(np.exp, lambda g, ans, x: g * ans)
defvjp(np.exp2, lambda g, ans, x: g * ans * math.log(2.0))
defvjp(np.expm1, lambda g, ans, x: g * (ans + 1.0))
defvjp(np.log, lambda g, ans, x: g / x)
defvjp(np.log1p, lambda g, ans, x: g / (1.0 + x))
defvjp(np.log2, lambda g, ans, x: g / (x * math.log(2.0)))
defvjp(np.log10, lambda g, ans, x: g / (x * math.log(10.0)))
defvjp(np.sqrt, lambda g, ans, x: g * 0.5 / ans)
defvjp(np.cbrt, lambda g, ans, x: g / (3.0 * ans * ans))
defvjp(np.square, lambda g, ans, x: g * 2.0 * x)
defvjp(np.reciprocal, lambda g, ans, x: -g * ans * ans)
defvjp(np.negative, lambda g, ans, x: -g)
defvjp(np.positive, lambda g, ans, x: g)
defvjp(np.absolute, lambda g, ans, x: g * np.sign(x))
defvjp(np.fabs, lambda g, ans, x: g * np.sign(x))
defvjp(np.sin, lambda g, ans, x: g * np.cos(x))
defvjp(np.cos, lambda g, ans, x: -g * np.sin(x))
defvjp(np.tan, lambda g, ans, x: g * (1.0 + ans * ans))
defvjp(np.arcsin, lambda g, ans, x: g / np.sqrt(1.0 - x * x))
defvjp(np.arccos, lambda g, ans, x: -g / np.sqrt(1.0 - x * x))
defvjp(np.arctan, lambda g, ans, x: g / (1.0 + x * x))
defvjp(np.sinh, lambda g, ans, x: g * np.cosh(x))
defvjp(np.cosh, lambda g, ans, x: g * np.sinh(x))
defvjp(np.tanh, lambda g, ans, x: g * (1.0 - ans * ans))
defvjp(np.arcsinh, lambda g, ans, x: g / np.sqrt(x * x + 1.0))
defvjp(np.arccosh, lambda g, ans, x: g / np.sqrt(x * x - 1.0))
defvjp(np.arctanh, lambda g, ans, x: g / (1.0 - x * x))
defvjp(np.deg2rad, lambda g, ans, x: g * (math.pi / 180.0))
defvjp(np.rad2deg, lambda g, ans, x: g * (180.0 / math.pi))
defvjp(np.degrees, lambda g, ans, x: g * (180.0 / math.pi))
defvjp(np.radians, lambda g, ans, x: g * (math.pi / 180.0))


def _sinc(g, ans, x):
    """d sinc(x)/dx = (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    safe = np.where(x == 0.0, 1.0, x)
    return g * np.where(x == 0.0, 0.0, (np.cos(np.pi * x) - ans) / safe)


defvjp(np.sinc, _sinc)

# -- elementwise functions of two arguments --------------------------------------------------

for _ufunc, _op in ((np.add, operator.add), (np.subtract, operator.sub),
                    (np.multiply, operator.mul), (np.divide, operator.truediv),
                    (np.power, operator.pow), (np.remainder, operator.mod)):
    defvjp(_ufunc, *lookup(_op).vjps, scalar=lookup(_op).scalar_vjps)

defvjp(np.arctan2, lambda g, ans, y, x: unbroadcast(g * x / (x * x + y * y), y),
       lambda g, ans, y, x: unbroadcast(-g * y / (x * x + y * y), x))
defvjp(np.hypot, lambda g, ans, x, y: unbroadcast(g * x / ans, x),
       lambda g, ans, x, y: unbroadcast(g * y / ans, y))
defvjp(np.logaddexp, lambda g, ans, x, y: unbroadcast(g * np.exp(x - ans), x),
       lambda g, ans, x, y: unbroadcast(g * np.exp(y - ans), y))
defvjp(np.logaddexp2, lambda g, ans, x, y: unbroadcast(g * np.exp2(x - ans), x),
       lambda g, ans, x, y: unbroadcast(g * np.exp2(y - ans), y))
# Ties send the whole adjoint to the first argument, as the builtins max and min do.
defvjp(np.maximum, lambda g, ans, x, y: unbroadcast(g * (x >= y), x),
       lambda g, ans, x, y: unbroadcast(g * (x < y), y))
defvjp(np.minimum, lambda g, ans, x, y: unbroadcast(g * (x <= y), x),
       lambda g, ans, x, y: unbroadcast(g * (x > y), y))


def _fmax_x(g, ans, x, y):
    return unbroadcast(g * np.logical_or(x >= y, np.isnan(y)), x)


def _fmax_y(g, ans, x, y):
    return unbroadcast(g * np.logical_not(np.logical_or(x >= y, np.isnan(y))), y)


def _fmin_x(g, ans, x, y):
    return unbroadcast(g * np.logical_or(x <= y, np.isnan(y)), x)


def _fmin_y(g, ans, x, y):
    return unbroadcast(g * np.logical_not(np.logical_or(x <= y, np.isnan(y))), y)


defvjp(np.fmax, _fmax_x, _fmax_y)
defvjp(np.fmin, _fmin_x, _fmin_y)
defvjp(np.where, None, lambda g, ans, c, x, y: unbroadcast(np.where(c, g, 0.0), x),
       lambda g, ans, c, x, y: unbroadcast(np.where(c, 0.0, g), y))


def _clip_x(g, ans, x, a_min=None, a_max=None):
    return unbroadcast(np.where(ans == x, g, 0.0), x)


def _clip_min(g, ans, x, a_min, a_max=None):
    return unbroadcast(np.where(x < a_min, g, 0.0), a_min)


def _clip_max(g, ans, x, a_min, a_max):
    return unbroadcast(np.where(x > a_max, g, 0.0), a_max)


defvjp(np.clip, _clip_x, _clip_min, _clip_max)

defelementwise(np.exp, np.exp2, np.expm1, np.log, np.log1p, np.log2, np.log10, np.sqrt,
               np.cbrt, np.square, np.reciprocal, np.negative, np.positive, np.absolute,
               np.fabs, np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh,
               np.cosh, np.tanh, np.arcsinh, np.arccosh, np.arctanh, np.deg2rad, np.rad2deg,
               np.degrees, np.radians, np.sinc, np.add, np.subtract, np.multiply, np.divide,
               np.power, np.remainder, np.arctan2, np.hypot, np.logaddexp, np.logaddexp2,
               np.maximum, np.minimum, np.fmax, np.fmin, np.where, np.clip)
