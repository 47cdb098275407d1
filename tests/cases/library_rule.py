"""A library function with no built-in rule (math.lgamma), given rules written in Python.

The rules call `digamma`, a plain Python function with a loop: s2sgrad inlines it into the
generated code, so the second derivative (trigamma) comes for free.
"""

import math

import s2sgrad


def digamma(x):
    acc = 0.0
    while x < 6.0:  # psi(x) = psi(x + 1) - 1/x
        acc = acc - 1.0 / x
        x = x + 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    return acc + math.log(x) - 0.5 * inv - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 / 252))


s2sgrad.defvjp(math.lgamma, lambda g, ans, x: g * digamma(x))
s2sgrad.defjvp(math.lgamma, lambda t, ans, x: t * digamma(x))


def log_beta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


@s2sgrad.custom_jvp
def softplus(x):
    """log(1 + e^x), computed stably; its derivative is given as a rule."""
    return math.log1p(math.exp(-abs(x))) + max(x, 0.0)


softplus.defjvp(lambda t, ans, x: t / (1.0 + math.exp(-x)))
s2sgrad.defvjp(softplus, lambda g, ans, x: g / (1.0 + math.exp(-x)))


def softplus_in_loop(x, w):
    s = 0.0
    for i in range(4):
        s = s + softplus(w * x - i) * w
    return s
