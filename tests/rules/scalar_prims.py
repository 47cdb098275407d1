"""One small function per scalar primitive that has a derivative rule, with test points.

`CASES` maps the primitive to (function, points). Every point is inside the primitive's
domain and away from kinks, so central differences are a sound oracle there.
"""

import math
import operator

CASES = {}


def case(prim, *points):
    def register(fn):
        CASES[prim] = (fn, points)
        return fn

    return register


@case(operator.add, (0.3, -1.7), (2.0, 0.5))
def add(x, y):
    return x + y


@case(operator.sub, (0.3, -1.7), (2.0, 0.5))
def sub(x, y):
    return x - y


@case(operator.mul, (0.3, -1.7), (2.0, 0.5))
def mul(x, y):
    return x * y


@case(operator.truediv, (0.3, -1.7), (2.0, 0.5))
def div(x, y):
    return x / y


@case(operator.pow, (0.7, 2.3), (1.9, -0.4))
def power(x, y):
    return x ** y


@case(operator.mod, (5.3, 1.7), (-2.2, 0.9))
def mod(x, y):
    return x % y


@case(operator.neg, (0.3,), (-2.0,))
def neg(x):
    return -x


@case(operator.pos, (0.3,), (-2.0,))
def pos(x):
    return +x


@case(float, (0.3,), (-2.0,))
def to_float(x):
    return float(x) * x


@case(abs, (0.3,), (-2.0,))
def absolute(x):
    return abs(x)


@case(min, (0.3, 1.1), (2.0, -1.0))
def minimum(x, y):
    return min(x, y)


@case(max, (0.3, 1.1), (2.0, -1.0))
def maximum(x, y):
    return max(x, y)


@case(pow, (0.7, 2.3), (1.9, -0.4))
def builtin_pow(x, y):
    return pow(x, y)




@case(math.sin, (0.3,), (-2.0,))
def sin(x):
    return math.sin(x)


@case(math.cos, (0.3,), (-2.0,))
def cos(x):
    return math.cos(x)


@case(math.tan, (0.3,), (-1.0,))
def tan(x):
    return math.tan(x)


@case(math.asin, (0.3,), (-0.8,))
def asin(x):
    return math.asin(x)


@case(math.acos, (0.3,), (-0.8,))
def acos(x):
    return math.acos(x)


@case(math.atan, (0.3,), (-2.0,))
def atan(x):
    return math.atan(x)


@case(math.atan2, (0.3, 1.2), (-2.0, -0.5))
def atan2(y, x):
    return math.atan2(y, x)


@case(math.sinh, (0.3,), (-2.0,))
def sinh(x):
    return math.sinh(x)


@case(math.cosh, (0.3,), (-2.0,))
def cosh(x):
    return math.cosh(x)


@case(math.tanh, (0.3,), (-2.0,))
def tanh(x):
    return math.tanh(x)


@case(math.asinh, (0.3,), (-2.0,))
def asinh(x):
    return math.asinh(x)


@case(math.acosh, (1.3,), (4.0,))
def acosh(x):
    return math.acosh(x)


@case(math.atanh, (0.3,), (-0.7,))
def atanh(x):
    return math.atanh(x)


@case(math.exp, (0.3,), (-2.0,))
def exp(x):
    return math.exp(x)


@case(math.expm1, (0.3,), (-2.0,))
def expm1(x):
    return math.expm1(x)


@case(math.log, (0.3,), (5.0,))
def log(x):
    return math.log(x)


@case(math.log1p, (0.3,), (-0.5,))
def log1p(x):
    return math.log1p(x)


@case(math.log2, (0.3,), (5.0,))
def log2(x):
    return math.log2(x)


@case(math.log10, (0.3,), (5.0,))
def log10(x):
    return math.log10(x)


@case(math.sqrt, (0.3,), (5.0,))
def sqrt(x):
    return math.sqrt(x)


@case(math.fabs, (0.3,), (-2.0,))
def fabs(x):
    return math.fabs(x)


@case(math.erf, (0.3,), (-1.2,))
def erf(x):
    return math.erf(x)


@case(math.erfc, (0.3,), (-1.2,))
def erfc(x):
    return math.erfc(x)


@case(math.hypot, (0.3, 1.2), (-2.0, 0.5))
def hypot(x, y):
    return math.hypot(x, y)


@case(math.pow, (0.7, 2.3), (1.9, -0.4))
def mpow(x, y):
    return math.pow(x, y)


@case(math.degrees, (0.3,), (-2.0,))
def degrees(x):
    return math.degrees(x)


@case(math.radians, (0.3,), (-2.0,))
def radians(x):
    return math.radians(x)


def log_base(x, b):
    return math.log(x, b)


CASES["math.log/2"] = (log_base, ((0.3, 2.5), (5.0, 10.0)))
