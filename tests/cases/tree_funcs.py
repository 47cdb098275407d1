"""Functions for tests/test_dispatch_pytree.py, most of pytree arguments (SCALE is rebound
there)."""

import numpy as np

SCALE = 2.0


def sum_sq(ps, x):
    s = 0.0
    for p in ps:
        s = s + SCALE * np.sum(p * p * x)
    return s


def keyed(d, x):
    return np.sum(d["a"] * x) + np.sum(d["b"] ** 2)


def with_aux(d, x):
    loss = np.sum(d["w"][0] * x) * d["w"][1] + np.sum(d["c"] * d["c"])
    return loss, np.sum(x)


def activated(p, x):
    return np.sum(p["act"](p["w"] * x))


def weighted(x, w=np.ones(4)):
    return np.sum(x * w)
