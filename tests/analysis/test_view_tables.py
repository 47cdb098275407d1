"""Writes through a value that may be a view of an argument (analysis/aliasing.py): for each
way NumPy makes a view (or may hand back the array itself), a write through it that Python
would show in `x` is an UnsupportedSyntaxError at the write, never a gradient that ignores
the write. The ways that copy still differentiate, matching central differences."""

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors


def weights(x):
    return np.arange(1.0, x.size + 1.0).reshape(x.shape)


def mT(x):
    y = x.mT
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def matrix_transpose(x):
    y = np.matrix_transpose(x)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def permute_dims(x):
    y = np.permute_dims(x, (1, 0))
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def asarray_chkfinite(x):
    y = np.asarray_chkfinite(x)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def astype_no_copy(x):
    y = x.astype(float, copy=False)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def array_no_copy(x):
    y = np.array(x, copy=False)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def array_copy_if_needed(x):
    y = np.array(x, copy=None)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def require(x):
    y = np.require(x)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def flat(x):
    y = x.flat
    y[1] = 0.0
    return np.sum(x * x * weights(x))


def as_strided(x):
    y = np.lib.stride_tricks.as_strided(x)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def unstack(x):
    y = np.unstack(x)[0]
    y[1] = 0.0
    return np.sum(x * x * weights(x))


def broadcast_arrays(x):
    y = np.broadcast_arrays(x, x)[0]
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def mT_scaled(x):
    y = x.mT
    y *= 2.0
    return np.sum(x * x * weights(x))


def view(x):
    y = x.view()
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def moveaxis(x):
    y = np.moveaxis(x, 0, 1)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def atleast_2d(x):
    y = np.atleast_2d(x)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def split_piece(x):
    y = np.split(x, 2)[0]
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def reversed_rows(x):
    y = x[::-1]
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def asarray_same_dtype(x):
    y = np.asarray(x, dtype=np.float64)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


VIEWS = [mT, matrix_transpose, permute_dims, asarray_chkfinite, astype_no_copy, array_no_copy,
         array_copy_if_needed, require, flat, as_strided, unstack, broadcast_arrays, mT_scaled,
         view, moveaxis, atleast_2d, split_piece, reversed_rows, asarray_same_dtype]


def astype_copy(x):
    y = x.astype(float)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x)) + np.sum(y * y)


def array_copy(x):
    y = np.array(x)
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x)) + np.sum(y * y)


def flatten(x):
    y = x.flatten()
    y[1] = 0.0
    return np.sum(x * x * weights(x)) + np.sum(y * y)


COPIES = [astype_copy, array_copy, flatten]
SHAPES = [(2, 2), (2, 3)]


def python_writes_through(fn, x):
    """Whether Python's own run of `fn` changes `x` (the write goes through a view)."""
    before = x.copy()
    fn(x)
    return not np.array_equal(x, before)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fn", VIEWS, ids=lambda f: f.__name__)
def test_a_write_through_a_view_is_rejected_at_the_write(fn, shape):
    if fn is unstack and shape == (2, 3):
        shape = (3, 2)
    x = np.linspace(0.3, 1.4, int(np.prod(shape))).reshape(shape)
    assert python_writes_through(fn, x.copy())
    with pytest.raises(errors.UnsupportedSyntaxError) as info:
        s2sgrad.grad(fn)(x)
    assert "in-place update" in str(info.value) and "test_view_tables.py" in str(info.value)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fn", COPIES, ids=lambda f: f.__name__)
def test_a_write_into_a_copy_differentiates(fn, shape):
    x = np.linspace(0.3, 1.4, int(np.prod(shape))).reshape(shape)
    assert not python_writes_through(fn, x.copy())
    got = s2sgrad.grad(fn)(x)
    np.testing.assert_allclose(got, s2sgrad.numerical_grad(fn, x), rtol=1e-6, atol=1e-8)


def unbound_view(x):
    y = np.ndarray.view(x)  # a call s2sgrad has no table entry or rule for
    y[0, 1] = 0.0
    return np.sum(x * x * weights(x))


def test_an_unknown_call_whose_result_shares_memory_on_stand_ins_is_a_view():
    with pytest.raises(errors.UnsupportedSyntaxError):
        s2sgrad.grad(unbound_view)(np.ones((2, 2)))
    assert python_writes_through(unbound_view, np.ones((2, 2)))


def imag_part(x):
    y = x.imag
    y[0, 1] = 1.0
    return np.sum(x * x) + np.sum(y)


def broadcast_row(x):
    y = np.broadcast_to(x[0], x.shape)[1]
    y[0] = 1.0
    return np.sum(x * x) + np.sum(y)


def sliding_windows(x):
    y = np.lib.stride_tricks.sliding_window_view(x, 2, axis=1)
    y += 1.0
    return np.sum(x * x) + np.sum(y)


def broadcast_copy(x):
    y = np.broadcast_to(x[0], x.shape).copy()
    y[1, 0] = 1.0
    return np.sum(x * x) + np.sum(y * y)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fn", [imag_part, broadcast_row, sliding_windows],
                         ids=lambda f: f.__name__)
def test_a_write_into_a_read_only_array_is_rejected_where_python_raises(fn, shape):
    x = np.linspace(0.3, 1.4, int(np.prod(shape))).reshape(shape)
    with pytest.raises(ValueError, match="read-only"):
        fn(x.copy())
    with pytest.raises(errors.UnsupportedSyntaxError) as info:
        s2sgrad.grad(fn)(x)
    assert "read-only" in str(info.value) and "test_view_tables.py" in str(info.value)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_write_into_a_copy_of_a_broadcast_differentiates(shape):
    x = np.linspace(0.3, 1.4, int(np.prod(shape))).reshape(shape)
    got = s2sgrad.grad(broadcast_copy)(x)
    np.testing.assert_allclose(got, s2sgrad.numerical_grad(broadcast_copy, x), rtol=1e-6)
