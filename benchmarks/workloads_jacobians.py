"""Jacobian workloads for benchmarks/bench_jacobians.py, each with hand-written versions.

s2sgrad reads source code, so the differentiated functions live in this file, next to the
Jacobians a careful Python programmer would write by hand (NumPy where the function uses
it, shared subexpressions computed once).

(a) ``seed``: seed 001's f: R^3 -> R^2, y1 = x1*(x2 - x3), y2 = x3*log(1 - x1), on floats.
(b) ``rosen``: the Hessian of the Rosenbrock function at n = 1000 times a vector.
(c) ``logistic``: R^1000 -> R, the mean logistic loss of a linear model over 50 samples
    plus a weight penalty, as a function of the 1000 weights.
(d) ``decay``: R -> R^1000, damped oscillations exp(-k t) cos(w t) at 1000 rates k and
    frequencies w, as a function of the time t.
(e) ``layer``: R^60 -> R^40, tanh(W x + b): vector mode against one sweep per column.

For (c) and (d) there is a hand-written Jacobian in each mode: the natural one (reverse
for (c), forward for (d)) and the other one, which propagates a whole identity matrix of
seeds; s2sgrad's target is judged against the faster of the two.
"""

from __future__ import annotations

import math

import numpy as np

# -- (a) seed 001's f: R^3 -> R^2 --------------------------------------------------------------


def seed(x1, x2, x3):
    y1 = x1 * (x2 - x3)
    y2 = x3 * math.log(1 - x1)
    return y1, y2


def seed_jacobian(x1, x2, x3):
    """((dy1/dx1, dy1/dx2, dy1/dx3), (dy2/dx1, dy2/dx2, dy2/dx3)), as jacobian() nests it."""
    r = 1.0 - x1
    return (x2 - x3, x1, -x1), (-x3 / r, 0.0, math.log(r))


# -- (b) the Rosenbrock function --------------------------------------------------------------


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_hvp(x, v):
    """H v, from the Hessian's three diagonals (written out, never formed)."""
    a, b = x[:-1], x[1:]
    va, vb = v[:-1], v[1:]
    hv = np.empty_like(x)
    hv[:-1] = (1200.0 * a * a - 400.0 * b + 2.0) * va - 400.0 * a * vb
    hv[-1] = 0.0
    hv[1:] += 200.0 * vb - 400.0 * a * va
    return hv


# -- (c) R^1000 -> R: a logistic loss ----------------------------------------------------------

_RNG = np.random.default_rng(4)
FEATURES = _RNG.normal(size=(50, 1000)) / 30.0
LABELS = np.where(_RNG.normal(size=50) > 0.0, 1.0, -1.0)


def logistic(w):
    margins = LABELS * (FEATURES @ w)
    return np.mean(np.log1p(np.exp(-margins))) + 0.01 * np.dot(w, w)


def logistic_reverse(w):
    """The gradient by backpropagation: one reverse sweep."""
    margins = LABELS * (FEATURES @ w)
    e = np.exp(-margins)
    dmargins = -e / (1.0 + e) / margins.shape[0]
    return (LABELS * dmargins) @ FEATURES + 0.02 * w


def logistic_forward(w):
    """The Jacobian by tangent propagation, all 1000 unit tangents at once."""
    seeds = np.eye(w.shape[0])
    margins = LABELS * (FEATURES @ w)
    dmargins = LABELS[:, None] * (FEATURES @ seeds)
    e = np.exp(-margins)
    dloss = (-e / (1.0 + e)) @ dmargins / margins.shape[0]
    return dloss + 0.02 * (w @ seeds)


# -- (d) R -> R^1000: damped oscillations ------------------------------------------------------

RATES = np.linspace(0.1, 2.0, 1000)
FREQUENCIES = np.linspace(1.0, 30.0, 1000)


def decay(t):
    return np.exp(-RATES * t) * np.cos(FREQUENCIES * t)


def decay_forward(t):
    """d/dt by tangent propagation: one forward sweep."""
    e = np.exp(-RATES * t)
    wt = FREQUENCIES * t
    return -RATES * e * np.cos(wt) - FREQUENCIES * e * np.sin(wt)


def decay_reverse(t):
    """The Jacobian by adjoint propagation, all 1000 unit adjoints at once."""
    seeds = np.eye(RATES.shape[0])
    e = np.exp(-RATES * t)
    wt = FREQUENCIES * t
    be = seeds * np.cos(wt)
    bwt = -seeds * e * np.sin(wt)
    return (be * e) @ -RATES + bwt @ FREQUENCIES


# -- (e) R^60 -> R^40: one layer, for vector mode ---------------------------------------------

WEIGHTS = np.random.default_rng(5).normal(size=(40, 60)) / 8.0
BIAS = np.linspace(-0.5, 0.5, 40)


def layer(x):
    return np.tanh(WEIGHTS @ x + BIAS)


def layer_jacobian(x):
    h = np.tanh(WEIGHTS @ x + BIAS)
    return (1.0 - h * h)[:, None] * WEIGHTS
