"""Functions the API tests differentiate (s2sgrad reads their source from this file)."""

import math


def seed(x1, x2, x3):
    return x1 * (x2 - x3) + x3 * math.log(1 - x1)


def pair(x, y):
    return x * y, x + y


def with_aux(x, y):
    loss = x * x + y
    return loss, {"note": "aux"}


def with_default(x, scale=3.0, n=4):
    acc = 0.0
    for i in range(n):
        acc = acc + scale * math.sin(x * i)
    return acc


def keyword_only(x, *, k=2.0):
    return k * x * x


def calls_helper(x):
    return helper(x) * 2.0


def helper(x):
    return x * x


def calls_unknown(x):
    return math.gamma(x)


def integer_math(x, n):
    return x ** n + n // 2


def deep_loop(a, b):
    x = a
    for i in range(50):
        x = x + 0.01 * math.sin(b * x)
    return x


def divide_by_zero_in_reverse(x):
    return math.sqrt(x)


square = lambda x: x * x  # noqa: E731


def scaled_items(a, x):
    return (a * x)[1] + a * x[0]


def softclip(x):
    """A 'library' function without a rule; the test registers one."""
    return x / (1.0 + abs(x))


def uses_softclip(x, y):
    return softclip(x * y) + y


def weighted_square(x, y):
    return (x * x * y).sum()
