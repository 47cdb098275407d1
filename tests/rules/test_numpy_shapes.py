"""Joins with axis=None (rules/numpy_shapes.py): `np.concatenate(arrays, axis=None)`
flattens every item first, and its adjoint cuts the gradient back into the items' shapes."""

import numpy as np
import pytest

import s2sgrad


def joined_rows(m):
    return np.sum(np.concatenate(m, axis=None) ** 2 * np.arange(1.0, m.size + 1.0))


def joined_pair(a, b):
    flat = np.concatenate((a, np.sin(b)), axis=None)
    return np.sum(flat * np.arange(1.0, flat.size + 1.0))


def joined_list(a, b):
    return np.sum(np.concatenate([a * a, b], axis=None) ** 3)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2, 2)])
def test_concatenate_of_an_array_with_no_axis_matches_central_differences(shape):
    m = np.linspace(-1.0, 1.5, int(np.prod(shape))).reshape(shape)
    got = s2sgrad.grad(joined_rows)(m)
    np.testing.assert_allclose(got, s2sgrad.numerical_grad(joined_rows, m), rtol=1e-6,
                               atol=1e-8)


@pytest.mark.parametrize("fn", [joined_pair, joined_list])
@pytest.mark.parametrize("shapes", [((3,), (2, 2)), ((2, 3), (4,))])
def test_concatenate_of_items_with_no_axis_matches_central_differences(fn, shapes):
    a = np.linspace(0.2, 1.1, int(np.prod(shapes[0]))).reshape(shapes[0])
    b = np.linspace(-0.7, 0.9, int(np.prod(shapes[1]))).reshape(shapes[1])
    got = s2sgrad.grad(fn, argnums=(0, 1))(a, b)
    want = s2sgrad.numerical_grad(fn, a, b, argnums=(0, 1))
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def test_forward_mode_agrees():
    a, b = np.array([0.3, 0.8, 1.2]), np.array([[0.5, -0.2], [0.1, 0.4]])
    jac = s2sgrad.jacfwd(joined_pair, argnums=(0, 1))(a, b)
    want = s2sgrad.numerical_grad(joined_pair, a, b, argnums=(0, 1))
    for j, w in zip(jac, want):
        np.testing.assert_allclose(j, w, rtol=1e-6, atol=1e-8)
    hess = s2sgrad.hessian(joined_rows)(np.ones((2, 2)))
    np.testing.assert_allclose(hess.reshape(4, 4), np.diag(2.0 * np.arange(1.0, 5.0)))
