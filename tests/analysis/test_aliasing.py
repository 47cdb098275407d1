"""Aliasing (analysis/aliasing.py): which values may share storage, so that an in-place
update that Python would show through another name is rejected, and one that it would not
is allowed."""

import inspect
import os

import numpy as np
import pytest

import s2sgrad
from s2sgrad import errors


def fancy_index_copy(x):
    y = x[[0, 1]]
    y[0] = 0.0
    return np.sum(x * x) + np.sum(y * y)


def mask_copy(x):
    y = x[x > 0.0]
    y[0] = 0.0
    return np.sum(x * x) + np.sum(y * y)


def slice_view(x):
    y = x[0:2]
    y[0] = 0.0
    return np.sum(x * x) + np.sum(y * y)


@pytest.mark.parametrize("fn", [fancy_index_copy, mask_copy])
def test_advanced_indexing_copies_so_writing_into_the_copy_is_allowed(fn):
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(s2sgrad.grad(fn)(x), s2sgrad.numerical_grad(fn, x), rtol=1e-7)


def test_a_slice_is_a_view_so_writing_into_it_is_still_rejected():
    with pytest.raises(errors.UnsupportedSyntaxError) as info:
        s2sgrad.grad(slice_view)(np.array([1.0, 2.0, 3.0]))
    lines, start = inspect.getsourcelines(slice_view)
    assert f"{os.path.basename(__file__)}:{start + 2}:" in str(info.value)
