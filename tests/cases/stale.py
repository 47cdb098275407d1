"""A module whose globals the staleness tests rebind."""

import math

RATE = 2.0


def helper(x):
    return math.sin(x)


def uses_helper(x):
    return helper(x) * RATE
