"""Gradients the caller owns (transforms/results.py): every gradient returned by grad,
value_and_grad and a vjp pullback is a writable array that is neither an argument, nor the
cotangent passed in, nor shared with another gradient; and it is still the right gradient."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad


def scaled_sum(x):
    return np.sum(x) * 2.0  # the gradient is a broadcast of 2.0


def mean_of_reshaped(x):
    return np.mean(np.reshape(x, (-1,)) * 3.0)  # a reshaped broadcast


def sum_of_sum(x, y):
    return np.sum(x + y)  # both gradients are the same broadcast


def two_sums(x, y):
    return np.sum(x) + np.sum(y * 1.0)


def sum_of_sum_masked(x, y):
    return np.sum(x + y) + np.sum(x[x > 0.0])  # a mask: y's gradient is known to be an array
    # only at run time, where it is the broadcast itself


SHAPES = [(3,), (2, 4)]


def assert_owned(grads, *args):
    for k, g in enumerate(grads):
        assert isinstance(g, np.ndarray) and g.flags.writeable
        assert not any(np.shares_memory(g, a) for a in args)
        assert not any(np.shares_memory(g, h) for h in grads[k + 1:])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", [scaled_sum, mean_of_reshaped], ids=lambda f: f.__name__)
def test_gradient_of_a_reduction_can_be_updated_in_place(fn, shape):
    x = np.random.default_rng(0).normal(size=shape)
    for _ in range(2):  # the second call runs the dispatcher's fast path
        g = s2sgrad.grad(fn)(x)
        assert_owned([g], x)
        np.testing.assert_allclose(g, s2sgrad.numerical_grad(fn, x), rtol=1e-6, atol=1e-9)
        g *= 0.5  # what a user does to clip or scale a gradient
        _, (h,) = s2sgrad.value_and_grad(fn, argnums=(0,))(x)
        assert_owned([h, g], x)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", [sum_of_sum, two_sums, sum_of_sum_masked],
                         ids=lambda f: f.__name__)
def test_gradients_share_no_memory(fn, shape):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=shape), rng.normal(size=shape)
    grads = s2sgrad.grad(fn, argnums=(0, 1))(x, y)
    assert_owned(list(grads), x, y)
    want = s2sgrad.numerical_grad(fn, x, y, argnums=(0, 1))
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9)


def halves(ps):
    return np.sum(ps[0]) + np.sum(ps[1] * 0.5) + np.sum(ps[2])


def test_pytree_gradients_are_writable_and_distinct():
    ps = [np.ones(3), np.ones((2, 2)), np.ones(3)]
    leaves = s2sgrad.grad(halves)(ps)
    assert_owned(list(leaves), *ps)
    np.testing.assert_array_equal(leaves[1], np.full((2, 2), 0.5))


def reshaped(x):
    return np.reshape(x, (2, -1))  # its pullback reshapes the cotangent: a view of it


def test_pullback_does_not_return_the_cotangent():
    x = np.arange(6.0)
    _, pullback = s2sgrad.vjp(reshaped, x)
    cotangent = np.ones((2, 3))
    first = pullback(cotangent)[0]
    assert_owned([first], x, cotangent)
    first *= 2.0
    second = pullback(cotangent)[0]  # a pullback that runs again gives a new array
    np.testing.assert_array_equal(second, np.ones(6))
    np.testing.assert_array_equal(cotangent, np.ones((2, 3)))
