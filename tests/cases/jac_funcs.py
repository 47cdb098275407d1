"""Functions for the Jacobian, Hessian and higher-order tests."""

import math


def seed_pair(x1, x2, x3):
    """Seed 001's f: R^3 -> R^2."""
    y1 = x1 * (x2 - x3)
    y2 = x3 * math.log(1 - x1)
    return y1, y2


def quintic(x):
    return math.sin(x) * x ** 3


def fan_out(x):
    """R -> R^5: forward mode takes one sweep."""
    return x, x * x, math.sin(x), math.exp(0.5 * x), x ** 3 / 3.0


def fan_in(a, b, c, d, e):
    """R^5 -> R: reverse mode takes one sweep."""
    return a * b + math.sin(c) * d - e * e * a


def params_loss(p, x):
    h = math.tanh(p["w"][0] * x + p["b"])
    return (p["w"][1] * h - 0.3) ** 2


def looped(x, y):
    s = 0.0
    for i in range(4):
        if s < 1.0:
            s = s + x * y * math.exp(0.1 * s)
        else:
            s = s * x - y
    return s


def returns_dict(x):
    return {"a": x * x, "b": math.sin(x)}
