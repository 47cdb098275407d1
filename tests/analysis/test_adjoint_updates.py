"""In-place updates in derivative code (analysis/aliasing.py): an adjoint is updated in place
only when nothing still reads it through another name, a view or a helper that may hand it
back (`unbroadcast(g, x)` is `g` itself when the shapes agree), and never when it is a
read-only broadcast. Slice read-modify-writes are checked in the contexts that make the code
generic (a boolean mask, a list concatenated, a stack), in loops and branches, in 1-D and
2-D, against central differences and against forward mode."""

from __future__ import annotations

import numpy as np
import pytest

import s2sgrad


def add_masked(x, w):
    y = x * 1.0
    y[1:3] += w
    return np.sum(y * y) + np.sum(x[x > 0.0]) * 0.5  # a mask: shapes known only at run time


def sub_concatenated(x, w):
    both = np.concatenate([x, x * x])
    y = np.sin(x)
    y[1:3] -= w
    return np.sum(y * y) + np.sum(both)


def mul_stacked(x, w):
    rows = np.stack([x, x * x, x])
    y = x * 1.5
    y[1:3] *= w
    return np.sum(np.sin(y)) + np.sum(np.tanh(rows * w))


def rescaled_masked(x, w):
    y = x * 2.0
    y[1:3] = w * y[1:3]
    return np.sum(y ** 2) + np.sum(np.exp(x[x < 0.5]))


def updated_in_loop(x, w):
    y = np.cos(x)
    for i in range(3):
        y[1:3] *= w
        y[0:2] += w * y[2:4]
    return np.sum(y * y) + np.sum(x[x > 0.0])


def updated_in_branch(x, w):
    y = np.cos(x)
    if w > 0.0:
        y[1:3] += w
    else:
        y[0:2] *= w
    return np.sum(y * y) + np.sum(np.concatenate([x, y]))


def column_masked(x, w):
    y = x * 1.0
    y[:, 1] += w
    y[1:, :2] *= w
    return np.sum(y * y) + np.sum(x[x > 0.0])


ANY_RANK = [add_masked, sub_concatenated, mul_stacked, rescaled_masked, updated_in_loop,
            updated_in_branch]
SHAPES = [(4,), (7,), (4, 3)]


def check(fn, x, w):
    gx, gw = s2sgrad.grad(fn, argnums=(0, 1))(x, w)
    want_x, want_w = s2sgrad.numerical_grad(fn, x, w, argnums=(0, 1))
    np.testing.assert_allclose(gx, want_x, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, want_w, rtol=1e-6, atol=1e-7)
    tx = np.random.default_rng(5).normal(size=np.shape(x))
    _, tangent = s2sgrad.jvp(fn, (x, w), (tx, 0.7))
    np.testing.assert_allclose(tangent, np.sum(gx * tx) + gw * 0.7, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", ANY_RANK, ids=lambda f: f.__name__)
@pytest.mark.parametrize("w", [0.4, -1.3])
def test_slice_read_modify_write(fn, shape, w):
    x = np.random.default_rng(len(shape) * 10 + shape[0]).normal(size=shape)
    check(fn, x, w)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2)], ids=str)
def test_column_read_modify_write(shape):
    check(column_masked, np.random.default_rng(2).normal(size=shape), 0.6)


def add_rows(x, w):
    y = np.tanh(x)
    y[1:3] += w  # w has the slice's shape: its adjoint is the slice of y's adjoint itself
    return np.sum(y * y) + np.sum(x[x > 0.0])


@pytest.mark.parametrize("n", [4, 6])
def test_slice_update_by_an_array(n):
    rng = np.random.default_rng(n)
    x, w = rng.normal(size=n), rng.normal(size=2)
    gx, gw = s2sgrad.grad(add_rows, argnums=(0, 1))(x, w)
    want_x, want_w = s2sgrad.numerical_grad(add_rows, x, w, argnums=(0, 1))
    np.testing.assert_allclose(gx, want_x, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, want_w, rtol=1e-6, atol=1e-7)


def zero_first_of_sum(x):
    y = np.sin(x)
    y[0] = 0.0  # the adjoint of the sum is a read-only broadcast: updated on a copy
    return np.sum(y)


def zero_rows_of_mean(x):
    y = np.exp(x)
    y[1:3] = 0.0
    return np.mean(y)


def zero_in_loop(x):
    y = np.sin(x)
    for i in range(2):
        y[i] = 0.0
    return np.sum(y) * 3.0


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", [zero_first_of_sum, zero_rows_of_mean, zero_in_loop],
                         ids=lambda f: f.__name__)
def test_item_assignment_after_a_reduction(fn, shape):
    x = np.random.default_rng(3).normal(size=shape)
    got = s2sgrad.grad(fn)(x)
    np.testing.assert_allclose(got, s2sgrad.numerical_grad(fn, x), rtol=1e-6, atol=1e-8)
    tx = np.random.default_rng(4).normal(size=shape)
    _, tangent = s2sgrad.jvp(fn, (x,), (tx,))
    np.testing.assert_allclose(tangent, np.sum(got * tx), rtol=1e-9, atol=1e-12)


def product_then_update(a, b):
    c = a * 2.0
    z = np.einsum("ij,jk->ik", c, b)  # a product of two operands is a new array
    c[0, 0] = 5.0
    return np.sum(z * z) + np.sum(c * b)


def transposed_then_update(a):
    c = a * 2.0
    z = np.einsum("ij->ji", c)  # one operand: NumPy returns a view of c
    c[0, 0] = 5.0  # which Python would see through z
    return np.sum(z * z)


@pytest.mark.parametrize("n", [2, 3])
def test_einsum_of_two_operands_does_not_alias_them(n):
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    got = s2sgrad.grad(product_then_update, argnums=(0, 1))(a, b)
    want = s2sgrad.numerical_grad(product_then_update, a, b, argnums=(0, 1))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def test_update_seen_through_an_einsum_view_is_an_error():
    with pytest.raises(s2sgrad.UnsupportedSyntaxError, match="still used through"):
        s2sgrad.grad(transposed_then_update)(np.ones((2, 2)))
