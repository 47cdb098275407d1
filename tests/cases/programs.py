"""Small programs the IR, transform and backend tests compile (read from this file)."""

import math


def loop(a, b, x0, dt=0.01, n=50):
    x = x0
    for i in range(n):
        x = x + dt * math.sin(a * x) * b
    return x


def branchy(x, y):
    if x > 0:
        return x * y
    z = x + y
    for i in range(5):
        if z > 10:
            break
        z = z * 2
    while z < 100 and y > 0:
        z = z * y + 1
    return z * y


def first_positive(a, b, c):
    for v in (a, b, c):
        if v > 0:
            return v * v
    return 0.0


def sqrt_in_reverse(x):
    return math.sqrt(x) * 2.0


def doubling(x, limit):
    """A while loop whose reverse sweep needs no stored values, only its trip count."""
    while limit > 1.0:
        x = x * 1.5
        limit = limit / 2.0
    return x
