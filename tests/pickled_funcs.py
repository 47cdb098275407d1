"""Module-level functions whose derivatives tests/test_pickling.py pickles by reference."""

import numpy as np

import s2sgrad


def loss(x, y=2.0):
    return np.sum(np.sin(x) * y)


def cube(x, y):
    return x * x * x * y


@s2sgrad.grad
def decorated(x):
    return x ** 3


def spread(x):
    return np.sum(x * x) / 2.0
