"""Derivative code never changes the caller's arrays: after grad, value_and_grad, jvp, vjp
and repeated pullbacks, the arguments, tangents and cotangents hold what they held before,
and the derivatives still match central differences."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad

from .mutation_cases import FUNCTIONS


def copying(fn):
    """fn on copies of its arguments: the oracle itself must not see Python's mutation."""
    def call(*args):
        return fn(*[np.copy(a) for a in args])
    return call


def arrays(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=4), rng.normal(size=4), rng


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_arguments_are_unchanged(fn):
    x, y, rng = arrays(1)
    saved = x.copy(), y.copy()
    for _ in range(2):  # the second call runs the cached specialization
        got = s2sgrad.grad(fn, argnums=(0, 1))(x, y)
        _, got2 = s2sgrad.value_and_grad(fn, argnums=(0, 1))(x, y)
        assert np.array_equal(x, saved[0]) and np.array_equal(y, saved[1])
    want = s2sgrad.numerical_grad(copying(fn), x, y, argnums=(0, 1))
    for g, g2, w in zip(got, got2, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(g2, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_tangents_and_cotangents_are_unchanged(fn):
    x, y, rng = arrays(2)
    tx, ty = rng.normal(size=4), rng.normal(size=4)
    saved = [a.copy() for a in (x, y, tx, ty)]
    s2sgrad.jvp(fn, (x, y), (tx, ty))
    out, pullback = s2sgrad.vjp(fn, x, y)
    first = pullback(1.0)
    second = pullback(1.0)  # the pullback can run again on the same forward sweep
    for a, b in zip((x, y, tx, ty), saved):
        assert np.array_equal(a, b)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(first[0], s2sgrad.numerical_grad(copying(fn), x, y), rtol=1e-5,
                               atol=1e-6)
