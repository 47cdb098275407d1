"""np.std where the spread is exactly 0 (rules/numpy_reductions.py): the derivative is 0 by
convention, and so are the derivatives of that derivative (the Hessian, hvp), instead of
the second derivative of a spread of 1. Elsewhere the second derivatives match central
differences of the gradient."""

import numpy as np
import pytest

import s2sgrad


def spread(x):
    return np.std(x)


def column_spreads(x):
    return np.sum(np.std(x, axis=0) * np.arange(1.0, x.shape[1] + 1.0))


def row_spreads_kept(x):
    return np.sum(np.std(x, axis=1, keepdims=True) ** 3)


def spread_cubed(x):
    return np.std(x, ddof=1) ** 3


CASES = [(spread, (3,)), (spread, (2, 3)), (column_spreads, (3, 2)), (column_spreads, (4, 3)),
         (row_spreads_kept, (2, 3)), (spread_cubed, (4,))]


@pytest.mark.parametrize("fn, shape", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_second_derivatives_at_zero_spread_are_zero(fn, shape):
    x = np.ones(shape)
    n = x.size
    assert np.all(s2sgrad.hessian(fn)(x) == 0.0)
    direction = np.linspace(-1.0, 1.0, n).reshape(shape)
    assert np.all(s2sgrad.hvp(fn, (x,), (direction,)) == 0.0)
    assert np.all(s2sgrad.grad(fn)(x) == 0.0)


@pytest.mark.parametrize("fn, shape", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_second_derivatives_elsewhere_match_differences_of_the_gradient(fn, shape):
    x = np.sin(np.arange(1.0, np.prod(shape) + 1.0)).reshape(shape) + 2.0
    grad = s2sgrad.grad(fn)
    flat = x.size
    want = np.array([s2sgrad.numerical_grad(lambda v, i=i: grad(v).ravel()[i], x).ravel()
                     for i in range(flat)])
    got = np.asarray(s2sgrad.hessian(fn)(x)).reshape(flat, flat)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_one_row_with_no_spread_among_others():
    x = np.array([[1.0, 1.0, 1.0], [0.2, 1.5, 0.7]])
    hess = s2sgrad.hessian(row_spreads_kept)(x).reshape(6, 6)
    assert np.all(hess[:3] == 0.0) and np.all(hess[:, :3] == 0.0)
    assert np.abs(hess[3:, 3:]).max() > 0.1
