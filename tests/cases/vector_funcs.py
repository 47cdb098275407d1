"""Functions for the vector-mode tests (tests/transforms/test_vector_mode.py)."""

import math

import numpy as np

from s2sgrad import runtime
from s2sgrad.rules import linalg


def layer(x, w):
    return np.tanh(w @ x) * 2.0 + np.sum(x)


def kron_sum(x, y):
    return np.kron(x, y) * 3.0 + np.sum(y)


def looped(x, s):
    y = x * s
    for i in range(3):
        if np.sum(y) > 0.0:
            y = np.sin(y) * x + s
        else:
            y = y * y - x[i]
    return y


def branchy(x, s):
    if s > 0.5:
        z = np.exp(x) * s
    else:
        z = x
    return np.cumsum(z)[::-1] + z.max()


def indexed(x, s):
    y = x * 1.0
    y[1] = s * x[0]
    y[2:] = y[2:] * s
    np.add.at(y, [0, 0, 3], x[:3] * s)
    return y[[3, 0, 1]] + y[x.shape[0] - 1] + x[..., 1]


def params_net(p, x):
    h = np.tanh(p["w"] @ x + p["b"])
    return {"out": (h * 2.0, np.sum(h)), "norm": np.sqrt(np.sum(x * x))}


def energy(x):
    d = x[1:] - x[:-1] ** 2
    return np.sum(100.0 * d * d + (1.0 - x[:-1]) ** 2) + np.prod(np.cos(x))


def polar(r, t):
    return r * math.cos(t), r * math.sin(t)


# what `indexed` and the Hessians of `assigned`, `stacked_inverse`, `list_loop` and
# `unknown_shape` exercise beyond the NumPy cases
EXTRA_PRIMS = (runtime.setitem, runtime.index_add, runtime.item_add, runtime.written,
               runtime.seq_onehot, runtime.unbroadcast, linalg.mT)


SCALE = 2.0  # rebound by the staleness tests


def scaled_log_loss(w):
    """R^n -> R."""
    return np.sum(np.log1p(w * w)) * SCALE


def trajectory(t, k):
    """R -> R^n in t (k: rates)."""
    return np.exp(-k * t) * SCALE


def pair(x, y):
    """Floats in, floats out: the fused programs apply."""
    return x * y * SCALE, np.sin(x) - y


def quartic(x, y):
    return np.sum(x ** 4 * y) + np.sum(np.sin(x) * y * y)


def assigned(x):
    """Item assignment and reads of a tuple: the reverse sweep uses `written` and
    sequence adjoints."""
    y = x * x
    y[1] = np.sin(x[0]) * x[2]
    pair = (y, x * 2.0)
    return np.sum(pair[0] * pair[1]) + y[1] * x[1]


def stacked_inverse(x):
    """The inverse of a stack of matrices (the reverse sweep uses the matrix transpose)."""
    m = np.reshape(x, (2, 2, 2)) + 3.0 * np.eye(2)
    return np.sum(np.linalg.inv(m) * x.reshape(2, 2, 2))


def list_loop(x):
    """A list read with a loop index: the reverse sweep builds a sequence adjoint."""
    parts = [x * 2.0, np.sin(x), x * x]
    s = 0.0
    for i in range(3):
        s = s + np.sum(parts[i] * x)
    return s


def unknown_shape(x):
    """A constant whose shape the compiler cannot know: `unbroadcast` stays in the code."""
    c = np.arange(1.0, 9.0)[: np.shape(x)[0]]
    return np.sum(np.sin(x) * c * x)


def dict_branch(x):
    """A dict rebuilt in one branch: its items after the `if` come from either dict."""
    d = {"w": x * 2.0, "b": np.sum(x)}
    if d["b"] > 0.0:
        d = {"w": d["w"] * x, "b": d["b"]}
    return d["w"] + d["b"]
