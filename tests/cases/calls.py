"""User functions calling user functions: inlined by the compiler."""

import math

import s2sgrad

from . import helpers_module as H

SCALE = 2.0


def square(x):
    return x * x


cube = lambda x: x * x * x  # noqa: E731


def level3(x):
    return math.sin(x) * square(x)


def level2(x, y):
    return level3(x * y) + H.softplus(y)


def level1(x, y):
    return level2(x, y) * level3(y)


def piecewise(x, a=1.0, *, b=0.5):
    if x > 0:
        return a * square(x) + b
    return -x


def helper_in_loop_and_branches(x, y):
    s = 0.0
    for i in range(4):
        if s < 2.0:
            s = s + piecewise(x * i, a=y)
        else:
            s = s + square(y) * 0.1
    return s + cube(y) + SCALE * square(x)


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def uses_recursion(x):
    return power(x, 5) + power(x * 0.5, 2)


def make_scaler(k):
    def scale(v):
        return k * math.tanh(v)

    return scale


scaler = make_scaler(3.0)


def uses_closure(x, y):
    return scaler(x * y) + scaler(y)


def apply(f, x):
    return f(x) + f(2.0 * x)


def passes_function(x):
    return apply(math.sin, x) * apply(square, x)


def runaway(x, n):
    return x if n == 0 else runaway(x, n - 1) * 1.0


def clipped(x):
    return min(max(x, -1.0), 1.0)


@s2sgrad.custom_vjp
def clip_straight_through(x):
    """Clipping whose gradient passes through unchanged (a straight-through estimator)."""
    return clipped(x)


clip_straight_through.defvjp(lambda g, ans, x: g)


def uses_custom_in_loop(x):
    s = 0.0
    for i in range(3):
        s = s + clip_straight_through(x * (i + 1)) * x
    return s


def uses_stop_gradient(x, y):
    return s2sgrad.stop_gradient(x * y) * x + y


def takes_a_function(f, x):
    return f(x) * x


class Model:
    def __init__(self, w):
        self.w = w

    def predict(self, x):
        return math.tanh(self.w * x)


MODEL = Model(0.7)


def uses_method(x):
    return MODEL.predict(x) ** 2
